"""The fetcher against a real threaded HTTP server on 127.0.0.1: one test per link status and policy."""

from __future__ import annotations

import gzip
import time
import zlib
from collections.abc import Iterator

import brotli
import pytest

from tests.httpserver import LoopbackServer, Reply, Request, sequence
from verifier.core.statuses import LinkStatus
from verifier.core.values import Snapshot
from verifier.net.fetch import Fetcher, fetch_many, fetch_one
from verifier.settings import Settings

ARTICLE = ("<html><head><title>Committee publishes findings</title></head><body><nav>Home | News</nav>"
           "<article><h1>Committee publishes findings</h1>"
           + "<p>The evidence supported most of the original conclusions, the committee said on Tuesday.</p>" * 30
           + "</article></body></html>").encode()
SOFT = (b"<html><head><title>Page not found</title></head><body><h1>Page not found</h1><p>Sorry, the page you "
        b"were looking for could not be found. It may have been moved or deleted.</p></body></html>")
WALL = (b"<html><head><title>Just a moment...</title></head><body><noscript>Please enable JavaScript and cookies "
        b"to continue</noscript><div id=challenge>Checking your browser before accessing the site.</div></body></html>")
HOME = b"<html><head><title>Welcome to the Daily Ledger</title></head><body><p>Top stories of the day.</p></body></html>"
JS_ONLY = b"<html><head><script src=/app.js></script></head><body><div id=root></div></body></html>"
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
RU = "Доказательства подтверждают большинство первоначальных выводов комиссии."
RU_PAGE = (f'<html><head><meta charset="windows-1251"><title>Доклад</title></head><body><article><h1>Доклад'
           f'</h1><p>{RU}</p><p>{RU}</p></article></body></html>').encode("cp1251")


def settings(**kw: object) -> Settings:
    base: dict[str, object] = {"allow_private_hosts": True, "fetch_timeout": 5.0, "fetch_max_bytes": 5_000_000,
                               "host_interval": 0.0, "host_concurrency": 16, "fetch_retries": 2}
    base.update(kw)
    return Settings(**base)  # type: ignore[arg-type]


def big_stream(size: int) -> Iterator[bytes]:
    chunk = b"<p>" + b"x" * 65000 + b"</p>\n"
    sent = 0
    while sent < size:
        part = chunk[: size - sent]
        yield part
        sent += len(part)


@pytest.fixture(scope="module")
def srv() -> Iterator[LoopbackServer]:
    with LoopbackServer() as s:
        s.page("/", HOME)
        s.page("/ok", ARTICLE)
        s.redirect("/moved", "/ok", 301)
        s.redirect("/chain", "/chain2", 302)
        s.redirect("/chain2", "/chain3", 307)
        s.redirect("/chain3", "/ok", 301)
        s.redirect("/loop", "/loop2")
        s.redirect("/loop2", "/loop")
        for i in range(15):
            s.redirect(f"/long{i}", f"/long{i + 1}")
        s.page("/long15", ARTICLE)
        s.redirect("/tohome", "/")
        s.redirect("/to404", "/errors/404.html")
        s.page("/errors/404.html", SOFT)
        s.page("/refresh", b'<html><head><meta http-equiv="refresh" content="0; url=/ok"></head><body>Moved</body></html>')
        s.page("/gone-page", b"", None)
        s.route("/gone", Reply(410, b"<html><body>Gone</body></html>"))
        s.page("/soft", SOFT)
        s.route("/wall", Reply(403, WALL))
        s.route("/wall503", Reply(503, WALL))
        s.route("/429once", sequence(Reply(429, b"slow down", headers={"Retry-After": "1"}), Reply(200, ARTICLE)))
        s.route("/429always", Reply(429, b"<html><body>Too many requests</body></html>", headers={"Retry-After": "1"}))
        s.route("/429long", Reply(429, b"busy", headers={"Retry-After": "3600"}))
        s.route("/503once", sequence(Reply(503, b"try again"), Reply(200, ARTICLE)))
        s.route("/500", Reply(500, b"<html><body>Internal error</body></html>"))
        s.route("/slow", Reply(200, b"<html><body><p>late</p></body></html>", delay=3))
        s.route("/big", lambda r: Reply(200, big_stream(12_000_000), content_length=12_000_000))
        s.route("/big-unsized", lambda r: Reply(200, big_stream(12_000_000)))
        s.route("/bomb", Reply(200, gzip.compress(b"<html><body>" + b"A" * 50_000_000 + b"</body></html>"),
                               headers={"Content-Encoding": "gzip"}))
        s.route("/gzip", Reply(200, gzip.compress(ARTICLE), headers={"Content-Encoding": "gzip"}))
        s.route("/deflate", Reply(200, zlib.compress(ARTICLE), headers={"Content-Encoding": "deflate"}))
        s.route("/br", Reply(200, brotli.compress(ARTICLE), headers={"Content-Encoding": "br"}))
        s.page("/js", JS_ONLY, "text/html")
        s.page("/image", b"\x89PNG\r\n\x1a\n" + b"\0" * 2000, "image/png")
        s.page("/report.pdf", PDF, "application/pdf")
        s.page("/download", PDF, "application/octet-stream")
        s.page("/untyped", ARTICLE, None)
        s.page("/ru", RU_PAGE, "text/html")
        s.route("/etag", lambda r: Reply(304, b"", headers={"ETag": '"v1"'}) if r.headers.get("if-none-match") == '"v1"'
                else Reply(200, ARTICLE, headers={"ETag": '"v1"'}))
        s.route("/echo-ua", lambda r: Reply(200, ARTICLE, headers={"X-Seen-UA": r.headers.get("user-agent", "")}))
        s.route("/set-cookie", Reply(302, b"", headers={"Set-Cookie": "sid=secret; Path=/", "Location": "/ok"}))
        s.route("/cross", lambda r: Reply(302, b"", headers={
            "Set-Cookie": "sid=secret; Path=/", "Location": f"http://localhost:{s.port}/landing"}))
        s.page("/landing", ARTICLE)
        s.page("/robots.txt", b"User-agent: *\nDisallow: /private/\n", "text/plain")
        s.page("/private/doc", ARTICLE)
        yield s


async def get(srv: LoopbackServer, path: str, url: str | None = None, **kw: object) -> Snapshot:
    async with Fetcher(settings(**kw), backoff_base=0.05) as f:
        return await f.fetch(url or srv.url(path))


@pytest.mark.parametrize("path,status", [
    ("/ok", LinkStatus.OK), ("/moved", LinkStatus.OK), ("/chain", LinkStatus.OK), ("/refresh", LinkStatus.OK),
    ("/loop", LinkStatus.UNREACHABLE), ("/long0", LinkStatus.UNREACHABLE), ("/tohome", LinkStatus.SOFT_404),
    ("/to404", LinkStatus.SOFT_404), ("/missing", LinkStatus.NOT_FOUND), ("/gone", LinkStatus.NOT_FOUND),
    ("/soft", LinkStatus.SOFT_404), ("/wall", LinkStatus.BLOCKED), ("/wall503", LinkStatus.BLOCKED),
    ("/429long", LinkStatus.BLOCKED), ("/503once", LinkStatus.OK), ("/500", LinkStatus.SERVER_ERROR),
    ("/js", LinkStatus.NO_TEXT), ("/image", LinkStatus.NO_TEXT), ("/report.pdf", LinkStatus.OK),
    ("/ru", LinkStatus.OK), ("/gzip", LinkStatus.OK), ("/deflate", LinkStatus.OK), ("/br", LinkStatus.OK),
    ("/big", LinkStatus.TOO_LARGE), ("/big-unsized", LinkStatus.TOO_LARGE), ("/bomb", LinkStatus.TOO_LARGE),
    ("/private/doc", LinkStatus.REFUSED),
])
async def test_link_status(srv: LoopbackServer, path: str, status: LinkStatus) -> None:
    snap = await get(srv, path)
    assert snap.status == status, snap.error
    assert snap.url == srv.url(path)
    assert (snap.error is None) == (status == LinkStatus.OK)


async def test_ok_snapshot_carries_body_and_headers(srv: LoopbackServer) -> None:
    snap = await get(srv, "/gzip")
    assert snap.body == ARTICLE and snap.http_status == 200 and snap.content_type == "text/html"
    assert snap.headers["content-encoding"] == "gzip" and "date" in snap.headers
    assert snap.fetched_at is not None


async def test_redirect_chain_is_recorded(srv: LoopbackServer) -> None:
    snap = await get(srv, "/chain")
    assert snap.redirects == [srv.url("/chain2"), srv.url("/chain3"), srv.url("/ok")]
    assert snap.final_url == srv.url("/ok")
    refresh = await get(srv, "/refresh")
    assert refresh.final_url == srv.url("/ok") and refresh.redirects == [srv.url("/ok")]


async def test_a_wrapped_link_is_fetched_where_it_points_with_no_request_to_the_wrapper(srv: LoopbackServer) -> None:
    """A Safe Link around a Google redirect to our page: the page is fetched, the wrappers are the
    first hops of the chain (never contacted: this test reaches no host but 127.0.0.1), the
    snapshot keeps the cited URL; a wrapped private address is refused like any hop."""
    from urllib.parse import quote

    google = "https://www.google.com/url?q=" + quote(srv.url("/ok"), safe="") + "&sa=D"
    cited = "https://eur01.safelinks.protection.outlook.com/?url=" + quote(google, safe="") + "&data=1"
    before = srv.hits["/ok"]
    snap = await get(srv, "", url=cited)
    assert snap.status == LinkStatus.OK and snap.url == cited
    assert snap.final_url == srv.url("/ok") and snap.redirects == [srv.url("/ok")]
    assert srv.hits["/ok"] == before + 1
    async with Fetcher(settings(allow_private_hosts=False)) as f:
        refused = await f.fetch(cited)
    assert refused.status == LinkStatus.REFUSED and srv.hits["/ok"] == before + 1


async def test_too_many_redirects_follows_the_setting(srv: LoopbackServer) -> None:
    assert (await get(srv, "/long0", max_redirects=20)).status == LinkStatus.OK
    snap = await get(srv, "/long0", max_redirects=3)
    assert snap.status == LinkStatus.UNREACHABLE and "too many redirects" in (snap.error or "")


async def test_429_once_then_ok_waits_retry_after(srv: LoopbackServer) -> None:
    t0 = time.monotonic()
    snap = await get(srv, "/429once")
    assert snap.status == LinkStatus.OK and time.monotonic() - t0 >= 0.9


async def test_429_always_blocked_after_retries(srv: LoopbackServer) -> None:
    before = srv.hits["/429always"]
    snap = await get(srv, "/429always")
    assert snap.status == LinkStatus.BLOCKED and srv.hits["/429always"] - before == 3


async def test_500_always_retried_then_server_error(srv: LoopbackServer) -> None:
    before = srv.hits["/500"]
    snap = await get(srv, "/500")
    assert snap.status == LinkStatus.SERVER_ERROR and srv.hits["/500"] - before == 3


async def test_slow_page_times_out_on_one_deadline(srv: LoopbackServer) -> None:
    t0 = time.monotonic()
    snap = await get(srv, "/slow", fetch_timeout=1.0)
    assert snap.status == LinkStatus.TIMEOUT and time.monotonic() - t0 < 2.5


async def test_bomb_and_big_body_stay_bounded(srv: LoopbackServer) -> None:
    for path in ("/bomb", "/big-unsized"):
        snap = await get(srv, path, fetch_max_bytes=1_000_000)
        assert snap.status == LinkStatus.TOO_LARGE and snap.body == b""


async def test_pdf_gets_its_own_cap_and_sniffed_type(srv: LoopbackServer) -> None:
    snap = await get(srv, "/report.pdf", fetch_max_bytes=100, pdf_max_bytes=10_000)
    assert snap.status == LinkStatus.OK and snap.body == PDF
    dl = await get(srv, "/download")
    assert dl.status == LinkStatus.OK and dl.content_type == "application/pdf"
    untyped = await get(srv, "/untyped")
    assert untyped.status == LinkStatus.OK and untyped.content_type == "text/html"


async def test_windows_1251_page_body_is_kept(srv: LoopbackServer) -> None:
    snap = await get(srv, "/ru")
    assert snap.status == LinkStatus.OK and RU in snap.body.decode("cp1251")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "javascript:alert(1)", "gopher://x/"])
async def test_other_schemes_refused(url: str) -> None:
    async with Fetcher(settings()) as f:
        snap = await f.fetch(url)
    assert snap.status == LinkStatus.REFUSED and snap.http_status is None


async def test_closed_port_is_unreachable() -> None:
    async with Fetcher(settings(), backoff_base=0.05) as f:
        snap = await f.fetch("http://127.0.0.1:9/closed")
    assert snap.status == LinkStatus.UNREACHABLE and snap.error == "connection refused"


async def test_bad_urls_never_raise() -> None:
    async with Fetcher(settings()) as f:
        for url in ("", "http://", "http://exa mple.com/", "not a url", "http://[::1"):
            snap = await f.fetch(url)
            assert snap.status in (LinkStatus.REFUSED, LinkStatus.UNREACHABLE), url


async def test_loopback_refused_without_allowance_and_never_contacted(srv: LoopbackServer) -> None:
    before = srv.total_hits()
    async with Fetcher(settings(allow_private_hosts=False)) as f:
        for url in (srv.url("/ok"), f"http://localhost:{srv.port}/ok", f"http://2130706433:{srv.port}/ok",
                    f"http://127.1:{srv.port}/ok", f"http://[::ffff:127.0.0.1]:{srv.port}/ok"):
            snap = await f.fetch(url)
            assert snap.status == LinkStatus.REFUSED, (url, snap.error)
    assert srv.total_hits() == before


async def test_robots_disallow_refused_and_read_once(srv: LoopbackServer) -> None:
    before = srv.hits["/robots.txt"]
    async with Fetcher(settings()) as f:
        assert (await f.fetch(srv.url("/private/doc"))).status == LinkStatus.REFUSED
        assert (await f.fetch(srv.url("/ok"))).status == LinkStatus.OK
    assert srv.hits["/robots.txt"] - before == 1
    assert (await get(srv, "/private/doc", respect_robots=False)).status == LinkStatus.OK


async def test_conditional_refetch_not_modified(srv: LoopbackServer) -> None:
    first = await get(srv, "/etag")
    assert first.status == LinkStatus.OK and first.headers["etag"] == '"v1"'
    async with Fetcher(settings()) as f:
        again = await f.fetch(srv.url("/etag"), etag=first.headers["etag"])
    assert again.status == LinkStatus.OK and again.not_modified and again.http_status == 304


async def test_user_agent_names_verifier(srv: LoopbackServer) -> None:
    snap = await get(srv, "/echo-ua")
    assert "verifier" in snap.headers.get("x-seen-ua", "") or "verifier" in next(
        r.headers.get("user-agent", "") for r in reversed(srv.requests) if r.path == "/echo-ua")


async def test_cookies_stay_with_their_host(srv: LoopbackServer) -> None:
    await get(srv, "/set-cookie")
    ok_req: Request = next(r for r in reversed(srv.requests) if r.path == "/ok")
    assert ok_req.headers.get("cookie") == "sid=secret"  # same host, same fetch
    await get(srv, "/cross")
    landing = next(r for r in reversed(srv.requests) if r.path == "/landing")
    assert "cookie" not in landing.headers  # another host
    async with Fetcher(settings()) as f:
        await f.fetch(srv.url("/ok"))
    assert "cookie" not in next(r for r in reversed(srv.requests) if r.path == "/ok").headers  # no jar between fetches


async def test_credentials_not_carried_to_another_host(srv: LoopbackServer) -> None:
    async with Fetcher(settings()) as f:
        snap = await f.fetch(f"http://user:pw@127.0.0.1:{srv.port}/cross")
    assert snap.status == LinkStatus.OK
    cross = next(r for r in reversed(srv.requests) if r.path == "/cross")
    assert cross.headers.get("authorization") == "Basic dXNlcjpwdw=="  # the cited host gets them
    landing = next(r for r in reversed(srv.requests) if r.path == "/landing")
    assert "authorization" not in landing.headers


async def test_fetch_many_fetches_each_distinct_url_once(srv: LoopbackServer) -> None:
    urls = [srv.url("/ok"), srv.url("/gone"), srv.url("/ok"), srv.url("/soft"), "file:///x"]
    before = srv.hits["/ok"]
    done: list[str] = []
    out = await fetch_many(urls, settings(), on_done=lambda u, s: done.append(u))
    assert list(out) == [srv.url("/ok"), srv.url("/gone"), srv.url("/soft"), "file:///x"]
    assert sorted(done) == sorted(out)
    assert srv.hits["/ok"] - before == 1
    assert [s.status for s in out.values()] == [LinkStatus.OK, LinkStatus.NOT_FOUND, LinkStatus.SOFT_404,
                                                LinkStatus.REFUSED]


async def test_fetch_many_honours_host_interval(srv: LoopbackServer) -> None:
    urls = [srv.url(f"/missing-{i}") for i in range(4)]
    t0 = time.monotonic()
    await fetch_many(urls, settings(host_interval=0.2, respect_robots=False))
    assert time.monotonic() - t0 >= 0.55


def test_fetch_one_sync(srv: LoopbackServer) -> None:
    assert fetch_one(srv.url("/ok"), settings()).status == LinkStatus.OK


# ------------------------------------------------------------------ the fast page reader

LOREM = ("The committee published its findings on Tuesday after a year of hearings, and the report "
         "was welcomed by members of every party who had followed the inquiry closely. ")
TITLES = ["Committee publishes findings", "Page not found", "404", "Oops!", "Error 404 – Example News",
          "Just a moment...", "Sign in", "Seite nicht gefunden", "ページが見つかりません", "Access denied",
          "Missing hiker not found after storm", "Attention Required! | Cloudflare", "News &amp; views"]
EXTRAS = ["", "<div class=cf-turnstile></div>", "<p>Please complete the captcha.</p>",
          "<script>var a = '" + "x " * 2000 + "'", "<noscript>Please enable JavaScript to continue.</noscript>",
          "<![CDATA[" + "y " * 700 + "]]>", '<a title="a>b">link</a>', "<h2>Sorry, this page doesn't exist</h2>",
          "<svg><title>Page not found</title></svg>", "<p>Why have I been blocked?</p>"]


def _variants() -> Iterator[bytes]:
    for title in TITLES:
        for words in (0, 10, 120, 170, 320, 700, 1200):
            for extra in EXTRAS:
                body = LOREM * (words // 30) if words else ""
                yield (f"<html><head><title>{title}</title></head><body><h1>{title if words % 2 else 'Report'}</h1>"
                       f"{extra}<article><p>{body}</p></article></body></html>").encode()
    yield from (ARTICLE, SOFT, WALL, HOME, JS_ONLY, RU_PAGE, b"", b"<html><title>Page not found", b"no markup at all")


def _reference_page(body: bytes, content_type: str | None) -> object:
    """read_page as it was, on lxml.html (HtmlElement, text_content()): the fast one must agree."""
    import lxml.etree
    import lxml.html

    from verifier.core.classify import _INVISIBLE, _XML_DECL, PAGE_SCAN_BYTES, Page, _clean
    from verifier.core.decoding import decode_html as decode_text

    src = _XML_DECL.sub("", decode_text(body[:PAGE_SCAN_BYTES], content_type))
    page = Page(markup=src.lower(), complete=len(body) <= PAGE_SCAN_BYTES)
    if not src.strip():
        return page
    try:
        doc = lxml.html.document_fromstring(src)
    except (lxml.etree.ParserError, ValueError):
        return page
    title = doc.find(".//title")
    if title is not None:
        page.title = _clean(title.text_content())
    page.headings = [_clean(h.text_content()) for h in doc.iter("h1", "h2")][:5]
    lxml.etree.strip_elements(doc, *_INVISIBLE, with_tail=False)
    page.text = _clean(" ".join(doc.itertext()))
    return page


def test_fast_page_reader_matches_lxml_html() -> None:
    from verifier.core.classify import read_page

    extra = [b"<!-- only a comment -->", b"<!DOCTYPE html>", b"<title>a<!--x-->b &amp; c</title><h1>x<br>y</h1>",
             b"<?xml version='1.0'?><html><body><p>xhtml</p></body></html>", "<p>caf\u00e9</p>".encode("latin-1"),
             b"<html><body><svg><title>t</title></svg><h2>a<script>x</script>b</h2></body></html>"]
    for body in [*_variants(), *extra]:
        for ctype in ("text/html; charset=utf-8", "text/html", None):
            assert read_page(body, ctype) == _reference_page(body, ctype), body[:200]


async def test_a_location_written_in_utf8_is_followed_as_browsers_follow_it(srv: LoopbackServer) -> None:
    """A server that writes "/news/café" into Location as UTF-8 bytes: the next hop is the page's
    percent-encoded UTF-8 address (/news/caf%C3%A9), not the bytes read as Latin-1 (%C3%83%C2%A9)."""
    srv.page("/news/caf%C3%A9-wins-award", ARTICLE)
    raw = "/news/café-wins-award".encode().decode("latin-1")  # the bytes, as the test server sends them
    srv.route("/utf8-location", Reply(301, b"", None, {"Location": raw}))
    snap = await get(srv, "/utf8-location")
    assert snap.status == LinkStatus.OK, snap.error
    assert snap.final_url == srv.url("/news/caf%C3%A9-wins-award")


async def test_a_redirect_stub_is_followed_where_its_script_sends_the_reader(srv: LoopbackServer) -> None:
    """"Redirecting…" and a script that sets location: a browser goes on, and so does the fetch (the
    hop checked like any other). The same script on a page with its own text is no redirect."""
    stub = (b"<html><head><title>Redirecting\xe2\x80\xa6</title><script>window.location.href = '/ok';</script>"
            b"</head><body><p>Redirecting\xe2\x80\xa6 If you are not redirected, <a href='/ok'>follow this link</a>."
            b"</p></body></html>")
    srv.page("/js-stub", stub)
    srv.page("/js-replace", b"<html><body><script>location.replace(\"/ok\")</script>Moved.</body></html>")
    srv.page("/js-article", b"<html><body><script>if (window.innerWidth < 400) location.href = '/m/story';</script>"
             b"<article><p>" + b"The council met on Tuesday and agreed the harbour budget for next year. " * 8
             + b"</p></article></body></html>")
    for path in ("/js-stub", "/js-replace"):
        snap = await get(srv, path)
        assert snap.status == LinkStatus.OK and snap.final_url == srv.url("/ok"), (path, snap.error)
        assert snap.redirects == [srv.url("/ok")]
    article = await get(srv, "/js-article")
    assert article.final_url == srv.url("/js-article") and article.redirects == []
