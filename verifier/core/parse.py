"""Brief parsing: quotes, citations and which citation each quote is credited to.

Pure: `BriefText` in, `ParsedBrief` out.

Quotes
  Top-level passages found by `quotemarks` (marks by context: “…”, "…", «…», „…“, ''…'',
  ‘…’ and straight '…' at the top level, reversed and mismatched pairs), plus block quotes
  (Markdown `>` lines, HTML <blockquote> / docx Quote spans from `brief.blockquotes`). Nested
  marks stay inside the outer quote; apostrophes (don't, '90s, the voters' views) open
  nothing. Quotes may span single line breaks; a paragraph break only the journalistic way
  (every paragraph of a long quote opens with a mark, only the last closes: one passage), or
  in one-paragraph-per-line text when the next line opens no quote and closes this one (a next
  line that is only a name and role is a pull quote's credit, outside the quote's words). An
  unclosed mark yields no quote and scanning resumes right after it. `text` is
  brief.text[start:end] with line and paragraph breaks collapsed to one space.
  Kept quotes get ids q1, q2, … in document order; skipped ones s1, s2, ….

Not worth checking (such quotes go to ParsedBrief.skipped, each with its `reason`); a credited
quote (marker or link, see Credit) is always kept unless it is only a URL, a number or a date
  * a quote that is only a URL, a number or a date, or is the title of a cited reference
    written in Title Case (a quoted headline in sentence case is checked like any quote);
  * a quote of 1 word;
  * a quote of 2–3 words, unless ALL of:
      (a) it is not a name or title: not every word is capitalised (small words such as
          "of", "the", "and", "with" do not count either way), e.g. “Mariupol Plan” is skipped;
      (b) it is not preceded by "so-called", "so called", "dubbed" or "the term";
      (c) a reporting verb or phrase (said, told, called, described, wrote, stated, declared,
          praised, warned, added, "as a", "referred to", "according to", …, see _REPORTING)
          stands before it in the same sentence, not capitalised inside it ("Secretary of
          State" is a name, not a verb), not "state" as a noun ("the state that she won"), not
          "say" as an aside (", say,"); or one of the three words after it, which a comma or
          "?"/"!" sets off (“Absolutely not,” he said);
  * a quote of 4 or more words that reads as a name or a title, not someone's words:
      (a) every word capitalised (as in 2–3-word (a)) while its sentence is not (a Title Case
          headline capitalises its quotes too), and no reporting verb introducing it (in the
          two words before it or the three after it when a comma sets it off, or anywhere
          before it when a comma or colon sets it off: “What A Night,” she said) — after a
          naming word (called, titled, known as, …) or a preposition (starred in “…” and
          “…”, posted the clip) a verb after it introduces nothing; a quote in capitals
          throughout only when nothing else stands in its sentence (a heading); "is" may
          stay in lower case (“Orange is the New Black”);
      (b) the title of a work: followed by a year in brackets (“Harbour Lights” (1998)), or
          by its byline after a comma (“Why the harbour flooded,” by Jane Doe; not after a
          reporting verb: Lee said the “ugliness of the remarks,” by Holt) or, in Title
          Case, without one (“The Long Road Home” by Jane Doe), or cited in brackets with its
          outlet and date ((“Mayor vows to rebuild,” Daily Post, Monday));
      (c) a paragraph that is only a passage in single marks, in a text with double-mark
          quotes: a headline or subhead.
  * the writer's translation of foreign words, after "Latin for", "meaning", "which means",
    "translated as", … (a gloss is nobody's words).
  Rules (b) and (c) apply to uncredited 2–3-word quotes as well.

Citations
  Reference-list entries at line start — `[1] T. URL`, `1. T, URL`, `1) T URL`, `(1) T URL`,
  `[^1]: T URL`, `¹ T URL`, bullets `- * • + –` — and runs of ≥2 lines that are just a link
  (rendered HTML <li>) or end with a URL. Numbered shapes take the marker as ref; bullet and
  bare lists the 1-based item position in their list. Then every other link or bare URL with a
  scheme (`www.x.org` alone is not one) in document order, deduplicated by exact URL string
  (a list entry wins), numbered after the highest numeric ref. A positional ref already taken
  by an earlier list is renumbered the same way. `start`/`end` span the list entry, or the
  link/URL for running-text citations.

Credit (Quote.cites), first that applies
  1. markers after the quote in its sentence, before the next quote: [2], [2, 3], [2][3],
     [^2], ², (2) — known refs only;
  2. links in the quote's sentence (between the neighbouring quotes) to a cited URL;
  3. the outlet named nearest the quote in its own sentence, else nearest before it in its
     paragraph, if it matches exactly one citation (domain label, acronym, or title tail
     "… | Reuters"). A name containing an outlet word (News, Times, …) that matches no
     citation cuts the credit; other names (a person) are ignored. A domain match that is
     not an outlet-like name (e.g. "FBI director") counts only in a reporting context
     ("FBI said", "according to the FBI").
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate
from urllib.parse import urlsplit

from verifier.core import quotemarks
from verifier.core.intake import MarkdownLink, markdown_link_syntax, markdown_links
from verifier.core.normalize import blanked
from verifier.core.values import BriefText, Citation, Link, ParsedBrief, Quote

# ------------------------------------------------------------------ shared helpers

_SCHEMES = r"(?:(?:https?|ftps?|sftp|wss?|irc|gopher|news|nntp|telnet|rtsp|s3|gs)://|file:/{0,3}|mailto:)"
_URL = re.compile(r"(?<![\w@.+-])" + _SCHEMES + r"[^\s<>\"“”‘’«»`]+", re.I)
_SCHEME = re.compile(_SCHEMES, re.I)
_TRAIL = ".,;:!?'*>"
_SUPERS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUP_TO_DIGIT = str.maketrans(_SUPERS, "0123456789")


def _clean_url(url: str) -> str:
    """Strip punctuation that ends the sentence rather than the URL."""
    while url:
        last = url[-1]
        if last in _TRAIL or (last == ")" and url.count(")") > url.count("(")) or (last == "]" and url.count("]") > url.count("[")) or (last == "}" and url.count("}") > url.count("{")):
            url = url[:-1]
        else:
            break
    return url


# A web address written without its scheme, as print and PDF briefs give their notes ("[3] Council
# analysis, www.gov.uk/report"): "www." then a dotted host (its last label letters) at a word's start,
# read as https://. Only in a numbered note: in running text such an address is a mention ("Featured
# Photo: www.example.org", "visit www.example.org"), not a cited source.
_WWW = re.compile(r"(?<![\w@.+/:-])www\.(?:[a-z0-9-]+\.)+[a-z]{2,}(?![\w-])(?:[/?#][^\s<>\"“”‘’«»`]*)?", re.I)


def _bare_urls(text: str, *, www: bool = False) -> list[tuple[str, int, int]]:
    out = []
    for m in _URL.finditer(text):
        u = _clean_url(m.group())
        if len(u) > len(_SCHEME.match(u).group()):  # type: ignore[union-attr]
            out.append((u, m.start(), m.start() + len(u)))
    for m in _WWW.finditer(text) if www else ():
        u = _clean_url(m.group())
        out.append(("https://" + u, m.start(), m.start() + len(u)))
    return sorted(out, key=lambda t: t[1]) if www else out


_STRUCT = re.compile(r"\s{0,3}(?:#{1,6}\s|>|[-*+•]\s|\d{1,3}[.)]\s|\[\^?\w+\]:?\s)")
#: a line that opens with a marker and goes on with the sentence ("[2] before the vote.", "[2]."):
#: the marker of the line before, wrapped (a PDF's margin, hard-wrapped text), not a note
_WRAPPED_MARKER = re.compile(r"\s{0,3}\[\d{1,4}(?:\s*[,;–-]\s*\d{1,4})*\][.,;:!?)]*(?:\s*$|\s+(?!https?:|www\.)[a-z])")


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """Blank lines part paragraphs; in briefs written one paragraph per line, every newline does."""
    lines = text.split("\n")
    line_mode = any(len(ln) > 160 and "://" not in ln for ln in lines)
    out: list[tuple[int, int]] = []
    pos = 0
    cur: int | None = None
    prev_struct = False
    for ln in lines:
        end = pos + len(ln)
        blank = not ln.strip()
        struct = bool(_STRUCT.match(ln)) and not (cur is not None and not prev_struct and _WRAPPED_MARKER.match(ln))
        if blank:
            if cur is not None:
                out.append((cur, pos - 1))
                cur = None
        else:
            if cur is not None and (line_mode or struct or (prev_struct and ln.lstrip() == ln)):
                out.append((cur, pos - 1))
                cur = None
            if cur is None:
                cur = pos
            prev_struct = struct
        pos = end + 1
    if cur is not None:
        out.append((cur, len(text)))
    return out


class _Spans:
    """(start, end) spans sorted by start, with the furthest end so far: which spans cover an
    offset or overlap a range is a bisection, not a scan of every span (briefs of 10,000 links)."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = spans
        self.starts = [a for a, _ in spans]
        self.reach = list(accumulate((b for _, b in spans), max))

    def covers(self, pos: int) -> bool:
        """Whether some span has start <= pos < end."""
        k = bisect_right(self.starts, pos)
        return k > 0 and self.reach[k - 1] > pos

    def overlapping(self, s: int, e: int) -> Iterator[int]:
        """Indices, in order, of the spans with start < e and end > s."""
        for k in range(bisect_right(self.reach, s), len(self.spans)):  # spans before k all end by s
            a, b = self.spans[k]
            if a >= e:
                break  # sorted by start: the rest start at e or later
            if b > s:
                yield k

    def starting_in(self, s: int, e: int) -> range:
        """Indices of the spans with s <= start < e."""
        return range(bisect_left(self.starts, s), bisect_left(self.starts, e))


class _Links(_Spans):
    """A brief's links sorted by start, as spans."""

    def __init__(self, links: list[Link]) -> None:
        self.links = links
        super().__init__([(lk.start, lk.end) for lk in links])


def _squash(name: str) -> str:
    s = name.lower().strip()
    s = re.sub(r"^the\s+", "", s)
    return re.sub(r"[^a-z]", "", s)


# ------------------------------------------------------------------ short-quote rule

_REPORTING = re.compile(
    r"\b(?:says?|said|saying|told|tells?|telling|call(?:s|ed|ing)?|describ(?:e|es|ed|ing)|"
    r"wr(?:ote|ites?|iting|itten)|stat(?:e|es|ed|ing)|declar(?:e|es|ed|ing)|prais(?:e|es|ed|ing)|"
    r"warn(?:s|ed|ing)?|add(?:s|ed|ing)|not(?:e|es|ed|ing)|argu(?:e|es|ed|ing)|claim(?:s|ed|ing)?|"
    r"insist(?:s|ed|ing)?|explain(?:s|ed|ing)?|repl(?:y|ies|ied)|respond(?:s|ed)?|ask(?:s|ed)?|"
    r"answer(?:s|ed)?|announc(?:e|es|ed|ing)|remark(?:s|ed)?|comment(?:s|ed)?|tweet(?:s|ed)?|"
    r"post(?:s|ed)?|emphasi[sz](?:e|es|ed|ing)|stress(?:es|ed)?|admit(?:s|ted)?|acknowledg(?:e|es|ed)|"
    r"conced(?:e|es|ed)|quipped|label(?:s|led|ed|ling|ing)|brand(?:s|ed)|termed|vow(?:s|ed)|"
    r"promis(?:e|es|ed)|urg(?:e|es|ed)|accus(?:e|es|ed)|denounc(?:e|es|ed)|condemn(?:s|ed)|"
    r"pledg(?:e|es|ed)|predict(?:s|ed)|recall(?:s|ed)|reads?|quoted|report(?:s|ed)|"
    r"as an?|referr(?:ed|ing) to|refers? to|according to|in (?:his|her|their|its)(?: own)? words|"
    r"in the words of|put it)\b", re.I)
_SCARE = re.compile(r"(?:\bso[-\s]*called|\bdubbed|\bthe term)\s*$", re.I)
#: words a title may leave in lower case ("is" too: “Orange is the New Black”, “Crime is Down”)
_SMALL = {"of", "the", "and", "a", "an", "for", "in", "on", "to", "de", "la", "von", "van", "&", "at", "by", "with", "from",
          "or", "nor", "but", "as", "into", "vs", "via", "is"}
_NUMBER = re.compile(r"[$€£]?\s*[-+]?\d[\d,.\s]*%?|\d{1,4}(?:[-/.:]\d{1,4}){1,2}")  # 12%, 2016-06-28


def _words(text: str) -> list[str]:
    return [w for w in text.split() if any(ch.isalnum() for ch in w)]


def _norm_title(s: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", "", s.lower())).strip()


def _content_words(words: list[str]) -> list[str]:
    """The words that carry capitals in a title: not small words ("of", "the"), not numbers."""
    letters = [re.sub(r"^[^\w]+", "", w) for w in words]
    return [w for w in letters if w and w.lower() not in _SMALL and w[0].isalpha()]


def _title_case(words: list[str]) -> bool:
    content = _content_words(words)
    return bool(content) and all(w[0].isupper() for w in content)


def _not_words(text: str) -> bool:
    """A quote that is only a URL, a domain or a number: nothing to check word for word."""
    t = text.strip()
    if _URL.fullmatch(t.rstrip(_TRAIL)) or re.fullmatch(r"(?:www\.)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?", t):
        return True
    return bool(_NUMBER.fullmatch(t.strip(" .,;:")))


#: why a quote is set aside (`Quote.reason` of a skipped quote)
NOT_WORDS = "a URL, number or date"
CITED_TITLE = "the title of a cited source"
ONE_WORD = "one word"
NO_VERB = "two or three words with no reporting verb"
TERM = "a term, not someone's words"
NAME = "a name or title"
WORK = "the title of a work"
HEADING = "a headline"
TRANSLATION = "a translation"


def _skip_reason(text: str, before: str, after: str, titles: set[str]) -> str | None:
    """The rule for quotes the brief does not credit explicitly (see the module docstring):
    why the quote is not worth checking, or None.

    `before` and `after` are the rest of the quote's sentence on either side."""
    t = text.strip()
    if _not_words(t):
        return NOT_WORDS
    words = _words(t)
    if _norm_title(t) in titles and _title_case(words):
        return CITED_TITLE
    if len(words) <= 1:
        return ONE_WORD
    if _GLOSS.search(before):
        return TRANSLATION
    if len(words) >= 4:
        return NAME if _a_name(t, before, after) else None
    if _title_case(words):
        return NAME
    if _SCARE.search(before):
        return TERM
    return None if _reporting(before) or _reported_after(t, after) else NO_VERB


#: a gloss: the writer's translation of foreign words (“Si vis pacem,” Latin for “…”), not a quotation
_GLOSS = re.compile(r"(?:\b(?:Latin|Greek|French|Dutch|Thai|Hebrew|Hindi|Urdu|Farsi|Swahili|Creole|Yiddish|"
                    r"[A-Z][a-z]+(?:ish|ese|ian|an|ic))\s+for|\b(?:which|that)\s+means|\bmeaning|"
                    r"\btranslat(?:ed|es|ing)\s+(?:as|to)|\bin\s+English)[\s,:]*$")


def _reported_after(text: str, after: str) -> bool:
    """A reporting verb right after the quote, which a comma (or ? !) sets off: “woman card,”
    Fiorina said / “a disgrace”, said Lee."""
    set_off = text.endswith((",", "?", "!")) or after.lstrip().startswith(",")
    return set_off and _reporting(" ".join(_words(after)[:3]))


def _reporting(before: str) -> bool:
    """A reporting verb or phrase in the sentence before the quote. A capitalised one inside the
    sentence is part of a name (the Secretary of State, the Daily Post), not a verb."""
    before = re.sub(r"\bso[-\s]*called\b", " ", before, flags=re.I)
    for m in _REPORTING.finditer(before):
        if _a_noun(before, m) or _aside(before, m):
            continue
        if not m.group()[0].isupper() or not before[:m.start()].strip(" \t\n\"“‘«„'([—–-"):
            return True
    return False


#: a reporting word that is also a noun unrelated to speech (the state that she won, a state
#: where): after a determiner, a possessive or a preposition it is the noun, and so it is before
#: "where" (a primary state where), as "reports" is before "of" (initial reports of the crash).
#: Nouns of speech (his comments, Trump's call for, the claim that) still report someone's words.
_NOUN_TOO = {"state", "states"}
_NOUN_BEFORE = {"state": "where", "states": "where", "report": "of", "reports": "of"}
_DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "his", "her", "its", "their", "our", "my",
                "your", "each", "every", "no", "any", "some", "another", "one", "of", "in", "on", "at", "for",
                "from", "with", "by", "about", "across", "per"}


def _a_noun(before: str, m: re.Match[str]) -> bool:
    """A reporting word used as a noun that reports no words: "the state that she won"."""
    word = m.group().lower()
    if word in _NOUN_BEFORE and _words(before[m.end():])[:1] == [_NOUN_BEFORE[word]]:
        return True
    if word not in _NOUN_TOO:
        return False
    if before[m.start() - 1:m.start()] == "-":
        return True  # early-state, swing-state: a compound adjective
    prev = _words(before[:m.start()])[-1:]
    return bool(prev) and (prev[0].lower().strip(".,;:") in _DETERMINERS or prev[0].endswith(("'s", "’s")))


def _aside(before: str, m: re.Match[str]) -> bool:
    """"say" set off by commas is an aside (no better than, say, the old plan), no reporting verb."""
    return m.group().lower() == "say" and before[:m.start()].rstrip().endswith(",") and \
        before.startswith(",", m.end())


def _a_name(text: str, before: str, after: str) -> bool:
    """A quote of 4+ words that reads as a name or the title of a work: every word capitalised
    (“The Nightly Show with Jane Doe”) in a sentence that is not itself capitalised so (a headline
    capitalises every word, its quotes too), with no reporting verb next to it (“What a Great
    Night,” she said). A quote in capitals throughout (a shouted tweet, “WE WILL WIN”) is a name
    only where it stands alone, as a heading does."""
    words = _words(text)
    if not _title_case(words):
        return False
    context = _words(before) + _words(after)
    if all(w.upper() == w for w in words):
        return not context
    if _content_words(context) and _title_case(context):
        return False
    return bool(_NAMED.search(before)) or not _introduced(text, before, after)


#: words that give a thing its name (a play called “Sons of the Harbour”, a report titled “…”): a
#: Title Case quote after them is that name, whatever verb follows; words after "called" describe
#: (he called it “a betrayal of the harbour towns”), so the rule is for Title Case quotes only
_NAMED = re.compile(r"\b(?:called|named|titled|entitled|headlined|nicknamed|(?:also\s+|better\s+)?known\s+as|"
                    r"billed\s+as)\s*$", re.I)


#: a quote right after one of these is its object: “The Late Show” in "she said on “The Late Show”"
_PREPOSITIONS = {"on", "in", "at", "during", "from", "with", "of", "for", "about", "into", "onto"}


#: the quotes of a list ending right before a quote: “Harbour Lights” and, “A” “B” or
_LISTED = re.compile(r"(?:[“\"‘«][^“”\"‘’«»\n]*[”\"’»][\s,]*(?:(?:and|or|&)\s+)?)+$")


def _introduced(text: str, before: str, after: str) -> bool:
    """Whether a reporting verb introduces the quote as someone's words: in the two words before it
    (not with a preposition between: "said on “This Week”" names a show) or the three after it
    when a comma, "?" or "!" sets the quote off (not a “Harbour Day Parade” hat and said…), or
    anywhere before it when a comma or colon sets the quote off (According to the report, “…”).
    A quote that is the object of a preposition, alone or in a list (she starred in “…” and “…”,
    posted the clip), is introduced by nothing after it."""
    head = _words(_LISTED.sub("", before))[-1:]
    if head and head[0].lower() in _PREPOSITIONS:
        return False
    last = _words(before)[-2:]
    if last and last[-1].lower() not in _PREPOSITIONS and _reporting(" ".join(last)):
        return True
    if _reported_after(text, after):
        return True
    return before.rstrip().endswith((",", ":")) and _reporting(before)


_DATED = re.compile(r"\s*\((?:1[5-9]|20)\d\d\)")
#: after a quote that opens a bracket: its outlet and date, as a letter cites a headline ("…," Daily Post, Monday)
_REFERENCE = re.compile(r"\s*,?\s*[A-Z][^,()\n]{0,40},[^()\n]{1,30}\)")
_BYLINE = re.compile(r"\s*by\s+(?:the\s+)?[A-Z]")


def _a_work(text: str, r: _Raw) -> bool:
    """A quote followed by a bare year in brackets (“Harbour Lights” (1998)) or set off by a comma
    and its byline (“Title,” by Jane Doe; "Title", by the Post's Jane Doe) is the title of a work.
    Not so "labelled “unfair” by critics" (no comma), nor an author-date citation (Lee, 2016): a
    quote a brief credits to its author."""
    if _DATED.match(text, r.close):
        return True
    if _title_case(_words(r.text)) and _BYLINE.match(text, r.close):
        return True  # “The Art of Harbour Building” by Jane Doe
    ref = _REFERENCE.match(text, r.close)
    if ref and text[:r.open].rstrip().endswith("(") and not _reporting(ref.group()):
        return True  # (“Mayor vows a new harbour,” Daily Post, Monday)
    if _said_right_before(text, r):
        return False  # Lee said the “ugliness of the remarks,” by Trump: someone's words, "by" the agent
    if r.text.rstrip("'’”\"").endswith(","):  # the comma may stand inside a nested quote: ‘Pier Nine,'”
        return bool(_BYLINE.match(text, r.close))
    return text.startswith(",", r.close) and bool(_BYLINE.match(text, r.close + 1))


def _said_right_before(text: str, r: _Raw) -> bool:
    """A reporting verb in the two words before the quote ("read", as in Read “Title,” by …, aside)."""
    last = [w for w in _words(text[max(0, r.open - 60):r.open])[-2:] if w.lower() not in ("read", "reads")]
    return _reporting(" ".join(last))


def _single_heading(text: str, r: _Raw, ps: int, pe: int) -> bool:
    """A paragraph that is one passage in single marks, in a text that quotes in double marks, is a
    headline or a subhead (‘A long road home’): news headlines put their quotes in single marks."""
    if text[r.open] not in "'‘" or text.startswith("''", r.open):
        return False  # '' is the double mark of wire and archive text
    return not (text[ps:r.open] + text[r.close:pe]).strip(" \t\n.,:;!?—–-")


# ------------------------------------------------------------------ sentences

_SENT_END = re.compile(r"[.!?…]+[\"”’'»)\]]*(?=\s)")
_ABBR = {"mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "sen", "rep", "gov", "lt", "col",
         "capt", "sgt", "no", "vs", "etc", "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr",
         "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "fig", "vol", "pp", "p", "cf", "ca",
         "approx", "est", "fl", "ed", "eds", "ch", "sec", "para", "nos", "vols", "figs", "al", "ibid", "viz",
         "dept", "univ", "ave", "mt", "ft", "rev", "hon", "pres", "supt"}


def _initial(w: str, following: str) -> bool:
    """A lone letter before a full stop abbreviates: an initial (J. Smith) or, before a number (the
    `following` text), a word (c. 1491, v. 2, p. 14)."""
    return len(w) == 1 and w.isalpha() and (w.isupper() or following[:1].isdigit())


def _boundaries(text: str, paras: list[tuple[int, int]], protected: list[tuple[int, int]]) -> list[int]:
    """Offsets where a sentence starts (paragraph starts included)."""
    prot_starts = [a for a, _ in protected]
    out: list[int] = []
    for ps, pe in paras:
        out.append(ps)
        for m in _SENT_END.finditer(text, ps, pe):
            pos = m.end()
            k = bisect_right(prot_starts, pos - 1)
            if any(a < pos < b for a, b in protected[max(0, k - 8):k]):
                continue
            nxt = _SPACES.match(text, pos, pe).end()  # type: ignore[union-attr]
            first = text[nxt] if nxt < pe else ""
            if not first or not (first.isupper() or first.isdigit() or first in "“\"‘«„"):
                continue
            if m.group()[0] == ".":
                w = _word_before(text, ps, m.start())
                if w.lower() in _ABBR or "." in w or _initial(w, first):
                    continue  # Mr. Lee, U.S. Navy, J. Smith, c. 1491
            out.append(nxt)
    return sorted(set(out))


_SPACES = re.compile(r"\s*")
_WORD_CHAR = re.compile(r"[\w.]")


def _word_before(text: str, ps: int, end: int) -> str:
    """The run of word characters and dots that ends at `end` (not before `ps`).

    Read backwards from `end`, so a long paragraph is not scanned again for every sentence."""
    if end > ps and text[end - 1] == "\n":  # as `[\w.]+$` would: `$` matches before a final newline
        end -= 1
    j = end
    while j > ps and _WORD_CHAR.match(text, j - 1):
        j -= 1
    return text[j:end]


# ------------------------------------------------------------------ citations

_ENTRY = re.compile(r"""[ \t]*(?:
    \[\^(?P<fn>[^\]\s]+)\]:?
  | \[(?P<br>\d{1,4})\]:?
  | (?P<num>\d{1,4})[.)](?=\s)
  | \((?P<pnum>\d{1,4})\)
  | (?P<sup>[⁰¹²³⁴⁵⁶⁷⁸⁹]+)
  | (?P<bul>[-*•·–—+▪◦‣])(?=\s)
  | (?P<plain>\d{1,3})(?=[ \t]+[^\d\s]|[ \t]*$)
)[ \t]*""", re.X)
_SEPS = " \t,;:.|–—-·•/"


@dataclass
class _Entry:
    ref: str | None  # None: positional
    url: str
    title: str | None
    start: int
    end: int
    kind: str  # numbered | bullet | bare
    plain: bool = False  # numbered by bare digits ("3 Council analysis, https://…"): a note only in a run


def _url_in(text: str, s: int, e: int, links: _Links, *, www: bool = False) -> tuple[str, int, int, str | None] | None:
    """First link or bare URL in text[s:e]: (url, start, end, anchor text or None); `www`: an
    address without its scheme counts too."""
    best: tuple[str, int, int, str | None] | None = None
    for k in links.starting_in(s, e + 1):
        lk = links.links[k]
        if lk.end <= e:
            anchor = text[lk.start:lk.end]
            best = (lk.url, lk.start, lk.end, None if _URL.fullmatch(anchor.strip()) else anchor)
            break
    for u, us, ue in _bare_urls(text[s:e], www=www):
        if (best is None or s + us < best[1]) and not links.covers(s + us):
            best = (u, s + us, s + ue, None)
        break
    return best


def _entry_title(text: str, s: int, us: int, ue: int, e: int, anchor: str | None) -> str | None:
    if anchor and anchor.strip():
        t = re.sub(r"\s+", " ", anchor).strip()
        return t or None
    before = re.sub(r"\s+", " ", text[s:us]).strip(_SEPS + "([")
    before = re.sub(r"\s*\[$|\s*\($", "", before).strip(_SEPS)
    if before.endswith("]") and "[" in before and text[us - 2:us] == "](":
        before = before[before.rfind("[") + 1:-1]
    if not before:
        before = re.sub(r"\s+", " ", text[ue:e]).strip(_SEPS + ")]")
    return before or None


def _find_entries(text: str, links: _Links) -> list[list[_Entry]]:
    """Reference-list entries, grouped in lists (each list: entries in order)."""
    lines: list[tuple[int, int]] = []
    pos = 0
    for ln in text.split("\n"):
        lines.append((pos, pos + len(ln)))
        pos += len(ln) + 1
    groups: list[list[_Entry]] = []
    bullet_group: list[_Entry] | None = None
    bullet_count = 0
    bare_run: list[_Entry] = []
    linkless: set[int] = set()
    i = 0

    def close_bare() -> None:
        nonlocal bare_run
        if len(bare_run) >= 2:
            groups.append(bare_run)
        bare_run = []

    while i < len(lines):
        ls, le = lines[i]
        line = text[ls:le]
        if not line.strip():
            i += 1
            close_bare()
            continue
        m = _ENTRY.match(line)
        if m and (m.end() < len(line.rstrip()) or m.group("bul") is None):
            body_s = ls + m.end()
            body_e = le
            j = i
            found = _url_in(text, body_s, body_e, links, www=True)
            gap = 0
            while found is None and j + 1 < len(lines) and j < i + 2 + gap:  # wrapped entry
                ns, ne = lines[j + 1]
                nxt = text[ns:ne]
                if not nxt.strip() and not gap and not text[body_s:body_e].strip():
                    gap, j = 1, j + 1  # "1" alone on its line, and its note after a paragraph break (a PDF's notes)
                    continue
                if not nxt.strip() or (_ENTRY.match(nxt) and _ENTRY.match(nxt).end() < len(nxt.rstrip())):  # type: ignore[union-attr]
                    break
                if not (nxt[:1].isspace() or _URL.match(nxt.strip()) or _WWW.match(nxt.strip())
                        or _url_in(text, ns, ne, links, www=True) is not None):
                    break  # a note wraps onto lines of its own margin when its link ends it
                j += 1
                body_e = ne
                found = _url_in(text, body_s, body_e, links, www=True)
            close_bare()
            if m.group("bul") is not None:
                if bullet_group is None:
                    bullet_group = []
                    bullet_count = 0
                    groups.append(bullet_group)
                bullet_count += 1
            else:
                bullet_group = None
            if not found and m.group("plain") is not None:
                linkless.add(int(m.group("plain")))  # "3 Ibid.": a note, though it links nowhere
            if found:
                url, us, ue, anchor = found
                title = _entry_title(text, body_s, us, ue, body_e, anchor)
                if m.group("bul") is not None:
                    ref: str | None = str(bullet_count)
                    kind = "bullet"
                    bullet_group.append(_Entry(ref, url, title, ls + len(line) - len(line.lstrip()),  # type: ignore[union-attr]
                                               body_e, kind))
                else:
                    raw = (m.group("fn") or m.group("br") or m.group("num") or m.group("pnum") or m.group("sup")
                           or m.group("plain"))
                    ref = raw.translate(_SUP_TO_DIGIT)
                    groups.append([_Entry(ref, url, title, ls + len(line) - len(line.lstrip()), body_e,
                                          "numbered", plain=m.group("plain") is not None)])
            i = j + 1
            continue
        # not a marker line: a list continues over indented continuation lines only
        if bullet_group is not None and not line[:1].isspace():
            bullet_group = None
        bare = _bare_entry(text, ls, le, links)
        if bare is not None:
            bare_run.append(bare)
        else:
            close_bare()
        i += 1
    close_bare()
    return _plain_notes([g for g in groups if g], linkless)


def _plain_notes(groups: list[list[_Entry]], linkless: AbstractSet[int] = frozenset()) -> list[list[_Entry]]:
    """Entries numbered by bare digits, as a PDF's notes read ("1" on its line, the note on the next;
    or "3 Council analysis, https://…"), are notes only as a run counting up by one (the longest such
    run in the brief's order; a single one only as note 1): a prose line that opens with a number and
    holds a link ("12 people were hurt, https://…") is not a reference entry. A number whose note
    links nowhere ("3 Ibid.", "4 Interview with the author") keeps its place in the run."""
    plain = [g[0] for g in groups if g[0].plain]
    if not plain:
        return groups
    best_at: dict[int, list[_Entry]] = {}  # the longest run so far ending at each number
    for en in plain:
        n = int(en.ref or 0)
        prev = n - 1
        while prev in linkless and prev not in best_at:
            prev -= 1
        best_at[n] = max(best_at.get(n, []), [*best_at.get(prev, []), en], key=len)
    run = max(best_at.values(), key=len)
    keep = {id(en) for en in run} if len(run) >= 2 or run[0].ref == "1" else set()
    return [g for g in groups if not g[0].plain or id(g[0]) in keep]


def _bare_entry(text: str, ls: int, le: int, links: _Links) -> _Entry | None:
    """A line that is only a link (a rendered <li>) or 'Title, URL'."""
    line = text[ls:le]
    core = line.strip().rstrip(".,;")
    if not core or len(core) > 400 or any(c in core for c in "“”„«»\""):
        return None
    cs = ls + len(line) - len(line.lstrip())
    found = _url_in(text, cs, cs + len(line.strip()), links)
    ce = cs + len(core)
    if found is None:
        return None
    url, us, ue, anchor = found
    visible = sum(1 for c in core if not c.isspace())
    anchor_chars = sum(1 for c in text[us:ue] if not c.isspace())
    if ue >= ce - 1 or anchor_chars >= 0.5 * visible:
        return _Entry(None, url, _entry_title(text, cs, us, ue, ce, anchor), cs, ce, "bare")
    return None


def _citations(text: str, all_links: list[Link]) -> tuple[list[Citation], list[tuple[int, int]]]:
    links = _Links(all_links)  # sorted by start
    groups = _find_entries(text, links)
    by_url: dict[str, Citation] = {}
    refs: set[str] = set()
    spans: list[tuple[int, int]] = []
    deferred: list[tuple[int, str, str | None, int, int]] = []  # (pos, url, title, s, e)
    numbered = [g for g in groups if g[0].kind == "numbered"]
    listed = [g for g in groups if g[0].kind != "numbered"]
    for g in numbered + listed:
        for k, en in enumerate(g, 1):
            spans.append((en.start, en.end))
            if en.url in by_url:
                if en.kind == "numbered" and en.ref and en.ref not in refs:
                    refs.add(en.ref)
                    by_url[en.url].aliases.append(en.ref)  # the same page under another number
                continue
            ref = en.ref if en.kind != "bare" else str(k)
            if ref in refs or ref is None:
                deferred.append((en.start, en.url, en.title, en.start, en.end))
                by_url[en.url] = Citation(ref="", url=en.url)
                continue
            refs.add(ref)
            by_url[en.url] = Citation(ref=ref, url=en.url, title=en.title, start=en.start, end=en.end)
    _ibid_aliases(text, by_url, refs)  # before the running text's links take numbers: "3 Ibid." is note 3
    # running text: links and bare URLs outside the entries
    for lk in links.links:
        deferred.append((lk.start, lk.url, None if _URL.fullmatch(lk.text.strip() or lk.url) else
                         (re.sub(r"\s+", " ", text[lk.start:lk.end]).strip() or None), lk.start, lk.end))
    for u, us, ue in _bare_urls(text):
        if links.covers(us):
            continue
        deferred.append((us, u, None, us, ue))
    deferred.sort(key=lambda d: d[0])
    nums = [int(r) for r in refs if r.isdigit()]
    nxt = max(nums, default=0) + 1
    for _, url, title, s, e in deferred:
        c = by_url.get(url)
        if c is not None and c.ref:
            continue
        while str(nxt) in refs:
            nxt += 1
        ref = str(nxt)
        refs.add(ref)
        if c is not None:  # a list entry whose positional ref was taken
            c.ref = ref
            continue
        by_url[url] = Citation(ref=ref, url=url, title=title, start=s, end=e)
    cits = sorted(by_url.values(), key=lambda c: (int(c.ref) if c.ref.isdigit() else 1 << 30, c.start))
    return cits, spans


#: a numbered note that names the source of the note before it: "Ibid.", "Ibid., p. 4", "Id. at 12"
_NUMBER_AT_LINE = r"^[ \t]*(?:\[(?P<br>\d{1,4})\]:?|(?P<num>\d{1,4})[.)]|(?P<plain>\d{1,3})(?=\s))\s+"
_NUMBERED = re.compile(_NUMBER_AT_LINE, re.M)
_IBID = re.compile(_NUMBER_AT_LINE + r"(?:ibid|ibidem|id)\b\.?", re.I | re.M)


def _ibid_aliases(text: str, by_url: dict[str, Citation], refs: set[str]) -> None:
    """Each "[n] Ibid." note becomes another number of the citation the note before it names (as
    a second number for the same page does: Citation.aliases), so its marker credits that source."""
    if not _IBID.search(text):
        return
    by_ref = {c.ref: c for c in by_url.values() if c.ref}
    for c in list(by_ref.values()):
        by_ref.update({a: c for a in c.aliases})
    prev: Citation | None = None
    for m in _NUMBERED.finditer(text):
        n = m.group("br") or m.group("num") or m.group("plain")
        ib = _IBID.match(text, m.start())
        if ib is not None and prev is not None and n not in refs:
            refs.add(n)
            prev.aliases.append(n)
            by_ref[n] = prev
            continue
        prev = by_ref.get(n) if ib is None else prev


# ------------------------------------------------------------------ outlets

_OUTLET_WORDS = {"news", "times", "post", "journal", "reuters", "associated", "ap", "afp", "bbc", "cnn",
                 "guardian", "telegraph", "bloomberg", "politico", "axios", "economist", "tribune",
                 "herald", "gazette", "observer", "monitor", "radio", "television", "tv", "agency",
                 "press", "magazine", "daily", "wire", "review", "npr", "pbs", "abc", "nbc", "cbs",
                 "msnbc", "fox", "wsj", "nyt", "independent", "chronicle", "sun", "mirror", "express",
                 "standard", "mail", "star", "inquirer", "dispatch", "bulletin", "courier", "sentinel",
                 "globe", "register", "examiner", "newsweek", "vox", "slate", "atlantic", "yorker"}
_CONNECT = {"of", "the", "and", "&", "for", "de"}
_WEAK_AFTER = re.compile(
    r"^\W{0,3}(?:\w+\W+){0,2}?(?:reported|reports|reporting|report|said|says|wrote|writes|declared|"
    r"revealed|noted|notes|published|quoted|cited|stated|states|announced|found|concluded|"
    r"interview|article|story|piece|analysis|editorial|coverage|investigation|claimed|claims|"
    r"told|added|confirmed|learned|obtained)\b", re.I)
_WEAK_BEFORE = re.compile(
    r"(?:according to|told|interview with|reported by|quoted by|quoted in|wrote in|writing in|"
    r"published in|published by|speaking to|spoke to|said to|talking to|cited by|by)\s+(?:the\s+)?$", re.I)
_TOKEN = re.compile(r"[A-Za-z0-9][\w&’'.\-]*")


@dataclass
class _Mention:
    start: int
    end: int
    refs: list[str] = field(default_factory=list)  # empty: an outlet no citation matches


def _domain_label(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return None
    if not host or "." not in host or re.fullmatch(r"[\d.]+|\[.*\]|[\da-f:]+", host):
        return None
    parts = [p for p in host.lower().split(".") if p]
    while len(parts) > 2 and parts[0] in {"www", "www2", "m", "amp", "mobile", "edition", "news"}:
        parts = parts[1:]
    if len(parts) >= 3 and len(parts[-1]) == 2 and parts[-2] in {"co", "com", "org", "net", "gov", "ac",
                                                                   "edu", "ne", "or", "go"}:
        return parts[-3]
    return parts[-2] if len(parts) >= 2 else None


def _acronym(words: list[str]) -> str:
    return "".join(w[0].lower() for w in words if w.lower() not in _CONNECT and w[:1].isalpha())


class _Matcher:
    """The citations a name may stand for, by domain label and by title (or its tail after
    "|", "-", …), looked up in dicts built on first use: a brief may cite 10,000 sources."""

    def __init__(self, citations: list[Citation]) -> None:
        self.citations = citations
        self._by_label: dict[str, list[int]] | None = None
        self._by_title: dict[str, list[int]] = {}

    def _labels(self) -> dict[str, list[int]]:
        if self._by_label is None:
            self._by_label = {}
            for i, c in enumerate(self.citations):
                label = _domain_label(c.url)
                if label and len(label) >= 2:
                    self._by_label.setdefault(label, []).append(i)
                if c.title:
                    full = _squash(c.title)
                    tail = _squash(re.split(r"\s[|\-–—:·»]\s|\s[|·»]|[|]", c.title)[-1])
                    for key in {full, tail} - {""}:
                        self._by_title.setdefault(key, []).append(i)
        return self._by_label

    def match(self, words: list[str]) -> tuple[list[str], bool]:
        """Refs the name matches, and whether a match came from a title (outlet-like)."""
        if words and words[0].lower() == "the":
            words = words[1:]
        if not words:
            return [], False
        sq = _squash(" ".join(words))
        if len(sq) < 2:
            return [], False
        by_label = self._labels()
        keys = {sq, sq + "news"}
        if len(words) > 1:
            acr = _acronym(words)
            keys |= {acr, acr + "news", _acronym(words[:-1]) + _squash(words[-1])}
        hits = {i for k in keys - {""} for i in by_label.get(k, ())}
        titled = self._by_title.get(sq, [])
        refs: list[str] = []
        for i in sorted(hits.union(titled)):
            if self.citations[i].ref not in refs:
                refs.append(self.citations[i].ref)
        return refs, bool(titled)


def _mentions(text: str, s: int, e: int, skip: _Spans | list[tuple[int, int]], matcher: _Matcher) -> list[_Mention]:
    if not isinstance(skip, _Spans):
        skip = _Spans(sorted(skip))
    toks: list[tuple[int, int, str, bool]] = []  # start, end, word, ends run
    for m in _TOKEN.finditer(text, s, e):
        if skip.covers(m.start()):
            continue
        w = m.group()
        stripped = re.sub(r"(?:[’']s?|[.\-])+$", "", w) if w.count(".") <= 1 or not re.fullmatch(
            r"(?:[A-Za-z]\.){2,}", w) else w
        if not stripped:
            continue
        ends = stripped != w or text[m.end():m.end() + 1] not in (" ", "\n")
        toks.append((m.start(), m.start() + len(stripped), stripped, ends))
    out: list[_Mention] = []
    run: list[tuple[int, int, str, bool]] = []

    def flush() -> None:
        while run and run[-1][2].lower() in _CONNECT:
            run.pop()
        k = 0
        while k < len(run):
            best: tuple[int, list[str], bool] | None = None
            if run[k][2].lower() not in _CONNECT or run[k][2].lower() == "the":
                for j in range(min(len(run), k + 6), k, -1):
                    if run[j - 1][2].lower() in _CONNECT:
                        continue
                    refs, strong = matcher.match([t[2] for t in run[k:j]])
                    if refs:
                        best = (j, refs, strong)
                        break
            if best is not None:
                j, refs, strong = best
                ms, me = run[k][0], run[j - 1][1]
                outlet_like = strong or any(t[2].lower() in _OUTLET_WORDS for t in run[k:j])
                if outlet_like or _WEAK_AFTER.match(text[me:me + 60]) or _WEAK_BEFORE.search(
                        text[max(s, ms - 40):ms]):
                    out.append(_Mention(ms, me, refs))
                k = j
                continue
            if run[k][2].lower() in _OUTLET_WORDS and run[k][2][0].isupper():
                if out and out[-1].end >= run[k][0] - 40 and not out[-1].refs and out[-1].start >= run[0][0]:
                    out[-1].end = run[k][1]
                else:
                    out.append(_Mention(run[k][0], run[k][1]))
            k += 1
        run.clear()

    for tok in toks:
        w = tok[2]
        cap = w[0].isupper() or (w.lower() in _CONNECT and bool(run))
        if run and (run[-1][3] or tok[0] - run[-1][1] > 1):
            flush()
        if cap:
            run.append(tok)
        else:
            flush()
    flush()
    return out


# ------------------------------------------------------------------ credit

#: a footnote number written as plain digits, as a PDF's text layer gives a superscript and as text
#: pasted from a PDF or a Word document keeps it: glued to a closing quotation mark (“…next week.”1,
#: “…supply”4, “…the old”.2) or to the end mark of a sentence that goes on with a capital (“…two
#: years.3 The council”). Never after a digit (2.5, section 4.1) and never glued to a word (G7, Web3).
DIGIT_MARK = (r"(?:(?<=[”\"»’])|(?<=[”\"»’][.,;:!?]))(?P<dig>\d{1,3}(?:,\d{1,3})*)(?![\w%]|[.,]\d)"
              r"|(?<=[^\W\d_][.!?])(?P<dig2>\d{1,3}(?:,\d{1,3})*)(?=[”\"»’]|\s+[A-Z“\"‘(\[]|\s*$)")

_MARKER = re.compile(
    r"\[\^?(?P<br>\d{1,4}(?:\s*[,;–-]\s*\^?\d{1,4})*)\]"
    r"|\[\^(?P<fn>[^\]\s\d^][^\]\s]{0,39})\]"  # a named Markdown footnote, [^harbour]
    r"|(?P<sup>[⁰¹²³⁴⁵⁶⁷⁸⁹]+(?:[,˒،][⁰¹²³⁴⁵⁶⁷⁸⁹]+)*)"
    r"|\((?P<par>\d{1,3}(?:\s*,\s*\d{1,3})*)\)"
    r"|" + DIGIT_MARK)


def _marker_refs(m: re.Match[str], known: set[str]) -> list[str]:
    if m.group("fn"):
        return [m.group("fn")] if m.group("fn") in known else []
    raw = m.group("br") or m.group("par") or m.group("dig") or m.group("dig2")
    out: list[str] = []
    if raw:
        for part in re.split(r"\s*[,;]\s*", raw.replace("^", "")):
            rng = re.fullmatch(r"(\d+)\s*[–-]\s*(\d+)", part)
            nums = [str(n) for n in range(int(rng.group(1)), int(rng.group(2)) + 1)] if rng and \
                int(rng.group(2)) - int(rng.group(1)) < 50 else [part]
            out += [n for n in nums if n in known and n not in out]
    else:
        for part in re.split(r"[,˒،]", m.group("sup")):
            n = part.translate(_SUP_TO_DIGIT)
            if n in known and n not in out:
                out.append(n)
    return out


@dataclass
class _Refs:
    """The refs a marker names: the citation a link over the marker points to (a "[1]" that links
    straight to its source credits that source, whatever number the brief's own list gives it),
    else the known refs its number names."""

    known: set[str]
    aliases: dict[str, str] = field(default_factory=dict)  # another number of a listed URL -> its ref
    linked: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, ref), by start

    def __post_init__(self) -> None:
        self._names = self.known | set(self.aliases)

    def of(self, m: re.Match[str]) -> list[str]:
        i = bisect_right(self.linked, (m.end(), -1, ""))
        over = [ref for a, b, ref in self.linked[max(0, i - 8):i] if a < m.end() and b > m.start()]
        named = over or [self.aliases.get(r, r) for r in _marker_refs(m, self._names)]
        return list(dict.fromkeys(named))


def _credit_refs(citations: list[Citation], links: list[Link]) -> _Refs:
    url_ref = {c.url: c.ref for c in citations}
    return _Refs({c.ref for c in citations}, {a: c.ref for c in citations for a in c.aliases},
                 sorted((lk.start, lk.end, url_ref[lk.url]) for lk in links if lk.url in url_ref))


@dataclass
class _Raw:
    start: int
    end: int
    text: str
    open: int  # offset of the opening mark / block start
    close: int  # offset just past the closing mark / block end
    cites: list[str] = field(default_factory=list)


_WRAP = {"“": "”", "\"": "\"", "«": "»", "„": "“”", "‘": "’", "»": "«"}


def _unwrap(text: str, s: int, e: int) -> tuple[int, int]:
    """Drop quotation marks wrapping a whole block."""
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e - s >= 2 and text[s] in _WRAP and text[e - 1] in _WRAP[text[s]]:
        inner = quotemarks.scan(text, [(s, e)])
        if inner and inner[0].open == s and inner[0].close == e - 1:
            s, e = s + 1, e - 1
    return s, e


def _collapse(s: str) -> str:
    """Line and paragraph breaks inside a quote read as one space."""
    return re.sub(r"[ \t]*\n\s*", " ", s)


def _segments(paras: list[tuple[int, int]], excluded: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The paragraphs with block quotes, reference entries and markup syntax cut out."""
    segs: list[tuple[int, int]] = []
    spans = _Spans(excluded)
    for ps, pe in paras:
        cur = ps
        for k in spans.overlapping(ps, pe):
            a, b = excluded[k]
            if b <= cur:
                continue
            if a > cur:
                segs.append((cur, a))
            cur = max(cur, b)
        if cur < pe:
            segs.append((cur, pe))
    return segs


def _md_blocks(text: str) -> list[tuple[int, int]]:
    """Markdown `>` blocks as (start, end) of their content, markers still inside."""
    out: list[tuple[int, int]] = []
    pos = 0
    cur: list[tuple[int, int]] = []
    lines = text.split("\n")
    for idx, ln in enumerate(lines):
        m = re.match(r" {0,3}(?:>[ \t]?)+", ln)
        if m and ln[m.end():].strip():
            cur.append((pos + m.end() + len(ln[m.end():]) - len(ln[m.end():].lstrip()), pos + len(ln.rstrip())))
        if (not m or idx == len(lines) - 1) and cur:
            out.append((cur[0][0], cur[-1][1]))
            cur = []
        pos += len(ln) + 1
    return out


_TAIL_MARK = re.compile(r"\s*(?:\[\^?\d{1,4}(?:\s*,\s*\d{1,4})*\]|\[\^[^\]\s\d^][^\]\s]{0,39}\]|[⁰¹²³⁴⁵⁶⁷⁸⁹]+)\s*$")


#: a block's last line that names who said it: "— Senior nurse, evidence to the inquiry"
_ATTRIBUTION_LINE = re.compile(r"\n(?: {0,3}(?:>[ \t]?)+)?[ \t]*(?:[—―–]|--)[ \t]*[^\W\d_][^\n]*$")  # not "- ", a list item
_MD_QUOTE_MARKERS = re.compile(r"\n {0,3}(?:>[ \t]?)+")


def _block(text: str, s: int, e: int, md: bool, refs: _Refs) -> _Raw:
    """One quote for a whole block (a block quotes its source's text, narration and all). A marker
    ending the block is credit, not quoted text, and so is a last line that names the speaker, as
    an attribution is set under a block quote ("— The minister [3]")."""
    cites: list[str] = []
    m = _TAIL_MARK.search(text, s, e)
    if m and m.start() > s:
        mm = _MARKER.search(text, m.start(), m.end())
        cites = refs.of(mm) if mm else []
        if cites:
            e = m.start()
    who = _ATTRIBUTION_LINE.search(text, s, e)
    if who is not None and text[s:who.start()].strip():
        e = who.start()
        if not cites:  # "— <cite><a href=…>The minister</a></cite>": the attribution's link credits it
            cites = list(dict.fromkeys(ref for a, _, ref in refs.linked if who.start() <= a < who.end()))[:1]
    us, ue = _unwrap(text, s, e)
    inner = text[us:ue]
    if md:
        inner = _MD_QUOTE_MARKERS.sub("\n", inner)
    return _Raw(us, ue, re.sub(r"\s+", " ", inner).strip(), s, e, cites)


#: a reference definition's title ([id]: https://… "Title") is markup, not a quote (not a footnote's text)
_MD_DEF_TITLE = re.compile(r"^ {0,3}\[(?!\^)[^\]\n]+\]:[ \t]*<?\S+?>?[ \t]+(?P<title>[\"'(][^\n]*)$", re.M)

#: a code span or a fenced code block: its quotation marks are code, not a quote
_MD_CODE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})[^\n]*\n(?:.*\n)*? {0,3}(?P=fence)[`~]*[ \t]*$|`[^`\n]+`", re.M)


def _masked_links(text: str, links: list[MarkdownLink]) -> str:
    """`text` with what stands inside a Markdown link's `(url "title")` or `[id]` masked (same
    length): a quote may hold a link on its words (“[we will act](url)”), and the quotation-mark
    scan then reads across the link's syntax, but never a mark of its URL or title."""
    # between "](" (or "][") and the closing ")" (or "]")
    return blanked(text, [(ml.link.end + 2, ml.span[1] - 1) for ml in links], fill="_")


def _quoted_words(text: str, qs: int, qe: int, markup: list[tuple[int, int]]) -> str:
    """The quoted words between qs and qe: breaks read as spaces, a Markdown link's syntax left out."""
    inside = [(max(a, qs), min(b, qe)) for a, b in markup if a < qe and b > qs]
    if not inside:
        return _collapse(text[qs:qe])
    parts: list[str] = []
    pos = qs
    for a, b in inside:
        parts.append(text[pos:a])
        pos = max(pos, b)
    parts.append(text[pos:qe])
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _all_links(brief: BriefText) -> list[Link]:
    links = list(brief.links)
    if brief.fmt in ("md", "txt"):
        have = {(lk.start, lk.end) for lk in links}
        links += [lk for lk in markdown_links(brief.text) if (lk.start, lk.end) not in have]
    return sorted(links, key=lambda lk: lk.start)


def parse_brief(brief: BriefText) -> ParsedBrief:
    """Find the quotes worth checking, the cited sources, and which source each quote credits."""
    text = brief.text
    links = _all_links(brief)
    paras = _paragraphs(text)
    citations, entry_spans = _citations(text, links)
    url_ref = {c.url: c.ref for c in citations}
    refs = _credit_refs(citations, links)
    author_dates = _AuthorDates(text, citations)
    titles = {_norm_title(c.title) for c in citations if c.title}

    raws: list[_Raw] = []
    blocks: list[tuple[int, int]] = []
    spans = [(s, e, True) for s, e in _md_blocks(text)]
    spans += [(s, e, False) for s, e in brief.blockquotes if not any(a <= s < b for a, b, _ in spans)]
    for s, e, md in spans:
        blocks.append((s, e))
        raws.append(_block(text, s, e, md, refs))
    syntax: list[tuple[int, int]] = []
    md_links: list[MarkdownLink] = []
    if brief.fmt in ("md", "txt"):  # `code` and a reference definition's "title" are markup, not quotes
        syntax = [m.span() for m in _MD_CODE.finditer(text)]
        syntax += [m.span("title") for m in _MD_DEF_TITLE.finditer(text)]
        md_links = markdown_link_syntax(text)
    excluded = sorted(blocks + entry_spans + syntax)
    markup = sorted(sp for ml in md_links for sp in ml.markup)
    for p in quotemarks.scan(_masked_links(text, md_links), _segments(paras, excluded)):
        qs, qe = p.start, p.end
        while qs < qe and text[qs].isspace():
            qs += 1
        while qe > qs and text[qe - 1].isspace():
            qe -= 1
        qe, marked = _trailing_markers(text, qs, qe, refs)
        if qe > qs:
            raws.append(_Raw(qs, qe, _quoted_words(text, qs, qe, markup), p.open, p.after, marked))
    raws.sort(key=lambda r: r.open)

    protected = sorted([(r.open, r.close) for r in raws] + [(lk.start, lk.end) for lk in links])
    bounds = _boundaries(text, paras, protected)
    para_starts = [p[0] for p in paras]
    matcher = _Matcher(citations)
    skip_spans = _Spans(sorted([(r.open, r.close) for r in raws] + entry_spans))
    mention_cache: dict[int, list[_Mention]] = {}
    bare = [Link(u, s, e, u) for u, s, e in _bare_urls(text)]
    credit_links = _Links(sorted([lk for lk in links + bare if lk.url in url_ref], key=lambda lk: lk.start))

    double_text = any(text[r.open] in "“\"«„" or text.startswith("''", r.open) for r in raws)
    kept: list[Quote] = []
    skipped: list[Quote] = []
    for idx, r in enumerate(raws):
        pi = max(bisect_right(para_starts, r.open) - 1, 0)
        ps, pe = paras[pi] if paras else (0, len(text))
        bi = bisect_right(bounds, r.open) - 1
        sent_s = max(bounds[bi] if bi >= 0 else ps, ps)
        be = bisect_right(bounds, r.close - 1)
        sent_e = min(bounds[be] if be < len(bounds) else pe, pe)
        prev_close = raws[idx - 1].close if idx > 0 else 0
        next_open = raws[idx + 1].open if idx + 1 < len(raws) else len(text)
        win_s = max(sent_s, prev_close if prev_close <= r.open else sent_s)
        win_e = min(sent_e, next_open) if next_open >= r.close else sent_e

        cites = list(r.cites) or _credit_markers(text, r, win_e, next_open, pe, bounds, refs)
        if not cites:  # “…” (Ledger, 2024) after it, or Ledger (2024) before it in its sentence
            cites = (author_dates.refs(text, r.close, min(win_e, r.close + 200), narrative=False)
                     or author_dates.refs(text, win_s, r.open, narrative=True))
        if not cites:
            for k in credit_links.starting_in(win_s, win_e):
                lk = credit_links.links[k]
                if url_ref[lk.url] not in cites:
                    cites.append(url_ref[lk.url])
        # credited by a marker or a link: always checked; otherwise the short-quote rule decides
        reason = (NOT_WORDS if _not_words(r.text) else None) if cites else _uncredited_reason(
            text, r, text[sent_s:r.open], text[r.close:sent_e], titles, double_text and _single_heading(text, r, ps, pe))
        if not cites:
            if pi not in mention_cache:
                local = _Spans([skip_spans.spans[k] for k in skip_spans.overlapping(ps, pe)])
                mention_cache[pi] = _mentions(text, ps, pe, local, matcher)
            cites = _credit_outlet(mention_cache[pi], r, win_s, win_e, ps)
        q = Quote(id="", text=r.text, start=r.start, end=r.end, cites=cites, reason=reason)
        (skipped if reason else kept).append(q)
    for n, q in enumerate(kept, 1):
        q.id = f"q{n}"
    for n, q in enumerate(skipped, 1):
        q.id = f"s{n}"
    return ParsedBrief(quotes=kept, citations=citations, skipped=skipped)


def _uncredited_reason(text: str, r: _Raw, before: str, after: str, titles: set[str], heading: bool) -> str | None:
    """Why an uncredited quote is set aside, or None: the short-quote rule, a headline, a work."""
    reason = _skip_reason(r.text, before, after, titles)
    if reason is None and heading:
        reason = HEADING
    if reason is None and _a_work(text, r):
        reason = WORK
    return reason


_TAIL = re.compile(r"[\s.,;:!?…]*")


def _trailing_markers(text: str, s: int, e: int, refs: _Refs) -> tuple[int, list[str]]:
    """A quote that ends with the brief's own citation marker inside its closing mark (“…this
    election[1].”, “…the end.¹”): where its words end, before the marker, and the refs it names.
    The marker is the quote's credit, not words of its source. Not a number in parentheses: in a
    quote that is more often the source's own words (“…under section 4(2).”)."""
    out: list[str] = []
    while True:
        found = [m for m in _MARKER.finditer(text, s, e) if _TAIL.fullmatch(text, m.end(), e)]
        named = refs.of(found[-1]) if found and not found[-1].group("par") else []
        if not named:
            break
        out = [r for r in named if r not in out] + out
        e = found[-1].start()
        while e > s and text[e - 1].isspace():
            e -= 1
    return e, out


def _credit_markers(text: str, r: _Raw, win_e: int, next_open: int, pe: int, bounds: list[int],
                    refs: _Refs) -> list[str]:
    limit = min(next_open, pe, r.close + 300)
    m = _MARKER.search(text, r.close, limit)
    if m is None:
        return []
    k = bisect_right(bounds, r.close)
    if k < len(bounds) and bounds[k] <= m.start():
        return []  # the marker belongs to a later sentence
    out = refs.of(m)
    pos = m.end()
    while True:
        nm = _MARKER.match(text, pos + len(text[pos:pos + 3]) - len(text[pos:pos + 3].lstrip(" ,;")))
        if nm is None or nm.start() > pos + 3:
            break
        out += [x for x in refs.of(nm) if x not in out]
        pos = nm.end()
    return out


# Author-date credit, as reports and policy briefs cite: “…” (Ledger, 2024), (Smith and Jones 2019,
# p. 4; Doe, 2020), or Ledger (2024) said “…”. A citation answers to it when its reference line
# holds the year and, near its start, the first author's first word; only one may answer.
_WHO = r"[A-Z][\w.’'&-]*(?:\s+(?:and|&|of|the|for|[A-Z][\w.’'&-]*))*(?:\s+et\s+al\.?)?"
_YEAR = r"(?:1[5-9]|20)\d\d[a-z]?"
_PAREN_CITE = re.compile(rf"\((?P<body>{_WHO},?\s+{_YEAR}(?:,\s*(?:pp?\.|para\.)\s*[\d–-]+)?"
                         rf"(?:;\s*{_WHO},?\s+{_YEAR}(?:,\s*(?:pp?\.|para\.)\s*[\d–-]+)?)*)\)")
_ONE_CITE = re.compile(rf"(?P<who>{_WHO}),?\s+(?P<year>{_YEAR})")
_NARRATIVE_CITE = re.compile(rf"(?P<who>{_WHO})\s+\((?P<year>{_YEAR})\)")
#: characters at the start of a reference line where its first author stands
_AUTHOR_AT = 80


class _AuthorDates:
    """The brief's reference lines by ref, for author-date credit (read only once a citation of
    that shape is met: most briefs have none)."""

    def __init__(self, text: str, citations: list[Citation]) -> None:
        self._text, self._citations = text, citations

    @cached_property
    def _by_year(self) -> dict[str, list[tuple[str, str]]]:
        """year -> (ref, the reference line's first words, space-padded) of the lines holding it."""
        out: dict[str, list[tuple[str, str]]] = {}
        for c in self._citations:
            words = _fold_words(_line_at(self._text, c.start))
            lead = " " + " ".join(words)[:_AUTHOR_AT] + " "
            for year in {w for w in words if len(w) == 4 and w.isdigit()}:
                out.setdefault(year, []).append((c.ref, lead))
        return out

    def refs(self, text: str, s: int, e: int, *, narrative: bool) -> list[str]:
        """The refs the author-date citations in text[s:e] credit (parenthetical ones; with
        `narrative`, also "Ledger (2024)")."""
        return self.found(text, s, e, narrative=narrative)[0]

    def found(self, text: str, s: int, e: int, *, narrative: bool) -> tuple[list[str], list[tuple[int, int]]]:
        """refs(), and the spans of the parenthetical citations that credited them (a claim's
        text leaves them out, as it does markers)."""
        refs: list[str] = []
        spans: list[tuple[int, int]] = []
        for m in _PAREN_CITE.finditer(text, s, e):
            got = [r for one in _ONE_CITE.finditer(m.group("body")) for r in self._ref(one.group("who"), one.group("year"))]
            if got:
                refs += got
                spans.append(m.span())
        if narrative:
            for m in _NARRATIVE_CITE.finditer(text, s, e):
                refs += self._ref(m.group("who"), m.group("year"))
        return list(dict.fromkeys(refs)), spans

    def _ref(self, who: str, year: str) -> list[str]:
        first = _fold_words(who)[:1]
        if not first:
            return []
        who_word = f" {first[0]} "
        hits = [ref for ref, lead in self._by_year.get(year[:4], []) if who_word in lead]
        return hits if len(hits) == 1 else []


def _line_at(text: str, pos: int) -> str:
    a = text.rfind("\n", 0, pos) + 1
    b = text.find("\n", pos)
    return text[a:b if b >= 0 else len(text)]


def _fold_words(s: str) -> list[str]:
    return re.findall(r"[^\W_]+", s.lower())


def _credit_outlet(mentions: list[_Mention], r: _Raw, win_s: int, win_e: int, ps: int) -> list[str]:
    own = [mn for mn in mentions if win_s <= mn.start < win_e and not (r.open <= mn.start < r.close)]
    if own:
        near = min(own, key=lambda mn: r.open - mn.end if mn.end <= r.open else mn.start - r.close)
    else:
        earlier = [mn for mn in mentions if ps <= mn.start and mn.end <= r.open]
        if not earlier:
            return []
        near = earlier[-1]
    return list(near.refs) if len(near.refs) == 1 else []


# ------------------------------------------------------------------ public helpers
# The claim finder (verifier.core.claims) reads a brief by the same rules as the quote finder;
# these names are the part of this module it relies on.

MARKER = _MARKER
URL = _URL
Matcher = _Matcher
Mention = _Mention


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Paragraph spans of a brief (blank lines, or every newline in one-paragraph-per-line briefs)."""
    return _paragraphs(text)


def boundaries(text: str, paras: list[tuple[int, int]], protected: list[tuple[int, int]]) -> list[int]:
    """Offsets where a sentence starts (paragraph starts included); `protected` spans never split."""
    return _boundaries(text, paras, protected)


def segments(paras: list[tuple[int, int]], excluded: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The paragraphs with the excluded spans (block quotes, reference entries) cut out."""
    return _segments(paras, excluded)


def citations(text: str, links: list[Link]) -> tuple[list[Citation], list[tuple[int, int]]]:
    """The reference list's citations and the spans of its entries."""
    return _citations(text, links)


def md_blocks(text: str) -> list[tuple[int, int]]:
    """Markdown `>` blocks as (start, end) of their content."""
    return _md_blocks(text)


def all_links(brief: BriefText) -> list[Link]:
    """Every link of a brief: its markup's links and Markdown links in the text."""
    return _all_links(brief)


def bare_urls(text: str) -> list[tuple[str, int, int]]:
    """URLs written out in the text, (url, start, end)."""
    return _bare_urls(text)


Refs = _Refs
AuthorDates = _AuthorDates


def credit_refs(citations: list[Citation], links: list[Link]) -> Refs:
    """What the brief's markers name: Refs.of(a MARKER match) is the refs it credits."""
    return _credit_refs(citations, links)


def mentions(text: str, s: int, e: int, skip: list[tuple[int, int]], matcher: Matcher) -> list[Mention]:
    """Outlet names in text[s:e] (outside `skip`) and the citations each matches."""
    return _mentions(text, s, e, skip, matcher)
