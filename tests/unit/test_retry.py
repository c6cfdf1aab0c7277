"""Retry schedule, Retry-After handling and the per-host limiter, with mock transports and fake clocks."""

from __future__ import annotations

import asyncio
import itertools
from email.utils import formatdate

import httpx
import pytest

from verifier.core.statuses import LinkStatus
from verifier.net.fetch import Fetcher, backoff_delay, is_retryable_status, parse_retry_after
from verifier.net.politeness import HostLimiter, RobotsCache
from verifier.settings import Settings

URL = "http://127.0.0.1:1/page"  # never contacted: a MockTransport answers
PAGE = b"<html><head><title>Report</title></head><body><p>" + b"Findings of the committee. " * 40 + b"</p></body></html>"


def settings(**kw: object) -> Settings:
    base: dict[str, object] = {"allow_private_hosts": True, "fetch_timeout": 5.0, "host_interval": 0.0,
                               "host_concurrency": 8, "fetch_retries": 2, "respect_robots": False}
    base.update(kw)
    return Settings(**base)  # type: ignore[arg-type]


class Recorder:
    """A fake sleep that only records how long it was asked to wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


def scripted(*answers: httpx.Response | Exception) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        a = answers[min(len(seen), len(answers)) - 1]
        if isinstance(a, Exception):
            raise a
        # a fresh, unread stream each time, as a network transport gives
        return httpx.Response(a.status_code, headers=a.headers, stream=httpx.ByteStream(a.content))

    return httpx.MockTransport(handler), seen


def ok() -> httpx.Response:
    return httpx.Response(200, content=PAGE, headers={"content-type": "text/html; charset=utf-8"})


async def run(transport: httpx.MockTransport, s: Settings | None = None) -> tuple[LinkStatus, list[float], str | None]:
    rec = Recorder()
    limiter = HostLimiter(8, 0.0, adaptive=False)
    async with Fetcher(s or settings(), limiter, backoff_base=0.5, backoff_max=4.0, sleep=rec,
                       transport=transport) as f:
        snap = await f.fetch(URL)
    return snap.status, rec.waits, snap.error


# ------------------------------------------------------------------ pure helpers

def test_backoff_grows_exponentially_with_jitter_and_cap() -> None:
    assert backoff_delay(0, 1.0, 30, rng=lambda: 0.5) == 1.0
    assert backoff_delay(1, 1.0, 30, rng=lambda: 0.5) == 2.0
    assert backoff_delay(3, 1.0, 30, rng=lambda: 0.5) == 8.0
    assert backoff_delay(10, 1.0, 30, rng=lambda: 0.5) == 30
    assert 0.5 <= backoff_delay(0, 1.0, 30) < 1.5


def test_retry_after_parsing() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    now = 1_700_000_000.0
    assert parse_retry_after(formatdate(now + 120, usegmt=True), now=now) == pytest.approx(120, abs=1)
    assert parse_retry_after(formatdate(now - 120, usegmt=True), now=now) == 0.0


def test_retryable_statuses() -> None:
    assert all(is_retryable_status(c) for c in (429, 500, 502, 503, 504, 408))
    assert not any(is_retryable_status(c) for c in (200, 301, 404, 410, 403, 501, 505))


# ------------------------------------------------------------------ the schedule

async def test_503_then_ok_waits_backoff_once() -> None:
    t, seen = scripted(httpx.Response(503), ok())
    status, waits, _ = await run(t)
    assert status == LinkStatus.OK and len(seen) == 2
    assert len(waits) == 1 and 0.25 <= waits[0] < 0.75


async def test_500_always_gives_server_error_after_all_retries() -> None:
    t, seen = scripted(httpx.Response(500))
    status, waits, error = await run(t)
    assert status == LinkStatus.SERVER_ERROR and len(seen) == 3
    assert len(waits) == 2 and waits[1] > waits[0] * 0.9 / 1.5  # second wait drawn from a doubled base
    assert error and "500" in error


async def test_429_honours_retry_after_seconds() -> None:
    t, _ = scripted(httpx.Response(429, headers={"retry-after": "2"}), ok())
    status, waits, _ = await run(t)
    assert status == LinkStatus.OK and waits == [2.0]


async def test_429_always_is_blocked_after_retries() -> None:
    t, seen = scripted(httpx.Response(429, headers={"retry-after": "1"}))
    status, waits, _ = await run(t)
    assert status == LinkStatus.BLOCKED and len(seen) == 3 and waits == [1.0, 1.0]


async def test_429_with_retry_after_longer_than_timeout_is_blocked_at_once() -> None:
    t, seen = scripted(httpx.Response(429, headers={"retry-after": "3600"}), ok())
    status, waits, error = await run(t)
    assert status == LinkStatus.BLOCKED and len(seen) == 1 and waits == []
    assert error and "Retry-After" in error


async def test_429_with_http_date_retry_after_far_ahead_is_blocked() -> None:
    import time

    t, seen = scripted(httpx.Response(429, headers={"retry-after": formatdate(time.time() + 7200, usegmt=True)}))
    status, _, _ = await run(t)
    assert status == LinkStatus.BLOCKED and len(seen) == 1


async def test_503_with_long_retry_after_is_server_error_at_once() -> None:
    t, seen = scripted(httpx.Response(503, headers={"retry-after": "600"}), ok())
    status, _, _ = await run(t)
    assert status == LinkStatus.SERVER_ERROR and len(seen) == 1


async def test_challenge_503_is_blocked_without_retrying() -> None:
    wall = b"<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>"
    t, seen = scripted(httpx.Response(503, content=wall, headers={"content-type": "text/html"}), ok())
    status, waits, _ = await run(t)
    assert status == LinkStatus.BLOCKED and len(seen) == 1 and waits == []


async def test_connection_reset_is_retried() -> None:
    t, seen = scripted(httpx.ReadError("connection reset"), ok())
    status, waits, _ = await run(t)
    assert status == LinkStatus.OK and len(seen) == 2 and len(waits) == 1


async def test_no_retries_when_disabled() -> None:
    t, seen = scripted(httpx.Response(503), ok())
    status, waits, _ = await run(t, settings(fetch_retries=0))
    assert status == LinkStatus.SERVER_ERROR and len(seen) == 1 and waits == []


async def test_user_agent_and_conditional_headers_sent() -> None:
    t, seen = scripted(httpx.Response(304, headers={"etag": '"v1"'}))
    async with Fetcher(settings(), transport=t) as f:
        snap = await f.fetch(URL, etag='"v1"', last_modified="Wed, 01 May 2024 10:00:00 GMT")
    assert snap.status == LinkStatus.OK and snap.not_modified and snap.http_status == 304
    req = seen[0]
    assert req.headers["if-none-match"] == '"v1"' and "verifier" in req.headers["user-agent"]
    assert req.headers["if-modified-since"].startswith("Wed, 01 May 2024")


# ------------------------------------------------------------------ the limiter (fake clock)

class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def test_limiter_spaces_starts_by_interval() -> None:
    import time

    lim = HostLimiter(concurrency=4, interval=0.05)
    starts: list[float] = []

    async def one() -> None:
        async with lim.slot("a.example"):
            starts.append(time.monotonic())

    await asyncio.gather(*(one() for _ in range(5)))
    starts.sort()
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.045 and starts[-1] - starts[0] < 0.5
    t0 = time.monotonic()
    async with lim.slot("b.example"):  # another host is not held back
        assert time.monotonic() - t0 < 0.03


async def test_limiter_caps_concurrency_per_host() -> None:
    lim = HostLimiter(concurrency=2, interval=0.0)
    active = peak = 0

    async def one(host: str) -> None:
        nonlocal active, peak
        async with lim.slot(host):
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.01)
            active -= 1

    await asyncio.gather(*(one("a.example") for _ in range(10)))
    assert peak == 2


async def test_limiter_backs_off_after_429_and_recovers() -> None:
    clock = FakeClock()
    lim = HostLimiter(concurrency=1, interval=1.0, clock=clock, sleep=clock.sleep)
    async with lim.slot("a"):
        pass
    lim.penalize("a", 10.0)
    async with lim.slot("a"):
        assert clock() == pytest.approx(10.0)
    for _ in range(10):
        lim.reward("a")
    async with lim.slot("a"):
        pass
    t0 = clock()
    async with lim.slot("a"):
        assert clock() - t0 == pytest.approx(1.0, abs=0.6)


async def test_robots_cache_reads_once_and_honours_rules() -> None:
    calls: list[str] = []

    async def load(url: str) -> str | None:
        calls.append(url)
        return "User-agent: *\nDisallow: /private/\n"

    cache = RobotsCache("verifier")
    assert await cache.allowed("https://a.example/public/x", load)
    assert not await cache.allowed("https://a.example/private/y", load)
    assert calls == ["https://a.example/robots.txt"]

    async def failing(url: str) -> str | None:
        raise OSError("boom")

    assert await RobotsCache().allowed("https://b.example/private/", failing)


# ------------------------------------------------------------------ the Redis-backed limiter (real Redis)

async def test_redis_limiter_holds_limits_across_instances(redis_url: str) -> None:
    import time
    import uuid

    from verifier.net.politeness import RedisHostLimiter

    prefix = f"test:verifier:{uuid.uuid4().hex}"
    a = RedisHostLimiter(redis_url, concurrency=2, interval=0.05, prefix=prefix, poll=0.01)
    b = RedisHostLimiter(redis_url, concurrency=2, interval=0.05, prefix=prefix, poll=0.01)  # "another worker"
    starts: list[float] = []
    active = peak = 0

    async def one(lim: RedisHostLimiter) -> None:
        nonlocal active, peak
        async with lim.slot("a.example"):
            starts.append(time.monotonic())
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.08)
            active -= 1

    try:
        await asyncio.gather(*(one(a if i % 2 else b) for i in range(6)))
        starts.sort()
        assert peak <= 2
        assert min(y - x for x, y in itertools.pairwise(starts)) >= 0.04
        a.penalize("a.example", 0.3)
        await asyncio.sleep(0.05)  # penalize is fire-and-forget
        t0 = time.monotonic()
        async with b.slot("a.example"):
            assert time.monotonic() - t0 >= 0.15
    finally:
        await a.aclose()
        await b.aclose()


async def test_limiter_slot_cancelled_while_waiting_its_turn_gives_the_slot_back() -> None:
    lim = HostLimiter(concurrency=1, interval=5.0)
    async with lim.slot("a.example"):
        pass  # the next start is now 5 s away
    waiter = asyncio.ensure_future(lim.slot("a.example").__aenter__())
    await asyncio.sleep(0.01)
    assert lim._hosts["a.example"].sem.locked()  # held while it waits for its turn
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert not lim._hosts["a.example"].sem.locked()
