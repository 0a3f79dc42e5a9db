"""httpcore's `(Async)HTTPConnection`, building our HTTP/1.1 and HTTP/2 connections.

Connecting (TCP or unix socket, TLS, ALPN, retries, and their traces) is inherited from
httpcore. Once connected, a request goes straight to the HTTP/1.1 or HTTP/2 connection,
without the per-request anyio lock httpcore takes around that check. The pools create
these through `create_async_connection` / `create_connection` (see pool.py).
"""

from __future__ import annotations

import httpcore

from .http2 import AsyncHTTP2Connection, HTTP2Connection
from .http11 import AsyncHTTP11Connection
from .http11_sync import HTTP11Connection

__all__ = [
    "AsyncFastHTTPConnection",
    "FastHTTPConnection",
    "create_async_connection",
    "create_connection",
]

# httpcore's own entry points, to notice when something (respx) has patched them.
_ASYNC_CONNECTION_ENTRY = httpcore.AsyncHTTPConnection.handle_async_request
_CONNECTION_ENTRY = httpcore.HTTPConnection.handle_request


def _wrong_origin(origin: httpcore.Origin, request: httpcore.Request) -> RuntimeError:
    return RuntimeError(
        f"Attempted to send request to {request.url.origin} on connection to {origin}"
    )


def _speaks_http2(
    stream: httpcore.NetworkStream | httpcore.AsyncNetworkStream, http1: bool, http2: bool
) -> bool:
    """Whether a fresh connection speaks HTTP/2: chosen by ALPN during the TLS handshake
    (RFC 9113 section 3.2), or the only protocol allowed (prior knowledge, section 3.3)."""
    ssl_object = stream.get_extra_info("ssl_object")
    if ssl_object is not None and ssl_object.selected_alpn_protocol() == "h2":
        return True
    return http2 and not http1


class AsyncFastHTTPConnection(httpcore.AsyncHTTPConnection):
    """httpcore's AsyncHTTPConnection, with `AsyncHTTP11Connection` for HTTP/1.1 and no
    lock once it is connected."""

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        if httpcore.AsyncHTTPConnection.handle_async_request is not _ASYNC_CONNECTION_ENTRY:
            # httpcore's method has been patched (respx does): let the patch see it.
            return await super().handle_async_request(request)
        connection = self._connection
        if connection is None:
            connection = await self._connect_once(request)
        return await connection.handle_async_request(request)

    async def _connect_once(self, request: httpcore.Request) -> httpcore.AsyncConnectionInterface:
        if not self.can_handle_request(request.url.origin):
            raise _wrong_origin(self._origin, request)
        try:
            # Requests that share a maybe-HTTP/2 connection wait here for one to connect.
            async with self._request_lock:
                if self._connection is None:
                    stream = await self._connect(request)
                    speaks_http2 = _speaks_http2(stream, self._http1, self._http2)
                    connection_class = (
                        AsyncHTTP2Connection if speaks_http2 else AsyncHTTP11Connection
                    )
                    self._connection = connection_class(
                        origin=self._origin, stream=stream, keepalive_expiry=self._keepalive_expiry
                    )
        except BaseException:
            self._connect_failed = True
            raise
        return self._connection


class FastHTTPConnection(httpcore.HTTPConnection):
    """httpcore's HTTPConnection, with `HTTP11Connection` for HTTP/1.1 and no lock once it
    is connected."""

    def handle_request(self, request: httpcore.Request) -> httpcore.Response:
        if httpcore.HTTPConnection.handle_request is not _CONNECTION_ENTRY:
            # httpcore's method has been patched (respx does): let the patch see it.
            return super().handle_request(request)
        connection = self._connection
        if connection is None:
            connection = self._connect_once(request)
        return connection.handle_request(request)

    def _connect_once(self, request: httpcore.Request) -> httpcore.ConnectionInterface:
        if not self.can_handle_request(request.url.origin):
            raise _wrong_origin(self._origin, request)
        try:
            # Requests that share a maybe-HTTP/2 connection wait here for one to connect.
            with self._request_lock:
                if self._connection is None:
                    stream = self._connect(request)
                    speaks_http2 = _speaks_http2(stream, self._http1, self._http2)
                    connection_class = HTTP2Connection if speaks_http2 else HTTP11Connection
                    self._connection = connection_class(
                        origin=self._origin, stream=stream, keepalive_expiry=self._keepalive_expiry
                    )
        except BaseException:
            self._connect_failed = True
            raise
        return self._connection


# --- for the pools ------------------------------------------------------------------------


def create_async_connection(
    pool: httpcore.AsyncConnectionPool, origin: httpcore.Origin
) -> httpcore.AsyncConnectionInterface:
    """What `pool.create_connection(origin)` returns, with our HTTP/1.1 connection."""
    if pool._proxy is not None:  # httpcore's own proxy support (not used by our transports)
        return httpcore.AsyncConnectionPool.create_connection(pool, origin)
    return AsyncFastHTTPConnection(
        origin=origin,
        ssl_context=pool._ssl_context,
        keepalive_expiry=pool._keepalive_expiry,
        http1=pool._http1,
        http2=pool._http2,
        retries=pool._retries,
        local_address=pool._local_address,
        uds=pool._uds,
        network_backend=pool._network_backend,
        socket_options=pool._socket_options,
    )


def create_connection(
    pool: httpcore.ConnectionPool, origin: httpcore.Origin
) -> httpcore.ConnectionInterface:
    """The sync twin of `create_async_connection`."""
    if pool._proxy is not None:
        return httpcore.ConnectionPool.create_connection(pool, origin)
    return FastHTTPConnection(
        origin=origin,
        ssl_context=pool._ssl_context,
        keepalive_expiry=pool._keepalive_expiry,
        http1=pool._http1,
        http2=pool._http2,
        retries=pool._retries,
        local_address=pool._local_address,
        uds=pool._uds,
        network_backend=pool._network_backend,
        socket_options=pool._socket_options,
    )
