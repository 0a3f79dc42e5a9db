"""The sync HTTP/2 connection: `H2Core` driven by blocking reads and writes.

Threads share the connection under one state lock; see the `http2` module for the design.
"""

from __future__ import annotations

import select
import ssl
import threading
import types
import typing
from collections import deque
from collections.abc import Iterable, Iterator

import httpcore
from httpcore._trace import Trace

from .._deadline import current_deadline
from .._exceptions import ReadTimeout as ReadPhase
from .._exceptions import WriteTimeout as WritePhase
from .http2_core import (
    _CLOSED,
    WANT_BODY,
    WANT_HEAD,
    WANT_ROOM,
    H2Core,
    SlotWaiter,
    Stream,
    _innermost,
    _is_traced,
    _known_body,
    _make_response,
    _network_failure,
)
from .http2_frames import FLUSH_ABOVE, READ_NUM_BYTES, ProtocolViolation, logger
from .network import limit_timeout
from .network.backend_sync import SyncStream

__all__ = ["HTTP2Connection"]

# --- sync ---------------------------------------------------------------------------------


class _StateLock:
    """The sync connection's lock; on release it finishes the streams whose close could
    not take it (see `HTTP2Connection._release`)."""

    __slots__ = ("_connection", "_lock")

    def __init__(self, connection: HTTP2Connection) -> None:
        self._lock = threading.Lock()
        self._connection = connection

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()
        if self._connection._pending_finish:
            self._connection._finish_pending()


_FLUSH, _READ, _WAIT = 0, 1, 2


class HTTP2Connection(H2Core, httpcore.ConnectionInterface):
    """An HTTP/2 connection (httpcore's interface) over a sync network stream, which
    threads may share: one lock guards the state, and as on an event loop one thread
    reads (or writes) for all while the others wait for their stream."""

    def __init__(
        self,
        origin: httpcore.Origin,
        stream: httpcore.NetworkStream,
        keepalive_expiry: float | None = None,
    ) -> None:
        super().__init__(origin, keepalive_expiry)
        self._network_stream = stream
        self._lock = _StateLock(self)
        self._reading = False
        self._writing = False
        # Streams closed while the lock was taken (e.g. by the garbage collector, in a
        # thread that holds it): finished when it is released.
        self._pending_finish: deque[Stream] = deque()
        # OpenSSL objects must not be used by two threads at once: one thread reading
        # while another writes corrupts a TLS connection (seen when TLS 1.3 session
        # tickets arrive). Over TLS, reads and writes take turns; the reader waits for
        # data without the lock when it can tell (an SSLSocket it can poll).
        self._io_lock: threading.Lock | None = None
        self._tls_socket: ssl.SSLSocket | None = None
        self._poller: typing.Any = None
        if stream.get_extra_info("ssl_object") is not None:
            self._io_lock = threading.Lock()
            sock = stream.get_extra_info("socket")
            if (
                isinstance(_innermost(stream), SyncStream)
                and isinstance(sock, ssl.SSLSocket)
                and hasattr(select, "poll")
            ):
                self._tls_socket = sock
                self._poller = select.poll()
                self._poller.register(sock.fileno(), select.POLLIN)

    def _is_readable(self) -> bool:
        io_lock = self._io_lock
        if io_lock is None:
            return bool(self._network_stream.get_extra_info("is_readable"))
        if not io_lock.acquire(blocking=False):
            return False  # a write is under way: not idle after all
        try:
            return bool(self._network_stream.get_extra_info("is_readable"))
        finally:
            io_lock.release()

    def _read_data(self, timeout: float | None) -> bytes:
        io_lock = self._io_lock
        if io_lock is None:
            return self._network_stream.read(READ_NUM_BYTES, timeout)
        sock = self._tls_socket
        if sock is not None:
            with io_lock:
                pending = sock.pending()
            if not pending:
                # Wait for the server without holding the lock (writes go on meanwhile).
                wait = limit_timeout(timeout, ReadPhase)
                if not self._poller.poll(None if wait is None else wait * 1000):
                    raise httpcore.ReadTimeout("timed out")
        with io_lock:
            return self._network_stream.read(READ_NUM_BYTES, timeout)

    def _write_data(self, data: bytes, timeout: float | None) -> None:
        if self._io_lock is None:
            self._network_stream.write(data, timeout)
            return
        with self._io_lock:
            self._network_stream.write(data, timeout)

    def _wake(self, waiter: typing.Any) -> None:
        if waiter.locked():
            waiter.release()

    def _progress(self, stream: Stream, want: int, timeout: float | None) -> None:
        """The sync twin of `AsyncHTTP2Connection._progress`."""
        try:
            while True:
                with self._lock:
                    if self._ready(stream, want):
                        return
                    if self._outbox and not self._writing:
                        action = _FLUSH
                    elif not self._reading:
                        action = _READ
                        self._reading = True
                    else:
                        action = _WAIT
                        wait_timeout = limit_timeout(
                            timeout, WritePhase if want == WANT_ROOM else ReadPhase
                        )
                        waiter = threading.Lock()
                        waiter.acquire()
                        stream.waiter = waiter
                        self._waiting[stream] = None
                if action == _FLUSH:
                    self._flush(stream.write_timeout)
                elif action == _READ:
                    self._read(stream, timeout)
                else:
                    woken = waiter.acquire(timeout=-1 if wait_timeout is None else wait_timeout)
                    with self._lock:
                        if stream.waiter is waiter:
                            stream.waiter = None
                            self._waiting.pop(stream, None)
                        else:
                            woken = True  # woken as the wait timed out
                        if self._successor is stream:
                            self._successor = None
                    if not woken:
                        raise httpcore.ReadTimeout("timed out waiting for the HTTP/2 stream")
        finally:
            with self._lock:
                if self._waiting and (not self._reading or (self._outbox and not self._writing)):
                    self._hand_off()

    def _acquire_slot(self) -> None:
        with self._lock:
            if self._take_slot():
                return
            slot = SlotWaiter(threading.Lock())
            slot.waiter.acquire()
            self._slot_waiters.append(slot)
        try:
            while True:
                slot.waiter.acquire()
                with self._lock:
                    if slot.granted:
                        return
                    if not self.is_available():
                        raise httpcore.ConnectionNotAvailable()
                    slot.waiter = threading.Lock()
                    slot.waiter.acquire()
        except BaseException:
            with self._lock:
                if slot.granted:
                    self._release_slot()
                elif slot in self._slot_waiters:
                    self._slot_waiters.remove(slot)
            raise

    def _flush(self, timeout: float | None, quiet: bool = False) -> None:
        """Write the outbox, also what other threads queue meanwhile (they see
        `_writing` and leave it to this thread: it stops only once it saw the outbox
        empty, in the same turn of the lock)."""
        with self._lock:
            if self._writing or not self._outbox:
                return
            self._writing = True
        try:
            while True:
                with self._lock:
                    if not self._outbox or self._failure is not None:
                        self._writing = False
                        return
                    data = b"".join(self._outbox)
                    self._outbox.clear()
                    self._outbox_size = 0
                self._preface_sent = True
                try:
                    self._write_data(data, timeout)
                except Exception as exc:
                    with self._lock:
                        self._fail(*_network_failure(exc, httpcore.WriteError))
                    if quiet:
                        return
                    raise
        finally:
            if self._writing:
                with self._lock:
                    self._writing = False

    def _read(self, stream: Stream, timeout: float | None) -> None:
        try:
            data = self._read_data(timeout)
        except httpcore.ReadTimeout:
            with self._lock:
                self._reading = False
            raise
        except Exception as exc:
            with self._lock:
                self._reading = False
                self._fail(*_network_failure(exc, httpcore.ReadError))
            raise
        except BaseException:
            with self._lock:
                self._reading = False
            raise
        goaway = None
        with self._lock:
            self._reading = False
            if not data:
                self._fail(httpcore.RemoteProtocolError, self._goaway_message())
                raise self._failure_error()
            try:
                self._receive(data)
            except ProtocolViolation as violation:
                goaway = self._protocol_violation(violation)
            settings, self._new_settings = self._new_settings, None
        if goaway is not None:
            try:
                self._write_data(goaway, stream.write_timeout)
            except Exception:
                pass  # the connection is going anyway
            self._state = _CLOSED
            self._network_stream.close()
            raise self._failure_error()
        if settings is not None and stream.trace_request is not None:
            with Trace("receive_remote_settings", logger, stream.trace_request) as trace:
                trace.return_value = settings
        self._flush(stream.write_timeout)  # acknowledgements and window updates, if any

    def _catch_up(self, timeout: float | None) -> None:
        """The sync twin of `AsyncHTTP2Connection._catch_up` (called as the reader)."""
        try:
            data = self._read_data(timeout)
        except Exception as exc:
            with self._lock:
                self._fail(*_network_failure(exc, httpcore.ReadError))
            data = None
        finally:
            with self._lock:
                self._reading = False
        with self._lock:
            if data is not None:
                self._take_in(data)
            available = self.is_available()
            if not available:
                self._state = _CLOSED
        if not available:
            self._network_stream.close()
            raise httpcore.ConnectionNotAvailable()

    def _release(self, stream: Stream) -> None:
        """The stream is done with. Never raises, never blocks on the lock: it may run
        in a garbage collector finalizer in a thread that holds the lock already."""
        self._pending_finish.append(stream)
        self._finish_pending()

    def _finish_pending(self) -> None:
        while self._pending_finish:
            if not self._lock._lock.acquire(blocking=False):
                return  # the holder finishes them as it releases the lock
            try:
                while self._pending_finish:
                    self._finish_stream(self._pending_finish.popleft())
                if self._waiting and not self._reading:
                    self._hand_off()
                write = bool(self._outbox) and not self._writing and self._failure is None
                close = self._must_close()
                if close:
                    self._state = _CLOSED
            finally:
                self._lock._lock.release()
            if write:
                # An RST_STREAM, a few bytes; cleanup, not a phase of the request.
                deadline = current_deadline.get()
                phase = None if deadline is None else deadline.phase
                self._flush(None, quiet=True)
                if deadline is not None and phase is not None:
                    deadline.phase = phase
            if close:
                self._network_stream.close()

    # --- the exchange -------------------------------------------------------------------

    def handle_request(self, request: httpcore.Request) -> httpcore.Response:
        with self._lock:
            self._begin_request(request)
        traced = _is_traced(request)
        timeouts = request.extensions.get("timeout", {})
        write_timeout = timeouts.get("write")
        read_timeout = timeouts.get("read")
        try:
            with self._lock:
                catch_up = self._needs_catch_up() and not self._reading
                if catch_up:
                    self._reading = True
            if catch_up:
                self._catch_up(read_timeout)
            if traced and not self._preface_sent:
                with Trace("send_connection_init", logger, request, {"request": request}):
                    self._flush(write_timeout)
            self._acquire_slot()
        except BaseException as exc:
            with self._lock:
                self._request_failed_early(isinstance(exc, httpcore.ConnectionNotAvailable))
            raise
        with self._lock:
            try:
                stream, body_left = self._open_stream(request, _known_body(request.stream))
            except BaseException as exc:
                self._release_slot()
                self._request_failed_early(isinstance(exc, httpcore.ConnectionNotAvailable))
                raise
        stream.write_timeout = write_timeout
        try:
            if traced:
                stream.trace_request = request
                kwargs = {"request": request, "stream_id": stream.id}
                with Trace("send_request_headers", logger, request, kwargs):
                    self._flush(write_timeout)
                with Trace("send_request_body", logger, request, kwargs):
                    if body_left:
                        self._send_body(stream, request.stream)
                    self._flush(write_timeout)
                with Trace("receive_response_headers", logger, request, kwargs) as trace:
                    self._progress(stream, WANT_HEAD, read_timeout)
                    trace.return_value = (stream.status, stream.headers)
            else:
                if body_left:
                    self._send_body(stream, request.stream)
                self._flush(write_timeout)
                self._progress(stream, WANT_HEAD, read_timeout)
        except BaseException as exc:
            if traced:
                with Trace("response_closed", logger, request, {"stream_id": stream.id}):
                    self._release(stream)
            else:
                self._release(stream)
            if isinstance(exc, httpcore.ConnectionNotAvailable):
                with self._lock:
                    self._request_count -= 1
            raise
        assert stream.status is not None
        return _make_response(
            stream.status,
            stream.headers,
            HTTP2Body(self, stream, request, read_timeout, traced),
            {
                "http_version": b"HTTP/2",
                "network_stream": self._network_stream,
                "stream_id": stream.id,
            },
        )

    def _send_body(self, stream: Stream, body: object) -> None:
        known = _known_body(body)
        if known is not None:
            self._send_data(stream, known, True)
            return
        if not isinstance(body, Iterable):
            raise TypeError(f"A sync request body must be an iterable, not {body!r}")
        for chunk in body:
            if chunk and not self._send_data(stream, chunk, False):
                return
        self._send_data(stream, b"", True)

    def _send_data(self, stream: Stream, data: bytes, end: bool) -> bool:
        """The sync twin of `AsyncHTTP2Connection._send_data`."""
        view = memoryview(data) if len(data) > FLUSH_ABOVE else data
        offset = 0
        while True:
            with self._lock:
                if stream.reset or stream.ended:
                    if stream.error is not None:
                        raise stream.error
                    return False
                offset = self._queue_data(stream, view, offset, end, FLUSH_ABOVE)
                done = offset == len(view) and (stream.local_closed or not end)
                if done and self._outbox_size < FLUSH_ABOVE:
                    return True
            self._flush(stream.write_timeout)
            if done:
                return True
            with self._lock:
                if self._has_send_room(stream):
                    continue
                self._flow_blocked[stream] = None
            try:
                self._progress(stream, WANT_ROOM, stream.write_timeout)
            except httpcore.ReadTimeout as exc:
                raise httpcore.WriteTimeout(
                    "timed out waiting for the flow-control window"
                ) from exc
            finally:
                with self._lock:
                    self._flow_blocked.pop(stream, None)

    def close(self) -> None:
        with self._lock:
            if self._failure is None:
                self._fail(httpcore.ReadError, "The HTTP/2 connection was closed")
            self._state = _CLOSED
        self._network_stream.close()

    def __enter__(self) -> HTTP2Connection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: types.TracebackType | None = None,
    ) -> None:
        self.close()


class HTTP2Body:
    """A response body, as it arrives on its stream."""

    __slots__ = ("_closed", "_connection", "_request", "_stream", "_timeout", "_traced")

    def __init__(
        self,
        connection: HTTP2Connection,
        stream: Stream,
        request: httpcore.Request,
        timeout: float | None,
        traced: bool,
    ) -> None:
        self._connection = connection
        self._stream = stream
        self._request = request
        self._timeout = timeout
        self._traced = traced
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        try:
            if self._traced:
                kwargs = {"request": self._request, "stream_id": self._stream.id}
                with Trace("receive_response_body", logger, self._request, kwargs):
                    yield from self._chunks()
                return
            yield from self._chunks()
        except BaseException:
            self.close()
            raise

    def _chunks(self) -> Iterator[bytes]:
        stream = self._stream
        connection = self._connection
        while True:
            with connection._lock:
                if stream.chunks:
                    chunk = stream.chunks.popleft()
                    connection._consumed(len(chunk), stream)
                    flush = bool(connection._outbox)
                elif stream.ended:
                    return
                else:
                    chunk = b""
            if chunk:
                if flush:
                    connection._flush(stream.write_timeout)
                yield chunk
            else:
                connection._progress(stream, WANT_BODY, self._timeout)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._traced:
            with Trace("response_closed", logger, self._request, {"stream_id": self._stream.id}):
                self._connection._release(self._stream)
        else:
            self._connection._release(self._stream)
