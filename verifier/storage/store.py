"""Writing pipeline values to the database and reading them back. The only module that maps rows."""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import tempfile
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import bindparam, func, insert
from sqlalchemy.orm import defer
from sqlmodel import Session, SQLModel, col, select

from verifier.core.claims import ClaimSentence
from verifier.core.evidence import ClaimJudgement
from verifier.core.statuses import LinkStatus
from verifier.core.values import BriefText, Judgement, ParsedBrief, Snapshot, SourceText
from verifier.storage import db
from verifier.storage.models import Brief, CheckRow, Citation, ClaimRow, QuoteRow, SnapshotRow, Source, utcnow


def stored_headers(snap: Snapshot) -> list[list[str]] | dict[str, str]:
    """The response headers as stored with a snapshot: every one, in order, duplicates kept, as
    [name, value] pairs (the evidence of what the server said; a WARC export needs them all).
    A Snapshot without the list (not from the fetcher) keeps its lookup dict, as rows did before."""
    if snap.header_list:
        return [[name, value] for name, value in snap.header_list]
    return dict(snap.headers)


def read_headers(stored: list[list[str]] | dict[str, str] | None) -> list[tuple[str, str]]:
    """Stored headers as (name, value) pairs, from either form a row may hold."""
    if isinstance(stored, dict):
        return [(str(k), str(v)) for k, v in stored.items()]
    return [(str(p[0]), str(p[1])) for p in stored or [] if len(p) == 2]


def new_brief_id() -> str:
    return uuid.uuid4().hex[:16]


def sha256(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


def get_or_create_source(session: Session, url: str) -> Source:
    src = session.exec(select(Source).where(Source.url == url)).first()
    if src is None:
        src = Source(url=url)
        session.add(src)
        session.flush()
    return src


#: rows per INSERT / ids per IN (…): well under SQLite's 32,766 bound variables per statement
_CHUNK = 500


def _values(model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Column values of new rows, the model's defaults filled in (an INSERT of dicts would not run
    them). Plain dicts: building a model instance per row cost about 1 ms (10,000 rows: seconds);
    default factories run once per batch (one `created_at` for the rows stored together)."""
    defaults = {name: f.get_default(call_default_factory=True)
                for name, f in model.model_fields.items() if name != "id"}
    return [{**defaults, **r} for r in rows]


def _insert_all(session: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows in bulk: one executemany per chunk, on the Core table (the ORM's bulk path costs
    as much again per row and these rows are not loaded back)."""
    values = _values(model, rows)
    for i in range(0, len(values), _CHUNK):
        session.connection().execute(insert(model.__table__), values[i:i + _CHUNK])  # type: ignore[attr-defined]


def _upsert_insert(dialect: str) -> Any:
    """The dialect's INSERT … ON CONFLICT construct, imported only for the dialect in use (the
    PostgreSQL dialect package costs a SQLite CLI run about 30 ms of start-up)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def source_ids(session: Session, urls: list[str]) -> dict[str, int]:
    """The Source id of each URL, creating the missing ones in bulk (a concurrent creator wins quietly)."""
    want = list(dict.fromkeys(urls))
    ids = _existing_sources(session, want)
    missing = _values(Source, [{"url": u} for u in want if u not in ids])
    if missing:
        ins = _upsert_insert(session.get_bind().dialect.name)
        for i in range(0, len(missing), _CHUNK):
            session.connection().execute(ins(Source.__table__).on_conflict_do_nothing(  # type: ignore[attr-defined]
                index_elements=["url"]), missing[i:i + _CHUNK])
        ids.update(_existing_sources(session, [u for u in want if u not in ids]))
    return ids


def _existing_sources(session: Session, urls: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in range(0, len(urls), _CHUNK):
        rows = session.execute(select(Source.url, Source.id).where(col(Source.url).in_(urls[i:i + _CHUNK])))
        out.update({u: int(sid) for u, sid in rows})
    return out


def create_brief(session: Session, brief: BriefText, parsed: ParsedBrief, *, origin: str | None,
                 org_id: int | None = None, brief_id: str | None = None,
                 claims: Sequence[ClaimSentence] = ()) -> Brief:
    """Store a parsed brief: its row, its citations (sharing Source rows by URL), its quotes and claims."""
    row = Brief(id=brief_id or new_brief_id(), org_id=org_id, title=brief.title, origin=origin,
                fmt=brief.fmt, text=brief.text, status="queued",
                sources_total=len(parsed.citations), quotes_total=len(parsed.quotes),
                skipped=[{"text": q.text, "start": q.start, "end": q.end, "reason": q.reason} for q in parsed.skipped],
                notes=list(brief.notes))
    session.add(row)
    session.flush()
    ids = source_ids(session, [c.url for c in parsed.citations])
    _insert_all(session, Citation, [dict(brief_id=row.id, ref=cit.ref, position=pos, url=cit.url, title=cit.title,
                                         source_id=ids[cit.url], start=cit.start, end=cit.end)
                                    for pos, cit in enumerate(parsed.citations)])
    _insert_all(session, QuoteRow, [dict(brief_id=row.id, qid=q.id, position=pos, text=q.text, start=q.start,
                                         end=q.end, cites=list(q.cites)) for pos, q in enumerate(parsed.quotes)])
    _insert_all(session, ClaimRow, [dict(brief_id=row.id, cid=c.id, position=pos, text=c.text, start=c.start,
                                         end=c.end, cites=list(c.cites), set_aside=[list(x) for x in c.set_aside],
                                         credit=[list(x) for x in c.credit], outlets=list(c.outlets))
                                    for pos, c in enumerate(claims)])
    session.commit()
    return row


def citations_of(session: Session, brief_id: str) -> list[Citation]:
    return list(session.exec(select(Citation).where(Citation.brief_id == brief_id)
                             .order_by(col(Citation.position))))


def quotes_of(session: Session, brief_id: str, start: int = 0, stop: int | None = None) -> list[QuoteRow]:
    """The brief's quotes in order; with start/stop, those at positions start..stop-1 (one chunk)."""
    q = select(QuoteRow).where(QuoteRow.brief_id == brief_id)
    if start > 0:
        q = q.where(col(QuoteRow.position) >= start)
    if stop is not None:
        q = q.where(col(QuoteRow.position) < stop)
    return list(session.exec(q.order_by(col(QuoteRow.position))))


def claims_of(session: Session, brief_id: str) -> list[ClaimRow]:
    return list(session.exec(select(ClaimRow).where(ClaimRow.brief_id == brief_id)
                             .order_by(col(ClaimRow.position))))


def claim_sentence(row: ClaimRow) -> ClaimSentence:
    """A stored claim as the judging code reads it."""
    return ClaimSentence(row.cid, row.text, row.start, row.end, [str(r) for r in row.cites],
                         [(int(a), int(b)) for a, b in row.set_aside], [str(o) for o in row.outlets],
                         [(int(a), int(b)) for a, b in row.credit])


def save_claim(row: ClaimRow, j: ClaimJudgement, snapshot_id: int | None, now: datetime) -> None:
    row.source_ref = j.source_ref
    row.snapshot_id = snapshot_id
    row.evidence = [p.as_dict() for p in j.evidence]
    row.coverage = j.coverage
    row.flags = [f.as_dict() for f in j.flags]
    row.support = j.support
    row.judged_at = now


def sources_by_id(session: Session, ids: Sequence[int]) -> dict[int, Source]:
    if not ids:
        return {}
    return {s.id: s for s in session.exec(select(Source).where(col(Source.id).in_(ids))) if s.id is not None}


#: what a snapshot row carries besides its description: the page, its text and its headers.
#: A result document lists a snapshot's description only, and is rebuilt on every change a poller
#: sees; the Mueller report's text alone is 2 MB, read again by each rebuild if it were selected.
_SNAPSHOT_CONTENT = ("body_gz", "text", "headers", "redirects", "pages", "ocr_pending")


def snapshots_by_id(session: Session, ids: Sequence[int], *, text: bool = True) -> dict[int, SnapshotRow]:
    """The rows by id, their stored bodies left in the database until read (a WARC export, a
    render check): judging needs the text, not the compressed page. With text=False (a result
    document) the text, headers, redirects and pages stay there too; each loads when first read."""
    if not ids:
        return {}
    left = _SNAPSHOT_CONTENT if not text else ("body_gz",)
    rows = session.exec(select(SnapshotRow).where(col(SnapshotRow.id).in_(ids))
                        .options(*(defer(getattr(SnapshotRow, name)) for name in left)))
    return {r.id: r for r in rows if r.id is not None}


def cited_sources(session: Session, brief_id: str, *, text: bool = True,
                  citations: list[Citation] | None = None) -> list[tuple[Citation, Source, SnapshotRow | None]]:
    """Each citation of a brief with its shared Source and that source's latest snapshot (3 queries;
    2 given the brief's `citations`). text=False: the snapshots as snapshots_by_id(text=False)."""
    cits = citations_of(session, brief_id) if citations is None else citations
    sources = sources_by_id(session, [c.source_id for c in cits])
    snaps = snapshots_by_id(session, [s.latest_snapshot_id for s in sources.values()
                                      if s.latest_snapshot_id is not None], text=text)
    return [(c, sources[c.source_id], snaps.get(sources[c.source_id].latest_snapshot_id or -1)) for c in cits]


def _result_version_query() -> Any:
    sources = (select(func.coalesce(func.sum(Source.version), 0))
               .select_from(Citation).join(Source, col(Source.id) == col(Citation.source_id))
               .where(col(Citation.brief_id) == col(Brief.id)).scalar_subquery())
    return select(Brief.org_id, Brief.version, sources).where(col(Brief.id) == bindparam("brief_id"))


#: built once: a poll runs it without building or hashing the statement again
_RESULT_VERSION = _result_version_query()


def result_version(session: Session, brief_id: str) -> tuple[int | None, tuple[int, int]] | None:
    """(the brief's org id, its result version) in one query, or None when there is no such brief.

    The version is the brief's own counter and the sum of its cited sources' counters: both only
    grow (verifier.storage.versions bumps them with every write), so any change moves it.
    """
    return _version_of(session.execute(_RESULT_VERSION, {"brief_id": brief_id}).first())


def result_version_at(database_url: str, brief_id: str) -> tuple[int | None, tuple[int, int]] | None:
    """result_version without a session: one pooled autocommit connection, one round trip."""
    return _version_of(db.read_first(database_url, _RESULT_VERSION, {"brief_id": brief_id}))


async def result_version_async(database_url: str, brief_id: str) -> tuple[int | None, tuple[int, int]] | None:
    """result_version awaited in the event loop, no thread (PostgreSQL only: see asyncread.supported)."""
    from verifier.storage import asyncread

    return _version_of(await asyncread.read_first(database_url, _result_version_pg(), {"brief_id": brief_id}))


@functools.cache
def _result_version_pg() -> Any:
    """_RESULT_VERSION compiled for psycopg, once, on the first async read."""
    from verifier.storage import asyncread

    return asyncread.Statement.of(_RESULT_VERSION)


def _version_of(row: Any) -> tuple[int | None, tuple[int, int]] | None:
    return None if row is None else (row[0], (int(row[1]), int(row[2])))


def fresh_snapshot(session: Session, source: Source, max_age: float) -> SnapshotRow | None:
    """The source's latest snapshot if it is recent enough to reuse for another brief."""
    if source.latest_snapshot_id is None or max_age <= 0:
        return None
    snap = session.get(SnapshotRow, source.latest_snapshot_id)
    if snap is None or snap.fetched_at < utcnow() - timedelta(seconds=max_age):
        return None
    return snap


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _store_blob(path: str, blob_dir: Path) -> tuple[str, str, int]:
    """gzip a body streamed to disk into the blob store, a chunk at a time: (ref, sha256, size)."""
    digest, size = hashlib.sha256(), 0
    blob_dir.mkdir(parents=True, exist_ok=True)
    with (tempfile.NamedTemporaryFile(dir=blob_dir, suffix=".part", delete=False) as tmp,
          open(path, "rb") as fh, gzip.GzipFile(fileobj=tmp, mode="wb", compresslevel=6) as gz):
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
            gz.write(chunk)
    sha = digest.hexdigest()
    ref = f"{sha[:2]}/{sha}.gz"
    (blob_dir / sha[:2]).mkdir(exist_ok=True)
    os.replace(tmp.name, blob_dir / ref)
    return ref, sha, size


def record_snapshot(session: Session, source: Source, snap: Snapshot, text: SourceText | None,
                    *, next_check_in: float | None = None, ocr_pending: list[int] | None = None,
                    blob_dir: Path | None = None) -> SnapshotRow:
    """Keep one fetch as evidence (raw body compressed, extracted text) and log it as a check.

    A large body streamed to disk (snap.body_path) goes to the blob store when `blob_dir` is given,
    so neither memory nor the database holds it whole.
    """
    body = snap.body or b""
    body_gz: bytes | None = None
    body_sha: str | None
    body_ref: str | None = None
    if snap.body_path and blob_dir is not None:
        body_ref, body_sha, body_size = _store_blob(snap.body_path, blob_dir)
    elif snap.body_path:
        body = Path(snap.body_path).read_bytes()
        body_gz, body_sha, body_size = gzip.compress(body, compresslevel=6), sha256(body), len(body)
    else:
        body_gz = gzip.compress(body, compresslevel=6) if body else None
        body_sha, body_size = (sha256(body) if body else None), len(body)
    row = SnapshotRow(
        source_id=source.id or 0, fetched_at=snap.fetched_at or utcnow(), status=str(snap.status),
        http_status=snap.http_status, final_url=snap.final_url, content_type=snap.content_type,
        title=text.title if text else None, error=snap.error,
        headers=stored_headers(snap),
        redirects=list(snap.redirects),
        body_gz=body_gz, body_ref=body_ref, body_sha256=body_sha, body_size=body_size,
        text=text.text if text else None, text_sha256=sha256(text.text) if text and text.text else None,
        pages=[list(p) for p in text.pages] if text else [], main_end=text.main_end if text else None,
        partial=text.partial if text else None,
        ocr_pending=list(ocr_pending or []), provenance=snap.provenance,
    )
    session.add(row)
    session.flush()
    session.add(CheckRow(source_id=row.source_id, snapshot_id=row.id, checked_at=row.fetched_at,
                         status=row.status, http_status=row.http_status, text_sha256=row.text_sha256,
                         error=row.error))
    source.latest_snapshot_id = row.id
    source.last_checked_at = row.fetched_at
    source.etag = snap.headers.get("etag") or source.etag
    source.last_modified = snap.headers.get("last-modified") or source.last_modified
    if next_check_in is not None:
        source.next_check_at = row.fetched_at + timedelta(seconds=next_check_in)
    session.add(source)
    return row


def record_supplied(session: Session, source: Source, text: SourceText, body: bytes, *, url: str,
                    content_type: str | None, supplied: dict[str, Any]) -> SnapshotRow:
    """Keep a copy the fact-checker supplied as a snapshot of `source` (provenance `supplied`).

    It is not a check of the link: no CheckRow, and the source's latest snapshot stays the live
    one (the citation it was supplied for points at this row)."""
    row = SnapshotRow(
        source_id=source.id or 0, fetched_at=utcnow(), status=str(LinkStatus.OK), final_url=url,
        content_type=content_type, title=text.title, headers=[],
        body_gz=gzip.compress(body, compresslevel=6), body_sha256=sha256(body), body_size=len(body),
        text=text.text, text_sha256=sha256(text.text) if text.text else None,
        pages=[list(p) for p in text.pages], main_end=text.main_end, provenance="supplied", supplied=supplied)
    session.add(row)
    session.flush()
    return row


def supplied_of(session: Session, brief_id: str, *, text: bool = True,
                citations: list[Citation] | None = None) -> dict[str, SnapshotRow]:
    """The brief's supplied copies, by citation ref (no query when none of `citations` has one)."""
    cits = [c for c in (citations_of(session, brief_id) if citations is None else citations)
            if c.supplied_snapshot_id is not None]
    rows = snapshots_by_id(session, [c.supplied_snapshot_id for c in cits if c.supplied_snapshot_id is not None],
                           text=text)
    return {c.ref: rows[c.supplied_snapshot_id] for c in cits
            if c.supplied_snapshot_id is not None and c.supplied_snapshot_id in rows}


def write_body(row: SnapshotRow, out: IO[bytes], blob_dir: Path | None = None) -> None:
    """The stored raw body, decompressed a chunk at a time into a file."""
    import io

    if row.body_ref:
        if blob_dir is None:
            raise ValueError("this snapshot's body is in the blob store: give blob_dir")
        src: IO[bytes] = open(blob_dir / row.body_ref, "rb")  # noqa: SIM115 - closed below
    elif row.body_gz:
        src = io.BytesIO(row.body_gz)
    else:
        return
    with src, gzip.GzipFile(fileobj=src) as gz:
        while chunk := gz.read(1 << 20):
            out.write(chunk)


def update_text(row: SnapshotRow, text: SourceText | None, *, note: str | None, no_text: bool) -> None:
    """A snapshot's text after OCR read its scanned pages."""
    row.text = text.text if text else None
    row.text_sha256 = sha256(text.text) if text and text.text else None
    row.pages = [list(p) for p in text.pages] if text else []
    row.ocr_pending = []
    if no_text:
        row.status = str(LinkStatus.NO_TEXT)
        row.error = note or "no readable text in the PDF"
    elif note:
        row.error = note


def source_text_of(row: SnapshotRow) -> SourceText | None:
    if row.status != LinkStatus.OK or not row.text:
        return None
    return SourceText(text=row.text, title=row.title, pages=[(int(a), int(b)) for a, b in row.pages],
                      main_end=row.main_end, partial=row.partial)


def save_judgement(q: QuoteRow, j: Judgement, snapshot_id: int | None, now: datetime) -> None:
    q.verdict = str(j.verdict)
    q.score = round(j.score, 4) if j.score is not None else None
    q.source_ref = j.source_ref
    q.snapshot_id = snapshot_id
    q.evidence = j.evidence.as_dict() if j.evidence else None
    q.differences = [d.as_dict() for d in j.differences]
    q.note = j.note
    q.judged_at = now
