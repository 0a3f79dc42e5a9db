"""The private extension points that libraries built on httpx rely on."""

from __future__ import annotations

import typing

import pytest

import httpx
from httpx._client import USE_CLIENT_DEFAULT, ClientState, UseClientDefault


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, text=f"{request.method} {request.url}")


class CachingClient(httpx.Client):
    """Like hishel: overrides the transport factories with httpx 0.28's keywords."""

    seen: list[dict[str, typing.Any]]

    def _init_transport(  # type: ignore[override]
        self,
        verify: typing.Any = True,
        cert: typing.Any = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = httpx.Limits(),
        transport: httpx.BaseTransport | None = None,
    ) -> httpx.BaseTransport:
        type(self).seen.append({"kind": "default", "http2": http2})
        return httpx.MockTransport(ok)

    def _init_proxy_transport(  # type: ignore[override]
        self,
        proxy: httpx.Proxy,
        verify: typing.Any = True,
        cert: typing.Any = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = httpx.Limits(),
    ) -> httpx.BaseTransport:
        type(self).seen.append({"kind": "proxy", "url": str(proxy.url)})
        return httpx.MockTransport(lambda request: httpx.Response(200, text="proxied"))


def test_transport_factories_can_be_overridden() -> None:
    CachingClient.seen = []
    with CachingClient(http2=True, proxy="http://proxy.example:3128") as client:
        assert client.get("https://example.org/").text == "proxied"
    assert CachingClient.seen == [
        {"kind": "default", "http2": True},
        {"kind": "proxy", "url": "http://proxy.example:3128"},
    ]


def test_transport_for_url_is_consulted_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    # respx's "httpx" mocker patches Client._transport_for_url.
    calls: list[str] = []
    original = httpx.Client._transport_for_url

    def spy(self: httpx.Client, url: httpx.URL) -> httpx.BaseTransport:
        calls.append(str(url))
        return typing.cast(httpx.BaseTransport, original(self, url))

    monkeypatch.setattr(httpx.Client, "_transport_for_url", spy)
    with httpx.Client(transport=httpx.MockTransport(ok)) as client:
        client.get("https://example.org/a")
        client.get("https://example.org/b")
    assert calls == ["https://example.org/a", "https://example.org/b"]


def test_handle_request_class_attribute_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    # pytest_httpx patches HTTPTransport.handle_request on the class.
    def fake(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="patched")

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", fake)
    assert httpx.get("https://example.invalid/").text == "patched"


@pytest.mark.anyio
async def test_handle_async_request_class_attribute_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def fake(self: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="patched")

    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", fake)
    async with httpx.AsyncClient() as client:
        assert (await client.get("https://example.invalid/")).text == "patched"


def test_merge_url_joins_base_url_paths() -> None:
    # Starlette's TestClient calls _merge_url.
    client = httpx.Client(base_url="https://api.example.org/v1")
    assert client._merge_url("/users") == "https://api.example.org/v1/users"
    assert client._merge_url("users?x=1") == "https://api.example.org/v1/users?x=1"
    assert client._merge_url("https://other.org/x") == "https://other.org/x"
    assert client.base_url == "https://api.example.org/v1/"


def test_sentinels_and_state() -> None:
    assert isinstance(USE_CLIENT_DEFAULT, UseClientDefault)
    assert repr(USE_CLIENT_DEFAULT) == "<httpx._client.UseClientDefault>"
    client = httpx.Client()
    assert client._state is ClientState.UNOPENED
    client.close()
    assert client._state is ClientState.CLOSED


def test_transport_exceptions_pass_through_unchanged() -> None:
    class Boom(Exception):
        pass

    def handler(request: httpx.Request) -> httpx.Response:
        raise Boom("from the transport")

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(Boom, match="from the transport"):
            client.get("https://example.org/")


def test_response_del_content_restreams() -> None:
    response = httpx.Response(200, content=b"abc")
    del response._content
    with pytest.raises(httpx.ResponseNotRead):
        response.content
