"""httpx-ws (installed with --no-deps) runs its WebSocket sessions over our clients.

Its documented uses: `connect_ws` / `aconnect_ws` with and without a client, against a
real uvicorn server (tests/servers/websocket.py), and an ASGI app in-process through its
own `ASGIWebSocketTransport` (a subclass of our `ASGITransport`).
"""

from __future__ import annotations

import typing

import httpx_ws
import pytest
from httpx_ws.transport import ASGIWebSocketTransport

import httpx
from tests.servers.websocket import websocket_app

if typing.TYPE_CHECKING:
    from tests.servers.websocket import WebSocketUvicornServer


def test_connect_ws_with_a_client(websocket_server: WebSocketUvicornServer) -> None:
    ws: httpx_ws.WebSocketSession
    with httpx.Client(base_url=websocket_server.url) as client:
        with httpx_ws.connect_ws("/echo", client) as ws:
            assert ws.response is not None and ws.response.status_code == 101
            ws.send_text("hello")
            assert ws.receive_text() == "hello"
            ws.send_bytes(b"\x00\x01")
            assert ws.receive_bytes() == b"\x00\x01"
            ws.send_json({"a": 1})
            assert ws.receive_json() == {"a": 1}
            assert ws.ping().wait(5)
        # The session's connection was closed with it; the client carries on.
        assert client.get("/").text == "Hello, world!"


def test_connect_ws_without_a_client(websocket_server: WebSocketUvicornServer) -> None:
    ws: httpx_ws.WebSocketSession
    with httpx_ws.connect_ws(websocket_server.url + "echo") as ws:
        ws.send_text("default client")
        assert ws.receive_text() == "default client"


def test_subprotocols_and_server_close(websocket_server: WebSocketUvicornServer) -> None:
    ws: httpx_ws.WebSocketSession
    with httpx.Client() as client:
        url = websocket_server.url + "subprotocol"
        with httpx_ws.connect_ws(url, client, subprotocols=["v2"]) as ws:
            assert ws.subprotocol == "v2"
            assert ws.receive_json() == {"offered": ["v2"]}
        with httpx_ws.connect_ws(websocket_server.url + "close/4001", client) as ws:
            assert ws.receive_text() == "goodbye"
            with pytest.raises(httpx_ws.WebSocketDisconnect) as info:
                ws.receive_text()
            assert info.value.code == 4001


def test_refused_upgrade(websocket_server: WebSocketUvicornServer) -> None:
    with httpx.Client() as client:
        with pytest.raises(httpx_ws.WebSocketUpgradeError) as info:
            with httpx_ws.connect_ws(websocket_server.url + "reject", client):
                pass  # pragma: no cover
    assert info.value.response.status_code == 403


@pytest.mark.anyio
async def test_aconnect_ws(websocket_server: WebSocketUvicornServer) -> None:
    ws: httpx_ws.AsyncWebSocketSession
    async with httpx.AsyncClient() as client:
        async with httpx_ws.aconnect_ws(websocket_server.url + "echo", client) as ws:
            await ws.send_text("async")
            assert await ws.receive_text() == "async"
            pong = await ws.ping()
            await pong.wait()
        response = await client.get(websocket_server.url)
        assert response.text == "Hello, world!"


@pytest.mark.anyio
async def test_asgi_websocket_transport() -> None:
    transport = ASGIWebSocketTransport(app=websocket_app)
    ws: httpx_ws.AsyncWebSocketSession
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        async with httpx_ws.aconnect_ws("/echo", client) as ws:
            await ws.send_text("in-process")
            assert await ws.receive_text() == "in-process"
        # Plain HTTP requests still go through our ASGITransport.
        assert (await client.get("/")).text == "Hello, world!"
