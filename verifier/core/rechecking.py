"""What one recheck of a source decides, as values: the source's update, each quote's drift, the events.

Why a module of its own: the rules of link rot and drift are the part of rechecking people argue
about, so they live apart from the loading, fetching and writing around them (service/recheck.py)
and are tested on values alone. Nothing here touches a database or a settings object: the policy's
numbers come in as a `Policy`, the random spread of the next check as a number in [0, 1).

The rules:
- A failure is a strike only when spaced `strike_spacing` after the previous strike; dead needs
  `dead_after` strikes (at least 2 when the failures are only transient: timeouts, 5xx, unreachable);
  `blocked`, `refused`, `too_large` and `no_text` make a source failing but never count a strike (a
  bot wall is not rot); any success resets to live.
- A live source's interval grows while its text is stable (capped) and shrinks when it changes; a
  failing source comes back when its next failure can count as a strike; a dead one at the cap.
- Drift is measured against the snapshot a quote was JUDGED on, so a page edited once stays
  `changed` on later rounds rather than becoming the new normal; an event is emitted only when a
  quote's drift moves to changed or removed, and those quotes (and a newly dead source's) ask the
  archive for a copy unless they already have an archive verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from verifier.core.align import SourceIndex
from verifier.core.anchor import Anchor, Drift, reanchor
from verifier.core.statuses import EventKind, LinkState, LinkStatus
from verifier.core.values import SourceText

#: failures that count as strikes towards dead (spaced by strike_spacing)
STRIKE_STATUSES = frozenset({LinkStatus.NOT_FOUND, LinkStatus.SOFT_404, LinkStatus.SERVER_ERROR,
                             LinkStatus.TIMEOUT, LinkStatus.UNREACHABLE})
#: strikes that may be the server's bad day: never dead on fewer than two of them
TRANSIENT_STATUSES = frozenset({LinkStatus.SERVER_ERROR, LinkStatus.TIMEOUT, LinkStatus.UNREACHABLE})


@dataclass(frozen=True)
class Policy:
    """The recheck numbers (seconds); min_interval ≤ interval ≤ max_interval."""

    interval: float
    min_interval: float
    max_interval: float
    backoff: float
    jitter: float
    strike_spacing: float
    dead_after: int


@dataclass(frozen=True)
class Cited:
    """A brief citing the source, and the organisation that owns it (None: embedded)."""

    brief_id: str | None
    org_id: int | None


@dataclass(frozen=True)
class SourceBefore:
    id: int
    url: str
    state: LinkState
    strikes: int
    last_strike_at: datetime | None
    check_interval: float | None
    has_archive: bool
    cited_by: tuple[Cited, ...] = ()


@dataclass(frozen=True)
class QuoteBefore:
    """A quote judged on this source: where it stood in the judged text (None: nothing to anchor)."""

    id: int
    qid: str
    brief: Cited
    anchor: Anchor | None
    was: str | None  # the judged passage, for the event
    drift: str | None
    has_archive_verdict: bool
    judged_at: datetime | None  # when the judged snapshot was fetched


@dataclass(frozen=True)
class Check:
    """What this round's fetch found."""

    status: LinkStatus
    text: SourceText | None  # the readable text now (the stored one for a 304)
    changed: bool  # the main text differs from the previous snapshot's
    now: datetime


@dataclass(frozen=True)
class LinkDecision:
    state: LinkState
    strikes: int
    last_strike_at: datetime | None
    counted: bool  # this failure was a strike


@dataclass(frozen=True)
class SourceUpdate:
    state: LinkState
    strikes: int
    last_strike_at: datetime | None
    check_interval: float | None
    next_check_at: datetime


@dataclass(frozen=True)
class QuoteUpdate:
    id: int
    drift: str | None
    drift_text: str | None
    drift_at: datetime | None  # set when the drift moved; None: keep the stored time


@dataclass(frozen=True)
class EventValue:
    kind: EventKind
    source_id: int
    created_at: datetime
    detail: dict[str, Any]
    brief_id: str | None = None
    org_id: int | None = None
    quote_id: int | None = None


@dataclass(frozen=True)
class ArchiveRequest:
    """Ask the archive for a copy near `at` and judge these quotes against it."""

    quote_ids: tuple[int, ...]
    at: datetime | None


@dataclass(frozen=True)
class Decision:
    source: SourceUpdate
    quotes: list[QuoteUpdate] = field(default_factory=list)
    events: list[EventValue] = field(default_factory=list)
    archive: list[ArchiveRequest] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)  # one per anchored quote, for the summary


# ------------------------------------------------------------------ link state and schedule

def judge_link(policy: Policy, *, state: LinkState, strikes: int, last_strike_at: datetime | None,
               status: LinkStatus, now: datetime) -> LinkDecision:
    """One check's effect on a source's state (see the module docstring for the rules)."""
    if status == LinkStatus.OK:
        return LinkDecision(LinkState.LIVE, 0, None, False)
    keep = LinkState.DEAD if state == LinkState.DEAD else LinkState.FAILING
    if status not in STRIKE_STATUSES:  # blocked, refused, too_large, no_text: unreadable, not rot
        return LinkDecision(keep, strikes, last_strike_at, False)
    spaced = last_strike_at is None or (now - last_strike_at).total_seconds() >= policy.strike_spacing
    if spaced:
        strikes, last_strike_at = strikes + 1, now
    need = max(2, policy.dead_after) if status in TRANSIENT_STATUSES else policy.dead_after
    new_state = LinkState.DEAD if state == LinkState.DEAD or strikes >= need else LinkState.FAILING
    return LinkDecision(new_state, strikes, last_strike_at, spaced)


def next_interval(policy: Policy, current: float | None, *, changed: bool) -> float:
    """A live source's next interval: grows for a stable text (capped), shrinks for a changing one."""
    cur = policy.interval if current is None or current <= 0 else current
    if changed:
        return max(policy.min_interval, min(cur, policy.interval) / 2)
    return min(policy.max_interval, cur * policy.backoff)


def jittered(delay: float, policy: Policy, spread: float) -> float:
    """Spread next checks (spread in [0, 1)) so sources stored together do not all fall due at once."""
    return delay * (1 + policy.jitter * spread)


def failing_delay(policy: Policy, current: float | None) -> float:
    """A failing source comes back when the next failure can count as a strike."""
    if policy.strike_spacing <= 0:
        return 0.0
    return min(policy.strike_spacing, current or policy.interval)


# ------------------------------------------------------------------ the decision

def decide(policy: Policy, src: SourceBefore, check: Check, quotes: list[QuoteBefore], spread: float) -> Decision:
    """One source's recheck: its new state and schedule, its quotes' drift, the events and archive asks."""
    link = judge_link(policy, state=src.state, strikes=src.strikes, last_strike_at=src.last_strike_at,
                      status=check.status, now=check.now)
    events = _link_events(src, link, check)
    interval = src.check_interval
    quote_updates: list[QuoteUpdate] = []
    archive: list[ArchiveRequest] = []
    drift: list[Drift] = []
    if check.status == LinkStatus.OK and check.text is not None:
        interval = next_interval(policy, interval, changed=check.changed)
        delay = interval
        quote_updates, drift_events, archive, drift = _drift(src, check.text, quotes, check.now)
        events += drift_events
    elif link.state == LinkState.DEAD:
        delay = policy.max_interval
        quote_updates = [QuoteUpdate(q.id, None, None, check.now) for q in quotes if q.drift is not None]
        pending = [q for q in quotes if not q.has_archive_verdict]
        if pending and (src.state != LinkState.DEAD or not src.has_archive):
            archive = [_archive_request(pending)]
    else:
        delay = failing_delay(policy, interval)
    update = SourceUpdate(link.state, link.strikes, link.last_strike_at, interval,
                          check.now + timedelta(seconds=jittered(delay, policy, spread)))
    return Decision(update, quote_updates, events, archive, drift)


def _link_events(src: SourceBefore, link: LinkDecision, check: Check) -> list[EventValue]:
    """link_died / link_recovered, once per brief citing the source (an org hears of its own briefs)."""
    detail: dict[str, Any] = {"url": src.url, "status": str(check.status)}
    if src.state != LinkState.DEAD and link.state == LinkState.DEAD:
        kind = EventKind.LINK_DIED
        detail["strikes"] = link.strikes
    elif src.state == LinkState.DEAD and link.state == LinkState.LIVE:
        kind = EventKind.LINK_RECOVERED
    else:
        return []
    return [EventValue(kind, src.id, check.now, dict(detail), c.brief_id, c.org_id)
            for c in (src.cited_by or (Cited(None, None),))]


def _drift(src: SourceBefore, new: SourceText, quotes: list[QuoteBefore], now: datetime
           ) -> tuple[list[QuoteUpdate], list[EventValue], list[ArchiveRequest], list[Drift]]:
    """Each anchored quote re-found in the new text; events and archive asks for those newly lost."""
    index: SourceIndex | None = None
    updates: list[QuoteUpdate] = []
    events: list[EventValue] = []
    lost: list[QuoteBefore] = []
    drift: list[Drift] = []
    for q in quotes:
        if q.anchor is None:
            continue
        if index is None and q.anchor.exact not in new.text:
            index = SourceIndex.build(new)
        r = reanchor(q.anchor, new, index)
        drift.append(r.drift)
        text = r.text if r.drift is Drift.CHANGED else None
        moved = q.drift != str(r.drift)
        updates.append(QuoteUpdate(q.id, str(r.drift), text, now if moved else None))
        if moved and r.drift in (Drift.CHANGED, Drift.REMOVED):
            kind = EventKind.QUOTE_CHANGED if r.drift is Drift.CHANGED else EventKind.QUOTE_REMOVED
            events.append(EventValue(kind, src.id, now, {
                "qid": q.qid, "url": src.url, "was": q.was, "now": text,
                "differences": [x.as_dict() for x in r.differences]},
                brief_id=q.brief.brief_id, org_id=q.brief.org_id, quote_id=q.id))
            if not q.has_archive_verdict:
                lost.append(q)
    return updates, events, [_archive_request(lost)] if lost else [], drift


def _archive_request(quotes: list[QuoteBefore]) -> ArchiveRequest:
    times = [q.judged_at for q in quotes if q.judged_at is not None]
    return ArchiveRequest(tuple(q.id for q in quotes), min(times) if times else None)
