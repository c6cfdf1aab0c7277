"""decide(): the contract's precedence in each branch; is_misspelling's limits."""

from __future__ import annotations

import pytest

from verifier.core.judge import decide, is_misspelling
from verifier.core.statuses import DiffKind, Verdict
from verifier.core.values import Difference, Evidence, Match


def match(verdict: Verdict, score: float = 1.0, tag: str = "x") -> Match:
    diffs = [] if verdict is Verdict.VERIFIED else [Difference(DiffKind.REPLACED, "a", "b")]
    return Match(verdict, score, Evidence(tag, 0, len(tag)), diffs)


V, M, A = Verdict.VERIFIED, Verdict.MINOR, Verdict.ALTERED


def test_1_accepted_in_credited_source_best_one() -> None:
    j = decide(["1", "2"], {"1": match(M, 0.9, "one"), "2": match(V, 1.0, "two"), "3": match(V)},
               {"1": True, "2": True, "3": True})
    assert (j.verdict, j.source_ref, j.evidence and j.evidence.text) == (V, "2", "two")
    j = decide(["1"], {"1": match(M, 0.9), "2": match(V)}, {"1": True, "2": True})
    assert (j.verdict, j.source_ref) == (M, "1")
    assert j.differences  # carried from the match


def test_2_unverifiable_when_credited_source_unreadable() -> None:
    j = decide(["1"], {"1": None, "2": match(V)}, {"1": False, "2": True})
    assert j.verdict is Verdict.UNVERIFIABLE and j.source_ref == "1"
    assert j.note and "2" in j.note  # the copy elsewhere is mentioned, not judged
    assert j.evidence is None
    # a readable credited source that has it wins over an unreadable one
    j = decide(["1", "2"], {"1": None, "2": match(V)}, {"1": False, "2": True})
    assert j.verdict is V


def test_3_misattributed_when_another_cited_source_has_it() -> None:
    j = decide(["1"], {"1": None, "2": match(V, tag="other")}, {"1": True, "2": True})
    assert (j.verdict, j.source_ref, j.evidence and j.evidence.text) == (Verdict.MISATTRIBUTED, "2", "other")
    # altered in the credited source, verified in another: still misattributed
    j = decide(["1"], {"1": match(A), "2": match(M)}, {"1": True, "2": True})
    assert j.verdict is Verdict.MISATTRIBUTED
    # only an altered copy elsewhere: not misattributed
    j = decide(["1"], {"1": None, "2": match(A)}, {"1": True, "2": True})
    assert j.verdict is Verdict.NOT_FOUND


def test_4_altered_in_credited_source() -> None:
    j = decide(["1"], {"1": match(A, 0.8), "2": None}, {"1": True, "2": True})
    assert (j.verdict, j.source_ref, j.score) == (A, "1", 0.8)
    assert j.differences[0].kind is DiffKind.REPLACED


def test_5_not_found() -> None:
    j = decide(["1"], {"1": None, "2": None}, {"1": True, "2": True})
    assert j.verdict is Verdict.NOT_FOUND and j.evidence is None and j.source_ref is None


def test_no_credit_every_source_counts_and_no_misattribution() -> None:
    j = decide([], {"1": None, "2": match(V)}, {"1": True, "2": True})
    assert (j.verdict, j.source_ref) == (V, "2")
    j = decide([], {"1": match(A), "2": None}, {"1": True, "2": True})
    assert j.verdict is A
    j = decide([], {"1": None, "2": None}, {"1": False, "2": True})
    assert j.verdict is Verdict.UNVERIFIABLE
    j = decide([], {"1": None}, {"1": True})
    assert j.verdict is Verdict.NOT_FOUND


def test_unknown_refs_are_ignored() -> None:
    j = decide(["9"], {"1": match(V)}, {"1": True})
    assert j.verdict is Verdict.MISATTRIBUTED
    j = decide(["1"], {"1": match(V), "7": match(V)}, {"1": True})
    assert j.verdict is V and j.source_ref == "1"


def test_is_misspelling_limits() -> None:
    assert is_misspelling("investigaton", "investigation")
    assert is_misspelling("invesitgation", "investigation")  # transposed
    assert is_misspelling("comittee", "committee")
    assert not is_misspelling("not", "now")  # short words are other words
    assert not is_misspelling("form", "from")
    assert not is_misspelling("2024", "2025")
    assert not is_misspelling("states", "stated")  # inflection
    assert not is_misspelling("report", "reports")
    assert not is_misspelling("bridge", "bride", {"bridge": 1})  # a real word the source uses
    assert is_misspelling("bridge", "bride")
    assert is_misspelling("though", "through", {"though": 1})  # one letter off a long word
    assert not is_misspelling("persecute", "prosecute", {"persecute": 1})


@pytest.mark.parametrize(("quote", "source"), [
    ("unlikely", "likely"), ("decreased", "increased"), ("inadequate", "adequate"), ("unlawful", "lawful"),
    ("inaccurate", "accurate"), ("unacceptable", "acceptable"), ("impossible", "possible"),
    ("irresponsible", "responsible"), ("uncertain", "certain"), ("indirectly", "directly"),
    ("excluded", "included"), ("atypical", "typical"), ("nonpartisan", "partisan"), ("illegal", "legal"),
])
def test_the_opposite_word_is_never_a_spelling_slip(quote: str, source: str) -> None:
    """A negating or counter prefix (un-, in-, im-, ir-, dis-, non-, a-; in-/de-, in-/ex-) makes
    another word two letters away: a replaced word, whichever side has the prefix."""
    assert not is_misspelling(quote, source) and not is_misspelling(source, quote)
