"""A fetched body, in memory or in a file, to SourceText: sniffed, then read as a PDF (from disk
page by page) or decoded and extracted as HTML or text.

Why here, not in core: it opens files (a spooled download) and reaches pdfium through
verifier.documents.pdf; everything it decides on bytes is core's (sniff_kind, extract_markup).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from verifier.core.decoding import sniff_kind
from verifier.core.extract import OcrFn, PdfSource, extract_markup, scan_note
from verifier.core.values import SourceText
from verifier.documents.bounded import PDF_MEMORY_BYTES, PDF_SECONDS
from verifier.documents.pdf import Budget, read_pdf

#: a fetched PDF's text layer is read in a child process under this budget (documents.bounded)
PDF_BUDGET = Budget(PDF_MEMORY_BYTES, PDF_SECONDS)


@dataclass
class Extracted:
    """A body's text, a note on what could not be read, and whether the reader's memory or time
    budget stopped it before any text came out (a decompression bomb: the source is too_large)."""

    source: SourceText
    note: str | None = None
    over_budget: bool = False


def _head(body: PdfSource, n: int = 1024) -> bytes:
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    try:
        with open(os.fspath(body), "rb") as f:
            return f.read(n)
    except OSError:
        return b""


def extract_checked(body: PdfSource, content_type: str | None, url: str | None = None, *,
                    max_pdf_pages: int = 2000, max_html_elements: int = 25_000,
                    ocr: OcrFn | None = None, pdf_budget: Budget | None = PDF_BUDGET) -> Extracted:
    """extract(), with a note on what could not be read (a scanned PDF without OCR, PDF pages
    skipped for the budget) and whether the budget stopped the reader before any text.

    `body` may be a path to the downloaded file: PDFs are then read from disk page by page, in a
    child process held to `pdf_budget` (None: in this process); other kinds are read into memory.
    """
    body = body or b""
    try:
        head = _head(body)
        kind = sniff_kind(head, content_type)
        if kind == "pdf":
            r = read_pdf(body, max_pages=max_pdf_pages, ocr=ocr, budget=pdf_budget)
            notes = [n for n in (*r.source.notes, scan_note(r, ocr is not None)) if n]
            return Extracted(r.source, "; ".join(notes) or None,
                             over_budget=bool(r.source.notes) and not r.source.text.strip())
        if not isinstance(body, bytes | bytearray):
            with open(os.fspath(body), "rb") as f:
                body = f.read()
        return Extracted(extract_markup(bytes(body), kind, content_type, url, max_html_elements=max_html_elements))
    except Exception:  # the last guard: garbage never raises out of extraction
        return Extracted(SourceText(text=""))


def extract_with_note(body: PdfSource, content_type: str | None, url: str | None = None, *,
                      max_pdf_pages: int = 2000, max_html_elements: int = 25_000,
                      ocr: OcrFn | None = None) -> tuple[SourceText, str | None]:
    """extract(), and a note on what could not be read (a scanned PDF without OCR), else None."""
    got = extract_checked(body, content_type, url, max_pdf_pages=max_pdf_pages,
                          max_html_elements=max_html_elements, ocr=ocr)
    return got.source, got.note


def extract(body: PdfSource, content_type: str | None, url: str | None = None, *,
            max_pdf_pages: int = 2000, max_html_elements: int = 25_000,
            ocr: OcrFn | None = None) -> SourceText:
    """Text of a fetched body (bytes, or a path to it), dispatched on its sniffed type; empty text
    means no readable text. `ocr` reads scanned PDF pages (verifier.documents.ocr.make_ocr)."""
    return extract_with_note(body, content_type, url, max_pdf_pages=max_pdf_pages,
                             max_html_elements=max_html_elements, ocr=ocr)[0]
