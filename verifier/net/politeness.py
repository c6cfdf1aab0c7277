"""Being a good citizen towards the sites we check: per-host limits and robots.txt.

`HostLimiter` holds, within one process, at most `concurrency` requests in flight to a
host and spaces request starts by `interval` seconds, stretched adaptively after
429/5xx answers. `RedisHostLimiter` keeps the same promises across worker processes.
`RobotsCache` reads each host's robots.txt once per run; with a `RedisRobots` store, once per
host per TTL across every task and worker process.

A shared store that cannot be reached raises `SharedStateError`: that is our fault, not the
link's, so the fetcher lets it through instead of recording it as a link status.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import time
import urllib.robotparser
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class SharedStateError(RuntimeError):
    """The shared per-host state (Redis) cannot be reached: retry the work, record nothing."""


class Limiter(Protocol):
    """What the fetcher needs from a limiter."""

    def slot(self, host: str) -> Any: ...  # an async context manager

    def penalize(self, host: str, delay: float | None = None) -> None: ...

    def reward(self, host: str) -> None: ...


@dataclass
class _HostState:
    sem: asyncio.Semaphore
    next_start: float = 0.0
    backoff: float = 0.0  # extra seconds between starts, grown by 429/5xx, shrunk by successes


class _Slot:
    """One of a host's concurrent slots, as a plain async context manager (no generator per use)."""

    __slots__ = ("_limiter", "_st")

    def __init__(self, limiter: HostLimiter, st: _HostState) -> None:
        self._limiter = limiter
        self._st = st

    async def __aenter__(self) -> None:
        await self._st.sem.acquire()
        try:
            await self._limiter._wait_turn(self._st)
        except BaseException:
            self._st.sem.release()
            raise

    async def __aexit__(self, *exc: object) -> None:
        self._st.sem.release()


class HostLimiter:
    """Per-host concurrency and start spacing for one event loop."""

    def __init__(
        self,
        concurrency: int = 4,
        interval: float = 1.0,
        *,
        adaptive: bool = True,
        max_backoff: float = 30.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.concurrency = max(1, concurrency)
        self.interval = max(0.0, interval)
        self.adaptive = adaptive
        self.max_backoff = max_backoff
        self._clock = clock
        self._sleep = sleep
        self._hosts: dict[str, _HostState] = {}

    @classmethod
    def from_settings(cls, settings: Any) -> HostLimiter:
        return cls(settings.host_concurrency, settings.host_interval)

    def _state(self, host: str) -> _HostState:
        st = self._hosts.get(host)
        if st is None:
            st = self._hosts[host] = _HostState(asyncio.Semaphore(self.concurrency))
        return st

    async def _wait_turn(self, st: _HostState) -> None:
        """Reserve the next start time for this host, then sleep until it comes.

        The reservation runs without an await, so on one event loop it needs no lock."""
        now = self._clock()
        start = max(now, st.next_start)
        st.next_start = start + self.interval + st.backoff
        if start > now:
            await self._sleep(start - now)

    def slot(self, host: str) -> _Slot:
        """Hold one of the host's concurrent slots, started no sooner than the interval allows."""
        return _Slot(self, self._state(host.lower()))

    def penalize(self, host: str, delay: float | None = None) -> None:
        """After a 429/5xx: push the host's next start back and widen its spacing."""
        if not self.adaptive:
            return
        st = self._state(host.lower())
        st.backoff = min(self.max_backoff, max(0.25, st.backoff * 2))
        st.next_start = max(st.next_start, self._clock() + (delay if delay is not None else st.backoff))

    def reward(self, host: str) -> None:
        """After a good answer: let the spacing relax back towards the configured interval."""
        st = self._hosts.get(host.lower())
        if st is not None and st.backoff:
            st.backoff = st.backoff / 2 if st.backoff > 0.1 else 0.0


@functools.cache
def _driver_info() -> Any:
    """redis-py's client name and version, made once per process: each client would otherwise read the
    installed package's metadata (about 5 ms, once per fetch task)."""
    from redis.driver_info import DriverInfo

    return DriverInfo()


class RedisHostLimiter:
    """The HostLimiter's promises held in Redis, so they bind every worker process.

    Concurrency: a sorted set of lease tokens per host (score = expiry), so a crashed
    worker's slot frees itself after `lease` seconds. Spacing: a per-host "next start"
    timestamp reserved atomically by a Lua script on the server's clock.
    """

    _ACQUIRE = """
    local now = tonumber(ARGV[1])
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
    if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[4])
        redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[3])) + 1)
        return 1
    end
    return 0
    """
    _RESERVE = """
    local now = tonumber(ARGV[1])
    local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
    local start = math.max(now, nxt)
    local step = tonumber(ARGV[2]) + tonumber(redis.call('GET', KEYS[2]) or '0')
    redis.call('SET', KEYS[1], tostring(start + step), 'PX', math.ceil((start + step - now) * 1000) + 1000)
    return tostring(start - now)
    """

    def __init__(
        self,
        redis_url: str,
        concurrency: int = 4,
        interval: float = 1.0,
        *,
        prefix: str = "verifier:host",
        lease: float = 120.0,
        poll: float = 0.05,
        max_backoff: float = 30.0,
    ) -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.from_url(redis_url, driver_info=_driver_info())
        self.concurrency = max(1, concurrency)
        self.interval = max(0.0, interval)
        self.prefix = prefix
        self.lease = lease
        self.poll = poll
        self.max_backoff = max_backoff
        self._acquire = self._redis.register_script(self._ACQUIRE)
        self._reserve = self._redis.register_script(self._RESERVE)
        self._pending: set[asyncio.Task[Any]] = set()

    @classmethod
    def from_settings(cls, settings: Any) -> RedisHostLimiter:
        return cls(settings.redis_url, settings.host_concurrency, settings.host_interval)

    def _keys(self, host: str) -> tuple[str, str, str]:
        h = host.lower()
        return f"{self.prefix}:{h}:slots", f"{self.prefix}:{h}:next", f"{self.prefix}:{h}:backoff"

    async def _now(self) -> float:
        sec, usec = await self._redis.time()
        return float(sec) + usec / 1e6

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        slots, _, _ = self._keys(host)
        token = uuid.uuid4().hex
        try:
            await self._enter(host, token)
        except Exception as exc:
            raise SharedStateError(f"per-host limits unavailable: {exc.__class__.__name__}: {exc}") from exc
        try:
            yield
        finally:
            with contextlib.suppress(Exception):  # an unreachable Redis: the lease expires by itself
                await self._redis.zrem(slots, token)

    async def _enter(self, host: str, token: str) -> None:
        slots, nxt, backoff = self._keys(host)
        while not await self._acquire(keys=[slots], args=[await self._now(), self.concurrency, self.lease, token]):
            await asyncio.sleep(self.poll)
        try:
            wait = float(await self._reserve(keys=[nxt, backoff], args=[await self._now(), self.interval]))
        except BaseException:
            await self._redis.zrem(slots, token)
            raise
        if wait > 0:
            await asyncio.sleep(wait)

    def robots_store(self, ttl: float) -> RedisRobots:
        """robots.txt shared through this limiter's Redis connection, each file kept `ttl` seconds."""
        return RedisRobots(self._redis, ttl, prefix=self.prefix)

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._pending.add(task)
        task.add_done_callback(self._settled)

    def _settled(self, task: asyncio.Task[Any]) -> None:
        """Adjusting the spacing is best effort: an unreachable Redis here only loses the adjustment."""
        self._pending.discard(task)
        if not task.cancelled():
            task.exception()

    async def _penalize(self, host: str, delay: float | None) -> None:
        _, nxt, backoff = self._keys(host)
        cur = float(await self._redis.get(backoff) or 0)
        new = min(self.max_backoff, max(0.25, cur * 2))
        await self._redis.set(backoff, new, ex=int(self.max_backoff * 4) + 1)
        until = await self._now() + (delay if delay is not None else new)
        cur_next = float(await self._redis.get(nxt) or 0)
        if until > cur_next:
            await self._redis.set(nxt, until, px=int((until - await self._now()) * 1000) + 1000)

    async def _reward(self, host: str) -> None:
        _, _, backoff = self._keys(host)
        cur = float(await self._redis.get(backoff) or 0)
        if cur:
            await self._redis.set(backoff, cur / 2 if cur > 0.1 else 0, ex=int(self.max_backoff * 4) + 1)

    def penalize(self, host: str, delay: float | None = None) -> None:
        self._spawn(self._penalize(host, delay))

    def reward(self, host: str) -> None:
        self._spawn(self._reward(host))

    async def aclose(self) -> None:
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        closer = getattr(self._redis, "aclose", None) or self._redis.close  # aclose on redis >= 5.0.1
        await closer()


# ------------------------------------------------------------------ robots.txt

RobotsLoader = Callable[[str], Awaitable[str | None]]


class RobotsStore(Protocol):
    """robots.txt texts shared beyond one Fetcher (a Redis store: across tasks and workers)."""

    async def load(self, origin: str, load: RobotsLoader) -> str | None: ...


class RedisRobots:
    """Each origin's robots.txt in Redis for `ttl` seconds; one process fetches it, the others wait.

    The fetching process holds a short lock key; the others poll for the text until the lock's
    time runs out (its holder died) and then fetch it themselves.
    """

    #: frees the lock only while it still holds our token
    _RELEASE = """
    if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
    return 0
    """

    def __init__(self, redis: Any, ttl: float, *, prefix: str = "verifier:host", lock_ttl: float = 15.0,
                 poll: float = 0.05) -> None:
        self._redis = redis
        self.ttl = max(1.0, ttl)
        self.prefix = prefix
        self.lock_ttl = lock_ttl
        self.poll = poll
        self._release = redis.register_script(self._RELEASE)

    async def load(self, origin: str, load: RobotsLoader) -> str | None:
        try:
            return await self._load(origin, load)
        except SharedStateError:
            raise
        except Exception as exc:
            raise SharedStateError(f"shared robots.txt unavailable: {exc.__class__.__name__}: {exc}") from exc

    async def _cached(self, key: str) -> tuple[bool, str | None]:
        raw = await self._redis.get(key)
        return (False, None) if raw is None else (True, json.loads(raw)["text"])

    async def _load(self, origin: str, load: RobotsLoader) -> str | None:
        """The shared text, else fetched under the origin's lock. Checked again once the lock is
        held: the holder before us may have stored it between our read and our taking the lock
        (without that second look, two tasks side by side both fetched robots.txt)."""
        key, lock = f"{self.prefix}:robots:{origin}", f"{self.prefix}:robots-lock:{origin}"
        token = uuid.uuid4().hex
        deadline = time.monotonic() + self.lock_ttl
        while time.monotonic() < deadline:
            found, text = await self._cached(key)
            if found:
                return text
            if await self._redis.set(lock, token, nx=True, px=int(self.lock_ttl * 1000)):
                break
            await asyncio.sleep(self.poll)
        try:
            found, text = await self._cached(key)
            if not found:
                text = await RobotsCache.read(load, origin + "/robots.txt")
                await self._redis.set(key, json.dumps({"text": text}), px=int(self.ttl * 1000))
            return text
        finally:  # only our own lock: a holder slower than lock_ttl must not free the next one's
            await self._release(keys=[lock], args=[token])


class RobotsCache:
    """robots.txt per origin, read once per run (or once per TTL through a shared store);
    missing or failing files allow everything."""

    def __init__(self, agent: str = "verifier", shared: RobotsStore | None = None) -> None:
        self.agent = agent
        self.shared = shared
        self._parsers: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @staticmethod
    def origin(url: str) -> str:
        p = urlsplit(url)
        return f"{p.scheme.lower()}://{p.netloc.lower()}"

    async def allowed(self, url: str, load: RobotsLoader) -> bool:
        """May `agent` fetch url? `load(robots_url)` returns the file's text, or None if unavailable."""
        origin = self.origin(url)
        if origin not in self._parsers:
            lock = self._locks.setdefault(origin, asyncio.Lock())
            async with lock:
                if origin not in self._parsers:
                    text = (await self.shared.load(origin, load) if self.shared is not None
                            else await self.read(load, origin + "/robots.txt"))
                    self._parsers[origin] = self._parse(text)
        parser = self._parsers[origin]
        return True if parser is None else parser.can_fetch(self.agent, url)

    @staticmethod
    async def read(load: RobotsLoader, robots_url: str) -> str | None:
        try:
            return await load(robots_url)
        except SharedStateError:
            raise
        except Exception:  # an unreadable robots.txt allows everything
            return None

    @staticmethod
    def _parse(text: str | None) -> urllib.robotparser.RobotFileParser | None:
        if text is None:
            return None
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(text.splitlines())
        return parser

