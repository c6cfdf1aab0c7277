"""align(): each quote variant with one quote that must pass and a near miss that must not."""

from __future__ import annotations

import pytest

from verifier.core.align import SourceIndex, align
from verifier.core.statuses import DiffKind, Verdict
from verifier.core.values import Match, SourceText

TEXT = (
    "Council notes. The committee said on Tuesday that it would not approve the budget for 2024, "
    "citing concerns about rising costs and the lack of a credible plan. He added that the vote "
    "was final and that Senator Alvarez would present a new proposal in March. “We support it fully,” "
    "officials said. The inves-\ntigation ended with a report of 400 pages. The ﬁnal\u00a0draft was "
    "signed by twenty-two members. She called him a talented person and a good colleague."
)
SRC = SourceText(TEXT)


@pytest.fixture(scope="module")
def index() -> SourceIndex:
    return SourceIndex.build(SRC)


def run(q: str, index: SourceIndex) -> Match:
    m = align(q, index)
    assert m is not None, q
    return m


def kinds(m: Match) -> list[DiffKind]:
    return [d.kind for d in m.differences]


def test_exact_and_evidence_offsets(index: SourceIndex) -> None:
    q = "The committee said on Tuesday that it would not approve the budget"
    m = run(q, index)
    assert m.verdict is Verdict.VERIFIED and m.score == 1.0 and not m.differences
    ev = m.evidence
    assert ev.text == TEXT[ev.start:ev.end] == q
    assert ev.page is None
    assert ev.context.startswith("Council notes. ") and ev.text in ev.context
    assert len(ev.context) <= len(ev.text) + 2 * 150


def test_page_number_from_source_pages() -> None:
    src = SourceText("Page one words here.\fThe second page says the budget is final today.",
                     pages=[(0, 1), (21, 2)])
    m = align("the budget is final today", SourceIndex.build(src))
    assert m is not None and m.evidence.page == 2


def test_typography_is_verified(index: SourceIndex) -> None:
    m = run("the committee said on tuesday that it would not approve the budget for 2024 — citing concerns", index)
    assert m.verdict is Verdict.VERIFIED
    assert run('"We support it fully" officials said', index).verdict is Verdict.VERIFIED
    assert run("the final draft was signed by twenty two members", index).verdict is Verdict.VERIFIED  # ligature, nbsp
    assert run("the finaldraft was signed by twenty-two members", index).verdict is Verdict.VERIFIED  # glued words


@pytest.mark.parametrize("mark", [" … ", " ... ", " . . . "])
def test_ellipsis_forms(index: SourceIndex, mark: str) -> None:
    q = f"citing concerns about rising costs{mark}the vote was final and that Senator Alvarez"
    m = run(q, index)
    assert m.verdict is Verdict.VERIFIED, m.differences
    assert m.evidence.text.startswith("citing concerns") and m.evidence.text.endswith("Senator Alvarez")
    # near miss: an ellipsis does not excuse a changed word after it
    bad = run(f"citing concerns about rising costs{mark}the vote was final and that Senator Alvarez would oppose", index)
    assert bad.verdict is Verdict.ALTERED


def test_ellipsis_segments_must_be_in_order(index: SourceIndex) -> None:
    m = align("the vote was final and that Senator Alvarez … citing concerns about rising costs", index)
    assert m is None or m.verdict is not Verdict.VERIFIED


def test_brackets(index: SourceIndex) -> None:
    assert run("[Smith] added that the vote was final", index).verdict is Verdict.VERIFIED
    assert run("[t]he committee said on Tuesday that it would", index).verdict is Verdict.VERIFIED
    assert run("[The senator] added that the vote was final", index).verdict is Verdict.VERIFIED
    # near miss: an unbracketed change of the same word is not editorial
    assert run("Smith added that the vote was final and that", index).verdict is Verdict.ALTERED


def test_parenthetical_note_is_minor(index: SourceIndex) -> None:
    m = run("“We support it (the idea of ending the war) fully,” officials said", index)
    assert m.verdict is Verdict.MINOR
    assert kinds(m) == [DiffKind.INSERTED_NOTE]
    assert m.differences[0].quote == "(the idea of ending the war)"
    m = run("officials said. The investigation ended with a report (a long one)", index)
    assert m.verdict is Verdict.MINOR and kinds(m) == [DiffKind.INSERTED_NOTE]
    # near miss: the same words without parentheses were added silently
    assert run("We support it the idea fully, officials said", index).verdict is Verdict.ALTERED


def test_typo_is_minor(index: SourceIndex) -> None:
    m = run("citing concerns about rising costs and the lack of a credibel plan", index)
    assert m.verdict is Verdict.MINOR and kinds(m) == [DiffKind.SPELLING]
    assert (m.differences[0].quote, m.differences[0].source) == ("credibel", "credible")
    m = run("the committee said on Tuesday that it would not aprove the budget", index)
    assert m.verdict is Verdict.MINOR
    # near miss: a different real word (short) is a change, not a typo
    assert run("the committee said on Tuesday that it would now approve the budget", index).verdict is Verdict.ALTERED


def test_negation_added_and_removed(index: SourceIndex) -> None:
    m = run("the committee said on Tuesday that it would approve the budget for 2024", index)
    assert m.verdict is Verdict.ALTERED and kinds(m) == [DiffKind.DROPPED] and m.differences[0].source == "not"
    m = run("He added that the vote was not final and that Senator Alvarez would present", index)
    assert m.verdict is Verdict.ALTERED and kinds(m) == [DiffKind.ADDED] and m.differences[0].quote == "not"


def test_number_changed(index: SourceIndex) -> None:
    m = run("The investigation ended with a report of 500 pages", index)
    assert m.verdict is Verdict.ALTERED
    assert [(d.kind, d.quote, d.source) for d in m.differences] == [(DiffKind.REPLACED, "500", "400")]
    assert run("The investigation ended with a report of 400 pages", index).verdict is Verdict.VERIFIED


def test_name_and_word_swapped(index: SourceIndex) -> None:
    m = run("the vote was final and that Senator Romero would present a new proposal in March", index)
    assert m.verdict is Verdict.ALTERED and m.differences[0].source == "Alvarez"
    m = run("citing concerns about falling costs and the lack of a credible plan", index)
    assert m.verdict is Verdict.ALTERED and (m.differences[0].quote, m.differences[0].source) == ("falling", "rising")


def test_silent_cut_and_added_words(index: SourceIndex) -> None:
    m = run("that it would not approve the budget for 2024, citing the lack of a credible plan", index)
    assert m.verdict is Verdict.ALTERED
    assert kinds(m) == [DiffKind.DROPPED] and m.differences[0].source == "concerns about rising costs and"
    m = run("it would not approve the budget for 2024, citing serious concerns about rising costs", index)
    assert m.verdict is Verdict.ALTERED and kinds(m) == [DiffKind.ADDED]


def test_absent_quote_is_none(index: SourceIndex) -> None:
    assert align("the cat sat on the mat and purred loudly through the afternoon", index) is None
    assert align("the mayor said the budget would rise by ten percent next year", index) is None
    assert align("", index) is None


def test_short_quotes_need_exact_match(index: SourceIndex) -> None:
    assert run("talented person", index).verdict is Verdict.VERIFIED
    assert align("talented persons", index) is None
    assert align("gifted person", index) is None
    assert align("talented person indeed", index) is None


def test_hyphenation_in_source(index: SourceIndex) -> None:
    m = run("The investigation ended with a report", index)
    assert m.verdict is Verdict.VERIFIED and m.evidence.text.startswith("The inves-\ntigation")


def test_prefers_earliest_of_equal_copies() -> None:
    main = "Our reporter wrote that the harbour will reopen in the spring after repairs."
    src = SourceText(main + "\n\n" + "Menu. " + main, main_end=len(main))
    m = align("the harbour will reopen in the spring", SourceIndex.build(src))
    assert m is not None and m.evidence.start < len(main)


def test_long_source_anchor_not_fooled_by_heading() -> None:
    src = SourceText("Purpose of the Review\nThe purpose of the review is to summarise the drugs used.")
    m = align("The prpose of the review is to summarise", SourceIndex.build(src))
    assert m is not None and m.verdict is Verdict.MINOR
    assert m.evidence.text == "The purpose of the review is to summarise"


def test_ocr_glued_words_accepted_but_changes_caught() -> None:
    ocr = ("Page 12 Attorney Work Product\nHicks said that the President was upset and that Trumpwill notbe "
           "able to meet the ministers in the spring, because of the trial with Ivanka Trumpas a witness.")
    ix = SourceIndex.build(SourceText(ocr))
    m = align("the President was upset and that Trump will not be able to meet the ministers", ix)
    assert m is not None and m.verdict is Verdict.VERIFIED
    m = align("because of the trial with Ivanka Trump", ix)
    assert m is not None and m.verdict is Verdict.VERIFIED
    m = align("the President was upset and that Trump will be able to meet the ministers", ix)
    assert m is not None and m.verdict is Verdict.ALTERED
    m = align("that Trump will not be able to meet the ministers in the autumn", ix)
    assert m is not None and m.verdict is Verdict.ALTERED


EDGE_TEXT = ("After a long debate the council carried the motion by nine votes to four. The treaty was "
             "approved by the Kingdom of Spain in 1990. The new bridge is closed for heavy trucks until "
             "further notice. The inspector called it (a major fault) in the design of the roof. Her letter "
             "ended (as in ‘the long goodbye’) with a single line.")


@pytest.fixture(scope="module")
def edge_index() -> SourceIndex:
    return SourceIndex.build(SourceText(EDGE_TEXT))


def test_misspelt_edge_word_is_spelling_as_inside(edge_index: SourceIndex) -> None:
    m = run("the council carried the motion by nine votes to four. The treaty was aproved", edge_index)
    assert m.verdict is Verdict.MINOR and kinds(m) == [DiffKind.SPELLING]
    m = run("the council carried the motion by nine votes to fou", edge_index)
    assert m.verdict is Verdict.ALTERED  # too short for a typo under the judge's rules, as inside


def test_parenthetical_the_source_has_is_judged_as_text(edge_index: SourceIndex) -> None:
    m = run("The inspector called it (a minor fault) in the design of the roof", edge_index)
    assert m.verdict is Verdict.ALTERED
    assert [(d.kind, d.quote, d.source) for d in m.differences] == [(DiffKind.REPLACED, "minor", "major")]
    assert run("The inspector called it (a major fault) in the design of the roof", edge_index).verdict \
        is Verdict.VERIFIED


def test_parenthetical_the_source_lacks_is_a_note(edge_index: SourceIndex) -> None:
    m = run("The new bridge is closed (until May) for heavy trucks until further notice", edge_index)
    assert m.verdict is Verdict.MINOR and kinds(m) == [DiffKind.INSERTED_NOTE]


def test_quote_wholly_a_parenthetical_is_text(edge_index: SourceIndex) -> None:
    m = run("(as in ‘the long goodbye’)", edge_index)
    assert m.verdict is Verdict.VERIFIED and "the long goodbye" in m.evidence.text
    m = run("(as in ‘the short goodbye’)", edge_index)
    assert m.verdict is Verdict.ALTERED and m.differences[0].source == "long"


def test_edge_cut_leaving_a_function_word_is_not_ocr_glue_in_clean_text() -> None:
    ix = SourceIndex.build(SourceText("On Friday the spokeswoman said the new administration would act on the report "
                                      "of one person."))
    assert not ix.looks_ocr()
    m = run("the spokeswoman said the new administrati", ix)  # "administrati" + "on"
    # judged as inside the quote: two letters off a long word is a spelling slip
    assert m.verdict is Verdict.MINOR and [(d.kind, d.source) for d in m.differences] == [
        (DiffKind.SPELLING, "administration")]
    m = run("would act on the report of one pers", ix)  # "pers" + "on"
    assert m.verdict is Verdict.ALTERED and [(d.kind, d.source) for d in m.differences] == [
        (DiffKind.REPLACED, "person")]


def test_source_reads_as_ocr_from_its_glued_tokens() -> None:
    words = ["the", "council", "said", "that", "it", "would", "review", "the", "budget", "and", "the", "plan", "for", "the", "harbour"]
    clean = " ".join(words * 30)
    assert not SourceIndex.build(SourceText(clean)).looks_ocr()
    glued = clean.replace("said that it would", "saidthat itwould", 3).replace("for the harbour", "forthe harbour", 2)
    assert SourceIndex.build(SourceText(glued)).looks_ocr()


HUMAN_TEXT = (
    "Support among the state's voters fell from 54% in November to 35% in May. Hotels & Resorts has four "
    "properties there. That quickly turned into a love of Flash (which, I assure you, was super cool back then). "
    "The singer (not a metal singer, not even in the slightest) closed the show."
)


@pytest.fixture(scope="module")
def human_index() -> SourceIndex:
    return SourceIndex.build(SourceText(HUMAN_TEXT))


@pytest.mark.parametrize("q", [
    "Support among the state's voters fell from 54 percent in November to 35 per cent in May",
    "Hotels and Resorts has four properties there",
])
def test_signs_are_the_words_they_are_read_as(human_index: SourceIndex, q: str) -> None:
    assert run(q, human_index).verdict is Verdict.VERIFIED


def test_a_changed_figure_beside_a_sign_word_is_still_a_change(human_index: SourceIndex) -> None:
    m = run("Support among the state's voters fell from 64 percent in November to 35% in May", human_index)
    assert m.verdict is Verdict.ALTERED and m.differences[0].source == "54"
    assert run("Hotels or Resorts has four properties there", human_index).verdict is Verdict.ALTERED


@pytest.mark.parametrize("q, source_word", [
    ("a love of Flash (which, I assure you, was super warm back then)", "cool"),  # changed near the note's end
    ("a love of Flash (which, I assure you, was cool super back then)", "cool"),  # two words swapped
])
def test_a_change_near_the_end_of_a_parenthetical_the_source_has_is_a_change(
        human_index: SourceIndex, q: str, source_word: str) -> None:
    m = run(q, human_index)
    assert m.verdict is Verdict.ALTERED and source_word in [d.source for d in m.differences]
    assert DiffKind.INSERTED_NOTE not in kinds(m)


def test_an_editorial_mark_inside_a_parenthetical_is_the_editors(human_index: SourceIndex) -> None:
    m = run("The singer (not a metal singer, not [sic] even in the slightest) closed the show", human_index)
    assert m.verdict is Verdict.VERIFIED
    m = run("The singer (not a metal singer, not ever in the slightest) closed the show", human_index)
    assert m.verdict is Verdict.ALTERED


STYLE_TEXT = ("Hasib said an employee noticed after six to seven minutes. He said it is very static, and we do not "
              "know why. They can’t wait for the bridge to open on the twenty-first of May. I’m so proud of myself "
              "that I made it this far.")


@pytest.fixture(scope="module")
def style_index() -> SourceIndex:
    return SourceIndex.build(SourceText(STYLE_TEXT))


@pytest.mark.parametrize("q, source_said", [
    ("an employee noticed after six to 7 minutes", "seven"),
    ("He said it's very static, and we don't know why", "it is"),
    ("They cannot wait for the bridge to open on the 21st of May", "can’t"),
])
def test_the_same_words_written_another_way_are_a_minor_difference(
        style_index: SourceIndex, q: str, source_said: str) -> None:
    m = run(q, style_index)
    assert m.verdict is Verdict.MINOR and set(kinds(m)) == {DiffKind.SPELLING}
    assert source_said in [d.source for d in m.differences]


@pytest.mark.parametrize("q", [
    "an employee noticed after six to 8 minutes",  # another value
    "He said it's very static, and we didn't know why",  # a contraction of other words
    "They can wait for the bridge to open on the 21st of May",  # the negation gone
])
def test_other_words_written_another_way_are_still_a_change(style_index: SourceIndex, q: str) -> None:
    assert run(q, style_index).verdict is Verdict.ALTERED


def test_a_bracketed_capital_before_an_apostrophe_is_one_word(style_index: SourceIndex) -> None:
    assert run("[i]’m so proud of myself that I made it this far", style_index).verdict is Verdict.VERIFIED


def test_a_contraction_opening_the_quote_for_the_two_words_opening_the_source() -> None:
    ix = SourceIndex.build(SourceText("The mayor spoke on Monday. It is a disaster for the whole town, she said."))
    assert run("It's a disaster for the whole town", ix).verdict is Verdict.MINOR
    assert run("That's a disaster for the whole town", ix).verdict is Verdict.ALTERED  # other words


def test_a_word_added_late_in_a_long_parenthetical_the_source_has_is_a_change() -> None:
    said = ("Trackers can watch conditions from afar and create a more tailored routine (picture a wrist-worn "
            "ECG band that can spot irregular heartbeats in patients who live hours away from any clinic).")
    ix = SourceIndex.build(SourceText("Intro text here. " + said + " More text follows."))
    for q in (said.replace("in patients", "in clearly patients"), said.replace("patients who", "patients clearly who")):
        m = run(q, ix)
        assert m.verdict is Verdict.ALTERED and DiffKind.INSERTED_NOTE not in kinds(m), q


@pytest.mark.parametrize("source", [
    "an indictment charging 13 Russian nationals12 and three Russian entities with violating the law",
    "an indictment charging 13 Russian nationals[12] and three Russian entities with violating the law",
    "an indictment charging 13 Russian nationals,[12, 13] and three Russian entities with violating the law",
    "an indictment charging 13 Russian nationals[citation needed] and three Russian entities with violating the law",
    "an indictment charging 13 Russian\nnationals.[a] And three Russian entities with violating the law",
])
def test_a_sources_own_footnote_marks_are_not_quoted_words(source: str) -> None:
    """Superscripts flattened by a PDF's text layer or a page's text, Wikipedia's bracketed notes:
    a quote leaves them out, or pastes them in, and is verified; a changed word is still a change."""
    ix = SourceIndex.build(SourceText(text=source))
    quote = "charging 13 Russian nationals and three Russian entities with violating"
    assert run(quote, ix).verdict is Verdict.VERIFIED
    changed = run("charging 14 Russian nationals and three Russian entities with violating", ix)
    assert changed.verdict is Verdict.ALTERED


def test_a_notes_number_glued_to_its_first_word_and_a_mark_after_an_end_mark() -> None:
    text = ("dismiss the charge on multiple grounds.1276 The indictment charges all of the defendants\n"
            "1276A more detailed explanation of the charging decision is set forth in a memorandum")
    ix = SourceIndex.build(SourceText(text=text, pages=[(0, 1)]))
    assert run("on multiple grounds. The indictment charges all of the defendants", ix).verdict is Verdict.VERIFIED
    assert run("A more detailed explanation of the charging decision is set forth", ix).verdict is Verdict.VERIFIED
    assert run("endorsement points1 than any other candidate in the race",
               SourceIndex.build(SourceText(text="He has far more endorsement points1 than any other candidate in "
                                                 "the race."))).verdict is Verdict.VERIFIED  # pasted with the mark


def test_numbers_that_belong_to_the_words_are_compared() -> None:
    """Not marks: a name's own number ("BA.2", "G7"), a section ("4.2"), a word's digits in capitals."""
    ix = SourceIndex.build(SourceText(text="The Omicron BA.2 variant spread as the G7 met, under section 4.2 of "
                                           "the rules, said NATO12 staff."))
    assert run("The Omicron BA.3 variant spread as the G7 met", ix).verdict is Verdict.ALTERED
    assert run("the G8 met, under section 4.2 of the rules", ix).verdict is Verdict.ALTERED
    assert run("under section 4.3 of the rules, said NATO12 staff", ix).verdict is Verdict.ALTERED
    assert run("under section 4.2 of the rules, said NATO13 staff", ix).verdict is Verdict.ALTERED


def test_letters_off_leaves_glued_words_unplaced() -> None:
    """align's letter placing is what finds a quote across glued OCR words; a caller that turns it
    off (a claim on a web page) gets the word-level answer only."""
    ocr = "Hicks said thePresident wasupset andthat Trumpwill notbe ableto meetthe ministers. He left at noon."
    ix = SourceIndex.build(SourceText(ocr))
    quote = "the President was upset and that Trump will not be able to meet the ministers"
    with_letters = align(quote, ix)
    assert with_letters is not None and with_letters.verdict is Verdict.VERIFIED
    assert align(quote, ix, letters=False) is None  # no word 3-gram of the quote is intact
    m = align("ministers. He left at noon", ix, letters=False)
    assert m is not None and m.verdict is Verdict.VERIFIED  # words that do align still do
