"""The hostile server: scripted HTTP/1.1 and HTTP/2, on a cleartext and a TLS port.

It binds two sockets on 127.0.0.1 (port 0) and serves both from one asyncio loop in a
daemon thread. On either port a connection speaks HTTP/2 when it opens with the HTTP/2
preface (prior knowledge over cleartext, or after ALPN chose "h2" over TLS), HTTP/1.1
otherwise.

A test registers a `Route` (an HTTP/1.1 script, an HTTP/2 script, or both) and gets a
token; its URLs are `/<token>/case` (the script plays) and `/<token>/ok` (a well-formed
200 "ok <path>", for the follow-up request). The `Log` records every connection and the
requests it carried, so a test can tell whether the follow-up reused the connection the
script broke. Scripts run on the server loop; what they raise (other than the client
going away) lands in `errors`, which the tests check is empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import uuid
from dataclasses import dataclass, field

from tests.hostile.h1 import H1Conn, H1Script, ok_response
from tests.hostile.h2 import PREFACE, H2Conn, H2Script, H2Stream, Preamble, StreamGone
from tests.hostile.record import Log, Marks, Received
from tests.servers.run import LOOPBACK, SHUTDOWN_TIMEOUT, LoopThread, bind_loopback

NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"


@dataclass
class Route:
    token: str
    server: HostileServer
    h1: H1Script | None = None
    h2: H2Script | None = None
    h2_preamble: Preamble | None = None  # the server's first frames, instead of SETTINGS {}
    marks: Marks = field(default_factory=Marks)

    def url(self, tls: bool, action: str = "case") -> str:
        return f"{self.server.base_url(tls)}/{self.token}/{action}"

    def requests(self, action: str = "case") -> list[Received]:
        """The requests for /<token>/<action>, grouped by connection."""
        path = f"/{self.token}/{action}"
        return [
            request for request in self.server.log.requests_for(self.token) if request.path == path
        ]


def split_path(path: str) -> tuple[str, str]:
    """ "/<token>/<action>" -> (token, action)."""
    _, _, rest = path.partition("/")
    token, _, action = rest.partition("/")
    return token, action


class HostileServer:
    def __init__(self, tls_context: ssl.SSLContext) -> None:
        self.log = Log()
        self.errors: list[BaseException] = []
        self.routes: dict[str, Route] = {}
        self._tls_context = tls_context
        self._plain_socket = bind_loopback()
        self._tls_socket = bind_loopback()
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop_thread: LoopThread | None = None

    def route(
        self,
        *,
        h1: H1Script | None = None,
        h2: H2Script | None = None,
        h2_preamble: Preamble | None = None,
    ) -> Route:
        route = Route(uuid.uuid4().hex[:12], self, h1, h2, h2_preamble)
        self.routes[route.token] = route
        return route

    def base_url(self, tls: bool) -> str:
        if tls:  # the name the trustme certificate is issued for
            return f"https://localhost:{self._tls_socket.getsockname()[1]}"
        return f"http://{LOOPBACK}:{self._plain_socket.getsockname()[1]}"

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> HostileServer:
        self._loop_thread = LoopThread(f"hostile:{self._plain_socket.getsockname()[1]}")
        try:
            self._loop_thread.call(self._start())
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._loop_thread is not None:
            with contextlib.suppress(TimeoutError, RuntimeError):
                self._loop_thread.call(self._close(), SHUTDOWN_TIMEOUT)
            self._loop_thread.stop()
        self._plain_socket.close()
        self._tls_socket.close()

    async def _start(self) -> None:
        async def plain(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self._on_connection(reader, writer, tls=False)

        async def secure(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self._on_connection(reader, writer, tls=True)

        self._servers = [
            await asyncio.start_server(plain, sock=self._plain_socket),
            await asyncio.start_server(
                secure, sock=self._tls_socket, ssl=self._tls_context, ssl_handshake_timeout=5
            ),
        ]

    async def _close(self) -> None:
        for server in self._servers:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # --- connections --------------------------------------------------------------------

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, tls: bool
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        record = None
        try:
            # A request head, or the first part of the HTTP/2 preface (RFC 9113 3.4).
            head = await reader.readuntil(b"\r\n\r\n")
            alpn = None
            if tls:
                alpn = writer.get_extra_info("ssl_object").selected_alpn_protocol()
            if head == PREFACE[:18]:
                if head + await reader.readexactly(6) != PREFACE:
                    return
                record = self.log.open("h2", tls)
                record.alpn = alpn
                record.bytes_received += len(PREFACE)
                await H2Conn(reader, writer, record, self._resolve_h2, self.errors).run()
            else:
                record = self.log.open("h1", tls)
                record.alpn = alpn
                await self._serve_h1(H1Conn(reader, writer, record), head)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ssl.SSLError):
            pass  # the client went away (or sent garbage): nothing more to serve
        except asyncio.CancelledError:
            pass  # stop(): end quietly (asyncio 3.11 logs a cancelled connection task)
        except Exception as exc:  # a broken script: the test reports it
            self.errors.append(exc)
        finally:
            writer.close()
            if record is not None:
                record.closed.set()
            self._tasks.discard(task)

    async def _serve_h1(self, conn: H1Conn, head: bytes) -> None:
        request = await conn.read_request(head)
        while request is not None:
            token, action = split_path(request.path)
            route = self.routes.get(token)
            if action.startswith("ok"):
                await conn.send(ok_response(request.path))
            elif route is None or route.h1 is None:
                await conn.send(NOT_FOUND)
            else:
                conn.marks = route.marks
                await route.h1(conn, request)
                if conn.closed:
                    return
            request = await conn.read_request()

    def _resolve_h2(self, path: str) -> tuple[H2Script | None, Preamble | None, Marks]:
        token, action = split_path(path)
        route = self.routes.get(token)
        if action.startswith("ok"):
            return None, None, Marks()  # the default answer, after the default preamble
        if route is None or route.h2 is None:
            return _not_found, None, Marks()
        return route.h2, route.h2_preamble, route.marks


async def _not_found(conn: H2Conn, stream: H2Stream) -> None:
    with contextlib.suppress(StreamGone):
        await conn.respond(stream.id, 404)
