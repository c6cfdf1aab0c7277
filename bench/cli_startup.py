"""How fast the CLI starts, beside the bare interpreter, in one run.

    uv run python bench/cli_startup.py [--runs 7]

Prints the median wall time of `python -c pass`, `verifier --help` and `verifier check` on a brief
with no sources (its SQLite database already made by a first, unmeasured run, so the start-up
migration check finds nothing due), each with its ratio to `python -c pass` (aims: --help <= 10x,
the sourceless check <= 15x). Two reference rows measure the floor the storing check stands on in
the same run: `python -c "import sqlalchemy"` (SQLAlchemy Core, which every storing command needs)
and `import sqlmodel` (the ORM the storage layer maps rows with).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BRIEF = "A short brief.\n\nThe minister said the plan was “ready for a vote next week” on Monday.\n"


def timed(cmd: list[str], env: dict[str, str], runs: int) -> float:
    """Median seconds of `runs` runs (after one unmeasured run)."""
    out: list[float] = []
    for i in range(runs + 1):
        t = time.perf_counter()
        p = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
        if p.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.decode()[-500:]}")
        if i:
            out.append(time.perf_counter() - t)
    return statistics.median(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        brief = Path(tmp) / "sourceless.md"
        brief.write_text(BRIEF, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("VERIFIER_")}
        env.update(VERIFIER_DATABASE_URL=f"sqlite:///{tmp}/verifier.sqlite", VERIFIER_BLOB_DIR=f"{tmp}/bodies")
        py = [sys.executable]
        rows = [("python -c pass", [*py, "-c", "pass"]),
                ("(floor) import sqlalchemy", [*py, "-c", "import sqlalchemy"]),
                ("(floor) import sqlmodel", [*py, "-c", "import sqlmodel"]),
                ("verifier --help", [*py, "-m", "verifier", "--help"]),
                ("verifier check (no sources)", [*py, "-m", "verifier", "check", str(brief), "--format", "json"])]
        times = {name: timed(cmd, env, args.runs) for name, cmd in rows}
    base = times["python -c pass"]
    print(f"CLI start-up, median of {args.runs} runs ({os.cpu_count()} cores, shared with whatever else runs):")
    for name, t in times.items():
        print(f"  {name:30s} {1000 * t:8.1f} ms  {t / base:6.1f}x")


if __name__ == "__main__":
    main()
