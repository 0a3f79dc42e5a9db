"""The transport interfaces: a transport turns one `Request` into one `Response`."""

from __future__ import annotations

import typing
from types import TracebackType

if typing.TYPE_CHECKING:  # pragma: no cover
    from .._models import Request, Response

T = typing.TypeVar("T", bound="BaseTransport")
A = typing.TypeVar("A", bound="AsyncBaseTransport")

__all__ = ["AsyncBaseTransport", "BaseTransport"]


class BaseTransport:
    """The interface of sync transports: `handle_request()` turns a request into a response.

    Subclass it to write a transport for `Client`; override `close()` to release what
    the transport holds. Usable as a context manager.
    """

    def __enter__(self: T) -> T:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self.close()

    def handle_request(self, request: Request) -> Response:
        """Send a single HTTP request and return a response.

        Developers shouldn't typically ever need to call into this API directly, since
        the Client class provides all the higher level user-facing API niceties.

        The response's stream is a `SyncByteStream`; closing the response releases the
        connection. The transport must not follow redirects, apply auth or cookies:
        the client's request flow does that.
        """
        raise NotImplementedError(
            "The 'handle_request' method must be implemented."
        )  # pragma: no cover

    def close(self) -> None:
        """Release the transport's resources (connections, ...). Does nothing here."""
        pass


class AsyncBaseTransport:
    """The interface of async transports, for `AsyncClient`: `handle_async_request()`.

    Override `aclose()` to release what the transport holds. Usable as an async context
    manager.
    """

    async def __aenter__(self: A) -> A:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.aclose()

    async def handle_async_request(self, request: Request) -> Response:
        """Send a single HTTP request and return a response (see `BaseTransport`)."""
        raise NotImplementedError(
            "The 'handle_async_request' method must be implemented."
        )  # pragma: no cover

    async def aclose(self) -> None:
        """Release the transport's resources (connections, ...). Does nothing here."""
        pass
