"""Rechecks: which stored links are due, who checks them, how a link's state and each quote's drift move.

Why it is shaped this way:
- The schedule lives in the database (Source.next_check_at / check_interval / claimed_until), so the
  embedded `verifier recheck` and the service's beat + workers share one truth. A sweep claims due
  sources with ONE conditional UPDATE … RETURNING (with FOR UPDATE SKIP LOCKED on PostgreSQL):
  a duplicated beat tick or a second beat finds them claimed and takes nothing.
- A chunk of sources is rechecked with a constant number of queries (sources, their latest
  snapshots, the quotes judged on them and those judgement snapshots, briefs for events), then one
  INSERT per snapshot/check and UPDATEs of changed rows: no query per quote.
- Link rot is decided over time: a failure is a strike only when spaced settings.strike_spacing after
  the previous strike; dead needs settings.dead_after strikes (at least 2 when the failures are only
  transient: timeouts, 5xx, unreachable); `blocked`, `refused`, `too_large` and `no_text` make a
  source failing but never count a strike (a bot wall is not rot); any success resets to live.
- Drift is always measured against the snapshot a quote was JUDGED on (QuoteRow.snapshot_id), so a
  page edited once stays `changed` on later rounds rather than becoming the new normal.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from verifier.core.align import SourceIndex
from verifier.core.anchor import Anchor, Drift, reanchor
from verifier.core.statuses import LinkStatus
from verifier.core.values import Snapshot, SourceText
from verifier.net.fetch import SPOOL_THRESHOLD, Fetcher
from verifier.net.politeness import Limiter
from verifier.service import archive
from verifier.service.pipeline import read_snapshot
from verifier.settings import Settings
from verifier.storage import store
from verifier.storage.models import Brief, CheckRow, Citation, Event, QuoteRow, SnapshotRow, Source, utcnow

Progress = Callable[[str, dict[str, object]], None]

#: failures that count as strikes towards dead (spaced by strike_spacing)
STRIKE_STATUSES = frozenset({LinkStatus.NOT_FOUND, LinkStatus.SOFT_404, LinkStatus.SERVER_ERROR,
                             LinkStatus.TIMEOUT, LinkStatus.UNREACHABLE})
#: strikes that may be the server's bad day: never dead on fewer than two of them
TRANSIENT_STATUSES = frozenset({LinkStatus.SERVER_ERROR, LinkStatus.TIMEOUT, LinkStatus.UNREACHABLE})

LIVE, FAILING, DEAD = "live", "failing", "dead"
LINK_DIED, LINK_RECOVERED = "link_died", "link_recovered"
QUOTE_CHANGED, QUOTE_REMOVED = "quote_changed", "quote_removed"


# ------------------------------------------------------------------ settings

def lease_seconds(settings: Settings) -> float:
    """How long a claim holds before another sweep may take the source again (a crashed worker)."""
    return float(settings.recheck_lease)


def batch_size(settings: Settings) -> int:
    return max(1, int(settings.recheck_batch_size))


def sweep_limit(settings: Settings) -> int:
    return max(1, int(settings.recheck_sweep_limit))


def _bounds(settings: Settings) -> tuple[float, float, float]:
    base = float(settings.recheck_interval)
    lo = float(settings.recheck_min_interval)
    hi = float(settings.recheck_max_interval)
    return base, min(lo, base), max(hi, base)


# ------------------------------------------------------------------ pure decisions

def next_interval(settings: Settings, current: float | None, *, changed: bool) -> float:
    """A live source's next interval: grows for a stable text (capped), shrinks for a changing one."""
    base, lo, hi = _bounds(settings)
    cur = base if current is None or current <= 0 else current
    if changed:
        return max(lo, min(cur, base) / 2)
    return min(hi, cur * float(settings.recheck_backoff))


def jittered(delay: float, settings: Settings, rng: Callable[[], float] = random.random) -> float:
    """Spread next checks so sources stored together do not all fall due in the same sweep."""
    return delay * (1 + float(settings.recheck_jitter) * rng())


@dataclass
class LinkDecision:
    state: str
    strikes: int
    last_strike_at: datetime | None
    counted: bool  # this failure was a strike


def judge_link(settings: Settings, *, state: str, strikes: int, last_strike_at: datetime | None,
               status: LinkStatus, now: datetime) -> LinkDecision:
    """One check's effect on a source's state (see the module docstring for the rules)."""
    if status == LinkStatus.OK:
        return LinkDecision(LIVE, 0, None, False)
    if status not in STRIKE_STATUSES:  # blocked, refused, too_large, no_text: unreadable, not rot
        return LinkDecision(DEAD if state == DEAD else FAILING, strikes, last_strike_at, False)
    spaced = last_strike_at is None or (now - _aware(last_strike_at)).total_seconds() >= settings.strike_spacing
    if spaced:
        strikes, last_strike_at = strikes + 1, now
    need = max(1, settings.dead_after)
    if status in TRANSIENT_STATUSES:
        need = max(need, 2)
    new_state = DEAD if state == DEAD or strikes >= need else FAILING
    return LinkDecision(new_state, strikes, last_strike_at, spaced)


def _aware(dt: datetime) -> datetime:
    """SQLite hands datetimes back naive; everything stored is UTC."""
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


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
        states = ", ".join(f"{self.states[s]} {s}" for s in (LIVE, FAILING, DEAD) if self.states[s])
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
            .values(claimed_until=now + timedelta(seconds=lease_seconds(settings)))
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
    n = batch_size(settings)
    for i in range(0, len(ids), n):
        summary.merge(_Round(session, settings, ids[i:i + n], progress, make_limiter, claimed_only).run())
    summary.seconds = time.perf_counter() - t0
    return summary


@dataclass
class _ArchiveJob:
    source: Source
    at: datetime | None
    quotes: list[QuoteRow]
    remember: bool  # store the copy on the source (dead sources, changed/removed passages)


class _Round:
    """One chunk of sources: loads in a constant number of queries, fetches concurrently, decides."""

    def __init__(self, session: Session, settings: Settings, ids: list[int], progress: Progress | None,
                 make_limiter: Callable[[], Limiter] | None, claimed_only: bool) -> None:
        self.s, self.settings, self.ids = session, settings, ids
        self.progress = progress
        self.make_limiter = make_limiter
        self.claimed_only = claimed_only
        self.summary = RecheckSummary()
        self.events: list[Event] = []
        self.jobs: list[_ArchiveJob] = []
        self.briefs: dict[str, Brief] = {}

    # -- loading
    def _snapshots(self, ids: Iterable[int | None]) -> dict[int, SnapshotRow]:
        want = sorted({i for i in ids if i is not None})
        if not want:
            return {}
        rows = self.s.exec(select(SnapshotRow).where(col(SnapshotRow.id).in_(want))
                           .options(defer(SnapshotRow.body_gz)))  # type: ignore[arg-type]
        return {r.id: r for r in rows if r.id is not None}

    def run(self) -> RecheckSummary:
        sources = store.sources_by_id(self.s, self.ids)
        if self.claimed_only:
            sources = {k: v for k, v in sources.items() if v.claimed_until is not None}
        if not sources:
            return self.summary
        latest = self._snapshots(s.latest_snapshot_id for s in sources.values())
        quotes = list(self.s.exec(
            select(QuoteRow).join(SnapshotRow, col(QuoteRow.snapshot_id) == col(SnapshotRow.id))
            .where(col(SnapshotRow.source_id).in_(list(sources)), col(QuoteRow.evidence).is_not(None))))
        judged = self._snapshots(q.snapshot_id for q in quotes if q.snapshot_id not in latest)
        judged.update(latest)
        by_source: dict[int, list[QuoteRow]] = {}
        for q in quotes:
            snap = judged.get(q.snapshot_id or -1)
            if snap is not None:
                by_source.setdefault(snap.source_id, []).append(q)
        self.briefs = {b.id: b for b in self.s.exec(select(Brief).where(
            col(Brief.id).in_(sorted({q.brief_id for q in quotes}))))} if quotes else {}

        plan = []
        for sid, src in sources.items():
            prev = latest.get(src.latest_snapshot_id or -1)
            readable = prev is not None and prev.status == LinkStatus.OK and bool(prev.text)
            plan.append((sid, src.url, src.etag if readable else None, src.last_modified if readable else None))
        asyncio.run(self._io(plan, sources, latest, judged, by_source))
        self._emit_link_events(sources)
        self.s.add_all(self.events)
        self.summary.events = len(self.events)
        self.s.commit()
        return self.summary

    async def _io(self, plan: list[tuple[int, str, str | None, str | None]], sources: dict[int, Source],
                  latest: dict[int, SnapshotRow], judged: dict[int, SnapshotRow],
                  by_source: dict[int, list[QuoteRow]]) -> None:
        """Fetch the chunk concurrently (conditional requests), decide, then look up archives: one loop."""
        snaps: dict[int, Snapshot] = {}
        limiter = self.make_limiter() if self.make_limiter is not None else None
        async with Fetcher(self.settings, limiter, spool_threshold=SPOOL_THRESHOLD) as f:
            async def one(sid: int, url: str, etag: str | None, lm: str | None) -> None:
                snaps[sid] = await f.fetch(url, etag=etag, last_modified=lm)

            await asyncio.gather(*(one(*p) for p in plan))
            now = utcnow()
            for sid, src in sources.items():
                self._one(src, snaps[sid], latest.get(src.latest_snapshot_id or -1), judged,
                          by_source.get(sid, []), now)
            if self.jobs:
                await self._archive(f)

    # -- one source
    def _one(self, src: Source, snap: Snapshot, prev: SnapshotRow | None, judged: dict[int, SnapshotRow],
             quotes: list[QuoteRow], now: datetime) -> None:
        try:
            self._judge_one(src, snap, prev, judged, quotes, now)
        finally:
            if snap.body_path:
                Path(snap.body_path).unlink(missing_ok=True)

    def _judge_one(self, src: Source, snap: Snapshot, prev: SnapshotRow | None, judged: dict[int, SnapshotRow],
                   quotes: list[QuoteRow], now: datetime) -> None:
        settings = self.settings
        new_text: SourceText | None
        if prev is not None and _same_as(snap, prev):
            # 304, or the very same bytes at the same address: the stored text stands; log the check only
            new_text = store.source_text_of(prev)
            self.s.add(CheckRow(source_id=src.id or 0, snapshot_id=prev.id, checked_at=snap.fetched_at or now,
                                status=str(LinkStatus.OK), http_status=snap.http_status or 304,
                                text_sha256=prev.text_sha256))
            src.last_checked_at = snap.fetched_at or now
            src.etag = snap.headers.get("etag") or src.etag
            src.last_modified = snap.headers.get("last-modified") or src.last_modified
            status = LinkStatus.OK
            self.summary.not_modified += 1
        else:
            snap, new_text, _ = read_snapshot(snap, self.settings)
            store.record_snapshot(self.s, src, snap, new_text, blob_dir=settings.blob_path)
            status = LinkStatus(snap.status)
        self.summary.statuses[str(status)] += 1

        was = src.state
        d = judge_link(settings, state=was, strikes=src.strikes, last_strike_at=src.last_strike_at,
                       status=status, now=now)
        src.state, src.strikes, src.last_strike_at = d.state, d.strikes, d.last_strike_at
        self.summary.states[d.state] += 1
        if was != DEAD and d.state == DEAD:
            self.events.append(Event(source_id=src.id, kind=LINK_DIED, created_at=now,
                                     detail={"url": src.url, "status": str(status), "strikes": d.strikes}))
        elif was == DEAD and d.state == LIVE:
            self.events.append(Event(source_id=src.id, kind=LINK_RECOVERED, created_at=now,
                                     detail={"url": src.url, "status": str(status)}))

        if status == LinkStatus.OK and new_text is not None:
            changed = _main(prev.text if prev else None, prev.main_end if prev else None) != \
                _main(new_text.text, new_text.main_end)
            src.check_interval = next_interval(settings, src.check_interval, changed=changed)
            delay = src.check_interval
            self._drift(src, new_text, judged, quotes, now)
        elif d.state == DEAD:
            delay = _bounds(settings)[2]
            for q in quotes:
                if q.drift is not None:
                    q.drift, q.drift_text, q.drift_at = None, None, now
                    self.s.add(q)
            pending = [q for q in quotes if q.archive_verdict is None]
            if pending and (was != DEAD or src.archive_url is None):
                self.jobs.append(_ArchiveJob(src, self._judged_at(pending, judged), pending, True))
        else:  # failing: come back when the next failure can count as a strike
            delay = min(float(settings.strike_spacing), src.check_interval or settings.recheck_interval) \
                if settings.strike_spacing > 0 else 0.0
        src.next_check_at = now + timedelta(seconds=jittered(delay, settings))
        src.claimed_until = None
        self.s.add(src)
        self.summary.sources += 1
        if self.progress is not None:
            self.progress("source", {"url": src.url, "status": str(status), "http_status": snap.http_status,
                                     "state": d.state})

    @staticmethod
    def _judged_at(quotes: list[QuoteRow], judged: dict[int, SnapshotRow]) -> datetime | None:
        times = [judged[q.snapshot_id].fetched_at for q in quotes if q.snapshot_id in judged]
        return _aware(min(times)) if times else None

    def _drift(self, src: Source, new: SourceText, judged: dict[int, SnapshotRow], quotes: list[QuoteRow],
               now: datetime) -> None:
        index: SourceIndex | None = None
        lost: list[QuoteRow] = []
        for q in quotes:
            base = judged.get(q.snapshot_id or -1)
            ev = q.evidence or {}
            if base is None or not base.text or "start" not in ev or "end" not in ev:
                continue
            a = Anchor.from_text(base.text, int(ev["start"]), int(ev["end"]), base.main_end)
            if index is None and a.exact not in new.text:
                index = SourceIndex.build(new)
            r = reanchor(a, new, index)
            self.summary.drift[str(r.drift)] += 1
            before = q.drift
            q.drift = str(r.drift)
            q.drift_text = r.text if r.drift is Drift.CHANGED else None
            if before != q.drift:
                q.drift_at = now
                if r.drift in (Drift.CHANGED, Drift.REMOVED):
                    kind = QUOTE_CHANGED if r.drift is Drift.CHANGED else QUOTE_REMOVED
                    brief = self.briefs.get(q.brief_id)
                    self.events.append(Event(
                        org_id=brief.org_id if brief else None, brief_id=q.brief_id, source_id=src.id,
                        quote_id=q.id, kind=kind, created_at=now,
                        detail={"qid": q.qid, "url": src.url, "was": ev.get("text"), "now": q.drift_text,
                                "differences": [x.as_dict() for x in r.differences]}))
                    if q.archive_verdict is None:
                        lost.append(q)
            self.s.add(q)
        if lost:
            self.jobs.append(_ArchiveJob(src, self._judged_at(lost, judged), lost, True))

    # -- archive fallback
    async def _archive(self, f: Fetcher) -> None:
        async def one(job: _ArchiveJob) -> None:
            try:
                found = await archive.find_copy(f, self.settings, job.source.url, job.at)
            except Exception:  # the archive's trouble must not lose the round
                found = None
            if found is None:
                return
            copy, text = found
            index = SourceIndex.build(text)
            for q in job.quotes:
                q.archive_verdict = str(archive.verdict_against(q.text, index))
                self.s.add(q)
            if job.remember:
                job.source.archive_url = copy.url
                job.source.archive_captured_at = copy.captured_at
                self.s.add(job.source)
            self.summary.archived += 1

        await asyncio.gather(*(one(j) for j in self.jobs))

    # -- events per brief (an org hears about its own briefs' links)
    def _emit_link_events(self, sources: dict[int, Source]) -> None:
        link = [e for e in self.events if e.kind in (LINK_DIED, LINK_RECOVERED)]
        if not link:
            return
        sids = sorted({e.source_id for e in link if e.source_id is not None})
        rows = self.s.exec(select(Citation.source_id, Citation.brief_id, Brief.org_id)
                           .join(Brief, col(Brief.id) == col(Citation.brief_id))
                           .where(col(Citation.source_id).in_(sids))).all()
        cited: dict[int, list[tuple[str | None, int | None]]] = {}
        for sid, bid, org in rows:
            if (bid, org) not in cited.setdefault(sid, []):
                cited[sid].append((bid, org))
        out = [e for e in self.events if e.kind not in (LINK_DIED, LINK_RECOVERED)]
        for e in link:
            targets: list[tuple[str | None, int | None]] = list(cited.get(e.source_id or -1, [])) or [(None, None)]
            for brief_id, org in targets:
                out.append(Event(org_id=org, brief_id=brief_id, source_id=e.source_id, kind=e.kind,
                                 created_at=e.created_at, detail=dict(e.detail)))
        self.events = out
