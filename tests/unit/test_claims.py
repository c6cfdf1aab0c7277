"""Claim sentences: credited prose sentences with 3+ content words outside checked quotes and credit."""

from __future__ import annotations

import pytest

from verifier.core.claims import ClaimSentence, content_words, find_claims, stem
from verifier.core.parse import parse_brief
from verifier.core.values import BriefText, Link

REFS = """
Sources
[1] Prices jump in March | Reuters https://www.reuters.com/a
[2] Wages | BBC News https://www.bbc.co.uk/b
"""


def claims(body: str, fmt: str = "md", links: list[Link] | None = None) -> list[ClaimSentence]:
    brief = BriefText(body + REFS, fmt=fmt, links=links or [])
    return find_claims(brief, parse_brief(brief))


@pytest.mark.parametrize("sentence", [
    "Consumer prices rose 4% in March [1].",
    "Consumer prices rose 4% in March.[1]",
    "Consumer prices rose 4% in March. [1]",
    "Consumer prices rose 4% in March¹.",
])
def test_a_marker_before_or_after_the_end_mark_belongs_to_the_sentence(sentence: str) -> None:
    got = claims(sentence + " Wages fell in the same month [2].")
    assert [(c.text, c.cites) for c in got] == [
        ("Consumer prices rose 4% in March.", ["1"]), ("Wages fell in the same month.", ["2"])]


def test_offsets_span_the_sentence_with_its_markers() -> None:
    body = "Intro line without credit here today.\n\nConsumer prices rose 4% in March. [1] Next one."
    got = claims(body)
    assert len(got) == 1
    c = got[0]
    assert body[c.start:c.end] == "Consumer prices rose 4% in March. [1]"
    assert c.id == "c1"


def test_several_markers_and_ranges() -> None:
    got = claims("Consumer prices rose 4% in March [1, 2].")
    assert got[0].cites == ["1", "2"]


def test_unknown_marker_is_no_credit() -> None:
    assert claims("Consumer prices rose 4% in March [7].") == []


def test_uncredited_sentence_is_not_a_claim() -> None:
    assert claims("Consumer prices rose 4% in March, economists think.") == []


def test_outlet_named_in_the_sentence_credits_it() -> None:
    got = claims("According to Reuters, consumer prices rose 4% in March.")
    assert got[0].cites == ["1"]
    assert got[0].outlets == ["Reuters"]
    aside = [got[0].text[a:b] for a, b in got[0].set_aside]
    assert "Reuters" in aside and "According to" in aside


def test_outlet_named_earlier_in_the_paragraph_does_not_credit() -> None:
    got = claims("Reuters covered the story in depth. Consumer prices rose 4% in March.")
    assert [c.text for c in got] == ["Reuters covered the story in depth."]


def test_inline_link_credits_and_its_syntax_leaves_the_text() -> None:
    got = claims("Consumer prices [rose 4%](https://www.reuters.com/a) in March.")
    assert got[0].cites == ["1"]
    assert got[0].text == "Consumer prices rose 4% in March."


def test_html_link_credits() -> None:
    body = "Consumer prices rose 4% in March, the office said."
    start = body.index("rose")
    got = claims(body, fmt="html", links=[Link("https://www.bbc.co.uk/b", start, start + 4, "rose")])
    assert got[0].cites == ["2"]


def test_credit_alone_leaves_too_few_content_words() -> None:
    assert claims("Prices rose, Reuters reported [1].") == []
    assert claims("Prices rose sharply, Reuters reported [1].") != []


def test_a_checked_quote_is_set_aside_and_not_counted() -> None:
    assert claims('The minister said "we will never accept these terms" on Tuesday [2].') == []
    got = claims('The finance minister said "we will never accept these terms" on Tuesday evening [2].')
    assert len(got) == 1
    c = got[0]
    assert [c.text[a:b] for a, b in c.set_aside if "accept" in c.text[a:b]] == [
        "we will never accept these terms"]


def test_scare_quotes_are_ordinary_claim_words() -> None:
    got = claims('The so-called "peace plan" drew support, according to Reuters.')
    assert len(got) == 1
    assert not any("peace" in got[0].text[a:b] for a, b in got[0].set_aside)
    assert claims('The "peace plan" won, according to Reuters.') != []


def test_headings_captions_and_reference_entries_are_not_claims() -> None:
    body = ("# Prices rose 4% in March [1]\n\nFigure 2: Consumer prices rose 4% in March [1].\n\n"
            "Consumer prices rose 4% in March [1].")
    got = claims(body)
    assert [c.text for c in got] == ["Consumer prices rose 4% in March."]
    assert all("reuters.com" not in c.text for c in got)


def test_block_quotes_are_not_claims() -> None:
    body = "> Consumer prices rose four percent in March, the office said.\n\nWages fell in the same month [2]."
    assert [c.text for c in claims(body)] == ["Wages fell in the same month."]


def test_one_sentence_is_one_claim_and_ids_follow_order() -> None:
    got = claims("Consumer prices rose 4% in March [1]. Wages fell in the same month [2]. "
                 "Rents climbed sharply across the capital [1].")
    assert [c.id for c in got] == ["c1", "c2", "c3"]
    assert [c.cites for c in got] == [["1"], ["2"], ["1"]]


def test_abbreviation_does_not_end_a_sentence() -> None:
    got = claims("Mr. Smith said consumer prices rose 4% in March [1].")
    assert [c.text for c in got] == ["Mr. Smith said consumer prices rose 4% in March."]


def test_content_words_count_numbers_and_skip_stop_words() -> None:
    assert content_words("It is 4 of the new Offices") == ["4", "new", "offices"]
    assert stem("prices") == "price" and stem("taxes") == "tax" and stem("cities") == "city"
    assert stem("passed") == stem("passing") == stem("pass") == "pass"


@pytest.mark.parametrize("line", ["The school opened in 2016 with 400 students. [1]",
                                  "The school opened in 2016 with 400 students.[1]",
                                  "The school opened in 2016 with 400 students [1]."])
def test_a_one_line_paragraph_ending_in_a_marker_is_prose(line: str) -> None:
    got = claims("# Notes on a school\n\n" + line + "\n")
    assert [c.text for c in got] == ["The school opened in 2016 with 400 students."]


def test_a_reporting_word_inside_a_checked_quote_does_not_uncover_its_words() -> None:
    assert claims("“Nobody told the fishermen until the week before,” one skipper said [1].") == []


def test_a_plain_digit_footnote_mark_ends_and_credits_its_sentence() -> None:
    text = ("The council found that water rates would rise by twelve percent over two years.3 The regulator "
            "warned that supply would suffer badly in the dry northern districts.4\n\n"
            "3 Council analysis, https://example.org/c\n4 Regulator statement, https://example.org/d\n")
    brief = BriefText(text=text, fmt="txt")
    claims = find_claims(brief, parse_brief(brief))
    assert [(c.text, c.cites) for c in claims] == [
        ("The council found that water rates would rise by twelve percent over two years.", ["3"]),
        ("The regulator warned that supply would suffer badly in the dry northern districts.", ["4"])]


def test_a_sentence_that_points_at_a_source_is_not_a_claim() -> None:
    """"See also …", "For details, see …", "Cf. …" name where to read, as a reference entry does;
    "See how …" asserts what it points at."""
    got = claims("See also the council's analysis of the water rates [1].\n\n"
                 "For details, see the council report on household water rates [2].\n\n"
                 "Cf. the regulator's annual review of water prices [1].\n\n"
                 "See how prices rose 40% in March in every town [1].\n\n"
                 "Officials see a risk of higher water rates in March [2].")
    assert [c.text for c in got] == ["See how prices rose 40% in March in every town.",
                                     "Officials see a risk of higher water rates in March."]


def test_a_link_in_brackets_leaves_no_empty_brackets_in_the_claim() -> None:
    got = claims("Prices rose 40% in March in every town (see https://example.org/d).\n\n"
                 "Prices fell 4% in May in every town (Source: https://example.org/e), officials said.\n\n"
                 "Rates rose 12% in June across the region (https://example.org/f).")
    assert [c.text for c in got] == ["Prices rose 40% in March in every town.",
                                     "Prices fell 4% in May in every town, officials said.",
                                     "Rates rose 12% in June across the region."]
    assert all(c.text == c.text.strip() for c in got)
