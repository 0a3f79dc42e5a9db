"""What the default transports share between their async and sync sides (no I/O).

* The one mapping from httpcore's exceptions to ours (`map_httpcore_exceptions`), applied
  while sending, while reading a body and while closing.
* Building the pool for a transport's configuration: ours (pool/), or httpcore's stock
  pools when the httpcore installed does not allow ours (see _httpcore_seam.py).
* Our `Request` as an `httpcore.Request`, with the pool timeout cut to the overall
  deadline (``Timeout(total=...)``, see `httpx._deadline`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import math
import ssl
import sys
import types
import typing

import httpcore

from .._config import Limits, Proxy, transport_ssl_context
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
from ._httpcore_seam import (
    httpcore_request,
    httpcore_url,
    pool_subclassing_supported,
)
from .base import AsyncBaseTransport
from .http11 import parser_factory
from .network import limit_timeout
from .network.async_deadline import AsyncDeadlineBackend
from .network.backends import AsyncNativeBackend, NativeBackend
from .network.resolution import Resolution, ResolverTypes, ResolveTypes
from .network.route import HAPPY_EYEBALLS_DELAY
from .network.sync_deadline import DeadlineBackend
from .optional import require
from .pool import (
    POOL_ATTRIBUTES,
    AsyncHTTPProxyPool,
    AsyncPool,
    AsyncSOCKSProxyPool,
    HTTPProxyPool,
    Pool,
    SOCKSProxyPool,
)

if typing.TYPE_CHECKING:  # pragma: no cover
    from httpcore import SOCKET_OPTION

__all__ = [
    "AsyncPoolClasses",
    "HTTPCORE_EXC_MAP",
    "PoolClasses",
    "create_pool",
    "is_suspended_generator",
    "make_resolution",
    "map_httpcore_exceptions",
    "make_response",
    "to_httpcore_request",
    "translate_exception",
    "tunnelled_upgrade",
    "wrong_body_stream",
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


def translate_exception(exc: BaseException, request: Request | None) -> TransportError | None:
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


class map_httpcore_exceptions(contextlib.ContextDecorator):  # noqa: N801  (httpx's name)
    """Re-raise httpcore exceptions raised inside the block as their httpx counterparts.

    The message is kept, the original is chained (``raise ... from exc``) and `request`,
    when given, is attached as ``.request``. Other exceptions pass through unchanged.

    A class rather than a `contextlib.contextmanager` generator: closing every response
    goes through one, and a generator-based context manager costs several times more.
    """

    __slots__ = ("_request",)

    def __init__(self, request: Request | None = None) -> None:
        self._request = request

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        if isinstance(exc, Exception):
            mapped = translate_exception(exc, self._request)
            if mapped is not None:
                raise mapped from exc


def wrong_body_stream(transport: object, request: Request) -> TypeError:
    """The error for a request whose body stream is of the other kind (sync / async)."""
    kind = type(request.stream).__name__
    if isinstance(transport, AsyncBaseTransport):
        return TypeError(
            f"AsyncHTTPTransport needs a request with an async body stream, got {kind}; "
            "use HTTPTransport for sync bodies."
        )
    return TypeError(
        f"HTTPTransport needs a request with a sync body stream, got {kind}; "
        "use AsyncHTTPTransport for async bodies."
    )


def is_suspended_generator(iterator: object) -> bool:
    """A generator (sync or async) started and not finished, which nobody is running:
    one to close, so that its cleanup runs now rather than in the garbage collector."""
    frame = getattr(iterator, "ag_frame", getattr(iterator, "gi_frame", None))
    running = getattr(iterator, "ag_running", getattr(iterator, "gi_running", False))
    return frame is not None and not running


def make_response(response: httpcore.Response, stream: typing.Any) -> Response:
    return Response(
        status_code=response.status,
        # h11/httptools/h2 validated these while parsing: no need to check them again.
        headers=Headers._from_trusted(response.headers),
        stream=stream,
        extensions=response.extensions,
    )


# --- the pool ------------------------------------------------------------------------------


def _as_proxy(proxy: ProxyTypes | None) -> Proxy | None:
    if proxy is None or isinstance(proxy, Proxy):
        return proxy
    if isinstance(proxy, (str, URL)):
        return Proxy(url=proxy)
    raise TypeError(f"proxy must be a URL string, an httpx.URL or an httpx.Proxy, not {proxy!r}")


P = typing.TypeVar("P", httpcore.ConnectionPool, httpcore.AsyncConnectionPool)


@dataclasses.dataclass(frozen=True)
class _PoolKinds(typing.Generic[P]):
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


PoolClasses = _PoolKinds[httpcore.ConnectionPool](
    Pool,
    HTTPProxyPool,
    SOCKSProxyPool,
    (httpcore.ConnectionPool, httpcore.HTTPProxy, httpcore.SOCKSProxy),
    lambda: DeadlineBackend(NativeBackend()),
)
AsyncPoolClasses = _PoolKinds[httpcore.AsyncConnectionPool](
    AsyncPool,
    AsyncHTTPProxyPool,
    AsyncSOCKSProxyPool,
    (httpcore.AsyncConnectionPool, httpcore.AsyncHTTPProxy, httpcore.AsyncSOCKSProxy),
    lambda: AsyncDeadlineBackend(AsyncNativeBackend()),
)


def make_resolution(
    resolve: ResolveTypes | None, resolver: ResolverTypes | None, transport: object
) -> Resolution | None:
    """The name-resolution overrides of a transport (None: the system resolver only)."""
    if resolve is None and resolver is None:
        return None
    asynchronous = isinstance(transport, AsyncBaseTransport)
    if not asynchronous and resolver is not None and inspect.iscoroutinefunction(resolver):
        raise TypeError(
            "The resolver of a sync client or transport must be a plain function; "
            "async functions are for AsyncClient and AsyncHTTPTransport."
        )
    return Resolution(resolve, resolver)


def _happy_eyeballs_delay(value: float | None) -> float:
    if value is None:
        return HAPPY_EYEBALLS_DELAY
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"happy_eyeballs_delay must be a number of seconds, not {value!r}")
    if math.isnan(value) or value < 0:
        raise ValueError(f"happy_eyeballs_delay must be >= 0, not {value!r}")
    return float(value)


def create_pool(
    classes: _PoolKinds[P],
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
    *,
    resolution: Resolution | None = None,
    happy_eyeballs_delay: float | None = None,
) -> P:
    """The pool for a transport's configuration (as httpx 0.28 builds it, plus our
    name-resolution options; `local_address` and `socket_options` apply to proxied
    connections too)."""
    # (No h2 needed yet: an HTTP/2 connection asks for it when it is made, as in httpx.)
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
    delay = _happy_eyeballs_delay(happy_eyeballs_delay)
    direct, http_proxy, socks_proxy = classes.stock
    if proxy is None:
        ours, stock = classes.direct, direct
        arguments: dict[str, typing.Any] = {
            "uds": uds,
            "local_address": local_address,
            "retries": retries,
            "socket_options": socket_options,
        }
    elif proxy.url.scheme in ("http", "https"):
        ours, stock = classes.http_proxy, http_proxy
        arguments = {
            "proxy_url": _httpcore_url(proxy.url),
            "proxy_auth": proxy.raw_auth,
            "proxy_headers": proxy.headers.raw,
            "proxy_ssl_context": proxy.ssl_context,
            "local_address": local_address,
            "socket_options": socket_options,
        }
    else:
        require("socksio", "socks", "Using SOCKS proxy")
        ours, stock = classes.socks_proxy, socks_proxy
        arguments = {"proxy_url": _httpcore_url(proxy.url), "proxy_auth": proxy.raw_auth}
    chosen = classes.pick(ours, stock)
    if chosen is ours:
        arguments["resolution"] = resolution
        arguments["happy_eyeballs_delay"] = delay
        if proxy is not None:
            arguments["local_address"] = local_address
            arguments["socket_options"] = socket_options
    elif resolution is not None:  # pragma: no cover - an httpcore our pools do not support
        raise RuntimeError(
            "resolve= and resolver= need httpx's own connection pool, which does not "
            f"support the httpcore installed (httpcore {httpcore.__version__})"
        )
    return chosen(**arguments, **common)


def _httpcore_url(url: URL) -> httpcore.URL:
    # The parts are bytes from our parsed URL: no need for httpcore's re-checks.
    return httpcore_url(url.raw_scheme, url.raw_host, url.port, url.raw_path)


def to_httpcore_request(
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
    # The Headers model holds checked bytes already.
    return httpcore_request(
        method.encode("ascii"),
        _httpcore_url(request.url),
        request.headers.raw,
        content,
        extensions,
    )


def tunnelled_upgrade(request: httpcore.Request) -> httpcore.Request:
    """`request` as it must go through an HTTP proxy: a plain-http request that asks to
    upgrade the connection (a WebSocket handshake) goes through a CONNECT tunnel, so its
    URL scheme becomes ``ws`` (a connection of its own: the connect step tunnels, without
    TLS, for anything but ``http``); every other request is returned as it is, to be
    forwarded in absolute-form.

    RFC 6455 section 4.1 asks clients to tunnel through a proxy; and Upgrade is a
    hop-by-hop field (RFC 9110 section 7.6.1) that a forwarding proxy drops.
    """
    url = request.url
    if url.scheme != b"http":
        return request
    for name, _ in request.headers:
        if len(name) == 7 and name.lower() == b"upgrade":
            break
    else:
        return request
    return httpcore.Request(
        method=request.method,
        url=httpcore_url(b"ws", url.host, url.port, url.target),
        headers=request.headers,
        content=request.stream,
        extensions=request.extensions,
    )


def _extensions_within_deadline(
    extensions: typing.Mapping[str, typing.Any],
) -> dict[str, typing.Any]:
    """The request's extensions with the pool timeout cut to the deadline's remaining time.

    The pool wait starts now; the timeouts of later operations are cut when they start
    (network/deadline.py). Raises httpcore's PoolTimeout when no time is left.
    """
    timeouts = extensions.get("timeout")
    limited = dict(timeouts) if isinstance(timeouts, typing.Mapping) else {}
    limited["pool"] = limit_timeout(limited.get("pool"), PoolTimeout)
    return {**extensions, "timeout": limited}
