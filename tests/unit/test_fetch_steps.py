"""The fetcher's pure steps: the exception table, the retry decision, origin-scoped cookies,
the refresh content value."""

from __future__ import annotations

import aiohttp
import httpx
import pytest

from verifier.core.statuses import LinkStatus
from verifier.net.fetch.cookies import Credentials, OriginJar
from verifier.net.fetch.failures import Outcome, translate
from verifier.net.fetch.refresh import refresh_url
from verifier.net.fetch.retry import Retry
from verifier.net.netguard import PolicyError


def _caused(outer: BaseException, cause: BaseException) -> BaseException:
    outer.__cause__ = cause
    return outer


@pytest.mark.parametrize("exc,status,retry,reason", [
    (ConnectionRefusedError(), LinkStatus.UNREACHABLE, Retry.ONCE, "connection refused"),
    (ConnectionResetError(), LinkStatus.UNREACHABLE, Retry.TRANSIENT, "connection reset by the server"),
    (httpx.InvalidURL("bad"), LinkStatus.UNREACHABLE, Retry.NEVER, "invalid URL: bad"),
    (_caused(ConnectionResetError(), PolicyError("address 10.0.0.1 is private")), LinkStatus.REFUSED,
     Retry.NEVER, "address 10.0.0.1 is private"),
    (_caused(RuntimeError("wrapped"), ConnectionRefusedError()), LinkStatus.UNREACHABLE, Retry.ONCE,
     "connection refused"),
    (aiohttp.ServerDisconnectedError(), LinkStatus.UNREACHABLE, Retry.TRANSIENT, "connection reset by the server"),
    (KeyError("odd"), LinkStatus.UNREACHABLE, Retry.TRANSIENT, "network error: KeyError: 'odd'"),
])
def test_one_table_names_status_reason_and_retry(exc: BaseException, status: LinkStatus, retry: Retry,
                                                 reason: str) -> None:
    f = translate(exc, "example.org")
    assert f.outcome == Outcome(status, reason) and f.retry is retry


def test_cookie_jar_is_per_origin() -> None:
    jar = OriginJar()
    jar.store(httpx.URL("http://h:1/a"), ["sid=1; Path=/", "x=2"])
    assert jar.header(httpx.URL("http://h:1/b")) == "sid=1; x=2"
    assert jar.header(httpx.URL("http://h:2/b")) is None
    assert jar.header(httpx.URL("https://h:1/b")) is None
    jar.store(httpx.URL("http://h/"), ["d=1"])
    assert jar.header(httpx.URL("http://h:80/")) == "d=1"  # the default port is the same origin


def test_credentials_only_on_the_cited_origin() -> None:
    creds = Credentials.of("http://u:p@h:1/a")
    assert creds.header("http://u:p@h:1/b") == "Basic dTpw"
    assert creds.header("https://u:p@h:1/b") is None and creds.header("http://u:p@h:2/b") is None
    assert creds.scrub("http://u:p@h:2/b") == "http://h:2/b" and creds.scrub("http://u:p@h:1/b") == "http://u:p@h:1/b"


@pytest.mark.parametrize("content,url", [
    ("0; url=/x", "/x"), ("5;URL='/y z'", "/y z"), ('0, url="/q"', "/q"), ("3", ""), ("0;/bare", "/bare"),
    ("  2.5 ; url = /p ", "/p"), ("nonsense", None), ("", None), ("1 next.html", "next.html"), ("1junk", None), (".5;url=/h", "/h"),
])
def test_refresh_content_value_by_the_whatwg_steps(content: str, url: str | None) -> None:
    assert refresh_url(content) == url
