"""Stall recovery reads heartbeats in Redis: dead work is restarted in seconds, waiting work never.

A brief whose OCR waits in its queue makes no progress for as long as the queue is long; it must
neither be restarted nor failed. A brief whose running task stopped beating, or whose worker
died holding its message, or of which Redis knows nothing (a restart, a send that never went),
is restarted as soon as its heartbeat is out of date.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis

from verifier.core.intake import brief_from_bytes
from verifier.core.statuses import BriefStatus
from verifier.settings import Settings, get_settings
from verifier.storage import db
from verifier.storage.models import Brief, utcnow

pytestmark = pytest.mark.service

TEXT = b"She said \xe2\x80\x9chello there\xe2\x80\x9d [1].\n\n[1] https://example.org/a\n"


@pytest.fixture
def settings(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    redis.Redis.from_url(redis_url).flushdb()
    monkeypatch.setenv("VERIFIER_REDIS_URL", redis_url)
    monkeypatch.setenv("VERIFIER_HEARTBEAT_INTERVAL", "1")
    monkeypatch.setenv("VERIFIER_STALL_AFTER", "3600")  # only the heartbeats may decide
    monkeypatch.setenv("VERIFIER_MAX_ATTEMPTS", "2")
    get_settings.cache_clear()
    from workers import heartbeat

    heartbeat._client = None  # this test's Redis
    yield get_settings()
    heartbeat._client = None


@pytest.fixture
def restarted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from workers import tasks

    sent: list[str] = []
    monkeypatch.setattr(tasks, "enqueue_brief", sent.append)
    return sent


def quiet_brief(settings: Settings, *, attempts: int = 1, seconds: float = 30) -> str:
    """A running brief that has made no progress for `seconds`."""
    from verifier.service.pipeline import register_brief

    with db.session_for(settings.database_url) as s:
        row = register_brief(s, brief_from_bytes(TEXT, name="b.md"), origin=None)
        row.status, row.attempts = BriefStatus.RUNNING, attempts
        row.updated_at = utcnow() - timedelta(seconds=seconds)
        s.add(row)
        s.commit()
        return row.id


def status_of(settings: Settings, brief_id: str) -> str:
    with db.session_for(settings.database_url) as s:
        row = s.get(Brief, brief_id)
        assert row is not None
        return row.status


def test_queued_ocr_is_never_restarted_nor_failed(settings: Settings, restarted: list[str]) -> None:
    from workers import heartbeat, tasks

    bid = quiet_brief(settings, attempts=5, seconds=3000)  # out of attempts, long silent
    heartbeat._mark(bid, "ocr-task", "queued")
    assert tasks.recover_stalled() == [] and restarted == []
    assert status_of(settings, bid) == BriefStatus.RUNNING


def test_a_running_task_is_alive_while_it_beats(settings: Settings, restarted: list[str]) -> None:
    from workers import heartbeat, tasks

    bid = quiet_brief(settings)
    heartbeat._beat_task("t1", bid)
    assert tasks.recover_stalled() == []
    heartbeat.redis_client().delete(heartbeat.task_key("t1"))  # its worker died: no more beats
    assert tasks.recover_stalled() == [bid] and restarted == [bid]
    assert heartbeat.redis_client().exists(heartbeat.work_key(bid)) == 0  # the dead entries are gone


def test_a_message_reserved_by_a_dead_worker_is_restarted(settings: Settings, restarted: list[str]) -> None:
    from workers import heartbeat, tasks

    bid = quiet_brief(settings)
    heartbeat._mark(bid, "t2", f"reserved:{heartbeat.worker_ident()}")
    heartbeat.beat_worker()
    assert tasks.recover_stalled() == []
    heartbeat.redis_client().delete(heartbeat.worker_key(heartbeat.worker_ident()))
    assert tasks.recover_stalled() == [bid]


def test_a_brief_redis_knows_nothing_of_is_restarted_after_the_grace(settings: Settings,
                                                                     restarted: list[str]) -> None:
    from workers import tasks

    fresh = quiet_brief(settings, seconds=0)  # just stored: its work may be on its way
    forgotten = quiet_brief(settings, seconds=30)  # a Redis restart, or a send that never went
    assert tasks.recover_stalled() == [forgotten]
    assert fresh not in restarted


def test_out_of_attempts_and_dead_is_failed(settings: Settings, restarted: list[str]) -> None:
    from workers import tasks

    bid = quiet_brief(settings, attempts=2)
    assert tasks.recover_stalled() == [] and restarted == []
    assert status_of(settings, bid) == BriefStatus.FAILED


def test_nothing_is_restarted_while_redis_is_unreachable(settings: Settings, restarted: list[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.service import free_port
    from workers import heartbeat, tasks

    bid = quiet_brief(settings)
    monkeypatch.setenv("VERIFIER_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    get_settings.cache_clear()
    heartbeat._client = None
    with pytest.raises(redis.ConnectionError):
        tasks.recover_stalled()
    assert restarted == [] and status_of(get_settings(), bid) == BriefStatus.RUNNING


def test_postrun_moves_only_its_own_state(settings: Settings) -> None:
    """A task that finished removes its entry; a retry puts it back in the queue; a copy reserved
    elsewhere meanwhile is left alone."""
    from workers import heartbeat

    r = heartbeat.redis_client()
    heartbeat._beat_task("a", "b1")
    heartbeat._swap("b1", "a", "running", "queued")
    assert r.hget(heartbeat.work_key("b1"), "a") == b"queued"
    heartbeat._mark("b1", "a", "reserved:elsewhere:1")
    heartbeat._swap("b1", "a", "running", "")
    assert r.hget(heartbeat.work_key("b1"), "a") == b"reserved:elsewhere:1"
