"""httpx: a next generation HTTP client for Python, with sync and async APIs."""

import importlib
import typing

from .__version__ import __description__, __title__, __version__
from ._api import (
    delete,
    get,
    head,
    options,
    patch,
    post,
    put,
    query,
    request,
    stream,
    websocket,
)
from ._auth import Auth, BasicAuth, DigestAuth, FunctionAuth, NetRCAuth
from ._client import USE_CLIENT_DEFAULT, AsyncClient, Client
from ._config import Limits, Proxy, Timeout, create_ssl_context
from ._content import ByteStream
from ._exceptions import (
    CloseError,
    ConnectError,
    ConnectTimeout,
    CookieConflict,
    DecodingError,
    HTTPError,
    HTTPStatusError,
    InvalidURL,
    LocalProtocolError,
    NetworkError,
    PoolTimeout,
    ProtocolError,
    ProxyError,
    ReadError,
    ReadTimeout,
    RemoteProtocolError,
    RequestError,
    RequestNotRead,
    ResponseNotRead,
    StreamClosed,
    StreamConsumed,
    StreamError,
    TimeoutException,
    TooManyRedirects,
    TransportError,
    UnsupportedProtocol,
    WriteError,
    WriteTimeout,
)
from ._exceptions import DecodedSizeExceeded as DecodedSizeExceeded
from ._models import Cookies, Headers, Request, Response
from ._status_codes import codes
from ._system_trust import system_trust_store as system_trust_store
from ._transports.base import AsyncBaseTransport, BaseTransport
from ._types import AsyncByteStream, SyncByteStream
from ._urls import URL, Origin, QueryParams

if typing.TYPE_CHECKING:
    from ._main import main
    from ._retry import Retry as Retry
    from ._sse import EventSource, Reconnect, ServerSentEvent, SSEError
    from ._timings import PoolStatus as PoolStatus
    from ._timings import Timings as Timings
    from ._transports.asgi import ASGITransport
    from ._transports.default import AsyncHTTPTransport, HTTPTransport
    from ._transports.mock import MockTransport
    from ._transports.wsgi import WSGITransport
    from ._ws import (
        AsyncWebSocketSession,
        WebSocketDisconnect,
        WebSocketError,
        WebSocketInvalidTypeReceived,
        WebSocketMessageTooLarge,
        WebSocketNetworkError,
        WebSocketPingTimeout,
        WebSocketProtocolError,
        WebSocketSession,
        WebSocketUpgradeError,
    )

# Loaded on first access rather than by `import httpx` (see `__getattr__`).
_LAZY = {
    "main": "._cli.main",
    # The default transports bring in the transport machinery (httpcore, h11, the pool,
    # the connections, the network backends): a client imports them when it makes its
    # first default transport, as httpx 0.28 imports httpcore then.
    "HTTPTransport": "._transports.default",
    "AsyncHTTPTransport": "._transports.default",
    # Its WebSocket side (asgi_websocket.py) builds on httpcore's stream class.
    "ASGITransport": "._transports.asgi",
    # The in-process transports are for test suites and WSGI apps.
    "MockTransport": "._transports.mock",
    "WSGITransport": "._transports.wsgi",
    # Server-sent events and WebSocket sessions (with anyio, threads, and wsproto when a
    # session starts) are for the programs that open one.
    **dict.fromkeys(
        (
            "AsyncWebSocketSession",
            "WebSocketDisconnect",
            "WebSocketError",
            "WebSocketInvalidTypeReceived",
            "WebSocketMessageTooLarge",
            "WebSocketNetworkError",
            "WebSocketPingTimeout",
            "WebSocketProtocolError",
            "WebSocketSession",
            "WebSocketUpgradeError",
        ),
        "._ws",
    ),
    **dict.fromkeys(("EventSource", "Reconnect", "ServerSentEvent", "SSEError"), "._sse"),
    # Ours, beyond httpx 0.28 (and outside `__all__`, see the end of this module): the
    # retry policy and the timings load with the first client or transport that uses them.
    "Retry": "._retry",
    **dict.fromkeys(("PoolStatus", "Timings"), "._timings"),
}

__all__ = [
    "__description__",
    "__title__",
    "__version__",
    "ASGITransport",
    "AsyncBaseTransport",
    "AsyncByteStream",
    "AsyncClient",
    "AsyncHTTPTransport",
    "Auth",
    "BaseTransport",
    "BasicAuth",
    "ByteStream",
    "Client",
    "CloseError",
    "codes",
    "ConnectError",
    "ConnectTimeout",
    "CookieConflict",
    "Cookies",
    "create_ssl_context",
    "DecodingError",
    "delete",
    "DigestAuth",
    "EventSource",
    # httpx 0.29.0's addition.
    "FunctionAuth",
    "get",
    "head",
    "Headers",
    "HTTPError",
    "HTTPStatusError",
    "HTTPTransport",
    "InvalidURL",
    "Limits",
    "LocalProtocolError",
    "main",
    "MockTransport",
    "NetRCAuth",
    "NetworkError",
    "options",
    "Origin",
    "patch",
    "PoolTimeout",
    "post",
    "ProtocolError",
    "Proxy",
    "ProxyError",
    "put",
    "query",
    "QueryParams",
    "ReadError",
    "ReadTimeout",
    "Reconnect",
    "RemoteProtocolError",
    "request",
    "Request",
    "RequestError",
    "RequestNotRead",
    "Response",
    "ServerSentEvent",
    "SSEError",
    "ResponseNotRead",
    "stream",
    "StreamClosed",
    "StreamConsumed",
    "StreamError",
    "SyncByteStream",
    "Timeout",
    "TimeoutException",
    "TooManyRedirects",
    "TransportError",
    "UnsupportedProtocol",
    "URL",
    "USE_CLIENT_DEFAULT",
    "WriteError",
    "WriteTimeout",
    "WSGITransport",
    # Ours, beyond httpx 0.28 (docs/compatibility.md): WebSockets.
    "AsyncWebSocketSession",
    "websocket",
    "WebSocketDisconnect",
    "WebSocketError",
    "WebSocketInvalidTypeReceived",
    "WebSocketMessageTooLarge",
    "WebSocketNetworkError",
    "WebSocketPingTimeout",
    "WebSocketProtocolError",
    "WebSocketSession",
    "WebSocketUpgradeError",
]


def _present_as_public(value: typing.Any) -> None:
    # Show public classes and functions as `httpx.X` in reprs and tracebacks, as users
    # of httpx see them; the private module layout is an implementation detail.
    if isinstance(value, type) or callable(value) and hasattr(value, "__code__"):
        value.__module__ = "httpx"


def __getattr__(name: str) -> typing.Any:
    # `httpx.main`, the command line client, brings in click, rich and pygments (the
    # `cli` extra), which a library user never needs; the `httpx` console script
    # ("httpx:main") lands here. The default transports: see `_LAZY`.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    _present_as_public(value)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


for _name in __all__:
    if _name not in _LAZY:
        _present_as_public(globals()[_name])
del _name
# Ours, beyond httpx 0.28: reachable as `httpx.DecodedSizeExceeded`, `httpx.Retry`, ...,
# but kept out of `__all__` so that `from httpx import *` gives exactly httpx 0.28's
# names (and the httpx2 fork's additions listed above).
for _value in (DecodedSizeExceeded, system_trust_store):
    _value.__module__ = "httpx"
del _value
