"""Parsing: quotes, the short-quote rule, citations and credit, on briefs written for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier.core.intake import brief_from_bytes
from verifier.core.parse import parse_brief
from verifier.core.values import BriefText, Link, ParsedBrief

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "briefs"
REFS = "\n\nReferences\n[1] Story one. https://one.example/a\n[2] Story two. https://two.example/b\n"


def parse(text: str, fmt: str = "md", **kw: object) -> ParsedBrief:
    return parse_brief(BriefText(text=text, fmt=fmt, **kw))  # type: ignore[arg-type]


def texts(text: str, fmt: str = "md") -> list[str]:
    return [q.text for q in parse(text, fmt).quotes]


def check_offsets(text: str, pb: ParsedBrief) -> None:
    for q in pb.quotes + pb.skipped:
        assert " ".join(text[q.start:q.end].split()) == " ".join(q.text.split())


# ------------------------------------------------------------------ quote shapes


@pytest.mark.parametrize("marked", [
    "“we will rebuild the harbour by spring”",
    "\"we will rebuild the harbour by spring\"",
    "«we will rebuild the harbour by spring»",
    "« we will rebuild the harbour by spring »",
    "„we will rebuild the harbour by spring“",
    "»we will rebuild the harbour by spring«",
    "‘we will rebuild the harbour by spring’",
])
def test_each_mark_style(marked: str) -> None:
    text = f"The mayor said {marked} at the meeting."
    pb = parse(text)
    assert [q.text for q in pb.quotes] == ["we will rebuild the harbour by spring"]
    check_offsets(text, pb)
    assert pb.quotes[0].id == "q1"


def test_nested_quote_stays_inside_outer() -> None:
    text = "“He fired him and he said, ‘I’m free of this guy,’” the lawyer claimed. “Second one is here now.”"
    pb = parse(text)
    assert [q.text for q in pb.quotes] == ["He fired him and he said, ‘I’m free of this guy,’",
                                           "Second one is here now."]
    assert [q.id for q in pb.quotes] == ["q1", "q2"]
    check_offsets(text, pb)


def test_apostrophes_never_open_or_close() -> None:
    text = ("Russia’s leader doesn’t like rock ’n’ roll from the ’90s, and the students’ union "
            "said ‘the students’ books are late’ on Monday. Trump’s aide wouldn’t comment.")
    assert texts(text) == ["the students’ books are late"]
    assert texts("The unions’ leaders and the workers’ reps met, but ‘nobody came to the table today’ he said.") \
        == ["nobody came to the table today"]


def test_quote_spans_single_line_break_not_paragraph() -> None:
    text = "She said “the harbour will\nreopen next week” to us.\n\nHe said “this never\n\ncloses” again “but this one does close”."
    pb = parse(text)
    assert [q.text for q in pb.quotes] == ["the harbour will reopen next week", "but this one does close"]
    check_offsets(text, pb)


def test_unclosed_mark_swallows_nothing() -> None:
    text = "A stray “ mark here, then “the real quote is right here” and more text."
    assert texts(text) == ["the real quote is right here"]
    assert texts("He said “this never ends and goes on and on.") == []


def test_markdown_block_quote() -> None:
    text = ("Intro line.\n\n> “The council will vote in June,\n> and not before,” says the memo\n"
            "> with “inner quotes” kept.\n\nAfter.")
    pb = parse(text)
    assert [q.text for q in pb.quotes] == [
        "“The council will vote in June, and not before,” says the memo with “inner quotes” kept."]
    wrapped = parse("> “We never agreed to any of these terms.”\n")
    assert [q.text for q in wrapped.quotes] == ["We never agreed to any of these terms."]


def test_html_block_quote_and_marker_at_end() -> None:
    html = ("<html><body><p>The report says:</p><blockquote><p>“Costs rose by a third in a year,</p>"
            "<p>and the harbour lost money.” [2]</p></blockquote><h2>References</h2>"
            "<p>[1] One. https://one.example/a<br>[2] Two. https://two.example/b</p></body></html>")
    pb = parse_brief(brief_from_bytes(html.encode(), name="b.html"))
    (q,) = pb.quotes
    assert q.text == "Costs rose by a third in a year, and the harbour lost money."
    assert q.cites == ["2"]


def test_quoted_text_keeps_inner_marks_and_punctuation() -> None:
    assert texts("He wrote: “It is over. Done, finished (really)!” Then left.") == \
        ["It is over. Done, finished (really)!"]


# ------------------------------------------------------------------ too-short rule


def skipped(text: str) -> list[str]:
    return [q.text for q in parse(text).skipped]


def test_one_word_quote_is_skipped() -> None:
    assert skipped("The minister said it was “nonsense” yesterday.") == ["nonsense"]


def test_title_case_two_words_is_a_name() -> None:
    pb = parse("The minister said the so-called “Harbour Plan” and then said “Pier Nine” again.")
    assert [q.text for q in pb.skipped] == ["Harbour Plan", "Pier Nine"]
    assert pb.quotes == []


def test_scare_quote_prefixes() -> None:
    for lead in ("so-called", "so called", "dubbed", "the term"):
        assert skipped(f"Officials said {lead} “harbour reforms” mattered.") == ["harbour reforms"]


def test_two_words_need_a_reporting_verb_before() -> None:
    assert texts("Brand praised Holt, describing her as a “steady hand” in a crisis.") == ["steady hand"]
    assert texts("The minister told reporters it was “deeply troubling” news.") == ["deeply troubling"]
    assert skipped("Documents from the “harbour inquiry” were filed.") == ["harbour inquiry"]
    # a verb in the previous sentence does not count
    assert skipped("The mayor spoke. Documents from the “harbour inquiry” were filed.") == ["harbour inquiry"]


def test_four_words_kept_unless_a_name() -> None:
    assert texts("Documents from the “Pier Nine harbour scheme” were filed.") == ["Pier Nine harbour scheme"]
    # every word capitalised in running text: the name of a thing or the title of a work
    assert skipped("Documents from the “Pier Nine Harbour Scheme” were filed.") == ["Pier Nine Harbour Scheme"]
    assert skipped("She said so on Sunday on “The Morning Hour with Ann Lee” to viewers.") == [
        "The Morning Hour with Ann Lee"]


def test_a_title_may_leave_is_in_lower_case() -> None:
    assert skipped("“Harbour is the New Pier” star Ann Lee opened up about her role.") == ["Harbour is the New Pier"]
    assert texts("“The harbour is the new pier,” star Ann Lee said.") == ["The harbour is the new pier,"]


def test_title_case_quote_in_a_title_case_headline_is_kept() -> None:
    assert texts("Mayor Vows ‘We Will Rebuild The Harbour’ After Storm") == ["We Will Rebuild The Harbour"]
    assert texts("Lee: ‘We Will Rebuild The Harbour’") == ["We Will Rebuild The Harbour"]


def test_title_case_quote_next_to_a_reporting_verb_is_kept() -> None:
    assert texts("At the pier she declared “What A Night For Harbour Town!” and left.") == [
        "What A Night For Harbour Town!"]
    assert texts("“Happy Harbour Day To All,” the mayor wrote on Monday.") == ["Happy Harbour Day To All,"]
    assert texts("It was filed. According to the piece, “Harbour Works Begin Next Week”.") == [
        "Harbour Works Begin Next Week"]
    # a verb further back that does not set the quote off, or one with a preposition between: a show
    assert skipped("Lee said on “The Morning Hour With Ann Lee” that…") == ["The Morning Hour With Ann Lee"]
    assert skipped("Lee said on Sunday on the station's “Morning Hour With Ann Lee” that…") == [
        "Morning Hour With Ann Lee"]


def test_quote_in_capitals_is_a_name_only_standing_alone() -> None:
    assert texts("“WE WILL REBUILD THE HARBOUR,” the mayor posted at dawn.") == ["WE WILL REBUILD THE HARBOUR,"]
    assert skipped("The storm ended.\n\n“HARBOUR FUNDS RUN DRY”\n\nThe council met.") == ["HARBOUR FUNDS RUN DRY"]


def test_credited_title_case_quote_is_checked() -> None:
    pb = parse("She said so on “The Morning Hour with Ann Lee” [1] on Sunday." + REFS)
    assert [q.text for q in pb.quotes] == ["The Morning Hour with Ann Lee"]


def test_title_with_its_year_is_skipped() -> None:
    assert skipped("She starred in “the harbour at night” (1998) and little else.") == ["the harbour at night"]
    assert skipped("The party's posters read “No toll on our harbour bridge” (2005).") == [
        "No toll on our harbour bridge"]
    # an author-date citation credits someone's words
    assert texts("The port was “closing within the decade” (Lee, 2016).") == ["closing within the decade"]


def test_title_with_its_byline_is_skipped() -> None:
    assert skipped("Read “Why the harbour flooded again,” by Jane Doe, in the weekend paper.") == [
        "Why the harbour flooded again,"]
    assert skipped("See \"the harbour that nobody wanted\", by the Post's Jane Doe.") == [
        "the harbour that nobody wanted"]
    # a passive agent is no byline: someone's words, described by whom
    assert texts("The plan was described as “unfair to the harbour towns” by critics.") == [
        "unfair to the harbour towns"]
    # the comma may stand inside a nested quote's closing mark
    assert skipped("PIER NEWS—\"Lee is leaving ‘Pier Nine,'\" by the Post's Jane Doe: more.") == [
        "Lee is leaving ‘Pier Nine,'"]
    # nor is the agent of words a reporting verb introduces
    assert texts("Lee said the “ugliness of the harbour remarks,” by Mayor Holt, stood out.") == [
        "ugliness of the harbour remarks,"]


def test_single_quoted_paragraph_is_a_heading_in_double_quoted_text() -> None:
    text = "“We will rebuild it,” the mayor said.\n\n‘A long road back to the harbour’\n\nWork began in May."
    assert skipped(text) == ["A long road back to the harbour"]
    # two apostrophes are a double mark: a quotation, not a heading
    text = "“We will rebuild it,” the mayor said.\n\n''A long road back to the harbour.''\n\nWork began."
    assert texts(text) == ["We will rebuild it,", "A long road back to the harbour."]
    # in a text that quotes in single marks, such a paragraph is a quotation like any other
    text = "‘We will rebuild it,’ the mayor said.\n\n‘A long road back to the harbour.’\n\nWork began in May."
    assert texts(text) == ["We will rebuild it,", "A long road back to the harbour."]


def test_capitalised_reporting_word_inside_a_name_is_no_verb() -> None:
    assert skipped("The Secretary of State met the “harbour inquiry” panel.") == ["harbour inquiry"]
    assert texts("The minister stated a “deeply troubling” trend.") == ["deeply troubling"]
    assert texts("Said the mayor: “deeply troubling” news.") == ["deeply troubling"]


def test_so_called_broken_at_the_hyphen() -> None:
    assert skipped("Officials praised the so- called “harbour reforms” again.") == ["harbour reforms"]


def test_a_date_is_not_words() -> None:
    # even credited, a quoted date has no words to check
    assert skipped("The filing is dated “2021-03-04” [1] in the registry." + REFS) == ["2021-03-04"]


def test_two_apostrophe_sentence_end_bounds_the_sentence() -> None:
    # ''…'' ends the sentence: the next sentence's "said" does not sit next to the title
    assert skipped("He cited ''The Art of Harbour Building.'' Mr. Lee said little else.") == [
        "The Art of Harbour Building."]


def test_abbreviation_before_a_number_ends_no_sentence() -> None:
    # "c. 1491" is one sentence: the reporting verb before it still introduces the quote
    assert texts("A monk wrote in c. 1491 of “thieves and liars” at the harbour.") == ["thieves and liars"]
    assert texts("He wrote in v. 2 that it was “deeply troubling” news.") == ["deeply troubling"]


def test_url_number_and_title_quotes_skipped() -> None:
    text = ("See “https://one.example/a” and “1,250,000” and the report “Harbour Contracts Audit Of The Year” "
            "today.\n\n[1] Harbour Contracts Audit Of The Year. https://one.example/a\n")
    pb = parse(text)
    assert [q.text for q in pb.skipped] == ["https://one.example/a", "1,250,000", "Harbour Contracts Audit Of The Year"]
    assert [q.id for q in pb.skipped] == ["s1", "s2", "s3"]


def reasons(text: str) -> dict[str, str | None]:
    return {q.text: q.reason for q in parse(text).skipped}


def test_every_skipped_quote_says_why() -> None:
    text = ("The mayor said it was “nonsense” and praised the “Harbour Plan”. Documents from the "
            "“harbour inquiry”, the “Pier Nine Harbour Scheme” and “https://one.example/a” were filed.")
    assert reasons(text) == {"nonsense": "one word", "Harbour Plan": "a name or title",
                             "harbour inquiry": "two or three words with no reporting verb",
                             "Pier Nine Harbour Scheme": "a name or title",
                             "https://one.example/a": "a URL, number or date"}
    assert all(q.reason is None for q in parse(text).quotes)


def test_title_case_quote_after_a_naming_word_is_a_name() -> None:
    # a verb after the name (", opened Friday") does not make it someone's words
    assert reasons("A troupe staged a play called “Sons Of The Harbour Town,” opened Friday.") == {
        "Sons Of The Harbour Town,": "a name or title"}
    assert reasons("The council published a report titled “The Harbour At Risk Again,” stating costs.") == {
        "The Harbour At Risk Again,": "a name or title"}
    # credited, it is checked whatever it reads as
    assert texts("A troupe staged a play called “Sons Of The Harbour Town” [1] on Friday." + REFS) == [
        "Sons Of The Harbour Town"]
    # words after "called" describe: a quotation
    assert texts("The mayor called it “a betrayal of the harbour towns” on Friday.") == [
        "a betrayal of the harbour towns"]


def test_verb_after_a_title_case_quote_introduces_it_only_set_off() -> None:
    assert skipped("The boy wore a “Make The Harbour Great Again” hat and said hello.") == [
        "Make The Harbour Great Again"]
    assert texts("“Make The Harbour Great Again,” the boy said.") == ["Make The Harbour Great Again,"]


def test_title_case_quote_after_a_preposition_is_a_name_whatever_follows() -> None:
    text = "Lee, who starred in “Harbour Lights” and “The Long Pier Nine Story,” posted the clip."
    assert reasons(text) == {"Harbour Lights": "a name or title", "The Long Pier Nine Story,": "a name or title"}
    assert texts("“What A Night For Harbour Town,” she posted at dawn.") == ["What A Night For Harbour Town,"]


def test_title_case_quote_with_its_author_is_a_work() -> None:
    text = "One winter, according to “The Long Road To Harbour Town” by Jane Doe, the pier froze."
    assert reasons(text) == {"The Long Road To Harbour Town": "the title of a work"}


def test_quote_cited_with_outlet_and_date_in_brackets_is_a_work() -> None:
    text = "I agree with the mayor (“Mayor vows to rebuild the old harbour,” Daily Post, Monday)."
    assert reasons(text) == {"Mayor vows to rebuild the old harbour,": "the title of a work"}
    # a reporting verb in the bracket: someone's words, dated
    assert texts("It was a surprise (“we will rebuild the old harbour,” Lee said, Monday).") == [
        "we will rebuild the old harbour,"]


def test_a_translation_is_not_a_quotation() -> None:
    text = "The gate reads “Portus semper apertus,” Latin for “the harbour is always open to all.”"
    assert reasons(text)["the harbour is always open to all."] == "a translation"
    assert texts("Lee, speaking in Spanish, said “the harbour is always open to all.”") == [
        "the harbour is always open to all."]


def test_short_quote_attributed_after_it_is_checked() -> None:
    assert texts("“Absolutely not,” he said of the harbour plan.") == ["Absolutely not,"]
    assert texts("It was a “raw time,” said Lee, the harbour master.") == ["raw time,"]
    assert texts("“Why now?” asked the harbour master.") == ["Why now?"]
    # no comma: the verb after is the sentence's own (the “harbour reforms” reported by…)
    assert skipped("The “harbour reforms” reported by the board were filed.") == ["harbour reforms"]


def test_state_as_a_noun_is_no_reporting_verb() -> None:
    assert skipped("She won the state that made her the “harbour queen” in 1992.") == ["harbour queen"]
    assert skipped("Early-state staff left after the “harbour crisis” began.") == ["harbour crisis"]
    assert texts("Officials state that the plan is “deeply flawed” in places.") == ["deeply flawed"]


def test_state_before_where_and_reports_of_are_nouns() -> None:
    assert skipped("There was no primary state where “harbour voters” were a larger share.") == ["harbour voters"]
    assert skipped("After initial reports of the flood, the town opened its “harbour shelter” for all.") == [
        "harbour shelter"]
    # controls: the verbs still report
    assert texts("The board reports that the plan is “deeply flawed” in places.") == ["deeply flawed"]
    assert texts("Officials state the plan is “deeply flawed” in places.") == ["deeply flawed"]


def test_say_as_an_aside_is_no_reporting_verb() -> None:
    assert skipped("It is no better than, say, a “harbour tax” on visitors.") == ["harbour tax"]
    assert texts("They say it is a “harbour tax” on visitors.") == ["harbour tax"]


# ------------------------------------------------------------------ citation shapes


@pytest.mark.parametrize("line,ref,title", [
    ("[3] Harbour Audit. https://a.example/x.", "3", "Harbour Audit"),
    ("3. Harbour Audit, https://a.example/x", "3", "Harbour Audit"),
    ("3) Harbour Audit https://a.example/x;", "3", "Harbour Audit"),
    ("(3) Harbour Audit https://a.example/x", "3", "Harbour Audit"),
    ("[^3]: Harbour Audit https://a.example/x", "3", "Harbour Audit"),
    ("³ Harbour Audit https://a.example/x", "3", "Harbour Audit"),
    ("3. [Harbour Audit](https://a.example/x)", "3", "Harbour Audit"),
    ("- Harbour Audit, https://a.example/x", "1", "Harbour Audit"),
    ("* Harbour Audit: https://a.example/x", "1", "Harbour Audit"),
    ("• Harbour Audit https://a.example/x", "1", "Harbour Audit"),
    ("- [Harbour Audit](https://a.example/x)", "1", "Harbour Audit"),
])
def test_reference_entry_shapes(line: str, ref: str, title: str) -> None:
    pb = parse(f"Body text.\n\nSources\n{line}\n")
    (c,) = pb.citations
    assert (c.ref, c.url, c.title) == (ref, "https://a.example/x", title)


def test_bullet_refs_are_positions_and_any_scheme_counts() -> None:
    text = ("Notes\n- First, https://a.example/1\n- Second, ftp://files.example/r.pdf\n"
            "- Local copy: file:///tmp/brief.pdf\n- Mail mailto:desk@example.org\n")
    pb = parse(text)
    assert [(c.ref, c.url) for c in pb.citations] == [
        ("1", "https://a.example/1"), ("2", "ftp://files.example/r.pdf"),
        ("3", "file:///tmp/brief.pdf"), ("4", "mailto:desk@example.org")]


def test_trailing_punctuation_and_parentheses() -> None:
    text = "See https://en.wikipedia.org/wiki/Foo_(bar). Also (https://b.example/x), and https://c.example/y;"
    pb = parse(text)
    assert [c.url for c in pb.citations] == ["https://en.wikipedia.org/wiki/Foo_(bar)", "https://b.example/x",
                                             "https://c.example/y"]


def test_running_text_urls_numbered_after_list_and_deduped() -> None:
    text = ("Featured Photo: www.example.org\nBody cites [a story](https://x.example/s) and "
            "https://one.example/a again, and https://x.example/s twice." + REFS)
    pb = parse(text)
    assert [(c.ref, c.url) for c in pb.citations] == [
        ("1", "https://one.example/a"), ("2", "https://two.example/b"), ("3", "https://x.example/s")]
    assert pb.citations[2].title == "a story"


def test_html_sources_list_positions_and_body_links() -> None:
    html = ("<html><body><p>Filler. As reported in <a href='https://b.example/2'>Second Story</a>, "
            "“the harbour will close before the winter storms”. More filler.</p>"
            "<p>Again. As reported in <a href='https://a.example/1'>First Story.</a>, "
            "“the council has not yet voted on the harbour deal”. End.</p>"
            "<h2>Sources</h2><ul><li><a href='https://a.example/1'>First Story.</a></li>"
            "<li><a href='https://b.example/2'>Second Story</a></li>"
            "<li><a href='https://c.example/3'>Third | Ledger</a></li></ul></body></html>")
    pb = parse_brief(brief_from_bytes(html.encode(), name="b.html"))
    assert [(c.ref, c.url) for c in pb.citations] == [
        ("1", "https://a.example/1"), ("2", "https://b.example/2"), ("3", "https://c.example/3")]
    assert [q.cites for q in pb.quotes] == [["2"], ["1"]]


# ------------------------------------------------------------------ credit


def test_credit_by_markers() -> None:
    text = ("He said “the harbour will reopen next spring” [2]. "
            "“Costs will rise by a third this year,” she said [1].\n\n"
            "Both said “the vote is set for the first of June” [1, 2] and "
            "“the vote is set for the second of June”[1][2] and “the dredging will finish in May”¹ "
            "and “the pier will be rebuilt in stone” (2) and “the ferry will run every hour” [^2] "
            "and “the harbour master will retire soon” [9]." + REFS)
    pb = parse(text)
    assert [q.cites for q in pb.quotes] == [["2"], ["1"], ["1", "2"], ["1", "2"], ["1"], ["2"], ["2"], []]


def test_marker_in_a_later_sentence_is_not_credit() -> None:
    text = "He said “the harbour will reopen next spring”. Later text [2] follows." + REFS
    assert parse(text).quotes[0].cites == []


def test_credit_by_link_in_sentence() -> None:
    text = ("Filler. As the [Ledger](https://two.example/b) put it, “the harbour will reopen next spring”. "
            "Next sentence has “no link credit at all in it”." + REFS)
    pb = parse(text)
    assert [q.cites for q in pb.quotes] == [["2"], []]


def test_credit_by_link_from_brief_links() -> None:
    text = "As reported in Story Two, “the pier will be rebuilt in stone”." + REFS
    s = text.index("Story Two")
    pb = parse(text, fmt="html", links=[Link("https://two.example/b", s, s + 9, "Story Two")])
    assert pb.quotes[0].cites == ["2"]


def test_credit_by_outlet_named_in_paragraph() -> None:
    refs = ("\n\nSources\n- Port review, https://www.ft.com/content/abc\n"
            "- Harbour story, https://www.nytimes.com/2024/x.html\n"
            "- Deal news, https://www.reuters.com/world/deal\n"
            "- Wire piece | Ledger Daily, https://ledger.example.org/p\n")
    text = ("On May 3, Reuters reported from Rotterdam that the deal held. “The council accepts the terms now,” "
            "Brand said. “We support it and we welcome it warmly.” The Mayor agreed.\n\n"
            "In an interview with the Financial Times, Brand said “the port needs a new owner soon”.\n\n"
            "According to The New York Times, officials said “the port was sold in secret”.\n\n"
            "Reuters reported the sale. Then Fox News said “the sale was never approved at all”.\n\n"
            "“The harbour is finished for good,” the Ledger Daily wrote.\n\n"
            "The FBI director said nothing. He said “the sale is a matter for the city”." + refs)
    pb = parse(text)
    assert [q.cites for q in pb.quotes] == [["3"], ["3"], ["1"], ["2"], [], ["4"], []]


def test_outlet_credit_is_per_paragraph() -> None:
    refs = "\n\n- Deal news, https://www.reuters.com/world/deal\n- Other, https://other.example/x\n"
    text = ("Reuters reported the deal in detail for readers.\n\n"
            "Officials then said “the deal is off for now and for good”." + refs)
    assert parse(text).quotes[0].cites == []


# ------------------------------------------------------------------ a brief like the real ones


def test_seed_style_brief() -> None:
    raw = (FIXTURES / "seed_style.txt").read_bytes()
    brief = brief_from_bytes(raw, name="seed_style.txt")
    pb = parse_brief(brief)
    check_offsets(brief.text, pb)
    assert [(c.ref, c.url) for c in pb.citations] == [
        ("1", "https://audit.example.gov/harbour/2021-report"),
        ("2", "https://www.example.org/files/port-review.pdf"),
        ("3", "https://www.reuters.com/world/brand-says-council-honour-deal-2024-05-03/")]
    assert pb.citations[0].title == "Harbour Contracts Audit 2021"
    got = [(q.text, q.cites) for q in pb.quotes]
    assert got == [
        ("She saw the numbers and she said, ‘I’m not putting my name on this,’", []),
        ("steady hand", []),
        ("an unusually clear sense of what the port needs to survive.", []),
        ("We always understood each other.", []),
        ("The fact that the council, after a long debate, now accepts the terms is something we welcome warmly,",
         ["3"]),
        ("I do not know the details of the final vote. That is a matter for them. But I am sure they mean it, "
         "and we support it (the new terms).", ["3"]),
    ]
    assert [q.id for q in pb.quotes] == ["q1", "q2", "q3", "q4", "q5", "q6"]
    assert sorted(q.text for q in pb.skipped) == ["Pier Nine Scheme"] * 3 + ["harbour inquiry"]


def test_harness_style_numbered_and_resources_briefs() -> None:
    numbered = ("Brief 1: notes on recent coverage\n\nPrepared for review.\n\n"
                "The point matters. As one source put it, “the committee’s findings were published on Tuesday” [2]. "
                "Not everyone agreed.\n\n"
                "It was written that “officials did not confirm the figures before the vote” [1]. Filler.\n\n"
                "References\n[1] Port review | Ledger. http://127.0.0.1:8000/news/1/a.html\n"
                "[2] Harbour, U.S. story. http://127.0.0.1:8000/news/1/b.html\n")
    pb = parse(numbered)
    assert [(q.text, q.cites) for q in pb.quotes] == [
        ("the committee’s findings were published on Tuesday", ["2"]),
        ("officials did not confirm the figures before the vote", ["1"])]
    assert pb.citations[1].title == "Harbour, U.S. story"
    resources = numbered.replace(" [2]", "").replace(" [1]", "").replace(
        "References\n[1] Port review | Ledger. ", "Engagement Resources\n- Port review | Ledger, ").replace(
        "[2] Harbour, U.S. story. ", "- Harbour, U.S. story, ")
    pb2 = parse(resources)
    assert [c.ref for c in pb2.citations] == ["1", "2"]
    assert [q.cites for q in pb2.quotes] == [[], []]


def test_markdown_link_titles_and_code_are_not_quotes() -> None:
    text = ('See [Ledger](https://x.example/a "The Ledger story page here") and `print("a b c d")`, '
            'then he said “the harbour will reopen in spring”.')
    assert texts(text) == ["the harbour will reopen in spring"]


def test_a_note_gives_its_web_address_without_a_scheme() -> None:
    """Print and PDF briefs write a note's address as "www.…": it is the note's source, read as
    https, trailing punctuation and a wrap onto the next line included."""
    text = ("The minister said the plan was “ready for a vote next week” [1]. Critics called it “a tax on "
            "the poor and the old” [2].\n\n"
            "[1] Ministry of Water, 4 March 2024, www.gov.example.uk/water/rates-2024.\n"
            "[2] J. Smith, “Rates rise”, Daily Ledger,\n"
            "    www.ledger.example.com/rates?id=7\n")
    pb = parse(text)
    assert [(c.ref, c.url) for c in pb.citations] == [
        ("1", "https://www.gov.example.uk/water/rates-2024"), ("2", "https://www.ledger.example.com/rates?id=7")]
    assert [q.cites for q in pb.quotes] == [["1"], ["2"]]


def test_a_web_address_without_a_scheme_in_running_text_is_a_mention() -> None:
    """Outside a numbered note, "www.…" is something the brief names, not a source it cites; and an
    address inside another (a path, an e-mail) or without a top-level domain is no address."""
    text = ("Featured Photo: www.example.org\n\nResidents can visit www.water.example.org to object. The "
            "minister said the plan was “ready for a vote next week” [1].\n\n"
            "[1] Ministry of Water, https://example.org/a/www.example.net mail: me@www.example.net\n"
            "[2] See www.localhost for details\n")
    pb = parse(text)
    assert [(c.ref, c.url) for c in pb.citations] == [("1", "https://example.org/a/www.example.net")]


def test_a_marker_wrapped_to_the_next_line_still_credits_the_quote() -> None:
    """A PDF's margin (or hard-wrapped text) may put the marker at the start of the next line: that
    line goes on with the sentence ("[2] before the vote."), so it is not a note."""
    text = ("The office warned of “serious risks to the supply of water”\n[2] before the vote, and of "
            "“a tax on the poor and the old”\n[1].\n\n[1] https://example.org/a\n[2] https://example.org/b\n")
    pb = parse(text)
    assert [(c.ref, c.url) for c in pb.citations] == [("1", "https://example.org/a"), ("2", "https://example.org/b")]
    assert [q.cites for q in pb.quotes] == [["2"], ["1"]]
    # a note under its heading stays a note
    notes = parse("He called it “a tax on the poor and the old” [2].\n\nReferences\n[1]. Smith, J. Rates rise. "
                  "https://example.org/a\n[2]. Doe, A. Water. https://example.org/b\n")
    assert [(c.ref, c.title) for c in notes.citations] == [("1", "Smith, J. Rates rise"), ("2", "Doe, A. Water")]


@pytest.mark.parametrize("brief", [
    "Mayor Ann Lee said “[we will not raise taxes this year](https://city.example/budget)”.\n",
    "Mayor Ann Lee said \"[we will not raise taxes this year](https://city.example/budget 'Budget')\".\n",
    "Mayor Ann Lee said “[we will not raise taxes this year][city]”.\n\n[city]: https://city.example/budget\n",
    "Mayor Ann Lee said “we will [not raise taxes](https://city.example/budget) this year”.\n",
])
def test_a_markdown_link_on_the_quoted_words_is_the_quotes_credit_not_its_words(brief: str) -> None:
    """A link written on the quoted words (the way editors link a quote to its source) keeps the
    quote whole: its words without the link's syntax, credited to the linked source."""
    pb = parse(brief)
    assert [q.text for q in pb.quotes] == ["we will not raise taxes this year"]
    assert [c.url for c in pb.citations if c.ref in pb.quotes[0].cites] == ["https://city.example/budget"]


def test_a_links_title_and_a_code_span_are_still_no_quotes() -> None:
    text = ("The council linked [its budget](https://city.example/b \"The council's plan for the year ahead\") "
            "and showed `print(\"a string that is code and no quote at all\")` on the slide.\n")
    assert texts(text) == []


def test_named_markdown_footnotes_credit_their_sources() -> None:
    text = ("The minister said “nobody wins a strike like this one, least of all the passengers”[^rail].\n\n"
            "> “Another storm of similar strength could overwhelm the eastern wall within hours.” [^harbour]\n\n"
            "[^harbour]: Harbour Authority, https://harbour.example/report\n"
            "[^rail]: Rail union statement, https://rail.example/strike\n")
    pb = parse(text)
    url = {c.ref: c.url for c in pb.citations}
    assert [(q.text[:14], [url[r] for r in q.cites]) for q in pb.quotes] == [
        ("nobody wins a ", ["https://rail.example/strike"]),
        ("Another storm ", ["https://harbour.example/report"])]


NOTE_HTML = """<html><body>
<p>The minister was <a href="https://news.example/interview">interviewed on Monday</a> about the strike.</p>
<p>Engineers warned that “another storm of similar strength could overwhelm the eastern wall within hours.”{m1}</p>
<p>A senior nurse told the inquiry that “the staff are exhausted and the wards are full every single night.”{m2}</p>
{notes}</body></html>"""
CMS_NOTES = """<section class="footnotes"><ol>
<li id="fn1"><a href="https://harbour.example/report">Harbour flood report</a>, Harbour Authority, 2024. <a href="#r1">↩</a></li>
<li id="fn2">Hospital waiting times, Health Board, <a href="https://health.example/wait">the board's page</a> <a href="#r2">↩</a></li>
</ol></section>"""
WORD_NOTES = """<div><p><a href="#_ftnref1" name="_ftn1">[1]</a> Harbour Authority, <a href="https://harbour.example/report">Harbour flood report</a></p>
<p><a href="#_ftnref2" name="_ftn2">[2]</a> Health Board, <a href="https://health.example/wait">Waiting times</a></p></div>"""


@pytest.mark.parametrize(("m1", "m2", "notes"), [
    ('<sup><a href="#fn1" id="r1">1</a></sup>', '<sup><a href="#fn2" id="r2">2</a></sup>', CMS_NOTES),
    ('<a href="#_ftn1" name="_ftnref1"><sup>[1]</sup></a>', '<a href="#_ftn2" name="_ftnref2"><sup>[2]</sup></a>',
     WORD_NOTES),
], ids=["cms-footnotes", "word-html"])
def test_an_html_footnote_mark_credits_the_source_its_note_links_to(m1: str, m2: str, notes: str) -> None:
    """The mark links to its note in the page; the note links out: the mark credits that source,
    whatever number the brief's other links give it."""
    html = NOTE_HTML.format(m1=m1, m2=m2, notes=notes).encode()
    pb = parse_brief(brief_from_bytes(html, name="b.html"))
    url = {c.ref: c.url for c in pb.citations}
    assert [[url[r] for r in q.cites] for q in pb.quotes] == [["https://harbour.example/report"],
                                                              ["https://health.example/wait"]]


def test_plain_digit_notes_that_wrap_and_an_ibid_keep_their_numbers() -> None:
    """Notes as a PDF's text layer or a paste gives them: a note whose link wraps onto the next line
    at the margin, and a "3 Ibid." that links nowhere, still number the notes 1, 2, 3, 4."""
    text = ("The mayor said “we will not raise taxes this year, and we will protect every library.”1 The review "
            "found that “the flood defences failed because the pumps had not been serviced.”2 Engineers warned "
            "that “another storm could overwhelm the eastern wall within hours.”3 A nurse said “the staff are "
            "exhausted and the wards are full every single night.”4\n\n"
            "1 City Paper, https://city.example/a\n\n"
            "2 Harbour Authority, Harbour flood report: an independent review of the failure of the defences in\n"
            "the winter storms of 2023, https://harbour.example/b\n\n"
            "3 Ibid.\n\n"
            "4 Regional Health Board, Hospital waiting times, https://health.example/e\n")
    pb = parse(text, fmt="txt")
    url = {c.ref: c.url for c in pb.citations}
    assert [[url[r] for r in q.cites] for q in pb.quotes] == [
        ["https://city.example/a"], ["https://harbour.example/b"], ["https://harbour.example/b"],
        ["https://health.example/e"]]


def test_a_fenced_code_block_quotes_nothing() -> None:
    text = ("The mayor said “we will protect every library in the city” [1].\n\n```python\n"
            "print(\"We will protect every library in the city\")\nx = 'a string'\n```\n\n~~~\n"
            "say \"nobody wins a strike like this one\"\n~~~\n" + REFS)
    assert texts(text) == ["we will protect every library in the city"]


@pytest.mark.parametrize(("text", "fmt"), [
    ("> “Nobody wins a strike like this one, least of all the passengers.”\n> — The minister [1]\n" + REFS, "md"),
    ("> Nobody wins a strike like this one, least of all the passengers.\n>\n> — The minister, on radio [1]\n"
     + REFS, "md"),
])
def test_a_block_quotes_attribution_line_is_credit_not_quoted_words(text: str, fmt: str) -> None:
    pb = parse(text, fmt)
    assert [(q.text, q.cites) for q in pb.quotes] == [
        ("Nobody wins a strike like this one, least of all the passengers.", ["1"])]


def test_an_html_block_quotes_attribution_links_its_source() -> None:
    html = (b"<html><body><p>The minister spoke.</p><blockquote><p>Nobody wins a strike like this one, least of all "
            b"the passengers.</p><footer>\xe2\x80\x94 <cite><a href='https://radio.example/interview'>The minister"
            b"</a></cite></footer></blockquote><p>See also <a href='https://other.example/'>another story</a>.</p>"
            b"</body></html>")
    pb = parse_brief(brief_from_bytes(html, name="b.html"))
    url = {c.ref: c.url for c in pb.citations}
    assert [(q.text, [url[r] for r in q.cites]) for q in pb.quotes] == [
        ("Nobody wins a strike like this one, least of all the passengers.", ["https://radio.example/interview"])]


def test_a_block_quoted_lists_last_item_is_quoted_not_an_attribution() -> None:
    text = "> The council agreed three things:\n> - to repair the harbour wall first\n> - to reopen the path by May [1]\n" + REFS
    assert [q.text for q in parse(text).quotes] == [
        "The council agreed three things: - to repair the harbour wall first - to reopen the path by May"]
