"""One index over a brief's sources: which of them could hold a passage, before aligning it.

Why: judging used to align every quote against every cited source (500 quotes × 20 sources:
over 150 s, where one source took 17.5 s). A passage can only be found word for word where it
shares word 3-grams with the text (align() itself starts from 3-gram hits), and the 3-grams few
sources have say most about where it is. So this index maps each word 3-gram of every source to
the sources that have it, and scores a passage's sources by the summed rarity (inverse source
frequency) of the 3-grams they share with it.

Pure: texts in, scores out. Words are folded the way align() folds them (`normalize.tokenize`),
so "Russia’s" and "russias" are one word here too.

API (also used for claims evidence retrieval):

    index = CandidateIndex.build({"1": text_one, "2": text_two})   # key -> str or SourceText
    index = CandidateIndex.from_indexes({"1": SourceIndex, ...})    # reuse align's per-text tokens
    index.propose(words, k)  # -> [(key, score), ...]: at most k keys, best first, every score > 0

A passage of fewer than three words is looked up by its words instead (each word's rarity).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from itertools import accumulate

from verifier.core.align import CHUNK, SourceIndex
from verifier.core.normalize import tokenize, unmarked_tokens
from verifier.core.values import SourceText

Gram = tuple[str, str, str]


class CandidateIndex:
    """Word 3-gram (and word) → the numbers of the sources that have it."""

    def __init__(self, keys: list[str], grams: dict[Gram, list[int]], words: dict[str, list[int]],
                 heads: dict[str, list[int]]) -> None:
        self.keys = keys
        self._grams = grams
        self._words = words
        self._heads = heads

    @classmethod
    def build(cls, texts: Mapping[str, str | SourceText]) -> CandidateIndex:
        """The index over these texts (key -> text)."""
        return cls.from_norms({k: [t.norm for t in unmarked_tokens(t if isinstance(t, str) else t.text)]
                               for k, t in texts.items()})

    @classmethod
    def from_indexes(cls, indexes: Mapping[str, SourceIndex]) -> CandidateIndex:
        """The index over texts align() has already indexed (their folded words are reused)."""
        return cls.from_norms({k: ix.norms for k, ix in indexes.items()})

    @classmethod
    def from_norms(cls, norms: Mapping[str, Sequence[str]]) -> CandidateIndex:
        grams: dict[Gram, list[int]] = {}
        words: dict[str, list[int]] = {}
        heads: dict[str, list[int]] = {}
        for n, ws in enumerate(norms.values()):
            for g in set(zip(ws, ws[1:], ws[2:], strict=False)):
                grams.setdefault(g, []).append(n)
            for w in set(ws):
                words.setdefault(w, []).append(n)
            glued = "".join(ws)
            starts = accumulate((len(w) for w in ws[:-1]), initial=0)
            for h in {glued[c:c + CHUNK] for c in starts}:
                heads.setdefault(h, []).append(n)
        return cls(list(norms), grams, words, heads)

    def __len__(self) -> int:
        return len(self.keys)

    def _weight(self, df: int) -> float:
        return math.log(1.0 + len(self.keys) / df)

    def propose_runs(self, runs: Iterable[Sequence[str]], k: int) -> list[tuple[str, float]]:
        """Like `propose`, for a passage given as runs of folded words (an ellipsis or an
        [editorial] insertion ends a run: no 3-gram spans it)."""
        runs = [list(r) for r in runs]
        grams = {g for r in runs for g in zip(r, r[1:], r[2:], strict=False)}
        scores: dict[int, float] = {}
        if grams:
            for g in grams:
                self._add(scores, self._grams.get(g))
        else:  # too short for a 3-gram: its words
            for w in {w for r in runs for w in r}:
                self._add(scores, self._words.get(w))
        best = sorted(scores.items(), key=lambda ns: (-ns[1], ns[0]))[:max(k, 0)]
        return [(self.keys[n], round(s, 6)) for n, s in best]

    def _add(self, scores: dict[int, float], post: list[int] | None) -> None:
        if post:
            w = self._weight(len(post))
            for n in post:
                scores[n] = scores.get(n, 0.0) + w

    def with_letter_runs(self, runs: Iterable[str], at_least: int) -> set[str]:
        """Keys of the texts where at least `at_least` of these CHUNK-letter runs stand at a word
        start once the words are glued together (align()'s placing of OCR text by letters)."""
        counts: dict[int, int] = {}
        for run in set(runs):
            for n in self._heads.get(run, ()):
                counts[n] = counts.get(n, 0) + 1
        return {self.keys[n] for n, c in counts.items() if c >= at_least}

    def propose(self, words: Sequence[str], k: int) -> list[tuple[str, float]]:
        """The (at most k) sources sharing the most rare 3-grams with these words, best first,
        with their scores (sum over shared 3-grams of log(1 + sources / sources having it)).
        Sources sharing nothing are never proposed. Words are folded here (raw text is fine)."""
        return self.propose_runs([[t.norm for t in tokenize(" ".join(words))]], k)
