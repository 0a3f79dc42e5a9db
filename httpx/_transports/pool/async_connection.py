"""A pooled connection: connects on its first request, then speaks HTTP/1.1 or HTTP/2.

Written once, as async code; scripts/unasync.py generates `sync_connection.py`. The pool
creates one per new connection; the connect step (network/async_connect.py) opens its
stream, and the protocol is chosen here, in one place: HTTP/2 when TLS's ALPN picked
"h2" (RFC 9113 section 3.2) or when HTTP/2 is the only protocol allowed (prior
knowledge, section 3.3), else HTTP/1.1. Through a forwarding proxy, each request is
rewritten to absolute form for the proxy (RFC 9112 section 3.2.2).

Test suites patch ``httpcore.AsyncHTTPConnection.handle_async_request`` (respx does):
while such a patch is in place, requests go through it, with a stock httpcore connection
made with the same options standing in for this one (and what the patch lets through is
then served by httpcore).
"""

from __future__ import annotations

import types
import typing

import httpcore

from ..http11 import AsyncHTTP11Connection, ResponseParser
from ..network.async_connect import AsyncConnector
from ..network.async_primitives import AsyncLock
from ..network.route import forward_request

__all__ = ["AsyncConnection"]

# httpcore's own entry point, to notice when something (respx) has patched it.
_HTTPCORE_ENTRY = httpcore.AsyncHTTPConnection.handle_async_request


def _speaks_http2(
    stream: httpcore.NetworkStream | httpcore.AsyncNetworkStream, http1: bool, http2: bool
) -> bool:
    """Whether a fresh connection speaks HTTP/2: chosen by ALPN during the TLS handshake
    (RFC 9113 section 3.2), or the only protocol allowed (prior knowledge, section 3.3)."""
    ssl_object = stream.get_extra_info("ssl_object")
    if ssl_object is not None and ssl_object.selected_alpn_protocol() == "h2":
        return True
    return http2 and not http1


class AsyncConnection(httpcore.AsyncConnectionInterface):
    """One pooled connection to `origin` (see the module docstring)."""

    def __init__(
        self,
        origin: httpcore.Origin,
        connector: AsyncConnector,
        parser_factory: typing.Callable[[], ResponseParser],
    ) -> None:
        self._origin = origin
        self._connector = connector
        self._parser_factory = parser_factory
        options = connector.options
        self._http1 = options.http1
        self._http2 = options.http2
        proxy = options.proxy
        self._forward_to = proxy if proxy is not None and proxy.forwards(origin) else None
        self._connection: httpcore.AsyncConnectionInterface | None = None
        self._connect_failed = False
        # Requests that share a maybe-HTTP/2 connection wait for it to connect; an
        # HTTP/1.1-only connection is handed to one request at a time.
        self._connect_lock = AsyncLock() if self._may_share() else None
        self._stand_in: httpcore.AsyncHTTPConnection | None = None

    def _may_share(self) -> bool:
        return (
            self._http2
            and self._forward_to is None
            and (self._origin.scheme == b"https" or not self._http1)
        )

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        if httpcore.AsyncHTTPConnection.handle_async_request is not _HTTPCORE_ENTRY:
            return await self._patched_entry(request)
        connection = self._connection
        if connection is None:
            connection = await self._connect(request)
        if self._forward_to is not None:
            request = forward_request(request, self._forward_to)
        return await connection.handle_async_request(request)

    async def _connect(self, request: httpcore.Request) -> httpcore.AsyncConnectionInterface:
        if not self.can_handle_request(request.url.origin):
            raise RuntimeError(
                f"Attempted to send request to {request.url.origin} on connection to "
                f"{self._origin}"
            )
        try:
            lock = self._connect_lock
            if lock is None:
                self._connection = await self._open(request)
            else:
                async with lock:
                    if self._connection is None:
                        self._connection = await self._open(request)
        except BaseException:
            self._connect_failed = True
            raise
        return self._connection

    async def _open(self, request: httpcore.Request) -> httpcore.AsyncConnectionInterface:
        stream = await self._connector.connect(self._origin, request)
        keepalive_expiry = self._connector.options.keepalive_expiry
        if self._forward_to is None and _speaks_http2(stream, self._http1, self._http2):
            # Imported on first use: HTTP/2 is optional (its engine needs `h2`).
            from ..http2 import AsyncHTTP2Connection

            return AsyncHTTP2Connection(
                origin=self._origin, stream=stream, keepalive_expiry=keepalive_expiry
            )
        origin = self._origin if self._forward_to is None else self._forward_to.origin
        return AsyncHTTP11Connection(
            origin, stream, keepalive_expiry, parser=self._parser_factory()
        )

    async def _patched_entry(self, request: httpcore.Request) -> httpcore.Response:
        stand_in = self._stand_in
        if stand_in is None:
            options = self._connector.options
            stand_in = self._stand_in = httpcore.AsyncHTTPConnection(
                origin=self._origin,
                ssl_context=options.ssl_context,
                keepalive_expiry=options.keepalive_expiry,
                http1=options.http1,
                http2=options.http2,
                retries=options.retries,
                local_address=options.local_address,
                uds=options.uds,
                network_backend=self._connector.backend,
                socket_options=options.socket_options,
            )
            self._connection = stand_in
        return await httpcore.AsyncHTTPConnection.handle_async_request(stand_in, request)

    def has_connected(self) -> bool:
        """Whether the connection was open before (a request on it reuses it)."""
        return self._connection is not None

    # --- httpcore's connection interface ------------------------------------------------

    def can_handle_request(self, origin: httpcore.Origin) -> bool:
        return origin == self._origin

    def is_available(self) -> bool:
        connection = self._connection
        if connection is None:
            # A connection that may become HTTP/2 can take more requests while it
            # connects (as httpcore's does).
            return self._may_share() and not self._connect_failed
        return connection.is_available()

    def has_expired(self) -> bool:
        connection = self._connection
        if connection is None:
            return self._connect_failed
        return connection.has_expired()

    def is_idle(self) -> bool:
        connection = self._connection
        if connection is None:
            return self._connect_failed
        return connection.is_idle()

    def is_closed(self) -> bool:
        connection = self._connection
        if connection is None:
            return self._connect_failed
        return connection.is_closed()

    def info(self) -> str:
        connection = self._connection
        if connection is None:
            return "CONNECTION FAILED" if self._connect_failed else "CONNECTING"
        return connection.info()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.info()}]>"

    async def aclose(self) -> None:
        connection = self._connection
        if connection is not None:
            await connection.aclose()

    async def __aenter__(self) -> AsyncConnection:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: types.TracebackType | None = None,
    ) -> None:
        await self.aclose()
