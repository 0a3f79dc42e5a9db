"""What the async and sync HTTP/1.1 connections share (see http11.py for the design).

The connection state and its bookkeeping (`HTTP11Base`), and the small pieces both I/O
loops use: request framing checks, the httpcore `Response` they build, trace checks.
"""

from __future__ import annotations

import logging
import time
import typing

import httpcore
from httpcore._models import ByteStream as HttpcoreByteStream

from .._content import ByteStream
from .http11_bodies import BodyReader, body_reader
from .http11_codec import (
    RequestHead,
    ResponseHead,
    encode_chunk_prefix,
    encode_request_head,
    parse_response_head,
)

__all__ = [
    "READ_BODY_BYTES",
    "READ_NUM_BYTES",
    "SMALL_BODY",
    "HTTP11Base",
    "framed_body",
    "http11_logger",
    "is_switch",
    "is_traced",
    "known_body",
    "length_error",
    "make_response",
]

# The loggers httpcore traces to, so that logging configured for httpcore keeps working.
http11_logger = logging.getLogger("httpcore.http11")

READ_NUM_BYTES = 64 * 1024  # for a response head (as httpcore)
READ_BODY_BYTES = 1024 * 1024  # streams cap this at what suits them (no copy to cut)
SMALL_BODY = 64 * 1024  # bodies sent in the same write as the head, up to this size

_DEFAULT_PORTS = {b"http": 80, b"https": 443, b"ws": 80, b"wss": 443}

_NEW = 0
_ACTIVE = 1
_IDLE = 2
_CLOSED = 3
_STATE_NAMES = ("NEW", "ACTIVE", "IDLE", "CLOSED")


def make_response(
    status: int,
    headers: list[tuple[bytes, bytes]],
    stream: object,
    extensions: dict[str, typing.Any],
) -> httpcore.Response:
    # httpcore.Response.__init__ re-checks that every header name and value is bytes;
    # these come from our parser, so set the same attributes directly.
    response = httpcore.Response.__new__(httpcore.Response)
    response.status = status
    response.headers = headers
    response.stream = stream  # type: ignore[assignment]
    response.extensions = extensions
    response._stream_consumed = False
    return response


def known_body(stream: object) -> bytes | None:
    """The whole body, when it is already in memory (no need to iterate the stream)."""
    stream_type = type(stream)
    if stream_type is ByteStream:
        return typing.cast(ByteStream, stream)._stream
    if stream_type is HttpcoreByteStream:
        return typing.cast(bytes, stream._content)  # type: ignore[attr-defined]
    return None


def length_error(declared: int, sent: int) -> httpcore.LocalProtocolError:
    # h11's messages (h11 raised them from inside httpcore before).
    if sent > declared:
        return httpcore.LocalProtocolError("Too much data for declared Content-Length")
    return httpcore.LocalProtocolError("Too little data for declared Content-Length")


def framed_body(head: RequestHead, body: bytes) -> list[bytes]:
    """An in-memory body with its framing, as the pieces to write after the head."""
    if head.body_length is None:
        if not body:
            return [b"0\r\n\r\n"]
        return [encode_chunk_prefix(len(body), first=True), body, b"\r\n0\r\n\r\n"]
    if len(body) != head.body_length:
        raise length_error(head.body_length, len(body))
    return [body] if body else []


def is_traced(request: httpcore.Request) -> bool:
    return "trace" in request.extensions or http11_logger.isEnabledFor(logging.DEBUG)


class HTTP11Base:
    """State and bookkeeping shared by the async and sync connections."""

    def __init__(
        self, origin: httpcore.Origin, stream: typing.Any, keepalive_expiry: float | None
    ) -> None:
        self._origin = origin
        self._network_stream = stream
        self._keepalive_expiry = keepalive_expiry
        self._expire_at: float | None = None
        self._state = _NEW
        self._request_count = 0
        # Our backends' streams close synchronously and know cheaply whether data is
        # waiting; other streams (a custom network backend) get the generic interface.
        self._close_now: typing.Callable[[], None] | None = getattr(stream, "close_now", None)
        readable = getattr(stream, "is_readable", None)
        self._is_readable: typing.Callable[[], bool] = (
            readable if readable is not None else lambda: stream.get_extra_info("is_readable")
        )
        # The exchange in progress.
        self._buffer = b""  # received, not yet parsed
        self._reader: BodyReader | None = None
        self._first_chunk = b""  # body bytes that came with the head
        self._read_timeout: float | None = None
        self._reusable = False
        # The last request head sent and response head received, with what they parsed
        # to: a client repeating a request gets the same head back (save for a Date
        # field that changes once a second), and a byte comparison is cheaper than
        # encoding or parsing again. Kept per connection, so nothing outlives it.
        self._last_request: tuple[bytes, bytes, list[tuple[bytes, bytes]]] | None = None
        self._last_request_head: RequestHead | None = None
        self._last_response_head = b""
        self._last_response: ResponseHead | None = None

    def _request_head(self, request: httpcore.Request) -> RequestHead:
        key = (request.method, request.url.target, request.headers)
        if key == self._last_request and self._last_request_head is not None:
            return self._last_request_head
        head = encode_request_head(*key)
        # A copy of the header list: the caller may change its own afterwards.
        self._last_request = (key[0], key[1], list(key[2]))
        self._last_request_head = head
        return head

    def _parse_head(self, head: bytes) -> ResponseHead:
        last = self._last_response
        if last is not None and head == self._last_response_head:
            return last.copy()
        parsed = parse_response_head(head)
        self._last_response_head = head
        self._last_response = parsed.copy()
        return parsed

    def _check_origin(self, request: httpcore.Request) -> None:
        url = request.url
        origin = self._origin
        if (
            url.host != origin.host
            or url.scheme != origin.scheme
            or (url.port or _DEFAULT_PORTS.get(url.scheme)) != origin.port
        ) and not self.can_handle_request(url.origin):
            raise RuntimeError(
                f"Attempted to send request to {url.origin} on connection to {origin}"
            )

    def _claim(self) -> None:
        """Take the connection for a request, or refuse (the pool then tries another)."""
        if self._state != _IDLE and self._state != _NEW:
            raise httpcore.ConnectionNotAvailable()
        self._state = _ACTIVE
        self._request_count += 1
        self._expire_at = None

    def _start_response(
        self, request: RequestHead, response: ResponseHead, buffer: bytes, sent_all: bool
    ) -> bool:
        """Prepare to read the body; True if the connection switched protocols."""
        reader = body_reader(request, response)
        switched = response.status == 101 or (request.is_connect and 200 <= response.status < 300)
        self._reader = reader
        self._reusable = sent_all and request.keep_alive and response.keep_alive and not switched
        self._first_chunk = b""
        if switched:
            self._buffer = buffer  # handed over with the upgraded stream
        elif reader is not None and buffer:
            # Usually the whole of a small body came with the head.
            self._first_chunk = reader.feed(buffer)
            self._buffer = b""
        else:
            self._buffer = buffer
        return switched

    def _finish(self) -> bool:
        """The response is closed: back to IDLE if the connection can carry another
        exchange (RFC 9112 section 9.3), else True (the caller closes it)."""
        reader = self._reader
        if (
            self._state == _ACTIVE
            and self._reusable
            and not self._buffer
            and (reader is None or (reader.done and not reader.extra))
        ):
            self._state = _IDLE
            self._reader = None
            if self._keepalive_expiry is not None:
                self._expire_at = time.monotonic() + self._keepalive_expiry
            return False
        return True

    def _mark_closed(self) -> None:
        self._state = _CLOSED

    # --- httpcore's ConnectionInterface -------------------------------------------------

    def can_handle_request(self, origin: httpcore.Origin) -> bool:
        return origin == self._origin

    def is_available(self) -> bool:
        # A NEW connection is not available: the request that created it uses it.
        return self._state == _IDLE

    def has_expired(self) -> bool:
        if self._expire_at is not None and time.monotonic() > self._expire_at:
            return True
        # An idle connection that became readable was closed by the server (or is
        # sending garbage): either way it cannot carry another request.
        return self._state == _IDLE and bool(self._is_readable())

    def is_idle(self) -> bool:
        return self._state == _IDLE

    def is_closed(self) -> bool:
        return self._state == _CLOSED

    def info(self) -> str:
        return (
            f"{str(self._origin)!r}, HTTP/1.1, {_STATE_NAMES[self._state]}, "
            f"Request Count: {self._request_count}"
        )

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} [{str(self._origin)!r}, {_STATE_NAMES[self._state]}, "
            f"Request Count: {self._request_count}]>"
        )


def is_switch(request: RequestHead, response: ResponseHead) -> bool:
    """A 101: the end of HTTP/1.1 on this connection, if the request asked for it."""
    if response.status != 101:
        return False
    if not request.upgrade:
        # As h11: a protocol switch nobody proposed.
        raise httpcore.RemoteProtocolError(
            "Received server _SWITCH_UPGRADE event without a pending proposal"
        )
    return True
