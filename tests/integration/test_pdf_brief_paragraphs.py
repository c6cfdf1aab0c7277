"""A PDF brief as a browser prints one: its paragraphs come back from the line spacing.

Real parts: the system Chromium prints the HTML to PDF (through Playwright), pdfium reads it back; the
text layer gives every line end alike, so without the spacing the whole page is one paragraph and a
heading runs into the first sentence, an outlet named in one paragraph credits the next one's quotes.
"""

from __future__ import annotations

import os

import pypdfium2 as pdfium
import pytest

from verifier.core.claims import find_claims
from verifier.core.intake import brief_from_bytes
from verifier.core.parse import parse_brief
from verifier.net.render import chromium_path

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
pytestmark = pytest.mark.skipif(chromium_path() is None and not IN_CI,
                                reason="chromium not installed (apt-get install chromium)")

BRIEF = """<!doctype html><html><head><meta charset="utf-8"><title>Water rates</title>
<style>body { font: 11pt Arial, sans-serif; width: 16cm } p { margin: 0 0 8pt 0; line-height: 1.15 }
.note { font-size: 8pt; margin: 0 }</style></head><body>
<h1>Policy brief: water rates</h1>
<p>The council found that household water rates would rise by 12 percent over the next two years,
the steepest increase since the utility was privatised [1].</p>
<p>Reuters reported that the minister called the plan “ready for a vote next week” and said that it
would reach the council before the summer recess.</p>
<p>Critics of the plan, among them two former ministers, called it “a tax on the poor and the old”
in a letter to the council.</p>
<p class="note">[1] Council analysis of household water rates, https://example.org/council/rates</p>
<p class="note">[2] Reuters, https://www.reuters.com/world/water-rates</p>
</body></html>"""


def _print_pdf(html: str) -> bytes:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.set_content(html)
            return page.pdf(format="A4")
        finally:
            browser.close()


def test_a_printed_pdf_briefs_paragraphs_come_back() -> None:
    brief = brief_from_bytes(_print_pdf(BRIEF), name="brief.pdf")
    paragraphs = [p.replace("\n", " ") for p in brief.text.split("\n\n")]
    assert paragraphs[0] == "Policy brief: water rates"
    assert paragraphs[1].startswith("The council found") and paragraphs[1].endswith("privatised [1].")
    assert paragraphs[-2:] == ["[1] Council analysis of household water rates, https://example.org/council/rates",
                               "[2] Reuters, https://www.reuters.com/world/water-rates"]  # each note ends short
    parsed = parse_brief(brief)
    assert {c.ref: c.url for c in parsed.citations} == {
        "1": "https://example.org/council/rates", "2": "https://www.reuters.com/world/water-rates"}
    # the outlet named in its paragraph credits that paragraph's quote, not the next one's
    assert [(q.text, q.cites) for q in parsed.quotes] == [
        ("ready for a vote next week", ["2"]), ("a tax on the poor and the old", [])]
    claims = find_claims(brief, parsed)
    assert claims[0].text.startswith("The council found")


def test_a_printed_pdf_briefs_long_note_link_is_read_whole() -> None:
    """The browser breaks a link too long for its line anywhere ("…/annual_r", "eports_…"): the
    brief's note still cites the whole address."""
    url = ("https://www.example.org/publications/2024/annual_reports_and_accounts_of_the_water_regulator_"
           "for_england_and_wales.pdf")
    html = (f"<html><body style='font:11pt Arial;width:9cm;overflow-wrap:anywhere'><p>The regulator warned "
            f"of “serious risks to the supply” [1].</p><p>[1] Water Regulator, Annual report, {url}</p></body></html>")
    pdf = _print_pdf(html)
    layer = pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert url not in layer and "https://www.example.org/" in layer  # printed over several lines
    assert [c.url for c in parse_brief(brief_from_bytes(pdf, name="brief.pdf")).citations] == [url]


def test_paragraphs_printed_with_no_space_between_them_come_back() -> None:
    """As Google Docs and LibreOffice print a brief by default: no space between paragraphs, so a
    paragraph's short last line is what ends it."""
    html = BRIEF.replace("margin: 0 0 8pt 0", "margin: 0").replace("<h1>", "<p><b>").replace("</h1>", "</b></p>")
    brief = brief_from_bytes(_print_pdf(html), name="brief.pdf")
    paragraphs = [p.replace("\n", " ") for p in brief.text.split("\n\n")]
    assert paragraphs[0] == "Policy brief: water rates"
    assert paragraphs[1].startswith("The council found") and paragraphs[1].endswith("privatised [1].")
    parsed = parse_brief(brief)
    assert [(q.text, q.cites) for q in parsed.quotes] == [
        ("ready for a vote next week", ["2"]), ("a tax on the poor and the old", [])]
    assert find_claims(brief, parsed)[0].text.startswith("The council found")
