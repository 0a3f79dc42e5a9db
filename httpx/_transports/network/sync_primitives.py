"""What differs between the async and the sync transport code, sync side (see
`async_primitives.py`)."""

from __future__ import annotations

import contextlib
import math
import threading

__all__ = ["Lock", "PoolLock", "SharesH2Streams", "ShieldCancellation", "ThreadLock", "Waiter"]

ThreadLock = threading.Lock
Lock = threading.Lock
# Threads are not cancelled: nothing to shield.
ShieldCancellation = contextlib.nullcontext
# A thread has no cancel scope to bound a request: its deadline limits HTTP/2 reads too.
SharesH2Streams = False


class PoolLock:
    """A pool's thread lock that records which thread holds it: a dropped response's
    connection is reclaimed at once unless the collecting thread holds it (reclaim.py)."""

    __slots__ = ("_lock", "owner")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.owner: int | None = None

    def __enter__(self) -> None:
        self._lock.acquire()
        self.owner = threading.get_ident()

    def __exit__(self, *exc_info: object) -> None:
        self.owner = None
        self._lock.release()


class Waiter:
    """A one-shot wake-up with a timeout (made under the pool's lock: a wake-up cannot
    be missed)."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = threading.Event()

    def wake(self) -> None:
        self._event.set()

    def wait(self, timeout: float | None) -> None:
        self._event.wait(None if timeout is None or math.isinf(timeout) else timeout)
