"""HTTP/2 connections for httpcore's pools, driving h2.

This file is written by hand for asyncio and trio; scripts/unasync.py generates the
connection for threads (`_sync/conn.py`) from it.

The connections implement httpcore's connection interfaces and behave as httpcore's
HTTP/2 connections (stream limits from the server's SETTINGS, GOAWAY, RST_STREAM, flow
control, ignored trailers, the ``trace`` extension, the ``http_version`` /
``stream_id`` / ``network_stream`` response extensions, httpcore's exceptions), without
httpcore's per-request locks and with its cancellation bugs fixed.

How requests share the connection
---------------------------------
* Every task waits for its own stream. Whichever task finds nobody reading becomes the
  reader: it reads, feeds h2, hands each event's effect to its stream (`H2Receiver`) and
  wakes that stream's task; when its own stream is served it wakes a waiting task to
  take over. Frames to send go to one outbox; the task that finds nobody writing writes
  everything queued, after one pass of the event loop so that the requests started in
  that pass leave in one write (one TLS record, one system call).
* The state is only changed under the state lock, and never while suspended (or
  blocked): on an event loop that lock is never contended; threads share the sync
  connection for real (see `primitives.py`).
* Cancellation at any suspension point resets only the cancelled stream (RST_STREAM
  CANCEL); its stream slot is given back exactly once (a flag, not a semaphore). Writes
  are shielded (half a frame on the wire would break the connection for every stream),
  and so are reads that could lose data if interrupted while other streams depend on
  them; a connection whose lone read was interrupted that way takes no new requests.
* A read timeout fails the stream whose read it was; the others go on. If nothing at
  all arrived meanwhile the connection takes no new requests until something does.
"""

from __future__ import annotations

import types
import typing
from collections import deque
from collections.abc import AsyncIterable

import httpcore

from ...._deadline import current_deadline
from ...._exceptions import PoolTimeout as PoolPhase
from ...._exceptions import ReadTimeout as ReadPhase
from ...._exceptions import WriteTimeout as WritePhase
from ..fields import known_body
from ..primitives import AsyncPrimitives, limited
from ..receiving import H2Receiver
from ..state import (
    _CLOSED,
    FLUSH_ABOVE,
    WANT_HEAD,
    WANT_ROOM,
    ConnectionViolation,
    SlotWaiter,
    Stream,
    is_traced,
)
from .body import AsyncHTTP2Body, AsyncTrace

__all__ = ["AsyncHTTP2Connection"]

READ_NUM_BYTES = 64 * 1024
_FLUSH, _READ, _WAIT = 0, 1, 2


def _network_failure(
    exc: Exception, default: type[httpcore.NetworkError]
) -> tuple[type[Exception], str]:
    message = str(exc) or repr(exc)
    if isinstance(exc, (httpcore.NetworkError, httpcore.TimeoutException)):
        return type(exc), message
    return default, message


class AsyncHTTP2Connection(H2Receiver, httpcore.AsyncConnectionInterface):
    """An HTTP/2 connection (httpcore's interface) over a network stream."""

    def __init__(
        self,
        origin: httpcore.Origin,
        stream: httpcore.AsyncNetworkStream,
        keepalive_expiry: float | None = None,
    ) -> None:
        super().__init__(origin, keepalive_expiry)
        self._network_stream = stream
        self._io: AsyncPrimitives | None = None  # set by the first request
        # Streams whose close could not take the lock (see `_finish_pending`).
        self._pending_finish: deque[Stream] = deque()
        self._lock = AsyncPrimitives.new_state_lock(self._pending_finish, self._settle_pending)
        self._reading = False  # a task is reading for everyone
        self._writing = False  # a task is writing the outbox

    @property
    def _safe_reads(self) -> bool:
        return self._io is None or self._io.safe_reads

    def _wake(self, waiter: typing.Any) -> None:
        assert self._io is not None
        self._io.wake(waiter)

    def _start_io(self) -> AsyncPrimitives:
        with self._lock:
            if self._io is None:
                self._io = AsyncPrimitives.for_stream(self._network_stream)
            return self._io

    # --- the exchange -------------------------------------------------------------------

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        io = self._io or self._start_io()
        with self._lock:
            self._begin_request(request)
        traced = is_traced(request)
        timeouts = request.extensions.get("timeout", {})
        write_timeout = timeouts.get("write")
        read_timeout = timeouts.get("read")
        try:
            with self._lock:
                catch_up = (
                    not self._streams
                    and not self._reading
                    and self._settings_seen
                    and self._failure is None
                    and io.is_readable()
                )
                if catch_up:
                    self._reading = True
            if catch_up:
                await self._catch_up(read_timeout)
            if traced and not self._preface_sent:
                async with AsyncTrace("send_connection_init", request, {"request": request}):
                    await self._flush(write_timeout)
            while True:
                await self._acquire_slot(timeouts.get("pool"))
                with self._lock:
                    if self._active <= self._max_streams:
                        try:
                            stream, body_left = self._open_stream(
                                request, known_body(request.stream)
                            )
                        except BaseException:
                            self._release_slot()
                            raise
                        break
                    # The server lowered its limit after the slot was ours: wait again.
                    self._release_slot()
        except BaseException as exc:
            with self._lock:
                self._request_failed_early(isinstance(exc, httpcore.ConnectionNotAvailable))
            raise
        stream.write_timeout = write_timeout
        try:
            if traced:
                await self._exchange_traced(request, stream, body_left, read_timeout)
            else:
                if body_left:
                    await self._send_body(stream, request.stream)
                await self._flush(write_timeout)
                await self._progress(stream, WANT_HEAD, read_timeout)
        except BaseException as exc:
            if traced:
                with io.shield():
                    async with AsyncTrace("response_closed", request, {"stream_id": stream.id}):
                        await self._release(stream)
            else:
                await self._release(stream)
            if isinstance(exc, httpcore.ConnectionNotAvailable):
                with self._lock:
                    self._request_count -= 1  # as httpcore: the pool retries it elsewhere
            raise
        assert stream.status is not None
        return httpcore.Response(
            stream.status,
            headers=stream.headers,
            content=AsyncHTTP2Body(self, stream, request, read_timeout, traced),
            extensions={
                "http_version": b"HTTP/2",
                "network_stream": self._network_stream,
                "stream_id": stream.id,
            },
        )

    async def _exchange_traced(
        self, request: httpcore.Request, stream: Stream, body_left: bool, timeout: float | None
    ) -> None:
        stream.trace_request = request
        info = {"request": request, "stream_id": stream.id}
        async with AsyncTrace("send_request_headers", request, info):
            await self._flush(stream.write_timeout)
        async with AsyncTrace("send_request_body", request, info):
            if body_left:
                await self._send_body(stream, request.stream)
            await self._flush(stream.write_timeout)
        async with AsyncTrace("receive_response_headers", request, info) as trace:
            await self._progress(stream, WANT_HEAD, timeout)
            trace.return_value = (stream.status, stream.headers)

    async def _send_body(self, stream: Stream, body: object) -> None:
        known = known_body(body)
        if known is not None:
            await self._send_data(stream, known, True)
            return
        if not isinstance(body, AsyncIterable):
            raise TypeError(f"Unsupported request body for this connection: {body!r}")
        async for chunk in body:
            if chunk and not await self._send_data(stream, chunk, False):
                return  # the server wants no more of it (see _send_data)
        await self._send_data(stream, b"", True)

    async def _send_data(self, stream: Stream, data: bytes, end: bool) -> bool:
        """Send `data` within the flow-control windows (RFC 9113 section 6.9); False when
        the server has answered and no longer reads the body (section 8.1)."""
        view = memoryview(data) if len(data) > FLUSH_ABOVE else data
        offset = 0
        while True:
            with self._lock:
                if stream.reset or stream.ended:
                    if stream.error is not None:
                        raise stream.error
                    if self._failure is not None:
                        raise self._failure_error()
                    return False
                offset = self._queue_data(stream, view, offset, end, FLUSH_ABOVE)
                done = offset == len(view) and (stream.local_closed or not end)
                if done and self._outbox_size < FLUSH_ABOVE:
                    return True
            await self._flush(stream.write_timeout)
            if done:
                return True
            with self._lock:
                if self._has_send_room(stream):
                    continue
                self._flow_blocked[stream] = None
            try:
                await self._progress(stream, WANT_ROOM, stream.write_timeout)
            except httpcore.ReadTimeout as exc:
                raise httpcore.WriteTimeout(
                    "timed out waiting for the flow-control window"
                ) from exc
            finally:
                with self._lock:
                    self._flow_blocked.pop(stream, None)

    # --- waiting for the connection -------------------------------------------------------

    async def _acquire_slot(self, timeout: float | None) -> None:
        """Wait for one of the server's concurrent-stream slots (a pool wait of sorts:
        for other requests to finish)."""
        with self._lock:
            if self._take_slot():
                return
            assert self._io is not None
            slot = SlotWaiter(self._io.new_waiter())
            self._slot_waiters.append(slot)
        try:
            while True:
                woken = await self._io.wait(slot.waiter, limited(timeout, PoolPhase))
                with self._lock:
                    if slot.granted:
                        return
                    if not self.is_available():
                        raise httpcore.ConnectionNotAvailable()
                    if not woken:
                        raise httpcore.PoolTimeout("timed out waiting for an HTTP/2 stream")
                    slot.waiter = self._io.new_waiter()
        except BaseException:
            with self._lock:
                if slot.granted:
                    self._release_slot()  # handed over as we left: pass it on
                elif slot in self._slot_waiters:
                    self._slot_waiters.remove(slot)
            raise

    async def _progress(self, stream: Stream, want: int, timeout: float | None) -> None:
        """Wait until `stream` has what its task wants: as the writer, the reader, or
        woken by them."""
        assert self._io is not None
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
                        waiter = self._io.new_waiter()
                        self._park(stream, waiter)
                        received = self._received
                if action == _FLUSH:
                    await self._flush(stream.write_timeout)
                elif action == _READ:
                    await self._read(stream, timeout)
                else:
                    await self._wait(stream, want, waiter, timeout, received)
        finally:
            # Whoever read or wrote for everyone may be leaving: someone takes over.
            with self._lock:
                if self._waiting and (not self._reading or (self._outbox and not self._writing)):
                    self._hand_off()

    async def _wait(
        self, stream: Stream, want: int, waiter: typing.Any, timeout: float | None, received: int
    ) -> None:
        """Wait to be woken by the reader or the writer."""
        assert self._io is not None
        woken = False
        try:
            # Waiting on another task's read (or for the window) is this request's read
            # (or write): it counts against its total deadline as one.
            wait = limited(timeout, WritePhase if want == WANT_ROOM else ReadPhase)
            woken = await self._io.wait(waiter, wait)
        finally:
            with self._lock:
                if stream.waiter is waiter:  # not woken: timed out, or cancelled
                    stream.waiter = None
                    self._waiting.pop(stream, None)
                else:
                    woken = True  # (woken as the wait timed out)
                if self._successor is stream:
                    self._successor = None
                if not woken and self._received == received:
                    self._went_silent()
        if not woken:
            raise httpcore.ReadTimeout("timed out waiting for the HTTP/2 stream")

    # --- I/O ------------------------------------------------------------------------------

    async def _flush(self, timeout: float | None) -> None:
        """Write the outbox (everything, also what other tasks queue meanwhile)."""
        assert self._io is not None
        with self._lock:
            if self._writing or not self._outbox:
                return
            self._writing = True
            batch = len(self._streams) > 1
        if batch:
            # One pass of the event loop first: the other requests started in this pass
            # join the same write.
            try:
                await self._io.pass_turn()
            except BaseException:
                await self._write_outbox(timeout, quiet=True)  # it may hold our frames
                raise
        await self._write_outbox(timeout, quiet=False)

    async def _write_outbox(self, timeout: float | None, quiet: bool) -> None:
        """Write until the outbox is empty. The caller has set `_writing`; this clears it
        in the same turn of the lock that finds nothing more to write (so that what
        others queue meanwhile is never left behind)."""
        assert self._io is not None
        done = False
        try:
            while True:
                with self._lock:
                    if not self._outbox or self._failure is not None:
                        self._writing = False
                        done = True
                        return
                    data = b"".join(self._outbox)
                    self._outbox.clear()
                    self._outbox_size = 0
                self._preface_sent = True
                try:
                    with self._io.shield():
                        await self._io.write(data, timeout)
                except Exception as exc:
                    with self._lock:
                        self._fail(*_network_failure(exc, httpcore.WriteError))
                    if quiet:
                        return
                    raise
        finally:
            if not done:
                with self._lock:
                    self._writing = False

    async def _read(self, stream: Stream, timeout: float | None) -> None:
        """Read once for everyone (the caller has set `_reading`), and hand what came to
        the streams."""
        io = self._io
        assert io is not None
        shielded = False
        try:
            if io.safe_reads or len(self._streams) <= 1:
                data = await io.read(READ_NUM_BYTES, timeout)
            else:
                # This stream's read may lose data if interrupted, and others need it.
                shielded = True
                with io.shield():
                    data = await io.read(READ_NUM_BYTES, timeout)
        except httpcore.ReadTimeout:
            # Only this stream waited too long; the others have their own timeouts.
            with self._lock:
                self._reading = False
                self._went_silent()
                self._unreliable = self._unreliable or not io.safe_reads
            raise
        except Exception as exc:
            with self._lock:
                self._reading = False
                self._fail(*_network_failure(exc, httpcore.ReadError))
            raise
        except BaseException:
            with self._lock:
                self._reading = False
                self._unreliable = self._unreliable or not (io.safe_reads or shielded)
            raise
        violation = None
        with self._lock:
            self._reading = False
            if not data:
                self._fail(httpcore.RemoteProtocolError, self._goaway_message())
                raise self._failure_error()
            try:
                self._receive(data)
            except ConnectionViolation as exc:
                violation = exc
            settings, self._new_settings = self._new_settings, None
        if violation is not None:
            await self._abort(stream.write_timeout)
            raise self._failure_error() from violation
        if settings is not None and stream.trace_request is not None:
            async with AsyncTrace("receive_remote_settings", stream.trace_request) as trace:
                trace.return_value = settings
        # Acknowledgements (SETTINGS, PING) and window updates go out at once.
        await self._flush(stream.write_timeout)

    async def _catch_up(self, timeout: float | None) -> None:
        """Read what an idle connection received since (the caller has set `_reading`):
        a GOAWAY and a close, or late frames for streams reset earlier."""
        assert self._io is not None
        data: bytes | None = None
        try:
            data = await self._io.read(READ_NUM_BYTES, timeout)
        except Exception as exc:
            with self._lock:
                self._fail(*_network_failure(exc, httpcore.ReadError))
        except BaseException:
            with self._lock:
                self._reading = False
                self._unreliable = self._unreliable or not self._io.safe_reads
            raise
        with self._lock:
            self._reading = False
            if data is not None:
                self._take_in(data)
            if self._waiting:
                self._hand_off()  # someone else may need to read now
            available = self.is_available()
            if not available:
                self._state = _CLOSED
        if not available:
            # Closed by the server before the request was sent: the pool retries it on
            # another connection.
            await self._close_socket()
            raise httpcore.ConnectionNotAvailable()

    async def _abort(self, write_timeout: float | None) -> None:
        """After a protocol error: tell the server why (the GOAWAY in the outbox), close."""
        assert self._io is not None
        with self._lock:
            data = b"".join(self._outbox) if not self._writing else b""
            self._outbox.clear()
            self._writing = True  # nothing else is written any more
            self._state = _CLOSED
        with self._io.shield():
            try:
                if data:
                    await self._io.write(data, write_timeout)
            except Exception:
                pass  # the connection is going anyway
            await self._close_socket()

    async def _close_socket(self) -> None:
        self._state = _CLOSED
        assert self._io is not None
        try:
            await self._io.close()
        except Exception:
            pass  # closing a broken connection

    # --- the end of a stream ----------------------------------------------------------------

    async def _release(self, stream: Stream) -> None:
        """The stream is done with (also when cancelled): reset it if needed, give back
        its slot. Never raises: the pool must get its request back in any case."""
        self._pending_finish.append(stream)
        await self._finish_pending(stream.write_timeout)

    async def _finish_pending(self, write_timeout: float | None) -> None:
        # Never blocks on the lock: a garbage collector finalizer may close a response in
        # a thread that holds it; the holder then finishes the stream as it lets go.
        while self._pending_finish:
            if not self._lock.acquire(False):
                return
            try:
                self._finish_now()
                write = bool(self._outbox) and not self._writing and self._failure is None
                if write:
                    self._writing = True
                close = self._must_close()
                if close:
                    self._state = _CLOSED
            finally:
                self._lock.release()
            if write:
                # The RST_STREAM is cleanup, not a phase of the request: a deadline that
                # ran out keeps naming what the request was doing.
                deadline = current_deadline.get()
                phase = None if deadline is None else deadline.phase
                await self._write_outbox(write_timeout, quiet=True)
                if deadline is not None and phase is not None:
                    deadline.phase = phase
            if close:
                await self._close_socket()

    def _finish_now(self) -> None:
        """Finish the pending streams (the caller holds the lock)."""
        pending = self._pending_finish
        while pending:
            self._finish_stream(pending.popleft())
        if self._waiting and not self._reading:
            self._hand_off()

    def _settle_pending(self) -> None:
        """Called as the lock is let go while streams wait to be finished."""
        if self._lock.acquire(False):
            try:
                self._finish_now()
            finally:
                self._lock.release()

    async def aclose(self) -> None:
        io = self._io or self._start_io()
        with self._lock:
            if self._failure is None:
                self._fail(httpcore.ReadError, "The HTTP/2 connection was closed")
            self._state = _CLOSED
        await io.close()

    async def __aenter__(self) -> AsyncHTTP2Connection:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: types.TracebackType | None = None,
    ) -> None:
        await self.aclose()
