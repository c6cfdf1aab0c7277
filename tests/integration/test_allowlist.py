"""VERIFIER_ALLOW_PRIVATE_HOSTS as a list of origins, against two real servers on 127.0.0.1.

One server is listed, the other is not: whatever the listed one sends the fetcher to (a
redirect, by IP or by name, a browser's subresource or script request) reaches the other one
only if it is listed too, counted in its hits.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest

from tests.httpserver import LoopbackServer
from verifier.core.statuses import LinkStatus
from verifier.net.fetch import Fetcher
from verifier.net.render import Rendered, Renderer, RenderPolicy, chromium_path
from verifier.settings import Settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PAGE = (b"<html><head><title>Intranet notice</title></head><body><article><h1>Intranet notice</h1>"
        + b"<p>The committee will publish its findings on Tuesday morning, a spokesman said.</p>" * 20
        + b"</article></body></html>")


@pytest.fixture
def servers() -> Iterator[tuple[LoopbackServer, LoopbackServer]]:
    with LoopbackServer() as allowed, LoopbackServer() as other:
        for srv in (allowed, other):
            srv.page("/page", PAGE)
        allowed.redirect("/away", other.url("/page"))
        allowed.redirect("/away-by-name", f"http://localhost:{other.port}/page")
        allowed.redirect("/home", "/page")
        yield allowed, other


def only(*servers: LoopbackServer) -> Settings:
    origins = ",".join(f"127.0.0.1:{s.port}" for s in servers)
    return Settings(allow_private_hosts=origins, respect_robots=False, host_interval=0.0, fetch_retries=0,
                    fetch_timeout=5.0)


async def test_listed_origin_is_read(servers: tuple[LoopbackServer, LoopbackServer]) -> None:
    allowed, other = servers
    async with Fetcher(only(allowed)) as f:
        snap = await f.fetch(allowed.url("/home"))
        by_name = await f.fetch(f"http://localhost:{allowed.port}/page")  # resolves to the listed address
    assert snap.status == LinkStatus.OK and snap.redirects == [allowed.url("/page")]
    assert by_name.status == LinkStatus.OK
    assert allowed.hits["/page"] == 2 and other.total_hits() == 0


@pytest.mark.parametrize("path", ["/away", "/away-by-name"])
async def test_redirect_to_an_unlisted_origin_is_refused_unrequested(
        servers: tuple[LoopbackServer, LoopbackServer], path: str) -> None:
    allowed, other = servers
    async with Fetcher(only(allowed)) as f:
        snap = await f.fetch(allowed.url(path))
        direct = await f.fetch(other.url("/page"))
    assert snap.status == LinkStatus.REFUSED and "private" in (snap.error or "")
    assert direct.status == LinkStatus.REFUSED
    assert allowed.hits[path] == 1
    assert other.total_hits() == 0


async def test_listing_both_origins_lets_the_redirect_through(
        servers: tuple[LoopbackServer, LoopbackServer]) -> None:
    allowed, other = servers
    async with Fetcher(only(allowed, other)) as f:
        snap = await f.fetch(allowed.url("/away"))
    assert snap.status == LinkStatus.OK and other.hits["/page"] == 1


async def test_a_list_does_not_open_other_private_addresses(
        servers: tuple[LoopbackServer, LoopbackServer]) -> None:
    allowed, _ = servers
    async with Fetcher(only(allowed)) as f:
        for url in ("http://169.254.169.254/latest/meta-data/", f"http://127.0.0.2:{allowed.port}/page",
                    f"http://[::1]:{allowed.port}/page"):
            snap = await f.fetch(url)
            assert snap.status == LinkStatus.REFUSED, url
    assert allowed.total_hits() == 0


@pytest.mark.skipif(chromium_path() is None and not IN_CI, reason="chromium not installed")
def test_browser_requests_reach_only_the_listed_origin(servers: tuple[LoopbackServer, LoopbackServer]) -> None:
    """The same list, applied by the renderer to a page's own requests (no `origins` of its own)."""
    allowed, other = servers
    leaky = f"""<!doctype html><html><body><main id="m"></main><img src="{other.url('/page')}">
<img src="{allowed.url('/away')}"><script>fetch("{other.url('/page')}").catch(() => 0);
document.getElementById('m').innerHTML = '<p>The findings were written by a script on the listed origin.</p>';
</script></body></html>"""
    allowed.page("/leaky", leaky.encode())

    async def go() -> Rendered:
        policy = RenderPolicy(allow_private=f"127.0.0.1:{allowed.port}")
        async with Renderer(policy, user_agent="verifier-test", timeout=15, settle=0.5) as r:
            return await r.render(allowed.url("/leaky"))

    res = asyncio.run(go())
    assert res.error is None, res.error
    assert res.html is not None and "written by a script on the listed origin" in res.html
    assert allowed.hits["/away"] == 1 and other.total_hits() == 0
