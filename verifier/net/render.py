"""Rendering a page in headless Chromium, every request it makes sent through the guarded edge.

Why: more and more pages write their text with scripts, and many bot walls are JavaScript
challenges that a real browser passes (set a cookie, reload). Archivers (ArchiveBox, Perma,
changedetection.io) render such pages in Chromium; verifier does too, with the system's Chromium
(Debian's `chromium`) through Playwright — no browser is downloaded.

Safety is the point of this module's shape. Chromium never talks to the network itself:
  * every request the page makes is intercepted (`page.route("**/*")`) and answered with a
    response fetched by our own guarded transport (the resolver that refuses private, loopback
    and link-local addresses after DNS, on the address actually connected to), one hop at a
    time — the browser follows redirects itself, so each hop is checked again;
  * the scheme and the host are checked before any request (netguard.check_host), and an
    optional allow-list of origins (scheme://host:port) narrows what may be loaded at all;
  * Chromium is started with a dead proxy, so anything that escaped interception fails; service
    workers are blocked, WebSockets aborted, WebRTC kept off non-proxied UDP, DNS prefetch off,
    downloads refused;
  * one browser per process, a bounded number of pages at once, a time limit per page, and a
    browser that crashed or hung is closed and started afresh on the next render.
`Rendered` records what happened (the DOM, an optional screenshot, every refused request), as an
ArchiveBox extractor returns its result record.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import httpx

from verifier.net.netguard import DEFAULT_PORTS, AllowPrivate, PolicyError, check_host

if TYPE_CHECKING:  # Playwright is imported only when a page is rendered
    from playwright.async_api import Browser, Playwright, Route

#: flags that keep Chromium from reaching out on its own (and work as root in a container)
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
    "--dns-prefetch-disable", "--no-pings", "--disable-features=NetworkPrediction,InterestFeedContentSuggestions",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp", "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
]
#: response headers not passed back to the browser: the body we hand over is already decoded
_HOP_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"}
_REDIRECTS = {301, 302, 303, 307, 308}
_MAX_HOPS = 10
#: request headers not forwarded from the browser
_DROP_REQUEST = {"host", "content-length", "connection", "accept-encoding", "proxy-connection", "upgrade"}


def chromium_path() -> str | None:
    """The system Chromium, or None when it is not installed."""
    for c in (os.environ.get("VERIFIER_CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"),
              "/usr/bin/chromium"):
        if c and os.path.exists(c):
            return c
    return None


@dataclass
class Rendered:
    """What one render produced: the DOM after scripts ran, and what the policy refused."""

    url: str
    final_url: str
    html: str | None = None
    screenshot: bytes | None = None
    status_code: int | None = None  # the document's own HTTP status (its final hop)
    requests: int = 0
    refused: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class RenderPolicy:
    """Which requests a rendered page may make.

    allow_private: as VERIFIER_ALLOW_PRIVATE_HOSTS (loopback/private allowed at all);
    origins: when given, only these origins ("http://127.0.0.1:8765") are loaded.
    """

    allow_private: AllowPrivate = False
    origins: frozenset[str] | None = None

    def refusal(self, url: str) -> str | None:
        """Why this request is refused, or None."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"scheme '{parts.scheme}' is not loaded"
        if self.origins is not None and origin_of(url) not in self.origins:
            return f"origin {origin_of(url)} is not allowed"
        try:
            check_host(parts.hostname, self.allow_private, parts.port or DEFAULT_PORTS[parts.scheme])
        except PolicyError as exc:
            return str(exc)
        return None


def origin_of(url: str) -> str:
    """"scheme://host:port" of a URL, the default port explicit (the fetcher's cookie-origin rule)."""
    from verifier.net.fetch.cookies import origin_of as origin_tuple

    scheme, host, port = origin_tuple(httpx.URL(url))
    return f"{scheme}://{host}:{port}"


class Renderer:
    """One headless Chromium for this process; `render()` loads one page in a fresh context."""

    def __init__(self, policy: RenderPolicy, *, user_agent: str, timeout: float = 20.0, pages: int = 2,
                 max_bytes: int = 50_000_000, settle: float = 1.0) -> None:
        self.policy = policy
        self.user_agent = user_agent
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.settle = settle
        self._pages = asyncio.Semaphore(pages)
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._client: httpx.AsyncClient | None = None
        self._lock = asyncio.Lock()
        self._prefetched: dict[str, tuple[str, tuple[int, dict[str, str], bytes]]] = {}

    async def __aenter__(self) -> Renderer:
        from verifier.net.fetch import GuardedTransport

        self._client = httpx.AsyncClient(transport=GuardedTransport(self.policy.allow_private),
                                         follow_redirects=False, timeout=self.timeout)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._close_browser()
        if self._pw is not None:
            await self._pw.stop()
            self._pw = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- the browser

    async def _get_browser(self) -> Browser:
        async with self._lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            await self._close_browser()
            path = chromium_path()
            if path is None:
                raise RenderUnavailable("Chromium is not installed (apt-get install chromium)")
            if self._pw is None:
                from playwright.async_api import async_playwright

                self._pw = await async_playwright().start()
            self._browser = await self._pw.chromium.launch(executable_path=path, headless=True, args=LAUNCH_ARGS)
            return self._browser

    async def _close_browser(self) -> None:
        if self._browser is not None:
            with contextlib.suppress(Exception):  # a crashed or hung browser: it is being replaced anyway
                await asyncio.wait_for(self._browser.close(), 10)
            self._browser = None

    # -- one page

    async def render(self, url: str, *, screenshot: bool = False) -> Rendered:
        """Load `url`, let its scripts run (network idle or the time limit), and take the DOM."""
        result = Rendered(url=url, final_url=url)
        why = self.policy.refusal(url)
        if why is not None:
            result.refused.append(url)
            result.error = f"refused: {why}"
            return result
        async with self._pages:
            try:
                await asyncio.wait_for(self._render(url, result, screenshot), self.timeout + 5)
            except (RenderUnavailable, _Refused) as exc:
                result.error = str(exc) if isinstance(exc, RenderUnavailable) else f"refused: {exc}"
            except TimeoutError:
                result.error = f"rendering took longer than {self.timeout:.0f} s"
                await self._close_browser()  # a hung renderer: start afresh next time
            except Exception as exc:
                result.error = f"rendering failed: {exc.__class__.__name__}: {exc}"[:300]
                if self._browser is not None and not self._browser.is_connected():
                    await self._close_browser()
        return result

    async def _render(self, url: str, result: Rendered, screenshot: bool) -> None:
        # the document's redirects are resolved first, so the page's own URL (its base) is the final one
        final, resp = await self._hops("GET", url, {}, None, result)
        self._prefetched[final] = (final, resp)
        result.status_code = resp[0]
        browser = await self._get_browser()
        ctx = await browser.new_context(service_workers="block", accept_downloads=False,
                                        user_agent=self.user_agent, java_script_enabled=True)
        try:
            await ctx.route("**/*", lambda route: self._answer(route, result))
            page = await ctx.new_page()
            await page.route_web_socket("**/*", lambda ws: ws.close())
            try:
                await page.goto(final, wait_until="load", timeout=self.timeout * 1000)
                await page.wait_for_load_state("networkidle", timeout=self.settle * 1000 + 2000)
            except Exception as exc:
                if "Timeout" not in type(exc).__name__ and "ERR_ABORTED" not in str(exc):
                    raise
            await asyncio.sleep(0)  # let a script's last DOM writes land
            result.final_url = page.url
            result.html = await page.content()
            if screenshot:
                result.screenshot = await page.screenshot(full_page=True, type="png")
        finally:
            await ctx.close()

    async def _answer(self, route: Route, result: Rendered) -> None:
        """Answer one browser request with our own guarded fetch, or abort it.

        Redirects are followed here, each hop checked (Chromium follows a fulfilled redirect on
        its own, outside the interception: it would meet the dead proxy)."""
        req = route.request
        result.requests += 1
        if req.url.startswith(("data:", "blob:")):
            await route.continue_()
            return
        pre = self._prefetched.pop(req.url, None) if req.is_navigation_request() else None
        try:
            _, (status, headers, body) = pre or await self._hops(req.method, req.url, req.headers,
                                                                 req.post_data_buffer, result)
            if req.is_navigation_request() and req.frame == req.frame.page.main_frame:
                result.status_code = status  # a reload (a passed challenge) answers anew
        except Exception as exc:
            if _is_policy(exc) and not isinstance(exc, _Refused):
                result.refused.append(req.url)
            await route.abort("blockedbyclient" if isinstance(exc, _Refused) else "failed")
            return
        await route.fulfill(status=status, headers=headers, body=body)

    async def _hops(self, method: str, url: str, headers: dict[str, str], body: bytes | None,
                    result: Rendered) -> tuple[str, tuple[int, dict[str, str], bytes]]:
        """Fetch `url`, following redirects one checked hop at a time: (final URL, response)."""
        for _ in range(_MAX_HOPS):
            why = self.policy.refusal(url)
            if why is not None:
                result.refused.append(url)
                raise _Refused(why)
            status, out, data = await self._fetch_one(method, url, headers, body)
            location = next((v for k, v in out.items() if k.lower() == "location"), None)
            if status not in _REDIRECTS or not location:
                return url, (status, out, data)
            url = urljoin(url, location.strip())
            if status == 303 or (status in (301, 302) and method == "POST"):
                method, body = "GET", None
        raise _Refused(f"more than {_MAX_HOPS} redirects")

    async def _fetch_one(self, method: str, url: str, headers: dict[str, str],
                         body: bytes | None) -> tuple[int, dict[str, str], bytes]:
        assert self._client is not None
        send = {k: v for k, v in headers.items() if k.lower() not in _DROP_REQUEST}
        send["user-agent"] = self.user_agent
        request = self._client.build_request(method, url, headers=send, content=body)
        resp = await self._client.send(request, stream=True)
        try:
            data = bytearray()
            async for chunk in resp.aiter_bytes():
                data += chunk
                if len(data) > self.max_bytes:
                    raise ValueError("response over the size cap")
        finally:
            await resp.aclose()
        out: dict[str, str] = {}
        for k, v in resp.headers.multi_items():
            if k.lower() in _HOP_HEADERS:
                continue
            out[k] = f"{out[k]}\n{v}" if k in out and k.lower() == "set-cookie" else v
        return resp.status_code, out, bytes(data)


class BrowserHost:
    """One Renderer — one Chromium — for the whole process, on an event loop of its own thread.

    Why: a Celery task runs its own `asyncio.run`, and a browser belongs to one loop; without a host
    every render task would start (and stop) a Chromium. Callers in any thread block on `render()`;
    pages still go through the Renderer's bound (`pages` at once) and per-page time limit, and a
    hung or crashed browser is replaced by the Renderer as before. After a fork (a Celery worker's
    children) the host starts afresh in the child: threads and browsers do not survive a fork.
    """

    def __init__(self, make: Callable[[], Renderer]) -> None:
        self._make = make
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._renderer: Renderer | None = None
        self._pid: int | None = None

    def render(self, url: str, *, screenshot: bool = False, wait: float | None = None) -> Rendered:
        """Render `url` on the process's browser; `wait` bounds the caller's wait (default: a
        generous multiple of the Renderer's own per-page limit)."""
        loop, renderer = self._started()
        fut = asyncio.run_coroutine_threadsafe(renderer.render(url, screenshot=screenshot), loop)
        return fut.result(timeout=wait if wait is not None else renderer.timeout * 3 + 30)

    def close(self) -> None:
        """Close the browser and stop the loop (at exit; a later render starts them again)."""
        with self._lock:
            loop, renderer = self._loop, self._renderer
            self._loop = self._renderer = self._pid = None
        if loop is None or renderer is None:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(renderer.aclose(), loop).result(timeout=15)
        loop.call_soon_threadsafe(loop.stop)

    def _started(self) -> tuple[asyncio.AbstractEventLoop, Renderer]:
        with self._lock:
            if self._loop is None or self._renderer is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="browser-host", daemon=True).start()
                renderer = asyncio.run_coroutine_threadsafe(self._make().__aenter__(), loop).result(timeout=60)
                self._loop, self._renderer, self._pid = loop, renderer, os.getpid()
            return self._loop, self._renderer


class _Refused(PolicyError):
    """A request (or a redirect hop) the render policy does not load."""


class RenderUnavailable(Exception):
    """Chromium (or Playwright) is not there: the source keeps its plain-fetch outcome."""


def _is_policy(exc: BaseException | None) -> bool:
    """Whether the guarded resolver refused the address (somewhere in the exception's chain)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, PolicyError):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False
