"""`AsyncWebSocketSession` and `connect`: the WebSocket sessions of `AsyncClient.websocket()`.

This module is the one written by hand; `_sync_session.py` is generated from it by
scripts/unasync.py (the ``Async*`` primitives of `_concurrency` have sync twins of the
same name without the prefix). The protocol decisions are in `_core`, the handshake in
`_handshake`: what is here is the I/O around them.

Life of a session (`connect`):

1. The handshake request goes through the client's request flow (auth, cookies,
   redirects, event hooks), streamed: the 101 response's ``network_stream`` extension is
   the upgraded connection, and it stays out of the pool while the response is open.
2. The session's background work starts in a task group (threads, in the sync twin)
   owned by the session: a reader that feeds the core and queues complete messages, and
   the keepalive pinger. A full queue stops the reader, and so the reading of the
   socket (backpressure). Background work never raises: it records how the session
   ended, and every later call raises that.
3. Leaving the ``with`` block closes the session: a Close frame (code 1000, or 1011 if
   the block raised), a bounded wait for the server's Close and end of stream (RFC 6455
   section 7.1.1), then the connection is closed, the background work stopped and
   waited for, and the response closed, which frees the connection's pool slot. A
   cancelled block (or KeyboardInterrupt) skips the handshake and closes at once.
"""

from __future__ import annotations

import json
import threading
import time
import typing
from contextlib import asynccontextmanager

from .._base_client import USE_CLIENT_DEFAULT, UseClientDefault
from .._flow import send_flow
from ._concurrency import (
    AsyncBackground,
    AsyncLock,
    AsyncMessageQueue,
    AsyncShield,
    AsyncSignal,
    AsyncTools,
)
from ._core import (
    INTERNAL_ERROR,
    NORMAL_CLOSURE,
    Deliver,
    Finished,
    PongReceived,
    Reply,
    SessionOptions,
    WebSocketCore,
)
from ._errors import (
    WebSocketError,
    WebSocketInvalidTypeReceived,
    WebSocketNetworkError,
    WebSocketPingTimeout,
    WebSocketUpgradeError,
)
from ._handshake import (
    TransportChoice,
    check_response,
    handshake_headers,
    handshake_url,
    new_key,
    refusal_body_is_small,
)

if typing.TYPE_CHECKING:  # pragma: no cover
    from collections.abc import AsyncIterator
    from types import TracebackType

    import httpcore
    from wsproto.events import BytesMessage, TextMessage

    from .._client import AsyncClient
    from .._models import Response
    from .._types import (
        AuthTypes,
        CookieTypes,
        HeaderTypes,
        QueryParamTypes,
        RequestExtensions,
        TimeoutTypes,
    )
    from .._urls import URL

__all__ = ["AsyncWebSocketSession", "connect"]

JSONMode = typing.Literal["text", "binary"]

READ_SIZE = 64 * 1024
# How long closing waits for the server's Close frame and end of stream when the
# handshake had no read timeout (timeout=None): closing must end.
DEFAULT_CLOSE_TIMEOUT = 5.0


class AsyncWebSocketSession:
    """An open WebSocket session, from `AsyncClient.websocket()`.

    Attributes:
        subprotocol: The subprotocol the server chose among those offered, or None.
        response: The server's `101 Switching Protocols` response to the handshake.
    """

    def __init__(
        self,
        response: Response,
        stream: httpcore.AsyncNetworkStream,
        background: AsyncBackground,
        *,
        subprotocol: str | None,
        max_message_size_bytes: int,
        queue_size: int,
        keepalive_ping_interval_seconds: float | None,
        keepalive_ping_timeout_seconds: float | None,
        write_timeout: float | None,
        close_timeout: float,
    ) -> None:
        self.response = response
        self.subprotocol = subprotocol
        self._request = response._request
        self._core = WebSocketCore(max_message_size_bytes, self._request)
        self._core_lock = threading.Lock()  # wsproto is not thread-safe (the sync twin)
        self._stream = stream
        self._background = background
        self._queue: AsyncMessageQueue[TextMessage | BytesMessage] = AsyncMessageQueue(queue_size)
        self._write_lock = AsyncLock()
        self._pings: dict[bytes, AsyncSignal] = {}
        self._finished = AsyncSignal()  # set once the session has ended (core.failure)
        self._reader_done = AsyncSignal()
        self._aborted = False
        self._keepalive_interval = keepalive_ping_interval_seconds
        self._keepalive_timeout = keepalive_ping_timeout_seconds
        self._write_timeout = write_timeout
        self._read_timeout = AsyncTools.read_timeout(write_timeout)
        self._close_timeout = close_timeout

    def __repr__(self) -> str:
        state = "open" if self._core.is_open else "closed"
        return f"<{type(self).__name__} [{state}] {self.response.url}>"

    # --- sending -------------------------------------------------------------------------

    async def send_text(self, data: str) -> None:
        """Send a text message."""
        if not isinstance(data, str):
            raise TypeError(f"send_text() takes a str, not {type(data).__name__}")
        await self._send(data)

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary message."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"send_bytes() takes bytes, not {type(data).__name__}")
        await self._send(bytes(data))

    async def send_json(self, data: typing.Any, mode: JSONMode = "text") -> None:
        """Send `data` JSON-encoded, as a text message (or a binary one, `mode="binary"`)."""
        encoded = json.dumps(data)
        if mode == "text":
            await self._send(encoded)
        elif mode == "binary":
            await self._send(encoded.encode("utf-8"))
        else:
            raise ValueError(f"mode must be 'text' or 'binary', not {mode!r}")

    async def ping(self, payload: bytes = b"") -> AsyncSignal:
        """Send a Ping; the returned event is set when its Pong arrives (or when the
        session ends). An empty `payload` is replaced by a random one."""
        signal = AsyncSignal()
        async with self._write_lock:
            with self._core_lock:
                data, sent = self._core.send_ping(payload)
                self._pings[sent] = signal
            await self._write(data)
        return signal

    async def _send(self, message: str | bytes) -> None:
        async with self._write_lock:
            # Encoded under the lock that orders writes: no frame can follow our Close.
            with self._core_lock:
                data = self._core.send_message(message)
            await self._write(data)

    async def _write(self, data: bytes) -> None:
        """Write (holding the write lock); a failure ends the session and is raised."""
        try:
            await self._stream.write(data, self._write_timeout)
        except Exception as exc:
            error = self._network_error("Sending on the WebSocket failed", exc)
            await self._end(error)
            raise self._core.closed_error() from exc  # this error, unless another came first

    # --- receiving -----------------------------------------------------------------------

    async def receive(self, timeout: float | None = None) -> TextMessage | BytesMessage:
        """The next message: a wsproto `TextMessage` (``.data`` is a str) or
        `BytesMessage` (``.data`` is bytes), whole even if it was sent in fragments.

        Raises `TimeoutError` when none arrives within `timeout` seconds; once the
        session has ended (after the messages received before the end), the error that
        ended it: `WebSocketDisconnect` when the server closed it, and so on.
        """
        message = await self._queue.get(timeout)
        if message is None:  # the session has ended, and every message was received
            raise self._core.closed_error()
        return message

    async def receive_text(self, timeout: float | None = None) -> str:
        """The next message, which must be a text message (else
        `WebSocketInvalidTypeReceived`, carrying the message)."""
        message = await self.receive(timeout)
        if isinstance(message.data, str):
            return message.data
        raise WebSocketInvalidTypeReceived(message, request=self._request)

    async def receive_bytes(self, timeout: float | None = None) -> bytes:
        """The next message, which must be a binary message (else
        `WebSocketInvalidTypeReceived`, carrying the message)."""
        message = await self.receive(timeout)
        if isinstance(message.data, bytes):
            return message.data
        raise WebSocketInvalidTypeReceived(message, request=self._request)

    async def receive_json(
        self, timeout: float | None = None, mode: JSONMode = "text"
    ) -> typing.Any:
        """The next message (text, or binary with `mode="binary"`), JSON-decoded."""
        if mode == "text":
            return json.loads(await self.receive_text(timeout))
        if mode == "binary":
            return json.loads(await self.receive_bytes(timeout))
        raise ValueError(f"mode must be 'text' or 'binary', not {mode!r}")

    # --- closing -------------------------------------------------------------------------

    async def close(self, code: int = NORMAL_CLOSURE, reason: str | None = None) -> None:
        """Close the session: send a Close frame with `code` and `reason`, wait (up to
        the read timeout) for the server's Close, then close the connection.

        Never raises for a connection that has already failed; does nothing on a
        session that has ended.
        """
        try:
            async with self._write_lock:
                with self._core_lock:
                    data = self._core.send_close(code, reason)
                if data:
                    await self._write(data)
        except Exception:
            pass  # the session has just ended (receive() says how): nothing to close
        # Messages that arrive now are no longer wanted: a full queue must not keep
        # the reader from seeing the server's Close.
        self._queue.close()
        if not await self._reader_done.wait(self._close_timeout):
            await self._end(
                WebSocketNetworkError(
                    f"The server did not close the WebSocket within {self._close_timeout} s "
                    "of our Close frame",
                    request=self._request,
                )
            )
        await self._end(self._core.closed_error())

    async def _end(self, error: Exception) -> None:
        """End the session with `error` (unless it has ended) and close the connection."""
        with self._core_lock:
            self._core.fail(error)
        self._wake_everyone()
        if not self._aborted:
            self._aborted = True
            await AsyncTools.abort(self._stream)

    def _wake_everyone(self) -> None:
        self._queue.close()
        self._finished.set()
        with self._core_lock:
            pings, self._pings = self._pings, {}
        for signal in pings.values():
            signal.set()

    # --- background work -----------------------------------------------------------------

    async def _read_loop(self) -> None:
        # httpcore is imported here, not by `import httpx` (which it would make slower);
        # the transport that opened this connection has loaded it.
        import httpcore

        try:
            await self._read_until_finished()
            await self._read_until_closed()
        except Exception as exc:
            error = exc
            if isinstance(exc, (httpcore.NetworkError, httpcore.TimeoutException)):
                error = self._network_error("Receiving on the WebSocket failed", exc)
            with self._core_lock:
                self._core.fail(error)
        finally:
            self._wake_everyone()
            self._reader_done.set()

    async def _read_until_finished(self) -> None:
        import httpcore  # (see _read_loop)

        while True:
            try:
                data = await self._stream.read(READ_SIZE, self._read_timeout)
            except httpcore.ReadTimeout:
                if self._aborted:
                    return
                continue
            if not data:
                with self._core_lock:
                    self._core.end_of_stream()
                return
            with self._core_lock:
                actions = self._core.receive(data)
            for action in actions:
                if isinstance(action, Deliver):
                    # Waits while the queue is full: the socket is not read meanwhile.
                    # After close() the queue is closed and messages are dropped.
                    await self._queue.put(action.message)
                elif isinstance(action, Reply):
                    async with self._write_lock:
                        await self._stream.write(action.data, self._write_timeout)
                elif isinstance(action, PongReceived):
                    self._pong(action.payload)
                elif isinstance(action, Finished):
                    self._wake_everyone()
                    return

    async def _read_until_closed(self) -> None:
        """After the Close frames (or ours, failing the connection), wait for the server
        to close the connection, as it should first (RFC 6455 section 7.1.1), reading
        and dropping what still comes; for `close_timeout` at most."""
        import httpcore  # (see _read_loop)

        deadline = time.monotonic() + self._close_timeout
        while not self._aborted:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if self._read_timeout is not None:
                remaining = min(remaining, self._read_timeout)
            try:
                if not await self._stream.read(READ_SIZE, remaining):
                    return
            except httpcore.ReadTimeout:
                continue

    def _pong(self, payload: bytes) -> None:
        with self._core_lock:
            answered = [self._pings.pop(sent, None) for sent in self._core.pong(payload)]
        for signal in answered:
            if signal is not None:
                signal.set()

    async def _keepalive_loop(self, interval: float, timeout: float | None) -> None:
        try:
            while not await self._finished.wait(interval):
                if self._queue.is_full:
                    continue  # the server is alive: it filled the queue we are not reading
                waits = self._queue.waits
                pong = await self.ping()
                if timeout is None or await pong.wait(timeout) or self._finished.is_set():
                    continue
                if self._queue.waits != waits or self._queue.is_full:
                    continue  # the reader was held up by a full queue, not the server
                await self._end(
                    WebSocketPingTimeout(
                        f"No Pong within {timeout} s of a keepalive Ping",
                        request=self._request,
                    )
                )
                return
        except WebSocketError:
            pass  # no ping could be sent: the session has ended or is closing
        except Exception as exc:  # pragma: no cover - a bug: surface it to the caller
            with self._core_lock:
                self._core.fail(exc)
            self._wake_everyone()

    def _network_error(self, message: str, exc: Exception) -> WebSocketNetworkError:
        detail = str(exc) or type(exc).__name__
        return WebSocketNetworkError(f"{message}: {detail}", request=self._request)

    # --- lifetime ------------------------------------------------------------------------

    async def __aenter__(self) -> AsyncWebSocketSession:
        self._background.start_soon(self._read_loop)
        if self._keepalive_interval is not None:
            self._background.start_soon(
                self._keepalive_loop, self._keepalive_interval, self._keepalive_timeout
            )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        with AsyncShield():
            if exc is None or isinstance(exc, Exception):
                await self.close(NORMAL_CLOSURE if exc is None else INTERNAL_ERROR)
            await self._end(self._core.closed_error())


@asynccontextmanager
async def connect(
    client: AsyncClient,
    url: URL | str,
    options: SessionOptions,
    *,
    subprotocols: typing.Sequence[str] | None = None,
    params: QueryParamTypes | None = None,
    headers: HeaderTypes | None = None,
    cookies: CookieTypes | None = None,
    auth: AuthTypes | UseClientDefault | None = USE_CLIENT_DEFAULT,
    follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
    timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
    extensions: RequestExtensions | None = None,
) -> AsyncIterator[AsyncWebSocketSession]:
    """Open a WebSocket session through `client` (see the module docstring)."""
    key = new_key()  # first: without wsproto, fail before any I/O
    request = client.build_request(
        "GET",
        handshake_url(client._merge_url(url)),
        params=params,
        headers=headers,
        cookies=cookies,
        timeout=timeout,
        extensions=extensions,
    )
    for name, value in handshake_headers(key, subprotocols).items():
        request.headers[name] = value
    timeouts = request.extensions.get("timeout", {})
    read_timeout = timeouts.get("read")
    close_timeout = DEFAULT_CLOSE_TIMEOUT if read_timeout is None else read_timeout
    choice = TransportChoice(client)
    # (Imported here: the module brings in httpcore, which `import httpx` does not load.)
    from .._transports.asgi_websocket import SPAWN_EXTENSION

    try:
        async with AsyncBackground() as background:
            # An in-process ASGI app runs its side of the session in our task group.
            request.extensions[SPAWN_EXTENSION] = background
            client._check_can_send()
            client._apply_request_defaults(request)
            if isinstance(follow_redirects, UseClientDefault):
                follow_redirects = client.follow_redirects
            settings = client._flow_settings()  # (a new one for each send)
            settings.transport_for_url = choice.transport_for_url
            auth_for_request = client._build_request_auth(request, auth)
            flow = send_flow(settings, request, auth_for_request, follow_redirects, True)
            response = await AsyncTools.run_flow(flow)
            try:
                session = await _open_session(
                    response,
                    key,
                    subprotocols,
                    background,
                    options,
                    write_timeout=timeouts.get("write"),
                    close_timeout=close_timeout,
                )
                async with session:
                    yield session
            finally:
                with AsyncShield():
                    await response.aclose()
    finally:
        with AsyncShield():
            for twin in choice.twins.values():
                await twin.aclose()


async def _open_session(
    response: Response,
    key: str,
    subprotocols: typing.Sequence[str] | None,
    background: AsyncBackground,
    options: SessionOptions,
    *,
    write_timeout: float | None,
    close_timeout: float,
) -> AsyncWebSocketSession:
    try:
        subprotocol = check_response(response, key, subprotocols)
    except WebSocketUpgradeError:
        if response.status_code != 101 and refusal_body_is_small(response):
            await response.aread()  # for the error's `.response.text`
        raise
    stream = response.extensions.get("network_stream")
    if stream is None:
        raise WebSocketUpgradeError(
            response, "The transport gave no network stream for the 101 response"
        )
    return AsyncWebSocketSession(
        response,
        stream,
        background,
        subprotocol=subprotocol,
        max_message_size_bytes=options.max_message_size_bytes,
        queue_size=options.queue_size,
        keepalive_ping_interval_seconds=options.keepalive_ping_interval_seconds,
        keepalive_ping_timeout_seconds=options.keepalive_ping_timeout_seconds,
        write_timeout=write_timeout,
        close_timeout=close_timeout,
    )
