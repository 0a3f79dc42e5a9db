"""A raw-socket server that misbehaves on purpose, one way per request path.

A client under test should turn each of these into a clear error (for httpcore:
RemoteProtocolError, ReadError or ReadTimeout), never a hang or a silent truncation.
The "stall" modes wait only until the client hangs up or the session ends (stop()
cancels them), so they cannot keep the test session alive.

It also serves a few well-behaved, keep-alive routes (`SERVED`: "ok", "echo", slow and
dripping bodies...), so that one client can meet faults and good answers from the same
server, and it counts the connections it has open (`open_connections`): once a client
is closed that count must fall back, which is how tests see that no socket leaked.
"""

from __future__ import annotations

import asyncio
import collections
import socket
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import parse_qs

from tests.servers.run import LOOPBACK, StreamServer, bind_loopback

PARTIAL_BODY = b"0123456789"  # the 10 of 1000 announced bytes the mid-body modes send
HEAD_1000 = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n"
HUGE_HEADER_BYTES = 1024 * 1024  # the "huge-headers" mode's header block
MAX_DELAY = 5.0  # caps every delay a served route takes from its query string
MAX_BODY = 16 * 1024 * 1024  # request bodies larger than this are refused

Writer = asyncio.StreamWriter
FaultServerT = TypeVar("FaultServerT", bound="FaultServer")
Mode = Callable[[asyncio.StreamReader, Writer], Awaitable[None]]


async def wait_for_hang_up(reader: asyncio.StreamReader, writer: Writer) -> None:
    """Send nothing more; return once the client closes (or stop() cancels us)."""
    while await reader.read(4096):
        pass


async def reset(reader: asyncio.StreamReader, writer: Writer) -> None:
    # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def reset_mid_headers(reader: asyncio.StreamReader, writer: Writer) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/pl")
    await writer.drain()
    await asyncio.sleep(0.01)  # let the partial head reach the client first
    await reset(reader, writer)


async def reset_mid_body(reader: asyncio.StreamReader, writer: Writer) -> None:
    writer.write(HEAD_1000 + PARTIAL_BODY)
    await writer.drain()
    await asyncio.sleep(0.01)
    await reset(reader, writer)


async def huge_headers(reader: asyncio.StreamReader, writer: Writer) -> None:
    # 1 MB of well-formed header lines: a client must refuse it, not buffer it all.
    line = b"X-Filler: " + b"a" * 990 + b"\r\n"
    writer.write(b"HTTP/1.1 200 OK\r\n")
    for _ in range(HUGE_HEADER_BYTES // len(line)):
        writer.write(line)
        await writer.drain()
    writer.write(b"Content-Length: 0\r\n\r\n")
    await writer.drain()
    await wait_for_hang_up(reader, writer)


async def close_before_response(reader: asyncio.StreamReader, writer: Writer) -> None:
    writer.close()


async def close_mid_body(reader: asyncio.StreamReader, writer: Writer) -> None:
    writer.write(HEAD_1000 + PARTIAL_BODY)
    await writer.drain()
    writer.close()


async def bad_status(reader: asyncio.StreamReader, writer: Writer) -> None:
    writer.write(b"HTTP/1.1 abc\r\nContent-Length: 0\r\n\r\n")
    await writer.drain()
    await wait_for_hang_up(reader, writer)


async def bad_header(reader: asyncio.StreamReader, writer: Writer) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nThis line has no colon\r\nContent-Length: 0\r\n\r\n")
    await writer.drain()
    await wait_for_hang_up(reader, writer)


async def bad_chunk(reader: asyncio.StreamReader, writer: Writer) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnot a chunk\r\n")
    await writer.drain()
    await wait_for_hang_up(reader, writer)


async def garbage(reader: asyncio.StreamReader, writer: Writer) -> None:
    writer.write(b"this is not HTTP at all\r\n\r\n")
    await writer.drain()
    await wait_for_hang_up(reader, writer)


async def stall_body(reader: asyncio.StreamReader, writer: Writer) -> None:
    writer.write(HEAD_1000 + PARTIAL_BODY)
    await writer.drain()
    await wait_for_hang_up(reader, writer)


async def not_found(reader: asyncio.StreamReader, writer: Writer) -> None:
    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    await writer.drain()


async def no_read(reader: asyncio.StreamReader, writer: Writer) -> None:
    # Never reads the request body: the client's writes block once the socket buffers
    # are full. (It cannot see the client hang up without reading: it gives up itself.)
    await asyncio.sleep(MAX_DELAY)


MODES: dict[str, Mode] = {
    "reset": reset,  # RST right after reading the request
    "close-before-response": close_before_response,  # FIN, no response at all
    "close-mid-body": close_mid_body,  # Content-Length 1000, 10 bytes, FIN
    "bad-status": bad_status,  # "HTTP/1.1 abc"
    "bad-header": bad_header,  # a header line without a colon
    "bad-chunk": bad_chunk,  # chunked body with a non-hex chunk size
    "garbage": garbage,  # not an HTTP response at all
    "stall": wait_for_hang_up,  # reads the request, never answers
    "stall-body": stall_body,  # headers and 10 of 1000 bytes, then silence
    "reset-mid-headers": reset_mid_headers,  # half a response head, then RST
    "reset-mid-body": reset_mid_body,  # headers and 10 of 1000 bytes, then RST
    "huge-headers": huge_headers,  # a 1 MB header block
    "no-read": no_read,  # never reads the request body, never answers
}


# --- well-behaved routes (keep-alive) -------------------------------------------------------


@dataclass(frozen=True)
class ServedRequest:
    method: str
    query: dict[str, str]
    body: bytes
    peer_port: int


Served = Callable[[ServedRequest, Writer], Awaitable[None]]


def _response(body: bytes, status: str = "200 OK", headers: bytes = b"") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\n"
        f"Content-Length: {len(body)}\r\n".encode()
        + headers
        + b"\r\n"
        + body
    )


def _delay(request: ServedRequest, name: str, default: float) -> float:
    return min(max(float(request.query.get(name, default)), 0.0), MAX_DELAY)


def _count(request: ServedRequest, name: str, default: int, maximum: int) -> int:
    return min(max(int(request.query.get(name, default)), 0), maximum)


async def served_ok(request: ServedRequest, writer: Writer) -> None:
    writer.write(_response(b"ok"))
    await writer.drain()


async def served_echo(request: ServedRequest, writer: Writer) -> None:
    """The request's ?token=, the client's port as seen here, and the body's length."""
    token = request.query.get("token", "").encode("ascii", "replace")
    headers = f"X-Peer-Port: {request.peer_port}\r\n".encode()
    writer.write(
        _response(token + b" %d %d" % (request.peer_port, len(request.body)), headers=headers)
    )
    await writer.drain()


async def served_slow_headers(request: ServedRequest, writer: Writer) -> None:
    await asyncio.sleep(_delay(request, "delay", 0.05))
    await served_ok(request, writer)


async def served_slow_body(request: ServedRequest, writer: Writer) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nsl")
    await writer.drain()
    await asyncio.sleep(_delay(request, "delay", 0.05))
    writer.write(b"ow")
    await writer.drain()


async def served_stream(request: ServedRequest, writer: Writer) -> None:
    """?chunks=N chunks of "chunk\n" (chunked transfer coding), ?delay= apart."""
    chunks = _count(request, "chunks", 10, 10_000)
    delay = _delay(request, "delay", 0.0)
    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    for _ in range(chunks):
        writer.write(b"6\r\nchunk\n\r\n")
        await writer.drain()
        if delay:
            await asyncio.sleep(delay)
    writer.write(b"0\r\n\r\n")
    await writer.drain()


async def served_drip(request: ServedRequest, writer: Writer) -> None:
    """?bytes=N bytes, one every ?interval= seconds: each read is quick, the body slow."""
    size = _count(request, "bytes", 50, 100_000)
    interval = _delay(request, "interval", 0.1)
    writer.write(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode())
    await writer.drain()
    for _ in range(size):
        await asyncio.sleep(interval)
        writer.write(b"x")
        await writer.drain()


async def served_drip_headers(request: ServedRequest, writer: Writer) -> None:
    """The response head one byte every ?interval= seconds."""
    interval = _delay(request, "interval", 0.1)
    for byte in _response(b"ok"):
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(interval)


SERVED: dict[str, Served] = {
    "ok": served_ok,  # 200 "ok"
    "echo": served_echo,  # "<token> <client port> <body length>"
    "slow-headers": served_slow_headers,  # ?delay= before the response
    "slow-body": served_slow_body,  # half the body, ?delay=, the rest
    "stream": served_stream,  # ?chunks=&delay=, chunked
    "drip": served_drip,  # ?bytes=&interval=: one byte at a time
    "drip-headers": served_drip_headers,  # ?interval=: the head one byte at a time
}


async def read_body(reader: asyncio.StreamReader, head: bytes) -> bytes:
    """The request body announced by `head` (Content-Length or chunked, RFC 9112 §6)."""
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        if length > MAX_BODY:
            raise ValueError("request body too large")
        return await reader.readexactly(length)
    parts: list[bytes] = []
    total = 0
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                pass
            return b"".join(parts)
        total += size
        if total > MAX_BODY:
            raise ValueError("request body too large")
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


class FaultServer(StreamServer):
    def __init__(self) -> None:
        super().__init__()
        self.connections = 0  # accepted so far
        self.open_connections = 0  # accepted and not yet closed
        self.peak_open_connections = 0  # the most ever open at once
        self.requests_served = 0  # by the well-behaved routes
        self.modes_served: collections.deque[str] = collections.deque(maxlen=1000)
        # Every connection to this one is reset as soon as it is accepted.
        self._reset_on_accept_socket = bind_loopback()
        self._reset_on_accept_server: asyncio.Server | None = None
        # Bound but never listening: connecting to it is refused (RST) immediately. We hold
        # the port for the whole session so nothing else can start listening on it.
        self._refusing_socket = bind_loopback(listen=False)
        # Listening, never accepting, with its backlog filled by our own connections: a
        # new connection attempt gets no answer at all (the SYN is dropped).
        self._unaccepting_socket = bind_loopback(listen=False)
        self._backlog_fillers: list[socket.socket] = []

    def _fill_backlog(self) -> None:
        self._unaccepting_socket.listen(0)
        address = self._unaccepting_socket.getsockname()
        for _ in range(16):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.settimeout(0.1)
            try:
                filler.connect(address)
            except TimeoutError:
                filler.close()
                return  # the queue is full: the next SYN went unanswered
            self._backlog_fillers.append(filler)
        raise RuntimeError("could not fill the listen backlog of the unaccepting socket")

    @property
    def connect_timeout_url(self) -> str:
        """A URL whose connection attempt hangs (for ConnectTimeout tests)."""
        return f"http://{LOOPBACK}:{self._unaccepting_socket.getsockname()[1]}/"

    @property
    def refused_url(self) -> str:
        """A URL whose connection attempt is refused (for ConnectError tests)."""
        return f"http://{LOOPBACK}:{self._refusing_socket.getsockname()[1]}/"

    @property
    def reset_on_accept_url(self) -> str:
        """A URL whose connections are reset as soon as they are accepted."""
        return f"http://{LOOPBACK}:{self._reset_on_accept_socket.getsockname()[1]}/"

    def url_for_mode(self, mode: str) -> str:
        """The URL of a fault mode (`MODES`) or of a well-behaved route (`SERVED`)."""
        if mode not in MODES and mode not in SERVED:
            raise ValueError(
                f"unknown fault mode {mode!r}; choose from {sorted(MODES)} or {sorted(SERVED)}"
            )
        return self.url_for(mode)

    def wait_for_open_connections(self, expected: int = 0, timeout: float = 5.0) -> int:
        """Wait (bounded) until `open_connections` is at most `expected`; return it."""
        deadline = time.monotonic() + timeout
        while self.open_connections > expected and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.open_connections

    async def handle(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        self.connections += 1
        self.open_connections += 1
        self.peak_open_connections = max(self.peak_open_connections, self.open_connections)
        try:
            await self._serve(reader, writer)
        finally:
            self.open_connections -= 1

    async def _serve(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        peer_port = writer.get_extra_info("peername")[1]
        first = True
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                if first:
                    raise
                return  # a kept-alive connection closed between requests
            first = False
            request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
            parts = request_line.split(" ")
            path = parts[1] if len(parts) == 3 else ""
            mode, _, query = path.lstrip("/").partition("?")
            served = SERVED.get(mode)
            if served is None:
                self.modes_served.append(mode)
                await MODES.get(mode, not_found)(reader, writer)
                return
            body = await read_body(reader, head)
            values = {key: value[0] for key, value in parse_qs(query).items()}
            await served(ServedRequest(parts[0], values, body, peer_port), writer)
            self.requests_served += 1

    async def _reset_on_accept(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        self.connections += 1
        await reset(reader, writer)

    async def _start(self) -> None:
        await super()._start()
        self._reset_on_accept_server = await asyncio.start_server(
            self._reset_on_accept, sock=self._reset_on_accept_socket
        )

    async def _close(self) -> None:
        if self._reset_on_accept_server is not None:
            self._reset_on_accept_server.close()
        await super()._close()

    def start(self: FaultServerT) -> FaultServerT:
        try:
            self._fill_backlog()
        except BaseException:
            self.stop()
            raise
        super().start()
        return self

    def stop(self) -> None:
        try:
            super().stop()
        finally:
            for sock in [
                self._refusing_socket,
                self._unaccepting_socket,
                self._reset_on_accept_socket,
                *self._backlog_fillers,
            ]:
                sock.close()
