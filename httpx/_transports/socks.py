"""SOCKS5 connections that close their socket when the SOCKS handshake fails.

httpcore 1.0's `Socks5Connection` opens a TCP stream to the proxy and, if the SOCKS5
handshake then fails (bad credentials, refused target), raises without closing that
stream: the socket lingers until the garbage collector finds it (a ResourceWarning, and
a file descriptor held meanwhile). The subclasses here remember the stream they opened
through a per-connection recording backend, and close it when the connection never got
established.
"""

from __future__ import annotations

import typing

import anyio
import httpcore
from httpcore._async.socks_proxy import AsyncSocks5Connection
from httpcore._sync.socks_proxy import Socks5Connection

__all__ = [
    "AsyncClosingSocks5Connection",
    "ClosingSocks5Connection",
    "socks_connection_options",
]


def socks_connection_options(proxy: typing.Any, origin: httpcore.Origin) -> dict[str, typing.Any]:
    """The keyword arguments httpcore's (Async)SOCKSProxy.create_connection passes on."""
    return {
        "proxy_origin": proxy._proxy_url.origin,
        "remote_origin": origin,
        "proxy_auth": proxy._proxy_auth,
        "ssl_context": proxy._ssl_context,
        "keepalive_expiry": proxy._keepalive_expiry,
        "http1": proxy._http1,
        "http2": proxy._http2,
        "network_backend": proxy._network_backend,
    }


class _RecordingBackend(httpcore.NetworkBackend):
    """Delegates to `inner`, remembering the last TCP stream it opened."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner
        self.stream: httpcore.NetworkStream | None = None

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        self.stream = self._inner.connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )
        return self.stream

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        return self._inner.connect_unix_socket(
            path, timeout=timeout, socket_options=socket_options
        )

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _AsyncRecordingBackend(httpcore.AsyncNetworkBackend):
    """Delegates to `inner`, remembering the last TCP stream it opened."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner
        self.stream: httpcore.AsyncNetworkStream | None = None

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.stream = await self._inner.connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )
        return self.stream

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await self._inner.connect_unix_socket(
            path, timeout=timeout, socket_options=socket_options
        )

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class ClosingSocks5Connection(Socks5Connection):
    def __init__(self, *, network_backend: httpcore.NetworkBackend, **kwargs: typing.Any) -> None:
        self._recorder = _RecordingBackend(network_backend)
        super().__init__(network_backend=self._recorder, **kwargs)

    def handle_request(self, request: httpcore.Request) -> httpcore.Response:
        try:
            return super().handle_request(request)
        except BaseException:
            stream, self._recorder.stream = self._recorder.stream, None
            if self._connection is None and stream is not None:
                stream.close()
            raise


class AsyncClosingSocks5Connection(AsyncSocks5Connection):
    def __init__(
        self, *, network_backend: httpcore.AsyncNetworkBackend, **kwargs: typing.Any
    ) -> None:
        self._recorder = _AsyncRecordingBackend(network_backend)
        super().__init__(network_backend=self._recorder, **kwargs)

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        try:
            return await super().handle_async_request(request)
        except BaseException:
            stream, self._recorder.stream = self._recorder.stream, None
            if self._connection is None and stream is not None:
                # Close even when we are here because the request was cancelled.
                with anyio.CancelScope(shield=True):
                    await stream.aclose()
            raise
