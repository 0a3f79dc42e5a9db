"""The HTTP/1.1 side of the hostile server: exact bytes, played by a script.

A connection reads request heads (and bodies) one after another. A request for
`/<token>/ok...` gets a well-formed keep-alive answer whose body is "ok <path>"; any other
request under a registered token is handed to that route's script, which writes whatever
bytes it likes (`H1Conn.send`), pushes endless data within a budget, stays silent, closes
or resets. When a script returns without closing, the connection goes on serving, so a
client that wrongly reuses it is seen doing so (its next request lands here again).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from collections.abc import Awaitable, Callable

from tests.hostile.record import ConnectionRecord, Marks, Received
from tests.servers.faults import read_body

# An endless push stops after this many bytes or seconds, whichever comes first, then the
# script goes on as written (usually silence): a client that should have given up long
# before then ends in a ReadTimeout, which no test accepts for such a case.
PUSH_BUDGET_BYTES = 64 * 1024 * 1024
PUSH_BUDGET_SECONDS = 5.0

H1Script = Callable[["H1Conn", Received], Awaitable[None]]


def ok_response(path: str) -> bytes:
    body = f"ok {path}".encode()
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body) + body
    )


class H1Conn:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        record: ConnectionRecord,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.record = record
        self.closed = False
        self.marks = Marks()  # the running script's route's (set by the server)

    async def send(self, data: bytes) -> None:
        """Write `data` in one write() call (one TCP segment when it is small)."""
        self.writer.write(data)
        self.record.bytes_sent += len(data)
        await self.writer.drain()

    async def push(
        self,
        chunk: bytes,
        budget: int = PUSH_BUDGET_BYTES,
        seconds: float = PUSH_BUDGET_SECONDS,
    ) -> int:
        """Send `chunk` again and again until the client hangs up or the budget is spent.
        Returns the bytes sent; the client only ever received what its reads took."""
        sent = 0
        deadline = time.monotonic() + seconds
        with contextlib.suppress(ConnectionError):
            while sent < budget and time.monotonic() < deadline:
                await self.send(chunk)
                sent += len(chunk)
        return sent

    async def wait_for_hang_up(self) -> None:
        """Send nothing more; return once the client closes (or the server stops)."""
        with contextlib.suppress(ConnectionError):
            while await self.reader.read(65536):
                pass
        self.closed = True

    def close(self) -> None:
        self.writer.close()
        self.closed = True

    def reset(self) -> None:
        """Close with a TCP RST instead of a FIN (SO_LINGER with a zero timeout)."""
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()
        self.closed = True

    async def read_request(self, head: bytes | None = None) -> Received | None:
        """The next request on this connection, or None once the client has closed it."""
        if head is None:
            try:
                head = await self.reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return None
        self.record.bytes_received += len(head)
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = tuple(
            (name.strip().encode("latin-1"), value.strip().encode("latin-1"))
            for name, _, value in (line.partition(":") for line in lines[1:] if line)
        )
        body = await read_body(self.reader, head)
        self.record.bytes_received += len(body)
        request = Received(self.record.number, 0, method, path, headers, body)
        self.record.requests.append(request)
        return request


def play(*parts: bytes, then: str = "serve", pause: float = 0.0) -> H1Script:
    """A script that writes `parts` (one write each, `pause` seconds apart), then
    "serve"s the next request, "close"s, "reset"s or stays "silent" until the client
    hangs up."""
    if then not in ("serve", "close", "reset", "silent"):
        raise ValueError(then)

    async def script(conn: H1Conn, request: Received) -> None:
        for index, part in enumerate(parts):
            if index and pause:
                await asyncio.sleep(pause)
            await conn.send(part)
        if then == "close":
            conn.close()
        elif then == "reset":
            await asyncio.sleep(0.01)  # let the bytes reach the client before the RST
            conn.reset()
        elif then == "silent":
            await conn.wait_for_hang_up()

    return script


def push_forever(head: bytes, chunk: bytes, budget: int = PUSH_BUDGET_BYTES) -> H1Script:
    """A script that sends `head`, then `chunk` until the client hangs up (or the budget
    is spent, then silence)."""

    async def script(conn: H1Conn, request: Received) -> None:
        await conn.send(head)
        await conn.push(chunk, budget)
        await conn.wait_for_hang_up()

    return script
