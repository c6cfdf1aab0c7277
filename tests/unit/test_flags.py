"""Flags: equivalent forms of numbers, dates, names and negations never flag; changed ones do."""

from __future__ import annotations

import pytest

from verifier.core.flags import Flag, find_flags


def flags(claim: str, *passages: str, context: tuple[str, ...] = ()) -> list[tuple[str, str | None, str | None]]:
    return [(f.kind, f.claim, f.source) for f in find_flags(claim, list(passages), context)]


@pytest.mark.parametrize(("claim", "passage"), [
    ("The firm hired 1,000 workers.", "The company took on 1000 new staff."),
    ("The firm hired 1000 workers.", "The company took on 1,000 new staff."),
    ("Prices rose 4% in March.", "Consumer prices rose 4 percent in March."),
    ("Prices rose 4 per cent in March.", "Consumer prices rose 4% in March."),
    ("The firm hired 50 workers.", "The company took on fifty new workers."),
    ("The firm hired 52 workers.", "The company took on fifty-two new workers."),
    ("The deal was worth $5 million.", "The deal was worth 5,000,000 dollars."),
    ("The deal was worth $1.2 billion.", "The deal was worth $1.23bn."),
    ("He finished 3rd in the race.", "He came third in the race."),
    ("The city has about 300 buses.", "The city runs 312 buses."),
])
def test_equivalent_numbers_never_flag(claim: str, passage: str) -> None:
    assert flags(claim, passage) == []


def test_changed_number_flags_with_the_passage_value() -> None:
    assert flags("Prices rose 4% in March.", "Consumer prices rose 3.5% in March, the office said.") == [
        ("number", "4%", "3.5%")]
    assert flags("The firm hired 60 workers.", "The company hired fifty workers.") == [("number", "60", "fifty")]
    assert flags("He finished 2nd in the race.", "He came third in the race.") == [("number", "2nd", "third")]


def test_rounding_is_not_a_licence_for_a_different_figure() -> None:
    assert flags("The city has 2,000 buses.", "The city runs 1,500 buses.") == [("number", "2,000", "1,500")]


def test_missing_number_has_no_source() -> None:
    assert flags("The firm hired 70 workers.", "The company is hiring across the region.") == [
        ("number", "70", None)]


def test_value_next_to_other_words_is_not_a_contradiction() -> None:
    got = flags("The firm hired 70 workers.", "The company opened 3 offices. It is hiring staff.")
    assert got == [("number", "70", None)]


def test_percentage_is_not_contradicted_by_a_dollar_amount() -> None:
    assert flags("Prices rose 4% in March.", "Prices rose $3 in March.") == [("number", "4%", None)]


@pytest.mark.parametrize(("claim", "passage"), [
    ("It happened on 12 March 2020 in Paris.", "On 2020-03-12, in Paris, it happened."),
    ("It happened on 2020-03-12 in Paris.", "It happened on March 12, 2020 in Paris."),
    ("It happened on March 12th, 2020 in Paris.", "It happened on the 12th of March 2020 in Paris."),
    ("It happened in March 2020 in Paris.", "It happened on 12 March 2020 in Paris."),
    ("It happened in 2020 in Paris.", "It happened on 12 March 2020 in Paris."),
    ("On July 4, 2024, the talks ended.", "ASTANA, July 4 (Reuters) - The talks ended."),
    ("It happened on Sept. 3, 2001.", "It happened on 3 September 2001."),
])
def test_equivalent_dates_never_flag(claim: str, passage: str) -> None:
    assert flags(claim, passage) == []


def test_changed_dates_flag() -> None:
    assert flags("It happened on March 12, 2020 in Paris.", "It happened on 13 March 2020 in Paris.") == [
        ("date", "March 12, 2020", "13 March 2020")]
    assert flags("It happened in 2019 in Paris.", "It happened in 2018 in Paris.") == [("date", "2019", "2018")]


def test_date_with_a_year_the_passage_contradicts_elsewhere() -> None:
    got = flags("The law passed on 3 May 2019.", "The law passed on 3 May.", context=("That was in 2021.",))
    assert got and got[0][0] == "date" and got[0][1] == "3 May 2019"


def test_the_verb_may_is_not_a_date() -> None:
    assert flags("Prices may rise 4% next year.", "Prices could rise 4 percent next year.") == []


@pytest.mark.parametrize(("claim", "passage"), [
    ("Officials in the United States agreed.", "U.S. officials agreed."),
    ("The Russian president arrived.", "Russia's president arrived."),
    ("The leader met President Trump.", "The leader met Donald Trump."),
    ("The leader met Donald Trump’s aides.", "The leader met aides of Donald Trump."),
    ("The leader met José Álvarez.", "The leader met Jose Alvarez."),
    ("The aid was sent by the EU.", "The European Union sent the aid."),
])
def test_equivalent_names_never_flag(claim: str, passage: str) -> None:
    assert flags(claim, passage) == []


def test_swapped_name_flags_with_the_passage_name() -> None:
    passage = "Russia's President Vladimir Putin said he believed Donald Trump was sincere."
    assert flags("Putin said he believed Joe Biden was sincere.", passage) == [
        ("name", "Joe Biden", "Donald Trump")]


def test_name_in_a_neighbouring_sentence_is_present() -> None:
    got = flags("Putin met Tokayev in Astana.", "The two leaders met on Thursday.",
                context=("Putin arrived in Astana to see Tokayev.",))
    assert got == []


def test_a_name_needs_one_word_written_as_a_name_in_the_source() -> None:
    passage = "The plant lies on the road to the station, under ground."
    assert flags("The Road Station is an underground plant.", passage) == [("name", "Road Station", None)]
    assert flags("In 2013 Bakir won the Awards prize.", "In 2013 Bakir won the award.") == [
        ("name", "Awards", None)]


def test_a_name_spread_or_lower_cased_in_the_source_is_present() -> None:
    assert flags("It joined the National Film Registry.", "It joined the national film registry.") == []
    assert flags("The Kent Brewery was leased.", "The brewery in Kent was leased.") == []
    assert flags("It was shown at the Blanda Station.", "Blanda hosts a station. The Station is new.") == []


def test_first_word_is_a_name_only_when_the_source_capitalises_it() -> None:
    assert flags("Prices rose in Paris.", "In Paris, costs went up.") == []
    assert flags("Mattel sold toys in Lyon.", "In Paris the toy maker sold toys.") == [("name", "Lyon", None)]
    assert flags("Mattel sold toys in Lyon.", "In Lyon, Hasbro sold toys.") == []
    assert flags("Mattel sold toys in Lyon.", "In Lyon, toys by Hasbro and by Mattel sold.") == []
    assert flags("Hasbro sold toys to Mattel stores in Lyon.", "In Lyon, Hasbro sold toys to Lego stores.") == [
        ("name", "Mattel", "Lego")]


def test_outlet_and_set_aside_spans_are_not_flagged() -> None:
    claim = "Reuters reported that prices rose in Lyon."
    got = find_flags(claim, ["Prices rose, the office said."], outlets=["Reuters"])
    assert got == [Flag("name", "Lyon", None)]
    lyon = claim.index("Lyon")
    assert find_flags(claim, ["Prices rose."], outlets=["Reuters"], skip=[(lyon, lyon + 4)]) == []


@pytest.mark.parametrize(("claim", "passage"), [
    ("The plan did not pass the senate.", "The plan didn't pass the Senate."),
    ("The plan didn’t pass the senate.", "The plan did not pass the Senate."),
    ("He cannot attend the vote.", "He can not attend the vote."),
    ("He never attended the vote.", "He has never attended a vote."),
])
def test_equivalent_negations_never_flag(claim: str, passage: str) -> None:
    assert flags(claim, passage) == []


def test_negation_missing_from_the_passage() -> None:
    assert flags("The plan did not pass the senate.", "The plan passed the Senate.") == [
        ("negation", "not", None)]


def test_negation_in_the_passage_only_is_a_contradiction() -> None:
    assert flags("The plan passed the senate.", "The plan did not pass the Senate.") == [
        ("negation", None, "not")]


def test_unrelated_negation_in_the_passage_is_not_a_contradiction() -> None:
    assert flags("The plan passed the senate.", "The plan passed the Senate. Nobody was surprised.") == []


def test_no_passages_flags_every_token_without_source() -> None:
    got = flags("On 3 May 2019 Acme hired 70 workers.")
    assert ("date", "3 May 2019", None) in got and ("number", "70", None) in got and ("name", "Acme", None) in got


def test_name_sharing_only_one_neighbour_is_no_contradiction() -> None:
    got = flags("His grandson became a radiologist and Knight Commander of the order.",
                "His grandson worked as a radiologist at Repatriation General Hospital in the city.")
    assert got == [("name", "Knight Commander", None)]


def test_not_only_is_no_negation() -> None:
    assert flags("The fossils supported not only warm climates but also forests.",
                 "The fossils supported warm climates and also forests.") == []


def test_a_score_is_two_numbers() -> None:
    assert flags("He took a 10–9 lead overnight.", "He took a 10–7 lead overnight.") == [("number", "9", "7")]


def test_the_tail_of_a_year_range_is_no_number() -> None:
    assert flags("The change takes effect in the 2018–19 academic year.",
                 "The change takes effect in the 2018 academic year.") == []


# ------------------------------------------------------------------ names matched as names

def test_a_word_swapped_inside_a_name_flags() -> None:
    passage = "Velvet Revolver will tour with Alice in Chains, singer Scott Weiland said."
    assert flags("Alice in Chains joined Velvet Scott on tour.", passage) == [("name", "Velvet Scott", None)]
    assert flags("Alice in Chains joined Velvet Revolver on tour.", passage) == []


def test_a_name_is_not_made_of_words_from_two_names() -> None:
    passage = "The Library of Congress chose the films. Ang Lee won at the Golden Horse Awards."
    assert flags("The film was chosen by the Library of Awards.", passage) == [("name", "Library of Awards", None)]
    assert flags("The film was chosen by the Library of Congress.", passage) == []


def test_a_one_word_name_is_not_a_word_inside_another_name() -> None:
    passage, context = "Petiver amassed the largest collection.", ("It was vast, says Carolyn Roberts.",)
    assert flags("The collection Carolyn amassed was the largest.", passage, context=context) == [
        ("name", "Carolyn", None)]
    assert flags("The collection Petiver amassed was the largest.", passage, context=context) == []
    assert flags("The largest collection, says Roberts, was amassed by Petiver.", passage, context=context) == []


@pytest.mark.parametrize(("claim", "passage"), [
    ("He chose Monsignor Scanlan High School for basketball.", "He makes the commute to Scanlan every day."),
    ("It came out on the U.S. Presidential Election Day.", "It hits stores on Election Day."),
    ("It is based at Hamamatsu Air Base.", "Air Training Command (HQ: Hamamatsu, Shizuoka)."),
    ("His grandson Clive Uhr became a radiologist.", "Sir Clive Wentworth Uhr, radiologist, was born in 1903."),
    ("The brewery was leased to Edwin Tooth.", "Family: Tooth, Edwin (brother)."),
    ("Lady Amelia is the younger sister.", "Amelia Windsor is the younger sister."),
    ("Mustaine was proud of the band.", "Dave Mustaine To Metallica: I Am So Very Proud"),
    ("It went to the Freer Gallery.", "It went to the Freer."),
    ("Records went to Verve Records.", "The revitalized Verve Records is home to Decca Records."),
    ("The Chief Public Health Officer of Canada found it.",
     "Chief Public Health Officer's reports on the Public Health Agency of Canada found it."),
    ("The Reading club announced the transfer.", "Reading Football Club can announce the transfer."),
])
def test_a_name_shortened_on_either_side_is_present(claim: str, passage: str) -> None:
    assert flags(claim, passage) == []


def test_another_full_name_with_the_same_surname_makes_the_match_strict() -> None:
    passage = "Judge Lisa White Hardwick and Benjamin Lipman were chosen. Hardwick is a judge."
    assert flags("The applicants were Lisa Times Hardwick and Benjamin Lipman.", passage) == [
        ("name", "Lisa Times Hardwick", None)]
    assert flags("The applicants were Lisa Hardwick and Benjamin Lipman.", passage) == []
    assert flags("The applicants were Hardwick and Benjamin Lipman.", passage) == []


def test_a_possessive_ends_a_name() -> None:
    passage = "The ASEAN Regional Business Council will be launched at the World Economic Forum."
    assert flags("She chairs the Pacific Economic Forum's ASEAN Regional Business Council.", passage) == [
        ("name", "Pacific Economic Forum's", None)]
    assert flags("She chairs the World Economic Forum's ASEAN Regional Business Council.", passage) == []


def test_a_name_does_not_run_on_over_a_sentence_end() -> None:
    assert flags("He died in Calgary, Alberta on May 7.", "He died on May 7 in Calgary, Alberta.\nHe was 76.") == []


def test_a_one_word_name_may_begin_a_longer_one_only_in_the_best_passage() -> None:
    got = find_flags("Classes are offered by Jose with drums.", ["Jose Ortiz holds a drum class."],
                     name_texts=["Jose Ortiz holds a drum class."])
    assert got == []
    got = find_flags("Classes are offered by Jose with drums.", ["Ortiz holds a drum class."],
                     name_texts=["Ortiz holds a drum class.", "Jose Ortiz is 57."])
    assert got == [Flag("name", "Jose", None)]


# ------------------------------------------------------------------ ranges, lone months, context dates

def test_a_range_reads_alike_with_a_hyphen_or_a_dash() -> None:
    assert flags("It dates from c. 1491–1510.", "1491-1510, Groeninge museum, Bruges.") == []
    assert flags("United won 5–4 at Arsenal.", "A famous 5-4 victory at Arsenal.") == []
    assert flags("It began between 3,800-3,700 BC.", "It began in 3800-3700 BC.") == []
    assert flags("It began between 3,800-3,600 BC.", "It began in 3800-3700 BC.") == [("number", "3,600", "3700")]
    assert flags("COVID-19 cases rose.", "Cases rose.") == []


def test_a_lone_month_in_the_source_vouches_for_the_year_the_page_gives() -> None:
    context = ("Published March 5, 2007.",)
    passage = "The trek kicks off in August and will run through October."
    assert flags("The tour ran from August through October 2007.", passage, context=context) == []
    assert flags("The tour ran from August through October 2009.", passage, context=context) == [
        ("date", "October 2009", None)]


def test_a_context_date_without_the_year_does_not_vouch_for_a_changed_year() -> None:
    passage = "Young will face Kedzie in 2011."
    context = ("The fight is at Jackson's MMA Series 4 on April 9th.",)
    assert flags("Young faced Kedzie on April 9, 2006.", passage, context=context) == [
        ("date", "April 9, 2006", None)]
    assert flags("Young faced Kedzie on April 9, 2011.", passage, context=context) == []


def test_another_name_beginning_alike_makes_the_match_strict() -> None:
    passage = "The Odessa Jackalopes hired Todd Watson. In 2003 Watson won Executive of the Year honors."
    assert flags("Watson coaches the Odessa Executive.", passage) == [("name", "Odessa Executive", None)]
    assert flags("Watson coaches the Odessa Jackalopes.", passage) == []
    # a name ending in a kind word is often shortened: "Kent State" beside the "Kent State disturbance"
    assert flags("He graduated from Kent State University.", "He graduated from Kent State. The Kent State Riots.") == []


def test_a_plural_possessive_stays_inside_a_name() -> None:
    passage = "The roster of the Senior Men's National Team was announced by Canada Basketball."
    assert flags("He plays for the Canadian Senior Men's National Team.", passage) == []


# ------------------------------------------------------------------ a name's slot

def test_another_name_in_the_same_slot_contradicts_a_name_written_elsewhere() -> None:
    passage = "The city's Arts Board said this week that the search was not inclusive enough."
    elsewhere = "Kodis designed the flag in 2016, and Kodis said he was proud."
    got = flags("The city's Kodis Board said the search was not inclusive enough.", passage, elsewhere)
    assert ("name", "Kodis Board", "Arts Board") in got
    assert flags("The city's Arts Board said the search was not inclusive enough.", passage, elsewhere) == []


def test_a_kind_word_both_names_end_in_frames_the_slot() -> None:
    passage, later = "This October, the Bush Theatre will open its new home.", "The Artistic Director chose the plays."
    assert flags("He wrote for the Artistic Theatre's opening.", passage, later) == [
        ("name", "Artistic Theatre's", "Bush Theatre")]
    assert flags("He wrote for the Bush Theatre's opening.", passage, later) == []


def test_a_slot_is_no_contradiction_when_the_name_comes_first_or_is_one_person() -> None:
    # the claim's name in an earlier passage: the later passage's name in that slot is another fact
    assert flags("He lived in Blackville, New Brunswick.", "They lived in Blackville, New Brunswick.",
                 "They then lived in Moncton, New Brunswick.") == []
    # two parts of one name the page writes ("Marion" and "Smith"); a misspelling of the name
    born = ("Marion Elizabeth Smith was born in Liverpool.",)
    assert flags("Smith died in Blackville.", "Marion died in Blackville.", context=born) == []
    assert flags("He lived in Albuquerque, New Mexico.", "He lived in Albuqerque, New Mexico.") == [
        ("name", "Albuquerque", None)]


def test_a_given_name_and_the_family_name_of_a_relative_make_a_name() -> None:
    passage = "Her parents are George Windsor and Sylvana Tomaselli. She has two siblings, Edward and Marina."
    assert flags("Her brother is Edward Windsor.", passage) == []
    # the given name must be written as a name of its own, the family name be a relative's
    assert flags("Her brother is Andrew Windsor.", passage + " They live in St Andrews.") == [
        ("name", "Andrew Windsor", None)]
    assert flags("Her brother is Edward Smith.", passage) == [("name", "Edward Smith", None)]


def test_a_one_word_name_inside_a_place_name_is_found_only_in_the_best_passage() -> None:
    elsewhere = ("The bill was backed by Rep. Dan Kildee of Flint Township.",)
    assert flags("Later, Flint supported the bill.", "Upton supported the bill.", context=elsewhere) == [
        ("name", "Flint", None)]
    assert flags("Later, Flint supported the bill.", "Flint Township supported the bill.") == []


# ------------------------------------------------------------------ dates relative to the page's own

def test_a_weekday_in_the_week_before_a_printed_date_is_that_date() -> None:
    passage = "The commission narrowed the list to three Wednesday evening."
    dated = ("By Travis Zimpfer on March 2, 2017",)
    assert flags("On March 1, 2017 the list was narrowed.", passage, context=dated) == []
    assert flags("On February 22, 2017 the list was narrowed.", passage, context=dated) == [
        ("date", "February 22, 2017", None)]  # a Wednesday too, but more than a week before


def test_a_lone_month_after_the_page_date_is_in_the_next_year() -> None:
    passage = "The committee announced 12 debates, with the first planned for June."
    dated = ("December 20, 2018",)
    assert flags("The debates were set to begin in June 2019.", passage, context=dated) == []
    assert flags("The debates were set to begin in June 2020.", passage, context=dated) == [
        ("date", "June 2020", None)]


def test_a_negation_said_by_a_word_s_meaning_is_present() -> None:
    assert flags("He declined, as he did not want to leave the band.", "He turned down the offer and stayed.") == []
    assert flags("Tobacco and alcohol are not allowed.", "The members are against tobacco and alcohol.") == []
    # a passage without any "not" in word or meaning still flags it
    assert flags("Tobacco and alcohol are not allowed.", "The members grow tobacco and brew alcohol.") == [
        ("negation", "not", None)]


def test_a_bare_kind_word_without_a_determiner_must_be_a_name_of_its_own() -> None:
    passage = "The report of the Public Health Agency of Canada found that 88% of Canadians felt healthy."
    assert flags("The report found that 88% of Agency felt healthy.", passage) == [("name", "Agency", None)]
    assert flags("The report of the Agency found that 88% of Canadians felt healthy.", passage) == []


def test_the_missing_part_of_a_name_with_of_is_flagged() -> None:
    page = ("The new video is mature and tasteful.", "By: Emilee Lindner")
    assert flags("Emilee Lindner of MTV called the video mature.", *page) == [("name", "MTV", None)]
    assert flags("Emilee Jones of MTV called the video mature.", *page) == [("name", "Emilee Jones of MTV", None)]


def test_the_page_decides_the_first_word_and_rivals_a_two_word_name() -> None:
    passage = "The arrangements of La Sera guitarist Tod Wisenbaker are sparse."
    page = "Ryan Adams covers 1989. Recent from Annie Zaleski. The arrangements of La Sera guitarist Tod Wisenbaker."
    from verifier.core.flags import page_names

    def got(claim: str) -> list[tuple[str, str | None, str | None]]:
        return [(f.kind, f.claim, f.source) for f in find_flags(claim, [passage], page=page,
                                                                 page_runs=lambda: page_names(page))]

    assert got("Annie Sera praised the sparse arrangements.") == [("name", "Annie Sera", None)]
    assert flags("Annie Sera praised the sparse arrangements.", passage) == []  # the passage alone


def test_a_fellowship_is_a_kind_of_thing_not_a_name() -> None:
    passage = "The Freer Gallery hired her again in 2014."
    later = ("She came after holding a Mellon Fellowship at the museum.",)
    assert flags("She returned to the Fellowship Galleries in 2014.", passage, context=later) == [
        ("name", "Fellowship Galleries", None)]
    assert flags("She returned to the Freer Gallery in 2014.", passage, context=later) == []


def test_a_checked_quotes_own_negation_is_no_contradiction() -> None:
    """The quote is set aside (judged word for word as a quote): the source's "not" inside the words
    the brief quotes is not a "not" the claim's own words lack."""
    claim = "The harbour review was blunt: “the pumps had not been serviced for six years”."
    passage = "The flood defences failed because the pumps had not been serviced for six years."
    quote = (claim.index("“"), claim.index("”") + 1)
    assert [(f.kind, f.claim, f.source) for f in find_flags(claim, [passage], skip=[quote])
            if f.kind == "negation"] == []
    # the claim's own words beside the same quote still answer for themselves
    claim2 = "The pumps had been serviced, the review said: “for six years”."
    assert ("negation", None, "not") in [(f.kind, f.claim, f.source) for f in find_flags(
        claim2, [passage], skip=[(claim2.index("“"), claim2.index("”") + 1)])]
