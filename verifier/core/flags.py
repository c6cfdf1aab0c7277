"""Flags: the numbers, dates, names and negations of a claim that its passages lack or contradict.

Pure: a claim's text and candidate passages (strings) in, `Flag` values out.

Why: a cited sentence can be a fair paraphrase and still change a figure, a date, a name or a
"not" on the way. A lexical check can name such a token transparently, but only if it compares
*values*, not spellings, and the whole passages, not word by word: "1,000" = "1000", "4%" = "4
percent" = "4 per cent", "fifty" = "50", "third" = "3rd", "12 March 2020" = "March 12, 2020" =
"2020-03-12", "Russian" = "Russia", "U.S." = "United States". A paraphrase that moves a name to
another sentence of the passage is not a missing name, so presence is judged against every
passage and the neighbouring text the caller passes.

Decisions
- `source` None: the passages lack the token. `source` set (a contradiction): a token of the
  same kind in the same passage, next to the same words (the nearest content word before or
  after it is the same; for a name, both, since capitalised runs abound), whose value differs
  and matches nothing else in the claim.
- A number with fewer significant digits than the source's is equal when the source rounds to
  it within 5% ("about 300" for 312); units must agree when both are written (4% is not $4).
- A date matches when no field the claim gives disagrees with a source date: "March 2020" is in
  "12 March 2020"; a year alone is found in any date or bare year of the passages. A source date
  without a year ("April 9th", a lone "through October") fits the claim's year only if the page
  gives no year or gives that one, or the month comes before a month the page dates in the year
  before (a page of December 2018 means June 2019 by "in June"). A full date the source names by
  its weekday, within the week before a date the source prints, is present ("Wednesday" in a
  story of Thursday, March 2, 2017, is March 1). A range reads alike with a hyphen or a dash ("1491-1510").
- Names are runs of capitalised words (ended by a possessive, a sentence end, a line end or a
  capitalised small word); the claim's first word only when the source capitalises it
  mid-sentence; the credited outlet and set-aside quotes are skipped. A name is matched as a name,
  never as words gathered from several names ("Library of Awards" is not in "Library of Congress
  … Golden Horse Awards"): present when the whole name is written in one text, or a run of it is
  the same name shortened on either side (surname, middle names, kind words such as "High School"
  or "Prefecture", the part before "of"), or its acronym; a one-word name must be a name there
  (without kind words only in the best passage: "Flint" is not in "Flint Township" elsewhere),
  not a word inside another ("Carolyn" is not in "Carolyn Roberts"), except at the start of a
  longer name in the best passage itself. When the source gives someone else a full name that
  begins or ends like the claim's ("Lisa White Hardwick" for "Lisa Times Hardwick"), only a run
  holding the claim's whole name counts. Word stems are compared, so "Russian" ~ "Russia".
- The claim's first word is a name when the page (not only the passages) capitalises it
  mid-sentence; a two-word name the page gives someone else with the same first or last word
  ("Annie Zaleski" beside "Annie Sera") makes a two-word name's match strict.
- A kind or title word alone without a determiner ("88% of Agency") stands where a name goes:
  the source must write it as a name of its own. When a name "X of Y" is missing but the texts
  give X or Y, the flag names the missing part ("MTV" of "Emilee Lindner of MTV").
- A person's two-word name is present when the text writes the given name as a name of its own
  and the family name ends a relative's name ("Edward Windsor" beside "George Windsor … two
  siblings, Edward and Marina").
- A name's slot: when a passage, ranked before any passage that holds the claim's name, writes
  another name between the same words ("Milwaukee's Arts Board said" for "Milwaukee's Kodis
  Board said"), that is a contradiction even if the claim's name is written elsewhere on the
  page (a swapped-in name usually is). Not when the two share a word, are spelt alike, or are
  parts of one name the page writes ("Marion" and "Smith").
- Negation: a not/never/no/without/n't of the claim missing from the best passage is flagged with
  `source` None, unless a passage says "not" by a word's meaning ("turned down", "against",
  "banned": `_NEGATIVE`); one in the best passage (the first) that the claim lacks, between two words the
  claim has, is a contradiction (`claim` None).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date as _date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from difflib import SequenceMatcher
from functools import lru_cache

from verifier.core.claims import STOP_WORDS, stem
from verifier.core.normalize import blanked, fold
from verifier.core.wordforms import ORDS, SCALE, TENS, UNITS, spelled_value


@dataclass(frozen=True)
class Flag:
    """A token of the claim its passages lack (`source` None) or contradict (`source` set)."""

    kind: str  # number | date | name | negation
    claim: str | None
    source: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "claim": self.claim, "source": self.source}


@dataclass(frozen=True)
class _Mention:
    kind: str
    text: str
    start: int
    end: int
    value: tuple[object, ...]


# ------------------------------------------------------------------ numbers

_MULT = {"thousand": 10**3, "k": 10**3, "million": 10**6, "m": 10**6, "mn": 10**6, "billion": 10**9,
         "bn": 10**9, "b": 10**9, "trillion": 10**12, "tn": 10**12}
_NUM = re.compile(
    r"(?<![\w.,/])(?<![^\W\d_]-)(?:(?<!\d{4}[–-])|(?=\d{3}))(?P<cur>[$€£¥])?\s?"
    r"(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<ord>st|nd|rd|th)?"
    r"(?:(?:\s|-)?(?P<mult>thousand|million|billion|trillion)\b|(?P<abbr>k|m|mn|bn|b|tn)\b)?"
    r"(?:\s?(?P<pct>%|percent\b|per\s?cent\b|pct\b))?"
    r"(?![\w%])", re.I)
_NUMWORD = "|".join(sorted([*UNITS, *TENS, *ORDS, *SCALE, "a"], key=len, reverse=True))
_SPELLED = re.compile(rf"\b(?:{_NUMWORD})(?:(?:[\s-]+|\s+and\s+)(?:{_NUMWORD}))*"
                      r"(?:\s?(?:%|percent\b|per\s?cent\b))?", re.I)


def _unit(m: re.Match[str]) -> str:
    if m.group("pct"):
        return "%"
    return m.group("cur") or ""


def _digits(m: re.Match[str]) -> tuple[Decimal, Decimal, str, bool] | None:
    """(value, precision, unit, ordinal) of a number written in digits."""
    raw = m.group("n").replace(",", "")
    scale = m.group("mult") or m.group("abbr")
    mult = _MULT[scale.lower()] if scale else 1
    try:
        val = Decimal(raw)
    except InvalidOperation:
        return None
    if "." in raw:
        prec = Decimal(1).scaleb(-len(raw.split(".")[1]))
    else:
        stripped = raw.rstrip("0") or "0"
        prec = Decimal(10) ** (len(raw) - len(stripped)) if raw != "0" else Decimal(1)
    return val * mult, prec * mult, _unit(m), bool(m.group("ord"))


#: patterns the hot paths below use, compiled once (a call of re.search(pattern, …) looks its
#: pattern up in re's cache every time)
_PERCENT_END = re.compile(r"(?:%|percent|per\s?cent)$", re.I)
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_POSSESSIVE_END = re.compile(r"(?:[’']s?)$")
_POSSESSIVE_S = re.compile(r"[’']s$")
_LETTER = re.compile(r"[^\W\d_]")
_NON_SPACE = re.compile(r"\S+")
_ALNUM_RUN = re.compile(r"[^\W_]+|\d")


def _spelled(text: str) -> list[_Mention]:
    out: list[_Mention] = []
    for m in _SPELLED.finditer(text):
        body = m.group()
        pct = bool(_PERCENT_END.search(body))
        words = [w.lower() for w in _LATIN_WORD.findall(_PERCENT_END.sub("", body))]
        while words and words[0] in ("a", "and"):
            words = words[1:]
        while words and words[-1] == "and":
            words = words[:-1]
        if not words or (words in (["second"], ["first"]) and not pct):
            continue  # "second" is mostly time, "first" mostly order of events
        got = spelled_value(words)
        if got is not None:
            out.append(_Mention("number", body, m.start(), m.end(),
                                (Decimal(got[0]), Decimal(1), "%" if pct else "", got[1])))
    return out


def number_values(text: str) -> set[Decimal]:
    """The values of the numbers in text, in digits or spelled out ("1,000", "fifty", "4 percent")."""
    out: set[Decimal] = set()
    for m in _numbers(text, spelled=True):
        v = m.value[0]
        if isinstance(v, Decimal):
            out.add(v)
    return out


def _numbers(text: str, *, spelled: bool) -> list[_Mention]:
    out: list[_Mention] = []
    for m in _NUM.finditer(text):
        got = None if _is_year(m) else _digits(m)
        if got is not None:
            out.append(_Mention("number", m.group().strip(), m.start(), m.end(), got))
    return out + (_spelled(text) if spelled else [])


def is_year_word(word: str) -> bool:
    """Whether a word (a compared form, digits only) is written as a year is."""
    return re.fullmatch(_YEAR_DIGITS, word) is not None


def _is_year(m: re.Match[str]) -> bool:
    raw = m.group("n")
    plain = not (m.group("cur") or m.group("pct") or m.group("mult") or m.group("abbr") or m.group("ord"))
    return plain and len(raw) == 4 and raw.isdigit() and 1000 <= int(raw) <= 2100


def _num_equal(claim: tuple[object, ...], source: tuple[object, ...]) -> bool:
    cv, cp, cu, _ = claim
    sv, _sp, su, _ = source
    assert isinstance(cv, Decimal) and isinstance(sv, Decimal) and isinstance(cp, Decimal)
    if cu and su and cu != su:
        return False
    if cv == sv:
        return True
    if sv == 0 or cp <= 0:
        return False
    rounded = (sv / cp).quantize(Decimal(1), rounding=ROUND_HALF_UP) * cp
    return rounded == cv and abs(cv - sv) / abs(sv) <= Decimal("0.05")


# ------------------------------------------------------------------ dates

_MONTHS = {"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
           "august": 8, "september": 9, "october": 10, "november": 11, "december": 12}
_MON_ABBR = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
             "oct": 10, "nov": 11, "dec": 12}
_MON = rf"(?P<mon>(?:{'|'.join(_MONTHS)})\b|(?:{'|'.join(_MON_ABBR)})\b\.?)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR_DIGITS = r"1\d{3}|20\d{2}"
_YEAR = rf"(?P<year>{_YEAR_DIGITS})\b"
_DATES = [
    re.compile(rf"\b(?P<iy>{_YEAR_DIGITS})-(?P<im>[01]\d)-(?P<id>[0-3]\d)\b"),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MON}(?:,?\s+{_YEAR})?", re.I),
    re.compile(rf"\b{_MON}\s+{_DAY}\b(?:,?\s+{_YEAR})?", re.I),
    re.compile(rf"\b{_MON},?\s+{_YEAR}", re.I),
    re.compile(rf"(?<![\w$€£¥.,/])(?<![^\W\d_]-){_YEAR}(?![\w%]|[.,]\d)"),
]
#: a month named alone after a word that dates ("through October", "in June"): in a source, it
#: vouches for a claim's "October 2007" when the page gives that year
_MONTH_ALONE = re.compile(
    rf"\b(?:in|on|by|for|through|until|till|since|from|during|of|last|next|early|late|mid|this|that|between|"
    rf"and|to)[\s-]+(?P<mon>(?:{'|'.join(m.capitalize() for m in _MONTHS)})\b)(?![\s,]+\d)")


def _date_value(m: re.Match[str]) -> tuple[int | None, int | None, int | None] | None:
    g = m.groupdict()
    if g.get("iy"):
        return int(g["iy"]), int(g["im"]), int(g["id"])
    mon = None
    if g.get("mon"):
        key = g["mon"].lower().rstrip(".")
        mon = _MONTHS.get(key) or _MON_ABBR.get(key)
    day = int(g["day"]) if g.get("day") else None
    if day is not None and not 1 <= day <= 31:
        return None
    return (int(g["year"]) if g.get("year") else None), mon, day


def _dates(text: str, *, source: bool = False) -> list[_Mention]:
    out: list[_Mention] = []
    taken: list[tuple[int, int]] = []
    for rx in [*_DATES, _MONTH_ALONE] if source else _DATES:
        for m in rx.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            if m.groupdict().get("mon") and m.group("mon").lower() == "may" and not m.group("mon")[0].isupper():
                continue  # the verb "may"
            val = _date_value(m)
            if val is None:
                continue
            a, b = m.span("mon") if rx is _MONTH_ALONE else m.span()
            taken.append((a, b))
            out.append(_Mention("date", text[a:b].strip(), a, b, val))
    return sorted(out, key=lambda mn: mn.start)


def _date_fits(claim: tuple[object, ...], source: tuple[object, ...], source_years: set[object]) -> bool:
    """No field the claim gives disagrees with the source date, which gives at least one of them."""
    shared = 0
    for i, (c, s) in enumerate(zip(claim, source, strict=True)):
        if c is None:
            continue
        if s is None:
            if i == 0 and source_years and c not in source_years and not _months_ahead(claim, source_years):
                return False  # a year-less date fits the claim's year unless the page gives others
            continue
        if c != s:
            return False
        shared += 1
    return shared > 0 and (claim[2] is None or source[2] is not None)


def _months_ahead(claim: tuple[object, ...], page: set[object]) -> bool:
    """The claim's month falls in the year after a dated month of the page, before that month: a
    page of December 2018 that says "in June" means June 2019 (a lone month is the next one)."""
    year, month = claim[0], claim[1]
    return isinstance(year, int) and isinstance(month, int) and any(
        isinstance(d, tuple) and d[0] == year - 1 and month < d[1] for d in page)


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _by_weekday(c: _Mention, texts: Sequence[_Source]) -> bool:
    """A full date the source gives as its weekday within the week before a date it prints ("on
    Wednesday", in a story dated Thursday, March 2, 2017, for "March 1, 2017"): news names the
    days of the past week by weekday."""
    y, m, d = c.value
    if not (isinstance(y, int) and isinstance(m, int) and isinstance(d, int)):
        return False
    try:
        day = _date(y, m, d)
    except ValueError:
        return False
    if not any(re.search(rf"\b{_WEEKDAYS[day.weekday()]}\b", t.text) for t in texts):
        return False
    for t in texts:
        for s in t.mentions:
            sy, sm, sd = s.value if s.kind == "date" else (None, None, None)
            if isinstance(sy, int) and isinstance(sm, int) and isinstance(sd, int):
                try:
                    if 0 < (_date(sy, sm, sd) - day).days <= 6:
                        return True
                except ValueError:
                    continue
    return False


# ------------------------------------------------------------------ names

#: capital letters of the Latin, Greek and Cyrillic scripts ("Álvarez", "Ørsted", "Дмитрий")
_UPPER = "".join(c for c in map(chr, range(0x41, 0x530)) if c.isupper())
_NAME_WORD = rf"(?:[{_UPPER}][\w’'.\-]*[\w.]|[{_UPPER}])"
_NAME_RUN = re.compile(rf"{_NAME_WORD}(?:(?:(?<![’']s)|(?<=en[’']s)|(?<=ople[’']s))(?<![a-z]{{3}}\.)[^\S\n]+(?:(?:of|de|da|del|van|von|der|al|bin|la|du|le)\s+)?{_NAME_WORD})*")
_CONNECT = {"of", "de", "da", "del", "van", "von", "der", "al", "bin", "la", "du", "le", "the", "and"}
_TITLES = {"president", "king", "queen", "prince", "princess", "senator", "sen", "governor", "gov", "general",
           "gen", "judge", "justice", "minister", "prime", "chancellor", "secretary", "mayor", "sir", "lord",
           "lady", "saint", "st", "pope", "chairman", "director", "professor", "prof", "rep", "representative",
           "monsignor", "father", "reverend", "rev", "bishop", "archbishop", "cardinal", "dame", "duke",
           "duchess", "earl", "countess", "baron", "baroness", "emperor", "empress", "sheikh", "captain",
           "capt", "colonel", "col", "lieutenant", "lt", "sergeant", "sgt", "admiral", "marshal"}
_NOT_NAMES = {"i", "a", "the", "mr", "mrs", "ms", "dr", *_MONTHS, "monday", "tuesday", "wednesday",
              "thursday", "friday", "saturday", "sunday"}


def _name_words(run: str) -> list[str]:
    return [nw for w in run.split() if (nw := _name_word(w))]


@lru_cache(maxsize=1 << 16)
def _name_word(word: str) -> str:
    """A word's folded form without its possessive ending (cached: passages repeat words a lot)."""
    return fold(_POSSESSIVE_END.sub("", word))


def _names(text: str, skip_first: bool) -> list[_Mention]:
    """Runs of capitalised words; a leading first word of the sentence or month is dropped."""
    out: list[_Mention] = []
    first = _LETTER.search(text)
    first_at = first.start() if first else -1
    for m in _NAME_RUN.finditer(text):
        words = list(_NON_SPACE.finditer(m.group()))
        while words and (fold(words[0].group()) in _NOT_NAMES or (skip_first and m.start() + words[0].start()
                                                                   == first_at)):
            words = words[1:]
        if not words or all(len(fold(w.group())) < 2 for w in words):
            continue
        start, end = m.start() + words[0].start(), m.end()
        run = text[start:end].rstrip(".’'")
        out.append(_Mention("name", run, start, start + len(run), tuple(_name_words(run))))
    return out


def _capitalised_mid_sentence(word: str, texts: Sequence[str]) -> bool:
    rx = re.compile(rf"(?<=[\w,;:)] ){re.escape(word)}\b")
    return any(rx.search(t) for t in texts)


def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n >= max(4, min(len(a), len(b)) - 1)


def _capitalised(word: str) -> bool:
    first = _LETTER.search(word)
    return first is not None and first.group().isupper()


class _Words:
    """The folded words of the texts, their capitalised runs (the core of each and its comparable
    forms), the words written in lower case, and the acronyms of their names."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.words: set[str] = set()
        self.joined = " " + " ".join(" ".join(_name_words(t)) for t in texts) + " "
        self.acronyms: set[str] = set()
        self.cores: list[list[str]] = []
        self.forms: list[list[str]] = []
        self.plain: list[list[str]] = []
        self.whole: set[str] = set()
        self.loose: set[str] = set()
        for t in texts:
            self.words.update(_name_words(t))
            self.loose.update(_loose_words(t))
            for run in _source_runs(t):
                ws = [w for w in run.split() if w[0].isupper() and fold(w) not in _NOT_NAMES]
                if len(ws) > 1:
                    self.acronyms.add("".join(w[0].lower() for w in ws))
                self.acronyms.add(re.sub(r"[^a-z]", "", " ".join(ws).lower()))
                words = _name_words(run)
                self.whole.add(" ".join(words))
                if core := _core(words):
                    self.cores.append(core)
                self.forms += _run_forms(words, source=True)
                self.plain += _run_forms(words, source=True, kinded=False)

    def has_name(self, words: tuple[object, ...], *, strict: bool = False) -> bool:
        """The whole name in the text (a name of two words or more, in any case; one word written
        in lower case), or a capitalised run of the text that is the same name, shortened on either
        side (see `_same_name`), or its acronym. `strict` (the source names someone else by the
        name's last word, see `_rivalled`): a run must hold the claim's whole core."""
        ws = [str(w) for w in words]
        if not ws or (len(ws) > 1 and f" {' '.join(ws)} " in self.joined):
            return True
        if len(ws) == 1 and ws[0] in self.loose:
            return True
        core = _core(ws)
        if not core:
            return True  # a title alone ("the President")
        if len(core) == 2 and f" {core[1]} {core[0]} " in self.joined:
            return True  # written as in an index: "Tooth, Edwin"
        if self._family(core):
            return True
        if strict:
            return any(_within(core, r) for r in self.cores)
        titled = any(w in _TITLES for w in ws)
        forms = self.plain if len(core) == 1 else self.forms
        if any(_same_name(c, r, titled) for c in _run_forms(ws, source=False) for r in forms):
            return True
        caps = [w for w in ws if w not in _CONNECT]
        acr = "".join(w[0] for w in caps)
        if (len(caps) > 1 and acr in self.words) or (len(ws) == 1 and ws[0] in self.acronyms):
            return True
        return self._split_at_of(ws)

    def _family(self, core: list[str]) -> bool:
        """A person's name whose given name the text writes as a name of its own, and whose
        family name ends another person's name there: "Edward Windsor" in "her parents are George
        Windsor … two siblings, Edward, Lord Downpatrick" (a family is named once, its members
        by their given names)."""
        if len(core) != 2 or core[-1] in _KINDS:
            return False
        given, family = core
        return [given] in self.cores and any(len(r) >= 2 and r[-1] == family and given not in r for r in self.cores)

    def _split_at_of(self, ws: list[str]) -> bool:
        """"Emilee Lindner of MTV" as "Emilee Lindner" and "MTV", the latter a whole name of the
        text ("Awards" inside "Golden Horse Awards" does not make a "Library of Awards")."""
        if "of" not in ws[1:-1]:
            return False
        k = ws.index("of", 1)
        after = _core(ws[k + 1:])
        return bool(after) and any(_words_match(after, f) for f in self.forms) and self.has_name(tuple(ws[:k]))


def _loose_words(text: str) -> list[str]:
    """The words of a text a one-word name may be anywhere among: those written in lower case
    ("the internet" for "the Internet"). Elsewhere a one-word name must be a name of the text, not
    a word inside one ("Carolyn" is not in "Carolyn Roberts")."""
    return _name_words(" ".join(w for w in text.split() if not _capitalised(w)))


#: words that name the kind of a place or body, not which one: "Kent Brewery" is found as "Kent", "the
#: Freer Gallery" as "Freer" (only when a word that says which one is left)
_KINDS = frozenset(str.split("""
university college school high academy institute museum gallery galleries library theatre theater
church cathedral abbey hospital company corporation corp inc ltd group party club team league
association society foundation trust council committee commission agency department ministry board
airport station base air port river lake mount mountain mountains island islands county city town
township village state province prefecture region district park street road avenue square bridge
hall centre center festival award awards prize fellowship scholarship magazine newspaper records
studios brewery band
"""))


def _core(words: list[str]) -> list[str]:
    """A run without sentence words before it ("In Paris"), connectors and titles."""
    k = 0
    while k < len(words) and (words[k] in STOP_WORDS or words[k] in _NOT_NAMES):
        k += 1
    return [w for w in words[k:] if w not in _CONNECT and w not in _TITLES]


def _unkinded(words: list[str]) -> list[str]:
    """The run without the words that only name its kind, unless nothing else is left."""
    rest = [w for w in words if w not in _KINDS]
    return rest or words


def _run_forms(words: list[str], *, source: bool, kinded: bool = True) -> list[list[str]]:
    """The comparable forms of a run: its core, and that without kind words; for a source run,
    also the parts before and after "of" ("Freer Gallery of Art" is also "Freer Gallery", hence
    "Freer"; "Public Health Agency of Canada" also "Canada")."""
    out: list[list[str]] = []
    heads = [words]
    if source and "of" in words[1:]:
        heads += [words[: words.index("of", 1)], words[words.index("of", 1) + 1:]]
    for ws in heads:
        core = _core(ws)
        for form in (core, _unkinded(core)) if kinded else (core,):
            if form and form not in out:
                out.append(form)
    return out


def _source_runs(text: str) -> list[str]:
    """The capitalised runs of a source text, cut at a capitalised small word inside one (a
    headline's "Dave Mustaine To Metallica" holds "Dave Mustaine" and "Metallica")."""
    out = []
    for m in _NAME_RUN.finditer(text):
        cur: list[str] = []
        for w in m.group().split():
            if len(w) > 1 and w[1:].islower() and fold(w) in STOP_WORDS and fold(w) not in _CONNECT and cur:
                out.append(" ".join(cur))
                cur = []
            else:
                cur.append(w)
        if cur:
            out.append(" ".join(cur))
    return out


def _words_match(a: list[str], b: list[str]) -> bool:
    return len(a) == len(b) and all(_same_word(x, y) for x, y in zip(a, b, strict=True))


def _within(short: list[str], long: list[str]) -> bool:
    """`short` is `long` with words left out, not its last: "Scanlan", "Clive Uhr" and "Wentworth
    Uhr" are within "Clive Wentworth Uhr"."""
    if not short or len(short) > len(long) or not _same_word(short[-1], long[-1]):
        return False
    k = 0
    for w in long[:-1]:
        if k < len(short) - 1 and _same_word(short[k], w):
            k += 1
    return k == len(short) - 1


def _same_name(claim: list[str], run: list[str], titled: bool) -> bool:
    """One name written in full on one side and shortened on the other: the claim's words are
    within the run ("Scanlan" or "Clive Uhr" for "Clive Wentworth Uhr"), the run's words within the
    claim's ("Election Day" for "U.S. Presidential Election Day"), or a titled first name begins it
    ("Lady Amelia" for "Amelia Windsor"). A word swapped ("Velvet Scott" for "Velvet Revolver") is
    none of these."""
    if _within(claim, run) or _within(run, claim):
        return True
    return titled and len(claim) < len(run) and _words_match(claim, run[: len(claim)])


def _rivalled(core: list[str], cores: Sequence[list[str]], claim_names: Sequence[list[str]]) -> bool:
    """The source names someone or something else as the claim's name begins or ends: a run of two
    or more words ending in the same word (not a kind word: a page names many schools), or, for a
    name of two words or more, beginning with the same word and ending otherwise, that is neither
    the claim's name shortened or in full nor another name the claim gives in full ("Lisa White
    Hardwick" beside "Hardwick" when the claim says "Lisa Times Hardwick"; "Odessa Jackalopes"
    beside "Executive" when it says "Odessa Executive")."""
    for r in cores:
        if len(r) < 2 or _within(r, core) or _within(core, r):
            continue
        same_last = _same_word(r[-1], core[-1]) and core[-1] not in _KINDS
        same_first = len(core) > 1 and _same_word(r[0], core[0]) and not _same_word(r[-1], core[-1]) \
            and core[-1] not in _KINDS
        if not (same_last or same_first):
            continue
        if not any(_within(r, o) for o in claim_names if o != core):
            return True
    return False


@lru_cache(maxsize=512)
def _words_of(text: str) -> _Words:
    """One text's _Words (cached: the claims of a brief meet the same passages again; read only)."""
    return _Words([text])


class _AnyOf:
    """Names looked up text by text: a name is present when one text holds all of it. In the best
    passage itself (`lead`), a one-word name may also begin a longer one ("Reading" for "Reading
    Football Club", "Jose" for "Jose Ortiz"): there the claim's other words vouch for it, while a
    first name met anywhere on the page is as often someone else's."""

    def __init__(self, each: list[_Words], lead: _Words | None = None,
                 page: Callable[[], Sequence[list[str]]] | None = None) -> None:
        self.each = each
        self.lead = lead
        self.cores = [r for w in each for r in w.cores]
        self.page = page

    def has_bare(self, word: str) -> bool:
        """The word written as a name of its own, or in lower case, in one of the texts."""
        return any(word in w.whole or word in w.loose for w in self.each)

    def has_name(self, words: tuple[object, ...], claim_names: Sequence[list[str]] = ()) -> bool:
        ws = [str(w) for w in words]
        core = _core(ws[: ws.index("of", 1)] if "of" in ws[1:] else ws)  # the head of "X of Y" is X
        strict = bool(core) and (_rivalled(core, self.cores, claim_names) or (  # a person's given name and surname
            len(core) == 2 and self.page is not None and _rivalled(core, self.page(), claim_names)))
        if any(w.has_name(words, strict=strict) for w in self.each):
            return True
        return (self.lead is not None and len(words) == 1 and not strict
                and any(len(r) > 1 and _same_word(str(words[0]), r[0]) for r in self.lead.cores))


# ------------------------------------------------------------------ negation

_NEG = re.compile(r"\b(?:not|never|no|without|cannot|nor|none|nobody|nothing|neither)\b|n[’']t\b", re.I)


#: words that say "not" by their meaning: "did not want to leave" is "turned down the offer",
#: "are not allowed" is "are against", "banned", "prohibited"
_NEGATIVE = re.compile(
    r"\b(?:refus(?:e|es|ed|ing|al)|declin(?:e|es|ed|ing)|turn(?:s|ed|ing)?\s+(?:it\s+|them\s+)?down|"
    r"reject(?:s|ed|ing|ion)?|den(?:y|ies|ied|ying)|fail(?:s|ed|ing|ure)?|unable|lack(?:s|ed|ing)?|absent|"
    r"absence|ban(?:s|ned|ning)?|prohibit(?:s|ed|ing|ion)?|forb(?:id|ids|ade|idden)|against|oppos(?:e|es|ed|ing)|"
    r"barred)\b", re.I)


def _negations(text: str) -> list[_Mention]:
    out = []
    for m in _NEG.finditer(text):
        if m.group().lower() == "no" and re.match(r"\.?\s*\d", text[m.end():m.end() + 3]):
            continue  # "No. 5"
        if re.match(r"\s+only\b", text[m.end():m.end() + 6]):
            continue  # "not only … but also"
        word = m.group().lower().replace("’", "'")
        out.append(_Mention("negation", m.group(), m.start(), m.end(), ("n't" if word.endswith("n't") else word,)))
    return out


# ------------------------------------------------------------------ neighbours

_WORD = re.compile(r"[^\W_]+(?:[’'][^\W_]+)*")


def _neighbours(text: str, start: int, end: int, taken: list[tuple[int, int]]) -> tuple[str | None, str | None]:
    """The nearest content word (stemmed) before and after text[start:end], within 4 words."""
    def ok(m: re.Match[str]) -> bool:
        w = fold(m.group())
        return bool(w) and w not in STOP_WORDS and not any(a <= m.start() < b for a, b in taken)
    before = [m for m in _WORD.finditer(text, max(0, start - 60), start) if m.end() <= start]
    after = [m for m in _WORD.finditer(text, end, end + 60)]
    left = next((stem(fold(m.group())) for m in reversed(before[-4:]) if ok(m)), None)
    right = next((stem(fold(m.group())) for m in after[:4] if ok(m)), None)
    return left, right


def _next_to(a: tuple[str | None, str | None], b: tuple[str | None, str | None]) -> bool:
    return (a[0] is not None and a[0] == b[0]) or (a[1] is not None and a[1] == b[1])


# ------------------------------------------------------------------ slots

#: words looked at on either side of a name for the nearest content word of its slot
SLOT_REACH = 3
_BOUNDARY = ""  # the edge of a sentence, as a neighbour
_SENTENCE_GAP = re.compile(r"[.!?\n]")


def _slot_word(word: str) -> str:
    return stem(fold(_POSSESSIVE_S.sub("", word)))


def _side(text: str, start: int, end: int, names: Sequence[_Mention], *, left: bool) -> tuple[str, str]:
    """(nearest word, nearest content word within SLOT_REACH words) on one side of
    text[start:end], stopping at the sentence's edge (`_BOUNDARY`); "?" when no content word is
    within reach: the words that frame a name's slot in its sentence. A word inside another name
    stands for that whole name ("New Brunswick" is not "New South Wales")."""
    if left:
        words = [m for m in _WORD.finditer(text, max(0, start - 80), start) if m.end() <= start][::-1]
    else:
        words = list(_WORD.finditer(text, end, end + 80))
    nearest: str | None = None
    edge = start if left else end
    for m in words[:SLOT_REACH]:
        if _SENTENCE_GAP.search(text[m.end():edge] if left else text[edge:m.start()]):
            break
        run = next((n for n in names if n.start <= m.start() < n.end), None)
        w = " ".join(str(v) for v in run.value) if run is not None else _slot_word(m.group())
        nearest = w if nearest is None else nearest
        if fold(m.group()) not in STOP_WORDS:
            return nearest, w
        edge = m.start() if left else m.end()
    else:
        if len(words) > SLOT_REACH:
            return nearest or _BOUNDARY, "?"
    return nearest or _BOUNDARY, _BOUNDARY


def _side_match(a: tuple[str, str], b: tuple[str, str], *, nearest_only: bool) -> tuple[bool, bool]:
    """(the sides match, with a content word): the same nearest word, or the same nearest
    content word (the sentence's edge counts as a word, not as a content word)."""
    strong = a[1] == b[1] and a[1] not in (_BOUNDARY, "?")
    if nearest_only:
        return a[0] == b[0], strong and a[0] == a[1]
    return strong or a[0] == b[0], strong


def _trim_shared(cw: list[str], sw: list[str]) -> tuple[list[str], list[str], bool, bool]:
    """Two names without the kind or title words they share at either end ("Bush Theatre" and
    "Artistic Theatre" differ in "Bush" and "Artistic", in the slot before "Theatre")."""
    right = left = False
    if set(cw + sw) & _CONNECT:
        return cw, sw, left, right  # "Library of Awards": the kind word is not the head's
    while len(cw) > 1 and len(sw) > 1 and cw[-1] == sw[-1] and cw[-1] in _KINDS:
        cw, sw, right = cw[:-1], sw[:-1], True
    while len(cw) > 1 and len(sw) > 1 and cw[0] == sw[0] and (cw[0] in _KINDS or cw[0] in _TITLES):
        cw, sw, left = cw[1:], sw[1:], True
    return cw, sw, left, right


def _other_name(cw: list[str], sw: list[str], page_runs: Sequence[list[str]]) -> bool:
    """Two names that share no word, neither spelt like the other ("Albuqerque"), and not two parts
    of one name the page writes ("Marion" and "Smith" of "Marion Elizabeth Leane Smith")."""
    if set(cw) & set(sw) or SequenceMatcher(None, " ".join(cw), " ".join(sw)).ratio() >= 0.8:
        return False
    return not any(set(cw) <= set(r) and set(sw) <= set(r) for r in page_runs)


class _Lazy:
    """The name lookups the slot rule needs, built on first use: most claims never need them."""

    def __init__(self, passages: list[_Source], every: list[_Source]) -> None:
        self.passages, self.every = passages, every
        self._holders: dict[int, _Words] = {}
        self._runs: list[list[str]] | None = None

    def holder(self, k: int) -> _Words:
        if k not in self._holders:
            self._holders[k] = _words_of(self.passages[k].text)
        return self._holders[k]

    def page_runs(self) -> list[list[str]]:
        if self._runs is None:
            self._runs = [core for s in self.every for run in _source_runs(s.text)
                          if len(core := _core(_name_words(run))) > 1]
        return self._runs


def _slot_rival(c: _Mention, claim: str, claim_mentions: Sequence[_Mention], passages: list[_Source],
                claim_names: Sequence[list[str]], lazy: _Lazy, outlets: set[str]) -> str | None:
    """Another name that a passage writes in the claim name's slot, between the same words, in a
    passage ranked before any that holds the claim's name: "the City of Milwaukee's Kodis Board
    said" against "the City of Milwaukee's Arts Board said". The words match when the nearest
    word or the nearest content word on each side is the same, one side by a content word; a
    kind word both names end in ("the Bush Theatre", "the Artistic Theatre") is such a content
    word, and then the nearest word on the other side must be the same. Such a passage
    contradicts the name even when the name is written elsewhere on the page, as a swapped-in
    name usually is."""
    if not _core([str(w) for w in c.value]):
        return None
    mine = [m for m in claim_mentions if m.kind == "name" and m is not c]
    near = (_side(claim, c.start, c.end, mine, left=True), _side(claim, c.start, c.end, mine, left=False))
    for k, p in enumerate(passages):
        if lazy.holder(k).has_name(c.value):
            return None  # the best passage that names it holds the claim's name
        theirs = [m for m in p.mentions if m.kind == "name"]
        for s in theirs:
            if " ".join(str(v) for v in s.value) in outlets:
                continue
            score = _core([str(w) for w in s.value])
            if not score or any(_within(score, n) or _within(n, score) for n in claim_names):
                continue
            cw, sw, left_kind, right_kind = _trim_shared([str(w) for w in c.value], [str(w) for w in s.value])
            kind = left_kind or right_kind
            lm, ls = (True, True) if left_kind else _side_match(
                near[0], _side(p.text, s.start, s.end, theirs, left=True), nearest_only=kind)
            rm, rs = (True, True) if right_kind else _side_match(
                near[1], _side(p.text, s.start, s.end, theirs, left=False), nearest_only=kind)
            if lm and rm and (ls or rs) and _other_name(cw, sw, lazy.page_runs()):
                return s.text
    return None


# ------------------------------------------------------------------ the check

def _mentions(text: str, *, source: bool, skip_first: bool = False) -> list[_Mention]:
    dates = _dates(text, source=source)
    nums = [n for n in _numbers(text, spelled=source)
            if not any(d.start < n.end and n.start < d.end for d in dates)]
    names = _names(text, skip_first)
    names = [n for n in names if not any(d.start <= n.start < d.end for d in dates)]
    return dates + nums + names


def _equal(c: _Mention, s: _Mention, years: set[object]) -> bool:
    if {c.kind, s.kind} == {"number", "date"}:
        return _year_as_count(c, s)
    if c.kind != s.kind:
        return False
    if c.kind == "number":
        return _num_equal(c.value, s.value)
    if c.kind == "date":
        return _date_fits(c.value, s.value, years)
    return c.value == s.value


def _year_as_count(a: _Mention, b: _Mention) -> bool:
    """A bare four-digit number reads like a year: "1000 staff" is "1,000 staff"."""
    num, date = (a, b) if a.kind == "number" else (b, a)
    return date.value[1:] == (None, None) and not num.value[2] and not num.value[3] \
        and num.value[0] == date.value[0]


@dataclass
class _Source:
    text: str
    mentions: list[_Mention]


def _prepare(texts: Sequence[str]) -> list[_Source]:
    return [_Source(t, list(_source_mentions(t))) for t in texts]


@lru_cache(maxsize=4096)
def _source_mentions(text: str) -> tuple[_Mention, ...]:
    """A source text's mentions (cached: a brief's claims meet the same passages again)."""
    return tuple(_mentions(text, source=True))


def _years(sources: list[_Source]) -> set[object]:
    """The years the texts give, and (year, month) for each month they date."""
    dated = [m.value for s in sources for m in s.mentions if m.kind == "date" and m.value[0] is not None]
    return {v[0] for v in dated} | {(v[0], v[1]) for v in dated if v[1] is not None}


def _counterpart(c: _Mention, claim: str, claim_mentions: list[_Mention], passages: list[_Source],
                 years: set[object]) -> str | None:
    """The same-kind value a passage gives next to the claim token's words, if any."""
    taken = [(m.start, m.end) for m in claim_mentions]
    near = _neighbours(claim, c.start, c.end, taken)
    if near == (None, None):
        return None
    for p in passages:
        ptaken = [(m.start, m.end) for m in p.mentions]
        for s in p.mentions:
            if s.kind != c.kind or any(_equal(o, s, years) for o in claim_mentions):
                continue
            if c.kind == "number" and not (c.value[2] == s.value[2] or not c.value[2]):
                continue
            theirs = _neighbours(p.text, s.start, s.end, ptaken)
            if (near == theirs and None not in near) if c.kind == "name" else _next_to(near, theirs):
                return s.text
    return None


def _present(c: _Mention, sources: list[_Source], words: _AnyOf, years: set[object],
             near: tuple[str | None, str | None], claim_names: Sequence[list[str]]) -> bool:
    """The token is in the passages: a name whole in one text; a number or date of equal value,
    where a rounded figure ("about 300" for 312) must stand next to the same words."""
    if c.kind == "name":
        return words.has_name(c.value, claim_names)
    for src in sources:
        taken = [(m.start, m.end) for m in src.mentions]
        for s in src.mentions:
            if not _equal(c, s, years):
                continue
            if c.kind == "number" and s.kind == "number" and s.value[0] != c.value[0] \
                    and not _next_to(near, _neighbours(src.text, s.start, s.end, taken)):
                continue
            return True
    return False


def _exact_in(c: _Mention, context: list[_Source], years: set[object]) -> bool:
    """The same number or date in the context: there a rounded figure ("4%" for "4.1 percent")
    is more likely another quantity than the claim's."""
    if c.kind == "number":
        return any(s.kind == "number" and s.value[0] == c.value[0] and (not c.value[2] or c.value[2] == s.value[2])
                   for src in context for s in src.mentions)
    if c.kind == "date":  # a year-less "9 April" vouches for "9 April 2006" only if the page gives 2006
        return any(s.kind == "date" and _date_fits(c.value, s.value, years) for src in context for s in src.mentions)
    return False


#: words before a bare title or kind word that make it a description ("the Agency", "its Director")
_DETERMINERS = frozenset(str.split("the a an its his her their our your my this that these those whose each every"))


def _bare(c: _Mention, claim: str) -> bool:
    """A capitalised kind or title word alone, with no determiner before it ("88% of Agency",
    "Director announced"): it stands where a name goes, so the source must write it as a name of
    its own, not only inside another ("Public Health Agency of Canada")."""
    if c.kind != "name" or len(c.value) != 1 or (c.value[0] not in _KINDS and c.value[0] not in _TITLES):
        return False
    before = _ALNUM_RUN.findall(claim[:c.start])
    return bool(before) and (before[-1].isdigit() or (before[-1].islower() and before[-1] not in _DETERMINERS))


def _missing_part(c: _Mention, words: _AnyOf, claim_names: Sequence[list[str]]) -> str | None:
    """The part of "X of Y" the texts lack when they have the other: "MTV" of "Emilee Lindner of
    MTV" when the byline gives "Emilee Lindner" (the flag points at what is missing)."""
    ws = [str(w) for w in c.value]
    if "of" not in ws[1:-1] or " of " not in c.text:
        return None
    k = ws.index("of", 1)
    head, tail = c.text.split(" of ", 1)
    has_head, has_tail = words.has_name(tuple(ws[:k]), claim_names), words.has_name(tuple(ws[k + 1:]), claim_names)
    if not (_core(ws[:k]) and _core(ws[k + 1:])):
        return None  # a title of a place ("Duke of Sussex") is one name
    if has_head != has_tail:
        return tail if has_head else head
    return None


def _skipped(m: _Mention, skip: Sequence[tuple[int, int]], outlets: set[str]) -> bool:
    if any(a <= m.start < b for a, b in skip):
        return True
    return m.kind == "name" and " ".join(str(v) for v in m.value) in outlets


def gives_month(text: str) -> bool:
    """The text dates something to a month of a year ("4 September 2013", "2018-12-20")."""
    return any(m.value[0] is not None and m.value[1] is not None for m in _dates(text))


def writes_value(token: str, text: str) -> bool:
    """The text writes the number or date `token` in some form ("March 6th, 2019" for "March 6,
    2019", "Part Two" for "part 2"): for finding the sentence that gives a flagged value."""
    mine = _mentions(token, source=False)
    if not mine:
        return False
    theirs = _mentions(text, source=True)
    years = {m.value[0] for m in theirs if m.kind == "date" and m.value[0] is not None}
    return all(any(_equal(c, s, years) for s in theirs) for c in mine if c.kind != "name")


def page_names(text: str) -> list[list[str]]:
    """The two-word names a whole page writes (their cores), for `find_flags`'s
    `page_runs`: someone else's two-word name anywhere on the page ("Annie Zaleski") makes the
    match of a two-word name strict ("Annie Sera" is not in "La Sera")."""
    return [core for run in _source_runs(text) if len(run.split()) > 1 and len(core := _core(_name_words(run))) == 2]


def find_flags(claim: str, passages: Sequence[str], context: Sequence[str] = (), *,
               skip: Sequence[tuple[int, int]] = (), outlets: Sequence[str] = (),
               name_texts: Sequence[str] | None = None, page: str | None = None,
               page_runs: Callable[[], Sequence[list[str]]] | None = None) -> list[Flag]:
    """The claim's tokens that `passages` (best first) and their `context` lack or contradict.

    `skip`: (start, end) spans of the claim set aside (quotes checked as quotes, credit).
    `outlets`: names of the credited outlet, never flagged as names.
    `name_texts`: when given, a name is present only if one of these texts (a passage with its
    neighbours, the page's title) holds all of it; otherwise the passages and context together.
    `page`: the whole source text, where the claim's first word may be capitalised mid-sentence;
    `page_runs`: gives its two-word names (`page_names`), asked only when a match may turn strict.
    """
    best = _prepare(passages)
    every = best + _prepare(context)
    years = _years(every)
    words = _AnyOf([_Words([s.text for s in every])] if name_texts is None else [_words_of(t) for t in name_texts],
                   _words_of(passages[0]) if passages else _Words([]), page_runs)
    first = re.search(r"[A-Za-z]+", claim)
    skip_first = not (first and _capitalised_mid_sentence(first.group(), [s.text for s in every]
                                                          + ([page] if page else [])))
    mentions = _mentions(claim, source=False, skip_first=skip_first)
    outlet_keys = {" ".join(_name_words(o)) for o in outlets}
    claim_names = _words_of(claim).cores
    lazy = _Lazy(best, every)
    flags: list[Flag] = []
    for c in mentions:
        near = _neighbours(claim, c.start, c.end, [(m.start, m.end) for m in mentions])
        if _skipped(c, skip, outlet_keys) or (c.kind == "date" and _by_weekday(c, every)):
            continue
        if c.kind == "name" and (rival := _slot_rival(c, claim, mentions, best, claim_names, lazy,
                                                       outlet_keys)):
            flags.append(Flag("name", c.text, rival))
            continue
        if _bare(c, claim) and not words.has_bare(str(c.value[0])):
            flags.append(Flag("name", c.text, None))
            continue
        if _present(c, best, words, years, near, claim_names) or _exact_in(c, every[len(best):], years):
            continue
        if c.kind == "name" and (part := _missing_part(c, words, claim_names)):
            flags.append(Flag("name", part, None))
            continue
        flags.append(Flag(c.kind, c.text, _counterpart(c, claim, mentions, best, years)))
    return flags + _negation_flags(claim, best, every, skip)


def _negation_flags(claim: str, best: list[_Source], every: list[_Source],
                    skip: Sequence[tuple[int, int]]) -> list[Flag]:
    mine = [n for n in _negations(claim) if not any(a <= n.start < b for a, b in skip)]
    theirs = bool(best) and bool(_negations(best[0].text))  # the contract: "not in its best passage"
    if mine:
        if theirs or any(_NEGATIVE.search(p.text) for p in best):
            return []
        return [Flag("negation", mine[0].text, None)]
    if not best:
        return []
    # the words of a checked quote are set aside here too: the quote's own "not" is the quote's
    # (judged word for word), and its neighbours are no evidence that the claim's words lack one
    claim_words = {stem(fold(w)) for w in _WORD.findall(blanked(claim, sorted(skip)))}
    for n in _negations(best[0].text):
        left, right = _neighbours(best[0].text, n.start, n.end, [])
        if left in claim_words and right in claim_words:
            return [Flag("negation", None, n.text)]
    return []
