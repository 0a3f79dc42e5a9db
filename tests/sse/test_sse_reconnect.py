"""Event streams cut short, and the reconnecting reader (`reconnect=httpx.Reconnect()`).

Against tests/servers/sse.py's raw server, which writes responses byte for byte (a body
cut mid-event by FIN or RST, a body delimited by the connection closing, streams that
resume from `Last-Event-ID`) and records what each request carried. The waits between
reconnections are recorded instead of slept (the `sleeps` fixture), so that the delays
the policy chose can be checked without timing anything.
"""

from __future__ import annotations

import time
import typing
from collections.abc import Iterator

import anyio
import pytest

import httpx
import httpx._sse._connect as connect_module
from tests.servers.run import bind_loopback
from tests.servers.sse import RawSSEServer
from tests.sse.test_sse_client import read, run, ticks


@pytest.fixture(scope="module")
def _raw_server() -> Iterator[RawSSEServer]:
    running = RawSSEServer().start()
    yield running
    running.stop()


@pytest.fixture
def raw_server(_raw_server: RawSSEServer) -> RawSSEServer:
    _raw_server.reset_log()
    return _raw_server


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits before reconnecting, recorded rather than slept."""
    recorded: list[float] = []

    def sleep(seconds: float) -> None:
        recorded.append(seconds)

    async def async_sleep(seconds: float) -> None:
        recorded.append(seconds)
        await anyio.lowlevel.checkpoint()

    monkeypatch.setattr(connect_module, "_sleep", sleep)
    monkeypatch.setattr(connect_module, "_async_sleep", async_sleep)
    return recorded


def wait_until_closed(server: RawSSEServer) -> None:
    # The server notices a hang-up asynchronously; it has 5 s to do so.
    deadline = time.monotonic() + 5
    while server.open_connections and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.open_connections == 0


async def _poll_closed(server: RawSSEServer) -> None:
    with anyio.fail_after(5):
        while server.open_connections:
            await anyio.sleep(0.01)


# --- without reconnection: a cut stream --------------------------------------------------


def test_body_cut_mid_event_raises_and_drops_the_partial_event(
    mode: str, raw_server: RawSSEServer
) -> None:
    async def scenario(client: typing.Any) -> None:
        events: list[httpx.ServerSentEvent] = []
        with pytest.raises(httpx.RemoteProtocolError) as info:
            if isinstance(client, httpx.Client):
                with client.sse(raw_server.url_for("/cut")) as source:
                    events.extend(source)
            else:
                async with client.sse(raw_server.url_for("/cut")) as source:
                    async for event in source:
                        events.append(event)
        assert isinstance(info.value, httpx.TransportError)
        assert events == ticks(1, 2)  # not the half of event 3
        assert source.last_event_id == "2"
        assert source.response.is_closed

    run(mode, scenario)


def test_connection_reset_mid_event_raises(mode: str, raw_server: RawSSEServer) -> None:
    async def scenario(client: typing.Any) -> None:
        with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
            await read(client, raw_server.url_for("/reset"))

    run(mode, scenario)


def test_close_delimited_body_ends_cleanly_without_the_partial_event(
    mode: str, raw_server: RawSSEServer
) -> None:
    async def scenario(client: typing.Any) -> None:
        events, source = await read(client, raw_server.url_for("/close_delimited"))
        assert events == ticks(1)
        assert source.last_event_id == "1"

    run(mode, scenario)


# --- reconnecting ------------------------------------------------------------------------


@pytest.mark.parametrize("cut", ["0", "1"], ids=["clean-ends", "cut-mid-event"])
def test_reconnects_and_resumes_with_last_event_id(
    mode: str, cut: str, raw_server: RawSSEServer, sleeps: list[float]
) -> None:
    async def scenario(client: typing.Any) -> None:
        url = raw_server.url_for(f"/resume?total=6&per=2&cut={cut}")
        events, source = await read(client, url, reconnect=httpx.Reconnect(delay=0.25))
        assert events == ticks(1, 2, 3, 4, 5, 6)  # each once, no partial one
        # Three streams, then "204 No Content": the server's "no more events".
        assert [seen.last_event_id for seen in raw_server.seen] == [None, "2", "4", "6"]
        assert all(seen.headers["accept"] == "text/event-stream" for seen in raw_server.seen)
        assert source.response.status_code == 204
        assert source.last_event_id == "6"
        assert sleeps == [0.25, 0.25, 0.25]  # each after events: never a backoff

    run(mode, scenario)


def test_the_servers_retry_sets_the_wait_under_the_cap(
    mode: str, raw_server: RawSSEServer, sleeps: list[float]
) -> None:
    async def scenario(client: typing.Any) -> None:
        policy = httpx.Reconnect(delay=5.0, max_delay=1.0)
        url = raw_server.url_for("/resume?total=4&per=2&retry=250")
        events, source = await read(client, url, reconnect=policy)
        assert events == [
            httpx.ServerSentEvent("tick", '{"tick": 1}', "1", None),
            *ticks(2),
            httpx.ServerSentEvent("tick", '{"tick": 3}', "3", None),
            *ticks(4),
        ]
        assert source.retry == 250
        url = raw_server.url_for("/resume?total=4&per=2&retry=3600000")
        await read(client, url, reconnect=policy)

    run(mode, scenario)
    assert sleeps == [0.25, 0.25, 1.0, 1.0]


def test_attempts_in_a_row_without_an_event_are_bounded(
    mode: str, raw_server: RawSSEServer, sleeps: list[float]
) -> None:
    async def scenario(client: typing.Any) -> None:
        policy = httpx.Reconnect(max_attempts=3, delay=0.5, backoff=2.0)
        with pytest.raises(httpx.SSEError, match="3 reconnections in a row") as info:
            await read(client, raw_server.url_for("/empty"), reconnect=policy)
        assert info.value.request.url.path == "/empty"

    run(mode, scenario)
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(raw_server.seen) == 4


def test_an_unreachable_server_is_retried_then_its_error_raised(
    mode: str, sleeps: list[float]
) -> None:
    refusing = bind_loopback(listen=False)  # a port where nothing listens
    url = f"http://127.0.0.1:{refusing.getsockname()[1]}/events"

    async def scenario(client: typing.Any) -> None:
        with pytest.raises(httpx.ConnectError):
            await read(client, url, reconnect=httpx.Reconnect(max_attempts=2, delay=0.1))

    try:
        run(mode, scenario)
    finally:
        refusing.close()
    assert sleeps == [0.1, 0.2]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("status=404%20Not%20Found", httpx.HTTPStatusError),
        ("status=503%20Service%20Unavailable", httpx.HTTPStatusError),
        ("type=text/plain", httpx.SSEError),
    ],
)
def test_no_reconnection_after_an_error_status_or_a_wrong_type(
    mode: str,
    query: str,
    error: type[Exception],
    raw_server: RawSSEServer,
    sleeps: list[float],
) -> None:
    async def scenario(client: typing.Any) -> None:
        events: list[httpx.ServerSentEvent] = []
        url = raw_server.url_for(f"/then?{query}")
        with pytest.raises(error):
            if isinstance(client, httpx.Client):
                with client.sse(url, reconnect=httpx.Reconnect()) as source:
                    events.extend(source)
            else:
                async with client.sse(url, reconnect=httpx.Reconnect()) as source:
                    async for event in source:
                        events.append(event)
        assert events == ticks(1)
        assert source.response.is_closed

    run(mode, scenario)
    assert len(raw_server.seen) == 2 and len(sleeps) == 1


def test_a_last_event_id_given_by_the_caller_is_resumed_from(
    mode: str, raw_server: RawSSEServer, sleeps: list[float]
) -> None:
    async def scenario(client: typing.Any) -> None:
        url = raw_server.url_for("/resume?total=5&per=2")
        events, _ = await read(
            client, url, headers={"Last-Event-ID": "1"}, reconnect=httpx.Reconnect()
        )
        assert events == ticks(2, 3, 4, 5)

    run(mode, scenario)
    assert [seen.last_event_id for seen in raw_server.seen] == ["1", "3", "5"]


def test_leaving_a_reconnecting_stream_closes_its_connection(
    mode: str, raw_server: RawSSEServer, sleeps: list[float]
) -> None:
    async def scenario(client: typing.Any) -> None:
        events, source = await read(
            client, raw_server.url_for("/hang"), limit=1, reconnect=httpx.Reconnect()
        )
        assert events == ticks(1)
        assert source.response.is_closed

    run(mode, scenario)
    wait_until_closed(raw_server)
    assert sleeps == []


@pytest.mark.anyio
async def test_cancelled_while_waiting_to_reconnect(raw_server: RawSSEServer) -> None:
    # A real wait (the server asks for an hour, the cap is 30 s) cut short by a cancel.
    policy = httpx.Reconnect(max_delay=30.0)
    url = raw_server.url_for("/resume?total=9&per=1&retry=3600000")
    received: list[httpx.ServerSentEvent] = []
    async with httpx.AsyncClient() as client:
        with anyio.move_on_after(0.3) as scope:
            async with client.sse(url, reconnect=policy) as source:
                async for event in source:
                    received.append(event)
        assert scope.cancelled_caught
        assert [event.id for event in received] == ["1"]
        assert source.response.is_closed
    assert len(raw_server.seen) == 1
    await _poll_closed(raw_server)
