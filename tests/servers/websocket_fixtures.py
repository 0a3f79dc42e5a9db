"""Session-scoped fixtures for the WebSocket test servers (tests/servers/websocket.py).

tests/conftest.py pulls them in with `from tests.servers.websocket_fixtures import *`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers.fixtures import TLSFiles, _trusting_context
from tests.servers.run import HypercornServer
from tests.servers.websocket import (
    ScriptedWebSocketServer,
    WebSocketUvicornServer,
    websocket_app,
)

__all__ = ["scripted_ws_server", "websocket_server", "websocket_tls_server"]


@pytest.fixture(scope="session")
def websocket_server() -> Iterator[WebSocketUvicornServer]:
    """uvicorn with WebSockets (wsproto), serving tests.servers.websocket.websocket_app;
    .url "http://127.0.0.1:PORT/", .ws_url "ws://127.0.0.1:PORT/"."""
    running = WebSocketUvicornServer().start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def websocket_tls_server(tls_files: TLSFiles) -> Iterator[HypercornServer]:
    """hypercorn over TLS (ALPN h2 + http/1.1) serving the same app; .url is
    "https://localhost:PORT/" (trust the test CA)."""
    running = HypercornServer(
        tls_files.server_cert,
        tls_files.server_key,
        _trusting_context(tls_files.ca_cert),
        app=websocket_app,
    ).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def scripted_ws_server() -> Iterator[ScriptedWebSocketServer]:
    """The scripted raw WebSocket server (hostile and edge cases), one route per path."""
    running = ScriptedWebSocketServer().start()
    yield running
    running.stop()
