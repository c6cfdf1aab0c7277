"""Database tables. A URL is one Source shared by every brief citing it; each fetch is a SnapshotRow."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Dialect, LargeBinary, Text, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is UTC-aware on the way in and on the way out, on every database.

    SQLite keeps no zone and hands datetimes back naive; PostgreSQL hands them back in the session's
    zone. Every time we store is UTC, so this type writes UTC (naive UTC for SQLite, which drops the
    zone anyway, so stored text sorts and compares as before) and reads back aware UTC: the code
    compares and subtracts datetimes without patching them at each call site.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Organization(SQLModel, table=True):
    __tablename__ = "organization"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    webhook_url: str | None = None
    webhook_secret: str | None = None


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    key_hash: str = Field(index=True, unique=True)
    prefix: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Brief(SQLModel, table=True):
    __tablename__ = "brief"
    id: str = Field(primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    title: str | None = None
    origin: str | None = None  # file name or URL the brief came from
    fmt: str = "txt"
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="queued", index=True)
    error: str | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sources_total: int = 0
    sources_done: int = 0
    quotes_total: int = 0
    quotes_done: int = 0
    ocr_pages_total: int = 0
    ocr_pages_done: int = 0
    attempts: int = 0  # times the service (re)started its work; recovery gives up after a few
    skipped: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: how the brief was read (bytes replaced, structure repaired…): the result document's `notes`
    notes: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    #: bumped by every write that can change the result document (verifier.storage.versions)
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Source(SQLModel, table=True):
    """A cited URL, exactly as cited, shared across briefs; carries the recheck schedule."""

    __tablename__ = "source"
    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    state: str = "live"  # live | failing | dead
    latest_snapshot_id: int | None = None
    last_checked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_check_at: datetime | None = Field(default=None, index=True, sa_type=UTCDateTime)
    check_interval: float | None = None
    strikes: int = 0
    last_strike_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    etag: str | None = None
    last_modified: str | None = None
    archive_url: str | None = Field(default=None, sa_column=Column(Text))
    archive_captured_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: bumped by every write to the source, its snapshots or its checks (verifier.storage.versions)
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Citation(SQLModel, table=True):
    __tablename__ = "citation"
    __table_args__ = (UniqueConstraint("brief_id", "ref"),)
    id: int | None = Field(default=None, primary_key=True)
    brief_id: str = Field(foreign_key="brief.id", index=True)
    ref: str
    position: int = 0
    url: str = Field(sa_column=Column(Text, nullable=False))
    title: str | None = None
    source_id: int = Field(foreign_key="source.id", index=True)
    start: int = 0
    end: int = 0
    #: a copy the fact-checker supplied for this citation (judged instead of the live page's text)
    supplied_snapshot_id: int | None = None


class SnapshotRow(SQLModel, table=True):
    """One fetch: what the server said, the raw body (compressed) and the text we extracted."""

    __tablename__ = "snapshot"
    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    fetched_at: datetime = Field(default_factory=utcnow, index=True, sa_type=UTCDateTime)
    status: str
    http_status: int | None = None
    final_url: str | None = Field(default=None, sa_column=Column(Text))
    content_type: str | None = None
    title: str | None = Field(default=None, sa_column=Column(Text))
    error: str | None = Field(default=None, sa_column=Column(Text))
    headers: list[list[str]] | dict[str, Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # [[name, value], ...] in order; older rows: a dict
    redirects: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    body_gz: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    body_ref: str | None = None  # a large body's gzip file in the blob store, relative to blob_dir
    body_sha256: str | None = None
    body_size: int = 0
    text: str | None = Field(default=None, sa_column=Column(Text))
    text_sha256: str | None = Field(default=None, index=True)
    pages: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    main_end: int | None = None
    #: why `text` is only part of the page (a paywall), else None
    partial: str | None = Field(default=None, sa_column=Column(Text))
    ocr_pending: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    provenance: str = Field(default="fetched", sa_column_kwargs={"server_default": "fetched"})
    #: for provenance "supplied": {"file_name", "sha256", "supplied_by"}
    supplied: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class QuoteRow(SQLModel, table=True):
    __tablename__ = "quote"
    __table_args__ = (UniqueConstraint("brief_id", "qid"),)
    id: int | None = Field(default=None, primary_key=True)
    brief_id: str = Field(foreign_key="brief.id", index=True)
    qid: str
    position: int = 0
    text: str = Field(sa_column=Column(Text, nullable=False))
    start: int = 0
    end: int = 0
    cites: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    verdict: str | None = None
    score: float | None = None
    source_ref: str | None = None
    snapshot_id: int | None = Field(default=None, foreign_key="snapshot.id")
    evidence: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    differences: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    note: str | None = Field(default=None, sa_column=Column(Text))
    judged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    drift: str | None = None
    drift_text: str | None = Field(default=None, sa_column=Column(Text))
    drift_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    archive_verdict: str | None = None


class ClaimRow(SQLModel, table=True):
    """A cited sentence without quotation marks (the contract's "Claims") and its judgement."""

    __tablename__ = "claim"
    __table_args__ = (UniqueConstraint("brief_id", "cid"),)
    id: int | None = Field(default=None, primary_key=True)
    brief_id: str = Field(foreign_key="brief.id", index=True)
    cid: str
    position: int = 0
    text: str = Field(sa_column=Column(Text, nullable=False))
    start: int = 0
    end: int = 0
    cites: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: spans of `text` set aside (checked quotes and the credit), the credit alone, the outlet names
    set_aside: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    credit: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    outlets: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source_ref: str | None = None
    snapshot_id: int | None = Field(default=None, foreign_key="snapshot.id")
    evidence: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    coverage: float | None = None
    flags: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    support: str | None = None
    judged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CheckRow(SQLModel, table=True):
    """History: one row per check of a source (first fetch and every recheck)."""

    __tablename__ = "check"
    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    snapshot_id: int | None = Field(default=None, foreign_key="snapshot.id")
    checked_at: datetime = Field(default_factory=utcnow, index=True, sa_type=UTCDateTime)
    status: str
    http_status: int | None = None
    text_sha256: str | None = None
    error: str | None = Field(default=None, sa_column=Column(Text))


class Event(SQLModel, table=True):
    """Something an organisation should hear about: a link died or recovered, a quote changed."""

    __tablename__ = "event"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    brief_id: str | None = Field(default=None, foreign_key="brief.id", index=True)
    source_id: int | None = Field(default=None, foreign_key="source.id")
    quote_id: int | None = Field(default=None, foreign_key="quote.id")
    kind: str
    created_at: datetime = Field(default_factory=utcnow, index=True, sa_type=UTCDateTime)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class IdempotencyKey(SQLModel, table=True):
    """An `Idempotency-Key` an organisation sent with POST /v1/briefs, and the brief it made.

    Unique per organisation, so a client retrying a submit (after a timeout, a 503) gets the
    same brief back instead of a duplicate, even when the two requests race."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("org_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id")
    key: str
    brief_id: str = Field(foreign_key="brief.id")
    request_sha256: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
