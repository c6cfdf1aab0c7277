"""The Fetcher: one cited URL in, one Snapshot out, never an exception — composed of small steps.

Why composed like httpx's client (auth/cookies → redirects → a single request): each concern
is its own step. Per hop: the address policy (scheme, literal IP hosts), robots.txt, the
per-origin cookies and credentials (redirects.Trail), one attempt with retries (retry.Retry),
the next hop (a 3xx Location or a meta refresh, redirects.next_hop). Exceptions become a status
and reason through one table (failures.translate); the final answer is classified (explain).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx

from verifier.core.classify import classify_response, is_challenge_page
from verifier.core.statuses import LinkStatus
from verifier.core.values import Snapshot
from verifier.core.wrapped import unwrap
from verifier.net.fetch.answer import Answer, Partial
from verifier.net.fetch.body import Caps, range_headers, read_answer, read_small
from verifier.net.fetch.explain import explain, snapshot_of
from verifier.net.fetch.failures import Failure, Outcome, translate
from verifier.net.fetch.redirects import REDIRECT_CODES, Trail, next_hop
from verifier.net.fetch.retry import Retry, backoff_delay, is_retryable_status
from verifier.net.fetch.transport import GuardedTransport
from verifier.net.netguard import ALLOWED_SCHEMES, DEFAULT_PORTS, AllowPrivate, PolicyError, check_host
from verifier.net.politeness import HostLimiter, Limiter, RobotsCache, RobotsStore, SharedStateError
from verifier.settings import Settings

ROBOTS_MAX_BYTES = 512_000
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.5"

Sleep = Callable[[float], Awaitable[None]]


def hop_policy(url: str, allow_private: AllowPrivate) -> httpx.URL | Snapshot:
    """One hop's URL parsed and checked before any request; a Snapshot means 'stop here'."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in ALLOWED_SCHEMES:
        why = f"scheme '{scheme}' is not fetched" if scheme else "not an http(s) URL"
        return Snapshot(url=url, status=LinkStatus.REFUSED, error=why)
    try:
        u = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        return Snapshot(url=url, status=LinkStatus.UNREACHABLE, error=f"invalid URL: {exc}"[:200])
    if not u.host:
        return Snapshot(url=url, status=LinkStatus.UNREACHABLE, error="invalid URL: no host")
    try:
        check_host(u.host, allow_private, u.port or DEFAULT_PORTS[u.scheme])
    except PolicyError as exc:
        return Snapshot(url=url, status=LinkStatus.REFUSED, error=str(exc))
    return u.copy_with(userinfo=b"") if u.userinfo else u


class Fetcher:
    """Fetches cited URLs into Snapshots within the policy and the per-host limits.

    `backoff_base`/`backoff_max` shape the retry waits (small in tests); `sleep` and
    `transport` can be injected by unit tests (an injected transport bypasses the resolver).
    `spool_threshold`: bodies past this many bytes go to a temporary file whose path the
    Snapshot carries as `body_path` (its `body` then stays empty); the caller owns the file
    (discard_body). None keeps every body in memory. `robots`: a store that shares robots.txt
    beyond this Fetcher (across tasks and workers); None reads each file once per Fetcher.
    """

    def __init__(
        self,
        settings: Settings,
        limiter: Limiter | None = None,
        *,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
        max_connections: int = 100,
        sleep: Sleep = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
        spool_threshold: int | None = None,
        tmp_dir: str | None = None,
        robots: RobotsStore | None = None,
    ) -> None:
        self.settings = settings
        self.limiter: Limiter = limiter if limiter is not None else HostLimiter.from_settings(settings)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_connections = max_connections
        self.spool_threshold = spool_threshold
        self.tmp_dir = tmp_dir
        self.caps = Caps(settings.fetch_max_bytes, settings.pdf_max_bytes, spool_threshold, tmp_dir)
        self._sleep = sleep
        self._injected = transport
        self._transport: httpx.AsyncBaseTransport | None = None
        self._robots = RobotsCache("verifier", shared=robots)
        self._conns: asyncio.Semaphore | None = None
        self._headers = httpx.Headers({
            "User-Agent": settings.ua, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate, br",
            "Accept-Language": "en;q=1.0, *;q=0.5"})

    # -- lifecycle

    async def __aenter__(self) -> Fetcher:
        self._transport = self._injected or GuardedTransport(self.settings.allow_private_hosts, self.max_connections)
        self._conns = asyncio.Semaphore(self.max_connections)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()
            self._transport = None

    # -- public

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Snapshot:
        """Fetch one cited URL; every outcome, bad input included, is a Snapshot.

        Except one: SharedStateError (the shared per-host state is unreachable) is ours, not the
        link's, so it is raised for the caller to retry rather than recorded as a link status."""
        if self._transport is None:
            raise RuntimeError("use `async with Fetcher(settings) as f:`")
        try:
            snap = await self._fetch(url, etag, last_modified)
        except SharedStateError:
            raise
        except Exception as exc:  # never raise to the pipeline
            snap = Snapshot(url=url, status=LinkStatus.UNREACHABLE,
                            error=f"unexpected error: {exc.__class__.__name__}: {exc}"[:200])
        snap.fetched_at = datetime.now(UTC)
        return snap

    # -- the redirect loop

    async def _fetch(self, url: str, etag: str | None, last_modified: str | None) -> Snapshot:
        trail = Trail.start(url, self.settings.max_redirects)
        while True:
            inner = unwrap(trail.current)  # a Safe Link, a Google redirect: a hop read off the URL
            if inner != trail.current and (why := trail.follow(inner)) is not None:
                return trail.stop(Snapshot(url=url, status=LinkStatus.UNREACHABLE, error=why))
            u = hop_policy(trail.current, self.settings.allow_private_hosts)
            if isinstance(u, Snapshot):
                u.url = url
                return trail.stop(u)
            if self.settings.respect_robots and not await self._robots.allowed(str(u), self._load_robots):
                return trail.stop(Snapshot(url=url, status=LinkStatus.REFUSED, error="robots.txt disallows this path"))
            try:
                ans = await self._with_retries(u, trail.request_headers(u, etag, last_modified))
            except Failure as f:
                return trail.stop(Snapshot(url=url, status=f.status, error=f.error))
            trail.jar.store(u, ans.set_cookies)
            try:
                nxt = next_hop(u, ans)
            except ValueError:
                return trail.stop(self._stopped(url, ans, "invalid redirect Location"))
            if nxt is None:
                return trail.stop(self._final(url, ans, trail))
            ans.discard()
            if (why := trail.follow(nxt)) is not None:
                return trail.stop(self._stopped(url, ans, why))

    def _stopped(self, url: str, ans: Answer, why: str) -> Snapshot:
        return snapshot_of(url, ans, Outcome(LinkStatus.UNREACHABLE, why))

    def _final(self, url: str, ans: Answer, trail: Trail) -> Snapshot:
        """The Snapshot of the last hop's answer, classified."""
        if ans.too_large:
            cap = self.caps.for_type(ans.content_type)
            return snapshot_of(url, ans, Outcome(LinkStatus.TOO_LARGE, f"body over {cap} bytes"))
        if ans.status_code == 304:
            snap = snapshot_of(url, ans, Outcome(LinkStatus.OK))
            snap.not_modified = True
            return snap
        page = ans.page()
        asked = unwrap(url)  # a wrapped link asked for the page it wraps (not a move to it)
        status = classify_response(ans.status_code, ans.headers, asked, trail.current, trail.chain, page,
                                   content_type=ans.content_type, cookies=ans.set_cookies)
        outcome = explain(status, ans, page, asked, trail.current, trail.chain, self.settings.fetch_timeout)
        return snapshot_of(url, ans, outcome)

    # -- retries

    async def _with_retries(self, u: httpx.URL, headers: dict[str, str]) -> Answer:
        retries = max(0, self.settings.fetch_retries)
        attempt = 0
        partial: Partial | None = None
        while True:
            try:
                ans = await self._attempt(u, headers, partial)
            except Failure as f:
                partial = f.partial  # a cut download resumes from where it stopped
                await self._after_failure(f, attempt, retries)
                attempt += 1
                continue
            partial = None
            delay = self._retry_delay(ans, attempt, retries)
            self._tell_limiter(u, ans, delay)
            if delay is None:
                return ans
            ans.discard()
            await self._sleep(delay)
            attempt += 1

    async def _after_failure(self, f: Failure, attempt: int, retries: int) -> None:
        """Wait before the next attempt, or re-raise the failure when it is final."""
        if f.retry is Retry.TRANSIENT and attempt < retries:
            await self._sleep(backoff_delay(attempt, self.backoff_base, self.backoff_max))
        elif f.retry is Retry.ONCE and attempt == 0 and retries > 0:
            await self._sleep(min(0.2, self.backoff_base / 4))
        else:
            if f.partial is not None:
                f.partial.discard()
            raise f

    def _tell_limiter(self, u: httpx.URL, ans: Answer, delay: float | None) -> None:
        if is_retryable_status(ans.status_code):
            self.limiter.penalize(u.host, ans.retry_after if delay is not None else None)
        elif 200 <= ans.status_code < 400:
            self.limiter.reward(u.host)

    def _retry_delay(self, ans: Answer, attempt: int, retries: int) -> float | None:
        """Seconds before asking again, or None to take this answer as final."""
        if attempt >= retries or not is_retryable_status(ans.status_code):
            return None
        if is_challenge_page(ans.page(), ans.headers, ans.set_cookies, ans.status_code):
            return None  # asking a bot wall again does not help
        ra = ans.retry_after
        if ra is not None:
            return None if ra > self.settings.fetch_timeout else ra
        return backoff_delay(attempt, self.backoff_base, self.backoff_max)

    # -- one attempt

    def _timed_out(self, reading: list[Partial]) -> Failure:
        f = Failure(LinkStatus.TIMEOUT, f"no complete answer within {self.settings.fetch_timeout:g} s")
        if reading and reading[0].resumable:  # a large download still flowing: the next attempt resumes
            f.retry, f.partial = Retry.TRANSIENT, reading[0]
        else:
            for body in reading:
                body.discard()
        return f

    async def _attempt(self, u: httpx.URL, headers: dict[str, str], partial: Partial | None) -> Answer:
        assert self._conns is not None
        reading: list[Partial] = []  # the body being read, should the deadline cut it
        async with self.limiter.slot(u.host), self._conns:
            try:
                async with asyncio.timeout(self.settings.fetch_timeout):
                    return await self._exchange(u, headers, partial, reading)
            except TimeoutError:
                raise self._timed_out(reading) from None
            except Failure:
                raise
            except Exception as exc:
                raise translate(exc, u.host) from exc
            except BaseException:  # cancelled from outside: leave no file behind
                for body in reading:
                    body.discard()
                raise

    async def _send(self, u: httpx.URL, headers: dict[str, str]) -> httpx.Response:
        """One GET through the transport (httpx's Request and Response, nothing in between)."""
        assert self._transport is not None
        if headers:
            h = self._headers.copy()
            h.update(headers)
        else:
            h = self._headers
        return await self._transport.handle_async_request(httpx.Request("GET", u, headers=h))

    async def _exchange(self, u: httpx.URL, headers: dict[str, str], partial: Partial | None,
                        reading: list[Partial]) -> Answer:
        response = await self._send(u, range_headers(headers, partial))
        try:
            return await read_answer(u, response, partial, reading, self.caps)
        finally:
            await response.aclose()

    # -- robots.txt

    async def _load_robots(self, robots_url: str) -> str | None:
        """robots.txt through the same guarded transport and limits; None when missing or failing."""
        current = robots_url
        for _ in range(5):
            u = hop_policy(current, self.settings.allow_private_hosts)
            if isinstance(u, Snapshot):
                return None
            try:
                async with self.limiter.slot(u.host), asyncio.timeout(min(10.0, self.settings.fetch_timeout)):
                    response = await self._send(u, {})
                    try:
                        if response.status_code in REDIRECT_CODES and "location" in response.headers:
                            current = str(u.join(response.headers["location"]))
                            continue
                        if response.status_code != 200:
                            return None
                        return (await read_small(response, ROBOTS_MAX_BYTES)).decode("utf-8", errors="replace")
                    finally:
                        await response.aclose()
            except SharedStateError:
                raise
            except Exception:  # unreadable robots.txt: everything allowed
                return None
        return None
