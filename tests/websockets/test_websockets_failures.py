"""WebSocket sessions that fail, and what they hold: protocol violations, oversized
messages, vanishing servers, keepalive, backpressure, the pool and proxies. On `Client`
and on `AsyncClient` (asyncio, trio), against real servers (see test_websockets.py).
"""

from __future__ import annotations

import ssl
import typing

import anyio
import pytest

import httpx
from tests.websockets.websocket_harness import leak_check, run

if typing.TYPE_CHECKING:
    from tests.servers.proxy import ForwardProxy
    from tests.servers.run import HypercornServer
    from tests.servers.websocket import ScriptedWebSocketServer, WebSocketUvicornServer


@pytest.fixture
def trusted(ca_cert_pem_file: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_cert_pem_file)


def wss(server: HypercornServer, path: str) -> str:
    return server.url.replace("https://", "wss://") + path


# --- failures -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "code"),
    [("reserved-opcode", 1002), ("masked", 1002), ("rsv1", 1002), ("bad-utf8", 1007)],
)
def test_protocol_violations(
    mode: str, scripted_ws_server: ScriptedWebSocketServer, path: str, code: int
) -> None:
    async def scenario(client: typing.Any) -> None:
        known = len(scripted_ws_server.close_codes)
        async with leak_check():
            async with client.websocket(scripted_ws_server.ws_url + path) as ws:
                with pytest.raises(httpx.WebSocketProtocolError) as info:
                    await ws.receive()
                assert info.value.code == code
                with pytest.raises(httpx.WebSocketProtocolError):
                    await ws.send_text("after the failure")
        # RFC 6455 section 7.1.7: our Close frame carried the code.
        assert scripted_ws_server.wait_for_close_codes(known + 1)[known] == code
        assert scripted_ws_server.wait_for_connections(0)

    run(mode, scenario)


@pytest.mark.parametrize(
    "path",
    ["big?size=2000", "big?size=100000&n=10", "endless-frame"],
)
def test_message_too_large(
    mode: str, scripted_ws_server: ScriptedWebSocketServer, path: str
) -> None:
    async def scenario(client: typing.Any) -> None:
        known = len(scripted_ws_server.close_codes)
        async with leak_check():
            url = scripted_ws_server.ws_url + path
            async with client.websocket(url, max_message_size_bytes=1000) as ws:
                with pytest.raises(httpx.WebSocketMessageTooLarge) as info:
                    await ws.receive()
                assert info.value.limit == 1000
        if path != "endless-frame":  # that one never reads what we send
            assert scripted_ws_server.wait_for_close_codes(known + 1)[known] == 1009
        assert scripted_ws_server.wait_for_connections(0)

    # The endless frame is read (and dropped) after our Close until the read timeout.
    run(mode, scenario, timeout=httpx.Timeout(5.0, read=0.5))


def test_message_at_the_limit(mode: str, scripted_ws_server: ScriptedWebSocketServer) -> None:
    async def scenario(client: typing.Any) -> None:
        url = scripted_ws_server.ws_url + "big?size=1000&n=3"
        async with client.websocket(url, max_message_size_bytes=1000) as ws:
            assert await ws.receive_bytes() == b"y" * 1000

    run(mode, scenario)


@pytest.mark.parametrize("path", ["vanish", "vanish-mid-message", "reset"])
def test_server_vanishes(
    mode: str, scripted_ws_server: ScriptedWebSocketServer, path: str
) -> None:
    async def scenario(client: typing.Any) -> None:
        async with leak_check():
            async with client.websocket(scripted_ws_server.ws_url + path) as ws:
                if path != "vanish-mid-message":
                    assert (await ws.receive_text()).startswith("about to")
                with pytest.raises(httpx.WebSocketNetworkError):
                    await ws.receive()  # a half message is never delivered
                with pytest.raises(httpx.WebSocketNetworkError):
                    await ws.send_text("anyone?")
        assert scripted_ws_server.wait_for_connections(0)

    run(mode, scenario)


def test_keepalive_pings(mode: str, scripted_ws_server: ScriptedWebSocketServer) -> None:
    async def scenario(client: typing.Any) -> None:
        seen = scripted_ws_server.pings_seen
        url = scripted_ws_server.ws_url + "echo"
        async with client.websocket(url, keepalive_ping_interval_seconds=0.02) as ws:
            with anyio.fail_after(10):
                while scripted_ws_server.pings_seen < seen + 3:
                    await anyio.sleep(0.01)
            await ws.send_text("alive")
            assert await ws.receive_text() == "alive"
            pong = await ws.ping(b"explicit")
            assert await pong.wait(5)

    run(mode, scenario)


def test_ping_timeout(mode: str, scripted_ws_server: ScriptedWebSocketServer) -> None:
    async def scenario(client: typing.Any) -> None:
        async with leak_check():
            async with client.websocket(
                scripted_ws_server.ws_url + "no-pong",
                keepalive_ping_interval_seconds=0.02,
                keepalive_ping_timeout_seconds=0.1,
            ) as ws:
                with pytest.raises(httpx.WebSocketPingTimeout) as info:
                    await ws.receive(timeout=10)
                assert isinstance(info.value, httpx.WebSocketNetworkError)
        assert scripted_ws_server.pings_seen >= 1
        assert scripted_ws_server.wait_for_connections(0)

    run(mode, scenario)


def test_keepalive_disabled(mode: str, scripted_ws_server: ScriptedWebSocketServer) -> None:
    async def scenario(client: typing.Any) -> None:
        url = scripted_ws_server.ws_url + "no-pong"
        async with client.websocket(url, keepalive_ping_interval_seconds=None) as ws:
            with pytest.raises(TimeoutError):
                await ws.receive(timeout=0.2)

    run(mode, scenario, timeout=httpx.Timeout(5.0, read=0.1))


# --- backpressure and the pool --------------------------------------------------------------


def test_backpressure_bounds_what_is_read(
    mode: str, scripted_ws_server: ScriptedWebSocketServer
) -> None:
    # With a queue of 4 and nobody receiving, the session stops reading: the server's
    # sends stall long before its 1000 messages of 64 KiB are out, and nothing is lost.
    total = 1000

    async def scenario(client: typing.Any) -> None:
        url = scripted_ws_server.ws_url + f"flood?n={total}&size=65536"
        async with client.websocket(url, queue_size=4) as ws:
            previous = -1
            with anyio.fail_after(20):
                while scripted_ws_server.flood_sent != previous:  # until it stalls
                    previous = scripted_ws_server.flood_sent
                    await anyio.sleep(0.3)
            assert scripted_ws_server.flood_sent < total // 2
            for index in range(total):
                message = await ws.receive_bytes(timeout=10)
                assert message[:4] == index.to_bytes(4, "big")

    scripted_ws_server.flood_sent = 0
    run(mode, scenario)


def test_connection_leaves_the_pool(mode: str, websocket_server: WebSocketUvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        before = (await client.get("/ok")).json()["client_port"]
        async with client.websocket("/handshake") as ws:
            ws_port = (await ws.receive_json())["client_port"]
            # The idle connection was used for the upgrade; it is not handed out again.
            assert ws_port == before
            during = (await client.get("/ok")).json()["client_port"]
            assert during != ws_port
        after = (await client.get("/ok")).json()["client_port"]
        assert after == during  # the session's connection is gone, not back in the pool
        assert len(client._transport._pool.connections) == 1

    run(mode, scenario, base_url=websocket_server.url)


def test_session_holds_its_pool_slot(mode: str, websocket_server: WebSocketUvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        async with client.websocket("/echo"):
            with pytest.raises(httpx.PoolTimeout):
                await client.get("/ok")
        assert (await client.get("/ok")).status_code == 200  # freed by the close

    run(
        mode,
        scenario,
        base_url=websocket_server.url,
        limits=httpx.Limits(max_connections=1),
        timeout=httpx.Timeout(5.0, pool=0.2),
    )


# --- proxies --------------------------------------------------------------------------------


def test_wss_through_http_proxy(
    mode: str,
    http_proxy: ForwardProxy,
    websocket_tls_server: HypercornServer,
    trusted: ssl.SSLContext,
) -> None:
    async def scenario(client: typing.Any) -> None:
        tunnels = http_proxy.stats.tunnels
        async with client.websocket(wss(websocket_tls_server, "echo")) as ws:
            await ws.send_text("tunnelled")
            assert await ws.receive_text() == "tunnelled"
        assert http_proxy.stats.tunnels == tunnels + 1

    run(mode, scenario, proxy=http_proxy.url, verify=trusted)


def test_ws_through_http_proxy(
    mode: str, http_proxy: ForwardProxy, websocket_server: WebSocketUvicornServer
) -> None:
    # RFC 6455 section 4.1: through a CONNECT tunnel (without TLS for ws://), as the
    # proxy would drop the hop-by-hop Upgrade field of a forwarded request; plain http
    # requests are still forwarded.
    async def scenario(client: typing.Any) -> None:
        tunnels, forwarded = http_proxy.stats.tunnels, http_proxy.stats.forwarded
        async with client.websocket(websocket_server.ws_url + "echo") as ws:
            await ws.send_text("tunnelled")
            assert await ws.receive_text() == "tunnelled"
        assert (http_proxy.stats.tunnels, http_proxy.stats.forwarded) == (tunnels + 1, forwarded)
        response = await client.get(websocket_server.url)
        assert http_proxy.stats.forwarded == forwarded + 1
        assert http_proxy.stats.tunnels == tunnels + 1
        assert response.status_code in (200, 404)

    run(mode, scenario, proxy=http_proxy.url)


def test_through_socks5_proxy(
    mode: str,
    socks5_proxy: ForwardProxy,
    websocket_server: WebSocketUvicornServer,
    websocket_tls_server: HypercornServer,
    trusted: ssl.SSLContext,
) -> None:
    async def scenario(client: typing.Any) -> None:
        tunnels = socks5_proxy.stats.tunnels
        for url in (websocket_server.ws_url + "echo", wss(websocket_tls_server, "echo")):
            async with client.websocket(url) as ws:
                await ws.send_text("socks")
                assert await ws.receive_text() == "socks"
        assert socks5_proxy.stats.tunnels == tunnels + 2

    run(mode, scenario, proxy=socks5_proxy.url, verify=trusted)
