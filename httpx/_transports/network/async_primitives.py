"""What differs between the async and the sync transport code, async side.

The connections, the connect step and the pool are written once, as async code
(`async_*.py`), and their sync twins are generated from it by scripts/unasync.py
(`sync_*.py`), which renames ``AsyncX`` to ``X``. The few things that are not the same
with ``await`` removed live here and in `sync_primitives.py`, under those twin names:

* `AsyncThreadLock` / `AsyncPoolLock`: a step that must be atomic. On an event loop
  nothing runs between two awaits, so they are no-ops; threads share a sync pool, so the
  sync side has real locks (the pool's also records its holder, see reclaim.py).
* `AsyncLock`: a lock held across awaits (anyio's, for asyncio and trio alike).
* `AsyncShieldCancellation`: cleanup that a cancellation must not interrupt.
* `AsyncSharesH2Streams`: HTTP/2 streams are left out of a request's deadline (a
  cancel scope bounds the request instead, which a thread does not have).
* `AsyncWaiter`: a request waiting for a pooled connection, woken by the request that
  frees one; made only when a request actually has to wait.
"""

from __future__ import annotations

import asyncio
import math
import sys
import types
import typing

import anyio
import sniffio

__all__ = [
    "AsyncLock",
    "AsyncSharesH2Streams",
    "AsyncPoolLock",
    "AsyncShieldCancellation",
    "AsyncThreadLock",
    "AsyncWaiter",
]


class AsyncThreadLock:
    """No-op: code between two awaits already runs alone on an event loop."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        traceback: types.TracebackType | None = None,
    ) -> None:
        return None


AsyncPoolLock = AsyncThreadLock
AsyncLock = anyio.Lock
# Whether one request's deadline leaves an HTTP/2 connection's shared stream alone: on an
# event loop, a cancel scope bounds each request instead (`_flow_streams.within_deadline`).
AsyncSharesH2Streams = True


def AsyncShieldCancellation() -> anyio.CancelScope:  # noqa: N802 - a twin class name
    return anyio.CancelScope(shield=True)


def _expire(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class AsyncWaiter:
    """A one-shot wake-up with a timeout: an asyncio future (and one timer), or a trio
    Event."""

    __slots__ = ("_event", "_future")

    def __init__(self) -> None:
        self._future: asyncio.Future[None] | None = None
        self._event: typing.Any = None
        if sniffio.current_async_library() == "trio":
            self._event = sys.modules["trio"].Event()
        else:
            self._future = asyncio.get_running_loop().create_future()

    def wake(self) -> None:
        future = self._future
        if future is None:
            self._event.set()
        elif not future.done():
            future.set_result(None)

    async def wait(self, timeout: float | None) -> None:
        """Until woken, or `timeout` seconds have passed (the caller tells which)."""
        if timeout is not None and math.isinf(timeout):
            timeout = None
        future = self._future
        if future is None:
            if timeout is None:
                await self._event.wait()
            else:
                with anyio.move_on_after(timeout):
                    await self._event.wait()
            return
        timer = None if timeout is None else future.get_loop().call_later(timeout, _expire, future)
        try:
            await future
        finally:
            if timer is not None:
                timer.cancel()
