"""A streamed response dropped without being closed gives its connection back.

In httpx 0.28 such a response holds its connection for ever: after `max_connections`
drops every request fails with PoolTimeout. Ours reclaims the connection when the
response is garbage collected, with a ResourceWarning naming the method and URL
(httpx/_transports/reclaim.py). pyproject turns warnings into errors, so every drop here
happens inside `pytest.warns` (or a `catch_warnings` of its own), and the garbage
collector is run explicitly where a drop needs it.
"""

from __future__ import annotations

import gc
import random
import re
import ssl
import threading
import typing
import warnings
from collections.abc import Iterator

import anyio
import pytest

import httpx
from tests.servers.faults import FaultServer

LIMITS = httpx.Limits(max_connections=4, max_keepalive_connections=4)
TIMEOUT = httpx.Timeout(5.0, pool=1.0)  # a lost slot shows up as PoolTimeout, quickly
REQUESTS = 300
DROP_RATE = 0.3


@pytest.fixture(scope="module")
def counting_server() -> Iterator[FaultServer]:
    """A fault server of this module's own: its open_connections are our clients'."""
    running = FaultServer().start()
    yield running
    running.wait_for_open_connections()
    running.stop()


def dropped_urls(records: list[warnings.WarningMessage]) -> list[str]:
    """The URLs named by the ResourceWarnings about dropped responses."""
    urls = []
    for record in records:
        assert issubclass(record.category, ResourceWarning), record
        message = str(record.message)
        assert "garbage collected without being closed" in message, message
        urls.append(message.split("response to GET ", 1)[1].split(" ", 1)[0])
    return urls


def assert_pool_quiet(client: httpx.Client | httpx.AsyncClient) -> None:
    pool = client._transport._pool
    assert pool._pool_state.requests == 0
    assert all(connection.is_idle() for connection in pool.connections), pool.connections


# --- sync ---------------------------------------------------------------------------------


def test_dropped_responses_are_reclaimed(counting_server: FaultServer) -> None:
    rng = random.Random("dropped-sync")
    dropped = []
    with pytest.warns(ResourceWarning) as records:
        with httpx.Client(limits=LIMITS, timeout=TIMEOUT) as client:
            for index in range(REQUESTS):
                url = counting_server.url_for(f"stream?chunks=3&n={index}")
                if rng.random() < DROP_RATE:
                    response = client.send(client.build_request("GET", url), stream=True)
                    assert response.status_code == 200
                    del response  # never closed: reclaimed at once (no reference cycle)
                    dropped.append(url)
                else:
                    assert client.get(url).status_code == 200
            assert_pool_quiet(client)
    assert dropped_urls(records.list) == dropped
    assert counting_server.wait_for_open_connections() == 0


def test_a_response_in_a_reference_cycle_is_reclaimed_by_the_collector(
    counting_server: FaultServer,
) -> None:
    limits = httpx.Limits(max_connections=1)
    url = counting_server.url_for("stream?chunks=3")
    with httpx.Client(limits=limits, timeout=TIMEOUT) as client:
        gc.disable()
        try:
            response = client.send(client.build_request("GET", url), stream=True)
            response.myself = response  # type: ignore[attr-defined]  # a cycle
            del response
            with pytest.warns(ResourceWarning, match=re.escape(f"GET {url}")):
                gc.collect()
        finally:
            gc.enable()
        assert client.get(url).status_code == 200  # the only connection came back


def test_a_drop_inside_the_pool_lock_is_reclaimed_at_the_next_safe_point(
    counting_server: FaultServer,
) -> None:
    """The collector can run while this very thread holds the pool's (non-reentrant)
    lock: the reclaim must not deadlock there, and must still happen."""
    limits = httpx.Limits(max_connections=1)
    url = counting_server.url_for("stream?chunks=3")
    with httpx.Client(limits=limits, timeout=TIMEOUT) as client:
        pool = client._transport._pool
        response = client.send(client.build_request("GET", url), stream=True)
        with pytest.warns(ResourceWarning, match=re.escape(f"GET {url}")):
            del response
        assert pool._pool_state.requests == 0  # the usual case: reclaimed on the spot
        response = client.send(client.build_request("GET", url), stream=True)
        with (
            pool._pool_lock,
            pytest.warns(ResourceWarning, match=re.escape(f"GET {url}")),
        ):
            del response
        assert pool._pool_state.requests != 0  # not reclaimed yet: deferred
        assert client.get(url).status_code == 200  # sending drains the deferred reclaim
        assert_pool_quiet(client)


def test_a_drop_in_another_thread_is_reclaimed(counting_server: FaultServer) -> None:
    limits = httpx.Limits(max_connections=1)
    url = counting_server.url_for("stream?chunks=3")
    with httpx.Client(limits=limits, timeout=TIMEOUT) as client:
        holder = [client.send(client.build_request("GET", url), stream=True)]
        recorded: list[warnings.WarningMessage] = []

        def drop() -> None:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                holder.clear()
            recorded.extend(caught)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)  # recorded in the thread
            thread = threading.Thread(target=drop)
            thread.start()
            thread.join(5)
        assert dropped_urls(recorded) == [url]
        assert client.get(url).status_code == 200


def test_closed_responses_do_not_warn(counting_server: FaultServer) -> None:
    with httpx.Client(limits=LIMITS, timeout=TIMEOUT) as client:
        with client.stream("GET", counting_server.url_for("stream?chunks=3")) as response:
            pass
        response = client.send(client.build_request("GET", counting_server.url_for("ok")))
        response = client.send(
            client.build_request("GET", counting_server.url_for("ok")), stream=True
        )
        response.read()
        del response
        gc.collect()  # nothing to warn about (warnings are errors here)


def test_sync_http2_drops_are_reclaimed(tls_server: typing.Any, ca_cert_pem_file: str) -> None:
    # More drops than one HTTP/2 connection has stream slots (100): each dropped stream
    # must give its slot back, or the next request would wait for ever.
    context = ssl.create_default_context(cafile=ca_cert_pem_file)
    limits = httpx.Limits(max_connections=1)
    with httpx.Client(http2=True, verify=context, limits=limits, timeout=TIMEOUT) as client:
        with pytest.warns(ResourceWarning) as records:
            for _ in range(120):
                response = client.send(client.build_request("GET", tls_server.url), stream=True)
                assert response.http_version == "HTTP/2"
                del response
        assert len(records) == 120
        assert client.get(tls_server.url).status_code == 200


# --- async ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_dropped_responses_are_reclaimed(counting_server: FaultServer) -> None:
    rng = random.Random("dropped-async")
    dropped = []
    with pytest.warns(ResourceWarning) as records:
        async with httpx.AsyncClient(limits=LIMITS, timeout=TIMEOUT) as client:
            for index in range(REQUESTS):
                url = counting_server.url_for(f"stream?chunks=3&n={index}")
                if rng.random() < DROP_RATE:
                    request = client.build_request("GET", url)
                    response = await client.send(request, stream=True)
                    assert response.status_code == 200
                    del response  # the close is scheduled on this event loop
                    dropped.append(url)
                else:
                    assert (await client.get(url)).status_code == 200
            await anyio.sleep(0.01)  # let the last scheduled reclaims run
            assert_pool_quiet(client)
    assert dropped_urls(records.list) == dropped
    assert await anyio.to_thread.run_sync(counting_server.wait_for_open_connections) == 0


@pytest.mark.anyio
async def test_async_drop_collected_in_another_thread(counting_server: FaultServer) -> None:
    limits = httpx.Limits(max_connections=1)
    url = counting_server.url_for("stream?chunks=3")
    async with httpx.AsyncClient(limits=limits, timeout=TIMEOUT) as client:
        holder = [await client.send(client.build_request("GET", url), stream=True)]
        holder[0].myself = holder[0]  # type: ignore[attr-defined]  # only gc can free it

        def collect_elsewhere() -> list[warnings.WarningMessage]:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                holder.clear()
                gc.collect()
            return caught

        gc.disable()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ResourceWarning)  # recorded in the thread
                recorded = await anyio.to_thread.run_sync(collect_elsewhere)
        finally:
            gc.enable()
        assert dropped_urls(recorded) == [url]
        # The reclaim was scheduled onto this loop from the other thread.
        assert (await client.get(url)).status_code == 200
        assert_pool_quiet(client)


@pytest.mark.anyio
async def test_async_http2_drops_are_reclaimed(
    tls_server: typing.Any, ca_cert_pem_file: str
) -> None:
    context = ssl.create_default_context(cafile=ca_cert_pem_file)
    limits = httpx.Limits(max_connections=1)
    async with httpx.AsyncClient(
        http2=True, verify=context, limits=limits, timeout=TIMEOUT
    ) as client:
        with pytest.warns(ResourceWarning) as records, anyio.fail_after(10):
            for _ in range(120):
                request = client.build_request("GET", tls_server.url)
                response = await client.send(request, stream=True)
                assert response.http_version == "HTTP/2"
                del response
        assert len(records) == 120
        assert (await client.get(tls_server.url)).status_code == 200
