"""Quotation marks as journalism writes them (verifier/core/quotemarks.py, through parse_brief)."""

from __future__ import annotations

import pytest

from verifier.core.parse import parse_brief
from verifier.core.values import BriefText


def quotes(text: str) -> list[str]:
    return [q.text for q in parse_brief(BriefText(text=text, fmt="txt")).quotes]


def test_multi_paragraph_quote_is_one_passage() -> None:
    text = ("“We will stand firm on this,” the minister said.\n\n"
            "“We have said so for years, and we say it again today.\n\n"
            "“Nobody should doubt our resolve on the matter,” she added.")
    got = quotes(text)
    assert got[0] == "We will stand firm on this,"
    assert got[1].startswith("We have said so for years")
    assert got[1].endswith("resolve on the matter,")
    assert len(got) == 2


def test_multi_paragraph_offsets_span_first_open_to_final_close() -> None:
    text = "Intro.\n\n“First part of a long quote here.\n\n“Second part of it ends here,” he said."
    q = parse_brief(BriefText(text=text, fmt="txt")).quotes[0]
    assert text[q.start:q.end].startswith("First part")
    assert text[q.start:q.end].endswith("ends here,")
    assert "\n" not in q.text


def test_unclosed_paragraph_not_followed_by_a_mark_is_no_quote() -> None:
    text = "He said “this never closes in its paragraph.\n\nA new paragraph with “a real quote in it” here."
    assert quotes(text) == ["a real quote in it"]


def test_two_apostrophe_marks() -> None:
    assert quotes("''We will not yield on any of this,'' she said, and left.") == [
        "We will not yield on any of this,"]


def test_straight_single_quotes_in_a_headline() -> None:
    assert quotes("Senators fear 'a tax on jobs and growth' in the bill") == ["a tax on jobs and growth"]


@pytest.mark.parametrize("text", [
    "Don't worry about the '90s and rock 'n' roll at all, she would say.",
    "The voters' views and the teachers' union were both heard in the end.",
    "O'Brien's plan for the '60s revival was 'em all talking for years.",
])
def test_apostrophes_stay_apostrophes(text: str) -> None:
    assert quotes(text) == []


@pytest.mark.parametrize(("text", "want"), [
    ("The label's 'rock 'n' roll' years were over, he said. [1]", ["rock 'n' roll"]),
    ("The label’s ‘rock ’n’ roll’ years were over, he said. [1]", ["rock ’n’ roll"]),
    ("She called it ‘the voters’ choice and nobody else’s’ on the night.",
     ["the voters’ choice and nobody else’s"]),
])
def test_apostrophes_inside_a_single_quoted_passage(text: str, want: list[str]) -> None:
    assert quotes(text + "\n\n[1] Label, https://example.org/label") == want


@pytest.mark.parametrize("mark", ["‘’", "''"])
def test_a_plural_possessive_never_reaches_past_the_next_opening_single_quote(mark: str) -> None:
    o, c = mark
    text = (f"The report's {o}key findings{c} were that the council {o}failed to act on the repeated "
            f"warnings from its engineers{c} for years.")
    assert quotes(text) == ["failed to act on the repeated warnings from its engineers"]
    pb = parse_brief(BriefText(text=text, fmt="txt"))
    assert [s.text for s in pb.skipped] == ["key findings"]


@pytest.mark.parametrize("close", ["[1].”", "[1]”", ".[1]”", ".¹”", "[1][2].”"])
def test_a_marker_inside_the_closing_mark_is_the_quotes_credit(close: str) -> None:
    text = (f"The mayor said “we will rebuild the harbour wall this year{close} He left.\n\n"
            "[1] Harbour, https://example.org/a\n[2] Wall, https://example.org/b")
    [q] = parse_brief(BriefText(text=text, fmt="txt")).quotes
    assert q.text.rstrip(".") == "we will rebuild the harbour wall this year"
    assert q.cites == (["1", "2"] if "[2]" in close else ["1"])
    assert text[q.start:q.end] == q.text


def test_a_number_in_parentheses_inside_a_quote_is_its_own_words() -> None:
    text = ("The rule says “no vessel may moor in the harbour under section 4(2).” [1]\n\n"
            "[1] Rules, https://example.org/a\n[2] Wall, https://example.org/b")
    [q] = parse_brief(BriefText(text=text, fmt="txt")).quotes
    assert q.text == "no vessel may moor in the harbour under section 4(2)." and q.cites == ["1"]


def test_a_double_quote_nested_in_a_single_one_the_british_way() -> None:
    text = "‘He told me “go home now or you will regret it” and then he left,’ she said."
    assert quotes(text) == ["He told me “go home now or you will regret it” and then he left,"]
    # a possessive after the double quote is no close: the double quote stands on its own
    text = "He called it ‘a disgrace. Then “we will fight this to the end,” she said, and the teachers' union agreed."
    assert quotes(text) == ["we will fight this to the end,"]


def test_reversed_and_mismatched_pairs() -> None:
    text = ("He said ”this is a reversed pair of marks” and left. Then \"this is the mismatched one” "
            "she said. And “another mismatched pair here\" he said.")
    assert quotes(text) == ["this is a reversed pair of marks", "this is the mismatched one",
                            "another mismatched pair here"]


def test_quote_never_runs_across_close_then_open() -> None:
    text = "“The first quote is right here” he said, and “the second one is here too” she said."
    assert quotes(text) == ["The first quote is right here", "the second one is here too"]


def test_nested_other_family_stays_inside() -> None:
    assert quotes("«He called it “a disgrace to us all” on air» said the host.") == [
        "He called it “a disgrace to us all” on air"]


def test_one_paragraph_per_line_quote_continues_onto_next_line() -> None:
    filler = "This line is long enough to make the text read as one paragraph per line, " * 3
    text = (filler + "\nShe said “the harbour will be closed for\n"
            "the whole of next year” at the meeting.\n" + filler + "“A quote of its own on this line” too.")
    got = quotes(text)
    assert "the harbour will be closed for the whole of next year" in got
    assert "A quote of its own on this line" in got


def test_line_that_opens_a_new_quote_does_not_continue_the_old_one() -> None:
    filler = "This line is long enough to make the text read as one paragraph per line, " * 3
    text = filler + "\nHe said “this one never closes on its line\nThen she said “her own quote is here” to all.\n"
    assert quotes(text) == ["her own quote is here"]


def test_line_opening_with_another_family_is_nested_in_the_open_quote() -> None:
    filler = "This line is long enough to make the text read as one paragraph per line, " * 3
    text = (filler + "\nThe update read: \"The mayor took the stage late on Monday night.\n"
            "“We are rebuilding the harbour,” she said.\nThe crowd cheered for a while.\"\n" + filler)
    assert quotes(text) == ["The mayor took the stage late on Monday night. “We are rebuilding the harbour,” "
                            "she said. The crowd cheered for a while."]
    # the outer quote never closes: the inner one is still found
    text = (filler + "\nThe update read: \"The mayor took the stage late on Monday night.\n"
            "“We are rebuilding the harbour,” she said.\nThe crowd cheered for a while.\n" + filler)
    assert quotes(text) == ["We are rebuilding the harbour,"]


def test_assigned_values_are_no_quotes() -> None:
    text = ('<span data-date="2021-03-04" title="Harbour report">“We will rebuild the harbour,” she said.</span> '
            "<a href=”https://example.org/x” target=”_blank”>Harbour</a> and x='a b c d' there.")
    assert quotes(text) == ["We will rebuild the harbour,"]


def test_a_reference_definitions_title_is_markup_not_a_quote() -> None:
    text = ("The mayor said “we will rebuild the harbour wall this year” ([Ledger][led]).\n\n"
            '[led]: https://news.example/harbour "Harbour story of the year"\n'
            "[old]: <https://news.example/old> 'The old harbour story here'\n")
    pb = parse_brief(BriefText(text=text, fmt="md"))
    assert [q.text for q in pb.quotes] == ["we will rebuild the harbour wall this year"] and pb.skipped == []


AUTHOR_DATE_REFS = ("\n\nReferences\n\nLedger. (2024). Harbour story. Retrieved from https://news.example/harbour\n"
                    "Smith, J., & Jones, K. (2019). Walls and water. https://journal.example/walls\n"
                    "U.S. Department of Justice. (2019). Report on the investigation. https://justice.example/r.pdf\n")


@pytest.mark.parametrize(("sentence", "url"), [
    ("The mayor said “we will rebuild the harbour wall this year” (Ledger, 2024).", "https://news.example/harbour"),
    ("The study found “walls fail first at their joints” (Smith & Jones, 2019, p. 12).", "https://journal.example/walls"),
    ("The study found “walls fail first at their joints” (Smith et al., 2019).", "https://journal.example/walls"),
    ("According to Smith and Jones (2019), “walls fail first at their joints”.", "https://journal.example/walls"),
    ("It said “the evidence was not sufficient” (U.S. Department of Justice, 2019).", "https://justice.example/r.pdf"),
    ("He said “we will rebuild the harbour wall” (Jones, 2024; Ledger, 2024).", "https://news.example/harbour"),
    ("He said “we will rebuild” (Ledger, 2024).", "https://news.example/harbour"),  # credited: checked though short
    ("He said “we will rebuild the harbour wall this year” (Ledger, 2023).", None),  # no such entry
    ("He said “we will rebuild the harbour wall this year” (March 2024).", None),
])
def test_author_date_credit(sentence: str, url: str | None) -> None:
    pb = parse_brief(BriefText(text=sentence + AUTHOR_DATE_REFS, fmt="md"))
    url_of = {c.ref: c.url for c in pb.citations}
    [q] = pb.quotes
    assert [url_of[r] for r in q.cites] == ([url] if url else [])


def test_an_author_date_credit_is_a_claims_credit_and_not_its_words() -> None:
    from verifier.core.claims import find_claims

    text = "The council approved four million pounds for the harbour wall in March (Ledger, 2024)." + AUTHOR_DATE_REFS
    brief = BriefText(text=text, fmt="md")
    [claim] = find_claims(brief, parse_brief(brief))
    assert claim.text == "The council approved four million pounds for the harbour wall in March."
    assert claim.cites == ["1"]


def test_an_ibid_note_credits_the_source_of_the_note_before_it() -> None:
    text = ("He said “we will rebuild the harbour wall this year” [2], “the repairs will cost four million” [3], "
            "“the council will vote on the plan next month” [4] and “nobody asked the harbour master first” [6]."
            "\n\nNotes\n\n[1] Minutes, https://council.example/minutes\n[2] Harbour story, https://news.example/harbour"
            "\n[3] Ibid., p. 4.\n[4] Ibid.\n[5] Interview with the author, 2024.\n[6] Ibid.\n")
    pb = parse_brief(BriefText(text=text, fmt="md"))
    url_of = {c.ref: c.url for c in pb.citations}
    assert [[url_of[r] for r in q.cites] for q in pb.quotes] == [["https://news.example/harbour"]] * 3 + [[]]


def test_credited_short_quote_is_checked() -> None:
    text = "The panel chose “Maria Lindqvist” [2] in the end.\n\n[2] Panel, https://example.org/panel"
    pb = parse_brief(BriefText(text=text, fmt="txt"))
    assert [q.text for q in pb.quotes] == ["Maria Lindqvist"]
    assert pb.quotes[0].cites == ["2"]


def test_credited_quote_equal_to_a_title_is_checked() -> None:
    text = ("The report was titled “Harbour Wall Repair Plan Review” [1].\n\n"
            "[1] Harbour Wall Repair Plan Review, https://example.org/review")
    assert quotes(text) == ["Harbour Wall Repair Plan Review"]


def test_uncredited_short_quote_still_skipped() -> None:
    text = "They called it the “Mariupol Plan” in the talks.\n\n[1] Talks, https://example.org/t"
    pb = parse_brief(BriefText(text=text, fmt="txt"))
    assert pb.quotes == [] and [q.text for q in pb.skipped] == ["Mariupol Plan"]


def test_outlet_credit_does_not_keep_a_short_quote() -> None:
    text = ("Reuters reported the “Mariupol Plan” on Monday.\n\n"
            "[1] Talks | Reuters, https://www.reuters.com/world/talks")
    pb = parse_brief(BriefText(text=text, fmt="txt"))
    assert pb.quotes == []


@pytest.mark.parametrize("credit", ["S.C. Rep. Jane Clyde.", "— Amy Pope, deputy harbour security advisor.",
                                    "Former harbour president Ben Lee.", "Secretary of State Jane Kerr."])
def test_pull_quote_credit_line_stays_outside_the_quote(credit: str) -> None:
    filler = "This line is long enough to make the text read as one paragraph per line, " * 3
    text = filler + "\n\"The harbour could create new and real problems for her here.\n" + credit + "\"\n" + filler
    pb = parse_brief(BriefText(text=text, fmt="txt"))
    assert [q.text for q in pb.quotes] == ["The harbour could create new and real problems for her here."]
    assert text[pb.quotes[0].start:pb.quotes[0].end].endswith("her here.")


@pytest.mark.parametrize("line", ["Thank you, Mayor Lee.", "And the harbour will be ours again.",
                                  "we will rebuild it for Jane Doe", "God bless the United States."])
def test_a_continued_line_of_quote_words_stays_in_the_quote(line: str) -> None:
    filler = "This line is long enough to make the text read as one paragraph per line, " * 3
    text = filler + "\n\"The harbour will stay open all winter.\n" + line + "\"\n" + filler
    assert quotes(text) == ["The harbour will stay open all winter. " + line]


def test_a_markup_tag_bounds_a_mark_like_a_space() -> None:
    # a tweet pasted with its markup: the closing mark (written as an opener) stands before a tag
    text = ('<tweet author="@lee">“@harbour: “We will rebuild the pier by spring.” – @lee #Harbour“<tweet/>. '
            "More text follows here.")
    assert quotes(text) == ["@harbour: “We will rebuild the pier by spring.” – @lee #Harbour"]
    # control: a tag inside a quote's words changes nothing
    assert quotes("She said “we will <b>rebuild</b> the pier” today.") == ["we will <b>rebuild</b> the pier"]


# Footnote numbers in plain digits, as a PDF's text layer gives its superscripts and as text pasted
# from a PDF or a Word document keeps them; the notes "1 Title, URL" or "1" on a line of its own.
PLAIN_NOTES = ("The minister said the plan was “ready for a vote next week.”1 Critics called it "
               "“a tax on the poor and the old”.2 The council found that “rates would rise by 12 percent "
               "over two years”3 and the regulator warned of “serious risks to the supply”4.\n\n"
               "Notes\n1 Ministry of Water, Press release, https://example.org/a\n"
               "2 J. Smith, “Rates rise”, The Ledger, https://example.org/b\n"
               "3\n Council analysis (2024), https://example.org/c\n4 https://example.org/d\n")


def test_plain_digit_footnote_marks_credit_the_notes_they_number() -> None:
    parsed = parse_brief(BriefText(text=PLAIN_NOTES, fmt="txt"))
    assert {c.ref: c.url[-1] for c in parsed.citations} == {"1": "a", "2": "b", "3": "c", "4": "d"}
    assert [(q.text, q.cites) for q in parsed.quotes] == [
        ("ready for a vote next week.", ["1"]), ("a tax on the poor and the old", ["2"]),
        ("rates would rise by 12 percent over two years", ["3"]), ("serious risks to the supply", ["4"])]


def test_plain_digits_that_are_not_footnote_marks() -> None:
    text = ("He said “the rate rose to 2.5 percent this year.” Then he cited “section 4.1” twice and "
            "praised “the G7 summit in Rome today”.\n\n"
            "12 people were hurt, https://example.org/x\n\n[1] Rates, https://example.org/a\n")
    parsed = parse_brief(BriefText(text=text, fmt="txt"))
    assert all(q.cites == [] for q in parsed.quotes)  # no "[n]" anywhere: nothing is credited by a number
    # a prose line that opens with a number and holds a link is not note 12
    assert [c.ref for c in parsed.citations if c.url.endswith("x")] != ["12"]


def test_a_lone_prose_line_opening_with_a_number_keeps_its_quotes() -> None:
    text = "5 officials said “the plan is ready for a vote” on Monday, https://example.org/x\n"
    assert quotes(text) == ["the plan is ready for a vote"]
