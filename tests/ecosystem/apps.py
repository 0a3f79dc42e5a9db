"""The ASGI app behind the `ecosystem_server` fixture (uvicorn, 127.0.0.1, port 0).

Endpoints the shared tests/servers app lacks: server-sent event streams (httpx-sse), a
fake OpenAI/Anthropic API with scripted failures and stalls (the SDKs' retries and
timeouts), and cacheable resources that count their hits (hishel). The server runs in a
thread of the test process, so tests script it and read its counters through `STATE`.
"""

from __future__ import annotations

import asyncio
import collections
import json
import threading
import typing

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.ecosystem import payloads

STALL_SECONDS = 1.5  # longer than any client timeout the tests set, short enough to end


class ServerState:
    """What the tests script and observe. Reset before every test that uses the server."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.hits: collections.Counter[str] = collections.Counter()
        self.headers: list[dict[str, str]] = []
        self.plan: collections.deque[int | str] = collections.deque()
        self.release_stalls = threading.Event()

    def reset(self) -> None:
        with self._lock:
            self.hits.clear()
            self.headers.clear()
            self.plan.clear()
            self.release_stalls.clear()

    def record(self, key: str, request: Request) -> int:
        with self._lock:
            self.hits[key] += 1
            self.headers.append(dict(request.headers))
            return self.hits[key]

    def next_step(self) -> int | str | None:
        """The next scripted failure (a status code, or "stall"), or None to succeed."""
        with self._lock:
            return self.plan.popleft() if self.plan else None


STATE = ServerState()


# --- server-sent events ------------------------------------------------------------------

# Comments, a retry field, event names, ids, multi-line data (with an empty line of data),
# a field without a space after the colon, an unknown field, CRLF and lone-CR line endings.
SSE_BODY = (
    b": this comment is ignored\n"
    b"retry: 2500\n"
    b"\n"
    b"event: greeting\n"
    b"id: 1\n"
    b"data: hello\n"
    b"\n"
    b"data: first line\n"
    b"data:\n"
    b"data:second line\n"
    b"unknown: field\n"
    b"id: 2\n"
    b"\n"
    b"event: update\r\n"
    b'data: {"n": 3, "text": "caf\xc3\xa9 \xe2\x9c\x93"}\r\n'
    b"id: 3\r\n"
    b"\r\n"
    b"data: after carriage returns\r"
    b"\r"
)
EXPECTED_SSE = [
    # (event, data, id, retry)
    ("message", "", "", 2500),
    ("greeting", "hello", "1", None),
    ("message", "first line\n\nsecond line", "2", None),
    ("update", '{"n": 3, "text": "café ✓"}', "3", None),
    ("message", "after carriage returns", "3", None),
]


async def sse_events(request: Request) -> StreamingResponse:
    async def body() -> typing.AsyncIterator[bytes]:
        for chunk in payloads.split_awkwardly([SSE_BODY]):
            yield chunk
            await asyncio.sleep(0)

    return StreamingResponse(body(), media_type="text/event-stream")


async def sse_ticks(request: Request) -> StreamingResponse:
    """?n= numbered events, resuming after the Last-Event-ID the client sends (if any)."""
    count = min(int(request.query_params.get("n", "3")), 100)
    first = int(request.headers.get("last-event-id", "0")) + 1

    async def body() -> typing.AsyncIterator[bytes]:
        for number in range(first, first + count):
            yield f"id: {number}\nevent: tick\ndata: {number}\n\n".encode()
            await asyncio.sleep(0.001)

    return StreamingResponse(body(), media_type="text/event-stream")


async def sse_request_echo(request: Request) -> StreamingResponse:
    """One event whose data is what the client sent: method, headers, body."""
    seen = {
        "method": request.method,
        "accept": request.headers.get("accept"),
        "cache-control": request.headers.get("cache-control"),
        "authorization": request.headers.get("authorization"),
        "body": (await request.body()).decode(),
    }
    frame = payloads.sse_frame(json.dumps(seen), "echo")
    return StreamingResponse(iter([frame]), media_type="text/event-stream")


async def not_an_event_stream(request: Request) -> JSONResponse:
    return JSONResponse({"detail": "this is JSON"})


# --- fake OpenAI / Anthropic API ---------------------------------------------------------


async def stall() -> None:
    """Answer nothing for STALL_SECONDS, or until the test that asked for it is over."""
    for _ in range(int(STALL_SECONDS / 0.02)):
        if STATE.release_stalls.is_set():
            return
        await asyncio.sleep(0.02)


async def sdk_api(request: Request) -> Response:
    STATE.record(request.url.path, request)
    step = STATE.next_step()
    if step == "stall":
        await stall()
    if isinstance(step, int):
        status, headers, chunks = payloads.error_answer(step)
    else:
        status, headers, chunks = payloads.sdk_answer(request.url.path, await request.json())
    if headers["content-type"] == "text/event-stream":

        async def body() -> typing.AsyncIterator[bytes]:
            for chunk in chunks:
                yield chunk
                await asyncio.sleep(0)

        return StreamingResponse(body(), status_code=status, headers=headers)
    return Response(b"".join(chunks), status_code=status, headers=headers)


# --- cacheable resources -----------------------------------------------------------------


async def cacheable(request: Request) -> Response:
    """Counts its hits per name; ?cc= is the Cache-Control value (default max-age=60).
    With ?etag=1 it validates If-None-Match (RFC 9110 section 13.1.2) and answers 304."""
    name = request.path_params["name"]
    hits = STATE.record(f"cache:{name}", request)
    cache_control = request.query_params.get("cc", "max-age=60")
    headers = {"cache-control": cache_control}
    if request.query_params.get("etag"):
        etag = f'"{name}-v1"'
        headers["etag"] = etag
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
    return PlainTextResponse(f"{name} #{hits}", headers=headers)


app = Starlette(
    routes=[
        Route("/sse/events", sse_events),
        Route("/sse/ticks", sse_ticks),
        Route("/sse/echo", sse_request_echo, methods=["GET", "POST"]),
        Route("/sse/json", not_an_event_stream),
        Route("/v1/chat/completions", sdk_api, methods=["POST"]),
        Route("/v1/messages", sdk_api, methods=["POST"]),
        Route("/cache/{name}", cacheable, methods=["GET", "POST"]),
    ]
)
