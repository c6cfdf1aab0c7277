"""Briefs: submit one, list them, poll one's result document, read its HTML report.

Why the work is started through JobsDep: the API does not know the work runs on Celery
(verifier.service.jobs); the database is the truth the poller reads.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import col, select
from starlette.background import BackgroundTask

from verifier.api.deps import BriefIdPath, CallerDep, JobsDep, SessionDep, SettingsDep, own_brief
from verifier.api.errors import ApiError
from verifier.api.submission import BriefIn, accept_brief, read_copies, read_submission
from verifier.core.document import ResultDocument
from verifier.service import polling
from verifier.storage.models import Brief

router = APIRouter(tags=["briefs"])

#: a page offset beyond any real table, and inside every database's 64-bit integers
MAX_OFFSET = 2**31 - 1


class Accepted(BaseModel):
    brief_id: str
    status: str = "queued"


@router.post("/v1/briefs", status_code=202, response_model=Accepted,
             openapi_extra={"requestBody": {"content": {"application/json": {
                 "schema": BriefIn.model_json_schema()}, "multipart/form-data": {
                 "schema": {"type": "object", "properties": {
                     "file": {"type": "string", "format": "binary"}},
                     "patternProperties": {r"^sources\[.+\]$": {"type": "string", "format": "binary"}}}}}}},
             responses={400: {"description": "unusable brief"}, 401: {"description": "no key"},
                        413: {"description": "brief too large, or over VERIFIER_MAX_QUOTES / VERIFIER_MAX_CITATIONS"}, 429: {"description": "rate limited"}})
async def submit(request: Request, session: SessionDep, who: CallerDep, settings: SettingsDep,
                 jobs: JobsDep, idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
                 ) -> JSONResponse:
    """Submit a brief as JSON (`text` or `url`) or as a multipart file; work starts at once.

    With an `Idempotency-Key`, a repeated submit answers 200 with the same body and brief id.
    Copies of cited sources ride along: multipart file parts `sources[REF]`, or JSON
    `"sources": {"REF": {"text": ...}}` (or `{"base64": ..., "file_name": ...}`); a REF the brief
    does not cite is 422."""
    sub = await read_submission(request, settings)
    parsed, copies = await read_copies(sub, settings)
    brief_id, replayed = await run_in_threadpool(accept_brief, session, jobs, sub.brief, sub.origin, who.org_id,
                                                 idempotency_key, parsed=parsed, copies=copies,
                                                 supplied_by=f"API key {who.key_id} of organisation {who.org_id}")
    return JSONResponse({"brief_id": brief_id, "status": "queued"}, status_code=200 if replayed else 202,
                        headers={"Location": f"/v1/briefs/{brief_id}"})


@router.get("/v1/briefs")
def list_briefs(session: SessionDep, who: CallerDep,
                limit: Annotated[int, Query(ge=1, le=200)] = 50,
                offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> dict[str, Any]:
    """The caller's organisation's briefs, newest first."""
    q = select(Brief).where(Brief.org_id == who.org_id)
    total = session.exec(select(func.count()).select_from(q.subquery())).one()
    rows = session.exec(q.order_by(col(Brief.created_at).desc()).offset(offset).limit(limit)).all()
    return {"total": total, "limit": limit, "offset": offset,
            "briefs": [{"brief_id": b.id, "status": b.status, "title": b.title, "origin": b.origin,
                        "created_at": b.created_at.isoformat(), "quotes": b.quotes_total,
                        "sources": b.sources_total} for b in rows]}


#: a poller may keep the document but must ask again (a recheck can change a finished brief); with
#: the ETag that asking costs a 304
CACHE_CONTROL = "private, no-cache"


@router.get("/v1/briefs/{brief_id}", response_model=ResultDocument,
            responses={304: {"description": "unchanged since the ETag sent in If-None-Match"}})
async def get_brief(brief_id: BriefIdPath, settings: SettingsDep, who: CallerDep,
                    if_none_match: Annotated[str | None, Header()] = None) -> Response:
    """The result document; `status` moves queued → running → done (or failed). Sent with a strong
    ETag: send it back in If-None-Match and an unchanged document is a 304 with no body."""
    doc = await polling.poll_async(settings.database_url, brief_id, who.org_id)
    if doc is None:
        raise ApiError(404, f"no brief {brief_id}")
    return document_response(doc, if_none_match)


def document_response(doc: polling.Served, if_none_match: str | None) -> Response:
    """A polled document as sent (by the route, and by verifier.api.fastpoll): 200, or 304 for its ETag."""
    headers = {"ETag": doc.etag, "Cache-Control": CACHE_CONTROL}
    if polling.etag_matches(if_none_match, doc.etag):
        return Response(status_code=304, headers=headers)
    # the schema in /docs is the model's; the body is its own serialisation, sent as it is
    return Response(doc.body, media_type="application/json", headers=headers)


@router.get("/v1/briefs/{brief_id}/report", response_class=HTMLResponse)
def get_report(brief_id: BriefIdPath, session: SessionDep, who: CallerDep) -> HTMLResponse:
    """A human-readable HTML report of the brief."""
    from verifier.present.html import render_html
    from verifier.service.result import build_result

    own_brief(session, who, brief_id)
    return HTMLResponse(render_html(build_result(session, brief_id, with_text=True)))


@router.get("/v1/briefs/{brief_id}/warc", response_class=FileResponse,
            responses={200: {"content": {"application/warc": {}}, "description": "the evidence as gzipped WARC"}})
def get_warc(brief_id: BriefIdPath, session: SessionDep, who: CallerDep, settings: SettingsDep) -> FileResponse:
    """Every snapshot judged for the brief as a WARC file (the same writer as `verifier export --warc`)."""
    from verifier.service.warc import export_warc

    own_brief(session, who, brief_id)
    fd, name = tempfile.mkstemp(prefix="verifier-", suffix=".warc.gz")
    os.close(fd)
    path = Path(name)
    try:
        export_warc(session, brief_id, path, settings)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FileResponse(path, media_type="application/warc", filename=f"{brief_id}.warc.gz",
                        background=BackgroundTask(path.unlink, missing_ok=True))
