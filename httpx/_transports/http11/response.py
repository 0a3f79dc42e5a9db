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
import importlib.util
import os
import sys
import typing

import httpcore

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
# The longest response head an engine keeps to recognise when it comes again.
MAX_KNOWN_HEAD = 8 * 1024


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

    __slots__ = ("_known", "done", "extra", "head", "interim", "leftover", "switched")

    def __init__(self) -> None:
        self.head: ResponseHead | None = None
        self.done = False
        self.extra = False
        self.switched = False
        self.leftover = b""
        self.interim = 0  # interim responses skipped so far
        # The last head parsed on this connection that may be recalled: its bytes, a copy
        # of the head (the list of fields handed out may be changed by its receiver), and
        # the Content-Length of its body.
        self._known: tuple[bytes, ResponseHead, int] | None = None

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

    # A server answering the same request on a connection usually sends the same head
    # again, byte for byte (nginx's Date changes once a second). What an engine makes of
    # a head is a function of its bytes and of the kind of request (HEAD, CONNECT, an
    # Upgrade): so the last one parsed is kept, and a response starting with the same
    # bytes, to an ordinary request, is not parsed again. As for request heads (see
    # `RequestHead`), the exchange costs a comparison of bytes instead. Only heads that
    # came whole in the first data of their exchange, with a body framed by
    # Content-Length, are kept.

    def remember(self, request: RequestHead, head_bytes: bytes, length: int) -> None:
        """Keep the head just parsed (`head_bytes`, its body of `length` bytes)."""
        head = self.head
        if request.ordinary and head is not None and len(head_bytes) <= MAX_KNOWN_HEAD:
            kept = ResponseHead(
                head.http_version, head.status, head.reason, list(head.headers), head.keep_alive
            )
            self._known = (head_bytes, kept, length)

    def recall(self, request: RequestHead, data: bytes) -> tuple[int, bytes] | None:
        """If `data`, the first data of an exchange, starts with the head kept: that head
        becomes this response's, and (Content-Length, the bytes after the head) are
        returned; else None, and the engine parses."""
        known = self._known
        if known is None or not request.ordinary or not data.startswith(known[0]):
            return None
        head_bytes, head, length = known
        self.head = ResponseHead(
            head.http_version, head.status, head.reason, list(head.headers), head.keep_alive
        )
        return length, data[len(head_bytes) :]

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
    if name in sys.modules:
        return sys.modules[name] is not None
    return importlib.util.find_spec(name) is not None


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
