"""Extraction and storage run beside the fetcher's event loop, never inside it.

A slow extraction of one source must not eat the deadline of another source still downloading,
and a failed save is that source's error, raised, not swallowed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from tests.httpserver import LoopbackServer, Reply
from verifier.core.statuses import LinkStatus
from verifier.core.values import Snapshot
from verifier.net.fetch import StoreFailed
from verifier.service import pipeline
from verifier.settings import get_settings
from verifier.storage import db, store

PAGE = b"<html><body><p>" + b"The harbour wall will be repaired before the winter storms. " * 20 + b"</p></body></html>"


def trickle() -> Iterator[bytes]:
    """A page that takes about 2.4 s to arrive, in eight pieces."""
    for _ in range(8):
        time.sleep(0.3)
        yield PAGE[: len(PAGE) // 8]


@pytest.fixture
def slow_site(loopback_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    monkeypatch.setenv("VERIFIER_FETCH_TIMEOUT", "4")
    monkeypatch.setenv("VERIFIER_FETCH_RETRIES", "0")
    get_settings.cache_clear()
    with LoopbackServer() as srv:
        srv.page("/fast", PAGE)
        srv.route("/trickle", Reply(200, trickle(), content_length=(len(PAGE) // 8) * 8))
        yield srv


def test_a_slow_extraction_does_not_time_out_a_concurrent_fetch(slow_site: LoopbackServer,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    real = pipeline.read_snapshot

    def slow_read(snap: Snapshot, *args: object, **kwargs: object) -> object:
        if snap.url.endswith("/fast"):
            time.sleep(5)  # longer than the other fetch's whole deadline
        return real(snap, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "read_snapshot", slow_read)
    settings = get_settings()
    urls = [slow_site.url("/fast"), slow_site.url("/trickle")]
    with db.session_for(settings.database_url) as session:
        asyncio.run(pipeline.fetch_sources(session, urls, settings))
        for url in urls:
            src = store.get_or_create_source(session, url)
            row = store.fresh_snapshot(session, src, 3600)
            assert row is not None and row.status == LinkStatus.OK, (url, row and row.error)


def test_a_failed_save_is_that_sources_error(slow_site: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    real = pipeline.save_fetch

    def failing_save(session: object, url: str, *args: object, **kwargs: object) -> object:
        if url.endswith("/fast"):
            raise OSError("disk full")
        return real(session, url, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "save_fetch", failing_save)
    settings = get_settings()
    urls = [slow_site.url("/fast"), slow_site.url("/trickle")]
    with db.session_for(settings.database_url) as session:
        with pytest.raises(StoreFailed) as caught:
            asyncio.run(pipeline.fetch_sources(session, urls, settings))
        assert list(caught.value.errors) == [urls[0]] and "disk full" in str(caught.value)
        trickled = store.fresh_snapshot(session, store.get_or_create_source(session, urls[1]), 3600)
        assert trickled is not None and trickled.status == LinkStatus.OK  # the other source is stored
