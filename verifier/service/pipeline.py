"""The pipeline, stage by stage. The CLI runs it in-process; the Celery tasks call the same functions.

brief → parse (quotes, claims) → store → fetch (+extract) each source → judge every quote and
claim → store → report
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from verifier.core.align import SourceIndex, align
from verifier.core.claims import find_claims
from verifier.core.evidence import PassageIndex, judge_claim
from verifier.core.extract import OcrFn
from verifier.core.judge import decide
from verifier.core.parse import parse_brief
from verifier.core.statuses import BriefStatus, LinkStatus, Verdict
from verifier.core.values import BriefText, Judgement, Match, Snapshot, SourceText
from verifier.documents.source import extract_with_note
from verifier.net.fetch import fetch_many
from verifier.service import rendering
from verifier.settings import Settings, get_settings
from verifier.storage import store
from verifier.storage.models import Brief, SnapshotRow, utcnow

#: fewer words than this in an OK page means there is no readable text
MIN_WORDS = 3

Progress = Callable[[str, dict[str, object]], None]


def _quiet(event: str, info: dict[str, object]) -> None:
    pass


def register_brief(session: Session, brief: BriefText, *, origin: str | None,
                   org_id: int | None = None, brief_id: str | None = None) -> Brief:
    """Parse a brief and store it with its quotes, claims and citations, ready for fetching."""
    parsed = parse_brief(brief)
    return store.create_brief(session, brief, parsed, origin=origin, org_id=org_id, brief_id=brief_id,
                              claims=find_claims(brief, parsed))


def _ocr_hook(settings: Settings, url: str, progress: Progress) -> OcrFn | None:
    """The OCR reader for scanned PDF pages, or None when OCR is off or Tesseract is missing."""
    if not settings.ocr_enabled:
        return None
    from verifier.documents.ocr import make_ocr

    return make_ocr(workers=settings.ocr_workers, lang=settings.ocr_lang, dpi=settings.ocr_dpi,
                    page_timeout=settings.ocr_page_timeout,
                    cache_dir=Path(settings.ocr_cache_dir) if settings.ocr_cache_dir else None,
                    progress=lambda done, total: progress("ocr", {"url": url, "done": done, "total": total}))


def read_snapshot(snap: Snapshot, settings: Settings, progress: Progress = _quiet, *,
                  defer_ocr: bool = False) -> tuple[Snapshot, SourceText | None, list[int]]:
    """Extract the text of a fetched page; an OK page with no readable text becomes no_text.

    Scanned PDF pages are read with OCR here, or, with `defer_ocr` (the service, where OCR has
    its own queue), returned as pages still to read.
    """
    if snap.status != LinkStatus.OK or snap.not_modified:
        return snap, None, []
    url = snap.final_url or snap.url
    hook = _ocr_hook(settings, url, progress)
    deferred: list[int] = []
    if hook is not None and defer_ocr:
        def hook(pages: list[int], _src: object) -> dict[int, str]:
            deferred.extend(pages)
            return {}

    text, note = extract_with_note(snap.body_path or snap.body, snap.content_type, url, ocr=hook)
    if deferred:
        return snap, text if text.text.strip() else None, deferred
    if len(text.text.split()) < MIN_WORDS:
        snap.status = LinkStatus.NO_TEXT
        snap.error = note or snap.error or "no readable text on the page"
        return snap, None, []
    if note:
        snap.error = snap.error or note
    return snap, text, []


def sources_to_fetch(session: Session, brief_id: str, settings: Settings,
                     *, refresh: bool = False) -> list[str]:
    """The distinct URLs of a brief that have no snapshot fresh enough to reuse."""
    cits = store.citations_of(session, brief_id)
    sources = store.sources_by_id(session, [c.source_id for c in cits])
    urls: list[str] = []
    for src in sources.values():
        if refresh or store.fresh_snapshot(session, src, settings.freshness) is None:
            urls.append(src.url)
    return urls


def save_fetch(session: Session, url: str, snap: Snapshot, settings: Settings,
               progress: Progress = _quiet, *, defer_ocr: bool = False) -> SnapshotRow:
    """Extract and store one fetch of a URL as its source's latest snapshot."""
    try:
        snap, text, pending = read_snapshot(snap, settings, progress, defer_ocr=defer_ocr)
        src = store.get_or_create_source(session, url)
        row = store.record_snapshot(session, src, snap, text, next_check_in=settings.recheck_interval,
                                    ocr_pending=pending, blob_dir=settings.blob_path)
        session.commit()
        return row
    finally:
        if snap.body_path:
            Path(snap.body_path).unlink(missing_ok=True)


def complete_ocr(session: Session, snapshot_id: int, settings: Settings,
                 progress: Progress = _quiet) -> SnapshotRow | None:
    """Read a stored snapshot's scanned pages with OCR (the service's `ocr` queue) and update its text."""
    row = session.get(SnapshotRow, snapshot_id)
    if row is None or not row.ocr_pending:
        return row
    hook = _ocr_hook(settings, row.final_url or "", progress)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        store.write_body(row, tmp, settings.blob_path)
        tmp.flush()
        text, note = extract_with_note(tmp.name, row.content_type, row.final_url, ocr=hook)
    store.update_text(row, text if len(text.text.split()) >= MIN_WORDS else None,
                      note=note, no_text=len(text.text.split()) < MIN_WORDS)
    session.add(row)
    session.commit()
    return row


async def fetch_sources(session: Session, urls: list[str], settings: Settings,
                        progress: Progress = _quiet) -> None:
    """Fetch every URL concurrently within the per-host limits, storing each as it lands."""
    saved: list[tuple[str, SnapshotRow]] = []

    def done(url: str, snap: Snapshot) -> None:
        saved.append((url, save_fetch(session, url, snap, settings, progress)))
        progress("source", {"url": url, "status": str(snap.status), "http_status": snap.http_status})

    for url in urls:
        progress("fetching", {"url": url})
    await fetch_many(urls, settings, on_done=done)
    todo = rendering.to_render(session, saved, settings)
    if todo:
        await rendering.render_rows(session, todo, settings, progress)


@dataclass
class _Readable:
    snapshot_id: int | None
    text: SourceText | None
    index: SourceIndex | None


def judge_claims(session: Session, brief_id: str, by_ref: dict[str, _Readable], settings: Settings,
                 progress: Progress = _quiet) -> None:
    """Find the evidence of every claim of a brief in its credited sources and store the judgements.

    The passage index of a source (and the ranking library) is built only when a claim needs it.
    """
    passages: dict[str, PassageIndex | None] = {}

    def index_of(ref: str) -> PassageIndex | None:
        if ref not in passages:
            r = by_ref.get(ref)
            passages[ref] = PassageIndex(r.text, r.index) if r is not None and r.text is not None else None
        return passages[ref]

    now = utcnow()
    for row in store.claims_of(session, brief_id):
        claim = store.claim_sentence(row)
        j = judge_claim(claim, {ref: index_of(ref) for ref in claim.cites},
                        unsupported=settings.claims_unsupported, supported=settings.claims_supported)
        snap_id = by_ref[j.source_ref].snapshot_id if j.source_ref in by_ref and j.evidence else None
        store.save_claim(row, j, snap_id, now)
        session.add(row)
        progress("claim", {"id": row.cid, "support": j.support})


def judge_brief(session: Session, brief_id: str, progress: Progress = _quiet,
                settings: Settings | None = None) -> Brief:
    """Align every quote of a brief against its cited sources' latest snapshots, find the evidence
    of every claim, and store verdicts and judgements."""
    brief = session.get(Brief, brief_id)
    if brief is None:
        raise KeyError(brief_id)
    cited = store.cited_sources(session, brief_id)
    by_ref: dict[str, _Readable] = {}
    for c, _src, row in cited:
        text = store.source_text_of(row) if row else None
        by_ref[c.ref] = _Readable(row.id if row else None, text, SourceIndex.build(text) if text else None)
    readable = {ref: r.index is not None for ref, r in by_ref.items()}
    now = utcnow()
    quotes = store.quotes_of(session, brief_id)
    for q in quotes:
        cites = [r for r in q.cites if r in by_ref]
        if not by_ref:
            j = Judgement(verdict=Verdict.UNVERIFIABLE, note="the brief cites no sources")
        else:
            matches: dict[str, Match | None] = {
                ref: (align(q.text, r.index) if r.index is not None else None) for ref, r in by_ref.items()}
            j = decide(cites, matches, readable)
        snap_id = by_ref[j.source_ref].snapshot_id if j.source_ref in by_ref else None
        store.save_judgement(q, j, snap_id, now)
        session.add(q)
        progress("quote", {"id": q.qid, "verdict": str(j.verdict)})
    judge_claims(session, brief_id, by_ref, settings or get_settings(), progress)
    brief.quotes_done = len(quotes)
    brief.sources_done = len(cited)
    brief.status = BriefStatus.DONE
    brief.finished_at = brief.updated_at = now
    session.add(brief)
    session.commit()
    return brief


def check_brief(session: Session, brief: BriefText, settings: Settings, *, origin: str | None,
                progress: Progress = _quiet, refresh: bool = False) -> Brief:
    """The embedded run: every stage in this process, results stored in the session's database."""
    row = register_brief(session, brief, origin=origin)
    row.status = BriefStatus.RUNNING
    session.add(row)
    session.commit()
    progress("parsed", {"quotes": row.quotes_total, "sources": row.sources_total})
    urls = sources_to_fetch(session, row.id, settings, refresh=refresh)
    if urls:
        asyncio.run(fetch_sources(session, urls, settings, progress))
    from verifier.service import archive_first  # imported here: it imports service.archive, which imports us

    copies = archive_first.find_copies(session, row.id, settings)
    judged = judge_brief(session, row.id, progress, settings)
    archive_first.judge_on_copies(session, row.id, copies)
    return judged
