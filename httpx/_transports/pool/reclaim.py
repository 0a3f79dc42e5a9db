"""Reclaiming the connection of a streamed response that is dropped without being closed.

Such a connection must not stay busy for ever (the pool counts it against
``max_connections``, and after enough drops every request would fail with PoolTimeout:
see docs/design.md). Our transports' response streams (`ResponseStream`,
`AsyncResponseStream`) notice when they are garbage collected unclosed, and close their
pool stream then. Closing it is what ``response.close()`` would have done: the connection goes back
to the pool if its response had been read to the end, otherwise it is closed; either way
its slot is freed and the next queued request gets it. A `ResourceWarning` naming the
request's method and URL tells the programmer to close responses. The request flow's
response stream holds its `Response` weakly (`_flow_streams._TimedSyncStream`), so a dropped
response is usually freed by reference counting the moment it is dropped, not whenever
the cycle collector next runs.

The collector runs finalizers wherever an allocation happens to trigger it, in any
thread, so the close cannot always happen right there:

* Sync: the close takes the pool's (non-reentrant) thread lock, which knows its holder
  (`sync_primitives.PoolLock`). If the collecting thread is not holding it (the usual
  case: the response was dropped in user code), the stream is closed at once, even when
  another thread holds the lock (we wait for it, as any request does). Otherwise, and for
  anything but HTTP/1.1 (an HTTP/2 connection is shared, with locks of its own that this
  very thread may be holding), the stream is queued and closed at the next safe point:
  when the transport next sends a request, a response of it is closed, or the transport
  is closed.
* Async: the close is a coroutine and cannot be awaited from a finalizer; nor may a socket
  owned by an event loop be closed from outside it (asyncio transports belong to their
  loop's thread, trio must be told before a socket it watches is closed), nor the pool's
  bookkeeping run inside a pass the collector interrupted. So the stream remembers the
  event loop (asyncio) or trio token it was created on, and the finalizer schedules the
  close there with the thread-safe hook each offers (``call_soon_threadsafe``,
  ``run_sync_soon``): it runs as its own task on the next loop iteration, from whichever
  thread the collector ran in. If that loop has finished, the sockets' own finalizers
  close them.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import sys
import threading
import typing
import warnings

from ..http11 import HTTP11Body
from ..network.sync_primitives import PoolLock
from .async_pool import AsyncPoolStream
from .sync_pool import PoolStream

if typing.TYPE_CHECKING:  # pragma: no cover
    from ..._models import Request

__all__ = [
    "AsyncReclaimer",
    "Reclaimer",
    "event_loop_handle",
    "schedule_async_reclaim",
    "warn_dropped_response",
]

logger = logging.getLogger("httpx")


def warn_dropped_response(request: Request | None) -> None:
    target = "a request" if request is None else f"{request.method} {request.url}"
    warnings.warn(
        f"A streamed response to {target} was garbage collected without being closed; "
        "its connection has been reclaimed. Close streamed responses (use "
        "`with client.stream(...)`, or call `response.close()` / `await response.aclose()`) "
        "to release their connection promptly.",
        ResourceWarning,
        stacklevel=2,
    )


# --- sync -------------------------------------------------------------------------------------


class Reclaimer:
    """Closes the pool streams of one sync transport's dropped responses."""

    def __init__(self) -> None:
        self._pending: collections.deque[PoolStream] = collections.deque()

    def current(self) -> Reclaimer:
        """The reclaimer for a response made now (this one: threads share it)."""
        return self

    @staticmethod
    def is_reclaimable(stream: object) -> bool:
        return isinstance(stream, PoolStream)

    def reclaim(self, stream: PoolStream) -> None:
        """Close `stream` now if that is safe in this thread, else at the next safe point.

        Called from a finalizer: never blocks on a lock this thread may hold.
        """
        lock = stream._pool._pool_lock
        if (
            isinstance(lock, PoolLock)
            and lock.owner != threading.get_ident()
            and type(stream._stream) is HTTP11Body
        ):
            _close_quietly(stream)
        else:
            self._pending.append(stream)

    def drain(self) -> None:
        """Close the streams queued by `reclaim` (called where no pool lock is held)."""
        pending = self._pending
        while pending:
            try:
                stream = pending.popleft()
            except IndexError:  # another thread drained it first
                return
            _close_quietly(stream)


def _close_quietly(stream: PoolStream) -> None:
    try:
        stream.close()
    except Exception as exc:  # the connection is broken anyway; it has been dropped
        logger.debug("Closing a dropped response's connection failed: %r", exc)


# --- async ------------------------------------------------------------------------------------

_LoopHandle = typing.Union[asyncio.AbstractEventLoop, typing.Any]  # or a trio.lowlevel.TrioToken

# asyncio keeps only weak references to tasks: hold ours until they are done.
_reclaim_tasks: set[asyncio.Task[None]] = set()


class AsyncReclaimer:
    """Closes the pool streams of one async transport's dropped responses, each on the
    event loop (or trio run) its response was made on."""

    __slots__ = ("_last", "_loop")

    def __init__(self, loop: _LoopHandle | None = None) -> None:
        self._loop = loop
        self._last: AsyncReclaimer | None = None

    def current(self) -> AsyncReclaimer | None:
        """The reclaimer for a response made now, on the running loop (if any)."""
        loop = event_loop_handle()
        if loop is None:
            return None
        last = self._last
        if last is None or last._loop is not loop:
            last = self._last = AsyncReclaimer(loop)
        return last

    @staticmethod
    def is_reclaimable(stream: object) -> bool:
        return isinstance(stream, AsyncPoolStream)

    def reclaim(self, stream: AsyncPoolStream) -> None:
        """Called from a finalizer: schedule the close on the response's loop."""
        if self._loop is not None:
            schedule_async_reclaim(self._loop, stream)

    def drain(self) -> None:
        """Nothing to do: reclaims run as tasks of their own."""


def event_loop_handle() -> _LoopHandle | None:
    """The running asyncio loop, or trio token: where a later reclaim must run."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    trio = sys.modules.get("trio")
    if trio is not None:
        try:
            return trio.lowlevel.current_trio_token()
        except RuntimeError:
            return None
    return None


def schedule_async_reclaim(loop: _LoopHandle, stream: AsyncPoolStream) -> bool:
    """Close `stream` in a new task on `loop`, soon; callable from any thread.

    Returns False when the loop has finished (nothing left to schedule on).
    """
    try:
        if isinstance(loop, asyncio.AbstractEventLoop):
            loop.call_soon_threadsafe(_start_asyncio_reclaim, loop, stream)
        else:
            loop.run_sync_soon(_start_trio_reclaim, stream)
    except RuntimeError:  # asyncio: "Event loop is closed"; trio.RunFinishedError
        return False
    return True


def _start_asyncio_reclaim(loop: asyncio.AbstractEventLoop, stream: AsyncPoolStream) -> None:
    task = loop.create_task(_aclose_quietly(stream))
    _reclaim_tasks.add(task)
    task.add_done_callback(_reclaim_tasks.discard)


def _start_trio_reclaim(stream: AsyncPoolStream) -> None:
    trio = sys.modules["trio"]
    trio.lowlevel.spawn_system_task(_aclose_quietly, stream, name="httpx reclaim")


async def _aclose_quietly(stream: AsyncPoolStream) -> None:
    try:
        await stream.aclose()
    except Exception as exc:  # an error in a system task would crash a trio run
        logger.debug("Closing a dropped response's connection failed: %r", exc)
