"""API for rechecks: a brief's sources with their history, an org's event feed, signed webhooks.

Why a router factory: the auth dependency (`caller`) is built inside `create_app()` (it closes over
the rate limiter), so the app passes it in: `app.include_router(rechecks.make_router(caller))`.
`router` (module level) is the same routes with a placeholder dependency that answers 401 until
overridden with `app.dependency_overrides[rechecks.current_caller] = caller`.

Webhooks: each undelivered Event of an org with a webhook_url is POSTed as JSON, signed with
HMAC-SHA256 of the exact body under the org's webhook_secret (header X-Verifier-Signature:
sha256=HEX, plus X-Verifier-Timestamp to let receivers refuse replays); delivered_at is set on a 2xx;
failures are retried with backoff within a call and on the next call (a beat task).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Protocol
from urllib.parse import urlsplit

import httpx
from fastapi import APIRouter, Depends, HTTPException, Query
from sqlmodel import Session, col, select

from verifier.net.netguard import check_addresses, check_host
from verifier.service.result import build_result, iso
from verifier.settings import Settings, get_settings
from verifier.storage import db
from verifier.storage.models import Brief, Event, Organization, utcnow


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


def event_doc(e: Event) -> dict[str, Any]:
    return {"id": e.id, "kind": e.kind, "created_at": iso(e.created_at), "brief_id": e.brief_id,
            "source_id": e.source_id, "quote_id": e.quote_id, "detail": e.detail}


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


# ------------------------------------------------------------------ webhooks

def sign(secret: str, body: bytes) -> str:
    """The X-Verifier-Signature value: sha256= hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _allowed(url: str, settings: Settings) -> bool:
    """Webhook targets obey the fetch policy: http(s) only, no private addresses unless allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        check_host(parts.hostname, settings.allow_private_hosts, port)
        infos = socket.getaddrinfo(parts.hostname, port)
        check_addresses(parts.hostname, [str(i[4][0]) for i in infos], settings.allow_private_hosts, port)
    except (OSError, ValueError, Exception):
        return False
    return True


def deliver_pending(session: Session, settings: Settings, *, attempts: int = 3, batch: int = 100,
                    backoff: float = 1.0, client: httpx.Client | None = None) -> int:
    """POST each org's undelivered events (oldest first, up to `batch` per org); returns how many landed."""
    orgs = list(session.exec(select(Organization).where(col(Organization.webhook_url).is_not(None))))
    delivered = 0
    own = client is None
    http = client or httpx.Client(timeout=settings.fetch_timeout, follow_redirects=False, trust_env=False)
    try:
        for org in orgs:
            if not org.webhook_url or not _allowed(org.webhook_url, settings):
                continue
            pending = list(session.exec(select(Event).where(Event.org_id == org.id, col(Event.delivered_at).is_(None))
                                        .order_by(col(Event.id)).limit(batch)))
            if not pending:
                continue
            body = json.dumps({"events": [event_doc(e) for e in pending]}, separators=(",", ":")).encode()
            headers = {"Content-Type": "application/json", "User-Agent": settings.ua,
                       "X-Verifier-Timestamp": str(int(time.time()))}
            if org.webhook_secret:
                headers["X-Verifier-Signature"] = sign(org.webhook_secret, body)
            for attempt in range(attempts):
                try:
                    r = http.post(org.webhook_url, content=body, headers=headers)
                    if 200 <= r.status_code < 300:
                        now = utcnow()
                        for e in pending:
                            e.delivered_at = now
                            session.add(e)
                        session.commit()
                        delivered += len(pending)
                        break
                    if 400 <= r.status_code < 500 and r.status_code not in (408, 429):
                        break  # the receiver refuses it; try again next time, not now
                except httpx.HTTPError:
                    pass
                if attempt + 1 < attempts:
                    time.sleep(backoff * 2 ** attempt)
    finally:
        if own:
            http.close()
    return delivered
