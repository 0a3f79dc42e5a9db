"""An HTTP/1.1 connection (httpcore's connection interface) over a network stream.

Written once, as async code; scripts/unasync.py generates the sync twin
(`sync_connection.py`). Requests are written by `request.py`; responses are parsed by
the connection's engine (`response.py`: h11 or httptools).

What keeps it cheap on the hot path:

* The pool hands an HTTP/1.1 connection one request at a time, and the state change
  that claims it (IDLE -> ACTIVE) happens before the first await, so on an event loop it
  needs no lock (the sync twin takes a thread lock for that one step).
* A repeated request (same method, target and fields) reuses the bytes of the previous
  head; a small body goes out in the same write as its head.
* Each read is handed to the engine once; a small response usually arrives whole in the
  first read and costs one call into the engine.
* Cleanup after an error or a cancellation closes the socket synchronously (`close_now`
  on our backends' streams): nothing to await, so nothing to shield.
* Tracing costs one check per request when nobody listens; when the ``trace``
  extension is set or the "httpcore.http11" logger is at DEBUG, the same phases are
  reported as by httpcore's own connection.

Reuse (RFC 9112 section 9.3): back to IDLE only when the request and the response
allowed keep-alive, the request went out whole, the response was read to its end,
nothing followed it (see `response.py`) and the server did not close its side.
"""

from __future__ import annotations

import time
import types
import typing
from collections.abc import AsyncIterable, AsyncIterator

import httpcore

from .._httpcore_seam import httpcore_response
from ..network.async_primitives import AsyncShieldCancellation, AsyncThreadLock
from ..network.trace import AsyncTrace, http11_logger, is_traced
from .request import (
    SMALL_BODY,
    RequestHead,
    encode_chunk_prefix,
    encode_request_head,
    framed_body,
    known_body,
    length_error,
)
from .response import ResponseParser, parser_factory, remote_error
from .sendfile import async_send_file

__all__ = ["AsyncHTTP11Body", "AsyncHTTP11Connection", "AsyncUpgradeStream"]

READ_NUM_BYTES = 64 * 1024  # for a response head (as httpcore)
READ_BODY_BYTES = 1024 * 1024  # streams cap this at what suits them (no copy to cut)

_DEFAULT_PORTS = {b"http": 80, b"https": 443, b"ws": 80, b"wss": 443}

_NEW = 0
_ACTIVE = 1
_IDLE = 2
_CLOSED = 3
_STATE_NAMES = ("NEW", "ACTIVE", "IDLE", "CLOSED")


class AsyncHTTP11Connection(httpcore.AsyncConnectionInterface):
    """An HTTP/1.1 connection to `origin` over `stream`."""

    def __init__(
        self,
        origin: httpcore.Origin,
        stream: httpcore.AsyncNetworkStream,
        keepalive_expiry: float | None = None,
        *,
        parser: ResponseParser | None = None,
    ) -> None:
        self._origin = origin
        self._network_stream = stream
        self._keepalive_expiry = keepalive_expiry
        self._parser = parser_factory()() if parser is None else parser
        self._expire_at: float | None = None
        self._state = _NEW
        self._state_lock = AsyncThreadLock()
        self._request_count = 0
        # Our backends' streams close synchronously and know cheaply whether data is
        # waiting; other streams (a custom network backend) get the generic interface.
        self._close_now: typing.Callable[[], None] | None = getattr(stream, "close_now", None)
        readable = getattr(stream, "is_readable", None)
        self._is_readable: typing.Callable[[], bool] = (
            readable if readable is not None else lambda: stream.get_extra_info("is_readable")
        )
        # The exchange in progress.
        self._first_chunk = b""  # body bytes that came with the head
        self._read_timeout: float | None = None
        self._reusable = False
        self._eof = False  # the server closed its side (a read returned b"")
        # The last request head sent, and what it was made from: a client repeating a
        # request sends the same bytes again.
        self._last_request: tuple[bytes, bytes, list[tuple[bytes, bytes]]] | None = None
        self._last_request_head: RequestHead | None = None

    # --- one exchange -------------------------------------------------------------------

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        self._check_origin(request)
        with self._state_lock:
            self._claim()
        traced = is_traced(request, http11_logger)
        try:
            timeouts = request.extensions.get("timeout", {})
            head = self._request_head(request)
            self._parser.start(head)
            if traced:
                return await self._exchange_traced(request, head, timeouts)
            sent_all = await self._send_request(head, request.stream, timeouts.get("write"))
            await self._receive_head(timeouts.get("read"))
            return self._response(request, head, sent_all, traced)
        except BaseException:
            if traced:
                with AsyncShieldCancellation():
                    async with AsyncTrace("response_closed", http11_logger, request):
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
            async with AsyncTrace("send_request_headers", http11_logger, request, kwargs):
                await self._network_stream.write(head.data, write_timeout)
            async with AsyncTrace("send_request_body", http11_logger, request, kwargs):
                await self._send_body(head, request.stream, write_timeout)
        except httpcore.WriteError:
            sent_all = False  # see _send_request
        async with AsyncTrace("receive_response_headers", http11_logger, request, kwargs) as trace:
            await self._receive_head(timeouts.get("read"))
            response = self._parser.head
            assert response is not None
            trace.return_value = (
                response.http_version,
                response.status,
                response.reason,
                response.headers,
            )
        return self._response(request, head, sent_all, traced=True)

    async def _send_request(self, head: RequestHead, body: object, timeout: float | None) -> bool:
        """Send the request; False if the connection broke while sending.

        A server may answer before it has read the whole request (and close its side):
        a write error is then not the end, the response may still be there to read, as
        in httpcore.
        """
        stream = self._network_stream
        try:
            known = known_body(body)
            if known is None:
                await stream.write(head.data, timeout)
                await self._send_body(head, body, timeout)
                return True
            pieces = framed_body(head, known)
            if not pieces:
                await stream.write(head.data, timeout)  # no body (most requests)
                return True
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
        known = known_body(body)
        if known is not None:
            for piece in framed_body(head, known):
                await stream.write(piece, timeout)
            return
        if not isinstance(body, AsyncIterable):
            raise TypeError(f"A request body must be an iterable of bytes here, not {body!r}")
        declared = head.body_length
        if (
            declared is not None
            and declared > SMALL_BODY
            and await async_send_file(stream, body, declared, timeout)
        ):
            return  # a file, sent by the kernel (see sendfile.py)
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
                    raise length_error(declared, sent)
                await stream.write(chunk, timeout)
        if declared is None:
            await stream.write(b"0\r\n\r\n" if first else b"\r\n0\r\n\r\n", timeout)
        elif sent != declared:
            raise length_error(declared, sent)

    async def _receive_head(self, timeout: float | None) -> None:
        stream = self._network_stream
        parser = self._parser
        self._read_timeout = timeout  # for the body too
        first = True
        while parser.head is None:
            data = await stream.read(READ_NUM_BYTES, timeout)
            if not data:
                self._eof = True
            if first and data:
                first = False
                # Not the start of a status line (a TLS record from a server that
                # expected https, say): h11 would wait for a blank line that never
                # comes, and refuse the head then; refuse it now.
                if data[0] < 0x21 and data[0] != 13 and data[0] != 10:
                    raise remote_error(f"illegal status line: {data[:40]!r}")
            self._first_chunk += parser.feed(data)

    def _response(
        self, request: httpcore.Request, head: RequestHead, sent_all: bool, traced: bool
    ) -> httpcore.Response:
        parser = self._parser
        response = parser.head
        assert response is not None
        network_stream: httpcore.AsyncNetworkStream = self._network_stream
        switched = parser.switched
        self._reusable = sent_all and head.keep_alive and response.keep_alive and not switched
        if switched:
            network_stream = AsyncUpgradeStream(network_stream, parser.leftover)
        return httpcore_response(
            response.status,
            response.headers,
            AsyncHTTP11Body(self, request, traced),
            {
                "http_version": response.http_version,
                "reason_phrase": response.reason,
                "network_stream": network_stream,
            },
        )

    # --- state ----------------------------------------------------------------------------

    def _request_head(self, request: httpcore.Request) -> RequestHead:
        key = (request.method, request.url.target, request.headers)
        if key == self._last_request and self._last_request_head is not None:
            return self._last_request_head
        head = encode_request_head(*key)
        # A copy of the header list: the caller may change its own afterwards.
        self._last_request = (key[0], key[1], list(key[2]))
        self._last_request_head = head
        return head

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
        self._first_chunk = b""
        self._reusable = False

    def _finish(self) -> bool:
        """The response is closed: back to IDLE if the connection can carry another
        exchange, else True (the caller closes it)."""
        parser = self._parser
        if (
            self._state == _ACTIVE
            and self._reusable
            and parser.done
            and not parser.extra
            and not self._eof
        ):
            self._state = _IDLE
            if self._keepalive_expiry is not None:
                self._expire_at = time.monotonic() + self._keepalive_expiry
            return False
        return True

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

    # --- httpcore's connection interface ------------------------------------------------

    async def aclose(self) -> None:
        self._state = _CLOSED
        await self._network_stream.aclose()

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

    async def __aenter__(self) -> AsyncHTTP11Connection:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: types.TracebackType | None = None,
    ) -> None:
        await self.aclose()


class AsyncHTTP11Body:
    """A response body, read from the connection as it is iterated (once).

    It is its own iterator rather than a generator: a body its reader stops early
    leaves no generator behind for the garbage collector to finalise (trio warns about
    those), and each chunk costs one call.
    """

    __slots__ = ("_closed", "_connection", "_request", "_traced")

    def __init__(
        self, connection: AsyncHTTP11Connection, request: httpcore.Request, traced: bool
    ) -> None:
        self._connection = connection
        self._request = request
        self._traced = traced
        self._closed = False

    @property
    def closes_without_waiting(self) -> bool:
        """Closing needs no await that a cancellation could interrupt (the pool then
        skips its shield)."""
        return not self._traced

    def __aiter__(self) -> AsyncIterator[bytes]:
        if self._traced:
            return self._traced_chunks()
        return self

    async def __anext__(self) -> bytes:
        try:
            return await _next_chunk(self._connection)
        except StopAsyncIteration:
            raise
        except BaseException:
            # A failed or cancelled read leaves the exchange incomplete.
            await self.aclose()
            raise

    async def _traced_chunks(self) -> AsyncIterator[bytes]:
        try:
            kwargs = {"request": self._request}
            async with AsyncTrace("receive_response_body", http11_logger, self._request, kwargs):
                while True:
                    try:
                        chunk = await _next_chunk(self._connection)
                    except StopAsyncIteration:
                        break
                    yield chunk
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._traced:
            async with AsyncTrace("response_closed", http11_logger, self._request):
                await self._connection._response_closed()
        else:
            await self._connection._response_closed()


async def _next_chunk(connection: AsyncHTTP11Connection) -> bytes:
    """The next piece of the body; StopAsyncIteration at its end."""
    chunk = connection._first_chunk
    if chunk:
        connection._first_chunk = b""
        return chunk
    parser = connection._parser
    stream = connection._network_stream
    while not parser.done:
        data = await stream.read(READ_BODY_BYTES, connection._read_timeout)
        if not data:
            # The server closed: a body delimited by the close (RFC 9112 section 6.3)
            # ends here, and the connection with it. Over TLS the socket need not look
            # readable afterwards (the close_notify was read, the TCP close may lag):
            # without this the pool would take it for idle and reusable.
            connection._eof = True
        chunk = parser.feed(data)
        if chunk:
            return chunk
    raise StopAsyncIteration


class AsyncUpgradeStream(httpcore.AsyncNetworkStream):
    """The connection's stream after a protocol switch (101, or a CONNECT tunnel),
    handing out first what arrived with the response head."""

    def __init__(self, stream: httpcore.AsyncNetworkStream, leftover: bytes) -> None:
        self._stream = stream
        self._leftover = leftover

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        leftover = self._leftover
        if leftover:
            data, self._leftover = leftover[:max_bytes], leftover[max_bytes:]
            return data
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: typing.Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await self._stream.start_tls(ssl_context, server_hostname, timeout)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)
