"""A small web page to submit a brief and watch it until its report appears.

Why so thin: the page holds no data and no authority of its own. The browser keeps the user's API
key in sessionStorage and calls the existing JSON API (`POST /v1/briefs`, `GET /v1/briefs/{id}`,
`GET /v1/briefs/{id}/report`) with `Authorization: Bearer`, so auth, rate limits and the
organisation boundary stay in one place. The report is shown in a sandboxed iframe (no scripts).
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse

from verifier.present.html import templates

router = APIRouter(include_in_schema=False)


def _csp(nonce: str) -> str:
    return ("default-src 'none'; "
            f"script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; connect-src 'self'; "
            "frame-src blob:; img-src data: blob:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


@router.get("/")
def home() -> RedirectResponse:
    """The service's front door is the submit page."""
    return RedirectResponse("/ui", status_code=307)


@router.get("/ui", response_class=HTMLResponse)
def submit_page() -> HTMLResponse:
    """The submit page: key, brief (text, URL or file), live progress, then the report."""
    nonce = secrets.token_urlsafe(16)
    html = templates.get_template("submit.html").render(nonce=nonce)
    return HTMLResponse(html, headers={
        "Content-Security-Policy": _csp(nonce), "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Frame-Options": "DENY"})
