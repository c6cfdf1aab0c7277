"""The guarded, polite HTTP fetch: one cited URL in, one Snapshot out, never an exception.

httpx's API (httpx.Request in, httpx.Response out, through an httpx.AsyncBaseTransport)
over aiohttp's connection pool for speed: `GuardedTransport` is a lean transport on one
aiohttp ClientSession, and the Fetcher hands it each request itself, because everything
httpx.AsyncClient.send adds (redirects, cookies, auth, timeouts) is done here, per hop.
Safety lives at three points: the policy check before every hop (scheme, literal IP
hosts, robots.txt), the GuardedResolver inside aiohttp's connector (every resolved
address must be public, checked at connect time), and our own redirect loop (no cookie
jar, no credentials carried to another host). Bodies are streamed raw and decompressed
here with a bound, so neither a huge body nor a gzip bomb can grow memory past the cap;
with `spool_threshold` set (fetch_many sets it), a body past it (a large PDF) goes to a
temporary file, Snapshot.body_path, and a download cut halfway resumes with a Range request
when the server allows it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import random
import re
import ssl
import tempfile
import threading
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import IO, Any
from urllib.parse import unquote_to_bytes

import aiohttp
import brotli
import httpx
import yarl

from verifier.core.classify import (
    NOT_FOUND_CODES,
    Page,
    classify_response,
    is_challenge_page,
    is_html,
    mime_of,
    read_page,
    redirected_to_home_or_error,
    text_page,
)
from verifier.core.statuses import LinkStatus
from verifier.core.values import Snapshot
from verifier.net.netguard import (
    ALLOWED_SCHEMES,
    DEFAULT_PORTS,
    AllowPrivate,
    GuardedResolver,
    PolicyError,
    check_host,
)
from verifier.net.politeness import HostLimiter, Limiter, RobotsCache
from verifier.settings import Settings

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
ERROR_BODY_BYTES = 256_000  # enough of an error page to recognise a challenge
META_REFRESH_BYTES = 16_384
ROBOTS_MAX_BYTES = 512_000
PAGE_SCAN_BYTES = 200_000  # the prefix of a body the classifier reads (classify.PAGE_SCAN_BYTES)
#: in-memory bytes before a body spills to a temporary file (when the Fetcher spools at all)
SPOOL_THRESHOLD = 8_000_000
#: the largest piece a decoder hands on at once, so that memory stays flat whatever the size
PIECE_BYTES = 1 << 20
#: a download cut after at least this many raw bytes resumes with a Range request when it can
RESUME_MIN_BYTES = 1_000_000
KEPT_HEADERS = frozenset({
    "content-type", "content-length", "content-encoding", "content-language", "content-disposition",
    "etag", "last-modified", "location", "retry-after", "server", "date", "cache-control", "expires",
    "age", "x-robots-tag", "link", "refresh", "cf-mitigated", "www-authenticate", "accept-ranges",
    "content-range",
})
_KEPT_RAW = {k.encode(): k for k in KEPT_HEADERS}
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


_REFRESH_WORD = re.compile(rb"refresh", re.I)
_NOSCRIPT = re.compile(rb"<noscript\b.*?</noscript\s*>", re.I | re.S)
_META_REFRESH = re.compile(rb"<meta\b[^>]*http-equiv\s*=\s*[\"']?refresh[^>]*>", re.I)
_CONTENT_ATTR = re.compile(rb"""content\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_REFRESH_VALUE = re.compile(r"^\s*(\d+(?:\.\d*)?)?\s*[;,]?\s*(?:url\s*=\s*)?[\"']?([^\"']*)", re.I)


def meta_refresh_target(body: bytes, base_url: str) -> str | None:
    """The absolute URL a <meta http-equiv=refresh> in the page head sends the reader to, if any."""
    head = body[:META_REFRESH_BYTES]
    if not _REFRESH_WORD.search(head):
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
    """One Content-Encoding layer, handing on its output in pieces of at most PIECE_BYTES."""

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

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._br is not None:
            br = self._br
            out = br.process(data, output_buffer_limit=PIECE_BYTES)
            while True:
                if out:
                    yield bytes(out)
                # a full piece may leave more output pending, even with all the input taken
                if (br.can_accept_more_data() and len(out) < PIECE_BYTES) or br.is_finished():
                    return
                out = br.process(b"", output_buffer_limit=PIECE_BYTES)
        if self._first and self.coding == "deflate" and data:
            zlib_wrapped = len(data) >= 2 and (data[0] & 0x0F) == 8 and ((data[0] << 8) | data[1]) % 31 == 0
            self._z = zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)
        if self._z is None:
            return
        self._first = False
        while data:
            z = self._z
            yield z.decompress(data, PIECE_BYTES)
            while z.unconsumed_tail:
                yield z.decompress(z.unconsumed_tail, PIECE_BYTES)
            data = b""
            if z.eof and z.unused_data and self.coding != "deflate":  # another gzip member follows
                data = z.unused_data
                self._z = zlib.decompressobj(zlib.MAX_WBITS | 16)


class BoundedDecoder:
    """Undo Content-Encoding while capping the output: a bomb stops at cap + 1 bytes.

    The decoded bytes go to `sink` (a _Sink; by default one kept in memory, `buf`)."""

    def __init__(self, content_encoding: str | None, cap: int, sink: _Sink | None = None) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",")] if content_encoding else []
        self.stages = [_Stage(c) for c in reversed(codings) if c and c != "identity"]
        self.sink = sink if sink is not None else _Sink(cap)
        self.sink.cap = cap

    @property
    def cap(self) -> int:
        return self.sink.cap

    @cap.setter
    def cap(self, value: int) -> None:
        self.sink.cap = value

    @property
    def buf(self) -> bytearray:
        return self.sink.buf

    def feed(self, data: bytes) -> None:
        if not self.stages:
            self.sink.write(data)
            return
        for piece in self._through(data, 0):
            self.sink.write(piece)

    def _through(self, data: bytes, i: int) -> Iterator[bytes]:
        if i == len(self.stages):
            yield data
            return
        for piece in self.stages[i].feed(data):
            if piece:
                yield from self._through(piece, i + 1)


class _Sink:
    """A decoded body: in memory up to `spool` bytes, then in a temporary file (never past `cap`)."""

    def __init__(self, cap: int, spool: int | None = None, tmp_dir: str | None = None) -> None:
        self.cap = cap
        self.spool = spool
        self.tmp_dir = tmp_dir
        self.buf = bytearray()
        self.file: IO[bytes] | None = None
        self.path: str | None = None
        self.size = 0
        self._head = b""

    def write(self, data: bytes) -> None:
        if self.size + len(data) > self.cap:
            raise BodyTooLarge
        self.size += len(data)
        if self.file is not None:
            self.file.write(data)
            return
        self.buf += data
        if self.spool is not None and len(self.buf) > self.spool:
            fd, self.path = tempfile.mkstemp(prefix="verifier-", suffix=".body", dir=self.tmp_dir)
            self.file = os.fdopen(fd, "wb")
            self._head = bytes(self.buf[:PAGE_SCAN_BYTES])
            self.file.write(self.buf)
            self.buf = bytearray()

    def head(self, n: int = 1024) -> bytes:
        """The first n bytes (n up to PAGE_SCAN_BYTES once the body is on disk)."""
        return self._head[:n] if self.file is not None else bytes(self.buf[:n])

    @property
    def spooled(self) -> bool:
        return self.file is not None

    def finish(self) -> tuple[bytes, str | None]:
        """The body in memory, or b"" and the path of the closed file that now holds it."""
        if self.file is None:
            return bytes(self.buf), None
        self.file.close()
        return b"", self.path

    def reset(self) -> None:
        """Forget everything written (a restarted download)."""
        self.discard()
        self.size = 0

    def discard(self) -> None:
        self.buf = bytearray()
        if self.file is not None:
            self.file.close()
            self.file = None
        if self.path is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            self.path = None


# ------------------------------------------------------------------ the body on disk


def discard_body(snap: Snapshot) -> None:
    """Delete a spooled body's temporary file (the caller owns it once fetch() returns)."""
    if snap.body_path:
        with contextlib.suppress(OSError):
            os.unlink(snap.body_path)
        snap.body_path = None


# ------------------------------------------------------------------ the transport


class _AiohttpStream(httpx.AsyncByteStream):
    """An aiohttp response body as httpx's raw byte stream (chunks as they arrive)."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._response.content.iter_any():
            yield chunk

    async def aclose(self) -> None:
        """Back to the pool when fully read. A small unread rest (a 404 page, a redirect's body) is
        drained first: closing a socket with unread data resets it, and the connection is reusable."""
        r = self._response
        if not r.content.is_eof() and (r.content_length or 0) <= DRAIN_BYTES:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1.0):
                    drained = 0
                    while drained <= DRAIN_BYTES and (chunk := await r.content.read(DRAIN_BYTES)):
                        drained += len(chunk)
        r.release()


#: an unread body up to this size is read to the end before the connection goes back to the pool
DRAIN_BYTES = 64 * 1024

_NO_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=None, sock_connect=None, sock_read=None)


class GuardedTransport(httpx.AsyncBaseTransport):
    """httpx's transport interface on one aiohttp ClientSession (its connection pool).

    The connector resolves through GuardedResolver, so every address a host name resolves to
    is checked at connect time. No automatic redirects, no cookie jar, no decompression (the
    fetcher decodes with a bound), and no aiohttp timeouts: the fetcher's one deadline per
    attempt covers connect to last byte (aiohttp's per-read timers cost a timer per chunk).
    """

    def __init__(self, allow_private: AllowPrivate, max_connections: int = 100) -> None:
        self.allow_private = allow_private
        self.max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(self.allow_private),
            limit=self.max_connections,
            limit_per_host=0,
            ssl=httpx.create_ssl_context(),
            ttl_dns_cache=30,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            trust_env=False,
            timeout=_NO_TIMEOUT,
            max_line_size=32768,
            max_field_size=32768,
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
        )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._session or self._open()
        response = await session.request(
            request.method, yarl.URL(str(request.url), encoded=True),
            headers=request.headers.multi_items(), allow_redirects=False,
        )
        return httpx.Response(response.status, headers=response.raw_headers, stream=_AiohttpStream(response),
                              request=request, extensions={"http_version": b"HTTP/1.1"})

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


# ------------------------------------------------------------------ the fetcher


class _Failure(Exception):
    """An attempt ended without a usable HTTP answer."""

    def __init__(self, status: LinkStatus, error: str, retry: str | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.retry = retry  # None, "once" (quickly, one time) or "transient" (with backoff)
        self.partial: _Partial | None = None  # a download cut halfway that may resume


@dataclass
class _Answer:
    url: str
    status_code: int
    headers: dict[str, str]
    set_cookies: list[str]
    body: bytes = b""
    body_path: str | None = None
    head: bytes = b""  # the first PAGE_SCAN_BYTES of the body, wherever the body is
    body_size: int = 0
    too_large: bool = False
    content_type: str = ""
    declared: str | None = None
    retry_after: float | None = None
    _page: Page | None = field(default=None, repr=False)
    _read: bool = field(default=False, repr=False)

    def page(self) -> Page | None:
        """The page as the classifier reads it (read once, on demand), or None where it cannot
        change the status: a 404/410 is not_found whatever it says, and a type with no text."""
        if not self._read:
            page: Page | None = None
            ok = 200 <= self.status_code < 300
            if self.status_code in NOT_FOUND_CODES:
                page = None  # 404/410 are not_found whatever they say
            elif is_html(self.content_type) or (not ok and b"<" in self.head[:2048]):
                page = read_page(self.head, self.declared)
                page.complete = self.body_size <= PAGE_SCAN_BYTES
            elif self.content_type.startswith("text/"):
                page = text_page(self.head, self.declared)
            self._page, self._read = page, True
        return self._page

    def discard(self) -> None:
        if self.body_path:
            with contextlib.suppress(OSError):
                os.unlink(self.body_path)
            self.body_path = None


@dataclass
class _Partial:
    """A 2xx body being downloaded: what a Range request needs to carry on where it stopped."""

    answer: _Answer
    decoder: BoundedDecoder
    raw_bytes: int = 0  # bytes received as sent (before decoding): the Range offset
    validator: str | None = None  # for If-Range: a strong ETag, else Last-Modified
    must_be_pdf: bool = False  # over the cap of its declared (generic) type unless it is a PDF

    @property
    def resumable(self) -> bool:
        return self.answer.headers.get("accept-ranges", "").strip().lower() == "bytes" \
            and self.raw_bytes >= RESUME_MIN_BYTES

    def discard(self) -> None:
        self.decoder.sink.discard()


_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.I)


def _keep(headers: httpx.Headers) -> tuple[dict[str, str], list[str]]:
    """The headers worth keeping (lower-cased names) and the Set-Cookie values, from the raw list."""
    kept: dict[str, str] = {}
    cookies: list[str] = []
    for k, v in headers.raw:
        name = _KEPT_RAW.get(k) or _KEPT_RAW.get(k.lower())
        if name is not None:
            kept[name] = v.decode("latin-1")
        elif k.lower() == b"set-cookie":
            cookies.append(v.decode("latin-1"))
    return kept, cookies


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


class Fetcher:
    """Fetches cited URLs into Snapshots within the policy and the per-host limits.

    `backoff_base`/`backoff_max` shape the retry waits (small in tests); `sleep` and
    `transport` can be injected by unit tests (an injected transport bypasses the resolver).
    `spool_threshold`: bodies past this many bytes go to a temporary file whose path the
    Snapshot carries as `body_path` (its `body` then stays empty); the caller owns the file
    (discard_body). None keeps every body in memory.
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
    ) -> None:
        self.settings = settings
        self.limiter: Limiter = limiter if limiter is not None else HostLimiter.from_settings(settings)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_connections = max_connections
        self.spool_threshold = spool_threshold
        self.tmp_dir = tmp_dir
        self._sleep = sleep
        self._injected = transport
        self._transport: httpx.AsyncBaseTransport | None = None
        self._robots = RobotsCache("verifier")
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
        """Fetch one cited URL; every outcome, bad input included, is a Snapshot."""
        if self._transport is None:
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
            check_host(u.host, self.settings.allow_private_hosts, u.port or DEFAULT_PORTS[u.scheme])
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
                    return stop(self._snapshot(url, ans, LinkStatus.UNREACHABLE, "invalid redirect Location", chain))
            elif 200 <= ans.status_code < 300 and is_html(ans.content_type):
                here = str(u)
                target = meta_refresh_target(ans.head, here)
                if target and target.split("#", 1)[0] != here.split("#", 1)[0]:
                    nxt = target
            if nxt is None:
                break
            ans.discard()
            key = nxt.split("#", 1)[0]
            if key in visited:
                return stop(self._snapshot(url, ans, LinkStatus.UNREACHABLE, f"redirect loop at {nxt}"[:200], chain))
            if len(chain) >= self.settings.max_redirects:
                return stop(self._snapshot(
                    url, ans, LinkStatus.UNREACHABLE, f"too many redirects (over {self.settings.max_redirects})",
                    chain))
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
            return stop(self._snapshot(url, ans, LinkStatus.TOO_LARGE, f"body over {cap} bytes", chain))
        if ans.status_code == 304:
            snap = self._snapshot(url, ans, LinkStatus.OK, None, chain)
            snap.not_modified = True
            return stop(snap)
        page = ans.page()
        status = classify_response(ans.status_code, ans.headers, url, current, chain, page,
                                   content_type=ans.content_type)
        return stop(self._snapshot(url, ans, status, self._explain(status, ans, page, url, current, chain), chain))

    def _snapshot(self, url: str, ans: _Answer, status: LinkStatus, error: str | None,
                  chain: list[str]) -> Snapshot:
        ok = status == LinkStatus.OK
        snap = Snapshot(
            url=url, status=status, http_status=ans.status_code, content_type=ans.content_type or None,
            headers=ans.headers, body=ans.body if ok else b"", error=error,
        )
        if ans.body_path:
            if ok:
                snap.body_path = ans.body_path
            else:
                ans.discard()
        return snap

    def _explain(self, status: LinkStatus, ans: _Answer, page: Page | None, url: str, final: str,
                 chain: list[str]) -> str | None:
        """A short human reason for anything but ok."""
        code = ans.status_code
        if status == LinkStatus.OK:
            return None
        if status == LinkStatus.BLOCKED:
            if is_challenge_page(page, ans.headers):
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
        partial: _Partial | None = None
        while True:
            try:
                ans = await self._attempt(u, headers, partial)
            except _Failure as f:
                partial = f.partial  # a cut download resumes from where it stopped
                if f.retry == "transient" and attempt < retries:
                    await self._sleep(backoff_delay(attempt, self.backoff_base, self.backoff_max))
                elif f.retry == "once" and attempt == 0 and retries > 0:
                    await self._sleep(min(0.2, self.backoff_base / 4))
                else:
                    if partial is not None:
                        partial.discard()
                    raise
                attempt += 1
                continue
            partial = None
            delay = self._retry_delay(ans, attempt, retries)
            if is_retryable_status(ans.status_code):
                self.limiter.penalize(u.host, ans.retry_after if delay is not None else None)
            elif 200 <= ans.status_code < 400:
                self.limiter.reward(u.host)
            if delay is None:
                return ans
            ans.discard()
            await self._sleep(delay)
            attempt += 1

    def _retry_delay(self, ans: _Answer, attempt: int, retries: int) -> float | None:
        """Seconds before asking again, or None to take this answer as final."""
        if attempt >= retries or not is_retryable_status(ans.status_code):
            return None
        if is_challenge_page(ans.page(), ans.headers):
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

    async def _attempt(self, u: httpx.URL, headers: dict[str, str], partial: _Partial | None) -> _Answer:
        assert self._conns is not None
        reading: list[_Partial] = []  # the body being read, should the deadline cut it
        async with self.limiter.slot(u.host), self._conns:
            try:
                async with asyncio.timeout(self.settings.fetch_timeout):
                    return await self._exchange(u, headers, partial, reading)
            except TimeoutError:
                f = _Failure(LinkStatus.TIMEOUT, f"no complete answer within {self.settings.fetch_timeout:g} s")
                if reading and reading[0].resumable:  # a large download still flowing: the next attempt resumes
                    f.retry, f.partial = "transient", reading[0]
                else:
                    for body in reading:
                        body.discard()
                raise f from None
            except _Failure:
                raise
            except Exception as exc:
                raise _describe(exc, u.host) from exc
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

    async def _exchange(self, u: httpx.URL, headers: dict[str, str], partial: _Partial | None,
                        reading: list[_Partial]) -> _Answer:
        if partial is not None:
            headers = dict(headers, Range=f"bytes={partial.raw_bytes}-")
            if partial.validator:
                headers["If-Range"] = partial.validator
        response = await self._send(u, headers)
        try:
            code = response.status_code
            kept, cookies = _keep(response.headers)
            if partial is not None:
                m = _CONTENT_RANGE.match(kept.get("content-range", ""))
                if code == 206 and m and int(m.group(1)) == partial.raw_bytes:
                    reading.append(partial)
                    return await self._read_body(response, partial)  # carry on where it stopped
                partial.discard()  # changed since, or no range support after all: start over
                partial = None
                if code == 206:
                    raise _Failure(LinkStatus.UNREACHABLE, "the server resumed the download at the wrong offset",
                                   retry="transient")
            ans = _Answer(url=str(u), status_code=code, headers=kept, set_cookies=cookies,
                          retry_after=parse_retry_after(kept.get("retry-after")) if "retry-after" in kept else None,
                          declared=kept.get("content-type"))
            declared = ans.declared
            if (code in REDIRECT_CODES and "location" in kept) or code in (204, 304) or 100 <= code < 200:
                ans.content_type = mime_of(declared)
                return ans
            ok = 200 <= code < 300
            cap = self._cap_for(declared) if ok else ERROR_BODY_BYTES
            length = kept.get("content-length", "")
            must_be_pdf = False
            if ok and length.isdigit() and int(length) > cap:
                pdf_cap = self._cap_for("application/pdf")
                if mime_of(declared) in _GENERIC_TYPES and int(length) <= pdf_cap:
                    cap, must_be_pdf = pdf_cap, True  # a download of unknown type may be a PDF: look first
                else:
                    ans.too_large, ans.content_type = True, mime_of(declared)
                    return ans
            try:
                sink = _Sink(cap, self.spool_threshold if ok else None, self.tmp_dir)
                decoder = BoundedDecoder(kept.get("content-encoding"), cap, sink)
            except ValueError as exc:
                raise _Failure(LinkStatus.NO_TEXT, str(exc)) from None
            validator = kept.get("etag") if not kept.get("etag", "W/").startswith("W/") else kept.get("last-modified")
            body = _Partial(ans, decoder, validator=validator, must_be_pdf=must_be_pdf)
            reading.append(body)
            return await self._read_body(response, body)
        finally:
            await response.aclose()

    async def _read_body(self, response: httpx.Response, body: _Partial) -> _Answer:
        """Stream the raw body through the bounded decoder; a cut 2xx download may resume."""
        ans, decoder = body.answer, body.decoder
        ok = 200 <= ans.status_code < 300
        sink = decoder.sink
        sniffed = sink.size > 0
        try:
            async for chunk in response.aiter_raw():
                body.raw_bytes += len(chunk)
                decoder.feed(chunk)
                if not sniffed and sink.size >= min(5, body.raw_bytes):
                    sniffed = True
                    is_pdf = sink.head(5) == b"%PDF-"
                    if ok and is_pdf and decoder.cap < self._cap_for("application/pdf"):
                        decoder.cap = self._cap_for("application/pdf")
                    elif body.must_be_pdf and not is_pdf:
                        raise BodyTooLarge  # over the cap for its type after all
        except BodyTooLarge:
            if ok:
                ans.too_large, ans.content_type = True, sniff_type(ans.declared, sink.head())
                sink.discard()
                return ans
        except (zlib.error, brotli.error) as exc:
            sink.discard()
            raise _Failure(LinkStatus.NO_TEXT,
                           f"could not decode the {ans.headers.get('content-encoding')} body: {exc}"[:200]) from None
        except Exception as exc:  # the transport failed mid-body (a deadline is _attempt's to handle)
            if ok and body.resumable:
                f = _describe(exc, response.request.url.host)
                f.partial = body
                raise f from exc
            sink.discard()
            raise
        ans.head = sink.head(PAGE_SCAN_BYTES)
        ans.body_size = sink.size
        ans.body, ans.body_path = sink.finish()
        ans.content_type = sniff_type(ans.declared, ans.head)
        return ans

    # -- robots.txt

    async def _load_robots(self, robots_url: str) -> str | None:
        """robots.txt through the same guarded transport and limits; None when missing or failing."""
        current = robots_url
        for _ in range(5):
            u, refusal = self._policy(current)
            if refusal is not None or u is None:
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
    spool_threshold: int | None = SPOOL_THRESHOLD,
) -> dict[str, Snapshot]:
    """Fetch each distinct URL once, concurrently within the per-host limits.

    A body past `spool_threshold` bytes (None: none) is on disk (Snapshot.body_path) while
    `on_done` runs; when there is an `on_done`, the file is deleted once it returns (store it
    there), else the caller owns it (discard_body)."""
    distinct = list(dict.fromkeys(urls))
    results: dict[str, Snapshot] = {}
    async with Fetcher(settings, limiter, spool_threshold=spool_threshold) as fetcher:

        async def one(u: str) -> None:
            snap = await fetcher.fetch(u)
            results[u] = snap
            if on_done is not None:
                try:
                    with contextlib.suppress(Exception):  # a failing progress callback must not lose results
                        on_done(u, snap)
                finally:
                    discard_body(snap)

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
