"""Which network addresses a download may connect to, and which origins are let through anyway.

Loopback, private, link-local, multicast, reserved and cloud-metadata addresses are refused,
including the IPv4 addresses that IPv6 forms carry (mapped, 6to4, Teredo, NAT64). The allowed
origins (the sandbox) are the one exception; ``pipeline.downloads`` uses both.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import httpx

from pipeline import errors

Resolver = Callable[[str, int], Sequence[str]]
"""``(host, port) -> IP address strings``; injectable so tests can play a rebinding DNS server."""

# Metadata services answer with credentials. Most sit in ranges refused anyway (link-local, ULA,
# shared address space); Azure's 168.63.129.16 is a public address, hence the explicit list.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",  # AWS, GCP, Azure IMDS, OpenStack, Oracle, DigitalOcean ...
    "169.254.170.2",    # AWS ECS task metadata
    "169.254.170.23",   # AWS EKS pod identity
    "fd00:ec2::254",    # AWS IMDS over IPv6
    "fd00:ec2::23",     # AWS EKS pod identity over IPv6
    "100.100.100.200",  # Alibaba Cloud
    "168.63.129.16",    # Azure wire server
))
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")


def addresses_inside(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> Iterator[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """``ip`` and every IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64).

    Why: ``2002:7f00:1::`` or ``64:ff9b::7f00:1`` count as global IPv6, yet lead to 127.0.0.1.
    """
    yield ip
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            yield ip.ipv4_mapped
        if ip.sixtofour:
            yield ip.sixtofour
        if ip.teredo:
            yield from ip.teredo
        if ip in NAT64_PREFIX:
            yield ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)


def kind_of_non_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """What makes ``ip`` unfit to download from, or None for a public internet address."""
    checks = (
        (ip in METADATA_ADDRESSES, "a cloud metadata address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_unspecified, "the unspecified address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_private, "a private-network address"),
        (ip.is_reserved, "a reserved address"),
        (not ip.is_global, "not a public internet address"),
    )
    return next((kind for hit, kind in checks if hit), None)


def refusal_reason(address: str) -> str | None:
    """Why a download may not connect to ``address`` (an IP string), or None when it may."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id says nothing about the range
    except ValueError:
        return "not an IP address"
    return next((kind for inner in addresses_inside(ip) if (kind := kind_of_non_public(inner))), None)


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host``, in its order, without repeats."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class RefusedAddressError(Exception):
    """Raised inside the connection layer; ``download`` turns it into an ``InputError`` naming the URL.

    Not a PipelineError itself: it has to pass through httpx and httpcore unchanged, and only
    ``download`` knows which URL and redirect led here.
    """

    def __init__(self, host: str, address: str, reason: str) -> None:
        self.host, self.address, self.reason = host, address, reason
        super().__init__(f"{host} is {reason} ({address})" if host != address else f"{address} is {reason}")


# -- origins ----------------------------------------------------------------------------------


DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Origin:
    """``scheme://host:port`` with the host as it goes on the wire (IDNA, lower case)."""

    scheme: str
    host: str
    port: int

    @classmethod
    def of(cls, url: httpx.URL) -> Origin:
        return cls(url.scheme, url.raw_host.decode("ascii").lower(), url.port or DEFAULT_PORTS.get(url.scheme, 0))

    @property
    def endpoint(self) -> tuple[str, int]:
        return self.host, self.port

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def parse_origins(origins: Iterable[str | None]) -> frozenset[Origin]:
    """The allowed origins; ``None`` and empty entries are skipped so callers can pass an optional URL.

    Raises:
        InputError: an entry that is not an http(s) URL.
    """
    parsed = set()
    for text in origins:
        if not text:
            continue
        try:
            url = httpx.URL(text)
        except httpx.InvalidURL as exc:
            raise errors.InputError(f"allowed origin {text!r} is not a URL; give one like http://127.0.0.1:8000") from exc
        if url.scheme not in DEFAULT_PORTS or not url.raw_host:
            raise errors.InputError(f"allowed origin {text!r} is not an http(s) origin; give one like http://127.0.0.1:8000")
        parsed.add(Origin.of(url))
    return frozenset(parsed)
