"""Thin Celery tasks: they take ids, re-read the database and call the pipeline's functions.

A brief's work is a chord: one `fetch_source` per stale source (queue `fetch`), then one `judge`
(queue `match`). Tasks are idempotent and acked late. If a worker dies mid-brief, the brief stops
making progress; `recover_stalled` (run by every worker on a timer, and by beat) restarts the work
of briefs that have made none for VERIFIER_STALL_AFTER seconds, claiming each with a conditional
update so that only one process restarts it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import timedelta
from typing import Any

from celery import chord, signals
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from verifier.core.statuses import BriefStatus
from verifier.core.values import Snapshot
from verifier.net.fetch import fetch_many
from verifier.net.politeness import RedisHostLimiter
from verifier.service import archive_first, pipeline, rendering
from verifier.settings import Settings, get_settings
from verifier.storage import db
from verifier.storage.models import Brief, Citation, utcnow
from workers.celery_app import OCR_TIME_LIMIT, app

log = logging.getLogger("verifier.tasks")


def _touch(session: Any, brief_id: str, **values: Any) -> None:
    session.execute(update(Brief).where(col(Brief.id) == brief_id).values(updated_at=utcnow(), **values))
    session.commit()


@app.task(bind=True, max_retries=3, default_retry_delay=5, acks_late=True)
def fetch_source(self: Any, brief_id: str, url: str) -> str:
    """Fetch one cited URL and store the snapshot; safe to run twice."""
    settings = get_settings()
    with db.session_for(settings.database_url) as session:
        session.execute(update(Brief).where(col(Brief.id) == brief_id, col(Brief.status) == BriefStatus.QUEUED)
                        .values(status=BriefStatus.RUNNING))
        session.commit()
    try:
        snaps = asyncio.run(_fetch_shared_limits(url, settings))
    except Exception as exc:  # a bug or a broken event loop, not a bad link: those are snapshots
        raise self.retry(exc=exc) from exc
    try:
        with db.session_for(settings.database_url) as session:
            row = pipeline.save_fetch(session, url, snaps[url], settings, defer_ocr=True)
            row = rendering.render_if_needed(session, url, row, settings)
            _touch(session, brief_id, sources_done=Brief.sources_done + 1)
            pending = (row.id, len(row.ocr_pending)) if row.ocr_pending and row.id is not None else None
    except DBAPIError as exc:  # a database blip: the chord waits for the retry instead of failing
        raise self.retry(exc=exc) from exc
    if pending:
        enqueue_ocr(brief_id, *pending)
    return url


def enqueue_ocr(brief_id: str, snapshot_id: int, pages: int) -> None:
    """Scanned pages go to their own queue, with a time limit fitted to the page count."""
    from verifier.documents.ocr import time_limit

    limit = min(OCR_TIME_LIMIT, time_limit(pages, workers=get_settings().ocr_workers))
    ocr_source.apply_async((brief_id, snapshot_id), queue="ocr", time_limit=limit,
                           soft_time_limit=max(30.0, limit - 30))


@app.task(bind=True, max_retries=2, default_retry_delay=10, acks_late=True)
def ocr_source(self: Any, brief_id: str, snapshot_id: int) -> int:
    """Read a snapshot's scanned pages with OCR, then judge the briefs that were waiting for it."""
    settings = get_settings()
    last = [0.0]

    def progress(event: str, info: dict[str, object]) -> None:
        now = time.monotonic()
        done, total = info.get("done"), info.get("total")
        if now - last[0] > 5 or done == total:  # also keeps the stalled-brief recovery away
            last[0] = now
            with db.session_for(settings.database_url) as s:
                _touch(s, brief_id, ocr_pages_done=done, ocr_pages_total=total)

    with db.session_for(settings.database_url) as session:
        row = pipeline.complete_ocr(session, snapshot_id, settings, progress)
        if row is None:
            return snapshot_id
        waiting = session.exec(select(Citation.brief_id).join(Brief, col(Brief.id) == Citation.brief_id).where(
            Citation.source_id == row.source_id, col(Brief.status) == BriefStatus.RUNNING)).all()
    for waiting_id in {*waiting, brief_id}:
        judge.delay(None, waiting_id)
    return snapshot_id


def _pending_ocr(session: Any, brief_id: str) -> list[tuple[int, int]]:
    """(snapshot id, pages) of the brief's sources whose scanned pages still wait for OCR."""
    from verifier.storage import store

    return [(snap.id, len(snap.ocr_pending)) for _, _, snap in store.cited_sources(session, brief_id)
            if snap is not None and snap.id is not None and snap.ocr_pending]


async def _fetch_shared_limits(url: str, settings: Settings) -> dict[str, Snapshot]:
    """Fetch with per-host limits kept in Redis, so they hold across every worker process."""
    limiter = RedisHostLimiter.from_settings(settings)
    try:
        return await fetch_many([url], settings, limiter=limiter)
    finally:
        await limiter.aclose()


@app.task(bind=True, max_retries=3, default_retry_delay=5, acks_late=True)
def judge(self: Any, _fetched: object, brief_id: str) -> str:
    """Judge every quote of a brief once its sources are in."""
    settings = get_settings()
    try:
        with db.session_for(settings.database_url) as session:
            if _pending_ocr(session, brief_id):
                return brief_id  # the OCR task judges the brief when its pages are read
            copies = archive_first.find_copies(session, brief_id, settings)
            pipeline.judge_brief(session, brief_id, settings=settings)
            archive_first.judge_on_copies(session, brief_id, copies)
    except KeyError:
        return brief_id
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            with db.session_for(settings.database_url) as session:
                _touch(session, brief_id, status=BriefStatus.FAILED, error=f"judging failed: {exc}")
            raise
        raise self.retry(exc=exc) from exc
    return brief_id


def enqueue_brief(brief_id: str) -> None:
    """Start a stored brief's work (call after its rows are committed)."""
    settings = get_settings()
    with db.session_for(settings.database_url) as session:
        urls = pipeline.sources_to_fetch(session, brief_id, settings)
        _touch(session, brief_id, attempts=Brief.attempts + 1)
        pending = _pending_ocr(session, brief_id)
    for snapshot_id, pages in pending:
        enqueue_ocr(brief_id, snapshot_id, pages)
    if urls:
        chord([fetch_source.s(brief_id, u) for u in urls])(judge.s(brief_id))
    else:
        judge.delay(None, brief_id)


@app.task
def recover_stalled() -> list[str]:
    """Restart the work of briefs that stopped making progress (a worker died, a message was lost)."""
    settings = get_settings()
    cutoff = utcnow() - timedelta(seconds=settings.stall_after)
    restarted: list[str] = []
    with db.session_for(settings.database_url) as session:
        stalled = session.exec(select(Brief.id, Brief.updated_at, Brief.attempts).where(
            col(Brief.status).in_([BriefStatus.QUEUED, BriefStatus.RUNNING]),
            col(Brief.updated_at) < cutoff).limit(100)).all()
        for brief_id, seen, attempts in stalled:
            if attempts >= settings.max_attempts:
                _touch(session, brief_id, status=BriefStatus.FAILED,
                       error=f"gave up after {attempts} attempts without progress")
                continue
            claimed = session.execute(update(Brief).where(col(Brief.id) == brief_id,
                                                          col(Brief.updated_at) == seen)
                                      .values(updated_at=utcnow()))
            session.commit()
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                restarted.append(brief_id)
    for brief_id in restarted:
        log.warning("restarting stalled brief %s", brief_id)
        enqueue_brief(brief_id)
    return restarted


def _recovery_loop(stop: threading.Event) -> None:
    period = max(5.0, get_settings().stall_after / 3)
    while not stop.wait(period):
        try:
            recover_stalled()
        except Exception as e:
            log.warning("recovery sweep failed: %s", e)


_stop = threading.Event()


@signals.worker_process_init.connect
def _own_connections(**_: object) -> None:
    """Each pool process forks from the worker that migrated the database: never share its sockets."""
    db.forget_connections()


@signals.worker_ready.connect
def _start_recovery(**_: object) -> None:
    threading.Thread(target=_recovery_loop, args=(_stop,), name="verifier-recovery", daemon=True).start()


@signals.worker_shutdown.connect
def _stop_recovery(**_: object) -> None:
    _stop.set()
