"""A connection pool's bookkeeping, without I/O: which request gets which connection.

Why
---
Every request arrival and every closed response changes which request can use which
connection. Here each such event costs O(1) in the number of connections and queued
requests (httpcore's own pools rescan every connection for every queued request: see
docs/design.md for what that costs).

How
---
`PoolState` keeps the pool in hash maps and FIFOs instead of scanning:

* per origin: idle connections (most recently used first), connections that multiplex
  (HTTP/2, or maybe-HTTP/2 while connecting) and a FIFO of requests waiting for it;
* globally: a FIFO of waiting requests (first come, first served across origins, as in
  httpcore), the idle connections in least-recently-used order (the eviction victim
  at ``max_connections``, and the keep-alive expiry order), and how many requests each
  connection carries.

The pool (async_pool.py) reports three events: a request arrives (`add`), a request
is done with its connection or gives up waiting (`remove`), and a connection refused
the request it was given (`requeue`: a maybe-HTTP/2 connection turned out HTTP/1.1, or
an HTTP/2 connection is closing; or a reused connection turned out closed by the
server, and the request is to be retried on a new connection: see stale.py). Each
returns the connections the pool must close (it closes them outside its lock), and
hands connections to waiting requests by calling their `assign`.

Keep-alive expiry is lazy: the oldest idle connection is checked on each event, and a
connection taken for reuse is checked (``has_expired()``, which also sees a server's
close) before it is used. A connection nobody carries any more that is neither idle nor
closed (a request cancelled before its connection was ever used, or mid-exchange) is
closed instead of lingering, so cancellation cannot leak pool slots.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

import httpcore

from ..._timings import PoolStatus

__all__ = ["PoolState", "Waiting"]


class _Connection(Protocol):
    """What the bookkeeping needs from a connection (httpcore's connection interface)."""

    def is_available(self) -> bool: ...
    def is_idle(self) -> bool: ...
    def is_closed(self) -> bool: ...
    def has_expired(self) -> bool: ...


C = TypeVar("C", bound=_Connection)


class Waiting(Protocol[C]):
    """A request in the pool (see async_pool.py's `AsyncPoolRequest`)."""

    connection: C | None
    origin: httpcore.Origin
    # Not a connection that sat idle (a retry after a stale connection).
    fresh: bool

    def assign(self, connection: C) -> None: ...


R = TypeVar("R", bound="Waiting")  # type: ignore[type-arg]
OriginKey = tuple[bytes, bytes, int]
_MIN_SWEEP = 64  # origins kept before unused ones are swept


class _OriginEntry(Generic[C, R]):
    """Everything the pool knows about one origin (scheme, host, port)."""

    __slots__ = ("connection_count", "idle", "key", "origin", "shared", "waiting")

    def __init__(self, origin: httpcore.Origin, key: OriginKey) -> None:
        self.origin = origin
        self.key = key
        self.connection_count = 0
        # Idle connections; dict order is least recently used first, so popitem() gives
        # the most recently used one (the least likely to have been closed by the server).
        self.idle: dict[C, None] = {}
        # Busy connections that accept more requests (HTTP/2 or maybe-HTTP/2).
        self.shared: dict[C, None] = {}
        self.waiting: OrderedDict[R, None] = OrderedDict()


class PoolState(Generic[C, R]):
    """A pool's connections and requests, indexed so that each event is O(1).

    It does no I/O: each event returns the connections to close.
    """

    def __init__(
        self,
        create_connection: Callable[[httpcore.Origin], C],
        max_connections: int,
        max_keepalive_connections: int,
        keepalive_expiry: float | None,
    ) -> None:
        self.connections: list[C] = []  # in the order they were made (httpcore's view)
        self._create_connection = create_connection
        self._max_connections = max_connections
        self._max_keepalive = max_keepalive_connections
        self._keepalive_expiry = keepalive_expiry

        self._origins: dict[OriginKey, _OriginEntry[C, R]] = {}
        self._entry_of: dict[C, _OriginEntry[C, R]] = {}  # every connection in the pool
        self._load: dict[C, int] = {}  # requests each connection currently carries
        self._assigned: dict[R, C] = {}
        self._multiplexing: set[C] = set()  # seen serving requests concurrently
        self._idle_since: OrderedDict[C, float] = OrderedDict()  # LRU first
        self._waiting: OrderedDict[R, _OriginEntry[C, R]] = OrderedDict()  # FIFO
        self._released: dict[C, None] = {}  # a request left them: state to re-check
        self._sweep_above = _MIN_SWEEP

    @property
    def requests(self) -> int:
        """Requests in the pool: those on a connection and those waiting for one."""
        return len(self._assigned) + len(self._waiting)

    @property
    def queued(self) -> int:
        return len(self._waiting)

    def status(self) -> dict[str, PoolStatus]:
        """Per origin ("https://example.com:443"): idle and active connections, and
        queued requests. O(origins)."""
        result: dict[str, PoolStatus] = {}
        for entry in self._origins.values():
            if not entry.connection_count and not entry.waiting:
                continue
            idle = len(entry.idle)
            result[str(entry.origin)] = PoolStatus(
                idle, entry.connection_count - idle, len(entry.waiting)
            )
        return result

    # --- events -------------------------------------------------------------------------

    def add(self, pool_request: R) -> list[C]:
        """A request arrives: give it a connection now if one is free (without waking
        anyone: it has not started waiting), else queue it."""
        closing: list[C] = []
        self._settle(closing)
        entry = self._entry_for_origin(pool_request.origin)
        if self._waiting:
            # Older requests are queued: don't overtake them for capacity, but a
            # multiplexed connection to this origin costs nobody anything.
            connection = self._take_shared(entry)
        else:
            connection = self._find_connection(entry, closing)
        if connection is None:
            self._enqueue(pool_request, entry)
        else:
            self._bind(pool_request, connection, entry)
            pool_request.connection = connection
        self._tidy(closing)
        return closing

    def remove(self, pool_request: R) -> list[C]:
        """A request is done with its connection (its response was closed, or it
        failed), or stops waiting for one (cancelled, timed out)."""
        connection = self._assigned.pop(pool_request, None)
        if connection is not None:
            self._load[connection] -= 1
            self._released[connection] = None
        else:
            entry = self._waiting.pop(pool_request, None)
            if entry is not None:
                del entry.waiting[pool_request]
        closing: list[C] = []
        self._settle(closing)
        self._tidy(closing)
        return closing

    def requeue(self, pool_request: R) -> list[C]:
        """The request's connection refused it (`ConnectionNotAvailable`), or failed it
        as stale (the request's `fresh` is then set): queue it again, at the head of the
        line."""
        connection = self._assigned.pop(pool_request)
        pool_request.connection = None
        self._load[connection] -= 1
        self._released[connection] = None
        # It refused a request: it no longer multiplexes (or never did).
        self._multiplexing.discard(connection)
        refused_by = self._entry_of.get(connection)
        if refused_by is not None:
            refused_by.shared.pop(connection, None)
        entry = self._entry_for_origin(pool_request.origin)
        self._enqueue(pool_request, entry)
        self._waiting.move_to_end(pool_request, last=False)
        entry.waiting.move_to_end(pool_request, last=False)
        closing: list[C] = []
        self._settle(closing)
        self._tidy(closing)
        return closing

    def clear(self) -> list[C]:
        """Forget every connection (the pool is closing): return them all."""
        connections = list(self.connections)
        self.connections.clear()
        for entry in self._origins.values():
            entry.idle.clear()
            entry.shared.clear()
            entry.connection_count = 0
        self._entry_of.clear()
        self._idle_since.clear()
        self._multiplexing.clear()
        return connections

    # --- the pass after each event ------------------------------------------------------

    def _settle(self, closing: list[C]) -> None:
        if self._released:
            self._settle_released(closing)
        if self._waiting:
            self._serve_waiting(closing)

    def _tidy(self, closing: list[C]) -> None:
        if self._idle_since:
            self._expire_idle(closing)
        if len(self._origins) > self._sweep_above:
            self._sweep_origins()

    def _settle_released(self, closing: list[C]) -> None:
        released, self._released = self._released, {}
        now = time.monotonic()
        for connection in released:
            load = self._load.get(connection, 0)
            entry = self._entry_of.get(connection)
            if entry is None:
                # No longer in the pool (it was cleared by `close()`): close it once the
                # last request on it is done.
                if load == 0:
                    self._load.pop(connection, None)
                    if not connection.is_closed():
                        closing.append(connection)
                continue
            if load:
                if connection.is_closed():
                    # Closed under requests that have yet to finish: it frees its slot now
                    # (as in httpcore); the requests still on it are tracked by `_load`.
                    self._drop(connection, entry)
                elif connection.is_available() and not connection.is_idle():
                    # Busy yet accepting more requests: HTTP/2.
                    self._multiplexing.add(connection)
                    entry.shared[connection] = None
                    self._drain_onto(entry, connection)
                continue
            del self._load[connection]
            entry.shared.pop(connection, None)
            if connection.is_closed():
                self._drop(connection, entry)
            elif connection.is_idle():
                entry.idle[connection] = None
                self._idle_since[connection] = now
            else:
                # Nobody carries it, yet it is not idle: its request was cancelled before
                # it connected, or mid-exchange. It can never be reused.
                self._drop(connection, entry)
                closing.append(connection)

    def _serve_waiting(self, closing: list[C]) -> None:
        # Strict FIFO across origins, as in httpcore: stop at the first request that
        # cannot be placed (there is no capacity left for anyone then).
        waiting = self._waiting
        while waiting:
            pool_request, entry = next(iter(waiting.items()))
            connection = self._find_connection(entry, closing, pool_request.fresh)
            if connection is None:
                return
            del waiting[pool_request]
            del entry.waiting[pool_request]
            self._bind(pool_request, connection, entry)
            pool_request.assign(connection)

    def _expire_idle(self, closing: list[C]) -> None:
        idle_since = self._idle_since
        if self._keepalive_expiry is not None:
            deadline = time.monotonic() - self._keepalive_expiry
            while idle_since and next(iter(idle_since.values())) <= deadline:
                self._evict_oldest_idle(closing)
        while len(idle_since) > self._max_keepalive:
            self._evict_oldest_idle(closing)

    # --- finding a connection -------------------------------------------------------------

    def _find_connection(
        self, entry: _OriginEntry[C, R], closing: list[C], fresh: bool = False
    ) -> C | None:
        """A connection for a request to `entry`'s origin, or None if it must wait.

        `fresh`: not one that sat idle (a retry after a stale connection, which others
        idle as long may share). A multiplexed one is busy, so not idle: HTTP/2 requests
        retried together share the first new connection rather than each making one.
        """
        connection = self._take_shared(entry)
        if connection is None and not fresh:
            connection = self._take_idle(entry, closing)
        if connection is None:
            if len(self.connections) >= self._max_connections:
                if not self._idle_since:
                    return None
                # At the limit: close another origin's idle connection to make room.
                self._evict_oldest_idle(closing)
            connection = self._create_connection(entry.origin)
            self.connections.append(connection)
            self._register(connection, entry)
        return connection

    def _take_shared(self, entry: _OriginEntry[C, R]) -> C | None:
        shared = entry.shared
        while shared:
            connection = next(iter(shared))
            if connection.is_available():
                return connection
            if connection.is_closed():
                self._drop(connection, entry)  # frees its slot (see _settle_released)
            else:
                # Connected as HTTP/1.1 after all: it gets re-checked when one of its
                # requests finishes.
                del shared[connection]
        return None

    def _take_idle(self, entry: _OriginEntry[C, R], closing: list[C]) -> C | None:
        idle = entry.idle
        while idle:
            connection, _ = idle.popitem()
            del self._idle_since[connection]
            if connection.is_closed():
                self._drop(connection, entry)
            elif connection.has_expired():
                # Keep-alive expired, or the server closed it while it was idle.
                self._drop(connection, entry)
                closing.append(connection)
            else:
                return connection
        return None

    def _drain_onto(self, entry: _OriginEntry[C, R], connection: C) -> None:
        """Give a newly seen multiplexing connection the requests queued for its origin."""
        while entry.waiting and connection.is_available():
            pool_request = next(iter(entry.waiting))
            del entry.waiting[pool_request]
            del self._waiting[pool_request]
            self._bind(pool_request, connection, entry)
            pool_request.assign(connection)

    # --- bookkeeping ------------------------------------------------------------------------

    def _entry_for_origin(self, origin: httpcore.Origin) -> _OriginEntry[C, R]:
        key = (origin.scheme, origin.host, origin.port)
        entry = self._origins.get(key)
        if entry is None:
            entry = self._origins[key] = _OriginEntry(origin, key)
        return entry

    def _enqueue(self, pool_request: R, entry: _OriginEntry[C, R]) -> None:
        self._waiting[pool_request] = entry
        entry.waiting[pool_request] = None

    def _bind(self, pool_request: R, connection: C, entry: _OriginEntry[C, R]) -> None:
        self._assigned[pool_request] = connection
        load = self._load.get(connection, 0) + 1
        self._load[connection] = load
        if connection in self._multiplexing or (
            load == 1 and connection.is_available() and not connection.is_idle()
        ):
            # A known HTTP/2 connection, or a new one that may negotiate HTTP/2: later
            # requests may share it while it is busy (as httpcore's pool allows).
            entry.shared[connection] = None

    def _register(self, connection: C, entry: _OriginEntry[C, R]) -> None:
        self._entry_of[connection] = entry
        entry.connection_count += 1

    def _evict_oldest_idle(self, closing: list[C]) -> None:
        connection, _ = self._idle_since.popitem(last=False)
        entry = self._entry_of[connection]
        del entry.idle[connection]
        self._drop(connection, entry)
        closing.append(connection)

    def _drop(self, connection: C, entry: _OriginEntry[C, R]) -> None:
        """Remove a connection nobody uses from the pool (the caller closes it if needed)."""
        del self._entry_of[connection]
        # O(connections) memmove in C, only when a connection leaves the pool.
        self.connections.remove(connection)
        self._multiplexing.discard(connection)
        entry.shared.pop(connection, None)
        entry.connection_count -= 1

    def _sweep_origins(self) -> None:
        """Forget origins with no connection and no queued request.

        Only between events (never while an entry is in hand), and only once the table
        has doubled since the last sweep: amortised O(1), and a client that talks to many
        hosts over time does not keep one entry per host forever.
        """
        self._origins = {
            key: entry
            for key, entry in self._origins.items()
            if entry.connection_count or entry.waiting
        }
        self._sweep_above = max(_MIN_SWEEP, 2 * len(self._origins))
