"""Word tokens that compare equal across typography, with offsets back into the original text.

Why: quotes and sources differ in curly vs straight quotes, dashes, invisible characters,
ligatures, case, accents and PDF line-end hyphenation. Comparing folded word tokens makes all
of that typography, while each token keeps (start, end) into the text it came from so the
evidence can be cut out of the stored source text exactly.

Decisions:
- a token is a run of letters/digits (plus combining marks); apostrophes, soft hyphens and
  zero-width characters inside a run are removed, so "Russia’s" == "Russia's" == "russias";
- a plain hyphen separates words ("twenty-two" == "twenty two"); a hyphen at a line end
  between letters joins them ("inves-\\ntigation" == "investigation"); the aligner also treats
  glued vs split words (same letters) as typography;
- folding is NFKD (ligatures, full-width and superscript forms), accents dropped, casefold;
- the signs % and & are words, read as they are said ("percent", "and"): a quote that writes
  "54 percent" for the source's "54%", or "and" for "&", quotes the same words.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

_JOIN_CHARS = "'’ʼ`\u00ad\u200b\u200c\u200d\u2060\ufeff"
_WCH = r"(?:[^\W_]|[\u0300-\u036f])"
_JOINER = rf"(?:[{_JOIN_CHARS}]+|[-\u2010\u00ad][ \t]*\r?\n[ \t]*)"
WORD_RE = re.compile(rf"{_WCH}+(?:{_JOINER}{_WCH}+)*|[%&\uff05\uff06]")
#: signs that are words when read aloud: "54%" is "54 percent", "rules & limits" is "rules and limits"
SIGN_WORDS = {"%": "percent", "&": "and", "\uff05": "percent", "\uff06": "and"}
_STRIP_RE = re.compile(rf"[{_JOIN_CHARS}]|[-\u2010\u00ad][ \t]*\r?\n[ \t]*")

_fold_cache: dict[str, str] = {}


class Token(NamedTuple):
    norm: str
    start: int
    end: int


def fold(word: str) -> str:
    """The comparison form of one word run (cached: sources repeat words a lot)."""
    got = _fold_cache.get(word)
    if got is not None:
        return got
    if word in SIGN_WORDS:
        return SIGN_WORDS[word]
    if word.isascii() and word.isalnum():
        out = word.lower()
    else:
        s = _STRIP_RE.sub("", word)
        s = unicodedata.normalize("NFKD", s)
        s = "".join(c for c in s if not unicodedata.combining(c))
        out = "".join(c for c in s.casefold() if c.isalnum())
    if len(_fold_cache) < 500_000:
        _fold_cache[word] = out
    return out


def tokenize(text: str) -> list[Token]:
    """Folded word tokens of `text`, each with its (start, end) offsets in `text`."""
    out: list[Token] = []
    append = out.append
    for m in WORD_RE.finditer(text):
        n = fold(m.group())
        if n:
            append(Token(n, m.start(), m.end()))
    return out


def squash(text: str) -> str:
    """Letters and digits only, folded: spacing and marks fall away (OCR comparisons)."""
    return "".join(t.norm for t in tokenize(text))


# ---------------------------------------------------------------- quote markup

ELLIPSIS_RE = re.compile(r"\[\s*(?:…|\.\s*\.\s*\.)\s*\]|…|\.(?:[ \u00a0]?\.){2,}")
BRACKET_RE = re.compile(r"\[([^\[\]]*)\]")
PAREN_RE = re.compile(r"\(([^()]*)\)")

CORE, EDITORIAL, PAREN = 0, 1, 2


class QTok(NamedTuple):
    """A quote word: kind CORE, EDITORIAL ([bracketed]) or PAREN (inside parentheses)."""

    norm: str
    start: int
    end: int
    kind: int
    seg: int  # segment number (ellipses split segments)
    group: int  # bracket/paren span number, -1 for core words


class ParsedQuote(NamedTuple):
    text: str
    toks: list[QTok]
    boundaries: frozenset[int]  # token indices that start a segment after an ellipsis
    spans: list[tuple[int, int]]  # char spans of bracket/paren groups, indexed by QTok.group


def _apostrophe_after(w: str, b: int) -> bool:
    """An apostrophe and a letter right after a bracket: "[I]’m", "[T]hey’ll" are one word."""
    return b + 1 < len(w) and w[b] in "'’ʼ" and w[b + 1].isalnum()


def parse_quote(text: str) -> ParsedQuote:
    """Words of a quote with its editorial marks read: ellipses, [brackets], (parentheses).

    A bracket glued to letters (`[t]he`, `walk[ed]`) becomes part of the word; a standalone
    bracket's words stand for any short span of the source.
    """
    work = list(text)
    cuts: list[int] = []
    for m in ELLIPSIS_RE.finditer(text):
        for k in range(m.start(), m.end()):
            work[k] = " "
        cuts.append(m.start())
    w = "".join(work)
    spans: list[tuple[int, int, int]] = []  # start, end, kind
    for m in BRACKET_RE.finditer(w):
        a, b = m.start(), m.end()
        glued = (a > 0 and w[a - 1].isalnum()) or (b < len(w) and w[b].isalnum()) or _apostrophe_after(w, b)
        if glued:
            work[a] = work[b - 1] = "\u200b"
        spans.append((a, b, EDITORIAL))
    w = "".join(work)
    for m in PAREN_RE.finditer(w):
        spans.append((m.start(), m.end(), PAREN))
    spans.sort()
    toks: list[QTok] = []
    boundaries: set[int] = set()
    seg = 0
    for t in tokenize(w):
        nseg = sum(1 for c in cuts if c < t.start)
        if nseg != seg and toks:
            boundaries.add(len(toks))
        seg = nseg
        kind, group = CORE, -1
        for gi, (a, b, k) in enumerate(spans):  # sorted by start: the last that holds the word is innermost
            if a <= t.start < b:
                kind, group = k, gi
        toks.append(QTok(t.norm, t.start, t.end, kind, seg, group))
    if toks and not any(t.kind == CORE for t in toks) and any(t.kind == PAREN for t in toks):
        # a quote that is wholly a parenthetical ("(as in ‘the long goodbye’)") is text to match
        toks = [t._replace(kind=CORE, group=-1) if t.kind == PAREN else t for t in toks]
    return ParsedQuote(text, toks, frozenset(boundaries), [(a, b) for a, b, _ in spans])
