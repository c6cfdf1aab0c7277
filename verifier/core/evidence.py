"""Evidence for a claim: the passages of its credited sources that say it, and how well they do.

Pure: a `ClaimSentence` and the credited sources' stored text in, a `ClaimJudgement` out. The
ranking library (bm25s) is imported only when a passage index is built, i.e. only for a brief
that has claims.

Why: a fact-checker must find, for each cited sentence, where its source says it, and whether a
figure, a date, a name or a "not" was changed on the way (the contract's "Claims"). A lexical
ranking plus the alignment used for quotes point at the passage; the flags (verifier.core.flags)
name the token that disagrees; coverage and support follow the contract's transparent rule.

Decisions
- Passages are built from the source's sentences (lines, then sentence ends; a sentence of more
  than 60 words is cut into pieces). A PDF's lines end where the page ran out, so there the units
  are its paragraphs (verifier.core.pdflayout.text_paragraphs), then sentence ends: cut at every
  line, a sentence wrapped over three lines was three passages (measured on WiCE's pages printed
  to PDF, `bench/claims_offline.py --printed`: set@3 0.601 → 0.624, flags on supported claims
  20% → 12%). A sentence repeated later (HTML text repeats the main text
  after `main_end`) is kept once.
- The source is judged with its own footnote marks blanked (normalize.unmark: "[12]", a PDF's
  glued "nationals12"), offset for offset; passages are shown as the page has them. A note's
  number is not a figure of the page: "13 Russian nationals[12]" gives 13, so a claim's 12 is a
  contradiction, and a sentence that ends ".[13] The" still ends there.
- Ranking: BM25 (bm25s) of each sentence against the claim's content words (folded, stemmed,
  numbers without separators); the credit is left out of the query, quotes are kept in it.
  When the claim's words align with the source as a quote would (verifier.core.align), the
  aligned sentences are the first passage.
- Up to three passages, chosen greedily: each is a top-ranked sentence, widened by an adjacent
  sentence that adds claim words not yet covered; after the first, the next passage is the one
  that adds most uncovered claim words (by IDF) for its BM25 score, and it must share a claim
  word. The names of a passage count only when it shares NAME_RELEVANT claim words, so an
  unrelated sentence that happens to hold a changed name never hides it. (Widening a passage by
  words another passage already has was measured and dropped: set@3 rose, but the longer
  passages held the swapped-in name or number of a changed claim, and paired flag recall fell.)
- A claim's year that no passage gives but a dateline of the page does (a line of at most
  DATELINE_WORDS words within its opening DATELINE_WITHIN that dates something to a month) puts
  that dateline among the passages, the last of three: a story dated 2017 says "on Tuesday",
  not "in 2017".
- Flags are judged against the whole passages, with the sentences next to them and the page's
  title, opening lines (byline) and dateline as context: a paraphrase is not a missing token. When a
  flagged token is written in another sentence that shares TOKEN_SHARED other claim words
  (VALUE_SHARED for a number or date, found by value: "March 6th, 2019" for "March 6, 2019"), that
  sentence replaces the last passage if fewer flags remain (the sentence richest in claim words
  is not always the one that names who or when).
- Coverage: the share of the claim's content words (outside quotes checked as quotes and the
  credit, and not one of a few frame words such as "year", "later", "became") found in the union
  of the passages; a word is found when its stem is there, or a word sharing its first five
  letters, or (a number) the same value in any spelling.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from math import log
from typing import Any

from verifier.core.align import SourceIndex, align
from verifier.core.claims import ClaimSentence, is_content, stem
from verifier.core.flags import (
    Flag,
    find_flags,
    gives_month,
    is_year_word,
    number_values,
    page_names,
    writes_value,
)
from verifier.core.normalize import fold, unmark
from verifier.core.pdflayout import text_paragraphs
from verifier.core.values import SourceText

#: passages shown per claim
MAX_PASSAGES = 3
#: sentences ranked before passages are chosen
TOP_SENTENCES = 24
#: BM25's length normalisation (b), half strength: the units are sentences, not documents, and at
#: the usual 0.75 a heading or menu item holding two claim words outranks the sentence that says it
LENGTH_NORM = 0.5
#: words from which a sentence without an end mark is cut into pieces
MAX_SENTENCE_WORDS = 60
#: sentences on either side of a passage that count as its neighbours for flags
NEIGHBOURS = 2
#: sentences on either side of a passage in which a claim's name may be found
NAME_NEIGHBOURS = 1
#: opening sentences of the page (byline, dateline) that count as every passage's context
LEAD = 5
#: opening sentences of the page searched for its dateline, and the most words a dateline has
DATELINE_WITHIN = 40
DATELINE_WORDS = 10
#: share of an aligned claim's words that must match for the aligned sentences to lead
ALIGN_MIN = 0.6
#: letters two words must share at the start to count as one word in coverage ("elected", "election")
PREFIX = 5
#: claim words a passage after the first must share with the claim to be shown at all
SHOWN = 1
#: claim words a passage must share with the claim for the names in it to count
NAME_RELEVANT = 2
#: claim words besides a flagged name a sentence must share to be shown for that name
TOKEN_SHARED = 2
#: the same for a flagged number or date, rarer on a page than a name and never swapped in from it
VALUE_SHARED = 2

_WORD = re.compile(r"[^\W_]+(?:[’'][^\W_]+)*")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_LINE = re.compile(r"[^\n]+")
_SENT_END = re.compile(r"(?<=[.!?…])[\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
_ABBREV = re.compile(r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|No|Nos|Gen|Gov|Sen|Rep|Lt|Col|Capt|Prof|"
                     r"Inc|Ltd|Co|Corp|vs|etc|approx|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|U\.S|"
                     r"U\.K|a\.m|p\.m|e\.g|i\.e))\.$")


@dataclass(frozen=True)
class Passage:
    """One evidence passage: a sentence or a few adjacent ones of the source text."""

    text: str
    start: int
    end: int
    page: int | None
    score: float
    #: the text as judged: the page's own footnote marks blanked (normalize.unmark)
    words: str = field(default="", compare=False, repr=False)

    @property
    def judged(self) -> str:
        return self.words or self.text

    def as_dict(self) -> dict[str, object]:
        return {"text": self.text, "start": self.start, "end": self.end, "page": self.page, "score": self.score}


@dataclass
class ClaimJudgement:
    """The contract's judgement of one claim (before it is stored or shown)."""

    source_ref: str | None
    evidence: list[Passage] = field(default_factory=list)
    coverage: float | None = None
    flags: list[Flag] = field(default_factory=list)
    support: str = "unverifiable"


# ------------------------------------------------------------------ words

def fold_text(text: str) -> str:
    """Text as its folded words, space-separated and padded: for looking a token up whole."""
    return " " + " ".join(fold(w) for w in _WORD.findall(text)) + " "


_NUMBER_SEPARATORS = re.compile(r"[,\s]")
_NON_SPACE = re.compile(r"\S+")


@lru_cache(maxsize=1 << 16)
def word_key(word: str) -> str:
    """The form a word is compared in: folded and stemmed, a final e and a doubled final
    consonant dropped ("based" = "base", "starred" = "star"); a number without separators."""
    w = fold(word)
    if any(c.isdigit() for c in w):
        return _NUMBER_SEPARATORS.sub("", w)
    w = stem(w)
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]
    return w


def keys(text: str) -> list[str]:
    """The compared forms of text's content words, in order; a word a printed page hyphenated at a
    line end ("inves-\ntigation") gives its parts and then the word whole."""
    out = [word_key(m.group()) for m in _WORD.finditer(text) if is_content(m.group())]
    if "-\n" in text:
        have = set(out)
        joined = _LINE_HYPHEN.sub("", text)
        out += [k for k in (word_key(m.group()) for m in _WORD.finditer(joined) if is_content(m.group()))
                if k not in have]
    return out


#: a hyphen at a line end between letters, the next line going on in lower case: hyphenation
_LINE_HYPHEN = re.compile(r"(?<=[^\W\d_])-\n(?=[a-z])")


def _inside(pos: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def claim_keys(claim: ClaimSentence, *, with_quotes: bool) -> list[str]:
    """The claim's content words outside the credit (and outside checked quotes unless with_quotes)."""
    credit = claim.credit if with_quotes else claim.set_aside
    return [word_key(m.group()) for m in _WORD.finditer(claim.text)
            if is_content(m.group()) and not _inside(m.start(), credit)]


#: words that carry the sentence's frame, not its content: not counted in coverage
GENERIC = frozenset(word_key(w) for w in str.split("""
year years time times later earlier began begin begins become became becomes led part due prior
including included include known well since several many various would also later subsequently
eventually currently following whose""") )


def _found(key: str, have: set[str], prefixes: set[str]) -> bool:
    if key in have:
        return True
    return len(key) >= PREFIX and key[:PREFIX] in prefixes


# ------------------------------------------------------------------ sentences

def sentences(text: str, *, printed: bool = False) -> list[tuple[int, int]]:
    """Sentence spans of a source text: lines, cut at sentence ends (not after initials or
    abbreviations), long runs without an end mark cut every MAX_SENTENCE_WORDS words. In `printed`
    text (a PDF's pages) a line is where the page ran out, not a block: its paragraphs are the
    units (verifier.core.pdflayout.text_paragraphs)."""
    out: list[tuple[int, int]] = []
    blocks = text_paragraphs(text) if printed else [(m.start(), m.end()) for m in _LINE.finditer(text)]
    for start, end in blocks:
        a = start
        for m in _SENT_END.finditer(text, start, end):
            if _ABBREV.search(text, max(a, m.start() - 8), m.start()):
                continue
            out += _pieces(text, a, m.start())
            a = m.end()
        out += _pieces(text, a, end)
    return out


def _pieces(text: str, a: int, b: int) -> list[tuple[int, int]]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b <= a or not _WORD.search(text, a, b):
        return []
    words = list(_NON_SPACE.finditer(text[a:b]))
    if len(words) <= MAX_SENTENCE_WORDS:
        return [(a, b)]
    out = []
    for k in range(0, len(words), MAX_SENTENCE_WORDS // 2):
        chunk = words[k:k + MAX_SENTENCE_WORDS // 2]
        out.append((a + chunk[0].start(), a + chunk[-1].end()))
    return out


# ------------------------------------------------------------------ the index of one source

class PassageIndex:
    """The sentences of one source and a BM25 ranking over them (built once per source)."""

    def __init__(self, source: SourceText, index: SourceIndex | None = None) -> None:
        self.source = source
        self.align_index = index
        #: the source's text with its own footnote marks blanked, offset for offset: what is judged
        self.plain = index.plain if index is not None and index.source is source else unmark(source.text)
        self.spans: list[tuple[int, int]] = []
        self.tokens: list[list[str]] = []
        seen: set[str] = set()
        for a, b in sentences(self.plain, printed=bool(source.pages)):
            toks = keys(self.plain[a:b])
            sig = " ".join(_WORD.findall(fold(self.plain[a:b])))
            if sig in seen:
                continue  # the full page text after main_end repeats the main text
            seen.add(sig)
            self.spans.append((a, b))
            self.tokens.append(toks)
        self.sets = [set(t) for t in self.tokens]
        self._bm25: Any = None
        self._names: list[list[str]] | None = None
        self.df: dict[str, int] = {}
        for s in self.sets:
            for k in s:
                self.df[k] = self.df.get(k, 0) + 1

    def names(self) -> list[list[str]]:
        """The page's two-word names (built once, on first use)."""
        if self._names is None:
            self._names = page_names(self.plain)
        return self._names

    def _ranker(self) -> Any:
        if self._bm25 is None:
            import bm25s  # imported only when a brief has claims

            self._bm25 = bm25s.BM25(b=LENGTH_NORM)
            self._bm25.index(self.tokens or [[]], show_progress=False)
        return self._bm25

    def scores(self, query: list[str]) -> list[float]:
        if not self.spans or not query:
            return [0.0] * len(self.spans)
        return [float(x) for x in self._ranker().get_scores(query)][: len(self.spans)]

    def idf(self, key: str) -> float:
        n = len(self.spans)
        d = self.df.get(key, 0)
        return log(1 + (n - d + 0.5) / (d + 0.5))

    def text_of(self, lo: int, hi: int) -> tuple[str, int, int]:
        a, b = self.spans[lo][0], self.spans[hi][1]
        return self.source.text[a:b], a, b

    def words_of(self, lo: int, hi: int) -> str:
        """Sentences lo..hi as judged (their footnote marks blanked)."""
        return self.plain[self.spans[lo][0]:self.spans[hi][1]]

    def unit_at(self, offset: int) -> int | None:
        for k, (a, b) in enumerate(self.spans):
            if a <= offset < b:
                return k
        return None


# ------------------------------------------------------------------ choosing passages

@dataclass
class _Window:
    lo: int
    hi: int
    score: float


def _aligned_window(claim: ClaimSentence, px: PassageIndex) -> _Window | None:
    """The sentences a quote-style alignment of the claim's words lands on, if it lands. Letters
    are placed (align's fallback for glued words) only in a PDF's text or in text that reads as
    OCR: on a web page the words alone decide, and the letter pass cost a third of judging a claim."""
    ix = px.align_index
    if ix is None:
        return None
    m = align(claim.text, ix, letters=bool(px.source.pages) or ix.looks_ocr())
    if m is None or m.evidence is None or m.score < ALIGN_MIN:
        return None
    lo = px.unit_at(m.evidence.start)
    hi = px.unit_at(max(m.evidence.start, m.evidence.end - 1))
    if lo is None or hi is None or hi - lo > 2:
        return None
    return _Window(lo, hi, 0.0)


def _gain(px: PassageIndex, lo: int, hi: int, want: dict[str, float], covered: set[str]) -> float:
    got: set[str] = set().union(*px.sets[lo:hi + 1])
    return sum(w for k, w in want.items() if k not in covered and k in got)


def _widen(px: PassageIndex, w: _Window, want: dict[str, float], covered: set[str],
           taken: list[_Window]) -> _Window:
    """Add an adjacent sentence while it brings claim words the passage does not have yet."""
    for _ in range(2):
        have = covered | set().union(*px.sets[w.lo:w.hi + 1])
        best: tuple[float, int, int] | None = None
        for lo, hi in ((w.lo - 1, w.hi), (w.lo, w.hi + 1)):
            if lo < 0 or hi >= len(px.spans) or any(t.lo <= lo <= t.hi or t.lo <= hi <= t.hi for t in taken):
                continue
            g = _gain(px, lo, hi, want, have)
            if g > 0 and (best is None or g > best[0]):
                best = (g, lo, hi)
        if best is None:
            break
        w = _Window(best[1], best[2], w.score + best[0])
    return w


def choose(claim: ClaimSentence, px: PassageIndex) -> list[Passage]:
    """Up to MAX_PASSAGES passages of one source for a claim, best first."""
    query = claim_keys(claim, with_quotes=True)
    if not px.spans or not query:
        return []
    want = {k: px.idf(k) for k in set(query) if k in px.df}
    scores = px.scores(query)
    ranked = sorted(range(len(scores)), key=lambda k: -scores[k])[:TOP_SENTENCES]
    ranked = [k for k in ranked if scores[k] > 0]
    if not ranked:
        return []
    top = scores[ranked[0]]
    chosen: list[_Window] = []
    covered: set[str] = set()
    first = _aligned_window(claim, px)
    if first is not None:
        first.score = max(scores[first.lo:first.hi + 1]) + top
        chosen.append(first)
        covered |= set().union(*px.sets[first.lo:first.hi + 1])
    while len(chosen) < MAX_PASSAGES:
        pick = _next(px, ranked, scores, want, covered, chosen, top)
        if pick is None:
            break
        pick = _widen(px, pick, want, covered, chosen)
        chosen.append(pick)
        covered |= set().union(*px.sets[pick.lo:pick.hi + 1])
    return [_passage(px, w) for w in _dated(claim, px, chosen)]


def _dated(claim: ClaimSentence, px: PassageIndex, chosen: list[_Window]) -> list[_Window]:
    """When the claim's year is in no passage but a dateline of the page gives it (a short line of
    its opening DATELINE_WITHIN that dates it to a month), that dateline is the evidence for the
    year: it joins them, in the last of the three places (a story dated 2017 says "on Tuesday")."""
    years = {k for k in claim_keys(claim, with_quotes=False) if is_year_word(k)}
    shown = set().union(*(px.sets[k] for w in chosen for k in range(w.lo, w.hi + 1)))
    if not chosen or not years - shown:
        return chosen
    for k in range(min(DATELINE_WITHIN, len(px.spans))):
        text = px.words_of(k, k)
        if (years - shown) & px.sets[k] and len(text.split()) <= DATELINE_WORDS and gives_month(text) \
                and not any(w.lo <= k <= w.hi for w in chosen):
            return [*chosen[: MAX_PASSAGES - 1], _Window(k, k, 0.0)]
    return chosen


def _next(px: PassageIndex, ranked: list[int], scores: list[float], want: dict[str, float],
          covered: set[str], chosen: list[_Window], top: float) -> _Window | None:
    total = sum(want.values()) or 1.0
    best: tuple[float, int] | None = None
    for k in ranked:
        if any(w.lo <= k <= w.hi for w in chosen):
            continue
        gain = _gain(px, k, k, want, covered) / total
        if chosen and len(px.sets[k] & want.keys()) < SHOWN:
            continue
        value = scores[k] / top + (2 if chosen else 1) * gain
        if best is None or value > best[0]:
            best = (value, k)
    if best is None:
        return None
    return _Window(best[1], best[1], scores[best[1]])


def _passage(px: PassageIndex, w: _Window) -> Passage:
    text, a, b = px.text_of(w.lo, w.hi)
    return Passage(text, a, b, px.source.page_at(a), round(w.score, 4), px.plain[a:b])


def _units_of(px: PassageIndex, p: Passage) -> tuple[int, int] | None:
    lo, hi = px.unit_at(p.start), px.unit_at(max(p.start, p.end - 1))
    return None if lo is None or hi is None else (lo, hi)


def _lead(px: PassageIndex) -> list[str]:
    """The page's title, its opening sentences and its dateline: the first short sentence of the
    page's opening DATELINE_WITHIN that gives a month of a year ("4 September 2013", "By Jo Marchant on
    March 2, 2017"), which a menu or a sign-up box may push below the opening sentences."""
    out = ([px.source.title] if px.source.title else []) + [px.words_of(k, k)
                                                             for k in range(min(LEAD, len(px.spans)))]
    for k in range(LEAD, min(DATELINE_WITHIN, len(px.spans))):
        text = px.words_of(k, k)
        if len(text.split()) <= DATELINE_WORDS and gives_month(text):
            out.append(text)
            break
    return out


def context_of(px: PassageIndex, passages: Sequence[Passage]) -> list[str]:
    """The sentences next to the passages, and the page's title and opening lines."""
    units: set[int] = set()
    for p in passages:
        span = _units_of(px, p)
        if span is not None:
            units |= set(range(max(0, span[0] - NEIGHBOURS), min(len(px.spans), span[1] + NEIGHBOURS + 1)))
    return _lead(px) + [px.words_of(k, k) for k in sorted(units)]


def name_windows(px: PassageIndex, passages: Sequence[Passage], claim_words: set[str]) -> list[str]:
    """The page's title, and each passage with the sentence on either side as one text when the
    passage shares NAME_RELEVANT claim words: a name of the claim must be found whole in one of them (a name
    met only in an unrelated sentence, or scattered over several passages, is not there)."""
    out = [px.source.title] if px.source.title else []
    for p in passages:
        span = _units_of(px, p)
        if span is not None:
            lo, hi = max(0, span[0] - NAME_NEIGHBOURS), min(len(px.spans) - 1, span[1] + NAME_NEIGHBOURS)
            text = px.words_of(lo, hi)
            if len(set(keys(p.judged)) & claim_words) >= NAME_RELEVANT:
                out.append(text)
    return out


# ------------------------------------------------------------------ coverage and support

def coverage(claim: ClaimSentence, passages: Sequence[Passage]) -> float:
    """The share of the claim's content words found in the union of the passages."""
    mine = [k for k in claim_keys(claim, with_quotes=False) if k not in GENERIC]
    if not mine:
        return 1.0
    joined = " ".join(p.judged for p in passages)
    have = set(keys(joined))
    prefixes = {k[:PREFIX] for k in have if len(k) >= PREFIX}
    values = number_values(joined)
    found = 0
    for k in mine:
        if _found(k, have, prefixes) or (k[:1].isdigit() and number_values(k) & values):
            found += 1
    return round(found / len(mine), 4)


def support(coverage_: float | None, flags: Sequence[Flag], has_passage: bool, *,
            unsupported: float, supported: float) -> str:
    """The contract's rule, first match wins."""
    if coverage_ is None:
        return "unverifiable"
    if not has_passage or coverage_ < unsupported:
        return "unsupported"
    if not flags and coverage_ >= supported:
        return "supported"
    return "partly_supported"


# ------------------------------------------------------------------ one claim

def judge_claim(claim: ClaimSentence, sources: dict[str, PassageIndex | None], *,
                unsupported: float = 0.4, supported: float = 0.8) -> ClaimJudgement:
    """Judge a claim against its credited sources (ref -> index, None when it could not be read).

    With several credited sources, the one whose best passage scores highest gives the evidence.
    """
    readable = [(ref, px) for ref in claim.cites if (px := sources.get(ref)) is not None]
    if not readable:
        return ClaimJudgement(source_ref=claim.cites[0] if claim.cites else None)
    best: tuple[str, PassageIndex, list[Passage]] | None = None
    for ref, px in readable:
        got = choose(claim, px)
        if best is None or (got and (not best[2] or got[0].score > best[2][0].score)):
            best = (ref, px, got)
    assert best is not None
    ref, px, passages = best
    return judge_on(claim, ref, px, passages, unsupported=unsupported, supported=supported)


def judge_on(claim: ClaimSentence, ref: str, px: PassageIndex, passages: list[Passage], *,
             unsupported: float, supported: float) -> ClaimJudgement:
    """Coverage, flags and support of a claim on the passages chosen from one source."""
    flags = _flags(claim, px, passages)
    if flags and passages:
        better = _with_token_passage(claim, px, passages, flags)
        if better is not None:
            passages, flags = better
    cov = coverage(claim, passages) if passages else 0.0
    return ClaimJudgement(ref, passages, cov, flags,
                          support(cov, flags, bool(passages), unsupported=unsupported, supported=supported))


def _flags(claim: ClaimSentence, px: PassageIndex, passages: list[Passage]) -> list[Flag]:
    if not passages:
        return []
    return find_flags(claim.text, [p.judged for p in passages], context_of(px, passages),
                      skip=claim.set_aside, outlets=claim.outlets,
                      name_texts=name_windows(px, passages, set(claim_keys(claim, with_quotes=True))),
                      page=px.plain, page_runs=px.names)


def _with_token_passage(claim: ClaimSentence, px: PassageIndex, passages: list[Passage],
                        flags: list[Flag]) -> tuple[list[Passage], list[Flag]] | None:
    """When the passages lack a flagged token, a sentence of the source that writes it and shares
    TOKEN_SHARED other claim words takes the last passage's place, if that leaves fewer flags (the
    ranking favours the sentence with most claim words; the one with the claim's name may be
    another: "UC Davis medical students … volunteer" beside "clinics … give medical students")."""
    want = set(claim_keys(claim, with_quotes=True))
    shown = {u for p in passages if (span := _units_of(px, p)) is not None for u in range(span[0], span[1] + 1)}
    folded: dict[int, str] = {}  # each sentence folded once, and only when its words qualify it
    for f in flags:
        if f.claim is None or f.source is not None or f.kind == "negation":
            continue
        token = fold_text(f.claim)
        own = set(keys(f.claim))
        value = f.kind in ("number", "date")
        for k, (a, b) in enumerate(px.spans):
            if k in shown or len((px.sets[k] & want) - own) < (VALUE_SHARED if value else TOKEN_SHARED):
                continue
            if value:
                if not writes_value(f.claim, px.plain[a:b]):
                    continue
            else:
                if k not in folded:
                    folded[k] = fold_text(px.plain[a:b])
                if token not in folded[k]:
                    continue
            extra = _passage(px, _Window(k, k, 0.0))
            trial = [*passages[: MAX_PASSAGES - 1], extra]
            got = _flags(claim, px, trial)
            if len(got) < len(flags):
                return trial, got
    return None
