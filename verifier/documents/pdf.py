"""Reading a PDF with pdfium: the file (or bytes) opened, each page's text layer read, OCR asked
for the pages without one.

Why here, not in core: this opens files and holds the process-wide PDFIUM_LOCK (pdfium is not
thread-safe); the pure page clean-up (running heads, usable-layer tests, joining the pages) is
verifier.core.extract's (pdf_text, usable_layer, scan_note).
"""

from __future__ import annotations

import os
import threading

from verifier.core.extract import OcrFn, PdfSource, PdfText, layer_lines, pdf_text, usable_layer
from verifier.core.values import SourceText

#: pdfium is not thread-safe: every pdfium call here and in verifier.documents.ocr holds this lock
PDFIUM_LOCK = threading.RLock()


def _read_layer(body: PdfSource, max_pages: int) -> tuple[list[list[str]], list[int], str | None] | None:
    """Each page's text-layer lines, the pages without a usable layer, and the title; None when
    pdfium cannot open or read the document."""
    try:
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(bytes(body) if isinstance(body, bytes | bytearray) else os.fspath(body))
    except Exception:  # not a PDF, encrypted, damaged beyond repair, no such file
        return None
    raw_pages: list[list[str]] = []
    scanned: list[int] = []
    title: str | None = None
    try:
        try:
            title = (doc.get_metadata_dict().get("Title") or "").strip() or None
        except Exception:
            title = None
        for i in range(min(len(doc), max(0, max_pages))):
            t = ""
            try:
                page = doc[i]
            except Exception:
                raw_pages.append([])
                scanned.append(i + 1)
                continue
            try:
                tp = page.get_textpage()
                try:
                    t = tp.get_text_range()
                finally:
                    tp.close()
            except Exception:
                t = ""
            finally:
                page.close()
            raw_pages.append(layer_lines(t))
            if not usable_layer(t):
                scanned.append(i + 1)
    except Exception:
        return None
    finally:
        doc.close()
    return raw_pages, scanned, title


def read_pdf(body: PdfSource, *, max_pages: int = 2000, ocr: OcrFn | None = None) -> PdfText:
    """A PDF (bytes, or a file path: a large scan is never read whole) as page texts joined by
    "\n\n", with page offsets; pages without a usable text layer go to `ocr` when given.

    Line-end hyphenation ("inves-\ntigation") is left as is, and where pdfium rejoined such a word
    ("investi\ufffegation") the break is put back: the aligner's normaliser joins it.
    Past max_pages the rest of the document is not read. Never raises.
    """
    with PDFIUM_LOCK:
        raw = _read_layer(body, max_pages)
    if raw is None:
        return PdfText(SourceText(text=""))
    raw_pages, scanned, title = raw
    got: dict[int, str] = {}
    ocr_error: str | None = None
    if ocr is not None and scanned:
        try:
            got = ocr(list(scanned), body)
        except Exception as e:  # the hook is I/O: tesseract missing, killed, out of time
            got, ocr_error = {}, str(e)[:200] or type(e).__name__
    return pdf_text(raw_pages, scanned, title, got, ocr_error)


def extract_pdf(body: PdfSource, *, max_pages: int = 2000,
                ocr: OcrFn | None = None) -> tuple[SourceText, list[int]]:
    """Page texts joined by "\n\n", with page offsets; also the 1-based pages left without text.

    `body` is the PDF's bytes or a path to it; `ocr`, when given, reads the pages that have no
    usable text layer (see read_pdf).
    """
    r = read_pdf(body, max_pages=max_pages, ocr=ocr)
    return r.source, r.no_text
