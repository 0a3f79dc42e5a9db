"""Starlette's TestClient is a subclass of our Client: it calls `_merge_url`, uses
`httpx._client.USE_CLIENT_DEFAULT` as default argument values and `httpx._types` aliases
in its annotations (both evaluated when starlette.testclient is imported), sends through
its own `BaseTransport`, and sets attributes of its own on our Response objects."""

from __future__ import annotations

import contextlib
import typing
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import (
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route, WebSocketRoute
from starlette.templating import Jinja2Templates
from starlette.websockets import WebSocket, WebSocketDisconnect

import httpx
from tests.ecosystem.compat import TestClient

EVENTS: list[str] = []


async def homepage(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"hello {request.query_params.get('name', 'world')}")


async def echo(request: Request) -> JSONResponse:
    return JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "root_path": request.scope.get("root_path"),
            "query": request.url.query,
            "body": (await request.body()).decode(),
            "content_type": request.headers.get("content-type"),
            "user_agent": request.headers.get("user-agent"),
            "host": request.headers.get("host"),
            "cookies": request.cookies,
            "client": list(request.client or ()),
        }
    )


async def json_endpoint(request: Request) -> JSONResponse:
    payload = await request.json()
    return JSONResponse({"received": payload, "keys": sorted(payload)}, status_code=201)


async def form_endpoint(request: Request) -> JSONResponse:
    async with request.form() as form:
        fields: dict[str, typing.Any] = {}
        for key, value in form.multi_items():
            if isinstance(value, str):
                fields.setdefault(key, []).append(value)
            else:
                fields.setdefault(key, []).append(
                    {
                        "filename": value.filename,
                        "content_type": value.content_type,
                        "content": (await value.read()).decode(),
                    }
                )
    return JSONResponse(fields)


async def set_cookie(request: Request) -> Response:
    response = PlainTextResponse("cookie set")
    response.set_cookie("session", "abc123", path="/")
    response.set_cookie("theme", "dark", path="/")
    return response


async def delete_cookie(request: Request) -> Response:
    response = PlainTextResponse("cookie deleted")
    response.delete_cookie("session", path="/")
    return response


async def redirect(request: Request) -> RedirectResponse:
    return RedirectResponse(
        request.query_params.get("to", "/"),
        status_code=int(request.query_params.get("status", "307")),
    )


async def stream(request: Request) -> StreamingResponse:
    async def numbers() -> typing.AsyncIterator[bytes]:
        for number in range(5):
            yield f"{number}\n".encode()

    return StreamingResponse(numbers(), media_type="text/plain")


async def with_background(request: Request) -> PlainTextResponse:
    return PlainTextResponse("sent", background=BackgroundTask(EVENTS.append, "background ran"))


async def boom(request: Request) -> Response:
    raise LookupError("the app failed")


async def websocket_echo(websocket: WebSocket) -> None:
    await websocket.accept(subprotocol="chat")
    await websocket.send_json(
        {"hello": websocket.query_params.get("who"), "cookie": websocket.cookies.get("session")}
    )
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            EVENTS.append(f"websocket closed {message.get('code')}")
            return
        if message.get("text") == "close":
            await websocket.close(code=4001, reason="asked to")
            return
        if message.get("bytes") is not None:
            await websocket.send_bytes(message["bytes"][::-1])
        else:
            await websocket.send_text(f"echo: {message['text']}")


async def websocket_reject(websocket: WebSocket) -> None:
    await websocket.close(code=1008)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> typing.AsyncIterator[None]:
    EVENTS.append("startup")
    yield
    EVENTS.append("shutdown")


def make_templates(tmp_path: Path) -> Jinja2Templates:
    (tmp_path / "page.html").write_text("<h1>{{ title }}</h1>")
    return Jinja2Templates(directory=str(tmp_path))


app = Starlette(
    routes=[
        Route("/", homepage),
        Route("/echo", echo, methods=["GET", "POST", "PUT", "DELETE"]),
        Route("/json", json_endpoint, methods=["POST"]),
        Route("/form", form_endpoint, methods=["POST"]),
        Route("/cookies/set", set_cookie),
        Route("/cookies/delete", delete_cookie),
        Route("/redirect", redirect, methods=["GET", "POST"]),
        Route("/stream", stream),
        Route("/background", with_background),
        Route("/boom", boom),
        WebSocketRoute("/ws", websocket_echo),
        WebSocketRoute("/ws-reject", websocket_reject),
    ],
    lifespan=lifespan,
)


@pytest.fixture(params=["asyncio", "trio"])
def client(request: pytest.FixtureRequest) -> typing.Iterator[TestClient]:
    """A TestClient whose app runs on asyncio, then on trio."""
    EVENTS.clear()
    with TestClient(app, backend=request.param) as test_client:
        yield test_client


def test_is_our_client_and_runs_the_lifespan() -> None:
    EVENTS.clear()
    with TestClient(app) as client:
        assert isinstance(client, httpx.Client)
        assert EVENTS == ["startup"]
    assert EVENTS == ["startup", "shutdown"]


def test_requests_params_and_headers(client: TestClient) -> None:
    assert client.get("/", params={"name": "you"}).text == "hello you"
    echoed = client.put(
        "/echo?a=1&b=2", content=b"data", headers={"Content-Type": "text/plain"}
    ).json()
    assert echoed["method"] == "PUT"
    assert echoed["query"] == "a=1&b=2"
    assert echoed["body"] == "data"
    assert echoed["content_type"] == "text/plain"
    assert echoed["user_agent"] == "testclient"
    assert echoed["host"] == "testserver"
    assert echoed["client"] == ["testclient", 50000]
    response = client.delete("/echo")
    assert response.status_code == 200 and response.request.method == "DELETE"
    assert response.url == "http://testserver/echo"


def test_json(client: TestClient) -> None:
    response = client.post("/json", json={"b": [1, 2], "a": {"nested": None}})
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "received": {"b": [1, 2], "a": {"nested": None}},
        "keys": ["a", "b"],
    }


def test_urlencoded_form(client: TestClient) -> None:
    response = client.post("/form", data={"name": "Ada Lovelace", "tags": ["x", "y"]})
    assert response.json() == {"name": ["Ada Lovelace"], "tags": ["x", "y"]}


def test_file_upload(client: TestClient, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"line 1\nline 2\n")
    with path.open("rb") as handle:
        response = client.post(
            "/form",
            data={"title": "my notes"},
            files=[
                ("upload", handle),
                ("upload", ("data.json", b'{"k": 1}', "application/json")),
            ],
        )
    assert response.json() == {
        "title": ["my notes"],
        "upload": [
            {"filename": "notes.txt", "content_type": "text/plain", "content": "line 1\nline 2\n"},
            {"filename": "data.json", "content_type": "application/json", "content": '{"k": 1}'},
        ],
    }


def test_cookies_persist_and_are_deleted(client: TestClient) -> None:
    response = client.get("/cookies/set")
    assert response.cookies["session"] == "abc123"
    assert client.cookies["session"] == "abc123"
    assert client.get("/echo").json()["cookies"] == {"session": "abc123", "theme": "dark"}
    client.get("/cookies/delete")
    assert "session" not in client.cookies
    assert client.get("/echo").json()["cookies"] == {"theme": "dark"}


def test_cookies_given_to_the_constructor() -> None:
    with TestClient(app, cookies={"session": "from-init"}) as client:
        assert client.get("/echo").json()["cookies"] == {"session": "from-init"}


def test_redirects(client: TestClient) -> None:
    response = client.post("/redirect?to=/echo&status=303", content=b"dropped")
    assert response.url == "http://testserver/echo"
    assert response.json()["method"] == "GET" and response.json()["body"] == ""
    assert [r.status_code for r in response.history] == [303]

    response = client.post("/redirect?to=/echo&status=307", content=b"kept")
    assert response.json()["method"] == "POST" and response.json()["body"] == "kept"

    response = client.get("/redirect?to=/", follow_redirects=False)
    assert response.status_code == 307 and response.is_redirect
    assert response.headers["location"] == "/"
    assert response.next_request is not None
    assert response.next_request.url == "http://testserver/"


def test_redirects_off_by_default_when_asked() -> None:
    with TestClient(app, follow_redirects=False) as client:
        assert client.get("/redirect").status_code == 307


def test_streaming_response(client: TestClient) -> None:
    with client.stream("GET", "/stream") as response:
        assert response.status_code == 200
        assert list(response.iter_lines()) == ["0", "1", "2", "3", "4"]


def test_background_task_ran(client: TestClient) -> None:
    assert client.get("/background").text == "sent"
    assert "background ran" in EVENTS


def test_base_url_and_root_path() -> None:
    with TestClient(app, base_url="https://api.example.org/v1", root_path="/v1") as client:
        echoed = client.get("/echo").json()
        assert client.base_url == "https://api.example.org/v1/"
        assert echoed["path"] == "/v1/echo" and echoed["root_path"] == "/v1"
        assert echoed["host"] == "api.example.org"
        # An absolute URL is not joined to the base URL.
        assert client.get("http://elsewhere.test/").text == "hello world"


def test_websocket_session(client: TestClient) -> None:
    client.cookies.set("session", "ws-cookie")
    with client.websocket_connect("/ws?who=tester", subprotocols=["chat"]) as websocket:
        assert websocket.accepted_subprotocol == "chat"
        assert websocket.receive_json() == {"hello": "tester", "cookie": "ws-cookie"}
        websocket.send_text("ping")
        assert websocket.receive_text() == "echo: ping"
        websocket.send_bytes(b"\x01\x02\x03")
        assert websocket.receive_bytes() == b"\x03\x02\x01"
        websocket.send_json({"as": "text"})
        assert websocket.receive_text() == 'echo: {"as":"text"}'
    assert "websocket closed 1000" in EVENTS


def test_websocket_closed_by_the_server(client: TestClient) -> None:
    with client.websocket_connect("/ws") as websocket:
        websocket.receive_json()
        websocket.send_text("close")
        with pytest.raises(WebSocketDisconnect) as closed:
            websocket.receive_text()
    assert closed.value.code == 4001 and closed.value.reason == "asked to"
    with pytest.raises(WebSocketDisconnect) as rejected:
        with client.websocket_connect("/ws-reject"):
            pass
    assert rejected.value.code == 1008


def test_server_exception_raised_into_the_test(client: TestClient) -> None:
    with pytest.raises(LookupError, match="the app failed"):
        client.get("/boom")


def test_server_exception_as_500_when_not_raised() -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"


def test_template_attributes_set_on_our_response(tmp_path: Path) -> None:
    templates = make_templates(tmp_path)

    async def page(request: Request) -> Response:
        return templates.TemplateResponse(request, "page.html", {"title": "Hi"})

    with TestClient(Starlette(routes=[Route("/page", page)])) as client:
        response = client.get("/page")
    assert response.text == "<h1>Hi</h1>"
    assert response.template.name == "page.html"  # type: ignore[attr-defined]
    assert response.context["title"] == "Hi"  # type: ignore[attr-defined]


def test_use_client_default_sentinel_identity(client: TestClient) -> None:
    # TestClient.request defaults `timeout` to httpx._client.USE_CLIENT_DEFAULT and warns
    # when `timeout is not httpx.USE_CLIENT_DEFAULT`: both names must be one object, and
    # our verb methods must pass the sentinel through untouched.
    response = client.get("/echo", auth=("user", "pw"), follow_redirects=False)
    assert response.status_code == 200
    assert response.request.headers["authorization"] == "Basic dXNlcjpwdw=="
    with pytest.warns(DeprecationWarning, match="'timeout' argument"):
        client.get("/echo", timeout=5)
