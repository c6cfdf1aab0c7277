"""Webhooks: each organisation's undelivered events POSTed as JSON, signed, retried with backoff.

Why in the service layer: the Celery beat task (workers.recheck) and the API both deliver, and
neither may import the other; this module is the one place the delivery rules live.

Why aiohttp with GuardedResolver: the address that is checked must be the address connected to.
A separate lookup before connecting lets a name answer a public address to the check and
127.0.0.1 to the connection (DNS rebinding); here the connector's own resolution is the check,
as it is for fetching (IP literals, which bypass the resolver, are checked before each POST).

Each undelivered Event of an org with a webhook_url is POSTed as JSON, signed with HMAC-SHA256 of
the exact body under the org's webhook_secret (header X-Verifier-Signature: sha256=HEX, plus
X-Verifier-Timestamp to let receivers refuse replays); delivered_at is set on a 2xx; failures are
retried with backoff within a call and on the next call (a beat task).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver
from sqlmodel import Session, col, select

from verifier.net.netguard import GuardedResolver, PolicyError, check_host
from verifier.service.result import iso
from verifier.settings import Settings
from verifier.storage.models import Event, Organization, utcnow

#: statuses worth another attempt now; any other 4xx waits for the next sweep
_RETRY_NOW = frozenset({408, 429})


class WebhookRefused(ValueError):
    """A webhook URL the policy refuses (not http(s), no host, a private address)."""


@dataclass(frozen=True)
class Attempt:
    """The outcome of one POST: the receiver's status, or why nothing was sent."""

    status: int | None = None
    error: str | None = None
    refused: bool = False  # the policy refused the target: retrying now cannot help

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def event_doc(e: Event) -> dict[str, Any]:
    return {"id": e.id, "kind": e.kind, "created_at": iso(e.created_at), "brief_id": e.brief_id,
            "source_id": e.source_id, "quote_id": e.quote_id, "detail": e.detail}


def sign(secret: str, body: bytes) -> str:
    """The X-Verifier-Signature value: sha256= hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _host_port(url: str) -> tuple[str, int]:
    """The URL's host and port, or WebhookRefused for anything but an absolute http(s) URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise WebhookRefused(f"not a usable URL: {e}") from e
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookRefused("a webhook URL must be an absolute http(s) URL")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def check_target(url: str, settings: Settings, resolver: AbstractResolver | None = None) -> None:
    """Refuse a URL whose host is, or resolves to, a private address (unless allowed)."""
    host, port = _host_port(url)
    guard = GuardedResolver(settings.allow_private_hosts, inner=resolver)
    try:
        check_host(host, settings.allow_private_hosts, port)
        await guard.resolve(host, port)
    except PolicyError as e:
        raise WebhookRefused(str(e)) from e
    except OSError as e:
        raise WebhookRefused(f"cannot resolve {host}: {e}") from e
    finally:
        if resolver is None:
            await guard.close()


async def configure(session: Session, org: Organization, url: str, secret: str | None, settings: Settings,
                    resolver: AbstractResolver | None = None) -> str:
    """Set an org's webhook after checking its target; returns the signing secret (made if not given)."""
    await check_target(url, settings, resolver)
    return save_webhook(session, org, url, secret)


def save_webhook(session: Session, org: Organization, url: str, secret: str | None) -> str:
    """Store a checked webhook target and its signing secret (made if not given); the secret."""
    org.webhook_url, org.webhook_secret = url, secret or secrets.token_urlsafe(32)
    session.add(org)
    session.commit()
    return org.webhook_secret


class Poster:
    """POSTs through one guarded aiohttp session: the connector's resolution is the address check."""

    def __init__(self, settings: Settings, resolver: AbstractResolver | None = None) -> None:
        self.settings = settings
        connector = aiohttp.TCPConnector(resolver=GuardedResolver(settings.allow_private_hosts, inner=resolver),
                                         ttl_dns_cache=None, use_dns_cache=False)
        self._http = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                                           trust_env=False, timeout=aiohttp.ClientTimeout(settings.fetch_timeout))

    async def __aenter__(self) -> Poster:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._http.close()

    async def post(self, url: str, body: bytes, secret: str | None) -> Attempt:
        try:
            host, port = _host_port(url)
            check_host(host, self.settings.allow_private_hosts, port)
            async with self._http.post(url, data=body, headers=self._headers(body, secret),
                                       allow_redirects=False) as r:
                return Attempt(status=r.status)
        except (WebhookRefused, PolicyError) as e:
            return Attempt(error=str(e), refused=True)
        except (aiohttp.ClientError, TimeoutError, OSError) as e:
            cause = e.__cause__ if isinstance(e.__cause__, PolicyError) else e
            return Attempt(error=str(cause) or type(cause).__name__)

    def _headers(self, body: bytes, secret: str | None) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "User-Agent": self.settings.ua,
                   "X-Verifier-Timestamp": str(int(time.time()))}
        if secret:
            headers["X-Verifier-Signature"] = sign(secret, body)
        return headers

    async def post_retrying(self, url: str, body: bytes, secret: str | None, attempts: int,
                            backoff: float) -> Attempt:
        """Up to `attempts` POSTs with exponential backoff; a refusal or a plain 4xx stops at once."""
        last = Attempt(error="no attempt")
        for attempt in range(attempts):
            last = await self.post(url, body, secret)
            if last.ok or last.refused:
                return last
            if last.status is not None and 400 <= last.status < 500 and last.status not in _RETRY_NOW:
                return last  # the receiver refuses it; try again next time, not now
            if attempt + 1 < attempts:
                await asyncio.sleep(backoff * 2 ** attempt)
        return last


def _pending(session: Session, org: Organization, batch: int) -> list[Event]:
    return list(session.exec(select(Event).where(Event.org_id == org.id, col(Event.delivered_at).is_(None))
                             .order_by(col(Event.id)).limit(batch)))


def _mark_delivered(session: Session, events: list[Event]) -> None:
    now = utcnow()
    for e in events:
        e.delivered_at = now
        session.add(e)
    session.commit()


def events_body(events: list[dict[str, Any]]) -> bytes:
    return json.dumps({"events": events}, separators=(",", ":")).encode()


async def deliver_pending_async(session: Session, settings: Settings, *, attempts: int = 3, batch: int = 100,
                                backoff: float = 1.0, resolver: AbstractResolver | None = None) -> int:
    """POST each org's undelivered events (oldest first, up to `batch` per org); returns how many landed.

    The session's reads and writes run in a thread, never on the loop that waits for the receivers."""
    orgs = await asyncio.to_thread(_hooked_orgs, session)
    delivered = 0
    async with Poster(settings, resolver) as poster:
        for org in orgs:
            pending = await asyncio.to_thread(_pending, session, org, batch) if org.webhook_url else []
            if not pending or org.webhook_url is None:
                continue
            body = events_body([event_doc(e) for e in pending])
            if (await poster.post_retrying(org.webhook_url, body, org.webhook_secret, attempts, backoff)).ok:
                await asyncio.to_thread(_mark_delivered, session, pending)
                delivered += len(pending)
    return delivered


def _hooked_orgs(session: Session) -> list[Organization]:
    return list(session.exec(select(Organization).where(col(Organization.webhook_url).is_not(None))))


def deliver_pending(session: Session, settings: Settings, *, attempts: int = 3, batch: int = 100,
                    backoff: float = 1.0, resolver: AbstractResolver | None = None) -> int:
    """deliver_pending_async for synchronous callers (the beat task, the CLI)."""
    return asyncio.run(deliver_pending_async(session, settings, attempts=attempts, batch=batch,
                                             backoff=backoff, resolver=resolver))


async def send_test(org: Organization, settings: Settings, resolver: AbstractResolver | None = None) -> Attempt:
    """POST one signed `ping` event to the org's webhook, once, so its owner can see it arrive."""
    if not org.webhook_url:
        return Attempt(error="no webhook URL is set")
    ping = {"id": None, "kind": "ping", "created_at": iso(utcnow()), "brief_id": None, "source_id": None,
            "quote_id": None, "detail": {"message": "a test delivery from verifier"}}
    async with Poster(settings, resolver) as poster:
        return await poster.post(org.webhook_url, events_body([ping]), org.webhook_secret)
