"""HTTP/1.1 responses as the connections see them, whichever engine parses them.

A `ResponseParser` turns the bytes of one connection into responses: its engine is h11
(`h11_engine.py`, the reference) or httptools (`httptools_engine.py`, llhttp, faster).
Both give the same results for the same bytes, however they are split: the same heads,
body bytes and errors, and the same verdict on whether the connection can carry another
request (tests/transports/http11/test_http11_engines.py feeds both the same generated
byte streams).

Which engine: httptools when it is installed, else h11; the environment variable
``HTTPX_HTTP1_PARSER`` (``h11`` or ``httptools``) forces one, read when a transport is
created (see docs/http11.md).

Our rule on reuse is stricter than h11's: bytes received after the end of a response
(a server sending more than it framed, a body after a HEAD, 204 or 304 response) are
never taken for the start of the next response: the connection is closed instead.
"""

from __future__ import annotations

import functools
import os
import typing

import httpcore

from ..._primitives import is_installed
from .request import RequestHead

__all__ = [
    "ENGINE_VARIABLE",
    "body_too_short",
    "engine_available",
    "MAX_HEAD_SIZE",
    "MAX_INTERIM_RESPONSES",
    "ResponseHead",
    "ResponseParser",
    "keep_alive",
    "parser_factory",
]

ENGINE_VARIABLE = "HTTPX_HTTP1_PARSER"
ENGINES = ("h11", "httptools")

# The most a response head may take before it is complete (h11's
# max_incomplete_event_size, as httpcore configures it).
MAX_HEAD_SIZE = 100 * 1024
# Interim (1xx) responses accepted before the final one. RFC 9110 section 15.2 sets no
# bound, but a server sending them without end would hold the request for ever (each
# one is small and quick: no timeout fires). A few is the norm (100 Continue, 103 Early
# Hints, the odd 102 Processing); see docs/http11.md.
MAX_INTERIM_RESPONSES = 64


class ResponseHead:
    """A final response's status line and header fields."""

    __slots__ = ("headers", "http_version", "keep_alive", "reason", "status")

    def __init__(
        self,
        http_version: bytes,
        status: int,
        reason: bytes,
        headers: list[tuple[bytes, bytes]],
        reusable: bool | None = None,
    ) -> None:
        self.http_version = http_version  # b"HTTP/1.1"
        self.status = status
        self.reason = reason
        self.headers = headers
        self.keep_alive = keep_alive(http_version, headers) if reusable is None else reusable


def keep_alive(http_version: bytes, headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether a response lets the connection carry another exchange (h11's rule,
    RFC 9112 section 9.3): HTTP/1.1 or later, and no ``close`` in Connection."""
    if http_version < b"HTTP/1.1":
        return False
    for name, value in headers:
        if len(name) == 10 and name.lower() == b"connection":
            if b"close" in [item.strip() for item in value.lower().split(b",")]:
                return False
    return True


class ResponseParser:
    """What an engine reports about the response being read.

    `start` is called once a request is on its way; `feed` with each piece of data the
    connection receives (``b""`` when the server has closed it), returning the body
    bytes found in it. After each `feed`:

    * `head`: the final response head once it is complete (interim 1xx responses are
      skipped), else None;
    * `done`: the response has ended (its body too);
    * `extra`: more bytes came after the end of the response (never used);
    * `switched`: the server switched protocols (101, or a successful CONNECT): the
      bytes that followed the head are in `leftover`.

    Errors are `httpcore.RemoteProtocolError` with h11's messages, and ours for what we
    refuse beyond h11 (`too_many_interim_responses`, `conflicting_framing`).
    """

    __slots__ = ("done", "extra", "head", "interim", "leftover", "switched")

    def __init__(self) -> None:
        self.head: ResponseHead | None = None
        self.done = False
        self.extra = False
        self.switched = False
        self.leftover = b""
        self.interim = 0  # interim responses skipped so far

    def start(self, request: RequestHead) -> None:
        raise NotImplementedError  # pragma: no cover

    def feed(self, data: bytes) -> bytes:
        raise NotImplementedError  # pragma: no cover

    def reset(self) -> None:
        self.head = None
        self.done = False
        self.extra = False
        self.switched = False
        self.leftover = b""
        self.interim = 0

    def count_interim(self) -> None:
        """One more interim response: refused past MAX_INTERIM_RESPONSES."""
        self.interim += 1
        if self.interim > MAX_INTERIM_RESPONSES:
            raise remote_error(
                f"more than {MAX_INTERIM_RESPONSES} interim (1xx) responses to one request"
            )


@functools.cache
def engine_available(name: str) -> bool:
    """Whether a package can be imported (a None in sys.modules says it cannot)."""
    return is_installed(name)


def parser_factory(engine: str | None = None) -> typing.Callable[[], ResponseParser]:
    """The parser class for `engine` (default: the environment's choice, else httptools
    when installed, else h11)."""
    if engine is None:
        engine = os.environ.get(ENGINE_VARIABLE) or None
    if engine is None:
        engine = "httptools" if engine_available("httptools") else "h11"
    if engine not in ENGINES:
        raise ValueError(f"{ENGINE_VARIABLE} must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "httptools":
        if not engine_available("httptools"):
            raise ImportError(
                f"{ENGINE_VARIABLE}=httptools, but the 'httptools' package is not installed. "
                "Make sure to install httpx using `pip install httpx[speedups]`."
            )
        from .httptools_engine import HttptoolsParser

        return HttptoolsParser
    from .h11_engine import H11Parser

    return H11Parser


def remote_error(message: str) -> httpcore.RemoteProtocolError:
    return httpcore.RemoteProtocolError(message)


def body_too_short(received: int, expected: int) -> httpcore.RemoteProtocolError:
    """The connection closed before the end of a Content-Length body (h11's message)."""
    return remote_error(
        "peer closed connection without sending complete message body "
        f"(received {received} bytes, expected {expected})"
    )


def conflicting_framing(headers: typing.Iterable[tuple[bytes, bytes]]) -> bool:
    """Whether a response has both Transfer-Encoding and Content-Length (names in lower
    case). RFC 9112 section 6.3: Transfer-Encoding wins, but such a message "ought to be
    handled as an error" (a sign of response smuggling, section 11.2); h11 accepts it."""
    names = {name for name, _ in headers}
    return b"transfer-encoding" in names and b"content-length" in names
