"""Reading a submitted brief: the body streamed and capped, then JSON or multipart, then intake.

A submission may carry the fact-checker's own copies of cited sources (the contract's "Sources a
bot cannot read"): multipart parts named `sources[REF]`, or JSON `"sources": {"REF": {"text": ...}}`
(`{"base64": ..., "file_name": "report.pdf"}` for a binary file). Each copy is held to the brief's
size limit; the request as a whole to COPIES_FACTOR times it.

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
import base64
import binascii
import hashlib
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import Message

from verifier.api.errors import ApiError
from verifier.core.values import BriefError, BriefText, BriefTooLarge, ParsedBrief
from verifier.service.jobs import Jobs
from verifier.service.supplied import MAX_COPIES, SuppliedCopy, SuppliedFile
from verifier.settings import Settings
from verifier.storage.models import IdempotencyKey

log = logging.getLogger("verifier.api")

#: multipart framing (boundaries, part headers) allowed on top of the brief's own limit
FRAMING = 64 * 1024
#: a request with supplied source copies may be this many times the brief limit in all
COPIES_FACTOR = 4
_SOURCE_PART = re.compile(r"^sources\[(?P<ref>[^\[\]]{1,40})\]$")



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


class SourceIn(BaseModel):
    """A copy of a cited source the fact-checker supplies: its text, or a file as base64."""

    text: str | None = Field(default=None, description="the copy's text (plain text or HTML)")
    base64: str | None = Field(default=None, description="a file's bytes in base64 (PDF, Word, HTML)")
    file_name: Line | None = Field(default=None, description="its file name; the extension picks the format")
    content_type: Line | None = Field(default=None, description="its media type, when the name does not say")


class BriefIn(BaseModel):
    """A brief as JSON: its text (with an optional title), or the URL of a brief on the web."""

    text: str | None = Field(default=None, description="the brief's text (Markdown or plain)")
    title: Line | None = Field(default=None, description="a name for the brief; a file name picks the format")
    url: Line | None = Field(default=None, description="an http(s) URL of a brief published on the web")
    sources: dict[Annotated[str, StringConstraints(min_length=1, max_length=40)], SourceIn] | None = Field(
        default=None, description="copies of cited sources, by citation ref: judged instead of the live page")

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


async def read_capped(chunks: AsyncIterator[bytes], cap: int, *, limit: int | None = None) -> bytes:
    """The whole body, or 413 (naming `limit`, the brief's) as soon as more than `cap` bytes have arrived."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > cap:
            raise too_large(limit or (cap - FRAMING if cap > FRAMING else cap))
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


@dataclass
class Submission:
    """A submitted brief, its origin (file name, title or URL) and the source copies it came with."""

    brief: BriefText
    origin: str | None
    sources: list[SuppliedFile] = field(default_factory=list)


async def read_submission(request: Request, settings: Settings) -> Submission:
    """The submitted brief, its origin and its supplied source copies (not yet read)."""
    limit = settings.max_brief_bytes
    cap = limit * COPIES_FACTOR + FRAMING
    length = declared_length(request)
    if length is not None and length > cap:
        raise too_large(limit)
    body = await read_capped(request.stream(), cap, limit=limit)
    try:
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            return await _from_multipart(replay(request, body), limit)
        return await _from_json(body, settings)
    except BriefTooLarge as e:
        raise ApiError(413, str(e)) from e
    except BriefError as e:
        raise ApiError(400, str(e)) from e


async def _from_multipart(request: Request, limit: int) -> Submission:
    from verifier.core.intake import brief_from_bytes
    from verifier.documents.bounded import bounded_pdf_brief

    form = await request.form(max_files=1 + MAX_COPIES, max_fields=10 + MAX_COPIES)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ApiError(422, "multipart submissions need a `file` field")
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise too_large(limit)
    name = upload.filename or "upload"
    copies = [await _part_copy(key, value, limit) for key, value in form.multi_items() if key != "file"]
    # parsing (a PDF in a bounded child process) runs off the event loop
    brief = await asyncio.to_thread(brief_from_bytes, data, name=name, content_type=upload.content_type,
                                    max_bytes=limit, read_pdf=bounded_pdf_brief)
    return Submission(brief, name, [c for c in copies if c is not None])


async def _part_copy(key: str, value: UploadFile | str, limit: int) -> SuppliedFile | None:
    """A `sources[REF]` part as a supplied copy; other fields are ignored."""
    m = _SOURCE_PART.match(key)
    if m is None:
        return None
    ref = m.group("ref").strip()
    if not isinstance(value, UploadFile):
        raise ApiError(422, f"{key} must be a file part (a form field with a file name)")
    data = await value.read(limit + 1)
    name = _storable_name(value.filename, ref)
    if len(data) > limit:
        raise BriefTooLarge(f"the supplied copy {name} is larger than the limit of {limit / 1_000_000:g} MB")
    return SuppliedFile(ref, name, data, value.content_type if value.content_type != "application/octet-stream"
                        else None)


def _storable_name(name: str | None, ref: str) -> str:
    """A file name fit to store and show: its last path part, printable, short; else source-REF."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable())[:200].strip()
    return base or f"source-{ref}"


async def _from_json(body: bytes, settings: Settings) -> Submission:
    try:
        payload = BriefIn.model_validate_json(body)
    except ValidationError as e:
        raise ApiError(422, f"send JSON {{'text': ...}} or {{'url': ...}}, or a multipart file; "
                            f"{_first_error(e)}") from e
    copies = _json_copies(payload, settings.max_brief_bytes)
    if payload.text is not None:
        brief, origin = await asyncio.to_thread(_from_text, payload, settings.max_brief_bytes)
    elif payload.url:
        brief, origin = await _from_url(payload.url, settings)
    else:
        raise ApiError(422, "give `text` or `url`")
    return Submission(brief, origin, copies)


def _json_copies(payload: BriefIn, limit: int) -> list[SuppliedFile]:
    """The JSON `sources` map as supplied copies: `text` as UTF-8, `base64` decoded (strictly)."""
    out: list[SuppliedFile] = []
    for ref, src in (payload.sources or {}).items():
        if (src.text is None) == (src.base64 is None):
            raise ApiError(422, f"sources.{ref}: give `text` or `base64`, not both or neither")
        if src.text is not None:
            data = src.text.encode("utf-8", "surrogatepass")
        else:
            try:
                data = base64.b64decode(src.base64 or "", validate=True)
            except (binascii.Error, ValueError):
                raise ApiError(422, f"sources.{ref}.base64: not valid base64") from None
        name = _storable_name(src.file_name, ref)
        if src.file_name is None and src.text is not None:
            name += ".html" if src.text.lstrip()[:1] == "<" else ".txt"
        if len(data) > limit:
            raise BriefTooLarge(f"the supplied copy {name} is larger than the limit of {limit / 1_000_000:g} MB")
        out.append(SuppliedFile(ref.strip().strip("[]").strip(), name, data, src.content_type))
    return out


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


async def read_copies(sub: Submission, settings: Settings) -> tuple[ParsedBrief, list[SuppliedCopy]]:
    """The brief parsed and its supplied copies read (off the event loop: a PDF copy is read in a
    bounded child). A ref the brief does not cite is 422; a copy too large 413; unreadable 400."""
    from verifier.core.parse import parse_brief
    from verifier.service.supplied import UnknownSourceRef
    from verifier.service.supplied import read_copies as read

    def parse_and_read() -> tuple[ParsedBrief, list[SuppliedCopy]]:
        parsed = parse_brief(sub.brief)
        return parsed, read(sub.sources, parsed, max_bytes=settings.max_brief_bytes) if sub.sources else []

    try:
        return await asyncio.to_thread(parse_and_read)
    except UnknownSourceRef as e:
        raise ApiError(422, str(e)) from e
    except BriefTooLarge as e:
        raise ApiError(413, str(e)) from e
    except BriefError as e:
        raise ApiError(400, str(e)) from e


# ------------------------------------------------------------------ storing and starting


def _fingerprint(brief: BriefText, origin: str | None, copies: list[SuppliedCopy] | None = None) -> str:
    supplied = "".join(f"\x00{c.file.ref}={c.sha256}" for c in copies or [])  # none: the hash as before
    return hashlib.sha256(f"{origin}\x00{brief.title}\x00{brief.text}{supplied}"
                          .encode("utf-8", "surrogatepass")).hexdigest()


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
                 key: str | None, *, parsed: ParsedBrief | None = None, copies: list[SuppliedCopy] | None = None,
                 supplied_by: str = "the API") -> tuple[str, bool]:
    """Store the brief (or find the one `key` stored) with its supplied copies and start its work:
    (brief id, replayed)."""
    from verifier.service.pipeline import register_brief
    from verifier.storage.store import new_brief_id

    fingerprint = _fingerprint(brief, origin, copies)
    if key is not None and (done := _stored_for(session, org_id, key, fingerprint)) is not None:
        return done, True
    brief_id = new_brief_id()
    if key is not None:  # flushed with the brief in one transaction: both or neither
        session.add(IdempotencyKey(org_id=org_id, key=key, brief_id=brief_id, request_sha256=fingerprint))
    try:
        register_brief(session, brief, origin=origin, org_id=org_id, brief_id=brief_id, parsed=parsed,
                       copies=copies, supplied_by=supplied_by)
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
