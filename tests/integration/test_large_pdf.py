"""Large PDFs: their own cap, streamed to a temporary file with flat memory, resumed after a cut.

A real threaded server on 127.0.0.1 serves a generated multi-MB PDF; the fetcher spools it to
disk, and the file's hash, the text pypdfium2 reads from the path, and tracemalloc's peak
(well under the body's size) are checked. A server that drops the connection halfway once
is then asked to carry on with a Range request, or, without range support, from the start.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest

from tests.httpserver import LoopbackServer, Reply, Request
from verifier.core.pdfwrite import text_pdf
from verifier.core.statuses import LinkStatus
from verifier.core.values import Snapshot
from verifier.documents.source import extract
from verifier.net.fetch import (
    BodyTooLarge,
    BoundedDecoder,
    Fetcher,
    Sink,
    discard_body,
    fetch_many,
)
from verifier.settings import Settings

SIZE_MB = 24
SPOOL = 1_000_000  # bytes kept in memory before the body goes to disk, in these tests
CHUNK = 64 * 1024
WORDS = "The committee found that the spillway had been inspected twice in the decade before the flood."


def make_pdf(size: int) -> bytes:
    """A valid one-page PDF with a line of text, padded to about `size` bytes with an incompressible stream."""
    pad_len = max(0, size - 1200)
    return text_pdf([[WORDS]], padding=(os.urandom(4096) * (pad_len // 4096 + 1))[:pad_len])


PDF = make_pdf(SIZE_MB * 1_000_000)
PDF_SHA = hashlib.sha256(PDF).hexdigest()
HALF = len(PDF) // 2


def chunks(data: bytes, start: int = 0, stop: int | None = None, *, cut_at: int | None = None) -> Iterator[bytes]:
    """The body in small pieces (never a large copy in memory); `cut_at`: drop the connection there."""
    view = memoryview(data)
    end = len(data) if stop is None else stop
    for i in range(start, end, CHUNK):
        j = min(i + CHUNK, end)
        if cut_at is not None and j > cut_at:
            yield bytes(view[i:cut_at])
            raise ConnectionResetError("dropped halfway")  # the handler closes the connection
        yield bytes(view[i:j])


ETAG = '"pdf-v1"'


def ranged(req: Request, *, cut_first: bool, ranges: bool = True, honour_range: bool = True) -> Reply:
    """The PDF, with Accept-Ranges and 206 answers when asked; the first hit cut halfway if `cut_first`."""
    headers = {"ETag": ETAG}
    if ranges:
        headers["Accept-Ranges"] = "bytes"
    cut = HALF if cut_first and req.hit == 1 else None
    m = re.fullmatch(r"bytes=(\d+)-", req.headers.get("range", ""))
    if m and ranges and honour_range and req.headers.get("if-range", ETAG) == ETAG:
        start = int(m.group(1))
        headers["Content-Range"] = f"bytes {start}-{len(PDF) - 1}/{len(PDF)}"
        return Reply(206, chunks(PDF, start, cut_at=cut), "application/pdf", headers, content_length=len(PDF) - start)
    return Reply(200, chunks(PDF, cut_at=cut), "application/pdf", headers, content_length=len(PDF))


@pytest.fixture(scope="module")
def srv() -> Iterator[LoopbackServer]:
    with LoopbackServer() as s:
        s.route("/report.pdf", lambda r: Reply(200, chunks(PDF), "application/pdf", {"ETag": ETAG},
                                               content_length=len(PDF)))
        s.route("/download", lambda r: Reply(200, chunks(PDF), "application/octet-stream", content_length=len(PDF)))
        s.route("/cut-ranged.pdf", lambda r: ranged(r, cut_first=True))
        s.route("/cut-plain.pdf", lambda r: ranged(r, cut_first=True, ranges=False))
        s.route("/cut-lying.pdf", lambda r: ranged(r, cut_first=True, honour_range=False))
        s.route("/small.pdf", Reply(200, make_pdf(20_000), "application/pdf"))
        s.route("/slow-small", Reply(200, b"<html><body>late</body></html>", delay=2))
        s.page("/page", b"<html><head><title>A page</title></head><body><p>" + b"word " * 400 + b"</p></body></html>")
        yield s


def settings(**kw: object) -> Settings:
    base: dict[str, object] = {"allow_private_hosts": True, "fetch_timeout": 30.0, "fetch_max_bytes": 5_000_000,
                               "pdf_max_bytes": 300_000_000, "host_interval": 0.0, "fetch_retries": 2,
                               "respect_robots": False}
    base.update(kw)
    return Settings(**base)  # type: ignore[arg-type]


def sha_of(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


async def fetch(srv: LoopbackServer, path: str, tmp_path: Path, **kw: object) -> Snapshot:
    async with Fetcher(settings(**kw), backoff_base=0.05, spool_threshold=SPOOL, tmp_dir=str(tmp_path)) as f:
        return await f.fetch(srv.url(path))


async def test_large_pdf_goes_to_disk_with_flat_memory(srv: LoopbackServer, tmp_path: Path) -> None:
    tracemalloc.start()
    try:
        snap = await fetch(srv, "/report.pdf", tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert snap.status == LinkStatus.OK, snap.error
    path = snap.body_path
    assert path and snap.body == b"" and snap.content_type == "application/pdf"
    assert os.path.getsize(path) == len(PDF) and sha_of(path) == PDF_SHA
    assert peak < len(PDF) / 6, f"peak {peak / 1e6:.1f} MB for a {len(PDF) / 1e6:.0f} MB body"
    assert WORDS in " ".join(extract(path, snap.content_type).text.split())  # the pipeline reads the path
    discard_body(snap)
    assert not os.path.exists(path) and snap.body_path is None


async def test_pdf_cap_applies_to_sniffed_pdf_and_small_stays_in_memory(srv: LoopbackServer, tmp_path: Path) -> None:
    dl = await fetch(srv, "/download", tmp_path)  # octet-stream over fetch_max_bytes, but %PDF- inside
    assert dl.status == LinkStatus.OK and dl.content_type == "application/pdf", dl.error
    assert sha_of(dl.body_path or "") == PDF_SHA
    discard_body(dl)
    small = await fetch(srv, "/small.pdf", tmp_path)
    assert small.status == LinkStatus.OK and small.body_path is None and small.body.startswith(b"%PDF-")
    capped = await fetch(srv, "/report.pdf", tmp_path, pdf_max_bytes=10_000_000)
    assert capped.status == LinkStatus.TOO_LARGE and capped.body_path is None
    srv.route("/unsized.pdf", lambda r: Reply(200, chunks(PDF), "application/pdf"))  # no Content-Length
    unsized = await fetch(srv, "/unsized.pdf", tmp_path, pdf_max_bytes=10_000_000)
    assert unsized.status == LinkStatus.TOO_LARGE and unsized.body_path is None
    assert list(tmp_path.iterdir()) == []  # nothing left behind


async def test_cut_download_resumes_with_range(srv: LoopbackServer, tmp_path: Path) -> None:
    tracemalloc.start()
    try:
        snap = await fetch(srv, "/cut-ranged.pdf", tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert snap.status == LinkStatus.OK, snap.error
    path = snap.body_path
    assert path and sha_of(path) == PDF_SHA
    reqs = [r for r in srv.requests if r.path == "/cut-ranged.pdf"]
    assert len(reqs) == 2 and "range" not in reqs[0].headers
    assert reqs[1].headers["range"] == f"bytes={HALF}-" and reqs[1].headers["if-range"] == ETAG
    assert peak < len(PDF) / 6
    assert snap.http_status == 200 and "content-range" not in snap.headers  # the whole body, as first answered
    discard_body(snap)


async def test_cut_download_without_ranges_starts_over(srv: LoopbackServer, tmp_path: Path) -> None:
    snap = await fetch(srv, "/cut-plain.pdf", tmp_path)
    assert snap.status == LinkStatus.OK, snap.error
    path = snap.body_path
    assert path and sha_of(path) == PDF_SHA
    reqs = [r for r in srv.requests if r.path == "/cut-plain.pdf"]
    assert len(reqs) == 2 and "range" not in reqs[1].headers
    discard_body(snap)
    assert list(tmp_path.iterdir()) == []  # the cut attempt's file is gone too


async def test_server_ignoring_range_is_read_from_the_start(srv: LoopbackServer, tmp_path: Path) -> None:
    snap = await fetch(srv, "/cut-lying.pdf", tmp_path)
    assert snap.status == LinkStatus.OK, snap.error
    path = snap.body_path
    assert path and sha_of(path) == PDF_SHA  # the 200 answer replaced the half already on disk
    reqs = [r for r in srv.requests if r.path == "/cut-lying.pdf"]
    assert len(reqs) == 2 and "range" in reqs[1].headers
    discard_body(snap)


def stalling(data: bytes, stall_at: int, seconds: float) -> Iterator[bytes]:
    """The body up to stall_at, then nothing for `seconds` (a link gone slow), then the rest."""
    yield from chunks(data, 0, stall_at)
    time.sleep(seconds)
    yield from chunks(data, stall_at)


async def test_download_cut_by_the_deadline_resumes_on_the_next_attempt(srv: LoopbackServer, tmp_path: Path) -> None:
    def route(req: Request) -> Reply:
        m = re.fullmatch(r"bytes=(\d+)-", req.headers.get("range", ""))
        headers = {"Accept-Ranges": "bytes", "ETag": ETAG}
        if m:
            start = int(m.group(1))
            headers["Content-Range"] = f"bytes {start}-{len(PDF) - 1}/{len(PDF)}"
            return Reply(206, chunks(PDF, start), "application/pdf", headers, content_length=len(PDF) - start)
        return Reply(200, stalling(PDF, HALF, 3.0), "application/pdf", headers, content_length=len(PDF))

    srv.route("/stalls.pdf", route)
    t0 = time.monotonic()
    snap = await fetch(srv, "/stalls.pdf", tmp_path, fetch_timeout=1.0)
    assert snap.status == LinkStatus.OK, snap.error
    assert snap.body_path and sha_of(snap.body_path) == PDF_SHA and time.monotonic() - t0 < 2.9
    reqs = [r for r in srv.requests if r.path == "/stalls.pdf"]
    assert len(reqs) == 2 and reqs[1].headers["range"] == f"bytes={HALF}-"
    discard_body(snap)
    small = await fetch(srv, "/slow-small", tmp_path, fetch_timeout=0.5)  # no body under way: a plain timeout
    assert small.status == LinkStatus.TIMEOUT and list(tmp_path.iterdir()) == []


async def test_cut_download_without_retries_fails_and_leaves_nothing(srv: LoopbackServer, tmp_path: Path) -> None:
    srv.route("/always-cut.pdf", lambda r: Reply(200, chunks(PDF, cut_at=HALF), "application/pdf",
                                                  {"Accept-Ranges": "bytes"}, content_length=len(PDF)))
    snap = await fetch(srv, "/always-cut.pdf", tmp_path, fetch_retries=0)
    assert snap.status == LinkStatus.UNREACHABLE and snap.body_path is None
    assert list(tmp_path.iterdir()) == []


async def test_fetch_many_deletes_spooled_files_after_on_done(srv: LoopbackServer) -> None:
    seen: dict[str, tuple[str, str]] = {}

    def done(url: str, snap: Snapshot) -> None:
        path = snap.body_path
        if path:
            seen[url] = (path, sha_of(path))

    out = await fetch_many([srv.url("/report.pdf"), srv.url("/page")], settings(), on_done=done,
                           spool_threshold=SPOOL)
    path, sha = seen[srv.url("/report.pdf")]
    assert sha == PDF_SHA and not os.path.exists(path)  # stored by on_done, then deleted
    assert srv.url("/page") not in seen and out[srv.url("/page")].body.startswith(b"<html>")
    assert all(s.body_path is None for s in out.values())


@pytest.mark.parametrize("coding", ["gzip", "br", "deflate"])
def test_decoder_output_stays_in_small_pieces(coding: str, tmp_path: Path) -> None:
    """A 40 MB body behind a few hundred KB of compression decodes to disk without a big buffer."""
    data = os.urandom(1000) * 40_000
    comp = {"gzip": lambda d: gzip.compress(d, 1), "br": lambda d: brotli.compress(d, quality=1),
            "deflate": lambda d: __import__("zlib").compress(d, 1)}[coding](data)
    sink = Sink(300_000_000, spool=SPOOL, tmp_dir=str(tmp_path))
    decoder = BoundedDecoder(coding, 300_000_000, sink)
    tracemalloc.start()
    try:
        for i in range(0, len(comp), CHUNK):
            decoder.feed(comp[i:i + CHUNK])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    body, path = sink.finish()
    assert body == b"" and path and sha_of(path) == hashlib.sha256(data).hexdigest()
    assert peak < 8_000_000
    bomb = BoundedDecoder(coding, 5_000_000, Sink(5_000_000, spool=SPOOL, tmp_dir=str(tmp_path)))
    with pytest.raises(BodyTooLarge):
        bomb.feed(comp)
    bomb.sink.discard()
    os.unlink(path)
    assert list(tmp_path.iterdir()) == []


def test_a_large_pdf_through_the_pipeline_lands_in_the_blob_store(loopback_settings: Settings,
                                                                  tmp_path: Path) -> None:
    """Past the blob threshold the raw body is kept gzipped on disk, not in the database, and the
    stored copy reads back byte for byte; the quote in it is still judged with its page."""
    from verifier.core.intake import brief_from_bytes
    from verifier.service import pipeline
    from verifier.storage import db, store
    from verifier.storage.models import SnapshotRow

    with LoopbackServer() as s:
        s.route("/big.pdf", Reply(200, PDF, "application/pdf"))
        brief = brief_from_bytes(f"The report says “{WORDS}” [1].\n\n[1] Report. {s.url('/big.pdf')}\n".encode(),
                                 name="b.md")
        settings = loopback_settings.model_copy(update={"fetch_max_bytes": 50_000_000})
        session = db.session_for(settings.database_url)
        row = pipeline.check_brief(session, brief, settings, origin="test")
    q = store.quotes_of(session, row.id)[0]
    assert q.verdict == "verified" and q.evidence is not None and q.evidence["page"] == 1
    snap = session.get(SnapshotRow, q.snapshot_id)
    assert snap is not None and snap.body_gz is None and snap.body_ref
    assert (settings.blob_path / snap.body_ref).stat().st_size < len(PDF) + 100_000
    out = tmp_path / "copy.pdf"
    with open(out, "wb") as fh:
        store.write_body(snap, fh, settings.blob_path)
    assert sha_of(str(out)) == PDF_SHA
    assert not list(Path(tempfile.gettempdir()).glob("verifier-*.body"))
