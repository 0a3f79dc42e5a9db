"""pytest_httpx (installed with --no-deps): its `httpx_mock` fixture patches
`HTTPTransport.handle_request` / `AsyncHTTPTransport.handle_async_request` on the class,
subclasses our `httpx._content` streams, rebuilds multipart bodies with
`httpx._multipart.MultipartStream`, re-streams responses with `del response._content`, and
reads the proxy URL from `transport._pool` (an `httpcore.HTTPProxy`)."""

from __future__ import annotations

import re
import typing

import pytest
from pytest_httpx import HTTPXMock, IteratorStream

import httpx


def test_add_response_matching_url_method_headers_json(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url="https://example.org/items?page=2",
        method="POST",
        match_headers={"X-Token": "secret"},
        match_json={"name": "Ada"},
        status_code=201,
        json={"id": 7},
        headers={"Location": "/items/7"},
    )
    httpx_mock.add_response(url=re.compile(r"https://example\.org/items/\d+"), text="item")
    with httpx.Client(headers={"X-Token": "secret"}) as client:
        response = client.post("https://example.org/items?page=2", json={"name": "Ada"})
        assert response.status_code == 201
        assert response.json() == {"id": 7}
        assert response.headers["location"] == "/items/7"
        assert client.get("https://example.org/items/7").text == "item"

    assert len(httpx_mock.get_requests()) == 2
    (post,) = httpx_mock.get_requests(method="POST")
    assert post.content == b'{"name":"Ada"}'
    assert post.headers["content-type"] == "application/json"
    got = httpx_mock.get_request(url=re.compile(r".*/items/\d+"))
    assert got is not None and got.method == "GET"


def test_match_params_content_and_extensions(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url="https://example.org/search", match_params={"q": "a b", "n": ["1", "2"]}, text="p"
    )
    httpx_mock.add_response(match_content=b"raw bytes", text="c")
    httpx_mock.add_response(
        match_extensions={"timeout": {"connect": 1.0, "read": 2.0, "write": 3.0, "pool": 4.0}},
        text="e",
    )
    with httpx.Client() as client:
        assert client.get("https://example.org/search?q=a+b&n=1&n=2").text == "p"
        assert client.put("https://example.org/upload", content=b"raw bytes").text == "c"
        timeout = httpx.Timeout(connect=1.0, read=2.0, write=3.0, pool=4.0)
        assert client.get("https://example.org/x", timeout=timeout).text == "e"


def test_match_multipart_files_rebuilt_with_our_multipart_stream(httpx_mock: HTTPXMock) -> None:
    # pytest_httpx finds our boundary in the body (it must be lowercase hex) and encodes
    # the expected form again with httpx._multipart.MultipartStream: both must agree byte
    # for byte.
    files = {"upload": ("report.txt", b"file content", "text/plain")}
    data = {"field": "value"}
    httpx_mock.add_response(match_files=files, match_data=data, text="multipart matched")
    with httpx.Client() as client:
        response = client.post("https://example.org/form", data=data, files=files)
    assert response.text == "multipart matched"


def test_add_callback_sync(httpx_mock: HTTPXMock) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"echo": request.url.params["say"], "body": request.content.decode()}
        )

    httpx_mock.add_callback(
        reply, url=re.compile(r"https://example\.org/echo.*"), is_reusable=True
    )
    with httpx.Client() as client:
        first = client.post("https://example.org/echo?say=hi", content=b"one")
        second = client.post("https://example.org/echo?say=yo", content=b"two")
    assert first.json() == {"echo": "hi", "body": "one"}
    assert second.json() == {"echo": "yo", "body": "two"}
    assert [r.content for r in httpx_mock.get_requests()] == [b"one", b"two"]


@pytest.mark.anyio
async def test_add_callback_async(httpx_mock: HTTPXMock) -> None:
    async def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=f"{request.method} {request.url.path}")

    httpx_mock.add_callback(reply, method="PATCH")
    httpx_mock.add_response(method="POST", url="https://example.org/b", text="done")
    async with httpx.AsyncClient() as client:
        assert (await client.patch("https://example.org/a")).text == "PATCH /a"
        response = await client.post("https://example.org/b", content=b"x")
    assert response.text == "done"
    request = httpx_mock.get_request(method="POST")
    assert request is not None and request.content == b"x"


def test_add_exception_carries_the_request(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("slow"), url="https://example.org/slow")
    httpx_mock.add_exception(ValueError("not an httpx error"), url="https://example.org/bad")
    with httpx.Client() as client:
        with pytest.raises(httpx.ReadTimeout, match="slow") as error:
            client.get("https://example.org/slow")
        assert error.value.request.url == "https://example.org/slow"
        with pytest.raises(ValueError, match="not an httpx error"):
            client.get("https://example.org/bad")


@pytest.mark.anyio
async def test_add_exception_async(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_exception(httpx.ConnectError("refused"))
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError, match="refused") as error:
            await client.get("https://example.org/")
    assert error.value.request.method == "GET"


def test_streamed_responses_are_re_streamed(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(stream=IteratorStream([b"part 1, ", b"part 2"]))
    already_read = httpx.Response(200, content=b"read before sending")
    already_read.read()
    httpx_mock.add_callback(lambda request: already_read)
    with httpx.Client() as client:
        with client.stream("GET", "https://example.org/stream") as response:
            assert list(response.iter_bytes()) == [b"part 1, ", b"part 2"]
        assert client.get("https://example.org/again").text == "read before sending"


@pytest.mark.anyio
async def test_streamed_responses_async(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(stream=IteratorStream([b"a", b"b", b"c"]))
    async with httpx.AsyncClient() as client:
        async with client.stream("GET", "https://example.org/") as response:
            assert [chunk async for chunk in response.aiter_raw()] == [b"a", b"b", b"c"]


def test_proxy_url_matching_reads_the_httpcore_proxy_pool(httpx_mock: HTTPXMock) -> None:
    # (The URL pytest_httpx reads from the proxy pool has a "/" path, as with httpx.)
    httpx_mock.add_response(proxy_url="http://user:pw@proxy.example:3128/", text="proxied")
    httpx_mock.add_response(url="https://direct.example/", text="direct")
    with httpx.Client(proxy="http://user:pw@proxy.example:3128") as client:
        assert client.get("https://example.org/").text == "proxied"
    with httpx.Client() as client:
        assert client.get("https://direct.example/").text == "direct"


def test_reusable_and_optional_responses(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url="https://example.org/again", text="same", is_reusable=True)
    httpx_mock.add_response(url="https://example.org/never", is_optional=True)
    with httpx.Client() as client:
        assert [client.get("https://example.org/again").text for _ in range(3)] == ["same"] * 3


@pytest.mark.httpx_mock(assert_all_requests_were_expected=False)
def test_unmatched_request_is_a_timeout(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url="https://example.org/known", is_optional=True)
    with httpx.Client() as client:
        with pytest.raises(
            httpx.TimeoutException,
            match="No response can be found for GET request on https://example.org/unknown",
        ):
            client.get("https://example.org/unknown")


@pytest.mark.httpx_mock(should_mock=lambda request: request.url.host != "127.0.0.1")
def test_should_mock_lets_real_requests_through(httpx_mock: HTTPXMock, server: typing.Any) -> None:
    httpx_mock.add_response(url="https://example.org/", text="mocked")
    with httpx.Client() as client:
        assert client.get("https://example.org/").text == "mocked"
        real = client.post(server.url_for("/echo"), content=b"real body")
    assert real.json()["body"] == "real body"
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.httpx_mock(should_mock=lambda request: request.url.host != "127.0.0.1")
@pytest.mark.anyio
async def test_should_mock_lets_real_requests_through_async(
    httpx_mock: HTTPXMock, server: typing.Any
) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(server.url_for("/json"))
    assert response.status_code == 200
    assert httpx_mock.get_requests() == []


def test_module_level_api_and_custom_transports_are_left_alone(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(text="mocked")
    assert httpx.get("https://example.org/").text == "mocked"
    # Only HTTPTransport is patched: a MockTransport answers by itself.
    mock = httpx.MockTransport(lambda request: httpx.Response(200, text="own transport"))
    with httpx.Client(transport=mock) as client:
        assert client.get("https://example.org/").text == "own transport"
    assert len(httpx_mock.get_requests()) == 1
