"""The SOCKS5 handshake (RFC 1928; RFC 1929 for a username and password), without I/O.

socksio does the encoding; it is an optional extra (``httpx[socks]``) imported only when
a SOCKS proxy is first used. Failures are `httpcore.ProxyError`, with httpcore's
messages.
"""

from __future__ import annotations

import typing

import httpcore

__all__ = ["Socks5Handshake"]

_AUTH_METHODS = {
    b"\x00": "NO AUTHENTICATION REQUIRED",
    b"\x01": "GSSAPI",
    b"\x02": "USERNAME/PASSWORD",
    b"\xff": "NO ACCEPTABLE METHODS",
}
_REPLY_CODES = {
    b"\x00": "Succeeded",
    b"\x01": "General SOCKS server failure",
    b"\x02": "Connection not allowed by ruleset",
    b"\x03": "Network unreachable",
    b"\x04": "Host unreachable",
    b"\x05": "Connection refused",
    b"\x06": "TTL expired",
    b"\x07": "Command not supported",
    b"\x08": "Address type not supported",
}

_METHOD = 0
_CREDENTIALS = 1
_CONNECT = 2
_DONE = 3


class Socks5Handshake:
    """Asks the proxy to connect to `host`:`port`. `start()` gives the bytes to send;
    each reply goes to `receive()`, which gives the next bytes to send, or None once
    the tunnel is open."""

    def __init__(self, host: str, port: int, auth: tuple[bytes, bytes] | None) -> None:
        from socksio import socks5

        self._socks5: typing.Any = socks5
        self._connection = socks5.SOCKS5Connection()
        self._host = host
        self._port = port
        self._auth = auth
        self._method = (
            socks5.SOCKS5AuthMethod.NO_AUTH_REQUIRED
            if auth is None
            else socks5.SOCKS5AuthMethod.USERNAME_PASSWORD
        )
        self._state = _METHOD

    def start(self) -> bytes:
        self._connection.send(self._socks5.SOCKS5AuthMethodsRequest([self._method]))
        return bytes(self._connection.data_to_send())

    def receive(self, data: bytes) -> bytes | None:
        socks5 = self._socks5
        try:
            reply: typing.Any = self._connection.receive_data(data)
        except Exception as exc:  # socksio.ProtocolError and friends: not SOCKS5
            raise httpcore.ProxyError(f"Invalid reply from the SOCKS proxy: {exc}") from exc
        if self._state == _METHOD:
            if reply.method != self._method:
                requested = _AUTH_METHODS.get(self._method, "UNKNOWN")
                responded = _AUTH_METHODS.get(reply.method, "UNKNOWN")
                raise httpcore.ProxyError(
                    f"Requested {requested} from proxy server, but got {responded}."
                )
            if reply.method == socks5.SOCKS5AuthMethod.USERNAME_PASSWORD:
                assert self._auth is not None
                self._state = _CREDENTIALS
                self._connection.send(socks5.SOCKS5UsernamePasswordRequest(*self._auth))
                return bytes(self._connection.data_to_send())
        elif self._state == _CREDENTIALS:
            if not reply.success:
                raise httpcore.ProxyError("Invalid username/password")
        else:
            if reply.reply_code != socks5.SOCKS5ReplyCode.SUCCEEDED:
                reply_code = _REPLY_CODES.get(reply.reply_code, "UNKOWN")
                raise httpcore.ProxyError(f"Proxy Server could not connect: {reply_code}.")
            self._state = _DONE
            return None
        self._state = _CONNECT
        command = socks5.SOCKS5CommandRequest.from_address(
            socks5.SOCKS5Command.CONNECT, (self._host, self._port)
        )
        self._connection.send(command)
        return bytes(self._connection.data_to_send())
