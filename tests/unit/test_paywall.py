"""A paywalled page (core.extract's paywall marks) and what the judge makes of it (core.matching):
a passage not in the free part of the page may be in the rest, so it is unverifiable."""

from __future__ import annotations

import json

import pytest

from verifier.core.extract import extract_html
from verifier.core.matching import BriefSources
from verifier.core.statuses import Verdict
from verifier.core.values import SourceText

FREE = ("The council's budget row deepened on Tuesday as members traded accusations over the harbour "
        "repairs and the cost of the new wall, which engineers say must be finished before winter.")


def page(head: str = "", body: str = "") -> str:
    return (f"<html><head><title>Budget row</title>{head}</head><body><article><h1>Budget row</h1>"
            f"<p>{FREE}</p>{body}</article></body></html>")


def ld(obj: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


@pytest.mark.parametrize("head", [
    ld({"@type": "NewsArticle", "isAccessibleForFree": False}),
    ld({"@type": "NewsArticle", "isAccessibleForFree": "False",
        "hasPart": {"@type": "WebPageElement", "isAccessibleForFree": "False", "cssSelector": ".paywall"}}),
    ld({"@graph": [{"@type": "WebPage"}, {"@type": "NewsArticle", "hasPart": [
        {"@type": "WebPageElement", "isAccessibleForFree": "false"}]}]}),
    '<meta property="article:content_tier" content="locked">',
    # no markup: a metered wall's own script, and its notice where the article stops
    '<script src="https://cdn.tinypass.com/api/tinypass.min.js" async></script>',
])
def test_a_page_marked_for_subscribers_is_partial(head: str) -> None:
    st = extract_html(page(head, '<div class="paywall"><p>Subscribe to continue reading.</p></div>'))
    assert st.partial is not None and st.partial.startswith("paywalled (") and FREE in st.text


@pytest.mark.parametrize("html", [
    page(body="<aside><p>Subscribe to continue reading our newsletter every week.</p></aside>"),  # wording alone
    # a paywall service's script on a page whose text says nothing of a wall (a subscriber's view)
    page('<script src="https://cdn.tinypass.com/api/tinypass.min.js"></script>', "<p>More news follows.</p>"),
    page(ld({"@type": "NewsArticle", "isAccessibleForFree": True})),
    page('<meta property="article:content_tier" content="metered">'),
    # marked paywalled, but the page as served carries the part it names (hidden in the browser)
    page(ld({"@type": "NewsArticle", "isAccessibleForFree": False,
             "hasPart": {"isAccessibleForFree": False, "cssSelector": "article .locked"}}),
         '<div class="locked body"><p>' + "The leader said the budget would not be cut. " * 6 + "</p></div>"),
    # ... or its main text is an article's length, whatever its selector finds
    page(ld({"@type": "NewsArticle", "isAccessibleForFree": False, "cssSelector": ".paywall"}),
         "<p>" + "Members met for three days in the capital and heard from forty witnesses. " * 30 + "</p>"),
    # paywalled, but the publisher's structured data carries the whole article
    page(ld({"@type": "NewsArticle", "isAccessibleForFree": False,
             "articleBody": FREE + " The leader said the budget would not be cut by anyone at all."})),
])
def test_a_page_read_whole_is_not_partial(html: str) -> None:
    assert extract_html(html).partial is None


def sources(partial: str | None, other: str | None = None) -> BriefSources:
    texts = {"1": SourceText(FREE, partial=partial)}
    if other is not None:
        texts["2"] = SourceText(other)
    return BriefSources.build(texts)


def test_a_passage_beyond_the_free_part_is_unverifiable_not_not_found() -> None:
    quote = "we will not be bullied into cutting the harbour budget by anyone"
    j = sources("paywalled (isAccessibleForFree: false)").judge(quote, ["1"])
    assert j.verdict == Verdict.UNVERIFIABLE and j.source_ref == "1"
    assert j.note is not None and "only part of its text" in j.note and "paywalled" in j.note
    assert sources(None).judge(quote, ["1"]).verdict == Verdict.NOT_FOUND  # a whole page: not found
    # uncredited: every cited source counts as credited
    assert sources("paywalled").judge(quote, []).verdict == Verdict.UNVERIFIABLE


def test_what_the_free_part_shows_is_judged_as_ever() -> None:
    bs = sources("paywalled")
    assert bs.judge("members traded accusations over the harbour repairs", ["1"]).verdict == Verdict.VERIFIED
    assert bs.judge("members traded compliments over the harbour repairs", ["1"]).verdict == Verdict.ALTERED


def test_found_only_in_another_source_while_the_credited_one_is_partial_is_unverifiable() -> None:
    quote = "the harbour wall will be rebuilt in stone by the spring of next year"
    bs = sources("paywalled", other="Officials said the harbour wall will be rebuilt in stone by the spring of next year.")
    j = bs.judge(quote, ["1"])
    assert j.verdict == Verdict.UNVERIFIABLE and j.note is not None and "found in source 2" in j.note
    assert sources(None, other="Officials said the harbour wall will be rebuilt in stone by the spring of "
                               "next year.").judge(quote, ["1"]).verdict == Verdict.MISATTRIBUTED
