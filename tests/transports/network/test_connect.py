"""The connect step (httpx/_transports/network/): Happy Eyeballs on the sync, asyncio and
trio backends, name resolution, and the connect step's phases as the trace reports them.

A "blackhole" here is a listening socket on a loopback address whose accept queue is
full: the kernel drops further SYNs, so a connection attempt to it hangs, as one to an
unreachable address would (without sending anything beyond the loopback interface).
"""

from __future__ import annotations

import contextlib
import socket
import time
import typing
from collections.abc import Iterator

import anyio
import httpcore
import pytest

import httpx
from httpx._transports.network.backends import AsyncNativeBackend, NativeBackend
from httpx._transports.network.route import interleave
from tests.harness import MODES, run

IPV4 = socket.AF_INET


@contextlib.contextmanager
def blackhole_and_server() -> Iterator[int]:
    """A port with a blackhole on 127.0.0.2 and a listening server on 127.0.0.1."""
    hole = socket.socket()
    hole.bind(("127.0.0.2", 0))
    port = hole.getsockname()[1]
    hole.listen(0)
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(8)
    fillers = []
    for _ in range(3):  # fill the blackhole's accept queue
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.2", port))
        fillers.append(filler)
    time.sleep(0.05)
    try:
        yield port
    finally:
        for sock in [hole, server, *fillers]:
            sock.close()


def race(mode: str, addresses: list[tuple[socket.AddressFamily, str]], port: int) -> str:
    """Connect with each backend's Happy Eyeballs race; the peer address that won."""
    if mode == "sync":
        stream = NativeBackend().connect_tcp_race(addresses, port, timeout=5.0, delay=0.1)
        peer: str = stream.get_extra_info("server_addr")[0]
        stream.close()
        return peer

    async def main() -> str:
        backend = AsyncNativeBackend()
        stream = await backend.connect_tcp_race(addresses, port, timeout=5.0, delay=0.1)
        peer: str = stream.get_extra_info("server_addr")[0]
        await stream.aclose()
        return peer

    return anyio.run(main, backend="trio" if mode == "trio" else "asyncio")


@pytest.mark.parametrize("mode", MODES)
def test_happy_eyeballs_moves_on_from_an_address_that_hangs(mode: str) -> None:
    with blackhole_and_server() as port:
        started = time.monotonic()
        assert race(mode, [(IPV4, "127.0.0.2"), (IPV4, "127.0.0.1")], port) == "127.0.0.1"
        # The second attempt started after the delay, not after a connect timeout.
        assert time.monotonic() - started < 3


@pytest.mark.parametrize("mode", MODES)
def test_happy_eyeballs_moves_on_at_once_from_a_refusal(mode: str) -> None:
    with blackhole_and_server() as port:
        # Nothing listens on 127.0.0.3: refused at once, the next address is tried.
        addresses = [(IPV4, "127.0.0.3"), (IPV4, "127.0.0.1")]
        assert race(mode, addresses, port) == "127.0.0.1"


@pytest.mark.parametrize("mode", MODES)
def test_every_address_failing(mode: str) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(httpcore.ConnectError):
        race(mode, [(IPV4, "127.0.0.3"), (IPV4, "127.0.0.1")], port)


@pytest.mark.parametrize("mode", MODES)
def test_a_race_that_times_out(mode: str) -> None:
    with blackhole_and_server() as port:
        if mode == "sync":
            with pytest.raises(httpcore.ConnectTimeout):
                NativeBackend().connect_tcp_race([(IPV4, "127.0.0.2")], port, timeout=0.2)
        else:

            async def main() -> None:
                await AsyncNativeBackend().connect_tcp_race(
                    [(IPV4, "127.0.0.2")], port, timeout=0.2
                )

            with pytest.raises(httpcore.ConnectTimeout):
                anyio.run(main, backend="trio" if mode == "trio" else "asyncio")


def test_interleaved_address_families() -> None:
    # RFC 8305 section 4: the first family the resolver answered, then alternating.
    v6, v4 = socket.AF_INET6, socket.AF_INET
    answer = [(v6, "::1"), (v6, "::2"), (v4, "127.0.0.1"), (v4, "127.0.0.2"), (v6, "::1")]
    assert interleave(answer) == [(v6, "::1"), (v4, "127.0.0.1"), (v6, "::2"), (v4, "127.0.0.2")]


@pytest.mark.parametrize("mode", MODES)
def test_resolution_follows_the_local_address_family(mode: str, server: typing.Any) -> None:
    # "0.0.0.0" means IPv4 only: "localhost" must not be tried as ::1.
    async def scenario(client: typing.Any) -> None:
        response = await client.get(f"http://localhost:{server.port}/")
        assert response.status_code == 200
        peer = response.extensions["network_stream"].get_extra_info("server_addr")
        assert peer[0] == "127.0.0.1"

    transport = (httpx.HTTPTransport if mode == "sync" else httpx.AsyncHTTPTransport)(
        local_address="0.0.0.0"
    )
    run(mode, scenario, transport=transport)


@pytest.mark.parametrize("mode", MODES)
def test_connect_phases_in_the_trace(mode: str, server: typing.Any) -> None:
    events: list[str] = []

    def sync_trace(name: str, info: dict[str, typing.Any]) -> None:
        events.append(name)

    async def async_trace(name: str, info: dict[str, typing.Any]) -> None:
        events.append(name)

    async def scenario(client: typing.Any) -> None:
        trace = sync_trace if mode == "sync" else async_trace
        await client.get(f"http://localhost:{server.port}/", extensions={"trace": trace})

    run(mode, scenario)
    assert events[:2] == ["connection.connect_tcp.started", "connection.connect_tcp.complete"]
