"""Our connection pools, on the outside httpcore's pool classes.

Written once, as async code; scripts/unasync.py generates `sync_pool.py`.

`AsyncPool`, `AsyncHTTPProxyPool` and `AsyncSOCKSProxyPool` are subclasses of
``httpcore.AsyncConnectionPool``, ``AsyncHTTPProxy`` and ``AsyncSOCKSProxy`` (what libraries
built on httpx expect to find in ``transport._pool``), made with httpcore's own
constructor (see _httpcore_seam.py for why, and for the check that this holds for the
httpcore installed). Everything they do is ours: which request gets which connection
(state.py: O(1) per event), connecting (network/async_connect.py), HTTP/1.1 and HTTP/2
(async_connection.py), and closing.

What keeps a request cheap: no lock on an event loop (the sync pool's lock is held for
the bookkeeping only), a waiting primitive made only when a request actually waits, no
cancellation shield unless there is something to close, and the response body iterated
without a generator.

Cancellation at any await leaves the pool consistent: a request that leaves (done,
failed, cancelled, timed out) is removed from the bookkeeping, and a connection nobody
can use any more is closed (state.py).

A request that a reused connection fails before any response (the server closed it
while it was idle: stale.py says when) is sent again, once, on a new connection. The
time a request waits for a connection is recorded in its `Timings` (pool).

Test suites patch ``httpcore.AsyncConnectionPool.handle_async_request`` (respx does):
while such a patch is in place, requests go to it, with this pool as ``self``.
"""

from __future__ import annotations

import ssl
import sys
import time
import types
import typing

import httpcore

from ..._timings import PoolStatus, record
from .._httpcore_seam import httpcore_response
from ..http11 import ResponseParser, parser_factory
from ..network.async_connect import AsyncConnector
from ..network.async_deadline import AsyncDeadlineBackend
from ..network.async_primitives import AsyncPoolLock, AsyncShieldCancellation, AsyncWaiter
from ..network.backends import AsyncNativeBackend
from ..network.resolution import Resolution
from ..network.route import HAPPY_EYEBALLS_DELAY, ConnectOptions, ProxyRoute
from ..network.trace import AsyncTrace, connection_logger
from .async_connection import AsyncConnection
from .stale import should_retry_stale
from .state import PoolState

if typing.TYPE_CHECKING:  # pragma: no cover
    from httpcore import SOCKET_OPTION

__all__ = [
    "POOL_ATTRIBUTES",
    "AsyncHTTPProxyPool",
    "AsyncPool",
    "AsyncPoolRequest",
    "AsyncPoolStream",
    "AsyncSOCKSProxyPool",
]

_SCHEMES = (b"http", b"https", b"ws", b"wss")
# httpcore's own entry point (its proxies inherit it), to notice when something (respx)
# has patched it.
_HTTPCORE_ENTRY = httpcore.AsyncConnectionPool.handle_async_request
_T = typing.TypeVar("_T", bound="AsyncPoolMixin")
# The attributes our pools set on themselves (httpcore's pools use other names).
POOL_ATTRIBUTES = frozenset({"_pool_state", "_pool_lock", "_connector", "_parser_factory"})


def _check_scheme(request: httpcore.Request) -> None:
    scheme = request.url.scheme
    if scheme in _SCHEMES:
        return
    if not scheme:
        raise httpcore.UnsupportedProtocol(
            "Request URL is missing an 'http://' or 'https://' protocol."
        )
    raise httpcore.UnsupportedProtocol(
        f"Request URL has an unsupported protocol '{scheme.decode()}://'."
    )


class AsyncPoolRequest:
    """A request in the pool: the connection it was given, or its wait for one."""

    __slots__ = ("_waiter", "connection", "fresh", "origin", "request")

    def __init__(self, request: httpcore.Request) -> None:
        self.request = request
        self.origin = request.url.origin
        self.connection: AsyncConnection | None = None
        self._waiter: AsyncWaiter | None = None
        self.fresh = False  # retried after a stale connection: a new one only

    def assign(self, connection: AsyncConnection) -> None:
        """Called by the bookkeeping, under the pool's lock."""
        self.connection = connection
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            waiter.wake()


class AsyncPoolMixin:
    """Our pool (mixed in before httpcore's pool class, see the module docstring)."""

    # The httpcore class this pool is on the outside, whose entry point a test may patch.
    _httpcore_class: typing.ClassVar[typing.Any]
    _pool_state: PoolState[AsyncConnection, AsyncPoolRequest]
    _pool_lock: AsyncPoolLock
    _connector: AsyncConnector
    _parser_factory: typing.Callable[[], ResponseParser]

    def _setup(
        self,
        options: ConnectOptions,
        network_backend: httpcore.AsyncNetworkBackend | None,
        max_connections: int | None,
        max_keepalive_connections: int | None,
        http1_parser: str | None,
    ) -> None:
        if network_backend is None:
            network_backend = AsyncDeadlineBackend(AsyncNativeBackend())
        self._parser_factory = parser_factory(http1_parser)
        self._connector = AsyncConnector(options, network_backend, self._parser_factory)
        limit = sys.maxsize if max_connections is None else max_connections
        keepalive = sys.maxsize if max_keepalive_connections is None else max_keepalive_connections
        self._pool_state = PoolState(
            self.create_connection, limit, min(limit, keepalive), options.keepalive_expiry
        )
        self._pool_lock = AsyncPoolLock()

    def create_connection(self, origin: httpcore.Origin) -> AsyncConnection:
        return AsyncConnection(origin, self._connector, self._parser_factory)

    @property
    def connections(self) -> list[httpcore.AsyncConnectionInterface]:
        return list(self._pool_state.connections)

    def pool_status(self) -> dict[str, PoolStatus]:
        """Per origin: idle and active connections, queued requests."""
        with self._pool_lock:
            return self._pool_state.status()

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        entry = self._httpcore_class.handle_async_request
        if entry is not _HTTPCORE_ENTRY:
            # httpcore's method has been patched (respx does): let the patch see it.
            return await entry(self, request)  # type: ignore[no-any-return]
        _check_scheme(request)
        timeout = request.extensions.get("timeout", {}).get("pool", None)
        state = self._pool_state
        lock = self._pool_lock
        pool_request = AsyncPoolRequest(request)
        with lock:
            closing = state.add(pool_request)
        try:
            while True:
                if closing:
                    await self._close_all(closing)
                connection = pool_request.connection
                if connection is None:
                    connection = await self._wait_for_connection(pool_request, timeout)
                reused = connection.has_connected()
                try:
                    response = await connection.handle_async_request(request)
                except httpcore.ConnectionNotAvailable:
                    # It looked available but was not (an HTTP/1.1 connection that a
                    # maybe-HTTP/2 one turned out to be, an HTTP/2 one closing).
                    with lock:
                        closing = state.requeue(pool_request)
                except (httpcore.NetworkError, httpcore.RemoteProtocolError) as exc:
                    if not should_retry_stale(request, exc, reused, pool_request.fresh):
                        raise
                    # Closed by the server while idle (see stale.py): once more, on a
                    # new connection.
                    kwargs = {"request": request, "exception": exc}
                    async with AsyncTrace("retry_stale", connection_logger, request, kwargs):
                        pool_request.fresh = True
                        with lock:
                            closing = state.requeue(pool_request)
                else:
                    break
        except BaseException:
            with lock:
                closing = state.remove(pool_request)
            if closing:
                await self._close_all(closing)
            raise
        return httpcore_response(
            response.status,
            response.headers,
            AsyncPoolStream(response.stream, pool_request, self),
            response.extensions,
        )

    async def _wait_for_connection(
        self, pool_request: AsyncPoolRequest, timeout: float | None
    ) -> AsyncConnection:
        with self._pool_lock:
            connection = pool_request.connection
            if connection is None:
                waiter = pool_request._waiter = AsyncWaiter()
        if connection is None:
            started = time.perf_counter()
            await waiter.wait(timeout)
            record("pool", started)
            with self._pool_lock:
                pool_request._waiter = None
                connection = pool_request.connection
            if connection is None:
                raise httpcore.PoolTimeout()
        return connection

    async def _release(self, pool_request: AsyncPoolRequest) -> None:
        """A response was closed: its request leaves the pool."""
        with self._pool_lock:
            closing = self._pool_state.remove(pool_request)
        if closing:
            await self._close_all(closing)

    async def _close_all(self, closing: list[AsyncConnection]) -> None:
        # Closing must complete even if we got here by being cancelled.
        with AsyncShieldCancellation():
            for connection in closing:
                await connection.aclose()

    async def aclose(self) -> None:
        with self._pool_lock:
            closing = self._pool_state.clear()
        await self._close_all(closing)
        # Connections httpcore's own code may have made (a patch passing requests on).
        await typing.cast(typing.Any, super()).aclose()

    async def __aenter__(self: _T) -> _T:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: types.TracebackType | None = None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        state = self._pool_state
        queued = state.queued
        idle = sum(1 for connection in state.connections if connection.is_idle())
        return (
            f"<{type(self).__name__} [Requests: {state.requests - queued} active, "
            f"{queued} queued | Connections: {len(state.connections) - idle} active, "
            f"{idle} idle]>"
        )


class AsyncPoolStream:
    """A response body from the pool: closing it hands the connection back."""

    __slots__ = ("_closed", "_pool", "_pool_request", "_stream")

    def __init__(
        self, stream: typing.Any, pool_request: AsyncPoolRequest, pool: AsyncPoolMixin
    ) -> None:
        self._stream = stream
        self._pool_request = pool_request
        self._pool = pool
        self._closed = False

    def __aiter__(self) -> AsyncPoolChunks:
        return AsyncPoolChunks(self, self._stream.__aiter__())

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        stream = self._stream
        try:
            if getattr(stream, "closes_without_waiting", False):
                await stream.aclose()  # nothing a cancellation could interrupt
            else:
                with AsyncShieldCancellation():
                    aclose = getattr(stream, "aclose", None)
                    if aclose is not None:
                        await aclose()
        finally:
            await self._pool._release(self._pool_request)


class AsyncPoolChunks:
    """Iterates the connection's body; a failure closes the pool stream."""

    __slots__ = ("_chunks", "_owner")

    def __init__(self, owner: AsyncPoolStream, chunks: typing.Any) -> None:
        self._owner = owner
        self._chunks = chunks

    def __aiter__(self) -> AsyncPoolChunks:
        return self

    async def __anext__(self) -> bytes:
        try:
            chunk: bytes = await self._chunks.__anext__()
            return chunk
        except StopAsyncIteration:
            raise
        except BaseException:
            await self._owner.aclose()
            raise

    async def aclose(self) -> None:
        aclose = getattr(self._chunks, "aclose", None)
        if aclose is not None:
            await aclose()


# --- the pool classes ---------------------------------------------------------------------------


class AsyncPool(AsyncPoolMixin, httpcore.AsyncConnectionPool):
    """``httpcore.AsyncConnectionPool``'s constructor; our pool (see the module docstring)."""

    _httpcore_class = httpcore.AsyncConnectionPool

    def __init__(
        self,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int | None = 10,
        max_keepalive_connections: int | None = None,
        keepalive_expiry: float | None = None,
        http1: bool = True,
        http2: bool = False,
        retries: int = 0,
        local_address: str | None = None,
        uds: str | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
        *,
        http1_parser: str | None = None,
        resolution: Resolution | None = None,
        happy_eyeballs_delay: float = HAPPY_EYEBALLS_DELAY,
    ) -> None:
        options = ConnectOptions(
            ssl_context=ssl_context,
            http1=http1,
            http2=http2,
            retries=retries,
            local_address=local_address,
            uds=uds,
            socket_options=socket_options,
            keepalive_expiry=keepalive_expiry,
            resolution=resolution,
            happy_eyeballs_delay=happy_eyeballs_delay,
        )
        self._setup(
            options, network_backend, max_connections, max_keepalive_connections, http1_parser
        )
        httpcore.AsyncConnectionPool.__init__(
            self,
            ssl_context=ssl_context,
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive_connections,
            keepalive_expiry=keepalive_expiry,
            http1=http1,
            http2=http2,
            retries=retries,
            local_address=local_address,
            uds=uds,
            network_backend=self._connector.backend,
            socket_options=socket_options,
        )


class AsyncHTTPProxyPool(AsyncPoolMixin, httpcore.AsyncHTTPProxy):
    """``httpcore.AsyncHTTPProxy``'s constructor; our pool, through an HTTP(S) proxy."""

    _httpcore_class = httpcore.AsyncHTTPProxy

    def __init__(
        self,
        proxy_url: httpcore.URL,
        proxy_auth: tuple[bytes, bytes] | None = None,
        proxy_headers: typing.Sequence[tuple[bytes, bytes]] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        proxy_ssl_context: ssl.SSLContext | None = None,
        max_connections: int | None = 10,
        max_keepalive_connections: int | None = None,
        keepalive_expiry: float | None = None,
        http1: bool = True,
        http2: bool = False,
        retries: int = 0,
        local_address: str | None = None,
        uds: str | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
        *,
        http1_parser: str | None = None,
        resolution: Resolution | None = None,
        happy_eyeballs_delay: float = HAPPY_EYEBALLS_DELAY,
    ) -> None:
        options = ConnectOptions(
            ssl_context=ssl_context,
            http1=http1,
            http2=http2,
            retries=retries,
            local_address=local_address,
            socket_options=socket_options,
            keepalive_expiry=keepalive_expiry,
            proxy=ProxyRoute.http(proxy_url, proxy_auth, proxy_headers, proxy_ssl_context),
            resolution=resolution,
            happy_eyeballs_delay=happy_eyeballs_delay,
        )
        self._setup(
            options, network_backend, max_connections, max_keepalive_connections, http1_parser
        )
        httpcore.AsyncHTTPProxy.__init__(
            self,
            proxy_url=proxy_url,
            proxy_auth=proxy_auth,
            proxy_headers=proxy_headers,
            ssl_context=ssl_context,
            proxy_ssl_context=proxy_ssl_context,
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive_connections,
            keepalive_expiry=keepalive_expiry,
            http1=http1,
            http2=http2,
            retries=retries,
            local_address=local_address,
            uds=uds,
            network_backend=self._connector.backend,
            socket_options=socket_options,
        )


class AsyncSOCKSProxyPool(AsyncPoolMixin, httpcore.AsyncSOCKSProxy):
    """``httpcore.AsyncSOCKSProxy``'s constructor; our pool, through a SOCKS5 proxy."""

    _httpcore_class = httpcore.AsyncSOCKSProxy

    def __init__(
        self,
        proxy_url: httpcore.URL,
        proxy_auth: tuple[bytes, bytes] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int | None = 10,
        max_keepalive_connections: int | None = None,
        keepalive_expiry: float | None = None,
        http1: bool = True,
        http2: bool = False,
        retries: int = 0,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        *,
        local_address: str | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
        http1_parser: str | None = None,
        resolution: Resolution | None = None,
        happy_eyeballs_delay: float = HAPPY_EYEBALLS_DELAY,
    ) -> None:
        options = ConnectOptions(
            ssl_context=ssl_context,
            http1=http1,
            http2=http2,
            retries=retries,
            local_address=local_address,
            socket_options=socket_options,
            keepalive_expiry=keepalive_expiry,
            proxy=ProxyRoute(proxy_url, auth=proxy_auth),
            resolution=resolution,
            happy_eyeballs_delay=happy_eyeballs_delay,
        )
        self._setup(
            options, network_backend, max_connections, max_keepalive_connections, http1_parser
        )
        httpcore.AsyncSOCKSProxy.__init__(
            self,
            proxy_url=proxy_url,
            proxy_auth=proxy_auth,
            ssl_context=ssl_context,
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive_connections,
            keepalive_expiry=keepalive_expiry,
            http1=http1,
            http2=http2,
            retries=retries,
            network_backend=self._connector.backend,
        )
