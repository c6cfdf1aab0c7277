"""A Memento TimeGate (RFC 7089) as a second archive: which capture of a page is nearest a date.

Why: the Wayback availability API knows one archive; a TimeGate (an archive's own, or an
aggregator's such as Memento TimeTravel) knows many. VERIFIER_MEMENTO_URL is the TimeGate's
base, the page's URL appended (`https://timetravel.mementoweb.org/timegate/` + URL). We ask
with Accept-Datetime and do not follow the answer: the TimeGate's redirect names the memento
and its Link header carries the memento's datetime. That one request goes through the
fetcher's GuardedTransport after the same host check as every hop, so the address policy
holds; the memento itself is then fetched by the Fetcher like any cited page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from verifier.net.archive import ArchivedCopy, parse_timestamp
from verifier.net.fetch import GuardedTransport
from verifier.net.netguard import ALLOWED_SCHEMES, DEFAULT_PORTS, PolicyError, check_host
from verifier.settings import Settings

_LINK_SPLIT = re.compile(r",\s*(?=<)")
_LINK = re.compile(r"^\s*<([^>]*)>(.*)$", re.S)
_PARAM = re.compile(r';\s*([A-Za-z-]+)\s*=\s*"([^"]*)"')
_URL_TS = re.compile(r"/(\d{14})(?:[a-z]{2}_)?/")


def link_datetimes(link: str, base: str) -> dict[str, datetime]:
    """Memento URL → its datetime, from a Link header's rel="memento" entries (RFC 7089 §2.2)."""
    out: dict[str, datetime] = {}
    for entry in _LINK_SPLIT.split(link):
        m = _LINK.match(entry)
        if m is None:
            continue
        params = {k.lower(): v for k, v in _PARAM.findall(m.group(2))}
        if "memento" not in params.get("rel", "").split() or "datetime" not in params:
            continue
        try:
            out[urljoin(base, m.group(1))] = parsedate_to_datetime(params["datetime"]).astimezone(UTC)
        except (TypeError, ValueError):
            continue
    return out


def copy_from_answer(gate: str, status: int, headers: httpx.Headers) -> ArchivedCopy | None:
    """The memento a TimeGate's answer names (a 302-style redirect, or a 200-style Content-Location)."""
    if status in (301, 302, 303, 307, 308):
        target = headers.get("location")
    elif status == 200 and "memento-datetime" in headers:
        target = headers.get("content-location") or gate
    else:
        target = None
    if not target:
        return None
    url = urljoin(gate, target)
    when = link_datetimes(headers.get("link", ""), gate).get(url)
    if when is None and "memento-datetime" in headers:
        when = link_datetimes(f'<{url}>; rel="memento"; datetime="{headers["memento-datetime"]}"', gate).get(url)
    if when is None:
        ts = _URL_TS.search(urlsplit(url).path)
        when = parse_timestamp(ts.group(1)) if ts else None
    return ArchivedCopy(url=url, captured_at=when)


async def timegate_lookup(settings: Settings, url: str, at: datetime | None = None) -> ArchivedCopy | None:
    """Ask the TimeGate for the memento of `url` nearest `at` (the latest if None); None if it names none."""
    if not settings.memento_url:
        return None
    gate = settings.memento_url + url
    parts = httpx.URL(gate)
    if parts.scheme not in ALLOWED_SCHEMES or not parts.host:
        return None
    try:
        check_host(parts.host, settings.allow_private_hosts, parts.port or DEFAULT_PORTS[parts.scheme])
    except PolicyError:
        return None
    headers = {"User-Agent": settings.ua}
    if at is not None:
        headers["Accept-Datetime"] = format_datetime(at.astimezone(UTC), usegmt=True)
    async with httpx.AsyncClient(transport=GuardedTransport(settings.allow_private_hosts),
                                 timeout=settings.fetch_timeout) as client:
        try:
            async with client.stream("GET", gate, headers=headers) as r:  # the body is never read
                return copy_from_answer(gate, r.status_code, r.headers)
        except (httpx.HTTPError, PolicyError, OSError):
            return None
