"""ASGITransport against real ASGI apps (pure ASGI and Starlette), on asyncio and trio."""

from __future__ import annotations

import json
import typing
from collections.abc import AsyncIterator, Iterator, MutableMapping
from urllib.parse import parse_qsl

import anyio
import pytest
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse, PlainTextResponse, StreamingResponse
from starlette.responses import Response as StarletteResponse
from starlette.routing import Route

from httpx._models import Request, Response
from httpx._transports.asgi import ASGITransport

pytestmark = pytest.mark.anyio

Scope = MutableMapping[str, typing.Any]
Message = MutableMapping[str, typing.Any]
Receive = typing.Callable[[], typing.Awaitable[Message]]
Send = typing.Callable[[Message], typing.Awaitable[None]]


async def send_text(send: Send, text: str, status: int = 200) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def scope_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with the scope as JSON (bytes shown as latin-1 text)."""

    def plain(value: typing.Any) -> typing.Any:
        if isinstance(value, bytes):
            return value.decode("latin-1")
        if isinstance(value, (list, tuple)):
            return [plain(item) for item in value]
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        return value

    await send_text(send, json.dumps(plain(dict(scope))))


async def get_scope(request: Request, **kwargs: typing.Any) -> dict[str, typing.Any]:
    response = await ASGITransport(scope_app, **kwargs).handle_async_request(request)
    assert response.status_code == 200
    result: dict[str, typing.Any] = json.loads(await response.aread())
    return result


def recording_app(messages: list[Message]) -> typing.Any:
    """Reads the whole request body, recording every message received, then answers."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            messages.append(dict(message))
            if not message.get("more_body", False):
                break
        body = b"".join(message.get("body", b"") for message in messages)
        await send_text(send, body.decode())

    return app


async def async_chunks(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


# --- scope -------------------------------------------------------------------------------


async def test_scope() -> None:
    request = Request(
        "POST",
        "https://example.org/caf%C3%A9/x%2Fy?a=1&b=%C3%A9",
        headers=[("X-Custom", "one"), ("X-Custom", "two")],
        content=b"",
    )
    scope = await get_scope(request)
    assert scope["type"] == "http"
    assert scope["asgi"] == {"version": "3.0"}
    assert scope["http_version"] == "1.1"
    assert scope["method"] == "POST"
    assert scope["scheme"] == "https"
    assert scope["path"] == "/café/x/y"
    assert scope["raw_path"] == "/caf%C3%A9/x%2Fy"
    assert scope["query_string"] == "a=1&b=%C3%A9"
    # As httpx: the port of the URL, None when it has none.
    assert scope["server"] == ["example.org", None]
    assert scope["client"] == ["127.0.0.1", 123]
    assert scope["root_path"] == ""
    headers = scope["headers"]
    assert ["x-custom", "one"] in headers and ["x-custom", "two"] in headers
    assert ["host", "example.org"] in headers
    assert all(name == name.lower() for name, _ in headers)


async def test_scope_options() -> None:
    request = Request("GET", "http://example.org:8080/api/items")
    scope = await get_scope(request, root_path="/api", client=("10.0.0.7", 4567))
    assert scope["server"] == ["example.org", 8080]
    assert scope["client"] == ["10.0.0.7", 4567]
    assert scope["root_path"] == "/api"
    assert scope["path"] == "/api/items"

    scope = await get_scope(Request("GET", "http://example.org/"))
    assert scope["server"] == ["example.org", None]


async def test_scope_headers_are_raw_bytes() -> None:
    seen: list[list[tuple[bytes, bytes]]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["headers"])
        await send_text(send, "")

    request = Request("GET", "http://example.org/", headers={"X-Caps": "Value"})
    await ASGITransport(app).handle_async_request(request)
    assert (b"x-caps", b"Value") in seen[0]
    assert all(isinstance(n, bytes) and isinstance(v, bytes) for n, v in seen[0])


# --- request bodies ----------------------------------------------------------------------


# The request body arrives as httpx sends it: each chunk of the request stream with
# more_body=True, then an empty last message with more_body=False.


async def test_empty_body_is_an_empty_chunk_then_the_final_message() -> None:
    messages: list[Message] = []
    response = await ASGITransport(recording_app(messages)).handle_async_request(
        Request("GET", "http://example.org/")
    )
    assert await response.aread() == b""
    assert messages == [
        {"type": "http.request", "body": b"", "more_body": True},
        {"type": "http.request", "body": b"", "more_body": False},
    ]


async def test_stream_without_chunks_is_one_final_message() -> None:
    messages: list[Message] = []
    response = await ASGITransport(recording_app(messages)).handle_async_request(
        Request("POST", "http://example.org/", content=async_chunks())
    )
    assert await response.aread() == b""
    assert messages == [{"type": "http.request", "body": b"", "more_body": False}]


async def test_bytes_body_then_a_final_message() -> None:
    messages: list[Message] = []
    request = Request("POST", "http://example.org/", content=b"hello")
    response = await ASGITransport(recording_app(messages)).handle_async_request(request)
    assert await response.aread() == b"hello"
    assert messages == [
        {"type": "http.request", "body": b"hello", "more_body": True},
        {"type": "http.request", "body": b"", "more_body": False},
    ]


async def test_streamed_body_arrives_chunk_by_chunk() -> None:
    messages: list[Message] = []
    request = Request("POST", "http://example.org/", content=async_chunks(b"ab", b"cd", b"e"))
    response = await ASGITransport(recording_app(messages)).handle_async_request(request)
    assert await response.aread() == b"abcde"
    assert [(m["body"], m["more_body"]) for m in messages] == [
        (b"ab", True),
        (b"cd", True),
        (b"e", True),
        (b"", False),
    ]


async def test_body_is_pulled_only_as_the_app_asks() -> None:
    events: list[str] = []

    async def body() -> AsyncIterator[bytes]:
        for chunk in (b"1", b"2", b"3"):
            events.append(f"chunk {chunk.decode()}")
            yield chunk

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        events.append("app start")
        message = await receive()
        events.append(f"received {message['body'].decode()}")
        await send_text(send, "partial read")

    request = Request("POST", "http://example.org/", content=body())
    response = await ASGITransport(app).handle_async_request(request)
    assert await response.aread() == b"partial read"
    # No look-ahead: a chunk is pulled when the app asks for it.
    assert events == ["app start", "chunk 1", "received 1"]


async def test_disconnect_after_the_response_is_complete() -> None:
    received: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        received.append(await receive())
        await send_text(send, "done")
        # A real server reports the client going away; we must not hang here.
        received.append(await receive())
        received.append(await receive())

    with anyio.fail_after(5):
        response = await ASGITransport(app).handle_async_request(
            Request("POST", "http://example.org/", content=b"x")
        )
    assert await response.aread() == b"done"
    # (The body's last, empty message first, as in httpx.)
    assert [(message["type"], message.get("more_body")) for message in received] == [
        ("http.request", True),
        ("http.request", False),
        ("http.disconnect", None),
    ]


async def test_app_waiting_for_disconnect_while_streaming_completes() -> None:
    """The pattern of Starlette's StreamingResponse: a task waits on receive()."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        disconnected = anyio.Event()

        async def wait_for_disconnect() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            disconnected.set()

        async with anyio.create_task_group() as tg:
            tg.start_soon(wait_for_disconnect)
            await send({"type": "http.response.start", "status": 200, "headers": []})
            for part in (b"a", b"b", b"c"):
                await send({"type": "http.response.body", "body": part, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        assert disconnected.is_set()

    with anyio.fail_after(5):
        response = await ASGITransport(app).handle_async_request(
            Request("GET", "http://example.org/")
        )
    assert [chunk async for chunk in response.aiter_raw()] == [b"a", b"b", b"c"]


async def test_sync_only_request_body_is_a_clear_error() -> None:
    request = Request("POST", "http://example.org/", content=iter([b"sync"]))
    with pytest.raises(RuntimeError, match="sync-only stream"):
        await ASGITransport(scope_app).handle_async_request(request)


async def test_request_stream_errors_are_the_clients_not_the_apps() -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b"abc"
        raise OSError("disk gone")

    messages: list[Message] = []
    transport = ASGITransport(recording_app(messages), raise_app_exceptions=False)
    with pytest.raises(OSError, match="disk gone"):
        await transport.handle_async_request(
            Request("POST", "http://example.org/", content=body())
        )


# --- responses ---------------------------------------------------------------------------


async def test_status_headers_and_chunks() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 404,
                "headers": [(b"set-cookie", b"a=1"), (b"set-cookie", b"b=2"), ("x-str", "ok")],
            }
        )
        await send({"type": "http.response.body", "body": b"not ", "more_body": True})
        await send({"type": "http.response.body", "body": b"found", "more_body": False})

    response = await ASGITransport(app).handle_async_request(Request("GET", "http://example.org/"))
    assert isinstance(response, Response)
    assert response.status_code == 404
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert response.headers["x-str"] == "ok"
    assert [chunk async for chunk in response.aiter_raw()] == [b"not ", b"found"]


async def test_head_response_has_no_body() -> None:
    response = await ASGITransport(scope_app).handle_async_request(
        Request("HEAD", "http://example.org/")
    )
    assert response.status_code == 200
    assert int(response.headers["content-length"]) > 0
    assert await response.aread() == b""


async def test_body_message_without_body_key() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 204})
        await send({"type": "http.response.body"})

    response = await ASGITransport(app).handle_async_request(Request("GET", "http://example.org/"))
    assert response.status_code == 204
    assert await response.aread() == b""


# --- errors ------------------------------------------------------------------------------


async def raise_before_start(scope: Scope, receive: Receive, send: Send) -> None:
    raise ValueError("early failure")


async def raise_after_start(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"partial", "more_body": True})
    raise ValueError("late failure")


async def no_response(scope: Scope, receive: Receive, send: Send) -> None:
    await receive()


async def incomplete_body(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"cut", "more_body": True})


async def test_exception_before_start_propagates() -> None:
    with pytest.raises(ValueError, match="early failure"):
        await ASGITransport(raise_before_start).handle_async_request(
            Request("GET", "http://example.org/")
        )


async def test_exception_before_start_is_500_when_not_raising() -> None:
    transport = ASGITransport(raise_before_start, raise_app_exceptions=False)
    response = await transport.handle_async_request(Request("GET", "http://example.org/"))
    assert response.status_code == 500
    assert await response.aread() == b""


async def test_exception_after_start_propagates() -> None:
    with pytest.raises(ValueError, match="late failure"):
        await ASGITransport(raise_after_start).handle_async_request(
            Request("GET", "http://example.org/")
        )


async def test_exception_after_start_returns_what_was_sent_when_not_raising() -> None:
    transport = ASGITransport(raise_after_start, raise_app_exceptions=False)
    response = await transport.handle_async_request(Request("GET", "http://example.org/"))
    assert response.status_code == 200
    assert await response.aread() == b"partial"


async def test_app_returning_without_a_response() -> None:
    with anyio.fail_after(5):
        with pytest.raises(RuntimeError, match="without sending a response"):
            await ASGITransport(no_response).handle_async_request(
                Request("GET", "http://example.org/")
            )
        transport = ASGITransport(no_response, raise_app_exceptions=False)
        response = await transport.handle_async_request(Request("GET", "http://example.org/"))
    assert response.status_code == 500


async def test_app_returning_with_an_incomplete_body() -> None:
    with pytest.raises(RuntimeError, match="without completing its response body"):
        await ASGITransport(incomplete_body).handle_async_request(
            Request("GET", "http://example.org/")
        )
    transport = ASGITransport(incomplete_body, raise_app_exceptions=False)
    response = await transport.handle_async_request(Request("GET", "http://example.org/"))
    assert response.status_code == 200
    assert await response.aread() == b"cut"


def bad_messages_app(*messages: Message) -> typing.Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in messages:
            await send(message)

    return app


START: Message = {"type": "http.response.start", "status": 200, "headers": []}
BODY: Message = {"type": "http.response.body", "body": b"x"}


@pytest.mark.parametrize(
    ("messages", "error", "match"),
    [
        ([BODY], RuntimeError, "before 'http.response.start'"),
        ([START, START], RuntimeError, "'http.response.start' twice"),
        ([START, BODY, BODY], RuntimeError, "after the response was complete"),
        ([{"type": "websocket.send"}], RuntimeError, "unexpected message type 'websocket.send'"),
        ([{"type": "http.response.start", "status": "200"}], RuntimeError, "invalid status '200'"),
        (
            [START, {"type": "http.response.body", "body": "text"}],
            TypeError,
            "'str' response body",
        ),
        (
            [{"type": "http.response.start", "status": 200, "headers": [(1, b"x")]}],
            TypeError,
            "'int' header name",
        ),
    ],
)
async def test_protocol_violations(
    messages: list[Message], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        await ASGITransport(bad_messages_app(*messages)).handle_async_request(
            Request("GET", "http://example.org/")
        )


async def test_cancellation_passes_through_even_when_not_raising() -> None:
    started = anyio.Event()

    async def sleepy_app(scope: Scope, receive: Receive, send: Send) -> None:
        started.set()
        await anyio.sleep_forever()

    transport = ASGITransport(sleepy_app, raise_app_exceptions=False)
    with anyio.move_on_after(0.05) as scope:
        await transport.handle_async_request(Request("GET", "http://example.org/"))
    assert scope.cancelled_caught
    assert started.is_set()


# --- Starlette ---------------------------------------------------------------------------

background_log: list[str] = []


async def user(request: StarletteRequest) -> JSONResponse:
    return JSONResponse(
        {
            "id": request.path_params["user_id"],
            "query": dict(request.query_params),
            "url": str(request.url),
            "client": request.client.host if request.client else None,
        }
    )


async def echo_json(request: StarletteRequest) -> JSONResponse:
    payload = await request.json()
    return JSONResponse({"received": payload}, status_code=201)


async def echo_form(request: StarletteRequest) -> JSONResponse:
    # Parsed by hand: Starlette's request.form() needs python-multipart, not installed.
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    return JSONResponse(dict(parse_qsl((await request.body()).decode())))


async def stream(request: StarletteRequest) -> StreamingResponse:
    async def numbers() -> AsyncIterator[bytes]:
        for number in range(5):
            await anyio.sleep(0)
            yield f"{number}\n".encode()

    return StreamingResponse(numbers(), media_type="text/plain")


def sync_stream(request: StarletteRequest) -> StreamingResponse:
    def letters() -> Iterator[str]:
        yield from "abc"

    return StreamingResponse(letters(), media_type="text/plain")


async def boom(request: StarletteRequest) -> StarletteResponse:
    raise ValueError("starlette endpoint failed")


async def teapot(request: StarletteRequest) -> StarletteResponse:
    raise HTTPException(status_code=418, detail="short and stout")


async def with_background(request: StarletteRequest) -> PlainTextResponse:
    def record() -> None:
        background_log.append("ran")

    return PlainTextResponse("queued", background=BackgroundTask(record))


starlette_app = Starlette(
    routes=[
        Route("/users/{user_id:int}", user),
        Route("/json", echo_json, methods=["POST"]),
        Route("/form", echo_form, methods=["POST"]),
        Route("/stream", stream),
        Route("/sync-stream", sync_stream),
        Route("/boom", boom),
        Route("/teapot", teapot),
        Route("/background", with_background),
    ]
)


async def starlette_request(
    method: str, path: str, transport: ASGITransport | None = None, **kwargs: typing.Any
) -> Response:
    transport = transport or ASGITransport(starlette_app)
    with anyio.fail_after(10):
        response = await transport.handle_async_request(
            Request(method, "http://testserver" + path, **kwargs)
        )
        await response.aread()
    return response


async def test_starlette_route_with_params() -> None:
    response = await starlette_request("GET", "/users/42?verbose=yes")
    assert response.status_code == 200
    assert response.json() == {
        "id": 42,
        "query": {"verbose": "yes"},
        "url": "http://testserver/users/42?verbose=yes",
        "client": "127.0.0.1",
    }


async def test_starlette_root_path() -> None:
    transport = ASGITransport(starlette_app, root_path="/api")
    response = await starlette_request("GET", "/api/users/7", transport=transport)
    assert response.status_code == 200
    assert response.json()["id"] == 7


async def test_starlette_json_body() -> None:
    response = await starlette_request("POST", "/json", json={"name": "Ada", "tags": [1, 2]})
    assert response.status_code == 201
    assert response.json() == {"received": {"name": "Ada", "tags": [1, 2]}}


async def test_starlette_streamed_json_body() -> None:
    response = await starlette_request(
        "POST", "/json", content=async_chunks(b'{"spl', b'it": ', b"true}")
    )
    assert response.json() == {"received": {"split": True}}


async def test_starlette_form_body() -> None:
    response = await starlette_request("POST", "/form", data={"a": "1", "b": "two words"})
    assert response.json() == {"a": "1", "b": "two words"}


async def test_starlette_streaming_responses() -> None:
    response = await starlette_request("GET", "/stream")
    assert response.status_code == 200
    assert response.text == "0\n1\n2\n3\n4\n"

    response = await starlette_request("GET", "/sync-stream")
    assert response.text == "abc"


async def test_starlette_not_found_and_http_exception() -> None:
    response = await starlette_request("GET", "/nowhere")
    assert response.status_code == 404

    response = await starlette_request("GET", "/teapot")
    assert response.status_code == 418
    assert response.text == "short and stout"


async def test_starlette_unhandled_exception() -> None:
    with pytest.raises(ValueError, match="starlette endpoint failed"):
        await starlette_request("GET", "/boom")

    # Starlette sends its own 500 page and then re-raises: the error comes after the
    # response started, so we return what it sent.
    transport = ASGITransport(starlette_app, raise_app_exceptions=False)
    response = await starlette_request("GET", "/boom", transport=transport)
    assert response.status_code == 500
    assert response.text == "Internal Server Error"


async def test_starlette_background_task_runs_before_we_return() -> None:
    background_log.clear()
    response = await starlette_request("GET", "/background")
    assert response.text == "queued"
    assert background_log == ["ran"]
