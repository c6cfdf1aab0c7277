"""The same words written another way: a figure for a number word, a contraction for its words,
a scale's letter for its word ("£4.5m" for "£4.5 million").

Pure: folded words (and the raw text they came from) in, a yes or no out.

Why: newsroom style writes figures for numbers ("7" for "seven"), and quoters expand or contract
("it is" for "it's", "cannot" for "can't"). The quoted words and their meaning are the same, so
such a quote is not `altered`; but it is not the source's exact spelling either, so the judge
reports the difference as `spelling` (the contract's kind for the same word spelt another way,
minor_differences). A different value ("8" for "seven") or a contraction of other words ("isn't"
for "was not") stays a change.

Number words are read as flags.py reads them (units, tens, ordinals, scales; "a hundred");
digits may carry an ordinal suffix ("1st") and thousands commas (split into several tokens).
"""

from __future__ import annotations

import re

UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
         "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
ORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
        "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
        "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
        "nineteenth": 19, "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
        "hundredth": 100}
SCALE = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}


def spelled_value(words: list[str]) -> tuple[int, bool] | None:
    """(value, ordinal) of a run of lower-case number words ("two hundred and fifty", "third")."""
    total = cur = 0
    seen = ordinal = False
    for w in words:
        if w == "and":
            continue
        if w == "a":
            cur, seen = max(cur, 1), True
            continue
        if w in UNITS or w in TENS:
            cur += UNITS.get(w, 0) + TENS.get(w, 0)
        elif w in ORDS:
            cur = (cur or 1) * 100 if w == "hundredth" else cur + ORDS[w]
            ordinal = True
        elif w == "hundred":
            cur = (cur or 1) * 100
        elif w in SCALE:
            total += (cur or 1) * SCALE[w]
            cur = 0
        else:
            return None
        seen = True
    return (total + cur, ordinal) if seen else None


_FIGURE = re.compile(r"(\d+)(st|nd|rd|th)?")


def figure_value(words: list[str]) -> tuple[int, bool] | None:
    """(value, ordinal) of a figure split into tokens at its commas ("1", "000"), or "21st"."""
    m = _FIGURE.fullmatch("".join(words))
    if m is None or any(not w[:1].isdigit() for w in words):
        return None
    return int(m.group(1)), m.group(2) is not None


def same_number(a: list[str], b: list[str]) -> bool:
    """One side in figures, the other in words, with the same value ("7" / "seven", "1,000" /
    "one thousand", "21st" / "twenty-first")."""
    fa, fb = figure_value(a), figure_value(b)
    if (fa is None) == (fb is None):
        return False  # both figures (a changed number) or both words
    words = b if fa is not None else a
    if not any(w in UNITS or w in TENS or w in ORDS or w in SCALE for w in words):
        return False  # "a" or "and" alone is no number
    return (fa or fb) == spelled_value(words)


_NOT_STEMS = {"ca": "can", "wo": "will", "sha": "shall", "ai": "am"}
_SUFFIX = {"re": ("are",), "s": ("is", "has", "us"), "ll": ("will", "shall"), "ve": ("have",),
           "d": ("would", "had"), "m": ("am",)}


def expansions(raw: str) -> set[tuple[str, ...]]:
    """The folded words a contraction stands for ("don't" → do not; "can't" → can not, cannot)."""
    w = raw.replace("’", "'").replace("ʼ", "'").lower()
    stem, apos, suffix = w.rpartition("'")
    if not apos or not stem.isalpha() or not suffix.isalpha():
        return set()
    if suffix == "t" and stem.endswith("n"):
        base = _NOT_STEMS.get(stem[:-1], stem[:-1])
        return {(base, "not"), (base + "not",)}
    return {(stem, full) for full in _SUFFIX.get(suffix, ())}


def same_contraction(a: list[str], raw_a: str, b: list[str], raw_b: str) -> bool:
    """One side a single contraction (written with an apostrophe), the other the words it stands for."""
    return (len(a) == 1 and tuple(b) in expansions(raw_a)) or (len(b) == 1 and tuple(a) in expansions(raw_b))


#: a figure's scale written as a letter after it, as money and counts are in news copy ("£4.5m")
SCALE_LETTERS = {"k": "thousand", "m": "million", "mn": "million", "bn": "billion", "b": "billion",
                 "tn": "trillion"}
_SCALED = re.compile(r"(\d+)([a-z]+)")


def same_scale(a: list[str], b: list[str]) -> bool:
    """One side a figure with its scale's letter ("5m", of "£4.5m"), the other the same figure
    and the scale's word ("5 million")."""
    for short, long in ((a, b), (b, a)):
        m = _SCALED.fullmatch(short[-1]) if len(short) == 1 else None
        if m and len(long) == 2 and long[0] == m.group(1) and SCALE_LETTERS.get(m.group(2)) == long[1]:
            return True
    return False


def same_in_style(a: list[str], raw_a: str, b: list[str], raw_b: str) -> bool:
    """The same words written another way (see the module docstring)."""
    return same_number(a, b) or same_contraction(a, raw_a, b, raw_b) or same_scale(a, b)
