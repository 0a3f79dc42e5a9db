"""WebSockets (RFC 6455) over httpx clients: `Client.websocket()`, `AsyncClient.websocket()`.

- `_errors`: the exceptions (all `WebSocketError`, an `httpx.HTTPError`).
- `_handshake`: the opening handshake, as plain functions.
- `_core`: the protocol state of a session, no I/O, on wsproto (the ``ws`` extra).
- `_concurrency`: the async (anyio) and sync (threads) primitives.
- `_async_session`: the session and `connect`, written once for async; `_sync_session`
  is generated from it by scripts/unasync.py.

wsproto is imported only when a session starts: `import httpx` works without it.
"""

from ._async_session import AsyncWebSocketSession
from ._async_session import connect as connect_async
from ._core import SessionOptions
from ._errors import (
    WebSocketDisconnect,
    WebSocketError,
    WebSocketInvalidTypeReceived,
    WebSocketMessageTooLarge,
    WebSocketNetworkError,
    WebSocketPingTimeout,
    WebSocketProtocolError,
    WebSocketUpgradeError,
)
from ._sync_session import WebSocketSession
from ._sync_session import connect as connect_sync

__all__ = [
    "AsyncWebSocketSession",
    "SessionOptions",
    "WebSocketDisconnect",
    "WebSocketError",
    "WebSocketInvalidTypeReceived",
    "WebSocketMessageTooLarge",
    "WebSocketNetworkError",
    "WebSocketPingTimeout",
    "WebSocketProtocolError",
    "WebSocketSession",
    "WebSocketUpgradeError",
    "connect_async",
    "connect_sync",
]

# Shown as `httpx.X` in reprs and tracebacks, as the rest of the public API: this package
# loads on first use (httpx/__init__.py's `_LAZY`), so it says so itself.
for _public in (
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
):
    _public.__module__ = "httpx"
del _public
