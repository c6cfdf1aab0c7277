"""Reading a submitted brief: the body streamed and capped, then JSON or multipart, then intake.

Why streamed: a chunked body carries no Content-Length, so the cap must be counted as the bytes
arrive; nothing larger than the limit (plus room for multipart framing) is ever held. A
Content-Length that lies is harmless: it only refuses early when it already says too much, and the
count of bytes received decides the rest. A brief refused for its size is 413 by the error's kind
(BriefTooLarge), an unreadable one 400.

Parsing and storing run off the event loop (a thread), so one large brief never stalls the other
requests. `accept_brief` stores the brief before it starts the work: a broker that is down leaves
the brief queued and unsent (the workers' recovery sends it when the broker is back), never a 500.
An `Idempotency-Key` makes a retried submit answer with the brief the first one stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import Message

from verifier.api.errors import ApiError
from verifier.core.values import BriefError, BriefText, BriefTooLarge
from verifier.service.jobs import Jobs
from verifier.settings import Settings
from verifier.storage.models import IdempotencyKey

log = logging.getLogger("verifier.api")

#: multipart framing (boundaries, part headers) allowed on top of the brief's own limit
FRAMING = 64 * 1024



def _storable(value: str) -> str:
    """Refuse what a database text column cannot hold: NUL (PostgreSQL) and lone surrogates (UTF-8)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError("must be valid Unicode (no lone surrogates)") from e
    return value


#: strings that reach the database: storable, a sane length
Line = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_storable)]


class BriefIn(BaseModel):
    """A brief as JSON: its text (with an optional title), or the URL of a brief on the web."""

    text: str | None = Field(default=None, description="the brief's text (Markdown or plain)")
    title: Line | None = Field(default=None, description="a name for the brief; a file name picks the format")
    url: Line | None = Field(default=None, description="an http(s) URL of a brief published on the web")

    model_config = {"json_schema_extra": {"examples": [
        {"text": "The mayor said “we will open the bridge in May” [1].\n\n[1] City news. https://example.org/bridge",
         "title": "bridge.md"},
        {"url": "https://example.org/briefs/harbour.html"}]}}


def too_large(limit: int) -> ApiError:
    return ApiError(413, f"the brief is larger than the limit of {limit / 1_000_000:g} MB")


def declared_length(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    if not raw.strip().isdigit():
        raise ApiError(400, "Content-Length must be a number")
    return int(raw)


async def read_capped(chunks: AsyncIterator[bytes], cap: int) -> bytes:
    """The whole body, or 413 as soon as more than `cap` bytes have arrived."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > cap:
            raise too_large(cap - FRAMING if cap > FRAMING else cap)
        parts.append(chunk)
    return b"".join(parts)


def replay(request: Request, body: bytes) -> Request:
    """The same request with its body already read, for Starlette's multipart parser."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)


async def read_submission(request: Request, settings: Settings) -> tuple[BriefText, str | None]:
    """The submitted brief and its origin (file name, title or URL)."""
    limit = settings.max_brief_bytes
    length = declared_length(request)
    if length is not None and length > limit + FRAMING:
        raise too_large(limit)
    body = await read_capped(request.stream(), limit + FRAMING)
    try:
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            return await _from_multipart(replay(request, body), limit)
        return await _from_json(body, settings)
    except BriefTooLarge as e:
        raise ApiError(413, str(e)) from e
    except BriefError as e:
        raise ApiError(400, str(e)) from e


async def _from_multipart(request: Request, limit: int) -> tuple[BriefText, str | None]:
    from verifier.core.intake import brief_from_bytes
    from verifier.documents.bounded import bounded_pdf_brief

    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ApiError(422, "multipart submissions need a `file` field")
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise too_large(limit)
    name = upload.filename or "upload"
    # parsing (a PDF in a bounded child process) runs off the event loop
    brief = await asyncio.to_thread(brief_from_bytes, data, name=name, content_type=upload.content_type,
                                    max_bytes=limit, read_pdf=bounded_pdf_brief)
    return brief, name


async def _from_json(body: bytes, settings: Settings) -> tuple[BriefText, str | None]:
    try:
        payload = BriefIn.model_validate_json(body)
    except ValidationError as e:
        raise ApiError(422, f"send JSON {{'text': ...}} or {{'url': ...}}, or a multipart file; "
                            f"{_first_error(e)}") from e
    if payload.text is not None:
        return await asyncio.to_thread(_from_text, payload, settings.max_brief_bytes)
    if payload.url:
        return await _from_url(payload.url, settings)
    raise ApiError(422, "give `text` or `url`")


def _first_error(e: ValidationError) -> str:
    errors = e.errors()
    if not errors:
        return "invalid"
    where = ".".join(str(x) for x in errors[0]["loc"]) or "body"
    return f"{where}: {errors[0]['msg']}"


def _from_text(payload: BriefIn, limit: int) -> tuple[BriefText, str | None]:
    from verifier.core.intake import brief_from_bytes

    data = (payload.text or "").encode("utf-8", "surrogatepass")
    if len(data) > limit:
        raise too_large(limit)
    name = payload.title or "brief.md"
    brief = brief_from_bytes(data, name=name if "." in name else name + ".md", max_bytes=limit)
    if payload.title:
        brief.title = payload.title
    return brief, payload.title


async def _from_url(url: str, settings: Settings) -> tuple[BriefText, str | None]:
    from verifier.core.intake import brief_from_bytes
    from verifier.core.statuses import LinkStatus
    from verifier.documents.bounded import bounded_pdf_brief
    from verifier.net.fetch import Fetcher

    if not url.startswith(("http://", "https://")):
        raise ApiError(422, "url must be an http(s) URL")
    async with Fetcher(settings.for_briefs()) as f:
        snap = await f.fetch(url)
    if snap.status != LinkStatus.OK:
        raise ApiError(400, f"cannot fetch the brief: {snap.status}" + (f" ({snap.error})" if snap.error else ""))
    brief = await asyncio.to_thread(brief_from_bytes, snap.body, name=url, content_type=snap.content_type,
                                    base_url=snap.final_url or url, max_bytes=settings.max_brief_bytes,
                                    read_pdf=bounded_pdf_brief)
    return brief, url


# ------------------------------------------------------------------ storing and starting


def _fingerprint(brief: BriefText, origin: str | None) -> str:
    return hashlib.sha256(f"{origin}\x00{brief.title}\x00{brief.text}".encode("utf-8", "surrogatepass")).hexdigest()


def _stored_for(session: Session, org_id: int, key: str, fingerprint: str) -> str | None:
    """The brief this organisation's key already made, or None; 422 when it was another brief."""
    row = session.exec(select(IdempotencyKey).where(IdempotencyKey.org_id == org_id,
                                                    IdempotencyKey.key == key)).first()
    if row is None:
        return None
    if row.request_sha256 != fingerprint:
        raise ApiError(422, "this Idempotency-Key was already used for a different brief")
    return row.brief_id


def accept_brief(session: Session, jobs: Jobs, brief: BriefText, origin: str | None, org_id: int,
                 key: str | None) -> tuple[str, bool]:
    """Store the brief (or find the one `key` stored) and start its work: (brief id, replayed)."""
    from verifier.service.pipeline import register_brief
    from verifier.storage.store import new_brief_id

    fingerprint = _fingerprint(brief, origin)
    if key is not None and (done := _stored_for(session, org_id, key, fingerprint)) is not None:
        return done, True
    brief_id = new_brief_id()
    if key is not None:  # flushed with the brief in one transaction: both or neither
        session.add(IdempotencyKey(org_id=org_id, key=key, brief_id=brief_id, request_sha256=fingerprint))
    try:
        register_brief(session, brief, origin=origin, org_id=org_id, brief_id=brief_id)
    except IntegrityError:
        session.rollback()
        if key is not None and (done := _stored_for(session, org_id, key, fingerprint)) is not None:
            return done, True  # a concurrent submit with the same key won the race
        raise
    start_work(jobs, brief_id)
    return brief_id, False


def start_work(jobs: Jobs, brief_id: str) -> None:
    """Send a stored brief's work; if the broker is down it stays queued for the recovery to send."""
    try:
        jobs.enqueue_brief(brief_id)
    except Exception as e:
        log.warning("brief %s stored but not yet sent (the broker is unavailable: %s); "
                    "it is sent when the broker is back", brief_id, e)
