"""Rechecks end to end on 127.0.0.1: a site that changes between rounds, a fake archive, real SQLite.

Each page of the site is a function of the round, so one brief covers the seven cases of issue 6:
an edited number, a page moved by a 301, a 404 that comes back, a sidebar-only change, a page that
dies for good (the archive has it), a removed passage and a passage moved far down.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from tests.httpserver import LoopbackServer, Reply, Request
from verifier.core.intake import brief_from_bytes
from verifier.core.values import BriefText
from verifier.service import pipeline, recheck
from verifier.service.result import build_result
from verifier.settings import Settings, get_settings
from verifier.storage import db
from verifier.storage.models import CheckRow, Event, QuoteRow, SnapshotRow, Source, utcnow

QUOTES = {
    "edit": "the review found that repairs on the bridge would take nineteen months to finish",
    "move": "inspectors said the tunnel lighting had failed twice during the winter storms",
    "flap": "the council approved a smaller budget for the harbour dredging programme",
    "sidebar": "volunteers planted four thousand trees along the river path this spring",
    "dies": "the ministry confirmed that the old ferry terminal will close at the end of the year",
    "removed": "officials admitted that the new signal system had been installed without testing",
    "reorder": "residents were asked to report any damage to the sea wall after high tide",
}
FILL = ["Local reporters followed the story through the season.",
        "Further details are expected in the coming weeks.",
        "The figures were published alongside a short summary.",
        "A public meeting is planned for next month."]
TS = "20250101120000"


def html(title: str, paras: list[str], sidebar: str = "Most read: weather, sport, traffic.") -> bytes:
    return (f"<html><head><title>{title}</title></head><body><nav>Home | News | Contact</nav>"
            f"<aside>{sidebar}</aside><article><h1>{title}</h1>" + "".join(f"<p>{p}</p>" for p in paras)
            + "</article><footer>Newsroom.</footer></body></html>").encode()


def para(k: str) -> str:
    return f"In the report, {QUOTES[k]}, according to the officials who spoke on Tuesday."


class Site:
    """The changing site plus a Wayback-style availability endpoint that only has /d/dies."""

    def __init__(self, srv: LoopbackServer) -> None:
        self.srv, self.round = srv, 0
        self.before = {k: html(f"Story {k}", [FILL[0], para(k), *FILL[1:]]) for k in QUOTES}
        self.after = dict(self.before)
        self.after["edit"] = html("Story edit", [FILL[0], para("edit").replace("nineteen", "twenty-two"),
                                                 *FILL[1:]])
        self.after["sidebar"] = html("Story sidebar", [FILL[0], para("sidebar"), *FILL[1:]],
                                     sidebar="Trending now: elections, markets, the cup final, and more.")
        self.after["removed"] = html("Story removed", FILL)
        self.after["reorder"] = html("Story reorder", FILL + ["More on this below."] * 6 + [para("reorder")])
        for k in QUOTES:
            srv.route(f"/d/{k}", self.serve(k))
        srv.route("/d/move-new", self.serve("move"))
        srv.route("/wayback/available", self.wayback)
        srv.route(f"/web/{TS}/{srv.url('/d/dies')}", Reply(200, self.before["dies"]))

    def serve(self, k: str) -> Any:
        def f(req: Request) -> Reply:
            if self.round == 0:
                return Reply(200, self.before[k])
            if k == "move" and req.path != "/d/move-new":
                return Reply(301, b"", headers={"Location": "/d/move-new"})
            if k == "dies" or (k == "flap" and self.round == 1):
                return Reply(404, b"<html><body>Not Found</body></html>")
            return Reply(200, self.after[k])
        return f

    def wayback(self, req: Request) -> Reply:
        from urllib.parse import parse_qs
        q = parse_qs(req.query).get("url", [""])[0]
        snaps: dict[str, Any] = {}
        if q.endswith("/d/dies"):
            snaps = {"closest": {"available": True, "status": "200", "timestamp": TS,
                                 "url": self.srv.url(f"/web/{TS}/{q}")}}
        return Reply(200, json.dumps({"url": q, "archived_snapshots": snaps}).encode(), "application/json")

    def brief(self) -> BriefText:
        keys = list(QUOTES)
        lines = ["Drift brief", ""] + [f"Reported: “{QUOTES[k]}” [{i}]." for i, k in enumerate(keys, 1)]
        lines += ["", "References"] + [f"[{i}] Story {k}. {self.srv.url('/d/' + k)}"
                                       for i, k in enumerate(keys, 1)]
        return brief_from_bytes(("\n".join(lines) + "\n").encode(), name="drift.md")


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


def settings_for(monkeypatch: pytest.MonkeyPatch, srv: LoopbackServer, **extra: str) -> Settings:
    env = {"VERIFIER_RECHECK_INTERVAL": "0", "VERIFIER_STRIKE_SPACING": "0", "VERIFIER_DEAD_AFTER": "3",
           "VERIFIER_ARCHIVE_URL": srv.url("/wayback/available"), **extra}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    return get_settings()


def session_of(settings: Settings) -> Session:
    return db.session_for(settings.database_url)


def test_seven_cases_over_three_rounds(loopback_env: dict[str, str], server: LoopbackServer,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    site = Site(server)
    settings = settings_for(monkeypatch, server)
    session = session_of(settings)
    brief = pipeline.check_brief(session, site.brief(), settings, origin="drift.md")
    doc = build_result(session, brief.id).model_dump(mode="json")
    assert {q["verdict"] for q in doc["quotes"]} == {"verified"}
    summaries = []
    for r in (1, 2, 3):
        site.round = r
        summaries.append(recheck.recheck_sources(session, settings, due_only=False))
        if r == 1:  # one 404: failing, never dead; no drift judged on a failed check
            by_url = {s.url: s for s in session.exec(select(Source))}
            assert by_url[server.url("/d/flap")].state == "failing"
            assert by_url[server.url("/d/flap")].strikes == 1
    assert str(summaries[-1]) == ("rechecked 7 sources: 6 live, 1 dead; quotes: "
                                  "3 unchanged, 1 moved, 1 changed, 1 removed")
    doc = build_result(session, brief.id).model_dump(mode="json")
    src = {s["url"]: s for s in doc["sources"]}
    quotes = {k: next(q for q in doc["quotes"] if q["text"] == QUOTES[k]) for k in QUOTES}
    want = {"edit": ("live", "changed"), "move": ("live", "unchanged"), "flap": ("live", "unchanged"),
            "sidebar": ("live", "unchanged"), "dies": ("dead", None), "removed": ("live", "removed"),
            "reorder": ("live", "moved")}
    got = {k: (src[server.url("/d/" + k)]["state"], quotes[k]["drift"]) for k in QUOTES}
    assert got == want
    # the page that came back was never dead; the dead one is verified against the archive copy
    assert quotes["dies"]["archive_verdict"] == "verified"
    dies = src[server.url("/d/dies")]
    assert dies["status"] == "not_found" and dies["archive"]["url"].endswith(f"/web/{TS}/{server.url('/d/dies')}")
    assert dies["archive"]["captured_at"].startswith("2025-01-01T12:00:00")
    assert quotes["edit"]["drift_text"] is not None and "twenty-two months" in quotes["edit"]["drift_text"]
    assert quotes["edit"]["archive_verdict"] is None  # the archive had no copy of it
    assert [h["status"] for h in src[server.url("/d/flap")]["history"]] == ["ok", "not_found", "ok", "ok"]
    assert all(len(s["history"]) == 4 for s in doc["sources"])
    assert src[server.url("/d/move")]["final_url"] == server.url("/d/move-new")
    # quotes keep pointing at the snapshot they were judged on; evidence still indexes its text
    for q in session.exec(select(QuoteRow)):
        snap = session.get(SnapshotRow, q.snapshot_id)
        assert snap is not None and snap.text is not None and q.evidence is not None
        assert snap.text[q.evidence["start"]:q.evidence["end"]] == q.evidence["text"]
    kinds = sorted(e.kind for e in session.exec(select(Event)))
    assert kinds == ["link_died", "quote_changed", "quote_removed"]  # once each, not once per round
    died = session.exec(select(Event).where(Event.kind == "link_died")).one()
    assert died.brief_id == brief.id


def test_strikes_must_be_spaced(loopback_env: dict[str, str], server: LoopbackServer,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    server.page("/p", html("P", [FILL[0], para("flap"), FILL[1]]))
    settings = settings_for(monkeypatch, server, VERIFIER_STRIKE_SPACING="3600", VERIFIER_DEAD_AFTER="2")
    session = session_of(settings)
    pipeline.check_brief(session, BriefText(text=f"“{QUOTES['flap']}” [1]\n\n[1] {server.url('/p')}\n",
                                            fmt="md"), settings, origin=None)
    server.route("/p", Reply(404, b"gone"))
    for _ in range(3):  # three failures within the hour: one strike
        recheck.recheck_sources(session, settings, due_only=False)
    src = session.exec(select(Source)).one()
    assert (src.state, src.strikes) == ("failing", 1)
    assert src.next_check_at is not None
    # an hour later the next failure counts, and two strikes make it dead
    src.last_strike_at = utcnow() - timedelta(hours=2)
    session.add(src)
    session.commit()
    recheck.recheck_sources(session, settings, due_only=False)
    session.refresh(src)
    assert (src.state, src.strikes) == ("dead", 2)
    assert session.exec(select(CheckRow)).all().__len__() == 5
    # it comes back: live again, strikes reset, link_recovered recorded
    server.page("/p", html("P", [FILL[0], para("flap"), FILL[1]]))
    recheck.recheck_sources(session, settings, due_only=False)
    session.refresh(src)
    assert (src.state, src.strikes) == ("live", 0)
    assert [e.kind for e in session.exec(select(Event).order_by(col(Event.id)))] == ["link_died", "link_recovered"]


def test_blocked_and_transient_never_dead(loopback_env: dict[str, str], server: LoopbackServer,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    server.page("/b", html("B", [FILL[0], para("move"), FILL[1]]))
    server.page("/t", html("T", [FILL[0], para("edit"), FILL[1]]))
    settings = settings_for(monkeypatch, server, VERIFIER_DEAD_AFTER="1", VERIFIER_FETCH_RETRIES="0")
    session = session_of(settings)
    text = f"“{QUOTES['move']}” [1] and “{QUOTES['edit']}” [2]\n\n[1] {server.url('/b')}\n[2] {server.url('/t')}\n"
    pipeline.check_brief(session, BriefText(text=text, fmt="md"), settings, origin=None)
    server.route("/b", Reply(403, b"<html><body>Forbidden</body></html>"))
    server.route("/t", Reply(503, b"<html><body>Service Unavailable</body></html>"))
    recheck.recheck_sources(session, settings, due_only=False)
    by_url = {s.url: s for s in session.exec(select(Source))}
    assert by_url[server.url("/t")].state == "failing"  # one 5xx is never dead, even with DEAD_AFTER=1
    for _ in range(3):
        recheck.recheck_sources(session, settings, due_only=False)
    for s in session.exec(select(Source)):
        session.refresh(s)
    assert (by_url[server.url("/b")].state, by_url[server.url("/b")].strikes) == ("failing", 0)
    assert by_url[server.url("/t")].state == "dead"


def test_conditional_request_304_reuses_text(loopback_env: dict[str, str], server: LoopbackServer,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    body = html("E", [FILL[0], para("sidebar"), FILL[1]])

    def etagged(req: Request) -> Reply:
        if req.headers.get("if-none-match") == '"v1"':
            return Reply(304, b"", headers={"ETag": '"v1"'})
        return Reply(200, body, headers={"ETag": '"v1"'})

    server.route("/e", etagged)
    settings = settings_for(monkeypatch, server)
    session = session_of(settings)
    pipeline.check_brief(session, BriefText(text=f"“{QUOTES['sidebar']}” [1]\n\n[1] {server.url('/e')}\n",
                                            fmt="md"), settings, origin=None)
    summary = recheck.recheck_sources(session, settings, due_only=False)
    assert summary.not_modified == 1 and summary.drift["unchanged"] == 1
    checks = session.exec(select(CheckRow).order_by(col(CheckRow.id))).all()
    assert [c.http_status for c in checks] == [200, 304]
    assert checks[0].snapshot_id == checks[1].snapshot_id  # no new snapshot for an unchanged page
    assert len(session.exec(select(SnapshotRow)).all()) == 1
    src = session.exec(select(Source)).one()
    assert src.check_interval is not None and src.claimed_until is None


def test_claims_are_exclusive_and_most_overdue_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    session = session_of(settings)
    now = utcnow()
    for i in range(40):
        session.add(Source(url=f"http://127.0.0.1:9/{i}", next_check_at=now - timedelta(minutes=i)))
    session.add(Source(url="http://127.0.0.1:9/later", next_check_at=now + timedelta(days=1)))
    session.commit()
    first = recheck.claim_sources(session, settings, due_only=True, limit=5)
    urls = {s.id: s.url for s in session.exec(select(Source))}
    assert {urls[i] for i in first} == {f"http://127.0.0.1:9/{i}" for i in (39, 38, 37, 36, 35)}
    got: list[list[int]] = []
    lock = threading.Lock()

    def sweep() -> None:
        with session_of(settings) as s:
            ids = recheck.claim_sources(s, settings, due_only=True)
        with lock:
            got.append(ids)

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [i for ids in got for i in ids]
    assert len(claimed) == len(set(claimed)) == 35  # every due source once, none twice, "later" not at all
    assert recheck.claim_sources(session, settings, due_only=True) == []
    assert len(recheck.claim_sources(session, settings, due_only=False)) == 1  # --all takes the unclaimed rest


def test_celery_sweep_sends_batches(loopback_env: dict[str, str], server: LoopbackServer,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(5):
        server.page(f"/c{i}", html(f"C{i}", [FILL[0], para("reorder"), FILL[1]]))
    settings = settings_for(monkeypatch, server, VERIFIER_RECHECK_INTERVAL="3600")
    session = session_of(settings)
    text = "“" + QUOTES["reorder"] + "” [1]\n\n" + "".join(f"[{i + 1}] {server.url(f'/c{i}')}\n" for i in range(5))
    pipeline.check_brief(session, BriefText(text=text, fmt="md"), settings, origin=None)
    for src in session.exec(select(Source)):
        assert src.next_check_at is not None  # scheduled when first fetched
        src.next_check_at = utcnow() - timedelta(seconds=1)
        session.add(src)
    session.commit()
    from workers import recheck as wr
    from workers.celery_app import app

    sent: list[list[int]] = []

    def send_inline(args: list[list[int]], queue: str) -> None:  # the broker's part, in this process
        assert queue == "recheck"
        sent.append(list(args[0]))
        wr.recheck_batch.run(args[0])

    monkeypatch.setattr(wr.recheck_batch, "apply_async", send_inline)
    monkeypatch.setattr(recheck, "batch_size", lambda s: 2)
    assert app.main == "verifier"
    assert wr.sweep_due() == 5
    assert [len(b) for b in sent] == [2, 2, 1]
    assert wr.sweep_due() == 0  # rechecked, released and scheduled an interval (+ jitter) later
    assert len(session.exec(select(CheckRow)).all()) == 10
    for src in session.exec(select(Source)):
        session.refresh(src)
        assert src.claimed_until is None and src.check_interval == 3600 * 1.5  # stable text: backs off
    # a redelivered batch whose claims were released does nothing
    assert wr.recheck_batch.run(sent[0])["sources"] == 0


@pytest.fixture
def fresh_pg(pg_url: str) -> Iterator[str]:
    """A throwaway database on the test server, so no other test's rows or schema get in the way."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"verifier_recheck_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        eng = db._engines.pop(url, None)
        if eng is not None:
            eng.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_claims_on_postgresql_skip_locked(fresh_pg: str) -> None:
    """Sweeps racing on PostgreSQL: FOR UPDATE SKIP LOCKED + the conditional UPDATE give disjoint sets."""
    settings = Settings(database_url=fresh_pg)
    old = utcnow() - timedelta(days=1)
    with session_of(settings) as s:
        for i in range(30):
            s.add(Source(url=f"http://127.0.0.1:9/{i}", next_check_at=old + timedelta(seconds=i)))
        s.commit()
    got: list[list[int]] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def sweep() -> None:
        with session_of(settings) as s:
            start.wait()
            ids = recheck.claim_sources(s, settings, due_only=True, limit=10)
        with lock:
            got.append(ids)

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [i for ids in got for i in ids]
    assert len(claimed) == len(set(claimed))  # nobody claimed a source another sweep holds
    assert all(len(ids) <= 10 for ids in got)
    with session_of(settings) as s:
        rest = recheck.claim_sources(s, settings, due_only=True)
    assert not set(rest) & set(claimed) and len(claimed) + len(rest) == 30


def test_events_feed_sources_route_and_signed_webhook(loopback_env: dict[str, str], server: LoopbackServer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib
    import hmac
    from types import SimpleNamespace

    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from verifier.api import events, sources
    from verifier.api.deps import get_caller
    from verifier.service import webhooks
    from verifier.storage.models import Organization

    site = Site(server)
    settings = settings_for(monkeypatch, server)
    session = session_of(settings)
    org = Organization(name="newsroom", webhook_url=server.url("/hook"), webhook_secret="s3cret")
    other = Organization(name="other")
    session.add_all([org, other])
    session.commit()
    brief = pipeline.check_brief(session, site.brief(), settings, origin=None)
    brief.org_id = org.id
    session.add(brief)
    session.commit()
    site.round = 1
    recheck.recheck_sources(session, settings, due_only=False)

    def routes_for(org_id: int | None) -> FastAPI:
        app = FastAPI()
        app.include_router(events.router)
        app.include_router(sources.router)
        app.dependency_overrides[get_caller] = lambda: SimpleNamespace(org_id=org_id)
        return app

    app = routes_for(org.id)
    client = TestClient(app)
    feed = client.get("/v1/events").json()["events"]
    assert sorted(e["kind"] for e in feed) == ["quote_changed", "quote_removed"]
    assert client.get("/v1/events", params={"since": "2999-01-01T00:00:00Z"}).json()["events"] == []
    srcs = client.get(f"/v1/briefs/{brief.id}/sources").json()["sources"]
    assert {s["state"] for s in srcs} == {"live", "failing"} and all(len(s["history"]) == 2 for s in srcs)
    stranger = routes_for(other.id)
    assert TestClient(stranger).get(f"/v1/briefs/{brief.id}/sources").status_code == 404
    assert TestClient(stranger).get("/v1/events").json()["events"] == []

    hook = _HookServer()
    org.webhook_url = hook.url
    session.add(org)
    session.commit()
    try:
        assert webhooks.deliver_pending(session, settings, backoff=0) == 2
        assert webhooks.deliver_pending(session, settings, backoff=0) == 0  # delivered once
    finally:
        hook.close()
    assert len(hook.posts) == 1
    headers, body = hook.posts[0]
    assert headers["x-verifier-signature"] == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert sorted(e["kind"] for e in json.loads(body)["events"]) == ["quote_changed", "quote_removed"]


class _HookServer:
    """A webhook receiver on 127.0.0.1 that keeps what it was POSTed (the shared server serves GETs)."""

    def __init__(self) -> None:
        import http.server

        posts: list[tuple[dict[str, str], bytes]] = []
        self.posts = posts

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                posts.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *a: Any) -> None:
                pass

        self._srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self._srv.server_address[1]}/hook"
        threading.Thread(target=self._srv.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._srv.shutdown()
        self._srv.server_close()
