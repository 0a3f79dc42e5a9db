"""WebSocket sessions with an in-process ASGI app (`ASGITransport`), on asyncio and trio.

The app is Starlette's, as users test theirs; the app's task runs in the session's task
group, so `leak_check` also proves that the app is gone when the session is.
"""

from __future__ import annotations

import contextlib
import typing

import anyio
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

import httpx
from httpx._transports import asgi_websocket
from tests.servers.websocket import websocket_app
from tests.websockets.websocket_harness import leak_check

pytestmark = pytest.mark.anyio

events: list[typing.Any] = []


async def record_disconnect(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect as exc:
        events.append(("disconnect", exc.code))


async def deny(websocket: WebSocket) -> None:
    await websocket.send_denial_response(PlainTextResponse("no entry", status_code=401))


async def fail_before_accept(websocket: WebSocket) -> None:
    raise ValueError("broken before accept")


async def fail_after_accept(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("first")
    raise ValueError("broken after accept")


async def never_accept(websocket: WebSocket) -> None:
    await anyio.sleep_forever()


async def return_without_accepting(websocket: WebSocket) -> None:
    return


async def return_after_accept(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("bye")


async def stubborn(websocket: WebSocket) -> None:
    """Ignores the disconnect: the session's end must still end it."""
    await websocket.accept()
    try:
        await anyio.sleep_forever()
    finally:
        events.append("stubborn cancelled")


async def flood(websocket: WebSocket) -> None:
    await websocket.accept()
    for index in range(200):
        await websocket.send_bytes(index.to_bytes(4, "big") + b"x" * 65532)
        events.append(index)
    with contextlib.suppress(WebSocketDisconnect):
        await websocket.receive_text()


app = Starlette(
    routes=[
        *websocket_app.routes,
        WebSocketRoute("/record", record_disconnect),
        WebSocketRoute("/deny", deny),
        WebSocketRoute("/fail-before", fail_before_accept),
        WebSocketRoute("/fail-after", fail_after_accept),
        WebSocketRoute("/never-accept", never_accept),
        WebSocketRoute("/no-accept", return_without_accepting),
        WebSocketRoute("/return", return_after_accept),
        WebSocketRoute("/stubborn", stubborn),
        WebSocketRoute("/flood", flood),
    ]
)


def client(raise_app_exceptions: bool = True, **options: typing.Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app, raise_app_exceptions=raise_app_exceptions)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", **options)


@pytest.fixture(autouse=True)
def clear_events() -> None:
    events.clear()


async def test_echo_in_process() -> None:
    async with client() as c, leak_check():
        async with c.websocket("/echo") as ws:
            await ws.send_text("in-process")
            assert await ws.receive_text() == "in-process"
            await ws.send_bytes(b"\x01")
            assert await ws.receive_bytes() == b"\x01"
            assert ws.response.status_code == 101
            pong = await ws.ping()
            assert await pong.wait(5)  # the in-memory server answers Pings


async def test_fragmented_sends_reach_the_app_whole() -> None:
    async with client() as c:
        async with c.websocket("/echo", max_message_size_bytes=1_000_000) as ws:
            big = "é" * 100_000
            await ws.send_text(big)
            assert await ws.receive_text() == big


async def test_scope_carries_the_handshake() -> None:
    async with client(cookies={"c": "1"}) as c:
        async with c.websocket("wss://testserver/handshake?q=2", headers={"X-A": "b"}) as ws:
            data = await ws.receive_json()
    assert data["scheme"] == "wss"
    assert data["path"] == "/handshake"
    assert data["query"] == {"q": "2"}
    assert data["headers"]["x-a"] == "b"
    assert data["cookies"] == {"c": "1"}


async def test_subprotocol() -> None:
    async with client() as c:
        async with c.websocket("/subprotocol", subprotocols=["v1"]) as ws:
            assert ws.subprotocol == "v1"
            assert await ws.receive_json() == {"offered": ["v1"]}


async def test_close_codes_both_ways() -> None:
    async with client() as c, leak_check():
        async with c.websocket("/close/4003") as ws:
            assert await ws.receive_text() == "goodbye"
            with pytest.raises(httpx.WebSocketDisconnect) as info:
                await ws.receive_text()
            assert (info.value.code, info.value.reason) == (4003, "server says bye")
        async with c.websocket("/record") as ws:
            await ws.close(4004)
        async with c.websocket("/record"):
            pass
    assert events == [("disconnect", 4004), ("disconnect", 1000)]


async def test_app_returning_closes_normally() -> None:
    async with client() as c:
        async with c.websocket("/return") as ws:
            assert await ws.receive_text() == "bye"
            with pytest.raises(httpx.WebSocketDisconnect) as info:
                await ws.receive()
            assert info.value.code == 1000


@pytest.mark.parametrize(
    ("path", "status", "text"), [("/reject", 403, ""), ("/deny", 401, "no entry")]
)
async def test_refusals(path: str, status: int, text: str) -> None:
    async with client() as c, leak_check():
        with pytest.raises(httpx.WebSocketUpgradeError) as info:
            async with c.websocket(path):
                pass  # pragma: no cover
    assert info.value.response.status_code == status
    assert info.value.response.text == text


async def test_app_error_before_accept() -> None:
    async with client() as c, leak_check():
        with pytest.raises(ValueError, match="broken before accept"):
            async with c.websocket("/fail-before"):
                pass  # pragma: no cover
    async with client(raise_app_exceptions=False) as c:
        with pytest.raises(httpx.WebSocketUpgradeError) as info:
            async with c.websocket("/fail-before"):
                pass  # pragma: no cover
        assert info.value.response.status_code == 500


async def test_app_error_after_accept() -> None:
    async with client() as c, leak_check():
        async with c.websocket("/fail-after") as ws:
            assert await ws.receive_text() == "first"
            with pytest.raises(ValueError, match="broken after accept"):
                await ws.receive()
    async with client(raise_app_exceptions=False) as c:
        async with c.websocket("/fail-after") as ws:
            assert await ws.receive_text() == "first"
            with pytest.raises(httpx.WebSocketDisconnect) as info:
                await ws.receive()
            assert info.value.code == 1011


async def test_app_that_never_answers_the_handshake() -> None:
    async with client(timeout=httpx.Timeout(5.0, read=0.1)) as c, leak_check():
        with pytest.raises(httpx.ReadTimeout):
            async with c.websocket("/never-accept"):
                pass  # pragma: no cover
        with pytest.raises(RuntimeError, match="without accepting"):
            async with c.websocket("/no-accept"):
                pass  # pragma: no cover


async def test_app_ignoring_the_disconnect_is_cancelled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(asgi_websocket, "APP_EXIT_TIMEOUT", 0.05)
    async with client() as c, leak_check():
        async with c.websocket("/stubborn"):
            pass
    assert events == ["stubborn cancelled"]


async def test_backpressure_in_process() -> None:
    # The app may run ahead of the client by a bounded amount only; nothing is lost.
    async with client() as c, leak_check():
        async with c.websocket("/flood", queue_size=2) as ws:
            for _ in range(100):
                await anyio.sleep(0)  # let the app run as far as it can
            assert len(events) < 50
            for index in range(200):
                assert (await ws.receive_bytes())[:4] == index.to_bytes(4, "big")


async def test_concurrent_sessions() -> None:
    async with client() as c, leak_check():

        async def talk(name: str) -> None:
            async with c.websocket("/echo") as ws:
                for index in range(10):
                    await ws.send_text(f"{name}{index}")
                    assert await ws.receive_text() == f"{name}{index}"

        async with anyio.create_task_group() as group:
            for name in "abc":
                group.start_soon(talk, name)


async def test_plain_upgrade_request_stays_http() -> None:
    # Only a WebSocket session gets the websocket scope: a request that merely carries
    # the headers is an http request, as before.
    async with client() as c:
        response = await c.get("/", headers={"Upgrade": "websocket", "Connection": "Upgrade"})
    assert response.status_code == 200
    assert response.text == "Hello, world!"
