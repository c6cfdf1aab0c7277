"""Rendering on its own Celery queue: a real API, a real plain `verifier worker` (which consumes the
`render` queue among the others), PostgreSQL, Redis and Debian's Chromium. The fetch task hands
the script-written page to `render_source`; the brief's judge waits for it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.httpserver import LoopbackServer
from tests.integration.test_render import ARTICLE
from tests.service import Service, running_service
from verifier.net.render import chromium_path

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
pytestmark = [pytest.mark.service, pytest.mark.slow,
              pytest.mark.skipif(chromium_path() is None and not IN_CI, reason="chromium not installed")]


@pytest.fixture(scope="module")
def service(pg_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with running_service(pg_url, redis_url, tmp_path_factory.mktemp("render-queue-logs"), processes=1,
                         VERIFIER_API_RATE_LIMIT="1000", VERIFIER_RENDER="auto") as svc:
        yield svc


def test_a_script_written_page_is_rendered_on_the_render_queue(service: Service) -> None:
    key = service.new_key("newsroom")
    with LoopbackServer() as srv, httpx.Client(base_url=service.base, timeout=30,
                                               headers={"Authorization": f"Bearer {key}"}) as client:
        srv.page("/article", ARTICLE)
        text = (f"The engineer said “the harbour wall will be repaired by the spring” [1].\n\n"
                f"[1] Harbour, {srv.url('/article')}\n")
        r = client.post("/v1/briefs", json={"text": text, "title": "brief.md"})
        assert r.status_code == 202, r.text
        doc = service.wait_done(client, [r.json()["brief_id"]], timeout=240)[r.json()["brief_id"]]
    assert doc["sources"][0]["provenance"] == "rendered" and doc["sources"][0]["status"] == "ok"
    assert doc["quotes"][0]["verdict"] == "verified"
    deadline = time.monotonic() + 10
    log = ""
    while "render_source" not in log and time.monotonic() < deadline:
        log = (service.log_dir / "worker0.log").read_text()
        time.sleep(0.5)
    assert "workers.tasks.render_source" in log


def test_a_batch_with_several_pages_to_render_hands_them_all_to_one_render_task(service: Service) -> None:
    """One fetch task fetches the brief's three URLs; the two script-written ones are rendered by the
    one render task it is replaced with, the plain one is counted at once; the judge waits for both."""
    key = service.new_key("newsroom")
    plain = b"<html><body><article><p>The quay will reopen to walkers in June, the council said.</p></article></body></html>"
    with LoopbackServer() as srv, httpx.Client(base_url=service.base, timeout=30,
                                               headers={"Authorization": f"Bearer {key}"}) as client:
        srv.page("/one", ARTICLE)
        srv.page("/two", ARTICLE.replace(b"Harbour", b"Harbour (2)"))
        srv.page("/plain", plain)
        text = (f"The engineer said “the harbour wall will be repaired by the spring” [1]. A second story: "
                f"“the harbour wall will be repaired by the spring” [2]. And “the quay will reopen to walkers "
                f"in June” [3].\n\n[1] One, {srv.url('/one')}\n[2] Two, {srv.url('/two')}\n"
                f"[3] Plain, {srv.url('/plain')}\n")
        r = client.post("/v1/briefs", json={"text": text, "title": "brief.md"})
        assert r.status_code == 202, r.text
        doc = service.wait_done(client, [r.json()["brief_id"]], timeout=240)[r.json()["brief_id"]]
    by_url = {s["url"].rsplit("/", 1)[-1]: s for s in doc["sources"]}
    assert by_url["one"]["provenance"] == by_url["two"]["provenance"] == "rendered"
    assert by_url["plain"]["provenance"] != "rendered"
    assert [q["verdict"] for q in doc["quotes"]] == ["verified"] * 3
    assert doc["progress"]["sources_done"] == doc["progress"]["sources_total"] == 3
