"""Wrapped links (verifier/core/wrapped.py): the address a wrapper stands for, which the fetcher fetches."""

from __future__ import annotations

import pytest

from verifier.core.wrapped import unwrap


@pytest.mark.parametrize(("wrapped", "target"), [
    ("https://www.google.com/url?q=https://www.reuters.com/world/story-2024-07-04/&sa=D&source=editors&ust=17&usg=AO",
     "https://www.reuters.com/world/story-2024-07-04/"),
    ("https://www.google.co.uk/url?sa=t&url=https%3A%2F%2Fwww.bbc.co.uk%2Fnews%2Fa&usg=AO", "https://www.bbc.co.uk/news/a"),
    ("https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.justice.gov%2Freport.pdf&data=05%7C02&reserved=0",
     "https://www.justice.gov/report.pdf"),
    ("https://urldefense.proofpoint.com/v2/url?u=https-3A__www.example.com_news_a-5Fb.html&d=DwMFaQ&c=x",
     "https://www.example.com/news/a_b.html"),
    ("https://urldefense.com/v3/__https://www.example.com/news/story.html__;!!ACWV5N9M2RV99hQ!abc$",
     "https://www.example.com/news/story.html"),
    ("https://l.facebook.com/l.php?u=https%3A%2F%2Fapnews.com%2Farticle%2Fx&h=AT0", "https://apnews.com/article/x"),
    ("https://www.youtube.com/redirect?event=video_description&q=https%3A%2F%2Fexample.org%2Fa", "https://example.org/a"),
    ("https://duckduckgo.com/l/?uddg=https%3A%2F%2Fexample.org%2Fb&rut=1", "https://example.org/b"),
    ("https://www.google.com/amp/s/www.example.com/news/story.amp.html", "https://www.example.com/news/story.amp.html"),
    # nested: a Safe Link around a Google redirect
    ("https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.google.com%2Furl%3Fq%3Dhttps%3A%2F%2F"
     "bbc.co.uk%2Fnews%26sa%3DD&data=1", "https://bbc.co.uk/news"),
])
def test_a_wrapper_stands_for_its_target(wrapped: str, target: str) -> None:
    assert unwrap(wrapped) == target


@pytest.mark.parametrize("url", [
    "https://www.google.com/search?q=reuters",  # a search, not a redirect
    "https://www.google.com/url?q=javascript:alert(1)",  # not a web address
    "https://www.google.com/url?q=/relative/path",
    "https://urldefense.com/v3/__https://www.example.com/a*b__;Kw!!x$",  # characters it hid
    "https://t.co/abc123",  # a shortener: the fetcher follows its redirect
    "https://web.archive.org/web/2024/https://example.org/a",  # an archived copy, cited as such
    "https://example.org/url?q=https://other.example/",  # not a known wrapper's host
    "not a url at all",
])
def test_anything_else_is_left_as_it_is(url: str) -> None:
    assert unwrap(url) == url


def test_a_google_docs_export_credits_its_footnotes_with_the_links_as_cited() -> None:
    """Google Docs' HTML export: footnote markers link within the page and every link goes through
    google.com/url. The quote is credited to its note; the source is the link as cited (the
    fetcher unwraps it), and what it stands for is the page itself."""
    from verifier.core.intake import brief_from_bytes
    from verifier.core.parse import parse_brief

    wrapped = "https://www.google.com/url?q=https://gov.example/speech&sa=D&source=editors&ust=1"
    html = ('<html><body><p>The minister said “we will not raise taxes on working people this year”'
            '<sup><a href="#ftnt1" id="ftnt_ref1">[1]</a></sup>.</p>'
            '<div><p><a href="#ftnt_ref1" id="ftnt1">[1]</a><span> Budget speech, </span>'
            f'<a href="{wrapped.replace("&", "&amp;")}">https://gov.example/speech</a></p></div></body></html>')
    parsed = parse_brief(brief_from_bytes(html.encode(), name="b.html"))
    assert [(c.ref, c.url) for c in parsed.citations] == [("1", wrapped)]
    assert [q.cites for q in parsed.quotes] == [["1"]]
    assert unwrap(parsed.citations[0].url) == "https://gov.example/speech"
