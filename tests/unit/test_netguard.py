"""The private-address policy, checked on addresses without connecting to any of them."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from verifier.net.netguard import (
    GuardedResolver,
    PrivateAddressError,
    PrivateAllowance,
    check_host,
    is_public_address,
    literal_address,
)
from verifier.settings import Settings

PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e",
          "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]
NOT_PUBLIC = [
    "127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1", "100.127.255.254",  # CGNAT
    "0.0.0.0", "0.1.2.3", "255.255.255.255", "224.0.0.1", "239.1.1.1", "240.0.0.1",
    "192.0.2.1", "198.51.100.7", "203.0.113.9", "198.18.0.1", "192.0.0.8",
    "::1", "::", "fe80::1", "fec0::1", "fc00::1", "fd12:3456::1", "ff02::1", "2001:db8::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",  # IPv4-mapped
    "64:ff9b::7f00:1", "64:ff9b::a00:1",  # NAT64 of private
    "2002:7f00:1::1", "2002:c0a8:101::1",  # 6to4 of private
    "::127.0.0.1",  # IPv4-compatible
    "2001::1",  # Teredo
]


@pytest.mark.parametrize("addr", PUBLIC)
def test_public_addresses_allowed(addr: str) -> None:
    assert is_public_address(ipaddress.ip_address(addr))


@pytest.mark.parametrize("addr", NOT_PUBLIC)
def test_private_and_reserved_addresses_refused(addr: str) -> None:
    assert not is_public_address(ipaddress.ip_address(addr))


@pytest.mark.parametrize("host,expected", [
    ("127.0.0.1", "127.0.0.1"), ("[::1]", "::1"), ("2130706433", "127.0.0.1"), ("127.1", "127.0.0.1"),
    ("0x7f.0.0.1", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"), ("example.com", None), ("10.0.0.1.", "10.0.0.1"),
    ("1e100.net", None),
])
def test_literal_hosts_are_recognised(host: str, expected: str | None) -> None:
    ip = literal_address(host)
    assert (str(ip) if ip else None) == expected


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]", "2130706433", "0x7f000001", "169.254.169.254", "10.0.0.1"])
def test_literal_private_host_refused_unless_allowed(host: str) -> None:
    with pytest.raises(PrivateAddressError):
        check_host(host, allow_private=False)
    check_host(host, allow_private=True)


def test_hostnames_are_left_to_the_resolver() -> None:
    check_host("example.org", allow_private=False)  # no lookup here


class FakeResolver(AbstractResolver):
    """Answers from a table: no DNS traffic."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        return [ResolveResult(hostname=host, host=a, port=port, family=int(family), proto=0, flags=0)
                for a in self.table[host]]

    async def close(self) -> None:
        pass


async def test_resolver_refuses_if_any_address_is_private() -> None:
    inner = FakeResolver({"mixed.test": ["93.184.216.34", "10.0.0.5"], "good.test": ["93.184.216.34"],
                          "rebind.test": ["::ffff:127.0.0.1"]})
    guard = GuardedResolver(allow_private=False, inner=inner)
    assert [r["host"] for r in await guard.resolve("good.test", 80)] == ["93.184.216.34"]
    with pytest.raises(PrivateAddressError, match=r"10\.0\.0\.5"):
        await guard.resolve("mixed.test", 80)
    with pytest.raises(PrivateAddressError):
        await guard.resolve("rebind.test", 80)
    allowed = GuardedResolver(allow_private=True, inner=inner)
    assert len(await allowed.resolve("mixed.test", 80)) == 2


async def test_localhost_resolves_to_loopback_and_is_refused() -> None:
    guard = GuardedResolver(allow_private=False)
    with pytest.raises(PrivateAddressError, match="localhost"):
        await guard.resolve("localhost", 80)
    await guard.close()


async def test_every_redirect_hop_is_rechecked() -> None:
    """A public page redirecting inward (cloud metadata, loopback) is refused at that hop, unrequested."""
    import httpx

    from verifier.core.statuses import LinkStatus
    from verifier.net.fetch import Fetcher
    from verifier.settings import Settings

    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:  # a mock: nothing is contacted
        seen.append(str(request.url))
        target = "http://169.254.169.254/latest/meta-data/" if request.url.path == "/a" else "http://[::1]/admin"
        return httpx.Response(302, headers={"location": target})

    s = Settings(allow_private_hosts=False, respect_robots=False)
    async with Fetcher(s, transport=httpx.MockTransport(handler)) as f:
        for path in ("/a", "/b"):
            snap = await f.fetch(f"http://93.184.216.34{path}")
            assert snap.status == LinkStatus.REFUSED and snap.redirects and "private" in (snap.error or "")
    assert seen == ["http://93.184.216.34/a", "http://93.184.216.34/b"]


# -- the allow-list of private origins (VERIFIER_ALLOW_PRIVATE_HOSTS=host:port,...)

@pytest.mark.parametrize("value,expected", [
    ("true", True), ("1", True), ("False", False), ("", False), ("off", False),
    ("127.0.0.1:8765", "127.0.0.1:8765"),
    (" 127.0.0.1:8765 , CMS.Intranet.:443,[::1]:9000", "127.0.0.1:8765,[::1]:9000,cms.intranet:443"),
])
def test_setting_reads_flags_and_origin_lists(value: str, expected: bool | str) -> None:
    assert Settings(allow_private_hosts=value).allow_private_hosts == expected


@pytest.mark.parametrize("value", ["127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", ":80", "localhost:http",
                                   "::1", "10.0.0.0/8:80", "yes please"])
def test_setting_refuses_entries_that_are_not_host_port(value: str) -> None:
    with pytest.raises(ValueError, match="ALLOW_PRIVATE_HOSTS"):
        Settings(allow_private_hosts=value)


def test_listed_origin_alone_is_allowed_for_literal_hosts() -> None:
    allow = "127.0.0.1:8765,[::1]:9000"
    for host, port in [("127.0.0.1", 8765), ("127.1", 8765), ("2130706433", 8765), ("[::1]", 9000)]:
        check_host(host, allow, port)
    for host, port in [("127.0.0.1", 8766), ("127.0.0.2", 8765), ("[::1]", 8765), ("169.254.169.254", 80)]:
        with pytest.raises(PrivateAddressError):
            check_host(host, allow, port)
    with pytest.raises(PrivateAddressError):  # no port known: a list never lets a private literal through
        check_host("127.0.0.1", allow)


def test_allowance_of_each_setting_form() -> None:
    assert PrivateAllowance.of(True).everything and not PrivateAllowance.of(False).allows(["127.0.0.1"], 80)
    listed = PrivateAllowance.of("localhost:8080")
    assert PrivateAllowance.of(listed) is listed
    assert listed.allows(["LOCALHOST."], 8080) and not listed.allows(["localhost"], 8081)


async def test_resolver_allows_listed_origins_by_name_or_by_address() -> None:
    inner = FakeResolver({"cms.intranet": ["10.1.2.3"], "evil.test": ["10.1.2.3"], "alias.test": ["127.0.0.1"],
                          "mixed.test": ["127.0.0.1", "10.9.9.9"]})
    guard = GuardedResolver(allow_private="cms.intranet:443,127.0.0.1:8765", inner=inner)
    assert [r["host"] for r in await guard.resolve("cms.intranet", 443)] == ["10.1.2.3"]
    assert [r["host"] for r in await guard.resolve("alias.test", 8765)] == ["127.0.0.1"]  # the address is listed
    for host, port in [("cms.intranet", 80), ("evil.test", 443), ("alias.test", 8766), ("mixed.test", 8765)]:
        with pytest.raises(PrivateAddressError):
            await guard.resolve(host, port)
