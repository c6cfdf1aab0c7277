"""Intake: every brief format reduces to text whose offsets the links and block quotes point into."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from verifier.core.intake import (
    brief_from_bytes,
    check_docx_parts,
    markdown_links,
    read_brief_file,
    read_pdf_brief,
)
from verifier.core.pdfwrite import text_pdf
from verifier.core.values import BriefError, BriefTooLarge, BriefUnreadable


def _pdf(pages: list[list[str]]) -> bytes:
    return text_pdf(pages)


def _docx() -> bytes:
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    d = docx.Document()
    d.add_paragraph("Harbour brief")
    p = d.add_paragraph("As the ")
    r_id = p.part.relate_to("https://news.example.com/story", RT.HYPERLINK, is_external=True)
    h = OxmlElement("w:hyperlink")
    h.set(qn("r:id"), r_id)
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "Ledger reported"
    run.append(t)
    h.append(run)
    p._p.append(h)
    p.add_run(", the deal is off.")
    if "Quote" not in [s.name for s in d.styles]:
        d.styles.add_style("Quote", WD_STYLE_TYPE.PARAGRAPH)
    d.add_paragraph("We never agreed to these terms at all.", style="Quote")
    table = d.add_table(rows=1, cols=1)
    table.cell(0, 0).text = "Cell text"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_word_footnotes_and_endnotes_are_markers_and_a_notes_list() -> None:
    """A report cites its sources in Word's notes: each reference is a marker in the order the
    text refers to the notes, the notes a numbered list after the text (separators left out), a
    note's hyperlinks links; one page in two notes is one source that both markers credit."""
    from tests.docxnotes import docx_with_notes, link, note, ref, run
    from verifier.core.parse import parse_brief

    data = docx_with_notes(
        [run("Harbour brief"),
         run("The mayor said “we will rebuild the harbour wall this year”") + ref("footnote", 2) + run(" at noon."),
         run("She added “the repairs will cost four million pounds in all”") + ref("endnote", 1) + run("."),
         run("And “the council will vote on the plan next month”") + ref("footnote", 1) + run(".")],
        [note("footnote", 1, run(" Council minutes, "), link("rId5", "the vote")),
         note("footnote", 2, run(" Harbour story, https://news.example/harbour"))],
        [note("endnote", 1, run(" Again https://news.example/harbour, the figures."))],
        {"rId5": "https://council.example/minutes"})
    b = brief_from_bytes(data, name="b.docx")
    assert "wall this year”[1] at noon." in b.text and "in all”[2]." in b.text and "next month”[3]." in b.text
    assert b.text.endswith("Notes\n\n[1] Harbour story, https://news.example/harbour\n"
                           "[2] Again https://news.example/harbour, the figures.\n[3] Council minutes, the vote")
    [lk] = b.links
    assert (lk.url, lk.text, b.text[lk.start:lk.end]) == ("https://council.example/minutes", "the vote", "the vote")
    parsed = parse_brief(b)
    url_of = {c.ref: c.url for c in parsed.citations}
    assert sorted(url_of.values()) == ["https://council.example/minutes", "https://news.example/harbour"]
    cites = [[url_of[r] for r in q.cites] for q in parsed.quotes]
    assert cites == [["https://news.example/harbour"], ["https://news.example/harbour"],
                     ["https://council.example/minutes"]]


# ------------------------------------------------------------------ errors


def test_oversized_brief_is_refused_with_sizes() -> None:
    with pytest.raises(BriefError, match=r"the brief is 0\.0 MB; the limit is 0\.0 MB|is 0\.\d MB"):
        brief_from_bytes(b"x" * 2000, max_bytes=1000)
    with pytest.raises(BriefError) as e:
        brief_from_bytes(b"a" * 52_400_000, max_bytes=10_000_000)
    assert str(e.value) == "the brief is 52.4 MB; the limit is 10.0 MB"


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n", "\ufeff  \n".encode()])
def test_empty_brief(data: bytes) -> None:
    with pytest.raises(BriefError, match="the brief is empty"):
        brief_from_bytes(data, name="b.txt")


def test_binary_garbage_is_not_a_brief() -> None:
    with pytest.raises(BriefError, match=r"junk\.bin is not a text, HTML, PDF or Word file"):
        brief_from_bytes(bytes(range(256)) * 20, name="junk.bin")
    with pytest.raises(BriefError, match="not a text, HTML, PDF or Word file"):
        brief_from_bytes(b"PK\x03\x04" + b"\x00\x01" * 100)


def test_corrupt_pdf_and_docx() -> None:
    with pytest.raises(BriefError, match=r"^cannot read the PDF: "):
        brief_from_bytes(b"%PDF-1.4\n1 0 obj garbage", name="x.pdf")
    with pytest.raises(BriefError, match=r"^cannot read the Word file: "):
        brief_from_bytes(b"PK\x03\x04 not really a zip", name="x.docx")
    # a zip without word/document.xml named .docx
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(BriefError, match="cannot read the Word file"):
        brief_from_bytes(buf.getvalue(), name="x.docx")


def test_read_brief_file_errors(tmp_path: Path) -> None:
    with pytest.raises(BriefError, match="no such file: "):
        read_brief_file(tmp_path / "missing.md")
    with pytest.raises(BriefError, match="directory"):
        read_brief_file(tmp_path)
    big = tmp_path / "big.txt"
    with big.open("wb") as f:  # sparse: refused by size, never read
        f.truncate(52_400_000)
    with pytest.raises(BriefError, match=r"52\.4 MB; the limit is 10\.0 MB"):
        read_brief_file(big)


def test_read_brief_file_reads_by_extension(tmp_path: Path) -> None:
    p = tmp_path / "brief.md"
    p.write_text("# Title\n\nSee [the story](https://a.example/s).\r\n")
    b = read_brief_file(p)
    assert b.fmt == "md" and b.title == "Title"
    assert b.links[0].url == "https://a.example/s"


# ------------------------------------------------------------------ text and Markdown


def test_text_decoding_bom_and_legacy_charsets() -> None:
    b = brief_from_bytes("\ufeffSaid “hello”.\r\nNext\rline".encode(), name="a.txt")
    assert b.text == "Said “hello”.\nNext\nline" and b.fmt == "txt"
    cp = "Доклад комиссии: «доказательства подтверждают выводы», сказал он. " * 5
    b2 = brief_from_bytes(cp.encode("cp1251"), name="ru.txt")
    assert "доказательства подтверждают" in b2.text
    b3 = brief_from_bytes("Café “naïve” résumé".encode("utf-16"), name="u.txt")
    assert b3.text == "Café “naïve” résumé"


def test_markdown_links_offsets_point_at_anchor() -> None:
    text = ("Per [the Ledger](https://ledger.example/a \"t\") and <https://b.example/x>, "
            "also [Wiki](https://en.wikipedia.org/wiki/Foo_(bar)) and [ref style][r1]. "
            "![img](https://img.example/p.png)\n\n[r1]: https://c.example/y\n")
    links = markdown_links(text)
    assert [lk.url for lk in links] == ["https://ledger.example/a", "https://b.example/x",
                                        "https://en.wikipedia.org/wiki/Foo_(bar)", "https://c.example/y"]
    for lk in links:
        assert text[lk.start:lk.end] == lk.text
    assert links[0].text == "the Ledger" and links[3].text == "ref style"


def test_format_choice_by_name_type_and_sniffing() -> None:
    html = b"<!doctype html><html><body><p>Hi there</p></body></html>"
    assert brief_from_bytes(html).fmt == "html"
    assert brief_from_bytes(html, name="notes.txt").fmt == "txt"
    assert brief_from_bytes(b"<p>Hi</p>", content_type="text/html; charset=utf-8").fmt == "html"
    assert brief_from_bytes(b"# Hi", content_type="text/markdown").fmt == "md"
    assert brief_from_bytes(_pdf([["Hello"]])).fmt == "pdf"
    assert brief_from_bytes(_docx()).fmt == "docx"


# ------------------------------------------------------------------ HTML


HTML = """<!DOCTYPE html><html><head><meta charset="windows-1252"><title>Brief &amp; notes</title>
<style>p{color:red}</style><script>var x = "“not a quote”";</script></head>
<body><nav><a href="/home">Home</a></nav><article><h1>Heading</h1>
<p>On <em>Humes</em>: The case.  As reported in <a href="/news/a.html">The <b>Ledger</b></a>,
“a quote” [1].</p>
<blockquote><p>Block one.</p><p>Block two.</p></blockquote>
<p>Line<br>break and x<sup>2</sup></p>
<ul><li><a href="https://s.example/1">Source one</a></li><li>Second item</li></ul>
<noscript>enable js</noscript><template><p>hidden</p></template>
<p><a href="#fn1">1</a> <a href="javascript:void(0)">js</a></p>
</article></body></html>"""


def test_html_rendering_links_and_blockquotes() -> None:
    b = brief_from_bytes(HTML.encode("cp1252"), name="b.html", base_url="https://brief.example/dir/page")
    t = b.text
    assert b.fmt == "html" and b.title == "Brief & notes"
    assert "Humes: The case." in t  # inline elements join without added spaces
    assert "“a quote” [1]." in t
    assert "color" not in t and "not a quote" not in t and "Home" not in t
    assert "enable js" not in t and "hidden" not in t
    assert "Heading\n\nOn Humes" in t
    assert "Line\nbreak and x²" in t
    assert "Source one\nSecond item" in t
    assert [lk.url for lk in b.links] == ["https://brief.example/news/a.html", "https://s.example/1"]
    for lk in b.links:
        assert t[lk.start:lk.end] == lk.text
    assert b.links[0].text == "The Ledger"
    (s, e), = b.blockquotes
    assert t[s:e] == "Block one.\n\nBlock two."


def test_html_q_elements_are_quotations_and_cite_attributes_are_links() -> None:
    """A <q> shows between quotation marks (‘…’ inside another): so it is a quote of the brief;
    the cite of a <q> or a <blockquote> names the source it quotes."""
    from verifier.core.parse import parse_brief

    html = ('<html><body><p>The leader said <q cite="/src/a"> we will win this election by a clear margin </q>'
            ' on Monday, and <q>she told us <q>go home now or regret it</q> and left</q>.</p>'
            '<blockquote cite="https://s.example/b"><p>The final decision will be taken next month.</p></blockquote>'
            '</body></html>')
    b = brief_from_bytes(html.encode(), name="b.html", base_url="https://brief.example/page")
    assert "said “we will win this election by a clear margin” on Monday" in b.text
    assert "“she told us ‘go home now or regret it’ and left”." in b.text
    assert [lk.url for lk in b.links] == ["https://brief.example/src/a", "https://s.example/b"]
    assert b.text[b.links[0].start:b.links[0].end] == "“we will win this election by a clear margin”"
    parsed = parse_brief(b)
    by_text = {q.text: q.cites for q in parsed.quotes}
    assert by_text["we will win this election by a clear margin"] == ["1"]
    assert by_text["she told us ‘go home now or regret it’ and left"] == []
    assert by_text["The final decision will be taken next month."] == ["2"]


def test_a_marker_that_links_to_its_source_credits_that_source() -> None:
    """“…” [1] where the [1] is a link to the second listed source: the link is the credit."""
    from verifier.core.parse import parse_brief

    html = ('<html><body><p>He said “we will rebuild the harbour wall this year” '
            '[<a href="https://s.example/b">1</a>].</p>'
            '<p>Also <a href="https://s.example/c">a page</a> and <a href="https://s.example/b">the report</a>.</p>'
            '</body></html>')
    b = brief_from_bytes(html.encode(), name="b.html")
    refs = {c.url: c.ref for c in parse_brief(b).citations}
    [q] = parse_brief(b).quotes
    assert q.cites == [refs["https://s.example/b"]]
    md = ("He said “we will rebuild the harbour wall this year” [[1]](https://s.example/b).\n\n"
          "[1] Other, https://s.example/a\n[2] Report, https://s.example/b\n")
    [q] = parse_brief(brief_from_bytes(md.encode(), name="b.md")).quotes
    assert q.cites == ["2"]


def test_html_title_falls_back_to_h1_and_bad_meta_charset() -> None:
    b = brief_from_bytes("<html><head><meta charset=bogus></head><body><h1>Only “H1”</h1><p>x</p></body></html>"
                         .encode(), name="a.htm")
    assert b.title == "Only “H1”"
    assert b.text.startswith("Only “H1”\n\nx")


# ------------------------------------------------------------------ PDF and Word


def test_pdf_pages_separated_by_blank_line() -> None:
    b = brief_from_bytes(_pdf([["First page line.", "See https://a.example/x"], ["Second page."]]), name="b.pdf")
    assert b.fmt == "pdf"
    assert "First page line." in b.text and "https://a.example/x" in b.text
    assert "\n\nSecond page." in b.text


def test_pdf_without_text_is_refused() -> None:
    with pytest.raises(BriefError, match="empty"):
        brief_from_bytes(_pdf([[]]), name="scan.pdf")


def test_docx_paragraphs_links_quote_style_and_tables() -> None:
    b = brief_from_bytes(_docx(), name="b.docx")
    assert b.fmt == "docx"
    assert b.text == ("Harbour brief\n\nAs the Ledger reported, the deal is off.\n\n"
                      "We never agreed to these terms at all.\n\nCell text")
    (lk,) = b.links
    assert lk.url == "https://news.example.com/story" and b.text[lk.start:lk.end] == "Ledger reported"
    (s, e), = b.blockquotes
    assert b.text[s:e] == "We never agreed to these terms at all."


# ------------------------------------------------------------------ bounded reading (issue 13)

def _docx_with(parts: dict[str, bytes]) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("The committee said “the findings are final” on Tuesday.")
    buf = io.BytesIO()
    d.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, parts.pop(info.filename, None) or src.read(info))
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def test_docx_part_inflating_past_the_budget_is_too_large() -> None:
    data = _docx_with({"word/media/padding.xml": b" " * 3_000_000})
    assert len(data) < 100_000
    with pytest.raises(BriefTooLarge, match=r"word/media/padding\.xml"):
        brief_from_bytes(data, name="b.docx", max_bytes=1_000_000)
    assert "findings are final" in brief_from_bytes(data, name="b.docx", max_bytes=5_000_000).text


def _understate(data: bytes, name: bytes, size: int) -> bytes:
    """The zip with `name`'s uncompressed size rewritten to `size` in both of its headers."""
    import struct

    b = bytearray(data)
    for sig, field_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = b.find(sig + b"")
        while at != -1:
            if b[at + name_at:at + name_at + len(name)] == name:
                b[at + field_at:at + field_at + 4] = struct.pack("<I", size)
            at = b.find(sig, at + 4)
    return bytes(b)


def test_docx_part_that_understates_its_size_is_refused_after_its_declared_bytes() -> None:
    data = _understate(_docx_with({"word/media/big.bin": b"a" * 5_000_000}), b"word/media/big.bin", 1000)
    with pytest.raises(BriefUnreadable, match="cannot read the Word file"):
        brief_from_bytes(data, name="b.docx", max_bytes=2_000_000)


def test_docx_parts_are_held_to_the_budget_together() -> None:
    data = _docx_with({"word/media/a.bin": b"a" * 400_000, "word/media/b.bin": b"b" * 400_000})
    with pytest.raises(BriefTooLarge):
        check_docx_parts(data, 1_400_000)  # each part alone fits; together they do not
    check_docx_parts(data, 2_000_000)


def test_docx_holding_another_archive_is_refused_but_embedded_objects_are_kept() -> None:
    inner = _docx_with({})
    with pytest.raises(BriefUnreadable, match=r"another archive \(word/media/x\.bin\)"):
        brief_from_bytes(_docx_with({"word/media/x.bin": inner}), name="b.docx")
    kept = brief_from_bytes(_docx_with({"word/embeddings/Microsoft_Excel_Worksheet.xlsx": inner}), name="b.docx")
    assert "findings are final" in kept.text


def test_oversized_brief_and_unreadable_brief_are_different_kinds() -> None:
    with pytest.raises(BriefTooLarge):
        brief_from_bytes(b"x" * 2000, name="b.md", max_bytes=1000)
    with pytest.raises(BriefUnreadable):
        brief_from_bytes(b"PK\x03\x04 not a zip", name="b.docx")


def _nested(depth: int) -> bytes:
    return ("<html><body><p>Before.</p>" + "<div>" * depth + "<script>var hidden = 1;</script>“inner words here”"
            + "</div>" * depth + "<p>After the nesting: “the quote after it closes”.</p></body></html>").encode()


@pytest.mark.parametrize("depth", [300, 2500, 5000])
def test_deep_html_keeps_the_content_after_the_nesting(depth: int) -> None:
    brief = brief_from_bytes(_nested(depth), name="b.html")
    assert "the quote after it closes" in brief.text
    assert "inner words here" in brief.text
    assert "hidden" not in brief.text  # a script stays out of the text at any depth
    assert brief.text.index("Before.") < brief.text.index("inner words") < brief.text.index("After the nesting")


def test_flattened_html_is_noted_and_ordinary_html_is_not() -> None:
    assert brief_from_bytes(_nested(20), name="b.html").notes == []
    notes = brief_from_bytes(_nested(5000), name="b.html").notes
    assert len(notes) == 1 and "5003 levels deep" in notes[0]


def test_a_pdf_briefs_superscript_footnotes_credit_its_notes() -> None:
    """A real PDF with raised, smaller footnote numbers (as Word and browsers print them): the text
    layer gives them as plain digits, and the notes as "1" on a line with the note on the next."""
    from verifier.core.parse import parse_brief

    pdf = text_pdf([["Water rates", "The minister said the plan was “ready for a vote next week.”^{1} Critics called",
                     "it “a tax on the poor and the old”.^{2} The council found that rates would rise by",
                     "12 percent over two years.^{3} The regulator warned of “serious risks to the supply”^{4} and",
                     "asked for a review.", "",
                     "^{1} Ministry of Water, 4 March 2024, https://example.org/a",
                     "^{2} J. Smith, “Rates rise”, https://example.org/b",
                     "^{3} Council analysis, https://example.org/c", "^{4} https://example.org/d"]])
    brief = brief_from_bytes(pdf, name="brief.pdf")
    assert "week.”1" in brief.text  # what the text layer gives: the mark glued to the quote
    parsed = parse_brief(brief)
    assert {c.ref: c.url[-1] for c in parsed.citations} == {"1": "a", "2": "b", "3": "c", "4": "d"}
    assert [q.cites for q in parsed.quotes] == [["1"], ["2"], ["4"]]


def test_a_pdf_briefs_link_broken_after_its_hyphen_is_read_whole() -> None:
    """A note's URL that a word processor wrapped after one of its own hyphens is one link; a word
    hyphenated at a line end in prose keeps its hyphen and its line break, as the text had them."""
    from verifier.core.parse import parse_brief

    pdf = text_pdf([["The minister said the plan was “ready for a vote next week” [1]. It is a well-",
                     "known plan.", "",
                     "[1] Ministry of Water, https://example.org/2024/water-",
                     "rates-final.pdf"]])
    brief = brief_from_bytes(pdf, name="brief.pdf")
    assert "well-\nknown" in brief.text
    parsed = parse_brief(brief)
    assert [c.url for c in parsed.citations] == ["https://example.org/2024/water-rates-final.pdf"]
    assert [q.cites for q in parsed.quotes] == [["1"]]


def test_rejoin_breaks_keeps_prose_and_mends_only_links() -> None:
    from verifier.core.pdflayout import rejoin_breaks

    assert rejoin_breaks("a well\ufffeknown plan") == "a well-\nknown plan"
    assert rejoin_breaks("see www.example.org/water\x02rates now") == "see www.example.org/water-rates now"
    assert rejoin_breaks("(https://a.org/x\ufffey)") == "(https://a.org/x-y)"
    assert rejoin_breaks("no marks at all") == "no marks at all"


def test_a_pdf_briefs_paragraphs_part_its_heading_and_its_outlets() -> None:
    """The text layer gives every line end alike: the blank lines of the page come back as
    paragraphs, so a heading is not the first words of a claim and an outlet named in one paragraph
    does not credit the next one's quote."""
    from verifier.core.claims import find_claims
    from verifier.core.parse import parse_brief

    pdf = text_pdf([["Policy brief: water rates", "",
                     "The council found that household water rates would rise by 12 percent over two years [1].",
                     "", "Reuters reported that the minister called the plan “ready for a vote next week”.",
                     "Officials expect the vote before the summer recess.", "",
                     "Critics said it was “a tax on the poor and the old”.", "",
                     "[1] Council analysis, https://example.org/c", "[2] Reuters, https://www.reuters.com/world/x"]])
    brief = brief_from_bytes(pdf, name="brief.pdf")
    assert brief.text.startswith("Policy brief: water rates\n\nThe council found")
    parsed = parse_brief(brief)
    assert [(q.text, q.cites) for q in parsed.quotes] == [
        ("ready for a vote next week", ["2"]), ("a tax on the poor and the old", [])]
    assert find_claims(brief, parsed)[0].text.startswith("The council found")


def test_rejoin_links_mends_a_link_broken_at_the_margin_and_nothing_else() -> None:
    from verifier.core.pdflayout import rejoin_links

    assert rejoin_links("see https://a.org/x/annual_r\neports_and_for_\nengland.pdf now") == \
        "see https://a.org/x/annual_reports_and_for_england.pdf now"
    assert rejoin_links("at https://a.org/2024/\nreport.pdf).") == "at https://a.org/2024/report.pdf)."
    for apart in ("at https://a.org/report\nand/or the annex", "at https://a.org/report\nThe next one.",
                  "at https://a.org/report\nhttps://b.org/x", "at https://a.org/\nrates.", "word\nreport.pdf"):
        assert rejoin_links(apart) == apart


def test_a_pdf_briefs_note_link_broken_over_lines_is_one_link() -> None:
    from verifier.core.parse import parse_brief

    pdf = text_pdf([["The regulator warned of “serious risks to the supply” [1].", "",
                     "[1] Water Regulator, https://www.example.org/publications/2024/annual_r",
                     "eports_and_accounts_for_", "england.pdf"]])
    parsed = parse_brief(brief_from_bytes(pdf, name="brief.pdf"))
    assert [c.url for c in parsed.citations] == [
        "https://www.example.org/publications/2024/annual_reports_and_accounts_for_england.pdf"]


@pytest.mark.parametrize("name", ["brief.rtf", "brief.txt", ""])
def test_an_rtf_brief_is_refused_in_one_line_whatever_its_name(name: str) -> None:
    """Rich text read as text would give its control words as the brief's words (no quote found, exit 0)."""
    rtf = rb"{\rtf1\ansi\deff0 {\fonttbl {\f0 Times;}} The mayor said \ldblquote we will act\rdblquote .\par}"
    with pytest.raises(BriefError, match=r"is an RTF file; save it as \.docx, PDF, HTML or plain text"):
        brief_from_bytes(rtf, name=name)


def test_a_word_brief_is_read_as_its_reader_sees_it() -> None:
    """Tracked insertions read (deletions not), Word's content controls (its citations and its
    bibliography) read through, hyperlinks written as HYPERLINK fields, simple or complex, are links."""
    from tests.docxnotes import docx_with_notes, link, run

    def sdt(inner: str) -> str:
        return f'<w:sdt><w:sdtPr><w:citation/></w:sdtPr><w:sdtContent>{inner}</w:sdtContent></w:sdt>'

    complex_field = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                     '<w:r><w:instrText xml:space="preserve"> HYPERLINK "https://wire.example/strike" \\o "tip"</w:instrText></w:r>'
                     '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + run("(Reuters)") +
                     '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    body = (
        "<w:p>" + run("The review said “at least ") + '<w:del w:id="1" w:author="ed"><w:r><w:delText>forty'
        '</w:delText></w:r></w:del><w:ins w:id="2" w:author="ed">' + run("fifty") + "</w:ins>"
        + run(" years of neglect” " ) + sdt(run("(Harbour Authority, 2024)")) + run(".") + "</w:p>"
        + "<w:p>" + run("A driver said “nobody wins a strike like this one” ") + complex_field + run(".") + "</w:p>"
        + "<w:p>" + run("The nurse said “the wards are full every night” ")
        + '<w:fldSimple w:instr=\' HYPERLINK "https://health.example/wards" \'>' + run("(Health Board)")
        + "</w:fldSimple>" + run(".") + "</w:p>"
        + sdt("<w:p>" + run("Bibliography") + "</w:p><w:p>" + run("Harbour Authority (2024). Flood report. ")
              + link("rId20", "https://harbour.example/report") + "</w:p>"))
    b = brief_from_bytes(docx_with_notes([], [], [], {}, body=body,
                                         doc_links={"rId20": "https://harbour.example/report"}), name="b.docx")
    assert "“at least fifty years of neglect” (Harbour Authority, 2024)." in b.text and "forty" not in b.text
    assert "Flood report. https://harbour.example/report" in b.text
    assert {(lk.text, lk.url) for lk in b.links} == {
        ("(Reuters)", "https://wire.example/strike"), ("(Health Board)", "https://health.example/wards"),
        ("https://harbour.example/report", "https://harbour.example/report")}
    assert "HYPERLINK" not in b.text


def test_a_pdf_briefs_hyperlinks_are_its_links() -> None:
    """A word processor keeps a document's hyperlinks as link annotations when it prints to PDF: a
    note whose source is a link on its words ("harbour report") credits that source, read in this
    process and in the bounded reader alike."""
    from verifier.core.parse import parse_brief
    from verifier.core.pdfwrite import text_pdf
    from verifier.documents.bounded import bounded_pdf_brief

    pdf = text_pdf([["The review said “the flood defences failed because the pumps had not been serviced.”^{1}",
                     "Mayor Ann Lee said “we will not raise taxes this year”, the city paper reported.", "",
                     "1", "Harbour Authority review, harbour report"]],
                   links=[(0, 1, "https://city.example/budget"), (0, 4, "https://harbour.example/report")])
    for brief in (read_pdf_brief(pdf), bounded_pdf_brief(pdf)):
        assert [(lk.url, lk.text) for lk in brief.links] == [
            ("https://city.example/budget", "Mayor Ann Lee said “we will not raise taxes this year”, the city paper reported."),
            ("https://harbour.example/report", "Harbour Authority review, harbour report")]
        pb = parse_brief(brief)
        url = {c.ref: c.url for c in pb.citations}
        assert [[url[r] for r in q.cites] for q in pb.quotes] == [["https://harbour.example/report"],
                                                                  ["https://city.example/budget"]]
