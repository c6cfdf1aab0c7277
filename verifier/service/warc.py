"""Evidence that leaves the tool: a brief's judged snapshots as a WARC file (warcio).

Why WARC: it is the web archivists' own format (Perma, ArchiveBox, the Internet Archive, pywb
replay it), so what verifier judged a quote on can be kept, replayed and checked elsewhere.

What goes in, per snapshot judged for the brief (the latest of every cited source, and every one a
quote points at):
  * a `request` record (GET with verifier's User-Agent: the request line and headers verifier
    sends; older snapshots did not keep them, so they are rebuilt and marked so) and a `response`
    record with the status line, the kept response headers and the body as stored (decoded from
    its Content-Encoding, so that header is dropped and the record says so), for fetched pages;
  * a `resource` record for a page as headless Chromium rendered it (the DOM), and for a copy
    the user supplied;
  * one `metadata` record per quote (JSON: its id, text, verdict, the evidence's offsets and page in
    the snapshot's extracted text, and the snapshot's own record id in WARC-Refers-To).
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from sqlmodel import Session
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from verifier.settings import Settings
from verifier.storage import store
from verifier.storage.models import Brief, SnapshotRow

#: headers that describe the body as sent, not as stored (decoded, whole)
_AS_SENT = {"content-encoding", "transfer-encoding", "content-length"}


def header_pairs(headers: Any) -> list[tuple[str, str]]:
    """A snapshot's stored headers as (name, value) pairs: a list of pairs, or an older dict."""
    if isinstance(headers, dict):
        return [(str(k), str(v)) for k, v in headers.items()]
    return [(str(k), str(v)) for k, v in (headers or [])]


def _iso(dt: datetime | None) -> str:
    dt = dt or datetime.now(UTC)  # stored times come back aware (UTCDateTime)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _body(row: SnapshotRow, settings: Settings) -> bytes:
    with tempfile.TemporaryFile() as tmp:
        store.write_body(row, tmp, settings.blob_path)
        tmp.seek(0)
        return tmp.read()


def _supplied(row: SnapshotRow) -> dict[str, str]:
    """A supplied copy's file name, digest and supplier, as WARC headers (printable ASCII only)."""
    if not row.supplied:
        return {}
    fields = {"WARC-Verifier-File-Name": row.supplied.get("file_name"),
              "WARC-Verifier-Supplied-By": row.supplied.get("supplied_by"),
              "WARC-Verifier-Sha256": row.supplied.get("sha256")}
    return {k: _header_safe(str(v)) for k, v in fields.items() if v}


def _header_safe(value: str) -> str:
    return "".join(c if " " <= c <= "~" else "?" for c in value)[:300]


class _Writer:
    """A WARCWriter that remembers the record id written for each snapshot."""

    def __init__(self, out: IO[bytes], settings: Settings) -> None:
        self.w = WARCWriter(out, gzip=True)
        self.settings = settings
        self.ids: dict[int, str] = {}
        self.count = 0

    def _write(self, rec: Any) -> str:
        self.w.write_record(rec)
        self.count += 1
        return str(rec.rec_headers.get_header("WARC-Record-ID"))

    def info(self, brief: Brief) -> None:
        payload = json.dumps({"software": "verifier", "brief_id": brief.id, "title": brief.title,
                              "format": "WARC/1.1 as written by warcio"}).encode()
        rec = self.w.create_warc_record(f"urn:verifier:brief:{brief.id}", "warcinfo",
                                        payload=io.BytesIO(payload),
                                        warc_content_type="application/json")
        self._write(rec)

    def snapshot(self, row: SnapshotRow, url: str) -> None:
        if row.id is None or row.id in self.ids:
            return
        body = _body(row, self.settings)
        when = {"WARC-Date": _iso(row.fetched_at)}
        target = row.final_url or url
        if row.provenance in ("rendered", "supplied") or row.http_status is None:
            note = {"rendered": "the page as headless Chromium rendered it (DOM)",
                    "supplied": "a copy the fact-checker supplied"}.get(row.provenance, "no HTTP exchange kept")
            rec = self.w.create_warc_record(target, "resource", payload=io.BytesIO(body),
                                            warc_content_type=row.content_type or "application/octet-stream",
                                            warc_headers_dict={**when, "WARC-Verifier-Provenance": row.provenance,
                                                               "WARC-Verifier-Note": note, **_supplied(row)})
            self.ids[row.id] = self._write(rec)
            return
        self.ids[row.id] = self._exchange(row, target, body, when)

    def _exchange(self, row: SnapshotRow, target: str, body: bytes, when: dict[str, str]) -> str:
        parts = urlsplit(target)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        req = StatusAndHeaders(f"GET {path} HTTP/1.1", [("Host", parts.netloc), ("User-Agent", self.settings.ua),
                                                         ("Accept", "*/*")], is_http_request=True)
        code = int(row.http_status or 0)
        try:
            reason = HTTPStatus(code).phrase
        except ValueError:
            reason = "Unknown"
        kept = [(k, v) for k, v in header_pairs(row.headers) if k.lower() not in _AS_SENT]
        kept.append(("Content-Length", str(len(body))))
        resp = StatusAndHeaders(f"{code} {reason}", kept, protocol="HTTP/1.1")
        rec = self.w.create_warc_record(target, "response", payload=io.BytesIO(body), http_headers=resp,
                                        warc_headers_dict={**when, "WARC-Verifier-Note":
                                                           "body as stored: decoded from its Content-Encoding"})
        rid = self._write(rec)
        request = self.w.create_warc_record(target, "request", payload=io.BytesIO(b""), http_headers=req,
                                            warc_headers_dict={**when, "WARC-Concurrent-To": rid,
                                                               "WARC-Verifier-Note": "request rebuilt"})
        self._write(request)
        return rid

    def quote(self, brief_id: str, q: Any, url: str | None) -> None:
        payload = {"brief_id": brief_id, "quote_id": q.qid, "text": q.text, "verdict": q.verdict,
                   "source_ref": q.source_ref, "source_url": url, "evidence": q.evidence,
                   "snapshot_id": q.snapshot_id}
        headers = {"WARC-Date": _iso(q.judged_at)}
        if q.snapshot_id in self.ids:
            headers["WARC-Refers-To"] = self.ids[q.snapshot_id]
        rec = self.w.create_warc_record(url or f"urn:verifier:quote:{brief_id}:{q.qid}", "metadata",
                                        payload=io.BytesIO(json.dumps(payload, ensure_ascii=False).encode()),
                                        warc_content_type="application/json", warc_headers_dict=headers)
        self._write(rec)


def write_warc(session: Session, brief_id: str, out: IO[bytes], settings: Settings) -> int:
    """Write the brief's evidence as gzipped WARC records to `out`; the number of records."""
    brief = session.get(Brief, brief_id)
    if brief is None:
        raise KeyError(brief_id)
    w = _Writer(out, settings)
    w.info(brief)
    url_of: dict[int, str] = {}
    url_of_ref: dict[str, str] = {}
    for c, src, row in store.cited_sources(session, brief_id):
        url_of_ref[c.ref] = src.url
        if row is not None and row.id is not None:
            url_of[row.id] = src.url
            w.snapshot(row, src.url)
    for ref, row in store.supplied_of(session, brief_id).items():
        if row.id is not None:
            url_of[row.id] = url_of_ref.get(ref, row.final_url or "")
            w.snapshot(row, url_of[row.id])
    quotes = store.quotes_of(session, brief_id)
    judged = {q.snapshot_id for q in quotes if q.snapshot_id is not None} - set(w.ids)
    for row in _rows(session, judged):
        w.snapshot(row, row.final_url or "")
    for q in quotes:
        w.quote(brief_id, q, url_of.get(q.snapshot_id or -1))
    return w.count


def _rows(session: Session, ids: Iterable[int]) -> list[SnapshotRow]:
    return list(store.snapshots_by_id(session, list(ids)).values())


def export_warc(session: Session, brief_id: str, path: Path, settings: Settings) -> int:
    """`verifier export ID --warc FILE`: write the file whole or not at all."""
    tmp = path.with_name(path.name + ".part")
    try:
        with tmp.open("wb") as out:
            n = write_warc(session, brief_id, out, settings)
        tmp.replace(path)
        return n
    finally:
        tmp.unlink(missing_ok=True)
