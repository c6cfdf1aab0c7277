"""Claim sentences: the credited prose sentences of a brief that assert something besides quotes.

Pure: `BriefText` and its `ParsedBrief` in, `ClaimSentence` values out.

Why: most of what a brief asserts is not quoted, yet a fact-checker must still find where its
cited source says it. The contract ("Claims") makes a sentence a claim when it carries a credit
(a marker, a link, or an outlet named in the sentence itself that matches one cited source) and
keeps three or more content words once its checked quotes and its credit are set aside.

Decisions
- Sentences, reference lists, markers, links and outlet names are found by the same rules as
  for quotes (verifier.core.parse); one sentence is one claim.
- A marker after the end mark belongs to the sentence it follows (`March.[2]`, `March. [2]`):
  a sentence also ends after such markers when a capital follows.
- Not prose, never a claim: headings (`#` lines; a lone line without an end mark), captions
  ("Figure 2: …"), block quotes and reference-list entries.
- Content word: a word of 3+ letters off a stop list, or any number. Set aside: the quotes
  checked as quotes, markers, URLs, the outlet name and the reporting words (according to,
  said, reported, told and their forms).
- `text` is the sentence without its markers and link syntax; `set_aside` are spans of `text`
  (the quotes and the credit) that flags skip; `outlets` the credited outlet names as written.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

from verifier.core import parse
from verifier.core.intake import markdown_link_syntax
from verifier.core.normalize import fold
from verifier.core.values import BriefText, Link, ParsedBrief

STOP_WORDS = frozenset(str.split("""
a about above after again against all also although am among an and any are aren as at be because
been before being below between both but by can could did do does doing down during each either
even ever every few for from further had has have having he her here hers herself him himself his
how however i if in into is it its itself just may me might more most much must my myself neither
no nor not now of off on once one only or other ought our ours ourselves out over own per same
shall she should since so some such than that the their theirs them themselves then there these
they this those though through thus to too toward towards under until up upon us very via was we
were what when where whether which while who whom whose why will with within without would yet
you your yours yourself yourselves dont didnt doesnt isnt wasnt werent wont wouldnt couldnt
shouldnt cant arent hasnt havent hadnt
"""))

_REPORTING = re.compile(
    r"\baccording\s+to\b|\b(?:said|says|say|saying|reported|reports|reporting|report|told|tells|tell|"
    r"telling|wrote|writes|stated|states|noted|notes|added|announced)\b", re.I)
#: a sentence that opens by pointing at a source ("See also the council's analysis [3].", "For
#: details, see the report [1].", "Cf. …") is a reference written as prose, not a claim; "See how
#: prices rose 40% [1]" asserts what it points at, and is one
_POINTER = re.compile(r"\s*(?:for\s+(?:more|details|further|the\s+full)\b[^,.;\n]{0,40},\s*)?"
                      r"(?:see(?:\s+also)?|cf\.)\s+(?!(?:how|why|what|when|where|whether|that)\b)", re.I)
_WORD = re.compile(r"[^\W_]+(?:[’'][^\W_]+)*")
_HEADING = re.compile(r"\s{0,3}#{1,6}\s")
_CAPTION = re.compile(r"\s*(?:figure|fig\.|table|photo|image|chart|map|graph|caption|source)\s*\d*\s*[:.—–-]",
                      re.I)
#: a footnote number in plain digits after an end mark (“…next week.”1 Critics", "…two years.3 The"),
#: as PDF text gives a superscript (parse.DIGIT_MARK); never after a digit (2.5)
_DIGITS_AFTER_END = r"(?<!\d)(?:[.!?…][\"”’»)]*|[\"”’»)]+[.!?…])\d{1,3}(?:,\d{1,3})*"
_END_MARK = re.compile(rf"(?:{_DIGITS_AFTER_END}|[.!?…][\"”’»)\]]*)"
                       r"(?:\s*(?:\[\^?\d[^\]\n]{0,20}\]|[⁰¹²³⁴⁵⁶⁷⁸⁹]+))*\s*$")
_MARKS_THEN_CAPITAL = re.compile(r"(?:[.!?…][\"”’»)]*\s*(?:(?:\[\^?\d[^\]\n]{0,20}\]|[⁰¹²³⁴⁵⁶⁷⁸⁹]+)\s*)+"
                                 rf"|{_DIGITS_AFTER_END})(?=\s+[A-Z“\"‘«„\d])")


_ES_PLURAL = re.compile(r"(?:[sxz]|[cs]h)es$")


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A crude English stem of a folded word, enough to compare inflected forms."""
    if len(word) < 5:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if _ES_PLURAL.search(word):
        return word[:-2]
    for suf in ("ing", "ed", "s"):
        if word.endswith(suf) and not word.endswith("ss") and len(word) - len(suf) >= 3:
            return word[: -len(suf)]
    return word


@lru_cache(maxsize=1 << 16)
def is_content(word: str) -> bool:
    """A word of 3+ letters off the stop list, or a number."""
    w = fold(word)
    return any(c.isdigit() for c in w) or (len(w) >= 3 and w not in STOP_WORDS)


def content_words(text: str) -> list[str]:
    """The content words of text, folded."""
    return [fold(m.group()) for m in _WORD.finditer(text) if is_content(m.group())]


@dataclass
class ClaimSentence:
    """One credited prose sentence; start/end span it in the brief, markers included."""

    id: str
    text: str
    start: int
    end: int
    cites: list[str]
    set_aside: list[tuple[int, int]] = field(default_factory=list)  # spans of `text`
    outlets: list[str] = field(default_factory=list)
    credit: list[tuple[int, int]] = field(default_factory=list)  # spans of `text`: the credit alone


# ------------------------------------------------------------------ prose sentences

def _not_prose(text: str, ps: int, pe: int) -> bool:
    para = text[ps:pe]
    if _HEADING.match(para) or _CAPTION.match(para):
        return True
    return "\n" not in para.strip() and not _END_MARK.search(para) and len(para.split()) < 20


def _split_after_markers(text: str, s: int, e: int) -> list[int]:
    """Offsets inside text[s:e] where a sentence starts after markers that follow an end mark."""
    out = []
    for m in _MARKS_THEN_CAPITAL.finditer(text, s, e):
        nxt = m.end() + len(text[m.end():e]) - len(text[m.end():e].lstrip())
        if s < nxt < e:
            out.append(nxt)
    return out


def _sentences(text: str, paras: list[tuple[int, int]], protected: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence spans of the paragraphs (block quotes and reference entries already cut out)."""
    bounds = parse.boundaries(text, paras, protected)
    out: list[tuple[int, int]] = []
    for ps, pe in paras:
        if _not_prose(text, ps, pe):
            continue
        cuts = [b for b in bounds if ps <= b < pe] or [ps]
        starts = sorted(set(cuts + [x for a, b in zip(cuts, [*cuts[1:], pe], strict=True)
                                    for x in _split_after_markers(text, a, b)]))
        for a, b in zip(starts, [*starts[1:], pe], strict=True):
            while b > a and text[b - 1].isspace():
                b -= 1
            while a < b and text[a].isspace():
                a += 1
            if b > a:
                out.append((a, b))
    return out


# ------------------------------------------------------------------ credit

@dataclass
class _Credit:
    refs: list[str]
    markers: list[tuple[int, int]]  # removed from the text
    spans: list[tuple[int, int]]  # kept in the text, set aside
    outlets: list[str]


class _Context:
    """What every sentence of one brief is judged against."""

    def __init__(self, brief: BriefText, parsed: ParsedBrief) -> None:
        self.text = brief.text
        self.links = parse.all_links(brief)
        self.md_links = markdown_link_syntax(brief.text) if brief.fmt in ("md", "txt") else []
        self.refs = parse.credit_refs(parsed.citations, self.links)
        self.author_dates = parse.AuthorDates(self.text, parsed.citations)
        url_ref = {c.url: c.ref for c in parsed.citations}
        bare = [Link(u, s, e, u) for u, s, e in parse.bare_urls(self.text)
                if not any(lk.start <= s < lk.end for lk in self.links)]
        self.credit_links = [(lk, url_ref[lk.url]) for lk in sorted(self.links + bare, key=lambda x: x.start)
                             if lk.url in url_ref]
        self.url_anchors = [lk for lk in self.links + bare if parse.URL.fullmatch(lk.text.strip() or lk.url)]
        self.quotes = [(q.start, q.end) for q in parsed.quotes]
        self.all_quotes = sorted(self.quotes + [(q.start, q.end) for q in parsed.skipped])
        self.matcher = parse.Matcher(parsed.citations)

    def credit(self, s: int, e: int) -> _Credit:
        cr = _Credit([], [], [], [])
        for m in parse.MARKER.finditer(self.text, s, e):
            refs = self.refs.of(m)
            if refs and not _inside(m.start(), self.all_quotes):
                cr.refs += [r for r in refs if r not in cr.refs]
                cr.markers.append(m.span())
        dated, cited_at = self.author_dates.found(self.text, s, e, narrative=True)
        cr.refs += [r for r in dated if r not in cr.refs]
        cr.markers += [sp for sp in cited_at if not _inside(sp[0], self.all_quotes)]
        for lk, ref in self.credit_links:
            if s <= lk.start < e:
                if ref not in cr.refs:
                    cr.refs.append(ref)
                if lk in self.url_anchors:
                    cr.markers.append((lk.start, lk.end))
        cr.markers += self._link_syntax(s, e)
        for mn in parse.mentions(self.text, s, e, [q for q in self.all_quotes if q[1] > s and q[0] < e],
                                  self.matcher):
            if len(mn.refs) == 1:
                cr.spans.append((mn.start, mn.end))
                cr.outlets.append(self.text[mn.start:mn.end])
                cr.refs += [r for r in mn.refs if r not in cr.refs]
        cr.spans += [m.span() for m in _REPORTING.finditer(self.text, s, e)]
        return cr

    def _link_syntax(self, s: int, e: int) -> list[tuple[int, int]]:
        """Markdown link syntax around an anchor in s..e: `[` before it, `](url)` or `][id]` after
        it, the `<` `>` of an autolink (intake.markdown_link_syntax, as the quotes read it)."""
        return [sp for ml in self.md_links if s <= ml.span[0] and ml.span[1] <= e for sp in ml.markup]


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    k = bisect_right([a for a, _ in spans], pos) - 1
    return k >= 0 and spans[k][0] <= pos < spans[k][1]


# ------------------------------------------------------------------ claims

def _strip(text: str, s: int, e: int, removed: list[tuple[int, int]]) -> tuple[str, list[int]]:
    """text[s:e] without the removed spans, white space collapsed; and each kept char's brief offset."""
    chars: list[str] = []
    where: list[int] = []
    for i in range(s, e):
        if any(a <= i < b for a, b in removed):
            continue
        c = text[i]
        if c.isspace():
            if not chars or chars[-1] == " ":
                continue
            c = " "
        chars.append(c)
        where.append(i)
    while chars and chars[-1] == " ":
        chars.pop()
        where.pop()
    out = "".join(chars)
    # what a removed marker or link leaves: brackets with nothing in them ("analysis (https://…)."),
    # a space before punctuation ("week [2]."); dropped, the offsets kept aligned
    for leftover in (_EMPTY_BRACKETS, _SPACE_BEFORE_PUNCT):
        drop = {k for m in leftover.finditer(out) for k in range(*m.span())}
        if drop:
            keep = [k for k in range(len(out)) if k not in drop]
            out, where = "".join(out[k] for k in keep), [where[k] for k in keep]
    return out, where


_EMPTY_BRACKETS = re.compile(r" ?(?:\((?:(?:see(?: also)?|cf\.|source:?|sources:?|via) ?)?\)|\[ ?\])", re.I)
_SPACE_BEFORE_PUNCT = re.compile(r" (?=[.,;:!?])")


def _local(spans: list[tuple[int, int]], where: list[int]) -> list[tuple[int, int]]:
    """Brief spans as spans of the stripped text, overlapping ones merged (a reporting word in a quote)."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        ks = [k for k, off in enumerate(where) if a <= off < b]
        if not ks:
            continue
        if out and ks[0] <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], ks[-1] + 1))
        else:
            out.append((ks[0], ks[-1] + 1))
    return out


def _counted(text: str, aside: list[tuple[int, int]]) -> int:
    return sum(1 for m in _WORD.finditer(text) if is_content(m.group()) and not _inside(m.start(), aside))


def _claim(ctx: _Context, s: int, e: int) -> ClaimSentence | None:
    if _POINTER.match(ctx.text, s, e):
        return None
    cr = ctx.credit(s, e)
    if not cr.refs:
        return None
    quotes = [q for q in ctx.quotes if q[0] < e and q[1] > s]
    removed = sorted(cr.markers)
    text, where = _strip(ctx.text, s, e, removed)
    aside = _local(sorted(quotes + cr.spans), where)
    if _counted(text, aside) < 3:
        return None
    return ClaimSentence("", text, s, e, cr.refs, aside, cr.outlets, _local(sorted(cr.spans), where))


def find_claims(brief: BriefText, parsed: ParsedBrief) -> list[ClaimSentence]:
    """The claim sentences of a brief, in order, with ids c1, c2, …"""
    ctx = _Context(brief, parsed)
    text = brief.text
    paras = parse.paragraphs(text)
    _, entries = parse.citations(text, ctx.links)
    blocks = parse.md_blocks(text) + list(brief.blockquotes)
    protected = sorted([(a - 1, b + 1) for a, b in ctx.all_quotes] + [(lk.start, lk.end) for lk in ctx.links])
    out: list[ClaimSentence] = []
    segments = parse.segments(paras, sorted(entries + blocks))
    for s, e in _sentences(text, segments, protected):
        c = _claim(ctx, s, e)
        if c is not None:
            c.id = f"c{len(out) + 1}"
            out.append(c)
    return out
