"""The HTTP/1.1 connection (httpx/_transports/http11/) and network backends, on real sockets.

Every client-level scenario runs three ways (`Client`, `AsyncClient` on asyncio and on
trio, see tests/harness.py) against small raw servers written here, whose bytes on the
wire are exactly what each test needs: keep-alive, servers closing connections, framing
edge cases (HEAD, 204, 304, chunked, HTTP/1.0), garbage after a response, timeouts,
cancellation in the middle of a read or a write, large uploads and downloads.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import socket
import ssl
import threading
import time
import typing
from collections.abc import AsyncIterator, Callable, Iterator

import anyio
import httpcore
import pytest

import httpx
from httpx._transports.http11 import AsyncHTTP11Connection, HTTP11Connection
from httpx._transports.network.backends import AsyncNativeBackend, NativeBackend
from httpx._transports.pool.async_connection import AsyncConnection
from httpx._transports.pool.sync_connection import Connection
from tests.harness import MODES, run

# --- a raw server ---------------------------------------------------------------------------

Handler = Callable[[socket.socket, int], None]


class RawServer:
    """A TCP server on 127.0.0.1 whose every connection is handled by `handler(sock, n)`
    in its own thread (`n` counts connections from 0)."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections = 0
        self.threads: list[threading.Thread] = []
        self.sockets: list[socket.socket] = []
        self.errors: list[BaseException] = []
        self.accepting = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> RawServer:
        self.accepting.start()
        return self

    def __exit__(self, *args: object) -> None:
        # shutdown() wakes the threads blocked in accept() and recv() (close() does not).
        for sock in [self.listener, *self.sockets]:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.listener.close()
        self.accepting.join(5)
        for thread in self.threads:
            thread.join(5)
        if self.errors:
            raise self.errors[0]

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            index = self.connections
            self.connections += 1
            self.sockets.append(sock)
            thread = threading.Thread(target=self._serve, args=(sock, index), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket, index: int) -> None:
        try:
            with sock:
                sock.settimeout(10)
                self.handler(sock, index)
        except OSError:  # the client went away, or __exit__ shut the socket down
            pass
        except BaseException as exc:  # pragma: no cover - reported by __exit__
            self.errors.append(exc)


class Reader:
    """Reads HTTP/1.1 requests from a socket, as a server would."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buffer += data
        return bool(data)

    def head(self) -> bytes | None:
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill():
                return None
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        return head

    def exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not self._fill():
                raise ConnectionError("closed mid-body")
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            if not self._fill():
                raise ConnectionError("closed mid-body")
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line

    def request(self) -> tuple[bytes, dict[bytes, bytes], bytes] | None:
        """(request line, lower-cased headers, body), or None at EOF."""
        head = self.head()
        if head is None:
            return None
        request_line, *lines = head.split(b"\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if headers.get(b"transfer-encoding") == b"chunked":
            body = b""
            while True:
                size = int(self.line().split(b";")[0], 16)
                if size == 0:
                    while self.line():
                        pass
                    break
                body += self.exactly(size)
                assert self.exactly(2) == b"\r\n"
        else:
            body = self.exactly(int(headers.get(b"content-length", b"0")))
        return request_line, headers, body


def ok(body: bytes = b"hello", extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


def serve_each(response: bytes | Callable[[bytes], bytes], close: bool = False) -> Handler:
    """A handler answering every request on a connection with `response` (or
    `response(request_line)`), closing the connection after each one if `close`."""

    def handler(sock: socket.socket, index: int) -> None:
        reader = Reader(sock)
        while (request := reader.request()) is not None:
            sock.sendall(response(request[0]) if callable(response) else response)
            if close:
                return

    return handler


async def get_all(client: typing.Any, url: str, count: int) -> list[bytes]:
    bodies = []
    for _ in range(count):
        response = await client.get(url)
        assert response.status_code == 200
        bodies.append(response.content)
    return bodies


# --- connection reuse and closing -------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_keep_alive_reuses_one_connection(mode: str) -> None:
    with RawServer(serve_each(ok())) as server:

        async def scenario(client: typing.Any) -> None:
            assert await get_all(client, server.url, 5) == [b"hello"] * 5

        run(mode, scenario)
    assert server.connections == 1


@pytest.mark.parametrize("mode", MODES)
def test_server_closing_idle_connection_is_noticed(mode: str) -> None:
    # The server closes each connection right after answering (without saying so):
    # the idle connection must be seen closed before it is reused.
    with RawServer(serve_each(ok(), close=True)) as server:

        async def scenario(client: typing.Any) -> None:
            for _ in range(3):
                assert (await client.get(server.url)).content == b"hello"
                await anyio.sleep(0.1)  # the FIN arrives

        run(mode, scenario)
    assert server.connections == 3


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("where", ["response", "request"])
def test_connection_close_ends_the_connection(mode: str, where: str) -> None:
    extra = b"Connection: close\r\n" if where == "response" else b""
    with RawServer(serve_each(ok(extra=extra))) as server:

        async def scenario(client: typing.Any) -> None:
            headers = {"Connection": "close"} if where == "request" else {}
            for _ in range(3):
                response = await client.get(server.url, headers=headers)
                assert response.content == b"hello"

        run(mode, scenario)
    assert server.connections == 3


@pytest.mark.parametrize("mode", MODES)
def test_http_1_0_response_body_runs_to_close(mode: str) -> None:
    with RawServer(serve_each(b"HTTP/1.0 200 OK\r\n\r\nold style body", close=True)) as server:

        async def scenario(client: typing.Any) -> None:
            for _ in range(2):
                response = await client.get(server.url)
                assert response.content == b"old style body"
                assert response.http_version == "HTTP/1.0"

        run(mode, scenario)
    assert server.connections == 2


@pytest.mark.parametrize("mode", MODES)
def test_garbage_after_a_response_is_not_taken_for_the_next_one(mode: str) -> None:
    # More bytes than the response framed: they must not become the next response.
    garbage = ok(b"first") + b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nforgd"
    responses = iter([garbage, ok(b"second")])

    def handler(sock: socket.socket, index: int) -> None:
        reader = Reader(sock)
        while reader.request() is not None:
            sock.sendall(next(responses))

    with RawServer(handler) as server:

        async def scenario(client: typing.Any) -> None:
            assert (await client.get(server.url)).content == b"first"
            assert (await client.get(server.url)).content == b"second"

        run(mode, scenario)
    assert server.connections == 2


@pytest.mark.parametrize("mode", MODES)
def test_bodiless_responses(mode: str) -> None:
    # HEAD, 204 and 304 have no body, whatever their Content-Length says (RFC 9112 6.3);
    # the connection stays reusable after each.
    def answer(request_line: bytes) -> bytes:
        path = request_line.split()[1]
        if path == b"/head":
            return b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
        if path == b"/204":
            return b"HTTP/1.1 204 No Content\r\n\r\n"
        if path == b"/204-length":
            return b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
        if path == b"/304":
            return b"HTTP/1.1 304 Not Modified\r\nContent-Length: 1000\r\n\r\n"
        return ok()

    with RawServer(serve_each(answer)) as server:

        async def scenario(client: typing.Any) -> None:
            response = await client.head(server.url + "head")
            assert response.headers["content-length"] == "1000"
            assert response.content == b""
            for path, status in [("204", 204), ("204-length", 204), ("304", 304)]:
                response = await client.get(server.url + path)
                assert response.status_code == status
                assert response.content == b""
            assert (await client.get(server.url)).content == b"hello"

        run(mode, scenario)
    assert server.connections == 1


def chunked(*chunks: bytes, trailer: bytes = b"") -> bytes:
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks)
    return (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + body
        + b"0\r\n"
        + trailer
        + b"\r\n"
    )


FORGED = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged"
SMUGGLING = {
    "head": (b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n" + FORGED, b""),
    "204": (b"HTTP/1.1 204 No Content\r\n\r\n" + FORGED, b""),
    "304": (b"HTTP/1.1 304 Not Modified\r\nContent-Length: 6\r\n\r\n" + FORGED, b""),
    "length": (ok(b"first") + FORGED, b"first"),
    "chunked": (chunked(b"first") + FORGED, b"first"),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", sorted(SMUGGLING))
def test_bytes_after_a_response_never_reach_the_next_request(mode: str, case: str) -> None:
    # httpx 0.28.1 (httpcore) takes these bytes for the start of the next response.
    payload, body = SMUGGLING[case]
    served: list[int] = []

    def handler(sock: socket.socket, index: int) -> None:
        reader = Reader(sock)
        while reader.request() is not None:
            first = not served
            served.append(index)  # before sending: the next request may come at once
            sock.sendall(payload if first else ok(b"second"))

    with RawServer(handler) as server:

        async def scenario(client: typing.Any) -> None:
            method = "HEAD" if case == "head" else "GET"
            response = await client.request(method, server.url)
            assert response.content == body
            for _ in range(2):
                assert (await client.get(server.url)).content == b"second"

        run(mode, scenario)
    assert server.connections == 2  # the first connection was not reused


@pytest.mark.parametrize("mode", MODES)
def test_chunked_response_delivered_a_byte_at_a_time(mode: str) -> None:
    payload = chunked(b"hello ", b"chunked ", b"world", trailer=b"X-Checksum: 1\r\n")
    payload = payload.replace(b"6\r\n", b"6;name=value \r\n", 1)  # an extension, and OWS

    def handler(sock: socket.socket, index: int) -> None:
        reader = Reader(sock)
        while reader.request() is not None:
            for position in range(len(payload)):
                sock.sendall(payload[position : position + 1])
                if position % 7 == 0:
                    time.sleep(0.001)

    with RawServer(handler) as server:

        async def scenario(client: typing.Any) -> None:
            for _ in range(2):
                assert (await client.get(server.url)).content == b"hello chunked world"

        run(mode, scenario)
    assert server.connections == 1


@pytest.mark.parametrize("mode", MODES)
def test_interim_responses_are_skipped(mode: str) -> None:
    response = (
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + ok()
    )
    with RawServer(serve_each(response)) as server:

        async def scenario(client: typing.Any) -> None:
            result = await client.get(server.url)
            assert (result.status_code, result.content) == (200, b"hello")

        run(mode, scenario)


@pytest.mark.parametrize("mode", MODES)
def test_lenient_but_valid_heads(mode: str) -> None:
    # Bare LF line ends, obsolete line folding, no reason phrase: all accepted (as h11).
    variants = {
        b"/lf": b"HTTP/1.1 200 OK\nContent-Length: 2\nX-A: 1\n\nhi",
        b"/fold": b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n  b\r\nContent-Length: 2\r\n\r\nhi",
        b"/reason": b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nhi",
    }
    with RawServer(serve_each(lambda line: variants[line.split()[1]])) as server:

        async def scenario(client: typing.Any) -> None:
            response = await client.get(server.url + "lf")
            assert (response.content, response.headers["x-a"]) == (b"hi", "1")
            response = await client.get(server.url + "fold")
            assert (response.content, response.headers["x-folded"]) == (b"hi", "a b")
            response = await client.get(server.url + "reason")
            assert (response.content, response.reason_phrase) == (b"hi", "")

        run(mode, scenario)


BAD_RESPONSES = {
    "bad-status": (b"HTTP/1.1 2000 OK\r\n\r\n", "illegal status line"),
    "bad-header": (b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "illegal header line"),
    "nul": (b"HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 0\r\n\r\n", "illegal header line"),
    "conflicting-length": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx",
        "conflicting Content-Length",
    ),
    "bad-length": (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad Content-Length"),
    "gzip-coding": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "Only Transfer-Encoding: chunked",
    ),
    "bad-chunk": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "illegal chunk header",
    ),
    "chunk-footer": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY",
        "malformed chunk footer",
    ),
    "unasked-upgrade": (b"HTTP/1.1 101 Switching Protocols\r\n\r\n", "without a pending"),
    "leading-blank": (b"\r\nHTTP/1.1 200 OK\r\n\r\n", "no response line"),
    "tls-reply": (b"\x16\x03\x01\x00\x02\x02\x28", "illegal status line"),
    "huge-head": (b"HTTP/1.1 200 OK\r\n" + b"X: " + b"a" * 200_000, "Receive buffer too long"),
    "truncated-body": (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "received 3 bytes"),
    "truncated-chunked": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        "incomplete chunked read",
    ),
    "no-response": (b"", "Server disconnected without sending a response"),
    # Not an interim response (those are 1xx): a protocol error (h11's rule).
    "status-099": (b"HTTP/1.1 099 Low\r\n\r\n", "InformationalResponse status_code"),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", sorted(BAD_RESPONSES))
def test_protocol_errors(mode: str, case: str) -> None:
    payload, message = BAD_RESPONSES[case]
    with RawServer(serve_each(payload, close=True)) as server:

        async def scenario(client: typing.Any) -> None:
            with pytest.raises(httpx.RemoteProtocolError, match=message):
                await client.get(server.url)

        run(mode, scenario)


def test_invalid_request_fields_are_refused_before_sending() -> None:
    # httpx's models refuse most of these first; the connection checks what reaches it
    # all the same (httpcore.Request objects can be built by anyone), as h11 did.
    cases = [
        ([(b"Bad Name", b"x")], "Illegal header name"),
        ([(b"X-Bad", b"a\x0bb")], "Illegal header value"),
        ([(b"X-Bad", b" padded")], "Illegal header value"),
        ([(b"Content-Length", b"3, 4")], "conflicting Content-Length"),
        ([(b"Content-Length", b"x")], "bad Content-Length"),
        ([(b"Transfer-Encoding", b"gzip")], "Only Transfer-Encoding: chunked"),
        ([(b"Host", b"other")], "Found multiple Host"),
    ]
    with RawServer(serve_each(ok())) as server:
        with httpx.HTTPTransport() as transport:
            pool = transport._pool
            host = [(b"Host", f"127.0.0.1:{server.port}".encode())]
            for headers, message in cases:
                request = httpcore.Request("GET", server.url, headers=host + headers)
                with pytest.raises(httpcore.LocalProtocolError, match=message):
                    pool.handle_request(request)
            with pytest.raises(httpcore.LocalProtocolError, match="Missing mandatory Host"):
                pool.handle_request(httpcore.Request("GET", server.url))
            with pytest.raises(httpcore.LocalProtocolError, match="Illegal target"):
                pool.handle_request(
                    httpcore.Request(
                        "GET", server.url, headers=host, extensions={"target": b"/a b"}
                    )
                )
            response = pool.handle_request(httpcore.Request("GET", server.url, headers=host))
            assert response.read() == b"hello"
    assert server.errors == []


# --- request bodies ---------------------------------------------------------------------------


def echo_digest(sock: socket.socket, index: int) -> None:
    """Answers each request with "<method> <framing> <body length> <sha256>"."""
    reader = Reader(sock)
    while (request := reader.request()) is not None:
        request_line, headers, body = request
        framing = b"chunked" if headers.get(b"transfer-encoding") else b"length"
        reply = b"%s %s %d %s" % (
            request_line.split()[0],
            framing,
            len(body),
            hashlib.sha256(body).hexdigest().encode(),
        )
        sock.sendall(ok(reply))


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("mode", MODES)
def test_request_bodies(mode: str) -> None:
    small = b"small body"
    large = bytes(range(256)) * (3 * 4096 + 17)  # ~3 MiB, larger than any one write

    def chunks() -> Iterator[bytes]:
        yield b""  # empty chunks are skipped, not sent as the last chunk
        for start in range(0, len(large), 300_000):
            yield large[start : start + 300_000]

    async def async_chunks() -> AsyncIterator[bytes]:
        for chunk in chunks():
            yield chunk

    with RawServer(echo_digest) as server:

        async def scenario(client: typing.Any) -> None:
            expected = {
                "small": f"POST length {len(small)} {digest(small)}",
                "large": f"POST length {len(large)} {digest(large)}",
                "chunked": f"POST chunked {len(large)} {digest(large)}",
                "empty": f"POST length 0 {digest(b'')}",
            }
            assert (await client.post(server.url, content=small)).text == expected["small"]
            assert (await client.post(server.url, content=large)).text == expected["large"]
            body = chunks() if mode == "sync" else async_chunks()
            assert (await client.post(server.url, content=body)).text == expected["chunked"]
            file = io.BytesIO(large)
            if mode == "sync":
                assert (await client.post(server.url, content=file)).text == expected["large"]
            assert (await client.post(server.url)).text == expected["empty"]

        run(mode, scenario)
    assert server.connections == 1


def test_request_body_longer_or_shorter_than_declared() -> None:
    with RawServer(echo_digest) as server:
        with httpx.Client() as client:
            for body, message in [([b"abcd"], "Too much data"), ([b"ab"], "Too little data")]:
                with pytest.raises(httpx.LocalProtocolError, match=message):
                    client.post(server.url, content=iter(body), headers={"Content-Length": "3"})
            assert client.post(server.url, content=b"abc").text.startswith("POST length 3")


@pytest.mark.parametrize("mode", MODES)
def test_early_response_while_uploading(mode: str) -> None:
    # The server refuses the upload after reading its head, and closes: the write error
    # that follows is not the answer, the 413 is.
    def handler(sock: socket.socket, index: int) -> None:
        Reader(sock).head()
        sock.sendall(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\n\r\nnope")
        sock.shutdown(socket.SHUT_WR)
        time.sleep(0.2)  # unread data: the close resets the connection

    with RawServer(handler) as server:

        async def scenario(client: typing.Any) -> None:
            response = await client.post(server.url, content=b"x" * 20_000_000)
            assert (response.status_code, response.content) == (413, b"nope")

        run(mode, scenario)


# --- large downloads --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
def test_large_download(mode: str, framing: str) -> None:
    block = bytes(range(256)) * 1024  # 256 KiB
    count = 32  # 8 MiB
    expected = hashlib.sha256(block * count).hexdigest()

    def handler(sock: socket.socket, index: int) -> None:
        reader = Reader(sock)
        while reader.request() is not None:
            if framing == "length":
                sock.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (len(block) * count)
                )
                for _ in range(count):
                    sock.sendall(block)
            elif framing == "chunked":
                sock.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                for _ in range(count):
                    sock.sendall(b"%x\r\n%s\r\n" % (len(block), block))
                sock.sendall(b"0\r\n\r\n")
            else:
                sock.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
                for _ in range(count):
                    sock.sendall(block)
                return

    with RawServer(handler) as server:

        async def scenario(client: typing.Any) -> None:
            for _ in range(2):
                async with client.stream("GET", server.url) as response:
                    hasher = hashlib.sha256()
                    async for chunk in response.aiter_raw():
                        hasher.update(chunk)
                assert hasher.hexdigest() == expected

        run(mode, scenario)
    assert server.connections == (2 if framing == "close" else 1)


# --- timeouts ---------------------------------------------------------------------------------


def stall(sock: socket.socket, index: int) -> None:
    Reader(sock).head()
    time.sleep(0.6)


@pytest.mark.parametrize("mode", MODES)
def test_read_timeout(mode: str) -> None:
    with RawServer(stall) as server:

        async def scenario(client: typing.Any) -> None:
            started = time.monotonic()
            with pytest.raises(httpx.ReadTimeout):
                await client.get(server.url, timeout=httpx.Timeout(5, read=0.2))
            assert time.monotonic() - started < 0.9

        run(mode, scenario)


@pytest.mark.parametrize("mode", MODES)
def test_read_timeout_mid_body(mode: str) -> None:
    # The server holds the connection (silent, open) until the test is done with it: had
    # it closed after a fixed delay, a client slowed down by a loaded machine could meet
    # the close (RemoteProtocolError) before its read timed out.
    release = threading.Event()

    def handler(sock: socket.socket, index: int) -> None:
        Reader(sock).head()
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        release.wait(10)

    with RawServer(handler) as server:

        async def scenario(client: typing.Any) -> None:
            async with client.stream("GET", server.url, timeout=httpx.Timeout(5, read=0.2)) as r:
                with pytest.raises(httpx.ReadTimeout):
                    await r.aread()

        try:
            run(mode, scenario)
        finally:
            release.set()


@pytest.mark.parametrize("mode", MODES)
def test_write_timeout(mode: str) -> None:
    # The server never reads: the socket buffers fill up, and the write times out.
    def handler(sock: socket.socket, index: int) -> None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        time.sleep(0.8)

    with RawServer(handler) as server:

        async def scenario(client: typing.Any) -> None:
            with pytest.raises(httpx.WriteTimeout):
                await client.post(
                    server.url, content=b"x" * 50_000_000, timeout=httpx.Timeout(5, write=0.2)
                )

        run(mode, scenario)


# --- cancellation ------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("where", ["head", "body", "upload"])
async def test_cancellation_closes_the_connection_and_leaves_the_pool_usable(where: str) -> None:
    # The first connection stays open, unanswered (and, for the upload, unread) until the
    # test is done: the cancellation always finds the request waiting, however late a
    # loaded machine delivers it (had the server closed after a fixed delay, a late
    # cancellation could meet the close, and a ReadError or WriteError, instead).
    release = threading.Event()

    def handler(sock: socket.socket, index: int) -> None:
        reader = Reader(sock)
        while (reader.request() if index else reader.head()) is not None:
            if index == 0:  # the connection the cancelled request uses
                if where == "body":
                    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
                release.wait(10)
                return
            sock.sendall(ok())

    with RawServer(handler) as server, contextlib.ExitStack() as cleanup:
        cleanup.callback(release.set)
        async with httpx.AsyncClient() as client:
            with anyio.move_on_after(0.3) as scope:
                if where == "body":
                    async with client.stream("GET", server.url) as response:
                        await response.aread()
                elif where == "upload":
                    await client.post(server.url, content=b"x" * 50_000_000)
                else:
                    await client.get(server.url)
            assert scope.cancelled_caught
            pool = client._transport._pool
            assert all(not connection.is_idle() for connection in pool.connections)
            assert (await client.get(server.url)).content == b"hello"
            assert (await client.get(server.url)).content == b"hello"
    assert server.connections == 2


@pytest.mark.anyio
async def test_cancelled_tasks_at_random_points(anyio_backend: str) -> None:
    def handler(sock: socket.socket, index: int) -> None:
        reader = Reader(sock)
        while reader.request() is not None:
            time.sleep(0.002 * (index % 3))
            sock.sendall(chunked(b"part one, ", b"part two"))

    with RawServer(handler) as server:
        limits = httpx.Limits(max_connections=5, max_keepalive_connections=5)
        async with httpx.AsyncClient(limits=limits) as client:

            async def doomed(index: int) -> None:
                with anyio.move_on_after((index % 7) * 0.001):
                    await client.get(server.url)

            async with anyio.create_task_group() as group:
                for index in range(60):
                    group.start_soon(doomed, index)
            for _ in range(5):
                assert (await client.get(server.url)).content == b"part one, part two"


# --- trace, extensions, upgrades --------------------------------------------------------------

TRACE_EVENTS = [
    "connection.connect_tcp.started",
    "connection.connect_tcp.complete",
    "http11.send_request_headers.started",
    "http11.send_request_headers.complete",
    "http11.send_request_body.started",
    "http11.send_request_body.complete",
    "http11.receive_response_headers.started",
    "http11.receive_response_headers.complete",
    "http11.receive_response_body.started",
    "http11.receive_response_body.complete",
    "http11.response_closed.started",
    "http11.response_closed.complete",
]


@pytest.mark.parametrize("mode", MODES)
def test_trace_extension_reports_httpcores_events(mode: str) -> None:
    with RawServer(serve_each(ok())) as server:
        events: list[tuple[str, dict[str, typing.Any]]] = []

        def sync_trace(name: str, info: dict[str, typing.Any]) -> None:
            events.append((name, info))

        async def async_trace(name: str, info: dict[str, typing.Any]) -> None:
            events.append((name, info))

        async def scenario(client: typing.Any) -> None:
            trace = sync_trace if mode == "sync" else async_trace
            response = await client.get(server.url, extensions={"trace": trace})
            assert response.content == b"hello"

        run(mode, scenario)
    assert [name for name, _ in events] == TRACE_EVENTS
    returned = dict(events)["http11.receive_response_headers.complete"]["return_value"]
    assert returned[:3] == (b"HTTP/1.1", 200, b"OK")


@pytest.mark.parametrize("mode", MODES)
def test_response_extensions(mode: str) -> None:
    with RawServer(serve_each(ok())) as server:

        async def scenario(client: typing.Any) -> None:
            response = await client.get(server.url)
            assert response.extensions["http_version"] == b"HTTP/1.1"
            assert response.extensions["reason_phrase"] == b"OK"
            stream = response.extensions["network_stream"]
            assert stream.get_extra_info("server_addr")[1] == server.port
            assert stream.get_extra_info("ssl_object") is None

        run(mode, scenario)


def upgrade_then_echo(sock: socket.socket, index: int) -> None:
    reader = Reader(sock)
    request = reader.request()
    assert request is not None and request[1][b"upgrade"] == b"echo"
    sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\n\r\nearly")
    while data := sock.recv(1024):
        sock.sendall(data.upper())


def test_upgrade_hands_over_the_stream_sync() -> None:
    with RawServer(upgrade_then_echo) as server:
        with httpx.Client() as client:
            with client.stream("GET", server.url, headers={"Upgrade": "echo"}) as response:
                assert response.status_code == 101
                stream = response.extensions["network_stream"]
                assert stream.read(100) == b"early"
                stream.write(b"ping")
                assert stream.read(100) == b"PING"


@pytest.mark.anyio
async def test_upgrade_hands_over_the_stream_async() -> None:
    with RawServer(upgrade_then_echo) as server:
        async with httpx.AsyncClient() as client:
            async with client.stream("GET", server.url, headers={"Upgrade": "echo"}) as response:
                assert response.status_code == 101
                stream = response.extensions["network_stream"]
                assert await stream.read(100) == b"early"
                await stream.write(b"ping")
                assert await stream.read(100) == b"PING"


# --- the connection classes, directly ---------------------------------------------------------


def test_pools_build_our_connections(server: typing.Any) -> None:
    with httpx.HTTPTransport() as transport:
        transport.handle_request(httpx.Request("GET", server.url)).read()
        connection = transport._pool.connections[0]
        assert isinstance(connection, Connection)
        assert isinstance(connection._connection, HTTP11Connection)
        assert "HTTP/1.1, IDLE, Request Count: 1" in repr(connection)


@pytest.mark.anyio
async def test_async_pools_build_our_connections(server: typing.Any) -> None:
    async with httpx.AsyncHTTPTransport() as transport:
        await (await transport.handle_async_request(httpx.Request("GET", server.url))).aread()
        connection = transport._pool.connections[0]
        assert isinstance(connection, AsyncConnection)
        assert isinstance(connection._connection, AsyncHTTP11Connection)


def test_connection_refuses_a_request_while_busy(server: typing.Any) -> None:
    origin = httpcore.Origin(b"http", b"127.0.0.1", server.port)
    stream = NativeBackend().connect_tcp("127.0.0.1", server.port)
    with HTTP11Connection(origin, stream) as connection:
        request = httpcore.Request("GET", server.url, headers=[("Host", "127.0.0.1")])
        response = connection.handle_request(request)
        with pytest.raises(httpcore.ConnectionNotAvailable):
            connection.handle_request(request)
        response.read()
        response.close()
        assert connection.is_idle() and connection.is_available()
        other = httpcore.Request("GET", "http://example.org/", headers=[("Host", "example.org")])
        with pytest.raises(RuntimeError, match="Attempted to send request"):
            connection.handle_request(other)
    assert connection.is_closed()


@pytest.mark.anyio
async def test_custom_network_streams_still_work(server: typing.Any) -> None:
    # A stream without our backends' extras (close_now, is_readable): the connection
    # falls back to the plain httpcore interface.
    class Plain(httpcore.AsyncNetworkStream):
        def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
            self.inner = inner

        async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return await self.inner.read(max_bytes, timeout)

        async def write(self, buffer: bytes, timeout: float | None = None) -> None:
            await self.inner.write(buffer, timeout)

        async def aclose(self) -> None:
            await self.inner.aclose()

        def get_extra_info(self, info: str) -> typing.Any:
            return self.inner.get_extra_info(info)

    origin = httpcore.Origin(b"http", b"127.0.0.1", server.port)
    stream = Plain(await AsyncNativeBackend().connect_tcp("127.0.0.1", server.port))
    async with AsyncHTTP11Connection(origin, stream, keepalive_expiry=5.0) as connection:
        for _ in range(2):
            request = httpcore.Request("GET", server.url, headers=[("Host", "127.0.0.1")])
            response = await connection.handle_async_request(request)
            assert response.status == 200
            await response.aread()
            await response.aclose()
            assert connection.is_idle() and not connection.has_expired()


# --- TLS ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("http2", [False, True])
def test_tls(mode: str, http2: bool, tls_server: typing.Any, ca_cert_pem_file: str) -> None:
    context = ssl.create_default_context(cafile=ca_cert_pem_file)

    async def scenario(client: typing.Any) -> None:
        for _ in range(2):
            response = await client.get(tls_server.url)
            assert response.status_code == 200
            assert response.http_version == ("HTTP/2" if http2 else "HTTP/1.1")
        ssl_object = response.extensions["network_stream"].get_extra_info("ssl_object")
        assert ssl_object.selected_alpn_protocol() == ("h2" if http2 else "http/1.1")

    run(mode, scenario, verify=context, http2=http2)


@pytest.mark.parametrize("mode", MODES)
def test_tls_verification_failure(mode: str, tls_server: typing.Any) -> None:
    async def scenario(client: typing.Any) -> None:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await client.get(tls_server.url)

    run(mode, scenario, verify=ssl.create_default_context())


@pytest.mark.anyio
async def test_tls_handshake_timeout_closes_the_socket() -> None:
    # A server that accepts and then says nothing: the handshake times out.
    def handler(sock: socket.socket, index: int) -> None:
        time.sleep(0.6)

    with RawServer(handler) as server:
        url = f"https://127.0.0.1:{server.port}/"
        async with httpx.AsyncClient(timeout=httpx.Timeout(5, connect=0.2)) as client:
            with pytest.raises(httpx.ConnectTimeout):
                await client.get(url)


# --- connecting ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_connect_errors(mode: str) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]

    async def scenario(client: typing.Any) -> None:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/")
        with pytest.raises(httpx.ConnectError):
            await client.get("http://name-that-does-not-resolve.invalid/")

    run(mode, scenario)


@pytest.mark.parametrize("mode", MODES)
def test_localhost_by_name(mode: str, server: typing.Any) -> None:
    # A host name (resolved, possibly to several addresses raced against each other).
    async def scenario(client: typing.Any) -> None:
        response = await client.get(f"http://localhost:{server.port}/")
        assert response.status_code == 200

    run(mode, scenario)
