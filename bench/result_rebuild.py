"""The cost of rebuilding a brief's result document: what a poller pays after every change.

Why: the API rebuilds a running brief's document each time its version moves (every source
stored, every chunk judged), so the rebuild's cost is paid many times per brief. It should not
grow with the size of the pages the brief cites: the document lists each source's description,
never its text. Measured on the local PostgreSQL (VERIFIER_TEST_DATABASE_URL, a fresh schema)
with a brief citing one page of --chars characters, served by a local server.

    uv run python bench/result_rebuild.py [--chars 1800000] [--runs 20] [--checks 0,1000]

--checks: the cited source's stored history, as a link rechecked daily for years (or cited by many
briefs) has; the document lists only the latest checks, so the rebuild should not grow with it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.httpserver import LoopbackServer
from tests.service import drop_pg_schema, fresh_pg_schema

PG = os.environ.get("VERIFIER_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PARA = "<p>The committee heard from forty witnesses over three days in the capital city of the region.</p>"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chars", type=int, default=1_800_000)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--checks", default="0,1000", help="comma-separated history lengths to measure")
    args = ap.parse_args()
    url = fresh_pg_schema(PG)
    try:
        with LoopbackServer() as srv:
            body = PARA * max(1, args.chars // (len(PARA) - 7))
            srv.page("/big", f"<html><head><title>Big</title></head><body><article>{body}</article></body></html>".encode())
            os.environ.update(VERIFIER_DATABASE_URL=url, VERIFIER_ALLOW_PRIVATE_HOSTS=f"127.0.0.1:{srv.port}",
                              VERIFIER_RESPECT_ROBOTS="false", VERIFIER_HOST_INTERVAL="0",
                              VERIFIER_ARCHIVE_ON_FAILURE="false")
            print(f"one cited page, {len(body):,} characters of markup; build + JSON, median of {args.runs}:")
            brief_id = check(srv, url)
            for n in (int(x) for x in args.checks.split(",")):
                add_history(url, n)
                print(f"  {n:6d} earlier checks of the source: {median_ms(url, brief_id, args.runs):.1f} ms")
    finally:
        drop_pg_schema(url)


def check(srv: LoopbackServer, url: str) -> str:
    """The brief, checked once: its id."""
    from verifier.core.intake import brief_from_bytes
    from verifier.service import pipeline
    from verifier.settings import get_settings
    from verifier.storage import db

    text = f"Brief\n\nThe panel said “heard from forty witnesses over three days” [1].\n\n[1] Big. {srv.url('/big')}\n"
    with db.session_for(url) as s:
        return pipeline.check_brief(s, brief_from_bytes(text.encode(), name="b.md"), get_settings(), origin=None).id


_added = 0


def add_history(url: str, n: int) -> None:
    """Earlier checks of every source until it has `n` of them more than its own (one a day, back in time)."""
    from datetime import timedelta

    from sqlmodel import col, select

    from verifier.storage import db
    from verifier.storage.models import CheckRow

    global _added
    with db.session_for(url) as s:
        first = {c.source_id: c for c in s.exec(select(CheckRow).order_by(col(CheckRow.id).desc())).all()}
        for latest in first.values():  # the source's own first check
            s.add_all(CheckRow(source_id=latest.source_id, checked_at=latest.checked_at - timedelta(days=_added + k + 1),
                               status="ok", http_status=200, text_sha256=latest.text_sha256) for k in range(n - _added))
        s.commit()
    _added = max(_added, n)


def median_ms(url: str, brief_id: str, runs: int) -> float:
    from verifier.service.result import build_result
    from verifier.storage import db

    times = []
    for _ in range(runs):
        with db.read_session_for(url) as s:  # a fresh session: nothing cached, as an API poll
            t = time.perf_counter()
            build_result(s, brief_id).to_json_bytes()
            times.append(time.perf_counter() - t)
    return 1000 * sorted(times)[len(times) // 2]


if __name__ == "__main__":
    main()
