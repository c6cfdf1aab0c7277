"""The guarded transport: httpx's transport interface over one aiohttp ClientSession.

Why: httpx's Request/Response API with aiohttp's connection pool for speed. The connector
resolves through GuardedResolver, so every address a host name resolves to is checked at
connect time, on every hop; the Fetcher does redirects, cookies and decoding itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ssl
from collections.abc import AsyncIterator

import aiohttp
import httpx
import yarl

from verifier.net.netguard import AllowPrivate, GuardedResolver


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

@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process. Loading the CA bundle costs ~40 ms of CPU, and every
    fetch task opens a transport: per transport it was a fifth of a brief's CPU in the service. An
    SSLContext is safe to share across sessions, event loops and threads."""
    return httpx.create_ssl_context()


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
            ssl=shared_ssl_context(),
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


