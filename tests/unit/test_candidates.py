"""The candidate index over a brief's sources, and judging through it: the verdicts of aligning
every quote against every source, from far fewer alignments."""

from __future__ import annotations

import random

import pytest

from verifier.core import matching
from verifier.core.align import SourceIndex, align
from verifier.core.candidates import CandidateIndex
from verifier.core.judge import decide
from verifier.core.matching import BriefSources
from verifier.core.statuses import Verdict
from verifier.core.values import Judgement, SourceText

HARBOUR = ("The harbour wall will be repaired over the winter. Fishing boats will still be able to use the "
           "inner harbour throughout the repairs, the council said on Monday.")
BUDGET = ("The council approved the budget for the new library by nine votes to four. The library will open "
          "in the spring, and the old building will be sold to pay for the roof of the station.")
RIVER = ("Flooding closed the river path for a week. The council said the path of the river will be raised "
         "by a metre before the next winter.")
OCR = ("Page 12 Attorney Work Product\nHicks said that the President was upset and thatTrump willnot "
       "beable to meetthe ministers inthe spring, becauseof thetrial.")


def every_source(text: str, cites: list[str], texts: dict[str, SourceText | None]) -> Judgement:
    """The reference: align against every readable source, then the precedence."""
    idx = {r: SourceIndex.build(t) if t is not None else None for r, t in texts.items()}
    if not idx:
        return Judgement(verdict=Verdict.UNVERIFIABLE, note="the brief cites no sources")
    cites = [r for r in cites if r in idx]
    matches = {r: align(text, ix) if ix is not None else None for r, ix in idx.items()}
    return decide(cites, matches, {r: ix is not None for r, ix in idx.items()})


def test_propose_ranks_the_source_with_the_passage_first_and_skips_sources_sharing_nothing() -> None:
    index = CandidateIndex.build({"1": HARBOUR, "2": BUDGET, "3": RIVER})
    got = index.propose(["Fishing", "boats", "will", "still", "be", "able", "to", "use", "the", "inner", "harbour"], 5)
    assert [k for k, _ in got] == ["1"] and got[0][1] > 0
    assert index.propose(["nothing", "of", "the", "kind", "appears", "anywhere"], 5) == []


def test_rarer_shared_grams_score_higher_and_k_bounds_the_answer() -> None:
    index = CandidateIndex.build({"a": "the council said the path is closed", "b": "the council said no",
                                  "c": "the council said a path is closed to all"})
    got = index.propose(["the", "council", "said", "the", "path", "is", "closed"], 3)
    # "a" has every 3-gram; "c" has "path is closed" too, rarer than the "the council said" all three have
    assert [k for k, _ in got] == ["a", "c", "b"]
    assert got[0][1] > got[1][1] > got[2][1] > 0
    assert [k for k, _ in index.propose(["the council said the path is closed"], 1)] == ["a"]


def test_short_passages_are_looked_up_by_their_words_and_folding_matches_align() -> None:
    index = CandidateIndex.build({"1": SourceText(HARBOUR), "2": BUDGET})
    assert [k for k, _ in index.propose(["LIBRARY’S"], 2)] == []
    assert [k for k, _ in index.propose(["Library"], 2)] == ["2"]
    assert [k for k, _ in index.propose(["Harbour", "Wall"], 2)] == ["1"]


def test_index_from_align_indexes_equals_index_from_texts() -> None:
    texts = {"1": HARBOUR, "2": BUDGET, "3": RIVER}
    a = CandidateIndex.build(texts)
    b = CandidateIndex.from_indexes({k: SourceIndex.build(SourceText(t)) for k, t in texts.items()})
    words = ["the", "council", "said", "the", "path", "of", "the", "river"]
    assert a.propose(words, 3) == b.propose(words, 3)


SOURCES: dict[str, SourceText | None] = {"1": SourceText(HARBOUR), "2": SourceText(BUDGET),
                                         "3": SourceText(RIVER), "4": None}


@pytest.mark.parametrize(("text", "cites", "verdict", "ref"), [
    ("Fishing boats will still be able to use the inner harbour", ["1"], Verdict.VERIFIED, "1"),
    # in another cited source: misattributed, found through the index
    ("The library will open in the spring", ["1"], Verdict.MISATTRIBUTED, "2"),
    # in no source at all
    ("The mayor promised a new tram line by the summer", ["1"], Verdict.NOT_FOUND, None),
    ("The library will close in the spring", ["2"], Verdict.ALTERED, "2"),
    # uncredited: every source is credited
    ("the path of the river will be raised by a metre", [], Verdict.VERIFIED, "3"),
    # credited to the unreadable source: unverifiable, with a note naming where a copy was found
    ("the old building will be sold to pay for the roof", ["4"], Verdict.UNVERIFIABLE, "4"),
    # OCR text with no 3-gram intact: placed by its letters
    ("that Trump will not be able to meet the ministers in the spring", ["2"], Verdict.MISATTRIBUTED, "5"),
])
def test_verdicts_equal_aligning_against_every_source(text: str, cites: list[str], verdict: Verdict,
                                                      ref: str | None) -> None:
    texts = {**SOURCES, "5": SourceText(OCR)}
    got = BriefSources.build(texts).judge(text, cites)
    assert (got.verdict, got.source_ref) == (verdict, ref)
    assert got == every_source(text, cites, texts)


def test_a_quote_found_where_credited_is_aligned_nowhere_else(monkeypatch: pytest.MonkeyPatch) -> None:
    sources = BriefSources.build(SOURCES)
    seen: list[str] = []
    real = matching.align

    def counting(text: str, ix: SourceIndex, **kw: object) -> object:
        seen.append(next(r for r, x in sources.indexes.items() if x is ix))
        return real(text, ix, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(matching, "align", counting)
    assert sources.judge("Fishing boats will still be able to use the inner harbour", ["1"]).verdict is Verdict.VERIFIED
    assert seen == ["1"]
    seen.clear()
    assert sources.judge("The library will open in the spring", ["1"]).verdict is Verdict.MISATTRIBUTED
    assert seen == ["1", "2"]  # the harbour page, then only the page that shares its words


def test_a_brief_without_sources_is_unverifiable() -> None:
    j = BriefSources.build({}).judge("anything at all said here", ["1"])
    assert j.verdict is Verdict.UNVERIFIABLE and j.note == "the brief cites no sources"


def test_random_quotes_get_the_verdicts_of_every_source() -> None:
    rng = random.Random(5)
    words = ["council", "harbour", "library", "river", "budget", "spring", "winter", "path", "boats", "repairs", "station", "roof", "votes", "the", "a", "of", "to", "in", "and", "will", "be", "was", "said"]
    texts: dict[str, SourceText | None] = {
        str(i): SourceText(" ".join(rng.choice(words) for _ in range(300)) + ".") for i in range(1, 7)}
    texts["7"] = None
    sources = BriefSources.build(texts)
    for _ in range(150):
        ref = str(rng.randint(1, 6))
        src = texts[ref]
        assert src is not None
        w = src.text.split()
        a = rng.randrange(len(w) - 12)
        quote = w[a:a + rng.randint(2, 12)]
        if rng.random() < 0.3:
            quote[rng.randrange(len(quote))] = rng.choice(words)
        if rng.random() < 0.2:
            quote = [rng.choice(words) for _ in quote]
        cites = rng.choice([[], [ref], [str(rng.randint(1, 7))], [ref, "7"]])
        text = " ".join(quote)
        assert sources.judge(text, cites) == every_source(text, cites, texts), (text, cites)
