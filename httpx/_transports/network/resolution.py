"""Name resolution under the user's control: static overrides and a resolver hook.

``resolve={"api.example.com": "10.0.0.7"}`` works like curl's ``--resolve``: the
connection to that host goes to the given address(es), while everything above the
socket still speaks to the host by name: the ``Host`` header, TLS's SNI and the
certificate's hostname check (RFC 6125) use the original host name. A key may carry a
port (``"api.example.com:8443"``, which then wins over the bare name for that port); a
value may be one address or a list of them (raced by Happy Eyeballs, RFC 8305, in the
order given).

``resolver=fn`` is called as ``fn(host, port)`` for every other host name and returns a
list of IP addresses, or None to let the system resolver answer (an async function for
the async transports). Static overrides are consulted first.

The overrides apply to whatever host the client connects to itself: the origin, or
the proxy when there is one (an HTTP proxy resolves the origins it tunnels to).

No I/O here: the connect step (async_connect.py) calls the hook and connects.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Mapping

import httpcore

from ..._types import ResolverTypes, ResolveTypes
from ..._urls import URL

__all__ = ["Resolution", "ResolveTypes", "ResolverTypes", "addresses_from"]

Address = tuple[socket.AddressFamily, str]  # as route.Address: (family, IP address)


def _address(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{where} must be an IP address string, not {value!r}")
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]  # "[::1]", as curl writes IPv6 addresses
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise ValueError(f"{where} must be an IP address, not {value!r}") from None


def addresses_from(values: object, where: str) -> list[Address]:
    """IP address strings as (family, address) pairs, checked; `where` names them in
    errors."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, Iterable):
        raise TypeError(f"{where} must be an IP address or a list of them, not {values!r}")
    result: list[Address] = []
    for value in values:
        address = _address(value, where)
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        result.append((family, address))
    if not result:
        raise ValueError(f"{where} must name at least one address")
    return result


def _key(key: object) -> tuple[bytes, int | None]:
    """(host as the connection sees it, port or None) for a `resolve` key."""
    if not isinstance(key, str) or not key:
        raise TypeError(f"resolve keys must be host names (or 'host:port'), not {key!r}")
    host, port = key, None
    head, colon, tail = key.rpartition(":")
    if colon and tail.isdigit() and not head.endswith(":"):
        host, port = head, int(tail)
        if not 0 < port < 65536:
            raise ValueError(f"Invalid port in resolve key {key!r}")
    try:
        url = URL(f"http://{host}/")
    except Exception as exc:
        raise ValueError(f"Invalid host in resolve key {key!r}: {exc}") from None
    if not url.raw_host or url.port is not None or url.raw_path != b"/":
        raise ValueError(f"Invalid resolve key {key!r}: expected 'host' or 'host:port'")
    return url.raw_host.lower(), port


class Resolution:
    """The static overrides and the resolver hook of one transport (see the module
    docstring)."""

    __slots__ = ("_table", "resolver")

    def __init__(
        self, resolve: ResolveTypes | None = None, resolver: ResolverTypes | None = None
    ) -> None:
        table: dict[tuple[bytes, int | None], list[Address]] = {}
        if resolve is not None:
            if not isinstance(resolve, Mapping):
                raise TypeError(
                    "resolve must be a mapping of host names to IP addresses, such as "
                    f"{{'api.example.com': '10.0.0.7'}}, not {type(resolve).__name__}"
                )
            for key, values in resolve.items():
                table[_key(key)] = addresses_from(values, f"resolve[{key!r}]")
        if resolver is not None and not callable(resolver):
            raise TypeError(f"resolver must be a function of (host, port), not {resolver!r}")
        self._table = table
        self.resolver = resolver

    def __bool__(self) -> bool:
        return bool(self._table) or self.resolver is not None

    def lookup(self, host: str, port: int) -> list[Address] | None:
        """The static override for `host` and `port`, if there is one."""
        table = self._table
        if not table:
            return None
        key = host.encode("ascii").lower()
        found = table.get((key, port))
        return found if found is not None else table.get((key, None))

    def check_answer(self, host: str, answer: object) -> list[Address] | None:
        """The resolver hook's answer as addresses (None: ask the system resolver)."""
        if answer is None:
            return None
        if isinstance(answer, (list, tuple)) and not answer:
            # As a failed DNS look-up: the connection fails (ConnectError).
            raise httpcore.ConnectError(f"The resolver found no address for {host!r}")
        where = f"the address the resolver returned for {host!r}"
        return addresses_from(answer, where)
