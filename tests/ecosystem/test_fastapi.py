"""FastAPI (installed with --no-deps) tested the two ways its docs teach: the TestClient
(Starlette's, a subclass of our Client) and `AsyncClient(transport=ASGITransport(app))`."""

from __future__ import annotations

import contextlib
import typing

import pytest
from fastapi import (
    BackgroundTasks,
    Cookie,
    Depends,
    FastAPI,
    File,
    Form,
    Header,
    HTTPException,
    UploadFile,
    WebSocket,
)
from fastapi.responses import RedirectResponse, StreamingResponse
from pydantic import BaseModel

import httpx
from tests.ecosystem.compat import FastAPITestClient, TestClient

LOG: list[str] = []


class ItemIn(BaseModel):
    name: str
    price: float
    tags: list[str] = []


class ItemOut(BaseModel):
    id: int
    name: str
    price_with_tax: float


def current_user(authorization: typing.Annotated[str | None, Header()] = None) -> str:
    if authorization != "Bearer good-token":
        raise HTTPException(401, "bad token", headers={"WWW-Authenticate": "Bearer"})
    return "alice"


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> typing.AsyncIterator[None]:
    LOG.append("startup")
    yield
    LOG.append("shutdown")


app = FastAPI(lifespan=lifespan)


@app.get("/items/{item_id}")
async def read_item(item_id: int, q: str | None = None, limit: int = 10) -> dict[str, typing.Any]:
    return {"item_id": item_id, "q": q, "limit": limit}


@app.post("/items", response_model=ItemOut, status_code=201)
async def create_item(
    item: ItemIn, user: typing.Annotated[str, Depends(current_user)]
) -> dict[str, typing.Any]:
    # response_model drops the fields ItemOut does not declare.
    return {"id": 1, "name": item.name, "price_with_tax": item.price * 1.2, "owner": user}


@app.post("/upload")
async def upload(
    title: typing.Annotated[str, Form()],
    files: typing.Annotated[list[UploadFile], File()],
) -> dict[str, typing.Any]:
    return {
        "title": title,
        "files": [
            {"name": f.filename, "type": f.content_type, "size": len(await f.read())}
            for f in files
        ],
    }


@app.get("/whoami")
async def whoami(
    session: typing.Annotated[str | None, Cookie()] = None,
    x_request_id: typing.Annotated[str | None, Header()] = None,
) -> dict[str, str | None]:
    return {"session": session, "request_id": x_request_id}


@app.get("/old")
async def old() -> RedirectResponse:
    return RedirectResponse("/items/5?q=moved", status_code=301)


@app.get("/numbers")
async def numbers() -> StreamingResponse:
    async def generate() -> typing.AsyncIterator[bytes]:
        for number in range(3):
            yield f'{{"n": {number}}}\n'.encode()

    return StreamingResponse(generate(), media_type="application/x-ndjson")


@app.post("/notify")
async def notify(background: BackgroundTasks) -> dict[str, bool]:
    background.add_task(LOG.append, "notified")
    return {"queued": True}


@app.get("/crash")
async def crash() -> None:
    raise ZeroDivisionError("handler crashed")


@app.websocket("/ws/{room}")
async def chat(websocket: WebSocket, room: str) -> None:
    await websocket.accept()
    async for text in websocket.iter_text():
        await websocket.send_json({"room": room, "said": text})


AUTH = {"Authorization": "Bearer good-token"}


@pytest.fixture
def client() -> typing.Iterator[TestClient]:
    LOG.clear()
    with TestClient(app) as test_client:
        yield test_client


def test_fastapi_reexports_the_starlette_testclient() -> None:
    assert FastAPITestClient is TestClient
    assert issubclass(TestClient, httpx.Client)


def test_lifespan(client: TestClient) -> None:
    assert LOG == ["startup"]


def test_path_and_query_parameters_and_validation(client: TestClient) -> None:
    assert client.get("/items/3", params={"q": "x"}).json() == {
        "item_id": 3,
        "q": "x",
        "limit": 10,
    }
    response = client.get("/items/not-a-number", params={"limit": "many"})
    assert response.status_code == 422
    errors = {tuple(error["loc"]) for error in response.json()["detail"]}
    assert errors == {("path", "item_id"), ("query", "limit")}


def test_json_body_dependency_and_response_model(client: TestClient) -> None:
    response = client.post("/items", json={"name": "pen", "price": 10}, headers=AUTH)
    assert response.status_code == 201
    assert response.json() == {"id": 1, "name": "pen", "price_with_tax": 12.0}

    refused = client.post("/items", json={"name": "pen", "price": 10})
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.json() == {"detail": "bad token"}

    invalid = client.post("/items", json={"name": "pen"}, headers=AUTH)
    assert invalid.status_code == 422
    assert invalid.json()["detail"][0]["loc"] == ["body", "price"]


def test_dependency_overrides(client: TestClient) -> None:
    app.dependency_overrides[current_user] = lambda: "overridden"
    try:
        response = client.post("/items", json={"name": "a", "price": 1})
    finally:
        app.dependency_overrides.clear()
    assert response.status_code == 201


def test_form_and_files(client: TestClient) -> None:
    response = client.post(
        "/upload",
        data={"title": "two files"},
        files=[
            ("files", ("a.txt", b"aaa", "text/plain")),
            ("files", ("b.bin", b"\x00" * 1024, "application/octet-stream")),
        ],
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "title": "two files",
        "files": [
            {"name": "a.txt", "type": "text/plain", "size": 3},
            {"name": "b.bin", "type": "application/octet-stream", "size": 1024},
        ],
    }


def test_cookies_and_headers(client: TestClient) -> None:
    client.cookies.set("session", "s-1")
    response = client.get("/whoami", headers={"X-Request-ID": "r-9"})
    assert response.json() == {"session": "s-1", "request_id": "r-9"}


def test_redirect_followed_and_not(client: TestClient) -> None:
    response = client.get("/old")
    assert response.json() == {"item_id": 5, "q": "moved", "limit": 10}
    assert [r.status_code for r in response.history] == [301]
    assert client.get("/old", follow_redirects=False).status_code == 301


def test_streaming(client: TestClient) -> None:
    with client.stream("GET", "/numbers") as response:
        assert response.headers["content-type"] == "application/x-ndjson"
        assert [line for line in response.iter_lines()] == ['{"n": 0}', '{"n": 1}', '{"n": 2}']


def test_background_tasks(client: TestClient) -> None:
    assert client.post("/notify").json() == {"queued": True}
    assert LOG[-1] == "notified"


def test_websocket(client: TestClient) -> None:
    with client.websocket_connect("/ws/lobby") as websocket:
        websocket.send_text("hi")
        assert websocket.receive_json() == {"room": "lobby", "said": "hi"}
        websocket.send_text("bye")
        assert websocket.receive_json() == {"room": "lobby", "said": "bye"}


def test_exceptions_raised_or_turned_into_500() -> None:
    with TestClient(app) as client:
        with pytest.raises(ZeroDivisionError, match="handler crashed"):
            client.get("/crash")
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/crash")
        assert response.status_code == 500


def test_openapi_schema(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert set(schema["paths"]) >= {"/items/{item_id}", "/items", "/upload"}
    assert client.get("/docs").headers["content-type"].startswith("text/html")


@pytest.mark.anyio
async def test_async_client_over_asgi_transport() -> None:
    # FastAPI's documented async testing recipe.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/items", json={"name": "cup", "price": 5}, headers=AUTH)
        assert response.status_code == 201
        assert response.json()["price_with_tax"] == 6.0
        upload = await client.post(
            "/upload", data={"title": "t"}, files={"files": ("f.txt", b"12345")}
        )
        assert upload.json()["files"] == [{"name": "f.txt", "type": "text/plain", "size": 5}]
        async with client.stream("GET", "/numbers") as streamed:
            assert [line async for line in streamed.aiter_lines()] == [
                '{"n": 0}',
                '{"n": 1}',
                '{"n": 2}',
            ]
        with pytest.raises(ZeroDivisionError):
            await client.get("/crash")
