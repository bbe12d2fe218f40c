"""The connection layer of downloads: resolve once, check every address, connect to a checked one.

Every socket read and write is also bounded by the download's overall deadline, so a server
that drips a byte a second is cut off in time (see ``pipeline.downloads``).
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from pipeline.addresses import RefusedAddressError, Resolver, is_ip_literal, refusal_reason
from pipeline.vendors.http import Deadline


def bounded(timeout: float | None, deadline: Deadline, error: type[Exception]) -> float | None:
    """The time one socket operation may take: its own timeout, but never past the deadline."""
    left = deadline.remaining()
    if left is None:
        return timeout
    if left <= 0:
        raise error("the overall download deadline has passed")
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write waits at most until the overall deadline.

    Why at the socket: the per-read timeout restarts with every byte, and the headers are read
    inside httpx before our code sees anything, so no check in the body loop can stop a drip.
    """

    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, bounded(timeout, self._deadline, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, bounded(timeout, self._deadline, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, bounded(timeout, self._deadline, httpcore.ConnectTimeout))
        return DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


def open_tcp(address: str, port: int, timeout: float | None, local_address: str | None,
              socket_options: Iterable[Any] | None) -> httpcore.NetworkStream:
    """Connect to one IP address (no name lookup happens for an IP literal)."""
    return httpcore.SyncBackend().connect_tcp(address, port, timeout, local_address, socket_options)


class PinnedBackend(httpcore.NetworkBackend):
    """Resolve once, refuse unless every address is public, then connect to a checked address.

    ``trusted`` endpoints (host, port) skip the address check: they are the allowed origins.
    """

    def __init__(self, resolver: Resolver, trusted: frozenset[tuple[str, int]], deadline: Deadline) -> None:
        self._resolver = resolver
        self._trusted = trusted
        self._deadline = deadline

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        addresses = self._resolve(host, port)
        if (host.lower(), port) not in self._trusted:
            self._refuse_non_public(host, addresses)
        return DeadlineStream(self._connect_first(addresses, port, timeout, local_address, socket_options), self._deadline)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("downloads never use unix sockets")

    def _resolve(self, host: str, port: int) -> list[str]:
        if is_ip_literal(host):
            return [host]  # nothing to look up, and nothing a DNS answer could change
        try:
            addresses = list(self._resolver(host, port))
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}: no addresses")
        return addresses

    @staticmethod
    def _refuse_non_public(host: str, addresses: list[str]) -> None:
        # All of them, not only the first: which one is used is the resolver's choice, not ours.
        for address in addresses:
            reason = refusal_reason(address)
            if reason:
                raise RefusedAddressError(host, address, reason)

    def _connect_first(self, addresses: list[str], port: int, timeout: float | None, local_address: str | None,
                       socket_options: Iterable[Any] | None) -> httpcore.NetworkStream:
        last: Exception | None = None
        for address in addresses:
            try:
                return open_tcp(address, port, bounded(timeout, self._deadline, httpcore.ConnectTimeout),
                                 local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None  # _resolve never returns an empty list
        raise last


class PinnedTransport(httpx.HTTPTransport):
    """httpx's own transport (request mapping, error mapping, TLS) over a ``PinnedBackend``.

    httpx has no public way to give its connection pool a network backend, so the pool is
    replaced; it is the transport's only state. Environment proxies are never used: a proxy
    resolves the name itself, out of reach of the address check.
    """

    def __init__(self, backend: PinnedBackend) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(ssl_context=ssl_context(), network_backend=backend)


def ssl_context() -> ssl.SSLContext:
    """httpx's default verification (certifi's CAs, host name checked); a function so tests can trust their own CA."""
    return httpx.create_ssl_context(trust_env=False)
