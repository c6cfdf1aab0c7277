"""run.sh picks the first interpreter that runs and is 3.11 or newer.

Why: on a machine whose `python3.13` is a pyenv shim for a version that is not installed, the
name exists on the PATH but fails when run; taking the first name `command -v` finds stopped a
newcomer at the README's first command although Python 3.11 was installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHIM = '#!/bin/sh\necho "pyenv: {name}: command not found" >&2\nexit 127\n'


def _fake(bin_dir: Path, name: str, body: str) -> None:
    p = bin_dir / name
    p.write_text(body)
    p.chmod(0o755)


def _which_python(path: str) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash") or "/bin/bash"
    return subprocess.run([bash, str(ROOT / "run.sh"), "--which-python"], capture_output=True, text=True,
                          env={"PATH": path, "HOME": os.environ.get("HOME", "/tmp")}, timeout=60)


def test_failing_shims_first_on_path_are_skipped(tmp_path: Path) -> None:
    fake = tmp_path / "fake"
    fake.mkdir()
    for name in ("python3.13", "python3.12"):
        _fake(fake, name, SHIM.format(name=name))
    real = tmp_path / "real"
    real.mkdir()
    (real / "python3.11").symlink_to(sys.executable)
    out = _which_python(f"{fake}:{real}:/usr/bin:/bin")
    assert out.returncode == 0, out.stderr
    chosen = out.stdout.strip()
    assert not chosen.startswith(str(fake))
    ver = subprocess.run([chosen, "-c", "import sys; print(sys.version_info >= (3, 11))"],
                         capture_output=True, text=True, timeout=30)
    assert ver.stdout.strip() == "True"


def test_too_old_interpreter_is_skipped(tmp_path: Path) -> None:
    fake = tmp_path / "fake"
    fake.mkdir()
    # A python3.13 that runs but reports an old version: sys.exit(1) from the version check.
    _fake(fake, "python3.13", "#!/bin/sh\nexit 1\n")
    real = tmp_path / "real"
    real.mkdir()
    (real / "python3.12").symlink_to(sys.executable)
    out = _which_python(f"{fake}:{real}:/bin")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(real / "python3.12")


@pytest.mark.skipif(not Path("/bin/sh").exists(), reason="needs /bin/sh")
def test_no_usable_interpreter_is_one_line_and_exit_2(tmp_path: Path) -> None:
    fake = tmp_path / "fake"
    fake.mkdir()
    for name in ("python3.13", "python3.12", "python3.11", "python3", "python"):
        _fake(fake, name, SHIM.format(name=name))
    out = _which_python(f"{fake}")
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "run.sh:" in out.stderr
