"""Faults on the real service: what a Redis restart and a SIGKILLed worker cost, and what they change.

Why: outages must lose nothing and invent nothing, and recovery must come in seconds (heartbeats),
not after VERIFIER_STALL_AFTER of silence. Starts our own redis-server (no persistence) on a free
port, the API and one worker on PostgreSQL (VERIFIER_TEST_DATABASE_URL), the demo site; runs a
quiet brief, then stops Redis 10 s mid-run (one POST during the outage) and SIGKILLs the worker
mid-brief. Reports the POST's answer and latency, briefs finished, verdicts unlike the quiet run,
sources stored with our outage as their status, and seconds from the fault's end to the last brief.
Settings are the defaults (VERIFIER_STALL_AFTER 90, VERIFIER_HEARTBEAT_INTERVAL 2).

    uv run python bench/faults_bench.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.service import Service, drop_pg_schema, free_port, fresh_pg_schema
from verifier.cli.demo import BRIEF, DemoSite

PG = os.environ.get("VERIFIER_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
OUR_FAULTS = ("ConnectionError", "OperationalError", "unexpected error", "Redis")


class Redis:
    """Our own redis-server, stopped and started again (it forgets everything)."""

    def __init__(self, log: Path) -> None:
        self.port, self.log = free_port(), log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([shutil.which("redis-server") or "redis-server", "--port", str(self.port),
                                      "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                                     stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        time.sleep(0.5)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()


class Run:
    """The service, a client, and the verdicts of a quiet run."""

    def __init__(self, svc: Service, client: httpx.Client, text: str) -> None:
        self.svc, self.c, self.text = svc, client, text
        q = self.submit().json()["brief_id"]
        self.quiet = self.verdicts(svc.wait_done(client, [q], 180)[q])

    def submit(self) -> httpx.Response:
        return self.c.post("/v1/briefs", json={"text": self.text, "title": "b.md"})

    @staticmethod
    def verdicts(doc: dict[str, Any]) -> dict[str, str]:
        return {q["id"]: q["verdict"] for q in doc["quotes"]}

    def report(self, name: str, ids: list[str], t0: float) -> None:
        done = self.svc.wait_done(self.c, ids, 420)
        last = time.monotonic() - t0
        unlike = sum(1 for d in done.values() if d["status"] != "done" or self.verdicts(d) != self.quiet)
        ours = sum(1 for d in done.values() for s in d["sources"]
                   if any(w in (s.get("error") or "") for w in OUR_FAULTS))
        print(f"{name}: {len(done)}/{len(ids)} briefs finished, {unlike} with verdicts unlike a quiet run, "
              f"{ours} sources stored with our outage as their status; "
              f"last finished {last:.1f} s after the fault ended", flush=True)


def redis_restart(run: Run, redis: Redis) -> None:
    ids = [run.submit().json()["brief_id"] for _ in range(4)]
    time.sleep(1.5)
    redis.stop()
    t = time.monotonic()
    r = run.submit()
    print(f"redis: POST during the outage answered {r.status_code} in {time.monotonic() - t:.2f} s", flush=True)
    if r.status_code == 202:
        ids.append(r.json()["brief_id"])
    time.sleep(10)
    redis.start()
    run.report("redis stopped 10 s and restarted", ids, time.monotonic())


def worker_killed(run: Run) -> None:
    ids = [run.submit().json()["brief_id"] for _ in range(4)]
    time.sleep(2.0)
    for w in list(run.svc.workers):
        run.svc.kill_worker(w)
    run.svc.workers.clear()
    run.svc.start_worker(4)
    run.report("worker SIGKILLed mid-brief", ids, time.monotonic())


def main() -> None:
    logs = Path(tempfile.mkdtemp(prefix="faults-bench-"))
    redis = Redis(logs / "redis.log")
    redis.start()
    db_url = fresh_pg_schema(PG)
    env = {"VERIFIER_DATABASE_URL": db_url, "VERIFIER_REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
           "VERIFIER_ALLOW_PRIVATE_HOSTS": "true", "VERIFIER_HOST_INTERVAL": "0", "VERIFIER_HOST_CONCURRENCY": "16",
           "VERIFIER_FETCH_TIMEOUT": "10", "VERIFIER_FETCH_RETRIES": "1", "VERIFIER_FRESHNESS": "0",
           "VERIFIER_API_RATE_LIMIT": "0", "VERIFIER_ARCHIVE_ON_FAILURE": "false"}
    svc = Service(env, logs)
    try:
        with DemoSite() as site:
            slow = "".join(f"[{6 + i}] Slow. {site.base_url}/slow/{i}\n" for i in range(2))
            svc.start_api()
            svc.start_worker(4)
            key = svc.new_key("bench")
            with httpx.Client(base_url=svc.base, headers={"Authorization": f"Bearer {key}"}, timeout=120) as c:
                run = Run(svc, c, BRIEF.format(base=site.base_url) + slow)
                redis_restart(run, redis)
                worker_killed(run)
    finally:
        svc.stop()
        redis.stop()
        drop_pg_schema(db_url)
    print(f"logs: {logs}")


if __name__ == "__main__":
    main()
