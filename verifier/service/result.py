"""The contract's result document, built from stored rows (the CLI, `show` and the API share it).

Why here and not in storage: the document joins a brief's rows (citations, sources, snapshots,
checks, quotes) into the contract's shape; the shape itself is declared by the models in
verifier/core/document.py, so a row that does not fit the contract fails here, not in a reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from verifier.core.document import (
    Archive,
    Check,
    Claim,
    ClaimEvidence,
    Flag,
    Progress,
    Quote,
    ResultDocument,
    Source,
    Supplied,
)
from verifier.service.archive_first import provenance
from verifier.storage import store
from verifier.storage.models import Brief, CheckRow, Citation, ClaimRow, QuoteRow, SnapshotRow
from verifier.storage.models import Source as SourceRow

__all__ = ["ResultDocument", "build_result", "iso", "needs_attention"]


def iso(dt: datetime | None) -> str | None:
    return dt.isoformat().replace("+00:00", "Z") if dt else None


#: the latest checks of each source a brief's document lists (a source checked daily for years
#: would make every poll of every brief citing it rebuild and send its whole history);
#: `GET /v1/briefs/{id}/sources` and `verifier show ID --history` list every check
DOCUMENT_HISTORY = 20


def build_result(session: Session, brief_id: str, *, history: bool = True, history_limit: int | None = DOCUMENT_HISTORY,
                 with_text: bool = False) -> ResultDocument:
    brief = session.get(Brief, brief_id, options=() if with_text else (defer(Brief.text),))  # type: ignore[arg-type]
    if brief is None:
        raise KeyError(brief_id)
    citations = store.citations_of(session, brief_id)
    cited = store.cited_sources(session, brief_id, text=False, citations=citations)
    checks = _checks_of(session, [src for _, src, _ in cited], history_limit) if history else None
    url_of_ref = {c.ref: c.url for c, _, _ in cited}
    copies = store.supplied_of(session, brief_id, text=False, citations=citations)
    return ResultDocument(
        brief_id=brief.id, status=brief.status, title=brief.title, origin=brief.origin,
        created_at=iso(brief.created_at), finished_at=iso(brief.finished_at), error=brief.error,
        progress=Progress(sources_total=brief.sources_total, sources_done=brief.sources_done,
                          quotes_total=brief.quotes_total, quotes_done=brief.quotes_done,
                          ocr_pages_total=brief.ocr_pages_total, ocr_pages_done=brief.ocr_pages_done),
        sources=[_with_copy(_source(c, src, snap, checks), copies.get(c.ref)) for c, src, snap in cited],
        quotes=[_quote(q, url_of_ref) for q in store.quotes_of(session, brief_id)],
        skipped_quotes=list(brief.skipped),
        claims=[_claim(c, url_of_ref) for c in store.claims_of(session, brief_id)],
        notes=[str(n) for n in brief.notes or []],
        brief_text=brief.text if with_text else None,
    )


def needs_attention(doc: ResultDocument, claims_exit: str = "contradiction") -> bool:
    """The contract's exit status 1: a quote not accepted, a source not ok, or a claim as
    VERIFIER_CLAIMS_EXIT says (by default: a flag with a `source`, a contradiction)."""
    return doc.needs_attention(claims_exit)


@dataclass
class _History:
    """Each source's checks, oldest first (the latest `limit` of them), and how many it has in all."""

    checks: dict[int, list[Check]]
    totals: dict[int, int]


def _checks_of(session: Session, sources: list[SourceRow], limit: int | None) -> _History:
    ids = list({src.id for src in sources if src.id is not None})
    out = _History({i: [] for i in ids}, dict.fromkeys(ids, 0))
    if not ids:
        return out
    latest = func.row_number().over(partition_by=col(CheckRow.source_id),
                                    order_by=(col(CheckRow.checked_at).desc(), col(CheckRow.id).desc()))
    counted = func.count().over(partition_by=col(CheckRow.source_id))
    ranked = (select(col(CheckRow.id).label("id"), latest.label("rank"), counted.label("total"))
              .where(col(CheckRow.source_id).in_(ids)).subquery())
    query = (sa_select(col(CheckRow.source_id), col(CheckRow.checked_at), col(CheckRow.status),
                    col(CheckRow.http_status), col(CheckRow.text_sha256), ranked.c.total)
             .join(ranked, ranked.c.id == col(CheckRow.id))
             .order_by(col(CheckRow.checked_at), col(CheckRow.id)))  # columns, not rows: no ORM objects
    if limit is not None:
        query = query.where(ranked.c.rank <= limit)
    for source_id, checked_at, status, http_status, text_sha256, total in session.execute(query):
        out.checks[source_id].append(Check(checked_at=iso(checked_at), status=status,
                                           http_status=http_status, text_sha256=text_sha256))
        out.totals[source_id] = total
    return out


def _source(c: Citation, src: SourceRow, snap: SnapshotRow | None, checks: _History | None) -> Source:
    listed = None if checks is None else list(checks.checks.get(src.id or -1, []))
    total = None if checks is None else checks.totals.get(src.id or -1, 0)
    return Source(
        ref=c.ref, url=c.url,
        final_url=snap.final_url if snap else None,
        status=snap.status if snap else None,
        http_status=snap.http_status if snap else None,
        content_type=snap.content_type if snap else None,
        title=(snap.title if snap and snap.title else c.title),
        fetched_at=iso(snap.fetched_at) if snap else None,
        text_sha256=snap.text_sha256 if snap else None,
        error=snap.error if snap else None,
        snapshot_id=snap.id if snap else None,
        state=src.state,
        archive=(Archive(url=src.archive_url, captured_at=iso(src.archive_captured_at))
                 if src.archive_url else None),
        provenance=provenance(src, snap),
        history=listed,
        history_total=total if listed is not None and total is not None and total > len(listed) else None,
    )


def _with_copy(s: Source, copy: SnapshotRow | None) -> Source:
    """A source judged on a supplied copy: the copy's text and snapshot, the live page's status."""
    if copy is None or not copy.supplied:
        return s
    s.provenance = "supplied"
    s.supplied = Supplied(file_name=str(copy.supplied.get("file_name", "")), sha256=str(copy.supplied.get("sha256", "")))
    s.snapshot_id, s.text_sha256 = copy.id, copy.text_sha256
    s.title = copy.title or s.title
    return s


def _quote(q: QuoteRow, url_of_ref: dict[str, str]) -> Quote:
    return Quote(
        id=q.qid, text=q.text, start=q.start, end=q.end, cites=list(q.cites),
        verdict=q.verdict, score=q.score, source_ref=q.source_ref,
        source_url=url_of_ref.get(q.source_ref or ""),
        evidence=q.evidence, differences=list(q.differences), note=q.note,
        drift=q.drift, drift_text=q.drift_text, archive_verdict=q.archive_verdict,
    )


def _claim(c: ClaimRow, url_of_ref: dict[str, str]) -> Claim:
    return Claim(
        id=c.cid, text=c.text, start=c.start, end=c.end, cites=[str(r) for r in c.cites],
        source_ref=c.source_ref, source_url=url_of_ref.get(c.source_ref or ""),
        evidence=[ClaimEvidence.model_validate(e) for e in c.evidence or []],
        coverage=c.coverage, flags=[Flag.model_validate(f) for f in c.flags or []],
        support=c.support or "unverifiable",
    )
