"""Extraction: charsets, visible text, main text vs fallback, PDF pages and running heads."""

from __future__ import annotations

import random

import pytest

from verifier.core.decoding import decode_html, decode_text, sniff_kind
from verifier.core.extract import extract_html, layer_lines, visible_text
from verifier.core.pdfwrite import text_pdf
from verifier.documents.pdf import extract_pdf
from verifier.documents.source import extract

RU = ("Комиссия опубликовала итоговый доклад во вторник после проверки, которая длилась девятнадцать месяцев. "
      "Члены комиссии заявили, что доказательства подтверждают большинство первоначальных выводов.")


def make_pdf(pages: list[list[str]]) -> bytes:
    return text_pdf(pages)


# ---------------------------------------------------------------- charsets

def test_header_charset_wins_over_detection() -> None:
    body = f"<html><body><p>{RU}</p></body></html>".encode("koi8-r")
    assert RU in decode_html(body, "text/html; charset=KOI8-R")


def test_meta_charset_windows_1251_without_header_charset() -> None:
    body = ('<html><head><meta charset="windows-1251"><title>Доклад</title></head><body><p>'
            + RU + "</p></body></html>").encode("cp1251")
    assert RU in decode_html(body, "text/html")
    st = extract(body, "text/html")
    assert "доказательства подтверждают большинство" in st.text
    assert st.title == "Доклад"


def test_meta_http_equiv_and_bogus_header_charset_falls_through() -> None:
    body = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
            "</head><body><p>" + RU + "</p></body></html>").encode("cp1251")
    assert RU in decode_html(body, "text/html; charset=x-no-such-charset")


def test_detection_windows_1251_with_no_declaration() -> None:
    body = ("<html><body><p>" + RU + "</p><p>" + RU + "</p></body></html>").encode("cp1251")
    assert RU in decode_html(body, None)


def test_latin1_page_without_charset_decodes_as_western() -> None:
    text = "Le café crème du marché était très apprécié à la fête de l'été, naïve déjà."
    body = f"<html><body><p>{text}</p></body></html>".encode("latin-1")
    assert text in decode_html(body, "text/html")


def test_utf8_body_mislabelled_latin1_is_read_as_utf8() -> None:
    body = "<p>Zürich café — “quoted”</p>".encode()
    assert "Zürich café — “quoted”" in decode_html(body, "text/html; charset=iso-8859-1")


def test_bom_and_garbage_never_raise() -> None:
    assert decode_html("<p>héllo</p>".encode("utf-16"), None) == "<p>héllo</p>"
    assert decode_html(b"", None) == ""
    rng = random.Random(1)
    junk = bytes(rng.randrange(256) for _ in range(5000))
    assert isinstance(decode_html(junk, "text/html; charset=utf-8"), str)
    assert isinstance(decode_html(junk, 'text/html; charset="base64"'), str)


def test_decode_text_header_bom_detection() -> None:
    assert decode_text("naïve café".encode("cp1252"), "text/plain; charset=windows-1252") == "naïve café"
    assert decode_text(codecs_bom_utf8() + "Grüße".encode(), "text/plain") == "Grüße"
    assert RU in decode_text((RU + "\n" + RU).encode("cp1251"), "text/plain")


def codecs_bom_utf8() -> bytes:
    return b"\xef\xbb\xbf"


# ---------------------------------------------------------------- visible text

def test_inline_elements_join_without_spaces() -> None:
    assert visible_text("<p><em>Humes</em>: The <a href=x>cat</a>s sat</p>") == "Humes: The cats sat"
    assert visible_text("<p>un<b>believ</b>able</p>") == "unbelievable"


def test_blocks_are_separated_and_whitespace_collapsed() -> None:
    html = ("<div>one<p>two</p>three</div><ul><li>a</li><li>b</li></ul><table><tr><td>c1</td><td>c2</td>"
            "</tr></table>x<br>y<h2>Head</h2><blockquote>  said \n  so  </blockquote>")
    assert visible_text(html).split("\n") == ["one", "two", "three", "a", "b", "c1", "c2", "x", "y", "Head",
                                              "said so"]


def test_hidden_machinery_dropped_and_entities_decoded() -> None:
    html = ("<html><head><title>T</title><style>p{}</style></head><body><script>var x = 1;</script>"
            "<noscript>Enable JS</noscript><template><p>tpl</p></template><svg><text>icon</text></svg>"
            "<p>Fish &amp; chips&nbsp;&mdash; caf&eacute;</p></body></html>")
    assert visible_text(html) == "Fish & chips — café"


def test_broken_html_control_chars_and_xml_declaration() -> None:
    assert visible_text('<?xml version="1.0" encoding="utf-8"?><html><body><p>ok</p></body></html>') == "ok"
    assert visible_text("<p>a\x00b\x07c</p><div><span>unclosed <b>bold") == "a b c\nunclosed bold"
    assert visible_text("") == ""
    deep = "<div>" * 5000 + "deep <b>te</b>xt\n<script>x()</script>" + "</div>" * 5000 + "<p>after &amp;</p>"
    assert visible_text(deep) == "deep text\nafter &"  # past libxml2's depth limit: the regex fallback


def test_pre_keeps_its_lines() -> None:
    assert visible_text("<pre>line one\n  line two</pre>") == "line one\nline two"


# ---------------------------------------------------------------- HTML extraction

ARTICLE_SENTS = [
    "The committee published its final findings on Tuesday after a review that lasted nineteen months.",
    "Members said the evidence supported most of the original conclusions but not all of them.",
    "Officials at the port confirmed that shipments resumed overnight and that the backlog should clear.",
    "Traders welcomed the news, although prices stayed higher than before the closure of the harbour.",
]
SIDEBAR = "Most read today: weather forecast for the weekend, sport results and traffic updates."
CAPTION = "Cranes stand idle at the container terminal during the closure last spring."


def article_page() -> bytes:
    paras = "".join(f"<p>{s} {s.replace('The', 'A')}</p>" for s in ARTICLE_SENTS)
    return (f"<html><head><title>Committee findings | Daily Ledger</title></head><body>"
            f"<nav><a href=/>Home</a> | <a href=/world>World</a> | <a href=/biz>Business</a></nav>"
            f"<div class=layout><article><h1>Committee publishes findings</h1>{paras}"
            f"<figure><img src=port.jpg><figcaption>{CAPTION}</figcaption></figure></article>"
            f"<aside class=sidebar><h3>Most read</h3><p>{SIDEBAR}</p></aside></div>"
            f"<footer>Contact us. Privacy policy. Terms of use.</footer></body></html>").encode()


def test_article_sentences_in_main_and_sidebar_only_in_fallback() -> None:
    st = extract(article_page(), "text/html; charset=utf-8", "https://example.org/a")
    assert st.main_end is not None
    main, rest = st.text[: st.main_end], st.text[st.main_end:]
    assert rest.startswith("\n\n")
    for s in ARTICLE_SENTS:
        assert s in main
    assert main.count("\n") >= len(ARTICLE_SENTS) - 1  # paragraphs stay on their own lines
    assert SIDEBAR not in main and "Privacy policy" not in main
    assert SIDEBAR in rest and "Privacy policy" in rest
    assert st.title and "Committee" in st.title


def test_caption_quote_found_in_fallback_section() -> None:
    st = extract(article_page(), "text/html")
    assert CAPTION in st.text
    assert st.text.find(CAPTION, st.main_end or 0) >= (st.main_end or 0)


def test_huge_tree_skips_main_text_but_keeps_visible_text() -> None:
    st = extract(article_page(), "text/html", max_html_elements=10)
    assert st.main_end is None
    assert ARTICLE_SENTS[0] in st.text and SIDEBAR in st.text


def test_script_only_page_is_no_text() -> None:
    body = b"<html><head><script src=/app.js></script></head><body><div id=root></div></body></html>"
    assert extract(body, "text/html").text.strip() == ""
    assert extract(b"", "text/html").text == ""
    assert extract(b"   \n ", "text/plain").text == ""


def test_inline_join_survives_main_text() -> None:
    body = ("<html><body><article><p><em>Humes</em>: The investigation covered every contact the "
            "campaign had with foreign officials over the two years before the election, said the report.</p>"
            + "<p>More text in the body of the article so that it counts as the main content here.</p>" * 3
            + "</article></body></html>").encode()
    st = extract(body, "text/html")
    assert "Humes: The investigation covered" in st.text[: st.main_end or len(st.text)]


# ---------------------------------------------------------------- PDF

def test_pdf_pages_and_offsets() -> None:
    body = make_pdf([["Annual review of regional transport safety.", "Serious incidents fell again."],
                     ["Inspections rose by a quarter.", "The budget stayed flat."]])
    st = extract(body, "application/pdf")
    assert [p[1] for p in st.pages] == [1, 2]
    assert st.pages[0][0] == 0
    i = st.text.index("Inspections rose")
    assert st.pages[1][0] == i
    assert st.text[i - 2: i] == "\n\n"
    assert st.page_at(st.text.index("Serious incidents")) == 1
    assert st.page_at(i + 5) == 2
    assert st.main_end is None


def test_running_header_and_footer_removed_on_five_pages() -> None:
    words = ["harbour", "closure", "costs", "cranes", "berths", "tariffs", "ships", "crews", "pilots", "tugs", "queues", "trucks", "rails"]
    body_lines = [[f"Body line {p} about {words[(p + k) % 13]} and {words[(3 * p + k) % 13]} on day {k}."
                   for k in range(4)] for p in range(1, 6)]
    body_lines[0][-1] = "The committee said the findings were"
    body_lines[1][0] = "supported by the evidence it had gathered."
    pages = [["ACME Port Authority Annual Report 2023", *lines, f"Page {p} of 5"]
             for p, lines in enumerate(body_lines, 1)]
    st, empty = extract_pdf(make_pdf(pages))
    assert empty == []
    assert "ACME Port Authority" not in st.text
    assert "of 5" not in st.text
    assert "The committee said the findings were\n\nsupported by the evidence" in st.text
    assert len(st.pages) == 5
    for off, no in st.pages:
        assert st.text.startswith(f"Body line {no} " if no != 2 else "supported", off)


def test_short_pdf_keeps_its_lines() -> None:
    pages = [["Same heading", f"text {i} of the report"] for i in range(3)]
    st, _ = extract_pdf(make_pdf(pages))
    assert st.text.count("Same heading") == 3  # fewer than 4 pages: nothing is a running head


def test_a_passage_over_a_page_break_reads_on_past_the_running_heads_of_a_short_pdf() -> None:
    """Two pages, each with a running header and a page number: the sentence that runs from one
    page to the next reads on as on paper; a line only on one page stays."""
    body = [f"line {i} of the body text of this report." for i in range(4)]
    pages = [["U.S. Department of Justice", "Work Product // May Contain Material", *body,
              "it made no finding on the broader", "Page 12"],
             ["U.S. Department of Justice", "Work Product // May Contain Material", "question of coordination.",
              *body, "A closing line.", "13"]]
    st, _ = extract_pdf(make_pdf(pages))
    assert "on the broader\n\nquestion of coordination" in st.text
    assert "Department" not in st.text and "Page 12" not in st.text and "13" not in st.text
    assert "A closing line." in st.text and st.page_at(st.text.index("question")) == 2


def test_max_pages_and_empty_pages() -> None:
    body = make_pdf([["first page text"], [], ["third page text"]])
    st, empty = extract_pdf(body)
    assert empty == [2]
    assert st.page_at(st.text.index("third")) == 3
    st = extract(body, "application/pdf", max_pdf_pages=1)
    assert "first page" in st.text and "third" not in st.text


@pytest.mark.parametrize("body", [b"%PDF-1.4\n1 0 obj\n<< garbage", b"%PDF-", b"not a pdf at all" * 10,
                                  make_pdf([["truncated document text"]])[:200]])
def test_corrupt_pdf_is_empty_text(body: bytes) -> None:
    st = extract(body, "application/pdf")
    assert st.text == ""


def test_pdf_sniffed_despite_wrong_content_type() -> None:
    body = make_pdf([["Served as octet stream but still a PDF document."]])
    assert sniff_kind(body, "application/octet-stream") == "pdf"
    assert "still a PDF" in extract(body, "text/html").text


# ---------------------------------------------------------------- other types

def test_plain_text_kept_as_is() -> None:
    text = "Line one of the report.\n\nLine two: “quoted” — done."
    st = extract(text.encode("utf-8"), "text/plain; charset=utf-8")
    assert st.text == text and st.main_end is None and st.pages == []
    assert extract(text.encode("cp1252"), "text/plain; charset=windows-1252").text == text


def test_unknown_and_binary_types_are_no_text() -> None:
    assert extract(b"\x89PNG\r\n\x1a\n" + b"\0" * 2000, "image/png").text == ""
    assert extract(b"\x00\x01\x02binary", None).text == ""
    assert extract(b"<html><body><p>Untyped page text here.</p></body></html>", None).text.startswith("Untyped")


def test_garbage_never_raises() -> None:
    rng = random.Random(7)
    for ct in ("text/html", "application/pdf", "text/plain", None, "application/json", "image/jpeg"):
        for _ in range(5):
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4000)))
            assert isinstance(extract(body, ct).text, str)


def test_main_text_never_runs_the_extensive_date_search(monkeypatch):
    """htmldate's extensive search hands stray text to dateparser, which tries every locale's
    patterns (tens of seconds on one ordinary page); verifier never uses the date, so it is off."""
    import trafilatura.metadata

    seen: list[dict] = []
    real = trafilatura.metadata.find_date

    def spy(tree, **kwargs):
        seen.append(kwargs)
        return real(tree, **kwargs)

    monkeypatch.setattr(trafilatura.metadata, "find_date", spy)
    body = "".join(f"<p>Paragraph {i} of the article, with enough words to be main text.</p>" for i in range(12))
    got = extract_html(f"<html><head><title>T</title></head><body><article>{body}</article></body></html>")
    assert "Paragraph 3 of the article" in got.text
    assert seen and all(kw.get("extensive_search") is False for kw in seen)


# ---------------------------------------------------------------- structured data (JSON-LD articleBody)

LD_BODY = ("The minister said on Tuesday that the bridge would not reopen before the spring. The contractor "
           "was told to finish the repairs by March. \"We will not cut corners on safety,\" she said.")


def _ld(body: object, kind: str = "NewsArticle", script_type: str = "application/ld+json") -> str:
    import json

    data = {"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name": "News"},
                                                         {"@type": kind, "headline": "Bridge", "articleBody": body}]}
    return f"<script type='{script_type}'>{json.dumps(data)}</script>"


TEASER = " ".join(["The committee met for the third time this month to discuss the budget of the harbour "
                   "authority, which has grown for a decade."] * 3)


@pytest.mark.parametrize("shown", [1, 2])  # a short teaser (the main-text stage may pick the body), a long one
def test_a_paywalled_page_is_read_whole_from_its_structured_data(shown: int) -> None:
    body = TEASER + " " + LD_BODY
    page = (f"<html><head><title>Bridge</title>{_ld(body)}</head><body><article><h1>Bridge</h1>"
            f"{f'<p>{TEASER}</p>' * shown}<div class='paywall'>Subscribe to read the rest.</div></article></body></html>")
    st = extract_html(page)
    assert st.text.count("We will not cut corners on safety") == 1 and "Subscribe to read" in st.text


def test_a_body_the_page_already_shows_is_not_added_twice() -> None:
    page = f"<html><head>{_ld(LD_BODY)}</head><body><article><p>{LD_BODY}</p></article></body></html>"
    plain = f"<html><body><article><p>{LD_BODY}</p></article></body></html>"
    assert extract_html(page).text.count("cut corners") == extract_html(plain).text.count("cut corners")


def test_a_script_shell_is_read_from_its_structured_data_and_markup_in_it_is_read_as_text() -> None:
    body = "<p>The minister said on Tuesday that the bridge would not reopen.</p><p>&ldquo;We will not cut corners,&rdquo; she said.</p>"
    st = extract_html(f"<html><head>{_ld(body, script_type='Application/LD+JSON')}</head><body><div id='root'>"
                      "</div><script src='/app.js'></script></body></html>")
    assert "“We will not cut corners,” she said." in st.text and "<p>" not in st.text


def test_structured_data_that_is_not_json_or_not_an_article_body_is_ignored() -> None:
    shell = "<body><div id='root'></div></body></html>"
    assert extract_html(f"<html><head><script type='application/ld+json'>{{not json</script></head>{shell}").text == ""
    commented = f"<html><head><!-- {_ld(LD_BODY)} --></head>{shell}"
    assert extract_html(commented).text == ""
    other_type = f"<html><head>{_ld(LD_BODY, script_type='application/json')}</head>{shell}"
    assert extract_html(other_type).text == ""


def test_a_source_pdfs_rejoined_hyphens_by_the_briefs_rule() -> None:
    """pdfium's rejoined line-end hyphen (U+FFFE or 0x02) is a line break after a hyphen in a
    source's prose, as on paper, and a link's own hyphen inside an address, as for a PDF brief."""
    got = layer_lines("The inves\ufffetigation found a well\x02known plan.\r\nSee https://a.org/annual\ufffereport.pdf")
    assert got == ["The inves-", "tigation found a well-", "known plan.", "See https://a.org/annual-report.pdf"]


def test_text_for_screen_readers_only_is_not_the_pages_visible_text() -> None:
    """A figure the page shows (aria-hidden, for the eye) beside its spoken form (visually-hidden,
    for screen readers): a reader quotes what is shown, so that is the page's text."""
    html = ("<html><body><article><p>Water levels peaked at <span aria-hidden='true'>4.2 metres</span>"
            "<span class='visually-hidden'>4.2 m</span> above normal shortly after midnight.</p>"
            "<p><span class='sr-only'>Image source, </span>Harbour Trust</p></article></body></html>")
    text = visible_text(html)
    assert "Water levels peaked at 4.2 metres above normal shortly after midnight." in text
    assert "4.2 m " not in text and "Image source" not in text and "Harbour Trust" in text
