"""Network streams and backends under the overall deadline (see deadline.py).

Written once, as async code; scripts/unasync.py generates `sync_deadline.py`. Besides
shortening every timeout to the time the request has left, the wrappers:

* close the plain socket when a TLS handshake is cancelled or fails, whatever the
  backend underneath;
* on the async side only, leave the stream of an HTTP/2 connection unlimited
  (`AsyncSharedStream`), since its requests share it;
* mark, in the current request's `Timings`, when its request was written and the
  response read;
* open connections through a test's patch of httpcore's backend classes, when there is
  one (respx patches ``connect_tcp`` to make passed-through requests fail; see
  _httpcore_seam.py): for the connect step, and for httpcore's own connections when a
  patched pool passes a request on to httpcore.
"""

from __future__ import annotations

import ssl
import typing

import httpcore

from ..._exceptions import ConnectTimeout, ReadTimeout, WriteTimeout
from ..._timings import current_timings
from .._httpcore_seam import async_patched_backend
from .async_primitives import AsyncSharesH2Streams, AsyncShieldCancellation
from .deadline import enter_phase, limit_sleep, limit_timeout, pass_through_extras, speaks_h2
from .route import Address

if typing.TYPE_CHECKING:  # pragma: no cover
    from httpcore import SOCKET_OPTION

__all__ = ["AsyncDeadlineBackend", "AsyncDeadlineStream", "AsyncSharedStream"]


class AsyncDeadlineStream(httpcore.AsyncNetworkStream):
    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self.aclose = stream.aclose  # type: ignore[method-assign]
        self.get_extra_info = stream.get_extra_info  # type: ignore[method-assign]
        pass_through_extras(self, stream)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        timings = current_timings.get()
        if timings is not None:
            timings.mark_read()
        return await self._stream.read(max_bytes, limit_timeout(timeout, ReadTimeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, limit_timeout(timeout, WriteTimeout))
        timings = current_timings.get()
        if timings is not None:
            timings.mark_sent()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            timeout = limit_timeout(timeout, ConnectTimeout)
            tls_stream = await self._stream.start_tls(ssl_context, server_hostname, timeout)
        except BaseException:
            # Cancelled or failed: close the plain socket now (see the module docstring).
            with AsyncShieldCancellation():
                await self._stream.aclose()
            raise
        if AsyncSharesH2Streams and speaks_h2(tls_stream):
            return AsyncSharedStream(tls_stream)
        return AsyncDeadlineStream(tls_stream)


class AsyncSharedStream(httpcore.AsyncNetworkStream):
    """The stream of an HTTP/2 connection, which all its requests share (async side only):
    a read or write may be done by one request on behalf of the others, and when it times
    out the connection fails every stream on it. So one request's deadline does not shorten
    these timeouts; the async driver's cancel scope enforces it for that request alone
    (`_flow_streams.within_deadline`). The phase is still recorded, for the right exception."""

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self.aclose = stream.aclose  # type: ignore[method-assign]
        self.get_extra_info = stream.get_extra_info  # type: ignore[method-assign]
        self.start_tls = stream.start_tls  # type: ignore[method-assign]
        pass_through_extras(self, stream)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        enter_phase(ReadTimeout)
        timings = current_timings.get()
        if timings is not None:
            timings.mark_read()
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        enter_phase(WriteTimeout)
        await self._stream.write(buffer, timeout)
        timings = current_timings.get()
        if timings is not None:
            timings.mark_sent()


class AsyncDeadlineBackend(httpcore.AsyncNetworkBackend):
    """An async backend under deadlines, whose interrupted TLS handshakes close their
    socket."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner
        # Our backends resolve names and race addresses for the connect step.
        self.races = bool(getattr(inner, "races", False))

    async def resolve(
        self, host: str, port: int, timeout: float | None, local_address: str | None
    ) -> list[Address]:
        timeout = limit_timeout(timeout, ConnectTimeout)
        addresses: list[Address] = await self._inner.resolve(  # type: ignore[attr-defined]
            host, port, timeout, local_address
        )
        return addresses

    async def connect_tcp_race(
        self,
        addresses: list[Address],
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
        delay: float = 0.25,
    ) -> httpcore.AsyncNetworkStream:
        timeout = limit_timeout(timeout, ConnectTimeout)
        stream = await self._inner.connect_tcp_race(  # type: ignore[attr-defined]
            addresses, port, timeout, local_address, socket_options, delay
        )
        return AsyncDeadlineStream(stream)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        # A test that patched httpcore's backend expects its connections there.
        backend = async_patched_backend() or self._inner
        stream = await backend.connect_tcp(
            host=host,
            port=port,
            timeout=limit_timeout(timeout, ConnectTimeout),
            local_address=local_address,
            socket_options=socket_options,
        )
        return AsyncDeadlineStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        backend = async_patched_backend() or self._inner
        stream = await backend.connect_unix_socket(
            path=path,
            timeout=limit_timeout(timeout, ConnectTimeout),
            socket_options=socket_options,
        )
        return AsyncDeadlineStream(stream)

    async def sleep(self, seconds: float) -> None:
        # httpcore sleeps between connection retries: not past the deadline either.
        await self._inner.sleep(limit_sleep(seconds))
