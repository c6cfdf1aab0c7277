"""The contract's result document, built from stored rows (the CLI, `show` and the API share it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from verifier.core.statuses import ACCEPTED, LinkStatus
from verifier.service.archive_first import provenance
from verifier.storage import store
from verifier.storage.models import Brief, CheckRow


def iso(dt: datetime | None) -> str | None:
    return dt.isoformat().replace("+00:00", "Z") if dt else None


def build_result(session: Session, brief_id: str, *, history: bool = True,
                 with_text: bool = False) -> dict[str, Any]:
    brief = session.get(Brief, brief_id)
    if brief is None:
        raise KeyError(brief_id)
    cited = store.cited_sources(session, brief_id)
    source_ids = list({src.id for _, src, _ in cited if src.id is not None})
    checks: dict[int, list[CheckRow]] = {}
    if history and source_ids:
        rows = session.exec(select(CheckRow).where(col(CheckRow.source_id).in_(source_ids))
                            .order_by(col(CheckRow.checked_at)))
        for ch in rows:
            checks.setdefault(ch.source_id, []).append(ch)
    url_of_ref = {c.ref: c.url for c, _, _ in cited}
    out_sources = []
    for c, src, snap in cited:
        src_doc: dict[str, Any] = {
            "ref": c.ref, "url": c.url,
            "final_url": snap.final_url if snap else None,
            "status": snap.status if snap else None,
            "http_status": snap.http_status if snap else None,
            "content_type": snap.content_type if snap else None,
            "title": (snap.title if snap and snap.title else c.title),
            "fetched_at": iso(snap.fetched_at) if snap else None,
            "text_sha256": snap.text_sha256 if snap else None,
            "error": snap.error if snap else None,
            "snapshot_id": snap.id if snap else None,
            "state": src.state,
            "archive": ({"url": src.archive_url, "captured_at": iso(src.archive_captured_at)}
                        if src.archive_url else None),
            "provenance": provenance(src, snap),
        }
        if history:
            src_doc["history"] = [{"checked_at": iso(h.checked_at), "status": h.status,
                               "http_status": h.http_status, "text_sha256": h.text_sha256}
                              for h in checks.get(src.id or -1, [])]
        out_sources.append(src_doc)
    out_quotes = []
    for q in store.quotes_of(session, brief_id):
        out_quotes.append({
            "id": q.qid, "text": q.text, "start": q.start, "end": q.end, "cites": list(q.cites),
            "verdict": q.verdict, "score": q.score, "source_ref": q.source_ref,
            "source_url": url_of_ref.get(q.source_ref or ""),
            "evidence": q.evidence, "differences": list(q.differences), "note": q.note,
            "drift": q.drift, "drift_text": q.drift_text, "archive_verdict": q.archive_verdict,
        })
    doc: dict[str, Any] = {
        "brief_id": brief.id, "status": brief.status, "title": brief.title, "origin": brief.origin,
        "created_at": iso(brief.created_at), "finished_at": iso(brief.finished_at), "error": brief.error,
        "progress": {"sources_total": brief.sources_total, "sources_done": brief.sources_done,
                     "quotes_total": brief.quotes_total, "quotes_done": brief.quotes_done,
                     "ocr_pages_total": brief.ocr_pages_total, "ocr_pages_done": brief.ocr_pages_done},
        "sources": out_sources, "quotes": out_quotes, "skipped_quotes": list(brief.skipped),
    }
    if with_text:
        doc["brief_text"] = brief.text
    return doc


def needs_attention(doc: dict[str, Any]) -> bool:
    """The contract's exit status 1: a quote not accepted, or a source not ok."""
    if any(q.get("verdict") not in ACCEPTED for q in doc["quotes"]):
        return True
    return any(s.get("status") != LinkStatus.OK for s in doc["sources"])
