"""Judge a quote against a brief's sources: its credited sources first, then only the others
the candidate index proposes, and only when the contract's precedence needs them.

Why: `decide` needs another source's alignment only when no credited source has the quote
(misattributed, or the note beside unverifiable), and a source can only have it word for
word where it shares word 3-grams with it (align() starts from 3-gram hits). So the credited
sources are aligned first; when one of them has the quote the verdict is already final, and
otherwise the quote is aligned against the sources `CandidateIndex` proposes — every source
sharing one of its 3-grams (its words, for a quote of at most three words) — plus every source
where two of its letter runs stand at word starts (align() places OCR text, whose glued words
leave no 3-gram intact, by letters).
The verdicts are those of aligning every quote against every source.

Pure: source texts in, `Judgement`s out. The CLI and the Celery judge tasks call this through
`service.pipeline.judge_brief`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate

from verifier.core.align import CHUNK, SourceIndex, align
from verifier.core.candidates import CandidateIndex
from verifier.core.judge import decide
from verifier.core.normalize import CORE, EDITORIAL, PAREN, ParsedQuote, parse_quote
from verifier.core.statuses import ACCEPTED, Verdict
from verifier.core.values import Judgement, Match, SourceText


@dataclass
class BriefSources:
    """A brief's cited sources by ref (None: unreadable), indexed once for all its quotes."""

    indexes: dict[str, SourceIndex | None]
    candidates: CandidateIndex
    #: refs whose text is only part of the source (SourceText.partial: a paywall), with why
    partial: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, texts: Mapping[str, SourceText | None]) -> BriefSources:
        """Index each readable text (key: the citation's ref, in the brief's order)."""
        indexes = {ref: SourceIndex.build(t) if t is not None else None for ref, t in texts.items()}
        partial = {ref: t.partial for ref, t in texts.items() if t is not None and t.partial}
        return cls(indexes, CandidateIndex.from_indexes({r: ix for r, ix in indexes.items() if ix is not None}),
                   partial)

    @cached_property
    def readable(self) -> dict[str, bool]:
        """Which refs could be read (judge.decide's third argument), worked out once per brief."""
        return {ref: ix is not None for ref, ix in self.indexes.items()}

    def judge(self, text: str, cites: list[str]) -> Judgement:
        """The quote's judgement under the contract's precedence (`judge.decide`)."""
        if not self.indexes:
            return Judgement(verdict=Verdict.UNVERIFIABLE, note="the brief cites no sources")
        pq = parse_quote(text)
        cites = [r for r in cites if r in self.indexes]
        readable = self.readable
        matches: dict[str, Match | None] = {r: self._align(pq, r) for r in cites}
        if any(m is not None and m.verdict in ACCEPTED for m in matches.values()):
            return decide(cites, matches, readable)  # found where credited: the others cannot change it
        for ref in self.proposed(pq):
            if ref not in matches:
                matches[ref] = self._align(pq, ref)
        return decide(cites, matches, readable, self.partial)

    def proposed(self, pq: ParsedQuote) -> list[str]:
        """The readable sources where align() could find the quote at all, in the brief's order:
        those sharing a word 3-gram with it (the hits align() starts from); for a quote of at most
        three words, those sharing a word (it is placed by its words); and those where two of its
        letter runs stand at word starts (align()'s letter placing, for OCR text)."""
        n = len(self.candidates)
        keep = {k for k, _ in self.candidates.propose_runs(_runs(pq), n)}
        core = [t.norm for t in pq.toks if t.kind == CORE]
        if len(core) <= 3:
            keep |= {k for k, _ in self.candidates.propose_runs([[w] for w in core], n)}
        else:
            keep |= self.candidates.with_letter_runs(_letter_runs(core), 2)
        return [ref for ref, ix in self.indexes.items() if ix is not None and ref in keep]

    def _align(self, pq: ParsedQuote, ref: str) -> Match | None:
        ix = self.indexes.get(ref)
        return align(pq.text, ix, parsed=pq) if ix is not None else None


def _letter_runs(core: list[str]) -> list[str]:
    """The CHUNK letters from each core word's start, the quote's words glued (as align() looks
    them up for OCR text; none when the quote has fewer than 2 × CHUNK letters)."""
    glued = "".join(core)
    if len(glued) < 2 * CHUNK:
        return []
    starts = accumulate((len(w) for w in core[:-1]), initial=0)
    return [glued[c:c + CHUNK] for c in starts if c + CHUNK <= len(glued)]


def _runs(pq: ParsedQuote) -> list[list[str]]:
    """The quote's words in runs that a source may have unbroken: an ellipsis or an [editorial]
    insertion ends a run; words in parentheses are taken both with and without (as align() does)."""
    out: list[list[str]] = []
    for skip_paren in (True, False):
        if not skip_paren and not any(t.kind == PAREN for t in pq.toks):
            break
        cur: list[str] = []
        seg = None
        for t in pq.toks:
            if t.kind == PAREN and skip_paren:
                continue
            if t.kind == EDITORIAL or t.seg != seg:
                if cur:
                    out.append(cur)
                cur = []
                seg = t.seg
                if t.kind == EDITORIAL:
                    continue
            cur.append(t.norm)
        if cur:
            out.append(cur)
    return out
