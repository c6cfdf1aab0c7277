"""The CLI prints a brief's decoding warning as one line on stderr, and still finds every quote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from verifier.cli.demo import BRIEF, DemoSite

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with DemoSite() as s:
        yield s


def test_stray_bytes_warned_once_and_quotes_still_verified(site: DemoSite, tmp_path: Path,
                                                           loopback_env: dict[str, str]) -> None:
    clean = BRIEF.format(base=site.base_url).encode("utf-8")
    brief = tmp_path / "brief.md"
    # three bytes that are not UTF-8, put in the brief's first line (its title), outside any quote
    first, rest = clean.split(b"\n", 1)
    brief.write_bytes(first + b" \xe9 \x80 \xff\n" + rest)
    run = [sys.executable, "-m", "verifier", "check", "--format", "json"]
    dirty = subprocess.run([*run, str(brief)], capture_output=True, env={**os.environ, **loopback_env}, timeout=120)
    (tmp_path / "clean.md").write_bytes(clean)
    ref = subprocess.run([*run, str(tmp_path / "clean.md")], capture_output=True,
                         env={**os.environ, **loopback_env}, timeout=120)
    warnings = [ln for ln in dirty.stderr.decode().splitlines() if ln.startswith("warning:")]
    assert warnings == ["warning: the brief: 3 byte sequences not valid UTF-8 replaced with U+FFFD"]
    got = {q["text"]: q["verdict"] for q in json.loads(dirty.stdout)["quotes"]}
    want = {q["text"]: q["verdict"] for q in json.loads(ref.stdout)["quotes"]}
    assert got == want and len(want) >= 5
