"""Issue 13 item 6: webhooks set through the API, refused for private targets, delivered to the address checked."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from fastapi.testclient import TestClient
from sqlmodel import select

from verifier.api.deps import get_resolver
from verifier.service import webhooks
from verifier.settings import get_settings
from verifier.storage import db
from verifier.storage.models import Event, Organization


class Rebinding(AbstractResolver):
    """Answers a public address on the first lookup and 127.0.0.1 on every later one."""

    def __init__(self) -> None:
        self.calls = 0

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        self.calls += 1
        addr = "93.184.216.34" if self.calls == 1 else "127.0.0.1"
        return [{"hostname": host, "host": addr, "port": port, "family": socket.AF_INET, "proto": 0,
                 "flags": socket.AI_NUMERICHOST}]

    async def close(self) -> None:
        pass


class Receiver:
    """A webhook receiver on 127.0.0.1 that counts the POSTs it was sent."""

    def __init__(self) -> None:
        posts: list[bytes] = []
        self.posts = posts

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                posts.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *a: Any) -> None:
                pass

        self._srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self._srv.server_address[1]
        threading.Thread(target=self._srv.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._srv.shutdown()
        self._srv.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _add_event(org_name: str) -> None:
    with db.session_for(get_settings().database_url) as s:
        org = s.exec(select(Organization).where(Organization.name == org_name)).one()
        s.add(Event(org_id=org.id, kind="link_died", detail={"url": "https://example.org/"}))
        s.commit()


def test_private_targets_are_refused_when_set(client: TestClient) -> None:
    for url in ("http://127.0.0.1/hook", "http://[::1]/hook", "http://10.0.0.1/", "ftp://example.org/", "/relative"):
        r = client.put("/v1/webhook", json={"url": url})
        assert r.status_code == 422 and "refused" in r.json()["error"]["message"], (url, r.text)
    assert client.get("/v1/webhook").json() == {"url": None, "signed": False}


def test_a_rebinding_name_gets_no_delivery(client: TestClient, receiver: Receiver) -> None:
    resolver = Rebinding()
    client.app.dependency_overrides[get_resolver] = lambda: resolver  # type: ignore[attr-defined]
    url = f"http://rebind.example:{receiver.port}/hook"
    r = client.put("/v1/webhook", json={"url": url})
    assert r.status_code == 200 and r.json()["url"] == url and r.json()["secret"]  # public on the first lookup
    test = client.post("/v1/webhook/test").json()
    assert test["delivered"] is False and "private" in test["error"]
    _add_event("newsroom")
    with db.session_for(get_settings().database_url) as s:
        assert webhooks.deliver_pending(s, get_settings(), backoff=0, resolver=resolver) == 0
    assert receiver.posts == [] and resolver.calls >= 3


def test_a_webhook_set_tested_and_delivered_when_private_hosts_are_allowed(
        client: TestClient, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERIFIER_ALLOW_PRIVATE_HOSTS", "true")
    get_settings.cache_clear()
    url = f"http://127.0.0.1:{receiver.port}/hook"
    secret = client.put("/v1/webhook", json={"url": url, "secret": "s3cret"}).json()["secret"]
    assert secret == "s3cret" and client.get("/v1/webhook").json() == {"url": url, "signed": True}
    assert client.post("/v1/webhook/test").json() == {"delivered": True, "status": 204, "error": None}
    _add_event("newsroom")
    with db.session_for(get_settings().database_url) as s:
        assert webhooks.deliver_pending(s, get_settings(), backoff=0) == 1
    assert len(receiver.posts) == 2 and b'"ping"' in receiver.posts[0] and b"link_died" in receiver.posts[1]
    assert client.delete("/v1/webhook").status_code == 204
    assert client.get("/v1/webhook").json()["url"] is None
    assert client.post("/v1/webhook/test").status_code == 404
