"""Start the real service for tests: `verifier serve` and `verifier worker` as subprocesses."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_pg_schema(base_url: str) -> str:
    """A new empty schema in the test database, as a URL whose search_path points at it."""
    name = "t_" + uuid.uuid4().hex[:10]
    eng = create_engine(base_url)
    with eng.begin() as c:
        c.execute(text(f"CREATE SCHEMA {name}"))
    eng.dispose()
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options=-csearch_path%3D{name}"


def drop_pg_schema(url: str) -> None:
    name = url.rsplit("%3D", 1)[-1]
    base = url.split("?")[0]
    eng = create_engine(base)
    with eng.begin() as c:
        c.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
    eng.dispose()


class Service:
    """An API process and any number of worker processes sharing one environment."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = {**os.environ, **env}
        self.log_dir = log_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.api: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "verifier", *args], env=self.env, capture_output=True,
                              text=True, timeout=120)

    def new_key(self, org: str) -> str:
        p = self.cli("keys", "create", org)
        assert p.returncode == 0, p.stderr
        return p.stdout.strip().splitlines()[-1]

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        return subprocess.Popen([sys.executable, "-m", "verifier", *args], env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    def start_api(self, workers: int = 1) -> None:
        self.api = self._spawn("api", "serve", "--port", str(self.port), "--workers", str(workers))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/health", timeout=2).status_code in (200, 503):
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise RuntimeError("the API did not start: " + (self.log_dir / "api.log").read_text()[-2000:])

    def start_worker(self, concurrency: int = 2) -> subprocess.Popen[bytes]:
        w = self._spawn(f"worker{len(self.workers)}", "worker", "--concurrency", str(concurrency))
        self.workers.append(w)
        return w

    def kill_worker(self, w: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker and its pool children, as a crash would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(w.pid, signal.SIGKILL)
        w.wait(timeout=10)

    def stop_workers(self) -> None:
        """SIGTERM the workers (a warm shutdown) and wait for them."""
        for w in self.workers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(w.pid, signal.SIGTERM)
        for w in self.workers:
            try:
                w.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill_worker(w)
        self.workers = []

    def stop(self) -> None:
        for p in [*self.workers, *( [self.api] if self.api else [])]:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                    p.wait(timeout=10)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(p.pid, signal.SIGKILL)

    def wait_done(self, client: httpx.Client, brief_ids: list[str], timeout: float = 180) -> dict[str, dict]:
        done: dict[str, dict] = {}
        deadline = time.monotonic() + timeout
        while len(done) < len(brief_ids) and time.monotonic() < deadline:
            for bid in brief_ids:
                if bid in done:
                    continue
                doc = client.get(f"/v1/briefs/{bid}").json()
                if doc.get("status") in ("done", "failed"):
                    done[bid] = doc
            time.sleep(0.5)
        return done


#: what every service test runs with: loopback fetching, no politeness waits, one quick retry
LOOPBACK_SETTINGS = {"VERIFIER_ALLOW_PRIVATE_HOSTS": "true", "VERIFIER_HOST_INTERVAL": "0",
                     "VERIFIER_FETCH_TIMEOUT": "5", "VERIFIER_FETCH_RETRIES": "1"}


@contextlib.contextmanager
def running_service(pg_url: str, redis_url: str, log_dir: Path, *, processes: int = 2,
                    **settings: str) -> Iterator[Service]:
    """The API and one worker of `processes` pool processes on a fresh PostgreSQL schema and an
    emptied Redis database, with LOOPBACK_SETTINGS and `settings` (VERIFIER_… names) on top;
    stopped, and the schema dropped, afterwards."""
    import redis

    db_url = fresh_pg_schema(pg_url)
    redis.Redis.from_url(redis_url).flushdb()
    svc = Service({"VERIFIER_DATABASE_URL": db_url, "VERIFIER_REDIS_URL": redis_url, **LOOPBACK_SETTINGS,
                   **settings}, log_dir)
    try:
        svc.start_api()
        svc.start_worker(processes)
        yield svc
    finally:
        svc.stop()
        drop_pg_schema(db_url)
