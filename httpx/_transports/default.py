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
(`_TrackedBody`), and a TLS handshake that is cancelled closes its socket
(`_CancelSafeBackend`), instead of leaving both to the garbage collector.
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
from httpcore._backends.auto import AutoBackend

from .._config import DEFAULT_LIMITS, Limits, Proxy, transport_ssl_context
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
from .base import AsyncBaseTransport, BaseTransport
from .pool import (
    INDEXED_POOLS_SUPPORTED,
    AsyncIndexedHTTPProxy,
    AsyncIndexedPool,
    AsyncIndexedSOCKSProxy,
    IndexedHTTPProxy,
    IndexedPool,
    IndexedSOCKSProxy,
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
            return mapped(str(exc), request=request)
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
    """A response body read from an httpcore stream, with its errors mapped to ours."""

    def __init__(self, httpcore_stream: Iterable[bytes], request: Request | None = None) -> None:
        self._httpcore_stream = httpcore_stream
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._httpcore_stream
        except Exception as exc:
            mapped = _translate(exc, self._request)
            if mapped is None:
                raise
            raise mapped from exc

    def close(self) -> None:
        close = getattr(self._httpcore_stream, "close", None)
        if close is not None:
            with map_httpcore_exceptions(self._request):
                close()


class AsyncResponseStream(AsyncByteStream):
    """The async twin of `ResponseStream`."""

    def __init__(
        self, httpcore_stream: AsyncIterable[bytes], request: Request | None = None
    ) -> None:
        self._httpcore_stream = httpcore_stream
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._httpcore_stream:
                yield part
        except Exception as exc:
            mapped = _translate(exc, self._request)
            if mapped is None:
                raise
            raise mapped from exc

    async def aclose(self) -> None:
        aclose = getattr(self._httpcore_stream, "aclose", None)
        if aclose is not None:
            with map_httpcore_exceptions(self._request):
                await aclose()


# --- the async network backend ----------------------------------------------------------------


class _CancelSafeStream(httpcore.AsyncNetworkStream):
    """A plain TCP/unix stream whose TLS upgrade closes it when interrupted.

    httpcore 1.0.9's backends close the socket when the TLS handshake fails with an
    Exception, but not when it is cancelled (a BaseException): the socket is then left to
    the garbage collector. Everything but `start_tls` is the wrapped stream's own bound
    method, so reads and writes cost no extra call; and the TLS stream `start_tls` returns
    is httpcore's own.
    """

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self.read = stream.read  # type: ignore[method-assign]
        self.write = stream.write  # type: ignore[method-assign]
        self.aclose = stream.aclose  # type: ignore[method-assign]
        self.get_extra_info = stream.get_extra_info  # type: ignore[method-assign]

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            return await self._stream.start_tls(ssl_context, server_hostname, timeout)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self._stream.aclose()
            raise


class _CancelSafeBackend(AutoBackend):
    """httpcore's default async backend (asyncio or trio), with `_CancelSafeStream`s."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await super().connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )
        return _CancelSafeStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await super().connect_unix_socket(
            path, timeout=timeout, socket_options=socket_options
        )
        return _CancelSafeStream(stream)


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
    direct: typing.Callable[..., P]
    http_proxy: typing.Callable[..., P]
    socks_proxy: typing.Callable[..., P]


def _sync_pool_classes() -> _PoolClasses[httpcore.ConnectionPool]:
    if INDEXED_POOLS_SUPPORTED:
        return _PoolClasses(IndexedPool, IndexedHTTPProxy, IndexedSOCKSProxy)
    return _PoolClasses(httpcore.ConnectionPool, httpcore.HTTPProxy, httpcore.SOCKSProxy)


def _async_pool_classes() -> _PoolClasses[httpcore.AsyncConnectionPool]:
    if INDEXED_POOLS_SUPPORTED:
        return _PoolClasses(AsyncIndexedPool, AsyncIndexedHTTPProxy, AsyncIndexedSOCKSProxy)
    return _PoolClasses(
        httpcore.AsyncConnectionPool, httpcore.AsyncHTTPProxy, httpcore.AsyncSOCKSProxy
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
    **backend: typing.Any,  # network_backend=..., for the async pools
) -> P:
    """The httpcore pool for a transport's configuration (as httpx 0.28 builds it)."""
    if http2:
        _require("h2", "http2", "Using http2=True")
    proxy = _as_proxy(proxy)
    if proxy is not None and proxy.url.scheme not in ("http", "https", "socks5", "socks5h"):
        raise ValueError(
            "Proxy protocol must be either 'http', 'https', 'socks5', or 'socks5h',"
            f" but got {proxy.url.scheme!r}."
        )
    ssl_context = transport_ssl_context(verify, cert, trust_env, http2=http2)
    pool_limits = {
        "max_connections": limits.max_connections,
        "max_keepalive_connections": limits.max_keepalive_connections,
        "keepalive_expiry": limits.keepalive_expiry,
    }
    if proxy is None:
        return classes.direct(
            ssl_context=ssl_context,
            http1=http1,
            http2=http2,
            uds=uds,
            local_address=local_address,
            retries=retries,
            socket_options=socket_options,
            **pool_limits,
            **backend,
        )
    if proxy.url.scheme in ("http", "https"):
        return classes.http_proxy(
            proxy_url=_httpcore_url(proxy.url),
            proxy_auth=proxy.raw_auth,
            proxy_headers=proxy.headers.raw,
            ssl_context=ssl_context,
            proxy_ssl_context=proxy.ssl_context,
            http1=http1,
            http2=http2,
            socket_options=socket_options,
            **pool_limits,
            **backend,
        )
    _require("socksio", "socks", "Using SOCKS proxy")
    return classes.socks_proxy(
        proxy_url=_httpcore_url(proxy.url),
        proxy_auth=proxy.raw_auth,
        ssl_context=ssl_context,
        http1=http1,
        http2=http2,
        **pool_limits,
        **backend,
    )


def _httpcore_url(url: URL) -> httpcore.URL:
    return httpcore.URL(
        scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
    )


def _to_httpcore_request(
    request: Request, content: SyncByteStream | AsyncByteStream
) -> httpcore.Request:
    return httpcore.Request(
        method=request.method,
        url=_httpcore_url(request.url),
        headers=request.headers.raw,
        content=content,
        extensions=request.extensions,
    )


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
            _sync_pool_classes(),
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

    def __enter__(self: T) -> T:  # Use generics for subclass support.
        self._pool.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        with map_httpcore_exceptions():
            self._pool.__exit__(exc_type, exc_value, traceback)

    def handle_request(self, request: Request) -> Response:
        if not isinstance(request.stream, SyncByteStream):
            raise TypeError(
                "HTTPTransport needs a request with a sync body stream, got "
                f"{type(request.stream).__name__}; use AsyncHTTPTransport for async bodies."
            )
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
            stream=ResponseStream(typing.cast(Iterable[bytes], resp.stream), request),
            extensions=resp.extensions,
        )

    def close(self) -> None:
        with map_httpcore_exceptions():
            self._pool.close()


class AsyncHTTPTransport(AsyncBaseTransport):
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
            _async_pool_classes(),
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
            network_backend=_CancelSafeBackend(),
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
        body = _TrackedBody(request.stream)
        try:
            resp = await self._pool.handle_async_request(_to_httpcore_request(request, body))
        except Exception as exc:
            mapped = _translate(exc, request)
            if mapped is None:
                raise
            raise mapped from exc
        finally:
            # httpcore is done with the body once it has the response head (or failed).
            await body.aclose()
        return Response(
            status_code=resp.status,
            # h11/h2 validated these while parsing: no need to check them again.
            headers=Headers._from_trusted(resp.headers),
            # httpcore's async pools return async streams.
            stream=AsyncResponseStream(typing.cast(AsyncIterable[bytes], resp.stream), request),
            extensions=resp.extensions,
        )

    async def aclose(self) -> None:
        with map_httpcore_exceptions():
            await self._pool.aclose()
