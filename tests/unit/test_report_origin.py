"""Every report says plainly where evidence came from when it is not the page as fetched:
"judged on the supplied copy saved-page.html", "verified in the archived copy of 2024-07-05"."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from verifier.core.document import Archive, Quote, ResultDocument, Source, Supplied
from verifier.present.html import render_html
from verifier.present.report import quote_origin, render_csv, render_markdown, render_table, source_origin

EV = {"text": "the new rules would take effect in January", "start": 10, "end": 52, "context": ""}


def doc(note: str | None = None) -> ResultDocument:
    return ResultDocument(
        brief_id="b1", status="done",
        sources=[Source(ref="1", url="https://news.example/a", status="blocked", provenance="supplied",
                        supplied=Supplied(file_name="saved-page.html", sha256="ab" * 32)),
                 Source(ref="2", url="https://gone.example/b", status="not_found", provenance="archived",
                        archive=Archive(url="https://web.archive.org/web/20240705/https://gone.example/b",
                                        captured_at="2024-07-05T10:00:00Z"))],
        quotes=[Quote(id="q1", text=EV["text"], start=0, end=10, cites=["1"], verdict="verified", source_ref="1",
                      evidence=EV),
                Quote(id="q2", text=EV["text"], start=20, end=30, cites=["2"], verdict="unverifiable",
                      source_ref="2", archive_verdict="verified", evidence=EV, note=note)])


def _table(d: ResultDocument, width: int) -> str:
    out = io.StringIO()
    render_table(d, Console(file=out, width=width, color_system=None))
    return " ".join(out.getvalue().replace("│", " ").split())


@pytest.mark.parametrize("note", [None, "verified in the archived copy of 2024-07-05 of source 2"])
def test_every_format_says_where_the_evidence_came_from(note: str | None) -> None:
    d = doc(note)
    outputs = {"markdown": render_markdown(d), "html": render_html(d), "csv": render_csv(d),
               "table-wide": _table(d, 160), "table-narrow": _table(d, 80)}
    for name, out in outputs.items():
        flat = " ".join(out.split()).replace("\\", "")
        assert "judged on the supplied copy saved-page.html" in flat, name
        assert "verified in the archived copy of 2024-07-05" in flat, name
    # said once per quote, not twice when the stored note already says it
    assert render_markdown(d).count("verified in the archived copy of 2024-07-05") == 1


def test_plain_fetches_say_nothing_extra() -> None:
    s = Source(ref="1", url="https://a.example/", status="ok", provenance="fetched")
    q = Quote(id="q1", text="x", start=0, end=1, source_ref="1", verdict="verified")
    assert source_origin(s) is None and quote_origin(q, s) is None
    rendered = s.model_copy(update={"provenance": "rendered"})
    assert quote_origin(q, rendered) == "judged on the page as rendered by headless Chromium"


def test_a_hostile_file_name_stays_inert() -> None:
    d = doc()
    d.sources[0].supplied = Supplied(file_name="<script>x</script>\x1b[31m[a](javascript:b)", sha256="00")
    assert "<script>" not in render_html(d) and "\x1b" not in _table(d, 160)
    md = render_markdown(d)
    assert "<script>" not in md and "](javascript" not in md
