"""Service throughput and polling latency, in one run.

    uv run python bench/api_bench.py [--briefs 30] [--pollers 50] [--seconds 15]

Starts the real service (API + Celery workers) on the local PostgreSQL and Redis
(VERIFIER_TEST_DATABASE_URL / VERIFIER_TEST_REDIS_URL, each run in a fresh schema), serves
the demo site on 127.0.0.1, and reports:
  - briefs per minute through the API with 1 worker and with 2 workers (concurrency 2 each);
  - the API's median and 99th-percentile latency for `GET /v1/briefs/{id}` under N concurrent pollers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.service import Service, drop_pg_schema, fresh_pg_schema
from verifier.cli.demo import BRIEF, DemoSite

PG = os.environ.get("VERIFIER_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("VERIFIER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def env_for(db_url: str) -> dict[str, str]:
    return {"VERIFIER_DATABASE_URL": db_url, "VERIFIER_REDIS_URL": REDIS, "VERIFIER_ALLOW_PRIVATE_HOSTS": "true",
            "VERIFIER_HOST_INTERVAL": "0", "VERIFIER_HOST_CONCURRENCY": "16", "VERIFIER_FETCH_TIMEOUT": "5",
            "VERIFIER_API_RATE_LIMIT": "0", "VERIFIER_FRESHNESS": "0"}


def throughput(site: DemoSite, workers: int, n: int, logs: Path) -> float:
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    db_url = fresh_pg_schema(PG)
    svc = Service(env_for(db_url), logs)
    try:
        svc.start_api()
        for _ in range(workers):
            svc.start_worker(2)
        key = svc.new_key("bench")
        time.sleep(3)  # workers connect
        with httpx.Client(base_url=svc.base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
            t0 = time.perf_counter()
            ids = [c.post("/v1/briefs", json={"text": BRIEF.format(base=site.base_url) + f"\n<!-- {i} -->\n",
                                              "title": f"bench-{i}.md"}).json()["brief_id"] for i in range(n)]
            done = svc.wait_done(c, ids, timeout=600)
            dt = time.perf_counter() - t0
        assert len(done) == n, f"only {len(done)} of {n} briefs finished"
        return 60 * n / dt
    finally:
        svc.stop()
        drop_pg_schema(db_url)


async def poll_latency(base: str, key: str, brief_id: str, pollers: int, seconds: float) -> list[float]:
    lat: list[float] = []
    limits = httpx.Limits(max_connections=pollers)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"}, limits=limits,
                                 timeout=30) as c:
        stop = time.perf_counter() + seconds

        async def one() -> None:
            while time.perf_counter() < stop:
                t = time.perf_counter()
                r = await c.get(f"/v1/briefs/{brief_id}")
                r.raise_for_status()
                lat.append(time.perf_counter() - t)

        await asyncio.gather(*(one() for _ in range(pollers)))
    return lat


def latency(site: DemoSite, pollers: int, seconds: float, logs: Path) -> tuple[float, float, int]:
    db_url = fresh_pg_schema(PG)
    svc = Service(env_for(db_url), logs)
    try:
        svc.start_api()
        svc.start_worker(2)
        key = svc.new_key("bench")
        with httpx.Client(base_url=svc.base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
            bid = c.post("/v1/briefs", json={"text": BRIEF.format(base=site.base_url)}).json()["brief_id"]
            svc.wait_done(c, [bid])
        lat = asyncio.run(poll_latency(svc.base, key, bid, pollers, seconds))
        lat.sort()
        return statistics.median(lat) * 1000, lat[int(0.99 * (len(lat) - 1))] * 1000, len(lat)
    finally:
        svc.stop()
        drop_pg_schema(db_url)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--briefs", type=int, default=30)
    ap.add_argument("--pollers", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--latency-only", action="store_true", help="skip the throughput runs")
    args = ap.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="verifier-bench-"))
    with DemoSite() as site:
        if not args.latency_only:
            one = throughput(site, 1, args.briefs, logs)
            two = throughput(site, 2, args.briefs, logs)
            print(f"briefs per minute through the API ({args.briefs} briefs of 10 quotes, 5 sources each):")
            print(f"  1 worker  (concurrency 2): {one:7.1f}")
            print(f"  2 workers (concurrency 2): {two:7.1f}")
        med, p99, n = latency(site, args.pollers, args.seconds, logs)
    print(f"polling GET /v1/briefs/{{id}} with {args.pollers} concurrent pollers for {args.seconds:.0f} s "
          f"({n} requests): median {med:.1f} ms, p99 {p99:.1f} ms")


if __name__ == "__main__":
    main()
