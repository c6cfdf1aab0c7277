"""When to render a source in headless Chromium, and keeping what the browser saw as its snapshot.

Why here: the decision needs the stored snapshot (its status, its body) and the settings, and the
result is stored like any fetch, so both the embedded run (`pipeline.fetch_sources`) and the Celery
fetch task call these functions; net/render.py only drives the browser.

VERIFIER_RENDER (or `--render`):
  * never  — today's behaviour: a page whose text scripts write stays `no_text`;
  * auto   — render a page that came back `no_text` although it carries scripts (its text is
             written by them), or `blocked` (a JavaScript challenge a browser may pass);
  * always — render every HTML page that was fetched (its text then comes from the DOM).
A rendered page becomes the source's latest snapshot with `provenance: "rendered"` and status
`ok` when the DOM has readable text; otherwise the plain fetch's outcome stands, with why the
browser did not help added to its error (Chromium missing included).
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lxml import html as lxml_html
from sqlmodel import Session

from verifier.core.classify import classify_response, is_shell, read_page
from verifier.core.statuses import LinkStatus
from verifier.core.values import Snapshot
from verifier.settings import Settings
from verifier.storage.models import SnapshotRow, utcnow

if TYPE_CHECKING:
    from verifier.net.render import BrowserHost, Rendered, RenderPolicy

Progress = Callable[[str, dict[str, object]], None]


def has_scripts(body: bytes) -> bool:
    """Whether an HTML body carries a <script> element (parsed, not searched)."""
    if not body.strip():
        return False
    try:
        root = lxml_html.document_fromstring(body)
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return False
    return next(root.iter("script"), None) is not None


def needs_render(mode: str, row: SnapshotRow, body: bytes) -> bool:
    """The VERIFIER_RENDER rule for one stored snapshot (see the module docstring)."""
    if mode == "never" or row.provenance != "fetched":
        return False
    is_html = "html" in (row.content_type or "text/html")
    if row.status == LinkStatus.BLOCKED:
        return True
    if mode == "always":
        return is_html and row.status in (LinkStatus.OK, LinkStatus.NO_TEXT)
    # a body the fetcher did not keep may still have carried scripts: render it to find out
    if row.status == LinkStatus.NO_TEXT:
        return is_html and (not body or has_scripts(body))
    # a script shell read only from its structured data: the rendered page may hold more
    return row.status == LinkStatus.OK and is_html and bool(body) and _published_shell(body, row.content_type)


def _published_shell(body: bytes, content_type: str | None) -> bool:
    if b"articleBody" not in body:  # a cheap first look; the parsed page decides
        return False
    page = read_page(body, content_type)
    return page.published and is_shell(page)


def _policy(settings: Settings) -> RenderPolicy:
    from verifier.net.render import RenderPolicy

    return RenderPolicy(allow_private=settings.allow_private_hosts)


async def render_rows(session: Session, rows: list[tuple[str, SnapshotRow]], settings: Settings,
                      progress: Progress) -> list[SnapshotRow]:
    """Render each (url, snapshot) pair with one browser; store the DOM as a new snapshot where it reads."""
    from verifier.net.render import Renderer

    out: list[SnapshotRow] = []
    async with Renderer(**_renderer_args(settings)) as renderer:
        for url, row in rows:
            progress("rendering", {"url": url})
            out.append(keep_rendered(session, url, row, await renderer.render(url), settings, progress))
    return out


def keep_rendered(session: Session, url: str, row: SnapshotRow, res: Rendered, settings: Settings,
                  progress: Progress) -> SnapshotRow:
    """Store what the browser saw: a new `rendered` snapshot when the DOM reads as a page, else the
    fetch's row with why the browser did not help added to its error."""
    from verifier.service.pipeline import save_fetch

    if res.html is None:
        row.error = _joined(row.error, f"rendering: {res.error}")
        session.add(row)
        session.commit()
        return row
    body = res.html.encode("utf-8")
    status = dom_status(url, res.final_url, body, res.status_code or 200)
    if status != LinkStatus.OK:  # the browser did not get past the wall either
        row.error = _joined(row.error, f"rendered, still {status}")
        session.add(row)
        session.commit()
        return row
    snap = Snapshot(url=url, status=LinkStatus.OK, final_url=res.final_url, http_status=row.http_status,
                    content_type="text/html; charset=utf-8", body=body, fetched_at=utcnow(),
                    provenance="rendered")
    new = save_fetch(session, url, snap, settings, progress)
    if new.status != LinkStatus.OK:  # the DOM had no readable text either: keep the fetch's outcome
        new.status, new.error = row.status, _joined(row.error, "rendered, still no readable text")
        session.add(new)
        session.commit()
    progress("source", {"url": url, "status": str(new.status), "http_status": new.http_status,
                        "provenance": "rendered"})
    return new


def _renderer_args(settings: Settings) -> dict[str, Any]:
    return {"policy": _policy(settings), "user_agent": settings.ua, "timeout": settings.render_timeout,
            "pages": settings.render_pages, "max_bytes": settings.fetch_max_bytes}


_HOSTS: dict[str, BrowserHost] = {}
_HOSTS_LOCK = threading.Lock()


def process_browser(settings: Settings) -> BrowserHost:
    """The process's one browser for these settings (a worker renders many pages, one Chromium)."""
    from verifier.net.render import BrowserHost, Renderer

    args = _renderer_args(settings)
    key = repr(sorted(args.items()))
    with _HOSTS_LOCK:
        host = _HOSTS.get(key)
        if host is None:
            host = _HOSTS[key] = BrowserHost(lambda: Renderer(**args))
            atexit.register(host.close)
        return host


def dom_status(url: str, final_url: str, body: bytes, status_code: int = 200) -> LinkStatus:
    """The link status the rendered DOM reads as: the same classifier as a fetched page, with the
    document's own HTTP status (a wall that still answers 403 or 429 stays blocked)."""
    ctype = "text/html; charset=utf-8"
    return classify_response(status_code, {"content-type": ctype}, url, final_url, (), read_page(body, ctype),
                             content_type=ctype)


def to_render(session: Session, saved: list[tuple[str, SnapshotRow]], settings: Settings) -> list[tuple[str, SnapshotRow]]:
    """The saved snapshots that the render setting says to render."""
    if settings.render == "never":
        return []
    out = []
    for url, row in saved:
        # a page's body is read only where the rule looks at it: a no_text page, or in auto mode an
        # ok one (a script shell read from its structured data)
        looks = row.status == LinkStatus.NO_TEXT or (row.status == LinkStatus.OK and settings.render == "auto")
        body = _small_body(row) if looks else b""
        if needs_render(settings.render, row, body):
            out.append((url, row))
    return out


def render_if_needed(session: Session, url: str, row: SnapshotRow, settings: Settings,
                     progress: Progress = lambda e, i: None) -> SnapshotRow:
    """The Celery render task's call: render this one saved snapshot when the setting says so, on
    the process's one browser (`process_browser`), not a browser per task."""
    if not to_render(session, [(url, row)], settings):
        return row
    progress("rendering", {"url": url})
    return keep_rendered(session, url, row, process_browser(settings).render(url), settings, progress)


def _small_body(row: SnapshotRow) -> bytes:
    """The stored raw body of a small page (a large one lives in the blob store: not an HTML shell)."""
    if not row.body_gz:
        return b""
    import gzip

    return gzip.decompress(row.body_gz)


def _joined(a: str | None, b: str) -> str:
    return f"{a}; {b}" if a else b
