"""The CLI end to end, as a user runs it: a real process, the demo site on 127.0.0.1, a SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from verifier.cli.demo import BRIEF, DemoSite

pytestmark = pytest.mark.slow


def run(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "verifier", *args], capture_output=True, env=full_env,
                          input=stdin, timeout=timeout)


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with DemoSite() as s:
        yield s


@pytest.fixture
def brief_file(site: DemoSite, tmp_path: Path) -> Path:
    p = tmp_path / "brief.md"
    p.write_text(BRIEF.format(base=site.base_url))
    return p


def check_json(brief: Path | str, env: dict[str, str]) -> tuple[int, dict, str]:
    p = run("check", str(brief), "--format", "json", env=env)
    return p.returncode, json.loads(p.stdout), p.stderr.decode()


def test_check_json_gives_every_verdict_and_status(brief_file: Path, loopback_env: dict[str, str]) -> None:
    code, doc, _ = check_json(brief_file, loopback_env)
    assert code == 1  # the brief has wrong quotes and bad links
    verdicts = {q["text"][:30]: q["verdict"] for q in doc["quotes"]}
    by_start = {q["text"].split()[0].lower(): q for q in doc["quotes"]}
    assert verdicts["at least fourteen months,"] == "verified"
    assert by_start["we"]["verdict"] == "verified"
    assert by_start["we"]["evidence"]["text"].startswith("We underestimated")
    assert by_start["fishing"]["verdict"] == "minor_differences"
    assert any(d["kind"] == "spelling" for d in by_start["fishing"]["differences"])
    changed = next(q for q in doc["quotes"] if "£3.4" in q["text"])
    assert changed["verdict"] == "altered"
    assert any(d["kind"] == "replaced" and "3" in d["quote"] for d in changed["differences"])
    assert by_start["sea"]["verdict"] == "misattributed" and by_start["sea"]["source_ref"] == "2"
    reopen = next(q for q in doc["quotes"] if "will not reopen" in q["text"])
    assert reopen["verdict"] == "verified"
    ellipsis = next(q for q in doc["quotes"] if ". . ." in q["text"])
    assert ellipsis["verdict"] == "verified"
    pdf_quote = next(q for q in doc["quotes"] if "inspected every two years" in q["text"])
    assert pdf_quote["verdict"] == "verified" and pdf_quote["evidence"]["page"] == 1
    assert next(q for q in doc["quotes"] if "closed to all boats" in q["text"])["verdict"] == "unverifiable"
    assert by_start["nobody"]["verdict"] == "not_found"
    statuses = {s["ref"]: s["status"] for s in doc["sources"]}
    assert statuses == {"1": "ok", "2": "ok", "3": "ok", "4": "not_found", "5": "soft_404"}
    src1 = doc["sources"][0]
    assert src1["http_status"] == 200 and len(src1["text_sha256"]) == 64
    assert src1["url"].endswith("/news/harbour-wall")


def test_a_document_lists_a_sources_latest_checks_and_show_history_every_one(
        brief_file: Path, loopback_env: dict[str, str]) -> None:
    """A source checked for years: the brief's document lists its latest 20 checks and says how
    many there are; `show --history` lists them all, oldest first."""
    from datetime import timedelta

    from sqlmodel import col, select

    from verifier.settings import get_settings
    from verifier.storage import db
    from verifier.storage.models import CheckRow, utcnow

    _code, doc, _ = check_json(brief_file, loopback_env)
    with db.session_for(get_settings().database_url) as s:
        first = s.exec(select(CheckRow).order_by(col(CheckRow.id))).first()
        assert first is not None
        source_id = first.source_id
        for day in range(1, 25):
            s.add(CheckRow(source_id=source_id, status="not_found" if day == 24 else "ok", http_status=200,
                           checked_at=utcnow() + timedelta(days=day)))
        s.commit()
    shown = json.loads(run("show", doc["brief_id"], "--format", "json", env=loopback_env).stdout)
    full = json.loads(run("show", doc["brief_id"], "--format", "json", "--history", env=loopback_env).stdout)
    [src] = [x for x in shown["sources"] if "history_total" in x]
    assert src["history_total"] == 25 and len(src["history"]) == 20
    assert src["history"][-1]["status"] == "not_found"  # the newest, last
    [whole] = [x for x in full["sources"] if x["ref"] == src["ref"]]
    assert len(whole["history"]) == 25 and "history_total" not in whole
    assert whole["history"][-20:] == src["history"]
    assert all("history_total" not in x for x in shown["sources"] if x["ref"] != src["ref"])


def test_show_and_list_read_the_stored_result(brief_file: Path, loopback_env: dict[str, str]) -> None:
    _code, doc, _ = check_json(brief_file, loopback_env)
    shown = run("show", doc["brief_id"], "--format", "json", env=loopback_env)
    assert shown.returncode == 0
    again = json.loads(shown.stdout)
    assert [q["verdict"] for q in again["quotes"]] == [q["verdict"] for q in doc["quotes"]]
    assert again["sources"][0]["history"][0]["status"] == "ok"
    snap = run("snapshot", str(again["sources"][0]["snapshot_id"]), env=loopback_env)
    assert snap.returncode == 0 and "We underestimated how much of the stonework" in snap.stdout.decode()
    raw = run("snapshot", str(again["sources"][0]["snapshot_id"]), "--raw", env=loopback_env)
    assert raw.stdout.startswith(b"<!doctype html>")
    listed = run("list", env=loopback_env)
    assert doc["brief_id"] in listed.stdout.decode()
    md = run("show", doc["brief_id"], "--format", "markdown", env=loopback_env)
    assert "| q1 |" in md.stdout.decode() and "**altered**" in md.stdout.decode()


def test_private_hosts_refused_without_the_allowance(brief_file: Path) -> None:
    code, doc, _ = check_json(brief_file, {"VERIFIER_HOST_INTERVAL": "0"})
    assert code == 1
    assert {s["status"] for s in doc["sources"]} == {"refused"}
    assert {q["verdict"] for q in doc["quotes"]} == {"unverifiable"}


def test_stdin_brief_and_no_store(site: DemoSite, loopback_env: dict[str, str], tmp_path: Path) -> None:
    text = f"He said “the wall will not reopen to walkers before the summer” [1].\n\n[1] Story. {site.base_url}/news/harbour-wall\n"
    p = run("check", "-", "--format", "json", "--no-store", env=loopback_env, stdin=text.encode())
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["quotes"][0]["verdict"] == "verified"
    assert not (tmp_path / "verifier.sqlite").exists()


def test_brief_from_a_url(site: DemoSite, loopback_env: dict[str, str]) -> None:
    p = run("check", f"{site.base_url}/features/engineer-interview", "--format", "json", env=loopback_env)
    doc = json.loads(p.stdout)
    assert doc["quotes"] and doc["sources"] == []
    assert p.returncode == 1 and {q["verdict"] for q in doc["quotes"]} == {"unverifiable"}


@pytest.mark.parametrize(("content", "name", "message"), [
    (None, "missing.md", "no such file"),
    (b"", "empty.md", "empty"),
    (b"\x00\x01\x02\xff\xfe" * 1000, "garbage.bin", "not a text"),
])
def test_unusable_input_is_one_line_and_exit_2(tmp_path: Path, content: bytes | None, name: str,
                                               message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    p = run("check", str(path))
    err = p.stderr.decode()
    assert p.returncode == 2
    assert message in err.lower()
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_fifty_megabyte_brief_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with open(path, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    p = run("check", str(path))
    assert p.returncode == 2 and "limit" in p.stderr.decode()
    assert "Traceback" not in p.stderr.decode()


def test_brief_without_quotes_is_a_clear_result(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("A brief with no quoted passage at all, and no references either.\n")
    p = run("check", str(path), "--format", "json")
    assert p.returncode == 0
    assert json.loads(p.stdout)["quotes"] == []
    assert "no quoted passages" in p.stderr.decode()


def test_brief_without_citations_makes_quotes_unverifiable(tmp_path: Path) -> None:
    path = tmp_path / "nocite.md"
    path.write_text("The minister said “we will publish every contract before the end of the year.”\n")
    code, doc, err = check_json(path, {})
    assert code == 1 and doc["quotes"][0]["verdict"] == "unverifiable"
    assert "cites no sources" in err


def test_skipped_quotes_say_why_in_the_json(tmp_path: Path) -> None:
    path = tmp_path / "skips.md"
    path.write_text("The mayor said it was “nonsense” at the harbour.\n\n"
                    "A troupe staged a play called “Sons Of The Harbour Town,” opened Friday.\n")
    p = run("check", str(path), "--format", "json", "--no-store")
    doc = json.loads(p.stdout)
    assert [(q["text"], q["reason"]) for q in doc["skipped_quotes"]] == [
        ("nonsense", "one word"), ("Sons Of The Harbour Town,", "a name or title")]


def test_unknown_id_and_bad_usage(tmp_path: Path) -> None:
    p = run("show", "nope")
    assert p.returncode == 2 and "no brief" in p.stderr.decode()
    p = run("check")
    assert p.returncode == 2


def test_html_report(brief_file: Path, loopback_env: dict[str, str]) -> None:
    p = run("check", str(brief_file), "--format", "html", env=loopback_env)
    page = p.stdout.decode()
    assert page.startswith("<!doctype html>")
    assert 'class="q v-altered"' in page and "Misattributed" in page and "#:~:text=" in page


def test_demo_runs(loopback_env: dict[str, str]) -> None:
    p = run("demo", env={"VERIFIER_HOST_INTERVAL": "0"})
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode()
    for verdict in ("verified", "minor_differences", "altered", "misattributed", "unverifiable", "not_found"):
        assert verdict in out


def test_a_database_from_another_version_is_a_clear_error(tmp_path: Path) -> None:
    import sqlite3

    from verifier.storage.db import migrate

    url = f"sqlite:///{tmp_path}/old.sqlite"
    migrate(url)
    with sqlite3.connect(tmp_path / "old.sqlite") as c:
        c.execute("ALTER TABLE brief DROP COLUMN title")
    brief = tmp_path / "b.md"
    brief.write_text("He said “we will finish the bridge before the winter comes” [1].\n\n[1] X. file:///x\n")
    p = run("check", str(brief), "--database-url", url)
    err = p.stderr.decode()
    assert p.returncode == 2 and "database error" in err and "Traceback" not in err


def test_a_quote_only_in_the_structured_data_of_a_script_shell_is_verified(
        tmp_path: Path, loopback_env: dict[str, str]) -> None:
    from tests.httpserver import LoopbackServer

    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Bridge",
                     "articleBody": "The minister said on Tuesday that the bridge would not reopen before the "
                                    "spring, and the contractor was told to finish the repairs by March."})
    page = (f"<html><head><title>Bridge</title><script type='application/ld+json'>{ld}</script></head><body>"
            "<div id='root'></div><script src='/app.js'></script></body></html>").encode()
    with LoopbackServer() as srv:
        srv.page("/bridge", page)
        brief = tmp_path / "brief.md"
        brief.write_text(f"The minister said the bridge “would not reopen before the spring” ([source]({srv.url('/bridge')})).\n")
        code, doc, err = check_json(brief, {**loopback_env, "VERIFIER_RENDER": "never"})
    assert doc["sources"][0]["status"] == "ok", err
    assert doc["quotes"][0]["verdict"] == "verified", code
