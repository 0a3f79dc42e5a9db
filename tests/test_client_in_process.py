"""The in-process transports used from their client kind, as users write it."""

from __future__ import annotations

import typing

import pytest
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse
from starlette.routing import Route

import httpx


def wsgi_app(environ: dict[str, typing.Any], start_response: typing.Any) -> list[bytes]:
    body = environ["wsgi.input"].read()
    text = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']} {body.decode()}"
    cookie = environ.get("HTTP_COOKIE", "")
    start_response(
        "200 OK", [("Content-Type", "text/plain"), ("Set-Cookie", "visited=yes; Path=/")]
    )
    return [text.encode(), f" cookie={cookie}".encode()]


def test_wsgi_transport_from_client() -> None:
    with httpx.Client(
        transport=httpx.WSGITransport(app=wsgi_app), base_url="http://app"
    ) as client:
        response = client.post("/submit", content=b"data")
        assert response.text == "POST /submit data cookie="
        assert client.get("/again").text == "GET /again  cookie=visited=yes"


async def homepage(request: StarletteRequest) -> JSONResponse:
    return JSONResponse(
        {
            "path": request.url.path,
            "client": list(request.client) if request.client else None,
            "body": (await request.body()).decode(),
        }
    )


starlette_app = Starlette(routes=[Route("/{path:path}", homepage, methods=["GET", "POST"])])


@pytest.mark.anyio
async def test_asgi_transport_from_async_client() -> None:
    transport = httpx.ASGITransport(app=starlette_app, client=("1.2.3.4", 123))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post("/items/1", json={"a": 1})
        assert response.json() == {
            "path": "/items/1",
            "client": ["1.2.3.4", 123],
            "body": '{"a":1}',
        }


def test_transport_kind_mismatch_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="ASGITransport cannot be used with Client"):
        httpx.Client(transport=httpx.ASGITransport(app=starlette_app))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="WSGITransport cannot be used with AsyncClient"):
        httpx.AsyncClient(mounts={"all://": httpx.WSGITransport(app=wsgi_app)})  # type: ignore[dict-item]


def test_mock_transport_both_kinds() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"method": request.method, "body": request.content.decode()}
        )

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        assert client.put("https://x.test/", content=b"1").json() == {"method": "PUT", "body": "1"}


class RecordingAuth(httpx.Auth):
    """Overrides the sync and async flows separately, as auth with I/O does."""

    def __init__(self) -> None:
        self.used: list[str] = []

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> typing.Generator[httpx.Request, httpx.Response, None]:
        self.used.append("sync")
        request.headers["X-Token"] = "sync-token"
        yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> typing.AsyncGenerator[httpx.Request, httpx.Response]:
        self.used.append("async")
        request.headers["X-Token"] = "async-token"
        yield request


def echo_token(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, text=request.headers.get("X-Token", ""))


async def async_echo_token(request: httpx.Request) -> httpx.Response:
    return echo_token(request)


@pytest.mark.anyio
async def test_auth_flow_overrides_are_used_by_their_client_kind() -> None:
    auth = RecordingAuth()
    with httpx.Client(transport=httpx.MockTransport(echo_token), auth=auth) as client:
        assert client.get("https://x.test/").text == "sync-token"
    async with httpx.AsyncClient(transport=httpx.MockTransport(async_echo_token)) as aclient:
        assert (await aclient.get("https://x.test/", auth=auth)).text == "async-token"
    assert auth.used == ["sync", "async"]
