"""Sources and supplied copies under the same bounds as briefs. Fetched PDF sources under the
reader's memory budget: the CLI (itself held to 1 GiB of address
space) checks a brief citing PDFs whose FlateDecode streams inflate to about 1 GiB. The PDF's text
layer is read in a bounded child (verifier.documents.bounded): a page that breaks the budget is
skipped with a note and the rest read; when nothing could be read the source is `too_large` with
a one-line error. HTML nested deeper than libxml2 allows is read whole, as briefs are. Outcomes
only; memory and time figures are bench/'s."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.hostile import cases
from tests.hostile.test_hostile import run_cli
from tests.httpserver import LoopbackServer, Reply

pytestmark = pytest.mark.slow
GIB = 1 << 30


def _check(tmp_path: Path, env: dict[str, str], pdf: Path) -> subprocess.CompletedProcess[bytes]:
    with LoopbackServer() as srv:
        srv.route("/report.pdf", Reply(200, pdf.read_bytes(), content_type="application/pdf"))
        brief = tmp_path / "brief.md"
        brief.write_text(f"The committee said “{cases.QUOTE}” [1].\n\n[1] Report. {srv.url('/report.pdf')}\n")
        return run_cli(brief, {**env, "VERIFIER_DATABASE_URL": f"sqlite:///{tmp_path / 'v.db'}"})


def test_a_pdf_source_that_is_one_bomb_page_is_too_large(tmp_path: Path, loopback_env: dict[str, str]) -> None:
    p = _check(tmp_path, loopback_env, cases.flate_bomb_pdf(tmp_path / "bomb.pdf", GIB))
    assert p.returncode == 1, p.stderr.decode()[-2000:]
    src = json.loads(p.stdout)["sources"][0]
    assert src["status"] == "too_large"
    assert "not read" in src["error"] and "MB of memory" in src["error"] and "\n" not in src["error"]


def test_a_bomb_page_is_skipped_and_the_rest_of_the_pdf_read(tmp_path: Path, loopback_env: dict[str, str]) -> None:
    p = _check(tmp_path, loopback_env, cases.pdf_with_bomb_page(tmp_path / "two.pdf", GIB))
    assert p.returncode in (0, 1), p.stderr.decode()[-2000:]
    doc = json.loads(p.stdout)
    assert doc["sources"][0]["status"] == "ok"
    assert doc["sources"][0]["error"].startswith("PDF page 1 not read")
    assert doc["quotes"][0]["verdict"] == "verified"
    assert doc["quotes"][0]["evidence"]["page"] == 2


def test_a_supplied_pdf_bomb_is_refused_in_one_line(tmp_path: Path) -> None:
    from verifier.core.values import BriefTooLarge
    from verifier.documents.supplied import read_supplied

    bomb = cases.flate_bomb_pdf(tmp_path / "bomb.pdf", GIB).read_bytes()
    with pytest.raises(BriefTooLarge) as e:  # read in the bounded child: this process stays small
        read_supplied(bomb, name="report.pdf")
    assert str(e.value).startswith("the supplied copy report.pdf: PDF page 1 not read")
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("depth", [5000, 200_000])
def test_deep_html_sources_are_read_whole(tmp_path: Path, depth: int) -> None:
    from verifier.documents.source import extract
    from verifier.documents.supplied import read_supplied

    page = cases.deep_html(tmp_path / "deep.html", depth).read_bytes()
    for text in (extract(page, "text/html"), read_supplied(page, name="deep.html")):
        flat = " ".join(text.text.split())
        assert cases.QUOTE in flat and "the inner quote stands here" in flat
