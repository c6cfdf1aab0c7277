"""A fetched body, in memory or in a file, to SourceText: sniffed, then read as a PDF (from disk
page by page) or decoded and extracted as HTML or text.

Why here, not in core: it opens files (a spooled download) and reaches pdfium through
verifier.documents.pdf; everything it decides on bytes is core's (sniff_kind, extract_markup).
"""

from __future__ import annotations

import os

from verifier.core.decoding import sniff_kind
from verifier.core.extract import OcrFn, PdfSource, extract_markup, scan_note
from verifier.core.values import SourceText
from verifier.documents.pdf import read_pdf


def _head(body: PdfSource, n: int = 1024) -> bytes:
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    try:
        with open(os.fspath(body), "rb") as f:
            return f.read(n)
    except OSError:
        return b""


def extract_with_note(body: PdfSource, content_type: str | None, url: str | None = None, *,
                      max_pdf_pages: int = 2000, max_html_elements: int = 25_000,
                      ocr: OcrFn | None = None) -> tuple[SourceText, str | None]:
    """extract(), and a note on what could not be read (a scanned PDF without OCR), else None.

    `body` may be a path to the downloaded file: PDFs are then read from disk page by page;
    other kinds are read into memory.
    """
    body = body or b""
    try:
        head = _head(body)
        kind = sniff_kind(head, content_type)
        if kind == "pdf":
            r = read_pdf(body, max_pages=max_pdf_pages, ocr=ocr)
            return r.source, scan_note(r, ocr is not None)
        if not isinstance(body, bytes | bytearray):
            with open(os.fspath(body), "rb") as f:
                body = f.read()
        return extract_markup(bytes(body), kind, content_type, url, max_html_elements=max_html_elements), None
    except Exception:  # the last guard: garbage never raises out of extraction
        return SourceText(text=""), None


def extract(body: PdfSource, content_type: str | None, url: str | None = None, *,
            max_pdf_pages: int = 2000, max_html_elements: int = 25_000,
            ocr: OcrFn | None = None) -> SourceText:
    """Text of a fetched body (bytes, or a path to it), dispatched on its sniffed type; empty text
    means no readable text. `ocr` reads scanned PDF pages (verifier.documents.ocr.make_ocr)."""
    return extract_with_note(body, content_type, url, max_pdf_pages=max_pdf_pages,
                             max_html_elements=max_html_elements, ocr=ocr)[0]
