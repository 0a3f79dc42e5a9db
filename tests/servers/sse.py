"""Servers of server-sent events for tests/sse/test_sse_*.py.

* `app`: a Starlette application (served by uvicorn, and by hypercorn for HTTP/2):
  well-formed streams, streams cut into awkward chunks, huge comments and events, the
  wrong content type, error statuses, a stream that never ends.
* `RawSSEServer`: an asyncio server writing responses byte for byte, for what a
  framework would not do: a body cut short (FIN or RST) in the middle of an event, a
  body delimited by the connection closing, and streams that resume from the
  `Last-Event-ID` a reconnecting client sends. It records every request and counts its
  open connections, so that tests can see what was sent and that nothing leaked.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.servers.run import StreamServer

EVENT_STREAM = "text/event-stream"
MAX_MIB = 64

# The WHATWG standard's examples and the corner cases of its rules, in one stream.
AWKWARD_STREAM = (
    b"\xef\xbb\xbf: test stream\n\n"
    b"retry: 2500\n"
    b"data: first event\nid: 1\n\n"
    b"data:second event\nid\n\n"
    b"data:  third event\r\n\r\n"
    b'event: update\rdata: {"text": "caf\xc3\xa9 \xe2\x9c\x93"}\rid: 3\r\r'
    b"data: YHOO\ndata: +2\ndata: 10\nunknown: field\nid: 4\x005\n\n"
    b"data: never dispatched"
)


def tick(number: int) -> bytes:
    return f'id: {number}\nevent: tick\ndata: {{"tick": {number}}}\n\n'.encode()


def _first_after(last_event_id: str | None) -> int:
    return int(last_event_id) + 1 if last_event_id and last_event_id.isdigit() else 1


# --- the Starlette application -----------------------------------------------------------


async def ticks(request: Request) -> StreamingResponse:
    """?n= numbered "tick" events, after the Last-Event-ID sent (if any)."""
    count = min(int(request.query_params.get("n", "3")), 10_000)
    first = _first_after(request.headers.get("last-event-id"))

    async def body() -> AsyncIterator[bytes]:
        for number in range(first, first + count):
            yield tick(number)

    return StreamingResponse(body(), media_type=EVENT_STREAM)


async def echo(request: Request) -> StreamingResponse:
    """One "echo" event: the method, headers and body the server received."""
    seen = {
        "method": request.method,
        "headers": dict(request.headers),
        "body": (await request.body()).decode(),
    }
    frame = f"event: echo\ndata: {json.dumps(seen)}\n\n".encode()
    return StreamingResponse(iter([frame]), media_type=EVENT_STREAM)


async def awkward(request: Request) -> StreamingResponse:
    """AWKWARD_STREAM in chunks of 1, 2 and 3 bytes, cutting CRLFs, the BOM and UTF-8."""

    async def body() -> AsyncIterator[bytes]:
        position, size = 0, 1
        while position < len(AWKWARD_STREAM):
            yield AWKWARD_STREAM[position : position + size]
            position += size
            size = size % 3 + 1

    return StreamingResponse(body(), media_type=EVENT_STREAM)


async def not_a_stream(request: Request) -> JSONResponse:
    return JSONResponse({"detail": "this is JSON"})


async def status(request: Request) -> Response:
    """The status of the path, with an event-stream body (empty for 204)."""
    code = int(request.path_params["code"])
    body = b"" if code == 204 else b"data: should not be read\n\n"
    return Response(body, status_code=code, media_type=EVENT_STREAM)


async def comment(request: Request) -> StreamingResponse:
    """A comment ?mib= MiB long, with no line end until it is over, then one event."""
    mib = min(int(request.query_params.get("mib", "1")), MAX_MIB)
    filler = b"x" * 65536

    async def body() -> AsyncIterator[bytes]:
        yield b": "
        for _ in range(mib * 16):
            yield filler
        yield b"\ndata: done\n\n"

    return StreamingResponse(body(), media_type=EVENT_STREAM)


async def big(request: Request) -> StreamingResponse:
    """One event whose data is ?size= bytes (sent in 64 KiB chunks), then a small one."""
    size = min(int(request.query_params.get("size", "1024")), MAX_MIB * 1024 * 1024)

    async def body() -> AsyncIterator[bytes]:
        yield b"data: "
        for start in range(0, size, 65536):
            yield b"y" * min(65536, size - start)
        yield b"\n\ndata: small\n\n"

    return StreamingResponse(body(), media_type=EVENT_STREAM)


async def forever(request: Request) -> StreamingResponse:
    """Numbered events, then a comment every 10 ms, until the client hangs up."""

    async def body() -> AsyncIterator[bytes]:
        for number in range(1, 4):
            yield tick(number)
        while True:
            await asyncio.sleep(0.01)
            yield b": keep-alive\n"

    return StreamingResponse(body(), media_type=EVENT_STREAM)


async def gzipped(request: Request) -> Response:
    """An event stream with Content-Encoding: gzip."""
    body = gzip.compress(b"".join(tick(n) for n in range(1, 6)), mtime=0)
    return Response(body, media_type=EVENT_STREAM, headers={"content-encoding": "gzip"})


app = Starlette(
    routes=[
        Route("/ticks", ticks),
        Route("/echo", echo, methods=["GET", "POST", "QUERY"]),
        Route("/awkward", awkward),
        Route("/json", not_a_stream),
        Route("/status/{code}", status),
        Route("/comment", comment),
        Route("/big", big),
        Route("/forever", forever),
        Route("/gzip", gzipped),
    ]
)


# --- the raw server ----------------------------------------------------------------------

Writer = asyncio.StreamWriter


@dataclass(frozen=True)
class Seen:
    """A request as the raw server received it."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]

    @property
    def last_event_id(self) -> str | None:
        return self.headers.get("last-event-id")


def head(
    status: str = "200 OK", content_type: str = EVENT_STREAM, framing: str = "chunked"
) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}", "Connection: close"]
    if framing == "chunked":
        lines.append("Transfer-Encoding: chunked")
    elif framing == "empty":
        lines.append("Content-Length: 0")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


LAST_CHUNK = b"0\r\n\r\n"


async def reset(writer: Writer) -> None:
    # SO_LINGER with a zero timeout makes the close send RST instead of FIN.
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def send(writer: Writer, *parts: bytes) -> None:
    for part in parts:
        writer.write(part)
        await writer.drain()


async def raw_cut(seen: Seen, reader: asyncio.StreamReader, writer: Writer) -> None:
    """Chunked: two events, half of a third, then FIN without the last chunk."""
    await send(writer, head(), chunk(tick(1) + tick(2)), chunk(b"id: 3\ndata: half of"))
    await asyncio.sleep(0.01)


async def raw_reset(seen: Seen, reader: asyncio.StreamReader, writer: Writer) -> None:
    """Chunked: one event, half of another, then RST."""
    await send(writer, head(), chunk(tick(1)), chunk(b"data: half of"))
    await asyncio.sleep(0.01)
    await reset(writer)


async def raw_close_delimited(seen: Seen, reader: asyncio.StreamReader, writer: Writer) -> None:
    """No Content-Length, not chunked: the body ends when the connection closes (a
    clean end for HTTP/1.1), here in the middle of an event."""
    await send(writer, head(framing="close"), tick(1), b"id: 2\ndata: half of")


async def raw_resume(seen: Seen, reader: asyncio.StreamReader, writer: Writer) -> None:
    """Per connection, ?per= events after the Last-Event-ID; then, with ?cut=1, half an
    event and a FIN without the last chunk, else a clean end. ?retry= is sent first.
    Once ?total= events are out: 204 No Content."""
    first = _first_after(seen.last_event_id)
    total, per = int(seen.query.get("total", "6")), int(seen.query.get("per", "2"))
    if first > total:
        await send(writer, head("204 No Content", framing="empty"))
        return
    retry = seen.query.get("retry")
    events = (f"retry: {retry}\n\n".encode() if retry else b"") + b"".join(
        tick(number) for number in range(first, min(first + per, total + 1))
    )
    await send(writer, head(), chunk(events))
    if seen.query.get("cut") == "1":
        await send(writer, chunk(b"id: 999\ndata: never"))
        await asyncio.sleep(0.01)
    else:
        await send(writer, LAST_CHUNK)


async def raw_then(seen: Seen, reader: asyncio.StreamReader, writer: Writer) -> None:
    """The first connection: one event, then a clean end. A reconnection (one that
    sends Last-Event-ID): ?status= with ?type= as Content-Type."""
    if seen.last_event_id is None:
        await send(writer, head(), chunk(tick(1)), LAST_CHUNK)
        return
    status = seen.query.get("status", "200 OK")
    content_type = seen.query.get("type", EVENT_STREAM)
    await send(writer, head(status, content_type), chunk(tick(2)), LAST_CHUNK)


async def raw_empty(seen: Seen, reader: asyncio.StreamReader, writer: Writer) -> None:
    """An event stream that ends at once, without an event (a comment only)."""
    await send(writer, head(), chunk(b": nothing for now\n"), LAST_CHUNK)


async def raw_hang(seen: Seen, reader: asyncio.StreamReader, writer: Writer) -> None:
    """One event, then nothing until the client hangs up."""
    await send(writer, head(), chunk(tick(1)))
    while await reader.read(4096):
        pass


RawRoute = Callable[[Seen, asyncio.StreamReader, Writer], Awaitable[None]]
RAW_ROUTES: dict[str, RawRoute] = {
    "/cut": raw_cut,
    "/reset": raw_reset,
    "/close_delimited": raw_close_delimited,
    "/resume": raw_resume,
    "/then": raw_then,
    "/empty": raw_empty,
    "/hang": raw_hang,
}


class RawSSEServer(StreamServer):
    """Serves RAW_ROUTES, one request per connection; `.seen` lists the requests."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Seen] = []
        self.open_connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        self.open_connections += 1
        try:
            request_head = await reader.readuntil(b"\r\n\r\n")
            request_line, *lines = request_head.decode("latin-1").split("\r\n")
            target = request_line.split(" ")[1]
            path, _, query = target.partition("?")
            headers = {}
            for line in lines:
                name, colon, value = line.partition(":")
                if colon:
                    headers[name.strip().lower()] = value.strip()
            seen = Seen(path, {k: v[0] for k, v in parse_qs(query).items()}, headers)
            self.seen.append(seen)
            await RAW_ROUTES[path](seen, reader, writer)
        finally:
            self.open_connections -= 1

    def reset_log(self) -> None:
        self.seen.clear()
