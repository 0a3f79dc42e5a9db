"""One WebSocket session's protocol state, with no I/O: wsproto behind a small interface.

The async and sync sessions (`_async_session.py` and its generated twin) own the sockets,
the tasks or threads and the queue; everything the protocol decides is decided here, once:

- `receive(data)` turns bytes from the server into `actions` for the session to carry
  out in order: deliver a complete message, write a reply (a Pong, or the Close that
  answers the server's), note a Pong, or finish the session with an error.
- Fragmented messages are reassembled here and limited to ``max_message_size_bytes``:
  wsproto hands data frames over in pieces as they arrive (it never buffers a whole
  frame), so memory stays bounded by the limit plus one read.
- A protocol violation (RFC 6455 section 7.1.7, "Fail the WebSocket Connection") and a
  message too large (section 7.4.1, code 1009) are answered with our Close frame and end
  the session with a typed error.
- `send_*` encode frames (masked, as a client must: section 5.3), and refuse once the
  session is over or closing, so nothing follows our Close frame on the wire.

wsproto is imported when a session is created (`httpx._wsproto`), never by `import httpx`.
The frame codec is wsproto's: nothing here parses or builds frames by hand.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from collections import OrderedDict

from .._wsproto import load_wsproto
from ._errors import (
    WebSocketDisconnect,
    WebSocketError,
    WebSocketMessageTooLarge,
    WebSocketNetworkError,
    WebSocketProtocolError,
)

if typing.TYPE_CHECKING:  # pragma: no cover
    from wsproto.events import BytesMessage, TextMessage

    from .._models import Request

__all__ = [
    "Deliver",
    "Finished",
    "PongReceived",
    "Reply",
    "SessionOptions",
    "WebSocketCore",
]

# RFC 6455 section 7.4.1.
NORMAL_CLOSURE = 1000
PROTOCOL_ERROR = 1002
MESSAGE_TOO_BIG = 1009
INTERNAL_ERROR = 1011


@dataclasses.dataclass(frozen=True)
class SessionOptions:
    """The options of `Client.websocket()` that shape a session (see its docstring)."""

    max_message_size_bytes: int
    queue_size: int
    keepalive_ping_interval_seconds: float | None
    keepalive_ping_timeout_seconds: float | None

    def __post_init__(self) -> None:
        # Checked when the session is asked for, before any I/O.
        for name in ("max_message_size_bytes", "queue_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int, not {value!r}")
        for name in ("keepalive_ping_interval_seconds", "keepalive_ping_timeout_seconds"):
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0
            ):
                raise ValueError(f"{name} must be a positive number of seconds or None")


class Deliver(typing.NamedTuple):
    """A complete message for the application."""

    message: TextMessage | BytesMessage


class Reply(typing.NamedTuple):
    """Bytes to write to the server (a Pong, or the Close frame answering or failing)."""

    data: bytes


class PongReceived(typing.NamedTuple):
    payload: bytes


class Finished(typing.NamedTuple):
    """The session is over: how it ended, as the error every later call raises."""

    error: WebSocketError


Action = typing.Union[Deliver, Reply, PongReceived, Finished]


class WebSocketCore:
    """The client side of one WebSocket connection after a successful handshake."""

    def __init__(self, max_message_size: int, request: Request | None = None) -> None:
        if max_message_size < 1:
            raise ValueError(f"max_message_size_bytes must be positive, not {max_message_size}")
        wsproto = load_wsproto()
        self._events = wsproto.events
        self._states = wsproto.connection.ConnectionState
        self._connection = wsproto.connection.Connection(wsproto.ConnectionType.CLIENT)
        self._max_message_size = max_message_size
        self._request = request
        self._parts: list[typing.Any] = []  # pieces of the message being received
        self._size = 0  # its size so far: bytes, or characters while not _exact
        self._exact = False
        self._pings: OrderedDict[bytes, None] = OrderedDict()
        self._local_close: tuple[int, str | None] | None = None
        self.failure: Exception | None = None

    # --- what the session asks -----------------------------------------------------------

    @property
    def is_open(self) -> bool:
        """Open for messages both ways: no Close sent or received, no failure."""
        return self.failure is None and self._local_close is None

    def closed_error(self) -> Exception:
        """What a call on a finished or closing session raises: the same error each time
        (its traceback reset, so that raising it again and again does not grow it)."""
        if self.failure is not None:
            return self.failure.with_traceback(None)
        code, reason = self._local_close or (NORMAL_CLOSURE, None)
        return WebSocketDisconnect(code, reason, request=self._request)

    def fail(self, error: Exception) -> bool:
        """End the session with `error`, unless it has already ended; True if it did."""
        if self.failure is not None:
            return False
        self.failure = error
        return True

    # --- receiving -----------------------------------------------------------------------

    def receive(self, data: bytes) -> list[Action]:
        """Feed bytes from the server; the actions they call for, in order."""
        if self.failure is not None:
            return []  # the session is over: what follows is of no interest
        connection = self._connection
        connection.receive_data(data)
        actions: list[Action] = []
        events = self._events
        for event in connection.events():
            if isinstance(event, events.Message):
                if not self._add_piece(event, actions):
                    break
            elif isinstance(event, events.Ping):
                # RFC 6455 section 5.5.2: answer with a Pong carrying the same payload,
                # while we may still send (not after our Close).
                if connection.state is self._states.OPEN:
                    actions.append(Reply(connection.send(event.response())))
            elif isinstance(event, events.Pong):
                actions.append(PongReceived(bytes(event.payload)))
            elif isinstance(event, events.CloseConnection):
                self._closed_by_server(event.code, event.reason, actions)
                break
        return actions

    def _closed_by_server(self, code: int, reason: str | None, actions: list[Action]) -> None:
        connection = self._connection
        states = self._states
        if connection.state in (states.OPEN, states.LOCAL_CLOSING):
            # wsproto reports a frame it could not parse as a CloseConnection event that
            # the server never sent, and leaves the state alone (a real Close frame moves
            # it on): a protocol violation, with the code to fail it with.
            self._protocol_violation(code, reason or "invalid frame", actions)
            return
        if connection.state is states.REMOTE_CLOSING:
            # Section 5.5.1: answer the server's Close with ours (echoing its code).
            actions.append(
                Reply(connection.send(self._events.CloseConnection(code=code, reason=reason)))
            )
        error = WebSocketDisconnect(code, reason, request=self._request)
        self.fail(error)
        actions.append(Finished(error))

    def _protocol_violation(self, code: int, reason: str, actions: list[Action]) -> None:
        # Section 7.1.7: send a Close frame with the code, then drop the connection.
        self._append_close(code, reason, actions)
        error = WebSocketProtocolError(
            f"The server broke the WebSocket protocol: {reason}", code, request=self._request
        )
        self.fail(error)
        actions.append(Finished(error))

    def _append_close(self, code: int, reason: str, actions: list[Action]) -> None:
        if self._connection.state is self._states.OPEN:
            event = self._events.CloseConnection(code=code, reason=reason)
            actions.append(Reply(self._connection.send(event)))

    def _add_piece(self, event: typing.Any, actions: list[Action]) -> bool:
        """Add a piece of a message; False if the message grew too large."""
        data = event.data
        if isinstance(data, str) and not self._exact:
            # UTF-8 takes 1 to 4 bytes a character: count characters while four times
            # their number is within the limit, and bytes (once) from when it is not.
            self._size += len(data)
            if self._size * 4 > self._max_message_size:
                self._exact = True
                self._size = sum(len(part.encode("utf-8")) for part in self._parts)
                self._size += len(data.encode("utf-8"))
        elif isinstance(data, str):
            self._size += len(data.encode("utf-8"))
        else:
            self._size += len(data)
        if self._size > self._max_message_size:
            self._parts = []
            self._append_close(MESSAGE_TOO_BIG, "message too big", actions)
            error = WebSocketMessageTooLarge(self._max_message_size, request=self._request)
            self.fail(error)
            actions.append(Finished(error))
            return False
        if not event.message_finished:
            if data:
                self._parts.append(data)
            return True
        parts = self._parts
        if parts:
            parts.append(data)
            joined = "".join(parts) if isinstance(data, str) else b"".join(parts)
            event = type(event)(data=joined)
            self._parts = []
        self._size = 0
        self._exact = False
        actions.append(Deliver(event))
        return True

    def end_of_stream(self) -> Exception:
        """The server closed the connection: the error that ends the session."""
        if self.failure is None:
            self.fail(
                WebSocketNetworkError(
                    "The server closed the connection without a WebSocket Close frame "
                    "(close code 1006)",
                    request=self._request,
                )
            )
        assert self.failure is not None
        return self.failure

    # --- sending -------------------------------------------------------------------------

    def send_message(self, data: str | bytes) -> bytes:
        """A text (str) or binary (bytes) message, as a frame."""
        if not self.is_open:
            raise self.closed_error()
        if isinstance(data, str):
            return bytes(self._connection.send(self._events.TextMessage(data=data)))
        return bytes(self._connection.send(self._events.BytesMessage(data=bytes(data))))

    def send_ping(self, payload: bytes | None = None) -> tuple[bytes, bytes]:
        """A Ping frame, and the payload its Pong will carry (random if not given)."""
        if not self.is_open:
            raise self.closed_error()
        if not payload:
            payload = os.urandom(8)
        if len(payload) > 125:  # section 5.5: control frame payloads are short
            raise ValueError("A WebSocket ping payload is at most 125 bytes")
        self._pings[payload] = None
        return self._connection.send(self._events.Ping(payload=payload)), payload

    def pong(self, payload: bytes) -> list[bytes]:
        """The pings a Pong answers: its own, and the ones sent before it (section 5.5.3
        allows answering only the most recent Ping). An unsolicited Pong answers none."""
        pings = self._pings
        if payload not in pings:
            return []
        answered = []
        while pings:
            sent, _ = pings.popitem(last=False)
            answered.append(sent)
            if sent == payload:
                break
        return answered

    def send_close(self, code: int, reason: str | None) -> bytes:
        """Our Close frame (section 5.5.1), or b"" if the session is already over."""
        if self.failure is not None or self._local_close is not None:
            return b""
        if self._connection.state is not self._states.OPEN:
            return b""
        self._local_close = (code, reason)
        return bytes(self._connection.send(self._events.CloseConnection(code=code, reason=reason)))
