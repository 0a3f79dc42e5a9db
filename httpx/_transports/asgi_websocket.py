"""WebSocket sessions with an in-process ASGI app: `ASGITransport`'s ``websocket`` scope.

`ASGITransport` hands a WebSocket handshake here when the request carries the
`SPAWN_EXTENSION`, which `AsyncClient.websocket()` sets: its value is the session's
task group. The app's ``websocket`` scope runs in that group, so it lives exactly as long
as the session (structured concurrency: nothing outlives the ``async with``). Any other
request, an ``Upgrade: websocket`` one included, stays a plain ``http`` exchange.

`ASGIWebSocketStream` is the server half of a real WebSocket connection, in memory: the
client writes frames to it and reads frames from it, exactly as over a socket (so the
session code is the same); wsproto (server side) turns those frames into the ASGI
``websocket.*`` messages of the app and back. As a server would, it answers Pings
itself, echoes the client's Close, closes with 1000 when the app returns (1011 when it
fails), and answers a refusal before ``websocket.accept`` with 403, or with the app's own
response (the ``websocket.http.response`` extension). Both directions are bounded: an
app that sends faster than the client reads waits, and so does a client that sends
faster than the app receives.

An app error propagates to the client when ``raise_app_exceptions`` is true (the
default): before acceptance from the handshake, afterwards from the session's next
``receive()`` or send (after the messages the app sent before failing).
"""

from __future__ import annotations

import collections
import typing
from collections.abc import AsyncIterator, MutableMapping

import anyio
import httpcore

from .._exceptions import ReadTimeout
from .._models import Request, Response
from .._types import AsyncByteStream
from .._wsproto import load_wsproto

if typing.TYPE_CHECKING:  # pragma: no cover
    from .asgi import ASGITransport

__all__ = ["SPAWN_EXTENSION", "ASGIWebSocketStream", "handle_websocket", "is_websocket_request"]

# Request extension: where a WebSocket session runs background work (`start_soon`).
SPAWN_EXTENSION = "httpx.websocket_tasks"

_Message = MutableMapping[str, typing.Any]

OUTGOING_HIGH_WATER = 1024 * 1024  # bytes of frames the app may send ahead of the client
INCOMING_MAX_MESSAGES = 64  # messages the client may send ahead of the app
APP_EXIT_TIMEOUT = 5.0  # how long closing waits for the app to return after disconnect


def is_websocket_request(request: Request) -> bool:
    """A WebSocket opening handshake (RFC 6455 section 4.1) from a WebSocket session."""
    if SPAWN_EXTENSION not in request.extensions or request.method != "GET":
        return False
    upgrade = request.headers.get("upgrade", "")
    return "websocket" in [token.strip().lower() for token in upgrade.split(",")]


class _Handshake(typing.NamedTuple):
    accept: _Message | None  # the websocket.accept message
    response: Response | None  # a refusal


class ASGIWebSocketStream(httpcore.AsyncNetworkStream):
    """The server side of one in-process WebSocket connection (see the module docstring)."""

    def __init__(self, raise_app_exceptions: bool) -> None:
        wsproto = load_wsproto()
        self._events = wsproto.events
        self._states = wsproto.connection.ConnectionState
        self._server = wsproto.connection.Connection(wsproto.ConnectionType.SERVER)
        self._raise_app_exceptions = raise_app_exceptions
        self._changed = anyio.Event()
        # To the client.
        self._outgoing = bytearray()
        self._end_of_stream = False
        # To the app.
        self._connect_sent = False
        self._incoming: collections.deque[_Message] = collections.deque()
        self._disconnect: _Message | None = None
        self._parts: list[typing.Any] = []
        # The app.
        self._handshake: _Handshake | None = None
        self._denial: list[typing.Any] | None = None  # [status, headers, body chunks]
        self._app_done = False
        self._app_error: Exception | None = None
        self._closed = False

    def _notify(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    # --- the app's side --------------------------------------------------------------------

    async def run_app(self, app: typing.Any, scope: dict[str, typing.Any]) -> None:
        """Run the app's websocket scope to its end (in the session's task group)."""
        try:
            await app(scope, self._receive, self._send)
        except Exception as exc:
            self._app_error = exc
        finally:
            self._app_done = True
            if self._handshake is not None and self._handshake.accept is not None:
                if self._app_error is None or not self._raise_app_exceptions:
                    # What a server does when the app ends without closing.
                    self._send_close(1000 if self._app_error is None else 1011, None)
            self._notify()

    async def _receive(self) -> _Message:
        if not self._connect_sent:
            self._connect_sent = True
            return {"type": "websocket.connect"}
        while not self._incoming:
            if self._disconnect is not None:
                return self._disconnect
            await self._changed.wait()
        message = self._incoming.popleft()
        self._notify()
        return message

    async def _send(self, message: _Message) -> None:
        kind = message.get("type")
        if self._handshake is None:
            self._before_accept(kind, message)
            return
        if self._handshake.accept is None:
            raise RuntimeError(f"ASGI app sent {kind!r} after refusing the WebSocket")
        if self._disconnect is not None or self._closed:
            if kind == "websocket.close":
                return  # closing what the client already closed: nothing to do
            raise OSError("The WebSocket client has disconnected")
        if kind == "websocket.send":
            text, data = message.get("text"), message.get("bytes")
            if text is not None:
                event: typing.Any = self._events.TextMessage(data=text)
            elif data is not None:
                event = self._events.BytesMessage(data=bytes(data))
            else:
                raise RuntimeError("ASGI app sent 'websocket.send' with neither text nor bytes")
            if self._server.state is not self._states.OPEN:
                raise RuntimeError("ASGI app sent 'websocket.send' after 'websocket.close'")
            self._outgoing += self._server.send(event)
            self._notify()
            while len(self._outgoing) > OUTGOING_HIGH_WATER and not self._closed:
                await self._changed.wait()  # backpressure: the client reads slowly
        elif kind == "websocket.close":
            self._send_close(int(message.get("code", 1000)), message.get("reason"))
            self._notify()
        else:
            raise RuntimeError(f"ASGI app sent an unexpected WebSocket message {kind!r}")

    def _before_accept(self, kind: object, message: _Message) -> None:
        if kind == "websocket.accept":
            self._handshake = _Handshake(message, None)
        elif kind == "websocket.close":
            # ASGI: a close before accepting refuses the handshake with a 403.
            self._handshake = _Handshake(None, Response(403, headers={"content-length": "0"}))
        elif kind == "websocket.http.response.start":
            self._denial = [message.get("status", 403), message.get("headers", []), []]
            return
        elif kind == "websocket.http.response.body" and self._denial is not None:
            self._denial[2].append(bytes(message.get("body", b"")))
            if message.get("more_body", False):
                return
            status, headers, body = self._denial
            self._handshake = _Handshake(
                None, Response(status, headers=headers, content=b"".join(body))
            )
        else:
            raise RuntimeError(
                f"ASGI app sent {kind!r} before accepting the WebSocket: expected "
                "'websocket.accept' or 'websocket.close'"
            )
        self._notify()

    def _send_close(self, code: int, reason: str | None) -> None:
        if self._server.state in (self._states.OPEN, self._states.REMOTE_CLOSING):
            close = self._events.CloseConnection(code=code, reason=reason)
            self._outgoing += self._server.send(close)
        if self._server.state is self._states.CLOSED:
            self._end_of_stream = True  # both Close frames exchanged: the server hangs up

    async def handshake(self, timeout: float | None) -> _Handshake:
        """Wait for the app to accept or refuse the connection."""
        with anyio.move_on_after(timeout):
            while self._handshake is None and not self._app_done:
                await self._changed.wait()
        if self._handshake is not None:
            return self._handshake
        if self._app_error is not None:
            raise self._app_error
        if self._app_done:
            raise RuntimeError("ASGI app returned without accepting or refusing the WebSocket")
        raise TimeoutError()

    # --- the client's side (httpcore's AsyncNetworkStream) ----------------------------------

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            with anyio.fail_after(timeout):
                while not self._outgoing:
                    if self._closed:
                        raise httpcore.ReadError("The connection is closed")
                    if self._app_error is not None and self._raise_app_exceptions:
                        raise self._app_error
                    if self._end_of_stream or (self._app_done and self._handshake is None):
                        return b""
                    await self._changed.wait()
        except TimeoutError as exc:
            raise httpcore.ReadTimeout("timed out") from exc
        data = bytes(self._outgoing[:max_bytes])
        del self._outgoing[:max_bytes]
        self._notify()
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if self._closed:
            raise httpcore.WriteError("The connection is closed")
        if self._end_of_stream:
            raise httpcore.WriteError("The server closed the connection")
        self._server.receive_data(buffer)
        events = self._events
        for event in self._server.events():
            if isinstance(event, events.Message):
                self._parts.append(event.data)
                if not event.message_finished:
                    continue
                data = (
                    "".join(self._parts) if isinstance(event.data, str) else b"".join(self._parts)
                )
                self._parts = []
                key = "text" if isinstance(data, str) else "bytes"
                try:
                    with anyio.fail_after(timeout):
                        while len(self._incoming) >= INCOMING_MAX_MESSAGES and not (
                            self._app_done or self._closed
                        ):
                            await self._changed.wait()  # backpressure: a slow app
                except TimeoutError as exc:
                    raise httpcore.WriteTimeout("timed out") from exc
                self._incoming.append({"type": "websocket.receive", key: data})
            elif isinstance(event, events.Ping):
                self._outgoing += self._server.send(event.response())
            elif isinstance(event, events.CloseConnection):
                self._client_closed(event.code, event.reason)
                break
        self._notify()

    def _client_closed(self, code: int, reason: str | None) -> None:
        # REMOTE_CLOSING: answer the client's Close, echoing its code (RFC 6455 section
        # 5.5.1). OPEN: a frame wsproto could not parse (it reports a Close the client
        # never sent): fail the connection with that code (section 7.1.7).
        if self._server.state in (self._states.OPEN, self._states.REMOTE_CLOSING):
            close = self._events.CloseConnection(code=code, reason=reason)
            self._outgoing += self._server.send(close)
        self._end_of_stream = True
        if self._disconnect is None:
            self._disconnect = {"type": "websocket.disconnect", "code": code, "reason": reason}

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._disconnect is None:
            # The client went away without a Close frame (RFC 6455 code 1006).
            self._disconnect = {"type": "websocket.disconnect", "code": 1006, "reason": ""}
        self._notify()
        # Let the app see the disconnect and finish; the session's task group cancels it
        # if it does not.
        with anyio.CancelScope(shield=True), anyio.move_on_after(APP_EXIT_TIMEOUT):
            while not self._app_done:
                await self._changed.wait()

    def abandon(self) -> None:
        """Stop without waiting for the app (the handshake failed)."""
        self._closed = True
        if self._disconnect is None:
            self._disconnect = {"type": "websocket.disconnect", "code": 1006, "reason": ""}
        self._notify()

    def get_extra_info(self, info: str) -> typing.Any:
        return None


class _UpgradedBody(AsyncByteStream):
    """The (empty) body of the 101 response; closing it closes the connection."""

    def __init__(self, stream: ASGIWebSocketStream) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        return
        yield b""  # pragma: no cover - makes this an async generator

    async def aclose(self) -> None:
        await self._stream.aclose()


async def handle_websocket(transport: ASGITransport, request: Request) -> Response:
    """Run the app's websocket scope for a handshake request; its response."""
    utilities = load_wsproto().utilities
    key = request.headers.get("sec-websocket-key")
    if key is None:
        return Response(400, headers={"content-length": "0"})
    stream = ASGIWebSocketStream(transport.raise_app_exceptions)
    scope = _websocket_scope(transport, request)
    request.extensions[SPAWN_EXTENSION].start_soon(stream.run_app, transport.app, scope)
    timeouts = request.extensions.get("timeout") or {}
    try:
        handshake = await stream.handshake(timeouts.get("read"))
    except TimeoutError:
        stream.abandon()
        raise ReadTimeout(
            "The ASGI app did not accept or refuse the WebSocket in time", request=request
        ) from None
    except Exception:
        stream.abandon()
        if transport.raise_app_exceptions:
            raise
        return Response(500, headers={"content-length": "0"})
    if handshake.accept is None:
        stream.abandon()
        assert handshake.response is not None
        return handshake.response
    accept = handshake.accept
    headers: list[tuple[bytes, bytes]] = [
        (b"upgrade", b"websocket"),
        (b"connection", b"Upgrade"),
        (b"sec-websocket-accept", utilities.generate_accept_token(key.encode("ascii"))),
    ]
    subprotocol = accept.get("subprotocol")
    if subprotocol is not None:
        headers.append((b"sec-websocket-protocol", subprotocol.encode("ascii")))
    headers += [(bytes(name), bytes(value)) for name, value in accept.get("headers", [])]
    return Response(
        101,
        headers=headers,
        stream=_UpgradedBody(stream),
        extensions={
            "http_version": b"HTTP/1.1",
            "reason_phrase": b"Switching Protocols",
            "network_stream": stream,
        },
    )


def _websocket_scope(transport: ASGITransport, request: Request) -> dict[str, typing.Any]:
    scope = transport._build_scope(request)
    del scope["method"]
    scope["type"] = "websocket"
    scope["asgi"] = {"version": "3.0", "spec_version": "2.4"}
    scope["scheme"] = "wss" if request.url.scheme in ("https", "wss") else "ws"
    offered = request.headers.get("sec-websocket-protocol", "")
    scope["subprotocols"] = [name.strip() for name in offered.split(",") if name.strip()]
    scope["extensions"] = {"websocket.http.response": {}}
    return scope
