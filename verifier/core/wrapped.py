"""Links wrapped by a mail filter, a platform or a document export: the address each stands for.

Why: a brief pasted from an e-mail, exported from Google Docs or copied from a social site cites
its sources through a wrapper — Outlook's Safe Links, Proofpoint's URL Defense, Google's /url
redirect and AMP viewer, Facebook's l.php — whose own page is a redirect notice, a warning or a login wall, not
the source. The wrapper carries the address it stands for in its query (or, for URL Defense v3,
in its path), so the source is checked there instead, with no request to the wrapper.

Pure: a URL in, a URL out. Only wrappers whose target can be read off the URL itself are known
here; a shortener (t.co, bit.ly) needs a request, and the fetcher follows its redirect as any.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

#: wrappers nested in wrappers (a Safe Link around a Google redirect) are unwrapped this deep
MAX_DEPTH = 4

# (host pattern, path pattern, the query parameters that may hold the target, in order)
_QUERY_WRAPPERS: tuple[tuple[re.Pattern[str], re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"(?:www\.)?google\.[a-z.]{2,7}"), re.compile(r"/url"), ("q", "url")),
    (re.compile(r"[\w-]+\.safelinks\.protection\.outlook\.com"), re.compile(r"/?"), ("url",)),
    (re.compile(r"l[m]?\.facebook\.com"), re.compile(r"/l\.php"), ("u",)),
    (re.compile(r"l\.instagram\.com"), re.compile(r"/?"), ("u",)),
    (re.compile(r"(?:www\.)?youtube\.com"), re.compile(r"/redirect"), ("q",)),
    (re.compile(r"(?:html\.)?duckduckgo\.com"), re.compile(r"/l/?"), ("uddg",)),
    (re.compile(r"out\.reddit\.com"), re.compile(r"/.*"), ("url",)),
    (re.compile(r"slack-redir\.net"), re.compile(r"/link"), ("url",)),
    (re.compile(r"(?:www\.)?linkedin\.com"), re.compile(r"/redir/redirect/?"), ("url",)),
)
_DEFENSE_V2 = re.compile(r"urldefense\.proofpoint\.com")
#: Google's AMP viewer: /amp/s/HOST/PATH is https://HOST/PATH (/amp/HOST/PATH: http)
_AMP_VIEWER = re.compile(r"^https?://(?:www\.)?google\.[a-z.]{2,7}/amp/(?P<s>s/)?(?P<rest>[^/?#]+\.[^/?#]+(?:[/?#].*)?)$", re.I)
_DEFENSE_V3 = re.compile(r"^https?://urldefense(?:\.proofpoint)?\.com/v3/__(?P<url>.+?)__;", re.I)


def unwrap(url: str) -> str:
    """The address a wrapped link stands for, or the link itself when it wraps nothing known."""
    for _ in range(MAX_DEPTH):
        inner = _target(url)
        if inner is None:
            return url
        url = inner
    return url


def _target(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if not host:
        return None
    amp = _AMP_VIEWER.match(url)
    if amp is not None:
        return _web(("https://" if amp.group("s") else "http://") + amp.group("rest"))
    v3 = _DEFENSE_V3.match(url)
    if v3 is not None:
        return _web(v3.group("url")) if "*" not in v3.group("url") else None  # * hides replaced characters
    query = parse_qs(parts.query)
    if _DEFENSE_V2.fullmatch(host) and parts.path.startswith("/v2/url"):
        encoded = (query.get("u") or [""])[0]
        return _web(unquote(encoded.replace("-", "%").replace("_", "/")))
    for host_re, path_re, params in _QUERY_WRAPPERS:
        if host_re.fullmatch(host) and path_re.fullmatch(parts.path or "/"):
            return next((_web(query[p][0]) for p in params if query.get(p)), None)
    return None


def _web(candidate: str) -> str | None:
    """The candidate when it is an absolute http(s) URL with a host, else None (keep the wrapper)."""
    candidate = candidate.strip()
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    return candidate if parts.scheme.lower() in ("http", "https") and parts.hostname else None
