"""The httpbin-style application the documentation's examples talk to.

Every example in docs/ sends its requests to `http://127.0.0.1:8000` (or, for TLS and
HTTP/2, to `https://localhost:8443`): start both with

    .venv/bin/python -m examples.serve

and paste the examples into `.venv/bin/python`. The routes are those of the test suite's
server (tests/servers/app.py), which tests/project/test_docs.py serves to run every
example: so the application the docs are checked against is exactly the one users start. The main
ones: `/json`, `/echo` (the request as JSON, any method), `/echo_headers`, `/echo_body`,
`/status/{code}`, `/redirect/{n}`, `/redirect_to?url=...`, `/cookies`, `/cookies/set`,
`/basic-auth/{user}/{passwd}`, `/digest-auth/{qop}/{user}/{passwd}/{algorithm}`,
`/gzip`, `/brotli`, `/zstd`, `/stream/{n}`, `/bytes/{n}`, `/slow_body`, `/slow_headers`,
`/encoding/{charset}`, `/response_headers?name=value`, `/upload` (multipart),
`/sse/ticks?n=...`, `/sse/chat`, `/sse/resume` (server-sent events). WebSocket
routes (tests/servers/websocket.py): `ws://127.0.0.1:8000/echo`, `/subprotocol`,
`/handshake`, `/close/{code}`, `/reject`, `/send-many`.

It needs the development environment (`scripts/install`): the suite's server code, and
brotli and zstandard to serve the compressed routes.
"""

from __future__ import annotations

from tests.servers.app import Receive, Scope, Send
from tests.servers.app import app as http_app
from tests.servers.websocket import websocket_app

__all__ = ["app"]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """The HTTP routes, and the WebSocket routes for `websocket` scopes."""
    if scope["type"] == "websocket":
        await websocket_app(scope, receive, send)
    else:
        await http_app(scope, receive, send)
