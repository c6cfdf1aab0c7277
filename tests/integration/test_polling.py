"""Polling a brief: a strong ETag and 304s from a cache keyed by result versions, which every write
moves (a recheck, drift, an archive copy, a worker's bulk update); keys cached with revocation
honoured; a dead pooled PostgreSQL connection replaced without an error. Real SQLite, real
PostgreSQL, a real local HTTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text, update
from sqlmodel import Session, col, select

from tests.httpserver import LoopbackServer
from tests.service import drop_pg_schema, fresh_pg_schema
from verifier.core.intake import brief_from_bytes
from verifier.service import pipeline, recheck
from verifier.service.result import build_result
from verifier.settings import Settings, get_settings
from verifier.storage import db, keys
from verifier.storage.models import Brief, Organization, QuoteRow, Source

QUOTE = "the council approved a smaller budget for the harbour dredging programme"


def page(sentence: str) -> bytes:
    return (f"<html><head><title>Harbour</title></head><body><article><h1>Harbour</h1>"
            f"<p>Local reporters followed the story.</p><p>In the report, {sentence}, officials said.</p>"
            f"<p>Further details are expected.</p></article></body></html>").encode()


def brief_for(srv: LoopbackServer) -> bytes:
    return (f"Harbour brief\n\nReported: “{QUOTE}” [1].\n\nReferences\n[1] Harbour. {srv.url('/a')}\n").encode()


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        srv.page("/a", page(QUOTE))
        yield srv


def api_settings(monkeypatch: pytest.MonkeyPatch, **extra: str) -> Settings:
    env = {"VERIFIER_JOBS_BACKEND": "tests.api.conftest:KeptJobs", "VERIFIER_API_RATE_LIMIT": "0",
           "VERIFIER_RECHECK_INTERVAL": "0", **extra}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    return get_settings()


def owned_brief(session: Session, brief: Brief) -> str:
    """A key of a new organisation that now owns `brief`."""
    key = keys.create_key(session, "newsroom")
    org = session.exec(select(Organization).where(Organization.name == "newsroom")).one()
    brief.org_id = org.id
    session.add(brief)
    session.commit()
    return key


def client_for(key: str) -> TestClient:
    from verifier.api.app import create_app

    return TestClient(create_app(), raise_server_exceptions=False, headers={"Authorization": f"Bearer {key}"})


def changed(c: TestClient, brief_id: str, etag: str) -> tuple[str, dict]:
    """Poll with the ETag held; the document must have changed: (its new ETag, the document)."""
    r = c.get(f"/v1/briefs/{brief_id}", headers={"If-None-Match": etag})
    assert r.status_code == 200, r.text
    assert r.headers["etag"] != etag
    return r.headers["etag"], r.json()


def test_a_finished_brief_is_a_304_for_its_etag(loopback_env: dict[str, str], server: LoopbackServer,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    settings = api_settings(monkeypatch)
    with db.session_for(settings.database_url) as s:
        brief = pipeline.check_brief(s, brief_from_bytes(brief_for(server), name="b.md"), settings, origin=None)
        key = owned_brief(s, brief)
    with client_for(key) as c:
        first = c.get(f"/v1/briefs/{brief.id}")
        assert first.status_code == 200 and first.json()["status"] == "done"
        etag = first.headers["etag"]
        assert etag.startswith('"') and etag.endswith('"')  # strong
        assert first.headers["cache-control"] == "private, no-cache"
        for held in (etag, "W/" + etag, f'"nope", {etag}', "*"):
            r = c.get(f"/v1/briefs/{brief.id}", headers={"If-None-Match": held})
            assert r.status_code == 304 and r.content == b"", held
            assert r.headers["etag"] == etag
        other = c.get(f"/v1/briefs/{brief.id}", headers={"If-None-Match": '"nope"'})
        assert other.status_code == 200 and other.content == first.content
        assert c.get("/v1/briefs/0123456789abcdef").status_code == 404


def test_every_kind_of_write_changes_the_etag(loopback_env: dict[str, str], server: LoopbackServer,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    settings = api_settings(monkeypatch)
    session = db.session_for(settings.database_url)
    brief = pipeline.check_brief(session, brief_from_bytes(brief_for(server), name="b.md"), settings, origin=None)
    key = owned_brief(session, brief)
    with client_for(key) as c:
        etag = c.get(f"/v1/briefs/{brief.id}").headers["etag"]

        server.page("/a", page(QUOTE.replace("smaller", "larger")))  # a recheck that finds drift
        recheck.recheck_sources(session, settings, due_only=False)
        etag, doc = changed(c, brief.id, etag)
        assert len(doc["sources"][0]["history"]) == 2 and doc["quotes"][0]["drift"] == "changed"

        recheck.recheck_sources(session, settings, due_only=False)  # same page again: one more check
        etag, doc = changed(c, brief.id, etag)
        assert len(doc["sources"][0]["history"]) == 3

        src = session.exec(select(Source)).one()  # an archived copy found
        src.archive_url = server.url("/web/2025/a")
        session.add(src)
        session.commit()
        etag, doc = changed(c, brief.id, etag)
        assert doc["sources"][0]["archive"]["url"] == server.url("/web/2025/a")

        # a worker's bulk UPDATE statements, on the brief and on its quotes
        session.execute(update(Brief).where(col(Brief.id) == brief.id).values(error="a note"))
        session.commit()
        etag, doc = changed(c, brief.id, etag)
        assert doc["error"] == "a note"
        session.execute(update(QuoteRow).where(col(QuoteRow.brief_id) == brief.id).values(note="checked"))
        session.commit()
        etag, doc = changed(c, brief.id, etag)
        assert doc["quotes"][0]["note"] == "checked"
        assert c.get(f"/v1/briefs/{brief.id}", headers={"If-None-Match": etag}).status_code == 304
    session.close()


def test_a_rebuild_reads_no_page_text(loopback_env: dict[str, str], server: LoopbackServer,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A document is rebuilt after every change a poller sees: it selects each source's
    description, never the page's text, body, headers or pages (a cited 448-page report's text
    would be read again by every rebuild), nor the brief's own text, and reads the citations once."""
    settings = api_settings(monkeypatch)
    with db.session_for(settings.database_url) as s:
        brief = pipeline.check_brief(s, brief_from_bytes(brief_for(server), name="b.md"), settings, origin=None)
        want = build_result(s, brief.id).model_dump(mode="json")
    statements: list[str] = []

    def keep(_conn: object, _cur: object, stmt: str, *_: object) -> None:
        statements.append(" ".join(stmt.split()))

    engine = db.get_engine(settings.database_url)
    event.listen(engine, "before_cursor_execute", keep)
    try:
        with db.read_session_for(settings.database_url) as s:
            got = build_result(s, brief.id).model_dump(mode="json")
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert got == want and got["sources"][0]["text_sha256"]
    selected = " ".join(st.split(" FROM ")[0] for st in statements)
    for column in ("brief.text", "snapshot.text,", "snapshot.body_gz", "snapshot.headers", "snapshot.pages", "snapshot.redirects"):
        assert column not in selected.replace("snapshot.text_sha256", ""), (column, statements)
    assert sum(" FROM citation" in st for st in statements) == 1, statements


def sourceless_brief(s: Session) -> Brief:
    return pipeline.register_brief(s, brief_from_bytes(b"A brief with no sources.\n", name="b.md"), origin=None)


def test_a_cached_poll_is_one_query(monkeypatch: pytest.MonkeyPatch) -> None:
    """A running brief's poll, once its document is cached, reads one row and nothing else."""
    settings = api_settings(monkeypatch)
    with db.session_for(settings.database_url) as s:
        brief = sourceless_brief(s)
        key = owned_brief(s, brief)
    statements: list[str] = []

    def count(_conn: object, _cur: object, stmt: str, *_: object) -> None:
        statements.append(stmt)

    engine = db.get_engine(settings.database_url)
    with client_for(key) as c:
        assert c.get(f"/v1/briefs/{brief.id}").json()["status"] == "queued"  # builds and caches
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert c.get(f"/v1/briefs/{brief.id}").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1, statements


def test_a_cached_document_is_not_served_to_another_organisation(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache is keyed by brief, not by caller: the owner check runs on every poll, hit or miss."""
    settings = api_settings(monkeypatch)
    with db.session_for(settings.database_url) as s:
        brief = sourceless_brief(s)
        key = owned_brief(s, brief)
        other = keys.create_key(s, "elsewhere")
    with client_for(key) as c:
        assert c.get(f"/v1/briefs/{brief.id}").status_code == 200  # now cached
        r = c.get(f"/v1/briefs/{brief.id}", headers={"Authorization": f"Bearer {other}"})
    assert r.status_code == 404 and r.json()["error"]["status"] == 404
    assert "etag" not in r.headers


def test_a_key_is_trusted_for_its_ttl_then_revoked(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = api_settings(monkeypatch)
    now = [100.0]
    cache = keys.KeyCache(ttl=5, clock=lambda: now[0])
    with db.session_for(settings.database_url) as s:
        key = keys.create_key(s, "newsroom")
        owner = cache.lookup(s, key)
        assert owner is not None
        assert keys.revoke(s, key) == 1
        now[0] += 4.9
        assert cache.lookup(s, key) == owner  # still within the TTL: no query
        now[0] += 0.2
        assert cache.lookup(s, key) is None  # expired: looked up again, revoked
        assert cache.lookup(s, "vk_unknown") is None


def test_a_revoked_key_is_refused_by_the_api(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = api_settings(monkeypatch, VERIFIER_API_KEY_CACHE_SECONDS="0")
    with db.session_for(settings.database_url) as s:
        key = keys.create_key(s, "newsroom")
    with client_for(key) as c:
        assert c.get("/v1/briefs").status_code == 200
        with db.session_for(settings.database_url) as s:
            keys.revoke(s, key)
        assert c.get("/v1/briefs").status_code == 401


@pytest.fixture
def pg_app_url(pg_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema whose connections carry their own application_name."""
    url = fresh_pg_schema(pg_url) + "&application_name=verifier-polling-test"
    try:
        yield url
    finally:
        db.get_engine(url).dispose()
        drop_pg_schema(url.replace("&application_name=verifier-polling-test", ""))


def terminate(pg_url: str) -> int:
    eng = create_engine(pg_url)
    with eng.begin() as c:
        n = c.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                           "WHERE application_name = 'verifier-polling-test'")).scalar_one()
    eng.dispose()
    return int(n)


@pytest.mark.parametrize("key_ttl", ["0", "5"])
def test_a_terminated_connection_is_not_a_500(pg_url: str, pg_app_url: str, key_ttl: str,
                                              monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = api_settings(monkeypatch, VERIFIER_DATABASE_URL=pg_app_url, VERIFIER_API_KEY_CACHE_SECONDS=key_ttl)
    with db.session_for(settings.database_url) as s:
        brief = pipeline.check_brief(s, brief_from_bytes(b"A brief with no sources.\n", name="b.md"),
                                     settings, origin=None)
        key = owned_brief(s, brief)
    with client_for(key) as c:
        for _ in range(3):
            assert c.get(f"/v1/briefs/{brief.id}").status_code == 200
            assert terminate(pg_url) >= 1  # every pooled connection of the app is now dead
            r = c.get(f"/v1/briefs/{brief.id}")
            assert r.status_code == 200, r.text
            assert r.json()["status"] == "done"


class ReadCounter:
    """Counts the version reads a poll awaits in the event loop (PostgreSQL's query-free path aside)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from verifier.storage import store

        self.calls = 0
        real = store.result_version_async

        async def counted(url: str, brief_id: str) -> object:
            self.calls += 1
            return await real(url, brief_id)

        monkeypatch.setattr(store, "result_version_async", counted)


def until(check: object, seconds: float = 3.0) -> bool:
    """Poll `check()` until true, for at most `seconds` (a change notice arrives after the commit)."""
    import time

    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def warm(c: TestClient, brief_id: str, reads: ReadCounter) -> str:
    """Poll until the document is served with no read at all (the change watch is listening); its ETag."""
    def no_read() -> bool:
        before = reads.calls
        return c.get(f"/v1/briefs/{brief_id}").status_code == 200 and reads.calls == before

    assert until(no_read), "a current document kept costing a read"
    return str(c.get(f"/v1/briefs/{brief_id}").headers["etag"])


def two_orgs_on(url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, Brief, str, str]:
    """API settings on `url`, a sourceless brief, its owner's key and another organisation's key."""
    settings = api_settings(monkeypatch, VERIFIER_DATABASE_URL=url)
    with db.session_for(settings.database_url) as s:
        brief = sourceless_brief(s)
        return settings, brief, owned_brief(s, brief), keys.create_key(s, "elsewhere")


def test_on_postgresql_a_current_document_costs_no_query(pg_app_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    settings, brief, key, other = two_orgs_on(pg_app_url, monkeypatch)
    reads = ReadCounter(monkeypatch)
    statements: list[str] = []
    engine = db.get_engine(settings.database_url)
    with client_for(key) as c:
        etag = warm(c, brief.id, reads)
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(str(a[2])))
        before = reads.calls
        for _ in range(20):
            r = c.get(f"/v1/briefs/{brief.id}")
            assert r.status_code == 200 and r.headers["etag"] == etag
        assert c.get(f"/v1/briefs/{brief.id}", headers={"If-None-Match": etag}).status_code == 304
        assert reads.calls == before and statements == []
        # the owner check holds on the query-free path too (the other key's own lookup aside)
        assert c.get(f"/v1/briefs/{brief.id}", headers={"Authorization": f"Bearer {other}"}).status_code == 404
    assert reads.calls == before


def test_on_postgresql_every_write_reaches_the_poller(pg_app_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write to the brief, to one of its quotes, or to a source it cites ends the query-free serving."""
    settings = api_settings(monkeypatch, VERIFIER_DATABASE_URL=pg_app_url)
    session = db.session_for(settings.database_url)
    brief = pipeline.register_brief(session, brief_from_bytes(
        b"Reported: \xe2\x80\x9cthe harbour budget was approved in full\xe2\x80\x9d [1].\n\n"
        b"[1] https://example.org/harbour\n", name="b.md"), origin=None)
    key = owned_brief(session, brief)
    reads = ReadCounter(monkeypatch)
    writes = [
        lambda: session.execute(update(Brief).where(col(Brief.id) == brief.id).values(error="a note")),
        lambda: session.execute(update(QuoteRow).where(col(QuoteRow.brief_id) == brief.id).values(note="checked")),
        lambda: session.execute(update(Source).values(archive_url="https://web.archive.org/web/2025/x")),
    ]
    with client_for(key) as c:
        for write in writes:
            etag = warm(c, brief.id, reads)
            write()
            session.commit()
            assert until(lambda held=etag: c.get(f"/v1/briefs/{brief.id}").headers["etag"] != held), "unseen write"
        doc = c.get(f"/v1/briefs/{brief.id}").json()
    session.close()
    assert doc["error"] == "a note" and doc["quotes"][0]["note"] == "checked"
    assert doc["sources"][0]["archive"]["url"] == "https://web.archive.org/web/2025/x"


def test_on_postgresql_a_lost_change_watch_falls_back_to_reads(pg_url: str, pg_app_url: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """With the listening connection killed, polls read the version again (a write made meanwhile is
    seen), and once it listens again they stop reading."""
    settings = api_settings(monkeypatch, VERIFIER_DATABASE_URL=pg_app_url)
    writer = create_engine(pg_app_url.replace("application_name=verifier-polling-test", "application_name=writer"))
    with db.session_for(settings.database_url) as s:
        brief = sourceless_brief(s)
        key = owned_brief(s, brief)
    reads = ReadCounter(monkeypatch)
    with client_for(key) as c:
        etag = warm(c, brief.id, reads)
        assert terminate(pg_url) >= 1  # the watch's connection among them
        with writer.begin() as conn:  # a write whose notice nobody receives
            conn.execute(text("UPDATE brief SET error = 'while deaf', version = version + 1 WHERE id = :i"),
                         {"i": brief.id})
        assert until(lambda: c.get(f"/v1/briefs/{brief.id}").headers["etag"] != etag), "a write went unseen"
        assert c.get(f"/v1/briefs/{brief.id}").json()["error"] == "while deaf"
        warm(c, brief.id, reads)  # listening again: no reads
    writer.dispose()


def test_an_unreachable_database_is_a_503_not_a_500(monkeypatch: pytest.MonkeyPatch) -> None:
    api_settings(monkeypatch, VERIFIER_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    with client_for("vk_anything") as c:
        r = c.get("/v1/briefs/0123456789abcdef")
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert r.json()["error"]["message"] == "the database is unavailable; retry shortly"


def test_on_postgresql_a_current_poll_is_answered_ahead_of_routing_as_the_route_would(
        pg_app_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """verifier.api.fastpoll answers a trusted key's poll of a current document with the route's own
    response; another organisation, an unknown key and a malformed id still reach the route."""
    from verifier.service import polling

    _, brief, key, other = two_orgs_on(pg_app_url, monkeypatch)
    reads = ReadCounter(monkeypatch)
    routed: list[str] = []
    real = polling.poll_async

    async def counted(url: str, brief_id: str, org_id: int | None) -> object:
        routed.append(brief_id)
        return await real(url, brief_id, org_id)

    monkeypatch.setattr(polling, "poll_async", counted)
    with client_for(key) as c:
        etag = warm(c, brief.id, reads)
        by_route = c.get(f"/v1/briefs/{brief.id}", headers={"Authorization": f"Bearer {other}"})
        assert by_route.status_code == 404 and routed[-1] == brief.id  # the other org's key: the route
        n = len(routed)
        fast = c.get(f"/v1/briefs/{brief.id}")
        fast304 = c.get(f"/v1/briefs/{brief.id}", headers={"If-None-Match": etag})
        assert len(routed) == n  # neither reached the route
        assert fast.status_code == 200 and fast.headers["etag"] == etag and fast.json()["brief_id"] == brief.id
        assert fast.headers["cache-control"] == "private, no-cache" and fast.headers["content-type"] == "application/json"
        assert fast304.status_code == 304 and fast304.content == b""
        assert c.get(f"/v1/briefs/{brief.id}", headers={"Authorization": "Bearer vk_nobody"}).status_code == 401
        assert c.get("/v1/briefs/bad%00id").status_code == 422
        assert len(routed) == n
    monkeypatch.setattr(polling, "poll_async", real)
    with client_for(key) as c:  # with a rate limit to count, every poll goes through the route
        api_settings(monkeypatch, VERIFIER_DATABASE_URL=pg_app_url, VERIFIER_API_RATE_LIMIT="1000")
        monkeypatch.setattr(polling, "poll_async", counted)
        before = len(routed)
        assert c.get(f"/v1/briefs/{brief.id}").status_code == 200
        assert len(routed) == before + 1
