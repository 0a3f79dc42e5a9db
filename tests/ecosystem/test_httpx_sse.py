"""httpx-sse (installed with --no-deps) reads server-sent events through our clients.

Against a real uvicorn server (tests/ecosystem/apps.py) that splits its stream at awkward
places, and against MockTransport.
"""

from __future__ import annotations

import json

import httpx_sse
import pytest

import httpx
from tests.ecosystem.apps import EXPECTED_SSE
from tests.ecosystem.conftest import EcosystemServer


def as_tuples(events: list[httpx_sse.ServerSentEvent]) -> list[tuple[str, str, str, int | None]]:
    return [(event.event, event.data, event.id, event.retry) for event in events]


def test_connect_sse_events_ids_retry_multiline(ecosystem_server: EcosystemServer) -> None:
    with httpx.Client() as client:
        url = ecosystem_server.url_for("/sse/events")
        with httpx_sse.connect_sse(client, "GET", url) as source:
            assert source.response.status_code == 200
            assert source.response.headers["content-type"].startswith("text/event-stream")
            events = list(source.iter_sse())
    assert as_tuples(events) == EXPECTED_SSE
    assert events[3].json() == {"n": 3, "text": "café ✓"}


@pytest.mark.anyio
async def test_aconnect_sse_events_ids_retry_multiline(
    ecosystem_server: EcosystemServer,
) -> None:
    async with httpx.AsyncClient() as client:
        url = ecosystem_server.url_for("/sse/events")
        async with httpx_sse.aconnect_sse(client, "GET", url) as source:
            events = [event async for event in source.aiter_sse()]
    assert as_tuples(events) == EXPECTED_SSE


def test_connect_sse_sends_its_headers_and_our_request_options(
    ecosystem_server: EcosystemServer,
) -> None:
    with httpx.Client(auth=("user", "pass")) as client:
        url = ecosystem_server.url_for("/sse/echo")
        with httpx_sse.connect_sse(client, "POST", url, json={"q": 1}) as source:
            (event,) = list(source.iter_sse())
    seen = event.json()
    assert event.event == "echo"
    assert seen["method"] == "POST"
    assert seen["accept"] == "text/event-stream"
    assert seen["cache-control"] == "no-store"
    assert seen["authorization"] == "Basic dXNlcjpwYXNz"
    assert json.loads(seen["body"]) == {"q": 1}


def test_resume_with_last_event_id(ecosystem_server: EcosystemServer) -> None:
    url = ecosystem_server.url_for("/sse/ticks?n=3")
    with httpx.Client() as client:
        with httpx_sse.connect_sse(client, "GET", url) as source:
            first = list(source.iter_sse())
        last_id = first[-1].id
        headers = {"Last-Event-ID": last_id}
        with httpx_sse.connect_sse(client, "GET", url, headers=headers) as source:
            resumed = list(source.iter_sse())
    assert [(e.event, e.data, e.id) for e in first] == [
        ("tick", str(n), str(n)) for n in (1, 2, 3)
    ]
    assert [e.id for e in resumed] == ["4", "5", "6"]


def test_leaving_the_stream_early_closes_it_and_keeps_the_client_usable(
    ecosystem_server: EcosystemServer,
) -> None:
    url = ecosystem_server.url_for("/sse/ticks?n=50")
    with httpx.Client() as client:
        with httpx_sse.connect_sse(client, "GET", url) as source:
            for event in source.iter_sse():
                if event.id == "2":
                    break
        assert source.response.is_closed
        url = ecosystem_server.url_for("/sse/ticks?n=1")
        with httpx_sse.connect_sse(client, "GET", url) as source:
            assert [event.data for event in source.iter_sse()] == ["1"]


# asyncio only: httpx-sse never acloses the `response.aiter_text()` generator it iterates,
# so leaving early makes trio's async-generator finalizer warn (as it does with PyPI httpx).
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_async_early_exit_closes_the_stream(ecosystem_server: EcosystemServer) -> None:
    url = ecosystem_server.url_for("/sse/ticks?n=50")
    async with httpx.AsyncClient() as client:
        async with httpx_sse.aconnect_sse(client, "GET", url) as source:
            events = source.aiter_sse()
            assert (await events.__anext__()).data == "1"
            await events.aclose()
        assert source.response.is_closed
        response = await client.get(ecosystem_server.url_for("/sse/ticks?n=1"))
        assert response.text == "id: 1\nevent: tick\ndata: 1\n\n"


def test_wrong_content_type_is_an_sse_error(ecosystem_server: EcosystemServer) -> None:
    with httpx.Client() as client:
        url = ecosystem_server.url_for("/sse/json")
        with httpx_sse.connect_sse(client, "GET", url) as source:
            with pytest.raises(httpx_sse.SSEError, match="application/json"):
                list(source.iter_sse())


# --- in process: MockTransport -----------------------------------------------------------

EVENTS = b"event: greeting\ndata: hello\n\ndata: line one\ndata: line two\nid: 2\n\n"


def handler(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        headers={"Content-Type": "text/event-stream"},
        stream=httpx.ByteStream(EVENTS),
    )


def test_sse_sync_mock_transport() -> None:
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        with httpx_sse.connect_sse(client, "GET", "https://example.org/events") as source:
            events = [(event.event, event.data, event.id) for event in source.iter_sse()]
    assert events == [("greeting", "hello", ""), ("message", "line one\nline two", "2")]


@pytest.mark.anyio
async def test_sse_async_mock_transport() -> None:
    async def async_handler(request: httpx.Request) -> httpx.Response:
        return handler(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(async_handler)) as client:
        async with httpx_sse.aconnect_sse(client, "GET", "https://example.org/e") as source:
            events = [event.data async for event in source.aiter_sse()]
    assert events == ["hello", "line one\nline two"]
