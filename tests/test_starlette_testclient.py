"""Starlette's TestClient is built on our Client (it calls `_merge_url`, uses transports)."""

from __future__ import annotations

import warnings

from starlette.applications import Starlette
from starlette.exceptions import StarletteDeprecationWarning
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Route

with warnings.catch_warnings():
    # Starlette >= 1.x prefers the `httpx2` package and warns when it falls back to
    # `httpx`: the fallback (us) is exactly what this test exercises.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient


async def homepage(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"hello {request.query_params.get('name', 'world')}")


async def echo(request: Request) -> JSONResponse:
    return JSONResponse(
        {"body": (await request.body()).decode(), "cookie": request.cookies.get("c")}
    )


async def go_home(request: Request) -> RedirectResponse:
    return RedirectResponse("/")


app = Starlette(
    routes=[
        Route("/", homepage),
        Route("/echo", echo, methods=["POST"]),
        Route("/redirect", go_home),
    ]
)


def test_starlette_testclient() -> None:
    with TestClient(app, base_url="http://testserver/") as client:
        assert client.get("/", params={"name": "you"}).text == "hello you"
        client.cookies.set("c", "v")
        response = client.post("/echo", content=b"data")
        assert response.json() == {"body": "data", "cookie": "v"}
        response = client.get("/redirect")
        assert response.url == "http://testserver/"
        assert response.history[0].status_code == 307
