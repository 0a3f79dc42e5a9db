"""WebSocket sessions against real servers, on `Client` and on `AsyncClient` (asyncio, trio).

Well-behaved servers: Starlette endpoints on uvicorn (ws://) and hypercorn over TLS
(wss://, ALPN h2 + http/1.1). Hostile and edge cases: the scripted raw server of
tests/servers/websocket.py. Every session is checked for what it leaves behind: the
server's count of open connections falls back to zero, and `leak_check` finds no thread
or task left over.
"""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import typing

import anyio
import pytest
import wsproto.events

import httpx
from tests.websockets.websocket_harness import leak_check, run

if typing.TYPE_CHECKING:
    from tests.servers.run import HypercornServer
    from tests.servers.websocket import ScriptedWebSocketServer, WebSocketUvicornServer


@pytest.fixture
def trusted(ca_cert_pem_file: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_cert_pem_file)


def wss(server: HypercornServer, path: str) -> str:
    return server.url.replace("https://", "wss://") + path


# --- messages -------------------------------------------------------------------------------


def test_echo(mode: str, websocket_server: WebSocketUvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        async with leak_check():
            async with client.websocket(websocket_server.ws_url + "echo") as ws:
                assert ws.response.status_code == 101
                assert ws.subprotocol is None
                await ws.send_text("héllo")
                assert await ws.receive_text() == "héllo"
                await ws.send_bytes(b"\x00\xff")
                assert await ws.receive_bytes() == b"\x00\xff"
                await ws.send_json({"a": [1, 2]})
                assert await ws.receive_json() == {"a": [1, 2]}
                await ws.send_json({"b": None}, mode="binary")
                assert await ws.receive_json(mode="binary") == {"b": None}
                await ws.send_text("typed")
                message = await ws.receive()
                assert isinstance(message, wsproto.events.TextMessage)
                assert message.data == "typed"
                await ws.send_bytes(b"")
                message = await ws.receive()
                assert isinstance(message, wsproto.events.BytesMessage)
                assert message.data == b""

    run(mode, scenario)


def test_wss_over_tls(
    mode: str, websocket_tls_server: HypercornServer, trusted: ssl.SSLContext
) -> None:
    async def scenario(client: typing.Any) -> None:
        async with leak_check():
            async with client.websocket(wss(websocket_tls_server, "echo")) as ws:
                await ws.send_text("secure")
                assert await ws.receive_text() == "secure"
                assert ws.response.url.scheme == "https"

    run(mode, scenario, verify=trusted)


def test_wss_on_an_http2_client_uses_http11(
    mode: str, websocket_tls_server: HypercornServer, trusted: ssl.SSLContext
) -> None:
    # hypercorn offers h2 by ALPN; RFC 8441 (WebSockets over HTTP/2) is not supported, so
    # the handshake goes over HTTP/1.1 while the client's other requests use HTTP/2.
    async def scenario(client: typing.Any) -> None:
        assert (await client.get(websocket_tls_server.url)).http_version == "HTTP/2"
        async with leak_check():
            async with client.websocket(wss(websocket_tls_server, "echo")) as ws:
                assert ws.response.http_version == "HTTP/1.1"
                await ws.send_text("h1")
                assert await ws.receive_text() == "h1"
        assert (await client.get(websocket_tls_server.url)).http_version == "HTTP/2"

    run(mode, scenario, verify=trusted, http2=True)


def test_http2_only_transport_is_refused_clearly(
    mode: str, websocket_tls_server: HypercornServer, trusted: ssl.SSLContext
) -> None:
    # A transport the user configured is used as it is: over HTTP/2 the upgrade cannot
    # happen, and the error says why.
    transport = (httpx.HTTPTransport if mode == "sync" else httpx.AsyncHTTPTransport)(
        verify=trusted, http2=True
    )

    async def scenario(client: typing.Any) -> None:
        with pytest.raises(httpx.WebSocketUpgradeError, match="HTTP/2") as info:
            async with client.websocket(wss(websocket_tls_server, "echo")):
                pass  # pragma: no cover
        assert info.value.response.http_version == "HTTP/2"

    run(mode, scenario, transport=transport)


def test_subprotocol_negotiation(mode: str, websocket_server: WebSocketUvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        url = websocket_server.ws_url + "subprotocol"
        async with client.websocket(url, subprotocols=["chat.v2", "chat.v1"]) as ws:
            assert ws.subprotocol == "chat.v2"
            assert await ws.receive_json() == {"offered": ["chat.v2", "chat.v1"]}
        async with client.websocket(url) as ws:
            assert ws.subprotocol is None
            assert await ws.receive_json() == {"offered": []}

    run(mode, scenario)


def test_fragmented_messages_are_reassembled(
    mode: str, scripted_ws_server: ScriptedWebSocketServer
) -> None:
    async def scenario(client: typing.Any) -> None:
        async with client.websocket(scripted_ws_server.ws_url + "fragments?n=5") as ws:
            text = await ws.receive()
            assert isinstance(text, wsproto.events.TextMessage)
            assert text.data == "part0;part1;part2;part3;part4;"
            assert await ws.receive_bytes() == b"0;1;2;3;4;"
            # The Pings between the fragments were answered: the session still works.
            await ws.send_text("still here")
            assert await ws.receive_text() == "still here"

    run(mode, scenario)


def test_receive_timeout_keeps_the_session(
    mode: str, websocket_server: WebSocketUvicornServer
) -> None:
    async def scenario(client: typing.Any) -> None:
        async with client.websocket(websocket_server.ws_url + "echo") as ws:
            with pytest.raises(TimeoutError):
                await ws.receive(timeout=0.05)
            await ws.send_text("later")
            assert await ws.receive_text(timeout=5) == "later"

    run(mode, scenario)


def test_wrong_message_type(mode: str, websocket_server: WebSocketUvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        async with client.websocket(websocket_server.ws_url + "echo") as ws:
            await ws.send_bytes(b"binary")
            with pytest.raises(httpx.WebSocketInvalidTypeReceived) as info:
                await ws.receive_text()
            assert info.value.event.data == b"binary"  # not lost
            await ws.send_text("text")
            with pytest.raises(httpx.WebSocketInvalidTypeReceived):
                await ws.receive_bytes()
            await ws.send_text("not json")
            with pytest.raises(json.JSONDecodeError):
                await ws.receive_json()

    run(mode, scenario)


def test_concurrent_senders(mode: str, websocket_server: WebSocketUvicornServer) -> None:
    # Frames from concurrent senders never interleave on the wire.
    async def scenario(client: typing.Any) -> None:
        async with client.websocket(websocket_server.ws_url + "echo") as ws:

            async def sender(name: str) -> None:
                for index in range(20):
                    await ws.send_text(f"{name}-{index}-" + "x" * 5000)

            async with anyio.create_task_group() as group:
                for name in "abcd":
                    group.start_soon(sender, name)
            received = [(await ws.receive_text()).split("-")[:2] for _ in range(80)]
            for name in "abcd":
                assert [index for who, index in received if who == name] == [
                    str(index) for index in range(20)
                ]

    run(mode, scenario)


# --- the handshake is a request through the client ------------------------------------------


def test_handshake_goes_through_the_client(
    mode: str, websocket_server: WebSocketUvicornServer
) -> None:
    seen: list[tuple[str, typing.Any]] = []

    def hook(kind: str) -> typing.Any:
        def record(value: typing.Any) -> None:
            seen.append((kind, value))

        async def arecord(value: typing.Any) -> None:
            record(value)

        return record if mode == "sync" else arecord

    async def scenario(client: typing.Any) -> None:
        async with client.websocket(
            "/handshake",
            params={"q": "1"},
            headers={"X-Extra": "yes"},
            cookies={"per-request": "b"},
            auth=("user", "secret"),
        ) as ws:
            data = await ws.receive_json()
        assert data["path"] == "/handshake"
        assert data["query"] == {"q": "1", "base": "param"}
        assert data["headers"]["x-client"] == "default"
        assert data["headers"]["x-extra"] == "yes"
        assert data["headers"]["authorization"] == "Basic dXNlcjpzZWNyZXQ="
        assert data["headers"]["upgrade"] == "websocket"
        assert data["headers"]["sec-websocket-version"] == "13"
        assert data["cookies"] == {"client": "a", "per-request": "b"}
        assert [kind for kind, _ in seen] == ["request", "response"]
        assert seen[1][1].status_code == 101
        assert seen[0][1].url.scheme == "http"

    run(
        mode,
        scenario,
        base_url=websocket_server.ws_url,
        params={"base": "param"},
        headers={"X-Client": "default"},
        cookies={"client": "a"},
        event_hooks={"request": [hook("request")], "response": [hook("response")]},
    )


def test_redirects_during_the_handshake(
    mode: str, scripted_ws_server: ScriptedWebSocketServer
) -> None:
    async def scenario(client: typing.Any) -> None:
        url = scripted_ws_server.ws_url + "redirect"
        async with client.websocket(url, follow_redirects=True) as ws:
            assert [r.status_code for r in ws.response.history] == [307]
            await ws.send_text("redirected")
            assert await ws.receive_text() == "redirected"
        with pytest.raises(httpx.WebSocketUpgradeError) as info:
            async with client.websocket(url):
                pass  # pragma: no cover
        assert info.value.response.status_code == 307
        assert scripted_ws_server.wait_for_connections(0)

    run(mode, scenario)


def test_top_level_function(websocket_server: WebSocketUvicornServer) -> None:
    with httpx.websocket(websocket_server.ws_url + "echo", params={"a": "b"}) as ws:
        assert isinstance(ws, httpx.WebSocketSession)
        assert ws.response.url.params["a"] == "b"
        ws.send_text("top")
        assert ws.receive_text() == "top"


# --- refused upgrades -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [("refuse-403", 403, "forbidden"), ("refuse-200", 200, "not a websocket!")],
)
def test_refused_upgrade(
    mode: str, scripted_ws_server: ScriptedWebSocketServer, path: str, status: int, text: str
) -> None:
    async def scenario(client: typing.Any) -> None:
        async with leak_check():
            with pytest.raises(httpx.WebSocketUpgradeError) as info:
                async with client.websocket(scripted_ws_server.ws_url + path):
                    pass  # pragma: no cover
        error = info.value
        assert isinstance(error, httpx.HTTPError)
        assert error.response.status_code == status
        assert error.response.text == text  # small refusals are read for the error
        assert error.request.url == scripted_ws_server.url + path
        assert scripted_ws_server.wait_for_connections(0)

    run(mode, scenario)


def test_refused_by_starlette(mode: str, websocket_server: WebSocketUvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        with pytest.raises(httpx.WebSocketUpgradeError) as info:
            async with client.websocket(websocket_server.ws_url + "reject"):
                pass  # pragma: no cover
        assert info.value.response.status_code == 403

    run(mode, scenario)


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("bad-accept", "wrong Sec-WebSocket-Accept"),
        ("no-upgrade", "no 'Upgrade: websocket'"),
        ("unoffered-subprotocol", "subprotocol the client did not offer"),
        ("unoffered-extension", "extension the client did not offer"),
    ],
)
def test_invalid_101(
    mode: str, scripted_ws_server: ScriptedWebSocketServer, path: str, problem: str
) -> None:
    async def scenario(client: typing.Any) -> None:
        async with leak_check():
            with pytest.raises(httpx.WebSocketUpgradeError, match=problem) as info:
                async with client.websocket(scripted_ws_server.ws_url + path):
                    pass  # pragma: no cover
        assert info.value.response.status_code == 101
        assert scripted_ws_server.wait_for_connections(0)

    run(mode, scenario)


def test_unreachable_server_keeps_its_httpx_error(mode: str) -> None:
    async def scenario(client: typing.Any) -> None:
        with pytest.raises(httpx.ConnectError):
            async with client.websocket("ws://127.0.0.1:1/"):
                pass  # pragma: no cover

    run(mode, scenario)


def test_without_wsproto(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in sys.modules if name.split(".")[0] == "wsproto"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "wsproto", None)  # "import wsproto" fails
    with httpx.Client() as client:
        with pytest.raises(ImportError) as info:
            with client.websocket("ws://127.0.0.1:1/"):
                pass  # pragma: no cover
    assert str(info.value) == (
        "Using WebSockets, but the 'wsproto' package is not installed. "
        "Make sure to install httpx using `pip install httpx[ws]`."
    )


def test_import_httpx_does_not_import_wsproto() -> None:
    code = "import sys, httpx; print('wsproto' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"


# --- closing --------------------------------------------------------------------------------


def test_server_closes_with_a_code(mode: str, websocket_server: WebSocketUvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        async with leak_check():
            async with client.websocket(websocket_server.ws_url + "close/4001") as ws:
                assert await ws.receive_text() == "goodbye"  # received before the Close
                with pytest.raises(httpx.WebSocketDisconnect) as info:
                    await ws.receive_text()
                assert (info.value.code, info.value.reason) == (4001, "server says bye")
                # The end is sticky: every later call says the same.
                with pytest.raises(httpx.WebSocketDisconnect):
                    await ws.send_text("too late")
                with pytest.raises(httpx.WebSocketDisconnect):
                    await ws.receive()

    run(mode, scenario)


def test_close_code_reaches_the_server(
    mode: str, scripted_ws_server: ScriptedWebSocketServer
) -> None:
    async def scenario(client: typing.Any) -> None:
        known = len(scripted_ws_server.close_codes)
        async with client.websocket(scripted_ws_server.ws_url + "echo") as ws:
            await ws.close(4000, "done")
            with pytest.raises(httpx.WebSocketDisconnect) as info:
                await ws.send_text("after close")
            assert info.value.code == 4000
            await ws.close()  # closing again does nothing
        async with client.websocket(scripted_ws_server.ws_url + "echo"):
            pass  # leaving the block closes with 1000
        codes = scripted_ws_server.wait_for_close_codes(known + 2)
        assert codes[known:] == [4000, 1000]
        assert scripted_ws_server.wait_for_connections(0)

    run(mode, scenario)


def test_error_in_the_block_closes_with_1011_and_propagates(
    mode: str, scripted_ws_server: ScriptedWebSocketServer
) -> None:
    class Oops(Exception):
        pass

    async def scenario(client: typing.Any) -> None:
        known = len(scripted_ws_server.close_codes)
        async with leak_check():
            with pytest.raises(Oops):  # as it is: not wrapped in an ExceptionGroup
                async with client.websocket(scripted_ws_server.ws_url + "echo"):
                    raise Oops()
        assert scripted_ws_server.wait_for_close_codes(known + 1)[known:] == [1011]
        assert scripted_ws_server.wait_for_connections(0)

    run(mode, scenario)


@pytest.mark.parametrize("mode", ["asyncio", "trio"])
def test_cancelled_block_leaves_nothing_behind(
    mode: str, scripted_ws_server: ScriptedWebSocketServer
) -> None:
    async def scenario(client: typing.Any) -> None:
        async with leak_check():
            with anyio.move_on_after(0.1) as scope:
                async with client.websocket(scripted_ws_server.ws_url + "no-pong") as ws:
                    await ws.receive()  # never comes: cancelled
            assert scope.cancelled_caught
        assert scripted_ws_server.wait_for_connections(0)

    run(mode, scenario)


def test_close_waits_only_so_long_for_the_server(
    mode: str, scripted_ws_server: ScriptedWebSocketServer
) -> None:
    # /silent never answers our Close, /no-eof answers but keeps the connection open: both
    # are closed after the read timeout.
    async def scenario(client: typing.Any) -> None:
        for path in ("silent", "no-eof"):
            async with leak_check():
                async with client.websocket(scripted_ws_server.ws_url + path) as ws:
                    await ws.send_text("hello")
            with pytest.raises(httpx.WebSocketError):
                await ws.receive()
            assert scripted_ws_server.wait_for_connections(0)

    run(mode, scenario, timeout=httpx.Timeout(5.0, read=0.2))
