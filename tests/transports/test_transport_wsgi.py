"""WSGITransport against real WSGI apps (PEP 3333), called directly through the transport."""

from __future__ import annotations

import io
import json
import sys
import typing
from collections.abc import AsyncIterator, Iterable, Iterator
from wsgiref.validate import validator

import pytest

from httpx._exceptions import RemoteProtocolError, UnsupportedProtocol
from httpx._models import Request
from httpx._transports.wsgi import WSGITransport

if typing.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

ENVIRON_STR_KEYS = [
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "SERVER_NAME",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
    "REMOTE_ADDR",
    "CONTENT_TYPE",
    "CONTENT_LENGTH",
    "wsgi.url_scheme",
]


def environ_app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    """Answers with the environ's str entries and HTTP_* headers, as JSON."""
    reported = {
        key: value
        for key, value in environ.items()
        if key in ENVIRON_STR_KEYS or key.startswith("HTTP_")
    }
    reported["wsgi.version"] = list(environ["wsgi.version"])
    for flag in ("wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once"):
        reported[flag] = environ[flag]
    reported["errors_is_stderr"] = environ["wsgi.errors"] is sys.stderr
    body = json.dumps(reported).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


def echo_body_app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    start_response("201 Created", [("Content-Type", "application/octet-stream")])
    return [body]


def get_environ(request: Request, **kwargs: typing.Any) -> dict[str, typing.Any]:
    response = WSGITransport(environ_app, **kwargs).handle_request(request)
    assert response.status_code == 200
    result: dict[str, typing.Any] = json.loads(response.read())
    return result


class ClosableBody:
    """A response iterable with close(), recording what the server did with it."""

    def __init__(self, chunks: list[bytes], fail_at: int | None = None) -> None:
        self.chunks = chunks
        self.fail_at = fail_at
        self.yielded = 0
        self.closed = 0

    def __iter__(self) -> Iterator[bytes]:
        for index, chunk in enumerate(self.chunks):
            if index == self.fail_at:
                raise ValueError("boom mid-body")
            self.yielded += 1
            yield chunk

    def close(self) -> None:
        self.closed += 1


def closable_app(body: ClosableBody, status: str = "200 OK") -> WSGIApplication:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response(status, [("Content-Type", "text/plain")])
        return body

    return app


# --- environ -----------------------------------------------------------------------------


def test_environ_basics() -> None:
    environ = get_environ(Request("GET", "http://example.org/path/to?a=1&b=two"))
    assert environ["REQUEST_METHOD"] == "GET"
    assert environ["SCRIPT_NAME"] == ""
    assert environ["PATH_INFO"] == "/path/to"
    assert environ["QUERY_STRING"] == "a=1&b=two"
    assert environ["SERVER_NAME"] == "example.org"
    assert environ["SERVER_PORT"] == "80"
    assert environ["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert environ["REMOTE_ADDR"] == "127.0.0.1"
    assert environ["wsgi.url_scheme"] == "http"
    assert environ["wsgi.version"] == [1, 0]
    assert environ["wsgi.multithread"] is True
    assert environ["wsgi.multiprocess"] is False
    assert environ["wsgi.run_once"] is False
    assert environ["errors_is_stderr"] is True
    assert environ["HTTP_HOST"] == "example.org"
    assert "CONTENT_LENGTH" not in environ
    assert "CONTENT_TYPE" not in environ


@pytest.mark.parametrize(
    ("url", "port"),
    [
        ("http://example.org/", "80"),
        ("https://example.org/", "443"),
        ("https://example.org:8443/", "8443"),
        ("http://example.org:443/", "443"),
    ],
)
def test_server_port_defaults_by_scheme(url: str, port: str) -> None:
    environ = get_environ(Request("GET", url))
    assert environ["SERVER_PORT"] == port
    assert environ["wsgi.url_scheme"] == url.split(":")[0]


def test_path_info_is_percent_decoded_bytes_as_latin1() -> None:
    # PEP 3333: environ strings carry the raw bytes decoded as latin-1.
    environ = get_environ(Request("GET", "http://example.org/caf%C3%A9/a%20b%2Fc?q=%C3%A9"))
    assert environ["PATH_INFO"] == "/café/a b/c".encode().decode("latin-1")
    assert environ["QUERY_STRING"] == "q=%C3%A9"


def test_script_name_is_given_as_is_and_path_info_is_the_whole_path_as_in_httpx() -> None:
    request = Request("GET", "http://example.org/mount/users/1")
    environ = get_environ(request, script_name="/mount")
    assert environ["SCRIPT_NAME"] == "/mount"
    assert environ["PATH_INFO"] == "/mount/users/1"

    environ = get_environ(Request("GET", "http://example.org/mount"), script_name="/mount/")
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == ("/mount/", "/mount")

    environ = get_environ(Request("GET", "http://example.org/other"), script_name="/mount")
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == ("/mount", "/other")


def test_headers_become_http_variables() -> None:
    request = Request(
        "POST",
        "http://example.org/",
        headers=[
            ("X-Custom-Thing", "one"),
            ("x-custom-thing", "two"),
            ("Cookie", "a=1"),
            ("Cookie", "b=2"),
            ("Content-Type", "text/plain"),
            ("Accept", "text/html"),
        ],
        content=b"body",
    )
    environ = get_environ(request)
    assert environ["HTTP_X_CUSTOM_THING"] == "one,two"
    assert environ["HTTP_COOKIE"] == "a=1; b=2"
    assert environ["HTTP_ACCEPT"] == "text/html"
    assert environ["CONTENT_TYPE"] == "text/plain"
    assert environ["CONTENT_LENGTH"] == "4"
    assert "HTTP_CONTENT_TYPE" not in environ
    assert "HTTP_CONTENT_LENGTH" not in environ


def test_header_values_are_latin1_native_strings() -> None:
    request = Request("GET", "http://example.org/", headers={b"X-Name": "café".encode()})
    environ = get_environ(request)
    assert environ["HTTP_X_NAME"] == "café".encode().decode("latin-1")


def test_remote_addr_and_wsgi_errors_are_configurable() -> None:
    errors = io.StringIO()

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        environ["wsgi.errors"].write("logged")
        start_response("200 OK", [])
        return [environ["REMOTE_ADDR"].encode()]

    transport = WSGITransport(app, remote_addr="10.1.2.3", wsgi_errors=errors)
    response = transport.handle_request(Request("GET", "http://example.org/"))
    assert response.read() == b"10.1.2.3"
    assert errors.getvalue() == "logged"


def test_unsupported_scheme() -> None:
    request = Request("GET", "ftp://example.org/")
    with pytest.raises(UnsupportedProtocol, match="'ftp'") as info:
        WSGITransport(environ_app).handle_request(request)
    assert info.value.request is request


# --- request bodies ----------------------------------------------------------------------


def test_bytes_body() -> None:
    transport = WSGITransport(echo_body_app)
    request = Request("POST", "http://example.org/", content=b"hello world")
    response = transport.handle_request(request)
    assert response.status_code == 201
    assert response.read() == b"hello world"


def test_streamed_body_with_length_is_read_lazily_by_the_app() -> None:
    events: list[str] = []

    def body() -> Iterator[bytes]:
        events.append("chunk 1")
        yield b"abc"
        events.append("chunk 2")
        yield b"def"

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        events.append("app called")
        first = environ["wsgi.input"].read(2)
        events.append("app read 2")
        rest = environ["wsgi.input"].read(4)
        assert environ["wsgi.input"].read(10) == b""
        start_response("200 OK", [])
        return [first, b"|", rest]

    request = Request(
        "POST", "http://example.org/", headers={"Content-Length": "6"}, content=body()
    )
    response = WSGITransport(app).handle_request(request)
    assert response.read() == b"ab|cdef"
    assert events == ["app called", "chunk 1", "app read 2", "chunk 2"]


def test_streamed_body_of_unknown_length_gets_a_content_length() -> None:
    def body() -> Iterator[bytes]:
        yield b"chunk-"
        yield b"ed"

    request = Request("POST", "http://example.org/", content=body())
    assert "Content-Length" not in request.headers
    response = WSGITransport(echo_body_app).handle_request(request)
    assert response.read() == b"chunk-ed"


def test_wsgi_input_supports_readline_and_iteration() -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        stream = environ["wsgi.input"]
        first = stream.readline()
        rest = list(stream)
        start_response("200 OK", [])
        return [json.dumps([first.decode(), [line.decode() for line in rest]]).encode()]

    def body() -> Iterator[bytes]:
        yield b"line one\nline "
        yield b"two\nline three"

    request = Request(
        "POST", "http://example.org/", headers={"Content-Length": "28"}, content=body()
    )
    response = WSGITransport(app).handle_request(request)
    assert json.loads(response.read()) == ["line one\n", ["line two\n", "line three"]]


def test_request_stream_errors_are_the_clients_not_the_apps() -> None:
    def body() -> Iterator[bytes]:
        yield b"abc"
        raise OSError("disk gone")

    request = Request(
        "POST", "http://example.org/", headers={"Content-Length": "6"}, content=body()
    )
    # Even when app errors become 500s, a failing request body is reported as itself.
    transport = WSGITransport(echo_body_app, raise_app_exceptions=False)
    with pytest.raises(OSError, match="disk gone"):
        transport.handle_request(request)


def test_async_only_request_body_is_a_clear_error() -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b"x"  # pragma: no cover

    request = Request("POST", "http://example.org/", content=body())
    with pytest.raises(RuntimeError, match="async stream"):
        WSGITransport(echo_body_app).handle_request(request)


# --- responses ---------------------------------------------------------------------------


def test_status_and_headers() -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        start_response(
            "404 Not Found",
            [("Content-Type", "text/plain"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
        )
        return [b"nope"]

    response = WSGITransport(app).handle_request(Request("GET", "http://example.org/"))
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/plain"
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert response.read() == b"nope"


def test_status_without_reason_phrase() -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        start_response("204", [])
        return []

    response = WSGITransport(app).handle_request(Request("GET", "http://example.org/"))
    assert response.status_code == 204
    assert response.read() == b""


def test_response_body_streams_lazily_and_the_iterable_is_closed() -> None:
    body = ClosableBody([b"one", b"", b"two", b"three"])
    transport = WSGITransport(closable_app(body))
    response = transport.handle_request(Request("GET", "http://example.org/"))
    # Only the first chunk was pulled, to learn the status before answering.
    assert body.yielded == 1
    chunks = list(response.iter_raw())
    assert chunks == [b"one", b"two", b"three"]
    assert body.closed == 1
    response.close()
    assert body.closed == 1


def test_closing_a_partly_read_response_closes_the_iterable() -> None:
    body = ClosableBody([b"one", b"two", b"three"])
    response = WSGITransport(closable_app(body)).handle_request(
        Request("GET", "http://example.org/")
    )
    response.close()
    assert body.closed == 1
    assert body.yielded == 1


def test_generator_app_calls_start_response_lazily() -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterator[bytes]:
        yield b""
        start_response("202 Accepted", [("X-Late", "yes")])
        yield b"late"
        yield b" body"

    response = WSGITransport(app).handle_request(Request("GET", "http://example.org/"))
    assert response.status_code == 202
    assert response.headers["x-late"] == "yes"
    assert response.read() == b"late body"


def test_legacy_write_callable() -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        write = start_response("200 OK", [])
        write(b"written ")
        write(b"first, ")
        return [b"then returned"]

    response = WSGITransport(app).handle_request(Request("GET", "http://example.org/"))
    assert response.read() == b"written first, then returned"


def test_head_response_has_no_body() -> None:
    body = ClosableBody([b"one", b"two"])
    response = WSGITransport(closable_app(body)).handle_request(
        Request("HEAD", "http://example.org/")
    )
    assert response.status_code == 200
    assert response.read() == b""
    assert body.closed == 1


def test_validator_accepts_environ_and_our_start_response() -> None:
    """`wsgiref.validate` checks both sides of the PEP 3333 contract.

    It also asserts (as an error when garbage collected) that the iterable was closed.
    """

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"got:", body]

    transport = WSGITransport(validator(app))
    for request, expected in [
        (Request("GET", "http://example.org/a?x=1"), b"got:"),
        (Request("POST", "https://example.org:8443/b", content=b"payload"), b"got:payload"),
        (
            Request(
                "PUT",
                "http://example.org/c",
                headers={"Content-Length": "2"},
                content=iter([b"ok"]),
            ),
            b"got:ok",
        ),
        (Request("DELETE", "http://example.org/d", content=iter([b"chunked"])), b"got:chunked"),
    ]:
        response = transport.handle_request(request)
        assert response.read() == expected

    mounted = WSGITransport(validator(app), script_name="/app")
    response = mounted.handle_request(Request("GET", "http://example.org/app/x"))
    assert response.read() == b"got:"


# --- errors ------------------------------------------------------------------------------


def failing_app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    raise ValueError("app exploded")


def test_app_exception_propagates() -> None:
    with pytest.raises(ValueError, match="app exploded"):
        WSGITransport(failing_app).handle_request(Request("GET", "http://example.org/"))


def test_app_exception_becomes_500_when_not_raising() -> None:
    errors = io.StringIO()
    transport = WSGITransport(failing_app, raise_app_exceptions=False, wsgi_errors=errors)
    response = transport.handle_request(Request("GET", "http://example.org/"))
    assert response.status_code == 500
    assert response.read() == b""
    assert "ValueError: app exploded" in errors.getvalue()


def error_page_app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    """Reports its own error through start_response(exc_info), as frameworks do."""
    try:
        raise KeyError("missing")
    except KeyError:
        start_response(
            "500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info()
        )
        return [b"error page"]


def test_exc_info_is_reraised_when_raising() -> None:
    with pytest.raises(KeyError, match="missing"):
        WSGITransport(error_page_app).handle_request(Request("GET", "http://example.org/"))


def test_exc_info_replaces_the_response_when_not_raising() -> None:
    transport = WSGITransport(error_page_app, raise_app_exceptions=False)
    response = transport.handle_request(Request("GET", "http://example.org/"))
    assert response.status_code == 500
    assert response.read() == b"error page"


def test_exc_info_after_the_body_started_is_always_reraised() -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", [])
        yield b"partial"
        try:
            raise KeyError("too late")
        except KeyError:
            start_response("500 Oops", [], sys.exc_info())
        yield b"never"  # pragma: no cover

    response = WSGITransport(app).handle_request(Request("GET", "http://example.org/"))
    with pytest.raises(KeyError, match="too late"):
        response.read()

    response = WSGITransport(app, raise_app_exceptions=False).handle_request(
        Request("GET", "http://example.org/")
    )
    assert response.status_code == 200
    with pytest.raises(RemoteProtocolError, match="incomplete"):
        response.read()


def test_error_mid_body_propagates_and_closes_the_iterable() -> None:
    body = ClosableBody([b"one", b"two", b"three"], fail_at=2)
    response = WSGITransport(closable_app(body)).handle_request(
        Request("GET", "http://example.org/")
    )
    with pytest.raises(ValueError, match="boom mid-body"):
        response.read()
    assert body.closed == 1


def test_error_mid_body_is_a_protocol_error_when_not_raising() -> None:
    body = ClosableBody([b"one", b"two", b"three"], fail_at=1)
    request = Request("GET", "http://example.org/")
    transport = WSGITransport(closable_app(body), raise_app_exceptions=False)
    response = transport.handle_request(request)
    with pytest.raises(RemoteProtocolError, match="boom mid-body") as info:
        response.read()
    assert info.value.request is request
    assert isinstance(info.value.__cause__, ValueError)
    assert body.closed == 1


def test_error_before_first_chunk_closes_the_iterable() -> None:
    body = ClosableBody([b"one"], fail_at=0)
    with pytest.raises(ValueError, match="boom"):
        WSGITransport(closable_app(body)).handle_request(Request("GET", "http://example.org/"))
    assert body.closed == 1

    body = ClosableBody([b"one"], fail_at=0)
    transport = WSGITransport(
        closable_app(body), raise_app_exceptions=False, wsgi_errors=io.StringIO()
    )
    assert transport.handle_request(Request("GET", "http://example.org/")).status_code == 500
    assert body.closed == 1


def no_start_response_app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    return [b"body without status"]


def bad_status_app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    start_response("OK", [])
    return []


def bad_header_app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    start_response("200 OK", [("X-Snowman", "\N{SNOWMAN}")])
    return []


def str_body_app(environ: WSGIEnvironment, start_response: StartResponse) -> list[str]:
    start_response("200 OK", [])
    return ["not bytes"]


def twice_app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    start_response("200 OK", [])
    start_response("201 Created", [])
    return []  # pragma: no cover


@pytest.mark.parametrize(
    ("app", "error", "message"),
    [
        (no_start_response_app, RuntimeError, "without calling start_response"),
        (bad_status_app, RuntimeError, "invalid status 'OK'"),
        (bad_header_app, RuntimeError, "invalid response headers"),
        (str_body_app, TypeError, "'str' body chunk"),
        (twice_app, RuntimeError, "second time without exc_info"),
    ],
)
def test_app_protocol_violations(app: typing.Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        WSGITransport(app).handle_request(Request("GET", "http://example.org/"))
    transport = WSGITransport(app, raise_app_exceptions=False, wsgi_errors=io.StringIO())
    response = transport.handle_request(Request("GET", "http://example.org/"))
    assert response.status_code == 500
