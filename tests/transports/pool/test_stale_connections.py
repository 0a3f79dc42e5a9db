"""Stale keep-alive connections: a reused connection the server closed before any byte
of the response; an idempotent request is sent again, once, on a new connection, by
default (pool/stale.py). Sync, asyncio and trio; HTTP/1.1 and HTTP/2.

The servers (tests/servers/resilience.py) close connections behind the client's back:
after each response without ``Connection: close``, after some idle time, or (the race
that the pool's check before reuse cannot see) just as the next request arrives.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator

import pytest

import httpx
from tests import harness
from tests.servers.resilience import RetryServer, StaleH2Server, StaleServer


@pytest.fixture
def drop_reused() -> Iterator[StaleServer]:
    server = StaleServer("drop_reused").start()
    yield server
    server.stop()


def tracer(mode: str, events: list[str]) -> typing.Any:
    def trace(name: str, info: dict[str, typing.Any]) -> None:
        if "retry_stale" in name:
            events.append(name)

    async def async_trace(name: str, info: dict[str, typing.Any]) -> None:
        trace(name, info)

    return trace if mode == "sync" else async_trace


def test_a_request_on_a_connection_closed_as_it_arrived_is_sent_again(
    mode: str, drop_reused: StaleServer
) -> None:
    events: list[str] = []

    async def scenario(client: typing.Any) -> None:
        for index in range(1, 4):
            response = await client.get(
                drop_reused.url, extensions={"trace": tracer(mode, events)}
            )
            assert response.status_code == 200
            assert response.text == f"ok {index}"

    harness.run(mode, scenario)
    # Each request after the first met the previous (stale) connection, then a new one.
    assert (drop_reused.requests, drop_reused.dropped, drop_reused.connections) == (3, 2, 3)
    assert events == ["connection.retry_stale.started", "connection.retry_stale.complete"] * 2


def test_non_idempotent_requests_are_not_sent_again(mode: str, drop_reused: StaleServer) -> None:
    async def scenario(client: typing.Any) -> None:
        assert (await client.get(drop_reused.url)).status_code == 200
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            await client.post(drop_reused.url, content=b"data")

    harness.run(mode, scenario)
    assert (drop_reused.requests, drop_reused.dropped) == (1, 1)


def test_a_body_that_cannot_be_sent_again_is_not_sent_again(
    mode: str, drop_reused: StaleServer
) -> None:
    def body() -> Iterator[bytes]:
        yield b"once"

    async def async_body() -> typing.AsyncIterator[bytes]:
        yield b"once"

    async def scenario(client: typing.Any) -> None:
        assert (await client.get(drop_reused.url)).status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            await client.put(drop_reused.url, content=body() if mode == "sync" else async_body())
        # An in-memory body is sent again.
        assert (await client.get(drop_reused.url)).status_code == 200
        assert (await client.put(drop_reused.url, content=b"again")).status_code == 200

    harness.run(mode, scenario)
    assert (drop_reused.requests, drop_reused.dropped) == (3, 2)


def test_a_server_that_closes_after_each_response(mode: str) -> None:
    server = StaleServer("close_after_response").start()
    try:

        async def scenario(client: typing.Any) -> None:
            for index in range(1, 6):
                response = await client.get(server.url)
                assert response.text == f"ok {index}"

        harness.run(mode, scenario)
        assert (server.requests, server.connections) == (5, 5)
    finally:
        server.stop()


def test_a_server_that_closes_idle_connections(mode: str) -> None:
    server = StaleServer("idle_close", idle=0.05).start()
    try:

        async def scenario(client: typing.Any) -> None:
            assert (await client.get(server.url)).text == "ok 1"
            # Wait (on the server's word, not a clock) until it closed our idle connection.
            assert server.idle_closed.wait(10)
            assert (await client.get(server.url)).text == "ok 2"

        harness.run(mode, scenario)
        assert (server.requests, server.connections) == (2, 2)
    finally:
        server.stop()


def test_http2_a_connection_dropped_without_goaway(mode: str) -> None:
    server = StaleH2Server().start()
    events: list[str] = []
    try:

        async def scenario(client: typing.Any) -> None:
            for index in range(1, 4):
                response = await client.get(server.url, extensions={"trace": tracer(mode, events)})
                assert response.http_version == "HTTP/2"
                assert response.text == f"ok {index}"

        harness.run(mode, scenario, http1=False, http2=True)
        assert (server.requests, server.dropped, server.connections) == (3, 2, 3)
        assert len(events) == 4
    finally:
        server.stop()


def test_a_new_connection_that_fails_is_an_error(mode: str) -> None:
    # A connection made for the request that fails before any response is not a stale
    # one: nothing is sent again (a retry policy, httpx.Retry, may).
    server = RetryServer().start()
    try:

        async def scenario(client: typing.Any) -> None:
            with pytest.raises(httpx.RemoteProtocolError):
                await client.get(server.url_for("/drop/new?fail=1"))

        harness.run(mode, scenario)
        assert server.hits("new") == 1
    finally:
        server.stop()
