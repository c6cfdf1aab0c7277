"""The ends of a quote are held to whole words, and parentheticals are judged by what the source has.

Why: real quoters cut or change the first or last word ("…ried the motion" for "carried", "the
King" for "the Kingdom", "heavy truck" for "heavy trucks"); matching the ends as prefixes of source
words called such quotes verified. OCR glue at the edge ("Hickssaid") stays typography.
"""

from __future__ import annotations

import pytest

from verifier.core.align import SourceIndex, align
from verifier.core.statuses import DiffKind, Verdict
from verifier.core.values import SourceText

SRC = ("The council carried the motion by nine votes to four on Tuesday evening. The plan was approved by "
       "the Kingdom of Spain after a long debate. The road is closed for heavy trucks until May. It was "
       "(a major fault) in the design, the engineer said. The term was used (as in ‘the long goodbye’) by "
       "critics of the plan.")


@pytest.fixture(scope="module")
def ix() -> SourceIndex:
    return SourceIndex.build(SourceText(SRC))


@pytest.mark.parametrize(("quote", "q", "s"), [
    ("ried the motion by nine votes to four", "ried", "carried"),
    ("the plan was approved by the King", "King", "Kingdom"),
    ("the road is closed for heavy truck", "truck", "trucks"),
])
def test_word_cut_at_either_end_is_a_difference(ix: SourceIndex, quote: str, q: str, s: str) -> None:
    m = align(quote, ix)
    assert m is not None and m.verdict is Verdict.ALTERED and m.score < 1.0
    assert (DiffKind.REPLACED, q, s) in [(d.kind, d.quote, d.source) for d in m.differences]


def test_same_change_inside_the_quote_is_judged_the_same(ix: SourceIndex) -> None:
    m = align("the road is closed for heavy truck until May", ix)
    assert m is not None and m.verdict is Verdict.ALTERED


def test_whole_words_at_the_ends_still_verified(ix: SourceIndex) -> None:
    m = align("carried the motion by nine votes to four", ix)
    assert m is not None and m.verdict is Verdict.VERIFIED and m.score == 1.0


def test_word_changed_inside_a_parenthetical_the_source_has(ix: SourceIndex) -> None:
    m = align("It was (a minor fault) in the design", ix)
    assert m is not None and m.verdict is Verdict.ALTERED
    assert [(d.kind, d.quote, d.source) for d in m.differences] == [(DiffKind.REPLACED, "minor", "major")]


def test_parenthetical_the_source_lacks_is_a_note(ix: SourceIndex) -> None:
    m = align("It was (sadly) a major fault in the design", SourceIndex.build(SourceText(
        "It was a major fault in the design, the engineer said.")))
    assert m is not None and m.verdict is Verdict.MINOR
    assert [d.kind for d in m.differences] == [DiffKind.INSERTED_NOTE]


def test_quote_that_is_wholly_a_parenthetical_is_matched_as_text(ix: SourceIndex) -> None:
    m = align("(as in ‘the long goodbye’)", ix)
    assert m is not None and m.verdict is Verdict.VERIFIED
    m = align("(as in ‘the short goodbye’)", ix)
    assert m is None or m.verdict is not Verdict.VERIFIED


def test_ocr_glue_at_the_edge_stays_typography() -> None:
    ocr = SourceIndex.build(SourceText("Hickssaid that the President was upset about the meeting with the"
                                       " ministers, Hicks said, and said so twice."))
    m = align("said that the President was upset about the meeting", ocr)
    assert m is not None and m.verdict is Verdict.VERIFIED
