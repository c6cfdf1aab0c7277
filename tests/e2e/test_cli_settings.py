"""A setting that cannot be used is one line naming it and exit 2, never an internal error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(("name", "value"), [("VERIFIER_ALLOW_PRIVATE_HOSTS", "nonsense::"),
                                              ("VERIFIER_FETCH_TIMEOUT", "abc")])
def test_bad_setting_is_one_line_and_exit_2(tmp_path: Path, name: str, value: str) -> None:
    env = {**os.environ, name: value, "VERIFIER_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite"}
    p = subprocess.run([sys.executable, "-m", "verifier", "list"], capture_output=True, text=True, env=env,
                       timeout=60)
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and name in p.stderr and "internal error" not in p.stderr


@pytest.mark.parametrize(("name", "words"), [("VERIFIER_MAX_QUOTES", "2 quotes"),
                                             ("VERIFIER_MAX_CITATIONS", "2 citations")])
def test_a_brief_over_a_limit_is_one_line_and_exit_2(tmp_path: Path, name: str, words: str) -> None:
    brief = tmp_path / "brief.md"
    brief.write_text("She said “the harbour will open in the spring” [1] and “the library will close” [2].\n\n"
                     "[1] http://127.0.0.1:9/a\n[2] http://127.0.0.1:9/b\n")
    env = {**os.environ, name: "1", "VERIFIER_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite"}
    p = subprocess.run([sys.executable, "-m", "verifier", "check", str(brief)], capture_output=True, text=True,
                       env=env, timeout=60)
    assert p.returncode == 2, p.stderr
    assert p.stderr.count("\n") == 1 and words in p.stderr and name in p.stderr and "Traceback" not in p.stderr
