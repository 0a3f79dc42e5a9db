"""The public extension points that libraries built on httpx plug into: Auth subclasses
(httpx-auth, authlib), wrapping transports (httpx-retries, hishel, httpx-aiohttp), custom
byte streams and event hooks (the SDKs). The private names they also touch are in
test_private_contract.py."""

from __future__ import annotations

import json
import typing

import pytest

import httpx


def echo(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "method": request.method,
            "url": str(request.url),
            "authorization": request.headers.get("authorization"),
            "body": request.content.decode(),
        },
    )


class TokenRefreshAuth(httpx.Auth):
    """authlib-style: send the token, refresh it on 401 and retry once; needs the
    response body to read the error and the request body to replay it."""

    requires_request_body = True
    requires_response_body = True

    def __init__(self) -> None:
        self.token = "expired"
        self.refreshes = 0

    def auth_flow(
        self, request: httpx.Request
    ) -> typing.Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        response = yield request
        if response.status_code == 401 and response.json()["error"] == "token_expired":
            refresh = yield httpx.Request("POST", "https://auth.example/token")
            self.token = refresh.json()["access_token"]
            self.refreshes += 1
            request.headers["Authorization"] = f"Bearer {self.token}"
            yield request


def token_server(request: httpx.Request) -> httpx.Response:
    if request.url.host == "auth.example":
        return httpx.Response(200, json={"access_token": "fresh"})
    if request.headers["authorization"] != "Bearer fresh":
        return httpx.Response(401, json={"error": "token_expired"})
    return echo(request)


def test_auth_subclass_refreshes_and_replays_sync() -> None:
    auth = TokenRefreshAuth()
    with httpx.Client(transport=httpx.MockTransport(token_server), auth=auth) as client:
        response = client.post("https://api.example/items", content=b"payload")
    assert response.json()["body"] == "payload"
    assert response.json()["authorization"] == "Bearer fresh"
    assert [r.status_code for r in response.history] == [401, 200]
    assert auth.refreshes == 1


@pytest.mark.anyio
async def test_auth_subclass_refreshes_and_replays_async() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return token_server(request)

    auth = TokenRefreshAuth()
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        response = await client.post("https://api.example/items", json={"a": 1}, auth=auth)
    assert json.loads(response.json()["body"]) == {"a": 1}
    assert auth.refreshes == 1


class RetryTransport(httpx.BaseTransport):
    """httpx-retries-style: wraps another transport, retries 503s and connect errors."""

    def __init__(self, wrapped: httpx.BaseTransport, retries: int) -> None:
        self.wrapped = wrapped
        self.retries = retries
        self.closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for _ in range(self.retries):
            try:
                response = self.wrapped.handle_request(request)
            except httpx.ConnectError:
                continue
            if response.status_code != 503:
                return response
            response.close()
        return self.wrapped.handle_request(request)

    def close(self) -> None:
        self.closed = True
        self.wrapped.close()


def test_wrapping_transport_retries() -> None:
    attempts: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) == 1:
            raise httpx.ConnectError("first connection refused", request=request)
        if len(attempts) == 2:
            return httpx.Response(503)
        return echo(request)

    transport = RetryTransport(httpx.MockTransport(flaky), retries=3)
    with httpx.Client(transport=transport) as client:
        assert client.put("https://example.org/", content=b"again").json()["body"] == "again"
    assert len(attempts) == 3
    assert transport.closed


def test_wrapping_our_http_transport_against_a_real_server(server: typing.Any) -> None:
    transport = RetryTransport(httpx.HTTPTransport(), retries=2)
    with httpx.Client(transport=transport, base_url=server.url) as client:
        assert client.get("/echo_method").text == "GET"


class CountingStream(httpx.SyncByteStream):
    """A request body of our own that reports upload progress."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.sent = 0

    def __iter__(self) -> typing.Iterator[bytes]:
        for chunk in self.chunks:
            self.sent += len(chunk)
            yield chunk


def test_custom_request_stream_against_a_real_server(server: typing.Any) -> None:
    body = CountingStream([b"one ", b"two ", b"three"])
    with httpx.Client() as client:
        request = client.build_request("POST", server.url_for("/echo_body"), content=body)
        assert request.headers["transfer-encoding"] == "chunked"
        response = client.send(request)
    assert response.content == b"one two three"
    assert body.sent == len(b"one two three")


@pytest.mark.anyio
async def test_async_generator_request_body(server: typing.Any) -> None:
    async def body() -> typing.AsyncIterator[bytes]:
        yield b"a" * 10
        yield b"b" * 10

    async with httpx.AsyncClient() as client:
        response = await client.post(server.url_for("/echo_body"), content=body())
    assert response.content == b"a" * 10 + b"b" * 10


def test_event_hooks_read_and_raise() -> None:
    seen: list[str] = []

    def log_request(request: httpx.Request) -> None:
        seen.append(f"> {request.method} {request.url.path}")

    def check_response(response: httpx.Response) -> None:
        response.read()  # hooks may read the body before raising
        seen.append(f"< {response.status_code} {response.text}")
        response.raise_for_status()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404 if request.url.path == "/missing" else 200, text="body")

    hooks: dict[str, list[typing.Callable[..., typing.Any]]] = {
        "request": [log_request],
        "response": [check_response],
    }
    with httpx.Client(transport=httpx.MockTransport(handler), event_hooks=hooks) as client:
        client.get("https://example.org/found")
        with pytest.raises(httpx.HTTPStatusError) as error:
            client.get("https://example.org/missing")
    assert error.value.response.status_code == 404
    assert seen == ["> GET /found", "< 200 body", "> GET /missing", "< 404 body"]


def test_mounts_route_to_custom_transports() -> None:
    def named(name: str) -> httpx.MockTransport:
        return httpx.MockTransport(lambda request: httpx.Response(200, text=name))

    mounts = {
        "all://": named("default mount"),
        "https://internal.example": named("internal"),
        "all://*.cdn.example": named("cdn"),
        "http://": None,  # None: the client's own transport
    }
    with httpx.Client(mounts=mounts, transport=named("client transport")) as client:
        assert client.get("https://internal.example/x").text == "internal"
        assert client.get("https://img.cdn.example/a.png").text == "cdn"
        assert client.get("https://example.org/").text == "default mount"
        assert client.get("http://example.org/").text == "client transport"
