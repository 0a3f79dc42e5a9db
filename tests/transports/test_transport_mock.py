"""MockTransport: sync and async handlers, called directly through the transport API."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator

import pytest

from httpx._exceptions import ConnectError
from httpx._models import Request, Response
from httpx._transports.base import AsyncBaseTransport, BaseTransport
from httpx._transports.mock import MockTransport


def echo(request: Request) -> Response:
    return Response(
        200,
        json={
            "method": request.method,
            "url": str(request.url),
            "body": request.content.decode(),
        },
    )


async def async_echo(request: Request) -> Response:
    return echo(request)


def test_is_both_a_sync_and_an_async_transport() -> None:
    transport = MockTransport(echo)
    assert isinstance(transport, BaseTransport)
    assert isinstance(transport, AsyncBaseTransport)
    assert [base.__name__ for base in MockTransport.__bases__] == [
        "AsyncBaseTransport",
        "BaseTransport",
    ]


def test_sync_handler_from_sync_path() -> None:
    transport = MockTransport(echo)
    request = Request("POST", "https://example.org/a?b=c", content=b"hello")
    response = transport.handle_request(request)
    assert response.status_code == 200
    assert response.json() == {
        "method": "POST",
        "url": "https://example.org/a?b=c",
        "body": "hello",
    }


def test_streaming_request_body_is_read_before_the_handler_runs() -> None:
    def body() -> Iterator[bytes]:
        yield b"str"
        yield b"eamed"

    transport = MockTransport(echo)
    request = Request("PUT", "https://example.org/", content=body())
    response = transport.handle_request(request)
    assert response.json()["body"] == "streamed"
    assert request.content == b"streamed"


def test_handler_exceptions_propagate_unchanged() -> None:
    def handler(request: Request) -> Response:
        raise ConnectError("refused", request=request)

    request = Request("GET", "https://example.org/")
    with pytest.raises(ConnectError, match="refused") as info:
        MockTransport(handler).handle_request(request)
    assert info.value.request is request


def test_async_handler_from_sync_path_is_a_clear_type_error() -> None:
    transport = MockTransport(async_echo)
    request = Request("GET", "https://example.org/")
    with pytest.raises(TypeError, match="async handler.*sync Client"):
        transport.handle_request(request)
    # The coroutine was closed, not left to warn "never awaited" (an error here).
    gc.collect()


def test_sync_handler_returning_a_non_response_is_a_type_error() -> None:
    # Deliberately the wrong handler type: the runtime check is what is tested.
    transport = MockTransport(lambda request: "OK")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must return an httpx.Response.*'str'"):
        transport.handle_request(Request("GET", "https://example.org/"))


def test_context_manager() -> None:
    with MockTransport(echo) as transport:
        response = transport.handle_request(Request("GET", "https://example.org/"))
    assert response.status_code == 200


@pytest.mark.anyio
async def test_sync_handler_from_async_path() -> None:
    transport = MockTransport(echo)
    request = Request("POST", "https://example.org/", content=b"data")
    response = await transport.handle_async_request(request)
    assert response.json()["body"] == "data"


@pytest.mark.anyio
async def test_async_handler_from_async_path() -> None:
    transport = MockTransport(async_echo)
    request = Request("DELETE", "https://example.org/x")
    response = await transport.handle_async_request(request)
    assert response.json()["method"] == "DELETE"


@pytest.mark.anyio
async def test_async_streaming_request_body_is_read_first() -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b"a"
        yield b"b"

    transport = MockTransport(async_echo)
    request = Request("POST", "https://example.org/", content=body())
    response = await transport.handle_async_request(request)
    assert response.json()["body"] == "ab"


@pytest.mark.anyio
async def test_async_handler_returning_a_non_response_is_a_type_error() -> None:
    async def handler(request: Request) -> Response:
        return None  # type: ignore[return-value]

    transport = MockTransport(handler)
    with pytest.raises(TypeError, match="must return an httpx.Response.*'NoneType'"):
        await transport.handle_async_request(Request("GET", "https://example.org/"))


@pytest.mark.anyio
async def test_async_context_manager_and_streamed_response() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"one "
        yield b"two"

    async def handler(request: Request) -> Response:
        return Response(200, content=chunks())

    async with MockTransport(handler) as transport:
        response = await transport.handle_async_request(Request("GET", "https://example.org/"))
        assert [chunk async for chunk in response.aiter_raw()] == [b"one ", b"two"]
