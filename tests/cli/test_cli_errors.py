"""Exit codes and one-line messages of the command line client (httpx/_cli/errors.py).

The end-to-end tests (tests/cli/test_main.py, tests/cli/test_cli_*.py) reach most codes
through real failures; these check the classification itself, including the failures that
the test machine cannot produce for real (a DNS lookup would leave the machine).
"""

from __future__ import annotations

import socket
import ssl

import pytest

import httpx
from httpx._cli.errors import CLIFailure, ExitCode, describe_request_error, one_line


def raised_from(error: httpx.RequestError, cause: BaseException) -> httpx.RequestError:
    """`error` as the transport raises it: chained to the low-level exception."""
    try:
        try:
            raise cause
        except BaseException as low_level:
            raise error from low_level
    except httpx.RequestError as chained:
        return chained


def with_request(
    error: httpx.RequestError, url: str = "https://example.org/"
) -> httpx.RequestError:
    error.request = httpx.Request("GET", url)
    return error


def test_exit_codes_are_distinct_and_documented_values() -> None:
    assert len({code.value for code in ExitCode}) == len(ExitCode)
    assert ExitCode.OK.value == 0
    assert ExitCode.USAGE.value == 2
    assert ExitCode.HTTP_ERROR.value == 22  # curl --fail
    assert ExitCode.TIMEOUT.value == 28  # curl's operation timeout
    assert ExitCode.INTERRUPTED.value == 130


@pytest.mark.parametrize(
    ("cause", "code", "message"),
    [
        (
            socket.gaierror(-2, "Name or service not known"),
            ExitCode.HOST_NOT_FOUND,
            "ConnectError: could not resolve example.org:443: boom",
        ),
        (
            ssl.SSLCertVerificationError(1, "certificate verify failed"),
            ExitCode.CERTIFICATE_UNTRUSTED,
            "ConnectError: the TLS certificate of example.org:443 is not trusted: boom "
            "(--no-verify skips the check)",
        ),
        (
            ssl.SSLError(1, "wrong version number"),
            ExitCode.TLS_FAILED,
            "ConnectError: TLS handshake with example.org:443 failed: boom",
        ),
        (
            ConnectionRefusedError(111, "Connection refused"),
            ExitCode.CONNECT_FAILED,
            "ConnectError: could not connect to example.org:443: boom",
        ),
    ],
)
def test_connect_errors_are_told_apart_by_their_cause(
    cause: BaseException, code: ExitCode, message: str
) -> None:
    error = with_request(raised_from(httpx.ConnectError("boom"), cause))
    assert describe_request_error(error, timeout=5.0) == (code, message)


def test_the_cause_is_found_deeper_in_the_chain() -> None:
    # Our ConnectError <- httpcore's ConnectError <- ssl's error, as the transport raises.
    inner = raised_from(httpx.ConnectError("inner"), ssl.SSLCertVerificationError(1, "x"))
    outer = with_request(raised_from(httpx.ConnectError("outer"), inner))
    assert describe_request_error(outer, timeout=5.0)[0] == ExitCode.CERTIFICATE_UNTRUSTED


@pytest.mark.parametrize(
    ("error", "code", "message"),
    [
        (
            httpx.PoolTimeout("x"),
            ExitCode.TIMEOUT,
            "PoolTimeout: timed out after 1.5 s waiting for a free connection to "
            "example.org:443 (--timeout sets the limit)",
        ),
        (
            httpx.WriteTimeout("x"),
            ExitCode.TIMEOUT,
            "WriteTimeout: timed out after 1.5 s sending data to example.org:443 "
            "(--timeout sets the limit)",
        ),
        (
            httpx.ProxyError("403 Forbidden"),
            ExitCode.PROXY,
            "ProxyError: the proxy failed the request: 403 Forbidden",
        ),
        (
            httpx.DecodingError("bad gzip"),
            ExitCode.DECODING,
            "DecodingError: could not decode the response body: bad gzip",
        ),
        (
            httpx.TooManyRedirects("Exceeded maximum allowed redirects."),
            ExitCode.TOO_MANY_REDIRECTS,
            "TooManyRedirects: Exceeded maximum allowed redirects.",
        ),
        (
            httpx.LocalProtocolError("Illegal header value"),
            ExitCode.ERROR,
            "LocalProtocolError: could not send the request: Illegal header value",
        ),
        (
            httpx.WriteError("broken pipe"),
            ExitCode.NETWORK,
            "WriteError: the connection to example.org:443 failed: broken pipe",
        ),
        (
            httpx.UnsupportedProtocol("no scheme"),
            ExitCode.INVALID_URL,
            "UnsupportedProtocol: no scheme",
        ),
    ],
)
def test_request_errors(error: httpx.RequestError, code: ExitCode, message: str) -> None:
    assert describe_request_error(with_request(error), timeout=1.5) == (code, message)


def test_invalid_url_needs_no_request() -> None:
    assert describe_request_error(httpx.InvalidURL("Invalid port: 'x'"), timeout=5.0) == (
        ExitCode.INVALID_URL,
        "InvalidURL: Invalid port: 'x'",
    )


def test_error_without_a_request_names_the_server_generically() -> None:
    code, message = describe_request_error(httpx.ReadError("reset"), timeout=None)
    assert (code, message) == (
        ExitCode.NETWORK,
        "ReadError: the connection to the server failed: reset",
    )


def test_default_ports_and_explicit_ports_in_messages() -> None:
    http = with_request(httpx.ConnectError("x"), "http://example.org/")
    explicit = with_request(httpx.ConnectError("x"), "https://example.org:8443/")
    assert "example.org:80:" in describe_request_error(http, timeout=1)[1]
    assert "example.org:8443:" in describe_request_error(explicit, timeout=1)[1]


def test_messages_are_one_line() -> None:
    error = with_request(httpx.RemoteProtocolError("line one\nline two\r\n  three"))
    assert describe_request_error(error, timeout=1)[1].endswith(": line one line two three")
    assert one_line(" a\n\tb  c ") == "a b c"
    assert CLIFailure(ExitCode.ERROR, "x\ny").message == "x y"


def test_connect_failures_through_a_proxy_name_the_proxy() -> None:
    # With --proxy, the connection the client makes is to the proxy: a refusal or a
    # connect timeout is the proxy's, not the server's (which the proxy would report).
    refused = with_request(httpx.ConnectError("[Errno 111] refused"), "http://example.org/")
    assert describe_request_error(refused, timeout=1, proxy="http://127.0.0.1:3128") == (
        ExitCode.CONNECT_FAILED,
        "ConnectError: could not connect to the proxy 127.0.0.1:3128: [Errno 111] refused",
    )
    stalled = with_request(httpx.ConnectTimeout("timed out"), "http://example.org/")
    code, message = describe_request_error(stalled, timeout=2, proxy="socks5://proxy.example")
    assert code == ExitCode.TIMEOUT
    assert message == (
        "ConnectTimeout: timed out after 2 s connecting to the proxy proxy.example:1080 "
        "(--timeout sets the limit)"
    )
    # A read timeout is still about the server, whose answer the proxy relays.
    slow = with_request(httpx.ReadTimeout("timed out"), "http://example.org/")
    assert "from example.org:80" in describe_request_error(slow, timeout=2, proxy="http://p")[1]
