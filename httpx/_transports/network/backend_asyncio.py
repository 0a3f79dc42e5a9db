"""The asyncio network stream: an asyncio buffered Protocol with its own receive buffer.

httpcore's asyncio backend goes through anyio: every read and write enters an
``anyio.fail_after`` cancel scope, and anyio's stream wrappers add their own layers. Here a
read that finds buffered data returns it at once, with no scope, no timer and no trip
through the event loop; a read that has to wait arms one future. Its timeout is a
deadline checked by one timer per connection, armed lazily: a read that ends before the
timer fires leaves it armed for the next read, which only moves its own deadline (a
float), so a connection that answers in time costs one timer per timeout period, not
one ``call_later`` and one cancellation per read. Writes hand the bytes to the
transport and only wait when the transport asks the protocol to pause (flow control);
small ones are handed over together at the start of the event loop's next pass, and
the transports receive into one buffer per loop rather than into a fresh 256 KiB bytes
object per read (`_LoopShared` says why both matter).

The stream implements httpcore's `AsyncNetworkStream` interface, so httpcore's HTTP/2
connection, proxies and SOCKS code run over it unchanged. Closing is synchronous
(`close_now`): a cancelled request can drop its connection without awaiting anything.

Connecting and the TLS handshake happen once per connection and use ``anyio.fail_after``
for their timeouts, as httpcore does (its behaviour under cancel scopes is well tested).
"""

from __future__ import annotations

import asyncio
import select
import ssl
import typing
import weakref
from collections import deque

import anyio
import httpcore

if typing.TYPE_CHECKING:  # pragma: no cover
    from httpcore import SOCKET_OPTION

__all__ = ["AsyncioStream", "connect_tcp", "connect_unix_socket"]

# Stop reading from the socket while this much is buffered and unread (flow control for
# a consumer slower than the network), and resume below a quarter of it.
_READ_HIGH_WATER = 4 * 1024 * 1024
# Large writes go to the transport in slices: asyncio (before 3.12) copies whatever the
# socket does not take at once into its own buffer, so a slice bounds that copy.
_WRITE_SLICE = 1024 * 1024
# The receive buffer each event loop's streams share (asyncio's own maximum read).
_RECEIVE_BUFFER = 256 * 1024
# Writes wait for the end of the event loop's pass (see _LoopShared) up to this many
# bytes per stream.
_BATCH_MAX = 64 * 1024
# The transport pauses us above this much unsent data.
_WRITE_HIGH_WATER = 256 * 1024

_TIMED_OUT = object()
# A read timer that fires this close to the deadline times the read out.
_CLOCK_SLACK = 1e-6


def _timed_out(waiter: asyncio.Future[object]) -> None:
    if not waiter.done():
        waiter.set_result(_TIMED_OUT)


class _LoopShared:
    """What the streams of one event loop share: the batch of small writes made during
    one pass of the loop, and the buffer the transports receive into.

    Batched writes: sending a request wakes the server up, and on a virtual machine a
    wake-up is costly (an inter-processor interrupt): a client that sends one request,
    then spends its time on the next task before sending the next request, pays it once
    per request, in the sending system call. Tasks that send requests in the same pass
    (many concurrent requests) send them back to back instead, and the server, woken by
    the first, takes the others while it runs. The delay is one turn of the event loop,
    with no wait: the flush is queued with ``call_soon`` when the first write of a pass
    comes in.

    The receive buffer: asyncio's plain protocols get each read as a new bytes object of
    the transport's maximum read size (256 KiB), shrunk to what arrived; that size is
    above the C library's threshold for mapping memory, so every read costs three system
    calls more (mmap, mremap, munmap) and a page fault. A buffered protocol receives into
    this buffer instead, and the stream copies what arrived out of it at once (one loop
    runs one callback at a time, so one buffer serves all its streams).
    """

    # (No reference to the loop: the table's values must not keep their keys alive.)
    __slots__ = ("_streams", "buffer")

    _of_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopShared] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self) -> None:
        self._streams: list[AsyncioStream] = []
        self.buffer = memoryview(bytearray(_RECEIVE_BUFFER))

    @classmethod
    def of(cls, loop: asyncio.AbstractEventLoop) -> _LoopShared:
        shared = cls._of_loop.get(loop)
        if shared is None:
            shared = cls._of_loop[loop] = cls()
        return shared

    def add(self, stream: AsyncioStream) -> None:
        """Send `stream`'s batched writes at the start of its loop's next pass."""
        streams = self._streams
        if not streams:
            stream._loop.call_soon(self._send)
        streams.append(stream)

    def _send(self) -> None:
        streams, self._streams = self._streams, []
        for stream in streams:
            try:
                stream._flush()
            except Exception:  # (the transport reports its own errors: a safety net)
                stream.close_now()


class AsyncioStream(asyncio.BufferedProtocol, httpcore.AsyncNetworkStream):
    """A TCP, unix-socket or TLS connection on an asyncio transport."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._transport: asyncio.Transport | None = None
        self._chunks: deque[bytes] = deque()
        self._offset = 0  # bytes of _chunks[0] already read
        self._buffered = 0  # bytes received and not read yet
        self._eof = False
        self._lost = False  # the transport is gone (closed by either side)
        self._error: BaseException | None = None  # why it went, if not a clean close
        self._closed = False  # closed by us
        self._reading_paused = False
        self._write_paused = False
        # Small writes not yet handed to the transport; the loop's batch and buffer.
        self._pending: list[bytes] | None = None
        self._pending_size = 0
        self._shared = _LoopShared.of(loop)
        self._read_waiter: asyncio.Future[object] | None = None
        # When the waiting read times out (loop time), and the timer that checks it.
        self._read_deadline: float | None = None
        self._read_timer: asyncio.TimerHandle | None = None
        self._drain_waiter: asyncio.Future[object] | None = None
        self._poller: select.poll | None = None

    # --- protocol callbacks (called by the event loop) ----------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = typing.cast(asyncio.Transport, transport)
        self._transport.set_write_buffer_limits(high=_WRITE_HIGH_WATER)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._shared.buffer

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(bytes(self._shared.buffer[:nbytes]))

    def data_received(self, data: bytes) -> None:
        self._chunks.append(data)
        self._buffered += len(data)
        waiter = self._read_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if self._buffered > _READ_HIGH_WATER and not self._reading_paused:
            self._reading_paused = True
            assert self._transport is not None
            self._transport.pause_reading()

    def eof_received(self) -> bool:
        self._eof = True
        self._wake_reader()
        # False: let the transport close itself. We never write after the peer's EOF
        # in a way that matters (a request still being sent gets a WriteError, which the
        # HTTP/1.1 connection tolerates in order to read an early response).
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        self._cancel_read_timer()
        if exc is not None and self._error is None:
            self._error = exc
        self._wake_reader()
        waiter = self._drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        waiter = self._drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _wake_reader(self) -> None:
        waiter = self._read_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # --- httpcore's AsyncNetworkStream ----------------------------------------------------

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if self._closed:
            # Closed by us: what was received is gone with the connection (as with the
            # other backends, whatever the timing).
            raise httpcore.ReadError("the connection is closed")
        if not self._buffered:
            if not (self._eof or self._lost):
                # Wait here rather than in a helper coroutine: one frame less per read.
                waiter = self._loop.create_future()
                self._read_waiter = waiter
                if timeout is not None:
                    self._arm_read_deadline(timeout)
                try:
                    await waiter
                finally:
                    self._read_waiter = None
                    self._read_deadline = None
                if waiter.result() is _TIMED_OUT:
                    raise httpcore.ReadTimeout("timed out")
            if not self._buffered:
                return self._end_of_data()
        chunk = self._chunks[0]
        offset = self._offset
        available = len(chunk) - offset
        if available <= max_bytes:
            self._chunks.popleft()
            self._offset = 0
            data = chunk[offset:] if offset else chunk
        else:
            data = chunk[offset : offset + max_bytes]
            self._offset = offset + max_bytes
        self._buffered -= len(data)
        if self._reading_paused and self._buffered <= _READ_HIGH_WATER // 4:
            self._reading_paused = False
            if self._transport is not None and not self._lost:
                self._transport.resume_reading()
        return data

    def _arm_read_deadline(self, timeout: float) -> None:
        loop = self._loop
        deadline = loop.time() + timeout
        self._read_deadline = deadline
        timer = self._read_timer
        if timer is not None:
            if timer.when() <= deadline:
                return  # it fires in time, and re-arms itself for the rest
            timer.cancel()
        self._read_timer = loop.call_at(deadline, self._check_read_deadline)

    def _check_read_deadline(self) -> None:
        """The read timer fired: time out the waiting read whose deadline has passed, or
        re-arm for the one still waiting (nothing to do if no read waits)."""
        self._read_timer = None
        waiter = self._read_waiter
        deadline = self._read_deadline
        if waiter is None or deadline is None or waiter.done():
            return
        loop = self._loop
        # (asyncio runs a timer up to one clock tick early: allow for it.)
        if deadline <= loop.time() + _CLOCK_SLACK:
            waiter.set_result(_TIMED_OUT)
        else:
            self._read_timer = loop.call_at(deadline, self._check_read_deadline)

    def _cancel_read_timer(self) -> None:
        timer = self._read_timer
        if timer is not None:
            self._read_timer = None
            timer.cancel()

    def _end_of_data(self) -> bytes:
        if self._closed:
            raise httpcore.ReadError("the connection is closed")
        if self._error is not None:
            raise httpcore.ReadError(str(self._error) or repr(self._error)) from self._error
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        size = len(buffer)
        if self._pending_size + size <= _BATCH_MAX and not self._write_paused:
            # Sent with the other small writes of this pass of the event loop (see
            # _LoopShared): nothing to wait for. (Bounded: beyond _BATCH_MAX the bytes go
            # to the transport, whose flow control then applies.)
            self._check_writable()
            pending = self._pending
            if pending is None:
                self._pending = [buffer]
                self._shared.add(self)
            else:
                pending.append(buffer)
            self._pending_size += size
            return
        self._flush()
        if size <= _WRITE_SLICE:
            self._check_writable()
            assert self._transport is not None
            self._transport.write(buffer)
            if self._write_paused:
                await self._drain(timeout)
            return
        view = memoryview(buffer)
        for start in range(0, size, _WRITE_SLICE):
            self._check_writable()
            assert self._transport is not None
            self._transport.write(view[start : start + _WRITE_SLICE])
            if self._write_paused:
                await self._drain(timeout)

    def _flush(self) -> None:
        """Hand what `write` batched to the transport (before anything that must follow
        it, or when the batch is sent)."""
        pending = self._pending
        if pending is None:
            return
        self._pending = None
        self._pending_size = 0
        transport = self._transport
        if self._closed or self._lost or transport is None or transport.is_closing():
            # Gone in the meantime: the read that follows reports it.
            return
        transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def _check_writable(self) -> None:
        if self._closed:
            raise httpcore.WriteError("the connection is closed")
        if self._lost or self._transport is None or self._transport.is_closing():
            error = self._error
            message = "the connection was closed by the server"
            if error is not None:
                message = str(error) or repr(error)
            raise httpcore.WriteError(message)

    async def _drain(self, timeout: float | None) -> None:
        loop = self._loop
        while self._write_paused and not self._lost:
            waiter = loop.create_future()
            self._drain_waiter = waiter
            timer = None if timeout is None else loop.call_later(timeout, _timed_out, waiter)
            try:
                await waiter
            finally:
                self._drain_waiter = None
                if timer is not None:
                    timer.cancel()
            if waiter.result() is _TIMED_OUT:
                raise httpcore.WriteTimeout("timed out")
        if self._lost:
            self._check_writable()

    async def aclose(self) -> None:
        self.close_now()

    def close_now(self) -> None:
        """Close without waiting: safe in cleanup code, even while being cancelled."""
        if self._closed:
            return
        # What was written goes out first, as it would have without the batching (an
        # HTTP/2 GOAWAY before the close, say).
        self._flush()
        self._closed = True
        self._cancel_read_timer()
        transport = self._transport
        if transport is not None:
            # Abort, not close: close() would keep the socket open until unsent data is
            # flushed, which never happens when the peer stopped reading (a write that
            # timed out). Nothing queued is worth sending once we close anyway; and for
            # TLS no close_notify, as with httpcore's backends (anyio, standard_compatible
            # off).
            transport.abort()
        self._wake_reader()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if self._transport is None or self._closed or self._lost:
            raise httpcore.ConnectError("the connection is closed")
        self._flush()  # (a proxy's CONNECT was answered already: nothing, as a rule)
        tls_stream = AsyncioStream(self._loop)
        try:
            with anyio.fail_after(timeout):
                transport = await self._loop.start_tls(
                    self._transport,
                    tls_stream,
                    ssl_context,
                    server_hostname=server_hostname,
                    # Our own timeout applies; asyncio's default would cap it at 60 s.
                    ssl_handshake_timeout=None if timeout is None else timeout + 60.0,
                )
        except BaseException as exc:
            # A failed or cancelled handshake must not leave the socket open.
            self.close_now()
            if isinstance(exc, TimeoutError):
                raise httpcore.ConnectTimeout("timed out during the TLS handshake") from exc
            if isinstance(exc, (OSError, EOFError)):
                raise httpcore.ConnectError(str(exc) or repr(exc)) from exc
            raise
        assert transport is not None
        tls_stream.connection_made(transport)
        # The plain stream is now the TLS layer's transport: it is no longer ours to use.
        self._transport = None
        self._closed = True
        self._cancel_read_timer()
        return tls_stream

    def get_extra_info(self, info: str) -> typing.Any:
        transport = self._transport
        if transport is None:
            return True if info == "is_readable" else None
        if info == "ssl_object":
            return transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return transport.get_extra_info("sockname")
        if info == "server_addr":
            return transport.get_extra_info("peername")
        if info == "socket":
            return transport.get_extra_info("socket")
        if info == "is_readable":
            return self.is_readable()
        return None

    def is_readable(self) -> bool:
        """Whether the peer sent something (or closed) while we were not reading.

        What the event loop already received is known without a system call; a poll on
        the socket covers what arrived since the loop last ran (e.g. a server that
        closed the connection while this program was busy).
        """
        if self._buffered or self._eof or self._lost or self._closed:
            return True
        poller = self._poller
        if poller is None:
            assert self._transport is not None
            sock = self._transport.get_extra_info("socket")
            if sock is None:
                return False
            poller = self._poller = select.poll()
            poller.register(sock.fileno(), select.POLLIN)
        return bool(poller.poll(0))


async def connect_tcp(
    host: str,
    port: int,
    timeout: float | None = None,
    local_address: str | None = None,
    socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
) -> AsyncioStream:
    """A connection to `host` (an IP address: `backends.AsyncNativeBackend` resolves names
    and races their addresses)."""
    loop = asyncio.get_running_loop()
    local_addr = None if local_address is None else (local_address, 0)
    try:
        with anyio.fail_after(timeout):
            _, stream = await loop.create_connection(
                lambda: AsyncioStream(loop), host, port, local_addr=local_addr
            )
    except TimeoutError as exc:
        raise httpcore.ConnectTimeout("timed out while connecting") from exc
    except OSError as exc:
        # (anyio's message, which httpx 0.28 reports.)
        raise httpcore.ConnectError("All connection attempts failed") from exc
    _apply_socket_options(stream, socket_options)
    return stream


async def connect_unix_socket(
    path: str,
    timeout: float | None = None,
    socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
) -> AsyncioStream:
    loop = asyncio.get_running_loop()
    try:
        with anyio.fail_after(timeout):
            _, stream = await loop.create_unix_connection(lambda: AsyncioStream(loop), path)
    except TimeoutError as exc:
        raise httpcore.ConnectTimeout("timed out while connecting") from exc
    except OSError as exc:
        raise httpcore.ConnectError(str(exc) or repr(exc)) from exc
    _apply_socket_options(stream, socket_options)
    return stream


def _apply_socket_options(
    stream: AsyncioStream, socket_options: typing.Iterable[SOCKET_OPTION] | None
) -> None:
    if not socket_options:
        return
    sock = stream.get_extra_info("socket")
    try:
        for option in socket_options:
            sock.setsockopt(*option)
    except OSError as exc:
        stream.close_now()
        raise httpcore.ConnectError(str(exc) or repr(exc)) from exc
