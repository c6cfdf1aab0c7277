"""The cost of rebuilding a brief's result document: what a poller pays after every change.

Why: the API rebuilds a running brief's document each time its version moves (every source
stored, every chunk judged), so the rebuild's cost is paid many times per brief. It should not
grow with the size of the pages the brief cites: the document lists each source's description,
never its text. Measured on the local PostgreSQL (VERIFIER_TEST_DATABASE_URL, a fresh schema)
with a brief citing one page of --chars characters, served by a local server.

    uv run python bench/result_rebuild.py [--chars 1800000] [--runs 20]
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
            print(f"  {median_ms(srv, url, args.runs):.1f} ms")
    finally:
        drop_pg_schema(url)


def median_ms(srv: LoopbackServer, url: str, runs: int) -> float:
    from verifier.core.intake import brief_from_bytes
    from verifier.service import pipeline
    from verifier.service.result import build_result
    from verifier.settings import get_settings
    from verifier.storage import db

    text = f"Brief\n\nThe panel said “heard from forty witnesses over three days” [1].\n\n[1] Big. {srv.url('/big')}\n"
    with db.session_for(url) as s:
        brief_id = pipeline.check_brief(s, brief_from_bytes(text.encode(), name="b.md"), get_settings(), origin=None).id
    times = []
    for _ in range(runs):
        with db.read_session_for(url) as s:  # a fresh session: nothing cached, as an API poll
            t = time.perf_counter()
            build_result(s, brief_id).to_json_bytes()
            times.append(time.perf_counter() - t)
    return 1000 * sorted(times)[len(times) // 2]


if __name__ == "__main__":
    main()
