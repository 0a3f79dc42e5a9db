"""The overall deadline and cancellation hygiene, as wrappers around a network backend.

1. The overall deadline (``Timeout(total=...)``, see `httpx._deadline`). The connections
   pass a timeout to every connect, TLS handshake, read and write; these wrappers shorten
   it to the time the current request has left, and record which kind of operation the request
   is in. A server that drips one byte at a time (each read well within the read
   timeout) thus still fails the request, with httpcore's `ReadTimeout`, when its deadline
   runs out. With no deadline set (the default) an operation costs one context-variable
   lookup more.
2. Cancellation hygiene (async): a TLS handshake that is cancelled (not only one that
   fails) closes its socket, whatever the backend underneath (httpcore 1.0.9's leave it
   to the garbage collector).

Tests that patch ``connect_tcp`` / ``connect_unix_socket`` on httpcore's backend classes
(respx's do) get their patched method called (`_httpcore_seam`): by the connect step, and
by httpcore's own connections when a patched pool passes a request on to httpcore.

The streams returned by ``start_tls`` (TLS, and TLS in TLS through an HTTPS proxy) are
wrapped again, so the deadline keeps applying after the handshake; except, on the async
side, the stream of an HTTP/2 connection (ALPN "h2"), which its requests share: there
the driver's cancel scope bounds each request instead (see `_AsyncSharedStream`).
"""

from __future__ import annotations

import ssl
import typing

import anyio
import httpcore

from ..._deadline import Phase, current_deadline
from ..._exceptions import ConnectTimeout, PoolTimeout, ReadTimeout, WriteTimeout
from .._httpcore_seam import async_patched_backend, sync_patched_backend
from .route import Address

if typing.TYPE_CHECKING:  # pragma: no cover
    from httpcore import SOCKET_OPTION

__all__ = [
    "AsyncDeadlineBackend",
    "DeadlineBackend",
    "HTTPCORE_TIMEOUTS",
    "limit_timeout",
]

# Our phase -> the httpcore exception raised inside httpcore when no time is left, so
# that httpcore cleans up as after any timeout of its own (the transport maps it back).
HTTPCORE_TIMEOUTS: dict[Phase, type[httpcore.TimeoutException]] = {
    PoolTimeout: httpcore.PoolTimeout,
    ConnectTimeout: httpcore.ConnectTimeout,
    WriteTimeout: httpcore.WriteTimeout,
    ReadTimeout: httpcore.ReadTimeout,
}


def limit_timeout(timeout: float | None, phase: Phase) -> float | None:
    """`timeout` shortened to the current request's remaining time, if it has a deadline.

    Raises httpcore's timeout for `phase` when no time is left: a zero or negative
    timeout must not reach a socket (zero means non-blocking there, not "expired").
    """
    deadline = current_deadline.get()
    if deadline is None:
        return timeout
    limited = deadline.limit(timeout, phase)
    if limited <= 0:
        raise HTTPCORE_TIMEOUTS[phase](deadline.message(phase))
    return limited


def _limit_sleep(seconds: float) -> float:
    deadline = current_deadline.get()
    if deadline is None:
        return seconds
    return max(0.0, min(seconds, deadline.remaining()))


# --- sync -------------------------------------------------------------------------------------


# Extras a stream may offer beyond httpcore's interface (our native backends' streams do,
# and our HTTP/1.1 connection looks them up with getattr): passed through untouched.
_EXTRAS = ("close_now", "is_readable")


def _pass_through_extras(wrapper: object, stream: object) -> None:
    for name in _EXTRAS:
        extra = getattr(stream, name, None)
        if extra is not None:
            setattr(wrapper, name, extra)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream
        self.close = stream.close  # type: ignore[method-assign]
        self.get_extra_info = stream.get_extra_info  # type: ignore[method-assign]
        _pass_through_extras(self, stream)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, limit_timeout(timeout, ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, limit_timeout(timeout, WriteTimeout))

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = limit_timeout(timeout, ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, timeout))


class DeadlineBackend(httpcore.NetworkBackend):
    """A sync backend under deadlines."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner
        # Our backends resolve names and race addresses for the connect step.
        self.races = bool(getattr(inner, "races", False))

    def resolve(
        self, host: str, port: int, timeout: float | None, local_address: str | None
    ) -> list[Address]:
        timeout = limit_timeout(timeout, ConnectTimeout)
        addresses: list[Address] = self._inner.resolve(  # type: ignore[attr-defined]
            host, port, timeout, local_address
        )
        return addresses

    def connect_tcp_race(
        self,
        addresses: list[Address],
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
        delay: float = 0.25,
    ) -> httpcore.NetworkStream:
        timeout = limit_timeout(timeout, ConnectTimeout)
        stream = self._inner.connect_tcp_race(  # type: ignore[attr-defined]
            addresses, port, timeout, local_address, socket_options, delay
        )
        return _DeadlineStream(stream)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        # A test that patched httpcore's backend expects its connections there.
        backend = sync_patched_backend() or self._inner
        stream = backend.connect_tcp(
            host=host,
            port=port,
            timeout=limit_timeout(timeout, ConnectTimeout),
            local_address=local_address,
            socket_options=socket_options,
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        backend = sync_patched_backend() or self._inner
        stream = backend.connect_unix_socket(
            path=path,
            timeout=limit_timeout(timeout, ConnectTimeout),
            socket_options=socket_options,
        )
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        # httpcore sleeps between connection retries: not past the deadline either.
        self._inner.sleep(_limit_sleep(seconds))


# --- async ------------------------------------------------------------------------------------


class _AsyncDeadlineStream(httpcore.AsyncNetworkStream):
    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self.aclose = stream.aclose  # type: ignore[method-assign]
        self.get_extra_info = stream.get_extra_info  # type: ignore[method-assign]
        _pass_through_extras(self, stream)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, limit_timeout(timeout, ReadTimeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, limit_timeout(timeout, WriteTimeout))

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
            with anyio.CancelScope(shield=True):
                await self._stream.aclose()
            raise
        ssl_object = tls_stream.get_extra_info("ssl_object")
        if ssl_object is not None and ssl_object.selected_alpn_protocol() == "h2":
            return _AsyncSharedStream(tls_stream)
        return _AsyncDeadlineStream(tls_stream)


def _enter_phase(phase: Phase) -> None:
    deadline = current_deadline.get()
    if deadline is not None:
        deadline.phase = phase


class _AsyncSharedStream(httpcore.AsyncNetworkStream):
    """The stream of an HTTP/2 connection, which all its requests share: a read or write
    may be done by one request on behalf of the others, and when it times out the
    connection fails every stream on it. So one request's deadline does not shorten
    these timeouts; the async driver's cancel scope enforces it for that request alone
    (`_flow._within_deadline`). The phase is still recorded, for the right exception."""

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self.aclose = stream.aclose  # type: ignore[method-assign]
        self.get_extra_info = stream.get_extra_info  # type: ignore[method-assign]
        self.start_tls = stream.start_tls  # type: ignore[method-assign]
        _pass_through_extras(self, stream)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        _enter_phase(ReadTimeout)
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        _enter_phase(WriteTimeout)
        await self._stream.write(buffer, timeout)


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
        return _AsyncDeadlineStream(stream)

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
        return _AsyncDeadlineStream(stream)

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
        return _AsyncDeadlineStream(stream)

    async def sleep(self, seconds: float) -> None:
        # httpcore sleeps between connection retries: not past the deadline either.
        await self._inner.sleep(_limit_sleep(seconds))
