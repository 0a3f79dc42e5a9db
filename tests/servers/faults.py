"""A raw-socket server that misbehaves on purpose, one way per request path.

A client under test should turn each of these into a clear error (for httpcore:
RemoteProtocolError, ReadError or ReadTimeout), never a hang or a silent truncation.
The "stall" modes wait only until the client hangs up or the session ends (stop()
cancels them), so they cannot keep the test session alive.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tests.servers.run import LOOPBACK, StreamServer, bind_loopback

PARTIAL_BODY = b"0123456789"  # the 10 of 1000 announced bytes the mid-body modes send
HEAD_1000 = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n"

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
}


class FaultServer(StreamServer):
    def __init__(self) -> None:
        super().__init__()
        self.connections = 0
        self.modes_served: list[str] = []
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

    def url_for_mode(self, mode: str) -> str:
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r}; choose from {sorted(MODES)}")
        return self.url_for(mode)

    async def handle(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        self.connections += 1
        head = await reader.readuntil(b"\r\n\r\n")
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        path = request_line.split(" ")[1] if request_line.count(" ") == 2 else ""
        mode = path.lstrip("/").split("?", 1)[0]
        self.modes_served.append(mode)
        await MODES.get(mode, not_found)(reader, writer)

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
            for sock in [self._refusing_socket, self._unaccepting_socket, *self._backlog_fillers]:
                sock.close()
