"""API for rechecks: a brief's sources with their history, an org's event feed, signed webhooks.

Why a router factory: the auth dependency (`caller`) is built inside `create_app()` (it closes over
the rate limiter), so the app passes it in: `app.include_router(rechecks.make_router(caller))`.
`router` (module level) is the same routes with a placeholder dependency that answers 401 until
overridden with `app.dependency_overrides[rechecks.current_caller] = caller`.

Webhook delivery lives in verifier.service.webhooks (the workers deliver too, and must not import the API).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlmodel import Session, col, select

from verifier.service.result import build_result
from verifier.service.webhooks import event_doc
from verifier.settings import get_settings
from verifier.storage import db
from verifier.storage.models import Brief, Event


class _Caller(Protocol):
    org_id: int


def _session() -> Any:
    s = db.session_for(get_settings().database_url)
    try:
        yield s
    finally:
        s.close()


def current_caller() -> _Caller:
    """Placeholder: the app overrides it with its real API-key dependency."""
    raise HTTPException(401, "authentication is not configured for these routes")


def make_router(caller: Callable[..., Any] = current_caller) -> APIRouter:
    """The routes, authenticated by `caller` (a FastAPI dependency returning an object with org_id)."""
    router = APIRouter(tags=["rechecks"])
    session_dep, caller_dep = Depends(_session), Depends(caller)  # defaults: no local names in annotations

    @router.get("/v1/briefs/{brief_id}/sources")
    def brief_sources(brief_id: str, session: Session = session_dep, who: Any = caller_dep) -> dict[str, Any]:
        """Each cited source with its state (live/failing/dead), check history and archived copy."""
        row = session.get(Brief, brief_id)
        if row is None or row.org_id != who.org_id:
            raise HTTPException(404, f"no brief {brief_id}")
        doc = build_result(session, brief_id, history=True)
        return {"brief_id": brief_id, "sources": doc["sources"],
                "quotes": [{k: q.get(k) for k in ("id", "verdict", "source_ref", "drift", "drift_text",
                                                  "archive_verdict")} for q in doc["quotes"]]}

    @router.get("/v1/events")
    def events(session: Session = session_dep, who: Any = caller_dep,
               since: Annotated[datetime | None, Query(description="ISO 8601; events after it")] = None,
               after_id: Annotated[int | None, Query(description="events after this id (paging)")] = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
        """The caller's organisation's events (link_died, link_recovered, quote_changed, quote_removed)."""
        q = select(Event).where(Event.org_id == who.org_id)
        if since is not None:
            q = q.where(col(Event.created_at) > since)
        if after_id is not None:
            q = q.where(col(Event.id) > after_id)
        rows = list(session.exec(q.order_by(col(Event.id)).limit(limit)))
        return {"events": [event_doc(e) for e in rows],
                "next_after_id": rows[-1].id if len(rows) == limit else None}

    return router


router = make_router()
