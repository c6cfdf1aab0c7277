"""Which addresses verifier may connect to, enforced where connections are made.

The check runs inside aiohttp's resolver, on exactly the addresses the connector is
about to use, so a hostname that resolves to a private address (or flips to one
between two lookups: DNS rebinding) is refused before any socket is opened. IP
literals bypass aiohttp's resolver, so the fetcher checks them with `check_host`
before every request, redirect hops included.

VERIFIER_ALLOW_PRIVATE_HOSTS is either all-or-nothing or an allow-list of origins
(`127.0.0.1:8765,cms.intranet:443`): a newsroom's intranet CMS, or a test's one local
server, may be read while every other private address stays refused. The list is
matched on (host, port) of the hop AND on (address, port) of what the host resolved
to, so an entry names the endpoint actually connected to, never a whole machine.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from verifier.settings import private_origins

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}

# Ranges refused outright, on top of what the ipaddress module calls non-global.
_V4_BLOCKED = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local (cloud metadata lives here)
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # TEST-NET-1
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # TEST-NET-2
        "203.0.113.0/24",  # TEST-NET-3
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, includes broadcast
    )
)
_V6_BLOCKED = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "::/128",
        "::1/128",
        "::/96",  # deprecated IPv4-compatible form
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard-only
        "2001::/32",  # Teredo: the embedded client address cannot be trusted
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation (RFC 9637)
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")


class PolicyError(Exception):
    """A request our own policy forbids; the fetcher reports it as `refused`."""


class PrivateAddressError(PolicyError):
    """A host is, or resolves to, an address that is not public."""

    def __init__(self, host: str, address: str) -> None:
        self.host = host
        self.address = address
        what = address if host == address else f"{host} ({address})"
        super().__init__(f"private or reserved address refused: {what}")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried by an IPv4-mapped, NAT64 or 6to4 IPv6 address."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    return None


def is_public_address(ip: IPAddress) -> bool:
    """True only for globally routable unicast addresses (embedded IPv4 forms unwrapped)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return False
        inner = embedded_ipv4(ip)
        if inner is not None:
            return is_public_address(inner)
        if any(ip in net for net in _V6_BLOCKED):
            return False
    elif any(ip in net for net in _V4_BLOCKED):
        return False
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


_LEGACY_V4 = re.compile(r"(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}", re.I)


def literal_address(host: str) -> IPAddress | None:
    """The address a host names literally, including legacy IPv4 forms (127.1, 2130706433, 0x7f.1)."""
    h = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(h)
    except ValueError:
        pass
    if _LEGACY_V4.fullmatch(h):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(h))
        except OSError:
            return None
    return None


@dataclass(frozen=True)
class PrivateAllowance:
    """Which non-public endpoints may be connected to: all of them, none, or listed origins."""

    everything: bool = False
    origins: frozenset[tuple[str, int]] = frozenset()

    @classmethod
    def of(cls, value: AllowPrivate) -> PrivateAllowance:
        """The allowance a setting means: a bool, a 'host:port,...' list, or an allowance already."""
        if isinstance(value, PrivateAllowance):
            return value
        if isinstance(value, bool):
            return cls(everything=value)
        return cls(origins=private_origins(value))

    def allows(self, names: Iterable[str], port: int | None) -> bool:
        """True when everything is allowed, or (name, port) is listed for one of `names`."""
        if self.everything:
            return True
        if port is None or not self.origins:
            return False
        return any((_canonical(n), port) in self.origins for n in names)


AllowPrivate = bool | str | PrivateAllowance


def _canonical(name: str) -> str:
    ip = literal_address(name)
    return str(ip) if ip is not None else name.strip("[]").rstrip(".").lower()


def check_host(host: str, allow_private: AllowPrivate, port: int | None = None) -> None:
    """Raise PrivateAddressError when a literal-IP host is not public (names are left to the resolver).

    `port` is the hop's port (default ports included); without it only an all-allowing
    setting lets a private literal through.
    """
    allowance = PrivateAllowance.of(allow_private)
    if allowance.everything:
        return
    ip = literal_address(host)
    if ip is not None and not is_public_address(ip) and not allowance.allows((host,), port):
        raise PrivateAddressError(host, str(ip))


def check_addresses(host: str, addresses: Iterable[str], allow_private: AllowPrivate,
                    port: int | None = None) -> None:
    """Raise PrivateAddressError if any resolved address is not public and not allowed on `port`."""
    allowance = PrivateAllowance.of(allow_private)
    if allowance.everything:
        return
    for addr in addresses:
        try:
            ip = ipaddress.ip_address(addr.split("%", 1)[0])
        except ValueError as exc:
            raise PrivateAddressError(host, addr) from exc
        if not is_public_address(ip) and not allowance.allows((host, str(ip)), port):
            raise PrivateAddressError(host, addr)


class GuardedResolver(AbstractResolver):
    """aiohttp resolver that refuses a host if ANY of its addresses is not public (nor allowed)."""

    def __init__(self, allow_private: AllowPrivate = False, inner: AbstractResolver | None = None) -> None:
        self.allow_private = PrivateAllowance.of(allow_private)
        self._inner = inner if inner is not None else DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        check_host(host, self.allow_private, port)
        results = await self._inner.resolve(host, port, family)
        check_addresses(host, (r["host"] for r in results), self.allow_private, port)
        return results

    async def close(self) -> None:
        await self._inner.close()
