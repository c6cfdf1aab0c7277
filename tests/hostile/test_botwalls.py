"""Bot walls through the real fetcher and a real local server: the vendor's headers and
cookies must reach the classifier (the fetcher keeps only some headers), and the source's
error must name the vendor. Ordinary pages of protected sites stay as they were."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.hostile.botwalls import ORDINARY, WALLS, Shape
from tests.httpserver import LoopbackServer, Reply
from verifier.core.statuses import LinkStatus
from verifier.net.fetch import Fetcher
from verifier.settings import Settings

_COOKIE_KEYS = ("Set-Cookie", "set-cookie", "SET-COOKIE")  # one header line each


def _reply(shape: Shape) -> Reply:
    headers = dict(shape.headers)
    for key, cookie in zip(_COOKIE_KEYS, shape.cookies, strict=False):
        headers[key] = cookie
    return Reply(shape.status, shape.body, content_type=shape.content_type, headers=headers)


SITE = "news.example"  # the fixtures' own site: its paths are served here, other hosts cannot be
SERVED = [s for s in [*WALLS, *ORDINARY] if urlsplit(s.url).hostname == SITE]


@pytest.fixture(scope="module")
def srv() -> LoopbackServer:
    with LoopbackServer() as s:
        for shape in SERVED:
            if shape.via:  # the cited page redirects to the answer's own address on the same site
                final = urlsplit(shape.url)
                s.redirect(f"/{shape.name}", final.path + (f"?{final.query}" if final.query else ""))
                s.route(final.path, _reply(shape))
            else:
                s.route(f"/{shape.name}", _reply(shape))
        yield s


async def _fetch(srv: LoopbackServer, shape: Shape) -> tuple[LinkStatus, str | None]:
    settings = Settings(allow_private_hosts=True, fetch_timeout=5.0, host_interval=0.0, fetch_retries=1)
    async with Fetcher(settings, backoff_base=0.01) as f:
        snap = await f.fetch(srv.url(f"/{shape.name}"))
    return snap.status, snap.error


@pytest.mark.parametrize("shape", [w for w in WALLS if w in SERVED], ids=lambda s: s.name)
async def test_each_vendor_wall_is_blocked_and_named(srv: LoopbackServer, shape: Shape) -> None:
    status, error = await _fetch(srv, shape)
    assert status == LinkStatus.BLOCKED
    assert error == f"bot wall: {shape.vendor} (HTTP {shape.status})"


@pytest.mark.parametrize("shape", [o for o in ORDINARY if o in SERVED], ids=lambda s: s.name)
async def test_ordinary_pages_of_protected_sites_keep_their_status(srv: LoopbackServer, shape: Shape) -> None:
    status, _ = await _fetch(srv, shape)
    assert status == LinkStatus(shape.expected)
