"""Webhooks: each organisation's undelivered events POSTed as JSON, signed, retried with backoff.

Why in the service layer: the Celery beat task (workers.recheck) and the API both deliver, and
neither may import the other; this module is the one place the delivery rules live.

Each undelivered Event of an org with a webhook_url is POSTed as JSON, signed with HMAC-SHA256 of
the exact body under the org's webhook_secret (header X-Verifier-Signature: sha256=HEX, plus
X-Verifier-Timestamp to let receivers refuse replays); delivered_at is set on a 2xx; failures are
retried with backoff within a call and on the next call (a beat task).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlmodel import Session, col, select

from verifier.net.netguard import check_addresses, check_host
from verifier.service.result import iso
from verifier.settings import Settings
from verifier.storage.models import Event, Organization, utcnow


def event_doc(e: Event) -> dict[str, Any]:
    return {"id": e.id, "kind": e.kind, "created_at": iso(e.created_at), "brief_id": e.brief_id,
            "source_id": e.source_id, "quote_id": e.quote_id, "detail": e.detail}


def sign(secret: str, body: bytes) -> str:
    """The X-Verifier-Signature value: sha256= hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _allowed(url: str, settings: Settings) -> bool:
    """Webhook targets obey the fetch policy: http(s) only, no private addresses unless allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    try:
        check_host(parts.hostname, settings.allow_private_hosts)
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        check_addresses(parts.hostname, [str(i[4][0]) for i in infos], settings.allow_private_hosts)
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
