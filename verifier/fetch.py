"""The guarded, polite HTTP fetch: one cited URL in, one Snapshot out, never an exception.

httpx's API over aiohttp (httpx-aiohttp) for speed. Safety lives at three points:
the policy check before every hop (scheme, literal IP hosts, robots.txt), the
GuardedResolver inside aiohttp's connector (every resolved address must be public),
and our own redirect loop (no automatic redirects, no cookie jar, no credentials
carried to another host). Bodies are streamed raw and decompressed here with a
bound, so neither a huge body nor a gzip bomb can grow memory past the cap.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import random
import re
import ssl
import threading
import time
import zlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote_to_bytes

import aiohttp
import brotli
import httpx
from httpx_aiohttp import AiohttpTransport

from verifier.classify import (
    Page,
    classify_response,
    is_challenge_page,
    is_html,
    mime_of,
    read_page,
    redirected_to_home_or_error,
    text_page,
)
from verifier.core import Snapshot
from verifier.netguard import ALLOWED_SCHEMES, GuardedResolver, PolicyError, check_host
from verifier.politeness import HostLimiter, Limiter, RobotsCache
from verifier.settings import Settings
from verifier.statuses import LinkStatus

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
ERROR_BODY_BYTES = 256_000  # enough of an error page to recognise a challenge
META_REFRESH_BYTES = 16_384
ROBOTS_MAX_BYTES = 512_000
KEPT_HEADERS = frozenset({
    "content-type", "content-length", "content-encoding", "content-language", "content-disposition",
    "etag", "last-modified", "location", "retry-after", "server", "date", "cache-control", "expires",
    "age", "x-robots-tag", "link", "refresh", "cf-mitigated", "www-authenticate",
})
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.5"

Sleep = Callable[[float], Awaitable[None]]


# ------------------------------------------------------------------ pure helpers


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def backoff_delay(attempt: int, base: float, cap: float, rng: Callable[[], float] = random.random) -> float:
    """Exponential backoff with jitter: base·2^attempt scaled by a factor in [0.5, 1.5), capped."""
    return min(cap, base * (2**attempt) * (0.5 + rng()))


def is_retryable_status(code: int) -> bool:
    """Answers worth asking again: rate limits, timeouts and transient server errors."""
    return code in (408, 425, 429) or (500 <= code < 600 and code not in (501, 505))


_GENERIC_TYPES = frozenset({
    "", "application/octet-stream", "binary/octet-stream", "application/unknown", "application/x-unknown",
    "application/download", "application/force-download", "application/x-download", "text/plain",
})
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"OggS", "audio/ogg"),
    (b"ID3", "audio/mpeg"),
    (b"\x1aE\xdf\xa3", "video/webm"),
)
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|title|meta)\b", re.I | re.S)


def sniff_type(declared: str | None, body: bytes) -> str:
    """The effective MIME type: the declared one unless it is missing, generic or plainly wrong."""
    mime = mime_of(declared)
    head = body[:1024].lstrip(b"\xef\xbb\xbf")
    if head.startswith(b"%PDF-") and mime in _GENERIC_TYPES | {"text/html"}:
        return "application/pdf"
    if mime not in _GENERIC_TYPES:
        return mime
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if _HTML_START.match(head) or b"<html" in head.lower():
        return "text/html"
    if mime == "text/plain" or (head and b"\x00" not in head):
        return "text/plain"
    return mime or "application/octet-stream"


_NOSCRIPT = re.compile(rb"<noscript\b.*?</noscript\s*>", re.I | re.S)
_META_REFRESH = re.compile(rb"<meta\b[^>]*http-equiv\s*=\s*[\"']?refresh[^>]*>", re.I)
_CONTENT_ATTR = re.compile(rb"""content\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_REFRESH_VALUE = re.compile(r"^\s*(\d+(?:\.\d*)?)?\s*[;,]?\s*(?:url\s*=\s*)?[\"']?([^\"']*)", re.I)


def meta_refresh_target(body: bytes, base_url: str) -> str | None:
    """The absolute URL a <meta http-equiv=refresh> in the page head sends the reader to, if any."""
    head = body[:META_REFRESH_BYTES]
    if b"refresh" not in head.lower():
        return None
    head = _NOSCRIPT.sub(b"", head)
    tag = _META_REFRESH.search(head)
    if not tag:
        return None
    attr = _CONTENT_ATTR.search(tag.group(0))
    if not attr:
        return None
    value = next(g for g in attr.groups() if g is not None).decode("latin-1")
    m = _REFRESH_VALUE.match(value)
    if not m or not m.group(2).strip():
        return None
    try:
        return str(httpx.URL(base_url).join(m.group(2).strip()))
    except (httpx.InvalidURL, ValueError):
        return None


# ------------------------------------------------------------------ bounded decoding


class BodyTooLarge(Exception):
    """The (decompressed) body grew past the cap."""


class _Stage:
    """One Content-Encoding layer, never producing more than `room + 1` bytes per call."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._z: Any = None
        self._br: Any = None
        self._first = True
        if coding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif coding == "br":
            self._br = brotli.Decompressor()
        elif coding != "deflate":
            raise ValueError(f"unsupported content-encoding: {coding}")

    def feed(self, data: bytes, room: int) -> bytes:
        limit = room + 1  # never 0: zlib reads max_length=0 as "no limit"
        if self._br is not None:
            return bytes(self._br.process(data, output_buffer_limit=limit))
        if self._first and self.coding == "deflate" and data:
            zlib_wrapped = len(data) >= 2 and (data[0] & 0x0F) == 8 and ((data[0] << 8) | data[1]) % 31 == 0
            self._z = zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)
        if self._z is None:
            return b""
        self._first = False
        out = self._z.decompress(data, limit)
        # another gzip member after the first one ends
        while self._z.eof and self._z.unused_data and len(out) < limit and self.coding != "deflate":
            rest = self._z.unused_data
            self._z = zlib.decompressobj(zlib.MAX_WBITS | 16)
            out += self._z.decompress(rest, limit - len(out))
        return bytes(out)


class BoundedDecoder:
    """Undo Content-Encoding while capping the output: a bomb stops at cap + 1 bytes."""

    def __init__(self, content_encoding: str | None, cap: int) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        self.stages = [_Stage(c) for c in reversed(codings) if c and c != "identity"]
        self.cap = cap
        self.buf = bytearray()

    def feed(self, data: bytes) -> None:
        for stage in self.stages:
            data = stage.feed(data, self.cap - len(self.buf))
        if len(self.buf) + len(data) > self.cap:
            raise BodyTooLarge
        self.buf += data


# ------------------------------------------------------------------ the fetcher


class _Failure(Exception):
    """An attempt ended without a usable HTTP answer."""

    def __init__(self, status: LinkStatus, error: str, retry: str | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.retry = retry  # None, "once" (quickly, one time) or "transient" (with backoff)


@dataclass
class _Answer:
    url: str
    status_code: int
    headers: dict[str, str]
    set_cookies: list[str]
    body: bytes = b""
    too_large: bool = False
    content_type: str = ""
    page: Page | None = None
    retry_after: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _keep(headers: httpx.Headers) -> dict[str, str]:
    return {k: v for k, v in ((k.lower(), v) for k, v in headers.items()) if k in KEPT_HEADERS}


def _describe(exc: BaseException, host: str) -> _Failure:
    """Map the transport's exception (walking its causes) to a status and a short message."""
    seen: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in seen:
        seen.append(e)
        e = e.__cause__ or e.__context__
    for e in seen:
        if isinstance(e, PolicyError):
            return _Failure(LinkStatus.REFUSED, str(e))
    for e in seen:
        if isinstance(e, aiohttp.ClientConnectorDNSError):
            return _Failure(LinkStatus.UNREACHABLE, f"DNS lookup failed for {host}")
        if isinstance(e, aiohttp.ClientConnectorCertificateError):
            return _Failure(LinkStatus.UNREACHABLE, f"TLS error: certificate not accepted for {host}")
        if isinstance(e, aiohttp.ClientSSLError | ssl.SSLError):
            reason = getattr(e, "reason", None) or str(e)
            return _Failure(LinkStatus.UNREACHABLE, f"TLS error: {reason}"[:200])
        if isinstance(e, ConnectionRefusedError) or (
            isinstance(e, aiohttp.ClientConnectorError) and isinstance(e.os_error, ConnectionRefusedError)
        ):
            return _Failure(LinkStatus.UNREACHABLE, "connection refused", retry="once")
        if isinstance(e, aiohttp.ClientConnectorError):
            return _Failure(LinkStatus.UNREACHABLE, f"connection failed: {e.os_error.strerror or e}", retry="once")
        if isinstance(e, aiohttp.InvalidURL | httpx.InvalidURL | httpx.UnsupportedProtocol):
            return _Failure(LinkStatus.UNREACHABLE, f"invalid URL: {e}"[:200])
        if isinstance(
            e, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError | ConnectionResetError
            | httpx.RemoteProtocolError | aiohttp.ClientResponseError
        ):
            return _Failure(LinkStatus.UNREACHABLE, "connection reset by the server", retry="transient")
    return _Failure(LinkStatus.UNREACHABLE, f"network error: {exc.__class__.__name__}: {exc}"[:200], retry="transient")


class _NoCookies(httpx.Cookies):
    """A cookie store that stores nothing."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set_cookie_header(self, request: httpx.Request) -> None:
        return None


class Fetcher:
    """Fetches cited URLs into Snapshots within the policy and the per-host limits.

    `backoff_base`/`backoff_max` shape the retry waits (small in tests); `sleep` and
    `transport` can be injected by unit tests (an injected transport bypasses the resolver).
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
    ) -> None:
        self.settings = settings
        self.limiter: Limiter = limiter if limiter is not None else HostLimiter.from_settings(settings)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_connections = max_connections
        self._sleep = sleep
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._robots = RobotsCache("verifier")
        self._conns: asyncio.Semaphore | None = None

    # -- lifecycle

    def _make_session(self) -> aiohttp.ClientSession:
        """Built lazily by the transport inside the running loop; the guard sits in its connector."""
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(self.settings.allow_private_hosts),
            limit=self.max_connections,
            limit_per_host=0,
            ssl=httpx.create_ssl_context(),
            ttl_dns_cache=30,
        )
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            trust_env=False,
            max_line_size=32768,
            max_field_size=32768,
        )

    async def __aenter__(self) -> Fetcher:
        transport = self._transport or AiohttpTransport(client=self._make_session, trust_env=False)
        slack = self.settings.fetch_timeout + 5  # our own asyncio deadline fires first
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(slack),
            headers={"User-Agent": self.settings.ua, "Accept": ACCEPT,
                     "Accept-Encoding": "gzip, deflate, br", "Accept-Language": "en;q=1.0, *;q=0.5"},
        )
        # No cookie jar at all: httpx would otherwise parse every answer's cookies into a shared jar
        # (slow, and cookies must not travel between fetches); _fetch keeps its own per-host cookies.
        self._client._cookies = _NoCookies()
        self._conns = asyncio.Semaphore(self.max_connections)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- public

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Snapshot:
        """Fetch one cited URL; every outcome, bad input included, is a Snapshot."""
        if self._client is None:
            raise RuntimeError("use `async with Fetcher(settings) as f:`")
        try:
            snap = await self._fetch(url, etag, last_modified)
        except Exception as exc:  # never raise to the pipeline
            snap = Snapshot(url=url, status=LinkStatus.UNREACHABLE,
                            error=f"unexpected error: {exc.__class__.__name__}: {exc}"[:200])
        snap.fetched_at = datetime.now(UTC)
        return snap

    # -- the redirect loop

    def _policy(self, url: str) -> tuple[httpx.URL | None, Snapshot | None]:
        """Parse and check one hop's URL before any request; a Snapshot means 'stop here'."""
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme not in ALLOWED_SCHEMES:
            why = f"scheme '{scheme}' is not fetched" if scheme else "not an http(s) URL"
            return None, Snapshot(url=url, status=LinkStatus.REFUSED, error=why)
        try:
            u = httpx.URL(url)
        except (httpx.InvalidURL, ValueError) as exc:
            return None, Snapshot(url=url, status=LinkStatus.UNREACHABLE, error=f"invalid URL: {exc}"[:200])
        if not u.host:
            return None, Snapshot(url=url, status=LinkStatus.UNREACHABLE, error="invalid URL: no host")
        try:
            check_host(u.host, self.settings.allow_private_hosts)
        except PolicyError as exc:
            return None, Snapshot(url=url, status=LinkStatus.REFUSED, error=str(exc))
        return (u.copy_with(userinfo=b"") if u.userinfo else u), None

    async def _fetch(self, url: str, etag: str | None, last_modified: str | None) -> Snapshot:
        current = url.strip()
        chain: list[str] = []
        visited = {current.split("#", 1)[0]}
        jar: dict[str, dict[str, str]] = {}  # per-fetch, per-host cookies: never sent to another host
        first_host: str | None = None

        def stop(snap: Snapshot) -> Snapshot:
            snap.url, snap.final_url, snap.redirects = url, current, list(chain)
            return snap

        while True:
            u, refusal = self._policy(current)
            if refusal is not None or u is None:
                return stop(refusal or Snapshot(url=url, status=LinkStatus.UNREACHABLE))
            host = u.host
            first_host = first_host or host
            if self.settings.respect_robots and not await self._robots.allowed(str(u), self._load_robots):
                return stop(Snapshot(url=url, status=LinkStatus.REFUSED, error="robots.txt disallows this path"))
            headers: dict[str, str] = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            userinfo = httpx.URL(current).userinfo if "@" in current else b""
            if userinfo and host == first_host:  # credentials in the cited URL go to its own host only
                headers["Authorization"] = "Basic " + base64.b64encode(unquote_to_bytes(userinfo)).decode()
            if jar.get(host):
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar[host].items())
            try:
                ans = await self._with_retries(u, headers)
            except _Failure as f:
                return stop(Snapshot(url=url, status=f.status, error=f.error))
            for sc in ans.set_cookies:
                name, _, value = sc.split(";", 1)[0].partition("=")
                if name.strip():
                    jar.setdefault(host, {})[name.strip()] = value.strip()

            nxt: str | None = None
            if ans.status_code in REDIRECT_CODES and ans.headers.get("location"):
                try:
                    nxt = str(u.join(ans.headers["location"].strip()))
                except (httpx.InvalidURL, ValueError):
                    return stop(self._snapshot(url, ans, LinkStatus.UNREACHABLE, "invalid redirect Location"))
            elif 200 <= ans.status_code < 300 and is_html(ans.content_type):
                target = meta_refresh_target(ans.body, str(u))
                if target and target.split("#", 1)[0] != str(u).split("#", 1)[0]:
                    nxt = target
            if nxt is None:
                break
            key = nxt.split("#", 1)[0]
            if key in visited:
                return stop(self._snapshot(url, ans, LinkStatus.UNREACHABLE, f"redirect loop at {nxt}"[:200]))
            if len(chain) >= self.settings.max_redirects:
                return stop(self._snapshot(
                    url, ans, LinkStatus.UNREACHABLE, f"too many redirects (over {self.settings.max_redirects})"))
            visited.add(key)
            try:
                nu = httpx.URL(nxt)
                if nu.host != first_host and nu.userinfo:
                    nxt = str(nu.copy_with(userinfo=b""))  # no credentials to another host
            except (httpx.InvalidURL, ValueError):
                pass
            chain.append(nxt)
            current = nxt

        if ans.too_large:
            cap = self._cap_for(ans.content_type)
            return stop(self._snapshot(url, ans, LinkStatus.TOO_LARGE, f"body over {cap} bytes"))
        if ans.status_code == 304:
            snap = self._snapshot(url, ans, LinkStatus.OK, None)
            snap.not_modified = True
            return stop(snap)
        status = classify_response(ans.status_code, ans.headers, url, current, chain, ans.page,
                                   content_type=ans.content_type)
        return stop(self._snapshot(url, ans, status, self._explain(status, ans, url, current, chain)))

    def _snapshot(self, url: str, ans: _Answer, status: LinkStatus, error: str | None) -> Snapshot:
        return Snapshot(
            url=url, status=status, http_status=ans.status_code, content_type=ans.content_type or None,
            headers=ans.headers, body=ans.body if status == LinkStatus.OK else b"", error=error,
        )

    def _explain(self, status: LinkStatus, ans: _Answer, url: str, final: str, chain: list[str]) -> str | None:
        """A short human reason for anything but ok."""
        code = ans.status_code
        if status == LinkStatus.OK:
            return None
        if status == LinkStatus.BLOCKED:
            if is_challenge_page(ans.page, ans.headers):
                return f"bot challenge page (HTTP {code})"
            if code == 429:
                ra = ans.retry_after
                if ra is not None and ra > self.settings.fetch_timeout:
                    return f"HTTP 429, Retry-After {ra:.0f} s is longer than the fetch timeout"
                return "HTTP 429 Too Many Requests after retries"
            if code < 300:
                return f"redirected to a login or subscription page: {final}"[:200]
            return f"HTTP {code}"
        if status == LinkStatus.SOFT_404:
            if chain and redirected_to_home_or_error(url, final):
                return f"redirected to the site's home or an error page: {final}"[:200]
            return "the page reads as an error page"
        if status == LinkStatus.NO_TEXT:
            return f"no readable text ({ans.content_type or 'unknown type'})"
        if status == LinkStatus.SERVER_ERROR:
            ra = ans.retry_after
            if ra is not None and ra > self.settings.fetch_timeout:
                return f"HTTP {code}, Retry-After {ra:.0f} s is longer than the fetch timeout"
            return f"HTTP {code} after retries"
        return f"HTTP {code}"

    # -- retries

    async def _with_retries(self, u: httpx.URL, headers: dict[str, str]) -> _Answer:
        retries = max(0, self.settings.fetch_retries)
        attempt = 0
        while True:
            try:
                ans = await self._attempt(u, headers)
            except _Failure as f:
                if f.retry == "transient" and attempt < retries:
                    await self._sleep(backoff_delay(attempt, self.backoff_base, self.backoff_max))
                elif f.retry == "once" and attempt == 0 and retries > 0:
                    await self._sleep(min(0.2, self.backoff_base / 4))
                else:
                    raise
                attempt += 1
                continue
            delay = self._retry_delay(ans, attempt, retries)
            if is_retryable_status(ans.status_code):
                self.limiter.penalize(u.host, ans.retry_after if delay is not None else None)
            elif 200 <= ans.status_code < 400:
                self.limiter.reward(u.host)
            if delay is None:
                return ans
            await self._sleep(delay)
            attempt += 1

    def _retry_delay(self, ans: _Answer, attempt: int, retries: int) -> float | None:
        """Seconds before asking again, or None to take this answer as final."""
        if attempt >= retries or not is_retryable_status(ans.status_code):
            return None
        if is_challenge_page(ans.page, ans.headers):
            return None  # asking a bot wall again does not help
        ra = ans.retry_after
        if ra is not None:
            return None if ra > self.settings.fetch_timeout else ra
        return backoff_delay(attempt, self.backoff_base, self.backoff_max)

    # -- one attempt

    def _cap_for(self, content_type: str | None) -> int:
        if mime_of(content_type) == "application/pdf":
            return max(self.settings.fetch_max_bytes, self.settings.pdf_max_bytes)
        return self.settings.fetch_max_bytes

    async def _attempt(self, u: httpx.URL, headers: dict[str, str]) -> _Answer:
        assert self._client is not None and self._conns is not None
        async with self.limiter.slot(u.host), self._conns:
            try:
                async with asyncio.timeout(self.settings.fetch_timeout):
                    return await self._exchange(u, headers)
            except TimeoutError:
                raise _Failure(LinkStatus.TIMEOUT,
                               f"no complete answer within {self.settings.fetch_timeout:g} s") from None
            except _Failure:
                raise
            except Exception as exc:
                raise _describe(exc, u.host) from exc

    async def _exchange(self, u: httpx.URL, headers: dict[str, str]) -> _Answer:
        assert self._client is not None
        request = self._client.build_request("GET", u, headers=headers)
        response = await self._client.send(request, stream=True)
        try:
            code = response.status_code
            kept = _keep(response.headers)
            ans = _Answer(url=str(u), status_code=code, headers=kept,
                          set_cookies=response.headers.get_list("set-cookie"),
                          retry_after=parse_retry_after(kept.get("retry-after")))
            declared = kept.get("content-type")
            if (code in REDIRECT_CODES and "location" in kept) or code in (204, 304) or 100 <= code < 200:
                ans.content_type = mime_of(declared)
                return ans
            ok = 200 <= code < 300
            cap = self._cap_for(declared) if ok else ERROR_BODY_BYTES
            length = kept.get("content-length", "")
            if ok and length.isdigit() and int(length) > cap:
                ans.too_large, ans.content_type = True, mime_of(declared)
                return ans
            try:
                decoder = BoundedDecoder(kept.get("content-encoding"), cap)
            except ValueError as exc:
                raise _Failure(LinkStatus.NO_TEXT, str(exc)) from None
            sniffed = False
            try:
                async for chunk in response.aiter_raw():
                    decoder.feed(chunk)
                    if not sniffed and decoder.buf:
                        sniffed = True
                        if ok and decoder.buf[:5] == b"%PDF-" and decoder.cap < self._cap_for("application/pdf"):
                            decoder.cap = self._cap_for("application/pdf")
            except BodyTooLarge:
                if ok:
                    ans.too_large, ans.content_type = True, sniff_type(declared, bytes(decoder.buf[:1024]))
                    return ans
            except (zlib.error, brotli.error) as exc:
                raise _Failure(LinkStatus.NO_TEXT, f"could not decode the {kept.get('content-encoding')} body: {exc}"[:200]) from None
            body = bytes(decoder.buf)
            ans.body = body
            ans.content_type = sniff_type(declared, body)
            if is_html(ans.content_type) or (not ok and b"<" in body[:2048]):
                ans.page = read_page(body, declared)
            elif ans.content_type.startswith("text/"):
                ans.page = text_page(body, declared)
            return ans
        finally:
            await response.aclose()

    # -- robots.txt

    async def _load_robots(self, robots_url: str) -> str | None:
        """robots.txt through the same guarded client and limits; None when missing or failing."""
        assert self._client is not None
        current = robots_url
        for _ in range(5):
            u, refusal = self._policy(current)
            if refusal is not None or u is None:
                return None
            try:
                async with self.limiter.slot(u.host), asyncio.timeout(min(10.0, self.settings.fetch_timeout)):
                    response = await self._client.send(self._client.build_request("GET", u), stream=True)
                    try:
                        if response.status_code in REDIRECT_CODES and "location" in response.headers:
                            current = str(u.join(response.headers["location"]))
                            continue
                        if response.status_code != 200:
                            return None
                        decoder = BoundedDecoder(response.headers.get("content-encoding"), ROBOTS_MAX_BYTES)
                        try:
                            async for chunk in response.aiter_raw():
                                decoder.feed(chunk)
                        except BodyTooLarge:
                            pass
                        return bytes(decoder.buf).decode("utf-8", errors="replace")
                    finally:
                        await response.aclose()
            except Exception:  # unreadable robots.txt: everything allowed
                return None
        return None


# ------------------------------------------------------------------ conveniences


async def fetch_many(
    urls: Iterable[str],
    settings: Settings,
    *,
    on_done: Callable[[str, Snapshot], None] | None = None,
    limiter: Limiter | None = None,
) -> dict[str, Snapshot]:
    """Fetch each distinct URL once, concurrently within the per-host limits."""
    distinct = list(dict.fromkeys(urls))
    results: dict[str, Snapshot] = {}
    async with Fetcher(settings, limiter) as fetcher:

        async def one(u: str) -> None:
            snap = await fetcher.fetch(u)
            results[u] = snap
            if on_done is not None:
                with contextlib.suppress(Exception):  # a failing progress callback must not lose results
                    on_done(u, snap)

        await asyncio.gather(*(one(u) for u in distinct))
    return {u: results[u] for u in distinct}


def fetch_one(url: str, settings: Settings) -> Snapshot:
    """Synchronous fetch of one URL (runs its own event loop, in a thread if one is running)."""

    async def run() -> Snapshot:
        async with Fetcher(settings) as f:
            return await f.fetch(url)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run())
    box: list[Snapshot] = []
    t = threading.Thread(target=lambda: box.append(asyncio.run(run())))
    t.start()
    t.join()
    return box[0]
