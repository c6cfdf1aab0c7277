"""An organisation's event feed (link_died, link_recovered, quote_changed, quote_removed), paged by id."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlmodel import col, select

from verifier.api.deps import CallerDep, SessionDep
from verifier.service.webhooks import event_doc
from verifier.storage.models import Event

router = APIRouter(tags=["rechecks"])

#: event ids are 32-bit integers in the database; a larger after_id is refused, not overflowed
MAX_EVENT_ID = 2**31 - 1


@router.get("/v1/events")
def events(session: SessionDep, who: CallerDep,
           since: Annotated[datetime | None, Query(description="ISO 8601; events after it")] = None,
           after_id: Annotated[int | None, Query(ge=0, le=MAX_EVENT_ID,
                                                 description="events after this id (paging)")] = None,
           limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """The caller's organisation's events, oldest first."""
    q = select(Event).where(Event.org_id == who.org_id)
    if since is not None:
        q = q.where(col(Event.created_at) > since)
    if after_id is not None:
        q = q.where(col(Event.id) > after_id)
    rows = list(session.exec(q.order_by(col(Event.id)).limit(limit)))
    return {"events": [event_doc(e) for e in rows],
            "next_after_id": rows[-1].id if len(rows) == limit else None}
