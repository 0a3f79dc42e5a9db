"""The sync HTTP/1.1 connection: http11.py's async one with blocking I/O (see there).

Threads share a sync pool, so the one step that claims the connection for a request
takes a thread lock.
"""

from __future__ import annotations

import threading
import types
import typing
from collections.abc import Iterable, Iterator

import httpcore
from httpcore._sync.http11 import HTTP11UpgradeStream
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

__all__ = ["HTTP11Body", "HTTP11Connection"]


class HTTP11Connection(HTTP11Base, httpcore.ConnectionInterface):
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
        traced = is_traced(request)
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
            known = known_body(body)
            if known is None:
                stream.write(head.data, timeout)
                self._send_body(head, body, timeout)
                return True
            pieces = framed_body(head, known)
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
        known = known_body(body)
        if known is not None:
            for piece in framed_body(head, known):
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
                    raise length_error(declared, sent)
                stream.write(chunk, timeout)
        if declared is None:
            stream.write(b"0\r\n\r\n" if first else b"\r\n0\r\n\r\n", timeout)
        elif sent != declared:
            raise length_error(declared, sent)

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
                    if response.status >= 200 or is_switch(request, response):
                        self._buffer = buffer
                        return response
                    # 1xx: an interim response, see the async twin.
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
        return make_response(
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
        self._mark_closed()
        self._network_stream.close()

    def _response_closed(self) -> None:
        if self._finish():
            self._close()

    def close(self) -> None:
        self._mark_closed()
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
