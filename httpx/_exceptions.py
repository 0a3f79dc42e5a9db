"""The httpx exception hierarchy (as in httpx 0.28).

HTTPError
├── RequestError
│   ├── TransportError
│   │   ├── TimeoutException
│   │   │   ├── ConnectTimeout, ReadTimeout, WriteTimeout, PoolTimeout
│   │   ├── NetworkError
│   │   │   ├── ConnectError, ReadError, WriteError, CloseError
│   │   ├── ProtocolError
│   │   │   ├── LocalProtocolError, RemoteProtocolError
│   │   ├── ProxyError
│   │   └── UnsupportedProtocol
│   ├── DecodingError
│   │   └── DecodedSizeExceeded (ours: not in httpx 0.28, not in __all__)
│   └── TooManyRedirects
└── HTTPStatusError
InvalidURL
CookieConflict
StreamError (a RuntimeError)
├── StreamConsumed, StreamClosed, ResponseNotRead, RequestNotRead
"""

from __future__ import annotations

import types
import typing

if typing.TYPE_CHECKING:  # pragma: no cover
    from ._models import Request, Response

__all__ = [
    "CloseError",
    "ConnectError",
    "ConnectTimeout",
    "CookieConflict",
    "DecodedSizeExceeded",
    "DecodingError",
    "HTTPError",
    "HTTPStatusError",
    "InvalidURL",
    "LocalProtocolError",
    "NetworkError",
    "PoolTimeout",
    "ProtocolError",
    "ProxyError",
    "ReadError",
    "ReadTimeout",
    "RemoteProtocolError",
    "RequestError",
    "RequestNotRead",
    "ResponseNotRead",
    "StreamClosed",
    "StreamConsumed",
    "StreamError",
    "TimeoutException",
    "TooManyRedirects",
    "TransportError",
    "UnsupportedProtocol",
    "WriteError",
    "WriteTimeout",
]


class HTTPError(Exception):
    """Base class for `RequestError` and `HTTPStatusError`.

    Useful for `try...except` blocks around `response.raise_for_status()`.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self._request: Request | None = None

    @property
    def request(self) -> Request:
        """The request that failed (`RuntimeError` if none was attached)."""
        if self._request is None:
            raise RuntimeError("The .request property has not been set.")
        return self._request

    @request.setter
    def request(self, request: Request) -> None:
        self._request = request


class RequestError(HTTPError):
    """Base class for all exceptions that may occur when issuing a `.request()`."""

    def __init__(self, message: str, *, request: Request | None = None) -> None:
        super().__init__(message)
        # The request is usually attached later, at the transport boundary or by the
        # client, since the code raising it may not have it to hand.
        self._request = request


class TransportError(RequestError):
    """Base class for all exceptions that occur at the level of the transport API."""


class TimeoutException(TransportError):
    """The base class for timeout errors."""


class ConnectTimeout(TimeoutException):
    """Timed out while connecting to the host."""


class ReadTimeout(TimeoutException):
    """Timed out while receiving data from the host."""


class WriteTimeout(TimeoutException):
    """Timed out while sending data to the host."""


class PoolTimeout(TimeoutException):
    """Timed out waiting to acquire a connection from the pool."""


class NetworkError(TransportError):
    """The base class for network-related errors."""


class ReadError(NetworkError):
    """Failed to receive data from the network."""


class WriteError(NetworkError):
    """Failed to send data through the network."""


class ConnectError(NetworkError):
    """Failed to establish a connection."""


class CloseError(NetworkError):
    """Failed to close a connection."""


class ProxyError(TransportError):
    """An error occurred while establishing a proxy connection."""


class UnsupportedProtocol(TransportError):
    """Attempted to make a request to an unsupported protocol (e.g. ``ftp://``)."""


class ProtocolError(TransportError):
    """The protocol was violated."""


class LocalProtocolError(ProtocolError):
    """A protocol was violated by the client (e.g. an invalid header)."""


class RemoteProtocolError(ProtocolError):
    """The protocol was violated by the server (e.g. a malformed status line)."""


class DecodingError(RequestError):
    """Decoding of the response body failed."""


class DecodedSizeExceeded(DecodingError):
    """The decoded response body grew past the `max_decoded_size` limit.

    Raised while streaming, as soon as the limit is passed: the guard against
    decompression bombs, a few kilobytes that would inflate to gigabytes.
    """


class TooManyRedirects(RequestError):
    """Too many redirects."""


class HTTPStatusError(HTTPError):
    """The response had an error HTTP status of 4xx or 5xx.

    May be raised when calling `response.raise_for_status()`.
    """

    def __init__(self, message: str, *, request: Request, response: Response) -> None:
        super().__init__(message)
        self.request = request
        self.response = response


class InvalidURL(Exception):
    """URL is improperly formed or cannot be parsed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class CookieConflict(Exception):
    """Attempted to lookup a cookie by name, but multiple cookies existed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class StreamError(RuntimeError):
    """The base class for stream misuse: these are programming errors, not I/O errors."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class StreamConsumed(StreamError):
    """Attempted to read or stream content that has already been streamed."""

    def __init__(self) -> None:
        message = (
            "Attempted to read or stream some content, but the content has "
            "already been streamed. For requests, this could be due to passing "
            "a generator as request content, and then receiving a redirect "
            "response or a secondary request as part of an authentication flow."
            # (No space here: httpx 0.28's message reads "flow.For responses".)
            "For responses, this could be due to attempting to stream the response "
            "content more than once."
        )
        super().__init__(message)


class StreamClosed(StreamError):
    """Attempted to read or stream response content after the stream was closed."""

    def __init__(self) -> None:
        message = "Attempted to read or stream content, but the stream has been closed."
        super().__init__(message)


class ResponseNotRead(StreamError):
    """Attempted to access streaming response content without having called `read()`."""

    def __init__(self) -> None:
        message = "Attempted to access streaming response content, without having called `read()`."
        super().__init__(message)


class RequestNotRead(StreamError):
    """Attempted to access streaming request content without having called `read()`."""

    def __init__(self) -> None:
        message = "Attempted to access streaming request content, without having called `read()`."
        super().__init__(message)


def attach_request(exc: RequestError, request: Request | None) -> None:
    """What `request_context` does to a RequestError leaving its block, for hot paths
    that use a plain ``try`` instead (no context-manager object per call)."""
    if request is not None and exc._request is None:
        exc._request = request


class request_context:
    """Attach `request` to any `RequestError` raised inside the block that lacks one.

    Used as ``with request_context(request=...)``, as in httpx. A class rather than a
    generator-based context manager: it wraps every read of a response body.
    """

    __slots__ = ("_request",)

    def __init__(self, request: Request | None = None) -> None:
        self._request = request

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        if isinstance(exc, RequestError) and self._request is not None and exc._request is None:
            exc._request = self._request
