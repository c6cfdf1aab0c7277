"""The service judges a brief of more than VERIFIER_JUDGE_CHUNK quotes in bounded tasks, with the
verdicts of judging it at once (real PostgreSQL, Redis and Celery worker)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.service import Service, running_service
from verifier.cli.demo import BRIEF, DemoSite

pytestmark = [pytest.mark.service, pytest.mark.slow]


@pytest.fixture(scope="module")
def service(pg_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with running_service(pg_url, redis_url, tmp_path_factory.mktemp("chunk-logs"), VERIFIER_HOST_CONCURRENCY="16",
                         VERIFIER_API_RATE_LIMIT="0", VERIFIER_JUDGE_CHUNK="2") as svc:
        yield svc


def test_a_brief_judged_in_chunks_has_the_verdicts_of_the_cli(service: Service, tmp_path: Path) -> None:
    with DemoSite() as site:
        key = service.new_key("newsroom")
        with httpx.Client(base_url=service.base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
            r = c.post("/v1/briefs", json={"text": BRIEF.format(base=site.base_url), "title": "demo.md"})
            assert r.status_code == 202, r.text
            bid = r.json()["brief_id"]
            doc = service.wait_done(c, [bid])[bid]
        brief = tmp_path / "demo.md"
        brief.write_text(BRIEF.format(base=site.base_url))
        cli = service.cli("check", str(brief), "--format", "json",
                          "--database-url", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    assert doc["status"] == "done"
    assert doc["progress"]["quotes_done"] == doc["progress"]["quotes_total"] == len(doc["quotes"]) > 2
    want = json.loads(cli.stdout)
    assert [(q["id"], q["verdict"], q["source_ref"], q["score"]) for q in doc["quotes"]] == \
        [(q["id"], q["verdict"], q["source_ref"], q["score"]) for q in want["quotes"]]
    log = (service.log_dir / "worker0.log").read_text()
    assert "workers.tasks.judge_chunk" in log and "workers.tasks.finish_judge" in log, log[-3000:]
    assert "raised unexpected" not in log and "ChordError" not in log, log[-3000:]
