"""A fact-checker's own copy of a cited source (`--source 3=saved-page.html`), read to its text.

Why here: a supplied copy is untrusted bytes like a brief upload, so it goes through the same
capped readers: the size limit of briefs (VERIFIER_MAX_BRIEF_BYTES), Word files through intake's
size-capped part reader (bombs and nested archives refused), PDFs in a child process under the
memory and time budget (verifier.documents.bounded), HTML and text through the same extractor as
a fetched page, so a quote is judged on a saved page exactly as on the live one. Every refusal is
one line naming the file (BriefTooLarge for size, BriefUnreadable for a file that cannot be read).
"""

from __future__ import annotations

from pathlib import Path

from verifier.core.extract import extract_markup
from verifier.core.intake import brief_from_bytes, choose_format, mb
from verifier.core.intake import read_capped_file as intake_read_capped
from verifier.core.values import BriefError, BriefTooLarge, BriefUnreadable, SourceText
from verifier.documents.pdf import read_pdf
from verifier.documents.source import PDF_BUDGET

#: fewer words than this is no readable text (as for a fetched page)
MIN_WORDS = 3


def read_supplied(data: bytes, *, name: str, content_type: str | None = None, url: str | None = None,
                  max_bytes: int = 10_000_000) -> SourceText:
    """The text of a supplied copy; BriefError (one line, naming the file) when it cannot be used."""
    label = f"the supplied copy {name}"
    if len(data) > max_bytes:
        raise BriefTooLarge(f"{label} is {mb(len(data))}; the limit is {mb(max_bytes)}")
    if not data.strip():
        raise BriefError(f"{label} is empty")
    fmt = choose_format(data, name, content_type)
    if fmt == "pdf":
        text = _pdf(data, label)
    elif fmt == "html":
        text = extract_markup(data, "html", content_type, url)
    else:  # text, Markdown, Word, and anything else (refused as "not a text, HTML, PDF or Word file")
        try:
            brief = brief_from_bytes(data, name=name, content_type=content_type, max_bytes=max_bytes)
        except BriefError as e:
            raise type(e)(f"{label}: {e}") from None
        text = SourceText(text=brief.text, title=brief.title, notes=list(brief.notes))
    if len(text.text.split()) < MIN_WORDS:
        raise BriefUnreadable(f"{label} has no readable text")
    return text


def _pdf(data: bytes, label: str) -> SourceText:
    got = read_pdf(data, budget=PDF_BUDGET)
    if got.source.notes and not got.source.text.strip():
        raise BriefTooLarge(f"{label}: {got.source.notes[0]}; refused")
    if not got.source.text.strip():
        raise BriefUnreadable(f"{label}: the PDF has no text layer (a scan?) or cannot be read")
    return got.source


def read_capped_file(path: str | Path, max_bytes: int) -> bytes:
    """A supplied copy's bytes from disk, refused for size before it is read (one-line errors)."""
    return intake_read_capped(path, max_bytes, what="a saved copy of a source", too_large=lambda size: BriefTooLarge(
        f"the supplied copy {Path(path).name} is {mb(size)}; the limit is {mb(max_bytes)}"))
