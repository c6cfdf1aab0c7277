"""The caller's organisation's webhook: set, read, remove, and send a test delivery.

Why the async handlers hop to a thread for the database: the target check and the test delivery
are network waits the loop can overlap, but a query on the loop would stall every other request.

Why checked here as well as at delivery: a private target is refused when it is set, so its owner
hears at once; delivery checks again on the address it connects to (verifier.service.webhooks).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from verifier.api.deps import CallerDep, ResolverDep, SessionDep, SettingsDep
from verifier.api.errors import ApiError
from verifier.api.submission import Line
from verifier.service import webhooks
from verifier.storage.models import Organization

router = APIRouter(tags=["webhooks"])


class WebhookIn(BaseModel):
    url: Line = Field(description="an http(s) URL on a public address")
    secret: Line | None = Field(default=None, description="the HMAC key; one is made if absent")


def _org(session: SessionDep, org_id: int) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise ApiError(404, "no such organisation")
    return org


def _doc(org: Organization, secret: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"url": org.webhook_url, "signed": bool(org.webhook_secret)}
    if secret is not None:
        doc["secret"] = secret  # shown once, when it is set
    return doc


@router.put("/v1/webhook")
async def set_webhook(body: WebhookIn, session: SessionDep, who: CallerDep, settings: SettingsDep,
                      resolver: ResolverDep) -> dict[str, Any]:
    """Set the organisation's webhook URL (refused for private targets) and its signing secret."""
    try:
        await webhooks.check_target(body.url, settings, resolver)
    except webhooks.WebhookRefused as e:
        raise ApiError(422, f"webhook URL refused: {e}") from e
    return await run_in_threadpool(_save, session, who.org_id, body.url, body.secret)


def _save(session: SessionDep, org_id: int, url: str, secret: str | None) -> dict[str, Any]:
    org = _org(session, org_id)
    return _doc(org, webhooks.save_webhook(session, org, url, secret))


@router.get("/v1/webhook")
def get_webhook(session: SessionDep, who: CallerDep) -> dict[str, Any]:
    """The organisation's webhook URL and whether deliveries are signed (the secret is never shown again)."""
    return _doc(_org(session, who.org_id))


@router.delete("/v1/webhook", status_code=204)
def delete_webhook(session: SessionDep, who: CallerDep) -> Response:
    """Stop deliveries: the URL and secret are removed; events stay in the feed."""
    org = _org(session, who.org_id)
    org.webhook_url = org.webhook_secret = None
    session.add(org)
    session.commit()
    return Response(status_code=204)


@router.post("/v1/webhook/test")
async def test_webhook(session: SessionDep, who: CallerDep, settings: SettingsDep,
                       resolver: ResolverDep) -> dict[str, Any]:
    """POST one signed `ping` event to the webhook now; says what the receiver answered."""
    org = await run_in_threadpool(_org, session, who.org_id)
    if not org.webhook_url:
        raise ApiError(404, "no webhook URL is set: PUT /v1/webhook first")
    got = await webhooks.send_test(org, settings, resolver)
    return {"delivered": got.ok, "status": got.status, "error": got.error}
