"""Archived copies on the first check, against a real local site and a local Wayback-style endpoint.

The archive endpoint answers like the Wayback availability API: it names the capture nearest
the requested timestamp among the ones it holds, and serves each capture as a page; the
TimeGate answers like a Memento TimeGate (302 to the memento nearest Accept-Datetime).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import parse_qs

import httpx
import pytest

from tests.httpserver import LoopbackServer, Reply, Request
from verifier.core.intake import brief_from_bytes
from verifier.core.statuses import LinkStatus, Verdict
from verifier.net.memento import copy_from_answer
from verifier.service import pipeline
from verifier.service.archive_first import brief_date
from verifier.service.result import build_result
from verifier.settings import Settings, get_settings
from verifier.storage import db

QUOTE = "the evidence supported most of the original conclusions"
OLD = "<p>The committee said the evidence supported most of the original conclusions.</p>"
NEW = "<p>The committee said the evidence supported some of the original conclusions.</p>"
LIVE = "<p>Officials said the evidence supported most of the original conclusions on Monday.</p>"


def page(title: str, para: str) -> bytes:
    filler = "<p>Members met for three days in the capital and heard from forty witnesses.</p>" * 6
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{para}{filler}" \
           f"</article></body></html>".encode()


class Archive:
    """Captures by URL suffix: (timestamp, body); the availability answer picks the nearest."""

    def __init__(self, srv: LoopbackServer, captures: dict[str, list[tuple[str, bytes]]]) -> None:
        self.srv, self.captures, self.asked = srv, captures, []
        srv.route("/wayback/available", self.available)
        for suffix, caps in captures.items():
            for ts, body in caps:
                srv.page(f"/web/{ts}{suffix}", body)

    def available(self, req: Request) -> Reply:
        q = parse_qs(req.query)
        url, ts = q.get("url", [""])[0], q.get("timestamp", ["99999999999999"])[0]
        self.asked.append((url, ts))
        caps = [c for suffix, cs in self.captures.items() if url.endswith(suffix) for c in cs]
        snaps = {}
        if caps:
            best = min(caps, key=lambda c: abs(int(c[0]) - int(ts)))[0]
            suffix = next(s for s in self.captures if url.endswith(s))
            snaps = {"closest": {"available": True, "status": "200", "timestamp": best,
                                 "url": self.srv.url(f"/web/{best}{suffix}")}}
        return Reply(200, json.dumps({"url": url, "archived_snapshots": snaps}).encode(), "application/json")


@pytest.fixture
def site() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        srv.route("/dead", Reply(404, b"<html><body>Not Found</body></html>"))
        srv.route("/failing", Reply(503, b"<html><body>Service Unavailable</body></html>"))
        srv.page("/live", page("Live report", LIVE))
        yield srv


def configure(monkeypatch: pytest.MonkeyPatch, srv: LoopbackServer, **extra: str) -> Settings:
    env = {"VERIFIER_ALLOW_PRIVATE_HOSTS": f"127.0.0.1:{srv.port}", "VERIFIER_ARCHIVE_ON_FAILURE": "true",
           "VERIFIER_ARCHIVE_URL": srv.url("/wayback/available"), "VERIFIER_FETCH_RETRIES": "0",
           "VERIFIER_HOST_INTERVAL": "0", "VERIFIER_RESPECT_ROBOTS": "false", "VERIFIER_FETCH_TIMEOUT": "5",
           **extra}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    return get_settings()


def check(settings: Settings, srv: LoopbackServer, path: str, head: str = "") -> dict[str, object]:
    text = f"{head}Brief\n\nThe panel found “{QUOTE}” [1].\n\n[1] Report. {srv.url(path)}\n"
    with db.session_for(settings.database_url) as session:
        brief = pipeline.check_brief(session, brief_from_bytes(text.encode(), name="b.md"), settings, origin=None)
        return build_result(session, brief.id).model_dump(mode="json")


def test_dead_link_is_judged_on_its_archived_copy(monkeypatch: pytest.MonkeyPatch, site: LoopbackServer) -> None:
    arch = Archive(site, {"/dead": [("20240705120000", page("Findings", OLD))]})
    doc = check(configure(monkeypatch, site), site, "/dead")
    src, q = doc["sources"][0], doc["quotes"][0]  # type: ignore[index]
    assert src["status"] == LinkStatus.NOT_FOUND and src["provenance"] == "archived"
    assert src["archive"] == {"url": site.url("/web/20240705120000/dead"), "captured_at": "2024-07-05T12:00:00Z"}
    assert q["verdict"] == Verdict.UNVERIFIABLE and q["archive_verdict"] == Verdict.VERIFIED
    assert QUOTE in q["evidence"]["text"]
    assert "verified in the archived copy of 2024-07-05" in q["note"]
    assert arch.asked == [(site.url("/dead"), "99999999999999")]  # no brief date: the latest capture


def test_capture_nearest_the_briefs_date_is_judged(monkeypatch: pytest.MonkeyPatch, site: LoopbackServer) -> None:
    Archive(site, {"/failing": [("20220301000000", page("Findings", OLD)), ("20250101000000", page("Findings", NEW))]})
    settings = configure(monkeypatch, site)
    old = check(settings, site, "/failing", head="Date: 2022-04-01\n\n")
    new = check(settings, site, "/failing")
    assert old["sources"][0]["archive"]["captured_at"] == "2022-03-01T00:00:00Z"  # type: ignore[index]
    assert old["quotes"][0]["archive_verdict"] == Verdict.VERIFIED  # type: ignore[index]
    assert new["quotes"][0]["archive_verdict"] == Verdict.ALTERED  # type: ignore[index]
    assert new["quotes"][0]["differences"]  # type: ignore[index]


def test_no_copy_keeps_the_verdict_and_no_archive(monkeypatch: pytest.MonkeyPatch, site: LoopbackServer) -> None:
    arch = Archive(site, {})
    doc = check(configure(monkeypatch, site), site, "/dead")
    assert doc["sources"][0]["archive"] is None and doc["sources"][0]["provenance"] == "fetched"  # type: ignore[index]
    assert doc["quotes"][0]["archive_verdict"] is None and doc["quotes"][0]["verdict"] == Verdict.UNVERIFIABLE  # type: ignore[index]
    assert len(arch.asked) == 1


def test_readable_sources_and_the_setting_off_never_ask(monkeypatch: pytest.MonkeyPatch, site: LoopbackServer) -> None:
    arch = Archive(site, {"/dead": [("20240705120000", page("Findings", OLD))], "/live": []})
    live = check(configure(monkeypatch, site), site, "/live")
    off = check(configure(monkeypatch, site, VERIFIER_ARCHIVE_ON_FAILURE="false"), site, "/dead")
    assert live["quotes"][0]["verdict"] == Verdict.VERIFIED  # type: ignore[index]
    assert off["quotes"][0]["archive_verdict"] is None  # type: ignore[index]
    assert arch.asked == [] and site.hits["/web/20240705120000/dead"] == 0


def test_a_copy_on_a_refused_origin_is_not_fetched(monkeypatch: pytest.MonkeyPatch, site: LoopbackServer) -> None:
    with LoopbackServer() as elsewhere:
        elsewhere.page("/web/20240705120000/dead", page("Findings", OLD))
        answer = {"archived_snapshots": {"closest": {"available": True, "status": "200", "timestamp": "20240705120000",
                                                     "url": elsewhere.url("/web/20240705120000/dead")}}}
        site.route("/wayback/available", Reply(200, json.dumps(answer).encode(), "application/json"))
        doc = check(configure(monkeypatch, site), site, "/dead")
    assert doc["quotes"][0]["archive_verdict"] is None  # type: ignore[index]
    assert elsewhere.total_hits() == 0


@pytest.mark.parametrize("head,expected", [
    ("---\ntitle: X\ndate: 2024-07-05\n---\n", "2024-07-05"), ("Dated 5 July 2024\n", "2024-07-05"),
    ("Published: July 5, 2024.\n", "2024-07-05"), ("Date: 2024-07-05T10:00:00Z\n", "2024-07-05"),
    ("Published: the committee's report\n", None), ("", None),
])
def test_brief_date(head: str, expected: str | None) -> None:
    got = brief_date(head + "Brief\n\nBody text.\n")
    assert (got.date().isoformat() if got else None) == expected


class TimeGate:
    """A 302-style Memento TimeGate: /timegate/<url> → the memento nearest Accept-Datetime."""

    def __init__(self, srv: LoopbackServer, captures: list[tuple[str, bytes]]) -> None:
        self.srv, self.captures, self.asked = srv, captures, []
        for ts, body in captures:
            srv.page(f"/memento/{ts}/dead", body)

    def __call__(self, req: Request) -> Reply:
        wanted = req.headers.get("accept-datetime")
        self.asked.append(wanted)
        at = parsedate_to_datetime(wanted) if wanted else datetime.max.replace(tzinfo=UTC)

        def distance(ts: str) -> float:
            return abs((datetime.strptime(ts, "%Y%m%d%H%M%S").replace(tzinfo=UTC) - at).total_seconds())

        best = min((ts for ts, _ in self.captures), key=distance)
        when = format_datetime(datetime.strptime(best, "%Y%m%d%H%M%S").replace(tzinfo=UTC), usegmt=True)
        memento = self.srv.url(f"/memento/{best}/dead")
        link = f'<{self.srv.url("/dead")}>; rel="original", <{memento}>; rel="memento"; datetime="{when}"'
        return Reply(302, b"", "text/plain", {"Location": memento, "Link": link, "Vary": "accept-datetime"})


def test_memento_timegate_is_asked_when_the_wayback_has_nothing(
        monkeypatch: pytest.MonkeyPatch, site: LoopbackServer) -> None:
    Archive(site, {})
    gate = TimeGate(site, [("20190210080000", page("Findings", OLD)), ("20250301000000", page("Findings", NEW))])
    site.route(f"/timegate/{site.url('/dead')}", gate)
    settings = configure(monkeypatch, site, VERIFIER_MEMENTO_URL=site.url("/timegate/"))
    dated = check(settings, site, "/dead", head="Dated 3 March 2019\n\n")
    latest = check(settings, site, "/dead")
    assert gate.asked == ["Sun, 03 Mar 2019 00:00:00 GMT", None]
    assert dated["sources"][0]["archive"] == {"url": site.url("/memento/20190210080000/dead"),  # type: ignore[index]
                                              "captured_at": "2019-02-10T08:00:00Z"}
    assert dated["quotes"][0]["archive_verdict"] == Verdict.VERIFIED  # type: ignore[index]
    assert latest["quotes"][0]["archive_verdict"] == Verdict.ALTERED  # type: ignore[index]
    assert site.hits["/memento/20250301000000/dead"] == 1


def test_timegate_answers_are_read_for_the_memento_and_its_date() -> None:
    gate = "http://127.0.0.1:1/timegate/http://example.org/a"
    link = ('<http://example.org/a>; rel="original", <http://127.0.0.1:1/m/1/a>; rel="first memento"; '
            'datetime="Tue, 01 Jan 2019 00:00:00 GMT", <http://127.0.0.1:1/m/2/a>; rel="memento"; '
            'datetime="Fri, 05 Jul 2024 12:00:00 GMT"')
    got = copy_from_answer(gate, 302, httpx.Headers({"Location": "/m/2/a", "Link": link}))
    assert got is not None and got.url == "http://127.0.0.1:1/m/2/a"
    assert got.captured_at == datetime(2024, 7, 5, 12, tzinfo=UTC)
    by_path = copy_from_answer(gate, 302, httpx.Headers({"Location": "/web/20200102030405/http://example.org/a"}))
    assert by_path is not None and by_path.captured_at == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert copy_from_answer(gate, 404, httpx.Headers({})) is None
    assert copy_from_answer(gate, 200, httpx.Headers({})) is None  # a page, not a memento


def test_a_claim_on_a_dead_link_shows_the_copys_passages(monkeypatch: pytest.MonkeyPatch,
                                                         site: LoopbackServer) -> None:
    Archive(site, {"/dead": [("20240705120000", page("Findings", OLD))]})
    settings = configure(monkeypatch, site)
    text = f"Brief\n\nThe committee heard forty witnesses over three days in the capital [1].\n\n" \
           f"[1] Report. {site.url('/dead')}\n"
    with db.session_for(settings.database_url) as session:
        brief = pipeline.check_brief(session, brief_from_bytes(text.encode(), name="b.md"), settings, origin=None)
        (claim,) = build_result(session, brief.id).model_dump(mode="json")["claims"]
    assert claim["support"] == "unverifiable" and claim["coverage"] is None and claim["source_ref"] == "1"
    assert "forty witnesses" in claim["evidence"][0]["text"]
