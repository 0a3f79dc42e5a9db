"""The trio network streams: a non-blocking socket driven with trio's low-level waits.

httpcore reaches trio through anyio, whose stream layers wrap trio's SocketStream, which
in turn wraps trio's socket: each read and write crosses all of them and enters an
``anyio.fail_after`` cancel scope. `TrioStream` tries the system call first and only
when the socket is not ready waits for it (`trio.lowlevel.wait_readable` /
`wait_writable`), entering a cancel scope for the timeout only then.

Every read and write is still a cancellation point (``checkpoint_if_cancelled``, before
its system call), and one in `_YIELD_EVERY` calls that did not have to wait also yields
to the scheduler (shielded, after it), so a fast download neither ignores cancellation
nor starves other tasks, and a cancelled read never loses data.

TLS goes through `trio.SSLStream` (`TrioTLSStream`), over any stream, so TLS in TLS
(https proxies) works too.

This module imports trio: `backends.py` loads it only when running under trio.
"""

from __future__ import annotations

import math
import select
import socket
import ssl
import typing

import httpcore
import trio

if typing.TYPE_CHECKING:  # pragma: no cover
    from httpcore import SOCKET_OPTION

__all__ = ["TrioStream", "TrioTLSStream", "connect_tcp", "connect_unix_socket"]

_RECV_SIZE = 128 * 1024 - 256  # see backend_sync.py
_YIELD_EVERY = 16


class _Checkpoints:
    """Checkpoints for operations that complete without waiting, in trio's own pattern
    (as its SocketStream): the cancellation point comes before the system call, and the
    schedule point after it is shielded. A read or write cancelled after its system call
    would lose what it received, or hide what it sent (a cancelled HTTP/2 read must not
    drop a frame that other streams need)."""

    __slots__ = ("_unyielded",)

    def __init__(self) -> None:
        self._unyielded = 0

    async def before(self) -> None:
        await trio.lowlevel.checkpoint_if_cancelled()

    async def after_immediate(self) -> None:
        self._unyielded += 1
        if self._unyielded >= _YIELD_EVERY:
            self._unyielded = 0
            await trio.lowlevel.cancel_shielded_checkpoint()

    def after_wait(self) -> None:
        self._unyielded = 0


class TrioStream(httpcore.AsyncNetworkStream):
    """A connected TCP or unix socket (non-blocking), used from trio."""

    # A cancelled read has received nothing (it is cancelled before its system call or
    # while it waits; the data stays in the socket): the HTTP/2 connection need not
    # shield it (http2/primitives.py).
    cancel_safe_reads = True

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._closed = False
        self._checkpoints = _Checkpoints()
        self._poller: select.poll | None = None

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        sock = self._sock
        size = max_bytes if max_bytes < _RECV_SIZE else _RECV_SIZE
        await self._checkpoints.before()
        try:
            data = sock.recv(size)
        except BlockingIOError:
            return await self._read_when_ready(size, timeout)
        except OSError as exc:
            raise self._read_error(exc) from exc
        await self._checkpoints.after_immediate()
        return data

    async def _read_when_ready(self, size: int, timeout: float | None) -> bytes:
        sock = self._sock
        deadline = math.inf if timeout is None else trio.current_time() + timeout
        while True:
            try:
                if deadline == math.inf:
                    await trio.lowlevel.wait_readable(sock)
                else:
                    with trio.move_on_at(deadline) as scope:
                        await trio.lowlevel.wait_readable(sock)
                    if scope.cancelled_caught:
                        raise httpcore.ReadTimeout("timed out")
                self._checkpoints.after_wait()
                return sock.recv(size)
            except BlockingIOError:
                continue
            except (OSError, trio.ClosedResourceError, trio.BusyResourceError) as exc:
                raise self._read_error(exc) from exc

    def _read_error(self, exc: BaseException) -> httpcore.ReadError:
        if self._closed:
            return httpcore.ReadError("the connection is closed")
        return httpcore.ReadError(str(exc) or repr(exc))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        sock = self._sock
        await self._checkpoints.before()
        try:
            sent = sock.send(buffer)
        except BlockingIOError:
            sent = 0
        except OSError as exc:
            raise self._write_error(exc) from exc
        if sent == len(buffer):
            await self._checkpoints.after_immediate()
            return
        view = memoryview(buffer)[sent:]
        deadline = math.inf if timeout is None else trio.current_time() + timeout
        while view:
            try:
                if deadline == math.inf:
                    await trio.lowlevel.wait_writable(sock)
                else:
                    with trio.move_on_at(deadline) as scope:
                        await trio.lowlevel.wait_writable(sock)
                    if scope.cancelled_caught:
                        raise httpcore.WriteTimeout("timed out")
                self._checkpoints.after_wait()
                view = view[sock.send(view) :]
            except BlockingIOError:
                continue
            except (OSError, trio.ClosedResourceError, trio.BusyResourceError) as exc:
                raise self._write_error(exc) from exc

    def _write_error(self, exc: BaseException) -> httpcore.WriteError:
        if self._closed:
            return httpcore.WriteError("the connection is closed")
        return httpcore.WriteError(str(exc) or repr(exc))

    async def aclose(self) -> None:
        self.close_now()

    def close_now(self) -> None:
        """Close without waiting; a task blocked on this socket gets a ReadError."""
        if self._closed:
            return
        self._closed = True
        if self._sock.fileno() >= 0:
            trio.lowlevel.notify_closing(self._sock)
        self._sock.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await _start_tls(self, ssl_context, server_hostname, timeout)

    def get_extra_info(self, info: str) -> typing.Any:
        sock = self._sock
        if info == "client_addr":
            return sock.getsockname()
        if info == "server_addr":
            return sock.getpeername()
        if info == "socket":
            return sock
        if info == "is_readable":
            return self.is_readable()
        return None

    def is_readable(self) -> bool:
        """Whether the peer sent something (or closed) while the connection was idle."""
        if self._closed or self._sock.fileno() < 0:
            return True
        poller = self._poller
        if poller is None:
            poller = self._poller = select.poll()
            poller.register(self._sock.fileno(), select.POLLIN)
        return bool(poller.poll(0))


class _TransportAdapter(trio.abc.Stream):
    """Any httpcore network stream as the trio Stream that `trio.SSLStream` runs over."""

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        await self._stream.write(bytes(data))

    async def wait_send_all_might_not_block(self) -> None:
        await trio.lowlevel.checkpoint()

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        return await self._stream.read(_RECV_SIZE if max_bytes is None else max_bytes)

    async def aclose(self) -> None:
        await self._stream.aclose()


class TrioTLSStream(httpcore.AsyncNetworkStream):
    """TLS over another stream, with `trio.SSLStream`."""

    def __init__(self, ssl_stream: trio.SSLStream[_TransportAdapter], raw: TrioStream) -> None:
        self._ssl_stream = ssl_stream
        self._raw = raw  # the socket underneath, for closing and readiness checks

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            if timeout is None:
                return bytes(await self._ssl_stream.receive_some(max_bytes))
            with trio.move_on_after(timeout):
                return bytes(await self._ssl_stream.receive_some(max_bytes))
            raise httpcore.ReadTimeout("timed out")
        except (trio.BrokenResourceError, trio.ClosedResourceError) as exc:
            raise httpcore.ReadError(_describe(exc)) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            if timeout is None:
                await self._ssl_stream.send_all(buffer)
                return
            with trio.move_on_after(timeout):
                await self._ssl_stream.send_all(buffer)
                return
            raise httpcore.WriteTimeout("timed out")
        except (trio.BrokenResourceError, trio.ClosedResourceError) as exc:
            raise httpcore.WriteError(_describe(exc)) from exc

    async def aclose(self) -> None:
        self.close_now()

    def close_now(self) -> None:
        # No close_notify, as with httpcore's backends (anyio, standard_compatible off).
        self._raw.close_now()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await _start_tls(self, ssl_context, server_hostname, timeout)

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "ssl_object":
            # trio keeps the SSLObject private but forwards its methods (ALPN, peer
            # certificate, version) from the SSLStream itself.
            return getattr(self._ssl_stream, "_ssl_object", self._ssl_stream)
        if info == "is_readable":
            return self.is_readable()
        return self._raw.get_extra_info(info)

    def is_readable(self) -> bool:
        return self._raw.is_readable()


def _describe(exc: BaseException) -> str:
    cause = exc.__cause__
    if cause is not None and str(cause):
        return str(cause)
    return str(exc) or repr(exc)


async def _start_tls(
    stream: TrioStream | TrioTLSStream,
    ssl_context: ssl.SSLContext,
    server_hostname: str | None,
    timeout: float | None,
) -> TrioTLSStream:
    raw = stream if isinstance(stream, TrioStream) else stream._raw
    ssl_stream = trio.SSLStream(
        _TransportAdapter(stream),
        ssl_context,
        server_hostname=server_hostname,
        # No close_notify required from the server, none sent (what browsers do).
        https_compatible=True,
    )
    try:
        with trio.fail_after(math.inf if timeout is None else timeout):
            await ssl_stream.do_handshake()
    except BaseException as exc:
        # A failed or cancelled handshake must not leave the socket open.
        raw.close_now()
        if isinstance(exc, trio.TooSlowError):
            raise httpcore.ConnectTimeout("timed out during the TLS handshake") from exc
        if isinstance(exc, (trio.BrokenResourceError, ssl.SSLError, OSError)):
            raise httpcore.ConnectError(_describe(exc)) from exc
        if isinstance(exc, (httpcore.ReadError, httpcore.WriteError)):
            raise httpcore.ConnectError(str(exc)) from exc
        raise
    return TrioTLSStream(ssl_stream, raw)


def _adopt(trio_socket: trio.socket.SocketType) -> TrioStream:
    # Take the connected socket out of trio's wrapper: the stream drives it directly.
    family, kind, proto = trio_socket.family, trio_socket.type, trio_socket.proto
    sock = socket.socket(family, kind, proto, fileno=trio_socket.detach())
    sock.setblocking(False)
    return TrioStream(sock)


async def connect_tcp(
    host: str,
    port: int,
    timeout: float | None = None,
    local_address: str | None = None,
    socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
) -> TrioStream:
    try:
        with trio.fail_after(math.inf if timeout is None else timeout):
            # trio sets TCP_NODELAY, and does RFC 8305 "Happy Eyeballs".
            connected = await trio.open_tcp_stream(
                host, port, happy_eyeballs_delay=0.25, local_address=local_address
            )
    except trio.TooSlowError as exc:
        raise httpcore.ConnectTimeout("timed out while connecting") from exc
    except OSError as exc:
        raise httpcore.ConnectError(str(exc) or repr(exc)) from exc
    stream = _adopt(connected.socket)
    _apply_socket_options(stream, socket_options)
    return stream


async def connect_unix_socket(
    path: str,
    timeout: float | None = None,
    socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
) -> TrioStream:
    try:
        with trio.fail_after(math.inf if timeout is None else timeout):
            connected = await trio.open_unix_socket(path)
    except trio.TooSlowError as exc:
        raise httpcore.ConnectTimeout("timed out while connecting") from exc
    except OSError as exc:
        raise httpcore.ConnectError(str(exc) or repr(exc)) from exc
    stream = _adopt(connected.socket)
    _apply_socket_options(stream, socket_options)
    return stream


def _apply_socket_options(
    stream: TrioStream, socket_options: typing.Iterable[SOCKET_OPTION] | None
) -> None:
    try:
        for option in socket_options or ():
            stream._sock.setsockopt(*option)
    except OSError as exc:
        stream.close_now()
        raise httpcore.ConnectError(str(exc) or repr(exc)) from exc
