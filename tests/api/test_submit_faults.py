"""Submitting under faults: Idempotency-Key replays, and a broker that is down is never a 500."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from tests.api.conftest import KeptJobs
from verifier.settings import get_settings
from verifier.storage import db
from verifier.storage.models import Brief, IdempotencyKey

BRIEF = {"text": "She said “hello there” [1].\n\n[1] https://example.org/a", "title": "a.md"}


def _briefs() -> list[Brief]:
    with db.session_for(get_settings().database_url) as s:
        return list(s.exec(select(Brief)))


def test_the_same_key_gives_the_same_brief_and_body(client: TestClient) -> None:
    first = client.post("/v1/briefs", json=BRIEF, headers={"Idempotency-Key": "k-1"})
    again = client.post("/v1/briefs", json=BRIEF, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 202 and again.status_code == 200
    assert first.json() == again.json() and first.headers["location"] == again.headers["location"]
    assert len(_briefs()) == 1 and KeptJobs.started == [first.json()["brief_id"]]  # started once
    other = client.post("/v1/briefs", json=BRIEF, headers={"Idempotency-Key": "k-2"})
    assert other.status_code == 202 and other.json()["brief_id"] != first.json()["brief_id"]
    assert client.post("/v1/briefs", json=BRIEF).json()["brief_id"] not in {first.json()["brief_id"]}


def test_a_key_is_per_organisation(client: TestClient, key: str) -> None:
    from verifier.storage import keys

    with db.session_for(get_settings().database_url) as s:
        other_key = keys.create_key(s, "other-newsroom")
    mine = client.post("/v1/briefs", json=BRIEF, headers={"Idempotency-Key": "shared"})
    theirs = client.post("/v1/briefs", json=BRIEF, headers={"Idempotency-Key": "shared",
                                                            "Authorization": f"Bearer {other_key}"})
    assert mine.status_code == theirs.status_code == 202
    assert mine.json()["brief_id"] != theirs.json()["brief_id"]


def test_a_key_reused_for_another_brief_is_422(client: TestClient) -> None:
    assert client.post("/v1/briefs", json=BRIEF, headers={"Idempotency-Key": "k"}).status_code == 202
    r = client.post("/v1/briefs", json={**BRIEF, "text": BRIEF["text"] + " more"}, headers={"Idempotency-Key": "k"})
    assert r.status_code == 422 and "Idempotency-Key" in r.json()["error"]["message"]
    assert len(_briefs()) == 1


def test_racing_submits_with_one_key_store_one_brief(client: TestClient) -> None:
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: client.post("/v1/briefs", json=BRIEF, headers={"Idempotency-Key": "race"}),
                                range(8)))
    assert all(a.status_code in (200, 202) for a in answers), [a.text for a in answers]
    assert len({a.json()["brief_id"] for a in answers}) == 1
    with db.session_for(get_settings().database_url) as s:
        assert len(list(s.exec(select(IdempotencyKey)))) == 1
    assert len(_briefs()) == 1


class DownJobs:
    """A broker that is down: every send fails."""

    def enqueue_brief(self, brief_id: str) -> None:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")


def test_a_broker_outage_stores_the_brief_queued_and_answers_202(client: TestClient,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERIFIER_JOBS_BACKEND", "tests.api.test_submit_faults:DownJobs")
    get_settings.cache_clear()
    r = client.post("/v1/briefs", json=BRIEF)
    assert r.status_code == 202, r.text
    (row,) = _briefs()
    assert row.id == r.json()["brief_id"] and row.status == "queued" and row.attempts == 0  # unsent
    assert client.get(f"/v1/briefs/{row.id}").json()["status"] == "queued"
