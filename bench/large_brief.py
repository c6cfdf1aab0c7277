"""Registering a large brief: N citations (distinct URLs) stored in SQLite, timed.

    uv run python bench/large_brief.py [--citations 10000]

Why: registration used to cost one query per citation; this prints the figure for the current code
beside a reference measured in the same run (storing the same rows one ORM add at a time), so the
numbers compare on the same machine and load.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from verifier.core.parse import parse_brief
from verifier.core.values import BriefText
from verifier.service import pipeline
from verifier.storage import db
from verifier.storage.models import Source


def brief(n: int) -> BriefText:
    refs = "".join(f"[{i + 1}] https://example.org/page/{i}\n" for i in range(n))
    return BriefText(text="“a quoted sentence that stands in its source” [1]\n\n" + refs, fmt="md")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--citations", type=int, default=10_000)
    args = ap.parse_args()
    text = brief(args.citations)
    with tempfile.TemporaryDirectory() as tmp:
        ref = db.session_for(f"sqlite:///{Path(tmp) / 'ref.sqlite'}")
        t0 = time.perf_counter()
        for i in range(args.citations):  # the reference: one row at a time, one flush each
            ref.add(Source(url=f"https://example.org/ref/{i}"))
            ref.flush()
        ref.commit()
        t_ref = time.perf_counter() - t0
        session = db.session_for(f"sqlite:///{Path(tmp) / 'run.sqlite'}")
        t0 = time.perf_counter()
        row = pipeline.register_brief(session, text, origin=None)
        t_reg = time.perf_counter() - t0
    t0 = time.perf_counter()
    parse_brief(text)
    t_parse = time.perf_counter() - t0
    print(f"citations {args.citations}: register_brief {t_reg:.2f} s (of which parse_brief {t_parse:.2f} s); "
          f"reference (one flush per source row) {t_ref:.2f} s; sources_total {row.sources_total}")


if __name__ == "__main__":
    main()
