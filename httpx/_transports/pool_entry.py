"""httpcore's pool entry points (`handle_request` / `handle_async_request`), leaner.

Why
---
httpcore's pools wrap every request in machinery that costs more than our HTTP/1.1
connection's whole exchange: an event object per request (a threading.Event with its
Condition and Lock; on the async side an anyio Event set up through sniffio, and an
``anyio.fail_after`` scope around every wait), two shielded cancel scopes per request for
closing connections even when there are none to close, one more around closing the
response, a second `Response` whose every header is re-checked, and an async generator
around the body. Requests that have to queue for a connection (1,000 tasks sharing 100
connections) pay for all of it on every wait.

How
---
`AsyncFastPoolEntry` / `FastPoolEntry` are mixins for our indexed pools (see pool.py)
that run httpcore's algorithm unchanged (the same request list and assignment pass,
the same retry on `ConnectionNotAvailable`, the same exceptions) with:

* `FastAsyncPoolRequest` / `FastPoolRequest`: httpcore's pool request, whose waiting
  primitive (a future and one timer on asyncio, a trio Event, a threading.Event) is
  created only if the request actually has to wait;
* no cancel scope when nothing needs closing, and none around closing an HTTP/1.1
  response of ours (it closes without awaiting anything);
* the response body as a subclass of httpcore's `PoolByteStream` (code that recognises
  pool streams, like `reclaim.py`, still does), iterated without an extra generator.

Code that patches httpcore's entry points still sees every request: when
``httpcore.(Async)ConnectionPool.handle_(async_)request`` is not httpcore's own function
any more (respx's mocker patches it), the mixins hand the request to it.
"""

from __future__ import annotations

import asyncio
import math
import sys
import threading
import typing
from collections.abc import AsyncIterator, Iterator

import httpcore
import sniffio
from httpcore._async.connection_pool import AsyncPoolRequest
from httpcore._async.connection_pool import PoolByteStream as AsyncPoolByteStream
from httpcore._sync.connection_pool import PoolByteStream, PoolRequest
from httpcore._synchronization import AsyncShieldCancellation

from .http11 import AsyncHTTP11Body

__all__ = [
    "AsyncFastPoolEntry",
    "FastAsyncPoolRequest",
    "FastPoolEntry",
    "FastPoolRequest",
]

# httpcore's own entry points, to notice when something (respx) has patched them.
_ASYNC_POOL_ENTRY = httpcore.AsyncConnectionPool.handle_async_request
_POOL_ENTRY = httpcore.ConnectionPool.handle_request

_SCHEMES = (b"http", b"https", b"ws", b"wss")


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


def _pool_response(
    response: httpcore.Response, stream: AsyncPoolByteStream | PoolByteStream
) -> httpcore.Response:
    # What httpcore's pool returns, without re-checking every header of a response the
    # connection has just built.
    pooled = httpcore.Response.__new__(httpcore.Response)
    pooled.status = response.status
    pooled.headers = response.headers
    pooled.stream = stream
    pooled.extensions = response.extensions
    pooled._stream_consumed = False
    return pooled


# --- async --------------------------------------------------------------------------------------


class FastAsyncPoolRequest(AsyncPoolRequest):
    """httpcore's AsyncPoolRequest, making its waiting primitive only when it waits."""

    def __init__(self, request: httpcore.Request) -> None:
        self.request = request
        self.connection: httpcore.AsyncConnectionInterface | None = None
        self._waiter: typing.Any = None  # an asyncio Future or a trio Event

    def assign_to_connection(self, connection: httpcore.AsyncConnectionInterface | None) -> None:
        self.connection = connection
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if isinstance(waiter, asyncio.Future):
                if not waiter.done():
                    waiter.set_result(None)
            else:
                waiter.set()

    def clear_connection(self) -> None:
        self.connection = None

    async def wait_for_connection(
        self, timeout: float | None = None
    ) -> httpcore.AsyncConnectionInterface:
        if self.connection is None:
            if sniffio.current_async_library() == "trio":
                await self._wait_trio(timeout)
            else:
                await self._wait_asyncio(timeout)
        assert self.connection is not None
        return self.connection

    async def _wait_asyncio(self, timeout: float | None) -> None:
        loop = asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        timer = None if timeout is None else loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()
        if self.connection is None:
            raise httpcore.PoolTimeout()

    async def _wait_trio(self, timeout: float | None) -> None:
        trio = sys.modules["trio"]
        self._waiter = trio.Event()
        try:
            if timeout is None:
                await self._waiter.wait()
            else:
                with trio.move_on_after(timeout):
                    await self._waiter.wait()
        finally:
            self._waiter = None
        if self.connection is None:
            raise httpcore.PoolTimeout()

    def is_queued(self) -> bool:
        return self.connection is None


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class FastAsyncPoolByteStream(AsyncPoolByteStream):
    """httpcore's pool stream: closing it hands the connection back to the pool."""

    def __aiter__(self) -> AsyncIterator[bytes]:
        return _AsyncPoolChunks(self, self._stream.__aiter__())

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        stream = self._stream
        pool = self._pool
        try:
            if type(stream) is AsyncHTTP11Body and not stream._traced:
                # Closes synchronously: nothing a cancellation could interrupt.
                await stream.aclose()
            else:
                with AsyncShieldCancellation():
                    aclose = getattr(stream, "aclose", None)
                    if aclose is not None:
                        await aclose()
        finally:
            pool._requests.remove(self._pool_request)
            closing = pool._assign_requests_to_connections()
            if closing:
                await pool._close_connections(closing)


class _AsyncPoolChunks:
    """Iterates the connection's body; a failure closes the pool stream (as httpcore's
    generator does), without an async generator of its own."""

    __slots__ = ("_chunks", "_owner")

    def __init__(self, owner: FastAsyncPoolByteStream, chunks: AsyncIterator[bytes]) -> None:
        self._owner = owner
        self._chunks = chunks

    def __aiter__(self) -> _AsyncPoolChunks:
        return self

    async def __anext__(self) -> bytes:
        try:
            return await self._chunks.__anext__()
        except StopAsyncIteration:
            raise
        except BaseException:
            await self._owner.aclose()
            raise

    async def aclose(self) -> None:
        aclose = getattr(self._chunks, "aclose", None)
        if aclose is not None:
            await aclose()


class AsyncFastPoolEntry:
    """Mixin for `httpcore.AsyncConnectionPool` subclasses (see the module docstring)."""

    if typing.TYPE_CHECKING:  # pragma: no cover - set by httpcore's pool
        _requests: list[AsyncPoolRequest]

        def _assign_requests_to_connections(self) -> list[httpcore.AsyncConnectionInterface]: ...
        async def _close_connections(
            self, closing: list[httpcore.AsyncConnectionInterface]
        ) -> None: ...

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        if httpcore.AsyncConnectionPool.handle_async_request is not _ASYNC_POOL_ENTRY:
            # httpcore's method has been patched (respx does): let the patch see it.
            return await httpcore.AsyncConnectionPool.handle_async_request(
                typing.cast(httpcore.AsyncConnectionPool, self), request
            )
        _check_scheme(request)
        timeouts = request.extensions.get("timeout", {})
        timeout = timeouts.get("pool", None)
        pool_request = FastAsyncPoolRequest(request)
        # (The async pool's thread lock is a no-op: nothing to take around these.)
        self._requests.append(pool_request)
        try:
            while True:
                closing = self._assign_requests_to_connections()
                if closing:
                    await self._close_connections(closing)
                connection = pool_request.connection
                if connection is None:
                    connection = await pool_request.wait_for_connection(timeout=timeout)
                try:
                    response = await connection.handle_async_request(request)
                except httpcore.ConnectionNotAvailable:
                    # It looked available but turned out not to be (an HTTP/1.1 connection
                    # taken meanwhile, an HTTP/2 one closing): queue up again.
                    pool_request.clear_connection()
                else:
                    break
        except BaseException as exc:
            self._requests.remove(pool_request)
            closing = self._assign_requests_to_connections()
            if closing:
                await self._close_connections(closing)
            raise exc from None
        stream = FastAsyncPoolByteStream(
            stream=typing.cast(typing.AsyncIterable[bytes], response.stream),
            pool_request=pool_request,
            pool=typing.cast(httpcore.AsyncConnectionPool, self),
        )
        return _pool_response(response, stream)


# --- sync ----------------------------------------------------------------------------------------


class FastPoolRequest(PoolRequest):
    """httpcore's PoolRequest, making its threading.Event only when it waits.

    `assign_to_connection` runs under the pool's thread lock; so does the check that
    decides to wait (see `FastPoolEntry._wait`), so a connection cannot be assigned
    between that check and the event being there to wake the waiter.
    """

    def __init__(self, request: httpcore.Request) -> None:
        self.request = request
        self.connection: httpcore.ConnectionInterface | None = None
        self._event: threading.Event | None = None

    def assign_to_connection(self, connection: httpcore.ConnectionInterface | None) -> None:
        self.connection = connection
        event = self._event
        if event is not None:
            event.set()

    def clear_connection(self) -> None:
        self.connection = None
        self._event = None

    def is_queued(self) -> bool:
        return self.connection is None


class FastPoolByteStream(PoolByteStream):
    """httpcore's pool stream: closing it hands the connection back to the pool."""

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._stream
        except BaseException as exc:
            self.close()
            raise exc from None

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        pool = self._pool
        try:
            close = getattr(self._stream, "close", None)
            if close is not None:
                close()
        finally:
            with pool._optional_thread_lock:
                pool._requests.remove(self._pool_request)
                closing = pool._assign_requests_to_connections()
            if closing:
                pool._close_connections(closing)


class FastPoolEntry:
    """Mixin for `httpcore.ConnectionPool` subclasses (see the module docstring)."""

    if typing.TYPE_CHECKING:  # pragma: no cover - set by httpcore's pool
        _requests: list[PoolRequest]
        _optional_thread_lock: typing.Any

        def _assign_requests_to_connections(self) -> list[httpcore.ConnectionInterface]: ...
        def _close_connections(self, closing: list[httpcore.ConnectionInterface]) -> None: ...

    def handle_request(self, request: httpcore.Request) -> httpcore.Response:
        if httpcore.ConnectionPool.handle_request is not _POOL_ENTRY:
            # httpcore's method has been patched (respx does): let the patch see it.
            return httpcore.ConnectionPool.handle_request(
                typing.cast(httpcore.ConnectionPool, self), request
            )
        _check_scheme(request)
        timeouts = request.extensions.get("timeout", {})
        timeout = timeouts.get("pool", None)
        lock = self._optional_thread_lock
        pool_request = FastPoolRequest(request)
        with lock:
            self._requests.append(pool_request)
            # The first assignment pass in the same hold of the lock (httpcore takes it
            # twice): nothing can happen in between that a second acquisition would see.
            closing = self._assign_requests_to_connections()
        try:
            while True:
                if closing:
                    self._close_connections(closing)
                connection = pool_request.connection
                if connection is None:
                    connection = self._wait(pool_request, timeout)
                try:
                    response = connection.handle_request(request)
                except httpcore.ConnectionNotAvailable:
                    pool_request.clear_connection()
                    with lock:
                        closing = self._assign_requests_to_connections()
                else:
                    break
        except BaseException as exc:
            with lock:
                self._requests.remove(pool_request)
                closing = self._assign_requests_to_connections()
            if closing:
                self._close_connections(closing)
            raise exc from None
        stream = FastPoolByteStream(
            stream=typing.cast(typing.Iterable[bytes], response.stream),
            pool_request=pool_request,
            pool=typing.cast(httpcore.ConnectionPool, self),
        )
        return _pool_response(response, stream)

    def _wait(
        self, pool_request: FastPoolRequest, timeout: float | None
    ) -> httpcore.ConnectionInterface:
        with self._optional_thread_lock:
            connection = pool_request.connection
            if connection is not None:
                return connection
            event = pool_request._event = threading.Event()
        if not event.wait(None if timeout == math.inf else timeout):
            with self._optional_thread_lock:
                connection = pool_request.connection
                if connection is None:
                    raise httpcore.PoolTimeout()
                return connection
        assert pool_request.connection is not None
        return pool_request.connection
