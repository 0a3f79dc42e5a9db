"""`WSGITransport`: send requests straight into a WSGI application (PEP 3333), in-process.

Choices, and why:

- The request body is streamed into ``wsgi.input`` as the app reads it when its length is
  known (a ``Content-Length`` header), so large uploads (multipart files) are not held in
  memory twice. A body of unknown length (chunked) is read whole first, so that the app
  still gets a ``CONTENT_LENGTH``: most WSGI apps read exactly that many bytes. We also
  set ``wsgi.input_terminated`` (the mod_wsgi/gunicorn extension), since our input does
  end cleanly at EOF.
- The response body streams from the app's iterable as the client reads it. The app's
  iterable is always closed (PEP 3333 requires it), on exhaustion, on error, or when the
  response is closed.
- Like a real server we send a HEAD response with no body (RFC 9110 section 9.3.2).
- Where httpx's environ is a matter of taste, it is httpx's: ``SCRIPT_NAME`` is the
  transport's ``script_name`` as given and ``PATH_INFO`` the whole path. Where it is not
  (a non-ASCII path, repeated headers, output given to ``write()``), we follow PEP 3333
  and what servers do; docs/compatibility.md lists these.
"""

from __future__ import annotations

import collections
import io
import re
import sys
import traceback
import typing
from collections.abc import Iterable, Iterator
from urllib.parse import unquote_to_bytes

from .._exceptions import RemoteProtocolError, RequestNotRead, UnsupportedProtocol
from .._models import Request, Response
from .._types import SyncByteStream
from .base import BaseTransport

if typing.TYPE_CHECKING:  # pragma: no cover
    from _typeshed import OptExcInfo, WriteableBuffer
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

__all__ = ["WSGIByteStream", "WSGITransport"]

_DEFAULT_PORTS = {"http": 80, "https": 443}

# PEP 3333: the status is "a status code and a reason phrase, separated by a single space".
# We accept a missing reason phrase too (it is optional on the wire, RFC 9112 section 4).
_STATUS = re.compile(r"([1-9][0-9]{2})(?: [^\r\n]*)?")

# Headers the CGI convention (RFC 3875 section 4.1) passes without the HTTP_ prefix.
_UNPREFIXED_HEADERS = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})


def _as_environ_str(text: str) -> str:
    """PEP 3333 "native strings": the bytes of `text` as UTF-8, decoded as latin-1."""
    return text.encode("utf-8").decode("latin-1") if not text.isascii() else text


def _checked_chunk(chunk: object) -> bytes:
    if isinstance(chunk, bytes):
        return chunk
    if isinstance(chunk, (bytearray, memoryview)):
        return bytes(chunk)
    raise TypeError(
        f"WSGI app produced a {type(chunk).__name__!r} body chunk: "
        "PEP 3333 response bodies must be bytes."
    )


class _RequestBodyReader(io.RawIOBase):
    """The raw layer of ``wsgi.input``: pulls request body chunks as the app reads.

    A failure of the request stream itself (a client-side error) is recorded, so that the
    transport re-raises it as such, rather than as an error of the app that saw it.
    """

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = memoryview(b"")
        self.error: Exception | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        while not self._pending:
            try:
                chunk = next(self._chunks)
            except StopIteration:
                return 0
            except Exception as exc:
                self.error = exc
                raise
            self._pending = memoryview(chunk)
        target = memoryview(buffer).cast("B")
        size = min(len(target), len(self._pending))
        target[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


class _StartResponse:
    """The ``start_response`` callable of PEP 3333, recording what the app gives it."""

    def __init__(self, raise_app_exceptions: bool) -> None:
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        # Output passed to the legacy write() callable, sent before the iterable's.
        self.written: collections.deque[bytes] = collections.deque()
        self.headers_sent = False
        self._raise_app_exceptions = raise_app_exceptions

    def __call__(
        self,
        status: str,
        headers: list[tuple[str, str]],
        exc_info: OptExcInfo | None = None,
        /,
    ) -> typing.Callable[[bytes], object]:
        if exc_info is not None and exc_info[1] is not None:
            # PEP 3333: an app reporting an error may replace the status and headers while
            # they are unsent; once sent, start_response must re-raise the error. We also
            # re-raise when asked to surface app errors, which is what tests want.
            try:
                if self.headers_sent or self._raise_app_exceptions:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None  # PEP 3333: avoid a frame <-> traceback reference cycle.
        elif self.status is not None:
            raise RuntimeError(
                "WSGI app called start_response() a second time without exc_info "
                "(PEP 3333 forbids this)."
            )
        self.status = status
        self.headers = headers
        return self.write

    def write(self, data: bytes) -> None:
        # Only start_response() hands this out, so the status is always set by now.
        self.written.append(_checked_chunk(data))
        self.headers_sent = True

    def parsed(self) -> tuple[int, list[tuple[bytes, bytes]]]:
        """The status code and encoded headers, or an error naming what the app got wrong."""
        if self.status is None:
            raise RuntimeError("WSGI app returned without calling start_response().")
        match = _STATUS.fullmatch(self.status) if isinstance(self.status, str) else None
        if match is None:
            raise RuntimeError(
                f"WSGI app gave an invalid status {self.status!r}: expected a str such as "
                "'200 OK'."
            )
        try:
            # PEP 3333: header names and values are latin-1 "native strings".
            headers = [
                (name.encode("latin-1"), value.encode("latin-1")) for name, value in self.headers
            ]
        except (AttributeError, TypeError, ValueError) as exc:
            raise RuntimeError(
                f"WSGI app gave invalid response headers {self.headers!r}: expected a list of "
                "(str, str) pairs of latin-1 text."
            ) from exc
        return int(match.group(1)), headers


class _AppOutput:
    """The app's response iterable, plus anything it passed to write()."""

    def __init__(self, result: Iterable[bytes], start_response: _StartResponse) -> None:
        self._result = result
        self._start_response = start_response
        self._closed = False
        self._iterator = iter(result)

    def next_chunk(self) -> bytes | None:
        """The next non-empty chunk of output, or None at its end."""
        written = self._start_response.written
        while True:
            if written:
                return written.popleft()
            try:
                chunk = _checked_chunk(next(self._iterator))
            except StopIteration:
                if written:  # A generator may call write() before finishing.
                    continue
                return None
            if chunk:
                return chunk

    def close(self) -> None:
        # PEP 3333: the server must call the iterable's close(), if it has one, whether
        # the request completed normally or not.
        if not self._closed:
            self._closed = True
            close = getattr(self._result, "close", None)
            if close is not None:
                close()

    def close_after_error(self) -> None:
        try:
            self.close()
        except Exception:
            pass  # The app's first error is the one worth reporting.


class WSGIByteStream(SyncByteStream):
    """The response body: the app's output, pulled chunk by chunk as the client reads."""

    def __init__(
        self,
        first_chunk: bytes | None,
        output: _AppOutput,
        body_reader: _RequestBodyReader | None,
        raise_app_exceptions: bool,
        request: Request,
    ) -> None:
        self._first_chunk = first_chunk
        self._output = output
        self._body_reader = body_reader
        self._raise_app_exceptions = raise_app_exceptions
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        chunk, self._first_chunk = self._first_chunk, None
        try:
            while chunk is not None:
                yield chunk
                chunk = self._output.next_chunk()
        except Exception as exc:
            self._output.close_after_error()
            if self._body_reader is not None and self._body_reader.error is not None:
                raise self._body_reader.error from None
            if self._raise_app_exceptions:
                raise
            # A real server would drop the connection mid-body; report it the way the
            # client would see that from a server.
            raise RemoteProtocolError(
                f"WSGI app raised {exc!r} while sending the response body: "
                "the body is incomplete.",
                request=self._request,
            ) from exc
        self._output.close()

    def close(self) -> None:
        self._output.close()


class WSGITransport(BaseTransport):
    """A transport that calls a WSGI app directly, with no network in between.

    ```python
    transport = httpx.WSGITransport(app=flask_app)
    client = httpx.Client(transport=transport, base_url="http://testserver")
    ```

    With ``raise_app_exceptions=False`` an error of the app becomes a ``500`` response
    (its traceback goes to ``wsgi.errors``), as a server would answer.
    """

    def __init__(
        self,
        app: WSGIApplication,
        raise_app_exceptions: bool = True,
        script_name: str = "",
        remote_addr: str = "127.0.0.1",
        wsgi_errors: typing.TextIO | None = None,
    ) -> None:
        self.app = app
        self.raise_app_exceptions = raise_app_exceptions
        self.script_name = script_name
        self.remote_addr = remote_addr
        self.wsgi_errors = wsgi_errors

    def handle_request(self, request: Request) -> Response:
        environ, body_reader = self._build_environ(request)
        start_response = _StartResponse(self.raise_app_exceptions)
        output: _AppOutput | None = None
        try:
            result = self.app(environ, start_response)
            output = _AppOutput(result, start_response)
            # Generator apps call start_response() on their first step, and may replace
            # the status on an error up to the first non-empty chunk (PEP 3333): so pull
            # output up to there before reading the status.
            first_chunk = output.next_chunk()
            status_code, headers = start_response.parsed()
        except Exception as exc:
            if output is not None:
                output.close_after_error()
            if body_reader is not None and body_reader.error is not None:
                raise body_reader.error from None
            if self.raise_app_exceptions:
                raise
            traceback.print_exception(exc, file=environ["wsgi.errors"])
            return Response(500, headers=[(b"Content-Length", b"0")])

        start_response.headers_sent = True
        if request.method == "HEAD":
            output.close()
            first_chunk = None
        stream = WSGIByteStream(
            first_chunk, output, body_reader, self.raise_app_exceptions, request
        )
        return Response(status_code, headers=headers, stream=stream)

    def _build_environ(
        self, request: Request
    ) -> tuple[WSGIEnvironment, _RequestBodyReader | None]:
        url = request.url
        default_port = _DEFAULT_PORTS.get(url.scheme)
        if default_port is None:
            raise UnsupportedProtocol(
                f"WSGITransport serves 'http' and 'https' URLs only, not {url.scheme!r}.",
                request=request,
            )
        # PEP 3333: PATH_INFO holds the percent-decoded path bytes, decoded as latin-1.
        raw_path = url.raw_path.partition(b"?")[0]
        path_info = unquote_to_bytes(raw_path).decode("latin-1") or "/"
        # As httpx does: SCRIPT_NAME is `script_name` as given, and PATH_INFO the whole
        # path, the mount point included (code written for httpx routes on that).
        script_name = _as_environ_str(self.script_name)

        environ: WSGIEnvironment = {
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": script_name,
            "PATH_INFO": path_info,
            "QUERY_STRING": url.query.decode("latin-1"),
            "SERVER_NAME": url.raw_host.decode("latin-1"),
            "SERVER_PORT": str(url.port or default_port),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": self.remote_addr,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": url.scheme,
            "wsgi.errors": self.wsgi_errors or sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.input_terminated": True,
        }
        for raw_name, raw_value in request.headers.raw:
            key = raw_name.decode("latin-1").upper().replace("-", "_")
            if key not in _UNPREFIXED_HEADERS:
                key = "HTTP_" + key
            value = raw_value.decode("latin-1")
            if key in environ:
                # RFC 9110 section 5.3: repeated fields combine into a comma-separated
                # list; cookies are the exception (RFC 6265 section 5.4 uses "; ").
                value = environ[key] + ("; " if key == "HTTP_COOKIE" else ",") + value
            environ[key] = value

        environ["wsgi.input"], body_reader = self._request_body(request, environ)
        return environ, body_reader

    def _request_body(
        self, request: Request, environ: WSGIEnvironment
    ) -> tuple[typing.BinaryIO, _RequestBodyReader | None]:
        try:
            content: bytes | None = request.content
        except RequestNotRead:
            content = None
        if content is None:
            if not isinstance(request.stream, Iterable):
                raise RuntimeError(
                    "WSGITransport is sync, but the request body is an async stream: "
                    "send it with a sync request body."
                )
            if "CONTENT_LENGTH" in environ:
                body_reader = _RequestBodyReader(iter(request.stream))
                return io.BufferedReader(body_reader), body_reader
            content = request.read()
        if content and "CONTENT_LENGTH" not in environ:
            environ["CONTENT_LENGTH"] = str(len(content))
        return io.BytesIO(content), None


# `httpx.WSGITransport` as users see it (in reprs and tracebacks), however it was imported:
# `import httpx` loads this module on first use (httpx/__init__.py `_LAZY`).
WSGITransport.__module__ = "httpx"
