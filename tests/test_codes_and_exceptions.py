import typing

import pytest

import httpx


def test_codes() -> None:
    ok: int = httpx.codes.OK  # (mypy takes an enum literal and an int literal as unequal)
    assert ok == 200
    # As httpx: the lower-case aliases are plain ints, set at import time by setattr, so
    # invisible to type checkers.
    not_found = httpx.codes.not_found  # type: ignore[attr-defined]
    assert not_found == 404 and type(not_found) is int
    assert str(httpx.codes.NOT_FOUND) == "404"
    assert repr(httpx.codes.NOT_FOUND) == "<codes.NOT_FOUND: 404>"
    assert httpx.codes(418).phrase == "I'm a teapot"
    assert httpx.codes.get_reason_phrase(200) == "OK"
    assert httpx.codes.get_reason_phrase(999) == ""
    assert httpx.codes["IM_A_TEAPOT"] == 418
    assert httpx.codes.is_informational(100) and not httpx.codes.is_informational(200)
    assert httpx.codes.is_success(204) and not httpx.codes.is_success(300)
    assert httpx.codes.is_redirect(307) and not httpx.codes.is_redirect(400)
    assert httpx.codes.is_client_error(404) and not httpx.codes.is_client_error(500)
    assert httpx.codes.is_server_error(503) and not httpx.codes.is_server_error(404)
    assert httpx.codes.is_error(404) and httpx.codes.is_error(500)
    assert not httpx.codes.is_error(200)


HIERARCHY = {
    httpx.HTTPError: Exception,
    httpx.RequestError: httpx.HTTPError,
    httpx.TransportError: httpx.RequestError,
    httpx.TimeoutException: httpx.TransportError,
    httpx.ConnectTimeout: httpx.TimeoutException,
    httpx.ReadTimeout: httpx.TimeoutException,
    httpx.WriteTimeout: httpx.TimeoutException,
    httpx.PoolTimeout: httpx.TimeoutException,
    httpx.NetworkError: httpx.TransportError,
    httpx.ConnectError: httpx.NetworkError,
    httpx.ReadError: httpx.NetworkError,
    httpx.WriteError: httpx.NetworkError,
    httpx.CloseError: httpx.NetworkError,
    httpx.ProxyError: httpx.TransportError,
    httpx.UnsupportedProtocol: httpx.TransportError,
    httpx.ProtocolError: httpx.TransportError,
    httpx.LocalProtocolError: httpx.ProtocolError,
    httpx.RemoteProtocolError: httpx.ProtocolError,
    httpx.DecodingError: httpx.RequestError,
    httpx.TooManyRedirects: httpx.RequestError,
    httpx.HTTPStatusError: httpx.HTTPError,
    httpx.InvalidURL: Exception,
    httpx.CookieConflict: Exception,
    httpx.StreamError: RuntimeError,
    httpx.StreamConsumed: httpx.StreamError,
    httpx.StreamClosed: httpx.StreamError,
    httpx.ResponseNotRead: httpx.StreamError,
    httpx.RequestNotRead: httpx.StreamError,
}


@pytest.mark.parametrize("exc_class,parent", HIERARCHY.items())
def test_hierarchy(exc_class: type, parent: type) -> None:
    assert exc_class.__bases__ == (parent,)


def test_request_attribute() -> None:
    request = httpx.Request("GET", "https://example.org")
    exc = httpx.ConnectError("refused", request=request)
    assert exc.request is request
    assert str(exc) == "refused"
    with pytest.raises(RuntimeError, match="has not been set"):
        httpx.ReadError("no request").request
    response = httpx.Response(500, request=request)
    status_error = httpx.HTTPStatusError("boom", request=request, response=response)
    assert status_error.request is request and status_error.response is response


def test_stream_error_messages_help() -> None:
    assert "already been streamed" in str(httpx.StreamConsumed())
    assert "closed" in str(httpx.StreamClosed())
    assert "read()" in str(httpx.ResponseNotRead())
    assert "read()" in str(httpx.RequestNotRead())


def test_request_context_attaches_the_request_only_where_missing() -> None:
    from httpx._exceptions import request_context

    request = httpx.Request("GET", "https://example.org/")
    other = httpx.Request("GET", "https://other.example/")
    with pytest.raises(httpx.ReadError) as caught:
        with request_context(request=request):
            raise httpx.ReadError("boom")
    assert caught.value.request is request
    with pytest.raises(httpx.ReadError) as caught:
        with request_context(request=request):
            raise httpx.ReadError("boom", request=other)
    assert caught.value.request is other
    with pytest.raises(ValueError):
        with request_context(request=request):
            raise ValueError("not an httpx error")


class _FailingBody(httpx.SyncByteStream):
    def __init__(self, fail_in: str) -> None:
        self.fail_in = fail_in

    def __iter__(self) -> typing.Iterator[bytes]:
        yield b"part"
        if self.fail_in == "read":
            raise httpx.ReadError("read failed")

    def close(self) -> None:
        if self.fail_in == "close":
            raise httpx.ReadError("close failed")


@pytest.mark.parametrize("where", ["send", "read", "close"])
def test_client_errors_raised_without_a_request_get_it(where: str) -> None:
    # A transport (or a body stream) raising a RequestError with no request: the client
    # attaches the request being sent, as httpx does; one that has a request keeps it.
    other = httpx.Request("GET", "https://other.example/")

    def handler(request: httpx.Request) -> httpx.Response:
        if where == "send":
            raise httpx.ConnectError("send failed")
        return httpx.Response(200, stream=_FailingBody(where))

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(httpx.RequestError) as caught:
            client.get("https://example.org/")
        assert caught.value.request.url == "https://example.org/"
        assert caught.value.request is not other

    def keeps_its_own(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("send failed", request=other)

    with httpx.Client(transport=httpx.MockTransport(keeps_its_own)) as client:
        with pytest.raises(httpx.ConnectError) as connect_error:
            client.get("https://example.org/")
        assert connect_error.value.request is other
