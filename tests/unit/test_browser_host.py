"""One browser per process: renders from many tasks (each with its own asyncio.run) share one Renderer."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import ClassVar

import pytest

from verifier.net import render
from verifier.net.render import BrowserHost, Rendered


class FakeRenderer:
    """Stands in for Renderer (no Chromium): records where it was entered, rendered and closed."""

    made: ClassVar[list[FakeRenderer]] = []

    def __init__(self) -> None:
        self.timeout = 5.0
        self.threads: set[int] = set()
        self.closed = False
        FakeRenderer.made.append(self)

    async def __aenter__(self) -> FakeRenderer:
        return self

    async def render(self, url: str, *, screenshot: bool = False) -> Rendered:
        self.threads.add(threading.get_ident())
        await asyncio.sleep(0.01)
        return Rendered(url=url, final_url=url, html=f"<p>{url}</p>")

    async def aclose(self) -> None:
        self.closed = True


@pytest.fixture
def host() -> Iterator[BrowserHost]:
    FakeRenderer.made = []
    h = BrowserHost(FakeRenderer)  # type: ignore[arg-type]
    yield h
    h.close()


def _task(h: BrowserHost, url: str, out: list[str]) -> None:
    async def body() -> None:  # a Celery task: its own loop, blocking on the host
        out.append(h.render(url).html or "")
    asyncio.run(body())


def test_tasks_in_many_threads_share_one_renderer_on_one_loop(host: BrowserHost) -> None:
    out: list[str] = []
    threads = [threading.Thread(target=_task, args=(host, f"http://127.0.0.1/{i}", out)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(out) == sorted(f"<p>http://127.0.0.1/{i}</p>" for i in range(6))
    assert len(FakeRenderer.made) == 1
    assert len(FakeRenderer.made[0].threads) == 1  # every page rendered on the host's own loop thread
    assert threading.get_ident() not in FakeRenderer.made[0].threads


def test_close_stops_the_browser_and_a_later_render_starts_another(host: BrowserHost) -> None:
    host.render("http://127.0.0.1/a")
    host.close()
    assert FakeRenderer.made[0].closed
    host.render("http://127.0.0.1/b")
    assert len(FakeRenderer.made) == 2


def test_a_forked_child_gets_its_own_browser(host: BrowserHost, monkeypatch: pytest.MonkeyPatch) -> None:
    host.render("http://127.0.0.1/a")
    real = render.os.getpid()
    monkeypatch.setattr(render.os, "getpid", lambda: real + 1)  # as after a fork: another process
    host.render("http://127.0.0.1/b")
    assert len(FakeRenderer.made) == 2
