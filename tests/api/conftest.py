"""The in-process API on a real SQLite database, with a key, and a jobs backend that keeps what it was given."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient

from verifier.settings import get_settings


class KeptJobs:
    """A jobs backend that records the briefs it was asked to start (the API's side of the interface)."""

    started: ClassVar[list[str]] = []

    def enqueue_brief(self, brief_id: str) -> None:
        self.started.append(brief_id)


@pytest.fixture
def api_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERIFIER_JOBS_BACKEND", "tests.api.conftest:KeptJobs")
    monkeypatch.setenv("VERIFIER_API_RATE_LIMIT", "0")
    monkeypatch.setenv("VERIFIER_MAX_BRIEF_BYTES", "200000")
    get_settings.cache_clear()
    KeptJobs.started.clear()


@pytest.fixture
def key(api_env: None) -> str:
    from verifier.storage import db, keys

    with db.session_for(get_settings().database_url) as s:
        return keys.create_key(s, "newsroom")


@pytest.fixture
def client(key: str) -> Iterator[TestClient]:
    from verifier.api.app import create_app

    with TestClient(create_app(), raise_server_exceptions=False,
                    headers={"Authorization": f"Bearer {key}"}) as c:
        yield c
