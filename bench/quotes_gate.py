"""Gate for the quote classes real briefs and news text bring, on generated cases.

Why: the harness's quotes are cut on word boundaries and marked with “…”, so it never shows
a quote cut mid-word at an edge, a word changed inside a parenthetical the source has, a
quote that is wholly a parenthetical, a multi-paragraph quote, ''…'' marks, a reversed or
mismatched pair, a pull quote whose credit line stands inside its closing mark, a double quote
nested in a single one (the British way), the brief's own marker inside a closing mark, or footnote
numbers in plain digits as a PDF's text layer gives them (“…next week.”1), a brief printed to
PDF (paragraphs, an outlet's credit, links the margin broke), or a source's own footnote marks
inside the quoted words ("market12", "market[3]", "[citation needed]"). Each class
here is generated from random sentences of a small vocabulary (several seeds), run through
parse_brief and align() the way the CLI runs them, and scored; the script prints one line per
class and exits 1 when any class falls below its floor, so no later change brings these
misses back.

    uv run python bench/quotes_gate.py [--seeds 1 2 3] [--cases 60] [--show 5]
"""

from __future__ import annotations

import argparse
import random
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from verifier.core.align import SourceIndex, align
from verifier.core.intake import brief_from_bytes
from verifier.core.normalize import squash
from verifier.core.parse import parse_brief
from verifier.core.pdfwrite import text_pdf
from verifier.core.statuses import DiffKind, Verdict
from verifier.core.values import BriefText, Match, SourceText

WORDS = (
    "council", "budget", "harbour", "repair", "station", "winter", "river", "village", "teacher", "market",
    "doctor", "museum", "railway", "ministry", "contract", "shipment", "garden", "factory", "program", "network",
    "season", "festival", "report", "engineer", "election", "harvest", "library", "bridge", "airport", "hospital",
    "tunnel", "pension", "export"
)
SHORT = (
    "the", "a", "of", "to", "in", "on", "for", "with", "and", "was", "is", "that", "by", "from", "at", "as", "it"
)
VERBS = (
    "approved", "rejected", "delayed", "reviewed", "announced", "funded", "opened", "closed", "extended",
    "cancelled"
)
LONG = (
    "carried", "kingdom", "trucks", "unprecedented", "reconstruction", "administration", "investigation",
    "responsibility", "spokeswoman", "neighbourhood"
)

#: floor per class: share of cases judged as the class requires
FLOORS = {
    "edge cut": 1.0,
    "paren changed": 1.0,
    "paren note": 1.0,
    "whole paren": 1.0,
    "exact control": 1.0,
    "paren late change": 1.0,
    "mark in paren": 1.0,
    "sign words": 1.0,
    "sign word changed": 1.0,
    "figures, contractions": 1.0,
    "multi-paragraph": 1.0,
    "'' marks": 1.0,
    "mismatched": 1.0,
    "pull-quote credit": 1.0,
    "continued line": 1.0,
    "single outside": 1.0,
    "marker inside": 1.0,
    "digit notes": 1.0,
    "pdf brief": 1.0,
    "source marks": 1.0,
    "opposite word": 1.0,
    "linked quote": 1.0,
}


def sentence(rng: random.Random, n: int) -> list[str]:
    out = []
    for k in range(n):
        pool = SHORT if k % 3 == 1 else VERBS if k % 5 == 2 else LONG if k % 7 == 4 else WORDS
        out.append(rng.choice(pool))
    return out


def source(rng: random.Random) -> tuple[str, list[list[str]]]:
    sents = [sentence(rng, rng.randint(12, 20)) for _ in range(8)]
    return " ".join(" ".join(s).capitalize() + "." for s in sents), sents


# ------------------------------------------------------------------ alignment classes


def edge_cut(rng: random.Random) -> tuple[str, str, Callable[[Match | None], bool]]:
    """A quote whose first or last word is only part of the source's word."""
    text, sents = source(rng)
    s = rng.choice(sents)
    a = rng.randint(0, 3)
    q = s[a : a + rng.randint(6, 9)]
    at_start = rng.random() < 0.5
    w = q[0] if at_start else q[-1]
    if len(w) < 4:
        return edge_cut(rng)
    cut = rng.randint(1, min(3, len(w) - 2))
    q = [w[cut:], *q[1:]] if at_start else [*q[:-1], w[:-cut]]
    return text, " ".join(q), lambda m: m is not None and m.verdict is not Verdict.VERIFIED


def _paren_case(rng: random.Random) -> tuple[str, list[str], list[str], list[str]]:
    """A source with one sentence that carries a parenthetical, and that sentence's parts."""
    text, _ = source(rng)
    s = sentence(rng, 12)
    inner = [rng.choice(WORDS) for _ in range(3)]
    head, tail = s[:6], s[6:]
    sent = " ".join(head) + " (" + " ".join(inner) + ") " + " ".join(tail) + "."
    return text + " " + sent, head, inner, tail


def paren_changed(rng: random.Random) -> tuple[str, str, Callable[[Match | None], bool]]:
    """A word changed inside a parenthetical the source also has: a replaced word."""
    text, head, inner, tail = _paren_case(rng)
    k = rng.randrange(3)
    new = rng.choice([w for w in LONG if w not in inner])
    changed = [*inner[:k], new, *inner[k + 1 :]]
    q = " ".join(head) + " (" + " ".join(changed) + ") " + " ".join(tail)
    return (
        text,
        q,
        lambda m: (
            m is not None
            and m.verdict is Verdict.ALTERED
            and any(d.kind is DiffKind.REPLACED for d in m.differences)
        ),
    )


def paren_note(rng: random.Random) -> tuple[str, str, Callable[[Match | None], bool]]:
    """A parenthetical the source lacks: the quoter's note, minor."""
    text, sents = source(rng)
    s = rng.choice(sents)
    q = " ".join(s[:5]) + " (emphasis added) " + " ".join(s[5:10])
    return (
        text,
        q,
        lambda m: (
            m is not None
            and m.verdict is Verdict.MINOR
            and [d.kind for d in m.differences] == [DiffKind.INSERTED_NOTE]
        ),
    )


def whole_paren(rng: random.Random) -> tuple[str, str, Callable[[Match | None], bool]]:
    """A quote that is wholly a parenthetical of the source: matched as text."""
    text, _, inner, _ = _paren_case(rng)
    return text, "(" + " ".join(inner) + ")", lambda m: m is not None and m.verdict is Verdict.VERIFIED


def _long_paren_case(rng: random.Random) -> tuple[str, list[str], list[str], list[str]]:
    """As _paren_case, with a parenthetical of 6 to 9 words."""
    text, _ = source(rng)
    s = sentence(rng, 12)
    inner = sentence(rng, rng.randint(6, 9))
    head, tail = s[:6], s[6:]
    return text + " " + " ".join(head) + " (" + " ".join(inner) + ") " + " ".join(tail) + ".", head, inner, tail


def paren_late_change(rng: random.Random) -> tuple[str, str, Callable[[Match | None], bool]]:
    """A word changed, or two words swapped, near the end of a long parenthetical the source has:
    the words after the change are left unaligned, and the note is still the source's text."""
    text, head, inner, tail = _long_paren_case(rng)
    k = len(inner) - rng.randint(2, 3)
    changed = list(inner)
    if rng.random() < 0.5 and changed[k] != changed[k + 1]:
        changed[k], changed[k + 1] = changed[k + 1], changed[k]
    else:
        changed[k] = rng.choice([w for w in LONG if w not in inner])
    q = " ".join(head) + " (" + " ".join(changed) + ") " + " ".join(tail)
    return text, q, lambda m: (m is not None and m.verdict is Verdict.ALTERED
                               and DiffKind.INSERTED_NOTE not in [d.kind for d in m.differences])


def mark_in_paren(rng: random.Random) -> tuple[str, str, Callable[[Match | None], bool]]:
    """An editor's [sic] inside a parenthetical the source has is the editor's, not a word."""
    text, head, inner, tail = _long_paren_case(rng)
    k = rng.randint(1, len(inner) - 1)
    q = " ".join(head) + " (" + " ".join([*inner[:k], "[sic]", *inner[k:]]) + ") " + " ".join(tail)
    return text, q, lambda m: m is not None and m.verdict is Verdict.VERIFIED


def _sign_case(rng: random.Random) -> tuple[str, int]:
    """A source whose last sentence writes a figure with % and two words joined by &."""
    text, sents = source(rng)
    n = rng.randint(2, 99)
    a, b = rng.choice(sents)[:5], rng.choice(sents)[:4]
    sent = f"{' '.join(a).capitalize()} rose {n}% on {rng.choice(WORDS)} & {rng.choice(WORDS)} {' '.join(b)}."
    return text + " " + sent, n


def sign_words(rng: random.Random) -> tuple[str, str, Callable[[Match | None], bool]]:
    """'54 percent' (or 'per cent') for the source's '54%', 'and' for '&': the same words."""
    text, n = _sign_case(rng)
    sent = text.rsplit(". ", 1)[1]
    pct = rng.choice(["percent", "per cent"])
    q = sent.rstrip(".").replace(f"{n}%", f"{n} {pct}").replace(" & ", " and ")
    return text, q, lambda m: m is not None and m.verdict is Verdict.VERIFIED


def sign_word_changed(rng: random.Random) -> tuple[str, str, Callable[[Match | None], bool]]:
    """The control: the figure beside the sign word changed is a change."""
    text, n = _sign_case(rng)
    sent = text.rsplit(". ", 1)[1]
    q = sent.rstrip(".").replace(f"{n}%", f"{n + 1} percent")
    return text, q, lambda m: m is not None and m.verdict is Verdict.ALTERED


#: a word and its opposite, two letters apart (the edit distance a long word's typo may have)
OPPOSITES = [("likely", "unlikely"), ("increased", "decreased"), ("adequate", "inadequate"),
             ("lawful", "unlawful"), ("accurate", "inaccurate"), ("possible", "impossible"),
             ("responsible", "irresponsible"), ("certain", "uncertain"), ("directly", "indirectly"),
             ("included", "excluded"), ("legal", "illegal"), ("agreed", "disagreed")]


def opposite_word(rng: random.Random) -> tuple[str, str, Callable[[Match | None], bool]]:
    """A word swapped for its opposite (likely/unlikely, increased/decreased) inside a quote: a
    change, never a spelling slip, whichever of the two the source has."""
    text, sents = source(rng)
    word, other = rng.choice(OPPOSITES)
    if rng.random() < 0.5:
        word, other = other, word
    head, tail = rng.choice(sents)[:5], rng.choice(sents)[:5]
    sent = f"{' '.join(head)} {word} {' '.join(tail)}"
    q = sent.replace(f" {word} ", f" {other} ")
    return text + " " + sent.capitalize() + ".", q, lambda m: m is not None and m.verdict is Verdict.ALTERED


NUMBER_WORDS = {"three": "3", "seven": "7", "twelve": "12", "forty": "40"}
CONTRACTED = {"do not": "don't", "can not": "can't", "it is": "it's", "we are": "we're", "will not": "won't"}


def figures_contractions(rng: random.Random) -> tuple[str, str, Callable[[Match | None], bool]]:
    """A figure for the source's number word, a contraction for its two words (or the reverse):
    the same words written another way, a minor difference, never a change."""
    text, sents = source(rng)
    head, tail = rng.choice(sents)[:5], rng.choice(sents)[:5]
    word, figure = rng.choice(list(NUMBER_WORDS.items()))
    full, short = rng.choice(list(CONTRACTED.items()))
    sent = f"{' '.join(head)} {full} {' '.join(tail)} {word} {rng.choice(WORDS)}"
    q = sent.replace(f" {full} ", f" {short} ").replace(f" {word} ", f" {figure} ")
    if rng.random() < 0.5:
        sent, q = sent.replace(f" {full} ", f" {short} "), q.replace(f" {short} ", f" {full} ")
    return text + " " + sent.capitalize() + ".", q, lambda m: m is not None and m.verdict is Verdict.MINOR


def exact_control(rng: random.Random) -> tuple[str, str, Callable[[Match | None], bool]]:
    """The control: an exact quote of whole words stays verified."""
    text, sents = source(rng)
    s = rng.choice(sents)
    a = rng.randint(0, 3)
    return text, " ".join(s[a : a + 7]), lambda m: m is not None and m.verdict is Verdict.VERIFIED


def _marked(rng: random.Random, words: list[str]) -> str:
    """A source sentence with the page's own footnote marks in it, as PDFs and web pages give them:
    a superscript flattened onto a word ("market12"), bracketed ("market[3]", "[citation needed]"),
    or after an end mark ("market,4"); some glued to a note's first word at a line start ("12The")."""
    out = []
    for k, w in enumerate(words):
        if 0 < k < len(words) - 1 and len(w) >= 4 and rng.random() < 0.25:  # marks follow words, not "of"
            n = rng.randint(1, 400)
            w = rng.choice([f"{w}{n}", f"{w}[{n}]", f"{w}[{n}, {n + 1}]", f"{w},{n}", f"{w}[citation needed]",
                            f"{w},[a]"])
        out.append(w)
    return " ".join(out)


def source_marks(rng: random.Random) -> tuple[str, str, Callable[[Match | None], bool]]:
    """A quote of words the source interrupts with its own footnote marks: verified (the marks
    are the source's typography); the same quote with one word changed: still altered."""
    _, sents = source(rng)
    s = rng.choice(sents)
    a = rng.randint(0, 3)
    q = s[a : a + rng.randint(7, 10)]
    marked = [_marked(rng, x) for x in sents]
    at = sents.index(s)
    head = f"\n{rng.randint(1, 999)}" if rng.random() < 0.3 else " "  # a note's number glued to its first word
    text = " ".join(m.capitalize() + "." for m in marked[:at]) + head + marked[at].capitalize() + ". " + \
        " ".join(m.capitalize() + "." for m in marked[at + 1:])
    if rng.random() < 0.3:
        k = rng.randrange(1, len(q) - 1)
        q = [*q[:k], "unrelated" if q[k] != "unrelated" else "other", *q[k + 1:]]
        return text, " ".join(q), lambda m: m is not None and m.verdict is Verdict.ALTERED
    return text, " ".join(q), lambda m: m is not None and m.verdict is Verdict.VERIFIED


# ------------------------------------------------------------------ extraction classes


def _said(words: list[str]) -> str:
    return " ".join(words).capitalize()


def multi_paragraph(rng: random.Random) -> tuple[str, list[str]]:
    """Every paragraph of a long quote opens with a mark, only the last closes: one passage
    (its words compared; the paragraph breaks and continuation marks are typography)."""
    paras = [_said(sentence(rng, rng.randint(8, 14))) + "." for _ in range(rng.randint(2, 4))]
    last = paras[-1][:-1] + ","
    body = "\n\n".join("“" + p for p in paras[:-1]) + "\n\n“" + last + "” the minister said."
    intro = "Intro paragraph about the " + rng.choice(WORDS) + ".\n\n"
    return intro + body + "\n\nA closing paragraph.", [" ".join([*paras[:-1], last])]


def two_apostrophes(rng: random.Random) -> tuple[str, list[str]]:
    """Wire and archive text: ''…'' marks."""
    a = _said(sentence(rng, 7)) + ","
    b = _said(sentence(rng, 6)) + "."
    return f"''{a}'' she said on {rng.choice(VERBS)} day. ''{b}''", [a, b]


def mismatched(rng: random.Random) -> tuple[str, list[str]]:
    """Reversed and mismatched pairs, with narration between two quotes kept out."""
    pairs = [("”", "”"), ('"', "”"), ("“", '"'), ("”", "“")]
    o1, c1 = rng.choice(pairs[:3])
    o2, c2 = rng.choice(pairs[:3])
    a = " ".join(sentence(rng, 6))
    b = " ".join(sentence(rng, 6))
    narr = " ".join(sentence(rng, 5))
    return f"The mayor said {o1}{a}{c1} and then {narr}, adding {o2}{b}{c2} at the end.", [a, b]


NAMES = ("Jane", "Ben", "Amy", "Josh", "Dean", "Maria", "Omar", "Lee", "Clyde", "Pope", "Baker", "Bivens", "Lindqvist")
ROLES = ("deputy harbour advisor", "Council for Harbour Policy", "former mayor", "Harbour Institute")


def _lines_text(rng: random.Random, quote_lines: list[str]) -> str:
    """Text written one paragraph per line (a line longer than 160 characters says so)."""
    long_line = " ".join(sentence(rng, 30)).capitalize() + "."
    return long_line + "\n" + "\n".join(quote_lines) + "\n" + long_line


def pull_quote_credit(rng: random.Random) -> tuple[str, list[str]]:
    """A pull quote set one paragraph per line, its credit on the next line before the closing
    mark ("…for her here.\nS.C. Rep. Jane Clyde."): the credit stays outside the quote."""
    said = _said(sentence(rng, rng.randint(8, 14))) + rng.choice(".!?")
    name = " ".join(rng.sample(NAMES, 2))
    credit = rng.choice([name, f"Rep. {name}", f"— {name}", f"{name}, {rng.choice(ROLES)}"]) + "."
    return _lines_text(rng, ["“" + said, credit + "”"]), [said]


def continued_line(rng: random.Random) -> tuple[str, list[str]]:
    """The control: a quote continued onto a line of its own words closes there, words and all."""
    said = _said(sentence(rng, rng.randint(8, 14))) + "."
    more = _said(sentence(rng, rng.randint(5, 9))) + " " + " ".join(rng.sample(NAMES, 2)) + "."
    return _lines_text(rng, ["“" + said, more + "”"]), [said + " " + more]


def single_outside(rng: random.Random) -> tuple[str, list[str]]:
    """The British way: a single-quoted passage with a double quote nested inside it, and single
    quotes after a possessive (the council's 'key findings' … 'failed to act'): each its own passage."""
    inner = " ".join(sentence(rng, rng.randint(4, 7)))
    a, b = " ".join(sentence(rng, 5)), " ".join(sentence(rng, 6))
    said = f"{_said(sentence(rng, 4))} “{inner}” {a},"
    o, c = rng.choice([("‘", "’"), ("'", "'")])
    tail = " ".join(sentence(rng, 6))
    return (f"{o}{said}{c} she said. The council's {o}{tail}{c} were that it {o}{b}{c} for years.",
            [said, tail, b])


def marker_inside(rng: random.Random) -> tuple[str, list[str]]:
    """A brief's citation marker inside the closing mark (“…this year[1].”): the quote's credit,
    not its words."""
    said = _said(sentence(rng, rng.randint(6, 10)))
    close = rng.choice(["[1].”", "[1]”", ".[1]”", ".¹”", "[1][2].”", "[^1].”"])
    text = (f"The mayor said “{said}{close} She left.\n\n"
            "[1] Harbour, https://example.org/a\n[2] Wall, https://example.org/b")
    return text, [said + ("." if close.startswith(".") else "")]


def linked_quote(rng: random.Random) -> tuple[BriefText, list[str], list[list[str]]]:
    """A Markdown link written on the quoted words, whole or in part, inline or by reference: the
    quote is its words (the link's syntax left out), credited to the linked source."""
    words = sentence(rng, rng.randint(6, 10))
    k = rng.randint(1, len(words) - 2)
    form = rng.choice(["whole", "part", "reference", "titled"])
    if form == "whole":
        inner = f"[{' '.join(words)}](https://example.org/a)"
    elif form == "part":
        inner = f"{' '.join(words[:k])} [{' '.join(words[k:])}](https://example.org/a)"
    elif form == "reference":
        inner = f"[{' '.join(words)}][harbour]"
    else:
        inner = f"[{' '.join(words)}](https://example.org/a \"The harbour story\")"
    mark = rng.choice(["“{}”", '"{}"'])
    text = f"The mayor said {mark.format(inner)} on Monday.\n\n[harbour]: https://example.org/a\n"
    return BriefText(text=text, fmt="md"), [" ".join(words)], [["1"]]


def digit_notes(rng: random.Random) -> tuple[str, list[str], list[list[str]]]:
    """Footnote numbers in plain digits glued to the closing mark (“…next week.”1, “…vote”.2), as a
    PDF's text layer gives superscripts, with its notes "1 Title, URL" (or "1" on its own line): each
    quote credited by its note, the short ones too (a credited 2-word quote is checked)."""
    n = rng.randint(2, 4)
    saids = [_said(sentence(rng, rng.choice([2, 3, 6, 9]))) for _ in range(n)]
    closes = [rng.choice([".”{}", "”.{}", "”{}", ",”{} she said."]) for _ in range(n)]
    body = " ".join(f"The {rng.choice(WORDS)} chief called it “{s}{c.format(k + 1)} Then"
                    for k, (s, c) in enumerate(zip(saids, closes, strict=True)))
    notes = "\n".join((f"{k + 1}\n " if rng.random() < 0.5 else f"{k + 1} ") + f"Note {k + 1}, https://example.org/{k}"
                      for k in range(n))
    want = [s + ("." if c.startswith(".") else "," if c.startswith(",") else "") for s, c in zip(saids, closes, strict=True)]
    return f"{body} it ended.\n\nNotes\n{notes}\n", want, [[str(k + 1)] for k in range(n)]


OUTLETS = ("Ledger", "Courier", "Gazette", "Herald", "Tribune", "Chronicle")


def _wrapped(text: str, width: int) -> list[str]:
    """A paragraph's printed lines: broken at spaces, a word longer than the line (a link) anywhere."""
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False)


def pdf_brief(rng: random.Random) -> tuple[BriefText, list[str], list[list[str]]]:
    """A brief printed to PDF (a real PDF, read back through its text layer): a heading; a paragraph
    whose outlet ("The Ledger reported …") credits its quote; a next paragraph whose quote no one
    credits (an outlet's credit ends with its paragraph); a quote with a marker; notes whose links
    the margin broke anywhere, or written "www.…". Paragraphs spaced apart, or (as Google Docs
    prints them) not, their last line short."""
    width = 84
    outlet = rng.choice(OUTLETS)
    q1, q2, q3 = (_said(sentence(rng, rng.randint(6, 9))) for _ in range(3))
    w = rng.choice(WORDS)
    paras = [f"The {outlet} reported that the {w} chief called the plan “{q1}” at a meeting of the board.",
             f"Critics of the {rng.choice(WORDS)} said it was “{q2}” and asked for a {rng.choice(WORDS)} review.",
             f"The {rng.choice(WORDS)} office warned of “{q3}” [2] before the vote."]
    slug = "-".join(sentence(rng, 9)) + "_" + "_".join(sentence(rng, 6))
    notes = [f"[1] The {outlet}, https://www.{outlet.lower()}.example.com/{rng.choice(WORDS)}/{slug}.html",
             f"[2] {rng.choice(WORDS).capitalize()} analysis, www.{rng.choice(WORDS)}.example.gov.uk/{slug[:30]}"]
    spaced = rng.random() < 0.5
    lines: list[str] = [f"Brief: the {w} {rng.choice(WORDS)}"]
    for p in [*paras, *notes]:
        body = _wrapped(p, width)
        while not spaced and len(body[-1]) > 0.6 * width and not p.startswith("["):
            p = p[:-1] + f" in {rng.choice(WORDS)}."  # a last line that reaches the margin is no paragraph end
            body = _wrapped(p, width)
        lines += ([""] if spaced else []) + body
    brief = brief_from_bytes(text_pdf([lines], font_size=10, leading=12.5), name="brief.pdf")
    return brief, [q1, q2, q3], [["1"], [], ["2"]]


# ------------------------------------------------------------------ scoring

ALIGN_CLASSES = {
    "edge cut": edge_cut,
    "paren changed": paren_changed,
    "paren note": paren_note,
    "whole paren": whole_paren,
    "exact control": exact_control,
    "paren late change": paren_late_change,
    "mark in paren": mark_in_paren,
    "sign words": sign_words,
    "sign word changed": sign_word_changed,
    "figures, contractions": figures_contractions,
    "source marks": source_marks,
    "opposite word": opposite_word,
}
PARSE_CLASSES = {"multi-paragraph": multi_paragraph, "'' marks": two_apostrophes, "mismatched": mismatched,
                 "pull-quote credit": pull_quote_credit, "continued line": continued_line,
                 "single outside": single_outside, "marker inside": marker_inside, "digit notes": digit_notes,
                 "pdf brief": pdf_brief, "linked quote": linked_quote}


def run(seeds: list[int], cases: int, show: int) -> dict[str, float]:
    shares: dict[str, float] = {}
    for name, make in ALIGN_CLASSES.items():
        ok, bad = 0, list[str]()
        for seed in seeds:
            rng = random.Random(f"{name}/{seed}")
            for _ in range(cases):
                text, quote, good = make(rng)
                m = align(quote, SourceIndex.build(SourceText(text)))
                if good(m):
                    ok += 1
                elif len(bad) < show:
                    bad.append(f"    {quote!r} -> {m and (m.verdict.value, [d.kind.value for d in m.differences])}")
        shares[name] = ok / (cases * len(seeds))
        print(f"{name:21s} {shares[name]:.3f}  (floor {FLOORS[name]:.2f})", *bad, sep="\n" if bad else "")
    for name, gen in PARSE_CLASSES.items():
        ok, bad = 0, list[str]()
        for seed in seeds:
            rng = random.Random(f"{name}/{seed}")
            for _ in range(cases):
                text, want, *cites = gen(rng)  # a class may also say each quote's credit
                brief = text if isinstance(text, BriefText) else BriefText(text=text, fmt="txt")
                parsed = parse_brief(brief).quotes
                got = [q.text for q in parsed]
                if [squash(g) for g in got] == [squash(w) for w in want] and \
                        (not cites or [q.cites for q in parsed] == cites[0]):
                    ok += 1
                elif len(bad) < show:
                    bad.append(f"    {text!r}\n      got {got!r}")
        shares[name] = ok / (cases * len(seeds))
        print(f"{name:21s} {shares[name]:.3f}  (floor {FLOORS[name]:.2f})", *bad, sep="\n" if bad else "")
    return shares


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--cases", type=int, default=60)
    ap.add_argument("--show", type=int, default=5)
    args = ap.parse_args()
    shares = run(args.seeds, args.cases, args.show)
    low = [n for n, v in shares.items() if v < FLOORS[n]]
    if low:
        print("BELOW FLOOR:", ", ".join(low))
        sys.exit(1)
    print("all classes at or above their floors")


if __name__ == "__main__":
    main()
