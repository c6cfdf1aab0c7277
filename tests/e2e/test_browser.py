"""The report and the submit page in a real headless Chromium, against the real service.

Starts `verifier serve` and `verifier worker` as subprocesses on a SQLite file in tmp and Redis
db 13, serves the sources with the demo site on 127.0.0.1, and drives Debian's chromium with
Playwright. Writes screenshots of the report (1280 and 390 wide) under `screenshots/` at the repo
root. Skips when chromium, playwright or Redis is missing, except under CI=true.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from verifier.cli.demo import BRIEF, DemoSite

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"
CHROMIUM = os.environ.get("VERIFIER_TEST_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _missing(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true", pytrace=False)
    pytest.skip(what)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, key: str | None = None, timeout: float = 5) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.fixture(scope="module")
def playwright_ready() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (uv pip install playwright; never `playwright install`)")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        _missing(f"chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    return sync_playwright


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with DemoSite() as s:
        yield s


@pytest.fixture(scope="module")
def service(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`verifier serve` + `verifier worker` on a fresh SQLite file; yields base URL and an API key."""
    tmp = tmp_path_factory.mktemp("svc")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERIFIER_")}
    env.update({"VERIFIER_DATABASE_URL": f"sqlite:///{tmp}/svc.sqlite", "VERIFIER_REDIS_URL": redis_url,
                "VERIFIER_ALLOW_PRIVATE_HOSTS": "true", "VERIFIER_HOST_INTERVAL": "0",
                "VERIFIER_FETCH_TIMEOUT": "5", "VERIFIER_FETCH_RETRIES": "1", "PYTHONUNBUFFERED": "1"})
    made = subprocess.run([sys.executable, "-m", "verifier", "keys", "create", "browser-test"], env=env,
                          capture_output=True, text=True, timeout=60, cwd=tmp)
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip().splitlines()[-1]
    port = _free_port()
    from verifier.api.app import app

    if any(getattr(r, "path", None) == "/ui" for r in app.routes):
        serve = [sys.executable, "-m", "verifier", "serve", "--port", str(port)]
    else:  # until the web router is included in verifier/api/app.py
        code = ("import uvicorn; from verifier.api.app import app; from verifier.api.web import router; "
                f"app.include_router(router); uvicorn.run(app, host='127.0.0.1', port={port})")
        serve = [sys.executable, "-c", code]
    logs = [open(tmp / "serve.log", "wb"), open(tmp / "worker.log", "wb")]  # noqa: SIM115
    procs = [subprocess.Popen(serve, env=env, cwd=tmp, stdout=logs[0], stderr=subprocess.STDOUT),
             subprocess.Popen([sys.executable, "-m", "verifier", "worker", "--concurrency", "2"], env=env,
                              cwd=tmp, stdout=logs[1], stderr=subprocess.STDOUT)]
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(f"{base}/ui")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or procs[0].poll() is not None:
                raise RuntimeError("the API did not start:\n" + (tmp / "serve.log").read_text()[-3000:])
            time.sleep(0.3)
        yield {"base": base, "key": key, "logs": tmp}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        for f in logs:
            f.close()


def _submit_and_wait(service: dict[str, Any], text: str) -> dict[str, Any]:
    req = urllib.request.Request(f"{service['base']}/v1/briefs", method="POST",
                                 data=json.dumps({"text": text, "title": "demo-brief.md"}).encode(),
                                 headers={"Authorization": f"Bearer {service['key']}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        brief_id = json.loads(r.read())["brief_id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status, body = _get(f"{service['base']}/v1/briefs/{brief_id}", service["key"])
        doc = json.loads(body)
        if status == 200 and doc["status"] in ("done", "failed"):
            assert doc["status"] == "done", doc.get("error")
            return doc
        time.sleep(0.5)
    raise AssertionError("the brief did not finish:\n" + (service["logs"] / "worker.log").read_text()[-3000:])


@pytest.fixture(scope="module")
def browser(playwright_ready: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with playwright_ready() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True,
            args=ARGS, viewport={"width": 1280, "height": 900})
        try:
            yield ctx
        finally:
            ctx.close()


EXPECTED = {"verified", "minor_differences", "altered", "not_found", "misattributed", "unverifiable"}


def test_report_in_the_browser(service: dict[str, Any], site: DemoSite, browser: Any) -> None:
    doc = _submit_and_wait(service, BRIEF.format(base=site.base_url))
    assert {q["verdict"] for q in doc["quotes"]} == EXPECTED
    page = browser.new_page()
    page.set_extra_http_headers({"Authorization": f"Bearer {service['key']}"})
    page.goto(f"{service['base']}/v1/briefs/{doc['brief_id']}/report")
    assert page.locator("h1").inner_text().startswith("Verification report")
    for q in doc["quotes"]:
        card = page.locator(f"#quote-{q['id']}")
        assert card.is_visible()
        from verifier.present.report import VERDICT_LABEL

        assert VERDICT_LABEL[q["verdict"]] in card.locator("h3").inner_text()
        if q["evidence"]:
            assert card.locator("blockquote.evidence mark").inner_text() == q["evidence"]["text"]
        mark = page.locator(f"#in-brief-{q['id']} mark")
        assert mark.is_visible()
    altered = next(q for q in doc["quotes"] if q["verdict"] == "altered")
    diff = page.locator(f"#quote-{altered['id']} p.diff")
    assert "£2.4" in diff.locator("del").first.inner_text() and "£3.4" in diff.locator("ins").first.inner_text()
    # the diff's struck word really is struck, and not by colour alone
    assert "line-through" in diff.locator("del").first.evaluate("e => getComputedStyle(e).textDecorationLine")
    pdf = next(q for q in doc["quotes"] if (q["evidence"] or {}).get("page"))
    assert "page 1" in page.locator(f"#quote-{pdf['id']}").inner_text()
    links = page.locator("a[href*='#:~:text=']")
    assert links.count() >= 5
    # following the highlighted quote in the brief lands on its card
    page.locator(f"#in-brief-{altered['id']}").click()
    assert page.url.endswith(f"#quote-{altered['id']}")
    SHOTS.mkdir(exist_ok=True)
    page.goto(f"{service['base']}/v1/briefs/{doc['brief_id']}/report")
    page.screenshot(path=str(SHOTS / "report-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    page.screenshot(path=str(SHOTS / "report-phone.png"), full_page=True)
    page.emulate_media(media="print")
    assert page.locator("nav.sections").is_hidden()
    page.close()


def test_submit_page_runs_a_brief_to_its_report(service: dict[str, Any], site: DemoSite, browser: Any) -> None:
    page = browser.new_page()
    page.goto(f"{service['base']}/ui")
    page.fill("#key", "not-a-key")
    page.fill("#text", "He said “the ferry runs every seven minutes” [1].\n\n[1] x " + site.base_url + "/nowhere")
    page.click("#go")
    page.locator("#form-error").get_by_text("not accepted").wait_for(timeout=15000)
    page.fill("#key", service["key"])
    page.fill("#title", "Harbour brief")
    page.fill("#text", BRIEF.format(base=site.base_url))
    page.click("#go")
    page.locator("#progress").wait_for(state="visible", timeout=15000)
    page.locator("#report").wait_for(state="visible", timeout=120000)
    assert "Done." in page.locator("#status").inner_text()
    assert page.locator("#source-list li").count() == 5
    assert "#brief=" in page.url
    frame = page.frame_locator("#report-frame")
    assert frame.locator("h1").inner_text() == "Verification report: Harbour brief"
    for v in EXPECTED:
        assert frame.locator(f"article.quote.v-{v}").count() >= 1, v
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "submit-desktop.png"), full_page=False)
    # the key is kept for the tab: a reload resumes the brief from the URL without asking again
    page.reload()
    assert page.locator("#key-set").is_visible()
    page.locator("#report").wait_for(state="visible", timeout=30000)
    page.close()
