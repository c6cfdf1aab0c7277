"""wordforms: the same words written another way, and the near misses that are other words."""

from __future__ import annotations

import pytest

from verifier.core.wordforms import expansions, same_contraction, same_number, same_scale, spelled_value


@pytest.mark.parametrize("figure, words", [
    (["7"], ["seven"]), (["1", "000"], ["one", "thousand"]), (["21st"], ["twenty", "first"]),
    (["250"], ["two", "hundred", "and", "fifty"]), (["100"], ["a", "hundred"]),
])
def test_a_figure_for_its_number_words(figure: list[str], words: list[str]) -> None:
    assert same_number(figure, words) and same_number(words, figure)


@pytest.mark.parametrize("a, b", [
    (["8"], ["seven"]), (["7"], ["8"]), (["seven"], ["seven"]), (["1"], ["a"]), (["21"], ["twenty", "first"]),
    (["7"], ["seventh"]),
])
def test_other_values_or_forms_are_not_the_same_number(a: list[str], b: list[str]) -> None:
    assert not same_number(a, b)


def test_spelled_values() -> None:
    assert spelled_value(["fifty", "two"]) == (52, False)
    assert spelled_value(["third"]) == (3, True)
    assert spelled_value(["fifty", "ways"]) is None


@pytest.mark.parametrize("raw, words", [
    ("don't", ("do", "not")), ("can’t", ("cannot",)), ("won't", ("will", "not")), ("it's", ("it", "has")),
    ("we're", ("we", "are")), ("I'll", ("i", "will")), ("they've", ("they", "have")), ("she'd", ("she", "would")),
])
def test_contractions_stand_for_their_words(raw: str, words: tuple[str, ...]) -> None:
    assert words in expansions(raw)


def test_a_contraction_needs_its_apostrophe_and_its_own_words() -> None:
    assert same_contraction(["dont"], "don't", ["do", "not"], "do not")
    assert same_contraction(["we", "are"], "we are", ["were"], "we’re")
    assert not same_contraction(["were"], "were", ["we", "are"], "we are")  # no apostrophe: the verb
    assert not same_contraction(["isnt"], "isn't", ["was", "not"], "was not")


@pytest.mark.parametrize(("a", "b"), [
    (["5m"], ["5", "million"]), (["5", "million"], ["5m"]), (["2bn"], ["2", "billion"]),
    (["300k"], ["300", "thousand"]), (["7mn"], ["7", "million"]), (["1tn"], ["1", "trillion"]),
])
def test_a_scales_letter_for_its_word(a: list[str], b: list[str]) -> None:
    assert same_scale(a, b)


@pytest.mark.parametrize(("a", "b"), [
    (["5m"], ["6", "million"]), (["2bn"], ["2", "million"]), (["5m"], ["million"]), (["5km"], ["5", "million"]),
    (["5", "million"], ["5", "million"]),
])
def test_another_figure_or_scale_is_no_scale_letter(a: list[str], b: list[str]) -> None:
    assert not same_scale(a, b)


def test_a_quote_writing_out_the_scale_is_a_spelling_difference() -> None:
    from verifier.core.align import SourceIndex, align
    from verifier.core.statuses import DiffKind, Verdict
    from verifier.core.values import SourceText

    ix = SourceIndex.build(SourceText("Profits rose 12 per cent to £4.5m in the year to June, the firm said."))
    m = align("profits rose 12 percent to £4.5 million in the year to June", ix)
    assert m is not None and m.verdict == Verdict.MINOR and [d.kind for d in m.differences] == [DiffKind.SPELLING]
    m = align("profits rose 12 percent to £5.5 million in the year to June", ix)
    assert m is not None and m.verdict == Verdict.ALTERED
