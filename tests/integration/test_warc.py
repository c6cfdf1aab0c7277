"""A brief's evidence exported as WARC and read back with warcio (verifier/service/warc.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from tests.httpserver import LoopbackServer, Reply

PAGE = b"""<html><head><title>Harbour</title></head><body><article><p>The harbour wall will be repaired
by the spring, the engineer said on Monday, and the work will cost four million.</p></article></body></html>"""


def test_export_round_trip(tmp_path: Path, loopback_env: dict[str, str]) -> None:
    env = {**os.environ, **loopback_env, "VERIFIER_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite",
           "VERIFIER_RENDER": "never"}
    with LoopbackServer() as srv:
        srv.page("/a", PAGE)
        srv.route("/gone", Reply(404, b"gone"))
        brief = tmp_path / "b.md"
        brief.write_text("The engineer said “the harbour wall will be repaired by the spring” [1], and "
                         "“the work will cost five million” [2].\n\n"
                         f"[1] Harbour, {srv.url('/a')}\n[2] Gone, {srv.url('/gone')}\n")
        p = subprocess.run([sys.executable, "-m", "verifier", "check", str(brief), "--format", "json"],
                           capture_output=True, text=True, env=env, timeout=120)
    doc = json.loads(p.stdout)
    out = tmp_path / "evidence.warc.gz"
    e = subprocess.run([sys.executable, "-m", "verifier", "export", doc["brief_id"], "--warc", str(out)],
                       capture_output=True, text=True, env=env, timeout=60)
    assert e.returncode == 0, e.stderr
    records = []
    with out.open("rb") as f:
        for rec in ArchiveIterator(f):
            body = rec.content_stream().read()
            records.append((rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI"), rec, body))
    types = [r[0] for r in records]
    assert types[0] == "warcinfo"
    assert types.count("response") == 2 and types.count("request") == 2
    assert types.count("metadata") == len(doc["quotes"]) == 2
    resp = next(r for r in records if r[0] == "response" and r[1].endswith("/a"))
    assert resp[2].http_headers.get_statuscode() == "200"
    assert b"harbour wall will be repaired" in resp[3]
    gone = next(r for r in records if r[0] == "response" and r[1].endswith("/gone"))
    assert gone[2].http_headers.get_statuscode() == "404"
    meta = [json.loads(r[3]) for r in records if r[0] == "metadata"]
    q1 = next(m for m in meta if m["quote_id"] == "q1")
    assert q1["verdict"] == "verified" and q1["evidence"]["start"] >= 0
    refers = next(r[2] for r in records if r[0] == "metadata" and json.loads(r[3])["quote_id"] == "q1")
    assert refers.rec_headers.get_header("WARC-Refers-To") == resp[2].rec_headers.get_header("WARC-Record-ID")


def test_export_unknown_brief_is_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "VERIFIER_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite"}
    e = subprocess.run([sys.executable, "-m", "verifier", "export", "nope", "--warc", str(tmp_path / "x.warc.gz")],
                       capture_output=True, text=True, env=env, timeout=60)
    assert e.returncode == 2 and e.stderr.strip().count("\n") == 0 and "nope" in e.stderr
    assert not (tmp_path / "x.warc.gz").exists()
