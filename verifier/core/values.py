"""Plain values passed between the pipeline stages. No I/O, no database."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime

from verifier.core.statuses import DiffKind, LinkStatus, Verdict


class BriefError(Exception):
    """Input that cannot be used at all; the message is one line meant for the user."""


class BriefTooLarge(BriefError):
    """A brief, or a part of it once inflated, over the size budget (the API answers 413)."""


class BriefUnreadable(BriefError):
    """A brief that is not a readable text, HTML, PDF or Word file (the API answers 400)."""


@dataclass(frozen=True)
class Link:
    """A hyperlink found in a brief: offsets of its anchor text in BriefText.text."""

    url: str
    start: int
    end: int
    text: str = ""


@dataclass
class BriefText:
    """A brief reduced to plain text, with the links its markup carried."""

    text: str
    links: list[Link] = field(default_factory=list)
    title: str | None = None
    fmt: str = "txt"  # md | txt | html | pdf | docx
    #: (start, end) spans of block quotes the markup marked (HTML <blockquote>, a docx Quote
    #: style); Markdown `>` blocks are found by the parser in the text itself.
    blockquotes: list[tuple[int, int]] = field(default_factory=list)
    #: warnings about how the brief was read (bytes replaced, structure repaired…), one line each
    notes: list[str] = field(default_factory=list)


@dataclass
class Citation:
    """A cited reference; ref is its marker or, in unnumbered lists, its 1-based position."""

    ref: str
    url: str
    title: str | None = None
    start: int = 0
    end: int = 0
    #: the other numbers the brief's list gives the same URL (notes 2 and 5 citing one page):
    #: a marker naming one of them credits this citation
    aliases: list[str] = field(default_factory=list)


@dataclass
class Quote:
    """A quoted passage: text without the marks; start/end are offsets of that text in the brief."""

    id: str
    text: str
    start: int
    end: int
    cites: list[str] = field(default_factory=list)
    reason: str | None = None  # a skipped quote: why it is not checked (a name, a title, one word, …)


@dataclass
class ParsedBrief:
    quotes: list[Quote]
    citations: list[Citation]
    skipped: list[Quote] = field(default_factory=list)  # too short to be worth checking


@dataclass
class Snapshot:
    """One fetch of one URL, as the fetcher saw it."""

    url: str
    status: LinkStatus
    final_url: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # the kept ones, by lower-cased name
    header_list: list[tuple[str, str]] = field(default_factory=list)  # every header, in order, duplicates kept
    body: bytes = b""
    error: str | None = None
    fetched_at: datetime | None = None
    redirects: list[str] = field(default_factory=list)
    not_modified: bool = False  # a conditional refetch answered 304
    body_path: str | None = None  # a large body (a PDF) streamed to a temporary file instead of `body`
    provenance: str = "fetched"  # fetched | rendered | archived | supplied (the contract's names)


@dataclass
class SourceText:
    """Text extracted from a snapshot. Evidence offsets point into `text`.

    For HTML, `text` is the main text, then the full visible text of the page after
    `main_end` (so a caption or sidebar quote is still found). For PDFs, `pages` lists
    (offset, page number) where each page starts.
    """

    text: str
    title: str | None = None
    pages: list[tuple[int, int]] = field(default_factory=list)
    main_end: int | None = None
    #: warnings from decoding the source (bytes replaced, a charset guessed), one line each
    notes: list[str] = field(default_factory=list)
    #: why `text` is only part of the source (a paywall shows its first paragraphs), else None:
    #: a passage not in it may be in the rest, so it is unverifiable, not not_found
    partial: str | None = None

    def page_at(self, offset: int) -> int | None:
        if not self.pages:
            return None
        starts = [p[0] for p in self.pages]
        i = bisect.bisect_right(starts, offset) - 1
        return self.pages[max(i, 0)][1]


@dataclass
class Difference:
    kind: DiffKind
    quote: str
    source: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": str(self.kind), "quote": self.quote, "source": self.source}


@dataclass
class Evidence:
    text: str
    start: int
    end: int
    page: int | None = None
    context: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"text": self.text, "start": self.start, "end": self.end, "page": self.page,
                "context": self.context}


@dataclass
class Match:
    """A quote aligned in one source: the verdict that source alone gives it."""

    verdict: Verdict  # verified | minor_differences | altered
    score: float
    evidence: Evidence
    differences: list[Difference] = field(default_factory=list)


@dataclass
class Judgement:
    """The final verdict on one quote across all cited sources."""

    verdict: Verdict
    score: float | None = None
    source_ref: str | None = None
    evidence: Evidence | None = None
    differences: list[Difference] = field(default_factory=list)
    note: str | None = None
