"""A brief's sources with their state (live/failing/dead), check history and archived copy."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from verifier.api.deps import BriefIdPath, CallerDep, SessionDep, own_brief
from verifier.service.result import build_result

router = APIRouter(tags=["rechecks"])

_QUOTE_FIELDS = ("id", "verdict", "source_ref", "drift", "drift_text", "archive_verdict")


@router.get("/v1/briefs/{brief_id}/sources")
def brief_sources(brief_id: BriefIdPath, session: SessionDep, who: CallerDep) -> dict[str, Any]:
    """Each cited source with its state, check history and archived copy; each quote's drift."""
    own_brief(session, who, brief_id)
    doc = build_result(session, brief_id, history=True, history_limit=None)
    return {"brief_id": brief_id, "sources": [s.model_dump(mode="json") for s in doc.sources],
            "quotes": [q.model_dump(mode="json", include=set(_QUOTE_FIELDS)) for q in doc.quotes]}
