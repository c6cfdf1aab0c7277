"""Evidence for claims: passages, ranking, coverage, flags against the passages, and the support rule."""

from __future__ import annotations

import subprocess
import sys

import pytest

from verifier.core.align import SourceIndex
from verifier.core.claims import ClaimSentence, find_claims
from verifier.core.evidence import PassageIndex, coverage, judge_claim, sentences, support, word_key
from verifier.core.evidence import keys as keys_of
from verifier.core.flags import Flag
from verifier.core.parse import parse_brief
from verifier.core.values import BriefText, SourceText

PAGE = """Prices report
By A. Writer, 3 April 2024
Consumer prices rose 3.5% in March, the statistics office said on Tuesday. Food was the main driver.
The office counted 1,000 shops in fifty towns for the survey.
Unemployment fell to 4.1 percent, the lowest level since 2019.
The mayor, Anwen Pascoe, said the town would not raise taxes this year.
The bridge reopened on 12 March 2020 after repairs.
The survey will be repeated next spring in the same way.
Readers can comment using a Google account.
"""


def index(text: str = PAGE, title: str | None = "Prices report") -> PassageIndex:
    src = SourceText(text=text, title=title)
    return PassageIndex(src, SourceIndex.build(src))


def claim(text: str, cites: list[str] | None = None) -> ClaimSentence:
    return ClaimSentence("c1", text, 0, len(text), cites or ["1"])


def judged(text: str, page: str = PAGE) -> tuple[str, list[Flag], float | None, list[str]]:
    j = judge_claim(claim(text), {"1": index(page)})
    return j.support, j.flags, j.coverage, [p.text for p in j.evidence]


def test_sentences_split_at_end_marks_but_not_after_initials() -> None:
    text = "Dr. Smith met J. R. Jones in the U.S. capital. Then they left.\nA new line"
    got = [text[a:b] for a, b in sentences(text)]
    assert got == ["Dr. Smith met J. R. Jones in the U.S. capital.", "Then they left.", "A new line"]


def test_a_sentence_repeated_after_the_main_text_is_one_passage() -> None:
    text = "Prices rose in March in every town.\nFooter.\nPrices rose in March in every town."
    px = index(text)
    assert [text[a:b] for a, b in px.spans] == ["Prices rose in March in every town.", "Footer."]


def test_the_best_passage_comes_first_with_offsets_into_the_source() -> None:
    support_, flags, cov, passages = judged("Unemployment fell to 4.1 percent, its lowest level since 2019.")
    assert passages[0] == "Unemployment fell to 4.1 percent, the lowest level since 2019."
    j = judge_claim(claim("Unemployment fell to 4.1 percent, its lowest level since 2019."), {"1": index()})
    ev = j.evidence[0]
    assert PAGE[ev.start:ev.end] == ev.text and ev.page is None
    assert [p.score for p in j.evidence] == sorted((p.score for p in j.evidence), reverse=True)
    assert support_ == "supported" and not flags and cov == 1.0


def test_a_changed_figure_is_a_contradiction_with_the_passage_value() -> None:
    support_, flags, _, _ = judged("Consumer prices rose 4% in March, the statistics office said.")
    assert Flag("number", "4%", "3.5%") in flags
    assert support_ == "partly_supported"


def test_a_rounded_figure_of_a_neighbouring_sentence_does_not_hide_the_change() -> None:
    # "4.1 percent" two lines down rounds to 4%, but it is another quantity
    _, flags, _, _ = judged("Consumer prices rose 4% in March, the statistics office said.")
    assert any(f.kind == "number" and f.claim == "4%" for f in flags)


@pytest.mark.parametrize("text", [
    "The office counted 1000 shops in 50 towns for the survey.",  # 1,000 = 1000, fifty = 50
    "Unemployment fell to 4.1%, the lowest level since 2019.",  # 4.1 percent = 4.1%
    "The bridge reopened on 2020-03-12 after repairs.",  # 12 March 2020 = 2020-03-12
    "The bridge reopened on March 12, 2020 after repairs.",
])
def test_equivalent_forms_are_never_flagged(text: str) -> None:
    support_, flags, _, _ = judged(text)
    assert flags == [] and support_ == "supported"


def test_a_changed_date_and_a_missing_name_are_flagged() -> None:
    _, flags, _, _ = judged("The bridge reopened on 14 March 2020 after repairs.")
    assert [f.kind for f in flags] == ["date"]
    _, flags, _, _ = judged("The mayor, Idris Vance, said the town would not raise taxes this year.")
    assert Flag("name", "Idris Vance", "Anwen Pascoe") in flags  # the passage's name next to the same words
    _, flags, _, _ = judged("Unemployment fell to 4.1 percent in Kestrel Bay, the lowest level since 2019.")
    assert Flag("name", "Kestrel Bay", None) in flags


def test_a_name_met_only_in_an_unrelated_sentence_is_still_flagged() -> None:
    # "Google" is on the page, but not in a passage that says anything else of the claim
    _, flags, _, _ = judged("The mayor, Anwen Pascoe of Google, said the town would not raise taxes.")
    assert any(f.kind == "name" and f.claim and "Google" in f.claim for f in flags)


def test_negation_missing_or_added_is_flagged() -> None:
    _, flags, _, _ = judged("The mayor, Anwen Pascoe, said the town would raise taxes this year.")
    assert Flag("negation", None, "not") in flags
    _, flags, _, _ = judged("The office never counted shops in fifty towns for the survey.")
    assert any(f.kind == "negation" and f.claim == "never" for f in flags)


def test_an_unrelated_claim_is_unsupported() -> None:
    support_, _, cov, _ = judged("Volcanic eruptions disrupted flights across northern Europe yesterday.")
    assert support_ == "unsupported" and cov is not None and cov < 0.4


def test_no_readable_source_is_unverifiable_with_null_coverage() -> None:
    j = judge_claim(claim("Consumer prices rose 4% in March."), {"1": None})
    assert j.support == "unverifiable" and j.coverage is None and j.evidence == [] and j.flags == []


def test_with_several_credited_sources_the_best_passage_names_the_source() -> None:
    other = index("Wages in the region stayed flat through the spring.\nNothing else here.")
    j = judge_claim(claim("Consumer prices rose 3.5% in March.", ["2", "1"]), {"1": index(), "2": other})
    assert j.source_ref == "1" and j.evidence[0].text.startswith("Consumer prices rose 3.5%")


def test_coverage_ignores_case_inflection_and_number_format() -> None:
    c = claim("Counting 1000 SHOPS, the offices surveyed fifty towns.")
    j = judge_claim(c, {"1": index()})
    assert coverage(c, j.evidence) >= 0.8
    assert word_key("based") == word_key("base") and word_key("1,000") == "1000"


@pytest.mark.parametrize(("cov", "flags", "want"), [
    (None, [], "unverifiable"),
    (0.39, [], "unsupported"),
    (0.8, [], "supported"),
    (0.79, [], "partly_supported"),
    (1.0, [Flag("name", "X", None)], "partly_supported"),
])
def test_the_support_rule_first_match_wins(cov: float | None, flags: list[Flag], want: str) -> None:
    assert support(cov, flags, True, unsupported=0.4, supported=0.8) == want
    assert support(0.9, [], False, unsupported=0.4, supported=0.8) == "unsupported"


def test_checked_quotes_and_the_credit_are_neither_counted_nor_flagged() -> None:
    body = ("The statistics office said consumer prices rose \u201cby 3.5% in March, the office said\u201d,"
            " with 9 towns surveyed [1].\n\nSources\n[1] Prices report. https://example.org/a\n")
    brief = BriefText(body, fmt="md")
    (c,) = find_claims(brief, parse_brief(brief))
    j = judge_claim(c, {"1": index()})
    assert not any(f.claim and "3.5" in f.claim for f in j.flags)  # inside the checked quote
    assert any(f.kind == "number" and f.claim == "9" for f in j.flags)


def test_the_ranking_library_is_imported_only_when_a_claim_is_judged() -> None:
    code = ("import sys; import verifier.service.pipeline, verifier.core.evidence; "
            "assert 'bm25s' not in sys.modules")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


TOKEN_PAGE = """Free clinics give medical students clinical experience early in their training.
The clinics open on Saturdays.
Patients come from across the county.
Volunteers run the front desk.
Interpreters help patients who speak Spanish.
The clinics are funded by donations.
Davis medical students run the clinics as volunteers during their training.
Carolyn Smith runs a bakery beside the clinics.
"""


def _judged_on(text: str, first: str) -> tuple[list[str], list[Flag]]:
    from verifier.core.evidence import Passage, judge_on

    px = index(TOKEN_PAGE, title=None)
    a = TOKEN_PAGE.index(first)
    j = judge_on(claim(text), "1", px, [Passage(first, a, a + len(first), None, 1.0)], unsupported=0.4, supported=0.8)
    return [p.text for p in j.evidence], j.flags


def test_a_sentence_writing_a_flagged_token_joins_the_passages_when_it_shares_the_claims_words() -> None:
    first = "Free clinics give medical students clinical experience early in their training."
    passages, flags = _judged_on("The clinics give Davis medical students clinical experience early in training.", first)
    assert flags == [] and passages[-1] == "Davis medical students run the clinics as volunteers during their training."


def test_a_sentence_holding_only_the_token_does_not_join() -> None:
    first = "Free clinics give medical students clinical experience early in their training."
    passages, flags = _judged_on("The clinics give Carolyn medical students clinical experience early in training.", first)
    assert flags == [Flag("name", "Carolyn", None)] and passages == [first]


def test_a_sentence_writing_a_flagged_date_in_another_form_joins_with_fewer_shared_words() -> None:
    filler = "".join(f"Episode {k} was filmed in a studio.\n" for k in range(8))
    page = ("Season 2 will air weekly in Australia from March 4th.\n" + filler +
            "It will launch on the streaming site around the world on March 6th, 2019.\n")
    first = "Season 2 will air weekly in Australia from March 4th."
    px = index(page, title=None)
    from verifier.core.evidence import Passage, judge_on

    a = page.index(first)
    text = "It aired weekly in Australia and launched worldwide on the streaming service on March 6, 2019."
    j = judge_on(claim(text), "1", px, [Passage(first, a, a + len(first), None, 1.0)], unsupported=0.4, supported=0.8)
    assert j.flags == [] and j.evidence[-1].text.startswith("It will launch on the streaming")
    # a date the page does not write is still flagged
    j = judge_on(claim(text.replace("6", "8")), "1", px, [Passage(first, a, a + len(first), None, 1.0)],
                 unsupported=0.4, supported=0.8)
    assert j.flags == [Flag("date", "March 8, 2019", None)]


def test_the_dateline_below_a_menu_is_context_for_every_passage() -> None:
    menu = "".join(f"Menu item {k}\n" for k in range(12))
    photo = "".join(f"Photo {k}: a stone from the museum collection.\n" for k in range(4))
    page = menu + "4 September 2013\n" + photo + "A radiocarbon dating study sets the first chronology for ancient Egypt.\n"
    from verifier.core.evidence import Passage, context_of

    px = index(page, title=None)
    last = "A radiocarbon dating study sets the first chronology for ancient Egypt."
    a = page.index(last)
    context = context_of(px, [Passage(last, a, a + len(last), None, 1.0)])
    assert "4 September 2013" in context
    assert not any(t.startswith("Menu item 11") for t in context)  # the dateline, not everything above it


def test_a_sentence_writing_a_flagged_name_joins_when_it_shares_two_claim_words() -> None:
    from verifier.core.evidence import Passage, judge_on

    filler = "".join(f"Game {k} was played at home.\n" for k in range(8))
    first = "Teaneck High School has one of the best basketball programs in the state."
    page = first + "\n" + filler + "Lecque grew up near a school across the bridge from the Bronx.\n"
    px = index(page, title=None)
    text = "Lecque left Teaneck High School for a basketball program in the Bronx."
    j = judge_on(claim(text), "1", px, [Passage(first, 0, len(first), None, 1.0)], unsupported=0.4, supported=0.8)
    assert j.flags == [] and j.evidence[-1].text.startswith("Lecque grew up")


def test_a_sentence_that_says_the_claim_outranks_a_heading_holding_two_of_its_words() -> None:
    filler = "".join(f"Day {k} was mild.\n" for k in range(8))
    page = "Council position\n" + filler + "Mosqueda won the council position after a long and expensive campaign.\n"
    px = PassageIndex(SourceText(text=page, title=None))
    heading, sentence = px.scores(keys_of("Mosqueda was elected to the council position."))[::len(px.spans) - 1]
    assert sentence > heading


def test_the_dateline_that_gives_the_claims_year_is_shown_when_no_passage_does() -> None:
    def filler(a: int) -> str:
        return "".join(f"Match {k} was played in the rain.\n" for k in range(a, a + 6))

    page = ("Town news\nBy Jo Reporter, 14 March 2017\n" + filler(0) +
            "The old river bridge reopened on Tuesday after two years of repairs.\n" + filler(6) +
            "Repairs to the old river bridge cost the town more than expected.\n" + filler(12) +
            "Crowds crossed the river bridge once it reopened after the repairs.\n")
    _, flags, cov, passages = judged("In 2017, the old river bridge reopened after repairs.", page)
    assert passages[-1] == "By Jo Reporter, 14 March 2017" and flags == [] and cov == 1.0
    # a dateline of another year is not evidence for the claim's
    _, flags, _, passages = judged("In 2016, the old river bridge reopened after repairs.", page)
    assert "By Jo Reporter, 14 March 2017" not in passages and [f.kind for f in flags] == ["date"]


PRINTED = """Prices report
Consumer prices rose 3.5% in March, the statistics office
said on Tuesday, with food and fuel the main drivers of the
rise. The office counted 1,000 shops in fifty towns for the
survey, as it has done every month since the spring of 2019.
Unemployment
The rate fell to 4.1 percent in the same month, the lowest
level since 2019, the office said.

A second page with its own text that goes on for a while
and ends here.
"""


def test_a_pdf_sources_sentences_run_over_its_printed_lines() -> None:
    """A PDF's lines end where the page ran out: a sentence wrapped over three lines is one
    passage, whole, and a heading stays apart from the sentence after it."""
    src = SourceText(text=PRINTED, title=None, pages=[(0, 1), (PRINTED.index("A second"), 2)])
    px = PassageIndex(src, SourceIndex.build(src))
    units = [PRINTED[a:b].replace("\n", " ") for a, b in px.spans]
    assert "The office counted 1,000 shops in fifty towns for the survey, as it has done every month since " \
           "the spring of 2019." in units
    assert "Unemployment" in units and "A second page with its own text that goes on for a while and ends here." in units
    j = judge_claim(claim("The office counted 1,000 shops in fifty towns every month since 2019."), {"1": px})
    assert j.evidence[0].text.replace("\n", " ").startswith("The office counted 1,000 shops")
    assert j.evidence[0].text.endswith("spring of 2019.") and j.support == "supported"
    # the same text from a web page: every line is a block of its own
    web = index(PRINTED)
    assert "survey, as it has done every month since the spring of 2019." in [PRINTED[a:b] for a, b in web.spans]


def test_a_word_hyphenated_at_a_printed_line_end_is_found_whole() -> None:
    text = ("The committee opened an inves-\ntigation into the water company after the spring floods,\n"
            "the regulator said in a statement on Monday.\n")
    src = SourceText(text=text, title=None, pages=[(0, 1)])
    j = judge_claim(claim("The committee opened an investigation into the water company after the floods."),
                    {"1": PassageIndex(src, SourceIndex.build(src))})
    assert j.coverage == 1.0 and j.support == "supported"
    assert keys_of("an inves-\ntigation") == [word_key("inves"), word_key("tigation"), word_key("investigation")]
    assert keys_of("a well-\nKnown plan") == [word_key("well"), word_key("Known"), word_key("plan")]  # not hyphenation


def test_a_pages_footnote_marks_are_not_its_figures() -> None:
    """Wikipedia's "[12]" and a PDF's glued superscript are notes, not numbers the page gives: a
    claim that changes 13 to 12 is a contradiction even where a note is numbered 12."""
    for page in ("The indictment charged 13 Russian nationals[12] and three Russian entities in 2018.[13]\n"
                 "Other text about the weather in the region.\n",
                 "The indictment charged 13 Russian nationals12 and three Russian entities in 2018.\n"
                 "Other text about the weather in the region.\n"):
        _, flags, _, passages = judged("The indictment charged 12 Russian nationals and three entities in 2018.", page)
        assert [(f.kind, f.claim, f.source) for f in flags] == [("number", "12", "13")]
        assert passages[0].startswith("The indictment charged 13 Russian nationals")  # shown as the page has it
        support_, flags, cov, _ = judged("The indictment charged 13 Russian nationals and three entities in 2018.", page)
        assert support_ == "supported" and not flags and cov == 1.0


def test_unmark_blanks_only_the_marks_offset_for_offset() -> None:
    from verifier.core.normalize import unmark

    text = "nationals[12] and Counsel3 met.[a] BA.2 and G7 rose 4.1 percent,[7]\n1276A note"
    got = unmark(text)
    assert len(got) == len(text)
    assert got.split() == ["nationals", "and", "Counsel", "met.", "BA.2", "and", "G7", "rose", "4.1", "percent,",
                           "A", "note"]


def test_a_claim_on_text_that_reads_as_ocr_is_placed_across_its_glued_words() -> None:
    """Letters are placed for claims where words glue (OCR, PDF text), and nowhere else."""
    from verifier.core.evidence import _aligned_window

    words = ["the", "council", "said", "that", "it", "would", "review", "the", "budget", "and", "the", "plan",
             "for", "the", "harbour"]
    filler = " ".join(words * 30).replace("said that it would", "saidthat itwould", 3)
    glued = "Hicks said thePresident wasupset andthat Trumpwill notbe ableto meetthe ministers."
    text = filler.replace("for the harbour", "forthe harbour", 2) + "\n" + glued + "\n"
    px = index(text, title=None)
    assert px.align_index is not None and px.align_index.looks_ocr()
    c = claim("Hicks said that the President was upset and that Trump will not be able to meet the ministers.")
    w = _aligned_window(c, px)
    assert w is not None and px.words_of(w.lo, w.hi) == glued
    page = " ".join(words * 400) + "\n" + glued + "\n"  # a long clean page with that one line
    px_page = index(page, title=None)  # the same line on a page that does not read as OCR
    assert px_page.align_index is not None and not px_page.align_index.looks_ocr()
    assert _aligned_window(c, px_page) is None  # the words alone decide there
    pdf = SourceText(text=page, pages=[(0, 1)])  # a PDF's text layer glues words too
    assert _aligned_window(c, PassageIndex(pdf, SourceIndex.build(pdf))) is not None
