"""pytest_httpx (installed with --no-deps) patches our transports' handle_request."""

import pytest
from pytest_httpx import HTTPXMock

import httpx


def test_sync(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url="https://example.org/a", json={"ok": True})
    with httpx.Client() as client:
        assert client.get("https://example.org/a").json() == {"ok": True}
    assert httpx_mock.get_request().url == "https://example.org/a"


@pytest.mark.anyio
async def test_async(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", url="https://example.org/b", text="done")
    async with httpx.AsyncClient() as client:
        response = await client.post("https://example.org/b", content=b"x")
    assert response.text == "done"
    assert httpx_mock.get_request().content == b"x"


def test_exception(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("slow"))
    with pytest.raises(httpx.ReadTimeout):
        httpx.get("https://example.org/")
