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
* The wire format is `http11_codec` (heads) and `http11_bodies` (bodies), which parse
  a response head in a few passes over the bytes instead of h11's event machinery
  (h11 itself cost about 55 µs per exchange, more than everything else here). A
  connection also remembers its last request head and response head: a repeated
  request, or a response head identical to the previous one (which is what a server
  sends for the same resource, Date aside), costs one byte comparison.
* Cleanup after an error or a cancellation closes the socket synchronously
  (`close_now` on our backends' streams): nothing to await, so nothing to shield.
* Tracing costs one check per request when nobody listens; when the ``trace`` extension
  is set or the "httpcore.http11" logger is at DEBUG, the same phases are reported with
  httpcore's own `Trace`.

This module has the async connection; http11_sync.py the sync one, http11_base.py what
they share, and connection.py the `(Async)HTTPConnection` wrappers that create them.
"""

from __future__ import annotations

import types
import typing
from collections.abc import AsyncIterable, AsyncIterator

import httpcore
from httpcore._async.http11 import AsyncHTTP11UpgradeStream
from httpcore._synchronization import AsyncShieldCancellation
from httpcore._trace import Trace

from .http11_base import (
    READ_BODY_BYTES,
    READ_NUM_BYTES,
    SMALL_BODY,
    HTTP11Base,
    framed_body,
    http11_logger,
    is_switch,
    is_traced,
    known_body,
    length_error,
    make_response,
)
from .http11_codec import (
    RequestHead,
    ResponseHead,
    check_incomplete_head,
    encode_chunk_prefix,
    find_head_end,
)

__all__ = ["AsyncHTTP11Body", "AsyncHTTP11Connection"]


class AsyncHTTP11Connection(HTTP11Base, httpcore.AsyncConnectionInterface):
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
        traced = is_traced(request)
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
            known = known_body(body)
            if known is None:
                await stream.write(head.data, timeout)
                await self._send_body(head, body, timeout)
                return True
            pieces = framed_body(head, known)
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
                    raise length_error(declared, sent)
                await stream.write(chunk, timeout)
        if declared is None:
            await stream.write(b"0\r\n\r\n" if first else b"\r\n0\r\n\r\n", timeout)
        elif sent != declared:
            raise length_error(declared, sent)

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
                    if response.status >= 200 or is_switch(request, response):
                        self._buffer = buffer
                        return response
                    # 1xx (RFC 9110 section 15.2): an interim response; the final
                    # one follows (its framing fields were checked by the parser).
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
        return make_response(
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
        self._mark_closed()
        if self._close_now is not None:
            self._close_now()
        else:
            with AsyncShieldCancellation():
                await self._network_stream.aclose()

    async def _response_closed(self) -> None:
        if self._finish():
            await self._close()

    async def aclose(self) -> None:
        self._mark_closed()
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
