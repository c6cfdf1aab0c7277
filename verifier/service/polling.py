"""Polling: a brief's result document as bytes with a strong ETag, from a per-process cache.

Why a cache keyed by versions: pollers ask for the same document again and again, and building it
reads every citation, source, snapshot, check and quote. A poll instead reads one row (the brief's
organisation and result version, verifier.storage.store.result_version) and rebuilds only when the
version moved. The version is bumped inside the ORM by every write that can change the document
(verifier.storage.versions: rechecks, drift, archive copies, OCR, progress), so a cached document
is never served after a change, and each API process's cache is correct on its own.

Why change notices on top: even that one read per poll was most of a poll's cost. On PostgreSQL
every write to a brief or a source also sends a notice (migration 0008, verifier.storage.changes),
so once a read has found a document current, later polls serve it with no query until a notice
arrives (or CHECK_SECONDS pass, a safety net); then the next poll reads the version again.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import anyio.to_thread
from sqlmodel import Session

from verifier.service.result import build_result
from verifier.storage import asyncread, changes, db, store

#: bytes of documents one API process keeps (least recently polled dropped first)
CACHE_BYTES = 64 * 1024 * 1024
#: a document found current is served without a read for this long at most, while no change notice
#: arrives (a safety net: a notice normally ends it at once)
CHECK_SECONDS = 5.0

Version = tuple[int, int]


@dataclass(frozen=True)
class Served:
    """A result document as sent: its JSON bytes, their strong ETag, and its status."""

    body: bytes
    etag: str
    status: str


def _newer_or_same(have: Version, want: Version) -> bool:
    return have[0] >= want[0] and have[1] >= want[1]


@dataclass(frozen=True)
class Check:
    """A version read that found the cached document current: for whom, at which change epoch, when."""

    version: Version
    org_id: int | None
    epoch: int
    at: float


class DocumentCache:
    """Documents by brief id with the version they were built at, bounded in bytes; one build at a
    time per brief, so pollers arriving after a change wait for that build instead of repeating it.
    Beside each document, the last check that found it current (see `checked`)."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._docs: OrderedDict[str, tuple[Version, Served]] = OrderedDict()
        self._checks: dict[str, Check] = {}
        self._size = 0
        self._lock = threading.Lock()
        self._building: dict[str, threading.Lock] = {}

    def checked(self, brief_id: str, epoch: int | None, now: float) -> tuple[int | None, Served] | None:
        """(owner org, document) when a check at this change epoch, at most CHECK_SECONDS ago, found
        the cached document current; else None (read the version; always so with no epoch)."""
        if epoch is None:
            return None
        with self._lock:
            c = self._checks.get(brief_id)
            hit = self._docs.get(brief_id)
            if c is None or hit is None or c.epoch != epoch or now - c.at > CHECK_SECONDS or hit[0] != c.version:
                return None
            self._docs.move_to_end(brief_id)
            return c.org_id, hit[1]

    def confirm(self, brief_id: str, check: Check) -> None:
        """Record that the document cached at check.version was current at check.epoch."""
        with self._lock:
            hit = self._docs.get(brief_id)
            if hit is not None and hit[0] == check.version:
                self._checks[brief_id] = check

    def get(self, brief_id: str, version: Version) -> Served | None:
        with self._lock:
            hit = self._docs.get(brief_id)
            if hit is None or not _newer_or_same(hit[0], version):
                return None
            self._docs.move_to_end(brief_id)
            return hit[1]

    def put(self, brief_id: str, version: Version, doc: Served) -> None:
        with self._lock:
            old = self._docs.get(brief_id)
            if old is not None and _newer_or_same(old[0], version):
                return  # a poller that read a later version stored its build already
            old = self._docs.pop(brief_id, None)
            self._checks.pop(brief_id, None)
            if old is not None:
                self._size -= len(old[1].body)
            if len(doc.body) > self.max_bytes:
                return
            self._docs[brief_id] = (version, doc)
            self._size += len(doc.body)
            while self._size > self.max_bytes:
                gone, (_, dropped) = self._docs.popitem(last=False)
                self._checks.pop(gone, None)
                self._size -= len(dropped.body)

    def build_lock(self, brief_id: str) -> threading.Lock:
        with self._lock:
            return self._building.setdefault(brief_id, threading.Lock())

    def done_building(self, brief_id: str) -> None:
        with self._lock:
            self._building.pop(brief_id, None)


_cache = DocumentCache()


def served(body: bytes, status: str) -> Served:
    return Served(body=body, etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"', status=status)


def poll(session: Session, brief_id: str, org_id: int | None, cache: DocumentCache = _cache) -> Served | None:
    """The brief's document for this organisation, or None (no such brief, or another org's).

    One query when the cached document is current; a rebuild, once per change, otherwise.
    """
    found = store.result_version(session, brief_id)
    if found is None or found[0] != org_id:
        return None
    version = found[1]
    doc = cache.get(brief_id, version)
    if doc is not None:
        return doc
    lock = cache.build_lock(brief_id)
    with lock:
        doc = cache.get(brief_id, version)  # built by the poller we waited for
        if doc is None:
            built = build_result(session, brief_id)
            doc = served(built.to_json_bytes(), built.status)
            cache.put(brief_id, version, doc)
    cache.done_building(brief_id)
    return doc


def poll_at(database_url: str, brief_id: str, org_id: int | None, cache: DocumentCache = _cache) -> Served | None:
    """poll's hot path for the API: a current cached document costs one version read on a pooled
    connection and no ORM session; a moved version is rebuilt through poll."""
    found = store.result_version_at(database_url, brief_id)
    if found is None or found[0] != org_id:
        return None
    doc = cache.get(brief_id, found[1])
    return doc if doc is not None else _rebuild(database_url, brief_id, org_id, cache)


def _rebuild(database_url: str, brief_id: str, org_id: int | None, cache: DocumentCache) -> Served | None:
    with db.read_session_for(database_url) as session:
        return poll(session, brief_id, org_id, cache)


def _reads_async(database_url: str) -> bool:
    """PostgreSQL whose migrations this process has checked: its reads can be awaited in the loop."""
    return asyncread.supported(database_url) and db.migrated(database_url)


def served_now(database_url: str, brief_id: str, org_id: int | None,
               cache: DocumentCache = _cache) -> Served | None:
    """The document when poll_async would serve it with no read at all (change notices arriving,
    none since a check found it current, the caller's organisation owns it), else None. No I/O; call
    it on the event loop."""
    if not _reads_async(database_url):
        return None
    hit = cache.checked(brief_id, changes.watch(database_url).stamp(), time.monotonic())
    return hit[1] if hit is not None and hit[0] == org_id else None


async def poll_async(database_url: str, brief_id: str, org_id: int | None,
                     cache: DocumentCache = _cache) -> Served | None:
    """poll_at for an event loop. On PostgreSQL, while change notices arrive (verifier.storage.changes)
    and none has since a check found the cached document current, the document is served with no
    query; otherwise the version read is awaited in the loop (no thread hop). A rebuild, and a
    process's first read (which checks the migrations), run in a worker thread; SQLite reads always do."""
    if not _reads_async(database_url):
        return await anyio.to_thread.run_sync(poll_at, database_url, brief_id, org_id, cache)
    epoch = changes.watch(database_url).stamp()
    started = time.monotonic()
    hit = cache.checked(brief_id, epoch, started)
    if hit is not None:
        return hit[1] if hit[0] == org_id else None
    found = await store.result_version_async(database_url, brief_id)
    if found is None or found[0] != org_id:
        return None
    doc = cache.get(brief_id, found[1])
    if doc is None:
        doc = await anyio.to_thread.run_sync(_rebuild, database_url, brief_id, org_id, cache)
    if epoch is not None:
        cache.confirm(brief_id, Check(found[1], found[0], epoch, started))
    return doc


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 If-None-Match: `*`, or any listed tag equal to ours under weak comparison."""
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or etag in (t.removeprefix("W/") for t in tags)
