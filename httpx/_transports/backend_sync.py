"""The sync network backend: blocking sockets, with as few system calls as possible.

httpcore's sync stream sets the socket timeout before every read and every partial write
(one more system call each), maps errors through a context manager, and re-slices the
remaining bytes after each partial send (a copy of the rest of the buffer every time).
This stream sets the timeout only when it changes, sends from a memoryview, and reports
whether an idle connection has become readable with a poll object registered once.

TLS uses the ssl module's own sockets. TLS inside TLS (an https proxy tunnelling to an
https origin) needs an `ssl.SSLObject` over the outer TLS socket; httpcore's
`TLSinTLSStream` does exactly that, and is used for it.
"""

from __future__ import annotations

import select
import socket
import ssl
import sys
import typing

import httpcore
from httpcore._backends.sync import TLSinTLSStream

if typing.TYPE_CHECKING:  # pragma: no cover
    from httpcore import SOCKET_OPTION

__all__ = ["SyncBackend", "SyncStream"]

# Upper bound for one recv(). recv() allocates a bytes object of this size each time:
# below glibc's default mmap threshold (128 KiB) it comes from the heap, warm; above it
# each read may map and unmap fresh pages, which costs more than the system calls it
# saves. Measured on loopback, client CPU per GB downloaded: 64 KiB 0.20 s, just under
# 128 KiB 0.19 s, 256 KiB 0.23 s, 1 MiB 0.25 s and up.
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


class SyncBackend(httpcore.NetworkBackend):
    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
    ) -> SyncStream:
        source_address = None if local_address is None else (local_address, 0)
        try:
            sock = socket.create_connection((host, port), timeout, source_address=source_address)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or repr(exc)) from exc
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            # No Nagle delay for small request heads and bodies (as httpcore).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as exc:
            sock.close()
            raise httpcore.ConnectError(str(exc) or repr(exc)) from exc
        stream = SyncStream(sock)
        stream._timeout = timeout
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
