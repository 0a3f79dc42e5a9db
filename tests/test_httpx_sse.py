"""httpx-sse (installed with --no-deps) streams server-sent events over our clients."""

from __future__ import annotations

import httpx_sse
import pytest

import httpx

EVENTS = b"event: greeting\ndata: hello\n\ndata: line one\ndata: line two\nid: 2\n\n"


def handler(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        headers={"Content-Type": "text/event-stream"},
        stream=httpx.ByteStream(EVENTS),
    )


def test_sse_sync() -> None:
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        with httpx_sse.connect_sse(client, "GET", "https://example.org/events") as source:
            events = [(event.event, event.data, event.id) for event in source.iter_sse()]
    assert events == [("greeting", "hello", ""), ("message", "line one\nline two", "2")]


@pytest.mark.anyio
async def test_sse_async() -> None:
    async def async_handler(request: httpx.Request) -> httpx.Response:
        return handler(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(async_handler)) as client:
        async with httpx_sse.aconnect_sse(client, "GET", "https://example.org/e") as source:
            events = [event.data async for event in source.aiter_sse()]
    assert events == ["hello", "line one\nline two"]
