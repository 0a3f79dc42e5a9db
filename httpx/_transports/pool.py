"""Connection pools whose bookkeeping costs O(1) per request, on top of httpcore's pools.

Why
---
httpcore's pools call ``_assign_requests_to_connections()`` whenever a request arrives or
a response is closed, and that method rescans *every* pooled connection for *every* queued
request, calling several methods (and a ``poll()`` system call) per connection. Its idle
trimming also counts all connections, not the idle ones, so once a pool holds more than
``max_keepalive_connections`` connections every connection that goes idle is closed, even
with requests queued for it. At 100 concurrent requests both effects together make a
pool spend most of its time rescanning and reconnecting.

How
---
The classes here subclass httpcore's pools and override only
``_assign_requests_to_connections``. Requests still flow through the base class's public
``handle_async_request`` / ``handle_request``, so anything that patches those class
attributes (respx does) still intercepts every request, and httpcore's own request loop,
``PoolByteStream`` and locking are reused unchanged.

`ConnectionIndex` keeps the pool's state in hash maps and FIFOs instead of scanning:

* per origin: idle connections (most recently used first), connections that multiplex
  (HTTP/2, or maybe-HTTP/2 while connecting) and a FIFO of requests waiting for it;
* globally: a FIFO of waiting requests (fairness across origins is first come, first
  served, as in httpcore), the idle connections in least-recently-used order (the
  eviction victim when at ``max_connections``, and the keep-alive expiry order), and the
  number of requests each connection carries.

It learns what changed through the request list: the pool's ``_requests`` list is
replaced by a list subclass whose ``append`` / ``remove`` report to the index. The one
event httpcore does not route through that list is a request handed back by a connection
(``ConnectionNotAvailable``: a connection that might have been HTTP/2 turned out HTTP/1.1,
or an HTTP/2 connection closed); the index notices an assignment pass with no list event
before it and then scans its assigned requests. That is the only O(n) path, and it only
runs when a connection refuses a request.

Keep-alive expiry is lazy: the oldest idle connection is checked on each pass, and a
connection taken for reuse is checked (``has_expired()``, which also sees a server's
close) before it is used. A connection nobody carries any more that is neither idle nor
closed (a request cancelled before its connection was ever used) is closed instead of
lingering, so cancellation cannot leak pool slots.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import httpcore
from httpcore._async.connection_pool import AsyncPoolRequest
from httpcore._sync.connection_pool import PoolRequest

from .connection import create_async_connection, create_connection
from .pool_entry import AsyncFastPoolEntry, FastPoolEntry

__all__ = [
    "INDEXED_POOLS_SUPPORTED",
    "AsyncIndexedHTTPProxy",
    "AsyncIndexedPool",
    "AsyncIndexedSOCKSProxy",
    "ConnectionIndex",
    "IndexedHTTPProxy",
    "IndexedPool",
    "IndexedSOCKSProxy",
]


def _pool_internals_present() -> bool:
    """The httpcore internals the indexed pools hook into (checked once, at import)."""
    for pool_class, request_class in (
        (httpcore.AsyncConnectionPool, AsyncPoolRequest),
        (httpcore.ConnectionPool, PoolRequest),
    ):
        if not callable(getattr(pool_class, "_assign_requests_to_connections", None)):
            return False
        if not all(
            callable(getattr(request_class, name, None))
            for name in ("assign_to_connection", "clear_connection", "is_queued")
        ):
            return False
    return True


# A future httpcore 1.x could rework its pool internals; the transports then fall back to
# httpcore's own pools rather than break.
INDEXED_POOLS_SUPPORTED = _pool_internals_present()


class _Connection(Protocol):
    """What the index needs from a connection (httpcore's connection interfaces)."""

    def is_available(self) -> bool: ...
    def is_idle(self) -> bool: ...
    def is_closed(self) -> bool: ...
    def has_expired(self) -> bool: ...


C = TypeVar("C", bound=_Connection)
T = TypeVar("T")


class _PoolRequest(Protocol[T]):
    """What the index needs from httpcore's (Async)PoolRequest."""

    connection: T | None

    @property
    def request(self) -> httpcore.Request: ...
    def assign_to_connection(self, connection: T) -> None: ...


R = TypeVar("R", bound="_PoolRequest[Any]")
OriginKey = tuple[bytes, bytes, int]
_MIN_SWEEP = 64  # origins kept before unused ones are swept


class _OriginEntry(Generic[C, R]):
    """Everything the index knows about one origin (scheme, host, port)."""

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


class _RequestList(list[R]):
    """The pool's ``_requests`` list, reporting each append and remove to the index."""

    def __init__(self, index: ConnectionIndex[Any, R], items: Iterable[R] = ()) -> None:
        super().__init__(items)
        self._index = index

    def append(self, pool_request: R) -> None:
        super().append(pool_request)
        self._index.request_added(pool_request)

    def remove(self, pool_request: R) -> None:
        # list.remove is O(n) but runs in C and the request is usually near the front
        # (requests finish roughly in arrival order); see bench/RESULTS.md.
        super().remove(pool_request)
        self._index.request_removed(pool_request)


class ConnectionIndex(Generic[C, R]):
    """A pool's connections and queued requests, indexed so each event is O(1).

    It does no I/O: `assign()` returns the connections to close, and the pool closes them
    (outside its thread lock), as httpcore's own `_assign_requests_to_connections` does.
    """

    def __init__(
        self,
        connections: list[C],
        create_connection: Callable[[httpcore.Origin], C],
        max_connections: int,
        max_keepalive_connections: int,
        keepalive_expiry: float | None,
    ) -> None:
        # The pool's own `_connections` list, kept exact (httpcore's `connections`
        # property, `__repr__` and `aclose()` read it).
        self.connections = connections
        self.requests: _RequestList[R] = _RequestList(self)
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
        self._fresh: dict[R, None] = {}  # appended, not yet looked at
        self._released: dict[C, None] = {}  # a request left them: state to re-check
        self._sweep_above = _MIN_SWEEP
        # List events not yet followed by an assignment pass; a pass without one means
        # a connection handed a request back (see the module docstring).
        self._unpaired_events = 0

    # --- building -----------------------------------------------------------------

    @classmethod
    def adopt(
        cls,
        requests: list[R],
        connections: list[C],
        create_connection: Callable[[httpcore.Origin], C],
        max_connections: int,
        max_keepalive_connections: int,
        keepalive_expiry: float | None,
        previous: ConnectionIndex[C, R] | None,
        closing: list[C],
    ) -> ConnectionIndex[C, R]:
        """Index a pool's current lists: on first use, and after `aclose()` replaced them.

        Connections whose origin is unknown (no request on them, and not indexed before)
        cannot be reused safely, so they are dropped from the pool and closed.
        """
        index = cls(
            connections,
            create_connection,
            max_connections,
            max_keepalive_connections,
            keepalive_expiry,
        )
        index.requests.extend(requests)
        in_pool = set(connections)
        for pool_request in requests:
            connection = pool_request.connection
            entry = index._entry_for(pool_request)
            if connection is None:
                index._enqueue(pool_request, entry)
                continue
            index._assigned[pool_request] = connection
            index._load[connection] = index._load.get(connection, 0) + 1
            index._released[connection] = None
            if connection in in_pool and connection not in index._entry_of:
                index._register(connection, entry)
        for connection in list(connections):
            if connection in index._entry_of:
                continue
            old_entry = None if previous is None else previous._entry_of.get(connection)
            if old_entry is None:
                connections.remove(connection)
                if not connection.is_closed():
                    closing.append(connection)
                continue
            index._register(connection, index._entry_for_origin(old_entry.origin))
            index._released[connection] = None
        # The pass that follows pairs with the list events this index never saw.
        index._unpaired_events = 1
        return index

    # --- list events (called under the pool's thread lock) ------------------------

    def request_added(self, pool_request: R) -> None:
        self._unpaired_events += 1
        self._fresh[pool_request] = None

    def request_removed(self, pool_request: R) -> None:
        self._unpaired_events += 1
        connection = self._assigned.pop(pool_request, None)
        if connection is not None:
            self._load[connection] -= 1
            self._released[connection] = None
            return
        entry = self._waiting.pop(pool_request, None)
        if entry is not None:
            del entry.waiting[pool_request]
        else:
            self._fresh.pop(pool_request, None)

    # --- the assignment pass ------------------------------------------------------

    def assign(self) -> list[C]:
        """Bring the pool up to date; return the connections that must be closed."""
        closing: list[C] = []
        if self._unpaired_events:
            self._unpaired_events -= 1
        elif self._assigned:
            self._requeue_handed_back()
        if self._released:
            self._settle_released(closing)
        if self._waiting:
            self._serve_waiting(closing)
        if self._fresh:
            self._place_fresh(closing)
        if self._idle_since:
            self._expire_idle(closing)
        if len(self._origins) > self._sweep_above:
            self._sweep_origins()
        return closing

    def _requeue_handed_back(self) -> None:
        # Rare path, O(assigned requests): httpcore cleared the connection of a request
        # that got ConnectionNotAvailable; put it back at the head of the queue.
        for pool_request, connection in list(self._assigned.items()):
            if pool_request.connection is not None:
                continue
            del self._assigned[pool_request]
            self._load[connection] -= 1
            self._released[connection] = None
            # It refused a request: it no longer multiplexes (or never did).
            self._multiplexing.discard(connection)
            refused_by = self._entry_of.get(connection)
            if refused_by is not None:
                refused_by.shared.pop(connection, None)
            entry = self._entry_for(pool_request)
            self._enqueue(pool_request, entry)
            self._waiting.move_to_end(pool_request, last=False)
            entry.waiting.move_to_end(pool_request, last=False)

    def _settle_released(self, closing: list[C]) -> None:
        released, self._released = self._released, {}
        now = time.monotonic()
        for connection in released:
            load = self._load.get(connection, 0)
            entry = self._entry_of.get(connection)
            if entry is None:
                # No longer in the pool (it was closed by `aclose()`): close it once the
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
            connection = self._find_connection(entry, closing)
            if connection is None:
                return
            del waiting[pool_request]
            del entry.waiting[pool_request]
            self._bind(pool_request, connection, entry)

    def _place_fresh(self, closing: list[C]) -> None:
        fresh, self._fresh = self._fresh, {}
        for pool_request in fresh:
            entry = self._entry_for(pool_request)
            if self._waiting:
                # Older requests are queued: don't overtake them for capacity, but a
                # multiplexed connection to this origin costs nobody anything.
                connection = self._take_shared(entry)
            else:
                connection = self._find_connection(entry, closing)
            if connection is None:
                self._enqueue(pool_request, entry)
            else:
                self._bind(pool_request, connection, entry, waiting=False)

    def _expire_idle(self, closing: list[C]) -> None:
        idle_since = self._idle_since
        if self._keepalive_expiry is not None:
            deadline = time.monotonic() - self._keepalive_expiry
            while idle_since and next(iter(idle_since.values())) <= deadline:
                self._evict_oldest_idle(closing)
        while len(idle_since) > self._max_keepalive:
            self._evict_oldest_idle(closing)

    # --- finding a connection -----------------------------------------------------

    def _find_connection(self, entry: _OriginEntry[C, R], closing: list[C]) -> C | None:
        """A connection for a request to `entry`'s origin, or None if it must wait."""
        connection = self._take_shared(entry)
        if connection is None:
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

    # --- bookkeeping ----------------------------------------------------------------

    def _entry_for(self, pool_request: R) -> _OriginEntry[C, R]:
        return self._entry_for_origin(pool_request.request.url.origin)

    def _entry_for_origin(self, origin: httpcore.Origin) -> _OriginEntry[C, R]:
        key = (origin.scheme, origin.host, origin.port)
        entry = self._origins.get(key)
        if entry is None:
            entry = self._origins[key] = _OriginEntry(origin, key)
        return entry

    def _enqueue(self, pool_request: R, entry: _OriginEntry[C, R]) -> None:
        self._waiting[pool_request] = entry
        entry.waiting[pool_request] = None

    def _bind(
        self, pool_request: R, connection: C, entry: _OriginEntry[C, R], waiting: bool = True
    ) -> None:
        self._assigned[pool_request] = connection
        load = self._load.get(connection, 0) + 1
        self._load[connection] = load
        if connection in self._multiplexing or (
            load == 1 and connection.is_available() and not connection.is_idle()
        ):
            # A known HTTP/2 connection, or a new one that may negotiate HTTP/2: later
            # requests may share it while it is busy (as httpcore's pool allows).
            entry.shared[connection] = None
        if waiting:
            pool_request.assign_to_connection(connection)
        else:
            # A request placed by the first pass after it arrived has not started
            # waiting (httpcore waits only if it finds no connection set): setting the
            # connection is enough, without the event (and its setup) that wakes a waiter.
            pool_request.connection = connection

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

        Only between passes (never while an entry is in hand), and only once the table has
        doubled since the last sweep: amortised O(1), and a client that talks to many
        hosts over time does not keep one entry per host forever.
        """
        self._origins = {
            key: entry
            for key, entry in self._origins.items()
            if entry.connection_count or entry.waiting
        }
        self._sweep_above = max(_MIN_SWEEP, 2 * len(self._origins))


class _IndexedAssignment(Generic[C, R]):
    """Mixin for httpcore pools: replace the rescanning assignment with `ConnectionIndex`.

    Only `_assign_requests_to_connections` is overridden; the public entry points stay
    httpcore's (see the module docstring).
    """

    _connection_index: ConnectionIndex[C, R] | None = None

    if TYPE_CHECKING:  # pragma: no cover - attributes set by httpcore's pool __init__
        _requests: list[R]
        _connections: list[C]
        _max_connections: int
        _max_keepalive_connections: int
        _keepalive_expiry: float | None

        def create_connection(self, origin: httpcore.Origin) -> C: ...

    def _assign_requests_to_connections(self) -> list[C]:
        index = self._connection_index
        if (
            index is None
            or self._requests is not index.requests
            or self._connections is not index.connections
        ):
            closing: list[C] = []
            index = ConnectionIndex.adopt(
                self._requests,
                self._connections,
                self.create_connection,
                self._max_connections,
                self._max_keepalive_connections,
                self._keepalive_expiry,
                index,
                closing,
            )
            self._connection_index = index
            self._requests = index.requests
            return closing + index.assign()
        return index.assign()


class AsyncIndexedPool(
    AsyncFastPoolEntry,
    _IndexedAssignment[httpcore.AsyncConnectionInterface, AsyncPoolRequest],
    httpcore.AsyncConnectionPool,
):
    """`httpcore.AsyncConnectionPool` with O(1) request assignment."""

    def create_connection(self, origin: httpcore.Origin) -> httpcore.AsyncConnectionInterface:
        # Our HTTP/1.1 connections, without per-request anyio locks (see http11.py).
        return create_async_connection(self, origin)

    async def _close_connections(self, closing: list[httpcore.AsyncConnectionInterface]) -> None:
        # httpcore enters a shielded cancel scope (twice per request) even with nothing
        # to close.
        if closing:
            await super()._close_connections(closing)


class IndexedPool(
    FastPoolEntry,
    _IndexedAssignment[httpcore.ConnectionInterface, PoolRequest],
    httpcore.ConnectionPool,
):
    """`httpcore.ConnectionPool` with O(1) request assignment."""

    def create_connection(self, origin: httpcore.Origin) -> httpcore.ConnectionInterface:
        # Our HTTP/1.1 connections (see http11.py).
        return create_connection(self, origin)


class AsyncIndexedHTTPProxy(
    _IndexedAssignment[httpcore.AsyncConnectionInterface, AsyncPoolRequest],
    httpcore.AsyncHTTPProxy,
):
    """`httpcore.AsyncHTTPProxy` with O(1) request assignment."""


class IndexedHTTPProxy(
    _IndexedAssignment[httpcore.ConnectionInterface, PoolRequest], httpcore.HTTPProxy
):
    """`httpcore.HTTPProxy` with O(1) request assignment."""


class AsyncIndexedSOCKSProxy(
    _IndexedAssignment[httpcore.AsyncConnectionInterface, AsyncPoolRequest],
    httpcore.AsyncSOCKSProxy,
):
    """`httpcore.AsyncSOCKSProxy` with O(1) request assignment, whose connections close
    their socket when the SOCKS handshake fails (see `socks.py`)."""

    def create_connection(self, origin: httpcore.Origin) -> httpcore.AsyncConnectionInterface:
        # Imported here: httpcore's SOCKS module needs the optional socksio package.
        from .socks import AsyncClosingSocks5Connection, socks_connection_options

        return AsyncClosingSocks5Connection(**socks_connection_options(self, origin))


class IndexedSOCKSProxy(
    _IndexedAssignment[httpcore.ConnectionInterface, PoolRequest], httpcore.SOCKSProxy
):
    """`httpcore.SOCKSProxy` with O(1) request assignment, whose connections close their
    socket when the SOCKS handshake fails (see `socks.py`)."""

    def create_connection(self, origin: httpcore.Origin) -> httpcore.ConnectionInterface:
        # Imported here: httpcore's SOCKS module needs the optional socksio package.
        from .socks import ClosingSocks5Connection, socks_connection_options

        return ClosingSocks5Connection(**socks_connection_options(self, origin))
