"""Word-by-word judging of an alignment, and the contract's precedence across sources.

Why word by word: a fuzzy score cannot tell a typo from a negation. Each unmatched run of
the alignment is classified on its own (typography, [editorial], ellipsis, parenthetical
note, misspelling, or a real change), and the verdict follows from the worst difference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import NamedTuple

from rapidfuzz.distance import OSA

from verifier.core.normalize import CORE, EDITORIAL, PAREN, ParsedQuote, QTok
from verifier.core.statuses import ACCEPTED, DiffKind, Verdict
from verifier.core.values import Difference, Evidence, Judgement, Match
from verifier.core.wordforms import same_in_style

_INFLECTIONS = ("s", "es", "d", "ed", "ing", "ly", "er", "n")


class Judged(NamedTuple):
    verdict: Verdict
    differences: list[Difference]
    matched: int  # core quote words found (equal, typography or misspelt)
    core: int  # core quote words in all
    score: float


def is_misspelling(q: str, s: str, vocab: dict[str, int] | None = None) -> bool:
    """A slip of the keyboard, not another word: letters only, 5+ letters, OSA distance 1
    (2 from 8 letters), not an inflection of the source word, and not a word the source
    itself uses elsewhere (a real word there means a swapped word, not a typo)."""
    if not (q.isalpha() and s.isalpha()) or min(len(q), len(s)) < 4 or max(len(q), len(s)) < 5:
        return False
    if _stems(q) & _stems(s):
        return False  # states/stated, report/reports: another form of the word
    if _prefix_swap(q, s):
        return False  # likely/unlikely, increased/decreased: the opposite word, two letters away
    limit = 2 if max(len(q), len(s)) >= 8 else 1
    dist = OSA.distance(q, s, score_cutoff=limit)
    if dist > limit:
        return False
    # a real word the source uses is a swap, unless one letter off a long word ("though")
    return not (vocab is not None and q in vocab and not (dist == 1 and len(s) >= 7))


#: prefixes that make a word's opposite or its counterpart (possible/impossible, include/exclude)
_COUNTER_PREFIXES = ("", "un", "in", "im", "il", "ir", "dis", "non", "mis", "a", "de", "ex")


def _prefix_swap(q: str, s: str) -> bool:
    """Whether the two words are one stem of 4+ letters under two different such prefixes."""
    for p in _COUNTER_PREFIXES:
        if not q.startswith(p):
            continue
        rest = q[len(p):]
        for p2 in _COUNTER_PREFIXES:
            if p2 != p and len(rest) >= 4 and s == p2 + rest:
                return True
    return False


def _stems(w: str) -> set[str]:
    return {w} | {w[: -len(x)] for x in _INFLECTIONS if w.endswith(x) and len(w) - len(x) >= 3}


def judge_alignment(
    pq: ParsedQuote,
    cols: list[tuple[int, int]],
    src_norms: list[str],
    src_text: str,
    src_spans: tuple[list[int], list[int]],
    vocab: dict[str, int] | None = None,
    glue: Callable[[int, str, str], bool] | None = None,
) -> Judged:
    """Classify every unmatched run of `cols` ((quote index | -1, source index | -1) columns).

    Source-only words at an ellipsis are marked omissions; words aligned with [editorial]
    quote words are the editor's business; a parenthetical the source lacks is an
    `inserted_note` (minor_differences: the quoted words themselves are all there);
    glued/split words with the same letters are typography; at either end of the passage a
    quote word glued to its neighbour in the source (OCR: "Hickssaid", "marryit") is too,
    when both halves of the glued token are words of the source ("Trumpas" = "Trump" + "as");
    a quote word that is only part of a source word is not (see _glued_edge).
    """
    toks = _source_parentheticals_as_core(pq.toks, cols, src_norms, src_text, src_spans)
    runs = _RunJudge(pq, toks, src_norms, src_text, src_spans, vocab, glue)
    for run, at_start, at_end in _unmatched_runs(pq, toks, cols, src_norms, runs):
        runs.judge(run, at_start, at_end)
    return runs.result(sum(1 for t in toks if t.kind == CORE))


def _unmatched_runs(pq: ParsedQuote, toks: list[QTok], cols: list[tuple[int, int]], src_norms: list[str],
                    counter: _RunJudge) -> Iterator[tuple[list[tuple[int, int]], bool, bool]]:
    """The runs of columns between equal word pairs (equal core words are counted on the way),
    without the source words left out at an ellipsis: those are marked omissions."""
    n = len(cols)

    def equal(c: int) -> bool:
        qi, sj = cols[c]
        return qi >= 0 and sj >= 0 and toks[qi].norm == src_norms[sj]

    # quote position of each column (index of the next quote word), for ellipsis omissions
    next_q = [len(toks)] * (n + 1)
    for c in range(n - 1, -1, -1):
        next_q[c] = cols[c][0] if cols[c][0] >= 0 else next_q[c + 1]
    k = 0
    while k < n:
        if equal(k):
            if toks[cols[k][0]].kind == CORE:
                counter.matched += 1
            k += 1
            continue
        e = k
        while e < n and not equal(e):
            e += 1
        yield [cols[c] for c in range(k, e) if not (cols[c][0] < 0 and next_q[c] in pq.boundaries)], k == 0, e == n
        k = e


class _RunJudge:
    """Judges one unmatched run at a time and keeps the tally (differences, matched, changed)."""

    def __init__(self, pq: ParsedQuote, toks: list[QTok], src_norms: list[str], src_text: str,
                 src_spans: tuple[list[int], list[int]], vocab: dict[str, int] | None,
                 glue: Callable[[int, str, str], bool] | None) -> None:
        self.pq, self.toks, self.src_norms, self.src_text = pq, toks, src_norms, src_text
        self.starts, self.ends = src_spans
        self.vocab, self.glue = vocab, glue
        self.diffs: list[Difference] = []
        self.matched = 0
        self.dropped_n = 0

    def qtext(self, idx: list[int]) -> str:
        return self.pq.text[self.toks[idx[0]].start:self.toks[idx[-1]].end]

    def stext(self, idx: list[int]) -> str:
        return self.src_text[self.starts[idx[0]]:self.ends[idx[-1]]]

    def judge(self, run: list[tuple[int, int]], at_start: bool, at_end: bool) -> None:
        toks = self.toks
        # [editorial] words absorb what they are aligned with
        run = [c for c in run if not (c[0] >= 0 and toks[c[0]].kind == EDITORIAL)]
        # parenthetical notes the source lacks
        for g in sorted({toks[c[0]].group for c in run if c[0] >= 0 and toks[c[0]].kind == PAREN}):
            a, b = self.pq.spans[g]
            self.diffs.append(Difference(DiffKind.INSERTED_NOTE, self.pq.text[a:b], ""))
        q_idx = [c[0] for c in run if c[0] >= 0 and toks[c[0]].kind == CORE]
        s_idx = [c[1] for c in run if c[1] >= 0]
        if q_idx and s_idx and self._typography(q_idx, s_idx, at_start, at_end):
            self.matched += len(q_idx)
            return
        if q_idx and s_idx and self._in_style_at(q_idx, s_idx, at_start):
            self.matched += len(q_idx)
            self.diffs.append(Difference(DiffKind.SPELLING, self.qtext(q_idx), self.stext(s_idx)))
            return
        if q_idx and s_idx and len(q_idx) != len(s_idx):
            # glued or broken words on one side (OCR): quote words whose letters open or close
            # the run on both sides are typography; only the middle is a difference
            kept, q_idx, s_idx = _peel([toks[i].norm for i in q_idx], q_idx,
                                       [self.src_norms[j] for j in s_idx], s_idx)
            self.matched += kept
        if not q_idx and not s_idx:
            return
        if not q_idx:
            self.diffs.append(Difference(DiffKind.DROPPED, "", self.stext(s_idx)))
            self.dropped_n += len(s_idx)
        elif not s_idx:
            self.diffs.append(Difference(DiffKind.ADDED, self.qtext(q_idx), ""))
        elif len(q_idx) == len(s_idx):
            self._pairwise(q_idx, s_idx)
        else:
            self.diffs.append(Difference(DiffKind.REPLACED, self.qtext(q_idx), self.stext(s_idx)))

    def _typography(self, q_idx: list[int], s_idx: list[int], at_start: bool, at_end: bool) -> bool:
        """Glued or split words with the same letters, or an OCR-glued word at a passage edge."""
        q_letters = "".join(self.toks[i].norm for i in q_idx)
        if q_letters == "".join(self.src_norms[j] for j in s_idx):
            return True
        return self.glue is not None and _glued_edge(
            q_letters, [self.src_norms[j] for j in s_idx], s_idx, at_start, at_end, self.glue)

    def _in_style_at(self, q_idx: list[int], s_idx: list[int], at_start: bool) -> bool:
        """As _in_style, and at the passage's start with the source word before it too: the passage
        may start at the second of the two words a contraction stands for ("It's" for "It is")."""
        return self._in_style(q_idx, s_idx) or (at_start and s_idx[0] > 0
                                                and self._in_style(q_idx, [s_idx[0] - 1, *s_idx]))

    def _in_style(self, q_idx: list[int], s_idx: list[int]) -> bool:
        """The same words written another way (wordforms): a figure, a contraction."""
        return same_in_style([self.toks[i].norm for i in q_idx], self.qtext(q_idx),
                             [self.src_norms[j] for j in s_idx], self.stext(s_idx))

    def _pairwise(self, q_idx: list[int], s_idx: list[int]) -> None:
        """Equal-length runs word by word: possessives and spelling slips are not changes;
        adjacent changed words are reported as one replacement."""
        pend_q: list[int] = []
        pend_s: list[int] = []
        for qi, sj in zip(q_idx, s_idx, strict=True):
            q, s = self.toks[qi].norm, self.src_norms[sj]
            if q == s or _possessive(q, s, self.src_text[self.starts[sj]:self.ends[sj]]):
                self.matched += 1
                continue
            if is_misspelling(q, s, self.vocab):
                self.matched += 1
                self.diffs.append(Difference(DiffKind.SPELLING, self.qtext([qi]), self.stext([sj])))
                continue
            if self._in_style([qi], [sj]):
                self.matched += 1
                self.diffs.append(Difference(DiffKind.SPELLING, self.qtext([qi]), self.stext([sj])))
                continue
            if pend_q and pend_q[-1] == qi - 1:
                pend_q.append(qi)
                pend_s.append(sj)
                continue
            if pend_q:
                self.diffs.append(Difference(DiffKind.REPLACED, self.qtext(pend_q), self.stext(pend_s)))
            pend_q, pend_s = [qi], [sj]
        if pend_q:
            self.diffs.append(Difference(DiffKind.REPLACED, self.qtext(pend_q), self.stext(pend_s)))

    def result(self, core_total: int) -> Judged:
        kinds = {d.kind for d in self.diffs}
        if kinds & {DiffKind.REPLACED, DiffKind.ADDED, DiffKind.DROPPED}:
            verdict = Verdict.ALTERED
        elif kinds:
            verdict = Verdict.MINOR
        else:
            verdict = Verdict.VERIFIED
        spelled = sum(1 for d in self.diffs if d.kind == DiffKind.SPELLING)
        denom = max(core_total + self.dropped_n, 1)
        score = max(0.0, min(1.0, (self.matched - 0.5 * spelled) / denom))
        if verdict is Verdict.MINOR:
            score = min(score, 0.99)
        return Judged(verdict, self.diffs, self.matched, core_total, round(score, 4))


def _source_parentheticals_as_core(toks: list[QTok], cols: list[tuple[int, int]], src_norms: list[str],
                                   src_text: str, src_spans: tuple[list[int], list[int]]) -> list[QTok]:
    """A parenthetical the source has too is quoted text, not the quoter's note: its words are
    judged like the rest ("(a minor fault)" for the source's "(a major fault)" is `replaced`).
    The source has it when the source words it aligns with stand in parentheses there and at
    least half of its words, or three, equal them (a note whose word meets the same word just
    outside the source's parentheses, "(for now) for", stays a note)."""
    groups: dict[int, list[int]] = {}
    for i, t in enumerate(toks):
        if t.kind == PAREN:
            groups.setdefault(t.group, []).append(i)
    if not groups:
        return toks
    same = {qi for qi, sj in cols if qi >= 0 and sj >= 0 and toks[qi].norm == src_norms[sj]}
    placed: dict[int, list[int]] = {}
    for qi, sj in cols:
        if qi >= 0 and sj >= 0 and toks[qi].kind == PAREN:
            placed.setdefault(toks[qi].group, []).append(sj)
    present = {g for g, idx in groups.items() if _enough_same(sum(1 for i in idx if i in same), len(idx))
               and g in placed and _in_parens(src_text, src_spans, min(placed[g]), max(placed[g]))}
    if not present:
        return toks
    return [t._replace(kind=CORE) if t.kind == PAREN and t.group in present else t for t in toks]


PAREN_REACH = 400  # characters looked at around the aligned words for the source's own parentheses


NOTE_SAME_WORDS = 3  # equal words that make a long parenthetical the source's, when fewer than half align


def _enough_same(same: int, total: int) -> bool:
    """Half of a parenthetical's words equal to the source's, or three (an alignment of a long
    note may stop at a changed word and leave the rest unaligned)."""
    return 2 * same >= total or same >= NOTE_SAME_WORDS


def _in_parens(src_text: str, src_spans: tuple[list[int], list[int]], lo: int, hi: int) -> bool:
    """Whether source words lo..hi stand inside one parenthetical there: an unclosed "(" before
    them and its ")" after them. The aligned words need not reach the parentheses: a changed or
    moved word near the end of the note leaves the words after it unaligned."""
    starts, ends = src_spans
    left = src_text[max(0, starts[lo] - PAREN_REACH):starts[lo]]
    right = src_text[ends[hi]:ends[hi] + PAREN_REACH]
    close, reopen = right.find(")"), right.find("(")
    return left.rfind("(") > left.rfind(")") and close >= 0 and (reopen < 0 or close < reopen)


def _peel(qw: list[str], q_idx: list[int], sw: list[str], s_idx: list[int]) -> tuple[int, list[int], list[int]]:
    """Strip quote words whose letters start (end) the run's source letters too, ending on a
    quote word boundary; source words wholly inside the stripped letters go with them.
    Returns (quote words stripped, quote words left, source words left)."""
    qs, ss = "".join(qw), "".join(sw)
    if not qs or not ss:
        return 0, q_idx, s_idx
    # prefix
    k = 0
    acc = 0
    while k < len(qw) and ss.startswith(qs[: acc + len(qw[k])]):
        acc += len(qw[k])
        k += 1
    pre_q, pre_chars = k, acc
    # suffix, not overlapping the prefix
    k = 0
    acc = 0
    while (pre_q + k < len(qw) and acc + len(qw[-1 - k]) <= len(ss) - pre_chars
           and ss.endswith(qs[len(qs) - acc - len(qw[-1 - k]):])):
        acc += len(qw[-1 - k])
        k += 1
    suf_q, suf_chars = k, acc
    if not pre_q and not suf_q:
        return 0, q_idx, s_idx
    # source words wholly within the stripped letters
    ends = [0]
    for w in sw:
        ends.append(ends[-1] + len(w))
    lo = sum(1 for x in range(len(sw)) if ends[x + 1] <= pre_chars)
    hi = sum(1 for x in range(len(sw)) if ends[x] < len(ss) - suf_chars)
    hi = max(hi, lo)
    return pre_q + suf_q, q_idx[pre_q:len(q_idx) - suf_q], s_idx[lo:hi]


def _glued_edge(q: str, s_words: list[str], s_idx: list[int], at_start: bool, at_end: bool,
                glue: Callable[[int, str, str], bool]) -> bool:
    """The quote's letters found inside glued source words at the passage's edge (OCR:
    "Hickssaid"): the source's letters must start (end) with the quote's, and the quote must stop
    on a word boundary of the source, or inside a token that `glue(j, part, extra)` says is two
    words glued together.

    A quote word that is only part of one source word ("ried" for "carried", "King" for
    "Kingdom", "truck" for "trucks") is not glue: it is judged as the same difference would be
    inside the quote."""
    s = "".join(s_words)
    if len(s) <= len(q) or at_start == at_end:
        return False
    if at_end and s.startswith(q) and s[len(q):].isalnum() and q[-1:].isalpha():
        acc = 0
        for k, w in enumerate(s_words):
            acc += len(w)
            if acc >= len(q):
                part, extra = s[acc - len(w):len(q)], s[len(q):acc]
                return acc == len(q) or glue(s_idx[k], part, extra)
    if at_start and s.endswith(q) and s[: len(s) - len(q)].isalnum() and q[:1].isalpha():
        acc = 0
        for k in range(len(s_words) - 1, -1, -1):
            acc += len(s_words[k])
            if acc >= len(q):
                lo = len(s) - acc
                part, extra = s[len(s) - len(q):lo + len(s_words[k])], s[lo:len(s) - len(q)]
                return acc == len(q) or glue(s_idx[k], part, extra)
    return False


def _possessive(q: str, s: str, s_orig: str) -> bool:
    """"person" for the source's "person’s": a dropped possessive is typography."""
    return s == q + "s" and s_orig[-2:-1] in ("'", "’", "ʼ")


_RANK = {Verdict.VERIFIED: 0, Verdict.MINOR: 1, Verdict.ALTERED: 2}


def _best(cands: list[tuple[str, Match]]) -> tuple[str, Match] | None:
    if not cands:
        return None
    return min(cands, key=lambda rm: (_RANK.get(rm[1].verdict, 9), -rm[1].score))


def decide(quote_cites: list[str], matches: dict[str, Match | None], readable: dict[str, bool],
           partial: Mapping[str, str] | None = None) -> Judgement:
    """The contract's precedence across sources:
    (1) verified/minor in a credited source; (2) unverifiable if a credited source could not
    be read; (3) misattributed if another readable cited source has it; (4) altered in a
    credited source; (5) not_found. Without credit every ref is credited and (3) never applies.
    A credited source of which only part could be read (`partial`: ref -> why, a paywall) counts
    as unread for (2) unless it has the quote altered: the quote may stand in the rest.
    """
    refs = list(readable)
    credited = [r for r in quote_cites if r in readable] if quote_cites else refs
    if quote_cites and not credited:
        credited = []
    others = [r for r in refs if r not in credited] if quote_cites else []

    def found(rs: list[str], accepted: bool) -> list[tuple[str, Match]]:
        out = []
        for r in rs:
            m = matches.get(r)
            if m is None or not readable.get(r, False):
                continue
            if (m.verdict in ACCEPTED) == accepted:
                out.append((r, m))
        return out

    def judgement(verdict: Verdict, rm: tuple[str, Match], note: str | None = None) -> Judgement:
        r, m = rm
        return Judgement(verdict, m.score, r, m.evidence, list(m.differences), note)

    best = _best(found(credited, True))
    if best:
        return judgement(best[1].verdict, best)
    unreadable = [r for r in credited if not readable.get(r, False)]
    if unreadable:
        elsewhere = _best(found(others, True))
        note = None
        if elsewhere:
            note = f"a copy was found in source {elsewhere[0]}, which the quote is not credited to"
        return Judgement(Verdict.UNVERIFIABLE, None, unreadable[0], None, [],
                         note or f"source {', '.join(unreadable)} could not be read")
    other = _best(found(others, True))
    altered = _best(found(credited, False))
    cut = [r for r in credited if r in (partial or {})] if not altered or other else []
    if cut:
        note = f"source {cut[0]} shows only part of its text ({(partial or {})[cut[0]]}); the passage is not in that part"
        if other:
            note += f"; found in source {other[0]}, which the quote is not credited to"
        return Judgement(Verdict.UNVERIFIABLE, None, cut[0], None, [], note)
    if other:
        return judgement(Verdict.MISATTRIBUTED, other,
                         f"credited to {', '.join(credited) or 'an unknown source'}, found in source {other[0]}")
    if altered:
        return judgement(Verdict.ALTERED, altered)
    return Judgement(Verdict.NOT_FOUND, None, None, None, [], None)


__all__ = ["Evidence", "Judged", "decide", "is_misspelling", "judge_alignment"]
