"""Cancellation never poisons the pool: a client-level storm, on asyncio and on trio.

httpx 0.28.1 on asyncio, after a few thousand requests cancelled at random moments, keeps
its pool full for good (every later request fails with PoolTimeout). The storm here is
scripts/stress's (stress/cancel.py), at a bounded size: half the requests are cancelled
at random moments, together or one by one, by every mechanism at hand (anyio.fail_after /
move_on_after, a cancel scope cancelled by another task, and on asyncio task.cancel() and
asyncio.wait_for), while queued, connecting, sending, waiting for the head and while a
`client.stream()` body is being read. Afterwards every follow-up request succeeds, the
pool is back to its full capacity, and once the client is closed the server sees every
connection closed. (tests/transports/pool/test_pool.py has the transport-level version.)
"""

from __future__ import annotations

import typing
from collections.abc import Iterator

import anyio
import pytest

import httpx
from stress.cancel import full_capacity, storm
from stress.measure import Row
from tests.servers.faults import FaultServer

MAX_CONNECTIONS = 10
STORM = 600  # requests; half are cancelled
FOLLOW_UPS = 200


@pytest.fixture(scope="module")
def counting_server() -> Iterator[FaultServer]:
    """A fault server of this module's own: its open_connections are our clients'."""
    running = FaultServer().start()
    yield running
    running.wait_for_open_connections()
    running.stop()


def assert_pool_quiet(client: httpx.AsyncClient) -> None:
    pool: typing.Any = client._transport._pool
    assert pool._pool_state.requests == 0
    assert len(pool.connections) <= MAX_CONNECTIONS
    assert all(connection.is_idle() for connection in pool.connections), pool.connections


@pytest.mark.anyio
async def test_cancellation_storm_leaves_the_client_healthy(
    counting_server: FaultServer, anyio_backend: str
) -> None:
    server = counting_server
    limits = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=5)
    client = httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(5.0, pool=2.0))
    try:
        row = Row("storm", anyio_backend)
        await storm(client, server, anyio_backend, STORM, row)
        assert row.examples == [] and row.unexpected_errors == 0
        assert row.expected_errors >= STORM // 4  # most cancellations landed
        assert_pool_quiet(client)

        completed = 0

        async def follow_up() -> None:
            nonlocal completed
            response = await client.get(server.url_for("ok"))
            assert response.text == "ok"
            completed += 1

        async with anyio.create_task_group() as group:
            for _ in range(FOLLOW_UPS):
                group.start_soon(follow_up)
        assert completed == FOLLOW_UPS
        assert await full_capacity(client, server, MAX_CONNECTIONS)
        assert_pool_quiet(client)
    finally:
        await client.aclose()
    # Every socket the client opened is closed: the server sees them all go.
    assert await anyio.to_thread.run_sync(server.wait_for_open_connections) == 0


@pytest.mark.anyio
async def test_cancelled_stream_bodies_free_their_connections(
    counting_server: FaultServer, anyio_backend: str
) -> None:
    """Cancel while `async for` over a streamed body is suspended, many times over, with
    a single connection: each cancellation must hand that connection back."""
    server = counting_server
    limits = httpx.Limits(max_connections=1)
    url = server.url_for("stream?chunks=100&delay=0.001")
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(5.0, pool=1.0)) as client:
        for _ in range(30):
            with anyio.move_on_after(0.005):
                async with client.stream("GET", url) as response:
                    async for _ in response.aiter_bytes():
                        pass
            response = await client.get(server.url_for("ok"))
            assert response.text == "ok"
        assert_pool_quiet(client)
    assert await anyio.to_thread.run_sync(server.wait_for_open_connections) == 0
