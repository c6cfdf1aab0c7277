"""Archived copies on the first check: a dead or blocked cited page is judged on its archived copy.

Why: a fact-checker whose cited page is gone, walled or failing learns nothing from a bare
`unverifiable`. The question is still "did the page say it?", and an archive often answers
it. So, right after a brief is judged, every quote left unverifiable because a credited
source could not be read (not_found, soft_404, blocked, server_error, timeout, unreachable)
is judged again on that source's archived copy (the capture nearest the brief's own date
when the brief states one). The contract's verdict keeps its meaning (the cited page could
not be read); `archive_verdict`, the evidence, and the source's `archive` (copy URL,
capture date) say what the copy shows. The copy is fetched by the same guarded Fetcher as
any cited page, so the address policy, limits and size caps hold. VERIFIER_ARCHIVE_ON_FAILURE
turns it off; the archives are VERIFIER_ARCHIVE_URL (a Wayback availability endpoint), then
VERIFIER_MEMENTO_URL (a Memento TimeGate) when the first has no copy.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

from sqlmodel import Session

from verifier.core.align import SourceIndex, align
from verifier.core.document import Provenance
from verifier.core.evidence import PassageIndex, choose
from verifier.core.judge import decide
from verifier.core.statuses import LinkStatus, Verdict
from verifier.core.values import Match, SourceText
from verifier.settings import Settings
from verifier.storage import store
from verifier.storage.models import Brief, QuoteRow, SnapshotRow, Source

if TYPE_CHECKING:  # the network side is imported where a copy is looked up (a brief with none never loads it)
    from verifier.net import archive
    from verifier.net.fetch import Fetcher

#: the link statuses that mean "the cited page could not be read" (not a policy refusal, not no_text)
UNREADABLE = frozenset({LinkStatus.NOT_FOUND, LinkStatus.SOFT_404, LinkStatus.BLOCKED,
                        LinkStatus.SERVER_ERROR, LinkStatus.TIMEOUT, LinkStatus.UNREACHABLE})

_DATE_LINE = re.compile(r"^\W{0,3}(?:dated|date|published|as of)\s*[:\-]?\s*(?P<value>.+?)\s*$", re.I)
_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%B %d, %Y", "%B %d %Y", "%d %b %Y", "%b %d, %Y", "%b %d %Y")
#: a brief's date is looked for in its opening lines only (its front matter or header)
HEAD_LINES = 15


def brief_date(text: str) -> datetime | None:
    """The date a brief states in its opening lines ('date: 2024-07-05', 'Dated 5 July 2024'), or None."""
    for line in text.splitlines()[:HEAD_LINES]:
        m = _DATE_LINE.match(line.strip())
        if m is None:
            continue
        value = m.group("value").strip(" .\"'")
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(value[:10] if fmt == "%Y-%m-%d" else value, fmt).replace(tzinfo=UTC)
            except ValueError:
                continue
    return None


@dataclass(frozen=True)
class Copy:
    """One source's archived copy, read and indexed."""

    found: archive.ArchivedCopy
    index: SourceIndex


def _unreadable_refs(session: Session, brief_id: str) -> dict[str, Source]:
    """The brief's cited refs whose latest snapshot could not be read (and no copy was supplied)."""
    return {c.ref: src for c, src, snap in store.cited_sources(session, brief_id, text=False)
            if snap is not None and snap.status in UNREADABLE and c.supplied_snapshot_id is None}


def _waiting(quotes: list[QuoteRow], unreadable: dict[str, Source]) -> dict[int, list[str]]:
    """Quote position → its credited, unreadable refs, for quotes left unverifiable by them."""
    out: dict[int, list[str]] = {}
    for i, q in enumerate(quotes):
        refs = [r for r in (q.cites or list(unreadable)) if r in unreadable]
        if q.verdict == Verdict.UNVERIFIABLE and refs:
            out[i] = refs
    return out


async def _from_timegate(f: Fetcher, settings: Settings, url: str,
                         at: datetime | None) -> tuple[archive.ArchivedCopy, SourceText] | None:
    """The second archive (VERIFIER_MEMENTO_URL): its memento nearest `at`, read like a cited page."""
    from verifier.net import memento
    from verifier.service.archive import read_copy

    found = await memento.timegate_lookup(settings, url, at)
    text = await read_copy(f, found) if found is not None else None
    return (found, text) if found is not None and text is not None else None


async def _copies(settings: Settings, sources: dict[str, Source], at: datetime | None) -> dict[str, Copy]:
    """Look up and read each source's archived copy (each URL once, concurrently); none → left out."""
    urls = sorted({src.url for src in sources.values()})
    from verifier.net.fetch import Fetcher
    from verifier.service.archive import find_copy

    async with Fetcher(settings) as f:
        async def one(url: str) -> Copy | None:
            try:
                got = await find_copy(f, settings, url, at) or await _from_timegate(f, settings, url, at)
            except Exception:  # the archive's trouble must not fail the brief
                return None
            return Copy(got[0], SourceIndex.build(got[1])) if got else None

        by_url = dict(zip(urls, await asyncio.gather(*(one(u) for u in urls)), strict=True))
    return {ref: c for ref, src in sources.items() if (c := by_url[src.url]) is not None}


def judge_on_copy(text: str, refs: list[str], copies: dict[str, Copy]) -> tuple[str, Verdict, Match | None] | None:
    """The quote's verdict on the archived copies of its unreadable credited sources (precedence as usual)."""
    have = [r for r in refs if r in copies]
    if not have:
        return None
    matches = {r: align(text, copies[r].index) for r in have}
    j = decide(have, matches, dict.fromkeys(have, True))
    ref = j.source_ref or have[0]
    return ref, j.verdict, matches.get(ref)


def _captured(copy: Copy) -> str:
    at = copy.found.captured_at
    return f"the archived copy of {at.date().isoformat()}" if at else "an archived copy"


def _record(q: QuoteRow, ref: str, verdict: Verdict, match: Match | None, copy: Copy) -> None:
    """Store what the copy shows; the quote's own verdict (unverifiable) stays as judged."""
    q.archive_verdict = str(verdict)
    if match is not None:
        q.evidence = match.evidence.as_dict()
        q.differences = [d.as_dict() for d in match.differences]
    shown = str(verdict).replace("_", " ")
    q.note = f"{q.note + '; ' if q.note else ''}{shown} in {_captured(copy)} of source {ref}"


def find_copies(session: Session, brief_id: str, settings: Settings) -> dict[str, Copy]:
    """Before judging: the archived copies of the brief's unreadable cited sources, by ref.

    Fetched before the brief is judged (and marked done), so the verdicts and what the copies
    show are stored together. Empty when VERIFIER_ARCHIVE_ON_FAILURE is off.
    """
    brief = session.get(Brief, brief_id)
    unreadable = _unreadable_refs(session, brief_id) if brief is not None else {}
    if not settings.archive_on_failure or not unreadable or brief is None:
        return {}
    return asyncio.run(_copies(settings, unreadable, brief_date(brief.text)))


def judge_on_copies(session: Session, brief_id: str, copies: dict[str, Copy]) -> int:
    """After judging: each quote left unverifiable by an unreadable source, judged on its copy.

    Returns how many quotes got an archive_verdict.
    """
    if not copies:
        return 0
    quotes = store.quotes_of(session, brief_id)
    unreadable = _unreadable_refs(session, brief_id)
    done = 0
    for i, refs in _waiting(quotes, unreadable).items():
        judged = judge_on_copy(quotes[i].text, refs, copies)
        if judged is not None:
            _record(quotes[i], judged[0], judged[1], judged[2], copies[judged[0]])
            session.add(quotes[i])
            done += 1
    _claims_on_copies(session, brief_id, unreadable, copies)
    for ref, copy in copies.items():
        if ref in unreadable:
            src = unreadable[ref]
            src.archive_url, src.archive_captured_at = copy.found.url, copy.found.captured_at
            session.add(src)
    session.commit()
    return done


def _claims_on_copies(session: Session, brief_id: str, unreadable: dict[str, Source],
                      copies: dict[str, Copy]) -> None:
    """Claims left unverifiable by an unreadable source show the passages of its archived copy;
    their support stays unverifiable and their coverage null (the contract's "Claims")."""
    indexes: dict[str, PassageIndex] = {}
    for row in store.claims_of(session, brief_id):
        refs = [r for r in row.cites if r in unreadable and r in copies]
        if row.support != "unverifiable" or not refs:
            continue
        claim = store.claim_sentence(row)
        for ref in refs:
            px = indexes.setdefault(ref, PassageIndex(copies[ref].index.source, copies[ref].index))
            passages = choose(claim, px)
            if passages:
                row.source_ref, row.evidence = ref, [p.as_dict() for p in passages]
                session.add(row)
                break


def provenance(source: Source, snapshot: SnapshotRow | None) -> Provenance | None:
    """The contract's `provenance` of a source: `archived` when its page could not be read and a copy was."""
    if snapshot is None:
        return None
    if snapshot.status in UNREADABLE and source.archive_url:
        return "archived"
    return cast(Provenance, snapshot.provenance)
