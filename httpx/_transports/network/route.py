"""How to reach an origin: the connect step's options, and the proxy in between.

Shared by the async connect step (`async_connect.py`) and its generated sync twin; no
I/O here. The connect step is split into phases that later features hook into without
reshaping it: name resolution (`resolve`), the TCP race (Happy Eyeballs, RFC 8305), the
proxy hop (HTTP CONNECT or SOCKS5), TLS with ALPN, and connection retries.
"""

from __future__ import annotations

import base64
import dataclasses
import ipaddress
import itertools
import socket
import ssl
import typing

import httpcore

from .resolution import Resolution

if typing.TYPE_CHECKING:  # pragma: no cover
    from httpcore import SOCKET_OPTION

__all__ = [
    "HAPPY_EYEBALLS_DELAY",
    "ConnectOptions",
    "ProxyRoute",
    "backoff_delays",
    "forward_request",
    "interleave",
    "ip_family",
]

# RFC 8305 section 5: the recommended "Connection Attempt Delay".
HAPPY_EYEBALLS_DELAY = 0.25
# httpcore's connection retries: 0 s, then 0.5 s, 1 s, 2 s, ... (exponential backoff).
RETRIES_BACKOFF_FACTOR = 0.5

Address = tuple[socket.AddressFamily, str]  # (family, IP address literal)


@dataclasses.dataclass(frozen=True)
class ProxyRoute:
    """A proxy between us and the origins: HTTP(S) (forwarding for http origins, a
    CONNECT tunnel for the others) or SOCKS5."""

    url: httpcore.URL
    headers: list[tuple[bytes, bytes]] = dataclasses.field(default_factory=list)
    ssl_context: ssl.SSLContext | None = None  # to speak TLS to an https proxy
    auth: tuple[bytes, bytes] | None = None  # SOCKS5 username and password

    @property
    def origin(self) -> httpcore.Origin:
        return self.url.origin

    @property
    def is_socks(self) -> bool:
        return self.url.scheme in (b"socks5", b"socks5h")

    def forwards(self, origin: httpcore.Origin) -> bool:
        """Whether requests to `origin` are forwarded (absolute-form) rather than
        tunnelled: plain http through an HTTP proxy (RFC 9112 section 3.2.2)."""
        return not self.is_socks and origin.scheme == b"http"

    @classmethod
    def http(
        cls,
        url: httpcore.URL,
        auth: tuple[bytes, bytes] | None,
        headers: typing.Sequence[tuple[bytes, bytes]] | None,
        ssl_context: ssl.SSLContext | None,
    ) -> ProxyRoute:
        proxy_headers = list(headers or [])
        if auth is not None:
            # RFC 9110 section 11.7.2, Basic credentials (as httpcore sends them).
            credentials = base64.b64encode(b":".join(auth))
            proxy_headers.insert(0, (b"Proxy-Authorization", b"Basic " + credentials))
        return cls(url, proxy_headers, ssl_context)


@dataclasses.dataclass(frozen=True)
class ConnectOptions:
    """Everything the connect step needs, fixed when the transport is made."""

    ssl_context: ssl.SSLContext | None
    http1: bool = True
    http2: bool = False
    retries: int = 0
    local_address: str | None = None
    uds: str | None = None
    socket_options: typing.Iterable[SOCKET_OPTION] | None = None
    keepalive_expiry: float | None = None
    proxy: ProxyRoute | None = None
    happy_eyeballs_delay: float = HAPPY_EYEBALLS_DELAY
    # Static overrides and the resolver hook, if any.
    resolution: Resolution | None = None

    @property
    def alpn_protocols(self) -> list[str]:
        # RFC 7301; HTTP/2 is offered after HTTP/1.1, as httpcore does.
        return ["http/1.1", "h2"] if self.http2 else ["http/1.1"]


def backoff_delays() -> typing.Iterator[float]:
    """Seconds to wait before each connection retry: 0, 0.5, 1, 2, 4, ..."""
    yield 0.0
    for exponent in itertools.count():
        yield RETRIES_BACKOFF_FACTOR * 2**exponent


def ip_family(host: str) -> socket.AddressFamily | None:
    """The address family of an IP address literal, or None for a host name."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    return socket.AF_INET6 if address.version == 6 else socket.AF_INET


def interleave(addresses: typing.Iterable[Address]) -> list[Address]:
    """Resolved addresses in the order to try them (RFC 8305 section 4): the first
    address family of the resolver's answer first, then alternating families."""
    ordered = list(dict.fromkeys(addresses))
    if not ordered:
        return ordered
    first_family = ordered[0][0]
    preferred = [address for address in ordered if address[0] == first_family]
    others = [address for address in ordered if address[0] != first_family]
    result: list[Address] = []
    for pair in itertools.zip_longest(preferred, others):
        result.extend(address for address in pair if address is not None)
    return result


def merge_headers(
    defaults: typing.Sequence[tuple[bytes, bytes]], overrides: typing.Sequence[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """`overrides`, preceded by the `defaults` whose names they do not set."""
    names = {name.lower() for name, _ in overrides}
    return [item for item in defaults if item[0].lower() not in names] + list(overrides)


def forward_request(request: httpcore.Request, proxy: ProxyRoute) -> httpcore.Request:
    """`request` as sent to a forwarding proxy: the absolute URL as the target (RFC 9112
    section 3.2.2), with the proxy's headers."""
    proxy_origin = proxy.origin
    url = httpcore.URL(
        scheme=proxy_origin.scheme,
        host=proxy_origin.host,
        port=proxy_origin.port,
        target=bytes(request.url),
    )
    return httpcore.Request(
        method=request.method,
        url=url,
        headers=merge_headers(proxy.headers, request.headers),
        content=request.stream,
        extensions=request.extensions,
    )


def connect_request(
    origin: httpcore.Origin, proxy: ProxyRoute, request: httpcore.Request
) -> httpcore.Request:
    """The CONNECT request opening a tunnel to `origin` (RFC 9110 section 9.3.6)."""
    target = b"%b:%d" % (origin.host, origin.port)
    proxy_origin = proxy.origin
    url = httpcore.URL(
        scheme=proxy_origin.scheme, host=proxy_origin.host, port=proxy_origin.port, target=target
    )
    headers = merge_headers([(b"Host", target), (b"Accept", b"*/*")], proxy.headers)
    return httpcore.Request(
        method=b"CONNECT", url=url, headers=headers, extensions=request.extensions
    )
