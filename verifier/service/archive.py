"""Archive fallback, the service half: read the archived copy net.archive found, judge a quote on it.

Why here: reading a copy means extracting its text the way the pipeline reads any snapshot
(service.pipeline.read_snapshot), which the network edge (net/) must not depend on.
"""

from __future__ import annotations

from datetime import datetime

from verifier.core.align import SourceIndex, align
from verifier.core.statuses import Verdict
from verifier.core.values import SourceText
from verifier.net.archive import ArchivedCopy, lookup, raw_copy_url
from verifier.net.fetch import Fetcher
from verifier.service.pipeline import read_snapshot
from verifier.settings import Settings

__all__ = ["find_copy", "read_copy", "verdict_against"]


async def read_copy(fetcher: Fetcher, copy: ArchivedCopy) -> SourceText | None:
    """Fetch and extract an archived copy; None when it cannot be read."""
    snap = await fetcher.fetch(raw_copy_url(copy.url))
    _, text, _ = read_snapshot(snap, fetcher.settings)
    return text


async def find_copy(fetcher: Fetcher, settings: Settings, url: str,
                    at: datetime | None = None) -> tuple[ArchivedCopy, SourceText] | None:
    """Look up and read the closest archived copy of `url`; None when there is none to read."""
    copy = await lookup(fetcher, settings, url, at)
    if copy is None:
        return None
    text = await read_copy(fetcher, copy)
    return (copy, text) if text is not None else None


def verdict_against(quote_text: str, index: SourceIndex) -> Verdict:
    """The quote's verdict against one archived copy: verified, minor_differences, altered or not_found."""
    m = align(quote_text, index)
    return m.verdict if m is not None else Verdict.NOT_FOUND
