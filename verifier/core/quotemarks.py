"""Quotation marks as journalism writes them: which marks open and close a quoted passage.

Pure: text and paragraph spans in, passages out. `parse.py` decides what a passage is worth
(too short, credited); this module only finds the passages.

Why a module of its own: the marks real briefs and news pages use do not pair up as neatly as
“…”. A mark's role comes from its context, not its glyph alone, so that
  * a reversed or mismatched pair (”…”, "…”, “…") still pairs up: a mark with a space before it
    and a letter after it opens, one with a letter before it and a space or punctuation after it
    closes, whatever its glyph;
  * the two apostrophes of wire and archive text (''We will not yield,'' she said) are one
    double mark;
  * straight single quotes open a passage at the top level (a headline's 'a tax on jobs'), while
    don't, '90s, rock 'n' roll and a plural possessive (the voters' views) stay apostrophes, also
    inside a single-quoted passage ('rock 'n' roll' is one passage), and a possessive's mark never
    reaches past the next single quote that opens (the council's ‘key findings’ … ‘failed to act’
    are two passages);
  * a quote of another family inside a quote («… “nested” …», “… "nested" …”, and the British
    ‘… “nested” …’) stays inside it,
    and a second opener of the same family that the paragraph never closes twice means the
    earlier quote lost its closing mark: the earlier one is dropped, the new one opens;
  * a long quote runs over paragraphs the journalistic way — every paragraph opens with a mark,
    only the last one closes — and is one passage from its first opening mark to its final
    closing mark; in text written one paragraph per line, an open quote also continues onto the
    next line when that line opens no quote and closes this one, or opens with a quote of another
    family (“…” in a "…" excerpt: nested, as on one line) — but a line that is only a name and
    role before the closing mark is the pull quote's credit ("…for her here.\nRep. Jane Doe."”),
    and the quote's words end on the line before;
  * a markup tag next to a mark bounds it as a space would (a tweet pasted with its markup,
    >“…”< ), so a mark's role still reads from the words on its other side;
  * the marks around a value assigned to a name (`datetime="2016-06-28"` in markup pasted into
    a text) quote nothing;
  * an opening mark still open where its paragraph ends (and not continued) is no quote: the
    scan resumes right after it, so one stray mark never hides the quotes after it, and a quote
    never swallows the narration between a closing and an opening mark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_OPEN_PREV = set("([{—–-/*_>") | set("“‘«„‚\"'")
_CLOSE_NEXT = set(".,;:!?)]}[—–-/…*_<") | set("”’»«“\"'") | set("⁰¹²³⁴⁵⁶⁷⁸⁹")
_ELISION = re.compile(r"['‘’](?:\d\d|em\b|til\b|cause\b|n\b|n['’]|tis\b|twas\b|bout\b)", re.I)
#: a word written 'n' (rock 'n' roll, fish ’n’ chips): both marks are apostrophes
_N_WORD = re.compile(r"['‘’][nN]['’](?![^\W_])")
_FAMILY = {"“": "curly", "”": "curly", "„": "curly", "«": "guillemet", "»": "guillemet",
           '"': "straight", "''": "straight"}
#: the most opening marks one paragraph may drop and rescan after (bounds a hostile brief's cost)
_MAX_RESCANS = 200


@dataclass(frozen=True)
class Mark:
    pos: int
    width: int
    kind: str  # "double" | "single"
    glyph: str
    role: str | None  # "open" / "close" for glyphs that say so, None for straight and ’


@dataclass
class Passage:
    """A quoted passage: `open` is the opening mark, text[start:end] the words, `close` the closing mark."""

    open: int
    start: int
    end: int
    close: int
    style: str
    after: int  # just past the closing mark
    continuations: list[int] = field(default_factory=list)  # marks opening the later paragraphs


#: name="value": the marks around a value assigned to a name (markup attributes, code) quote nothing
_ASSIGNED = re.compile(r"(?<=[\w-]=)[\"'“”‘’][^\"'“”‘’\n<>]*[\"'“”‘’]")


def find_marks(text: str, s: int, e: int) -> list[Mark]:
    """Every quotation mark in text[s:e], '' runs read as double marks; not the marks of name="value"."""
    assigned = {p for m in _ASSIGNED.finditer(text, s, e) for p in (m.start(), m.end() - 1)}
    out: list[Mark] = []
    i = s
    while i < e:
        c = text[i]
        if i in assigned:
            i += 1
            continue
        if c in "'‘’" and (i == 0 or not text[i - 1].isalnum()) and _N_WORD.match(text, i, e):
            i += 3
            continue
        if c == "'":
            r = 1
            while i + r < e and text[i + r] == "'":
                r += 1
            out += _apostrophe_run(text, i, r)
            i += r
            continue
        if c in "“„«":
            out.append(Mark(i, 1, "double", c, "open"))
        elif c in "”»":
            out.append(Mark(i, 1, "double", c, "close"))
        elif c == '"':
            out.append(Mark(i, 1, "double", c, None))
        elif c in "‘‚":
            out.append(Mark(i, 1, "single", c, "open"))
        elif c == "’":
            out.append(Mark(i, 1, "single", c, None))
        i += 1
    return out


def _apostrophe_run(text: str, i: int, r: int) -> list[Mark]:
    if r == 1:
        return [Mark(i, 1, "single", "'", None)]
    if r == 2:
        return [Mark(i, 2, "double", "''", None)]
    if r == 3:
        prev = text[i - 1] if i else "\n"
        if prev.isspace() or prev in _OPEN_PREV:
            return [Mark(i, 2, "double", "''", None), Mark(i + 2, 1, "single", "'", None)]
        return [Mark(i, 1, "single", "'", None), Mark(i + 1, 2, "double", "''", None)]
    return [Mark(i + k, 2, "double", "''", None) for k in range(0, r - 1, 2)]


def _context(text: str, m: Mark) -> tuple[bool, bool]:
    """(opening context, closing context): what stands before and after the mark."""
    prev = text[m.pos - 1] if m.pos else "\n"
    nxt = text[m.pos + m.width] if m.pos + m.width < len(text) else "\n"
    opening = (prev.isspace() or prev in _OPEN_PREV) and not nxt.isspace()
    closing = not prev.isspace() and (nxt.isspace() or nxt in _CLOSE_NEXT)
    return opening, closing


def double_role(text: str, m: Mark, inside: bool) -> str:
    """'open' or 'close' for a double mark, by its glyph where context agrees, else by context."""
    o, c = _context(text, m)
    if m.role == "open":
        return "close" if inside and c and not o else "open"
    if m.role == "close":
        return "open" if not inside and o and not c else "close"
    if o != c:
        return "open" if o else "close"
    return "close" if inside else "open"


@dataclass
class _Para:
    start: int
    end: int
    gap: str  # what follows it: "soft" (one line break), "hard" (a blank line), "none" (other text, or the end)


def _gap(text: str, e: int, nxt: int | None) -> str:
    if nxt is None or text[e:nxt].strip():
        return "none"
    return "hard" if "\n\n" in re.sub(r"[ \t\u00a0]+", "", text[e:nxt]) else "soft"


def scan(text: str, paras: list[tuple[int, int]]) -> list[Passage]:
    """Top-level quoted passages of text, given its paragraphs (in order, non-overlapping).

    A quote may continue from one paragraph into the next only where nothing but white space
    stands between them."""
    ps = [_Para(s, e, _gap(text, e, paras[i + 1][0] if i + 1 < len(paras) else None))
          for i, (s, e) in enumerate(paras)]
    marks = [find_marks(text, p.start, p.end) for p in ps]
    out: list[Passage] = []
    k = 0
    while k < len(ps):
        found, k = _scan_from(text, ps, marks, k)
        out += found
    return out


class _Scanner:
    """One paragraph's scan (and the paragraphs a quote continues into)."""

    def __init__(self, text: str, ps: list[_Para], marks: list[list[Mark]], k: int) -> None:
        self.text, self.ps, self.marks = text, ps, marks
        self.k = k
        self.ignored: set[int] = set()
        self.found: list[Passage] = []
        self.cut: int | None = None  # where the open quote's words end, when a credit line closes it

    def run(self) -> int:
        """Scan paragraph k (and its continuations); return the next paragraph to scan."""
        for _ in range(_MAX_RESCANS):
            self.found = []
            dropped = self._pass()
            if dropped is None:
                return self.next_k
            self.ignored.add(dropped)
        self.found = []
        return self.k + 1

    def _pass(self) -> int | None:
        """One pass; the position of an opening mark left open (to be ignored and rescanned), or None."""
        cur: Mark | None = None
        nested: Mark | None = None
        single: Mark | None = None
        conts: list[int] = []
        k = self.k
        skip: set[int] = set()
        self.cut = None
        while True:
            ms = [m for m in self.marks[k] if m.pos not in self.ignored and m.pos not in skip]
            inner_end = -1
            for idx, m in enumerate(ms):
                if m.pos <= inner_end:
                    continue  # a double quote nested in the open single one
                if m.kind == "double" and cur is None and single is not None:
                    inner_end = _nested_in_single(self.text, ms, idx)
                    if inner_end >= 0:
                        continue
                if m.kind == "double":
                    cur, nested, single = self._double(m, ms, idx, cur, nested, conts)
                    if cur is None:
                        conts = []
                        self.cut = None
                elif cur is None:
                    single = self._single(m, ms, idx, single)
            if cur is None:
                self.next_k = k + 1
                return None
            cont = self._continues(cur, k)
            if cont is None:
                return cur.pos
            if cont == -1 and self._credit_follows(cur, k):
                self.cut = self.ps[k].end  # the quote's words end on this line; the next is its credit
            k += 1
            if cont >= 0:
                skip.add(cont)
                conts.append(cont)
            nested, single = None, None
            if k >= len(self.ps):
                return cur.pos

    def _double(self, m: Mark, ms: list[Mark], idx: int, cur: Mark | None, nested: Mark | None,
                conts: list[int]) -> tuple[Mark | None, Mark | None, Mark | None]:
        text = self.text
        role = double_role(text, m, cur is not None)
        if cur is None:
            return (m, None, None) if role == "open" else (None, None, None)
        if nested is not None:
            if role == "close" and _FAMILY[m.glyph] == _FAMILY[nested.glyph]:
                return cur, None, None
            if role == "close" and _FAMILY[m.glyph] == _FAMILY[cur.glyph]:
                self._emit(cur, m, conts)
                return None, None, None
            return cur, nested, None
        if role == "close":
            self._emit(cur, m, conts)
            return None, None, None
        if _FAMILY[m.glyph] != _FAMILY[cur.glyph] or _closes_twice(text, ms, idx):
            return cur, m, None
        self.ignored.add(cur.pos)  # a second opener the paragraph never closes twice: the first lost its close
        return m, None, None

    def _single(self, m: Mark, ms: list[Mark], idx: int, single: Mark | None) -> Mark | None:
        text = self.text
        prev = text[m.pos - 1] if m.pos else " "
        nxt = text[m.pos + 1] if m.pos + 1 < len(text) else " "
        if prev.isalnum() and nxt.isalnum():
            return single  # don't, O'Brien
        o, c = _context(text, m)
        if single is None:
            if (m.role == "open" or (o and not c)) and not _ELISION.match(text, m.pos):
                return m
            return None
        if not (c and not o):
            return single
        if prev in "sS" and m.glyph in "’'" and _later_single_close(text, ms, idx):
            return single  # the voters' views: a plural possessive, another mark closes later
        self.found.append(Passage(single.pos, single.pos + 1, m.pos, m.pos, single.glyph, m.pos + 1))
        return None

    def _emit(self, cur: Mark, close: Mark, conts: list[int]) -> None:
        end = close.pos if self.cut is None else self.cut
        self.found.append(Passage(cur.pos, cur.pos + cur.width, end, close.pos, cur.glyph,
                                  close.pos + close.width, list(conts)))

    def _credit_follows(self, cur: Mark, k: int) -> bool:
        """Whether the line after paragraph k, which closes the open quote, is only its credit: a
        pull quote set one paragraph per line ("…problems for her here.\nRep. Jane Doe.")."""
        said = self.text[cur.pos + cur.width:self.ps[k].end].rstrip()
        nxt = self.ps[k + 1]
        close = next(m for m in self.marks[k + 1] if m.kind == "double" and m.pos not in self.ignored)
        if self.text[close.pos + close.width:nxt.end].strip():
            return False  # narration after the closing mark: the line is the quote's own words
        return said.endswith(_SAID_END) and _credit_line(self.text[nxt.start:close.pos])

    def _continues(self, cur: Mark, k: int) -> int | None:
        """How an open quote goes on past paragraph k: the continuation mark's position, -1 (no mark:
        the next line closes it), or None (it does not: the opening mark was no quote)."""
        if k + 1 >= len(self.ps) or self.ps[k].gap == "none":
            return None
        nxt = [m for m in self.marks[k + 1] if m.pos not in self.ignored]
        first = self.ps[k + 1].start
        while first < len(self.text) and self.text[first].isspace():
            first += 1
        doubles = [m for m in nxt if m.kind == "double"]
        if doubles and doubles[0].pos == first and double_role(self.text, doubles[0], False) == "open":
            if self.ps[k].gap == "soft" and _FAMILY[doubles[0].glyph] != _FAMILY[cur.glyph]:
                return -1  # a line opening with a quote of another family: nested in the open one
            return doubles[0].pos
        if self.ps[k].gap == "soft" and doubles and double_role(self.text, doubles[0], True) == "close" \
                and _FAMILY[doubles[0].glyph] == _FAMILY[cur.glyph]:
            return -1
        return None


#: how a quoted sentence ends before its credit line
_SAID_END = (".", "!", "?", "…", ".'", "!'", "?'", ".’", "!’", "?’")
_CREDIT_WORD = re.compile(r"[A-Z][\w.’'&-]*")


def _credit_line(line: str) -> bool:
    """A line that is only a name with its role or affiliation, as a pull quote's credit is set
    ("S.C. Rep. Jim Clyburn.", "— Amy Pope, deputy homeland security advisor."): the part before
    the first comma is a short name that ends in two capitalised words and holds at most two
    lower-case ones (a role: "Former NAACP president Ben Jealous", "Secretary of State …") and no
    article (“…\nGod bless the United States.” is the quote's own words), and the line has no
    other sentence in it."""
    t = line.strip().lstrip("—–-― ").rstrip(" .")
    if not t or len(t.split()) > 12 or re.search(r"[!?;:\"“”]|[a-z]{3,}\.\s", t):
        return False
    head = t.split(",", 1)[0].split()
    if not 2 <= len(head) <= 6 or not all(_CREDIT_WORD.fullmatch(w) for w in head[-2:]):
        return False
    if any(w in ("the", "a", "an") for w in head):
        return False
    return sum(1 for w in head if not w[0].isupper()) <= 2


def _scan_from(text: str, ps: list[_Para], marks: list[list[Mark]], k: int) -> tuple[list[Passage], int]:
    sc = _Scanner(text, ps, marks, k)
    nk = sc.run()
    return sc.found, max(nk, k + 1)


def _closes_twice(text: str, ms: list[Mark], idx: int) -> bool:
    """Whether the opener ms[idx], met inside an open quote of its own family, is a nested quote:
    the paragraph goes on to close it and then the outer one."""
    depth = 2
    for x in ms[idx + 1:]:
        if x.kind != "double":
            continue
        depth += 1 if double_role(text, x, True) == "open" else -1
        if depth == 0:
            return True
    return False


def _nested_in_single(text: str, ms: list[Mark], idx: int) -> int:
    """Where the double quote opening at ms[idx], inside an open single quote, closes, when the
    single quote closes after it (‘He told me “go home” and left,’ she said: the British way,
    double inside single); else -1. A mark after an s followed by a word (the teachers' union)
    is a possessive here, not the single quote's close."""
    if double_role(text, ms[idx], False) != "open":
        return -1
    at = next((k for k in range(idx + 1, len(ms))
               if ms[k].kind == "double" and double_role(text, ms[k], True) == "close"), None)
    if at is None:
        return -1
    close = ms[at]
    for k in range(at + 1, len(ms)):  # by index: a slice would copy the paragraph's marks each time
        x = ms[k]
        if x.kind == "double":
            return -1
        role = _context(text, x)
        if role == (True, False) and not _ELISION.match(text, x.pos):
            return -1
        nxt = text[x.pos + 1] if x.pos + 1 < len(text) else "\n"
        if role == (False, True) and not (text[x.pos - 1] in "sS" and nxt.isspace()):
            return close.pos
    return -1


def _later_single_close(text: str, ms: list[Mark], idx: int) -> bool:
    """Whether a single mark after ms[idx] closes the open single quote, so that ms[idx] (after an
    s) is a plural possessive: not when a single quote opens first (“the report's ‘key findings’
    … the council ‘failed to act’”: ms[idx] closed the first quote, the later mark the second)."""
    for k in range(idx + 1, len(ms)):
        x = ms[k]
        if x.kind == "double":
            return False
        role = _context(text, x)
        if role == (False, True):
            return True
        if role == (True, False) and not _ELISION.match(text, x.pos):
            return False
    return False
