"""The default transports: real HTTP over httpcore's connection pools.

`HTTPTransport` / `AsyncHTTPTransport` turn our `Request` into an `httpcore.Request`, send
it through a pool, and wrap the reply in our `Response` with a streaming body. Closing the
response closes the body stream, which hands the connection back to the pool.

Pools: without a proxy, `_pool` is an `IndexedPool` / `AsyncIndexedPool` (see `pool.py`:
httpcore's pool with O(1) bookkeeping); through an HTTP(S) or SOCKS5 proxy it is the
indexed subclass of `httpcore.HTTPProxy` / `httpcore.SOCKSProxy`. Each is a subclass of
the httpcore class it replaces and keeps its public `handle_request` /
`handle_async_request`, so code that patches those (respx) sees our requests.

This module is the one place where httpcore's exceptions become httpx's
(`map_httpcore_exceptions`): while sending, while reading the body, and while closing.

Cancellation hygiene on the async side, for two gaps in httpcore 1.0.9: the request body
iterator httpcore abandons when sending fails or is cancelled is closed here
(`_TrackedBody`), and a TLS handshake that is cancelled closes its socket (the network
backends in `network.py`), instead of leaving both to the garbage collector.

The overall deadline (``Timeout(total=...)``, see `httpx._deadline`): the pool wait is
shortened here to the time the request has left, each network operation in `network.py`;
a timeout raised once the deadline has passed says so in its message.

A response dropped without being closed gives its connection back when it is garbage
collected (`reclaim.py`), with a ResourceWarning naming the request.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import ssl
import sys
import typing
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from types import TracebackType

import anyio
import httpcore

from .._config import DEFAULT_LIMITS, Limits, Proxy, transport_ssl_context
from .._content import ByteStream
from .._deadline import current_deadline
from .._exceptions import (
    CloseError,
    ConnectError,
    ConnectTimeout,
    LocalProtocolError,
    NetworkError,
    PoolTimeout,
    ProtocolError,
    ProxyError,
    ReadError,
    ReadTimeout,
    RemoteProtocolError,
    TimeoutException,
    TransportError,
    UnsupportedProtocol,
    WriteError,
    WriteTimeout,
)
from .._headers import Headers
from .._models import Request, Response
from .._types import AsyncByteStream, CertTypes, ProxyTypes, SyncByteStream
from .._urls import URL
from ._httpcore_seam import pool_subclassing_supported
from .base import AsyncBaseTransport, BaseTransport
from .http11 import parser_factory
from .network import limit_timeout
from .network.backends import AsyncNativeBackend, NativeBackend
from .network.deadline import AsyncDeadlineBackend, DeadlineBackend
from .pool import (
    POOL_ATTRIBUTES,
    AsyncHTTPProxyPool,
    AsyncPool,
    AsyncSOCKSProxyPool,
    HTTPProxyPool,
    Pool,
    SOCKSProxyPool,
)
from .pool.reclaim import (
    SyncReclaimer,
    event_loop_handle,
    is_async_pool_stream,
    schedule_async_reclaim,
    warn_dropped_response,
)

if typing.TYPE_CHECKING:  # pragma: no cover
    from httpcore import SOCKET_OPTION

T = typing.TypeVar("T", bound="HTTPTransport")
A = typing.TypeVar("A", bound="AsyncHTTPTransport")

__all__ = [
    "AsyncHTTPTransport",
    "AsyncResponseStream",
    "HTTPTransport",
    "ResponseStream",
    "map_httpcore_exceptions",
]


# --- exceptions ---------------------------------------------------------------------------

# The one table from httpcore's exceptions to ours. Lookup walks the raised exception's MRO,
# so the most specific entry wins (httpcore.ReadTimeout -> ReadTimeout, not
# TimeoutException), and subclasses of httpcore's exceptions map like their parents.
HTTPCORE_EXC_MAP: dict[type[BaseException], type[TransportError]] = {
    httpcore.TimeoutException: TimeoutException,
    httpcore.ConnectTimeout: ConnectTimeout,
    httpcore.ReadTimeout: ReadTimeout,
    httpcore.WriteTimeout: WriteTimeout,
    httpcore.PoolTimeout: PoolTimeout,
    httpcore.NetworkError: NetworkError,
    httpcore.ConnectError: ConnectError,
    httpcore.ReadError: ReadError,
    httpcore.WriteError: WriteError,
    httpcore.ProxyError: ProxyError,
    httpcore.UnsupportedProtocol: UnsupportedProtocol,
    httpcore.ProtocolError: ProtocolError,
    httpcore.LocalProtocolError: LocalProtocolError,
    httpcore.RemoteProtocolError: RemoteProtocolError,
}
# httpcore 1.0 has no CloseError (a failed close surfaces as its other errors); map it if
# a later version adds one.
_httpcore_close_error: object = getattr(httpcore, "CloseError", None)
if isinstance(_httpcore_close_error, type) and issubclass(_httpcore_close_error, Exception):
    HTTPCORE_EXC_MAP[_httpcore_close_error] = CloseError


def _translate(exc: BaseException, request: Request | None) -> TransportError | None:
    """The httpx exception for an httpcore one (None: not httpcore's, let it through)."""
    for cls in type(exc).__mro__:
        mapped = HTTPCORE_EXC_MAP.get(cls)
        if mapped is not None:
            message = str(exc)
            if issubclass(mapped, TimeoutException):
                deadline = current_deadline.get()
                if deadline is not None and deadline.expired():
                    # A per-operation timeout we shortened to the request's remaining
                    # time: the total deadline is what ran out.
                    message = deadline.message(mapped)
            return mapped(message, request=request)
    # httpcore 1.0.9 lets h2's ProtocolError escape when requests queued on a new HTTP/2
    # connection find it closed (its first request was cancelled while sending the
    # connection preface). httpcore reports h2 errors it does catch as LocalProtocolError.
    # h2 is optional and may not be imported at all: look it up only on this rare path.
    h2_exceptions = sys.modules.get("h2.exceptions")
    if h2_exceptions is not None and isinstance(exc, h2_exceptions.ProtocolError):
        return LocalProtocolError(f"HTTP/2 protocol error: {exc}", request=request)
    return None


@contextlib.contextmanager
def map_httpcore_exceptions(request: Request | None = None) -> Iterator[None]:
    """Re-raise httpcore exceptions raised inside the block as their httpx counterparts.

    The message is kept, the original is chained (``raise ... from exc``) and `request`,
    when given, is attached as ``.request``. Other exceptions pass through unchanged.
    """
    try:
        yield
    except Exception as exc:
        mapped = _translate(exc, request)
        if mapped is None:
            raise
        raise mapped from exc


def _require(module: str, extra: str, feature: str) -> None:
    # A clear message at configuration time beats httpcore's failure at the first request.
    if importlib.util.find_spec(module) is None:
        raise ImportError(
            f"{feature}, but the {module!r} package is not installed. "
            f"Make sure to install httpx using `pip install httpx[{extra}]`."
        )


# --- response bodies ----------------------------------------------------------------------


class ResponseStream(SyncByteStream):
    """A response body read from an httpcore stream, with its errors mapped to ours.

    Made by `HTTPTransport` with its `reclaimer`: if the stream is garbage collected
    unclosed (a dropped streamed response), its connection is reclaimed (`reclaim.py`).
    """

    _closed = True  # until __init__ has run: nothing for __del__ to do
    _reclaimer: SyncReclaimer | None = None

    def __init__(
        self,
        httpcore_stream: Iterable[bytes],
        request: Request | None = None,
        *,
        reclaimer: SyncReclaimer | None = None,
    ) -> None:
        self._httpcore_stream = httpcore_stream
        self._request = request
        self._closed = False
        if reclaimer is not None and reclaimer.is_reclaimable(httpcore_stream):
            self._reclaimer = reclaimer

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._httpcore_stream
        except Exception as exc:
            mapped = _translate(exc, self._request)
            if mapped is None:
                raise
            raise mapped from exc

    def close(self) -> None:
        self._closed = True
        close = getattr(self._httpcore_stream, "close", None)
        if close is not None:
            with map_httpcore_exceptions(self._request):
                close()
        if self._reclaimer is not None:
            self._reclaimer.drain()  # no pool lock is held here: a safe point

    def __del__(self) -> None:
        reclaimer = self._reclaimer
        if self._closed or reclaimer is None:
            return
        self._closed = True
        reclaimer.reclaim(typing.cast(typing.Any, self._httpcore_stream))
        warn_dropped_response(self._request)


class AsyncResponseStream(AsyncByteStream):
    """The async twin of `ResponseStream`.

    Made by `AsyncHTTPTransport` with `loop`, the event loop (or trio token) it runs on:
    if the stream is garbage collected unclosed, its connection is closed by a task
    scheduled on that loop (`reclaim.py`).
    """

    _closed = True  # until __init__ has run: nothing for __del__ to do
    _loop: typing.Any = None

    def __init__(
        self,
        httpcore_stream: AsyncIterable[bytes],
        request: Request | None = None,
        *,
        loop: typing.Any = None,
    ) -> None:
        self._httpcore_stream = httpcore_stream
        self._request = request
        self._closed = False
        self._iterator: AsyncIterator[bytes] | None = None
        if loop is not None and is_async_pool_stream(httpcore_stream):
            self._loop = loop

    def __aiter__(self) -> AsyncIterator[bytes]:
        # A body left unfinished (the caller broke out, or was cancelled) must leave no
        # async generator for the garbage collector to finalize: trio warns about each
        # one it finds. Our pool's streams iterate without one; another stream's
        # iterator (a generator, with httpcore's stock pools) is closed by `aclose()`.
        self._iterator = self._httpcore_stream.__aiter__()
        return _MappedAsyncIterator(self._iterator, self._request)

    async def aclose(self) -> None:
        self._closed = True
        iterator, self._iterator = self._iterator, None
        if iterator is not None:
            # httpcore's body iterator is an async generator: close it here, in this
            # task (it then runs its own cleanup), not in the garbage collector.
            await _aclose_generator(iterator, self._request)
        aclose = getattr(self._httpcore_stream, "aclose", None)
        if aclose is not None:
            with map_httpcore_exceptions(self._request):
                await aclose()

    def __del__(self) -> None:
        loop = self._loop
        if self._closed or loop is None:
            return
        self._closed = True
        schedule_async_reclaim(loop, typing.cast(typing.Any, self._httpcore_stream))
        warn_dropped_response(self._request)


class _MappedAsyncIterator(AsyncIterator[bytes]):
    """Iterates an httpcore body, mapping its errors to ours."""

    __slots__ = ("_inner", "_request")

    def __init__(self, inner: AsyncIterator[bytes], request: Request | None) -> None:
        self._inner = inner
        self._request = request

    async def __anext__(self) -> bytes:
        try:
            return await self._inner.__anext__()
        except StopAsyncIteration:
            raise
        except Exception as exc:
            mapped = _translate(exc, self._request)
            if mapped is None:
                raise
            raise mapped from exc


async def _aclose_generator(iterator: AsyncIterator[bytes], request: Request | None) -> None:
    # A finished generator has no frame left, and a running one cannot be closed (the
    # task iterating it will finish it): nothing to do for either.
    if getattr(iterator, "ag_frame", None) is None or getattr(iterator, "ag_running", False):
        return
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        with anyio.CancelScope(shield=True), map_httpcore_exceptions(request):
            await aclose()


# --- configuration shared by both transports ----------------------------------------------


def _as_proxy(proxy: ProxyTypes | None) -> Proxy | None:
    if proxy is None or isinstance(proxy, Proxy):
        return proxy
    if isinstance(proxy, (str, URL)):
        return Proxy(url=proxy)
    raise TypeError(f"proxy must be a URL string, an httpx.URL or an httpx.Proxy, not {proxy!r}")


P = typing.TypeVar("P", httpcore.ConnectionPool, httpcore.AsyncConnectionPool)


@dataclasses.dataclass(frozen=True)
class _PoolClasses(typing.Generic[P]):
    """Our pools for one side, httpcore's stock ones to fall back on, and the network
    backend both run over."""

    direct: typing.Callable[..., P]
    http_proxy: typing.Callable[..., P]
    socks_proxy: typing.Callable[..., P]
    stock: tuple[typing.Callable[..., P], typing.Callable[..., P], typing.Callable[..., P]]
    backend: typing.Callable[[], typing.Any]

    def pick(
        self, ours: typing.Callable[..., P], stock: typing.Callable[..., P]
    ) -> typing.Callable[..., P]:
        # Our pools subclass httpcore's; if the httpcore installed no longer allows that
        # (see _httpcore_seam.py), httpcore's own pools do the work.
        if pool_subclassing_supported(typing.cast(type, ours), POOL_ATTRIBUTES):
            return ours
        return stock


SYNC_POOLS = _PoolClasses[httpcore.ConnectionPool](
    Pool,
    HTTPProxyPool,
    SOCKSProxyPool,
    (httpcore.ConnectionPool, httpcore.HTTPProxy, httpcore.SOCKSProxy),
    lambda: DeadlineBackend(NativeBackend()),
)
ASYNC_POOLS = _PoolClasses[httpcore.AsyncConnectionPool](
    AsyncPool,
    AsyncHTTPProxyPool,
    AsyncSOCKSProxyPool,
    (httpcore.AsyncConnectionPool, httpcore.AsyncHTTPProxy, httpcore.AsyncSOCKSProxy),
    lambda: AsyncDeadlineBackend(AsyncNativeBackend()),
)


def _create_pool(
    classes: _PoolClasses[P],
    verify: ssl.SSLContext | str | bool,
    cert: CertTypes | None,
    trust_env: bool,
    http1: bool,
    http2: bool,
    limits: Limits,
    proxy: ProxyTypes | None,
    uds: str | None,
    local_address: str | None,
    retries: int,
    socket_options: typing.Iterable[SOCKET_OPTION] | None,
) -> P:
    """The pool for a transport's configuration (as httpx 0.28 builds it)."""
    if http2:
        _require("h2", "http2", "Using http2=True")
    parser_factory()  # HTTPX_HTTP1_PARSER names an engine that is there: say so now
    proxy = _as_proxy(proxy)
    if proxy is not None and proxy.url.scheme not in ("http", "https", "socks5", "socks5h"):
        raise ValueError(
            "Proxy protocol must be either 'http', 'https', 'socks5', or 'socks5h',"
            f" but got {proxy.url.scheme!r}."
        )
    ssl_context = transport_ssl_context(verify, cert, trust_env, http2=http2)
    common: dict[str, typing.Any] = {
        "ssl_context": ssl_context,
        "max_connections": limits.max_connections,
        "max_keepalive_connections": limits.max_keepalive_connections,
        "keepalive_expiry": limits.keepalive_expiry,
        "http1": http1,
        "http2": http2,
        "network_backend": classes.backend(),
    }
    direct, http_proxy, socks_proxy = classes.stock
    if proxy is None:
        return classes.pick(classes.direct, direct)(
            uds=uds,
            local_address=local_address,
            retries=retries,
            socket_options=socket_options,
            **common,
        )
    if proxy.url.scheme in ("http", "https"):
        return classes.pick(classes.http_proxy, http_proxy)(
            proxy_url=_httpcore_url(proxy.url),
            proxy_auth=proxy.raw_auth,
            proxy_headers=proxy.headers.raw,
            proxy_ssl_context=proxy.ssl_context,
            socket_options=socket_options,
            **common,
        )
    _require("socksio", "socks", "Using SOCKS proxy")
    return classes.pick(classes.socks_proxy, socks_proxy)(
        proxy_url=_httpcore_url(proxy.url),
        proxy_auth=proxy.raw_auth,
        **common,
    )


def _httpcore_url(url: URL) -> httpcore.URL:
    # The parts are bytes from our parsed URL: set them without httpcore's re-checks.
    core_url = httpcore.URL.__new__(httpcore.URL)
    core_url.scheme = url.raw_scheme
    core_url.host = url.raw_host
    core_url.port = url.port
    core_url.target = url.raw_path
    return core_url


def _to_httpcore_request(
    request: Request, content: SyncByteStream | AsyncByteStream
) -> httpcore.Request:
    extensions = request.extensions
    if current_deadline.get() is not None:
        extensions = _extensions_within_deadline(extensions)
    method = request.method
    if "target" in extensions or not method.isascii():
        return httpcore.Request(
            method=method,
            url=_httpcore_url(request.url),
            headers=request.headers.raw,
            content=content,
            extensions=extensions,
        )
    # What httpcore.Request() would build, without re-checking each header name and
    # value (the Headers model holds bytes already).
    core_request = httpcore.Request.__new__(httpcore.Request)
    core_request.method = method.encode("ascii")
    core_request.url = _httpcore_url(request.url)
    core_request.headers = request.headers.raw
    core_request.stream = content
    core_request.extensions = extensions
    return core_request


def _extensions_within_deadline(
    extensions: typing.Mapping[str, typing.Any],
) -> dict[str, typing.Any]:
    """The request's extensions with the pool timeout cut to the deadline's remaining time.

    The pool wait starts now; the timeouts of later operations are cut when they start
    (`network.py`). Raises httpcore's PoolTimeout when no time is left.
    """
    timeouts = extensions.get("timeout")
    limited = dict(timeouts) if isinstance(timeouts, typing.Mapping) else {}
    limited["pool"] = limit_timeout(limited.get("pool"), PoolTimeout)
    return {**extensions, "timeout": limited}


class _TrackedBody(AsyncByteStream):
    """The request body as handed to httpcore, remembering the iterator httpcore starts.

    httpcore drops that iterator mid-way when sending fails or is cancelled (and after a
    swallowed write error, when the server answered early). An async generator dropped
    unfinished is finalised by the garbage collector, where trio warns about it; closing it
    ourselves instead runs the body's cleanup now, in this task.
    """

    __slots__ = ("_iterator", "_stream")

    def __init__(self, stream: AsyncByteStream) -> None:
        self._stream = stream
        self._iterator: AsyncIterator[bytes] | None = None

    def __aiter__(self) -> AsyncIterator[bytes]:
        self._iterator = self._stream.__aiter__()
        return self._iterator

    async def aclose(self) -> None:
        iterator, self._iterator = self._iterator, None
        # A finished async generator has no frame left: nothing to clean up (the usual
        # case, and the cheap one).
        if iterator is None or getattr(iterator, "ag_frame", True) is None:
            return
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            # Cleanup must run even when we got here by being cancelled.
            with anyio.CancelScope(shield=True):
                await aclose()


# --- the transports -------------------------------------------------------------------------


class HTTPTransport(BaseTransport):
    """The network transport of `Client`: HTTP/1.1 and HTTP/2 over a connection pool.

    Built on httpcore (h11 for HTTP/1.1, h2 for HTTP/2) with our constant-time pool.
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
        local_address: Local IP address to connect from (`"0.0.0.0"` for IPv4 only).
        retries: How many times to retry establishing a connection that failed
            (`ConnectError`, `ConnectTimeout`); requests are never resent.
        socket_options: `(level, option, value)` tuples set on each new socket.
    """

    # Set by __init__; a subclass that builds its own pool instead goes without.
    _reclaimer: SyncReclaimer | None = None

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
        retries: int = 0,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
    ) -> None:
        self._pool: httpcore.ConnectionPool = _create_pool(
            SYNC_POOLS,
            verify,
            cert,
            trust_env,
            http1,
            http2,
            limits,
            proxy,
            uds,
            local_address,
            retries,
            socket_options,
        )
        if isinstance(self._pool, (Pool, HTTPProxyPool, SOCKSProxyPool)):
            self._reclaimer = SyncReclaimer()

    def __enter__(self: T) -> T:  # Use generics for subclass support.
        self._pool.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        if self._reclaimer is not None:
            self._reclaimer.drain()
        with map_httpcore_exceptions():
            self._pool.__exit__(exc_type, exc_value, traceback)

    def handle_request(self, request: Request) -> Response:
        if not isinstance(request.stream, SyncByteStream):
            raise TypeError(
                "HTTPTransport needs a request with a sync body stream, got "
                f"{type(request.stream).__name__}; use AsyncHTTPTransport for async bodies."
            )
        if self._reclaimer is not None:
            self._reclaimer.drain()
        try:
            resp = self._pool.handle_request(_to_httpcore_request(request, request.stream))
        except Exception as exc:
            mapped = _translate(exc, request)
            if mapped is None:
                raise
            raise mapped from exc
        return Response(
            status_code=resp.status,
            # h11/h2 validated these while parsing: no need to check them again.
            headers=Headers._from_trusted(resp.headers),
            # httpcore's sync pools return sync streams.
            stream=ResponseStream(
                typing.cast(Iterable[bytes], resp.stream), request, reclaimer=self._reclaimer
            ),
            extensions=resp.extensions,
        )

    def close(self) -> None:
        if self._reclaimer is not None:
            self._reclaimer.drain()
        with map_httpcore_exceptions():
            self._pool.close()


class AsyncHTTPTransport(AsyncBaseTransport):
    """The network transport of `AsyncClient`, on asyncio or trio; see `HTTPTransport`.

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
        local_address: Local IP address to connect from (`"0.0.0.0"` for IPv4 only).
        retries: How many times to retry establishing a connection that failed
            (`ConnectError`, `ConnectTimeout`); requests are never resent.
        socket_options: `(level, option, value)` tuples set on each new socket.
    """

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
        retries: int = 0,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
    ) -> None:
        self._pool: httpcore.AsyncConnectionPool = _create_pool(
            ASYNC_POOLS,
            verify,
            cert,
            trust_env,
            http1,
            http2,
            limits,
            proxy,
            uds,
            local_address,
            retries,
            socket_options,
        )

    async def __aenter__(self: A) -> A:  # Use generics for subclass support.
        await self._pool.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        with map_httpcore_exceptions():
            await self._pool.__aexit__(exc_type, exc_value, traceback)

    async def handle_async_request(self, request: Request) -> Response:
        if not isinstance(request.stream, AsyncByteStream):
            raise TypeError(
                "AsyncHTTPTransport needs a request with an async body stream, got "
                f"{type(request.stream).__name__}; use HTTPTransport for sync bodies."
            )
        stream = request.stream
        # An in-memory body leaves no iterator behind (and the connection sends it in one
        # write with the head): no tracking needed.
        body = stream if type(stream) is ByteStream else _TrackedBody(stream)
        try:
            resp = await self._pool.handle_async_request(_to_httpcore_request(request, body))
        except Exception as exc:
            mapped = _translate(exc, request)
            if mapped is None:
                raise
            raise mapped from exc
        finally:
            # httpcore is done with the body once it has the response head (or failed).
            if body is not stream:
                await body.aclose()
        return Response(
            status_code=resp.status,
            # h11/h2 validated these while parsing: no need to check them again.
            headers=Headers._from_trusted(resp.headers),
            # httpcore's async pools return async streams.
            stream=AsyncResponseStream(
                typing.cast(AsyncIterable[bytes], resp.stream),
                request,
                loop=event_loop_handle(),
            ),
            extensions=resp.extensions,
        )

    async def aclose(self) -> None:
        with map_httpcore_exceptions():
            await self._pool.aclose()
