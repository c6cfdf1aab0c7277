"""A poll answered ahead of routing when there is nothing to ask: a trusted key and a current document.

Why: once change notices keep a finished brief's document current with no query
(verifier.service.polling.served_now), what a poll still costs is FastAPI's routing and dependency
solving, several times the answer itself. This middleware answers only that case, with the same
response the route builds (verifier.api.briefs.document_response): a GET of /v1/briefs/{id} whose
Bearer key this process already trusts, with no rate limit to count, and whose document is served
with no read. Anything else (an unknown key, a miss, a 404, a rate limit, any other route) goes on to
the application unchanged, so every refusal and error is still the route's.
"""

from __future__ import annotations

import re

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from verifier.api.briefs import document_response
from verifier.api.deps import BRIEF_ID_PATTERN, trusted_owner
from verifier.service import polling
from verifier.settings import get_settings

_POLL = re.compile("^/v1/briefs/(" + BRIEF_ID_PATTERN.strip("^$") + ")$")


class FastPoll:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            found = _POLL.match(scope["path"])
            answer = _answer(scope, found.group(1)) if found else None
            if answer is not None:
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _answer(scope: Scope, brief_id: str) -> Response | None:
    settings = get_settings()
    headers = Headers(scope=scope)
    owner = trusted_owner(settings, headers.get("authorization"))
    doc = polling.served_now(settings.database_url, brief_id, owner.org_id) if owner is not None else None
    return document_response(doc, headers.get("if-none-match")) if doc is not None else None
