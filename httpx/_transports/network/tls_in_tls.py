"""TLS over a TLS socket, for the sync backend: an https origin through an https proxy.

The ssl module cannot wrap an `ssl.SSLSocket` in another, so the inner TLS session is an
`ssl.SSLObject` over memory buffers, whose records travel through the outer socket.
"""

from __future__ import annotations

import functools
import socket
import ssl
import typing

import httpcore

__all__ = ["TLSinTLSStream"]

# RFC 8449: the largest TLS record.
_TLS_RECORD_SIZE = 16384


class TLSinTLSStream(httpcore.NetworkStream):
    def __init__(
        self,
        sock: socket.socket,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self._sock = sock
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self.ssl_object = ssl_context.wrap_bio(
            self._incoming, self._outgoing, server_hostname=server_hostname
        )
        try:
            self._sock.settimeout(timeout)
            self._perform_io(self.ssl_object.do_handshake)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc) or "timed out") from exc
        except OSError as exc:  # ssl.SSLError included
            raise httpcore.ConnectError(str(exc) or repr(exc)) from exc

    def _perform_io(self, operation: typing.Callable[[], typing.Any]) -> typing.Any:
        while True:
            wants_read = False
            try:
                result = operation()
            except ssl.SSLWantReadError:
                wants_read = True
            except ssl.SSLWantWriteError:
                pass
            else:
                self._sock.sendall(self._outgoing.read())
                return result
            self._sock.sendall(self._outgoing.read())
            if wants_read:
                data = self._sock.recv(_TLS_RECORD_SIZE)
                if data:
                    self._incoming.write(data)
                else:
                    self._incoming.write_eof()

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            self._sock.settimeout(timeout)
            data: bytes = self._perform_io(functools.partial(self.ssl_object.read, max_bytes))
            return data
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(str(exc) or "timed out") from exc
        except ssl.SSLZeroReturnError:
            return b""
        except OSError as exc:
            raise httpcore.ReadError(str(exc) or repr(exc)) from exc

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            self._sock.settimeout(timeout)
            view = memoryview(buffer)
            while view:
                sent: int = self._perform_io(functools.partial(self.ssl_object.write, view))
                view = view[sent:]
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
        raise NotImplementedError("TLS inside TLS inside TLS is not supported")

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "ssl_object":
            return self.ssl_object
        if info == "client_addr":
            return self._sock.getsockname()
        if info == "server_addr":
            return self._sock.getpeername()
        if info == "socket":
            return self._sock
        if info == "is_readable":
            return self.is_readable()
        return None

    def is_readable(self) -> bool:
        if self._sock.fileno() < 0 or self.ssl_object.pending():
            return True
        import select

        return bool(select.select([self._sock], [], [], 0)[0])
