"""The contract's result document as types: what `verifier check --format json` prints, what
`GET /v1/briefs/{id}` answers, and what every report (table, Markdown, CSV, HTML) renders.

Why Pydantic models in the pure core: the document was an untyped dict that four writers and five
readers agreed on by habit. As models its field names, value sets (the statuses' enums) and shape
are declared once; the API shows the real schema in `/docs`, and a test checks that schema
against the contract (tests/unit/test_document_schema.py). Field names and their order are the
JSON's, exactly as the contract and its extensions (progress, note, snapshot_id, history,
skipped_quotes) have them.

Fields that later sections of the contract add (`provenance`, `supplied`, `claims`) are declared
optional and left out of the JSON while unset; the result builder always fills `claims` (an
empty list when a brief has none).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from verifier.core.statuses import ACCEPTED, BriefStatus, DiffKind, LinkStatus, Verdict

#: an ISO 8601 UTC time as the document writes it ("2026-03-03T14:05:00Z")
IsoTime = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
LinkState = Literal["live", "failing", "dead"]
Drift = Literal["unchanged", "moved", "changed", "removed"]
Provenance = Literal["fetched", "rendered", "archived", "supplied"]
FlagKind = Literal["number", "date", "name", "negation"]
Support = Literal["unverifiable", "unsupported", "supported", "partly_supported"]


def _absent(value: Any) -> bool:
    return value is None


def _omitted_when_unset() -> Any:
    """An optional field that stays out of the JSON while None (added sections, opt-in parts)."""
    return Field(default=None, exclude_if=_absent)


class _Part(BaseModel):
    model_config = ConfigDict(validate_assignment=True)


class Archive(_Part):
    url: str
    captured_at: IsoTime | None = None


class Check(_Part):
    """One entry of a source's check history."""

    checked_at: IsoTime | None
    status: LinkStatus | None
    http_status: int | None = None
    text_sha256: str | None = None


class Supplied(_Part):
    file_name: str
    sha256: str


class Source(_Part):
    ref: str
    url: str
    final_url: str | None = None
    status: LinkStatus | None = None
    http_status: int | None = None
    content_type: str | None = None
    title: str | None = None
    fetched_at: IsoTime | None = None
    text_sha256: str | None = None
    error: str | None = None
    snapshot_id: int | None = None
    state: LinkState = "live"
    archive: Archive | None = None
    history: list[Check] | None = _omitted_when_unset()
    #: how many checks there are in all, when `history` lists only the latest (a brief's document)
    history_total: int | None = _omitted_when_unset()
    provenance: Provenance | None = _omitted_when_unset()
    supplied: Supplied | None = _omitted_when_unset()


class Evidence(_Part):
    text: str
    start: int
    end: int
    page: int | None = None
    context: str = ""


class Difference(_Part):
    kind: DiffKind
    quote: str
    source: str


class Quote(_Part):
    id: str
    text: str
    start: int
    end: int
    cites: list[str] = []
    verdict: Verdict | None = None
    score: float | None = None
    source_ref: str | None = None
    source_url: str | None = None
    evidence: Evidence | None = None
    differences: list[Difference] = []
    note: str | None = None
    drift: Drift | None = None
    drift_text: str | None = None
    archive_verdict: Verdict | None = None


class SkippedQuote(_Part):
    """A quoted passage not checked (names, titles, scare quotes, one word), with why."""

    text: str
    start: int
    end: int
    reason: str | None = None


class Progress(_Part):
    sources_total: int = 0
    sources_done: int = 0
    quotes_total: int = 0
    quotes_done: int = 0
    ocr_pages_total: int = 0
    ocr_pages_done: int = 0


class ClaimEvidence(_Part):
    text: str
    start: int
    end: int
    page: int | None = None
    score: float


class Flag(_Part):
    kind: FlagKind
    claim: str | None
    source: str | None


class Claim(_Part):
    """A cited sentence without quotation marks (the contract's "Claims" section)."""

    id: str
    text: str
    start: int
    end: int
    cites: list[str]
    source_ref: str | None = None
    source_url: str | None = None
    evidence: list[ClaimEvidence] = []
    coverage: float | None = None
    flags: list[Flag] = []
    support: Support

    def needs_attention(self, claims_exit: str = "contradiction") -> bool:
        """Whether this claim sets the exit status 1 under VERIFIER_CLAIMS_EXIT."""
        if claims_exit == "never":
            return False
        if claims_exit == "flag":
            return bool(self.flags) or self.support == "unsupported"
        return any(f.source is not None for f in self.flags)


class ResultDocument(_Part):
    brief_id: str
    status: BriefStatus
    title: str | None = None
    origin: str | None = None
    created_at: IsoTime | None = None
    finished_at: IsoTime | None = None
    error: str | None = None
    progress: Progress = Progress()
    sources: list[Source] = []
    quotes: list[Quote] = []
    skipped_quotes: list[SkippedQuote] = []
    #: how the brief was read: bytes that were not valid UTF-8 replaced, deep HTML repaired…
    notes: list[str] = []
    claims: list[Claim] | None = _omitted_when_unset()
    brief_text: str | None = _omitted_when_unset()

    def needs_attention(self, claims_exit: str = "contradiction") -> bool:
        """The contract's exit status 1: a quote not accepted, a source not ok, or a claim as
        `claims_exit` (VERIFIER_CLAIMS_EXIT) says: a contradiction, any flag or unsupported, never."""
        if any(q.verdict not in ACCEPTED for q in self.quotes):
            return True
        if any(s.status != LinkStatus.OK for s in self.sources):
            return True
        return any(c.needs_attention(claims_exit) for c in self.claims or [])

    def to_json_bytes(self) -> bytes:
        """The document as compact UTF-8 JSON, ready to send or cache as it is."""
        return self.model_dump_json().encode()
