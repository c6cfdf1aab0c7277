"""The reports people read: HTML, Markdown, CSV, JSON and the terminal table, checked for content.

Documents are built by hand (every verdict, every link status, hostile text) and, once, by the real
pipeline against the demo site on 127.0.0.1.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from rich.console import Console

from verifier.core.document import Difference, Evidence, Quote, ResultDocument, Source
from verifier.present import report
from verifier.present.html import (
    BAD_STATUS_COLORS,
    STATUS_COLORS,
    VERDICT_COLORS,
    highlighted_brief,
    passage_link,
    render_html,
    safe_href,
    text_fragment_url,
)
from verifier.present.report import LINK_STATUSES, VERDICTS, diff_segments

EVIL = "<script>alert('x')</script>"
BASE = "http://127.0.0.1:9"

BRIEF = (
    "The mayor said “the bridge will open in May” [1]. Later she said “we have saved £3.4 million” [1].\n"
    "A typo: “the ferry runs every sevven minutes” [1]. The report says “costs rose sharply” [2].\n"
    "Someone claimed “nobody was consulted” [1]. An old link says “the pier is closed” [3].\n"
    f"A hostile quote: “{EVIL} is here now” [1].\n"
)


def _q(qid: str, text: str, verdict: str, ref: str | None, evidence: dict[str, Any] | None = None,
       differences: list[dict[str, str]] | None = None, note: str | None = None,
       cites: list[str] | None = None) -> dict[str, Any]:
    start = BRIEF.find(text)
    assert start >= 0, text
    return {"id": qid, "text": text, "start": start, "end": start + len(text), "cites": cites or [ref or "1"],
            "verdict": verdict, "score": 0.9 if evidence else None, "source_ref": ref,
            "source_url": f"{BASE}/{ref}" if ref else None, "evidence": evidence,
            "differences": differences or [], "note": note, "drift": None, "drift_text": None,
            "archive_verdict": None}


def _src(ref: str, status: str, *, url: str | None = None, title: str | None = None,
         ctype: str = "text/html", http: int | None = 200, error: str | None = None) -> dict[str, Any]:
    u = url or f"{BASE}/page-{ref}"
    return {"ref": ref, "url": u, "final_url": u, "status": status, "http_status": http,
            "content_type": ctype, "title": title or f"Source {ref}", "fetched_at": "2026-03-03T10:00:00Z",
            "text_sha256": "ab" * 32 if status == "ok" else None, "error": error, "snapshot_id": 1,
            "state": "live", "archive": None,
            "history": [{"checked_at": "2026-03-01T09:00:00Z", "status": "ok", "http_status": 200,
                         "text_sha256": "cd" * 32},
                        {"checked_at": "2026-03-03T10:00:00Z", "status": status, "http_status": http,
                         "text_sha256": None}]}


@pytest.fixture
def doc(raw: dict[str, Any]) -> ResultDocument:
    return ResultDocument.model_validate(raw)


@pytest.fixture
def raw() -> dict[str, Any]:
    """Every verdict and every link status, a PDF quote, and hostile text in a quote, a title and a URL."""
    sources = [_src("1", "ok", title=f"Mayor {EVIL} speaks"),
               _src("2", "ok", url=f"{BASE}/report.pdf", ctype="application/pdf", title="Annual report (PDF)"),
               _src("3", "not_found", http=404, error="HTTP 404")]
    extra = ["soft_404", "blocked", "server_error", "timeout", "unreachable", "too_large", "no_text"]
    sources += [_src(str(4 + i), st, http=None if st in ("timeout", "unreachable") else 200, error=f"why {st}")
                for i, st in enumerate(extra)]
    sources.append(_src("11", "refused", url="javascript:alert(1)", http=None, error="scheme not allowed"))
    quotes = [
        _q("q1", "the bridge will open in May", "verified", "1",
           {"text": "the bridge will open in May", "start": 10, "end": 37, "page": None,
            "context": "The mayor said that the bridge will open in May, weather permitting."}),
        _q("q2", "we have saved £3.4 million", "altered", "1",
           {"text": "we have saved £2.4 million", "start": 9, "end": 35, "page": None,
            "context": "She said we have saved £2.4 million this year."},
           [{"kind": "replaced", "quote": "3", "source": "2"}]),
        _q("q3", "the ferry runs every sevven minutes", "minor_differences", "1",
           {"text": "the ferry runs every seven minutes", "start": 90, "end": 124, "page": None,
            "context": "In summer the ferry runs every seven minutes."},
           [{"kind": "spelling", "quote": "sevven", "source": "seven"}]),
        _q("q4", "costs rose sharply", "verified", "2",
           {"text": "costs rose sharply", "start": 5, "end": 23, "page": 7,
            "context": "Since 2020 costs rose sharply across the region."}),
        _q("q5", "nobody was consulted", "not_found", None, cites=["1"]),
        _q("q6", "the pier is closed", "unverifiable", None, note="source 3 could not be read", cites=["3"]),
        _q("q7", f"{EVIL} is here now", "misattributed", "2",
           {"text": f"{EVIL} is here now", "start": 1, "end": 40, "page": 2, "context": f"x {EVIL} is here now y"},
           note="credited to 1, found in source 2", cites=["1"]),
    ]
    return {"brief_id": "b123", "status": "done", "title": f"Harbour {EVIL}", "origin": "test",
            "created_at": "2026-03-03T09:59:00Z", "finished_at": "2026-03-03T10:01:00Z", "error": None,
            "progress": {"sources_total": 11, "sources_done": 11, "quotes_total": 7, "quotes_done": 7,
                         "ocr_pages_total": 0, "ocr_pages_done": 0},
            "sources": sources, "quotes": quotes, "skipped_quotes": [], "brief_text": BRIEF}


# ---------------------------------------------------------------- HTML

def test_html_shows_every_verdict_with_label_and_symbol(doc: ResultDocument) -> None:
    html = render_html(doc)
    for v in VERDICTS:
        assert f'class="quote v-{v}"' in html
        badge = re.search(rf'<span class="badge v-{v}"><span aria-hidden="true">(.)</span> ([^<]+)</span>', html)
        assert badge is not None, v
        assert badge.group(1) == report.VERDICT_MARK[v] and badge.group(2) == report.VERDICT_LABEL[v]
    # the brief is there, each quote highlighted and linked to its card
    for q in doc.quotes:
        assert f'id="in-brief-{q.id}" href="#quote-{q.id}"' in html
        assert f'id="quote-{q.id}"' in html
    assert "Needs attention: 4 of 7 quotes and 9 of 11 sources." in html


def test_html_shows_every_link_status_and_history(doc: ResultDocument) -> None:
    html = render_html(doc)
    for st in LINK_STATUSES:
        assert f'class="source s-{st}"' in html
        assert report.STATUS_LABEL[st] in html
    assert html.count("<caption>Check history (2)</caption>") == len(doc.sources)
    assert "2026-03-01 09:00 UTC" in html  # the earlier check, as people read times
    assert "why timeout" in html and "HTTP 404" in html


def test_html_summary_counts(doc: ResultDocument) -> None:
    html = render_html(doc)
    assert re.search(r'badge v-verified"><span aria-hidden="true">✓</span> <span class="n">2</span> Verified', html)
    assert re.search(r'badge s-ok"><span aria-hidden="true">✓</span> <span class="n">2</span> OK', html)
    assert re.search(r'badge s-refused"><span aria-hidden="true">✗</span> <span class="n">1</span> Refused', html)


def test_html_evidence_diff_page_and_links(doc: ResultDocument) -> None:
    html = render_html(doc)
    card = _card(html, "q2")
    assert '<mark>we have saved £2.4 million</mark>' in card  # the passage, marked in its context
    assert "She said " in card and " this" in card
    assert re.search(r'<del class="d-del">.*£2\.4.*</del> <ins class="d-ins d-replaced">.*£3\.4.*</ins>', card)
    spell = _card(html, "q3")
    assert re.search(r'<del class="d-del">.*seven.*</del> <ins class="d-ins d-spelling">.*sevven', spell)
    assert "#:~:text=we%20have%20saved%20%C2%A32.4%20million" in card
    pdf = _card(html, "q4")
    assert "on page 7" in pdf and "<dt>PDF page</dt><dd>7</dd>" in pdf
    assert f'href="{BASE}/report.pdf#page=7"' in pdf
    unv = _card(html, "q6")
    assert "source 3 could not be read" in unv and "Not found" in unv
    assert "Open the source" not in _card(html, "q5")  # no evidence, no credited source to open


def test_html_escapes_untrusted_text_and_links_only_http(doc: ResultDocument) -> None:
    html = render_html(doc)
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html  # quote, title and brief text
    assert "Mayor &lt;script&gt;" in html and "Harbour &lt;script&gt;" in html
    assert 'href="javascript' not in html.lower()
    assert "<code>javascript:alert(1)</code>" in html
    for href in re.findall(r'href="([^"]+)"', html):
        assert href.startswith(("#", "http://", "https://")), href
    assert "default-src 'none'" in html  # no script may run even if escaping failed


def test_html_is_one_self_contained_document(doc: ResultDocument) -> None:
    html = render_html(doc)
    assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")
    assert not re.search(r'<(link|script|img|iframe)\b', html)
    for landmark in ('role="banner"', 'role="main"', 'role="contentinfo"', "<nav"):
        assert landmark in html
    assert "@media print" in html and 'name="viewport"' in html
    assert len(re.findall(r"<h1", html)) == 1


def test_html_without_brief_text_or_quotes(doc: ResultDocument) -> None:
    doc.brief_text = None
    html = render_html(doc)
    assert 'id="brief"' not in html and 'class="quote v-altered"' in html
    empty = doc.model_copy(update={"quotes": [], "sources": [], "status": "running"})
    html = render_html(empty)
    assert "No quoted passages were found" in html and "The brief cites no sources." in html
    assert "still running" in html


def test_highlighted_brief_skips_bad_offsets() -> None:
    text = "a “b c d” e"
    out = str(highlighted_brief(text, [Quote(id="q1", text="b c d", start=3, end=8, verdict="altered"),
                                       Quote(id="q2", text="c d", start=5, end=99, verdict="verified")]))
    assert '<mark>b c d</mark>' in out and "q2" not in out and out.endswith(" e")


def _contrast(a: str, b: str) -> float:
    def lum(h: str) -> float:
        rgb = [int(h[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_colours_have_enough_contrast() -> None:
    pairs = [*VERDICT_COLORS.values(), *STATUS_COLORS.values(), BAD_STATUS_COLORS]
    for fg, bg in pairs:
        assert _contrast(fg, bg) >= 4.5, (fg, bg)  # badges
        assert _contrast(fg, "#ffffff") >= 4.5, fg  # superscripts and borders on white
        assert _contrast("#111111", bg) >= 4.5, bg  # highlighted brief text
    for fg, bg in [("#8a1414", "#fde6e6"), ("#111111", "#fff0a8"), ("#4a4a4a", "#f5f5f5"), ("#0645ad", "#ffffff")]:
        assert _contrast(fg, bg) >= 4.5, (fg, bg)  # diff marks, muted text, links


def test_links() -> None:
    assert safe_href("javascript:alert(1)") is None and safe_href("file:///etc/passwd") is None
    assert safe_href("data:text/html,x") is None and safe_href("http://") is None
    assert safe_href(" https://example.org/a?b=c ") == "https://example.org/a?b=c"
    url = text_fragment_url("https://e.org/a#top", "one-two, three & four")
    assert url == "https://e.org/a#:~:text=one%2Dtwo%2C%20three%20%26%20four"
    long = text_fragment_url("https://e.org/a", "a b c d e f g h i j")
    assert long.endswith("#:~:text=a%20b%20c%20d,g%20h%20i%20j")
    assert passage_link(Source(ref="1", url="ftp://x/y"), None) is None
    assert passage_link(Source(ref="1", url="https://e.org/r.pdf", content_type="application/pdf"),
                        Evidence(text="x", start=0, end=1, page=3)) == "https://e.org/r.pdf#page=3"


# ---------------------------------------------------------------- word diff

def test_diff_segments_kinds() -> None:
    def kinds(q: str, s: str, d: list[dict[str, str]] | None = None) -> list[tuple[str, str, str]]:
        diffs = [Difference.model_validate(x) for x in d or []]
        return [(g.kind, g.quote, g.source) for g in diff_segments(q, s, diffs) if g.kind != "same"]

    assert kinds("set aside £3.4 million", "set aside £2.4 million") == [("replaced", "£3.4", "£2.4")]
    assert kinds("the wall will never reopen", "The wall will not reopen") == [("replaced", "never", "not")]
    assert kinds("We will go", "We will not go") == [("dropped", "", " not")]
    assert kinds("We will not go today", "We will not go") == [("added", "today", "")]
    assert kinds("runs every sevven minutes", "runs every seven minutes",
                 [{"kind": "spelling", "quote": "sevven", "source": "seven"}]) == [("spelling", "sevven", "seven")]
    assert kinds("the work . . . in three phases", "the work, which will be done in three phases") == [
        ("elided", "", "which will be done ")]
    assert kinds("the mayor [Jane Doe] said (in a letter) go", "the mayor said go") == [
        ("editorial", "[Jane Doe]", ""), ("note", "(in a letter)", "")]
    assert kinds("Russia’s war-time plan", "russias war time plan") == []  # typography only
    segs = diff_segments("the wall will never reopen", "The wall will not reopen")
    assert "".join(g.quote for g in segs) == "the wall will never reopen"  # the quote reads through


# ---------------------------------------------------------------- Markdown, CSV, JSON

def test_markdown(doc: ResultDocument) -> None:
    md = report.render_markdown(doc)
    for v in VERDICTS:
        assert report.VERDICT_LABEL[v] in md
    assert "~~£2.4~~ **£3.4**" in md
    assert "(page 7)" in md
    assert "<script" not in md and "&lt;script&gt;" in md
    assert "| 3 | ✗ Not found | 404 |" in md
    assert "`javascript:alert(1)`" in md and f"<{BASE}/page-1>" in md


def test_csv_one_row_per_quote(doc: ResultDocument) -> None:
    doc.quotes[0].text = "=HYPERLINK(\"http://evil\")"
    rows = list(csv.reader(io.StringIO(report.render_csv(doc))))
    assert rows[0][:10] == ["id", "verdict", "quote", "cites", "source_ref", "source_url", "evidence", "page",
                            "differences", "score"]
    assert len(rows) == 1 + len(doc.quotes)
    by_id = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_id["q1"]["quote"].startswith("'=")  # no formula in a spreadsheet
    assert by_id["q2"]["differences"] == "replaced: 3 / 2" and by_id["q4"]["page"] == "7"
    assert by_id["q6"]["source_status"] == "" and by_id["q2"]["source_status"] == "ok"


def test_json_is_the_document(raw: dict[str, Any]) -> None:
    doc = ResultDocument.model_validate(raw)
    assert json.loads(report.render_json(doc)) == raw
    assert list(json.loads(report.render_json(doc))) == list(raw)  # the keys in the contract's order
    assert json.loads(doc.to_json_bytes()) == raw


# ---------------------------------------------------------------- terminal

@pytest.mark.parametrize("width", [80, 140])
def test_table_fits_and_marks_changes(doc: dict[str, Any], width: int) -> None:
    con = Console(width=width, record=True, force_terminal=False, color_system=None, highlight=False)
    report.render_table(doc, con)
    out = con.export_text()
    assert all(len(line) <= width for line in out.splitlines())
    assert "[-£2.4-]{+£3.4+}" in out and "[-seven-]{+sevven+}" in out
    assert "✗ not_found 404" in out and "✗ refused" in out
    assert "\x1b[" not in out
    assert ("Minor differences" if width == 140 else "≈ minor") in out


def test_table_colours_only_on_a_terminal(doc: ResultDocument) -> None:
    con = Console(width=120, file=io.StringIO(), force_terminal=True, color_system="standard")
    report.render_table(doc, con)
    assert "\x1b[" in con.file.getvalue()  # type: ignore[attr-defined]


# ---------------------------------------------------------------- the real pipeline, and the web page

def test_demo_pipeline_report(tmp_path: Path, loopback_settings: Any) -> None:
    from verifier.cli.demo import DemoSite
    from verifier.service.pipeline import check_brief
    from verifier.service.result import build_result
    from verifier.storage import db

    settings = loopback_settings.model_copy(update={"database_url": f"sqlite:///{tmp_path}/r.sqlite"})
    session = db.session_for(settings.database_url)
    with DemoSite() as site:
        row = check_brief(session, site.brief(), settings, origin="demo", refresh=True)
        doc = build_result(session, row.id, with_text=True)
    html = render_html(doc)
    for v in VERDICTS:
        assert f'class="quote v-{v}"' in html, v
    for st in ("ok", "not_found", "soft_404"):
        assert f'class="source s-{st}"' in html
    altered = next(q for q in doc.quotes if q.verdict == "altered")
    card = _card(html, altered.id)
    assert re.search(r"<del class=\"d-del\">.*£2\.4.*</del> <ins class=\"d-ins d-replaced\">.*£3\.4", card)
    pdf = next(q for q in doc.quotes if q.evidence and q.evidence.page)
    assert "on page 1" in _card(html, pdf.id) and "coastal-review.pdf#page=1" in html
    assert "/news/harbour-wall#:~:text=" in html
    assert "Check history (1)" in html
    md = report.render_markdown(doc)
    assert "Misattributed" in md and "~~£2.4~~ **£3.4**" in md
    session.close()


def test_web_page_is_served_with_a_strict_policy() -> None:
    from verifier.api.web import router

    app = FastAPI()
    app.include_router(router)
    client = TestClient(app)
    r = client.get("/ui")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    nonce = re.search(r"script-src 'nonce-([^']+)'", r.headers["content-security-policy"])
    assert nonce and f'<script nonce="{nonce.group(1)}">' in r.text
    assert 'id="submit-form"' in r.text and "sessionStorage" in r.text and "/v1/briefs" in r.text
    assert client.get("/", follow_redirects=False).headers["location"] == "/ui"


def _card(html: str, qid: str) -> str:
    m = re.search(rf'<article class="quote [^"]+" id="quote-{qid}".*?</article>', html, re.S)
    assert m, qid
    return m.group(0)


# ---------------------------------------------------------------- exports that cannot turn into markup

IMG = "<img src=x onerror=alert(1)>"
ESC_TITLE = "Evil \x1b]8;;http://x.test\x07page\x1b]8;;\x07 \x1b[2J\x9b31m \u202eeman\u202c title"


def test_md_escape_keeps_untrusted_text_on_one_inert_line() -> None:
    out = report.md_escape(f"a\n# heading\r\n> quote [x](javascript:alert(1)) `code` {IMG}\x1b[31m")
    assert "\n" not in out and "\r" not in out and "\x1b" not in out
    assert "<" not in out and "\\[x\\]\\(javascript:alert\\(1\\)\\)" in out and "\\`code\\`" in out
    assert out.startswith("a \\# heading &gt; quote")


def test_md_code_fences_longer_than_any_backtick_run() -> None:
    assert report.md_code("javascript:alert(1)") == "`javascript:alert(1)`"
    assert report.md_code("a`b") == "``a`b``"
    assert report.md_code("``x") == "``` ``x ```"
    assert report.md_code("ftp://h/a\n# heading") == "`ftp://h/a # heading`"


def test_md_link_only_for_plain_web_urls() -> None:
    assert report.md_link("https://e.org/a?b=(c)") == "<https://e.org/a?b=(c)>"
    assert report.md_link("https://e.org/a%0A%23%20heading") == "<https://e.org/a%0A%23%20heading>"
    for url in ("javascript:alert(1)", "data:text/html,<b>x</b>", "file:///etc/passwd", "vbscript:x",
                "https://e.org/a\n# heading", f"https://e.org/{IMG}", "https://e.org/\x1b[2J", "http://"):
        assert report.md_link(url).startswith("`"), url
        assert "\n" not in report.md_link(url) and "\x1b" not in report.md_link(url)


def test_printable_takes_out_controls_and_bidi_overrides() -> None:
    assert report.printable(ESC_TITLE) == "Evil ]8;;http://x.testpage]8;; [2J31m eman title"
    assert report.printable("two\nlines\tand a tab\r") == "two\nlines\tand a tab"


def _hostile_site(server: Any) -> bytes:
    """A source page with a hostile title, and an HTML brief whose links carry encoded newlines and markup."""
    page = ("<html><head><title>" + ESC_TITLE.replace("<", "&lt;") + " &lt;img src=x onerror=alert(1)&gt;"
            "</title></head><body><p>The council said the harbour wall will close for the whole winter season."
            "</p></body></html>")
    server.page("/wall", page.encode())
    server.page("/a%0A%23%20heading", page.encode())
    base = server.url("")
    return (f"<html><head><title>Brief [x](javascript:alert(1)) {IMG.replace('<', '&lt;')}</title></head><body>"
            f"<p>She said “the harbour wall will close for the whole winter season”"
            f" (<a href=\"{base}/wall\">one</a>). The mayor said “we never closed the harbour in any winter”"
            f" (<a href=\"{base}/a%0A%23%20heading\">two</a>). A note said “the harbour wall will close soon"
            f" enough for all”"
            f" (<a href=\"{base}/x&#10;# heading&#10;&lt;img src=x onerror=alert(1)&gt;\">three</a>)."
            f" Also “the wall will close for the whole winter” (<a href=\"javascript:alert(1)\">four</a>)"
            f" and “close for the whole winter season again” (<a href=\"data:text/html,&lt;b&gt;x\">five</a>).</p>"
            f"</body></html>").encode()


@pytest.fixture
def hostile(tmp_path: Path, loopback_settings: Any) -> ResultDocument:
    from tests.httpserver import LoopbackServer
    from verifier.core.intake import brief_from_bytes
    from verifier.service.pipeline import check_brief
    from verifier.service.result import build_result
    from verifier.storage import db

    settings = loopback_settings.model_copy(update={"database_url": f"sqlite:///{tmp_path}/h.sqlite"})
    session = db.session_for(settings.database_url)
    with LoopbackServer() as server:
        brief = brief_from_bytes(_hostile_site(server), name="brief.html")
        row = check_brief(session, brief, settings, origin="hostile.html", refresh=True)
        doc = build_result(session, row.id, with_text=True)
    session.close()
    assert len(doc.sources) >= 4 and any(s.status == "ok" for s in doc.sources)
    return doc


def test_markdown_of_a_hostile_brief_renders_inert(hostile: ResultDocument) -> None:
    from markdown_it import MarkdownIt

    md = report.render_markdown(hostile)
    tokens = MarkdownIt("commonmark").parse(md)
    headings = [md.splitlines()[t.map[0]] for t in tokens if t.type == "heading_open" and t.map]
    assert all(h.startswith(("# Verification report", "## Quotes", "## Sources", "### q")) for h in headings)
    inline = [c for t in tokens for c in (t.children or [])]
    assert not [t for t in tokens + inline if t.type in ("html_block", "html_inline")]
    hrefs = [str(c.attrs["href"]) for c in inline if c.type == "link_open"]
    assert hrefs and all(h.startswith(("http://127.0.0.1:", "https://")) for h in hrefs), hrefs
    assert not any("\n" in h or "<" in h for h in hrefs)
    for line in md.splitlines():
        assert not line.startswith("#") or line.startswith(("# Verification", "## ", "### q")), line
        assert "\x1b" not in line
    rendered = MarkdownIt("commonmark").render(md)
    assert "<img" not in rendered and "&lt;img src=x onerror=alert(1)&gt;" in rendered  # shown, as text
    assert "<h1>" in rendered and rendered.count("<h1>") == 1
    assert "`data:text/html,<b>x`" in md  # not a web link: shown as code, never a link


def test_html_report_of_a_hostile_brief_links_only_web_urls(hostile: ResultDocument) -> None:
    html = render_html(hostile)
    assert "<img" not in html and "\x1b" not in html.replace("\\x1b", "")
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith(("#", "http://127.0.0.1:")), href
        assert "\n" not in href and "&lt;" not in href


def test_table_of_a_hostile_brief_sends_no_control_characters(hostile: ResultDocument) -> None:
    con = Console(width=140, file=io.StringIO(), force_terminal=False, color_system=None, highlight=False)
    report.render_table(hostile, con)
    out = con.file.getvalue()  # type: ignore[attr-defined]
    assert "Evil ]8;;http://x.test page" in out  # the title is shown, its escape sequences are not
    assert "/x # heading <img src=x onerror=alert(1)>" in out  # a URL's line breaks cannot fake a row
    assert not _controls(out)


def _controls(out: str) -> list[str]:
    return [c for c in out if c != "\n" and (ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or 0x202A <= ord(c) <= 0x202E
                                            or 0x2066 <= ord(c) <= 0x2069)]


def test_table_strips_controls_from_every_field(doc: ResultDocument) -> None:
    doc.title = ESC_TITLE
    doc.sources[0].title, doc.sources[0].url = ESC_TITLE, f"{BASE}/a\x1b[2J\nb"
    doc.sources[2].error = "HTTP 404 \x1b]0;owned\x07"
    doc.quotes[0].text = "the bridge \x1b[8mwill\u2066 open in May"
    doc.quotes[1].note = "note \u202e\x9b2J"
    for width in (80, 140):
        con = Console(width=width, file=io.StringIO(), force_terminal=False, color_system=None, highlight=False)
        report.render_table(doc, con)
        out = con.file.getvalue()  # type: ignore[attr-defined]
        assert not _controls(out), width
    assert "Evil ]8;;http://x.testpage" in out and "{+[8mwill+} open in May" in out  # at 140 columns
    assert f"{BASE}/a[2J b" in out
