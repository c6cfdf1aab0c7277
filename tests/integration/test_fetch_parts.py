"""The fetcher's parts against a real loopback server: meta refresh shapes read by the parser,
cookies scoped by origin, every response header kept in order."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.httpserver import LoopbackServer, Reply
from verifier.core.statuses import LinkStatus
from verifier.core.values import Snapshot
from verifier.net.fetch import Fetcher
from verifier.settings import Settings

ARTICLE = (b"<html><head><title>Article</title></head><body><article><p>"
           + b"A long enough paragraph of real article text to read as a page. " * 20 + b"</p></article></body></html>")


def settings() -> Settings:
    return Settings(allow_private_hosts=True, fetch_timeout=5.0, host_interval=0.0, fetch_retries=1,
                    respect_robots=False)


def refresh_page(head: bytes, body: bytes = b"") -> bytes:
    return b"<html><head>" + head + b"</head><body>" + body + ARTICLE[ARTICLE.index(b"<article>"):]


META = b'<meta http-equiv="refresh" content="0; url=/target">'
SHAPES: dict[str, bytes] = {
    "/plain": refresh_page(META),
    "/upper": refresh_page(b"<META HTTP-EQUIV=Refresh CONTENT=\"0;URL='/target'\">"),
    "/delayed": refresh_page(b'<meta http-equiv="refresh" content="30; url=/target">'),
    "/in-comment": refresh_page(b"<!-- " + META + b" -->"),
    "/ie-conditional": refresh_page(b"<!--[if lte IE 9]>" + META + b"<![endif]-->"),
    "/in-noscript": refresh_page(b"", b"<noscript>" + META + b"</noscript>"),
    "/in-template": refresh_page(b"", b"<template>" + META + b"</template>"),
    "/in-script": refresh_page(b"<script>document.write('" + META + b"')</script>"),
    "/reload": refresh_page(b'<meta http-equiv="refresh" content="300">'),
    "/self": refresh_page(b'<meta http-equiv="refresh" content="0; url=/self#top">'),
    "/based": refresh_page(b'<base href="/sub/"><meta http-equiv="refresh" content="0; url=target">'),
}


@pytest.fixture()
def srv() -> Iterator[LoopbackServer]:
    with LoopbackServer() as s:
        for path, body in SHAPES.items():
            s.page(path, body)
        s.page("/target", ARTICLE)
        s.page("/sub/target", ARTICLE)
        yield s


async def fetch(url: str) -> Snapshot:
    async with Fetcher(settings(), backoff_base=0.05) as f:
        return await f.fetch(url)


@pytest.mark.parametrize("path,final", [
    ("/plain", "/target"), ("/upper", "/target"), ("/delayed", "/target"), ("/based", "/sub/target"),
    ("/in-comment", None), ("/ie-conditional", None), ("/in-noscript", None), ("/in-template", None),
    ("/in-script", None), ("/reload", None), ("/self", None),
])
async def test_meta_refresh_followed_only_from_a_real_element(srv: LoopbackServer, path: str,
                                                                final: str | None) -> None:
    snap = await fetch(srv.url(path))
    assert snap.status == LinkStatus.OK, snap.error
    assert snap.final_url == srv.url(final or path)
    assert snap.redirects == ([srv.url(final)] if final else [])
    assert srv.hits["/target"] + srv.hits["/sub/target"] == (1 if final else 0)


async def test_cookie_stays_with_its_origin_port() -> None:
    with LoopbackServer() as one, LoopbackServer() as two:
        two.page("/landing", ARTICLE)
        one.route("/set", Reply(302, b"", headers={"Set-Cookie": "sid=s1", "Location": one.url("/again")}))
        one.route("/again", Reply(302, b"", headers={"Location": two.url("/landing")}))
        snap = await fetch(one.url("/set"))
        assert snap.status == LinkStatus.OK and snap.final_url == two.url("/landing")
        again = next(r for r in one.requests if r.path == "/again")
        landing = next(r for r in two.requests if r.path == "/landing")
    assert again.headers.get("cookie") == "sid=s1"  # same origin, same fetch
    assert "cookie" not in landing.headers  # same host 127.0.0.1, another port: another origin


async def test_credentials_stay_with_the_cited_origin() -> None:
    with LoopbackServer() as one, LoopbackServer() as two:
        two.page("/landing", ARTICLE)
        one.route("/cited", Reply(302, b"", headers={"Location": f"http://user:pw@127.0.0.1:{two.port}/landing"}))
        snap = await fetch(f"http://user:pw@127.0.0.1:{one.port}/cited")
        cited = next(r for r in one.requests if r.path == "/cited")
        landing = next(r for r in two.requests if r.path == "/landing")
    assert snap.status == LinkStatus.OK
    assert cited.headers.get("authorization") == "Basic dXNlcjpwdw=="
    assert "authorization" not in landing.headers
    assert snap.redirects == [two.url("/landing")]  # the userinfo dropped from the hop to another origin


async def test_every_header_kept_in_order_with_duplicates(srv: LoopbackServer) -> None:
    srv.page("/links", ARTICLE, headers={"Link": "<a>; rel=next", "X-Trace": "1", "link": "<b>; rel=prev"})
    snap = await fetch(srv.url("/links"))
    names = [n.lower() for n, _ in snap.header_list]
    assert [v for n, v in snap.header_list if n.lower() == "link"] == ["<a>; rel=next", "<b>; rel=prev"]
    assert names.index("link") < names.index("x-trace") < len(names) - 1 - names[::-1].index("link")
    assert ("Content-Type", "text/html; charset=utf-8") in snap.header_list
    assert "x-trace" not in snap.headers and snap.headers["link"]  # the lookup dict keeps its chosen few
