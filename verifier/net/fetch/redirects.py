"""The redirect chain of one fetch: where the next hop goes, and when to stop following.

Why its own step: the hop decision (a 3xx Location, a meta refresh to another page, or a redirect
stub's script), the
loop and length limits and the per-origin cookies and credentials are the part of a fetch that
httpx's client does between single requests; here it is one small value per fetch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from verifier.core.classify import is_challenge_page, is_html, read_page
from verifier.core.values import Snapshot
from verifier.net.fetch.answer import Answer
from verifier.net.fetch.cookies import Credentials, OriginJar
from verifier.net.fetch.refresh import meta_refresh_target, script_redirect_target

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})


def _page_key(url: str) -> str:
    return url.split("#", 1)[0]


def next_hop(u: httpx.URL, ans: Answer) -> str | None:
    """The URL the answer sends the reader on to, or None when it is the final answer.
    Raises ValueError for a Location that is no URL."""
    location = ans.headers.get("location")
    if ans.status_code in REDIRECT_CODES and location:
        try:
            return str(u.join(location.strip()))
        except httpx.InvalidURL as exc:
            raise ValueError(str(exc)) from exc
    if 200 <= ans.status_code < 300 and is_html(ans.content_type):
        here = str(u)
        target = meta_refresh_target(ans.head, here) or _stub_target(ans, here)
        if target and _page_key(target) != _page_key(here):  # a reload is no redirect
            return target
    return None


def _stub_target(ans: Answer, here: str) -> str | None:
    """A redirect stub's script target, unless the stub is a bot wall's challenge (whose script
    sends the browser on to prove itself: the wall is the answer)."""
    target = script_redirect_target(ans.head, here)
    if target is None or is_challenge_page(read_page(ans.head, ans.content_type), ans.headers, ans.set_cookies,
                                           ans.status_code):
        return None
    return target


@dataclass
class Trail:
    """The hops of one fetch so far, with its cookie jar and the cited URL's credentials."""

    cited: str
    max_redirects: int
    current: str = ""
    chain: list[str] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)
    jar: OriginJar = field(default_factory=OriginJar)
    credentials: Credentials = field(default_factory=lambda: Credentials(None))

    @classmethod
    def start(cls, url: str, max_redirects: int) -> Trail:
        current = url.strip()
        return cls(url, max_redirects, current, visited={_page_key(current)},
                   credentials=Credentials.of(current))

    def request_headers(self, u: httpx.URL, etag: str | None, last_modified: str | None) -> dict[str, str]:
        """The per-hop headers: validators, the cited credentials on their origin, its cookies."""
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if auth := self.credentials.header(self.current):
            headers["Authorization"] = auth
        if cookie := self.jar.header(u):
            headers["Cookie"] = cookie
        return headers

    def follow(self, nxt: str) -> str | None:
        """Take the hop to `nxt`; a reason when it must not be taken (a loop, too many)."""
        key = _page_key(nxt)
        if key in self.visited:
            return f"redirect loop at {nxt}"[:200]
        if len(self.chain) >= self.max_redirects:
            return f"too many redirects (over {self.max_redirects})"
        self.visited.add(key)
        self.current = self.credentials.scrub(nxt)
        self.chain.append(self.current)
        return None

    def stop(self, snap: Snapshot) -> Snapshot:
        """The fetch's Snapshot, stamped with the cited URL, where it ended and the chain."""
        snap.url, snap.final_url, snap.redirects = self.cited, self.current, list(self.chain)
        return snap
