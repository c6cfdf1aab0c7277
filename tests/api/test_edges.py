"""Issue 13 item 5: input the API refuses at its edge, in the contract's JSON error shape, never with a 500."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import KeptJobs
from verifier.api.errors import ApiError
from verifier.api.submission import FRAMING, read_capped


def assert_error(r: object, status: int) -> None:
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    err = r.json()["error"]  # type: ignore[attr-defined]
    assert err["status"] == status and isinstance(err["message"], str) and err["message"]


def test_a_brief_submitted_is_started_through_the_jobs_interface(client: TestClient) -> None:
    r = client.post("/v1/briefs", json={"text": "She said “hello there” [1].\n\n[1] https://example.org/a",
                                        "title": "hello.md"})
    assert r.status_code == 202 and KeptJobs.started == [r.json()["brief_id"]]
    assert client.get(f"/v1/briefs/{r.json()['brief_id']}").json()["status"] == "queued"


@pytest.mark.parametrize("path", ["/v1/briefs/%00", "/v1/briefs/%00/report", "/v1/briefs/%00/sources",
                                  "/v1/briefs/a%00b", "/v1/briefs/" + "a" * 65])
def test_a_malformed_brief_id_is_422(client: TestClient, path: str) -> None:
    assert_error(client.get(path), 422)


def test_an_unknown_brief_id_is_404(client: TestClient) -> None:
    for path in ("/v1/briefs/0123456789abcdef", "/v1/briefs/0123456789abcdef/report",
                 "/v1/briefs/0123456789abcdef/sources"):
        assert_error(client.get(path), 404)


@pytest.mark.parametrize("query", ["/v1/briefs?offset=9223372036854775808", "/v1/briefs?offset=-1",
                                   "/v1/briefs?limit=0", "/v1/events?after_id=3000000000",
                                   "/v1/events?after_id=-5", "/v1/events?since=yesterday"])
def test_numbers_out_of_range_are_422(client: TestClient, query: str) -> None:
    assert_error(client.get(query), 422)


def test_the_largest_accepted_numbers_answer(client: TestClient) -> None:
    assert client.get("/v1/briefs", params={"offset": 2**31 - 1}).json()["briefs"] == []
    assert client.get("/v1/events", params={"after_id": 2**31 - 1}).json()["events"] == []


@pytest.mark.parametrize("title", ["a\x00b", "\ud800"])
def test_a_title_the_database_cannot_hold_is_422(client: TestClient, title: str) -> None:
    import json

    body = json.dumps({"text": "He said “yes” [1].\n\n[1] https://example.org/", "title": title})
    assert_error(client.post("/v1/briefs", content=body, headers={"Content-Type": "application/json"}), 422)
    assert KeptJobs.started == []


def test_a_brief_over_the_limit_is_413_and_an_unreadable_one_400(client: TestClient) -> None:
    assert_error(client.post("/v1/briefs", json={"text": "x" * 200_001}), 413)
    # the file name carries the word "limit": the status follows the error's kind, not its words
    garbage = bytes(range(32)) * 100
    assert_error(client.post("/v1/briefs", files={"file": ("over-the-limit.txt", garbage, "text/plain")}), 400)


def test_a_chunked_body_over_the_cap_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(40):
            yield b"y" * 10_000
        yield b'"}'

    assert_error(client.post("/v1/briefs", content=chunks(), headers={"Content-Type": "application/json"}), 413)


def test_the_cap_stops_reading_at_the_first_chunk_past_it() -> None:
    taken: list[int] = []

    async def stream() -> AsyncIterator[bytes]:
        for i in range(1000):
            taken.append(i)
            yield b"z" * 1000

    with pytest.raises(ApiError) as e:
        asyncio.run(read_capped(stream(), FRAMING + 5000))
    assert e.value.status_code == 413 and len(taken) == (FRAMING + 5000) // 1000 + 1


def test_a_content_length_that_says_too_much_is_413_before_reading(client: TestClient) -> None:
    r = client.post("/v1/briefs", content=b'{"text": "short"}',
                    headers={"Content-Type": "application/json", "Content-Length": str(10**12)})
    assert_error(r, 413)


def test_a_content_length_that_is_not_a_number_is_400(client: TestClient) -> None:
    from starlette.requests import Request

    from verifier.api.submission import declared_length

    req = Request({"type": "http", "headers": [(b"content-length", b"12abc")]})
    with pytest.raises(ApiError) as e:
        declared_length(req)
    assert e.value.status_code == 400


def test_no_key_is_401_in_the_error_shape(key: str) -> None:
    from verifier.api.app import create_app

    with TestClient(create_app()) as anonymous:
        r = anonymous.get("/v1/briefs")
    assert_error(r, 401)
    assert r.headers["www-authenticate"] == "Bearer"
