"""Servers for the resilience features (retries, stale connections, name resolution).

* `RetryServer`: raw HTTP/1.1 with keep-alive, whose answers depend on how often a
  path was asked: ``/flaky/<key>?fail=N&status=503&retry_after=V`` answers `status`
  (with Retry-After: V when given) to the first N requests for `key`, then 200;
  ``/drop/<key>?fail=N`` closes the connection without a response the first N times.
  ``hits(key)`` counts the requests for a key, so a test sees exactly how many
  attempts were made.
* `StaleServer`: keep-alive connections that the server closes behind the client's
  back, the way load balancers do: ``close_after_response`` (a response framed for
  keep-alive, no ``Connection: close``, then the socket closes), ``drop_reused`` (a
  connection's second request is read and the connection closed without a response:
  the close crossed the request on the wire), ``idle_close`` (an idle connection is
  closed after `idle` seconds; `idle_closed` is set when it has been).
* `StaleH2Server`: the HTTP/2 analogue of ``drop_reused`` (prior knowledge, h2c): the
  first stream of a connection is answered, a later one makes the server drop the
  connection without a GOAWAY.
* `Blackhole`: a listening socket on 127.0.0.2 whose accept queue is full, so that a
  connection attempt to it is never answered (SYNs are dropped) and hangs until its
  timeout: the address that Happy Eyeballs must not wait for.
"""

from __future__ import annotations

import asyncio
import collections
import socket
import threading
from urllib.parse import parse_qs, urlsplit

import h2.config
import h2.connection
import h2.events

from tests.servers.run import StreamServer

Writer = asyncio.StreamWriter


async def read_request(reader: asyncio.StreamReader) -> tuple[str, str, dict[str, str]] | None:
    """One request (method, target, lower-case headers), its body read and dropped; None
    when the client closed the connection first."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(int(headers.get("content-length", "0")))
    return method, target, headers


def response(status: int, body: bytes = b"ok", extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 {status} Status\r\nContent-Length: {len(body)}\r\n"
        f"Content-Type: text/plain\r\n{extra}\r\n"
    ).encode("latin-1") + body


class RetryServer(StreamServer):
    """See the module docstring."""

    def __init__(self) -> None:
        super().__init__()
        self._hits: collections.Counter[str] = collections.Counter()
        self.methods: list[str] = []
        self.peers: list[str] = []  # the client address of each connection

    def hits(self, key: str) -> int:
        return self._hits[key]

    async def handle(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        self.peers.append(writer.get_extra_info("peername")[0])
        while True:
            request = await read_request(reader)
            if request is None:
                return
            method, target, _ = request
            url = urlsplit(target)
            query = {name: values[0] for name, values in parse_qs(url.query).items()}
            kind, _, key = url.path.strip("/").partition("/")
            self._hits[key] += 1
            self.methods.append(method)
            failing = self._hits[key] <= int(query.get("fail", "0"))
            if kind == "drop" and failing:
                return  # closed without a response
            if kind == "flaky" and failing:
                extra = ""
                if "retry_after" in query:
                    extra = f"Retry-After: {query['retry_after']}\r\n"
                status = int(query.get("status", "503"))
                writer.write(response(status, b"try again", extra))
            else:
                writer.write(response(200, f"ok {self._hits[key]}".encode()))
            await writer.drain()


class StaleServer(StreamServer):
    """See the module docstring."""

    def __init__(self, mode: str, idle: float = 0.05) -> None:
        super().__init__()
        self.mode = mode
        self.idle = idle
        self.connections = 0
        self.requests = 0  # requests answered
        self.dropped = 0  # requests read and left without a response
        self.idle_closed = threading.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        self.connections += 1
        served = 0
        while True:
            if self.mode == "idle_close" and served:
                try:
                    request = await asyncio.wait_for(read_request(reader), self.idle)
                except asyncio.TimeoutError:
                    self.idle_closed.set()
                    return
            else:
                request = await read_request(reader)
            if request is None:
                return
            if self.mode == "drop_reused" and served:
                self.dropped += 1
                return
            served += 1
            self.requests += 1
            writer.write(response(200, f"ok {self.requests}".encode()))
            await writer.drain()
            if self.mode == "close_after_response":
                return


class StaleH2Server(StreamServer):
    """See the module docstring (HTTP/2 with prior knowledge)."""

    def __init__(self) -> None:
        super().__init__()
        self.connections = 0
        self.requests = 0
        self.dropped = 0

    async def handle(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        self.connections += 1
        conn = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=False, header_encoding=None)
        )
        conn.initiate_connection()
        writer.write(conn.data_to_send())
        served = 0
        while True:
            data = await reader.read(65536)
            if not data:
                return
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    if served:
                        self.dropped += 1
                        return  # the connection closes, no GOAWAY
                    served += 1
                    self.requests += 1
                    body = f"ok {self.requests}".encode()
                    conn.send_headers(
                        event.stream_id,
                        [(b":status", b"200"), (b"content-length", str(len(body)).encode())],
                    )
                    conn.send_data(event.stream_id, body, end_stream=True)
            writer.write(conn.data_to_send())
            await writer.drain()


class Blackhole:
    """See the module docstring. `.port` is where it listens, on 127.0.0.2."""

    HOST = "127.0.0.2"

    def __init__(self, port: int = 0) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind((self.HOST, port))
        self._listener.listen(0)
        self.port = self._listener.getsockname()[1]
        # Fill the accept queue: connections nobody accepts. Later SYNs are dropped.
        self._fillers = []
        for _ in range(4):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            try:
                filler.connect((self.HOST, self.port))
            except BlockingIOError:
                pass
            self._fillers.append(filler)

    def close(self) -> None:
        for filler in self._fillers:
            filler.close()
        self._listener.close()
