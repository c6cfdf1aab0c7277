"""The HTTP API: submit briefs, poll results, read reports. Work runs on Celery; the database is the truth."""


import logging
import time
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, text
from sqlmodel import Session, col, select
from starlette.exceptions import HTTPException as StarletteHTTPException

from verifier.core.values import BriefError, BriefText
from verifier.settings import Settings, get_settings
from verifier.storage import db, keys
from verifier.storage.models import ApiKey, Brief

log = logging.getLogger("verifier.api")


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class BriefIn(BaseModel):
    """A brief as JSON: its text (with an optional title), or the URL of a brief on the web."""

    text: str | None = Field(default=None, description="the brief's text (Markdown or plain)")
    title: str | None = Field(default=None, description="a name for the brief; a file name picks the format")
    url: str | None = Field(default=None, description="an http(s) URL of a brief published on the web")

    model_config = {"json_schema_extra": {"examples": [
        {"text": "The mayor said “we will open the bridge in May” [1].\n\n[1] City news. https://example.org/bridge",
         "title": "bridge.md"},
        {"url": "https://example.org/briefs/harbour.html"}]}}


class Accepted(BaseModel):
    brief_id: str
    status: str = "queued"


class Caller(BaseModel):
    key_id: int
    org_id: int


def _session() -> Iterator[Session]:
    s = db.session_for(get_settings().database_url)
    try:
        yield s
    finally:
        s.close()


SessionDep = Annotated[Session, Depends(_session)]


class RateLimiter:
    """A fixed one-minute window per key, counted in Redis so it holds across API processes."""

    def __init__(self, settings: Settings) -> None:
        self.limit = settings.api_rate_limit
        self.url = settings.redis_url
        self._redis: Any = None

    def hit(self, key_id: int) -> int | None:
        """Seconds to wait when over the limit, else None. Fails open when Redis is down."""
        if self.limit <= 0:
            return None
        try:
            if self._redis is None:
                import redis

                self._redis = redis.Redis.from_url(self.url, socket_timeout=1)
            window = int(time.time() // 60)
            k = f"verifier:rate:{key_id}:{window}"
            pipe = self._redis.pipeline(transaction=False)  # one round trip, no MULTI/EXEC
            pipe.incr(k)
            pipe.expire(k, 70)
            count = int(pipe.execute()[0])
        except Exception as e:
            log.warning("rate limiter unavailable: %s", e)
            return None
        return 60 - int(time.time()) % 60 if count > self.limit else None


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(title="verifier", version="0.1.0",
                  description="Checks that quoted passages stand, word for word, in the sources a brief cites.")
    limiter = RateLimiter(settings)

    @app.exception_handler(ApiError)
    async def _api_error(_req: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"error": {"status": exc.status, "message": exc.message}},
                            status_code=exc.status, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": {"status": exc.status_code, "message": str(exc.detail)}},
                            status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_req: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()))
        return JSONResponse({"error": {"status": 422, "message": f"{where}: {first.get('msg', 'invalid')}",
                                       "details": exc.errors()}}, status_code=422)

    def caller(session: SessionDep, authorization: Annotated[str | None, Header()] = None) -> Caller:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise ApiError(401, "missing API key: send Authorization: Bearer KEY",
                           {"WWW-Authenticate": "Bearer"})
        row: ApiKey | None = keys.lookup(session, authorization[7:].strip())
        if row is None or row.id is None:
            raise ApiError(401, "unknown or revoked API key", {"WWW-Authenticate": "Bearer"})
        wait = limiter.hit(row.id)
        if wait is not None:
            raise ApiError(429, "too many requests for this key; slow down", {"Retry-After": str(wait)})
        return Caller(key_id=row.id, org_id=row.org_id)

    CallerDep = Annotated[Caller, Depends(caller)]

    from verifier.api import rechecks

    app.include_router(rechecks.make_router(caller))
    from verifier.api.web import router as web_router

    app.include_router(web_router)

    def own_brief(session: Session, who: Caller, brief_id: str) -> Brief:
        row = session.get(Brief, brief_id)
        if row is None or row.org_id != who.org_id:
            raise ApiError(404, f"no brief {brief_id}")
        return row

    @app.get("/health", tags=["service"])
    def health(session: SessionDep) -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            checks["database"] = "ok"
        except Exception as e:
            checks["database"] = f"error: {e}"
        try:
            import redis

            redis.Redis.from_url(settings.redis_url, socket_timeout=2).ping()
            checks["broker"] = "ok"
        except Exception as e:
            checks["broker"] = f"error: {e}"
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if ok else "degraded", **checks}, status_code=200 if ok else 503)

    @app.post("/v1/briefs", status_code=202, response_model=Accepted, tags=["briefs"],
              responses={400: {"description": "unusable brief"}, 401: {"description": "no key"},
                         413: {"description": "brief too large"}, 429: {"description": "rate limited"}})
    async def submit(request: Request, session: SessionDep, who: CallerDep) -> JSONResponse:
        """Submit a brief as JSON (`text` or `url`) or as a multipart file; work starts at once."""
        brief, origin = await _read_submission(request, settings)
        from verifier.service.pipeline import register_brief

        row = register_brief(session, brief, origin=origin, org_id=who.org_id)
        from workers.tasks import enqueue_brief

        enqueue_brief(row.id)
        return JSONResponse({"brief_id": row.id, "status": "queued"}, status_code=202,
                            headers={"Location": f"/v1/briefs/{row.id}"})

    @app.get("/v1/briefs", tags=["briefs"])
    def list_briefs(session: SessionDep, who: CallerDep,
                    limit: Annotated[int, Query(ge=1, le=200)] = 50,
                    offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
        """The caller's organisation's briefs, newest first."""
        q = select(Brief).where(Brief.org_id == who.org_id)
        total = session.exec(select(func.count()).select_from(q.subquery())).one()
        rows = session.exec(q.order_by(col(Brief.created_at).desc()).offset(offset).limit(limit)).all()
        return {"total": total, "limit": limit, "offset": offset,
                "briefs": [{"brief_id": b.id, "status": b.status, "title": b.title, "origin": b.origin,
                            "created_at": b.created_at.isoformat(), "quotes": b.quotes_total,
                            "sources": b.sources_total} for b in rows]}

    @app.get("/v1/briefs/{brief_id}", tags=["briefs"])
    def get_brief(brief_id: str, session: SessionDep, who: CallerDep) -> Response:
        """The result document; `status` moves queued → running → done (or failed)."""
        from verifier.service.result import build_result

        own_brief(session, who, brief_id)
        # serialised once, by the model's own encoder; the bytes go out as they are
        return Response(build_result(session, brief_id).to_json_bytes(), media_type="application/json")

    @app.get("/v1/briefs/{brief_id}/report", response_class=HTMLResponse, tags=["briefs"])
    def get_report(brief_id: str, session: SessionDep, who: CallerDep) -> HTMLResponse:
        from verifier.present.html import render_html
        from verifier.service.result import build_result

        own_brief(session, who, brief_id)
        return HTMLResponse(render_html(build_result(session, brief_id, with_text=True)))

    return app


async def _read_submission(request: Request, settings: Settings) -> tuple[BriefText, str | None]:
    from verifier.core.intake import brief_from_bytes

    limit = settings.max_brief_bytes
    length = int(request.headers.get("content-length") or 0)
    if length > limit + 64 * 1024:
        raise ApiError(413, f"the brief is larger than the limit of {limit // 1_000_000} MB")
    ctype = request.headers.get("content-type", "")
    try:
        if ctype.startswith("multipart/form-data"):
            form = await request.form()
            upload = form.get("file")
            if not isinstance(upload, UploadFile) and not hasattr(upload, "read"):
                raise ApiError(422, "multipart submissions need a `file` field")
            data = await upload.read(limit + 1)  # type: ignore[union-attr]
            if len(data) > limit:
                raise ApiError(413, f"the brief is larger than the limit of {limit // 1_000_000} MB")
            name = getattr(upload, "filename", None) or "upload"
            return brief_from_bytes(data, name=name, content_type=getattr(upload, "content_type", None),
                                    max_bytes=limit), name
        try:
            payload = BriefIn.model_validate_json(await request.body())
        except ValueError as e:
            raise ApiError(422, f"send JSON {{'text': ...}} or {{'url': ...}}, or a multipart file: {e}") from e
        if payload.text is not None:
            data = payload.text.encode()
            if len(data) > limit:
                raise ApiError(413, f"the brief is larger than the limit of {limit // 1_000_000} MB")
            name = payload.title or "brief.md"
            brief = brief_from_bytes(data, name=name if "." in name else name + ".md", max_bytes=limit)
            if payload.title:
                brief.title = payload.title
            return brief, payload.title
        if payload.url:
            if not payload.url.startswith(("http://", "https://")):
                raise ApiError(422, "url must be an http(s) URL")
            from verifier.core.statuses import LinkStatus
            from verifier.net.fetch import Fetcher

            async with Fetcher(settings.for_briefs()) as f:
                snap = await f.fetch(payload.url)
            if snap.status != LinkStatus.OK:
                raise ApiError(400, f"cannot fetch the brief: {snap.status}" + (f" ({snap.error})" if snap.error else ""))
            return brief_from_bytes(snap.body, name=payload.url, content_type=snap.content_type,
                                    base_url=snap.final_url or payload.url, max_bytes=limit), payload.url
        raise ApiError(422, "give `text` or `url`")
    except BriefError as e:
        if "limit" in str(e):
            raise ApiError(413, str(e)) from e
        raise ApiError(400, str(e)) from e


app = create_app()
