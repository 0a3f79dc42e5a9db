"""`ASGITransport`: send requests straight into an ASGI 3 application, in-process.

Choices, and why:

- The app runs to completion inside `handle_async_request`, and the response body is
  buffered, as httpx 0.28 does. Returning early with a live body stream would need a task
  group that outlives the call, entered and exited from different places; under trio (and
  anyio cancel scopes generally) that is not safe when the caller nests other scopes in
  between. Known limitation: a response that never ends (an endless server-sent events
  stream) never returns; put a timeout around such calls.
- The request body streams to the app through ``receive()`` as it asks for it, with no
  up-front copy, in httpx's messages: each chunk of the request stream with
  ``more_body=True``, then an empty one with ``more_body=False``. Once the body is
  complete, ``receive()`` waits until the response is complete and then reports
  ``http.disconnect``, as a real server would when the client goes away.
- The scope is httpx's: ``server`` is the URL's host and port (None when the URL has
  none), ``root_path`` is the transport's, ``path`` the whole path.
- Like a real server we send a HEAD response with no body (RFC 9110 section 9.3.2).
- The app's errors: see `ASGITransport`. An app is never left waiting on us: we answer
  every ``receive()`` as soon as there is something to answer.
- A WebSocket handshake from `AsyncClient.websocket()` runs the app's ``websocket``
  scope instead, in the session's task group: see asgi_websocket.py.
"""

from __future__ import annotations

import typing
from collections.abc import AsyncIterable, AsyncIterator, MutableMapping

import anyio

from .._models import Request, Response
from .._types import AsyncByteStream
from .asgi_websocket import handle_websocket, is_websocket_request
from .base import AsyncBaseTransport

__all__ = ["ASGIResponseStream", "ASGITransport"]

_Message = MutableMapping[str, typing.Any]
_Receive = typing.Callable[[], typing.Awaitable[_Message]]
_Send = typing.Callable[[MutableMapping[str, typing.Any]], typing.Awaitable[None]]
_ASGIApp = typing.Callable[
    [MutableMapping[str, typing.Any], _Receive, _Send], typing.Awaitable[None]
]


class ASGIResponseStream(AsyncByteStream):
    """The buffered response body, yielded in the chunks the app sent."""

    def __init__(self, body: list[bytes]) -> None:
        self._body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._body:
            yield chunk


def _as_bytes(value: object, what: str, *, allow_str: bool = False) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if allow_str and isinstance(value, str):
        # The ASGI spec asks for bytes headers; servers (uvicorn via h11) accept str too.
        return value.encode("latin-1")
    raise TypeError(f"ASGI app sent a {type(value).__name__!r} {what}: expected bytes.")


class _Exchange:
    """One request/response exchange with the app: its ``receive`` and ``send``."""

    def __init__(self, request: Request) -> None:
        stream = request.stream
        if not isinstance(stream, AsyncIterable):
            raise RuntimeError(
                "ASGITransport is async, but the request body is a sync-only stream: "
                "send it with an async request body."
            )
        self._body_chunks: AsyncIterator[bytes] = stream.__aiter__()
        self._body_complete = False
        self._is_head = request.method == "HEAD"
        # Set when the request stream itself failed: a client-side error, re-raised as
        # such rather than as an error of the app that saw it.
        self.body_error: Exception | None = None

        self.status_code: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.response_complete = anyio.Event()

    async def receive(self) -> _Message:
        if not self._body_complete:
            return await self._next_request_message()
        # ASGI: with the request body consumed, receive() blocks until the client goes
        # away. Our client goes away once it has the whole response.
        await self.response_complete.wait()
        return {"type": "http.disconnect"}

    async def _next_request_message(self) -> _Message:
        # As httpx does: each chunk of the request stream as it comes (more_body=True),
        # then an empty last message. (No read-ahead: an app gets each chunk as soon as
        # the stream produces it.)
        try:
            chunk = await self._body_chunks.__anext__()
        except StopAsyncIteration:
            self._body_complete = True
            return {"type": "http.request", "body": b"", "more_body": False}
        except Exception as exc:
            self.body_error = exc
            raise
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(self, message: MutableMapping[str, typing.Any]) -> None:
        message_type = message.get("type")
        if message_type == "http.response.start":
            if self.status_code is not None:
                raise RuntimeError("ASGI app sent 'http.response.start' twice.")
            status = message.get("status")
            if not isinstance(status, int) or not 100 <= status <= 999:
                raise RuntimeError(
                    f"ASGI app sent an invalid status {status!r}: expected an int such as 200."
                )
            self.headers = [
                (
                    _as_bytes(name, "header name", allow_str=True),
                    _as_bytes(value, "header value", allow_str=True),
                )
                for name, value in message.get("headers", ())
            ]
            self.status_code = status
        elif message_type == "http.response.body":
            if self.status_code is None:
                raise RuntimeError(
                    "ASGI app sent 'http.response.body' before 'http.response.start'."
                )
            if self.response_complete.is_set():
                raise RuntimeError(
                    "ASGI app sent 'http.response.body' after the response was complete "
                    "(a previous body message had more_body=False)."
                )
            body = _as_bytes(message.get("body", b""), "response body")
            if body and not self._is_head:
                self.body.append(body)
            if not message.get("more_body", False):
                self.response_complete.set()
        else:
            raise RuntimeError(
                f"ASGI app sent an unexpected message type {message_type!r}: expected "
                "'http.response.start' or 'http.response.body'."
            )

    async def aclose(self) -> None:
        aclose = getattr(self._body_chunks, "aclose", None)
        if aclose is not None:
            await aclose()


class ASGITransport(AsyncBaseTransport):
    """A transport that calls an ASGI 3 app directly, with no network in between.

    ```python
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        ...
    ```

    WebSocket sessions opened with `AsyncClient.websocket()` run the app's
    ``websocket`` scope, in-process too.

    With ``raise_app_exceptions=True`` (the default) an error of the app propagates to
    the caller. With ``False`` the caller gets what a server would send: a ``500``
    response if the app failed before starting its response, else what it had sent.
    An app that returns without sending a response is an error of the app too.
    """

    def __init__(
        self,
        app: _ASGIApp,
        raise_app_exceptions: bool = True,
        root_path: str = "",
        client: tuple[str, int] = ("127.0.0.1", 123),
    ) -> None:
        self.app = app
        self.raise_app_exceptions = raise_app_exceptions
        self.root_path = root_path
        self.client = client

    async def handle_async_request(self, request: Request) -> Response:
        if is_websocket_request(request):
            # From `AsyncClient.websocket()`: the app's websocket scope (asgi_websocket.py).
            return await handle_websocket(self, request)
        scope = self._build_scope(request)
        exchange = _Exchange(request)
        try:
            await self.app(scope, exchange.receive, exchange.send)
            if exchange.status_code is None:
                raise RuntimeError("ASGI app returned without sending a response.")
            if not exchange.response_complete.is_set():
                raise RuntimeError(
                    "ASGI app returned without completing its response body (its last "
                    "'http.response.body' message had more_body=True)."
                )
        except Exception:
            if exchange.body_error is not None:
                raise exchange.body_error from None
            if self.raise_app_exceptions:
                raise
        finally:
            # Release anything the app might still be waiting on, then the body stream.
            exchange.response_complete.set()
            await exchange.aclose()

        if exchange.status_code is None:
            # Only reached when not raising: the app failed before starting a response.
            return Response(500, headers=[])
        return Response(
            exchange.status_code,
            headers=exchange.headers,
            stream=ASGIResponseStream(exchange.body),
        )

    def _build_scope(self, request: Request) -> dict[str, typing.Any]:
        url = request.url
        raw_path = url.raw_path.partition(b"?")[0]
        return {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            # ASGI: header names are lower-cased bytes; order and repeats are kept.
            "headers": [(name.lower(), value) for name, value in request.headers.raw],
            "scheme": url.scheme,
            "path": url.path,
            "raw_path": raw_path,
            "query_string": url.query,
            # (As httpx does: the port is None when the URL has none.)
            "server": (url.host, url.port),
            "client": tuple(self.client),
            "root_path": self.root_path,
        }


# `httpx.ASGITransport` as users see it (in reprs and tracebacks), however it was imported:
# `import httpx` loads this module on first use (httpx/__init__.py `_LAZY`).
ASGITransport.__module__ = "httpx"
