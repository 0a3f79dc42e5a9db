"""The raw floor: hand-written minimal HTTP/1.1 on plain sockets, asyncio and trio.

The fastest a Python client could be against this server: requests are prebuilt bytes,
responses are parsed just enough to find the status and the body length (nginx always
sends Content-Length here), bodies are read into a reused buffer. No header
validation, no URL parsing, no cookies, no redirects: the floor is what is left when all
of a real client's work is gone.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import time
from urllib.parse import urlsplit

import trio
from _common import CheckFailed, Measurement, check_body, check_upload_reply, main, versions_of

HEAD_END = b"\r\n\r\n"
RECV_SIZE = 1 << 20


def _address(url: str) -> tuple[str, int, str]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80, parts.path or "/"


def _request(method: str, host: str, port: int, path: str, extra: str = "") -> bytes:
    return f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n".encode("ascii")


def _parse_head(head: bytes) -> tuple[int, int]:
    """(status, content-length) from a response head, enough for nginx's replies."""
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            return status, int(value)
    raise CheckFailed("response without Content-Length")


class _SocketReader:
    """Reads responses off one kept-alive blocking socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray(RECV_SIZE)
        self.view = memoryview(self.buffer)
        self.pending = b""

    def read_head(self) -> tuple[int, int, bytes]:
        data = self.pending
        while True:
            end = data.find(HEAD_END)
            if end >= 0:
                status, length = _parse_head(data[:end])
                return status, length, data[end + 4 :]
            chunk = self.sock.recv(65536)
            if not chunk:
                raise CheckFailed("connection closed in a response head")
            data += chunk

    def read_response(self, keep_body: bool = False) -> tuple[int, int, bytes]:
        """(status, body bytes received, body if kept); leftovers stay for the next one."""
        status, length, body_start = self.read_head()
        if len(body_start) >= length:
            self.pending = body_start[length:]
            return status, length, body_start[:length] if keep_body else b""
        self.pending = b""
        received = len(body_start)
        kept = [body_start]
        while received < length:
            n = self.sock.recv_into(self.view, min(RECV_SIZE, length - received))
            if n == 0:
                raise CheckFailed("connection closed in a response body")
            received += n
            if keep_body:
                kept.append(bytes(self.view[:n]))
        return status, received, b"".join(kept)


def _connect(host: str, port: int) -> socket.socket:
    sock = socket.create_connection((host, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def sync_get(args: argparse.Namespace) -> Measurement:
    host, port, path = _address(args.url)
    request = _request("GET", host, port, path)
    with _connect(host, port) as sock:
        reader = _SocketReader(sock)
        for _ in range(args.warmup):
            sock.sendall(request)
            status, received, _ = reader.read_response()
            check_body(status, received, args.size)
        started = time.perf_counter()
        for _ in range(args.count):
            sock.sendall(request)
            status, received, _ = reader.read_response()
            check_body(status, received, args.size)
        elapsed = time.perf_counter() - started
    return Measurement(args.count, elapsed)


def download(args: argparse.Namespace) -> Measurement:
    host, port, path = _address(args.url)
    request = _request("GET", host, port, path)
    with _connect(host, port) as sock:
        reader = _SocketReader(sock)
        for _ in range(args.warmup):
            sock.sendall(request)
            check_body(*reader.read_response()[:2], args.size)
        started = time.perf_counter()
        for _ in range(args.count):
            sock.sendall(request)
            check_body(*reader.read_response()[:2], args.size)
        elapsed = time.perf_counter() - started
    return Measurement(args.count * args.size, elapsed)


def upload(args: argparse.Namespace) -> Measurement:
    host, port, path = _address(args.url)
    head = _request("POST", host, port, path, f"Content-Length: {args.size}\r\n")
    body = bytes(args.size)
    with _connect(host, port) as sock:
        reader = _SocketReader(sock)

        def send() -> None:
            sock.sendall(head)
            sock.sendall(body)
            status, _, reply = reader.read_response(keep_body=True)
            check_upload_reply(status, reply, args.size)

        for _ in range(args.warmup):
            send()
        started = time.perf_counter()
        for _ in range(args.count):
            send()
        elapsed = time.perf_counter() - started
    return Measurement(args.count * args.size, elapsed)


class _Connection(asyncio.Protocol):
    """One kept-alive connection; one request in flight at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[tuple[int, int]] | None = None
        self.data = b""
        self.head: tuple[int, int] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.data += data
        if self.head is None:
            end = self.data.find(HEAD_END)
            if end < 0:
                return
            self.head = _parse_head(self.data[:end])
            self.data = self.data[end + 4 :]
        status, length = self.head
        if len(self.data) >= length and self.waiter is not None:
            self.data = self.data[length:]
            self.head = None
            self.waiter.set_result((status, length))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(CheckFailed(f"connection lost: {exc}"))

    async def send(self, request: bytes) -> tuple[int, int]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.waiter


async def _asyncio_gets(args: argparse.Namespace) -> Measurement:
    host, port, path = _address(args.url)
    request = _request("GET", host, port, path)
    loop = asyncio.get_running_loop()
    idle: asyncio.Queue[_Connection] = asyncio.LifoQueue()
    connections = []
    for _ in range(args.connections):
        transport, protocol = await loop.create_connection(_Connection, host, port)
        connections.append(transport)
        idle.put_nowait(protocol)

    async def run(total: int) -> None:
        remaining = total

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                connection = await idle.get()
                try:
                    status, length = await connection.send(request)
                finally:
                    idle.put_nowait(connection)
                check_body(status, length, args.size)

        await asyncio.gather(*(worker() for _ in range(min(args.concurrency, total))))

    await run(args.warmup)
    started = time.perf_counter()
    await run(args.count)
    elapsed = time.perf_counter() - started
    for transport in connections:
        transport.close()
    return Measurement(args.count, elapsed)


class _TrioConnection:
    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self.pending = b""

    async def send(self, request: bytes) -> tuple[int, int]:
        await self.stream.send_all(request)
        data = self.pending
        while (end := data.find(HEAD_END)) < 0:
            data += await self.stream.receive_some(65536)
        status, length = _parse_head(data[:end])
        data = data[end + 4 :]
        while len(data) < length:
            chunk = await self.stream.receive_some(65536)
            if not chunk:
                raise CheckFailed("connection closed in a response body")
            data += chunk
        self.pending = data[length:]
        return status, length


async def _trio_gets(args: argparse.Namespace) -> Measurement:
    host, port, path = _address(args.url)
    request = _request("GET", host, port, path)
    send_idle, receive_idle = trio.open_memory_channel[_TrioConnection](args.connections)
    connections = []
    for _ in range(args.connections):
        connection = _TrioConnection(await trio.open_tcp_stream(host, port))
        connections.append(connection)
        send_idle.send_nowait(connection)

    async def run(total: int) -> None:
        remaining = total

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                connection = await receive_idle.receive()
                try:
                    status, length = await connection.send(request)
                finally:
                    send_idle.send_nowait(connection)
                check_body(status, length, args.size)

        async with trio.open_nursery() as nursery:
            for _ in range(min(args.concurrency, total)):
                nursery.start_soon(worker)

    await run(args.warmup)
    started = time.perf_counter()
    await run(args.count)
    elapsed = time.perf_counter() - started
    for connection in connections:
        await connection.stream.aclose()
    return Measurement(args.count, elapsed)


def async_get(args: argparse.Namespace) -> Measurement:
    if args.backend == "trio":
        return trio.run(_trio_gets, args)
    return asyncio.run(_asyncio_gets(args))


def versions() -> dict[str, str]:
    return versions_of("trio")


if __name__ == "__main__":
    main({"S1": sync_get, "A1": async_get, "D1": download, "U1": upload}, versions)
