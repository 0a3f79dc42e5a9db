"""The concurrency primitives of WebSocket sessions, async (anyio) and sync (threads).

`_async_session.py` is written once against the ``Async*`` names; scripts/unasync.py
derives `_sync_session.py` from it, where each name loses its ``Async`` prefix. This
module holds both sets, side by side, with the same methods:

- `AsyncBackground` / `Background`: where a session's background work runs. Async: an
  anyio task group (asyncio or trio) owned by the session; leaving it cancels what is
  left and waits for it. Sync: threads, joined on exit. Either way nothing outlives the
  session. The body's exception leaves unchanged (no ExceptionGroup): the task group is
  exited as if the body had finished, since the work in it never fails (each piece
  records its own errors for the session).
- `AsyncMessageQueue` / `MessageQueue`: the bounded queue of received messages. A full
  queue makes the reader wait, so it stops reading the socket (backpressure); closing it
  wakes everyone; a reader drains what is queued before it learns of the end (None).
- `AsyncSignal` / `Signal`: a one-shot event with a bounded wait.
- `AsyncLock` / `Lock`, `AsyncShield` / `Shield` (cleanup that a cancellation must not
  interrupt; nothing to do in threads), and `AsyncTools` / `Tools` for the last
  differences: how to run the request flow, how long one read may block, and how to
  abort a connection so that a blocked read returns.
"""

from __future__ import annotations

import collections
import contextlib
import socket
import threading
import time
import types
import typing
import warnings

import anyio
import anyio.abc

from .._flow import Flow, run_async, run_sync
from .._models import Response

if typing.TYPE_CHECKING:  # pragma: no cover
    import httpcore

__all__ = [
    "AsyncBackground",
    "AsyncLock",
    "AsyncMessageQueue",
    "AsyncShield",
    "AsyncSignal",
    "AsyncTools",
    "Background",
    "Lock",
    "MessageQueue",
    "Shield",
    "Signal",
    "Tools",
]

T = typing.TypeVar("T")

# How long leaving a sync session waits for each of its threads. They have been woken
# (the connection is aborted, the signals set) before: this only bounds a bug.
THREAD_JOIN_TIMEOUT = 10.0


# --- async ---------------------------------------------------------------------------------


class AsyncBackground:
    """A task group owned by one session (see the module docstring)."""

    def __init__(self) -> None:
        self._group: anyio.abc.TaskGroup | None = None

    async def __aenter__(self) -> AsyncBackground:
        group = anyio.create_task_group()
        await group.__aenter__()
        self._group = group
        return self

    def start_soon(
        self,
        function: typing.Callable[..., typing.Coroutine[typing.Any, typing.Any, typing.Any]],
        *args: typing.Any,
    ) -> None:
        assert self._group is not None, "the session is not open"
        self._group.start_soon(function, *args)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        group, self._group = self._group, None
        if group is None:
            return
        # Whatever is left is cancelled; a task group always waits for its tasks, even
        # when the task leaving it is being cancelled itself.
        group.cancel_scope.cancel()
        await group.__aexit__(None, None, None)


class AsyncMessageQueue(typing.Generic[T]):
    """A bounded FIFO queue for one session (see the module docstring)."""

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"queue_size must be positive, not {maxsize}")
        self._maxsize = maxsize
        self._items: collections.deque[T] = collections.deque()
        self._closed = False
        self._changed = anyio.Event()
        self.waits = 0  # how many times a put had to wait for room

    def _notify(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    @property
    def is_full(self) -> bool:
        return len(self._items) >= self._maxsize

    async def put(self, item: T) -> bool:
        """Queue `item`, waiting for room; False (and the item dropped) once closed."""
        waited = False
        while len(self._items) >= self._maxsize and not self._closed:
            if not waited:
                waited = True
                self.waits += 1
            await self._changed.wait()
        if self._closed:
            return False
        self._items.append(item)
        self._notify()
        return True

    async def get(self, timeout: float | None = None) -> T | None:
        """The next item; None once closed and empty; TimeoutError after `timeout` s."""
        if not self._items:
            if timeout is None:  # no cancel scope: the common case costs less
                await self._wait_for_item()
            else:
                with anyio.fail_after(timeout):
                    await self._wait_for_item()
            if not self._items:
                return None
        item = self._items.popleft()
        self._notify()
        return item

    async def _wait_for_item(self) -> None:
        while not self._items and not self._closed:
            await self._changed.wait()

    def close(self) -> None:
        self._closed = True
        self._notify()


class AsyncSignal:
    """A one-shot event: `set()` once, `wait()` for it (with a timeout, if given).

    Its `wait()` takes no argument and returns None when awaited without one, so it
    can stand in for the `anyio.Event` that httpx-ws's `ping()` returns.
    """

    def __init__(self) -> None:
        self._event = anyio.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    async def wait(self, timeout: float | None = None) -> bool:
        """Wait until set (True), or for `timeout` seconds at most (False if not set)."""
        with anyio.move_on_after(timeout):
            await self._event.wait()
        return self._event.is_set()


def AsyncLock() -> anyio.Lock:
    # fast_acquire: an uncontended acquire does not yield to the event loop (each frame
    # sent takes the lock). anyio before 4.5 has no such option.
    try:
        return anyio.Lock(fast_acquire=True)
    except TypeError:  # pragma: no cover - old anyio
        return anyio.Lock()


class AsyncShield:
    """Cleanup that must run to its end even while the task is being cancelled."""

    def __init__(self) -> None:
        self._scope = anyio.CancelScope(shield=True)

    def __enter__(self) -> AsyncShield:
        self._scope.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> bool:
        return bool(self._scope.__exit__(exc_type, exc, traceback))


class AsyncTools:
    @staticmethod
    async def run_flow(flow: Flow) -> Response:
        return await run_async(flow)

    @staticmethod
    def read_timeout(write_timeout: float | None) -> float | None:
        # A task's read is interrupted by cancellation: no need to wake up on a timer.
        return None

    @staticmethod
    async def abort(stream: httpcore.AsyncNetworkStream) -> None:
        """Close the connection now; a read blocked on it in another task returns."""
        with contextlib.suppress(Exception):
            await stream.aclose()


# --- sync ----------------------------------------------------------------------------------


class Background:
    """Threads owned by one session, joined when it ends."""

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> Background:
        return self

    def start_soon(self, function: typing.Callable[..., typing.Any], *args: typing.Any) -> None:
        thread = threading.Thread(
            target=function, args=args, name=f"httpx-websocket-{function.__name__}", daemon=True
        )
        thread.start()
        self._threads.append(thread)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        threads, self._threads = self._threads, []
        deadline = time.monotonic() + THREAD_JOIN_TIMEOUT
        for thread in threads:
            thread.join(max(deadline - time.monotonic(), 0.0))
            if thread.is_alive():  # pragma: no cover - a bug, made loud
                warnings.warn(
                    f"WebSocket thread {thread.name} did not stop", ResourceWarning, stacklevel=2
                )


class MessageQueue(typing.Generic[T]):
    """The thread-safe twin of `AsyncMessageQueue`."""

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"queue_size must be positive, not {maxsize}")
        self._maxsize = maxsize
        self._items: collections.deque[T] = collections.deque()
        self._closed = False
        self._changed = threading.Condition()
        self.waits = 0

    @property
    def is_full(self) -> bool:
        return len(self._items) >= self._maxsize

    def put(self, item: T) -> bool:
        with self._changed:
            waited = False
            while len(self._items) >= self._maxsize and not self._closed:
                if not waited:
                    waited = True
                    self.waits += 1
                self._changed.wait()
            if self._closed:
                return False
            self._items.append(item)
            self._changed.notify_all()
            return True

    def get(self, timeout: float | None = None) -> T | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while not self._items:
                if self._closed:
                    return None
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError()
                self._changed.wait(remaining)
            item = self._items.popleft()
            self._changed.notify_all()
            return item

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()


class Signal:
    """A one-shot event (`threading.Event`), with `wait()` returning whether it is set."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._event.wait(timeout)


Lock = threading.Lock


class Shield:
    """Nothing interrupts a thread's cleanup."""

    def __enter__(self) -> Shield:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        return None


class Tools:
    @staticmethod
    def run_flow(flow: Flow) -> Response:
        return run_sync(flow)

    @staticmethod
    def read_timeout(write_timeout: float | None) -> float | None:
        # The same timeout as writes: the socket's timeout is one setting shared by the
        # reading thread and the writing ones (see backend_sync), so both use one value
        # and neither changes it under the other. A read that times out is retried.
        return write_timeout

    @staticmethod
    def abort(stream: httpcore.NetworkStream) -> None:
        """Close the connection now; a read blocked on it in another thread returns.

        close() alone does not wake a thread blocked in recv() on the same socket;
        shutdown() does (the read returns end-of-stream).
        """
        sock = stream.get_extra_info("socket")
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(Exception):
            stream.close()
