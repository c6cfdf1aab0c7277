"""Re-anchoring a quoted passage in a page's new text (pure: plain strings in, drift out)."""

from __future__ import annotations

from verifier.core.anchor import Anchor, Drift, reanchor
from verifier.core.values import SourceText

FILL = ["Local reporters followed the story through the season.",
        "Further details are expected in the coming weeks.",
        "The figures were published alongside a short summary.",
        "A public meeting is planned for next month."]
PASSAGE = "residents were asked to report any damage to the sea wall after high tide"
PARA = f"In the report, {PASSAGE}, according to the officials who spoke on Tuesday."


def page(paras: list[str], sidebar: str = "Most read: weather, sport, traffic.") -> SourceText:
    """Shaped like extract's output: main text, then the full visible text after main_end."""
    main = "Story\n" + "\n".join(paras) + "\n"
    full = "\nHome | News | Contact\n" + sidebar + "\nStory\n" + "\n".join(paras) + "\nNewsroom."
    return SourceText(text=main + full, main_end=len(main))


def anchor_of(src: SourceText, passage: str = PASSAGE) -> Anchor:
    start = src.text.index(passage)
    return Anchor.from_text(src.text, start, start + len(passage), src.main_end)


BEFORE = page([FILL[0], PARA, FILL[1], FILL[2], FILL[3]])


def test_same_page_is_unchanged() -> None:
    r = reanchor(anchor_of(BEFORE), BEFORE)
    assert r.drift is Drift.UNCHANGED
    assert r.start == BEFORE.text.index(PASSAGE)


def test_sidebar_change_is_not_drift() -> None:
    new = page([FILL[0], PARA, FILL[1], FILL[2], FILL[3]],
               sidebar="Trending now: elections, markets, the cup final, and a new recipe every day.")
    assert reanchor(anchor_of(BEFORE), new).drift is Drift.UNCHANGED


def test_passage_moved_far_down_is_moved() -> None:
    new = page([FILL[0], FILL[1], FILL[2], FILL[3]] + ["More on this below."] * 6 + [PARA])
    r = reanchor(anchor_of(BEFORE), new)
    assert r.drift is Drift.MOVED
    assert r.start is not None and r.start < (new.main_end or 0)  # found in the main text, not the tail


def test_neighbour_edited_but_same_place_is_unchanged() -> None:
    new = page(["Local reporters kept following this story all season long.", PARA, FILL[1], FILL[2], FILL[3]])
    assert reanchor(anchor_of(BEFORE), new).drift is Drift.UNCHANGED


def test_paragraph_inserted_above_keeps_context_unchanged() -> None:
    new = page(["Update: this article was amended on Friday to add a correction about the date."] * 3
               + [FILL[0], PARA, FILL[1], FILL[2], FILL[3]])
    assert reanchor(anchor_of(BEFORE), new).drift is Drift.UNCHANGED


def test_number_edited_is_changed_with_new_wording() -> None:
    q = "the review found that repairs on the bridge would take nineteen months to finish"
    before = page([FILL[0], f"In the report, {q}, according to officials.", FILL[1]])
    after = page([FILL[0], f"In the report, {q.replace('nineteen', 'twenty-two')}, according to officials.",
                  FILL[1]])
    r = reanchor(anchor_of(before, q), after)
    assert r.drift is Drift.CHANGED
    assert r.text is not None and "twenty-two" in r.text and "nineteen" not in r.text
    assert any(d.quote == "nineteen" for d in r.differences)


def test_passage_gone_is_removed() -> None:
    new = page([FILL[0], FILL[1], FILL[2], FILL[3]])
    assert reanchor(anchor_of(BEFORE), new).drift is Drift.REMOVED


def test_typography_only_is_found() -> None:
    q = "the minister said it's \"not over\" yet for the harbour workers and their families"
    before = SourceText(text=f"Intro text here. Then {q}. The end of the story.")
    curly = q.replace("'", "\u2019").replace('"', "\u201c", 1)
    after = SourceText(text=f"Intro text here. Then {curly}. The end of the story.")
    start = before.text.index(q)
    r = reanchor(Anchor.from_text(before.text, start, start + len(q)), after)
    assert r.drift is Drift.UNCHANGED


def test_redirected_page_same_text_is_unchanged() -> None:
    # the anchor knows nothing of URLs: a moved page with the same text re-anchors in place
    new = SourceText(text=BEFORE.text, main_end=BEFORE.main_end)
    assert reanchor(anchor_of(BEFORE), new).drift is Drift.UNCHANGED


def test_passage_at_page_edges() -> None:
    src = SourceText(text=PASSAGE)
    assert reanchor(Anchor.from_text(src.text, 0, len(PASSAGE)), src).drift is Drift.UNCHANGED
    assert reanchor(Anchor.from_text(src.text, 0, 0), src).drift is Drift.REMOVED


def test_tail_passage_prefers_tail_occurrence() -> None:
    side = "Editor's pick: the lighthouse keeper retired after forty years of service on the island"
    src = page([FILL[0], FILL[1]], sidebar=side)
    start = src.text.index(side)
    a = Anchor.from_text(src.text, start, start + len(side), src.main_end)
    assert not a.in_main
    r = reanchor(a, src)
    assert r.drift is Drift.UNCHANGED and r.start == start
