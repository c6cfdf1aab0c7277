"""Hostile briefs through the real CLI, in a child process held to 1 GiB of address space.

Each case is built here, in chunks (tests/hostile/cases.py). The assertions are outcomes only:
exit status, the one-line error, the quotes found; memory and time figures are printed by
bench/hostile_bench.py, never asserted.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile import cases
from tests.httpserver import LoopbackServer

pytestmark = pytest.mark.slow
CHILD_AS = 1 << 30  # the CLI's address space: a bomb that escaped its bound would kill it


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_AS, CHILD_AS))


def run_cli(brief: Path, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "verifier", "check", str(brief), "--format", "json"],
                          capture_output=True, env={**os.environ, **env}, timeout=180, preexec_fn=_limit)


@pytest.fixture(scope="module")
def source() -> Iterator[str]:
    with LoopbackServer() as s:
        s.page("/report", cases.SOURCE_PAGE)
        yield s.url("/report")


@pytest.fixture
def env(loopback_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**loopback_env, "VERIFIER_DATABASE_URL": f"sqlite:///{tmp_path / 'v.db'}"}


def _one_error_line(p: subprocess.CompletedProcess[bytes]) -> str:
    lines = p.stderr.decode().strip().splitlines()
    assert len(lines) == 1, p.stderr.decode()[-2000:]
    assert "Traceback" not in lines[0]
    return lines[0]


def test_zip_bomb_docx_is_refused_by_size(tmp_path: Path, env: dict[str, str]) -> None:
    bomb = cases.zip_bomb_docx(tmp_path / "bomb.docx", 300 << 20)
    p = run_cli(bomb, env)
    assert p.returncode == 2
    line = _one_error_line(p)
    assert "word/document.xml" in line and "inflates to" in line


def test_docx_holding_an_archive_is_refused(tmp_path: Path, env: dict[str, str]) -> None:
    p = run_cli(cases.nested_zip_docx(tmp_path / "nested.docx"), env)
    assert p.returncode == 2
    assert "word/media/inner.bin" in _one_error_line(p)


def test_flate_bomb_pdf_is_refused_within_its_memory_budget(tmp_path: Path, env: dict[str, str]) -> None:
    bomb = cases.flate_bomb_pdf(tmp_path / "bomb.pdf", 768 << 20)
    p = run_cli(bomb, env)
    assert p.returncode == 2
    assert "the PDF needs more than" in _one_error_line(p)


def _verdicts(p: subprocess.CompletedProcess[bytes]) -> dict[str, str]:
    assert p.returncode in (0, 1), p.stderr.decode()[-2000:]
    return {q["text"]: q["verdict"] for q in json.loads(p.stdout)["quotes"]}


def test_deep_html_brief_is_read_whole(tmp_path: Path, env: dict[str, str], source: str) -> None:
    p = run_cli(cases.deep_html(tmp_path / "deep.html", 5000, source), env)
    verdicts = _verdicts(p)
    assert verdicts.get(cases.QUOTE) == "verified"
    assert "the inner quote stands here" in verdicts  # the quote deep inside is read too
    assert "warning: the brief: the HTML was nested 5003 levels deep" in p.stderr.decode()


def test_mostly_utf8_brief_keeps_its_quotes(tmp_path: Path, env: dict[str, str], source: str) -> None:
    p = run_cli(cases.mostly_utf8(tmp_path / "mostly.md", source), env)
    verdicts = _verdicts(p)
    assert verdicts.get(cases.QUOTE) == "verified"
    assert "the findings are final" in verdicts
