"""The API's dependencies as Annotated aliases (FastAPI's template style): settings, session, caller, jobs.

Why aliases: a route names what it needs in its signature (`session: SessionDep, who: CallerDep`)
and tests swap any of them with `app.dependency_overrides[get_caller] = ...`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from functools import lru_cache
from typing import Annotated, Any

from aiohttp.abc import AbstractResolver
from fastapi import Depends, Header, Path
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlmodel import Session

from verifier.api.errors import ApiError
from verifier.service.jobs import Jobs, load_jobs
from verifier.settings import Settings, get_settings
from verifier.storage import db, keys
from verifier.storage.models import Brief

log = logging.getLogger("verifier.api")

async def settings() -> Settings:
    """The settings (cached); async so that a request does not spend a thread hop on them."""
    return get_settings()


SettingsDep = Annotated[Settings, Depends(settings)]

#: brief ids are 16 hex digits today; anything outside this alphabet (a NUL, a slash) is refused at the edge
BRIEF_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
BriefIdPath = Annotated[str, Path(pattern=BRIEF_ID_PATTERN, description="a brief id as POST /v1/briefs gave it")]


def get_session(settings: SettingsDep) -> Iterator[Session]:
    s = db.session_for(settings.database_url)
    try:
        yield s
    finally:
        s.close()


SessionDep = Annotated[Session, Depends(get_session)]


def get_jobs(settings: SettingsDep) -> Jobs:
    return load_jobs(settings.jobs_backend)


JobsDep = Annotated[Jobs, Depends(get_jobs)]


def get_resolver() -> AbstractResolver | None:
    """The DNS resolver behind the address guard (None: the system's); tests inject their own."""
    return None


ResolverDep = Annotated[AbstractResolver | None, Depends(get_resolver)]


class Caller(BaseModel):
    key_id: int
    org_id: int


class RateLimiter:
    """A fixed one-minute window per key, counted in Redis so it holds across API processes."""

    def __init__(self, limit: int, redis_url: str) -> None:
        self.limit = limit
        self.url = redis_url
        self._redis: Any = None

    def hit(self, key_id: int) -> int | None:
        """Seconds to wait when over the limit, else None. Fails open when Redis is down."""
        if self.limit <= 0:
            return None
        try:
            count = self._count(key_id)
        except Exception as e:
            log.warning("rate limiter unavailable: %s", e)
            return None
        return 60 - int(time.time()) % 60 if count > self.limit else None

    def _count(self, key_id: int) -> int:
        if self._redis is None:
            import redis

            self._redis = redis.Redis.from_url(self.url, socket_timeout=1)
        k = f"verifier:rate:{key_id}:{int(time.time() // 60)}"
        pipe = self._redis.pipeline(transaction=False)  # one round trip, no MULTI/EXEC
        pipe.incr(k)
        pipe.expire(k, 70)
        return int(pipe.execute()[0])


@lru_cache(maxsize=4)
def _limiter(limit: int, redis_url: str) -> RateLimiter:
    return RateLimiter(limit, redis_url)


@lru_cache(maxsize=4)
def _key_cache(ttl: float) -> keys.KeyCache:
    return keys.KeyCache(ttl)


def _look_up_key(database_url: str, cache: keys.KeyCache, key: str) -> keys.KeyOwner | None:
    with db.read_session_for(database_url) as session:
        return cache.lookup(session, key)


def bearer_token(authorization: str | None) -> str | None:
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    return authorization[7:].strip()


def trusted_owner(settings: Settings, authorization: str | None) -> keys.KeyOwner | None:
    """The key's owner when get_caller would pass it with no I/O at all: looked up within the key
    cache's TTL, and no rate limit to count (else None: ask get_caller)."""
    token = bearer_token(authorization)
    if token is None or settings.api_rate_limit > 0:
        return None
    return _key_cache(settings.api_key_cache_seconds).cached(token)


async def get_caller(settings: SettingsDep, authorization: Annotated[str | None, Header()] = None) -> Caller:
    """The organisation behind the Bearer key, or 401; 429 once the key is over its rate.

    Keys are trusted for VERIFIER_API_KEY_CACHE_SECONDS after a lookup (a revocation takes effect
    within that), so a poll costs no key query and, being async, no thread hop either: the lookup
    and the rate limiter's Redis call run in the thread pool only when they are needed."""
    token = bearer_token(authorization)
    if token is None:
        raise ApiError(401, "missing API key: send Authorization: Bearer KEY", {"WWW-Authenticate": "Bearer"})
    cache = _key_cache(settings.api_key_cache_seconds)
    owner = cache.cached(token) or await run_in_threadpool(_look_up_key, settings.database_url, cache, token)
    if owner is None:
        raise ApiError(401, "unknown or revoked API key", {"WWW-Authenticate": "Bearer"})
    limiter = _limiter(settings.api_rate_limit, settings.redis_url)
    wait = await run_in_threadpool(limiter.hit, owner.key_id) if limiter.limit > 0 else None
    if wait is not None:
        raise ApiError(429, "too many requests for this key; slow down", {"Retry-After": str(wait)})
    return Caller(key_id=owner.key_id, org_id=owner.org_id)


CallerDep = Annotated[Caller, Depends(get_caller)]


def own_brief(session: Session, who: Caller, brief_id: str) -> Brief:
    """The caller's brief, or 404 (another organisation's brief does not exist for this caller)."""
    row = session.get(Brief, brief_id)
    if row is None or row.org_id != who.org_id:
        raise ApiError(404, f"no brief {brief_id}")
    return row
