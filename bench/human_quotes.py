"""Human quoting habits on real page text: which of them verifier accepts and which it catches.

Why: the harness's variants (exact, typography, ellipsis, bracket, typo; negation, number, word
and name swaps, silent cut) are what a generator makes; people also write "54 percent" for "54%",
"and" for "&", "7" for "seven", "it's" for "it is", "[T]he", "[…]", "[sic]", and they change a
tense or a plural, swap two words, add or drop one. Each habit is applied to real sentences of the
shared corpus's English pages (../shared/corpus/dev, evaluation only) and run through
align() the way the CLI runs it; the share judged as the habit requires is printed per class
(accepted: verified or minor_differences; altered: anything else).

    uv run python bench/human_quotes.py [--pages 120] [--per-page 3] [--seed 11] [--show 3]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

SHARED = next((p / "shared" for p in Path(__file__).resolve().parents if (p / "shared" / "eval").is_dir()),
              Path(__file__).resolve().parents[2] / "shared")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from verifier.core.align import SourceIndex, align
from verifier.documents.source import extract_with_note

Habit = Callable[[str, random.Random], str | None]
ACCEPT, ALTERED = "accepted", "altered"


def _w(s: str) -> list[str]:
    return s.split()


def bracket_capital(s: str, r: random.Random) -> str | None:
    w = _w(s)
    i = r.randint(2, 5)
    return None if not w[i][:1].islower() else "[" + w[i][0].upper() + "]" + w[i][1:] + " " + " ".join(w[i + 1:])


def bracket_lower(s: str, r: random.Random) -> str | None:
    w = _w(s)
    return None if not w[0][:1].isupper() or len(w[0]) < 2 else "[" + w[0][0].lower() + "]" + w[0][1:] + " " + " ".join(w[1:])


def bracket_ellipsis(s: str, r: random.Random) -> str | None:
    w = _w(s)
    if len(w) < 16:
        return None
    a = r.randint(4, len(w) - 9)
    return " ".join(w[:a]) + r.choice([" […] ", " [...] ", "…", "... "]) + " ".join(w[a + r.randint(2, 5):])


def end_ellipsis(s: str, r: random.Random) -> str | None:
    w = _w(s)
    return " ".join(w[:r.randint(8, len(w) - 2)]) + r.choice(["…", " …", "...", " . . ."])


def sic(s: str, r: random.Random) -> str | None:
    w = _w(s)
    i = r.randint(2, len(w) - 2)
    return " ".join([*w[:i], "[sic]", *w[i:]])


def line_break(s: str, r: random.Random) -> str | None:
    w = _w(s)
    i = r.randint(3, len(w) - 3)
    return " ".join(w[:i]) + r.choice(["  ", "\n", " \n "]) + " ".join(w[i:])


def drop_comma(s: str, r: random.Random) -> str | None:
    idx = [m.start() for m in re.finditer(",", s[:-3])]
    if not idx:
        return None
    i = r.choice(idx)
    return s[:i] + s[i + 1:]


def percent(s: str, r: random.Random) -> str | None:
    if re.search(r"\d percent\b", s):
        return re.sub(r"(\d) percent\b", r"\1%", s, count=1)
    return re.sub(r"(\d)%", r"\1 percent", s, count=1) if re.search(r"\d%", s) else None


def ampersand(s: str, r: random.Random) -> str | None:
    return s.replace(" and ", " & ", 1) if " and " in s else None


def dashes(s: str, r: random.Random) -> str | None:
    for a, b in ((" — ", " -- "), ("—", " - "), (" – ", " - "), (" - ", " — ")):
        if a in s:
            return s.replace(a, b, 1)
    return None


def inner_quotes(s: str, r: random.Random) -> str | None:
    if "“" in s and "”" in s:
        return s.replace("“", "‘").replace("”", "’")
    return s.replace('"', "'") if s.count('"') >= 2 else None


def clarify(s: str, r: random.Random) -> str | None:
    w = _w(s)
    idx = [i for i, t in enumerate(w) if t.lower() in ("he", "she", "they", "it", "we")]
    if not idx:
        return None
    i = r.choice(idx)
    return " ".join([*w[:i + 1], "[the officials]", *w[i + 1:]])


NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                "eight": "8", "nine": "9", "ten": "10"}


def figures(s: str, r: random.Random) -> str | None:
    w = _w(s)
    idx = [i for i, t in enumerate(w) if t.lower() in NUMBER_WORDS]
    if not idx:
        return None
    i = r.choice(idx)
    w[i] = NUMBER_WORDS[w[i].lower()]
    return " ".join(w)


CONTRACTIONS = {"don't": "do not", "doesn't": "does not", "can't": "cannot", "it's": "it is", "we're": "we are",
                "isn't": "is not", "won't": "will not", "didn't": "did not", "I'm": "I am", "they're": "they are"}


def contraction(s: str, r: random.Random) -> str | None:
    s2 = s.replace("’", "'")
    for a, b in CONTRACTIONS.items():
        if re.search(rf"\b{re.escape(a)}\b", s2):
            return re.sub(rf"\b{re.escape(a)}\b", b, s2, count=1)
        if re.search(rf"\b{re.escape(b)}\b", s2):
            return re.sub(rf"\b{re.escape(b)}\b", a, s2, count=1)
    return None


TENSES = {"will": "would", "is": "was", "has": "had", "are": "were", "can": "could", "was": "is"}


def tense(s: str, r: random.Random) -> str | None:
    w = _w(s)
    idx = [i for i, t in enumerate(w[1:-1], 1) if t.lower() in TENSES]
    if not idx:
        return None
    i = r.choice(idx)
    w[i] = TENSES[w[i].lower()]
    return " ".join(w)


def plural(s: str, r: random.Random) -> str | None:
    w = _w(s)
    idx = [i for i, t in enumerate(w[1:-1], 1) if re.fullmatch(r"[a-z]{4,}s", t) and not t.endswith("ss")]
    if not idx:
        return None
    i = r.choice(idx)
    w[i] = w[i][:-1]
    return " ".join(w)


def transpose(s: str, r: random.Random) -> str | None:
    w = _w(s)
    idx = [i for i in range(1, len(w) - 2) if w[i].isalpha() and w[i + 1].isalpha() and len(w[i]) > 3
           and len(w[i + 1]) > 3 and w[i].lower() != w[i + 1].lower()]
    if not idx:
        return None
    i = r.choice(idx)
    w[i], w[i + 1] = w[i + 1], w[i]
    return " ".join(w)


def insert_word(s: str, r: random.Random) -> str | None:
    w = _w(s)
    i = r.randint(2, len(w) - 2)
    return " ".join([*w[:i], r.choice(["really", "clearly", "only", "also", "just"]), *w[i:]])


def drop_word(s: str, r: random.Random) -> str | None:
    w = _w(s)
    idx = [i for i, t in enumerate(w[1:-1], 1) if t.isalpha() and len(t) > 3]
    if not idx:
        return None
    i = r.choice(idx)
    return " ".join(w[:i] + w[i + 1:])


HABITS: list[tuple[Habit, str]] = [
    *((h, ACCEPT) for h in (bracket_capital, bracket_lower, bracket_ellipsis, end_ellipsis, sic, line_break,
                            drop_comma, percent, ampersand, dashes, inner_quotes, clarify, figures, contraction)),
    *((h, ALTERED) for h in (tense, plural, transpose, insert_word, drop_word)),
]


def pages(n: int) -> list[tuple[SourceIndex, list[str]]]:
    dev = SHARED / "corpus" / "dev"
    out = []
    for g in json.loads((dev / "gold.json").read_text()):
        if g.get("lang") != "en":
            continue
        st, _ = extract_with_note((dev / g["file"]).read_bytes(), "text/html; charset=utf-8", g["url"])
        sents = [s.strip() for s in re.split(r"(?<=[.!?])\s+", st.text)
                 if 14 <= len(s.split()) <= 40 and "\n" not in s.strip()]
        if sents:
            out.append((SourceIndex.build(st), sents))
        if len(out) >= n:
            break
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=120)
    ap.add_argument("--per-page", type=int, default=3)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--show", type=int, default=0, help="misjudged cases to print per habit")
    args = ap.parse_args()
    corpus = pages(args.pages)
    print(f"{len(corpus)} English pages of {SHARED / 'corpus' / 'dev'}; habit, wanted, share judged so")
    for habit, want in HABITS:
        rng = random.Random(f"{habit.__name__}/{args.seed}")
        tally, bad = Counter[str](), list[str]()
        for index, sents in corpus:
            for s in rng.sample(sents, min(args.per_page, len(sents))):
                q = habit(s, rng)
                if not q:
                    continue
                m = align(q, index)
                v = m.verdict.value if m else "not_found"
                ok = (v in ("verified", "minor_differences")) == (want == ACCEPT)
                tally[ok] += 1
                if not ok and len(bad) < args.show:
                    bad.append(f"      {v}: {q[:120]!r}")
        n = tally[True] + tally[False]
        print(f"  {habit.__name__:16s} {want:9s} {tally[True]:4d}/{n:<4d} {tally[True] / max(n, 1):.3f}", *bad, sep="\n")


if __name__ == "__main__":
    main()
