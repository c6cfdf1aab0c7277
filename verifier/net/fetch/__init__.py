"""The guarded, polite HTTP fetch: one cited URL in, one Snapshot out, never an exception.

httpx's API (httpx.Request in, httpx.Response out, through an httpx.AsyncBaseTransport)
over aiohttp's connection pool for speed. The parts, as httpx splits sending:
- transport: the guarded aiohttp transport (every resolved address checked at connect time);
- decoders: streaming Content-Encoding decoders with a bound, and the sink (memory or file);
- body: one answer's body within its cap, spooled, resumed with a Range request;
- failures: exception → status + reason + retry, as one table; retry: the retry decision;
- cookies, redirects, refresh: per-origin cookies/credentials, the hop chain, meta refresh;
- explain: the final answer's status and reason; fetcher: the Fetcher composed of these.
This module keeps the conveniences (fetch_many, fetch_one) and the public names.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from verifier.core.decoding import sniff_type
from verifier.core.values import Snapshot
from verifier.net.fetch.answer import KEPT_HEADERS, RESUME_MIN_BYTES
from verifier.net.fetch.body import ERROR_BODY_BYTES
from verifier.net.fetch.decoders import PAGE_SCAN_BYTES, PIECE_BYTES, BodyTooLarge, BoundedDecoder, Sink
from verifier.net.fetch.fetcher import ACCEPT, ROBOTS_MAX_BYTES, Fetcher
from verifier.net.fetch.redirects import REDIRECT_CODES
from verifier.net.fetch.refresh import meta_refresh_target
from verifier.net.fetch.retry import backoff_delay, is_retryable_status, parse_retry_after
from verifier.net.fetch.transport import DRAIN_BYTES, GuardedTransport
from verifier.net.politeness import Limiter, RobotsStore
from verifier.settings import Settings

#: in-memory bytes before a body spills to a temporary file (when the Fetcher spools at all)
SPOOL_THRESHOLD = 8_000_000

__all__ = [
    "ACCEPT",
    "DRAIN_BYTES",
    "ERROR_BODY_BYTES",
    "KEPT_HEADERS",
    "PAGE_SCAN_BYTES",
    "PIECE_BYTES",
    "REDIRECT_CODES",
    "RESUME_MIN_BYTES",
    "ROBOTS_MAX_BYTES",
    "SPOOL_THRESHOLD",
    "BodyTooLarge",
    "BoundedDecoder",
    "Fetcher",
    "GuardedTransport",
    "Sink",
    "StoreFailed",
    "backoff_delay",
    "discard_body",
    "fetch_many",
    "fetch_one",
    "is_retryable_status",
    "meta_refresh_target",
    "parse_retry_after",
    "sniff_type",
]


def discard_body(snap: Snapshot) -> None:
    """Delete a spooled body's temporary file (the caller owns it once fetch() returns)."""
    if snap.body_path:
        with contextlib.suppress(OSError):
            os.unlink(snap.body_path)
        snap.body_path = None


class StoreFailed(Exception):
    """`on_done` failed for some sources (their extraction or save): each URL with its error.

    Raised once every fetch has finished, so the other sources are stored all the same."""

    def __init__(self, errors: dict[str, BaseException]) -> None:
        self.errors = errors
        first_url, first = next(iter(errors.items()))
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"could not store {first_url}: {first.__class__.__name__}: {first}{more}")


async def fetch_many(
    urls: Iterable[str],
    settings: Settings,
    *,
    on_done: Callable[[str, Snapshot], None] | None = None,
    limiter: Limiter | None = None,
    robots: RobotsStore | None = None,
    spool_threshold: int | None = SPOOL_THRESHOLD,
) -> dict[str, Snapshot]:
    """Fetch each distinct URL once, concurrently within the per-host limits.

    `on_done` (extraction and storage) runs in one thread beside the event loop, one source
    at a time, so the other fetches' deadlines never wait for it; its failures are raised
    afterwards as StoreFailed. A body past `spool_threshold` bytes (None: none) is on disk
    (Snapshot.body_path) while `on_done` runs; when there is an `on_done`, the file is deleted
    once it returns (store it there), else the caller owns it (discard_body)."""
    distinct = list(dict.fromkeys(urls))
    results: dict[str, Snapshot] = {}
    errors: dict[str, BaseException] = {}
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="verifier-store") as pool:
        async with Fetcher(settings, limiter, spool_threshold=spool_threshold, robots=robots) as fetcher:

            async def one(u: str) -> None:
                snap = await fetcher.fetch(u)
                results[u] = snap
                if on_done is not None:
                    try:
                        await loop.run_in_executor(pool, on_done, u, snap)
                    except Exception as exc:
                        errors[u] = exc
                    finally:
                        discard_body(snap)

            await asyncio.gather(*(one(u) for u in distinct))
    if errors:
        raise StoreFailed(errors)
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
