"""Paragraphs of a PDF page, from where its lines are printed.

Pure: a page's text layer and the font boxes of a few of its characters in, the offsets where
paragraphs open out. `verifier.core.intake` reads both from pdfium and puts a blank line there.
Also what the layer does to a brief's links: a hyphen it rejoined at a line end, a link the margin
broke (rejoin_breaks, rejoin_links).

Why: a PDF's text layer ends every printed line alike ("\\r\\n"), so a brief read from it is one
paragraph a page: a heading runs into the first sentence, and an outlet named in one paragraph
credits the quotes of the next (credit by an outlet ends with its paragraph). What a reader sees
is still there, in the geometry:
- spacing: a step down between two printed lines wider than the page's usual one (a word
  processor's space after a paragraph, a heading, an empty line);
- a short line: a line that stops well before the column's right edge (a paragraph's last line,
  a heading) followed by a line that opens like a sentence, as Google Docs and LibreOffice print
  paragraphs with no space between them.
A raised footnote number, which the text layer puts on a line of its own, is on the line it is
printed on; the steps are measured in the lower line's heights, so a smaller note's lines share
the body's spacing.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import pairwise

#: a step down more than this many times the page's usual one opens a paragraph
WIDER = 1.4
#: steps within this share of each other are one spacing
SAME_STEP = 0.08
#: a line that ends this share of the column's width before its right edge is short
SHORT = 0.25
#: printed lines a page needs before a short line is told from the column (its right edge is
#: the edge most lines reach)
SHORT_MIN_LINES = 4

#: the font box of one character: (index in the text, left, bottom, right, top)
Box = tuple[int, float, float, float, float]


@dataclass
class PrintedLine:
    first: int  # index of its first sampled character in the text
    left: float
    bottom: float
    right: float
    top: float


def printed_lines(boxes: list[Box]) -> list[PrintedLine]:
    """The page's printed lines: a character whose middle lies within the line so far is on it."""
    lines: list[PrintedLine] = []
    for i, left, lo, right, hi in boxes:
        cur = lines[-1] if lines else None
        if cur is not None and cur.bottom < (lo + hi) / 2 < cur.top:
            cur.bottom, cur.top = min(cur.bottom, lo), max(cur.top, hi)
            cur.left, cur.right = min(cur.left, left), max(cur.right, right)
        else:
            lines.append(PrintedLine(i, left, lo, right, hi))
    return lines


def spacing_starts(lines: list[PrintedLine]) -> list[int]:
    """Lines below a step down wider than the page's usual one (none with no usual spacing)."""
    steps = [(lines[n].first, (lines[n - 1].bottom - lines[n].bottom) / max(lines[n].top - lines[n].bottom, 1e-3))
             for n in range(1, len(lines))]
    usual = usual_step([d for _, d in steps if d > 0])
    return [] if usual is None else [i for i, d in steps if d > WIDER * usual]


def usual_step(down: list[float]) -> float | None:
    """A page's line spacing, in line heights: the smallest spacing that at least two steps and a
    fifth of them share; one-line paragraphs may outnumber a paragraph's lines, never go below them."""
    ordered = sorted(down)
    for d in ordered:
        n = bisect_right(ordered, d * (1 + SAME_STEP)) - bisect_left(ordered, d * (1 - SAME_STEP))
        if n >= max(2, len(ordered) / 5):
            return d
    return None


def _reached(values: list[float]) -> float:
    """What most lines reach (their right edge, their length): the 80th percentile."""
    ordered = sorted(values)
    return ordered[int(0.8 * (len(ordered) - 1))]


def short_line_starts(lines: list[PrintedLine]) -> list[int]:
    """Lines after a short one: a line whose right end stops SHORT of the column's width before the
    edge that most of the page's lines reach (the column: from the leftmost line start to that edge)."""
    if len(lines) < SHORT_MIN_LINES:
        return []
    edge = _reached([ln.right for ln in lines])
    left = min(ln.left for ln in lines)
    if edge - left <= 0:
        return []
    return [lines[n].first for n in range(1, len(lines))
            if lines[n - 1].right < edge - SHORT * (edge - left) and lines[n].bottom < lines[n - 1].bottom]


_LINE_START = re.compile(r"\r\n *")
#: how a line ends when the sentence or the entry goes on (a short line there is not a paragraph's end)
_GOES_ON = ",;:-–—(/&"


def paragraph_starts(text: str, boxes: list[Box]) -> list[int]:
    """Offsets in the page's text where a paragraph opens: at a line start, by spacing, or after a
    short line when the new line opens like a sentence (a capital, a digit, a mark) and the short
    one does not end in the middle of one (a comma, a colon, a dash)."""
    starts = {m.end() for m in _LINE_START.finditer(text)}
    lines = printed_lines(boxes)
    cut = {i for i in spacing_starts(lines) if i in starts}
    for i in short_line_starts(lines):
        if i in starts and _opens(text, i):
            cut.add(i)
    return sorted(cut)


def _opens(text: str, i: int) -> bool:
    return _opens_text(text[max(0, i - 200):i], text[i:i + 1])


#: a line this much shorter than most of its page's lines is short (text only: no geometry)
SHORT_TEXT = 0.7
_LINE = re.compile(r"[^\n]+")


def text_paragraphs(text: str) -> list[tuple[int, int]]:
    """Paragraph spans of printed text kept as lines (a PDF source's pages, an OCR text), from the
    text alone: a blank line parts paragraphs, and so does a line much shorter than most of its
    page's lines (a paragraph's last line, a heading) when the next opens like a sentence."""
    out: list[tuple[int, int]] = []
    for block in re.finditer(r"(?:[^\n]+\n?)+", text):
        lines = [(m.start(), m.end()) for m in _LINE.finditer(text, block.start(), block.end())]
        a = lines[0][0]
        if len(lines) >= SHORT_MIN_LINES:
            full = _reached([float(e - s) for s, e in lines])
            for (s0, e0), (s1, _) in pairwise(lines):
                if e0 - s0 < SHORT_TEXT * full and _opens_text(text[s0:e0], text[s1]):
                    out.append((a, e0))
                    a = s1
        out.append((a, lines[-1][1]))
    return out


def _opens_text(line: str, c: str) -> bool:
    before = line.rstrip()
    return bool(before) and before[-1] not in _GOES_ON and (c.isupper() or c.isdigit() or c in "“\"‘'([•")


# ------------------------------------------------------------------ links and hyphens

# pdfium marks a hyphen at a line end it rejoined (U+FFFE, or 0x02). In prose the printed hyphen and
# the line end are put back, as for a source's text (the aligner joins "legis-\nlation"); inside a
# URL the hyphen is the address's own (word processors never hyphenate a link, they break it after
# its "-"): "…/2024/water-\nrates-final.pdf" is read as one link, not a dead one cut at the hyphen.
_BREAK_MARK = re.compile("[\ufffe\x02]")
_TOKEN_AROUND = re.compile(r"\S*[\ufffe\x02]\S*")


def rejoin_breaks(text: str) -> str:
    """A PDF text layer's rejoined line-end hyphens: "-" inside a URL, "-\n" elsewhere."""
    if not _BREAK_MARK.search(text):
        return text

    def one(m: re.Match[str]) -> str:
        tok = m.group()
        inside_url = "://" in tok or tok.lower().lstrip("(<[“\"").startswith("www.")
        return _BREAK_MARK.sub("-" if inside_url else "-\n", tok)

    return _TOKEN_AROUND.sub(one, text)


# A link too long for its line is broken where it reached the margin, anywhere (a browser prints
# "…/annual_r" and "eports_and_…_for_" and "england.pdf" on three lines). A line that ends in a
# link goes on with the next line's first word when that word can only be more of an address: it
# holds "/", "_", "=", "&", "%", "?" or "#", or ends in a file or domain suffix, and is not a link
# of its own or a pair of short words ("and/or", "he/she"). A plain word after a link ("…/water/"
# then "rates") stays apart: it may be prose.
_LINK_AT_END = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S*$", re.I)
_MORE_OF_A_LINK = re.compile(r"(?![a-z][a-z0-9+.-]*://|www\.|[a-z]{1,4}/[a-z]{1,4}[).,;:]*(?:\s|$))(?:\S*[/_=&%?#]\S*|\S*\.[a-z][a-z0-9]{1,4}[).,;\]]*)(?=\s|$)",
                             re.I)


def rejoin_links(text: str) -> str:
    """A PDF text layer's links broken over lines, put back together."""
    lines = text.split("\n")
    out = [lines[0]]
    for ln in lines[1:]:
        if _LINK_AT_END.search(out[-1]) and _MORE_OF_A_LINK.match(ln):
            out[-1] += ln
        else:
            out.append(ln)
    return "\n".join(out)
