"""Starting and stopping the test servers in background threads.

Every server listens on a socket we bind ourselves (127.0.0.1, port 0) before it starts,
so its port is known up front and never collides. Startup waits at most
STARTUP_TIMEOUT seconds and shutdown joins its thread for at most SHUTDOWN_TIMEOUT seconds:
a broken server fails the session loudly instead of hanging it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
import ssl
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any, TypeVar

import uvicorn
from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config as HypercornConfig
from hypercorn.config import Sockets

from tests.servers.app import app as test_app

STARTUP_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 5.0
LOOPBACK = "127.0.0.1"

T = TypeVar("T")
# start() returns self, typed as the subclass it was called on.
HandleT = TypeVar("HandleT", bound="ServerHandle")
UvicornT = TypeVar("UvicornT", bound="UvicornServer")
HypercornT = TypeVar("HypercornT", bound="HypercornServer")
StreamServerT = TypeVar("StreamServerT", bound="StreamServer")
ASGIApp = Callable[..., Awaitable[None]]


def bind_loopback(*, listen: bool = True) -> socket.socket:
    """A TCP socket bound to a free loopback port (and listening, unless told not to)."""
    # proto=IPPROTO_TCP matters: asyncio enables TCP_NODELAY on accepted sockets only when
    # the proto says TCP, and without it every response split over two writes waits ~40 ms
    # for a delayed ACK (Nagle). NODELAY on the listener is inherited on Linux as well.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((LOOPBACK, 0))
        if listen:
            sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock


class ServerHandle:
    """What a fixture hands to tests: where the server is, and how to stop it."""

    scheme = "http"
    url_host = LOOPBACK  # the host name used in .url

    def __init__(self, port: int) -> None:
        self.host = LOOPBACK
        self.port = port

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.url_host}:{self.port}/"

    @property
    def ip_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}/"

    def url_for(self, path: str) -> str:
        """url_for("/echo?a=1") -> "http://127.0.0.1:PORT/echo?a=1"."""
        return self.url + path.lstrip("/")

    def start(self: HandleT) -> HandleT:
        """Start serving; returns self once the server answers (or raises within
        STARTUP_TIMEOUT seconds)."""
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"


class ServerLoop(asyncio.SelectorEventLoop):
    """The event loop of every test server's thread: closing it closes the connections
    its server left open.

    A server stopped while a connection is half done (a task cancelled before it started,
    a TLS close waiting for the peer's close_notify, a graceful-shutdown timeout) would
    otherwise leave that connection's socket open when the loop closes; the garbage
    collector then finds it later, during whichever test happens to run, and the suite's
    ResourceWarning-as-error fails that innocent test. Only server loops use this class:
    the clients under test run on their own loops, where a leak stays a failure.
    """

    def abort_connections(self) -> int:
        """Abort every connection of this loop that is still open (the listening sockets
        are not transports); how many there were. Call it on the loop's thread."""
        leftovers = self.open_transports()
        for transport in leftovers:
            transport.abort()
        return len(leftovers)

    def open_transports(self) -> list[asyncio.Transport]:
        """The connections of this loop whose socket is still open."""
        # Every socket transport of this loop whose socket is open, found by the garbage
        # collector's list of objects rather than by what the loop or a server tracks:
        # whatever lost track of a connection (a handler that never ran, a TLS close
        # left waiting), the transport object is still there until it is collected.
        # (`_loop` and `_sock`: asyncio's selector transports; test code, so private
        # names are acceptable. A stop scans the heap once: ~0.1 s for the whole suite's.)
        return [
            candidate
            for candidate in gc.get_objects()
            if type(candidate) is _SOCKET_TRANSPORT
            and candidate._loop is self
            and candidate._sock is not None
        ]

    def close(self) -> None:
        if not self.is_running() and not self.is_closed() and self.abort_connections():
            # abort() closes the socket in a callback: let it run.
            self.run_until_complete(asyncio.sleep(0))
        super().close()


# The transport class of plain and TLS socket connections alike (TLS wraps one).
_SOCKET_TRANSPORT = asyncio.selector_events._SelectorSocketTransport  # type: ignore[attr-defined]

# uvicorn's `loop` setting: "module:attribute" of a loop factory.
SERVER_LOOP = f"{__name__}:ServerLoop"


def run_on_server_loop(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on a `ServerLoop` (asyncio.run takes no loop factory before
    Python 3.12)."""
    loop = ServerLoop()
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(main)
    finally:
        try:
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def join_or_fail(thread: threading.Thread, what: str) -> None:
    thread.join(SHUTDOWN_TIMEOUT)
    if thread.is_alive():
        raise RuntimeError(f"{what} did not stop within {SHUTDOWN_TIMEOUT} s")


def wait_until(ready: Callable[[], bool], thread: threading.Thread, what: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not ready():
        if not thread.is_alive():
            raise RuntimeError(f"{what} exited during startup")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not start within {STARTUP_TIMEOUT} s")
        time.sleep(0.01)


# --- uvicorn (HTTP/1.1, optionally TLS) --------------------------------------------------


class _ThreadedUvicorn(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # Signal handlers belong to the main thread (pytest's); never touch them.
        yield


class UvicornServer(ServerHandle):
    def __init__(self, *, app: ASGIApp = test_app, ws: str = "none", **ssl_options: Any) -> None:
        """ssl_options are uvicorn.Config's ssl_* arguments (ssl_certfile=..., ...); `ws`
        is uvicorn's WebSocket implementation ("wsproto" to serve WebSockets)."""
        self._socket = bind_loopback()
        super().__init__(self._socket.getsockname()[1])
        if ssl_options:
            self.scheme = "https"
            self.url_host = "localhost"
        config = uvicorn.Config(
            app,
            loop=SERVER_LOOP,
            http="h11",
            ws=ws,
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,
            **ssl_options,
        )
        self._server = _ThreadedUvicorn(config)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"uvicorn:{self.port}", daemon=True)

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # SystemExit on startup failure included
            self._error = exc

    def start(self: UvicornT) -> UvicornT:
        self._thread.start()
        try:
            wait_until(lambda: self._server.started, self._thread, repr(self))
        except BaseException as exc:
            self.stop()
            raise exc from self._error
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(SHUTDOWN_TIMEOUT)
            self._server.force_exit = True  # stop waiting for lingering connections
            join_or_fail(self._thread, repr(self))
        self._socket.close()


# --- hypercorn (TLS, HTTP/2 via ALPN) ----------------------------------------------------


class _PreboundConfig(HypercornConfig):
    """Hypercorn config that serves TLS on a socket we bound, instead of binding its own."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self._prebound = sock

    def create_sockets(self) -> Sockets:
        return Sockets(secure_sockets=[self._prebound], insecure_sockets=[], quic_sockets=[])


class HypercornServer(ServerHandle):
    scheme = "https"
    url_host = "localhost"  # covered by the certificate, so hostname checks are exercised

    def __init__(
        self,
        certfile: str,
        keyfile: str,
        probe_context: ssl.SSLContext,
        app: ASGIApp = test_app,
    ) -> None:
        """probe_context trusts the server's CA: startup waits for a TLS handshake."""
        self._socket = bind_loopback()
        super().__init__(self._socket.getsockname()[1])
        self._config = _PreboundConfig(self._socket)
        self._config.certfile = certfile
        self._config.keyfile = keyfile
        self._config.alpn_protocols = ["h2", "http/1.1"]
        self._config.graceful_timeout = 1.0
        self._config.accesslog = None
        self._config.loglevel = "WARNING"
        self._probe_context = probe_context
        self._app = app
        self._loop: ServerLoop | None = None
        self._shutdown: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, name=f"hypercorn:{self.port}", daemon=True
        )

    def _run(self) -> None:
        try:
            run_on_server_loop(self._serve())
        except BaseException as exc:  # reported by start(), not as a stray thread error
            self._error = exc

    async def _serve(self) -> None:
        self._shutdown = asyncio.Event()
        loop = asyncio.get_running_loop()
        assert isinstance(loop, ServerLoop)
        self._loop = loop
        await hypercorn_serve(
            self._app, self._config, shutdown_trigger=self._shutdown.wait, mode="asgi"
        )

    def _handshake_succeeds(self) -> bool:
        try:
            with (
                socket.create_connection((self.host, self.port), timeout=0.5) as raw,
                self._probe_context.wrap_socket(raw, server_hostname=self.url_host),
            ):
                return True
        except (OSError, ssl.SSLError):
            return False

    def start(self: HypercornT) -> HypercornT:
        self._thread.start()
        try:
            wait_until(self._handshake_succeeds, self._thread, repr(self))
        except BaseException as exc:
            self.stop()
            raise exc from self._error
        return self

    def stop(self) -> None:
        loop, shutdown = self._loop, self._shutdown
        if loop is not None and shutdown is not None and self._thread.is_alive():
            with contextlib.suppress(RuntimeError):  # loop already closed
                loop.call_soon_threadsafe(shutdown.set)
            self._thread.join(self._config.graceful_timeout + 0.5)
            if self._thread.is_alive():
                # A TLS connection whose close waits for the client's close_notify holds
                # hypercorn's shutdown for asyncio's 30 s SSL shutdown timeout (it goes on
                # waiting after its graceful timeout cancelled it): cut such connections.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(loop.abort_connections)
            join_or_fail(self._thread, repr(self))
        self._socket.close()


# --- a private asyncio loop for our own socket servers (proxies, fault server) -----------


class LoopThread:
    """An asyncio event loop running forever in a daemon thread."""

    def __init__(self, name: str) -> None:
        self.loop = ServerLoop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
            # Whatever is still running (stalled handlers, tunnels) is cancelled, not leaked.
            pending = asyncio.all_tasks(self.loop)
            for task in pending:
                task.cancel()
            if pending:
                self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        finally:
            self.loop.close()

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = STARTUP_TIMEOUT) -> T:
        """Run a coroutine on the loop and wait (bounded) for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            join_or_fail(self._thread, f"event loop thread {self._thread.name}")


class StreamServer(ServerHandle):
    """An asyncio.start_server server on its own LoopThread. Subclasses implement
    handle(); every connection task is tracked so stop() can cancel stragglers."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._socket = bind_loopback()
        super().__init__(self._socket.getsockname()[1])
        self._ssl_context = ssl_context
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self._loop_thread: LoopThread | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self.handle(reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ssl.SSLError):
            pass  # the peer went away or sent garbage: nothing to serve
        finally:
            writer.close()
            self._tasks.discard(task)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(
            self._on_connection, sock=self._socket, ssl=self._ssl_context
        )

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def start(self: StreamServerT) -> StreamServerT:
        self._loop_thread = LoopThread(f"{type(self).__name__}:{self.port}")
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
        self._socket.close()
