"""`verifier check --source REF=FILE` end to end: a real process, a local server whose page is a bot
wall, the fact-checker's saved copy judged instead, the live link still reported as blocked.
Bad copies and refs end in one line and exit 2; a Word bomb supplied as a copy is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.hostile import cases
from tests.hostile.botwalls import WALLS
from tests.httpserver import LoopbackServer, Reply
from verifier.cli.demo import tiny_pdf

pytestmark = pytest.mark.slow

WALL = next(w for w in WALLS if w.name == "cloudflare-managed-challenge-403")
SAVED = ("<html><head><title>Committee findings | News</title></head><body><nav>Home News</nav><article>"
         "<h1>Committee findings</h1><p>The committee said the new rules would take effect in January, "
         "and that every member had agreed to the final wording of the report.</p>"
         "<p>The chair thanked the witnesses who gave evidence over the past year.</p></article></body></html>")
REPORT_LINES = ["Annual report of the harbour trust", "The trust spent four million pounds on the quay last year."]


def run(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "verifier", *args], capture_output=True,
                          env={**os.environ, **env}, timeout=timeout)


@pytest.fixture(scope="module")
def srv() -> Iterator[LoopbackServer]:
    with LoopbackServer() as s:
        s.route("/walled", Reply(WALL.status, WALL.body, headers=dict(WALL.headers)))
        s.page("/open", b"<html><body><article><p>An open page with some ordinary words on it for "
                        b"the reader.</p></article></body></html>")
        s.route("/report.pdf", Reply(403, b"<html><body>Forbidden</body></html>"))
        yield s


@pytest.fixture
def brief(srv: LoopbackServer, tmp_path: Path) -> Path:
    p = tmp_path / "brief.md"
    p.write_text("# Findings\n\nThe committee said “the new rules would take effect in January” [1], and the "
                 "trust “spent four million pounds on the quay last year” [2].\n\nAn open page says "
                 f"“some ordinary words on it” [3].\n\n[1] {srv.url('/walled')}\n[2] {srv.url('/report.pdf')}\n"
                 f"[3] {srv.url('/open')}\n")
    return p


@pytest.fixture
def copies(tmp_path: Path) -> tuple[Path, Path]:
    html = tmp_path / "saved-page.html"
    html.write_text(SAVED)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(tiny_pdf(REPORT_LINES))
    return html, pdf


def test_supplied_copies_are_judged_and_the_live_link_still_reported(
        brief: Path, copies: tuple[Path, Path], loopback_env: dict[str, str], tmp_path: Path) -> None:
    env = {**loopback_env, "VERIFIER_RENDER": "never"}
    p = run("check", str(brief), "--source", f"1={copies[0]}", "--source", f"2={copies[1]}", "--format", "json",
            env=env)
    assert p.returncode == 1, p.stderr  # the live links are still blocked: the exit status follows them
    doc = json.loads(p.stdout)
    src = {s["ref"]: s for s in doc["sources"]}
    assert src["1"]["status"] == "blocked" and src["1"]["provenance"] == "supplied"
    assert src["1"]["supplied"]["file_name"] == "saved-page.html"
    assert len(src["1"]["supplied"]["sha256"]) == 64
    assert src["2"]["status"] == "blocked" and src["2"]["supplied"]["file_name"] == "report.pdf"
    assert src["3"]["provenance"] == "fetched" and "supplied" not in src["3"]
    assert [q["verdict"] for q in doc["quotes"]] == ["verified", "verified", "verified"]
    # every report says the evidence is a supplied copy
    for fmt in ("table", "markdown", "html", "csv"):
        out = run("show", doc["brief_id"], "--format", fmt, env=env).stdout.decode()
        assert "supplied copy saved-page.html" in " ".join(out.split()), fmt
    # the copy goes out in the WARC as a resource record
    warc = tmp_path / "out.warc.gz"
    assert run("export", doc["brief_id"], "--warc", str(warc), env=env).returncode == 0
    with warc.open("rb") as f:
        resources = [r for r in ArchiveIterator(f) if r.rec_type == "resource"]
    names = {r.rec_headers.get_header("WARC-Verifier-File-Name") for r in resources}
    assert {"saved-page.html", "report.pdf"} <= names


def test_a_ref_the_brief_does_not_cite_is_one_line_and_exit_2(
        brief: Path, copies: tuple[Path, Path], loopback_env: dict[str, str], srv: LoopbackServer) -> None:
    before = srv.total_hits()
    p = run("check", str(brief), "--source", f"9={copies[0]}", env=loopback_env)
    assert p.returncode == 2
    err = p.stderr.decode().strip()
    assert len(err.splitlines()) == 1 and "[9]" in err and "1, 2, 3" in err
    assert srv.total_hits() == before  # refused before anything was fetched


@pytest.mark.parametrize(("make", "needle"), [
    (lambda d: _write(d / "empty.html", b""), "is empty"),
    (lambda d: _write(d / "noise.bin", bytes(range(256)) * 40), "not a text, HTML, PDF or Word file"),
    (lambda d: _write(d / "broken.docx", b"PK\x03\x04 not a zip at all"), "Word file"),
    (lambda d: d / "missing.html", "no such file"),
    (lambda d: cases.zip_bomb_docx(d / "bomb.docx", 1 << 30), "inflate"),
], ids=["empty", "binary", "bad-docx", "missing", "docx-bomb"])
def test_bad_copies_are_refused_in_one_line(brief: Path, loopback_env: dict[str, str], tmp_path: Path,
                                            make: object, needle: str) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    p = run("check", str(brief), "--source", f"1={path}", env=loopback_env)
    err = p.stderr.decode().strip()
    assert p.returncode == 2, err
    assert len(err.splitlines()) == 1 and needle in err


def test_a_copy_over_the_brief_limit_is_refused(brief: Path, copies: tuple[Path, Path],
                                                loopback_env: dict[str, str]) -> None:
    p = run("check", str(brief), "--source", f"1={copies[0]}",
            env={**loopback_env, "VERIFIER_MAX_BRIEF_BYTES": "200"})
    assert p.returncode == 2
    assert "the supplied copy saved-page.html is" in p.stderr.decode() and "limit" in p.stderr.decode()


def test_a_malformed_option_is_one_line(brief: Path, loopback_env: dict[str, str]) -> None:
    p = run("check", str(brief), "--source", "saved-page.html", env=loopback_env)
    assert p.returncode == 2 and "REF=FILE" in p.stderr.decode()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path

