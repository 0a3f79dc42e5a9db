"""A tiny web application to try httpx on, with no network and no framework.

The same routes are served two ways: `app` speaks ASGI and `wsgi_app` speaks WSGI, so
both of httpx's in-process transports (and the command line's `--app`) can be tried:

    .venv/bin/httpx --app examples.hello_app:app http://testserver/
    .venv/bin/httpx --app examples.hello_app:wsgi_app /html

`python -m examples.hello_app [PORT]` serves `wsgi_app` over real HTTP on 127.0.0.1
(with the standard library's wsgiref), for trying the client against a socket.

Routes: `/` (JSON), `/html`, `/text`, `/xml`, `/echo` (the request, as JSON; any method),
`/bytes/N` (N bytes of binary data), `/status/N` (an empty response with that status).
"""

from __future__ import annotations

import http
import json
import sys
import typing
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from urllib.parse import parse_qsl
from wsgiref.simple_server import make_server

if typing.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

Headers = list[tuple[str, str]]
Reply = tuple[int, Headers, bytes]
Message = MutableMapping[str, typing.Any]

MAX_BYTES = 10_000_000
ROUTES = ["/", "/html", "/text", "/xml", "/echo", "/bytes/16", "/status/404"]

HTML = """<!DOCTYPE html>
<html>
  <head><title>Hello</title></head>
  <body><h1>Hello, world!</h1><p>Served by <code>examples.hello_app</code>.</p></body>
</html>
"""

XML = """<?xml version="1.0" encoding="UTF-8"?>
<greeting lang="en">
  <text>Hello, world!</text>
</greeting>
"""


def _body(content: bytes, content_type: str, status: int = 200) -> Reply:
    headers = [("content-type", content_type), ("content-length", str(len(content)))]
    return status, headers, content


def _json(data: object, status: int = 200) -> Reply:
    return _body(json.dumps(data).encode(), "application/json", status)


def respond(method: str, path: str, query: str, headers: Headers, body: bytes) -> Reply:
    """The response to one request: the routes, shared by the ASGI and WSGI apps."""
    if path == "/":
        return _json({"hello": "world", "routes": ROUTES})
    if path == "/html":
        return _body(HTML.encode(), "text/html; charset=utf-8")
    if path == "/text":
        return _body(b"Hello, world!\n", "text/plain; charset=utf-8")
    if path == "/xml":
        return _body(XML.encode(), "application/xml")
    if path == "/echo":
        return _json(
            {
                "method": method,
                "path": path,
                "query": dict(parse_qsl(query)),
                "headers": dict(headers),
                "body": body.decode("utf-8", "replace"),
            }
        )
    kind, _, number = path[1:].partition("/")
    if kind in ("bytes", "status") and number.isdigit():
        n = int(number)
        if kind == "bytes" and n <= MAX_BYTES:
            return _body(bytes(i % 256 for i in range(n)), "application/octet-stream")
        if kind == "status" and 200 <= n <= 599:
            return n, [("content-length", "0")], b""
    return _json({"error": "not found", "path": path}, status=404)


# --- ASGI ------------------------------------------------------------------------------


async def app(
    scope: Message,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    """The routes as an ASGI 3 application."""
    if scope["type"] == "lifespan":  # servers such as uvicorn ask first; nothing to set up
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b""
    more_body = True
    while more_body:
        message = await receive()
        body += message.get("body", b"")
        more_body = message.get("more_body", False)
    headers = [
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]
    ]
    status, response_headers, content = respond(
        scope["method"], scope["path"], scope["query_string"].decode("latin-1"), headers, body
    )
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(name.encode(), value.encode()) for name, value in response_headers],
        }
    )
    await send({"type": "http.response.body", "body": content})


# --- WSGI ------------------------------------------------------------------------------


def wsgi_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """The routes as a WSGI application."""
    length = environ.get("CONTENT_LENGTH") or "0"
    body = environ["wsgi.input"].read(int(length)) if length.isdigit() else b""
    headers = [
        (key[5:].replace("_", "-").lower(), value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    ]
    if environ.get("CONTENT_TYPE"):
        headers.append(("content-type", environ["CONTENT_TYPE"]))
    status, response_headers, content = respond(
        environ["REQUEST_METHOD"],
        environ.get("PATH_INFO") or "/",
        environ.get("QUERY_STRING", ""),
        headers,
        body,
    )
    start_response(f"{status} {http.HTTPStatus(status).phrase}", response_headers)
    return [content]


def serve(port: int) -> None:
    """Serve `wsgi_app` on 127.0.0.1 until Ctrl-C (stdlib only: no server to install)."""
    with make_server("127.0.0.1", port, wsgi_app) as server:
        print(f"Serving on http://127.0.0.1:{server.server_port}/ (Ctrl-C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    serve(int(sys.argv[1]) if len(sys.argv) > 1 else 8000)
