"""Supplied source copies through the API (multipart `sources[REF]`, JSON `sources`), and the
brief's evidence as WARC (`GET /v1/briefs/{id}/warc`), read back with warcio.

The brief's work runs in-process after the submission (the pipeline functions the Celery tasks
call), against a real local server whose cited page is a bot wall."""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from warcio.archiveiterator import ArchiveIterator

from tests.hostile import cases
from tests.hostile.botwalls import WALLS
from tests.httpserver import LoopbackServer, Reply
from verifier.cli.demo import tiny_pdf
from verifier.settings import get_settings
from verifier.storage import db

WALL = next(w for w in WALLS if w.name == "cloudflare-managed-challenge-403")
SAVED = ("<html><head><title>Committee findings</title></head><body><article><h1>Committee findings</h1>"
         "<p>The committee said the new rules would take effect in January, and that every member had "
         "agreed to the final wording.</p></article></body></html>")


@pytest.fixture(scope="module")
def srv() -> Iterator[LoopbackServer]:
    with LoopbackServer() as s:
        s.route("/walled", Reply(WALL.status, WALL.body, headers=dict(WALL.headers)))
        s.page("/open", b"<html><body><article><p>The trust spent four million pounds on the quay last "
                        b"year, its report said.</p></article></body></html>")
        yield s


@pytest.fixture
def live(loopback_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERIFIER_RENDER", "never")
    get_settings.cache_clear()


def brief_text(srv: LoopbackServer) -> str:
    return ("The committee said “the new rules would take effect in January” [1]; the trust “spent four "
            f"million pounds on the quay last year” [2].\n\n[1] {srv.url('/walled')}\n[2] {srv.url('/open')}\n")


def run_work(brief_id: str) -> None:
    """What the fetch and judge tasks do, in this process."""
    from verifier.service import pipeline

    settings = get_settings()
    with db.session_for(settings.database_url) as s:
        asyncio.run(pipeline.fetch_sources(s, pipeline.sources_to_fetch(s, brief_id, settings), settings))
        pipeline.judge_brief(s, brief_id, settings)


def judged(client: TestClient, r: object) -> dict:
    assert r.status_code == 202, r.text  # type: ignore[attr-defined]
    brief_id = r.json()["brief_id"]  # type: ignore[attr-defined]
    run_work(brief_id)
    return client.get(f"/v1/briefs/{brief_id}").json()


def test_multipart_sources_part_is_judged_and_the_live_status_kept(client: TestClient, srv: LoopbackServer,
                                                                    live: None) -> None:
    r = client.post("/v1/briefs", files={"file": ("brief.md", brief_text(srv).encode(), "text/markdown"),
                                         "sources[1]": ("saved-page.html", SAVED.encode(), "text/html")})
    doc = judged(client, r)
    src = {s["ref"]: s for s in doc["sources"]}
    assert src["1"]["status"] == "blocked" and src["1"]["provenance"] == "supplied"
    assert src["1"]["supplied"]["file_name"] == "saved-page.html"
    assert src["2"]["provenance"] == "fetched"
    assert [q["verdict"] for q in doc["quotes"]] == ["verified", "verified"]
    report = client.get(f"/v1/briefs/{doc['brief_id']}/report").text
    assert "judged on the supplied copy saved-page.html" in report


def test_json_sources_text_and_base64(client: TestClient, srv: LoopbackServer, live: None) -> None:
    pdf = tiny_pdf(["Minutes of the committee", "the new rules would take effect in January, it said."])
    r = client.post("/v1/briefs", json={"text": brief_text(srv), "title": "brief.md", "sources": {
        "1": {"base64": base64.b64encode(pdf).decode(), "file_name": "minutes.pdf"},
        "2": {"text": "The trust spent four million pounds on the quay last year."}}})
    doc = judged(client, r)
    src = {s["ref"]: s for s in doc["sources"]}
    assert src["1"]["supplied"]["file_name"] == "minutes.pdf"
    assert src["2"]["provenance"] == "supplied" and src["2"]["status"] == "ok"
    assert [q["verdict"] for q in doc["quotes"]] == ["verified", "verified"]


@pytest.mark.parametrize(("sources", "status", "needle"), [
    ({"7": {"text": "some words here and there"}}, 422, "[7]"),
    ({"1": {"base64": "not base64!!"}}, 422, "base64"),
    ({"1": {"text": "x", "base64": "eA=="}}, 422, "not both"),
    ({"1": {"text": "y" * 200_001}}, 413, "limit"),
    ({"1": {"base64": base64.b64encode(bytes(range(256)) * 8).decode(), "file_name": "noise.bin"}}, 400,
     "not a text"),
], ids=["unknown-ref", "bad-base64", "both", "too-large", "binary"])
def test_bad_json_sources_are_refused(client: TestClient, srv: LoopbackServer, sources: dict, status: int,
                                      needle: str) -> None:
    r = client.post("/v1/briefs", json={"text": brief_text(srv), "sources": sources})
    assert r.status_code == status, r.text
    assert needle in r.json()["error"]["message"] if "error" in r.json() else needle in r.text


def test_a_word_bomb_supplied_as_a_copy_is_refused(client: TestClient, srv: LoopbackServer, tmp_path) -> None:
    bomb = cases.zip_bomb_docx(tmp_path / "bomb.docx", 100 << 20).read_bytes()  # 100 MB inflated, ~0.1 MB sent
    r = client.post("/v1/briefs", files={"file": ("brief.md", brief_text(srv).encode(), "text/markdown"),
                                         "sources[1]": ("bomb.docx", bomb, "application/octet-stream")})
    assert r.status_code == 413 and "Word file" in r.text


def test_warc_route_streams_every_record_and_is_scoped(client: TestClient, srv: LoopbackServer, live: None,
                                                       key: str) -> None:
    r = client.post("/v1/briefs", files={"file": ("brief.md", brief_text(srv).encode(), "text/markdown"),
                                         "sources[1]": ("saved-page.html", SAVED.encode(), "text/html")})
    doc = judged(client, r)
    got = client.get(f"/v1/briefs/{doc['brief_id']}/warc")
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/warc")
    records = [(rec.rec_type, rec.rec_headers, rec.content_stream().read())
               for rec in ArchiveIterator(io.BytesIO(got.content))]
    kinds = [kind for kind, _, _ in records]
    assert kinds[0] == "warcinfo" and kinds.count("metadata") == 2
    assert {"response", "request", "resource"} <= set(kinds)
    _, headers, body = next(r for r in records if r[0] == "resource")
    assert headers.get_header("WARC-Verifier-File-Name") == "saved-page.html"
    assert "API key" in headers.get_header("WARC-Verifier-Supplied-By")
    assert body == SAVED.encode()
    # another organisation's key, and no key
    from verifier.storage import keys

    with db.session_for(get_settings().database_url) as s:
        other = keys.create_key(s, "another newsroom")
    assert client.get(f"/v1/briefs/{doc['brief_id']}/warc",
                      headers={"Authorization": f"Bearer {other}"}).status_code == 404
    assert client.get(f"/v1/briefs/{doc['brief_id']}/warc", headers={"Authorization": ""}).status_code == 401
    assert client.get("/v1/briefs/0000000000000000/warc").status_code == 404
