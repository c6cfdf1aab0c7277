"""Archive lookup: ask an availability API which capture of a cited page is closest.

Why: when a link dies or a quoted passage changes, the fact-checker's question becomes "did the
page say it when we cited it?". A Wayback-style availability API (settings.archive_url,
`?url=...[&timestamp=YYYYMMDDhhmmss]`) names the closest capture; that copy is fetched through the
same guarded, polite Fetcher as any cited page (so the policy, limits and size caps hold).
Reading and judging the copy is the service's (verifier.service.archive): the network edge
only finds it, so net/ never depends on the service layer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from verifier.core.statuses import LinkStatus
from verifier.net.fetch import Fetcher
from verifier.settings import Settings

_TS = re.compile(r"^\d{4,14}$")
_WAYBACK = re.compile(r"^(https?://web\.archive\.org/web/)(\d{14})(/)")


@dataclass(frozen=True)
class ArchivedCopy:
    """The capture the availability API chose: where it is and when it was taken."""

    url: str
    captured_at: datetime | None
    timestamp: str | None = None


def wayback_timestamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def parse_timestamp(ts: str | None) -> datetime | None:
    """'20250101120000' (or a shorter prefix of it) → an aware UTC datetime."""
    if not ts or not _TS.match(ts):
        return None
    ts = (ts + "0101000000")[:14] if len(ts) < 8 else ts.ljust(14, "0")
    try:
        return datetime.strptime(ts, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def availability_url(settings: Settings, url: str, at: datetime | None = None) -> str:
    params = {"url": url}
    if at is not None:
        params["timestamp"] = wayback_timestamp(at)
    sep = "&" if "?" in settings.archive_url else "?"
    return settings.archive_url + sep + urlencode(params)


def parse_availability(body: bytes) -> ArchivedCopy | None:
    """The closest available capture from an availability answer, or None."""
    try:
        doc = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        return None
    closest = (doc.get("archived_snapshots") or {}).get("closest") if isinstance(doc, dict) else None
    if not isinstance(closest, dict) or not closest.get("url"):
        return None
    if closest.get("available") is False or str(closest.get("status", "200"))[:1] not in ("2", ""):
        return None
    ts = str(closest.get("timestamp") or "") or None
    return ArchivedCopy(url=str(closest["url"]), captured_at=parse_timestamp(ts), timestamp=ts)


def raw_copy_url(url: str) -> str:
    """For the Internet Archive, ask for the page as captured (`id_`), without its toolbar."""
    return _WAYBACK.sub(r"\g<1>\g<2>id_\g<3>", url, count=1)


async def lookup(fetcher: Fetcher, settings: Settings, url: str, at: datetime | None = None) -> ArchivedCopy | None:
    """Ask the availability API for the capture of `url` closest to `at` (the latest if None)."""
    snap = await fetcher.fetch(availability_url(settings, url, at))
    if snap.status != LinkStatus.OK or not snap.body:
        return None
    return parse_availability(snap.body)
