"""The sync network backend: blocking sockets, with as few system calls as possible.

httpcore's sync stream sets the socket timeout before every read and every partial write
(one more system call each), maps errors through a context manager, and re-slices the
remaining bytes after each partial send (a copy of the rest of the buffer every time).
This stream sets the timeout only when it changes, sends from a memoryview, and reports
whether an idle connection has become readable with a poll object registered once.

TLS uses the ssl module's own sockets. TLS inside TLS (an https proxy tunnelling to an
https origin) needs an `ssl.SSLObject` over the outer TLS socket:
`TLSinTLSStream` (tls_in_tls.py) does that.
"""

from __future__ import annotations

import errno
import os
import select
import selectors
import socket
import ssl
import sys
import time
import typing

import httpcore

from .route import Address, ip_family
from .tls_in_tls import TLSinTLSStream

if typing.TYPE_CHECKING:  # pragma: no cover
    from httpcore import SOCKET_OPTION

__all__ = ["NativeBackend", "SyncStream"]

# Upper bound for one recv(). recv() allocates a bytes object of this size each time:
# below glibc's default mmap threshold (128 KiB) it comes from the heap, warm; above it
# each read may map and unmap fresh pages, which costs more than the system calls it
# saves (the measurements are in benchmarks/RESULTS.md).
_RECV_SIZE = 128 * 1024 - 256
_UNSET = object()


class SyncStream(httpcore.NetworkStream):
    """A connected TCP, unix or TLS socket."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._timeout: object = _UNSET
        self._poller: select.poll | None = None

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        sock = self._sock
        if timeout != self._timeout:
            sock.settimeout(timeout)
            self._timeout = timeout
        try:
            return sock.recv(max_bytes if max_bytes < _RECV_SIZE else _RECV_SIZE)
        except TimeoutError as exc:  # socket.timeout
            raise httpcore.ReadTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            raise httpcore.ReadError(str(exc) or repr(exc)) from exc

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        sock = self._sock
        if timeout != self._timeout:
            sock.settimeout(timeout)
            self._timeout = timeout
        try:
            sent = sock.send(buffer)
            if sent < len(buffer):
                # The timeout applies to each send, as in httpcore (sendall's would cover
                # the whole buffer); a memoryview avoids copying what is left.
                view = memoryview(buffer)[sent:]
                while view:
                    view = view[sock.send(view) :]
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            raise httpcore.WriteError(str(exc) or repr(exc)) from exc

    def send_file(
        self, file: typing.BinaryIO, offset: int, count: int, timeout: float | None = None
    ) -> int:
        """Send up to `count` bytes of `file` from `offset` with sendfile(2): the file's
        pages go to the socket without being copied through Python. For plain sockets
        (over TLS the ssl module would fall back to 8 KiB reads: the caller checks). The
        bytes sent (fewer if the file ends first); the file is left positioned after
        them. The timeout applies to each wait for the socket to take more, as in write().
        """
        if timeout is not None and timeout <= 0:
            # No time left (an overall deadline ran out): socket.sendfile refuses a
            # non-blocking socket, so the timeout is reported here.
            raise httpcore.WriteTimeout("timed out")
        sock = self._sock
        if timeout != self._timeout:
            sock.settimeout(timeout)
            self._timeout = timeout
        try:
            return sock.sendfile(file, offset, count)
        except TimeoutError as exc:  # socket.timeout
            raise httpcore.WriteTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            raise httpcore.WriteError(str(exc) or repr(exc)) from exc

    def close(self) -> None:
        self._sock.close()

    def close_now(self) -> None:
        self._sock.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        try:
            if isinstance(self._sock, ssl.SSLSocket):
                # TLS in TLS: the ssl module cannot wrap an SSLSocket in another.
                return typing.cast(
                    httpcore.NetworkStream,
                    TLSinTLSStream(self._sock, ssl_context, server_hostname, timeout),
                )
            self._sock.settimeout(timeout)
            self._timeout = timeout
            tls_sock = ssl_context.wrap_socket(self._sock, server_hostname=server_hostname)
        except BaseException as exc:
            self._sock.close()
            if isinstance(exc, TimeoutError):
                raise httpcore.ConnectTimeout(str(exc) or "timed out") from exc
            if isinstance(exc, OSError):
                raise httpcore.ConnectError(str(exc) or repr(exc)) from exc
            raise
        stream = SyncStream(tls_sock)
        stream._timeout = timeout
        return stream

    def get_extra_info(self, info: str) -> typing.Any:
        sock = self._sock
        if info == "ssl_object":
            return sock._sslobj if isinstance(sock, ssl.SSLSocket) else None  # type: ignore[attr-defined]
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
        sock = self._sock
        if sock.fileno() < 0:
            return True
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return True
        poller = self._poller
        if poller is None:
            if sys.platform == "win32" or not hasattr(select, "poll"):  # pragma: no cover
                return bool(select.select([sock], [], [], 0)[0])
            poller = self._poller = select.poll()
            poller.register(sock.fileno(), select.POLLIN)
        return bool(poller.poll(0))


class NativeBackend(httpcore.NetworkBackend):
    races = True  # resolve() and connect_tcp_race() are there for the connect step

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
    ) -> SyncStream:
        if ip_family(host) is None:
            # A host name (from code other than our connect step): resolve and race.
            started = time.monotonic()
            addresses = self.resolve(host, port, timeout, local_address)
            if timeout is not None:
                timeout = max(timeout - (time.monotonic() - started), 0.0)
            return self.connect_tcp_race(addresses, port, timeout, local_address, socket_options)
        return self.connect_tcp_race(
            [(ip_family(host) or socket.AF_INET, host)],
            port,
            timeout,
            local_address,
            socket_options,
        )

    def resolve(
        self, host: str, port: int, timeout: float | None, local_address: str | None
    ) -> list[Address]:
        # The system resolver blocks, without a timeout of its own (as in httpcore).
        family = socket.AF_UNSPEC
        if local_address is not None:
            family = ip_family(local_address) or socket.AF_UNSPEC
        try:
            infos = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or repr(exc)) from exc
        return [(info[0], str(info[4][0])) for info in infos]

    def connect_tcp_race(
        self,
        addresses: list[Address],
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
        delay: float = 0.25,
    ) -> SyncStream:
        """Happy Eyeballs (RFC 8305) with non-blocking sockets: a new attempt every
        `delay` seconds, or as soon as the previous one fails; the first connected
        socket wins."""
        deadline = None if timeout is None else time.monotonic() + timeout
        selector = selectors.DefaultSelector()
        pending: list[socket.socket] = []
        errors: list[OSError] = []
        remaining = list(addresses)
        next_attempt = 0.0
        winner: socket.socket | None = None
        try:
            while winner is None:
                now = time.monotonic()
                if remaining and (now >= next_attempt or not pending):
                    sock = _start_connecting(remaining.pop(0), port, local_address, errors)
                    next_attempt = now + delay
                    if sock is not None:
                        pending.append(sock)
                        selector.register(sock, selectors.EVENT_WRITE)
                    continue
                if not pending:
                    raise httpcore.ConnectError(
                        str(errors[-1]) if errors else "All connection attempts failed"
                    )
                wait = None if deadline is None else deadline - now
                if remaining:
                    wait = next_attempt - now if wait is None else min(wait, next_attempt - now)
                if wait is not None and wait <= 0 and deadline is not None and now >= deadline:
                    raise httpcore.ConnectTimeout("timed out")
                for key, _ in selector.select(None if wait is None else max(wait, 0.0)):
                    sock = typing.cast(socket.socket, key.fileobj)
                    selector.unregister(sock)
                    pending.remove(sock)
                    error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if error:
                        errors.append(OSError(error, os.strerror(error)))
                        sock.close()
                    elif winner is None:
                        winner = sock
                    else:  # pragma: no cover - two at once: keep the first
                        sock.close()
        finally:
            for sock in pending:
                sock.close()
            selector.close()
        try:
            for option in socket_options or ():
                winner.setsockopt(*option)
            # No Nagle delay for small request heads and bodies (as httpcore).
            winner.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            winner.setblocking(True)
        except OSError as exc:
            winner.close()
            raise httpcore.ConnectError(str(exc) or repr(exc)) from exc
        stream = SyncStream(winner)
        stream._timeout = _UNSET  # set by the first read or write
        return stream

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
    ) -> SyncStream:  # pragma: no cover - not on Windows
        if sys.platform == "win32":
            raise RuntimeError("Attempted to connect to a UNIX socket on a Windows system.")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            sock.settimeout(timeout)
            sock.connect(path)
        except BaseException as exc:
            sock.close()
            if isinstance(exc, TimeoutError):
                raise httpcore.ConnectTimeout(str(exc) or "timed out") from exc
            if isinstance(exc, OSError):
                raise httpcore.ConnectError(str(exc) or repr(exc)) from exc
            raise
        stream = SyncStream(sock)
        stream._timeout = timeout
        return stream


def _start_connecting(
    address: Address, port: int, local_address: str | None, errors: list[OSError]
) -> socket.socket | None:
    """A non-blocking socket connecting to `address`, or None if it failed at once."""
    family, host = address
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        if local_address is not None:
            sock.bind((local_address, 0))
        error = sock.connect_ex((host, port))
        if error and error not in (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN):
            raise OSError(error, os.strerror(error))
    except OSError as exc:
        sock.close()
        errors.append(exc)
        return None
    return sock
