"""Find a quote in one source: a word 3-gram index proposes windows, a local alignment judges.

Why: a whole-text fuzzy search costs milliseconds per quote and its score cannot tell a typo
from a negation. The index is built once per source; each quote looks up its word 3-grams,
chains the hits that agree (one diagonal, or several in order for an ellipsis quote), aligns
the quote word by word between the first and last hit (rapidfuzz Levenshtein on word ids,
in C) and at the two edges (a small DP whose source end is free), then `judge_alignment`
classifies every difference.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate

from rapidfuzz.distance import Levenshtein, Opcode

from verifier.core.judge import Judged, judge_alignment
from verifier.core.normalize import CORE, EDITORIAL, PAREN, ParsedQuote, parse_quote, tokenize, unmark
from verifier.core.statuses import Verdict
from verifier.core.values import Evidence, Match, SourceText

#: 3-grams more frequent than this in a source are not used as anchors (unless nothing else is)
MAX_POSTING = 2000
#: words of drift tolerated on one diagonal (silent cuts, added words)
DIAG_TOL = 10
#: source words an ellipsis may skip
ELLIPSIS_GAP = 400
#: how many candidate windows are aligned per quote
TOP_WINDOWS = 4
#: share of the quote's own words that must align for the passage to count as there
MIN_FOUND = 0.6
#: character fallback (OCR text): exact letter chunks of this length place the quote
CHUNK = 10
#: chunks found more often than this in a source are not used
CHUNK_MAX_HITS = 20
#: source words of margin around a character-level window
CHAR_MARGIN = 8
CONTEXT = 150

_RANK = {Verdict.VERIFIED: 0, Verdict.MINOR: 1, Verdict.ALTERED: 2}
#: share of a source's words that are glued tokens from which on it reads as OCR (see looks_ocr)
OCR_GLUE_SHARE = 0.002


@dataclass
class SourceIndex:
    """Folded word tokens of one source with offsets, and a word 3-gram index over them."""

    source: SourceText
    norms: list[str]
    starts: list[int]
    ends: list[int]
    ids: list[int]
    vocab: dict[str, int]
    tri: dict[int, list[int]] = field(repr=False)
    uni: dict[int, list[int]] = field(repr=False)
    _sq: tuple[str, list[int]] | None = field(default=None, repr=False)
    _heads: dict[str, list[int]] | None = field(default=None, repr=False)
    _ocr: bool | None = field(default=None, repr=False)
    #: the source's text with its own footnote marks blanked (normalize.unmark), offset for offset:
    #: what its words were read from, kept for the claims' passages (verifier.core.evidence)
    plain: str = field(default="", repr=False)

    def squashed(self) -> tuple[str, list[int]]:
        """The source's folded words glued together, and where each word starts in it (built
        on first use: only quotes that the word index cannot place need it)."""
        if self._sq is None:
            starts = list(accumulate((len(w) for w in self.norms), initial=0))
            self._sq = ("".join(self.norms), starts[:-1])
        return self._sq

    def heads(self) -> dict[str, list[int]]:
        """The CHUNK letters that follow each word start in the glued text -> the words there.

        Looking a quote's letter runs up here costs a dict lookup, where searching the glued
        text costs a scan of the whole source (milliseconds on a long report) per run."""
        if self._heads is None:
            sq, starts = self.squashed()
            heads: dict[str, list[int]] = {}
            for p, c in enumerate(starts):
                heads.setdefault(sq[c:c + CHUNK], []).append(p)
            self._heads = heads
        return self._heads

    @classmethod
    def build(cls, source: SourceText) -> SourceIndex:
        plain = unmark(source.text)
        toks = tokenize(plain)  # normalize.unmarked_tokens, with the unmarked text kept
        norms = [t.norm for t in toks]
        vocab: dict[str, int] = {}
        ids = [vocab.setdefault(w, len(vocab)) for w in norms]
        v = len(vocab) + 1
        tri: dict[int, list[int]] = {}
        uni: dict[int, list[int]] = {}
        for p, a in enumerate(ids):
            uni.setdefault(a, []).append(p)
        vv = v * v
        for p in range(len(ids) - 2):
            key = ids[p] * vv + ids[p + 1] * v + ids[p + 2]
            lst = tri.get(key)
            if lst is None:
                tri[key] = [p]
            else:
                lst.append(p)
        return cls(source, norms, [t.start for t in toks], [t.end for t in toks], ids, vocab, tri, uni, plain=plain)

    def is_glue(self, j: int, part: str, extra: str) -> bool:
        """Whether source word j, cut where a quote's edge ends (`part` the quote's letters,
        `extra` the rest), is OCR glue of two words ("Hicks|said", "Trump|as") rather than one
        word cut short ("car|ried", "King|dom", "truck|s", "administrati|on"). In a source that
        reads as OCR (`looks_ocr`): the token is rare there or `extra` is a word of the source.
        In any other source: a rare token whose halves are both words of the source, or a
        function word glued to a name."""
        if len(extra) < 2:
            return False
        rare = len(self.uni.get(self.ids[j], ())) <= 2
        if self.looks_ocr():
            return rare or extra in self.vocab
        if not rare:
            return False
        if part in self.vocab:
            return extra in self.vocab or extra in _GLUE_WORDS
        return extra in _GLUE_WORDS and self.norms[j].startswith(part) and self._is_name(j)

    def looks_ocr(self) -> bool:
        """Whether the source reads as OCR: at least OCR_GLUE_SHARE of its words are rare tokens
        made of a function word glued to a word of the source ("marryit", "notbe"). Clean text
        has almost none (0.02% in a 200,000-word report, 0.85% in the OCR of the same report)."""
        if self._ocr is None:
            glued = 0
            for w, i in self.vocab.items():
                n = len(self.uni[i])
                if n <= 2 and len(w) >= 5 and any(
                        (w[-k:] in _GLUE_WORDS and w[:-k] in self.vocab) or (w[:k] in _GLUE_WORDS and w[k:] in self.vocab)
                        for k in range(2, 6)):
                    glued += n
            self._ocr = glued >= OCR_GLUE_SHARE * max(len(self.norms), 1)
        return self._ocr

    def _is_name(self, j: int) -> bool:
        """Source word j is capitalised inside a sentence (a name, not a sentence start)."""
        text = self.source.text
        gap = text[self.ends[j - 1]:self.starts[j]] if j > 0 else "."
        return text[self.starts[j]].isupper() and not any(c in gap for c in ".!?\n")

    def key(self, a: int, b: int, c: int) -> int:
        v = len(self.vocab) + 1
        return a * v * v + b * v + c


#: short words OCR glues onto a neighbour ("Trumpwill notbe", "marryit"), for is_glue
_GLUE_WORDS = frozenset(["a", "i", "an", "as", "at", "be", "by", "do", "he", "if", "in", "is", "it", "me", "my", "no", "not", "of", "on", "or", "so", "to", "up", "us", "we", "am", "are", "was", "were", "has", "had", "have", "his", "her", "him", "its", "our", "she", "the", "and", "but", "for", "nor", "yet", "you", "who", "may", "can", "will", "would", "said", "says", "that", "this", "than", "then", "them", "they", "with", "from", "into", "over", "also", "did", "does"])


# ------------------------------------------------------------------ edge alignment

def _edge(q: list[int], kinds: list[int], s: list[int]) -> list[tuple[int, int]]:
    """Align all of `q` with a prefix of `s` (both start at 0; the end of `s` is free).

    Returns local (qi | -1, sj | -1) columns. Costs make [editorial] words stand for one
    source word and parentheticals cost nothing to insert, and prefer a substitution to a
    gap pair so the edge of the evidence lands on the right word.
    """
    n, m = len(q), len(s)
    sub = [0.1 if k == EDITORIAL else 2.0 if k == PAREN else 1.0 for k in kinds]
    ins = [0.3 if k == EDITORIAL else 0.01 if k == PAREN else 1.0 for k in kinds]
    d = [[0.0] * (m + 1) for _ in range(n + 1)]
    bt = [[0] * (m + 1) for _ in range(n + 1)]
    for j in range(1, m + 1):
        d[0][j] = float(j)
        bt[0][j] = 2
    for i in range(1, n + 1):
        di, dp, bi = d[i], d[i - 1], bt[i]
        qi, si, ii = q[i - 1], sub[i - 1], ins[i - 1]
        di[0] = dp[0] + ii
        bi[0] = 1
        for j in range(1, m + 1):
            best = dp[j - 1] + (0.0 if qi == s[j - 1] else si)
            b = 0
            up = dp[j] + ii
            if up < best:
                best, b = up, 1
            left = di[j - 1] + 1.0
            if left < best:
                best, b = left, 2
            di[j] = best
            bi[j] = b
    last = d[n]
    j = min(range(m + 1), key=lambda x: (last[x], -x))  # ties: consume the source word
    i = n
    cols: list[tuple[int, int]] = []
    while i > 0 or j > 0:
        b = bt[i][j]
        if b == 0:
            cols.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif b == 1:
            cols.append((i - 1, -1))
            i -= 1
        else:
            cols.append((-1, j - 1))
            j -= 1
    cols.reverse()
    return cols


# ------------------------------------------------------------------ candidates

@dataclass
class _Quote:
    pq: ParsedQuote
    ids: list[int]
    kinds: list[int]
    qpos: list[int]  # expected source offset of each quote word from the passage start
    core: int


def _prepare(quote_text: str, index: SourceIndex, parsed: ParsedQuote | None = None) -> _Quote | None:
    pq = parsed if parsed is not None else parse_quote(quote_text)
    if not pq.toks:
        return None
    ids, kinds, qpos = [], [], []
    pos = 0
    seen_groups: set[int] = set()
    for k, t in enumerate(pq.toks):
        ids.append(index.vocab.get(t.norm, -1 - k))
        kinds.append(t.kind)
        qpos.append(pos)
        if t.kind in (CORE, PAREN):  # a parenthetical is assumed to be in the source too
            pos += 1
        elif t.kind == EDITORIAL and t.group not in seen_groups:
            seen_groups.add(t.group)
            pos += 1
    core = sum(1 for k in kinds if k == CORE)
    return _Quote(pq, ids, kinds, qpos, core)


def _hits(qq: _Quote, index: SourceIndex) -> list[tuple[int, int, int, int]]:
    """(diagonal, first quote word, last quote word, source position) of every 3-gram hit."""
    toks = qq.pq.toks
    runs: list[list[int]] = []
    for skip_paren in (True, False):  # 3-grams with and without the parentheticals
        if not skip_paren and not any(t.kind == PAREN for t in toks):
            break
        cur: list[int] = []
        for i, t in enumerate(toks):
            if t.kind == PAREN and skip_paren:
                continue
            if t.kind == EDITORIAL or (cur and toks[cur[-1]].seg != t.seg):
                if cur:
                    runs.append(cur)
                cur = [] if t.kind == EDITORIAL else [i]
                continue
            cur.append(i)
        if cur:
            runs.append(cur)
    grams: list[tuple[int, int, list[int]]] = []
    seen: set[tuple[int, int, int]] = set()
    for run in runs:
        for x in range(len(run) - 2):
            a, b, c = run[x], run[x + 1], run[x + 2]
            if (a, b, c) in seen:
                continue
            seen.add((a, b, c))
            if min(qq.ids[a], qq.ids[b], qq.ids[c]) < 0:
                continue
            post = index.tri.get(index.key(qq.ids[a], qq.ids[b], qq.ids[c]))
            if post:
                grams.append((a, c, post))
    if not grams:
        return []
    usable = [g for g in grams if len(g[2]) <= MAX_POSTING]
    if not usable:
        usable = sorted(grams, key=lambda g: len(g[2]))[:2]
    out = []
    for a, c, post in usable:
        qa = qq.qpos[a]
        for p in post:
            out.append((p - qa, a, c, p))
    return out


def _chains(qq: _Quote, hits: list[tuple[int, int, int, int]]) -> list[list[tuple[int, int, int, int]]]:
    """Groups of hits on nearby diagonals, best first, each reduced to an increasing chain."""
    nseg = 1 + len(qq.pq.boundaries)
    tol = DIAG_TOL + ELLIPSIS_GAP * (nseg - 1)
    hits.sort()
    groups: list[list[tuple[int, int, int, int]]] = []
    cur = [hits[0]]
    for h in hits[1:]:
        if h[0] - cur[-1][0] <= (DIAG_TOL if nseg == 1 else tol) and h[0] - cur[0][0] <= tol:
            cur.append(h)
        else:
            groups.append(cur)
            cur = [h]
    groups.append(cur)
    counted = sorted(((len({h[1] for h in g}), g) for g in groups), key=lambda cg: (-cg[0], cg[1][0][0]))
    top = counted[0][0]
    # windows with far fewer agreeing 3-grams than the best are chance hits of common phrases
    scored = [g for c, g in counted[:TOP_WINDOWS] if c * 3 >= top]
    out = []
    bounds = sorted(qq.pq.boundaries)
    for g in scored:
        out.append(_best_chain(g[:400], bounds))
    return out


def _best_chain(g: list[tuple[int, int, int, int]], bounds: list[int]) -> list[tuple[int, int, int, int]]:
    """The chain of hits, increasing in quote word and source position, with most hits
    and least drift between diagonals (drift across an ellipsis is nearly free)."""
    g = sorted(g, key=lambda h: (h[3], h[1]))
    best = [1.0] * len(g)
    prev = [-1] * len(g)
    for k, (dk, ik, _, pk) in enumerate(g):
        for x in range(k):
            dx, ix, _, px = g[x]
            if ix >= ik or px >= pk:
                continue
            crosses = bisect.bisect_right(bounds, ix) != bisect.bisect_right(bounds, ik)
            pen = 0.2 if crosses and dk >= dx else 0.2 + 0.1 * abs(dk - dx) if dk != dx else 0.0
            val = best[x] + 1.0 - pen
            if val > best[k]:
                best[k], prev[k] = val, x
    k = max(range(len(g)), key=lambda x: (best[x], -x))
    chain = []
    while k >= 0:
        chain.append(g[k])
        k = prev[k]
    chain.reverse()
    return chain


def _slide_omissions(cols: list[tuple[int, int]], qq: _Quote, sids: list[int]) -> list[tuple[int, int]]:
    """Move a source-only run onto the nearest ellipsis when equal words make that an equally
    good alignment (Levenshtein may place the gap a word or two off)."""
    if not qq.pq.boundaries:
        return cols
    cols = list(cols)
    c = 0
    while c < len(cols):
        if cols[c][0] >= 0:
            c += 1
            continue
        c2 = c
        while c2 < len(cols) and cols[c2][0] < 0:
            c2 += 1
        nxt = cols[c2][0] if c2 < len(cols) else len(qq.ids)
        if nxt in qq.pq.boundaries or c == 0 or c2 == len(cols):
            c = c2
            continue
        trial = list(cols)
        a, b = c, c2
        ok = False
        for _ in range(8):  # slide left
            if a == 0:
                break
            qi, sj = trial[a - 1]
            j1, j2 = trial[a][1], trial[b - 1][1]
            if qi < 0 or sj < 0 or sids[sj] != sids[j2] or qq.ids[qi] != sids[sj]:
                break
            trial[a - 1:b] = [(-1, x) for x in range(j1 - 1, j2)] + [(qi, j2)]
            a, b = a - 1, b - 1
            if qi in qq.pq.boundaries:
                ok = True
                break
        if not ok:
            trial = list(cols)
            a, b = c, c2
            for _ in range(8):  # slide right
                if b >= len(trial):
                    break
                qi, sj = trial[b]
                j1, j2 = trial[a][1], trial[b - 1][1]
                if qi < 0 or sj < 0 or sids[j1] != sids[sj] or qq.ids[qi] != sids[sj]:
                    break
                trial[a:b + 1] = [(qi, j1)] + [(-1, x) for x in range(j1 + 1, j2 + 2)]
                a, b = a + 1, b + 1
                nq = trial[b][0] if b < len(trial) else len(qq.ids)
                if nq in qq.pq.boundaries:
                    ok = True
                    break
        if ok:
            cols = trial
        c = c2
    return cols


def _align_chain(qq: _Quote, chain: list[tuple[int, int, int, int]], index: SourceIndex) -> list[tuple[int, int]]:
    """Columns for the whole quote: edge DP before the first hit, Levenshtein between the
    first and last hits, edge DP after the last."""
    _, a0, _, p0 = chain[0]
    _, _, c1, p1 = chain[-1]
    qend, send = c1 + 1, p1 + 3
    sids = index.ids
    cols: list[tuple[int, int]] = []
    if a0 > 0:
        span = qq.qpos[a0] + 6
        lo = max(0, p0 - span)
        rq = qq.ids[:a0][::-1]
        rk = qq.kinds[:a0][::-1]
        rs = sids[lo:p0][::-1]
        for qi, sj in reversed(_edge(rq, rk, rs)):
            cols.append((a0 - 1 - qi if qi >= 0 else -1, p0 - 1 - sj if sj >= 0 else -1))
        # drop source words before the first quote word (free start)
        while cols and cols[0][0] < 0:
            cols.pop(0)
    for op in Levenshtein.opcodes(qq.ids[a0:qend], sids[p0:send]):
        if op.tag == "equal" or op.tag == "replace":
            la, lb = op.src_end - op.src_start, op.dest_end - op.dest_start
            for x in range(max(la, lb)):
                qi = a0 + op.src_start + x if x < la else -1
                sj = p0 + op.dest_start + x if x < lb else -1
                cols.append((qi, sj))
        elif op.tag == "insert":
            cols.extend((-1, p0 + x) for x in range(op.dest_start, op.dest_end))
        else:  # delete: quote words the source lacks
            cols.extend((a0 + x, -1) for x in range(op.src_start, op.src_end))
    if qend < len(qq.ids):
        span = qq.qpos[-1] - qq.qpos[qend] + 7
        hi = min(len(sids), send + span)
        for qi, sj in _edge(qq.ids[qend:], qq.kinds[qend:], sids[send:hi]):
            cols.append((qend + qi if qi >= 0 else -1, send + sj if sj >= 0 else -1))
        while cols and cols[-1][0] < 0:
            cols.pop()
    return _slide_omissions(cols, qq, sids)


def _exact_short(qq: _Quote, index: SourceIndex) -> list[list[tuple[int, int]]]:
    """Column sets for a quote too short for 3-grams: exact word sequences only."""
    core = [i for i, k in enumerate(qq.kinds) if k == CORE]
    if not core or any(qq.ids[i] < 0 for i in core):
        return []
    seq = [qq.ids[i] for i in core]
    rare = min(range(len(seq)), key=lambda x: len(index.uni.get(seq[x], [])))
    out = []
    for p in index.uni.get(seq[rare], []):
        st = p - rare
        if st >= 0 and index.ids[st:st + len(seq)] == seq:
            out.append([(qi, st + x) for x, qi in enumerate(core)])
            if len(out) >= TOP_WINDOWS:
                break
    return out


def _evidence(index: SourceIndex, cols: list[tuple[int, int]], qq: _Quote) -> Evidence:
    used = [sj for _, sj in cols if sj >= 0]
    start, end = index.starts[min(used)], index.ends[max(used)]
    text = index.source.text
    qi, sj = max((c for c in cols if c[1] >= 0), key=lambda c: c[1])
    if qi >= 0 and index.norms[sj] == qq.pq.toks[qi].norm + "s" and text[end - 2:end - 1] in ("'", "’", "ʼ"):
        end -= 2  # the quote stops before the source's possessive 's
    return Evidence(text[start:end], start, end, index.source.page_at(start),
                    text[max(0, start - CONTEXT):end + CONTEXT])


# ------------------------------------------------------------------ character fallback (OCR)

def _qchars(qq: _Quote) -> tuple[str, list[int]]:
    """The quote's folded words glued together, and the quote word of each character."""
    chars: list[str] = []
    owner: list[int] = []
    for i, t in enumerate(qq.pq.toks):
        chars.append(t.norm)
        owner.extend([i] * len(t.norm))
    return "".join(chars), owner


def _word_windows(qq: _Quote, chains: list[list[tuple[int, int, int, int]]], index: SourceIndex) -> list[tuple[int, int]]:
    """Source word ranges around the word-level chains (glued OCR words shift them a little)."""
    out = []
    n = len(qq.ids)
    for ch in chains:
        _, a0, _, p0 = ch[0]
        _, _, c1, p1 = ch[-1]
        lo = max(0, p0 - qq.qpos[a0] - CHAR_MARGIN)
        hi = min(len(index.ids), p1 + 3 + (qq.qpos[-1] - qq.qpos[c1] if c1 < n else 0) + CHAR_MARGIN)
        out.append((lo, hi))
    return out


def _chunk_windows(qq: _Quote, index: SourceIndex) -> list[tuple[int, int]]:
    """Source word ranges where exact runs of the quote's letters stand, spacing aside: the
    fallback for OCR text whose glued and broken words leave no word 3-gram intact."""
    core = "".join(t.norm for t in qq.pq.toks if t.kind == CORE)
    if len(core) < 2 * CHUNK:
        return []
    _, starts = index.squashed()
    heads = index.heads()
    # runs of CHUNK letters from each quote word's start, looked up at the source's word starts:
    # glued or broken OCR words still leave most word starts in place ("Trumpwill" has "trumpwill…")
    hits: list[tuple[int, int]] = []  # (diagonal: source char - quote char, quote char offset)
    off = 0
    for t in qq.pq.toks:
        if t.kind != CORE:
            continue
        found = heads.get(core[off:off + CHUNK], ()) if off + CHUNK <= len(core) else ()
        if 0 < len(found) <= CHUNK_MAX_HITS:
            hits.extend((starts[p] - off, off) for p in found)
        off += len(t.norm)
    if not hits:
        return []
    nseg = 1 + len(qq.pq.boundaries)
    tol = 40 + ELLIPSIS_GAP * 6 * (nseg - 1)
    hits.sort()
    groups: list[list[tuple[int, int]]] = [[hits[0]]]
    for h in hits[1:]:
        if h[0] - groups[-1][-1][0] <= 40 and h[0] - groups[-1][0][0] <= tol:
            groups[-1].append(h)
        else:
            groups.append([h])
    counted = sorted(((len({h[1] for h in g}), g) for g in groups), key=lambda cg: -cg[0])
    top = counted[0][0]
    if top < 2:
        return []
    out = []
    for c, g in counted[:TOP_WINDOWS]:
        if c * 3 < top or c < 2:
            break
        lo_c = max(0, g[0][0] - 20)
        hi_c = g[-1][0] + len(core) + 20
        lo = max(0, bisect.bisect_right(starts, lo_c) - 1 - CHAR_MARGIN // 2)
        hi = min(len(starts), bisect.bisect_right(starts, hi_c) + CHAR_MARGIN // 2)
        out.append((lo, hi))
    return out


def _char_cols(qq: _Quote, index: SourceIndex, lo: int, hi: int) -> list[tuple[int, int]]:
    """Word columns from a character alignment of the quote's letters with source words lo..hi.

    Quote and source words whose letters align are linked; linked groups become runs of columns
    (a glued "notinvited" is one source word for two quote words), so the judge sees glued and
    broken words as runs whose letters agree, and real changes as runs whose letters do not.
    """
    qs, qown = _qchars(qq)
    norms = index.norms
    sown: list[int] = []
    for j in range(lo, hi):
        sown.extend([j] * len(norms[j]))
    ss = "".join(norms[lo:hi])
    if not qs or not ss:
        return []
    ops, sown = _tightened_opcodes(qs, ss, sown)
    links, equal_s = _char_links(ops, qown, sown)
    spare = _spare_ends(links, equal_s)
    comps, linked_q, linked_s = _link_groups([(q, j) for q, j in links if j not in spare])
    if not linked_s:
        return []
    cols = _group_columns(comps, linked_q, linked_s, len(qq.ids))
    if [q for q, _ in cols if q >= 0] != list(range(len(qq.ids))):
        return []  # never judge a quote with a word left out of the columns
    return cols


def _tightened_opcodes(qs: str, ss: str, sown: list[int]) -> tuple[list[Opcode], list[int]]:
    """Opcodes of the quote's letters against the source's, the source cut to the start and end
    (on the diagonals of exact runs of 4+ letters) that align best, first wins ties."""
    ops = Levenshtein.opcodes(qs, ss)
    eq = [op for op in ops if op.tag == "equal" and op.src_end - op.src_start >= 4]
    if not eq:
        return list(ops), sown
    starts = sorted({max(0, op.dest_start - op.src_start) for op in eq})
    ends = sorted({min(len(ss), op.dest_end + len(qs) - op.src_end) for op in eq})
    b = ends[-1]
    a = min(starts, key=lambda x: (Levenshtein.distance(qs, ss[x:b]) if x < b else len(qs), x))
    b = min((e for e in ends if e > a), key=lambda y: (Levenshtein.distance(qs, ss[a:y]), y), default=b)
    return list(Levenshtein.opcodes(qs, ss[a:b])), sown[a:b]


def _char_links(ops: list[Opcode], qown: list[int], sown: list[int]) -> tuple[list[tuple[int, int]], set[int]]:
    """(quote word, source word) pairs whose letters are aligned, and the source words with equal letters."""
    equal_s: set[int] = set()
    links: list[tuple[int, int]] = []
    for op in ops:
        if op.tag == "equal":
            equal_s.update(sown[op.dest_start:op.dest_end])
        if op.tag not in ("equal", "replace"):
            continue
        la, lb = op.src_end - op.src_start, op.dest_end - op.dest_start
        for x in range(max(la, lb)):
            links.append((qown[op.src_start + min(x, la - 1)], sown[op.dest_start + min(x, lb - 1)]))
    return links, equal_s


def _spare_ends(links: list[tuple[int, int]], equal_s: set[int]) -> set[int]:
    """Source words at either end that only share a quote word with a better partner: they go."""
    partners: dict[int, set[int]] = {}
    for qi, sj in links:
        partners.setdefault(qi, set()).add(sj)
    spare: set[int] = set()
    for side in (sorted({sj for _, sj in links}), sorted({sj for _, sj in links}, reverse=True)):
        for sj in side:
            if sj in equal_s or not all(len(partners[qi]) > 1 for qi, s2 in links if s2 == sj):
                break
            spare.add(sj)
            for qi in {qi for qi, s2 in links if s2 == sj}:
                partners[qi].discard(sj)
    return spare


def _link_groups(links: list[tuple[int, int]]) -> tuple[list[tuple[list[int], list[int]]], set[int], set[int]]:
    """Connected groups of linked words (union-find), each widened to every word inside its span
    (a quote word whose letters the source lacks, "was not also" against "wasalso", must stay
    in the run the judge sees), in quote order; with the linked quote and source words."""
    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(x: tuple[int, int]) -> tuple[int, int]:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    linked_q = {qi for qi, _ in links}
    linked_s = {sj for _, sj in links}
    for qi, sj in links:
        ra, rb = find((0, qi)), find((1, sj))
        if ra != rb:
            parent[ra] = rb
    groups: dict[tuple[int, int], tuple[list[int], list[int]]] = {}
    for qi in sorted(linked_q):
        groups.setdefault(find((0, qi)), ([], []))[0].append(qi)
    for sj in sorted(linked_s):
        groups.setdefault(find((1, sj)), ([], []))[1].append(sj)
    comps = sorted(groups.values(), key=lambda g: (g[0][0] if g[0] else -1, g[1][0]))
    for qg, sg in comps:
        if qg:
            qg[:] = list(range(qg[0], qg[-1] + 1))
            linked_q.update(qg)
        sg[:] = list(range(sg[0], sg[-1] + 1))
        linked_s.update(sg)
    return comps, linked_q, linked_s


def _group_columns(comps: list[tuple[list[int], list[int]]], linked_q: set[int], linked_s: set[int],
                   nq: int) -> list[tuple[int, int]]:
    """The columns: each group's words side by side, unlinked words between groups on their own."""
    cols: list[tuple[int, int]] = []
    qnext, snext = 0, min(linked_s)
    for qg, sg in comps:
        if qg:
            cols.extend((q, -1) for q in range(qnext, qg[0]) if q not in linked_q)
            qnext = max(qnext, qg[-1] + 1)
        cols.extend((-1, j) for j in range(snext, sg[0]) if j not in linked_s)
        snext = max(snext, sg[-1] + 1)
        for x in range(max(len(qg), len(sg))):
            cols.append((qg[x] if x < len(qg) else -1, sg[x] if x < len(sg) else -1))
    cols.extend((q, -1) for q in range(qnext, nq) if q not in linked_q)
    return cols


def align(quote_text: str, index: SourceIndex, *, parsed: ParsedQuote | None = None,
          letters: bool = True) -> Match | None:
    """The best alignment of the quote in this one source, or None when it is not there.

    Found means at least MIN_FOUND of the quote's own words align (a quote of 3 words or
    fewer must align exactly). `parsed`: `parse_quote(quote_text)`, when the caller aligns the
    same quote against several sources. `letters=False`: no letter-level placing when the words
    do not align (that fallback is for glued OCR words; a caller that knows its text has none, a
    claim on a web page, is spared its cost).
    """
    qq = _prepare(quote_text, index, parsed)
    if qq is None or not index.ids:
        return None
    hits = _hits(qq, index)
    col_sets: Iterable[list[tuple[int, int]]]
    chains = _chains(qq, hits) if hits else []
    if chains:
        col_sets = (_align_chain(qq, ch, index) for ch in chains)
    elif qq.core <= 3:
        col_sets = _exact_short(qq, index)
    else:
        col_sets = []
    best: tuple[tuple[int, float, int], Judged, list[tuple[int, int]]] | None = None

    def consider(col_sets: Iterable[list[tuple[int, int]]]) -> None:
        nonlocal best
        for cols in col_sets:
            if best is not None and best[0][:2] == (0, -1.0):
                break  # a perfect match; windows come best first
            if not any(sj >= 0 for _, sj in cols):
                continue
            j = judge_alignment(qq.pq, cols, index.norms, index.source.text, (index.starts, index.ends),
                                index.vocab, index.is_glue)
            if j.matched < MIN_FOUND * j.core or j.matched == 0:
                continue
            if j.core <= 3 and j.verdict is not Verdict.VERIFIED:
                continue
            first = min(sj for _, sj in cols if sj >= 0)
            key = (_RANK[j.verdict], -j.score, first)
            if best is None or key < best[0]:
                best = (key, j, cols)

    consider(col_sets)
    if letters and qq.core > 3 and (best is None or best[1].verdict is Verdict.ALTERED):
        # OCR text: glued and broken words ("Trumpwill notbe") defeat word alignment; align letters
        windows = _word_windows(qq, chains, index)
        windows += [w for w in _chunk_windows(qq, index) if w not in windows]
        consider(_char_cols(qq, index, lo, hi) for lo, hi in windows)
    if best is None:
        return None
    _, j, cols = best
    return Match(j.verdict, j.score, _evidence(index, cols, qq), j.differences)
