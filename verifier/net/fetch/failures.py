"""An attempt that ended without a usable HTTP answer, and the ONE table that names it.

Why: every transport exception becomes a link status with a short human reason and a retry
decision, read from one table (like lychee's Status carrying its payload), instead of a chain
of isinstance tests spread over the fetcher. The first row that matches the exception, or
one of its causes, wins; a policy refusal anywhere in the chain beats everything else.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp
import httpx

from verifier.core.statuses import LinkStatus
from verifier.net.fetch.retry import Retry
from verifier.net.netguard import PolicyError

if TYPE_CHECKING:
    from verifier.net.fetch.answer import Partial


@dataclass(frozen=True)
class Outcome:
    """A link status together with its reason (None for ok)."""

    status: LinkStatus
    reason: str | None = None


class Failure(Exception):
    """An attempt ended without a usable HTTP answer: its outcome and whether to ask again."""

    def __init__(self, status: LinkStatus, error: str, retry: Retry = Retry.NEVER) -> None:
        super().__init__(error)
        self.outcome = Outcome(status, error)
        self.retry = retry
        self.partial: Partial | None = None  # a download cut halfway that may resume

    @property
    def status(self) -> LinkStatus:
        return self.outcome.status

    @property
    def error(self) -> str:
        return self.outcome.reason or ""


Reason = Callable[[BaseException, str], str]


@dataclass(frozen=True)
class Rule:
    """One row: exceptions of these types (and passing `when`) mean this status, reason and retry."""

    types: tuple[type[BaseException], ...]
    status: LinkStatus
    reason: Reason
    retry: Retry = Retry.NEVER
    when: Callable[[BaseException], bool] | None = None

    def matches(self, e: BaseException) -> bool:
        return isinstance(e, self.types) and (self.when is None or self.when(e))


def _refused_os_error(e: BaseException) -> bool:
    return isinstance(getattr(e, "os_error", None), ConnectionRefusedError)


def _tls_reason(e: BaseException, _host: str) -> str:
    return f"TLS error: {getattr(e, 'reason', None) or e}"[:200]


def _connect_reason(e: BaseException, _host: str) -> str:
    os_error = getattr(e, "os_error", None)
    return f"connection failed: {getattr(os_error, 'strerror', None) or e}"


POLICY = Rule((PolicyError,), LinkStatus.REFUSED, lambda e, _h: str(e))
_U = LinkStatus.UNREACHABLE
#: exception type → status, reason and retry; the first matching row wins
TABLE: tuple[Rule, ...] = (
    Rule((aiohttp.ClientConnectorDNSError,), _U, lambda _e, h: f"DNS lookup failed for {h}"),
    Rule((aiohttp.ClientConnectorCertificateError,), _U,
         lambda _e, h: f"TLS error: certificate not accepted for {h}"),
    Rule((aiohttp.ClientSSLError, ssl.SSLError), _U, _tls_reason),
    Rule((ConnectionRefusedError,), _U, lambda _e, _h: "connection refused", Retry.ONCE),
    Rule((aiohttp.ClientConnectorError,), _U, lambda _e, _h: "connection refused", Retry.ONCE,
         when=_refused_os_error),
    Rule((aiohttp.ClientConnectorError,), _U, _connect_reason, Retry.ONCE),
    Rule((aiohttp.InvalidURL, httpx.InvalidURL, httpx.UnsupportedProtocol), _U,
         lambda e, _h: f"invalid URL: {e}"[:200]),
    Rule((aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, ConnectionResetError,
          httpx.RemoteProtocolError, aiohttp.ClientResponseError), _U,
         lambda _e, _h: "connection reset by the server", Retry.TRANSIENT),
)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes, outermost first, each once."""
    seen: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in seen:
        seen.append(e)
        e = e.__cause__ or e.__context__
    return seen


def translate(exc: BaseException, host: str) -> Failure:
    """The transport's exception (walking its causes) as a Failure, read from the table."""
    chain = _chain(exc)
    for e in chain:
        if POLICY.matches(e):
            return Failure(POLICY.status, POLICY.reason(e, host), POLICY.retry)
    for e in chain:
        for rule in TABLE:
            if rule.matches(e):
                return Failure(rule.status, rule.reason(e, host), rule.retry)
    return Failure(_U, f"network error: {exc.__class__.__name__}: {exc}"[:200], Retry.TRANSIENT)
