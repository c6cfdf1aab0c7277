"""The fact-checker's own copies of cited sources: `--source 3=saved-page.html` and the API's `sources`.

Why: a walled, paywalled or dead page ends as `unverifiable`, yet the fact-checker often holds a
copy (a subscription, a saved page, the report as e-mailed). A supplied copy becomes that
citation's evidence: its snapshot has provenance `supplied` (file name, sha256, who supplied
it), the brief's quotes are judged on it as on a fetched page, and the live URL is still fetched
for link health, so the source's `status` (and the exit status) stays the live page's own.

The copy serves the brief it came with only: it is kept as a snapshot of the source but never
becomes the source's latest (shared) snapshot; the citation points at it. The CLI and the API
call the same two functions: `read_copies` (every ref must be one of the brief's citations,
every file passes the capped readers of verifier.documents.supplied) before anything is stored,
and `attach` once the brief's rows exist.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlmodel import Session

from verifier.core.values import BriefError, ParsedBrief, SourceText
from verifier.documents.supplied import read_supplied
from verifier.storage import store
from verifier.storage.models import Citation

#: how many copies one brief may come with
MAX_COPIES = 50


class UnknownSourceRef(BriefError):
    """A copy was supplied for a ref the brief does not cite (exit 2 / HTTP 422)."""


@dataclass(frozen=True)
class SuppliedFile:
    """A copy as received: the citation ref it is for, its file name, bytes and declared type."""

    ref: str
    file_name: str
    data: bytes
    content_type: str | None = None


@dataclass(frozen=True)
class SuppliedCopy:
    """A supplied copy read to its text, ready to store."""

    file: SuppliedFile
    text: SourceText
    sha256: str


def parse_source_option(value: str) -> tuple[str, str]:
    """`--source REF=FILE` as (ref, file); a one-line error when it is not of that shape."""
    ref, sep, path = value.partition("=")
    ref = ref.strip().strip("[]").strip()
    if not sep or not ref or not path.strip():
        raise BriefError(f"--source {value!r}: give REF=FILE, e.g. --source 3=saved-page.html")
    return ref, path.strip()


def _refs_list(parsed: ParsedBrief) -> str:
    refs = [c.ref for c in parsed.citations]
    return ", ".join(refs[:20]) + (" …" if len(refs) > 20 else "") if refs else "none"


def check_refs(files: list[SuppliedFile], parsed: ParsedBrief) -> None:
    """Every copy names a ref the brief cites, once each; else UnknownSourceRef / BriefError."""
    known = {c.ref for c in parsed.citations}
    if len(files) > MAX_COPIES:
        raise BriefError(f"{len(files)} supplied copies; at most {MAX_COPIES} per brief")
    seen: set[str] = set()
    for f in files:
        if f.ref not in known:
            raise UnknownSourceRef(f"source [{f.ref}] (for {f.file_name}) is not cited by the brief; "
                                   f"its sources are: {_refs_list(parsed)}")
        if f.ref in seen:
            raise BriefError(f"two copies supplied for source [{f.ref}]; give one")
        seen.add(f.ref)


def read_copies(files: list[SuppliedFile], parsed: ParsedBrief, *, max_bytes: int) -> list[SuppliedCopy]:
    """Check the refs, then read every copy through the capped readers (PDFs in a bounded child).

    Raises BriefError (BriefTooLarge for size, UnknownSourceRef for a ref not cited) in one line."""
    check_refs(files, parsed)
    url_of = {c.ref: c.url for c in parsed.citations}
    return [SuppliedCopy(f, read_supplied(f.data, name=f.file_name, content_type=f.content_type,
                                          url=url_of[f.ref], max_bytes=max_bytes),
                         hashlib.sha256(f.data).hexdigest())
            for f in files]


def attach(session: Session, brief_id: str, copies: list[SuppliedCopy], *, supplied_by: str) -> None:
    """Store each copy as a `supplied` snapshot of its source and point its citation at it."""
    if not copies:
        return
    by_ref = {c.ref: c for c in store.citations_of(session, brief_id)}
    for copy in copies:
        cit: Citation = by_ref[copy.file.ref]
        src = store.get_or_create_source(session, cit.url)
        row = store.record_supplied(session, src, copy.text, copy.file.data, url=cit.url,
                                    content_type=copy.file.content_type or _type_of(copy.file.file_name),
                                    supplied={"file_name": copy.file.file_name, "sha256": copy.sha256,
                                              "supplied_by": supplied_by})
        cit.supplied_snapshot_id = row.id
        session.add(cit)
    session.commit()


_TYPES = {".html": "text/html", ".htm": "text/html", ".xhtml": "application/xhtml+xml", ".pdf": "application/pdf",
          ".txt": "text/plain", ".md": "text/markdown",
          ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _type_of(name: str) -> str:
    dot = name.rfind(".")
    return _TYPES.get(name[dot:].lower() if dot >= 0 else "", "application/octet-stream")
