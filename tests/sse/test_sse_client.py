"""`Client.sse()` / `AsyncClient.sse()` and `EventSource` against real servers.

uvicorn (HTTP/1.1) and hypercorn (HTTP/2 over TLS) serve the Starlette app of
tests/servers/sse.py; every test runs with `Client`, and with `AsyncClient` on asyncio
and on trio. Disconnects and reconnection are in test_sse_reconnect.py.
"""

from __future__ import annotations

import asyncio
import gc
import json
import ssl
import tracemalloc
import typing
from collections.abc import Awaitable, Callable, Iterator

import anyio
import pytest
import sniffio

import httpx
from httpx import ServerSentEvent as Event
from tests.servers.fixtures import TLSFiles
from tests.servers.run import HypercornServer, UvicornServer
from tests.servers.sse import AWKWARD_STREAM
from tests.servers.sse import app as sse_app
from tests.sse.test_sse_parser import reference

Scenario = Callable[[typing.Any], Awaitable[None]]


@pytest.fixture(scope="module")
def sse_server() -> Iterator[UvicornServer]:
    running = UvicornServer(app=sse_app).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def sse_h2_server(tls_files: TLSFiles) -> Iterator[HypercornServer]:
    probe = ssl.create_default_context(cafile=tls_files.ca_cert)
    running = HypercornServer(tls_files.server_cert, tls_files.server_key, probe, app=sse_app)
    yield running.start()
    running.stop()


def run(mode: str, scenario: Scenario, **options: typing.Any) -> None:
    """Run `scenario(client)` with a `Client` (mode "sync") or an `AsyncClient` on
    asyncio or trio; the sync client is called directly (servers run in threads)."""

    async def main() -> None:
        if mode == "sync":
            with httpx.Client(**options) as client:
                await scenario(client)
        else:
            async with httpx.AsyncClient(**options) as client:
                await scenario(client)

    anyio.run(main, backend="trio" if mode == "trio" else "asyncio")
    gc.collect()  # an unclosed socket or stream would warn now (warnings are errors)


async def read(
    client: typing.Any, url: str, *, limit: int | None = None, **options: typing.Any
) -> tuple[list[Event], httpx.EventSource]:
    """The events of `client.sse(url, **options)` (the first `limit` of them)."""
    events: list[Event] = []
    if isinstance(client, httpx.Client):
        with client.sse(url, **options) as source:
            for event in source:
                events.append(event)
                if len(events) == limit:
                    break
    else:
        async with client.sse(url, **options) as source:
            async for event in source:
                events.append(event)
                if len(events) == limit:
                    break
    return events, source


async def get(client: typing.Any, url: str) -> httpx.Response:
    if isinstance(client, httpx.Client):
        return client.get(url)
    return typing.cast(httpx.Response, await client.get(url))


def ticks(*numbers: int) -> list[Event]:
    return [Event("tick", json.dumps({"tick": n}), str(n)) for n in numbers]


# --- reading -----------------------------------------------------------------------------


def test_events_arrive_in_order(mode: str, sse_server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        events, source = await read(client, sse_server.url_for("/ticks?n=50"))
        assert events == ticks(*range(1, 51))
        assert events[0].json() == {"tick": 1}
        assert source.last_event_id == "50"
        assert source.retry is None
        assert source.response.status_code == 200
        assert source.response.is_closed

    run(mode, scenario)


def test_chunks_cut_anywhere_parse_by_the_rules(mode: str, sse_server: UvicornServer) -> None:
    expected, last_event_id, retry = reference(AWKWARD_STREAM)
    assert len(expected) == 5

    async def scenario(client: typing.Any) -> None:
        events, source = await read(client, sse_server.url_for("/awkward"))
        assert events == expected
        assert (source.last_event_id, source.retry) == (last_event_id, retry) == ("3", 2500)

    run(mode, scenario)


def test_sse_sends_its_headers_and_the_request_options(
    mode: str, sse_server: UvicornServer
) -> None:
    async def scenario(client: typing.Any) -> None:
        (event,), _ = await read(
            client,
            sse_server.url_for("/echo"),
            method="POST",
            json={"q": 1},
            params={"page": "2"},
            headers={"X-Trace": "abc"},
            cookies={"session": "s1"},
            auth=("user", "pass"),
        )
        seen = event.json()
        assert event.event == "echo"
        assert seen["method"] == "POST"
        assert json.loads(seen["body"]) == {"q": 1}
        headers = seen["headers"]
        assert headers["accept"] == "text/event-stream"
        assert headers["cache-control"] == "no-store"
        assert headers["x-trace"] == "abc"
        assert headers["cookie"] == "session=s1"
        assert headers["authorization"] == "Basic dXNlcjpwYXNz"
        assert "last-event-id" not in headers

        # The caller's own headers win over ours; the client's defaults do not.
        (event,), _ = await read(
            client, sse_server.url_for("/echo"), headers={"Accept": "text/event-stream, */*"}
        )
        assert event.json()["headers"]["accept"] == "text/event-stream, */*"
        assert event.json()["headers"]["x-client"] == "default"

    run(mode, scenario, headers={"X-Client": "default", "Accept": "application/json"})


def test_query_method_events(mode: str, sse_server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        (event,), _ = await read(
            client, sse_server.url_for("/echo"), method="QUERY", content=b"select 1"
        )
        assert (event.json()["method"], event.json()["body"]) == ("QUERY", "select 1")

    run(mode, scenario)


def test_a_gzipped_stream_is_decoded(mode: str, sse_server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        events, source = await read(client, sse_server.url_for("/gzip"))
        assert source.response.headers["content-encoding"] == "gzip"
        assert events == ticks(1, 2, 3, 4, 5)

    run(mode, scenario)


# --- what is not an event stream ---------------------------------------------------------


def test_wrong_content_type_is_an_sse_error(mode: str, sse_server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        url = sse_server.url_for("/json")
        with pytest.raises(httpx.SSEError, match="application/json") as info:
            await read(client, url)
        assert isinstance(info.value, httpx.TransportError)
        assert info.value.request.url == url
        assert (await get(client, sse_server.url_for("/ticks?n=1"))).status_code == 200

    run(mode, scenario)


@pytest.mark.parametrize("code", [404, 500])
def test_error_status_raises_http_status_error(
    mode: str, code: int, sse_server: UvicornServer
) -> None:
    async def scenario(client: typing.Any) -> None:
        with pytest.raises(httpx.HTTPStatusError) as info:
            await read(client, sse_server.url_for(f"/status/{code}"))
        assert info.value.response.status_code == code
        assert info.value.response.is_closed

    run(mode, scenario)


def test_no_content_means_no_events(mode: str, sse_server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        events, source = await read(client, sse_server.url_for("/status/204"))
        assert events == []
        assert source.response.is_closed

    run(mode, scenario)


# --- sizes -------------------------------------------------------------------------------


def test_an_event_larger_than_max_event_size_is_refused(
    mode: str, sse_server: UvicornServer
) -> None:
    async def scenario(client: typing.Any) -> None:
        url = sse_server.url_for("/big?size=2000000")
        with pytest.raises(httpx.SSEError, match="max_event_size") as info:
            await read(client, url)
        assert info.value.request.url == url
        events, _ = await read(client, url, max_event_size=2_000_000)
        assert [len(event.data) for event in events] == [2_000_000, 5]
        with pytest.raises(httpx.SSEError):
            await read(client, url, max_event_size=1_999_999)
        # The client is fine afterwards.
        assert (await get(client, sse_server.url_for("/ticks?n=1"))).status_code == 200

    run(mode, scenario)


@pytest.mark.parametrize("mode", ["sync", "asyncio"])
def test_a_huge_comment_is_streamed_in_bounded_memory(
    mode: str, sse_server: UvicornServer
) -> None:
    # 32 MiB of one comment line: dropped as it arrives, never buffered.
    async def scenario(client: typing.Any) -> None:
        tracemalloc.start()
        try:
            events, _ = await read(client, sse_server.url_for("/comment?mib=32"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert events == [Event(data="done")]
        assert peak < 8 * 1024 * 1024, peak

    run(mode, scenario)


# --- leaving early, cancelling, closing --------------------------------------------------


def test_leaving_early_closes_the_stream_and_the_client_goes_on(
    mode: str, sse_server: UvicornServer
) -> None:
    async def scenario(client: typing.Any) -> None:
        events, source = await read(client, sse_server.url_for("/forever"), limit=2)
        assert events == ticks(1, 2)
        assert source.response.is_closed
        more, _ = await read(client, sse_server.url_for("/ticks?n=2"))
        assert more == ticks(1, 2)

    run(mode, scenario, limits=httpx.Limits(max_connections=1))


@pytest.mark.anyio
async def test_cancelling_a_read_releases_the_connection(sse_server: UvicornServer) -> None:
    asyncio_running = sniffio.current_async_library() == "asyncio"
    tasks_before = asyncio.all_tasks() if asyncio_running else set()
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=1)) as client:
        received: list[Event] = []
        with anyio.CancelScope() as scope:
            async with client.sse(sse_server.url_for("/forever")) as source:
                async for event in source:
                    received.append(event)
                    if len(received) == 2:
                        # The next read is cancelled (events parsed already come
                        # first: handing them out needs no I/O).
                        scope.cancel()
        assert scope.cancelled_caught
        assert received == ticks(*range(1, len(received) + 1)) and len(received) >= 2
        assert source.response.is_closed
        # The only connection went back to the pool (or was dropped): not leaked.
        with anyio.fail_after(5):
            response = await client.get(sse_server.url_for("/ticks?n=1"))
        assert response.text == 'id: 1\nevent: tick\ndata: {"tick": 1}\n\n'
    if asyncio_running:
        assert asyncio.all_tasks() == tasks_before  # nothing left running
    gc.collect()


@pytest.mark.anyio
async def test_cancelled_while_waiting_for_an_event(sse_server: UvicornServer) -> None:
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=1)) as client:
        with anyio.move_on_after(0.2) as scope:
            async with client.sse(sse_server.url_for("/forever")) as source:
                async for _ in source:
                    pass  # after 3 events, only comments: waits until cancelled
        assert scope.cancelled_caught
        assert source.response.is_closed
        with anyio.fail_after(5):
            assert (await client.get(sse_server.url_for("/ticks?n=1"))).status_code == 200
    gc.collect()


def test_iterating_again_goes_on_where_it_stopped(sse_server: UvicornServer) -> None:
    with httpx.Client() as client:
        with client.sse(sse_server.url_for("/ticks?n=5")) as source:
            first = [event for _, event in zip(range(2), source, strict=False)]
            rest = list(source.iter_sse())  # httpx-sse's name for the same iteration
            assert list(source) == []
    assert first + rest == ticks(1, 2, 3, 4, 5)


# --- EventSource over any streamed response ----------------------------------------------


def test_event_source_wraps_a_streamed_response(sse_server: UvicornServer) -> None:
    with httpx.Client() as client:
        with client.stream("GET", sse_server.url_for("/ticks?n=3")) as response:
            source = httpx.EventSource(response)
            assert list(source) == ticks(1, 2, 3)
            assert repr(source) == f"<EventSource GET {sse_server.url_for('/ticks?n=3')} [200]>"
        with client.stream("GET", sse_server.url_for("/forever")) as response:
            with httpx.EventSource(response, max_event_size=100) as source:
                assert next(iter(source)) == ticks(1)[0]
            assert response.is_closed


@pytest.mark.anyio
async def test_async_event_source_wraps_a_streamed_response(sse_server: UvicornServer) -> None:
    async with httpx.AsyncClient() as client:
        async with client.stream("GET", sse_server.url_for("/forever")) as response:
            async with httpx.EventSource(response) as source:
                events = source.aiter_sse()
                assert await events.__anext__() == ticks(1)[0]
            assert response.is_closed
        async with client.stream("GET", sse_server.url_for("/ticks?n=2")) as response:
            source = httpx.EventSource(response)
            assert [event async for event in source] == ticks(1, 2)
            with pytest.raises(RuntimeError, match="async for"):
                iter(source)


def test_event_source_on_mock_transport() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            headers={"Content-Type": "text/event-stream; charset=utf-8"},
            content=AWKWARD_STREAM,
        )

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        with client.sse("https://example.org/events") as source:
            assert list(source) == reference(AWKWARD_STREAM)[0]


def test_sse_arguments_are_checked() -> None:
    with httpx.Client() as client:
        with pytest.raises(ValueError, match="max_event_size"):
            with client.sse("http://127.0.0.1:9/", max_event_size=0):
                pass  # pragma: no cover
        with pytest.raises(TypeError, match="Reconnect"):
            with client.sse("http://127.0.0.1:9/", reconnect=3):  # type: ignore[arg-type]
                pass  # pragma: no cover


# --- HTTP/2 ------------------------------------------------------------------------------


def test_events_over_http2(mode: str, sse_h2_server: HypercornServer, tls_files: TLSFiles) -> None:
    async def scenario(client: typing.Any) -> None:
        events, source = await read(client, sse_h2_server.url_for("/ticks?n=20"))
        assert source.response.http_version == "HTTP/2"
        assert events == ticks(*range(1, 21))
        early, source = await read(client, sse_h2_server.url_for("/forever"), limit=1)
        assert early == ticks(1) and source.response.is_closed
        awkward, _ = await read(client, sse_h2_server.url_for("/awkward"))
        assert awkward == reference(AWKWARD_STREAM)[0]
        assert (await get(client, sse_h2_server.url_for("/ticks?n=1"))).http_version == "HTTP/2"

    context = ssl.create_default_context(cafile=tls_files.ca_cert)
    run(mode, scenario, http2=True, verify=context)
