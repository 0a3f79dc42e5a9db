"""The overall deadline, `Timeout(total=...)`: one bound on the whole request.

Per-operation timeouts cannot stop a server that drips one byte at a time; the total
deadline does, and fails with the timeout of the step that ran out. Every run is bounded
to the deadline plus SLACK; there are no other timing assertions.
"""

from __future__ import annotations

import ssl
import time
import typing
from collections.abc import AsyncIterator, Generator, Iterator

import anyio
import pytest

import httpx
from tests import harness
from tests.servers.faults import FaultServer

SLACK = 0.5  # seconds a request may overrun its deadline (scheduling, CI noise)


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def assert_deadline_error(
    info: pytest.ExceptionInfo[httpx.TimeoutException],
    expected: type[httpx.TimeoutException],
    total: float,
    watch: Stopwatch,
) -> None:
    assert type(info.value) is expected, repr(info.value)
    assert f"total deadline of {float(total)} s was exceeded" in str(info.value)
    assert info.value.request is not None
    assert watch.elapsed < total + SLACK


# --- the Timeout configuration ------------------------------------------------------------


def test_timeout_total_is_optional_and_keyword_only() -> None:
    assert httpx.Timeout(5.0).total is None
    assert repr(httpx.Timeout(5.0)) == "Timeout(timeout=5.0)"
    assert httpx.Timeout(5.0).as_dict() == {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}
    timeout = httpx.Timeout(5.0, total=2.0)
    assert repr(timeout) == "Timeout(timeout=5.0, total=2.0)"
    assert timeout.as_dict() == {
        "connect": 5.0,
        "read": 5.0,
        "write": 5.0,
        "pool": 5.0,
        "total": 2.0,
    }
    assert repr(httpx.Timeout(5.0, connect=1.0, total=3)) == (
        "Timeout(connect=1.0, read=5.0, write=5.0, pool=5.0, total=3)"
    )
    assert httpx.Timeout(None, total=10).as_dict()["total"] == 10
    with pytest.raises(TypeError):
        # Deliberately a positional `total` (it is keyword-only): the runtime error is tested.
        httpx.Timeout(5.0, None, None, None, None, 2.0)  # type: ignore[call-arg]


def test_timeout_total_equality_copy_and_validation() -> None:
    assert httpx.Timeout(5, total=2) == httpx.Timeout(5, total=2)
    assert httpx.Timeout(5, total=2) != httpx.Timeout(5)
    assert httpx.Timeout(httpx.Timeout(5, total=2)) == httpx.Timeout(5, total=2)
    assert httpx.Timeout(httpx.Timeout(5, total=2), total=3).total == 3
    assert httpx.Timeout((1, 2, 3, 4), total=9).as_dict()["total"] == 9
    assert httpx.Timeout(5, total=float("inf")).total is None
    with pytest.raises(ValueError, match="total"):
        httpx.Timeout(5, total=-1)
    with pytest.raises(TypeError, match="total"):
        httpx.Timeout(5, total="2")  # type: ignore[arg-type]


def test_total_reaches_the_request_extension() -> None:
    client = httpx.Client(timeout=httpx.Timeout(5, total=2))
    assert client.timeout.total == 2
    assert client.build_request("GET", "http://example.org").extensions["timeout"]["total"] == 2
    request = client.build_request("GET", "http://example.org", timeout=httpx.Timeout(1))
    assert "total" not in request.extensions["timeout"]
    client.close()


# --- a dripping server cannot outlast the deadline ------------------------------------------


def test_dripping_body_fails_within_the_deadline(mode: str, fault_server: FaultServer) -> None:
    # 100 bytes, one every 0.05 s: each read is well within the 5 s read timeout.
    url = fault_server.url_for("drip?bytes=100&interval=0.05")

    async def scenario(client: typing.Any) -> None:
        watch = Stopwatch()
        with pytest.raises(httpx.ReadTimeout) as info:
            await client.get(url)
        assert_deadline_error(info, httpx.ReadTimeout, 0.4, watch)
        # The client is fine afterwards.
        assert (await client.get(fault_server.url_for("ok"))).text == "ok"

    harness.run(mode, scenario, timeout=httpx.Timeout(5.0, total=0.4))


def test_dripping_headers_fail_within_the_deadline(mode: str, fault_server: FaultServer) -> None:
    url = fault_server.url_for("drip-headers?interval=0.05")

    async def scenario(client: typing.Any) -> None:
        watch = Stopwatch()
        with pytest.raises(httpx.ReadTimeout) as info:
            await client.get(url, timeout=httpx.Timeout(5.0, total=0.5))
        assert_deadline_error(info, httpx.ReadTimeout, 0.5, watch)

    harness.run(mode, scenario)


def test_top_level_api_accepts_a_total(fault_server: FaultServer) -> None:
    watch = Stopwatch()
    with pytest.raises(httpx.ReadTimeout) as info:
        httpx.get(
            fault_server.url_for("drip?bytes=100&interval=0.05"),
            timeout=httpx.Timeout(5, total=0.3),
        )
    assert_deadline_error(info, httpx.ReadTimeout, 0.3, watch)


def test_streamed_body_counts_from_the_start_of_the_request(
    mode: str, fault_server: FaultServer
) -> None:
    url = fault_server.url_for("drip?bytes=100&interval=0.05")

    async def scenario(client: typing.Any) -> None:
        watch = Stopwatch()
        with pytest.raises(httpx.ReadTimeout) as info:
            async with client.stream("GET", url) as response:
                assert response.status_code == 200  # the head came at once
                await anyio.sleep(0.2)  # this counts against the deadline too
                async for _ in response.aiter_bytes():
                    pass
        assert_deadline_error(info, httpx.ReadTimeout, 0.5, watch)

    harness.run(mode, scenario, timeout=httpx.Timeout(5.0, total=0.5))


def test_without_total_the_drip_completes(mode: str, fault_server: FaultServer) -> None:
    async def scenario(client: typing.Any) -> None:
        response = await client.get(fault_server.url_for("drip?bytes=5&interval=0.05"))
        assert response.content == b"xxxxx"

    harness.run(mode, scenario, timeout=httpx.Timeout(1.0))


# --- each step reports its own timeout -------------------------------------------------------


def test_pool_wait_runs_out(mode: str, fault_server: FaultServer) -> None:
    async def scenario(client: typing.Any) -> None:
        async with client.stream("GET", fault_server.url_for("stall-body")):
            # The only connection is held: the next request waits in the pool.
            watch = Stopwatch()
            with pytest.raises(httpx.PoolTimeout) as info:
                await client.get(fault_server.url_for("ok"), timeout=httpx.Timeout(5, total=0.3))
            assert_deadline_error(info, httpx.PoolTimeout, 0.3, watch)
        assert (await client.get(fault_server.url_for("ok"))).text == "ok"

    harness.run(mode, scenario, limits=httpx.Limits(max_connections=1))


def test_connect_runs_out(mode: str, fault_server: FaultServer) -> None:
    async def scenario(client: typing.Any) -> None:
        watch = Stopwatch()
        with pytest.raises(httpx.ConnectTimeout) as info:
            await client.get(fault_server.connect_timeout_url)
        assert_deadline_error(info, httpx.ConnectTimeout, 0.3, watch)

    harness.run(mode, scenario, timeout=httpx.Timeout(5, total=0.3))


def test_write_to_a_server_that_does_not_read_runs_out(
    mode: str, fault_server: FaultServer
) -> None:
    body = b"x" * (32 * 1024 * 1024)  # more than loopback socket buffers hold

    async def scenario(client: typing.Any) -> None:
        watch = Stopwatch()
        with pytest.raises(httpx.WriteTimeout) as info:
            await client.post(fault_server.url_for("no-read"), content=body)
        assert_deadline_error(info, httpx.WriteTimeout, 0.3, watch)

    harness.run(mode, scenario, timeout=httpx.Timeout(5, total=0.3))


def slow_upload() -> Iterator[bytes]:
    for _ in range(50):
        time.sleep(0.05)
        yield b"x" * 100


async def slow_async_upload() -> AsyncIterator[bytes]:
    for _ in range(50):
        await anyio.sleep(0.05)
        yield b"x" * 100


def test_slow_request_body_runs_out_while_sending(mode: str, fault_server: FaultServer) -> None:
    async def scenario(client: typing.Any) -> None:
        content = slow_upload() if mode == "sync" else slow_async_upload()
        watch = Stopwatch()
        with pytest.raises(httpx.WriteTimeout) as info:
            await client.post(fault_server.url_for("echo"), content=content)
        assert_deadline_error(info, httpx.WriteTimeout, 0.3, watch)
        assert (await client.get(fault_server.url_for("ok"))).text == "ok"

    harness.run(mode, scenario, timeout=httpx.Timeout(5, total=0.3))


# --- the deadline covers every round trip -------------------------------------------------------


class TwoRoundTrips(httpx.Auth):
    """An auth flow that sends its request twice (as a challenge-response scheme does)."""

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        yield request
        yield request


def test_auth_round_trips_share_the_deadline(mode: str, fault_server: FaultServer) -> None:
    # Each round trip takes 0.25 s: the first fits in 0.4 s, the second cannot.
    url = fault_server.url_for("slow-headers?delay=0.25")

    async def scenario(client: typing.Any) -> None:
        watch = Stopwatch()
        with pytest.raises(httpx.ReadTimeout) as info:
            await client.get(url, auth=TwoRoundTrips())
        assert_deadline_error(info, httpx.ReadTimeout, 0.4, watch)
        assert watch.elapsed > 0.25  # the first round trip did complete

    harness.run(mode, scenario, timeout=httpx.Timeout(5, total=0.4))


def test_redirects_share_the_deadline(
    mode: str, fault_server: FaultServer, server: typing.Any
) -> None:
    target = fault_server.url_for("drip?bytes=100&interval=0.05")
    url = server.url_for("/redirect_to") + "?url=" + target

    async def scenario(client: typing.Any) -> None:
        watch = Stopwatch()
        with pytest.raises(httpx.ReadTimeout) as info:
            await client.get(url)
        assert_deadline_error(info, httpx.ReadTimeout, 0.4, watch)

    harness.run(mode, scenario, timeout=httpx.Timeout(5, total=0.4), follow_redirects=True)


# --- transports other than httpcore's (async: the cancel-scope backstop) ----------------------------


@pytest.mark.anyio
async def test_a_slow_mock_transport_is_stopped_at_the_deadline() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(5)
        return httpx.Response(200)

    async def slow_body() -> AsyncIterator[bytes]:
        yield b"first"
        await anyio.sleep(5)
        yield b"never"

    async def streaming_handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=slow_body())

    timeout = httpx.Timeout(5, total=0.3)
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(handler), timeout=timeout
    ) as client:
        watch = Stopwatch()
        with pytest.raises(httpx.ReadTimeout) as info:
            await client.get("http://example.org/")
        assert_deadline_error(info, httpx.ReadTimeout, 0.3, watch)
    transport = httpx.MockTransport(streaming_handler)
    async with httpx.AsyncClient(transport=transport, timeout=timeout) as client:
        watch = Stopwatch()
        with pytest.raises(httpx.ReadTimeout) as info:
            await client.get("http://example.org/")
        assert_deadline_error(info, httpx.ReadTimeout, 0.3, watch)


@pytest.mark.anyio
async def test_http2_deadline_ends_one_stream_not_its_siblings(
    tls_server: typing.Any, ca_cert_pem_file: str
) -> None:
    """Requests share an HTTP/2 connection: one request's deadline must stop that request
    alone, not the connection its siblings are using."""
    context = ssl.create_default_context(cafile=ca_cert_pem_file)
    limits = httpx.Limits(max_connections=1)
    async with httpx.AsyncClient(http2=True, verify=context, limits=limits) as client:
        assert (await client.get(tls_server.url)).http_version == "HTTP/2"
        sibling_status = 0

        async def sibling() -> None:
            nonlocal sibling_status
            response = await client.get(tls_server.url_for("/slow_headers?delay=0.6"))
            sibling_status = response.status_code

        async with anyio.create_task_group() as group:
            group.start_soon(sibling)
            watch = Stopwatch()
            with pytest.raises(httpx.ReadTimeout) as info:
                await client.get(
                    tls_server.url_for("/slow_headers?delay=2"),
                    timeout=httpx.Timeout(5, total=0.3),
                )
            assert_deadline_error(info, httpx.ReadTimeout, 0.3, watch)
        assert sibling_status == 200
