"""WebSocket test servers: Starlette endpoints on uvicorn / hypercorn, and a scripted one.

- `websocket_app`: a Starlette app whose WebSocket endpoints (and two plain HTTP routes)
  exercise the client: echo, subprotocols, the handshake's headers/cookies/query, server
  closes with a code, refusals, floods. uvicorn serves it (`WebSocketUvicornServer`,
  ``ws="wsproto"``) and hypercorn over TLS (tests.servers.run.HypercornServer).
- `ScriptedWebSocketServer`: a raw asyncio server for what no well-behaved server does
  (a wrong accept key, reserved opcodes, masked or unfinished frames, a Pong that never
  comes, a Close that is never answered, a flood...). Well-formed frames are built with
  wsproto's server side; malformed ones by hand, byte by byte. It counts its open
  connections and records the Close codes clients send, so tests can check that a
  session closed its socket and said the right thing.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import os
import socket
import struct
import threading
import typing
from urllib.parse import parse_qs, urlsplit

import uvicorn
import wsproto
import wsproto.events
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from tests.servers.run import (
    SERVER_LOOP,
    STARTUP_TIMEOUT,
    ServerHandle,
    StreamServer,
    _ThreadedUvicorn,
    bind_loopback,
    join_or_fail,
    wait_until,
)

ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_FLOOD = 10_000  # messages
MAX_SIZE = 64 * 1024 * 1024  # bytes of one message a route will build


# --- the Starlette app --------------------------------------------------------------------


async def echo(websocket: WebSocket) -> None:
    """Echo every message (text as text, bytes as bytes) until the client closes."""
    await websocket.accept()
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("text") is not None:
                await websocket.send_text(message["text"])
            else:
                await websocket.send_bytes(message["bytes"])
    except WebSocketDisconnect:
        return


async def subprotocol(websocket: WebSocket) -> None:
    """Accept with the first subprotocol offered, and say which one it was."""
    offered = websocket.scope.get("subprotocols") or []
    await websocket.accept(subprotocol=offered[0] if offered else None)
    await websocket.send_json({"offered": offered})
    await _wait_for_disconnect(websocket)


async def handshake(websocket: WebSocket) -> None:
    """Send back what the handshake carried: headers, cookies, query, path, scheme."""
    await websocket.accept()
    await websocket.send_json(
        {
            "headers": {key: value for key, value in websocket.headers.items()},
            "cookies": dict(websocket.cookies),
            "query": dict(websocket.query_params),
            "path": websocket.url.path,
            "scheme": websocket.url.scheme,
            "client_port": websocket.client.port if websocket.client else None,
        }
    )
    await _wait_for_disconnect(websocket)


async def close_with(websocket: WebSocket) -> None:
    """Send one text message, then close with the code in the path."""
    await websocket.accept()
    await websocket.send_text("goodbye")
    await websocket.close(code=int(websocket.path_params["code"]), reason="server says bye")


async def reject(websocket: WebSocket) -> None:
    """Refuse the handshake (ASGI: a close before accept is a 403)."""
    await websocket.close()


async def send_many(websocket: WebSocket) -> None:
    """Send ?n= binary messages of ?size= bytes, then echo until the client closes."""
    n = min(int(websocket.query_params.get("n", "10")), MAX_FLOOD)
    size = min(int(websocket.query_params.get("size", "10")), MAX_SIZE)
    await websocket.accept()
    payload = b"x" * size
    for index in range(n):
        await websocket.send_bytes(index.to_bytes(4, "big") + payload[4:])
    await echo_after_accept(websocket)


async def echo_after_accept(websocket: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.send_text(await websocket.receive_text())


async def _wait_for_disconnect(websocket: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()


async def ok(request: Request) -> Response:
    """A plain HTTP route that says which client port it saw (connection identity)."""
    client = request.client
    return JSONResponse({"client_port": client.port if client else None})


async def hello(request: Request) -> Response:
    return PlainTextResponse("Hello, world!")


websocket_app = Starlette(
    routes=[
        WebSocketRoute("/echo", echo),
        WebSocketRoute("/subprotocol", subprotocol),
        WebSocketRoute("/handshake", handshake),
        WebSocketRoute("/close/{code:int}", close_with),
        WebSocketRoute("/reject", reject),
        WebSocketRoute("/send-many", send_many),
        Route("/ok", ok),
        Route("/", hello),
    ]
)


class WebSocketUvicornServer(ServerHandle):
    """uvicorn (HTTP/1.1, WebSockets through wsproto) serving `websocket_app`."""

    def __init__(self, **ssl_options: typing.Any) -> None:
        self._socket = bind_loopback()
        super().__init__(self._socket.getsockname()[1])
        if ssl_options:
            self.scheme = "https"
            self.url_host = "localhost"
        config = uvicorn.Config(
            websocket_app,
            loop=SERVER_LOOP,
            http="h11",
            ws="wsproto",
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,
            ws_ping_interval=None,
            **ssl_options,
        )
        self._server = _ThreadedUvicorn(config)
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, name=f"uvicorn-ws:{self.port}", daemon=True
        )

    @property
    def ws_url(self) -> str:
        return self.url.replace("http", "ws", 1)

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:
            self._error = exc

    def start(self) -> WebSocketUvicornServer:
        self._thread.start()
        try:
            wait_until(lambda: self._server.started, self._thread, repr(self))
        except BaseException as exc:
            self.stop()
            raise exc from self._error
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(STARTUP_TIMEOUT)
            self._server.force_exit = True
            join_or_fail(self._thread, repr(self))
        self._socket.close()


# --- the scripted server ------------------------------------------------------------------


def accept_token(key: bytes) -> bytes:
    """RFC 6455 section 4.2.2: base64(SHA-1(key + GUID))."""
    return base64.b64encode(hashlib.sha1(key + ACCEPT_GUID).digest())


def raw_frame(
    opcode: int, payload: bytes, *, fin: bool = True, rsv: int = 0, mask: bytes | None = None
) -> bytes:
    """A frame built by hand (RFC 6455 section 5.2), for frames wsproto would not build."""
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    length = len(payload)
    mask_bit = 0x80 if mask is not None else 0
    if length <= 125:
        head = bytes([first, mask_bit | length])
    elif length <= 0xFFFF:
        head = bytes([first, mask_bit | 126]) + struct.pack("!H", length)
    else:
        head = bytes([first, mask_bit | 127]) + struct.pack("!Q", length)
    if mask is not None:
        payload = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        head += mask
    return head + payload


class ScriptedWebSocketServer(StreamServer):
    """One behaviour per path; see the module docstring and `_ROUTES`."""

    def __init__(self) -> None:
        super().__init__()
        self.open_connections = 0
        self.close_codes: list[int | None] = []  # Close codes received from clients
        self.flood_sent = 0  # messages /flood wrote (and drained) so far
        self.pings_seen = 0
        self._changed = threading.Condition()

    @property
    def ws_url(self) -> str:
        return self.url.replace("http", "ws", 1)

    def wait_for_connections(self, count: int, timeout: float = 5.0) -> bool:
        """Wait (bounded) until `count` connections are open; whether they were."""
        with self._changed:
            return self._changed.wait_for(lambda: self.open_connections == count, timeout)

    def wait_for_close_codes(self, count: int, timeout: float = 5.0) -> list[int | None]:
        with self._changed:
            self._changed.wait_for(lambda: len(self.close_codes) >= count, timeout)
            return list(self.close_codes)

    def _update(self, **changes: int) -> None:
        with self._changed:
            for name, delta in changes.items():
                setattr(self, name, getattr(self, name) + delta)
            self._changed.notify_all()

    def _record_close(self, code: int | None) -> None:
        with self._changed:
            self.close_codes.append(code)
            self._changed.notify_all()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._update(open_connections=1)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            target = lines[0].split(" ")[1]
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name:
                    headers[name.strip().lower()] = value.strip()
            url = urlsplit(target)
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            route = _ROUTES.get(url.path)
            if route is None:
                writer.write(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                await writer.drain()
                return
            key = headers.get("sec-websocket-key", "").encode()
            await route(self, Exchange(reader, writer, key, query, headers))
        finally:
            self._update(open_connections=-1)


class Exchange:
    """One connection of the scripted server, after the request head."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        key: bytes,
        query: dict[str, str],
        headers: dict[str, str],
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.key = key
        self.query = query
        self.headers = headers
        self.connection = wsproto.connection.Connection(wsproto.ConnectionType.SERVER)

    async def accept(self, extra: str = "", accept: bytes | None = None) -> None:
        token = accept if accept is not None else accept_token(self.key)
        self.writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + token + b"\r\n"
            + extra.encode("latin-1") + b"\r\n"
        )  # fmt: skip
        await self.writer.drain()

    async def send(self, event: wsproto.events.Event) -> None:
        self.writer.write(self.connection.send(event))
        await self.writer.drain()

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def events(self) -> typing.AsyncIterator[wsproto.events.Event]:
        """The client's events, until it closes the connection."""
        while data := await self.reader.read(65536):
            self.connection.receive_data(data)
            for event in self.connection.events():
                yield event

    def reset(self) -> None:
        sock = self.writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()


Route_ = typing.Callable[[ScriptedWebSocketServer, Exchange], typing.Awaitable[None]]
_ROUTES: dict[str, Route_] = {}


def route(path: str) -> typing.Callable[[Route_], Route_]:
    def register(function: Route_) -> Route_:
        _ROUTES[path] = function
        return function

    return register


async def _serve(server: ScriptedWebSocketServer, exchange: Exchange, echo: bool) -> None:
    """Answer pings, echo messages if asked, record and answer the client's Close."""
    async for event in exchange.events():
        if isinstance(event, wsproto.events.Ping):
            server._update(pings_seen=1)
            await exchange.send(event.response())
        elif isinstance(event, wsproto.events.CloseConnection):
            server._record_close(event.code)
            if exchange.connection.state is wsproto.connection.ConnectionState.REMOTE_CLOSING:
                await exchange.send(event.response())
            return  # RFC 6455 7.1.1: the server closes the TCP connection first
        elif isinstance(event, wsproto.events.Message) and echo:
            await exchange.send(
                type(event)(data=event.data, message_finished=event.message_finished)
            )


@route("/echo")
async def _echo(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    await exchange.accept()
    await _serve(server, exchange, echo=True)


@route("/bad-accept")
async def _bad_accept(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    await exchange.accept(accept=base64.b64encode(os.urandom(20)))


@route("/no-upgrade")
async def _no_upgrade(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    token = accept_token(exchange.key)
    await exchange.send_raw(
        b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + token + b"\r\n\r\n"
    )


@route("/unoffered-subprotocol")
async def _unoffered_subprotocol(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    await exchange.accept("Sec-WebSocket-Protocol: chat\r\n")


@route("/unoffered-extension")
async def _unoffered_extension(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    await exchange.accept("Sec-WebSocket-Extensions: permessage-deflate\r\n")


@route("/refuse-200")
async def _refuse_200(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    await exchange.send_raw(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 16\r\n"
        b"Connection: close\r\n\r\n"
        b"not a websocket!"
    )


@route("/refuse-403")
async def _refuse_403(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    await exchange.send_raw(
        b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n"
        b"Connection: close\r\n\r\nforbidden"
    )


@route("/redirect")
async def _redirect(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    await exchange.send_raw(
        b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /echo\r\nContent-Length: 0\r\n"
        b"Connection: close\r\n\r\n"
    )


@route("/reserved-opcode")
async def _reserved_opcode(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    await exchange.accept()
    await exchange.send_raw(raw_frame(0x3, b"reserved"))
    await _serve(server, exchange, echo=False)


@route("/masked")
async def _masked(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    # RFC 6455 section 5.1: a server must not mask its frames.
    await exchange.accept()
    await exchange.send_raw(raw_frame(0x1, b"masked", mask=b"\x01\x02\x03\x04"))
    await _serve(server, exchange, echo=False)


@route("/rsv1")
async def _rsv1(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    # No extension was negotiated: a reserved bit must be 0 (section 5.2).
    await exchange.accept()
    await exchange.send_raw(raw_frame(0x1, b"compressed?", rsv=4))
    await _serve(server, exchange, echo=False)


@route("/bad-utf8")
async def _bad_utf8(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    await exchange.accept()
    await exchange.send_raw(raw_frame(0x1, b"caf\xc3"))
    await _serve(server, exchange, echo=False)


@route("/fragments")
async def _fragments(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    """A text and a binary message in ?n= fragments each, with Pings between them."""
    pieces = int(exchange.query.get("n", "5"))
    await exchange.accept()
    for kind in (wsproto.events.TextMessage, wsproto.events.BytesMessage):
        for index in range(pieces):
            data: typing.Any = (
                f"part{index};" if kind is wsproto.events.TextMessage else b"%d;" % index
            )
            await exchange.send(kind(data=data, message_finished=index == pieces - 1))
            if index < pieces - 1:
                await exchange.send(wsproto.events.Ping(payload=b"%d" % index))
    await _serve(server, exchange, echo=True)


@route("/big")
async def _big(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    """One binary message of ?size= bytes in ?n= fragments (1: a single frame)."""
    size = min(int(exchange.query.get("size", "1000")), MAX_SIZE)
    pieces = int(exchange.query.get("n", "1"))
    await exchange.accept()
    chunk = size // pieces
    for index in range(pieces):
        last = index == pieces - 1
        payload = b"y" * (size - chunk * index if last else chunk)
        await exchange.send(wsproto.events.BytesMessage(data=payload, message_finished=last))
    await _serve(server, exchange, echo=False)


@route("/endless-frame")
async def _endless_frame(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    """A frame announcing 2**40 bytes, sent until the client gives up."""
    await exchange.accept()
    await exchange.send_raw(bytes([0x82, 127]) + struct.pack("!Q", 2**40))
    chunk = b"z" * 65536
    with contextlib.suppress(OSError):
        for _ in range(2**40 // len(chunk)):
            await exchange.send_raw(chunk)


@route("/vanish")
async def _vanish(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    await exchange.accept()
    await exchange.send(wsproto.events.TextMessage(data="about to vanish"))


@route("/vanish-mid-message")
async def _vanish_mid_message(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    await exchange.accept()
    await exchange.send(wsproto.events.TextMessage(data="first half", message_finished=False))


@route("/reset")
async def _reset(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    await exchange.accept()
    await exchange.send(wsproto.events.TextMessage(data="about to reset"))
    await asyncio.sleep(0.05)
    exchange.reset()


@route("/close")
async def _close(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    code = int(exchange.query.get("code", "1000"))
    await exchange.accept()
    await exchange.send(
        wsproto.events.CloseConnection(code=code, reason=exchange.query.get("reason"))
    )
    await _serve(server, exchange, echo=False)


@route("/no-pong")
async def _no_pong(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    """Reads everything, answers nothing (not even a Close)."""
    await exchange.accept()
    async for event in exchange.events():
        if isinstance(event, wsproto.events.Ping):
            server._update(pings_seen=1)


@route("/silent")
async def _silent(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    """Answers Pings but never the client's Close."""
    await exchange.accept()
    async for event in exchange.events():
        if isinstance(event, wsproto.events.Ping):
            await exchange.send(event.response())
        elif isinstance(event, wsproto.events.CloseConnection):
            server._record_close(event.code)


@route("/no-eof")
async def _no_eof(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    """Answers the client's Close, but never closes the connection."""
    await exchange.accept()
    async for event in exchange.events():
        if isinstance(event, wsproto.events.CloseConnection):
            server._record_close(event.code)
            await exchange.send(event.response())


@route("/flood")
async def _flood(server: ScriptedWebSocketServer, exchange: Exchange) -> None:
    """Send ?n= binary messages of ?size= bytes as fast as the client takes them."""
    n = min(int(exchange.query.get("n", "1000")), MAX_FLOOD)
    size = min(int(exchange.query.get("size", "65536")), MAX_SIZE)
    sock = exchange.writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
    exchange.writer.transport.set_write_buffer_limits(high=64 * 1024)
    await exchange.accept()
    for index in range(n):
        await exchange.send(
            wsproto.events.BytesMessage(data=index.to_bytes(4, "big") * (size // 4))
        )
        server._update(flood_sent=1)
    await _serve(server, exchange, echo=False)
