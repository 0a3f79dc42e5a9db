"""The default transport of `AsyncClient`: real HTTP over our connection pool.

Written once, as async code; scripts/unasync.py generates `sync_transport.py` (the
transport of `Client`). Both are imported from `default.py`, where libraries find them.

The transport turns our `Request` into an `httpcore.Request`, sends it through its pool
(``_pool``, an httpcore pool class on the outside: see pool/), and wraps the reply in our
`Response` with a streaming body. Closing the response closes the body stream, which
hands the connection back to the pool. httpcore's exceptions become ours in one place
(support.py): while sending, while reading the body, and while closing.

A response dropped without being closed gives its connection back when it is garbage
collected (pool/reclaim.py), with a ResourceWarning naming the request.

A request body's iterator that the connection stops iterating (sending failed, or was
cancelled, or the server answered early) is closed here, in this task, rather than left
to the garbage collector (where trio warns about unfinished async generators).

Each response carries the durations of its phases (``response.extensions["timings"]``,
see `httpx._timings`): the transport makes the request's `Timings` current while the
pool and the connect step work for it, marks when the head arrived, and its response
stream marks when the body ended. With ``retries=httpx.Retry(...)`` the transport sends
a request again as the policy says (`httpx._retry`), sleeping in between.
"""

from __future__ import annotations

import ssl
import typing
from collections.abc import AsyncIterable, AsyncIterator

import httpcore

from .._config import DEFAULT_LIMITS, Limits
from .._content import ByteStream
from .._deadline import current_deadline
from .._exceptions import HTTPStatusError, TransportError
from .._models import Request, Response
from .._retry import (
    Retry,
    async_back_off,
    plan_after_error,
    plan_after_response,
    status_error_message,
)
from .._timings import PoolStatus, Timings, current_timings
from .._types import AsyncByteStream, CertTypes, ProxyTypes
from .base import AsyncBaseTransport
from .network.async_primitives import AsyncShieldCancellation
from .network.resolution import ResolverTypes, ResolveTypes
from .pool import AsyncHTTPProxyPool, AsyncPool, AsyncSOCKSProxyPool
from .pool.reclaim import AsyncReclaimer, warn_dropped_response
from .support import (
    AsyncPoolClasses,
    create_pool,
    is_suspended_generator,
    make_resolution,
    make_response,
    map_httpcore_exceptions,
    to_httpcore_request,
    translate_exception,
    tunnelled_upgrade,
    wrong_body_stream,
)

if typing.TYPE_CHECKING:  # pragma: no cover
    from httpcore import SOCKET_OPTION

__all__ = ["AsyncHTTPTransport", "AsyncResponseStream"]


class AsyncResponseStream(AsyncByteStream):
    """A response body read from an httpcore stream, with its errors mapped to ours.

    Made by the transport with its `reclaimer`: if the stream is garbage collected
    unclosed (a dropped streamed response), its connection is reclaimed.
    """

    _closed = True  # until __init__ has run: nothing for __del__ to do
    _reclaimer: AsyncReclaimer | None = None
    _timings: Timings | None = None

    def __init__(
        self,
        httpcore_stream: AsyncIterable[bytes],
        request: Request | None = None,
        *,
        reclaimer: AsyncReclaimer | None = None,
        timings: Timings | None = None,
    ) -> None:
        self._httpcore_stream = httpcore_stream
        self._request = request
        self._closed = False
        self._iterator: AsyncIterator[bytes] | None = None
        if reclaimer is not None and reclaimer.is_reclaimable(httpcore_stream):
            self._reclaimer = reclaimer
        self._timings = timings

    def __aiter__(self) -> AsyncIterator[bytes]:
        # Our pool's streams iterate without a generator; another stream's iterator
        # (a generator, with httpcore's stock pools) is closed by `aclose()` if it was
        # left unfinished.
        self._iterator = self._httpcore_stream.__aiter__()
        return AsyncMappedIterator(self._iterator, self._request, self._timings)

    async def aclose(self) -> None:
        self._closed = True
        if self._timings is not None:
            self._timings.mark_body_done()
        iterator, self._iterator = self._iterator, None
        if iterator is not None and is_suspended_generator(iterator):
            with AsyncShieldCancellation(), map_httpcore_exceptions(self._request):
                await typing.cast(typing.Any, iterator).aclose()
        aclose = getattr(self._httpcore_stream, "aclose", None)
        if aclose is not None:
            with map_httpcore_exceptions(self._request):
                await aclose()
        if self._reclaimer is not None:
            self._reclaimer.drain()  # no pool lock is held here: a safe point

    def __del__(self) -> None:
        reclaimer = self._reclaimer
        if self._closed or reclaimer is None:
            return
        self._closed = True
        reclaimer.reclaim(typing.cast(typing.Any, self._httpcore_stream))
        warn_dropped_response(self._request)


class AsyncMappedIterator(AsyncIterator[bytes]):
    """Iterates an httpcore body, mapping its errors to ours."""

    __slots__ = ("_inner", "_request", "_timings")

    def __init__(
        self, inner: AsyncIterator[bytes], request: Request | None, timings: Timings | None = None
    ) -> None:
        self._inner = inner
        self._request = request
        self._timings = timings

    async def __anext__(self) -> bytes:
        try:
            return await self._inner.__anext__()
        except StopAsyncIteration:
            if self._timings is not None:
                self._timings.mark_body_done()
            raise
        except Exception as exc:
            mapped = translate_exception(exc, self._request)
            if mapped is None:
                raise
            raise mapped from exc


class AsyncTrackedBody(AsyncByteStream):
    """A request body as handed to the pool, remembering the iterator it starts, to
    close it if it is left unfinished (see the module docstring)."""

    __slots__ = ("_iterator", "_stream")

    def __init__(self, stream: AsyncByteStream) -> None:
        self._stream = stream
        self._iterator: AsyncIterator[bytes] | None = None

    @property
    def source(self) -> AsyncByteStream:
        """The body stream tracked (a sync connection may send a file body itself, see
        http11/sendfile.py)."""
        return self._stream

    def __aiter__(self) -> AsyncIterator[bytes]:
        self._iterator = self._stream.__aiter__()
        return self._iterator

    async def aclose(self) -> None:
        iterator, self._iterator = self._iterator, None
        if iterator is not None and is_suspended_generator(iterator):
            # Cleanup must run even when we got here by being cancelled.
            with AsyncShieldCancellation():
                await typing.cast(typing.Any, iterator).aclose()


class AsyncHTTPTransport(AsyncBaseTransport):
    """The network transport of `AsyncClient`: HTTP/1.1 and HTTP/2 over a connection pool.

    A client creates one from its own options; create one yourself for `retries`,
    `uds`, `local_address` or `socket_options`, or to mount it for some URLs only.

    Args:
        verify: TLS verification: `True` (certifi's CAs, or `SSL_CERT_FILE` /
            `SSL_CERT_DIR` with `trust_env`), `False`, or an `ssl.SSLContext`.
        cert: A client certificate (deprecated: load it into an `ssl.SSLContext`).
        trust_env: Read CA locations and `SSLKEYLOGFILE` from the environment.
        http1: Offer HTTP/1.1.
        http2: Offer HTTP/2 (needs the `h2` package).
        limits: Connection pool limits.
        proxy: A proxy URL or `httpx.Proxy` to send everything through.
        uds: Path of a Unix domain socket to connect through instead of TCP.
        local_address: Local IP address to connect from (`"0.0.0.0"` for IPv4 only),
            also for connections to a proxy.
        retries: An int: how many times to retry establishing a connection that failed
            (`ConnectError`, `ConnectTimeout`), as in httpx 0.28. An `httpx.Retry`:
            the whole retry policy (errors and statuses) for requests sent through
            this transport (see the "Retries" page).
        socket_options: `(level, option, value)` tuples set on each new socket, also on
            connections to a proxy.
        resolve: Static name resolution, like curl's `--resolve`: `{"host": "10.0.0.7"}`
            or `{"host:8443": ["10.0.0.7", "10.0.0.8"]}`. TLS and `Host` keep the name.
        resolver: A function `(host, port) -> list of IP addresses` (or None: ask the
            system), called for every other host name (with an async client, it may be
            an async function).
        happy_eyeballs_delay: Seconds before racing the next address of a host
            (RFC 8305; default 0.25).
    """

    # Set by __init__ for our pools; a subclass that builds its own pool goes without.
    _reclaimer: AsyncReclaimer | None = None
    _through_http_proxy = False  # (upgrades are then tunnelled: `tunnelled_upgrade`)

    def __init__(
        self,
        verify: ssl.SSLContext | str | bool = True,
        cert: CertTypes | None = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: Limits = DEFAULT_LIMITS,
        proxy: ProxyTypes | None = None,
        uds: str | None = None,
        local_address: str | None = None,
        retries: int | Retry = 0,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
        *,
        resolve: ResolveTypes | None = None,
        resolver: ResolverTypes | None = None,
        happy_eyeballs_delay: float | None = None,
    ) -> None:
        self._retry: Retry | None = retries if isinstance(retries, Retry) else None
        self._pool: httpcore.AsyncConnectionPool = create_pool(
            AsyncPoolClasses,
            verify,
            cert,
            trust_env,
            http1,
            http2,
            limits,
            proxy,
            uds,
            local_address,
            0 if isinstance(retries, Retry) else retries,
            socket_options,
            resolution=make_resolution(resolve, resolver, self),
            happy_eyeballs_delay=happy_eyeballs_delay,
        )
        if isinstance(self._pool, (AsyncPool, AsyncHTTPProxyPool, AsyncSOCKSProxyPool)):
            self._reclaimer = AsyncReclaimer()
        # (httpcore's own proxy pool, the fallback, starts TLS in every tunnel.)
        self._through_http_proxy = isinstance(self._pool, AsyncHTTPProxyPool)

    # Entering and leaving: the base class's (nothing to do on entry; `aclose()` on exit).

    async def handle_async_request(self, request: Request) -> Response:
        if self._retry is not None:
            return await self._send_with_retries(request, self._retry)
        return await self._send(request)

    async def _send_with_retries(self, request: Request, retry: Retry) -> Response:
        """Send `request` as often as `retry` says (the policy is `httpx._retry`'s)."""
        while True:
            deadline = current_deadline.get()
            remaining = None if deadline is None else deadline.remaining()
            try:
                response = await self._send(request)
            except TransportError as exc:
                plan = plan_after_error(retry, request, exc, remaining)
                if plan is None or plan.exhausted:
                    raise
            else:
                plan = plan_after_response(retry, request, response, remaining)
                if plan is None or (plan.exhausted and not retry.raise_on_status):
                    return response
                try:
                    await response.aread()  # so that the connection can be reused
                except TransportError:
                    await response.aclose()
                if plan.exhausted:
                    response.request = request
                    message = status_error_message(response, len(retry.history))
                    raise HTTPStatusError(message, request=request, response=response)
            await async_back_off(request, plan)
            retry = plan.retry

    def pool_status(self) -> dict[str, PoolStatus]:
        """Per origin ("https://example.com:443"): idle and active connections, and the
        requests queued for one (empty with httpcore's stock pools)."""
        status = getattr(self._pool, "pool_status", None)
        return {} if status is None else dict(status())

    async def _send(self, request: Request) -> Response:
        stream = request.stream
        if not isinstance(stream, AsyncByteStream):
            raise wrong_body_stream(self, request)
        reclaimer = self._reclaimer
        if reclaimer is not None:
            reclaimer.drain()
        # An in-memory body leaves no iterator behind (and goes out in one write with
        # the head): no tracking needed.
        body = stream if type(stream) is ByteStream else AsyncTrackedBody(stream)
        core_request = to_httpcore_request(request, body)
        if self._through_http_proxy:
            core_request = tunnelled_upgrade(core_request)
        timings = Timings()
        token = current_timings.set(timings)
        try:
            response = await self._pool.handle_async_request(core_request)
        except Exception as exc:
            mapped = translate_exception(exc, request)
            if mapped is None:
                raise
            raise mapped from exc
        finally:
            current_timings.reset(token)
            # The pool is done with the body once it has the response head (or failed).
            if body is not stream:
                await body.aclose()
        timings.mark_head()
        body_stream = typing.cast(AsyncIterable[bytes], response.stream)
        if reclaimer is not None:
            reclaimer = reclaimer.current()
        reply = make_response(
            response,
            AsyncResponseStream(body_stream, request, reclaimer=reclaimer, timings=timings),
        )
        reply.extensions["timings"] = timings
        return reply

    async def aclose(self) -> None:
        if self._reclaimer is not None:
            self._reclaimer.drain()
        with map_httpcore_exceptions():
            await self._pool.aclose()


# `httpx.AsyncHTTPTransport` as users see it (in reprs and tracebacks), however it was imported:
# `import httpx` loads this module on first use (httpx/__init__.py `_LAZY`).
AsyncHTTPTransport.__module__ = "httpx"
