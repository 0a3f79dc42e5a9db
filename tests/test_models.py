import datetime
import gzip
import json
import pickle
import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import httpx

# --- Request ---------------------------------------------------------------------------


def test_request_defaults() -> None:
    request = httpx.Request("get", "https://example.org:8443/path?a=1")
    assert request.method == "GET"
    assert request.url == "https://example.org:8443/path?a=1"
    assert request.headers.raw == [(b"Host", b"example.org:8443")]
    assert request.content == b""
    assert repr(request) == "<Request('GET', 'https://example.org:8443/path?a=1')>"


def test_request_params_replace_the_query() -> None:
    # As httpx 0.28: params= replaces the URL's query string; empty params remove it.
    request = httpx.Request("GET", "https://example.org/?a=1", params={"b": ["2", "3"]})
    assert request.url == "https://example.org/?b=2&b=3"
    assert httpx.Request("GET", "https://example.org/?a=1", params={}).url == (
        "https://example.org/"
    )
    assert httpx.Request("GET", "https://example.org/?a=1").url == "https://example.org/?a=1"
    request = httpx.Request("GET", "https://example.org/", params={"q": "a b"})
    assert request.url == "https://example.org/?q=a+b"


def test_request_body_headers() -> None:
    request = httpx.Request("POST", "https://example.org", content=b"abc")
    assert request.headers["Content-Length"] == "3"
    assert request.content == b"abc"
    request = httpx.Request("POST", "https://example.org", json={"a": [1, "é"]})
    assert request.headers["Content-Type"] == "application/json"
    assert request.content == '{"a":[1,"é"]}'.encode()
    request = httpx.Request("POST", "https://example.org", data={"a": ["1", "2"], "b": True})
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.content == b"a=1&a=2&b=true"
    request = httpx.Request("POST", "https://example.org")
    assert request.headers["Content-Length"] == "0"
    request = httpx.Request("GET", "https://example.org")
    assert "Content-Length" not in request.headers


def test_request_streaming_body() -> None:
    def gen() -> Iterator[bytes]:
        yield b"a"
        yield b"b"

    request = httpx.Request("POST", "https://example.org", content=gen())
    assert request.headers["Transfer-Encoding"] == "chunked"
    with pytest.raises(httpx.RequestNotRead):
        request.content
    assert request.read() == b"ab"
    assert request.content == b"ab"
    # After read() the body is replayable.
    assert b"".join(request.stream) == b"ab"  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_request_aread() -> None:
    async def agen() -> AsyncIterator[bytes]:
        yield b"a"
        yield b"b"

    request = httpx.Request("POST", "https://example.org", content=agen())
    assert await request.aread() == b"ab"
    assert request.content == b"ab"


def test_request_user_content_length_wins_over_chunked() -> None:
    request = httpx.Request(
        "POST", "https://example.org", headers={"Content-Length": "2"}, content=iter([b"ab"])
    )
    assert "Transfer-Encoding" not in request.headers
    assert request.headers["Content-Length"] == "2"


def test_request_multipart_boundary_from_header() -> None:
    request = httpx.Request(
        "POST",
        "https://example.org",
        headers={"Content-Type": "multipart/form-data; boundary=+++"},
        files={"f": ("a.txt", b"x")},
    )
    assert request.headers["Content-Type"] == "multipart/form-data; boundary=+++"
    assert request.read().startswith(b"--+++\r\n")


def test_request_cookies() -> None:
    request = httpx.Request("GET", "https://example.org", cookies={"a": "1", "b": "2"})
    assert request.headers["Cookie"] == "a=1; b=2"


def test_request_pickle() -> None:
    request = httpx.Request("POST", "https://example.org", content=b"abc", extensions={"x": 1})
    copy = pickle.loads(pickle.dumps(request))
    assert copy.method == "POST" and copy.url == request.url
    assert copy.content == b"abc"
    assert copy.extensions == {}
    assert b"".join(copy.stream) == b"abc"


def test_request_bad_input() -> None:
    with pytest.raises(AttributeError):  # as httpx: 1 has no upper()
        httpx.Request(1, "https://example.org")  # type: ignore[arg-type]
    with pytest.raises(httpx.InvalidURL):
        httpx.Request("GET", "https://exa mple.org:abc")
    with pytest.raises(TypeError):
        # Deliberately a dict as `content`: the runtime TypeError is tested.
        httpx.Request("POST", "https://example.org", content={"a": 1})  # type: ignore[dict-item]


# --- Response ----------------------------------------------------------------------------


def make_response(status_code: int = 200, **kwargs: Any) -> httpx.Response:
    return httpx.Response(
        status_code, request=httpx.Request("GET", "https://example.org/x"), **kwargs
    )


def test_response_basics() -> None:
    response = make_response(200, text="Hello, world!")
    assert response.status_code == 200
    assert response.reason_phrase == "OK"
    assert response.http_version == "HTTP/1.1"
    assert response.text == "Hello, world!"
    assert response.content == b"Hello, world!"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Length"] == "13"
    assert response.encoding == "utf-8"
    assert response.url == "https://example.org/x"
    assert repr(response) == "<Response [200 OK]>"
    assert response.is_success and not response.is_error
    assert response.raise_for_status() is response


def test_response_status_classes() -> None:
    assert make_response(101).is_informational
    assert make_response(302, headers={"Location": "/"}).is_redirect
    assert make_response(302).is_redirect  # any 3xx, as in httpx
    assert not make_response(302).has_redirect_location
    assert make_response(302, headers={"Location": "/"}).has_redirect_location
    assert not make_response(300, headers={"Location": "/"}).has_redirect_location
    assert make_response(404).is_client_error
    assert make_response(503).is_server_error


@pytest.mark.parametrize(
    "status,kind",
    [
        (404, "Client error"),
        (500, "Server error"),
        (301, "Redirect response"),
        (101, "Informational response"),
        (600, "Invalid status code"),
    ],
)
def test_raise_for_status_message(status: int, kind: str) -> None:
    response = make_response(status)
    with pytest.raises(httpx.HTTPStatusError) as info:
        response.raise_for_status()
    phrase = httpx.codes.get_reason_phrase(status)
    assert str(info.value) == (
        f"{kind} '{status} {phrase}' for url 'https://example.org/x'\n"
        f"For more information check: https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/{status}"
    )
    assert info.value.response is response
    assert info.value.request is response.request


def test_raise_for_status_names_the_redirect_location() -> None:
    response = make_response(302, headers={"Location": "/next"})
    with pytest.raises(httpx.HTTPStatusError) as info:
        response.raise_for_status()
    assert str(info.value) == (
        "Redirect response '302 Found' for url 'https://example.org/x'\n"
        "Redirect location: '/next'\n"
        "For more information check: https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/302"
    )


def test_raise_for_status_without_request() -> None:
    with pytest.raises(RuntimeError):
        httpx.Response(200).raise_for_status()
    with pytest.raises(RuntimeError):
        httpx.Response(200).request


def test_json() -> None:
    response = make_response(json={"a": [1, 2]})
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"a": [1, 2]}
    assert make_response(content=b'{"a": 1.5}').json(parse_float=str) == {"a": "1.5"}


def test_encoding_from_charset_and_default() -> None:
    body = "café".encode("latin-1")
    response = make_response(content=body, headers={"Content-Type": "text/plain; charset=latin-1"})
    assert response.charset_encoding == "latin-1"
    assert response.text == "café"
    response = httpx.Response(200, content=body, default_encoding="latin-1")
    assert response.charset_encoding is None
    assert response.text == "café"
    response = httpx.Response(200, content=body, default_encoding=lambda content: "latin-1")
    assert response.text == "café"
    response = httpx.Response(
        200, content=b"abc", headers={"Content-Type": "text/plain; charset=not-a-codec"}
    )
    assert response.encoding == "utf-8"


def test_encoding_setter() -> None:
    response = httpx.Response(200, content="café".encode("latin-1"))
    response.encoding = "latin-1"
    assert response.text == "café"
    with pytest.raises(ValueError):
        response.encoding = "utf-8"


def test_links() -> None:
    response = make_response(
        headers={"Link": '<https://a.example/2>; rel="next", <https://a.example/9>; rel=last'}
    )
    assert response.links == {
        "next": {"url": "https://a.example/2", "rel": "next"},
        "last": {"url": "https://a.example/9", "rel": "last"},
    }
    assert make_response().links == {}


def test_elapsed_requires_close() -> None:
    response = make_response()
    with pytest.raises(RuntimeError):
        response.elapsed


def test_elapsed_once_closed_by_a_client() -> None:
    # The client records seconds when the response closes; `elapsed` is a timedelta.
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=iter([b"streamed"]))

    client = httpx.Client(transport=httpx.MockTransport(handler))
    with client.stream("GET", "https://example.org/") as response:
        with pytest.raises(RuntimeError):
            response.elapsed
    elapsed = response.elapsed
    assert isinstance(elapsed, datetime.timedelta)
    assert elapsed.total_seconds() >= 0
    assert response.elapsed is elapsed
    assert pickle.loads(pickle.dumps(response)).elapsed == elapsed
    response.elapsed = datetime.timedelta(seconds=3)
    assert response.elapsed == datetime.timedelta(seconds=3)


def chunks(*parts: bytes) -> Iterator[bytes]:
    yield from parts


def test_streaming_sync() -> None:
    response = httpx.Response(200, content=chunks(b"line one\r", b"\nline two\nline", b" three"))
    with pytest.raises(httpx.ResponseNotRead):
        response.content
    assert list(response.iter_lines()) == ["line one", "line two", "line three"]
    assert response.is_closed and response.is_stream_consumed
    with pytest.raises(httpx.StreamConsumed):
        list(response.iter_raw())
    assert response.num_bytes_downloaded == 29


def test_iter_bytes_chunk_size_and_text() -> None:
    response = httpx.Response(200, content=chunks(b"abc", b"defg", b"h"))
    assert list(response.iter_bytes(chunk_size=3)) == [b"abc", b"def", b"gh"]
    response = httpx.Response(200, content=chunks("é".encode()[:1], "é".encode()[1:]))
    assert list(response.iter_text()) == ["é"]
    response = httpx.Response(200, content=b"abcdef")
    assert list(response.iter_bytes(chunk_size=4)) == [b"abcd", b"ef"]
    assert list(response.iter_text(chunk_size=4)) == ["abcd", "ef"]


def test_stream_closed() -> None:
    response = httpx.Response(200, content=chunks(b"a"))
    response.close()
    with pytest.raises(httpx.StreamClosed):
        response.read()


@pytest.mark.anyio
async def test_streaming_async() -> None:
    async def agen() -> AsyncIterator[bytes]:
        yield b"a\nb"
        yield b"\nc"

    response = httpx.Response(200, content=agen())
    assert [line async for line in response.aiter_lines()] == ["a", "b", "c"]
    assert response.is_closed
    with pytest.raises(httpx.StreamConsumed):
        await response.aread()
    with pytest.raises(RuntimeError, match="sync iterator on an async stream"):
        httpx.Response(200, content=agen()).read()

    response = httpx.Response(200, content=agen())
    assert await response.aread() == b"a\nb\nc"
    assert [chunk async for chunk in response.aiter_bytes(2)] == [b"a\n", b"b\n", b"c"]
    assert [chunk async for chunk in response.aiter_text()] == ["a\nb\nc"]


def test_content_decoding() -> None:
    payload = b"hello " * 100
    response = make_response(content=gzip.compress(payload), headers={"Content-Encoding": "gzip"})
    assert response.content == payload
    compressed = gzip.compress(zlib.compress(payload))
    response = httpx.Response(
        200,
        stream=httpx.ByteStream(compressed),
        headers={"Content-Encoding": "deflate, gzip"},
    )
    assert response.read() == payload


def test_decoding_error() -> None:
    response = httpx.Response(
        200, stream=httpx.ByteStream(b"not gzip"), headers={"Content-Encoding": "gzip"}
    )
    with pytest.raises(httpx.DecodingError):
        response.read()


def test_decoded_size_limit_from_request_extension() -> None:
    bomb = gzip.compress(b"\0" * 10_000_000)
    request = httpx.Request("GET", "https://example.org", extensions={"max_decoded_size": 1000})
    response = httpx.Response(
        200,
        stream=httpx.ByteStream(bomb),
        headers={"Content-Encoding": "gzip"},
        request=request,
    )
    with pytest.raises(httpx.DecodingError) as info:
        response.read()
    assert info.value.request is request


def test_response_pickle() -> None:
    response = make_response(json={"a": 1})
    copy = pickle.loads(pickle.dumps(response))
    assert copy.json() == {"a": 1}
    assert copy.status_code == 200 and copy.request.url == response.request.url
    assert copy.is_closed
    streaming = httpx.Response(200, content=chunks(b"a"))
    streamed_copy = pickle.loads(pickle.dumps(streaming))
    with pytest.raises(httpx.ResponseNotRead):
        streamed_copy.content
    with pytest.raises(httpx.StreamClosed):
        streamed_copy.read()


def test_response_accepts_new_attributes_and_subclassing() -> None:
    response = make_response()
    response.custom = 1  # type: ignore[attr-defined]

    # Response.__setstate__ takes a dict (as httpx's), BaseException's also None: mypy
    # rejects the combination, which is the point of this test.
    class Both(httpx.Response, Exception):  # type: ignore[misc]
        pass

    both = Both(200, content=b"x")
    assert both.content == b"x"
    del both._content
    with pytest.raises(httpx.ResponseNotRead):
        both.content


def test_response_cookies() -> None:
    response = make_response(headers=[("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2")])
    assert dict(response.cookies) == {"a": "1", "b": "2"}


def test_json_payload_is_compact() -> None:
    response = make_response(json={"a": 1, "b": None})
    assert response.content == json.dumps({"a": 1, "b": None}, separators=(",", ":")).encode()
