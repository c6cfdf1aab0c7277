"""Normalisation: typography folds away, offsets still point into the original text."""

from verifier.core import normalize
from verifier.core.normalize import CORE, EDITORIAL, PAREN, fold, parse_quote, squash, tokenize


def norms(text: str) -> list[str]:
    return [t.norm for t in tokenize(text)]


def test_offsets_point_into_original() -> None:
    text = "  “Russia’s  ﬁnal—word”"
    toks = tokenize(text)
    assert [t.norm for t in toks] == ["russias", "final", "word"]
    assert [text[t.start:t.end] for t in toks] == ["Russia’s", "ﬁnal", "word"]


def test_apostrophes_case_and_accents() -> None:
    assert norms("Russia’s") == norms("russia's") == ["russias"]
    assert norms("Café") == norms("cafe\u0301") == ["cafe"]
    assert norms("Russia’s") != norms("Russia is")


def test_invisible_characters_and_nbsp() -> None:
    assert norms("inves\u00adtigation") == ["investigation"]
    assert norms("Rus\u200bsia") == ["russia"]
    assert norms("the\u00a0report") == ["the", "report"]


def test_hyphens_split_words_but_line_end_hyphenation_joins() -> None:
    assert norms("twenty-two") == norms("twenty two") == ["twenty", "two"]
    assert norms("twenty–two") == ["twenty", "two"]
    assert norms("inves-\ntigation began") == ["investigation", "began"]
    assert norms("inves- \r\n  tigation") == ["investigation"]
    assert norms("inves- tigation") == ["inves", "tigation"]  # not at a line end: two words


def test_nfkc_forms() -> None:
    assert fold("ＡＢＣ") == "abc"
    assert norms("ﬂow ﬃce") == ["flow", "ffice"]
    assert norms("x²") == ["x2"]


def test_squash() -> None:
    assert squash("Trump will not-be able") == "trumpwillnotbeable"


def test_parse_quote_marks() -> None:
    pq = parse_quote("[t]he man … said [Trump] would (sic) go. . . now")
    kinds = [(t.norm, t.kind) for t in pq.toks]
    assert kinds == [("the", EDITORIAL), ("man", CORE), ("said", CORE), ("trump", EDITORIAL),
                     ("would", CORE), ("sic", PAREN), ("go", CORE), ("now", CORE)]
    assert pq.boundaries == frozenset({2, 7})
    assert pq.text[pq.toks[0].start:pq.toks[0].end] == "t]he"  # offsets into the quote as written


def test_parse_quote_ellipsis_forms() -> None:
    for mark in ("…", "...", ". . .", "[…]", "[...]"):
        pq = parse_quote(f"one two {mark} three four")
        assert pq.boundaries == frozenset({2}), mark
        assert [t.norm for t in pq.toks] == ["one", "two", "three", "four"]
    assert parse_quote("one two. three").boundaries == frozenset()


def test_quote_wholly_parenthetical_is_core_text() -> None:
    pq = parse_quote("(as in ‘the long goodbye’)")
    assert [t.kind for t in pq.toks] == [CORE] * 5
    pq = parse_quote("it was (as in ‘the long goodbye’) final")
    assert [t.kind for t in pq.toks] == [CORE, CORE] + [PAREN] * 5 + [CORE]


def test_folding_whole_sentences_does_not_fill_the_word_cache() -> None:
    """fold caches words, the vocabulary a long-lived worker sees again; a caller folding a whole
    sentence (a passage's signature) gets the same answer without its text kept for ever."""
    sentence = "The council approved a smaller budget for the harbour dredging programme on Tuesday."
    before = len(normalize._fold_cache)
    assert fold(sentence) == "thecouncilapprovedasmallerbudgetfortheharbourdredgingprogrammeontuesday"
    assert len(normalize._fold_cache) == before
    assert fold("Dredging’s") == "dredgings" and "Dredging’s" in normalize._fold_cache
