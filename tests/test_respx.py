"""respx (installed with --no-deps) intercepts our clients, both ways it can mock."""

from __future__ import annotations

import pytest
import respx

import httpx


def test_respx_default_mocker_patches_httpcore_sync() -> None:
    with respx.mock(assert_all_called=True) as mock:
        route = mock.get("https://example.org/users").mock(
            return_value=httpx.Response(200, json={"id": 1})
        )
        with httpx.Client() as client:
            response = client.get("https://example.org/users")
        assert response.json() == {"id": 1}
        assert route.called
        assert route.calls.last.request.url == "https://example.org/users"


@pytest.mark.anyio
async def test_respx_default_mocker_patches_httpcore_async() -> None:
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post("https://example.org/items").mock(
            return_value=httpx.Response(201, text="created")
        )
        async with httpx.AsyncClient() as client:
            response = await client.post("https://example.org/items", json={"a": 1})
        assert response.status_code == 201 and response.text == "created"
        assert route.calls.last.request.content == b'{"a":1}'


def test_respx_httpx_mocker_sync() -> None:
    with respx.mock(using="httpx", assert_all_called=True) as mock:
        mock.get("https://example.org/").respond(204)
        with httpx.Client() as client:
            assert client.get("https://example.org/").status_code == 204


@pytest.mark.anyio
async def test_respx_httpx_mocker_async() -> None:
    with respx.mock(using="httpx", assert_all_called=True) as mock:
        mock.get("https://example.org/", params={"q": "x"}).respond(200, json=[1, 2])
        async with httpx.AsyncClient() as client:
            response = await client.get("https://example.org/", params={"q": "x"})
        assert response.json() == [1, 2]


def test_respx_through_proxy_transport() -> None:
    # The proxy transport's pool is httpcore's HTTPProxy: respx patches it too.
    with respx.mock(assert_all_called=True) as mock:
        mock.get("http://example.org/").respond(200, text="via proxy pool")
        with httpx.Client(proxy="http://127.0.0.1:1") as client:
            assert client.get("http://example.org/").text == "via proxy pool"


def test_respx_decorator_and_side_effect() -> None:
    @respx.mock
    def call() -> httpx.Response:
        respx.get("https://example.org/boom").mock(side_effect=httpx.ConnectError)
        return httpx.get("https://example.org/boom")

    with pytest.raises(httpx.ConnectError):
        call()
