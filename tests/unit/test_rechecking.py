"""The recheck decision on values alone: link rot over spaced strikes, recovery, drift per quote, events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.test_anchor import BEFORE, FILL, PARA, anchor_of, page
from verifier.core.anchor import Drift
from verifier.core.rechecking import (
    Check,
    Cited,
    Decision,
    Policy,
    QuoteBefore,
    SourceBefore,
    decide,
)
from verifier.core.statuses import EventKind, LinkState, LinkStatus
from verifier.core.values import SourceText
from verifier.settings import Settings

DAY = 86400.0
POLICY = Policy(interval=7 * DAY, min_interval=DAY, max_interval=56 * DAY, backoff=1.5, jitter=0.1,
                strike_spacing=DAY, dead_after=3)
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BRIEF = Cited("b1", 7)


def source(state: LinkState = LinkState.LIVE, strikes: int = 0, last: datetime | None = None,
           interval: float | None = None, has_archive: bool = False) -> SourceBefore:
    return SourceBefore(id=1, url="https://example.org/a", state=state, strikes=strikes, last_strike_at=last,
                        check_interval=interval, has_archive=has_archive, cited_by=(BRIEF, Cited("b2", None)))


def quote(drift: str | None = None, verdict: bool = False, qid: str = "q1", id: int = 10) -> QuoteBefore:
    return QuoteBefore(id=id, qid=qid, brief=BRIEF, anchor=anchor_of(BEFORE), was="the passage", drift=drift,
                       has_archive_verdict=verdict, judged_at=T0 - timedelta(days=30))


def fail(src: SourceBefore, at: datetime, status: LinkStatus = LinkStatus.NOT_FOUND,
         quotes: list[QuoteBefore] | None = None) -> Decision:
    return decide(POLICY, src, Check(status, None, False, at), quotes or [], 0.0)


def after(src: SourceBefore, d: Decision) -> SourceBefore:
    u = d.source
    return SourceBefore(src.id, src.url, u.state, u.strikes, u.last_strike_at, u.check_interval,
                        src.has_archive, src.cited_by)


def ok(src: SourceBefore, text: SourceText, at: datetime, quotes: list[QuoteBefore], changed: bool = True) -> Decision:
    return decide(POLICY, src, Check(LinkStatus.OK, text, changed, at), quotes, 0.0)


def test_dead_after_three_strikes_spaced_apart() -> None:
    src, at = source(), T0
    for _ in range(2):
        d = fail(src, at)
        assert d.source.state is LinkState.FAILING and d.events == []
        # a failing source comes back when its next failure can count
        assert d.source.next_check_at == at + timedelta(seconds=DAY)
        src, at = after(src, d), at + timedelta(days=1)
    d = fail(src, at, quotes=[quote(drift="unchanged"), quote(verdict=True, id=11, qid="q2")])
    assert (d.source.state, d.source.strikes) == (LinkState.DEAD, 3)
    assert [(e.kind, e.brief_id, e.org_id) for e in d.events] == [(EventKind.LINK_DIED, "b1", 7),
                                                                  (EventKind.LINK_DIED, "b2", None)]
    assert d.events[0].detail == {"url": src.url, "status": "not_found", "strikes": 3}
    assert d.source.next_check_at == at + timedelta(seconds=POLICY.max_interval)
    assert [(q.id, q.drift, q.drift_at) for q in d.quotes] == [(10, None, at)]  # drift no longer measurable
    assert [a.quote_ids for a in d.archive] == [(10,)]  # the quote without an archive verdict asks
    assert d.archive[0].at == T0 - timedelta(days=30)


def test_failures_closer_than_the_spacing_are_one_strike() -> None:
    src = after(source(), fail(source(), T0))
    d = fail(src, T0 + timedelta(hours=1))
    assert (d.source.state, d.source.strikes, d.source.last_strike_at) == (LinkState.FAILING, 1, T0)


def test_transient_failures_need_two_strikes_even_with_dead_after_one() -> None:
    policy = Policy(**{**POLICY.__dict__, "dead_after": 1})
    d = decide(policy, source(), Check(LinkStatus.TIMEOUT, None, False, T0), [], 0.0)
    assert (d.source.state, d.source.strikes) == (LinkState.FAILING, 1)
    d = decide(policy, source(), Check(LinkStatus.NOT_FOUND, None, False, T0), [], 0.0)
    assert d.source.state is LinkState.DEAD


def test_blocked_is_failing_but_never_a_strike() -> None:
    d = fail(source(strikes=2, last=T0 - timedelta(days=2)), T0, LinkStatus.BLOCKED)
    assert (d.source.state, d.source.strikes) == (LinkState.FAILING, 2) and d.events == []


def test_recovered_after_dead_resets_and_tells_each_brief() -> None:
    d = ok(source(LinkState.DEAD, 3, T0, interval=4 * DAY, has_archive=True), BEFORE, T0 + timedelta(days=9), [],
           changed=False)
    assert (d.source.state, d.source.strikes, d.source.last_strike_at) == (LinkState.LIVE, 0, None)
    assert [e.kind for e in d.events] == [EventKind.LINK_RECOVERED] * 2
    assert d.source.check_interval == 6 * DAY  # stable text: the interval grows by the backoff


def test_drift_per_quote_with_events_only_when_it_moves() -> None:
    edited = page([FILL[0], PARA.replace("high tide", "the spring tide"), FILL[1], FILL[2], FILL[3]])
    first = ok(source(interval=4 * DAY), edited, T0, [quote()])
    assert first.drift == [Drift.CHANGED]
    (qu,) = first.quotes
    assert qu.drift == "changed" and qu.drift_text is not None and "spring tide" in qu.drift_text and qu.drift_at == T0
    (ev,) = first.events
    assert (ev.kind, ev.quote_id, ev.brief_id, ev.org_id) == (EventKind.QUOTE_CHANGED, 10, "b1", 7)
    assert ev.detail["was"] == "the passage" and ev.detail["differences"]
    assert [a.quote_ids for a in first.archive] == [(10,)]
    assert first.source.check_interval == 2 * DAY  # a changing text is checked sooner
    again = ok(source(interval=2 * DAY), edited, T0 + timedelta(days=2), [quote(drift="changed")])
    assert again.events == [] and again.archive == [] and again.quotes[0].drift_at is None


def test_removed_quote_and_unanchored_quote() -> None:
    gone = page(FILL)
    bare = QuoteBefore(id=12, qid="q3", brief=BRIEF, anchor=None, was=None, drift=None,
                       has_archive_verdict=False, judged_at=None)
    d = ok(source(), gone, T0, [quote(verdict=True), bare])
    assert d.drift == [Drift.REMOVED] and [q.id for q in d.quotes] == [10]
    assert [e.kind for e in d.events] == [EventKind.QUOTE_REMOVED]
    assert d.archive == []  # it has an archive verdict already


def test_jitter_spreads_the_next_check() -> None:
    d = decide(POLICY, source(interval=4 * DAY), Check(LinkStatus.OK, BEFORE, False, T0), [], 0.5)
    assert d.source.next_check_at == T0 + timedelta(seconds=6 * DAY * 1.05)


def test_settings_clamp_what_the_policy_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in {"RECHECK_INTERVAL": "100", "RECHECK_MIN_INTERVAL": "500", "RECHECK_MAX_INTERVAL": "50",
                 "RECHECK_BATCH_SIZE": "0", "RECHECK_SWEEP_LIMIT": "-5", "DEAD_AFTER": "0",
                 "FETCH_RETRIES": "-1", "HOST_CONCURRENCY": "0", "HOST_INTERVAL": "-2"}.items():
        monkeypatch.setenv(f"VERIFIER_{k}", v)
    s = Settings()
    assert (s.recheck_min_interval, s.recheck_interval, s.recheck_max_interval) == (100, 100, 100)
    assert (s.recheck_batch_size, s.recheck_sweep_limit, s.dead_after) == (1, 1, 1)
    assert (s.fetch_retries, s.host_concurrency, s.host_interval) == (0, 1, 0.0)
