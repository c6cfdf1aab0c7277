"""The final answer of a fetch as a Snapshot: its status, a short human reason, its body.

Why apart from the fetcher: the reason for a status is a pure reading of the answer (code,
headers, the page, where the redirects ended), with no network in it.
"""

from __future__ import annotations

from verifier.core.classify import (
    Page,
    gone_site,
    is_consent_gate,
    is_sign_in_page,
    redirected_to_home_or_error,
    wall_reason,
)
from verifier.core.statuses import LinkStatus
from verifier.core.values import Snapshot
from verifier.net.fetch.answer import Answer
from verifier.net.fetch.failures import Outcome


def snapshot_of(url: str, ans: Answer, outcome: Outcome) -> Snapshot:
    """The Snapshot of a final answer; a body (or its file) is kept only when the link is ok."""
    ok = outcome.status == LinkStatus.OK
    snap = Snapshot(
        url=url, status=outcome.status, http_status=ans.status_code, content_type=ans.content_type or None,
        headers=ans.headers, header_list=list(ans.header_list), body=ans.body if ok else b"",
        error=outcome.reason,
    )
    if ans.body_path:
        if ok:
            snap.body_path = ans.body_path
        else:
            ans.discard()
    return snap


def _too_slow(ans: Answer, timeout: float) -> float | None:
    """A Retry-After longer than the fetch timeout (the reason retries stopped), else None."""
    ra = ans.retry_after
    return ra if ra is not None and ra > timeout else None


def _blocked(ans: Answer, page: Page | None, final: str, timeout: float) -> str:
    code = ans.status_code
    wall = wall_reason(page, ans.headers, ans.set_cookies, code, final)
    if wall is not None:
        return wall
    if code == 429:
        if (ra := _too_slow(ans, timeout)) is not None:
            return f"HTTP 429, Retry-After {ra:.0f} s is longer than the fetch timeout"
        return "HTTP 429 Too Many Requests after retries"
    if code < 300:
        if is_sign_in_page(page):
            return "the page asks the reader to sign in"
        if is_consent_gate(final):
            return f"redirected to a cookie-consent page: {final}"[:200]
        return f"redirected to a login or subscription page: {final}"[:200]
    return f"HTTP {code}"


def explain(status: LinkStatus, ans: Answer, page: Page | None, url: str, final: str, chain: list[str],
            timeout: float) -> Outcome:
    """The status with a short human reason for anything but ok."""
    code = ans.status_code
    if status == LinkStatus.OK:
        return Outcome(status)
    if status == LinkStatus.BLOCKED:
        return Outcome(status, _blocked(ans, page, final, timeout))
    if status == LinkStatus.SOFT_404:
        if chain and redirected_to_home_or_error(url, final):
            return Outcome(status, f"redirected to the site's home, its search or an error page: {final}"[:200])
        if page is not None and (gone := gone_site(page)) is not None:
            return Outcome(status, f"the page is {gone}")
        return Outcome(status, "the page reads as an error page")
    if status == LinkStatus.NO_TEXT:
        return Outcome(status, f"no readable text ({ans.content_type or 'unknown type'})")
    if status == LinkStatus.SERVER_ERROR:
        if (ra := _too_slow(ans, timeout)) is not None:
            return Outcome(status, f"HTTP {code}, Retry-After {ra:.0f} s is longer than the fetch timeout")
        return Outcome(status, f"HTTP {code} after retries")
    return Outcome(status, f"HTTP {code}")
