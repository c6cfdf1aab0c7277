"""Thin Celery tasks: they take ids, re-read the database and call the pipeline's functions.

A brief's work is a chord: one `fetch_sources` per batch of at most VERIFIER_FETCH_BATCH stale
sources, fetched concurrently (queue `fetch`), then one `judge`
(queue `match`), which judges a brief of more than VERIFIER_JUDGE_CHUNK quotes as a further chord
of bounded `judge_chunk` tasks and a `finish_judge`. A fetched page that the render setting says to
render (its text written by scripts, a JavaScript challenge) is handed to `render_source` on queue
`render` with the batch's other such pages: the fetch task replaces itself with it, so the chord's
judge waits for the browser.
Tasks are idempotent and acked late. A database or broker error is never a link
status: the task retries and stores nothing. If a worker dies mid-brief (or Redis forgets its
queues), its tasks' heartbeats stop (workers.heartbeat); `recover_stalled` (run by every worker
every heartbeat, and by beat) restarts the work of briefs with no live task, claiming each with a
conditional update so that only one process restarts it. A brief whose OCR or rendering waits in
a queue has a live (queued) task, so waiting never fails it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import chord, signals
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from verifier.core.statuses import BriefStatus
from verifier.net.politeness import RedisHostLimiter
from verifier.service import pipeline, rendering
from verifier.settings import Settings, get_settings
from verifier.storage import db
from verifier.storage.models import Brief, Citation, SnapshotRow, utcnow
from workers import heartbeat
from workers.celery_app import OCR_TIME_LIMIT, RENDER_TIME_LIMIT, app

log = logging.getLogger("verifier.tasks")


def _touch(session: Any, brief_id: str, **values: Any) -> None:
    session.execute(update(Brief).where(col(Brief.id) == brief_id).values(updated_at=utcnow(), **values))
    session.commit()


@app.task(bind=True, max_retries=5, default_retry_delay=3, acks_late=True)
def fetch_sources(self: Any, brief_id: str, urls: list[str], renders: list[list[Any]] | None = None) -> list[str]:
    """Fetch a batch of a brief's cited URLs (at most VERIFIER_FETCH_BATCH) concurrently and store
    each snapshot as it lands; safe to run twice.

    A database blip or an unreachable Redis (the shared per-host state) retries the task for the
    URLs not stored yet, so the chord waits for the retry and no link is blamed for our outage. The
    pages to render (carried over a retry in `renders`) go to `render_source` on queue `render`:
    the task replaces itself with it, so the chord's judge waits for the browser."""
    batch = _Batch(brief_id, get_settings(), renders)
    try:
        batch.run(urls)
    except Exception as exc:  # DBAPIError, SharedStateError, a broken event loop: never a link status
        raise self.retry(exc=exc, args=(brief_id, [u for u in urls if u not in batch.stored], batch.renders)) from exc
    finally:
        for snapshot_id, pages in batch.ocr:
            enqueue_ocr(brief_id, snapshot_id, pages)
    if batch.renders:
        n = len(batch.renders)
        raise self.replace(render_source.si(brief_id, batch.renders).set(
            queue="render", time_limit=n * RENDER_TIME_LIMIT, soft_time_limit=n * RENDER_TIME_LIMIT - 30))
    return urls


class _Batch:
    """One fetch task's URLs: what it stored, the pages it hands to the renderer and to OCR."""

    def __init__(self, brief_id: str, settings: Settings, renders: list[list[Any]] | None) -> None:
        self.brief_id, self.settings = brief_id, settings
        self.stored: set[str] = set()
        self.renders: list[list[Any]] = [list(r) for r in renders or []]
        self.ocr: list[tuple[int, int]] = []

    def run(self, urls: list[str]) -> None:
        with db.session_for(self.settings.database_url) as session:
            session.execute(update(Brief).where(col(Brief.id) == self.brief_id,
                                                col(Brief.status) == BriefStatus.QUEUED)
                            .values(status=BriefStatus.RUNNING))
            session.commit()
            asyncio.run(self._fetch(session, urls))

    async def _fetch(self, session: Any, urls: list[str]) -> None:
        """Fetch with per-host limits and robots.txt kept in Redis, so they hold across every worker process."""
        limiter = RedisHostLimiter.from_settings(self.settings)
        try:
            await pipeline.fetch_and_save(session, urls, self.settings, limiter=limiter,
                                          robots=limiter.robots_store(self.settings.robots_ttl), defer_ocr=True,
                                          on_saved=lambda url, row: self._saved(session, url, row))
        finally:
            await limiter.aclose()

    def _saved(self, session: Any, url: str, row: SnapshotRow) -> None:
        """A stored source: counted done, or handed to the renderer (which counts it); its scanned
        pages queued for OCR. Marked stored last, so a failure here fetches it again on the retry."""
        if row.id is not None and rendering.to_render(session, [(url, row)], self.settings):
            self.renders.append([url, row.id])
        else:
            _touch(session, self.brief_id, sources_done=Brief.sources_done + 1)
            if row.ocr_pending and row.id is not None:
                self.ocr.append((row.id, len(row.ocr_pending)))
        self.stored.add(url)


@app.task(bind=True, max_retries=2, default_retry_delay=5, acks_late=True, time_limit=RENDER_TIME_LIMIT,
          soft_time_limit=RENDER_TIME_LIMIT - 30)
def render_source(self: Any, brief_id: str, items: list[list[Any]]) -> list[str]:
    """Render fetched pages ([url, snapshot id] each) in headless Chromium (queue `render`) and
    store what each shows; a retry goes on from the first page not stored."""
    settings = get_settings()
    done = 0
    try:
        with db.session_for(settings.database_url) as session:
            for url, snapshot_id in items:
                row = session.get(SnapshotRow, snapshot_id)
                if row is not None:
                    rendering.render_if_needed(session, url, row, settings)
                _touch(session, brief_id, sources_done=Brief.sources_done + 1)
                done += 1
    except DBAPIError as exc:
        raise self.retry(exc=exc, args=(brief_id, items[done:])) from exc
    return [url for url, _ in items]


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


def _judging(task: Any, brief_id: str, step: Callable[[Any, Settings], object]) -> str:
    """Run one judging step in a session; retried on failure, the brief failed when retries run out."""
    settings = get_settings()
    try:
        with db.session_for(settings.database_url) as session:
            step(session, settings)
    except KeyError:
        return brief_id
    except Exception as exc:
        if task.request.retries >= task.max_retries:
            with db.session_for(settings.database_url) as session:
                _touch(session, brief_id, status=BriefStatus.FAILED, error=f"judging failed: {exc}")
            raise
        raise task.retry(exc=exc) from exc
    return brief_id


@app.task(bind=True, max_retries=3, default_retry_delay=5, acks_late=True)
def judge(self: Any, _fetched: object, brief_id: str) -> str:
    """Judge a brief once its sources are in: at once when it has at most VERIFIER_JUDGE_CHUNK
    quotes, else one `judge_chunk` task per that many quotes, then `finish_judge` (each task stays
    far inside the time limit whatever the brief's size)."""
    chunks: list[tuple[int, int]] = []

    def step(session: Any, settings: Settings) -> None:
        if _pending_ocr(session, brief_id):
            return  # the OCR task judges the brief when its pages are read
        brief = session.get(Brief, brief_id)
        if brief is None:
            raise KeyError(brief_id)
        n = settings.judge_chunk
        if brief.quotes_total <= n:
            pipeline.judge_brief(session, brief_id, settings)  # one index of the sources for quotes and claims
        else:
            chunks.extend((a, a + n) for a in range(0, brief.quotes_total, n))

    _judging(self, brief_id, step)
    if chunks:
        chord([judge_chunk.s(brief_id, a, b) for a, b in chunks])(finish_judge.s(brief_id))
    return brief_id


@app.task(bind=True, max_retries=3, default_retry_delay=5, acks_late=True)
def judge_chunk(self: Any, brief_id: str, start: int, stop: int) -> str:
    """Judge the brief's quotes at positions start..stop-1 (safe to run twice)."""
    return _judging(self, brief_id, lambda session, _s: pipeline.judge_quotes(session, brief_id, start, stop))


@app.task(bind=True, max_retries=3, default_retry_delay=5, acks_late=True)
def finish_judge(self: Any, _judged: object, brief_id: str) -> str:
    """After every chunk: the brief is done (and its archived copies judged)."""
    return _judging(self, brief_id, lambda session, settings: pipeline.finish_judging(session, brief_id, settings))


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
        n = settings.fetch_batch
        chord([fetch_sources.s(brief_id, urls[i:i + n]) for i in range(0, len(urls), n)])(judge.s(brief_id))
    else:
        judge.delay(None, brief_id)


def stall_grace(settings: Settings) -> float:
    """Seconds a brief with no live task waits before it counts as stalled (time to publish its work)."""
    return min(settings.stall_after, float(heartbeat.ttl()))


@app.task
def recover_stalled() -> list[str]:
    """Restart the work of briefs with no live task (a worker died, Redis forgot, a send never went).

    When Redis cannot be reached nobody can tell which work is alive, so nothing is restarted."""
    settings = get_settings()
    cutoff = utcnow() - timedelta(seconds=stall_grace(settings))
    restarted: list[str] = []
    with db.session_for(settings.database_url) as session:
        quiet = session.exec(select(Brief.id, Brief.updated_at, Brief.attempts).where(
            col(Brief.status).in_([BriefStatus.QUEUED, BriefStatus.RUNNING]),
            col(Brief.updated_at) < cutoff).order_by(col(Brief.updated_at)).limit(1000)).all()
        live = heartbeat.alive(b for b, _, _ in quiet)
        for brief_id, seen, attempts in quiet:
            if brief_id in live:
                continue
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
        heartbeat.forget(brief_id)
        enqueue_brief(brief_id)
    return restarted


def _recovery_loop(stop: threading.Event) -> None:
    """The worker's heartbeat (its reserved tasks are alive) once per beat; the stall check, a
    database query and a Redis read, once per heartbeat lifetime (work is not dead sooner)."""
    settings = get_settings()
    period = max(0.5, settings.heartbeat_interval)
    sweep_every = max(period, float(heartbeat.ttl()))
    last_sweep = 0.0
    while True:
        try:
            heartbeat.beat_worker()
            if time.monotonic() - last_sweep >= sweep_every:
                last_sweep = time.monotonic()
                recover_stalled()
        except Exception as e:
            log.warning("recovery sweep failed: %s", e)
        if stop.wait(period):
            return


_stop = threading.Event()


@signals.worker_process_init.connect
def _own_connections(**_: object) -> None:
    """Each pool process forks from the worker that migrated the database: never share its sockets."""
    db.forget_connections()
    heartbeat.forget_after_fork()


@signals.worker_ready.connect
def _start_recovery(**_: object) -> None:
    threading.Thread(target=_recovery_loop, args=(_stop,), name="verifier-recovery", daemon=True).start()


@signals.worker_shutdown.connect
def _stop_recovery(**_: object) -> None:
    _stop.set()
