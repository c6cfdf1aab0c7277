"""<meta http-equiv=refresh>, read from the parsed document (lxml), never by a regex over bytes.

Why: a refresh inside a comment, an IE conditional comment, <noscript>, <template> or <script>
is not one the browser follows, and only a parser knows where those end. The content value is
read by the WHATWG "shared declarative refresh steps"; the URL resolves against <base href>.
A refresh with no URL, or to the page itself, is a reload: the caller does not follow it.

A redirect stub ("Redirecting…", a few words and a script that sets `location`) is followed as
its script would send a browser: only a page with next to nothing to read, whose inline scripts
name one address (script_redirect_target). On a page of its own the same script is no redirect.
"""

from __future__ import annotations

import re

import httpx
import lxml.etree

#: how much of a page is parsed for a refresh (it belongs in the head)
REFRESH_SCAN_BYTES = 65_536
_PARSER = lxml.etree.HTMLParser(recover=True, no_network=True, remove_comments=True, remove_pis=True)
_HIDDEN = "ancestor::noscript or ancestor::template or ancestor::script"
_REFRESH = lxml.etree.XPath(
    "//meta[translate(normalize-space(@http-equiv), 'REFSH', 'refsh') = 'refresh']"
    f"[@content][not({_HIDDEN})]/@content")
_BASE = lxml.etree.XPath(f"//base[@href][not({_HIDDEN})]/@href")
_WS = " \t\n\f\r"


def refresh_url(content: str) -> str | None:
    """The URL part of a refresh content value ('' for a plain reload); None when invalid."""
    s = content.lstrip(_WS)
    digits = len(s) - len(s.lstrip("0123456789"))
    rest = s[digits:].lstrip("0123456789.")
    if digits == 0 and len(rest) == len(s):
        return None  # no time: not a refresh
    if rest and rest[0] not in ";," + _WS:
        return None  # junk glued to the time: invalid
    rest = rest.lstrip(_WS)
    if rest[:1] in (";", ","):
        rest = rest[1:].lstrip(_WS)
    if rest[:3].lower() == "url":
        after = rest[3:].lstrip(_WS)
        if after[:1] == "=":
            rest = after[1:].lstrip(_WS)
    if rest[:1] in ("'", '"'):
        quote, rest = rest[0], rest[1:]
        rest = rest.split(quote, 1)[0]
    return rest.strip(_WS)


def _parse(body: bytes) -> lxml.etree._Element | None:
    try:
        return lxml.etree.fromstring(body[:REFRESH_SCAN_BYTES], _PARSER)
    except (lxml.etree.ParserError, ValueError):
        return None


def _join(base: str, ref: str) -> str | None:
    try:
        return str(httpx.URL(base).join(ref))
    except (httpx.InvalidURL, ValueError):
        return None


def meta_refresh_target(body: bytes, page_url: str) -> str | None:
    """The absolute URL the page's meta refresh sends the reader to (the page itself for a
    reload), or None when the document has no refresh a browser would follow."""
    if b"refresh" not in body[:REFRESH_SCAN_BYTES].lower():  # a cheap pre-check before parsing
        return None
    doc = _parse(body)
    if doc is None:
        return None
    for content in _REFRESH(doc):
        ref = refresh_url(str(content))
        if ref is None:
            continue
        if not ref:
            return page_url
        bases = _BASE(doc)
        base = _join(page_url, str(bases[0]).strip()) if bases else None
        return _join(base or page_url, ref)
    return None


#: the most words a page may show and still be a redirect stub ("Redirecting… If you are not
#: redirected, follow this link.")
STUB_WORDS = 40
#: a stub is a small page: a longer one is not parsed for it (half of all pages set `location`
#: somewhere in their scripts, and this runs on the fetch's event loop for every page)
STUB_BYTES = 32_768
_SCRIPTS = lxml.etree.XPath("//script[not(@src)][not(ancestor::noscript or ancestor::template)]/text()")
_SHOWN = lxml.etree.XPath("//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript "
                          "or ancestor::template)]")
_SET_LOCATION = re.compile(
    r"""\b(?:(?:window|document|top|self)\.)?location(?:\.href)?\s*=\s*(["'])(?P<a>[^"'\s]+)\1"""
    r"""|\blocation\.(?:replace|assign)\(\s*(["'])(?P<b>[^"'\s]+)\3\s*\)""")


def script_redirect_target(body: bytes, page_url: str) -> str | None:
    """Where a redirect stub's script sends the reader: the one address its inline scripts assign
    to `location` (or pass to location.replace/assign), on a page showing at most STUB_WORDS words;
    else None."""
    if len(body) > STUB_BYTES or b"location" not in body:
        return None
    doc = _parse(body)
    if doc is None or len(" ".join(str(t) for t in _SHOWN(doc)).split()) > STUB_WORDS:
        return None
    targets = {m.group("a") or m.group("b") for code in _SCRIPTS(doc) for m in _SET_LOCATION.finditer(str(code))}
    if len(targets) != 1:
        return None
    bases = _BASE(doc)
    base = _join(page_url, str(bases[0]).strip()) if bases else None
    return _join(base or page_url, targets.pop())
