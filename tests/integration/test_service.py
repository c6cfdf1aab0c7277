"""The service end to end on the real PostgreSQL and Redis: API, a real Celery worker, tenancy, crashes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.service import Service, running_service
from verifier.cli.demo import BRIEF, DemoSite

pytestmark = [pytest.mark.service, pytest.mark.slow]


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with DemoSite() as s:
        yield s


@pytest.fixture(scope="module")
def service(pg_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with running_service(pg_url, redis_url, tmp_path_factory.mktemp("service-logs"), VERIFIER_HOST_CONCURRENCY="16",
                         VERIFIER_STALL_AFTER="8", VERIFIER_API_RATE_LIMIT="1000") as svc:
        yield svc


@pytest.fixture(scope="module")
def key(service: Service) -> str:
    return service.new_key("newsroom-a")


@pytest.fixture
def client(service: Service, key: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
        yield c


def submit(client: httpx.Client, text: str, title: str = "brief.md") -> str:
    r = client.post("/v1/briefs", json={"text": text, "title": title})
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/v1/briefs/{r.json()['brief_id']}"
    assert r.json()["status"] == "queued"
    return str(r.json()["brief_id"])


def test_health(service: Service) -> None:
    r = httpx.get(service.base + "/health")
    assert r.status_code == 200 and r.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_brief_runs_to_done_with_the_same_verdicts_as_the_cli(service: Service, client: httpx.Client,
                                                              site: DemoSite) -> None:
    bid = submit(client, BRIEF.format(base=site.base_url))
    doc = service.wait_done(client, [bid])[bid]
    assert doc["status"] == "done"
    verdicts = sorted(q["verdict"] for q in doc["quotes"])
    assert verdicts.count("verified") == 5 and "altered" in verdicts and "misattributed" in verdicts
    assert {s["ref"]: s["status"] for s in doc["sources"]}["4"] == "not_found"
    assert doc["progress"]["quotes_done"] == doc["progress"]["quotes_total"] == len(doc["quotes"])
    report = client.get(f"/v1/briefs/{bid}/report")
    assert report.status_code == 200 and "Misattributed" in report.text
    # pool processes forked from a worker that migrated the database must not share its connections
    log = (service.log_dir / "worker0.log").read_text()
    assert "raised unexpected" not in log and "ChordError" not in log, log[-3000:]


def test_multipart_upload_and_listing(service: Service, client: httpx.Client, site: DemoSite) -> None:
    html = (f"<html><body><p>As reported in <a href='{site.base_url}/news/harbour-wall'>the Courier</a>, "
            "“Fishing boats will still be able to use the inner harbour throughout the repairs.”</p>"
            "</body></html>")
    r = client.post("/v1/briefs", files={"file": ("brief.html", html.encode(), "text/html")})
    assert r.status_code == 202
    bid = r.json()["brief_id"]
    doc = service.wait_done(client, [bid])[bid]
    assert doc["quotes"][0]["verdict"] == "verified" and doc["quotes"][0]["cites"] == ["1"]
    page = client.get("/v1/briefs", params={"limit": 1}).json()
    assert page["total"] >= 1 and len(page["briefs"]) == 1
    assert client.get("/v1/briefs", params={"limit": 1, "offset": 1}).json()["briefs"] != page["briefs"]


def test_tenancy_and_keys(service: Service, client: httpx.Client, site: DemoSite) -> None:
    bid = submit(client, f"“Fishing boats will still be able to use the inner harbour” [1].\n\n[1] C. {site.base_url}/news/harbour-wall\n")
    other = service.new_key("newsroom-b")
    r = httpx.get(f"{service.base}/v1/briefs/{bid}", headers={"Authorization": f"Bearer {other}"})
    assert r.status_code == 404 and r.json()["error"]["status"] == 404
    assert httpx.get(f"{service.base}/v1/briefs/{bid}/report", headers={"Authorization": f"Bearer {other}"}).status_code == 404
    listed = httpx.get(f"{service.base}/v1/briefs", headers={"Authorization": f"Bearer {other}"}).json()
    assert bid not in [b["brief_id"] for b in listed["briefs"]]
    assert httpx.get(f"{service.base}/v1/briefs/{bid}").status_code == 401
    assert httpx.get(f"{service.base}/v1/briefs/{bid}", headers={"Authorization": "Bearer nope"}).status_code == 401
    p = service.cli("keys", "revoke", other)
    assert p.returncode == 0
    # a looked-up key is trusted for VERIFIER_API_KEY_CACHE_SECONDS (5): revocation holds within seconds
    deadline = time.monotonic() + 5 + 5
    while (code := httpx.get(f"{service.base}/v1/briefs",
                             headers={"Authorization": f"Bearer {other}"}).status_code) != 401:
        assert time.monotonic() < deadline, f"a revoked key still answers {code}"
        time.sleep(0.5)


@pytest.mark.parametrize(("kwargs", "status"), [
    ({"json": {}}, 422),
    ({"content": b"not json", "headers": {"content-type": "application/json"}}, 422),
    ({"json": {"text": ""}}, 400),
    ({"json": {"url": "ftp://example.org/brief"}}, 422),
    ({"json": {"text": "x" * 10_100_000}}, 413),
])
def test_bad_input_gets_clear_json_errors(client: httpx.Client, kwargs: dict, status: int) -> None:
    r = client.post("/v1/briefs", **kwargs)
    assert r.status_code == status, r.text
    assert r.json()["error"]["message"]


def test_unknown_brief_is_404(client: httpx.Client) -> None:
    r = client.get("/v1/briefs/doesnotexist")
    assert r.status_code == 404 and "no brief" in r.json()["error"]["message"]


def test_per_key_rate_limit(service: Service, pg_url: str, redis_url: str, tmp_path: Path) -> None:
    env = {**{k: v for k, v in service.env.items() if k.startswith("VERIFIER_")}, "VERIFIER_API_RATE_LIMIT": "5"}
    limited = Service(env, tmp_path)
    limited.start_api()
    try:
        key = limited.new_key("newsroom-rate")
        codes = [httpx.get(f"{limited.base}/v1/briefs", headers={"Authorization": f"Bearer {key}"}).status_code
                 for _ in range(8)]
        assert codes[:5] == [200] * 5 and codes[-1] == 429
        r = httpx.get(f"{limited.base}/v1/briefs", headers={"Authorization": f"Bearer {key}"})
        assert int(r.headers["retry-after"]) >= 1
    finally:
        limited.stop()


def test_a_killed_worker_loses_no_brief(service: Service, client: httpx.Client, site: DemoSite) -> None:
    """SIGKILL the only worker mid-work; a new worker finishes every brief."""
    slow = "\n".join(f"[{i}] Slow {i}. {site.base_url}/slow/{i}" for i in range(1, 5))
    ids = [submit(client, f"They said “the wall will not reopen to walkers before the summer” [1].\n\n{slow}\n"
                          f"[9] Story. {site.base_url}/news/harbour-wall\n") for _ in range(4)]
    time.sleep(2.5)  # the worker is inside the slow fetches now
    for w in list(service.workers):
        service.kill_worker(w)
    service.workers.clear()
    service.start_worker(2)
    done = service.wait_done(client, ids, timeout=240)
    assert set(done) == set(ids)
    assert all(d["status"] == "done" for d in done.values())


def test_scanned_pdf_is_read_on_the_ocr_queue(service: Service, client: httpx.Client) -> None:
    """A scanned PDF source: the fetch defers its pages to the `ocr` queue, then the brief is judged."""
    from tests.httpserver import LoopbackServer
    from tests.integration.test_scanned_pdf import PAGES
    from tests.unit.test_extract import make_pdf
    from verifier.documents import ocr

    if not ocr.ocr_available():
        pytest.skip(str(ocr.unavailable_reason()))
    scan = ocr.rasterize_pdf(make_pdf(PAGES), dpi=200)
    with LoopbackServer() as srv:
        srv.page("/scan.pdf", scan, content_type="application/pdf")
        bid = submit(client, "The report says “The campaign chairman shared internal polling data with a "
                             f"business associate on several occasions” [1].\n\n[1] Report. {srv.url('/scan.pdf')}\n")
        doc = service.wait_done(client, [bid], timeout=240)[bid]
    q = doc["quotes"][0]
    assert doc["status"] == "done" and q["verdict"] == "verified", q
    assert q["evidence"]["page"] == 2
    assert doc["progress"]["ocr_pages_total"] == 4 and doc["progress"]["ocr_pages_done"] == 4


def test_claims_through_the_api(service: Service, client: httpx.Client, site: DemoSite) -> None:
    """The demo brief's cited claims, judged by the Celery worker, in the API's document and report."""
    bid = submit(client, BRIEF.format(base=site.base_url))
    doc = service.wait_done(client, [bid])[bid]
    claims = {c["text"].split(",")[0]: c for c in doc["claims"]}
    boats = next(c for c in doc["claims"] if c["text"].startswith("Fishing boats can still"))
    money = next(c for c in doc["claims"] if "£4.2 million" in c["text"])
    assert boats["support"] == "supported" and boats["evidence"][0]["text"].startswith("Fishing boats")
    assert {"kind": "number", "claim": "£4.2 million", "source": "£2.4 million"} in money["flags"]
    assert all(c["id"].startswith("c") for c in claims.values())
    report = client.get(f"/v1/briefs/{bid}/report")
    assert report.status_code == 200 and 'id="claim-' in report.text and "£2.4 million</mark>" in report.text
