"""HTTP/2 connections for httpcore's pools, without h2 and without per-request locks.

Why
---
httpcore 1.0.9's HTTP/2 connection drives h2, and at 100 concurrent streams h2 alone
costs more per request than the rest of the client together: hpack decodes each
response head field by field (tens of microseconds for a head that is all table
references), h2 rescans every open stream whenever a stream opens, and each frame
becomes an event object. On top of that come anyio locks and semaphores per request
and one read lock that 100 streams queue for in turn. Its cancellation handling has
bugs: a stream cancelled while writing breaks the shared connection for its siblings,
and its stream semaphore can be released twice (a ValueError that strands the request
in the pool).

How
---
* The protocol is implemented here, client side only (RFC 9113, HPACK RFC 7541), as
  plain state changes with no I/O (`H2Core`); the async and sync connections add the
  I/O. A response head is decoded once per distinct header block (`HPACKDecoder`): a
  server that sends the same head to each request costs a dictionary lookup, and a
  request head is a few table references once its fields are in the dynamic table.
* Every task waits for its own stream. Whichever task finds nobody reading becomes the
  reader: it reads, hands each frame's effect to its stream and wakes that stream's
  task; when its own stream is served it wakes a waiting task to take over. Frames to
  send go to one outbox; the task that finds nobody writing writes everything queued,
  after one pass of the event loop so that the requests started in that pass leave in
  one write (one TLS record, one system call).
* Between two awaits the code runs atomically, so the state needs no lock on an event
  loop (the sync connection, shared by threads, has one lock).
* Cancellation at any await resets only the cancelled stream (RST_STREAM CANCEL); its
  stream slot is given back exactly once (a flag, not a semaphore). Writes are atomic
  or shielded (a half-written frame would break the connection for every stream). A
  cancelled read must not lose data either: asyncio streams never do; a trio stream
  must say so (``cancel_safe_reads = True``), else its reads are shielded while other
  streams depend on the connection, and a connection whose lone read was cancelled
  takes no new requests.

`AsyncHTTP2Connection` / `HTTP2Connection` implement httpcore's connection interfaces
and behave as httpcore's HTTP/2 connections: stream limits from the server's SETTINGS,
GOAWAY, RST_STREAM, flow control, ignored trailers, the ``trace`` extension and the
``http_version`` / ``stream_id`` / ``network_stream`` response extensions; they raise
httpcore's exceptions.
"""

from __future__ import annotations

import asyncio
import types
import typing
from collections.abc import AsyncIterable, AsyncIterator

import anyio
import httpcore
import sniffio
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
from .http2_frames import (
    ATOMIC_WRITE_LIMIT,
    FLUSH_ABOVE,
    READ_NUM_BYTES,
    ProtocolViolation,
    logger,
)
from .network import limit_timeout
from .network.backend_asyncio import AsyncioStream

__all__ = ["AsyncHTTP2Connection", "HTTP2Connection"]

# --- async --------------------------------------------------------------------------------

_TIMED_OUT = object()


def _time_out(waiter: asyncio.Future[object]) -> None:
    if not waiter.done():
        waiter.set_result(_TIMED_OUT)


class AsyncHTTP2Connection(H2Core, httpcore.AsyncConnectionInterface):
    """An HTTP/2 connection (httpcore's interface) over an async network stream, on
    asyncio or trio."""

    def __init__(
        self,
        origin: httpcore.Origin,
        stream: httpcore.AsyncNetworkStream,
        keepalive_expiry: float | None = None,
    ) -> None:
        super().__init__(origin, keepalive_expiry)
        self._network_stream = stream
        self._reading = False  # a task is reading for everyone
        self._writing = False  # a task is writing the outbox
        self._loop: asyncio.AbstractEventLoop | None = None  # None: trio (anyio events)
        self._io_checked = False
        # Whether a write, once started, always completes (asyncio's transports take
        # the bytes at once) and a cancelled read never loses data: what needs no shield.
        self._atomic_writes = False
        self._safe_reads = False
        self._close_now: typing.Callable[[], None] | None = getattr(stream, "close_now", None)
        readable = getattr(stream, "is_readable", None)
        self._readable: typing.Callable[[], bool] = (
            readable if readable is not None else lambda: stream.get_extra_info("is_readable")
        )

    def _check_io(self) -> None:
        self._io_checked = True
        inner = _innermost(self._network_stream)
        if sniffio.current_async_library() == "asyncio":
            self._loop = asyncio.get_running_loop()
            self._atomic_writes = isinstance(inner, AsyncioStream)
            # asyncio streams (ours, anyio's) only give data away when a read returns.
            self._safe_reads = True
        else:
            self._safe_reads = bool(getattr(inner, "cancel_safe_reads", False))

    def _is_readable(self) -> bool:
        return bool(self._readable())

    # --- waiting ------------------------------------------------------------------------

    def _new_waiter(self) -> typing.Any:
        return anyio.Event() if self._loop is None else self._loop.create_future()

    def _wake(self, waiter: typing.Any) -> None:
        if self._loop is None:
            waiter.set()
        elif not waiter.done():
            waiter.set_result(None)

    async def _sleep_on(self, waiter: typing.Any, timeout: float | None) -> bool:
        """Wait for `waiter` to be woken; False if `timeout` passed first."""
        loop = self._loop
        if loop is None:
            with anyio.move_on_after(timeout):
                await waiter.wait()
            return bool(waiter.is_set())
        if timeout is None:
            await waiter
            return True
        timer = loop.call_later(timeout, _time_out, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
        return waiter.result() is not _TIMED_OUT

    async def _wait(self, stream: Stream, want: int, timeout: float | None) -> None:
        # Waiting on another task's read (or for the window) is this request's read (or
        # write): it counts against its total deadline as one (see network.py).
        timeout = limit_timeout(timeout, WritePhase if want == WANT_ROOM else ReadPhase)
        waiter = self._new_waiter()
        stream.waiter = waiter
        self._waiting[stream] = None
        try:
            woken = await self._sleep_on(waiter, timeout)
        finally:
            if stream.waiter is waiter:
                stream.waiter = None
                self._waiting.pop(stream, None)
            if self._successor is stream:
                self._successor = None
        if not woken:
            raise httpcore.ReadTimeout("timed out waiting for the HTTP/2 stream")

    async def _progress(self, stream: Stream, want: int, timeout: float | None) -> None:
        """Wait until `stream` has what its task wants: as the writer, the reader, or
        woken by them."""
        try:
            while not self._ready(stream, want):
                if self._outbox and not self._writing:
                    await self._flush(stream.write_timeout)
                elif not self._reading:
                    await self._read(stream, timeout)
                else:
                    await self._wait(stream, want, timeout)
        finally:
            # Whoever read or wrote for everyone may be leaving: someone takes over.
            if self._waiting and (not self._reading or (self._outbox and not self._writing)):
                self._hand_off()

    async def _acquire_slot(self) -> None:
        if self._take_slot():
            return
        slot = SlotWaiter(self._new_waiter())
        self._slot_waiters.append(slot)
        try:
            while not slot.granted:
                if not self.is_available():
                    raise httpcore.ConnectionNotAvailable()
                await self._sleep_on(slot.waiter, None)
                if not slot.granted:
                    slot.waiter = self._new_waiter()
        except BaseException:
            if slot.granted:
                self._release_slot()  # handed over as we were cancelled: pass it on
            else:
                self._slot_waiters.remove(slot)
            raise

    # --- I/O ------------------------------------------------------------------------------

    async def _flush(self, timeout: float | None) -> None:
        """Write the outbox (everything, also what other tasks queue meanwhile)."""
        if self._writing or not self._outbox:
            return
        self._writing = True
        try:
            if len(self._streams) > 1:
                # One pass of the event loop first: the other requests started in this
                # pass join the same write.
                try:
                    if self._loop is None:
                        await anyio.lowlevel.checkpoint()
                    else:
                        await asyncio.sleep(0)
                except BaseException:
                    await self._write_outbox(timeout, quiet=True)  # it may hold our frames
                    raise
            await self._write_outbox(timeout, quiet=False)
        finally:
            self._writing = False

    async def _write_outbox(self, timeout: float | None, quiet: bool) -> None:
        outbox = self._outbox
        while outbox and self._failure is None:
            data = b"".join(outbox)
            outbox.clear()
            self._outbox_size = 0
            try:
                await self._write(data, timeout)
            except Exception as exc:
                self._fail(*_network_failure(exc, httpcore.WriteError))
                if quiet:
                    return
                raise

    async def _write(self, data: bytes, timeout: float | None) -> None:
        self._preface_sent = True
        if self._atomic_writes and len(data) <= ATOMIC_WRITE_LIMIT:
            await self._network_stream.write(data, timeout)
            return
        # Half a frame on the wire would break the connection for every stream.
        with anyio.CancelScope(shield=True):
            await self._network_stream.write(data, timeout)

    async def _read(self, stream: Stream, timeout: float | None) -> None:
        """Read once for everyone, and hand what came to the streams."""
        self._reading = True
        shielded = False
        try:
            if self._safe_reads or len(self._streams) <= 1:
                data = await self._network_stream.read(READ_NUM_BYTES, timeout)
            else:
                # This stream's read may lose data if interrupted, and others need it.
                shielded = True
                with anyio.CancelScope(shield=True):
                    data = await self._network_stream.read(READ_NUM_BYTES, timeout)
        except httpcore.ReadTimeout:
            # Only this stream waited too long; the others have their own timeouts.
            self._unreliable = self._unreliable or not self._safe_reads
            raise
        except Exception as exc:
            self._fail(*_network_failure(exc, httpcore.ReadError))
            raise
        except BaseException:
            self._unreliable = self._unreliable or not (self._safe_reads or shielded)
            raise
        finally:
            self._reading = False
        if not data:
            self._fail(httpcore.RemoteProtocolError, self._goaway_message())
            raise self._failure_error()
        try:
            self._receive(data)
        except ProtocolViolation as violation:
            goaway = self._protocol_violation(violation)
            with anyio.CancelScope(shield=True):
                try:
                    await self._network_stream.write(goaway, stream.write_timeout)
                except Exception:
                    pass  # the connection is going anyway
            await self._close_socket()
            raise self._failure_error() from violation
        settings, self._new_settings = self._new_settings, None
        if settings is not None and stream.trace_request is not None:
            async with Trace("receive_remote_settings", logger, stream.trace_request) as trace:
                trace.return_value = settings
        if self._outbox and not self._writing:
            # Acknowledgements (SETTINGS, PING) and window updates go out at once.
            await self._flush(stream.write_timeout)

    async def _catch_up(self, timeout: float | None) -> None:
        """Read what an idle connection received (see `H2Core._needs_catch_up`)."""
        self._reading = True
        try:
            data = await self._network_stream.read(READ_NUM_BYTES, timeout)
            self._take_in(data)
        except Exception as exc:
            self._fail(*_network_failure(exc, httpcore.ReadError))
        except BaseException:
            self._unreliable = self._unreliable or not self._safe_reads
            raise
        finally:
            self._reading = False
        if not self.is_available():
            # Closed by the server before the request was sent: the pool retries it on
            # another connection.
            await self._close_socket()
            raise httpcore.ConnectionNotAvailable()

    async def _close_socket(self) -> None:
        self._state = _CLOSED
        if self._close_now is not None:
            self._close_now()
            return
        with anyio.CancelScope(shield=True):
            try:
                await self._network_stream.aclose()
            except Exception:
                pass  # closing a broken connection

    async def _release(self, stream: Stream) -> None:
        """The stream is done with (also when cancelled): reset it if needed, give back
        its slot. Never raises: the pool must get its request back in any case."""
        self._finish_stream(stream)
        if self._outbox and not self._writing and self._failure is None:
            # Sending the RST_STREAM is cleanup, not a phase of the request: a deadline
            # that ran out keeps naming what the request was doing (see network.py).
            deadline = current_deadline.get()
            phase = None if deadline is None else deadline.phase
            self._writing = True
            try:
                await self._write_outbox(stream.write_timeout, quiet=True)
            finally:
                self._writing = False
                if deadline is not None and phase is not None:
                    deadline.phase = phase
        if self._waiting and not self._reading:
            self._hand_off()
        if self._must_close():
            await self._close_socket()

    # --- the exchange -------------------------------------------------------------------

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        self._begin_request(request)
        if not self._io_checked:
            self._check_io()
        traced = _is_traced(request)
        timeouts = request.extensions.get("timeout", {})
        write_timeout = timeouts.get("write")
        read_timeout = timeouts.get("read")
        try:
            if self._needs_catch_up() and not self._reading:
                await self._catch_up(read_timeout)
            if traced and not self._preface_sent and not self._writing:
                async with Trace("send_connection_init", logger, request, {"request": request}):
                    self._writing = True
                    try:
                        await self._write_outbox(write_timeout, quiet=False)
                    finally:
                        self._writing = False
            await self._acquire_slot()
        except BaseException as exc:
            self._request_failed_early(isinstance(exc, httpcore.ConnectionNotAvailable))
            raise
        try:
            stream, body_left = self._open_stream(request, _known_body(request.stream))
        except BaseException as exc:
            self._release_slot()
            self._request_failed_early(isinstance(exc, httpcore.ConnectionNotAvailable))
            raise
        stream.write_timeout = write_timeout
        try:
            if traced:
                await self._exchange_traced(request, stream, body_left, read_timeout)
            else:
                if body_left:
                    await self._send_body(stream, request.stream, read_timeout)
                await self._flush(write_timeout)
                await self._progress(stream, WANT_HEAD, read_timeout)
        except BaseException as exc:
            if traced:
                with anyio.CancelScope(shield=True):
                    kwargs = {"stream_id": stream.id}
                    async with Trace("response_closed", logger, request, kwargs):
                        await self._release(stream)
            else:
                await self._release(stream)
            if isinstance(exc, httpcore.ConnectionNotAvailable):
                self._request_count -= 1
            raise
        assert stream.status is not None
        return _make_response(
            stream.status,
            stream.headers,
            AsyncHTTP2Body(self, stream, request, read_timeout, traced),
            {
                "http_version": b"HTTP/2",
                "network_stream": self._network_stream,
                "stream_id": stream.id,
            },
        )

    async def _exchange_traced(
        self, request: httpcore.Request, stream: Stream, body_left: bool, timeout: float | None
    ) -> None:
        stream.trace_request = request
        kwargs = {"request": request, "stream_id": stream.id}
        async with Trace("send_request_headers", logger, request, kwargs):
            await self._flush(stream.write_timeout)
        async with Trace("send_request_body", logger, request, kwargs):
            if body_left:
                await self._send_body(stream, request.stream, timeout)
            await self._flush(stream.write_timeout)
        async with Trace("receive_response_headers", logger, request, kwargs) as trace:
            await self._progress(stream, WANT_HEAD, timeout)
            trace.return_value = (stream.status, stream.headers)

    async def _send_body(self, stream: Stream, body: object, read_timeout: float | None) -> None:
        known = _known_body(body)
        if known is not None:
            await self._send_data(stream, known, True)
            return
        if not isinstance(body, AsyncIterable):
            raise TypeError(f"An async request body must be an async iterable, not {body!r}")
        async for chunk in body:
            if chunk and not await self._send_data(stream, chunk, False):
                return  # the server wants no more of it (see _send_data)
        await self._send_data(stream, b"", True)

    async def _send_data(self, stream: Stream, data: bytes, end: bool) -> bool:
        """Send `data` within the flow-control windows (section 6.9); False when the
        server has answered and no longer reads the body (section 8.1)."""
        view = memoryview(data) if len(data) > FLUSH_ABOVE else data
        offset = 0
        while True:
            if stream.reset or stream.ended:
                if stream.error is not None:
                    raise stream.error
                return False
            offset = self._queue_data(stream, view, offset, end, FLUSH_ABOVE)
            if offset == len(view) and (stream.local_closed or not end):
                if self._outbox_size >= FLUSH_ABOVE:
                    await self._flush(stream.write_timeout)
                return True
            await self._flush(stream.write_timeout)
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
                self._flow_blocked.pop(stream, None)

    async def aclose(self) -> None:
        if self._failure is None:
            self._fail(httpcore.ReadError, "The HTTP/2 connection was closed")
        self._state = _CLOSED
        await self._network_stream.aclose()

    async def __aenter__(self) -> AsyncHTTP2Connection:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: types.TracebackType | None = None,
    ) -> None:
        await self.aclose()


class AsyncHTTP2Body:
    """A response body, as it arrives on its stream."""

    __slots__ = ("_closed", "_connection", "_request", "_stream", "_timeout", "_traced")

    def __init__(
        self,
        connection: AsyncHTTP2Connection,
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

    def __aiter__(self) -> AsyncIterator[bytes]:
        if self._traced:
            return self._traced_chunks()
        return self

    async def __anext__(self) -> bytes:
        stream = self._stream
        chunks = stream.chunks
        connection = self._connection
        try:
            if not chunks:
                if stream.ended:
                    raise StopAsyncIteration
                await connection._progress(stream, WANT_BODY, self._timeout)
                if not chunks:
                    raise StopAsyncIteration
            chunk = chunks.popleft()
            connection._consumed(len(chunk), stream)
            if connection._outbox and not connection._writing:
                await connection._flush(stream.write_timeout)  # a WINDOW_UPDATE
            return chunk
        except StopAsyncIteration:
            raise
        except BaseException:
            # A failed, cancelled or abandoned read ends the exchange.
            await self.aclose()
            raise

    async def _traced_chunks(self) -> AsyncIterator[bytes]:
        kwargs = {"request": self._request, "stream_id": self._stream.id}
        async with Trace("receive_response_body", logger, self._request, kwargs):
            while True:
                try:
                    chunk = await self.__anext__()
                except StopAsyncIteration:
                    return
                yield chunk

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._traced:
            kwargs = {"stream_id": self._stream.id}
            async with Trace("response_closed", logger, self._request, kwargs):
                await self._connection._release(self._stream)
        else:
            await self._connection._release(self._stream)


# Both sides from one import, as the http2/ package will offer them.
from .http2_sync import HTTP2Connection  # noqa: E402
