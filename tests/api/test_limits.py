"""VERIFIER_MAX_QUOTES and VERIFIER_MAX_CITATIONS: a brief over them is refused in the contract's
JSON error shape (413), and nothing is stored or started."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import KeptJobs
from verifier.settings import get_settings

BRIEF = ("She said “the harbour will open in the spring” [1] and “the library will close in May” [2].\n\n"
         "[1] https://example.org/a\n[2] https://example.org/b\n[3] https://example.org/c\n")


@pytest.mark.parametrize(("name", "value", "words"), [("VERIFIER_MAX_QUOTES", "1", "2 quotes"),
                                                      ("VERIFIER_MAX_CITATIONS", "2", "3 citations")])
def test_a_brief_over_a_limit_is_413_with_a_one_line_reason(client: TestClient, monkeypatch: pytest.MonkeyPatch,
                                                            name: str, value: str, words: str) -> None:
    before = client.get("/v1/briefs").json()["total"]
    monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    r = client.post("/v1/briefs", json={"text": BRIEF, "title": "big.md"})
    assert r.status_code == 413, r.text
    err = r.json()["error"]
    assert err["status"] == 413 and words in err["message"] and name in err["message"] and "\n" not in err["message"]
    assert KeptJobs.started == [] and client.get("/v1/briefs").json()["total"] == before
    monkeypatch.delenv(name)
    get_settings.cache_clear()
    assert client.post("/v1/briefs", json={"text": BRIEF, "title": "big.md"}).status_code == 202
