"""A small forward proxy for the test-suite: HTTP (CONNECT tunnels and absolute-form
forwarding, RFC 9110 §9.3.6 and §7.1), optionally over TLS, or SOCKS5 CONNECT (RFC 1928)
with optional username/password authentication (RFC 1929).

It counts what it handled (ProxyStats), so a test can assert its traffic really went
through the proxy and not straight to the origin.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hmac
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote, urlsplit

from tests.servers.run import StreamServer

CONNECT_TIMEOUT = 5.0
RELAY_CHUNK = 64 * 1024
# Hop-by-hop fields a proxy must not forward (RFC 9110 §7.6.1), plus Proxy-Connection,
# the non-standard one some clients still send.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authorization", "proxy-authenticate",
     "proxy-connection", "te", "trailer", "upgrade"}
)  # fmt: skip

Protocol = Literal["http", "socks5"]


@dataclass
class ProxyStats:
    tunnels: int = 0  # CONNECT (HTTP) or SOCKS5 CONNECT tunnels opened
    forwarded: int = 0  # absolute-form HTTP requests forwarded to an origin
    rejected: int = 0  # refused for bad credentials or a malformed request
    targets: list[str] = field(default_factory=list)  # "host:port" of every tunnel/forward

    @property
    def requests(self) -> int:
        """Everything that reached an origin through this proxy."""
        return self.tunnels + self.forwarded


class BadRequest(Exception):
    pass


def split_head(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    """The start line and the header fields of a request or response head."""
    lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise BadRequest(f"malformed header line {line!r}")
        headers.append((name, value.strip()))
    return lines[0], headers


def header_value(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name), None)


def split_authority(authority: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(f"//{authority}")
    if not parts.hostname:
        raise BadRequest(f"no host in {authority!r}")
    return parts.hostname, parts.port or default_port


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until EOF, then pass the EOF on (half-close) where the transport allows it."""
    while data := await reader.read(RELAY_CHUNK):
        writer.write(data)
        await writer.drain()
    if writer.can_write_eof():
        writer.write_eof()
    else:
        writer.close()  # TLS has no half-close


async def relay(
    a: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    b: tuple[asyncio.StreamReader, asyncio.StreamWriter],
) -> None:
    try:
        await asyncio.gather(pipe(a[0], b[1]), pipe(b[0], a[1]))
    except (OSError, ssl.SSLError):
        pass  # one side reset: tear both down
    finally:
        a[1].close()
        b[1].close()


class ForwardProxy(StreamServer):
    def __init__(
        self,
        protocol: Protocol = "http",
        credentials: tuple[str, str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """ssl_context (server side) makes an HTTP proxy speak TLS to its clients."""
        if protocol == "socks5" and ssl_context is not None:
            raise ValueError("SOCKS5 over TLS is not a thing clients speak")
        super().__init__(ssl_context)
        self.protocol = protocol
        self.credentials = credentials
        self.stats = ProxyStats()
        if protocol == "socks5":
            self.scheme = "socks5"
        elif ssl_context is not None:
            self.scheme = "https"
            self.url_host = "localhost"

    @property
    def url(self) -> str:
        """e.g. "http://user:pass@127.0.0.1:PORT" (no trailing slash)."""
        userinfo = ""
        if self.credentials is not None:
            userinfo = (
                f"{quote(self.credentials[0], safe='')}:{quote(self.credentials[1], safe='')}@"
            )
        return f"{self.scheme}://{userinfo}{self.url_host}:{self.port}"

    @property
    def url_without_auth(self) -> str:
        return f"{self.scheme}://{self.url_host}:{self.port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.protocol == "socks5":
            await self._handle_socks5(reader, writer)
            return
        try:
            await self._handle_http(reader, writer)
        except BadRequest as exc:
            self.stats.rejected += 1
            await self._reply(writer, 400, "Bad Request", str(exc))

    async def _open_upstream(
        self, host: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        connection = asyncio.open_connection(host, port)
        streams = await asyncio.wait_for(connection, CONNECT_TIMEOUT)
        self.stats.targets.append(f"{host}:{port}")
        return streams

    # --- HTTP --------------------------------------------------------------------------

    @staticmethod
    async def _reply(
        writer: asyncio.StreamWriter, status: int, reason: str, body: str = "", extra: str = ""
    ) -> None:
        payload = body.encode()
        head = (
            f"HTTP/1.1 {status} {reason}\r\n{extra}"
            f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
        )
        writer.write(head.encode("latin-1") + payload)
        await writer.drain()

    def _authorized(self, headers: list[tuple[str, str]]) -> bool:
        if self.credentials is None:
            return True
        user, password = self.credentials
        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        return hmac.compare_digest(header_value(headers, "proxy-authorization") or "", expected)

    async def _handle_http(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        # readuntil() is bounded by the reader's 64 KiB limit (LimitOverrunError).
        request_line, headers = split_head(await reader.readuntil(b"\r\n\r\n"))
        method, _, rest = request_line.partition(" ")
        target, _, version = rest.partition(" ")
        if not version.startswith("HTTP/1."):
            raise BadRequest(f"malformed request line {request_line!r}")
        if not self._authorized(headers):
            # RFC 9110 §11.7.1: 407 with a Proxy-Authenticate challenge.
            self.stats.rejected += 1
            challenge = 'Proxy-Authenticate: Basic realm="tests-proxy"\r\n'
            await self._reply(writer, 407, "Proxy Authentication Required", extra=challenge)
            return
        if method == "CONNECT":
            await self._tunnel(reader, writer, *split_authority(target, 443))
        else:
            await self._forward(reader, writer, method, target, headers)

    async def _tunnel(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, port: int
    ) -> None:
        try:
            upstream = await self._open_upstream(host, port)
        except (OSError, asyncio.TimeoutError) as exc:
            await self._reply(writer, 502, "Bad Gateway", f"cannot reach {host}:{port}: {exc}")
            return
        self.stats.tunnels += 1
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await relay((reader, writer), upstream)

    async def _forward(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
    ) -> None:
        """Send one absolute-form request on to its origin in origin-form, and relay the
        response. Both sides get `Connection: close`, so framing needs no re-parsing:
        the response simply ends when the origin closes."""
        url = urlsplit(target)
        if url.scheme != "http" or not url.netloc:
            raise BadRequest(f"expected an absolute http:// target, got {target!r}")
        host, port = split_authority(url.netloc, 80)
        named_in_connection = {
            token.strip().lower()
            for token in (header_value(headers, "connection") or "").split(",")
        }
        kept = [
            (name, value)
            for name, value in headers
            if name.lower() not in HOP_BY_HOP and name.lower() not in named_in_connection
        ]
        if header_value(kept, "host") is None:
            kept.insert(0, ("Host", url.netloc))
        kept += [("Via", "1.1 tests-proxy"), ("Connection", "close")]
        path = url.path or "/"
        origin_form = f"{path}?{url.query}" if url.query else path
        try:
            up_reader, up_writer = await self._open_upstream(host, port)
        except (OSError, asyncio.TimeoutError) as exc:
            await self._reply(writer, 502, "Bad Gateway", f"cannot reach {host}:{port}: {exc}")
            return
        self.stats.forwarded += 1
        try:
            lines = [f"{method} {origin_form} HTTP/1.1"] + [f"{k}: {v}" for k, v in kept]
            up_writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            await self._copy_request_body(reader, up_writer, headers)
            status_line, response_headers = split_head(await up_reader.readuntil(b"\r\n\r\n"))
            response_kept = [
                (name, value) for name, value in response_headers if name.lower() not in HOP_BY_HOP
            ]
            response_kept.append(("Connection", "close"))
            lines = [status_line] + [f"{k}: {v}" for k, v in response_kept]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            while data := await up_reader.read(RELAY_CHUNK):
                writer.write(data)
                await writer.drain()
        finally:
            up_writer.close()

    @staticmethod
    async def _copy_request_body(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, headers: list[tuple[str, str]]
    ) -> None:
        """Relay the body as framed by the client (RFC 9112 §6.3): chunked or sized."""
        if (header_value(headers, "transfer-encoding") or "").lower().endswith("chunked"):
            while True:
                size_line = await reader.readuntil(b"\r\n")
                writer.write(size_line)
                try:
                    size = int(size_line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    raise BadRequest(f"bad chunk size line {size_line!r}") from None
                if size == 0:
                    break
                writer.write(await reader.readexactly(size + 2))
            while (trailer := await reader.readuntil(b"\r\n")) != b"\r\n":
                writer.write(trailer)
            writer.write(b"\r\n")
        else:
            length = header_value(headers, "content-length") or "0"
            if not length.isdigit():
                raise BadRequest(f"bad Content-Length {length!r}")
            writer.write(await reader.readexactly(int(length)))
        await writer.drain()

    # --- SOCKS5 ------------------------------------------------------------------------

    async def _handle_socks5(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        # RFC 1928 §3: VER NMETHODS METHODS; we answer VER METHOD.
        version, n_methods = await reader.readexactly(2)
        if version != 5:
            self.stats.rejected += 1
            return
        methods = await reader.readexactly(n_methods)
        wanted = 0x02 if self.credentials is not None else 0x00
        if wanted not in methods:
            self.stats.rejected += 1
            writer.write(b"\x05\xff")  # NO ACCEPTABLE METHODS
            await writer.drain()
            return
        writer.write(bytes([5, wanted]))
        if self.credentials is not None and not await self._socks5_login(reader, writer):
            self.stats.rejected += 1
            return
        # RFC 1928 §4: VER CMD RSV ATYP DST.ADDR DST.PORT
        version, command, _, address_type = await reader.readexactly(4)
        if address_type == 1:
            host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
        elif address_type == 3:
            host = (await reader.readexactly((await reader.readexactly(1))[0])).decode("idna")
        elif address_type == 4:
            host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
        else:
            await self._socks5_reply(writer, 0x08)  # address type not supported
            return
        port = int.from_bytes(await reader.readexactly(2), "big")
        if version != 5 or command != 1:
            await self._socks5_reply(writer, 0x07)  # command not supported (CONNECT only)
            return
        try:
            upstream = await self._open_upstream(host, port)
        except socket.gaierror:
            await self._socks5_reply(writer, 0x04)  # host unreachable
            return
        except (OSError, asyncio.TimeoutError):
            await self._socks5_reply(writer, 0x05)  # connection refused
            return
        self.stats.tunnels += 1
        bound_host, bound_port = upstream[1].get_extra_info("sockname")[:2]
        await self._socks5_reply(writer, 0x00, bound_host, bound_port)
        await relay((reader, writer), upstream)

    async def _socks5_login(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        # RFC 1929 §2: VER(1) ULEN UNAME PLEN PASSWD; reply VER STATUS (0 = success).
        assert self.credentials is not None
        version, user_length = await reader.readexactly(2)
        user = await reader.readexactly(user_length)
        password = await reader.readexactly((await reader.readexactly(1))[0])
        expected_user, expected_password = (c.encode() for c in self.credentials)
        ok = (
            version == 1
            and hmac.compare_digest(user, expected_user)
            and hmac.compare_digest(password, expected_password)
        )
        writer.write(b"\x01\x00" if ok else b"\x01\x01")
        await writer.drain()
        return ok

    @staticmethod
    async def _socks5_reply(
        writer: asyncio.StreamWriter, reply: int, host: str = "0.0.0.0", port: int = 0
    ) -> None:
        address = ipaddress.ip_address(host)
        address_type = 1 if address.version == 4 else 4
        writer.write(bytes([5, reply, 0, address_type]) + address.packed + port.to_bytes(2, "big"))
        with contextlib.suppress(OSError):
            await writer.drain()
