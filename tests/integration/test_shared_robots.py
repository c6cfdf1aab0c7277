"""robots.txt is shared through Redis: one request per host per TTL, however many tasks fetch there.

Each `fetch_sources` task builds its own Fetcher; without the shared store every one of them read
robots.txt again. And an unreachable Redis is our outage, never a link status.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from tests.httpserver import LoopbackServer
from verifier.core.statuses import LinkStatus
from verifier.net.fetch import Fetcher, fetch_many
from verifier.net.politeness import RedisHostLimiter, SharedStateError
from verifier.settings import Settings, get_settings

pytestmark = pytest.mark.service


@pytest.fixture
def site() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        srv.page("/robots.txt", b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        for i in range(8):
            srv.page(f"/page/{i}", b"<html><body><p>one two three four</p></body></html>")
        srv.page("/private/x", b"<html><body><p>secret words here</p></body></html>")
        yield srv


@pytest.fixture
def shared_settings(loopback_env: dict[str, str], redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    redis.Redis.from_url(redis_url).flushdb()
    monkeypatch.setenv("VERIFIER_REDIS_URL", redis_url)
    get_settings.cache_clear()
    return get_settings()


def one_task(url: str, settings: Settings) -> LinkStatus:
    """What one fetch task does: its own event loop, limiter and Fetcher, the state shared in Redis."""
    async def fetch() -> LinkStatus:
        limiter = RedisHostLimiter.from_settings(settings)
        try:
            got = await fetch_many([url], settings, limiter=limiter, robots=limiter.robots_store(settings.robots_ttl))
        finally:
            await limiter.aclose()
        return got[url].status

    return asyncio.run(fetch())


def test_several_tasks_on_one_host_read_robots_once(site: LoopbackServer, shared_settings: Settings) -> None:
    urls = [site.url(f"/page/{i}") for i in range(8)]
    with ThreadPoolExecutor(4) as pool:  # tasks side by side, as on several workers
        statuses = list(pool.map(lambda u: one_task(u, shared_settings), urls))
    assert statuses == [LinkStatus.OK] * 8
    assert one_task(site.url("/private/x"), shared_settings) == LinkStatus.REFUSED  # the shared file is obeyed
    assert site.hits["/robots.txt"] == 1


def test_the_shared_file_expires_after_its_ttl(site: LoopbackServer, shared_settings: Settings,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERIFIER_ROBOTS_TTL", "1")
    get_settings.cache_clear()
    settings = get_settings()
    assert one_task(site.url("/page/0"), settings) == LinkStatus.OK
    assert one_task(site.url("/page/1"), settings) == LinkStatus.OK
    assert site.hits["/robots.txt"] == 1
    time.sleep(1.2)
    assert one_task(site.url("/page/2"), settings) == LinkStatus.OK
    assert site.hits["/robots.txt"] == 2


def test_an_unreachable_redis_is_raised_not_recorded_as_a_link_status(site: LoopbackServer,
                                                                       loopback_settings: Settings) -> None:
    from tests.service import free_port

    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there

    async def fetch() -> None:
        limiter = RedisHostLimiter(dead, prefix=f"t:{uuid.uuid4().hex}")
        try:
            async with Fetcher(loopback_settings, limiter, robots=limiter.robots_store(60)) as f:
                await f.fetch(site.url("/page/0"))
        finally:
            await limiter.aclose()

    with pytest.raises(SharedStateError):
        asyncio.run(fetch())
    assert site.hits["/page/0"] == 0


def test_fetch_source_with_redis_down_retries_and_stores_no_snapshot(site: LoopbackServer, loopback_env: dict[str, str],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's case: an outage of ours was stored as `unreachable: ConnectionError` and reused."""
    from tests.service import free_port
    from verifier.core.intake import brief_from_bytes
    from verifier.service.pipeline import register_brief
    from verifier.storage import db, store
    from workers import heartbeat, tasks

    monkeypatch.setenv("VERIFIER_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    get_settings.cache_clear()
    heartbeat._client = None
    settings = get_settings()
    url = site.url("/page/0")
    with db.session_for(settings.database_url) as s:
        bid = register_brief(s, brief_from_bytes(f"“one two” [1].\n\n[1] {url}\n".encode(), name="b.md"),
                             origin=None).id
    monkeypatch.setattr(tasks.fetch_sources, "default_retry_delay", 0)
    result = tasks.fetch_sources.apply(args=(bid, [url]))
    heartbeat._client = None
    assert result.failed() and isinstance(result.result, SharedStateError)  # retried, then given up
    with db.session_for(settings.database_url) as s:
        assert store.get_or_create_source(s, url).latest_snapshot_id is None
    assert site.hits["/page/0"] == 0


def test_a_batch_that_fails_to_store_one_source_fetches_only_that_one_again(
        site: LoopbackServer, shared_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database blip on one source of a batch: the retry fetches that source alone; the others are
    stored once, counted once, and not fetched again."""
    from sqlalchemy import func, select
    from sqlalchemy.exc import OperationalError

    from verifier.core.intake import brief_from_bytes
    from verifier.service import pipeline
    from verifier.service.pipeline import register_brief
    from verifier.storage import db
    from verifier.storage.models import Brief, SnapshotRow
    from workers import heartbeat, tasks

    urls = [site.url(f"/page/{i}") for i in range(3)]
    refs = "".join(f"[{i + 1}] {u}\n" for i, u in enumerate(urls))
    with db.session_for(shared_settings.database_url) as s:
        bid = register_brief(s, brief_from_bytes(f"“one two three four” [1] [2] [3].\n\n{refs}".encode(),
                                                 name="b.md"), origin=None).id
    real, failed = pipeline.save_fetch, []

    def blip(session, url, *args, **kw):  # type: ignore[no-untyped-def]
        if url == urls[1] and not failed:
            failed.append(url)
            raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))
        return real(session, url, *args, **kw)

    monkeypatch.setattr(pipeline, "save_fetch", blip)
    monkeypatch.setattr(tasks.fetch_sources, "default_retry_delay", 0)
    heartbeat._client = None
    result = tasks.fetch_sources.apply(args=(bid, urls))
    assert result.successful(), result.result
    assert [site.hits[f"/page/{i}"] for i in range(3)] == [1, 2, 1]
    with db.session_for(shared_settings.database_url) as s:
        assert s.execute(select(func.count()).select_from(SnapshotRow)).scalar_one() == 3
        assert s.get(Brief, bid).sources_done == 3


class _StoredWhileWeLooked:
    """A real Redis client that, just before our lock is taken, lets "another worker" finish:
    it stores the robots text and frees its lock (the window between our read and our SET NX)."""

    def __init__(self, client: object, key: str) -> None:
        self._client = client
        self._key: str | None = key

    def __getattr__(self, name: str) -> object:
        return getattr(self._client, name)

    async def set(self, name: str, value: str, **kw: object) -> object:
        if kw.get("nx") and self._key is not None:
            await self._client.set(self._key, '{"text": "User-agent: *\\nDisallow: /other/\\n"}')  # type: ignore[attr-defined]
            self._key = None
        return await self._client.set(name, value, **kw)  # type: ignore[attr-defined]


def test_a_text_stored_between_our_read_and_our_lock_is_used_not_fetched_again(redis_url: str) -> None:
    """The race a loaded CI machine showed: two tasks side by side both fetched robots.txt."""
    import redis.asyncio as aioredis

    from verifier.net.politeness import RedisRobots

    prefix = f"t:{uuid.uuid4().hex}"
    origin = "http://example.test"
    fetched: list[str] = []

    async def loader(url: str) -> str:
        fetched.append(url)
        return "User-agent: *\nDisallow: /\n"

    async def run() -> tuple[str | None, object]:
        client = aioredis.from_url(redis_url)
        try:
            store = RedisRobots(_StoredWhileWeLooked(client, f"{prefix}:robots:{origin}"), ttl=60, prefix=prefix)
            return await store.load(origin, loader), await client.get(f"{prefix}:robots-lock:{origin}")
        finally:
            await client.aclose()  # type: ignore[attr-defined]

    text, lock_left = asyncio.run(run())
    assert fetched == []
    assert text == "User-agent: *\nDisallow: /other/\n"
    assert lock_left is None  # our lock is released


def test_a_lock_taken_over_after_ours_expired_is_not_released_by_us(redis_url: str) -> None:
    """A holder slower than lock_ttl frees only its own lock, never the next holder's."""
    import redis.asyncio as aioredis

    from verifier.net.politeness import RedisRobots

    prefix = f"t:{uuid.uuid4().hex}"
    origin = "http://example.test"
    lock = f"{prefix}:robots-lock:{origin}"

    async def run() -> object:
        client = aioredis.from_url(redis_url)

        async def slow_loader(url: str) -> str:
            await client.set(lock, "someone-else")  # ours expired; another worker holds it now
            return "User-agent: *\n"

        try:
            await RedisRobots(client, ttl=60, prefix=prefix).load(origin, slow_loader)
            return await client.get(lock)
        finally:
            await client.aclose()  # type: ignore[attr-defined]

    assert asyncio.run(run()) == b"someone-else"
