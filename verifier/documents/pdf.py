"""Reading a PDF with pdfium: the file (or bytes) opened, each page's text layer read, OCR asked
for the pages without one.

Why here, not in core: this opens files and holds the process-wide PDFIUM_LOCK (pdfium is not
thread-safe); the pure page clean-up (running heads, usable-layer tests, joining the pages) is
verifier.core.extract's (pdf_text, usable_layer, scan_note).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from verifier.core.extract import OcrFn, PdfSource, PdfText, layer_lines, pdf_text, usable_layer
from verifier.core.values import SourceText

#: pdfium is not thread-safe: every pdfium call here and in verifier.documents.ocr holds this lock
PDFIUM_LOCK = threading.RLock()


def iter_layer(body: PdfSource, first: int = 0, max_pages: int = 2000) -> Iterator[dict[str, Any]]:
    """The text layer as JSON-able values: {"pages": n, "title": t} first (or {"unreadable": true}
    when pdfium cannot open the document), then {"page": i, "text": t} for pages `first`.. (0-based;
    text None when the page cannot be read). A bounded child runs this (documents.bounded)."""
    try:
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(bytes(body) if isinstance(body, bytes | bytearray) else os.fspath(body))
    except Exception:  # not a PDF, encrypted, damaged beyond repair, no such file
        yield {"unreadable": True}
        return
    try:
        try:
            title = (doc.get_metadata_dict().get("Title") or "").strip() or None
        except Exception:
            title = None
        n = min(len(doc), max(0, max_pages))
        yield {"pages": n, "title": title}
        for i in range(max(0, first), n):
            yield {"page": i, "text": _page_text(doc, i)}
    finally:
        doc.close()


def _page_text(doc: Any, i: int) -> str | None:
    try:
        page = doc[i]
    except Exception:
        return None
    try:
        tp = page.get_textpage()
        try:
            return str(tp.get_text_range())
        finally:
            tp.close()
    except Exception:
        return ""
    finally:
        page.close()


@dataclass
class Layer:
    """A PDF's text layer as read: per page its text (None: unreadable), the title, and the pages
    skipped because reading them broke the memory or time budget."""

    texts: list[str | None]
    title: str | None
    skipped: list[int] = field(default_factory=list)  # 1-based
    why: str | None = None

    def lines(self) -> tuple[list[list[str]], list[int]]:
        """Each page's layer lines and the pages without a usable layer (for OCR; skipped pages
        are not among them: rendering them for OCR would break the same budget)."""
        raw, scanned = [], []
        for i, t in enumerate(self.texts):
            raw.append(layer_lines(t or ""))
            if not usable_layer(t or "") and i + 1 not in self.skipped:
                scanned.append(i + 1)
        return raw, scanned

    def note(self) -> str | None:
        if not self.skipped:
            return None
        one = len(self.skipped) == 1
        pages = ", ".join(str(p) for p in self.skipped)
        why = (self.why or "broke the budget").removeprefix("gave up: ")
        rest = " (and the pages after them)" if self.why and self.why.startswith("gave up") else ""
        return (f"PDF page{'' if one else 's'} {pages}{rest} not read: reading "
                f"{'it' if one else 'them'} {why}")


def _read_layer(body: PdfSource, max_pages: int) -> Layer | None:
    """The text layer read in this process (no bound); None when pdfium cannot open the document."""
    items = list(iter_layer(body, 0, max_pages))
    if not items or "unreadable" in items[0]:
        return None
    texts: list[str | None] = [None] * int(items[0]["pages"])
    for it in items[1:]:
        texts[int(it["page"])] = it["text"]
    return Layer(texts, items[0]["title"])


#: after this many pages skipped for the budget the rest of the document is not read
MAX_SKIPPED_PAGES = 3


def read_layer_bounded(body: PdfSource, max_pages: int, *, memory_bytes: int, seconds: float) -> Layer | None:
    """The text layer read in a child process under the memory and time budget (documents.bounded).

    A page whose streams break the budget stops the child: that page is skipped (with a note) and
    a new child goes on from the next one, at most MAX_SKIPPED_PAGES times, within `seconds` in all.
    """
    from verifier.documents.bounded import run_bounded_lines

    path = None if isinstance(body, bytes | bytearray) else os.fspath(body)
    payload = bytes(body) if isinstance(body, bytes | bytearray) else b""
    deadline = time.monotonic() + seconds
    layer: Layer | None = None
    first = 0
    while True:
        head = json.dumps({"path": path, "first": first, "max_pages": max_pages}).encode() + b"\n"
        got = run_bounded_lines("verifier.documents.bounded:pdf_source_pages", head + payload,
                                memory_bytes=memory_bytes, seconds=max(1.0, deadline - time.monotonic()))
        layer, first = _merge(layer, got.items, first)
        if layer is None or got.stopped is None:
            return layer
        layer.why = got.stopped
        if first >= len(layer.texts):
            return layer
        layer.skipped.append(first + 1)
        first += 1
        if len(layer.skipped) >= MAX_SKIPPED_PAGES or time.monotonic() >= deadline:
            layer.why = f"gave up: {got.stopped}"
            return layer


def _merge(layer: Layer | None, items: list[Any], first: int) -> tuple[Layer | None, int]:
    """Fold one child's lines into the layer; the first page it did not finish."""
    for it in items:
        if "unreadable" in it:
            return None, first
        if "pages" in it:
            layer = layer or Layer([None] * int(it["pages"]), it.get("title"))
        elif layer is not None and "page" in it:
            layer.texts[int(it["page"])] = it["text"]
            first = int(it["page"]) + 1
    return layer, first


@dataclass(frozen=True)
class Budget:
    """Memory (address space) and wall time for reading one PDF in a child process."""

    memory_bytes: int
    seconds: float


def read_pdf(body: PdfSource, *, max_pages: int = 2000, ocr: OcrFn | None = None,
             budget: Budget | None = None) -> PdfText:
    """A PDF (bytes, or a file path: a large scan is never read whole) as page texts joined by
    "\n\n", with page offsets; pages without a usable text layer go to `ocr` when given.

    Line-end hyphenation ("inves-\ntigation") is left as is, and where pdfium rejoined such a word
    ("investi\ufffegation") the break is put back: the aligner's normaliser joins it.
    Past max_pages the rest of the document is not read. With a `budget` the text layer is read
    in a child process held to it (pages that break it are skipped, said in `source.notes`).
    Never raises.
    """
    if budget is not None:
        layer = read_layer_bounded(body, max_pages, memory_bytes=budget.memory_bytes, seconds=budget.seconds)
    else:
        with PDFIUM_LOCK:
            layer = _read_layer(body, max_pages)
    if layer is None:
        return PdfText(SourceText(text=""))
    raw_pages, scanned = layer.lines()
    title = layer.title
    got: dict[int, str] = {}
    ocr_error: str | None = None
    if ocr is not None and scanned:
        try:
            got = ocr(list(scanned), body)
        except Exception as e:  # the hook is I/O: tesseract missing, killed, out of time
            got, ocr_error = {}, str(e)[:200] or type(e).__name__
    out = pdf_text(raw_pages, scanned, title, got, ocr_error)
    note = layer.note()
    if note:
        out.source.notes = [*out.source.notes, note]
    return out


def extract_pdf(body: PdfSource, *, max_pages: int = 2000,
                ocr: OcrFn | None = None) -> tuple[SourceText, list[int]]:
    """Page texts joined by "\n\n", with page offsets; also the 1-based pages left without text.

    `body` is the PDF's bytes or a path to it; `ocr`, when given, reads the pages that have no
    usable text layer (see read_pdf).
    """
    r = read_pdf(body, max_pages=max_pages, ocr=ocr)
    return r.source, r.no_text
