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
