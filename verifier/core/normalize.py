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
  "54 percent" for the source's "54%", or "and" for "&", quotes the same words;
- a page's own footnote marks are no words ("[12]", "[citation needed]", the "1276" of
  "processes.1276 The", the "12" of "nationals12" or of a note's "12The"): a quote leaves them out,
  or pastes them in, and quotes the same words (unmarked_tokens).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import NamedTuple

_JOIN_CHARS = "'’ʼ`\u00ad\u200b\u200c\u200d\u2060\ufeff"
_WCH = r"(?:[^\W_]|[\u0300-\u036f])"
_JOINER = rf"(?:[{_JOIN_CHARS}]+|[-\u2010\u00ad][ \t]*\r?\n[ \t]*)"
WORD_RE = re.compile(rf"{_WCH}+(?:{_JOINER}{_WCH}+)*|[%&\uff05\uff06]")
#: signs that are words when read aloud: "54%" is "54 percent", "rules & limits" is "rules and limits"
SIGN_WORDS = {"%": "percent", "&": "and", "\uff05": "percent", "\uff06": "and"}
_STRIP_RE = re.compile(rf"[{_JOIN_CHARS}]|[-\u2010\u00ad][ \t]*\r?\n[ \t]*")

_fold_cache: dict[str, str] = {}
#: the longest run cached (a word; a caller folding a whole sentence would fill the cache with text)
_FOLD_CACHED_CHARS = 48


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
    if len(word) <= _FOLD_CACHED_CHARS and len(_fold_cache) < 500_000:
        _fold_cache[word] = out  # words, not whole sentences: the cache's size stays that of a vocabulary
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


#: a source's own footnote marks, which a quote leaves out, bracketed: "[12]", "[3, 4]", "[note 2]",
#: Wikipedia's "[citation needed]", a letter after a word's end (".[a]", not the page's own editing,
#: "judge[s]"). Each pattern here opens with a literal or a digit, so a search skips to it: these
#: run over every source.
_MARK_BRACKETS = re.compile(
    r"\[(?:\d{1,4}(?:\s*[,–-]\s*\d{1,4})*|(?:note|nb|n)\s?\d{1,3}|[a-z]+ needed|"
    r"who\?|when\?|which\?|according to whom\?|(?<![^\W\d_]\[)[a-z])\]")
#: a number after the end mark of a lower-case word ("processes.1276 The", "elections,”3 she"), as a
#: PDF's text layer gives a superscript (not "BA.2", "Figure A.1": a name's own number); the word's
#: end is checked in _after_end
_MARK_AFTER_END = re.compile(r"[.,;:!?”’\"')](\d{1,4})(?=\s|$)")
_ENDS = ".,;:!?"
#: a footnote number flattened onto the end of a word of three lower-case letters or more
#: ("nationals12"); that the word is letters only is checked in _glued
_GLUED_AFTER = re.compile(r"(?<=[a-z]{3})(\d{1,3})(?![^\W_])")
#: a note's number glued before its first word, a capital, at a line start ("1276A more detailed")
_GLUED_BEFORE = re.compile(r"^[ \t]*(\d{1,4})(?=[A-Z][A-Za-z’'ʼ]*(?![^\W_]))", re.M)


def mark_spans(text: str) -> list[tuple[int, int]]:
    """Where the page's own footnote marks stand in `text`, in order (they may overlap)."""
    spans = [m.span() for m in _MARK_BRACKETS.finditer(text)]
    spans += [m.span(1) for m in _MARK_AFTER_END.finditer(text) if _after_end(text, m.start())]
    spans += [m.span(1) for m in _GLUED_AFTER.finditer(text) if _glued(text, m.start(1))]
    spans += [m.span(1) for m in _GLUED_BEFORE.finditer(text)]
    return sorted(spans)


def _after_end(text: str, p: int) -> bool:
    """Whether the mark at p (one closing character) ends a lower-case word: "es." or "s,”"."""
    if text[p - 2:p].isalpha() and text[p - 2:p].islower() and text[p - 2:p].isascii():
        return True
    two = text[p - 3:p - 1]
    return text[p - 1:p] in _ENDS and text[p] in "”’\"')" and two.isalpha() and two.islower() and two.isascii()


def _glued(text: str, d: int) -> bool:
    """Whether the letters before the digits at d are a whole word (not "x2abc12")."""
    j = d
    while j > 0 and text[j - 1].isalpha():
        j -= 1
    return j == 0 or not text[j - 1].isalnum()


def unmark(text: str) -> str:
    """`text` with the page's own footnote marks blanked, every other character where it was: what
    a source's words are read from (unmarked_tokens) and a claim is judged on, so a note's number is
    never one of the page's words or figures ("13 Russian nationals[12]" gives 13, not 12)."""
    return blanked(text, mark_spans(text))


def blanked(text: str, spans: Iterable[tuple[int, int]], fill: str = " ") -> str:
    """`text` with these (start, end) spans, in order (they may overlap), filled with `fill`, every
    other character where it was."""
    parts: list[str] = []
    pos = 0
    for a, b in spans:
        a = max(a, pos)
        if b > a:
            parts += [text[pos:a], fill * (b - a)]
            pos = b
    if not parts:
        return text
    parts.append(text[pos:])
    return "".join(parts)


def unmarked_tokens(text: str) -> list[Token]:
    """Tokens without footnote marks (read from unmark(text): offsets are `text`'s). A source's
    words then align with a quote's whatever marks the page put between them, and a quote pasted
    with the page's marks in it ("…endorsement points1 than…") compares the same."""
    return tokenize(unmark(text))


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
    for t in unmarked_tokens(w):
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
