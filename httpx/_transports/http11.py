"""Fast HTTP/1.1 connections for httpcore's pools.

Why
---
httpcore's HTTP/1.1 connection takes two anyio locks per request (each acquire yields to
the event loop), enters a shielded cancel scope to clean up, builds a `Trace` object per
phase, and drives h11 one event at a time. This module keeps httpcore's interfaces
(`ConnectionInterface`, `httpcore.Request` / `Response`, its exceptions, the ``trace``
extension and the ``http_version`` / ``reason_phrase`` / ``network_stream`` response
extensions) and does the same job with none of that on the hot path:

* The pool hands an HTTP/1.1 connection one request at a time, and the state change
  that claims it (IDLE -> ACTIVE) happens before the first await, so on an event loop it
  needs no lock. (The sync connection keeps a thread lock for that one step.)
* The wire format is `http11_codec`, which parses a response head in a few passes
  over the bytes instead of h11's event machinery.
* Cleanup after an error or a cancellation closes the socket synchronously
  (`close_now` on our backends' streams): nothing to await, so nothing to shield.
* Tracing costs one check per request when nobody listens; when the ``trace`` extension
  is set or the "httpcore.http11" logger is at DEBUG, the same phases are reported with
  httpcore's own `Trace`.

`AsyncFastHTTPConnection` / `FastHTTPConnection` are httpcore's `(Async)HTTPConnection`
(connecting, TLS, ALPN, retries and their traces are inherited) that build this HTTP/1.1
connection, or our HTTP/2 one (http2.py) when ALPN picks h2, and once connected skip
the per-request lock.
"""

from __future__ import annotations

import logging
import threading
import time
import types
import typing
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator

import httpcore
from httpcore._async.http11 import AsyncHTTP11UpgradeStream
from httpcore._models import ByteStream as HttpcoreByteStream
from httpcore._sync.http11 import HTTP11UpgradeStream
from httpcore._synchronization import AsyncShieldCancellation
from httpcore._trace import Trace

from .._content import ByteStream
from .http2 import AsyncHTTP2Connection
from .http2_sync import HTTP2Connection
from .http11_codec import (
    BodyReader,
    RequestHead,
    ResponseHead,
    check_incomplete_head,
    encode_chunk_prefix,
    encode_request_head,
    find_head_end,
    parse_response_head,
)

__all__ = [
    "AsyncFastHTTPConnection",
    "AsyncHTTP11Connection",
    "FastHTTPConnection",
    "HTTP11Connection",
    "create_async_connection",
    "create_connection",
]

# The loggers httpcore traces to, so that logging configured for httpcore keeps working.
http11_logger = logging.getLogger("httpcore.http11")

READ_NUM_BYTES = 64 * 1024  # for a response head (as httpcore)
READ_BODY_BYTES = 1024 * 1024  # streams cap this at what suits them (no copy to cut)
SMALL_BODY = 64 * 1024  # bodies sent in the same write as the head, up to this size

# httpcore's own entry points, to notice when something (respx) has patched them.
_ASYNC_CONNECTION_ENTRY = httpcore.AsyncHTTPConnection.handle_async_request
_CONNECTION_ENTRY = httpcore.HTTPConnection.handle_request

_DEFAULT_PORTS = {b"http": 80, b"https": 443, b"ws": 80, b"wss": 443}

_NEW = 0
_ACTIVE = 1
_IDLE = 2
_CLOSED = 3
_STATE_NAMES = ("NEW", "ACTIVE", "IDLE", "CLOSED")


def _make_response(
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


def _known_body(stream: object) -> bytes | None:
    """The whole body, when it is already in memory (no need to iterate the stream)."""
    stream_type = type(stream)
    if stream_type is ByteStream:
        return typing.cast(ByteStream, stream)._stream
    if stream_type is HttpcoreByteStream:
        return typing.cast(bytes, stream._content)  # type: ignore[attr-defined]
    return None


def _length_error(declared: int, sent: int) -> httpcore.LocalProtocolError:
    # h11's messages (h11 raised them from inside httpcore before).
    if sent > declared:
        return httpcore.LocalProtocolError("Too much data for declared Content-Length")
    return httpcore.LocalProtocolError("Too little data for declared Content-Length")


def _framed_body(head: RequestHead, body: bytes) -> list[bytes]:
    """An in-memory body with its framing, as the pieces to write after the head."""
    if head.body_length is None:
        if not body:
            return [b"0\r\n\r\n"]
        return [encode_chunk_prefix(len(body), first=True), body, b"\r\n0\r\n\r\n"]
    if len(body) != head.body_length:
        raise _length_error(head.body_length, len(body))
    return [body] if body else []


def _is_traced(request: httpcore.Request) -> bool:
    return "trace" in request.extensions or http11_logger.isEnabledFor(logging.DEBUG)


class _HTTP11Base:
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
        reader = response.body_reader(request)
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


# --- async --------------------------------------------------------------------------------


class AsyncHTTP11Connection(_HTTP11Base, httpcore.AsyncConnectionInterface):
    """An HTTP/1.1 connection (httpcore's interface) over an async network stream."""

    def __init__(
        self,
        origin: httpcore.Origin,
        stream: httpcore.AsyncNetworkStream,
        keepalive_expiry: float | None = None,
    ) -> None:
        super().__init__(origin, stream, keepalive_expiry)

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        self._check_origin(request)
        self._claim()
        traced = _is_traced(request)
        try:
            timeouts = request.extensions.get("timeout", {})
            head = self._request_head(request)
            if traced:
                return await self._exchange_traced(request, head, timeouts)
            sent_all = await self._send_request(head, request.stream, timeouts.get("write"))
            response = await self._receive_head(head, timeouts.get("read"))
            return self._response(request, head, response, sent_all, traced)
        except BaseException:
            if traced:
                with AsyncShieldCancellation():
                    async with Trace("response_closed", http11_logger, request):
                        await self._close()
            else:
                await self._close()
            raise

    async def _exchange_traced(
        self, request: httpcore.Request, head: RequestHead, timeouts: dict[str, typing.Any]
    ) -> httpcore.Response:
        kwargs = {"request": request}
        write_timeout = timeouts.get("write")
        sent_all = True
        try:
            async with Trace("send_request_headers", http11_logger, request, kwargs):
                await self._network_stream.write(head.data, write_timeout)
            async with Trace("send_request_body", http11_logger, request, kwargs):
                await self._send_body(head, request.stream, write_timeout)
        except httpcore.WriteError:
            sent_all = False  # see _send_request
        async with Trace("receive_response_headers", http11_logger, request, kwargs) as trace:
            response = await self._receive_head(head, timeouts.get("read"))
            trace.return_value = (
                response.http_version,
                response.status,
                response.reason,
                response.headers,
            )
        return self._response(request, head, response, sent_all, traced=True)

    async def _send_request(self, head: RequestHead, body: object, timeout: float | None) -> bool:
        """Send the request; False if the connection broke while sending.

        A server may answer before it has read the whole request (and close its side):
        a write error is then not the end, the response may still be there to read, as
        in httpcore.
        """
        stream = self._network_stream
        try:
            known = _known_body(body)
            if known is None:
                await stream.write(head.data, timeout)
                await self._send_body(head, body, timeout)
                return True
            pieces = _framed_body(head, known)
            if len(known) <= SMALL_BODY:
                # Head and body in one write (one system call, one segment).
                await stream.write(b"".join([head.data, *pieces]), timeout)
                return True
            await stream.write(head.data, timeout)
            for piece in pieces:
                await stream.write(piece, timeout)
            return True
        except httpcore.WriteError:
            return False

    async def _send_body(self, head: RequestHead, body: object, timeout: float | None) -> None:
        stream = self._network_stream
        known = _known_body(body)
        if known is not None:
            for piece in _framed_body(head, known):
                await stream.write(piece, timeout)
            return
        if not isinstance(body, AsyncIterable):
            raise TypeError(f"An async request body must be an async iterable, not {body!r}")
        declared = head.body_length
        sent = 0
        first = True
        async for chunk in body:
            size = len(chunk)
            if not size:
                continue
            sent += size
            if declared is None:  # chunked (RFC 9112 section 7.1)
                prefix = encode_chunk_prefix(size, first)
                first = False
                if size <= SMALL_BODY:
                    await stream.write(prefix + chunk, timeout)
                else:
                    await stream.write(prefix, timeout)
                    await stream.write(chunk, timeout)
            else:
                if sent > declared:
                    raise _length_error(declared, sent)
                await stream.write(chunk, timeout)
        if declared is None:
            await stream.write(b"0\r\n\r\n" if first else b"\r\n0\r\n\r\n", timeout)
        elif sent != declared:
            raise _length_error(declared, sent)

    async def _receive_head(self, request: RequestHead, timeout: float | None) -> ResponseHead:
        stream = self._network_stream
        self._read_timeout = timeout  # for the body too
        buffer = self._buffer
        self._buffer = b""
        search_from = 0
        while True:
            if buffer:
                end = find_head_end(buffer, search_from)
                if end >= 0:
                    response = self._parse_head(buffer[:end])
                    buffer = buffer[end:]
                    if response.status >= 200 or _is_switch(request, response):
                        self._buffer = buffer
                        return response
                    # 1xx (RFC 9110 section 15.2): an interim response; the final
                    # one follows. Its framing fields are checked all the same.
                    response.body_reader(request)
                    search_from = 0
                    continue
                check_incomplete_head(buffer)
                search_from = max(len(buffer) - 3, 0)
            data = await stream.read(READ_NUM_BYTES, timeout)
            if not data:
                raise httpcore.RemoteProtocolError(
                    "Server disconnected without sending a response."
                )
            buffer = buffer + data if buffer else data

    def _response(
        self,
        request: httpcore.Request,
        head: RequestHead,
        response: ResponseHead,
        sent_all: bool,
        traced: bool,
    ) -> httpcore.Response:
        buffer = self._buffer
        network_stream: httpcore.AsyncNetworkStream = self._network_stream
        if self._start_response(head, response, buffer, sent_all):
            network_stream = AsyncHTTP11UpgradeStream(network_stream, buffer)
            self._buffer = b""
        return _make_response(
            response.status,
            response.headers,
            AsyncHTTP11Body(self, request, traced),
            {
                "http_version": response.http_version,
                "reason_phrase": response.reason,
                "network_stream": network_stream,
            },
        )

    async def _close(self) -> None:
        self._state = _CLOSED
        if self._close_now is not None:
            self._close_now()
        else:
            with AsyncShieldCancellation():
                await self._network_stream.aclose()

    async def _response_closed(self) -> None:
        if self._finish():
            await self._close()

    async def aclose(self) -> None:
        self._state = _CLOSED
        await self._network_stream.aclose()

    async def __aenter__(self) -> AsyncHTTP11Connection:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: types.TracebackType | None = None,
    ) -> None:
        await self.aclose()


def _is_switch(request: RequestHead, response: ResponseHead) -> bool:
    """A 101: the end of HTTP/1.1 on this connection, if the request asked for it."""
    if response.status != 101:
        return False
    if not request.upgrade:
        # As h11: a protocol switch nobody proposed.
        raise httpcore.RemoteProtocolError(
            "Received server _SWITCH_UPGRADE event without a pending proposal"
        )
    return True


class AsyncHTTP11Body:
    """A response body, read from the connection as it is iterated (once).

    It is its own iterator rather than an async generator: a body its reader stops
    early leaves no generator behind for the garbage collector to finalise (trio warns
    about those), and each chunk costs one coroutine call.
    """

    __slots__ = ("_closed", "_connection", "_request", "_traced")

    def __init__(
        self, connection: AsyncHTTP11Connection, request: httpcore.Request, traced: bool
    ) -> None:
        self._connection = connection
        self._request = request
        self._traced = traced
        self._closed = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        if self._traced:
            return self._traced_chunks()
        return self

    async def __anext__(self) -> bytes:
        connection = self._connection
        reader = connection._reader
        try:
            if reader is None:
                raise StopAsyncIteration
            chunk = connection._first_chunk
            if chunk:
                connection._first_chunk = b""
                return chunk
            stream = connection._network_stream
            while not reader.done:
                data = await stream.read(READ_BODY_BYTES, connection._read_timeout)
                if not data:
                    reader.at_eof()  # raises unless the body ends with the connection
                    break
                chunk = reader.feed(data)
                if chunk:
                    return chunk
            raise StopAsyncIteration
        except StopAsyncIteration:
            raise
        except BaseException:
            # A failed or cancelled read leaves the exchange incomplete.
            await self.aclose()
            raise

    async def _traced_chunks(self) -> AsyncIterator[bytes]:
        try:
            kwargs = {"request": self._request}
            async with Trace("receive_response_body", http11_logger, self._request, kwargs):
                async for chunk in _receive_body(self._connection):
                    yield chunk
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._traced:
            async with Trace("response_closed", http11_logger, self._request):
                await self._connection._response_closed()
        else:
            await self._connection._response_closed()


async def _receive_body(connection: AsyncHTTP11Connection) -> AsyncIterator[bytes]:
    # The body loop, for the traced path (the untraced one is inlined).
    reader = connection._reader
    if reader is None:
        return
    chunk = connection._first_chunk
    if chunk:
        connection._first_chunk = b""
        yield chunk
    while not reader.done:
        data = await connection._network_stream.read(READ_BODY_BYTES, connection._read_timeout)
        if not data:
            reader.at_eof()
            break
        chunk = reader.feed(data)
        if chunk:
            yield chunk


class AsyncFastHTTPConnection(httpcore.AsyncHTTPConnection):
    """httpcore's AsyncHTTPConnection, with `AsyncHTTP11Connection` for HTTP/1.1 and no
    lock once it is connected."""

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        if httpcore.AsyncHTTPConnection.handle_async_request is not _ASYNC_CONNECTION_ENTRY:
            # httpcore's method has been patched (respx does): let the patch see it.
            return await super().handle_async_request(request)
        connection = self._connection
        if connection is None:
            connection = await self._connect_once(request)
        return await connection.handle_async_request(request)

    async def _connect_once(self, request: httpcore.Request) -> httpcore.AsyncConnectionInterface:
        if not self.can_handle_request(request.url.origin):
            raise RuntimeError(
                f"Attempted to send request to {request.url.origin} on connection to "
                f"{self._origin}"
            )
        try:
            # Requests that share a maybe-HTTP/2 connection wait here for one to connect.
            async with self._request_lock:
                if self._connection is None:
                    stream = await self._connect(request)
                    ssl_object = stream.get_extra_info("ssl_object")
                    http2_negotiated = (
                        ssl_object is not None and ssl_object.selected_alpn_protocol() == "h2"
                    )
                    if http2_negotiated or (self._http2 and not self._http1):
                        self._connection = AsyncHTTP2Connection(
                            origin=self._origin,
                            stream=stream,
                            keepalive_expiry=self._keepalive_expiry,
                        )
                    else:
                        self._connection = AsyncHTTP11Connection(
                            origin=self._origin,
                            stream=stream,
                            keepalive_expiry=self._keepalive_expiry,
                        )
        except BaseException:
            self._connect_failed = True
            raise
        return self._connection


# --- sync ---------------------------------------------------------------------------------


class HTTP11Connection(_HTTP11Base, httpcore.ConnectionInterface):
    """An HTTP/1.1 connection (httpcore's interface) over a sync network stream."""

    def __init__(
        self,
        origin: httpcore.Origin,
        stream: httpcore.NetworkStream,
        keepalive_expiry: float | None = None,
    ) -> None:
        super().__init__(origin, stream, keepalive_expiry)
        # Threads share a sync pool: claiming the connection must be atomic.
        self._state_lock = threading.Lock()

    def handle_request(self, request: httpcore.Request) -> httpcore.Response:
        self._check_origin(request)
        with self._state_lock:
            self._claim()
        traced = _is_traced(request)
        try:
            timeouts = request.extensions.get("timeout", {})
            head = self._request_head(request)
            if traced:
                return self._exchange_traced(request, head, timeouts)
            sent_all = self._send_request(head, request.stream, timeouts.get("write"))
            response = self._receive_head(head, timeouts.get("read"))
            return self._response(request, head, response, sent_all, traced)
        except BaseException:
            if traced:
                with Trace("response_closed", http11_logger, request):
                    self._close()
            else:
                self._close()
            raise

    def _exchange_traced(
        self, request: httpcore.Request, head: RequestHead, timeouts: dict[str, typing.Any]
    ) -> httpcore.Response:
        kwargs = {"request": request}
        write_timeout = timeouts.get("write")
        sent_all = True
        try:
            with Trace("send_request_headers", http11_logger, request, kwargs):
                self._network_stream.write(head.data, write_timeout)
            with Trace("send_request_body", http11_logger, request, kwargs):
                self._send_body(head, request.stream, write_timeout)
        except httpcore.WriteError:
            sent_all = False  # see _send_request
        with Trace("receive_response_headers", http11_logger, request, kwargs) as trace:
            response = self._receive_head(head, timeouts.get("read"))
            trace.return_value = (
                response.http_version,
                response.status,
                response.reason,
                response.headers,
            )
        return self._response(request, head, response, sent_all, traced=True)

    def _send_request(self, head: RequestHead, body: object, timeout: float | None) -> bool:
        """Send the request; False if the connection broke while sending (see the async
        twin)."""
        stream = self._network_stream
        try:
            known = _known_body(body)
            if known is None:
                stream.write(head.data, timeout)
                self._send_body(head, body, timeout)
                return True
            pieces = _framed_body(head, known)
            if len(known) <= SMALL_BODY:
                stream.write(b"".join([head.data, *pieces]), timeout)
                return True
            stream.write(head.data, timeout)
            for piece in pieces:
                stream.write(piece, timeout)
            return True
        except httpcore.WriteError:
            return False

    def _send_body(self, head: RequestHead, body: object, timeout: float | None) -> None:
        stream = self._network_stream
        known = _known_body(body)
        if known is not None:
            for piece in _framed_body(head, known):
                stream.write(piece, timeout)
            return
        if not isinstance(body, Iterable):
            raise TypeError(f"A sync request body must be an iterable, not {body!r}")
        declared = head.body_length
        sent = 0
        first = True
        for chunk in body:
            size = len(chunk)
            if not size:
                continue
            sent += size
            if declared is None:  # chunked (RFC 9112 section 7.1)
                prefix = encode_chunk_prefix(size, first)
                first = False
                if size <= SMALL_BODY:
                    stream.write(prefix + chunk, timeout)
                else:
                    stream.write(prefix, timeout)
                    stream.write(chunk, timeout)
            else:
                if sent > declared:
                    raise _length_error(declared, sent)
                stream.write(chunk, timeout)
        if declared is None:
            stream.write(b"0\r\n\r\n" if first else b"\r\n0\r\n\r\n", timeout)
        elif sent != declared:
            raise _length_error(declared, sent)

    def _receive_head(self, request: RequestHead, timeout: float | None) -> ResponseHead:
        stream = self._network_stream
        self._read_timeout = timeout  # for the body too
        buffer = self._buffer
        self._buffer = b""
        search_from = 0
        while True:
            if buffer:
                end = find_head_end(buffer, search_from)
                if end >= 0:
                    response = self._parse_head(buffer[:end])
                    buffer = buffer[end:]
                    if response.status >= 200 or _is_switch(request, response):
                        self._buffer = buffer
                        return response
                    response.body_reader(request)  # 1xx: see the async twin
                    search_from = 0
                    continue
                check_incomplete_head(buffer)
                search_from = max(len(buffer) - 3, 0)
            data = stream.read(READ_NUM_BYTES, timeout)
            if not data:
                raise httpcore.RemoteProtocolError(
                    "Server disconnected without sending a response."
                )
            buffer = buffer + data if buffer else data

    def _response(
        self,
        request: httpcore.Request,
        head: RequestHead,
        response: ResponseHead,
        sent_all: bool,
        traced: bool,
    ) -> httpcore.Response:
        buffer = self._buffer
        network_stream: httpcore.NetworkStream = self._network_stream
        if self._start_response(head, response, buffer, sent_all):
            network_stream = HTTP11UpgradeStream(network_stream, buffer)
            self._buffer = b""
        return _make_response(
            response.status,
            response.headers,
            HTTP11Body(self, request, traced),
            {
                "http_version": response.http_version,
                "reason_phrase": response.reason,
                "network_stream": network_stream,
            },
        )

    def _close(self) -> None:
        self._state = _CLOSED
        self._network_stream.close()

    def _response_closed(self) -> None:
        if self._finish():
            self._close()

    def close(self) -> None:
        self._state = _CLOSED
        self._network_stream.close()

    def __enter__(self) -> HTTP11Connection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: types.TracebackType | None = None,
    ) -> None:
        self.close()


class HTTP11Body:
    """A response body, read from the connection as it is iterated."""

    __slots__ = ("_closed", "_connection", "_request", "_traced")

    def __init__(
        self, connection: HTTP11Connection, request: httpcore.Request, traced: bool
    ) -> None:
        self._connection = connection
        self._request = request
        self._traced = traced
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        if self._traced:
            return self._traced_chunks()
        return self._chunks()

    def _traced_chunks(self) -> Iterator[bytes]:
        try:
            kwargs = {"request": self._request}
            with Trace("receive_response_body", http11_logger, self._request, kwargs):
                yield from _receive_body_sync(self._connection)
        except BaseException:
            self.close()
            raise

    def _chunks(self) -> Iterator[bytes]:
        connection = self._connection
        try:
            reader = connection._reader
            if reader is None:
                return
            chunk = connection._first_chunk
            if chunk:
                connection._first_chunk = b""
                yield chunk
            read = connection._network_stream.read
            timeout = connection._read_timeout
            while not reader.done:
                data = read(READ_BODY_BYTES, timeout)
                if not data:
                    reader.at_eof()  # raises unless the body ends with the connection
                    break
                chunk = reader.feed(data)
                if chunk:
                    yield chunk
        except BaseException:
            # A failed or abandoned read leaves the exchange incomplete.
            self.close()
            raise

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._traced:
            with Trace("response_closed", http11_logger, self._request):
                self._connection._response_closed()
        else:
            self._connection._response_closed()


def _receive_body_sync(connection: HTTP11Connection) -> Iterator[bytes]:
    # The body loop, for the traced path (the untraced one has it inline).
    reader = connection._reader
    if reader is None:
        return
    chunk = connection._first_chunk
    if chunk:
        connection._first_chunk = b""
        yield chunk
    while not reader.done:
        data = connection._network_stream.read(READ_BODY_BYTES, connection._read_timeout)
        if not data:
            reader.at_eof()
            break
        chunk = reader.feed(data)
        if chunk:
            yield chunk


class FastHTTPConnection(httpcore.HTTPConnection):
    """httpcore's HTTPConnection, with `HTTP11Connection` for HTTP/1.1 and no lock once it
    is connected."""

    def handle_request(self, request: httpcore.Request) -> httpcore.Response:
        if httpcore.HTTPConnection.handle_request is not _CONNECTION_ENTRY:
            # httpcore's method has been patched (respx does): let the patch see it.
            return super().handle_request(request)
        connection = self._connection
        if connection is None:
            connection = self._connect_once(request)
        return connection.handle_request(request)

    def _connect_once(self, request: httpcore.Request) -> httpcore.ConnectionInterface:
        if not self.can_handle_request(request.url.origin):
            raise RuntimeError(
                f"Attempted to send request to {request.url.origin} on connection to "
                f"{self._origin}"
            )
        try:
            with self._request_lock:
                if self._connection is None:
                    stream = self._connect(request)
                    ssl_object = stream.get_extra_info("ssl_object")
                    http2_negotiated = (
                        ssl_object is not None and ssl_object.selected_alpn_protocol() == "h2"
                    )
                    if http2_negotiated or (self._http2 and not self._http1):
                        self._connection = HTTP2Connection(
                            origin=self._origin,
                            stream=stream,
                            keepalive_expiry=self._keepalive_expiry,
                        )
                    else:
                        self._connection = HTTP11Connection(
                            origin=self._origin,
                            stream=stream,
                            keepalive_expiry=self._keepalive_expiry,
                        )
        except BaseException:
            self._connect_failed = True
            raise
        return self._connection


# --- for the pools ------------------------------------------------------------------------


def create_async_connection(
    pool: httpcore.AsyncConnectionPool, origin: httpcore.Origin
) -> httpcore.AsyncConnectionInterface:
    """What `pool.create_connection(origin)` returns, with our HTTP/1.1 connection."""
    if pool._proxy is not None:  # httpcore's own proxy support (not used by our transports)
        return httpcore.AsyncConnectionPool.create_connection(pool, origin)
    return AsyncFastHTTPConnection(
        origin=origin,
        ssl_context=pool._ssl_context,
        keepalive_expiry=pool._keepalive_expiry,
        http1=pool._http1,
        http2=pool._http2,
        retries=pool._retries,
        local_address=pool._local_address,
        uds=pool._uds,
        network_backend=pool._network_backend,
        socket_options=pool._socket_options,
    )


def create_connection(
    pool: httpcore.ConnectionPool, origin: httpcore.Origin
) -> httpcore.ConnectionInterface:
    """The sync twin of `create_async_connection`."""
    if pool._proxy is not None:
        return httpcore.ConnectionPool.create_connection(pool, origin)
    return FastHTTPConnection(
        origin=origin,
        ssl_context=pool._ssl_context,
        keepalive_expiry=pool._keepalive_expiry,
        http1=pool._http1,
        http2=pool._http2,
        retries=pool._retries,
        local_address=pool._local_address,
        uds=pool._uds,
        network_backend=pool._network_backend,
        socket_options=pool._socket_options,
    )
