"""`Request`: an HTTP request as clients build it and transports send it."""

from __future__ import annotations

import re
import typing

from ._content import ByteStream, UnattachedStream, encode_request
from ._cookies import Cookies
from ._exceptions import (
    LocalProtocolError,
    RequestNotRead,
)
from ._headers import Headers
from ._multipart import boundary_from_content_type
from ._types import (
    AsyncByteStream,
    CookieTypes,
    HeaderTypes,
    QueryParamTypes,
    RequestContent,
    RequestData,
    RequestExtensions,
    RequestFiles,
    SyncByteStream,
)
from ._urls import URL

__all__ = ["MAX_DECODED_SIZE_EXTENSION", "Request"]

# The request extension that caps how many bytes a compressed response body may
# decompress to (a defence against decompression bombs). None means no limit.
MAX_DECODED_SIZE_EXTENSION = "max_decoded_size"
_METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
_NO_BODY_HEADERS: dict[str, str] = {}
_COMMON_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_METHOD = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _normalize_method(method: str | bytes) -> str:
    """The upper-cased method (bytes stay bytes, as in httpx); it must be a token (RFC
    9110 section 9.1)."""
    if isinstance(method, str):
        if method in _COMMON_METHODS:
            return method
        text = method
    elif isinstance(method, bytes):
        text = method.decode("latin-1")
    else:
        return method.upper()  # (httpx's AttributeError for other types)
    if _METHOD.fullmatch(text) is None:
        # Caught here rather than by the transport after it has connected; a space or a
        # CR LF in the method would also rewrite the request line.
        raise LocalProtocolError(
            f"Invalid HTTP method {method!r}: a method must be a token (RFC 9110 section "
            "9.1), made of ASCII letters, digits and !#$%&'*+-.^_`|~ only."
        )
    return method.upper()  # type: ignore[return-value]


class Request:
    """An HTTP request: what a client sends, and what a transport receives.

    Clients build requests for you (`client.build_request()`); build one yourself to send
    it with `client.send()` or to hand it to a transport. The method, URL, headers and
    cookies are validated here, before any I/O: an invalid URL raises `InvalidURL`, an
    illegal method, header name or value `LocalProtocolError`.

    Args:
        method: The HTTP method, such as `"GET"` (upper-cased).
        url: The URL, as a string or `httpx.URL`.
        params: Query parameters; they replace the query string of `url`.
        headers: Request headers.
        cookies: Cookies, sent in a `Cookie` header when they apply to the URL.
        content: A raw body: bytes, str (sent as UTF-8), or an (async) iterator of bytes.
        data: Form fields, sent URL-encoded, or as multipart with `files`.
        files: Files to upload as `multipart/form-data`.
        json: A value to send JSON-encoded.
        stream: A ready-made body stream (for transports; framing headers are not added).
        extensions: Request extensions, such as `timeout` or `trace`.

    Attributes:
        method: The HTTP method (str).
        url: The URL (`httpx.URL`).
        headers: The headers (`httpx.Headers`), `Host` and body framing included.
        stream: The body stream.
        extensions: The request extensions (dict).
    """

    def __init__(
        self,
        method: str,
        url: URL | str,
        *,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: typing.Any | None = None,
        stream: SyncByteStream | AsyncByteStream | None = None,
        extensions: RequestExtensions | None = None,
    ) -> None:
        self.method = _normalize_method(method)
        self.url = url if isinstance(url, URL) else URL(url)
        if params is not None:
            # As in httpx, params replace the URL's query string (empty params remove it).
            self.url = self.url.copy_with(params=params)
        self.headers = Headers(headers)
        self.extensions: dict[str, typing.Any] = {} if extensions is None else dict(extensions)

        if cookies:
            # The client hands us a merged Cookies of its own: no need for another copy.
            jar = cookies if isinstance(cookies, Cookies) else Cookies(cookies)
            jar.set_cookie_header(self)

        self.stream: SyncByteStream | AsyncByteStream
        if stream is None:
            if content is None and data is None and files is None and json is None:
                # No body (most requests): nothing to encode.
                self._prepare(_NO_BODY_HEADERS)
                self.stream = ByteStream(b"")
                self._content = b""
                return
            # A multipart body keeps the boundary of a Content-Type given with it.
            boundary = (
                boundary_from_content_type(self.headers.get("content-type")) if files else None
            )
            body_headers, stream = encode_request(
                content=content, data=data, files=files, json=json, boundary=boundary
            )
            self._prepare(body_headers)
            self.stream = stream
            # Bodies given as bytes are available at once, with no read() needed.
            if isinstance(stream, ByteStream):
                self._content = stream._stream
        else:
            # A stream given directly (by a transport or a client internally) carries its
            # own framing headers: we add nothing.
            self.stream = stream

    def _prepare(self, default_headers: dict[str, str]) -> None:
        headers = self.headers
        for key, value in default_headers.items():
            # A user-set Content-Length wins over chunked framing.
            if key == "Transfer-Encoding" and "Content-Length" in headers:
                continue
            # (headers.setdefault(), without its KeyError for the usual missing header)
            if key not in headers:
                headers[key] = value

        auto: list[tuple[bytes, bytes, bytes]] = []
        if "Host" not in headers and self.url.host:
            auto.append((b"Host", b"host", self.url.netloc))
        if (
            self.method in _METHODS_WITH_BODY
            and "Content-Length" not in headers
            and "Transfer-Encoding" not in headers
        ):
            # RFC 9110 section 8.6: a user agent should send Content-Length: 0 for a
            # body-bearing method with no body.
            auto.append((b"Content-Length", b"content-length", b"0"))
        if auto:
            # Put first, in the headers we own (built in __init__): no new Headers.
            headers._list[:0] = auto
            headers._encoding = None  # (as httpx, which rebuilds them from .raw)

    @property
    def content(self) -> bytes:
        """The body as bytes; `RequestNotRead` for a streamed body not yet `read()`."""
        if not hasattr(self, "_content"):
            raise RequestNotRead()
        return self._content

    def read(self) -> bytes:
        """Read and return the request content."""
        if not hasattr(self, "_content"):
            assert isinstance(self.stream, typing.Iterable)
            self._content = b"".join(self.stream)
            if not isinstance(self.stream, ByteStream):
                # The stream may be one-shot: replace it with a replayable one, so that
                # redirects and auth retries can send the body again.
                self.stream = ByteStream(self._content)
        return self._content

    async def aread(self) -> bytes:
        """Read and return the request content."""
        if not hasattr(self, "_content"):
            assert isinstance(self.stream, typing.AsyncIterable)
            self._content = b"".join([part async for part in self.stream])
            if not isinstance(self.stream, ByteStream):
                self.stream = ByteStream(self._content)
        return self._content

    def __repr__(self) -> str:
        class_name = self.__class__.__name__
        url = str(self.url)
        return f"<{class_name}({self.method!r}, {url!r})>"

    def __getstate__(self) -> dict[str, typing.Any]:
        return {
            name: value
            for name, value in self.__dict__.items()
            if name not in ["extensions", "stream"]
        }

    def __setstate__(self, state: dict[str, typing.Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self.extensions = {}
        content = state.get("_content")
        self.stream = ByteStream(content) if content is not None else UnattachedStream()
