"""The pipeline, stage by stage. The CLI runs it in-process; the Celery tasks call the same functions.

brief → parse (quotes, claims) → store → fetch (+extract) each source → judge every quote and
claim → store → report

The fetcher, the extractors and the renderer are imported by the stages that use them, so a brief
with no sources (and `verifier --help`) never loads aiohttp, trafilatura or Playwright.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import case, update
from sqlmodel import Session, col

from verifier.core.align import SourceIndex
from verifier.core.claims import find_claims
from verifier.core.evidence import PassageIndex, judge_claim
from verifier.core.extract import OcrFn
from verifier.core.matching import BriefSources
from verifier.core.parse import parse_brief
from verifier.core.statuses import BriefStatus, LinkStatus
from verifier.core.values import BriefText, BriefTooLarge, ParsedBrief, Snapshot, SourceText
from verifier.service import supplied
from verifier.service.supplied import SuppliedCopy, SuppliedFile
from verifier.settings import Settings, get_settings
from verifier.storage import store
from verifier.storage.models import Brief, SnapshotRow, utcnow

#: fewer words than this in an OK page means there is no readable text
MIN_WORDS = 3

if TYPE_CHECKING:
    from verifier.net.politeness import Limiter, RobotsStore

Progress = Callable[[str, dict[str, object]], None]


def _quiet(event: str, info: dict[str, object]) -> None:
    pass


def register_brief(session: Session, brief: BriefText, *, origin: str | None,
                   org_id: int | None = None, brief_id: str | None = None, parsed: ParsedBrief | None = None,
                   copies: list[SuppliedCopy] | None = None, supplied_by: str = "command line",
                   settings: Settings | None = None) -> Brief:
    """Parse a brief (unless `parsed` is given) and store it with its quotes and citations, ready
    for fetching; with the copies the fact-checker supplied (read by supplied.read_copies).

    Its claims (cited sentences) are found here too. A brief over VERIFIER_MAX_QUOTES or VERIFIER_MAX_CITATIONS is refused (BriefTooLarge) and
    nothing is stored."""
    parsed = parsed or parse_brief(brief)
    check_limits(parsed, settings or get_settings())
    row = store.create_brief(session, brief, parsed, origin=origin, org_id=org_id, brief_id=brief_id,
                             claims=find_claims(brief, parsed))
    if copies:
        supplied.attach(session, row.id, copies, supplied_by=supplied_by)
    return row


def check_limits(parsed: ParsedBrief, settings: Settings) -> None:
    """Refuse a brief with more quotes or citations than one brief may have."""
    for count, limit, what, name in ((len(parsed.quotes), settings.max_quotes, "quotes", "VERIFIER_MAX_QUOTES"),
                                     (len(parsed.citations), settings.max_citations, "citations",
                                      "VERIFIER_MAX_CITATIONS")):
        if count > limit:
            raise BriefTooLarge(f"the brief has {count:,} {what}, more than the {limit:,} one brief may have "
                                f"({name}); split it into several briefs")


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
    from verifier.documents.source import extract_checked

    url = snap.final_url or snap.url
    hook = _ocr_hook(settings, url, progress)
    deferred: list[int] = []
    if hook is not None and defer_ocr:
        def hook(pages: list[int], _src: object) -> dict[int, str]:
            deferred.extend(pages)
            return {}

    got = extract_checked(snap.body_path or snap.body, snap.content_type, url, ocr=hook)
    text, note = got.source, got.note
    if deferred:
        return snap, text if text.text.strip() else None, deferred
    if got.over_budget:  # a PDF whose streams inflate past the reader's budget: a decompression bomb
        snap.status = LinkStatus.TOO_LARGE
        snap.error = note
        return snap, None, []
    if len(text.text.split()) < MIN_WORDS:
        snap.status = LinkStatus.NO_TEXT
        snap.error = note or snap.error or "no readable text on the page"
        return snap, None, []
    if note or text.partial:
        snap.error = snap.error or note or text.partial
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
    from verifier.documents.source import extract_with_note

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


async def fetch_and_save(session: Session, urls: list[str], settings: Settings, progress: Progress = _quiet, *,
                         limiter: Limiter | None = None, robots: RobotsStore | None = None, defer_ocr: bool = False,
                         on_saved: Callable[[str, SnapshotRow], None] | None = None) -> list[tuple[str, SnapshotRow]]:
    """Fetch every URL concurrently within the per-host limits, storing each as it lands (in one
    thread beside the event loop) and handing each stored row to `on_saved` there; the rows stored.

    The embedded run and the service's fetch task both fetch this way; a failed save is raised
    (StoreFailed) once every fetch has finished, the others stored all the same."""
    from verifier.net.fetch import fetch_many

    saved: list[tuple[str, SnapshotRow]] = []

    def done(url: str, snap: Snapshot) -> None:
        row = save_fetch(session, url, snap, settings, progress, defer_ocr=defer_ocr)
        saved.append((url, row))
        progress("source", {"url": url, "status": str(snap.status), "http_status": snap.http_status})
        if on_saved is not None:
            on_saved(url, row)

    for url in urls:
        progress("fetching", {"url": url})
    await fetch_many(urls, settings, on_done=done, limiter=limiter, robots=robots)
    return saved


async def fetch_sources(session: Session, urls: list[str], settings: Settings,
                        progress: Progress = _quiet) -> None:
    """The embedded run's fetch: every URL fetched and stored, then the pages to render rendered here."""
    from verifier.service import rendering

    saved = await fetch_and_save(session, urls, settings, progress)
    todo = rendering.to_render(session, saved, settings)
    if todo:
        await rendering.render_rows(session, todo, settings, progress)


def readable_sources(session: Session, brief_id: str) -> tuple[dict[str, SourceText | None], dict[str, int | None]]:
    """Each cited ref's text (None: unreadable) and snapshot id: the latest snapshot, or the copy
    the fact-checker supplied, which is judged instead of the live page."""
    copies = store.supplied_of(session, brief_id)
    rows = {c.ref: copies.get(c.ref, live) for c, _src, live in store.cited_sources(session, brief_id)}
    return ({ref: store.source_text_of(row) if row else None for ref, row in rows.items()},
            {ref: row.id if row else None for ref, row in rows.items()})


def brief_sources(session: Session, brief_id: str) -> tuple[BriefSources, dict[str, int | None]]:
    """The brief's readable sources indexed for judging quotes, and each ref's snapshot id."""
    texts, snapshot_ids = readable_sources(session, brief_id)
    return BriefSources.build(texts), snapshot_ids


Indexed = tuple[BriefSources, dict[str, int | None]]


def judge_claims(session: Session, brief_id: str, settings: Settings, progress: Progress = _quiet,
                 indexed: Indexed | None = None) -> None:
    """Find the evidence of every claim of a brief in its credited sources and store the judgements.

    A source's passage index (and the ranking library) is built only when a claim needs it, on the
    word index the quotes were judged with when the caller has it (`indexed`)."""
    rows = store.claims_of(session, brief_id)
    if not rows:
        return
    if indexed is not None:
        indexes, snapshot_ids = indexed[0].indexes, indexed[1]
    else:
        texts, snapshot_ids = readable_sources(session, brief_id)
        indexes = {ref: SourceIndex.build(t) if t is not None else None for ref, t in texts.items()}
    passages: dict[str, PassageIndex | None] = {}

    def index_of(ref: str) -> PassageIndex | None:
        if ref not in passages:
            ix = indexes.get(ref)
            passages[ref] = PassageIndex(ix.source, ix) if ix is not None else None
        return passages[ref]

    now = utcnow()
    for row in rows:
        claim = store.claim_sentence(row)
        j = judge_claim(claim, {ref: index_of(ref) for ref in claim.cites},
                        unsupported=settings.claims_unsupported, supported=settings.claims_supported)
        snap_id = snapshot_ids.get(j.source_ref) if j.source_ref and j.evidence else None
        store.save_claim(row, j, snap_id, now)
        session.add(row)
        progress("claim", {"id": row.cid, "support": j.support})
    session.commit()


def judge_quotes(session: Session, brief_id: str, start: int = 0, stop: int | None = None,
                 progress: Progress = _quiet, indexed: Indexed | None = None) -> int:
    """Judge the brief's quotes at positions start..stop-1 (all by default) against its cited
    sources' latest snapshots and store the verdicts; returns how many were judged.

    The service judges a large brief in chunks, one task each (workers.tasks); the CLI all at once."""
    quotes = store.quotes_of(session, brief_id, start, stop)
    if not quotes:
        return 0
    sources, snapshot_ids = indexed or brief_sources(session, brief_id)
    now = utcnow()
    for q in quotes:
        j = sources.judge(q.text, list(q.cites))
        store.save_judgement(q, j, snapshot_ids.get(j.source_ref) if j.source_ref else None, now)
        session.add(q)
        progress("quote", {"id": q.qid, "verdict": str(j.verdict)})
    done = col(Brief.quotes_done) + len(quotes)  # at most quotes_total, should a chunk run twice
    session.execute(update(Brief).where(col(Brief.id) == brief_id).values(
        quotes_done=case((done > col(Brief.quotes_total), col(Brief.quotes_total)), else_=done), updated_at=now))
    session.commit()
    return len(quotes)


def finish_judging(session: Session, brief_id: str, settings: Settings, progress: Progress = _quiet,
                   indexed: Indexed | None = None) -> Brief:
    """After every quote is judged: the claims are judged, the brief is done, and quotes left
    unverifiable by an unreadable source are judged on its archived copy (VERIFIER_ARCHIVE_ON_FAILURE)."""
    from verifier.service import archive_first  # imported here: it imports service.archive, which imports us

    brief = session.get(Brief, brief_id)
    if brief is None:
        raise KeyError(brief_id)
    judge_claims(session, brief_id, settings, progress, indexed)
    copies = archive_first.find_copies(session, brief_id, settings)
    now = utcnow()
    brief.quotes_done = brief.quotes_total
    brief.sources_done = brief.sources_total
    brief.status = BriefStatus.DONE
    brief.finished_at = brief.updated_at = now
    session.add(brief)
    session.commit()
    archive_first.judge_on_copies(session, brief_id, copies)
    return brief


def judge_brief(session: Session, brief_id: str, settings: Settings, progress: Progress = _quiet) -> Brief:
    """Judge every quote of a brief and finish it, its sources indexed once for quotes and claims (the
    embedded run, and the service's judge task when the brief fits one chunk)."""
    if session.get(Brief, brief_id) is None:
        raise KeyError(brief_id)
    indexed = brief_sources(session, brief_id)  # once, for the quotes and the claims
    judge_quotes(session, brief_id, progress=progress, indexed=indexed)
    return finish_judging(session, brief_id, settings, progress, indexed)


def check_brief(session: Session, brief: BriefText, settings: Settings, *, origin: str | None,
                progress: Progress = _quiet, refresh: bool = False,
                supplied_files: list[SuppliedFile] | None = None) -> Brief:
    """The embedded run: every stage in this process, results stored in the session's database.

    `supplied_files` (`--source REF=FILE`) are checked and read before anything is stored."""
    parsed = parse_brief(brief)
    copies = supplied.read_copies(supplied_files or [], parsed, max_bytes=settings.max_brief_bytes)
    row = register_brief(session, brief, origin=origin, parsed=parsed, copies=copies, settings=settings)
    row.status = BriefStatus.RUNNING
    session.add(row)
    session.commit()
    progress("parsed", {"quotes": row.quotes_total, "sources": row.sources_total})
    urls = sources_to_fetch(session, row.id, settings, refresh=refresh)
    if urls:
        asyncio.run(fetch_sources(session, urls, settings, progress))
    return judge_brief(session, row.id, settings, progress)
