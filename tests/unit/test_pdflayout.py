"""Paragraphs of a PDF page from where its lines are printed (verifier.core.pdflayout)."""

from __future__ import annotations

from verifier.core.pdflayout import Box, paragraph_starts

FULL = 500.0  # the right edge a full line reaches; lines start at 50


def page(lines: list[tuple[str, float, float]]) -> tuple[str, list[Box], list[int]]:
    """A text layer of `lines` (text, bottom, right end), each 12 high; the boxes of each line's
    first and last characters; and the offset where each line starts."""
    text, boxes, starts = "", [], []
    for k, (words, lo, right) in enumerate(lines):
        if k:
            text += "\r\n"
        starts.append(len(text))
        boxes.append((len(text), 50.0, lo, 60.0, lo + 12))
        text += words
        boxes.append((len(text) - 1, right - 6, lo, right, lo + 12))
    return text, boxes, starts


def opened(lines: list[tuple[str, float, float]]) -> list[int]:
    """Which lines open a paragraph."""
    text, boxes, starts = page(lines)
    return [starts.index(i) for i in paragraph_starts(text, boxes)]


def test_a_wider_step_between_lines_opens_a_paragraph() -> None:
    assert opened([("The council", 700, FULL), ("found that", 686, FULL), ("rates rise.", 672, FULL),
                   ("The minister", 650, FULL), ("said the", 636, FULL), ("plan is ready.", 614, FULL)]) == [3, 5]
    # one-line paragraphs outnumbering a paragraph's lines leave the lines' spacing the usual one
    assert opened([(w, lo, FULL) for w, lo in (("Heading", 700), ("One.", 678), ("Two", 656), ("goes", 642),
                                                ("on and", 628), ("Three.", 606), ("Four.", 584))]) == [1, 2, 5, 6]


def test_evenly_spaced_full_lines_have_no_paragraph_to_find() -> None:
    assert opened([(f"line {k} of the text", 700 - 24 * k, FULL) for k in range(8)]) == []  # double spacing
    assert opened([("The council", 700, FULL), ("found that", 680, 200)]) == []  # too little to tell


def test_a_short_line_ends_a_paragraph_when_the_next_opens_like_one() -> None:
    """Paragraphs printed with no space between them (Google Docs, LibreOffice): the last line of a
    paragraph stops short; a line cut short in the middle of a sentence or an entry does not end one."""
    lines = [("Policy brief: water rates", 700, 200), ("The council found that", 686, FULL),
             ("rates rise by 12 percent.", 672, 260), ("The minister said the plan", 658, FULL),
             ("was ready and, at the council,", 644, FULL), ("officials,", 630, 150),
             ("who expect the vote, agreed.", 616, 300), ("“It is time,” she said.", 602, FULL),
             ("and then the rest", 588, FULL)]
    assert opened(lines) == [1, 3, 7]


def test_a_raised_number_and_smaller_notes_do_not_open_paragraphs() -> None:
    text = "The plan was ready.”1\r\n Critics said\r\nit would fail.\r\nMore here\r\n1 Ministry\r\n2 Council\r\n3 Office"
    ix = {w: text.index(w) for w in ("The", "1\r", " Critics", "it", "More", "1 M", "2", "3")}
    boxes: list[Box] = [(ix["The"], 50, 700, 60, 712), (ix["1\r"] - 1, 480, 700, 490, 712),
                        (ix["1\r"], 490, 704, 495, 711),  # the raised, smaller number: on the line
                        (ix[" Critics"] + 1, 100, 700, 110, 712), (ix[" Critics"] + 12, 490, 700, FULL, 712),
                        (ix["it"], 50, 686, 60, 698), (ix["it"] + 13, 490, 686, FULL, 698),
                        (ix["More"], 50, 672, 60, 684), (ix["More"] + 8, 490, 672, FULL, 684),
                        # the notes: 8 high, 10 apart, full lines
                        (ix["1 M"], 50, 640, 55, 648), (ix["1 M"] + 9, 490, 640, FULL, 648),
                        (ix["2"], 50, 630, 55, 638), (ix["2"] + 8, 490, 630, FULL, 638),
                        (ix["3"], 50, 620, 55, 628), (ix["3"] + 7, 490, 620, FULL, 628)]
    assert paragraph_starts(text, boxes) == [ix["1 M"]]


def test_text_paragraphs_of_printed_lines_without_geometry() -> None:
    from verifier.core.pdflayout import text_paragraphs

    text = ("Water rates\nThe council found that household water\nrates would rise by twelve "
            "percent over\nthe next two years.\nThe minister said the plan would be\nready, and then, "
            "when the council\nagreed,\nwho knows what would follow next.\n\nA new page of text")
    got = [text[a:b] for a, b in text_paragraphs(text)]
    assert got == ["Water rates",
                   "The council found that household water\nrates would rise by twelve percent over\n"
                   "the next two years.",
                   "The minister said the plan would be\nready, and then, when the council\nagreed,\n"
                   "who knows what would follow next.",
                   "A new page of text"]
    few = "One short\nTwo"
    assert [few[a:b] for a, b in text_paragraphs(few)] == [few]  # too few lines to tell
