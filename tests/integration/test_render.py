"""Rendering in the system Chromium with every request through the guarded edge (verifier/net/render.py).

Real parts: a real headless Chromium (Debian's), real local HTTP servers; no request leaves 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from tests.httpserver import LoopbackServer, Reply
from verifier.net.render import Renderer, RenderPolicy, chromium_path, origin_of

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
pytestmark = pytest.mark.skipif(chromium_path() is None and not IN_CI,
                                reason="chromium not installed (apt-get install chromium)")

ARTICLE = b"""<!doctype html><html><head><title>Harbour</title></head><body><main id="m"></main>
<script>document.getElementById('m').innerHTML =
 '<article><p>The harbour wall will be repaired by the spring, the engineer said on Monday.</p></article>';
</script></body></html>"""

CHALLENGE = b"""<!doctype html><html><head><title>Just a moment...</title></head><body>
<script>document.cookie = 'passed=1; path=/'; location.reload();</script></body></html>"""


def _challenge(req):  # type: ignore[no-untyped-def]
    if "passed=1" in req.headers.get("cookie", ""):
        return Reply(200, ARTICLE)
    return Reply(200, CHALLENGE)


def render(url: str, policy: RenderPolicy) -> object:
    async def go() -> object:
        async with Renderer(policy, user_agent="verifier-test", timeout=15, settle=0.5) as r:
            return await r.render(url)
    return asyncio.run(go())


def test_script_written_article_is_read() -> None:
    with LoopbackServer() as srv:
        srv.page("/article", ARTICLE)
        res = render(srv.url("/article"), RenderPolicy(allow_private=True, origins=frozenset({origin_of(srv.url("/"))})))
    assert res.error is None, res.error  # type: ignore[attr-defined]
    assert "harbour wall will be repaired by the spring" in res.html  # type: ignore[attr-defined]


def test_javascript_challenge_that_sets_a_cookie_and_reloads_is_passed() -> None:
    with LoopbackServer() as srv:
        srv.route("/c", _challenge)
        res = render(srv.url("/c"), RenderPolicy(allow_private=True, origins=frozenset({origin_of(srv.url("/"))})))
        hits = srv.hits["/c"]
    assert res.error is None, res.error  # type: ignore[attr-defined]
    assert "harbour wall will be repaired" in res.html  # type: ignore[attr-defined]
    assert hits >= 2


def test_requests_to_refused_origins_and_private_addresses_never_leave() -> None:
    with LoopbackServer() as other, LoopbackServer() as srv:
        other.page("/steal", b"secret")
        other.page("/steal2", b"secret")
        srv.redirect("/redir", other.url("/steal2"), status=302)
        leaky = f"""<!doctype html><html><body><p>An ordinary page with enough words to read as text here.</p>
<img src="{other.url('/steal')}"><img src="http://169.254.169.254/latest/meta-data/">
<img src="http://10.1.2.3/x.png"><img src="{srv.url('/redir')}">
<script>fetch("{other.url('/steal')}").catch(() => 0);
try {{ new WebSocket("ws://127.0.0.1:{other.port}/ws"); }} catch (e) {{}}</script></body></html>"""
        srv.page("/leaky", leaky.encode())
        res = render(srv.url("/leaky"), RenderPolicy(allow_private=True, origins=frozenset({origin_of(srv.url("/"))})))
        leaked = other.total_hits()
    assert leaked == 0
    assert res.html is not None and "ordinary page" in res.html  # type: ignore[attr-defined]
    refused = " ".join(res.refused)  # type: ignore[attr-defined]
    assert "169.254.169.254" in refused and "10.1.2.3" in refused and "/steal2" in refused


def test_loopback_page_refused_without_permission() -> None:
    with LoopbackServer() as srv:
        srv.page("/article", ARTICLE)
        res = render(srv.url("/article"), RenderPolicy(allow_private=False))
        hits = srv.total_hits()
    assert res.html is None and res.error and "refused" in res.error  # type: ignore[attr-defined]
    assert hits == 0


def test_hung_renderer_times_out_and_the_next_render_gets_a_fresh_browser() -> None:
    with LoopbackServer() as srv:
        srv.page("/hang", b"<html><body><p>x</p><script>while (true) {}</script></body></html>")
        srv.page("/article", ARTICLE)
        policy = RenderPolicy(allow_private=True, origins=frozenset({origin_of(srv.url("/"))}))

        async def go() -> tuple[object, object]:
            async with Renderer(policy, user_agent="verifier-test", timeout=4, settle=0.5) as r:
                hung = await r.render(srv.url("/hang"))
                if r._browser is not None:  # a crash: the browser goes away under us
                    await r._browser.close()
                return hung, await r.render(srv.url("/article"))

        hung, after = asyncio.run(go())
    assert hung.error is not None  # type: ignore[attr-defined]
    assert after.error is None and "harbour wall" in after.html  # type: ignore[attr-defined]


def test_cli_renders_a_script_written_source_only_when_asked(tmp_path, loopback_env) -> None:  # type: ignore[no-untyped-def]
    import json
    import subprocess
    import sys

    with LoopbackServer() as srv:
        srv.page("/article", ARTICLE)
        brief = tmp_path / "brief.md"
        brief.write_text("The engineer said “the harbour wall will be repaired by the spring” [1].\n\n"
                         f"[1] Harbour, {srv.url('/article')}\n")
        out = {}
        for mode in ("never", "auto"):
            p = subprocess.run([sys.executable, "-m", "verifier", "check", str(brief), "--format", "json",
                                "--render", mode, "--refresh"], capture_output=True, text=True,
                               env={**os.environ, **loopback_env}, timeout=180)
            assert p.returncode in (0, 1), p.stderr
            out[mode] = json.loads(p.stdout)
    never, auto = out["never"], out["auto"]
    assert never["sources"][0]["status"] == "no_text"
    assert never["quotes"][0]["verdict"] == "unverifiable"
    assert auto["sources"][0]["status"] == "ok"
    assert auto["quotes"][0]["verdict"] == "verified"
