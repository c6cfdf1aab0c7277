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
def doc() -> dict[str, Any]:
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
            "progress": {"sources_total": 11, "sources_done": 11, "quotes_total": 7, "quotes_done": 7},
            "sources": sources, "quotes": quotes, "skipped_quotes": [], "brief_text": BRIEF}


# ---------------------------------------------------------------- HTML

def test_html_shows_every_verdict_with_label_and_symbol(doc: dict[str, Any]) -> None:
    html = render_html(doc)
    for v in VERDICTS:
        assert f'class="quote v-{v}"' in html
        badge = re.search(rf'<span class="badge v-{v}"><span aria-hidden="true">(.)</span> ([^<]+)</span>', html)
        assert badge is not None, v
        assert badge.group(1) == report.VERDICT_MARK[v] and badge.group(2) == report.VERDICT_LABEL[v]
    # the brief is there, each quote highlighted and linked to its card
    for q in doc["quotes"]:
        assert f'id="in-brief-{q["id"]}" href="#quote-{q["id"]}"' in html
        assert f'id="quote-{q["id"]}"' in html
    assert "Needs attention: 4 of 7 quotes and 9 of 11 sources." in html


def test_html_shows_every_link_status_and_history(doc: dict[str, Any]) -> None:
    html = render_html(doc)
    for st in LINK_STATUSES:
        assert f'class="source s-{st}"' in html
        assert report.STATUS_LABEL[st] in html
    assert html.count("<caption>Check history (2)</caption>") == len(doc["sources"])
    assert "2026-03-01 09:00 UTC" in html  # the earlier check, as people read times
    assert "why timeout" in html and "HTTP 404" in html


def test_html_summary_counts(doc: dict[str, Any]) -> None:
    html = render_html(doc)
    assert re.search(r'badge v-verified"><span aria-hidden="true">✓</span> <span class="n">2</span> Verified', html)
    assert re.search(r'badge s-ok"><span aria-hidden="true">✓</span> <span class="n">2</span> OK', html)
    assert re.search(r'badge s-refused"><span aria-hidden="true">✗</span> <span class="n">1</span> Refused', html)


def test_html_evidence_diff_page_and_links(doc: dict[str, Any]) -> None:
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


def test_html_escapes_untrusted_text_and_links_only_http(doc: dict[str, Any]) -> None:
    html = render_html(doc)
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html  # quote, title and brief text
    assert "Mayor &lt;script&gt;" in html and "Harbour &lt;script&gt;" in html
    assert 'href="javascript' not in html.lower()
    assert "<code>javascript:alert(1)</code>" in html
    for href in re.findall(r'href="([^"]+)"', html):
        assert href.startswith(("#", "http://", "https://")), href
    assert "default-src 'none'" in html  # no script may run even if escaping failed


def test_html_is_one_self_contained_document(doc: dict[str, Any]) -> None:
    html = render_html(doc)
    assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")
    assert not re.search(r'<(link|script|img|iframe)\b', html)
    for landmark in ('role="banner"', 'role="main"', 'role="contentinfo"', "<nav"):
        assert landmark in html
    assert "@media print" in html and 'name="viewport"' in html
    assert len(re.findall(r"<h1", html)) == 1


def test_html_without_brief_text_or_quotes(doc: dict[str, Any]) -> None:
    doc.pop("brief_text")
    html = render_html(doc)
    assert 'id="brief"' not in html and 'class="quote v-altered"' in html
    empty = {**doc, "quotes": [], "sources": [], "status": "running"}
    html = render_html(empty)
    assert "No quoted passages were found" in html and "The brief cites no sources." in html
    assert "still running" in html


def test_highlighted_brief_skips_bad_offsets() -> None:
    text = "a “b c d” e"
    out = str(highlighted_brief(text, [{"id": "q1", "start": 3, "end": 8, "verdict": "altered"},
                                       {"id": "q2", "start": 5, "end": 99, "verdict": "verified"}]))
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
    assert passage_link({"url": "ftp://x/y", "final_url": None}, None) is None
    assert passage_link({"url": "https://e.org/r.pdf", "content_type": "application/pdf"},
                        {"text": "x", "page": 3}) == "https://e.org/r.pdf#page=3"


# ---------------------------------------------------------------- word diff

def test_diff_segments_kinds() -> None:
    def kinds(q: str, s: str, d: list[dict[str, str]] | None = None) -> list[tuple[str, str, str]]:
        return [(g.kind, g.quote, g.source) for g in diff_segments(q, s, d) if g.kind != "same"]

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

def test_markdown(doc: dict[str, Any]) -> None:
    md = report.render_markdown(doc)
    for v in VERDICTS:
        assert report.VERDICT_LABEL[v] in md
    assert "~~£2.4~~ **£3.4**" in md
    assert "(page 7)" in md
    assert "<script" not in md and "&lt;script&gt;" in md
    assert "| 3 | ✗ Not found | 404 |" in md
    assert "`javascript:alert(1)`" in md and f"<{BASE}/page-1>" in md


def test_csv_one_row_per_quote(doc: dict[str, Any]) -> None:
    doc["quotes"][0]["text"] = "=HYPERLINK(\"http://evil\")"
    rows = list(csv.reader(io.StringIO(report.render_csv(doc))))
    assert rows[0][:10] == ["id", "verdict", "quote", "cites", "source_ref", "source_url", "evidence", "page",
                            "differences", "score"]
    assert len(rows) == 1 + len(doc["quotes"])
    by_id = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_id["q1"]["quote"].startswith("'=")  # no formula in a spreadsheet
    assert by_id["q2"]["differences"] == "replaced: 3 / 2" and by_id["q4"]["page"] == "7"
    assert by_id["q6"]["source_status"] == "" and by_id["q2"]["source_status"] == "ok"


def test_json_is_the_document(doc: dict[str, Any]) -> None:
    assert json.loads(report.render_json(doc)) == doc


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


def test_table_colours_only_on_a_terminal(doc: dict[str, Any]) -> None:
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
    altered = next(q for q in doc["quotes"] if q["verdict"] == "altered")
    card = _card(html, altered["id"])
    assert re.search(r"<del class=\"d-del\">.*£2\.4.*</del> <ins class=\"d-ins d-replaced\">.*£3\.4", card)
    pdf = next(q for q in doc["quotes"] if (q["evidence"] or {}).get("page"))
    assert "on page 1" in _card(html, pdf["id"]) and "coastal-review.pdf#page=1" in html
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
