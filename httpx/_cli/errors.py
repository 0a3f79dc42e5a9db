"""Exit codes of the `httpx` command line client, and a one-line message for each failure.

Where curl has an exit code for the same failure (see "EXIT CODES" in `man curl`) we use
the same number, so shell scripts that already branch on curl's codes read ours too.
Pure mapping: no click or rich here, so it imports and tests without the `cli` extra.
"""

from __future__ import annotations

import enum
import socket
import ssl
from collections.abc import Iterator

from .._exceptions import (
    ConnectError,
    ConnectTimeout,
    DecodingError,
    InvalidURL,
    LocalProtocolError,
    NetworkError,
    PoolTimeout,
    ProxyError,
    ReadTimeout,
    RemoteProtocolError,
    RequestError,
    TimeoutException,
    TooManyRedirects,
    UnsupportedProtocol,
    WriteTimeout,
)
from .._urls import URL

__all__ = ["CLIFailure", "ExitCode", "describe_request_error", "one_line"]


class ExitCode(enum.IntEnum):
    """Why `httpx` exited. Documented in docs/cli.md ("Exit codes")."""

    OK = 0  # a response was received (any status, unless --fail)
    ERROR = 1  # anything else: the `cli` extra is missing, the --app application raised...
    USAGE = 2  # a bad option or argument (click's convention for usage errors)
    INVALID_URL = 3  # the URL cannot be parsed, or its scheme is not http/https
    PROXY = 5  # the proxy refused or failed the request
    HOST_NOT_FOUND = 6  # DNS could not resolve the host name
    CONNECT_FAILED = 7  # the TCP connection was refused or could not be made
    PROTOCOL = 8  # the server's reply was not valid HTTP, or stopped mid-response
    HTTP_ERROR = 22  # --fail and a status >= 400; --download and a non-2xx status
    WRITE_FAILED = 23  # the --download file could not be written
    TIMEOUT = 28  # a timeout (connect, read, write, pool, or the --app application)
    TLS_FAILED = 35  # the TLS handshake failed
    TOO_MANY_REDIRECTS = 47  # --follow-redirects gave up
    NETWORK = 56  # the connection broke while sending or receiving
    CERTIFICATE_UNTRUSTED = 60  # the server's certificate could not be verified
    DECODING = 61  # the body's Content-Encoding could not be decoded
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, the shell's convention)


def one_line(text: str) -> str:
    """`text` with its line breaks folded into spaces: an error message is one line."""
    return " ".join(text.split())


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and the exceptions it was raised from, outermost first (cycles guarded)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _find_cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    return next((cause for cause in _causes(exc) if isinstance(cause, kind)), None)


def _origin(exc: RequestError) -> str:
    """ "host:port" of the request that failed, or "the server" if it is not known."""
    try:
        url: URL = exc.request.url
    except RuntimeError:  # raised before a request was attached
        return "the server"
    port = url.port if url.port is not None else {"https": 443}.get(url.scheme, 80)
    return f"{url.host}:{port}"


_TIMEOUT_PHASES: tuple[tuple[type[TimeoutException], str], ...] = (
    (ConnectTimeout, "connecting to"),
    (ReadTimeout, "waiting for data from"),
    (WriteTimeout, "sending data to"),
    (PoolTimeout, "waiting for a free connection to"),
)


def _proxy_origin(proxy: str) -> str:
    """ "the proxy host:port" for a --proxy URL."""
    try:
        url = URL(proxy)
    except InvalidURL:  # pragma: no cover - --proxy is checked when parsed
        return "the proxy"
    port = url.port if url.port is not None else {"https": 443, "http": 80}.get(url.scheme, 1080)
    return f"the proxy {url.host}:{port}"


def _describe_connect_error(exc: ConnectError, proxy: str | None) -> tuple[ExitCode, str]:
    detail = str(exc)
    verification = _find_cause(exc, ssl.SSLCertVerificationError)
    if verification is not None:
        return (
            ExitCode.CERTIFICATE_UNTRUSTED,
            f"the TLS certificate of {_origin(exc)} is not trusted: {detail} "
            "(--no-verify skips the check)",
        )
    if _find_cause(exc, ssl.SSLError) is not None:
        return ExitCode.TLS_FAILED, f"TLS handshake with {_origin(exc)} failed: {detail}"
    # Through a proxy, the connection we make ourselves is the one to the proxy: reaching
    # the server is then the proxy's job, and its failures come back as ProxyError.
    where = _origin(exc) if proxy is None else _proxy_origin(proxy)
    if _find_cause(exc, socket.gaierror) is not None:
        return ExitCode.HOST_NOT_FOUND, f"could not resolve {where}: {detail}"
    return ExitCode.CONNECT_FAILED, f"could not connect to {where}: {detail}"


def describe_request_error(
    exc: RequestError | InvalidURL, timeout: float | None, proxy: str | None = None
) -> tuple[ExitCode, str]:
    """(exit code, one-line message) for an error raised while sending a request
    (through `proxy`, the --proxy URL, if given).

    The message starts with the exception's class name, the name a user searches the
    documentation for.
    """
    code, text = _classify(exc, timeout, proxy)
    return code, one_line(f"{type(exc).__name__}: {text}")


def _classify(
    exc: RequestError | InvalidURL, timeout: float | None, proxy: str | None
) -> tuple[ExitCode, str]:
    detail = str(exc) or "no details"
    if isinstance(exc, InvalidURL):
        return ExitCode.INVALID_URL, detail
    if isinstance(exc, UnsupportedProtocol):
        return ExitCode.INVALID_URL, detail
    if isinstance(exc, ProxyError):
        return ExitCode.PROXY, f"the proxy failed the request: {detail}"
    if isinstance(exc, TimeoutException):
        phase = next((text for kind, text in _TIMEOUT_PHASES if isinstance(exc, kind)), "on")
        after = f" after {timeout:g} s" if timeout is not None else ""
        hint = " (--timeout sets the limit)" if timeout is not None else ""
        where = _origin(exc)
        if proxy is not None and isinstance(exc, ConnectTimeout):
            where = _proxy_origin(proxy)
        return ExitCode.TIMEOUT, f"timed out{after} {phase} {where}{hint}"
    if isinstance(exc, ConnectError):
        return _describe_connect_error(exc, proxy)
    if isinstance(exc, RemoteProtocolError):
        return ExitCode.PROTOCOL, f"invalid or incomplete response from {_origin(exc)}: {detail}"
    if isinstance(exc, LocalProtocolError):
        return ExitCode.ERROR, f"could not send the request: {detail}"
    if isinstance(exc, NetworkError):
        return ExitCode.NETWORK, f"the connection to {_origin(exc)} failed: {detail}"
    if isinstance(exc, TooManyRedirects):
        return ExitCode.TOO_MANY_REDIRECTS, detail
    if isinstance(exc, DecodingError):
        return ExitCode.DECODING, f"could not decode the response body: {detail}"
    return ExitCode.ERROR, detail


class CLIFailure(Exception):
    """The command failed: it prints `message` on one line and exits with `code`."""

    def __init__(self, code: ExitCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = one_line(message)
