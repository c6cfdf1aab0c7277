"""Rechecks: which stored links are due, who checks them, how a link's state and each quote's drift move.

Why it is shaped this way:
- The schedule lives in the database (Source.next_check_at / check_interval / claimed_until), so the
  embedded `verifier recheck` and the service's beat + workers share one truth. A sweep claims due
  sources with ONE conditional UPDATE … RETURNING (with FOR UPDATE SKIP LOCKED on PostgreSQL):
  a duplicated beat tick or a second beat finds them claimed and takes nothing.
- A chunk of sources is rechecked with a constant number of queries (sources, their latest
  snapshots, the quotes judged on them and those judgement snapshots, briefs for events), then one
  INSERT per snapshot/check and UPDATEs of changed rows: no query per quote.
- A round is load → decide → apply: `_load` reads the chunk's rows, the fetches run concurrently,
  and each source's outcome goes through `core.rechecking.decide` — a pure function of values that
  holds the rules of link rot and drift (read them there) — whose update, quote drift and events
  `_apply` writes. The archive lookups the decision asks for run last, in the same event loop.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from verifier.core.align import SourceIndex
from verifier.core.anchor import Anchor, Drift
from verifier.core.rechecking import (
    ArchiveRequest,
    Check,
    Cited,
    Decision,
    EventValue,
    Policy,
    QuoteBefore,
    SourceBefore,
    decide,
)
from verifier.core.statuses import EventKind, LinkState, LinkStatus
from verifier.core.values import Snapshot, SourceText
from verifier.net.fetch import SPOOL_THRESHOLD, Fetcher
from verifier.net.politeness import Limiter
from verifier.service import archive
from verifier.service.pipeline import read_snapshot
from verifier.settings import Settings
from verifier.storage import store
from verifier.storage.models import Brief, CheckRow, Citation, Event, QuoteRow, SnapshotRow, Source, utcnow

Progress = Callable[[str, dict[str, object]], None]



def policy_of(settings: Settings) -> Policy:
    """The recheck numbers the pure decision needs (the Settings validators keep them in range)."""
    return Policy(interval=settings.recheck_interval, min_interval=settings.recheck_min_interval,
                  max_interval=settings.recheck_max_interval, backoff=settings.recheck_backoff,
                  jitter=settings.recheck_jitter, strike_spacing=settings.strike_spacing,
                  dead_after=settings.dead_after)


def _same_as(snap: Snapshot, prev: SnapshotRow) -> bool:
    """A check that brings nothing new: a 304, or an OK answer with the stored body at the stored address."""
    if prev.status != LinkStatus.OK or not prev.text or snap.status != LinkStatus.OK:
        return False
    if snap.not_modified:
        return True
    if (snap.final_url or snap.url) != (prev.final_url or snap.url):
        return False
    if snap.body_path:
        return prev.body_sha256 == store.file_sha256(snap.body_path)
    return bool(snap.body) and prev.body_sha256 == store.sha256(snap.body)


def _main(text: str | None, main_end: int | None) -> str:
    if not text:
        return ""
    return text[:main_end] if main_end else text


# ------------------------------------------------------------------ summary

@dataclass
class RecheckSummary:
    """What a round did, for the CLI line, the task result and the bench."""

    sources: int = 0
    states: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    drift: Counter[str] = field(default_factory=Counter)
    not_modified: int = 0  # 304s and byte-identical answers: no new snapshot, no extraction
    archived: int = 0
    events: int = 0
    seconds: float = 0.0

    def merge(self, other: RecheckSummary) -> None:
        self.sources += other.sources
        self.states.update(other.states)
        self.statuses.update(other.statuses)
        self.drift.update(other.drift)
        self.not_modified += other.not_modified
        self.archived += other.archived
        self.events += other.events

    def as_dict(self) -> dict[str, Any]:
        return {"sources": self.sources, "states": dict(self.states), "statuses": dict(self.statuses),
                "drift": dict(self.drift), "not_modified": self.not_modified, "archived": self.archived,
                "events": self.events, "seconds": round(self.seconds, 3)}

    def __str__(self) -> str:
        noun = "source" if self.sources == 1 else "sources"
        states = ", ".join(f"{self.states[s]} {s}" for s in LinkState if self.states[s])
        line = f"rechecked {self.sources} {noun}" + (f": {states}" if states else "")
        order = [str(d) for d in Drift]
        drift = ", ".join(f"{self.drift[d]} {d}" for d in order if self.drift[d])
        return line + (f"; quotes: {drift}" if drift else "")


# ------------------------------------------------------------------ claiming

def claim_sources(session: Session, settings: Settings, *, due_only: bool = True, limit: int | None = None,
                  now: datetime | None = None) -> list[int]:
    """Atomically claim sources to recheck (most overdue first); returns their ids.

    One UPDATE … WHERE id IN (SELECT … LIMIT n [FOR UPDATE SKIP LOCKED]) AND unclaimed RETURNING id:
    concurrent sweeps (two beats, a duplicated tick, a CLI run beside the service) get disjoint sets.
    """
    now = now or utcnow()
    unclaimed = or_(col(Source.claimed_until).is_(None), col(Source.claimed_until) <= now)
    pick = select(Source.id).where(unclaimed)
    if due_only:
        pick = pick.where(col(Source.next_check_at).is_not(None), col(Source.next_check_at) <= now)
    pick = pick.order_by(col(Source.next_check_at).is_(None), col(Source.next_check_at), col(Source.id))
    if limit is not None:
        pick = pick.limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    stmt = (update(Source).where(col(Source.id).in_(pick.scalar_subquery()), unclaimed)
            .values(claimed_until=now + timedelta(seconds=settings.recheck_lease))
            .returning(col(Source.id)))
    ids = [int(r[0]) for r in session.execute(stmt)]
    session.commit()
    return ids


def release(session: Session, ids: Sequence[int]) -> None:
    """Give claims back without checking (a task that cannot run them)."""
    if ids:
        session.execute(update(Source).where(col(Source.id).in_(list(ids))).values(claimed_until=None))
        session.commit()


# ------------------------------------------------------------------ the round

def recheck_sources(session: Session, settings: Settings, *, due_only: bool = True,
                    progress: Progress | None = None, limit: int | None = None,
                    make_limiter: Callable[[], Limiter] | None = None) -> RecheckSummary:
    """The embedded round (`verifier recheck --due | --all`): claim, recheck, release, in-process."""
    t0 = time.perf_counter()
    ids = claim_sources(session, settings, due_only=due_only, limit=limit)
    summary = recheck_ids(session, settings, ids, progress=progress, make_limiter=make_limiter)
    summary.seconds = time.perf_counter() - t0
    return summary


def recheck_ids(session: Session, settings: Settings, ids: Sequence[int], *, progress: Progress | None = None,
                make_limiter: Callable[[], Limiter] | None = None, claimed_only: bool = False) -> RecheckSummary:
    """Recheck these (claimed) sources in chunks of recheck_batch_size; each chunk commits on its own.

    claimed_only: skip ids whose claim was already released (a redelivered Celery batch).
    """
    t0 = time.perf_counter()
    summary = RecheckSummary()
    ids = list(dict.fromkeys(ids))
    n = settings.recheck_batch_size
    for i in range(0, len(ids), n):
        summary.merge(_Round(session, settings, ids[i:i + n], progress, make_limiter, claimed_only).run())
    summary.seconds = time.perf_counter() - t0
    return summary


# ------------------------------------------------------------------ load

@dataclass
class _Chunk:
    """A chunk's rows, loaded in a constant number of queries."""

    sources: dict[int, Source]
    latest: dict[int, SnapshotRow]
    judged: dict[int, SnapshotRow]  # the snapshots quotes were judged on (latest ones included)
    quotes: dict[int, list[QuoteRow]]  # by source id
    briefs: dict[str, Brief]
    cited: dict[int, tuple[Cited, ...]]

    def previous(self, src: Source) -> SnapshotRow | None:
        return self.latest.get(src.latest_snapshot_id or -1)


def _snapshots(session: Session, ids: Iterable[int | None]) -> dict[int, SnapshotRow]:
    want = sorted({i for i in ids if i is not None})
    if not want:
        return {}
    rows = session.exec(select(SnapshotRow).where(col(SnapshotRow.id).in_(want))
                        .options(defer(SnapshotRow.body_gz)))  # type: ignore[arg-type]
    return {r.id: r for r in rows if r.id is not None}


def _load(session: Session, ids: list[int], claimed_only: bool) -> _Chunk | None:
    sources = store.sources_by_id(session, ids)
    if claimed_only:
        sources = {k: v for k, v in sources.items() if v.claimed_until is not None}
    if not sources:
        return None
    latest = _snapshots(session, (s.latest_snapshot_id for s in sources.values()))
    quotes = list(session.exec(
        select(QuoteRow).join(SnapshotRow, col(QuoteRow.snapshot_id) == col(SnapshotRow.id))
        .where(col(SnapshotRow.source_id).in_(list(sources)), col(QuoteRow.evidence).is_not(None))))
    judged = _snapshots(session, (q.snapshot_id for q in quotes if q.snapshot_id not in latest))
    judged.update(latest)
    by_source: dict[int, list[QuoteRow]] = {}
    for q in quotes:
        snap = judged.get(q.snapshot_id or -1)
        if snap is not None:
            by_source.setdefault(snap.source_id, []).append(q)
    briefs = {b.id: b for b in session.exec(select(Brief).where(
        col(Brief.id).in_(sorted({q.brief_id for q in quotes}))))} if quotes else {}
    return _Chunk(sources, latest, judged, by_source, briefs, _cited(session, list(sources)))


def _cited(session: Session, sids: list[int]) -> dict[int, tuple[Cited, ...]]:
    """The briefs (and their orgs) citing each source, each pair once, for link events."""
    rows = session.exec(select(Citation.source_id, Citation.brief_id, Brief.org_id)
                        .join(Brief, col(Brief.id) == col(Citation.brief_id))
                        .where(col(Citation.source_id).in_(sids))).all()
    cited: dict[int, dict[Cited, None]] = {}
    for sid, bid, org in rows:
        cited.setdefault(sid, {})[Cited(bid, org)] = None
    return {sid: tuple(c) for sid, c in cited.items()}


def _source_before(src: Source, chunk: _Chunk) -> SourceBefore:
    return SourceBefore(id=src.id or 0, url=src.url, state=LinkState(src.state), strikes=src.strikes,
                        last_strike_at=src.last_strike_at, check_interval=src.check_interval,
                        has_archive=src.archive_url is not None, cited_by=chunk.cited.get(src.id or -1, ()))


def _quote_before(q: QuoteRow, chunk: _Chunk) -> QuoteBefore:
    base = chunk.judged.get(q.snapshot_id or -1)
    ev = q.evidence or {}
    anchor = None
    if base is not None and base.text and "start" in ev and "end" in ev:
        anchor = Anchor.from_text(base.text, int(ev["start"]), int(ev["end"]), base.main_end)
    brief = chunk.briefs.get(q.brief_id)
    return QuoteBefore(id=q.id or 0, qid=q.qid, brief=Cited(q.brief_id, brief.org_id if brief else None),
                       anchor=anchor, was=ev.get("text"), drift=q.drift,
                       has_archive_verdict=q.archive_verdict is not None,
                       judged_at=base.fetched_at if base is not None else None)


# ------------------------------------------------------------------ the round

class _Round:
    """One chunk of sources: load, fetch concurrently, decide (pure) and apply each, then the archive."""

    def __init__(self, session: Session, settings: Settings, ids: list[int], progress: Progress | None,
                 make_limiter: Callable[[], Limiter] | None, claimed_only: bool,
                 rng: Callable[[], float] = random.random) -> None:
        self.s, self.settings, self.ids = session, settings, ids
        self.policy = policy_of(settings)
        self.progress, self.make_limiter, self.claimed_only, self.rng = progress, make_limiter, claimed_only, rng
        self.summary = RecheckSummary()
        self.events: list[EventValue] = []
        self.asks: list[tuple[Source, ArchiveRequest]] = []
        self.quote_rows: dict[int, QuoteRow] = {}

    def run(self) -> RecheckSummary:
        chunk = _load(self.s, self.ids, self.claimed_only)
        if chunk is None:
            return self.summary
        self.quote_rows = {q.id: q for qs in chunk.quotes.values() for q in qs if q.id is not None}
        asyncio.run(self._io(chunk))
        # drift events first, then link events, as the feed has always listed them
        ordered = sorted(self.events, key=lambda e: e.kind in (EventKind.LINK_DIED, EventKind.LINK_RECOVERED))
        self.s.add_all(Event(org_id=e.org_id, brief_id=e.brief_id, source_id=e.source_id, quote_id=e.quote_id,
                             kind=str(e.kind), created_at=e.created_at, detail=e.detail) for e in ordered)
        self.summary.events = len(ordered)
        self.s.commit()
        return self.summary

    async def _io(self, chunk: _Chunk) -> None:
        """Fetch the chunk concurrently (conditional requests), decide and apply, then the archive: one loop."""
        limiter = self.make_limiter() if self.make_limiter is not None else None
        async with Fetcher(self.settings, limiter, spool_threshold=SPOOL_THRESHOLD) as f:
            snaps = await asyncio.gather(*(self._fetch(f, src, chunk.previous(src)) for src in chunk.sources.values()))
            # extraction and the session's writes in a thread: the loop still holds the fetcher
            await asyncio.to_thread(self._all, chunk, snaps, utcnow())
            if self.asks:
                await asyncio.gather(*(self._archive(f, src, ask) for src, ask in self.asks))

    def _all(self, chunk: _Chunk, snaps: list[Snapshot], now: datetime) -> None:
        for src, snap in zip(chunk.sources.values(), snaps, strict=True):
            try:
                self._one(src, snap, chunk, now)
            finally:
                if snap.body_path:
                    Path(snap.body_path).unlink(missing_ok=True)

    @staticmethod
    async def _fetch(f: Fetcher, src: Source, prev: SnapshotRow | None) -> Snapshot:
        readable = prev is not None and prev.status == LinkStatus.OK and bool(prev.text)
        return await f.fetch(src.url, etag=src.etag if readable else None,
                             last_modified=src.last_modified if readable else None)

    # -- one source: record the check, decide, apply
    def _one(self, src: Source, snap: Snapshot, chunk: _Chunk, now: datetime) -> None:
        prev = chunk.previous(src)
        status, text = self._record(src, snap, prev, now)
        changed = text is not None and _main(prev.text if prev else None, prev.main_end if prev else None) \
            != _main(text.text, text.main_end)
        quotes = [_quote_before(q, chunk) for q in chunk.quotes.get(src.id or -1, [])]
        d = decide(self.policy, _source_before(src, chunk), Check(status, text, changed, now), quotes, self.rng())
        self._apply(src, d)
        if self.progress is not None:
            self.progress("source", {"url": src.url, "status": str(status), "http_status": snap.http_status,
                                     "state": str(d.source.state)})

    def _record(self, src: Source, snap: Snapshot, prev: SnapshotRow | None,
                now: datetime) -> tuple[LinkStatus, SourceText | None]:
        """Store what the fetch found: a check row for nothing new (304 / same bytes), else a snapshot."""
        if prev is not None and _same_as(snap, prev):
            self.s.add(CheckRow(source_id=src.id or 0, snapshot_id=prev.id, checked_at=snap.fetched_at or now,
                                status=str(LinkStatus.OK), http_status=snap.http_status or 304,
                                text_sha256=prev.text_sha256))
            src.last_checked_at = snap.fetched_at or now
            src.etag = snap.headers.get("etag") or src.etag
            src.last_modified = snap.headers.get("last-modified") or src.last_modified
            self.summary.not_modified += 1
            status, text = LinkStatus.OK, store.source_text_of(prev)
        else:
            snap, text, _ = read_snapshot(snap, self.settings)
            store.record_snapshot(self.s, src, snap, text, blob_dir=self.settings.blob_path)
            status = LinkStatus(snap.status)
        self.summary.statuses[str(status)] += 1
        return status, text

    def _apply(self, src: Source, d: Decision) -> None:
        u = d.source
        src.state, src.strikes, src.last_strike_at = str(u.state), u.strikes, u.last_strike_at
        src.check_interval, src.next_check_at, src.claimed_until = u.check_interval, u.next_check_at, None
        self.s.add(src)
        for qu in d.quotes:
            q = self.quote_rows[qu.id]
            q.drift, q.drift_text = qu.drift, qu.drift_text
            q.drift_at = qu.drift_at or q.drift_at
            self.s.add(q)
        self.events += d.events
        self.asks += [(src, ask) for ask in d.archive]
        self.summary.sources += 1
        self.summary.states[str(u.state)] += 1
        self.summary.drift.update(str(x) for x in d.drift)

    # -- archive fallback
    async def _archive(self, f: Fetcher, src: Source, ask: ArchiveRequest) -> None:
        try:
            found = await archive.find_copy(f, self.settings, src.url, ask.at)
        except Exception:  # the archive's trouble must not lose the round
            found = None
        if found is None:
            return
        copy, text = found
        index = SourceIndex.build(text)
        for qid in ask.quote_ids:
            q = self.quote_rows[qid]
            q.archive_verdict = str(archive.verdict_against(q.text, index))
            self.s.add(q)
        src.archive_url, src.archive_captured_at = copy.url, copy.captured_at
        self.s.add(src)
        self.summary.archived += 1
