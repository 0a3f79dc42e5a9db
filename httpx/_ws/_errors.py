"""The WebSocket exceptions, all subclasses of `WebSocketError`.

`WebSocketError` derives from `httpx.HTTPError`: a WebSocket session is one more way an
HTTP exchange can fail, so ``except httpx.HTTPError`` around a session catches its
failures too, and each error carries the handshake request (``.request``). The names are
httpx-ws's (``WebSocketUpgradeError``, ``WebSocketDisconnect``, ``WebSocketNetworkError``,
``WebSocketInvalidTypeReceived``), so code written for it reads the same; the protocol,
size and keepalive errors are ours.

Errors of the opening handshake that happen before any WebSocket exists (the server is
unreachable, a timeout, a TLS failure) keep their usual httpx types (``ConnectError``,
``ReadTimeout``...): only a *refused* upgrade is a `WebSocketUpgradeError`.

No wsproto import here: `import httpx` must work without the ``ws`` extra.
"""

from __future__ import annotations

import typing

from .._exceptions import HTTPError

if typing.TYPE_CHECKING:  # pragma: no cover
    from .._models import Request, Response

__all__ = [
    "WebSocketDisconnect",
    "WebSocketError",
    "WebSocketInvalidTypeReceived",
    "WebSocketMessageTooLarge",
    "WebSocketNetworkError",
    "WebSocketPingTimeout",
    "WebSocketProtocolError",
    "WebSocketUpgradeError",
]


class WebSocketError(HTTPError):
    """Base class of every WebSocket error (an `httpx.HTTPError`)."""

    def __init__(self, message: str, *, request: Request | None = None) -> None:
        super().__init__(message)
        self._request = request


class WebSocketUpgradeError(WebSocketError):
    """The server did not accept the WebSocket opening handshake (RFC 6455 section 4.1).

    Raised for any status other than 101, and for a 101 that breaks the handshake rules:
    a wrong ``Sec-WebSocket-Accept``, missing ``Upgrade``/``Connection`` fields, a
    subprotocol or an extension the client did not offer. ``.response`` is the server's
    response (its body is read when it is small and sized, else left unread and closed).
    """

    def __init__(self, response: Response, message: str | None = None) -> None:
        if message is None:
            message = (
                f"The server refused the WebSocket upgrade: {response.status_code} "
                f"{response.reason_phrase}".rstrip()
            )
        super().__init__(message, request=response._request)
        self.response = response


class WebSocketDisconnect(WebSocketError):
    """The session is over: the server closed it (``code`` and ``reason`` are those of
    its Close frame, RFC 6455 section 7.1.5), or it was closed on this side."""

    def __init__(
        self, code: int = 1000, reason: str | None = None, *, request: Request | None = None
    ) -> None:
        self.code = code
        self.reason = reason or ""
        message = f"WebSocket closed with code {code}"
        if self.reason:
            message += f" ({self.reason})"
        super().__init__(message, request=request)


class WebSocketNetworkError(WebSocketError):
    """The connection failed under the session: the server vanished without a Close
    frame (RFC 6455 close code 1006), a read or write failed or timed out. The
    underlying httpx exception, if any, is the ``__cause__``."""


class WebSocketPingTimeout(WebSocketNetworkError):
    """No Pong answered a keepalive Ping within ``keepalive_ping_timeout_seconds``."""


class WebSocketProtocolError(WebSocketError):
    """The server broke the WebSocket protocol (a reserved opcode or bit, a masked
    frame, invalid UTF-8 in a text message, a bad Close frame...). The session sent a
    Close frame with ``code`` (1002, or 1007 for bad text, RFC 6455 section 7.4.1) and
    closed the connection."""

    def __init__(self, message: str, code: int, *, request: Request | None = None) -> None:
        super().__init__(message, request=request)
        self.code = code


class WebSocketMessageTooLarge(WebSocketError):
    """A message from the server grew past ``max_message_size_bytes``. The session sent
    a Close frame with code 1009 (message too big) and closed the connection, so memory
    stays bounded whatever the server sends."""

    def __init__(self, limit: int, *, request: Request | None = None) -> None:
        super().__init__(
            f"The server sent a WebSocket message larger than max_message_size_bytes "
            f"({limit} bytes)",
            request=request,
        )
        self.limit = limit


class WebSocketInvalidTypeReceived(WebSocketError):
    """`receive_text()` got a bytes message, or `receive_bytes()` a text one.

    ``.event`` is the message received (a wsproto ``TextMessage`` or ``BytesMessage``);
    it is not lost: handle it from the exception.
    """

    def __init__(self, event: typing.Any, *, request: Request | None = None) -> None:
        expected = "bytes" if type(event).__name__ == "TextMessage" else "text"
        super().__init__(
            f"Expected a {expected} message, received a {type(event).__name__}",
            request=request,
        )
        self.event = event
