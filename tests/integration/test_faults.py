"""Faults lose nothing and invent nothing, on the real service (API + Celery worker + PostgreSQL).

Our own Redis (a server of its own, without persistence, on a free port) is stopped and
restarted mid-run; every PostgreSQL connection of the service is terminated mid-run; the worker
is SIGKILLed mid-brief. Each time: every brief finishes, with the verdicts of a quiet run, and no
source carries our outage as its link status. Recovery relies on heartbeats:
VERIFIER_STALL_AFTER is set far beyond the test's patience.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.service import Service, drop_pg_schema, free_port, fresh_pg_schema
from verifier.cli.demo import BRIEF, DemoSite

pytestmark = [pytest.mark.service, pytest.mark.slow]

#: words that would mean an outage of ours was stored as a link's fault
OUR_FAULTS = ("ConnectionError", "OperationalError", "unexpected error", "Redis", "psycopg")


class OwnRedis:
    """A redis-server of our own that a test may stop and start again (it forgets everything)."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log_dir / "redis.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            pytest.skip("redis-server is not installed")
        self.proc = subprocess.Popen([exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no"], stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        import redis

        while time.monotonic() < deadline:
            with contextlib.suppress(redis.ConnectionError):
                if redis.Redis.from_url(self.url, socket_timeout=1).ping():
                    return
            time.sleep(0.1)
        raise RuntimeError("our redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with DemoSite() as s:
        yield s


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnRedis]:
    r = OwnRedis(tmp_path_factory.mktemp("redis"))
    r.start()
    try:
        yield r
    finally:
        r.stop()


@pytest.fixture(scope="module")
def app_name() -> str:
    return "verifier-faults-" + uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def service(pg_url: str, own_redis: OwnRedis, app_name: str,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    db_url = fresh_pg_schema(pg_url) + f"&application_name={app_name}"
    env = {"VERIFIER_DATABASE_URL": db_url, "VERIFIER_REDIS_URL": own_redis.url,
           "VERIFIER_ALLOW_PRIVATE_HOSTS": "true", "VERIFIER_HOST_INTERVAL": "0",
           "VERIFIER_HOST_CONCURRENCY": "16", "VERIFIER_FETCH_TIMEOUT": "10", "VERIFIER_FETCH_RETRIES": "1",
           "VERIFIER_FRESHNESS": "0",  # every brief fetches its sources, so the faults hit fetches
           "VERIFIER_STALL_AFTER": "3600", "VERIFIER_HEARTBEAT_INTERVAL": "1", "VERIFIER_MAX_ATTEMPTS": "8",
           "VERIFIER_API_RATE_LIMIT": "0", "VERIFIER_ARCHIVE_ON_FAILURE": "false"}
    svc = Service(env, tmp_path_factory.mktemp("faults-logs"))
    svc.start_api()
    svc.start_worker(4)
    try:
        yield svc
    finally:
        svc.stop()
        drop_pg_schema(db_url.rsplit("&application_name=", 1)[0])


@pytest.fixture(scope="module")
def client(service: Service) -> Iterator[httpx.Client]:
    key = service.new_key("newsroom-faults")
    with httpx.Client(base_url=service.base, headers={"Authorization": f"Bearer {key}"}, timeout=60) as c:
        yield c


def brief_text(site: DemoSite) -> str:
    """The demo brief with two slow sources, so that its work is in flight when a fault strikes."""
    slow = "".join(f"[{6 + i}] Slow {i}. {site.base_url}/slow/{i}\n" for i in range(2))
    return BRIEF.format(base=site.base_url) + slow


def submit(client: httpx.Client, body: str) -> str:
    r = client.post("/v1/briefs", json={"text": body, "title": "brief.md"})
    assert r.status_code == 202, r.text
    return str(r.json()["brief_id"])


def verdicts(doc: dict[str, Any]) -> dict[str, str]:
    return {q["id"]: q["verdict"] for q in doc["quotes"]}


def assert_nothing_lost_or_invented(done: dict[str, dict[str, Any]], ids: list[str], quiet: dict[str, str]) -> None:
    assert set(done) == set(ids), f"{len(ids) - len(done)} briefs never finished"
    for bid, doc in done.items():
        assert doc["status"] == "done", (bid, doc.get("error"))
        assert verdicts(doc) == quiet, bid
        for s in doc["sources"]:
            assert not any(w in (s.get("error") or "") for w in OUR_FAULTS), s


@pytest.fixture(scope="module")
def quiet(service: Service, client: httpx.Client, site: DemoSite) -> dict[str, str]:
    """The verdicts of a run without faults."""
    bid = submit(client, brief_text(site))
    doc = service.wait_done(client, [bid], timeout=180)[bid]
    assert doc["status"] == "done"
    got = verdicts(doc)
    assert list(got.values()).count("verified") == 5
    return got


def test_redis_stopped_and_restarted_mid_run(service: Service, client: httpx.Client, site: DemoSite,
                                             own_redis: OwnRedis, quiet: dict[str, str]) -> None:
    ids = [submit(client, brief_text(site)) for _ in range(4)]
    time.sleep(1.5)  # fetches are in flight
    own_redis.stop()
    during = client.post("/v1/briefs", json={"text": brief_text(site), "title": "brief.md"})
    assert during.status_code in (202, 503), during.text  # stored and queued, or refused: never a 500
    time.sleep(4)
    own_redis.start()  # empty: every queue, chord and heartbeat is forgotten
    if during.status_code == 202:
        ids.append(during.json()["brief_id"])
    done = service.wait_done(client, ids, timeout=240)
    assert_nothing_lost_or_invented(done, ids, quiet)


def test_every_postgres_connection_terminated_mid_run(service: Service, client: httpx.Client, site: DemoSite,
                                                      pg_url: str, app_name: str, quiet: dict[str, str]) -> None:
    ids = [submit(client, brief_text(site)) for _ in range(4)]
    eng = create_engine(pg_url)
    killed = 0
    try:
        for pause in (1.0, 2.5):  # once while fetching, once later
            time.sleep(pause)
            with eng.begin() as c:
                killed += len(c.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                             "WHERE application_name = :name AND pid <> pg_backend_pid()"),
                                        {"name": app_name}).all())
    finally:
        eng.dispose()
    assert killed > 0
    done = service.wait_done(client, ids, timeout=240)
    assert_nothing_lost_or_invented(done, ids, quiet)


def test_a_worker_killed_mid_brief_is_seen_by_its_heartbeat(service: Service, client: httpx.Client,
                                                            site: DemoSite, quiet: dict[str, str]) -> None:
    ids = [submit(client, brief_text(site)) for _ in range(4)]
    time.sleep(2.0)  # the worker is inside the slow fetches now
    for w in list(service.workers):
        service.kill_worker(w)
    service.workers.clear()
    service.start_worker(4)
    done = service.wait_done(client, ids, timeout=240)  # far less than VERIFIER_STALL_AFTER
    assert_nothing_lost_or_invented(done, ids, quiet)
