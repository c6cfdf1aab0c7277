"""Re-anchoring a quoted passage in a page's new text: unchanged, moved, changed or removed.

Why a separate, pure module: drift is decided the way web annotators re-anchor highlights
(a text-quote selector: the passage with its prefix and suffix, plus where it stood), and that
logic needs no database, no network and no settings, so it is unit-tested on plain strings.

Order of attempts, cheapest and surest first:
1. the passage verbatim, in the same region of the page (main text vs. the full-text copy that
   `extract` appends after `main_end`), every occurrence scored by its surrounding context;
2. the passage verbatim anywhere;
3. `align()` of the old passage against the new text (typography-only differences still count as
   found; altered or slightly misspelt wording is `changed`, with the new wording and differences);
4. otherwise `removed`.
A verbatim hit is `unchanged` when its context still reads the same or it stands in about the same
place, `moved` when both its neighbours and its place changed. Context never crosses the end of
the main text, so a changed sidebar or navigation (which `extract` puts after `main_end`) is not
drift for a passage in the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from rapidfuzz import fuzz

from verifier.core.align import SourceIndex, align
from verifier.core.statuses import Verdict
from verifier.core.values import Difference, SourceText

#: characters of context kept on each side of the passage
CONTEXT_CHARS = 80
#: mean prefix/suffix similarity (0..1) at or above which the context "reads the same"
SAME_CONTEXT = 0.75
#: shift of relative position (share of the region's length) within which it is "the same place"
SAME_PLACE = 0.15

_WS = re.compile(r"\s+")


class Drift(StrEnum):
    UNCHANGED = "unchanged"
    MOVED = "moved"
    CHANGED = "changed"
    REMOVED = "removed"


@dataclass(frozen=True)
class Anchor:
    """A passage as it stood when the quote was judged: text, neighbours and relative place."""

    exact: str
    prefix: str
    suffix: str
    position: float  # start of the passage as a share of its region's length (0..1)
    in_main: bool  # inside the main text (before main_end), or in the full-text tail

    @classmethod
    def from_text(cls, text: str, start: int, end: int, main_end: int | None = None,
                  context: int = CONTEXT_CHARS) -> Anchor:
        start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
        lo, hi = _region(len(text), main_end, start)
        return cls(exact=text[start:end], prefix=text[max(lo, start - context):start],
                   suffix=text[end:min(hi, end + context)],
                   position=(start - lo) / max(1, hi - lo),
                   in_main=main_end is None or start < main_end)


@dataclass
class Reanchored:
    """Where (and whether) the passage stands in the new text."""

    drift: Drift
    start: int | None = None
    end: int | None = None
    text: str | None = None  # the passage as it reads now (for changed: the new wording)
    differences: list[Difference] = field(default_factory=list)
    context_similarity: float | None = None
    position: float | None = None


def _region(length: int, main_end: int | None, start: int) -> tuple[int, int]:
    """The main text [0, main_end) or the tail [main_end, len), whichever holds `start`."""
    if main_end is None or main_end <= 0 or main_end >= length:
        return 0, length
    return (0, main_end) if start < main_end else (main_end, length)


def _norm(s: str) -> str:
    return _WS.sub(" ", s).strip().casefold()


def _similar(a: str, b: str, *, right: bool) -> float:
    """Similarity of two context windows, aligned at the passage (prefixes end at it)."""
    a, b = _norm(a), _norm(b)
    n = min(len(a), len(b)) if a and b else 0
    if not a and not b:
        return 1.0
    if n == 0:
        return 0.0
    # compare the part next to the passage, then penalise a window that got much shorter
    a2, b2 = (a[-n:], b[-n:]) if right else (a[:n], b[:n])
    base = fuzz.ratio(a2, b2) / 100.0
    return base * (n / max(len(a), len(b))) ** 0.5


def _occurrences(text: str, needle: str, lo: int, hi: int) -> list[int]:
    out: list[int] = []
    i = text.find(needle, lo, hi)
    while i != -1 and len(out) < 50:
        out.append(i)
        i = text.find(needle, i + 1, hi)
    return out


def _place(anchor: Anchor, new: SourceText, start: int, end: int) -> Reanchored:
    """Judge a found passage: unchanged (same context or same place) or moved."""
    text = new.text
    lo, hi = _region(len(text), new.main_end, start)
    ctx = len(anchor.prefix), len(anchor.suffix)
    prefix = text[max(lo, start - max(ctx[0], 1)):start] if ctx[0] else ""
    suffix = text[end:min(hi, end + max(ctx[1], 1))] if ctx[1] else ""
    sim = (_similar(anchor.prefix, prefix, right=True) + _similar(anchor.suffix, suffix, right=False)) / 2
    pos = (start - lo) / max(1, hi - lo)
    same_place = abs(pos - anchor.position) <= SAME_PLACE
    drift = Drift.UNCHANGED if sim >= SAME_CONTEXT or same_place else Drift.MOVED
    return Reanchored(drift, start, end, text[start:end], [], round(sim, 3), round(pos, 3))


def reanchor(anchor: Anchor, new: SourceText, index: SourceIndex | None = None) -> Reanchored:
    """Find the anchored passage in `new` and say how it drifted. `index` may be passed if built."""
    text = new.text
    if not anchor.exact.strip():
        return Reanchored(Drift.REMOVED)
    main_end = new.main_end if new.main_end is not None and 0 < new.main_end < len(text) else None
    regions: list[tuple[int, int]] = [(0, len(text))]
    if main_end is not None:
        same = (0, main_end) if anchor.in_main else (main_end, len(text))
        other = (main_end, len(text)) if anchor.in_main else (0, main_end)
        regions = [same, other]
    for lo, hi in regions:
        hits = _occurrences(text, anchor.exact, lo, hi)
        if hits:
            placed = [_place(anchor, new, s, s + len(anchor.exact)) for s in hits]
            return max(placed, key=lambda r: (r.drift is Drift.UNCHANGED, r.context_similarity or 0.0))
    idx = index if index is not None else SourceIndex.build(new)
    m = align(anchor.exact, idx)
    if m is None:
        return Reanchored(Drift.REMOVED)
    ev = m.evidence
    if m.verdict is Verdict.VERIFIED:  # typography only: the same passage
        return _place(anchor, new, ev.start, ev.end)
    return Reanchored(Drift.CHANGED, ev.start, ev.end, ev.text, list(m.differences), None,
                      round((ev.start) / max(1, len(text)), 3))
