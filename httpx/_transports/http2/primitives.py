"""What differs between the async HTTP/2 connection (asyncio or trio) and the sync one
(threads): waiting, waking, shielding, the state lock and the stream's I/O.

`_async/conn.py` is written once, for async; `_sync/conn.py` is generated from it
(scripts/unasync.py), which turns every `AsyncPrimitives` into `Primitives`. These two
classes (and the asyncio and trio flavours of the first) are the only hand-written
twins, so they stay small: no protocol logic lives here.

* Waiting: a task (a thread) that waits for its stream parks on a *waiter* that another
  task wakes: a future on asyncio, an event on trio, a held lock in a thread.
* The state lock: between two awaits the async connection runs without interruption, so
  its "lock" is never contended (a C-level `threading.Lock`, the cheapest context
  manager there is). Threads share the sync connection for real: `StateLock`, which
  also lets a garbage collector finalizer that closes a response in a thread already
  holding the lock leave the work to the holder instead of deadlocking.
* Shielding: a write that a cancellation interrupted half-way would leave half a frame
  on the wire and break the connection for every stream; so writes are shielded, and
  reads too where a cancelled read may lose data (`safe_reads`: asyncio streams keep
  unread data; on trio only a stream that says so, with ``cancel_safe_reads = True``).
* Sync TLS: OpenSSL objects must not be used by two threads at once (a thread reading
  while another writes corrupts a TLS connection when TLS 1.3 session tickets arrive),
  so reads and writes take turns; a reader waits for data without holding that turn
  when it can poll the socket, so that other threads' requests still go out meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import ssl
import threading
import typing
from collections import deque

import anyio
import anyio.lowlevel
import httpcore
import sniffio

from ..._deadline import Phase, current_deadline
from ..._exceptions import PoolTimeout, ReadTimeout, WriteTimeout

__all__ = ["AsyncPrimitives", "Primitives", "StateLock", "limited"]

_HTTPCORE_TIMEOUTS: dict[Phase, type[httpcore.TimeoutException]] = {
    PoolTimeout: httpcore.PoolTimeout,
    WriteTimeout: httpcore.WriteTimeout,
    ReadTimeout: httpcore.ReadTimeout,
}


def limited(timeout: float | None, phase: Phase) -> float | None:
    """`timeout` for a wait of the current request, shortened to the time its total
    deadline leaves (``Timeout(total=...)``, see `httpx._deadline`); raises httpcore's
    timeout for `phase` when none is left."""
    deadline = current_deadline.get()
    if deadline is None:
        return timeout
    left = deadline.limit(timeout, phase)
    if left <= 0:
        raise _HTTPCORE_TIMEOUTS[phase](deadline.message(phase))
    return left


_TIMED_OUT = object()
_NO_SHIELD = contextlib.nullcontext()


def _innermost(stream: object) -> object:
    # Deadline wrappers (network.py) keep the backend's stream as `_stream`.
    inner = getattr(stream, "_stream", None)
    return stream if inner is None else inner


class StateLock:
    """The sync connection's lock. Streams whose close could not take it (see
    `HTTP2Connection._finish_pending`) are finished by whoever releases it next."""

    __slots__ = ("_lock", "_on_release", "_pending")

    def __init__(self, pending: deque[typing.Any], on_release: typing.Callable[[], None]) -> None:
        self._lock = threading.Lock()
        self._pending = pending
        self._on_release = on_release

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()
        if self._pending:
            self._on_release()

    def acquire(self, blocking: bool = True) -> bool:
        return self._lock.acquire(blocking)

    def release(self) -> None:
        self._lock.release()


class AsyncPrimitives:
    """The async connection's primitives (asyncio or trio, chosen by `for_stream`)."""

    safe_reads = True

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._close_now: typing.Callable[[], None] | None = getattr(stream, "close_now", None)
        self._is_readable: typing.Callable[[], bool] | None = getattr(stream, "is_readable", None)

    @staticmethod
    def for_stream(stream: httpcore.AsyncNetworkStream) -> AsyncPrimitives:
        """The primitives of the running async library (called from inside it)."""
        if sniffio.current_async_library() == "asyncio":
            return _AsyncioPrimitives(stream)
        return _TrioPrimitives(stream)

    @staticmethod
    def new_state_lock(
        pending: deque[typing.Any], on_release: typing.Callable[[], None]
    ) -> typing.Any:
        return threading.Lock()

    def new_waiter(self) -> typing.Any:
        raise NotImplementedError  # pragma: no cover

    def wake(self, waiter: typing.Any) -> None:
        raise NotImplementedError  # pragma: no cover

    async def wait(self, waiter: typing.Any, timeout: float | None) -> bool:
        """Wait until `waiter` is woken (True) or `timeout` passes (False)."""
        raise NotImplementedError  # pragma: no cover

    async def pass_turn(self) -> None:
        """Let the other ready tasks run once (their frames then join our write)."""
        raise NotImplementedError  # pragma: no cover

    def shield(self) -> typing.ContextManager[typing.Any]:
        return anyio.CancelScope(shield=True)

    async def read(self, max_bytes: int, timeout: float | None) -> bytes:
        return await self._stream.read(max_bytes, timeout)

    async def write(self, data: bytes, timeout: float | None) -> None:
        await self._stream.write(data, timeout)

    async def close(self) -> None:
        if self._close_now is not None:
            self._close_now()  # synchronous: nothing to interrupt
            return
        with anyio.CancelScope(shield=True):
            await self._stream.aclose()

    def is_readable(self) -> bool:
        """Whether the server sent something (or closed) while nobody was reading."""
        if self._is_readable is not None:
            return bool(self._is_readable())
        return bool(self._stream.get_extra_info("is_readable"))


def _time_out(waiter: asyncio.Future[object]) -> None:
    if not waiter.done():
        waiter.set_result(_TIMED_OUT)


class _AsyncioPrimitives(AsyncPrimitives):
    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        super().__init__(stream)
        self._loop = asyncio.get_running_loop()

    def new_waiter(self) -> asyncio.Future[object]:
        return self._loop.create_future()

    def wake(self, waiter: asyncio.Future[object]) -> None:
        if not waiter.done():
            waiter.set_result(None)

    async def wait(self, waiter: asyncio.Future[object], timeout: float | None) -> bool:
        if timeout is None:
            await waiter
            return True
        timer = self._loop.call_later(timeout, _time_out, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
        return waiter.result() is not _TIMED_OUT

    async def pass_turn(self) -> None:
        await asyncio.sleep(0)


class _TrioPrimitives(AsyncPrimitives):
    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        super().__init__(stream)
        self.safe_reads = bool(getattr(_innermost(stream), "cancel_safe_reads", False))

    def new_waiter(self) -> anyio.Event:
        return anyio.Event()

    def wake(self, waiter: anyio.Event) -> None:
        waiter.set()

    async def wait(self, waiter: anyio.Event, timeout: float | None) -> bool:
        with anyio.move_on_after(timeout):
            await waiter.wait()
        return waiter.is_set()

    async def pass_turn(self) -> None:
        await anyio.lowlevel.checkpoint()


class Primitives:
    """The sync connection's primitives: threads."""

    safe_reads = True  # nothing cancels a blocking read

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream
        # Over TLS, reads and writes take turns (see the module docstring).
        self._io_lock: threading.Lock | None = None
        self._poller: typing.Any = None
        self._tls_socket: ssl.SSLSocket | None = None
        if stream.get_extra_info("ssl_object") is not None:
            self._io_lock = threading.Lock()
            sock = stream.get_extra_info("socket")
            # Polling tells when to read only if the stream reads that very socket and
            # keeps no buffer of its own (httpcore's sync stream and ours).
            if (
                isinstance(sock, ssl.SSLSocket)
                and getattr(_innermost(stream), "_sock", None) is sock
                and hasattr(select, "poll")
            ):
                self._tls_socket = tls_socket = typing.cast(ssl.SSLSocket, sock)
                self._poller = select.poll()
                self._poller.register(tls_socket.fileno(), select.POLLIN)

    @staticmethod
    def for_stream(stream: httpcore.NetworkStream) -> Primitives:
        return Primitives(stream)

    @staticmethod
    def new_state_lock(
        pending: deque[typing.Any], on_release: typing.Callable[[], None]
    ) -> StateLock:
        return StateLock(pending, on_release)

    def new_waiter(self) -> threading.Lock:
        waiter = threading.Lock()
        waiter.acquire()
        return waiter

    def wake(self, waiter: threading.Lock) -> None:
        if waiter.locked():  # (always called under the state lock)
            waiter.release()

    def wait(self, waiter: threading.Lock, timeout: float | None) -> bool:
        return waiter.acquire(timeout=-1 if timeout is None else timeout)

    def pass_turn(self) -> None:
        pass

    def shield(self) -> typing.ContextManager[typing.Any]:
        return _NO_SHIELD

    def read(self, max_bytes: int, timeout: float | None) -> bytes:
        io_lock = self._io_lock
        if io_lock is None:
            return self._stream.read(max_bytes, timeout)
        sock = self._tls_socket
        if sock is not None:
            with io_lock:
                pending = sock.pending()
            if not pending:
                # Wait for the server without holding the turn (writes go on meanwhile).
                wait = limited(timeout, ReadTimeout)
                ready = self._poller.poll(None if wait is None else wait * 1000)
                if not ready:
                    raise httpcore.ReadTimeout("timed out")
        with io_lock:
            return self._stream.read(max_bytes, timeout)

    def write(self, data: bytes, timeout: float | None) -> None:
        if self._io_lock is None:
            self._stream.write(data, timeout)
            return
        with self._io_lock:
            self._stream.write(data, timeout)

    def close(self) -> None:
        self._stream.close()

    def is_readable(self) -> bool:
        io_lock = self._io_lock
        if io_lock is None:
            return bool(self._stream.get_extra_info("is_readable"))
        if not io_lock.acquire(blocking=False):
            return False  # a write is under way: not idle after all
        try:
            return bool(self._stream.get_extra_info("is_readable"))
        finally:
            io_lock.release()
