"""Per-phase timings (``response.extensions["timings"]``) and the pool's state
(`Client.pool_status()`), against real servers, sync / asyncio / trio.

No assertion here is about how long anything took: only which phases happened (a
phase that did not happen is 0), and that the phases add up to no more than
``response.elapsed``.
"""

from __future__ import annotations

import ssl
import threading
import typing
from collections.abc import Mapping

import anyio
import pytest

import httpx
from httpx._timings import PHASES
from tests import harness
from tests.servers.run import HypercornServer, UvicornServer


def check_consistent(response: typing.Any) -> httpx.Timings:
    timings = response.extensions["timings"]
    assert isinstance(timings, Mapping)
    assert isinstance(timings, httpx.Timings)
    assert list(timings) == list(PHASES)
    assert dict(timings) == {phase: getattr(timings, phase) for phase in PHASES}
    assert all(value >= 0.0 for value in timings.values())
    assert timings.total == pytest.approx(sum(timings.values()))
    # (`elapsed` is a timedelta: rounded to the microsecond.)
    assert timings.total <= response.elapsed.total_seconds() + 1e-6
    return timings


def test_timings_of_a_new_and_a_reused_connection(mode: str, server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        first = await client.get(server.url)
        timings = check_consistent(first)
        assert timings.connect > 0 and timings.ttfb > 0
        assert timings.dns == 0 and timings.tls == 0  # an IP address, plain http
        assert timings.pool == 0
        second = await client.get(server.url)
        timings = check_consistent(second)
        assert (timings.dns, timings.connect, timings.tls) == (0, 0, 0)  # reused
        assert timings.ttfb > 0

    harness.run(mode, scenario)


@pytest.mark.parametrize("http2", [False, True])
def test_timings_of_name_resolution_and_tls(
    mode: str, http2: bool, tls_server: HypercornServer, ca_cert_pem_file: str
) -> None:
    context = ssl.create_default_context(cafile=ca_cert_pem_file)

    async def scenario(client: typing.Any) -> None:
        response = await client.get(tls_server.url)  # https://localhost:PORT/
        assert response.http_version == ("HTTP/2" if http2 else "HTTP/1.1")
        timings = check_consistent(response)
        assert timings.dns > 0 and timings.connect > 0 and timings.tls > 0
        again = check_consistent(await client.get(tls_server.url))
        assert (again.dns, again.connect, again.tls) == (0, 0, 0)

    harness.run(mode, scenario, verify=context, http2=http2)


def test_timings_of_a_streamed_body(mode: str, server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        async with client.stream("GET", server.url_for("/stream/5")) as response:
            timings = response.extensions["timings"]
            assert timings.body == 0  # not read yet
            assert (await response.aread()).count(b"\n") == 5
            assert timings.body > 0
        check_consistent(response)

    harness.run(mode, scenario)


def test_responses_not_from_the_network_have_none() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    with httpx.Client(transport=transport) as client:
        assert "timings" not in client.get("http://example.test/").extensions


def test_pool_wait_and_pool_status(server: UvicornServer) -> None:
    origin = f"http://127.0.0.1:{server.port}"
    limits = httpx.Limits(max_connections=1)
    with httpx.Client(limits=limits) as client:
        assert client.pool_status() == {}
        with client.stream("GET", server.url) as held:
            assert client.pool_status() == {origin: httpx.PoolStatus(0, 1, 0)}
            waited: list[httpx.Response] = []
            thread = threading.Thread(target=lambda: waited.append(client.get(server.url)))
            thread.start()
            for _ in range(500):  # until the second request queues for the connection
                if client.pool_status()[origin].queued:
                    break
                threading.Event().wait(0.01)
            assert client.pool_status() == {origin: httpx.PoolStatus(0, 1, 1)}
            held.read()
        thread.join(10)
        assert check_consistent(waited[0]).pool > 0
        assert client.pool_status() == {origin: httpx.PoolStatus(1, 0, 0)}


@pytest.mark.anyio
async def test_pool_wait_and_pool_status_async(server: UvicornServer) -> None:
    origin = f"http://127.0.0.1:{server.port}"
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=1)) as client:
        waited: list[httpx.Response] = []

        async def second() -> None:
            waited.append(await client.get(server.url))

        async with client.stream("GET", server.url) as held:
            async with anyio.create_task_group() as group:
                group.start_soon(second)
                while not client.pool_status()[origin].queued:
                    await anyio.sleep(0.001)
                assert client.pool_status() == {origin: httpx.PoolStatus(0, 1, 1)}
                await held.aread()
                await held.aclose()
        assert check_consistent(waited[0]).pool > 0
        assert client.pool_status() == {origin: httpx.PoolStatus(1, 0, 0)}


def test_timings_through_a_proxy_tunnel(
    mode: str, http_proxy: typing.Any, tls_server: HypercornServer, ca_cert_pem_file: str
) -> None:
    context = ssl.create_default_context(cafile=ca_cert_pem_file)

    async def scenario(client: typing.Any) -> None:
        response = await client.get(tls_server.url)
        timings = check_consistent(response)
        # The CONNECT exchange counts as connecting, not as sending the request.
        assert timings.connect > 0 and timings.tls > 0 and timings.ttfb > 0

    harness.run(mode, scenario, verify=context, proxy=http_proxy.url)
