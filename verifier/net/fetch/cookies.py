"""Cookies and credentials for one fetch, scoped by origin (scheme, host, port), not host.

Why: a cookie set by http://h:1 must not reach http://h:2 or https://h:1, and the user:password
of a cited URL goes to that URL's own origin only, never to a host a redirect leads to.
The jar lives for one fetch (its redirect chain): nothing is shared between cited URLs.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

import httpx

Origin = tuple[str, str, int | None]


def origin_of(u: httpx.URL) -> Origin:
    """(scheme, host, port) with the default port made explicit."""
    port = u.port if u.port is not None else {"http": 80, "https": 443}.get(u.scheme)
    return u.scheme, u.host, port


@dataclass
class OriginJar:
    """Set-Cookie name=value pairs, kept and sent per origin."""

    _jar: dict[Origin, dict[str, str]] = field(default_factory=dict)

    def store(self, u: httpx.URL, set_cookies: list[str]) -> None:
        for sc in set_cookies:
            name, _, value = sc.split(";", 1)[0].partition("=")
            if name.strip():
                self._jar.setdefault(origin_of(u), {})[name.strip()] = value.strip()

    def header(self, u: httpx.URL) -> str | None:
        """The Cookie header for a request to u's origin, or None."""
        cookies = self._jar.get(origin_of(u))
        return "; ".join(f"{k}={v}" for k, v in cookies.items()) if cookies else None


def _url(url: str) -> httpx.URL | None:
    try:
        return httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        return None


@dataclass(frozen=True)
class Credentials:
    """user:password in a hop's URL, sent as Basic auth only while the hop stays on the cited origin."""

    origin: Origin | None

    @classmethod
    def of(cls, cited: str) -> Credentials:
        u = _url(cited)
        return cls(origin_of(u) if u is not None and u.host else None)

    def header(self, hop: str) -> str | None:
        """The Authorization header for the hop's URL, or None (no userinfo, or another origin)."""
        u = _url(hop) if "@" in hop else None
        if u is None or not u.userinfo or origin_of(u) != self.origin:
            return None
        return "Basic " + base64.b64encode(unquote_to_bytes(u.userinfo)).decode()

    def scrub(self, nxt: str) -> str:
        """A redirect target without user:password when it leaves the cited origin."""
        u = _url(nxt)
        if u is None or not u.userinfo or origin_of(u) == self.origin:
            return nxt
        return str(u.copy_with(userinfo=b""))
