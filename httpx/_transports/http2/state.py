"""The client side of one HTTP/2 connection on h2, without I/O: streams, stream slots,
flow control, and the state that decides whether the connection takes new requests.

`H2State` (with its receiving half, `receiving.H2Receiver`) is shared by the async and
the sync connection (`_async/conn.py` and its generated twin), which add reading, writing
and waiting; see `_async/conn.py` for how they share the connection. Everything here runs
under the connection's state lock and never blocks. h2 (with hpack) does the framing,
HPACK and the protocol's state machines; this module adds what a client sharing one
connection needs on top:

* a slot per stream, never more than the server's SETTINGS_MAX_CONCURRENT_STREAMS (nor
  our 100); requests beyond wait for a slot, in order;
* a stream given up (cancelled, failed, abandoned) is reset alone (RST_STREAM CANCEL),
  its slot and its share of the connection's window given back exactly once;
* a connection that stayed silent through a read timeout takes no new requests until
  it shows it is alive (a PING is sent to find out).
"""

from __future__ import annotations

import logging
import time
import typing
from collections import deque

import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings
import httpcore

from .fields import request_fields
from .h2_seam import forget_stream, new_h2_connection

__all__ = [
    "CANCEL",
    "MAX_INTERIM_RESPONSES",
    "H2State",
    "Stream",
    "WANT_BODY",
    "WANT_HEAD",
    "WANT_ROOM",
    "error_name",
]

logger = logging.getLogger("httpcore.http2")  # httpcore's, so its logging config applies

_IDLE, _ACTIVE, _CLOSED = 0, 1, 2
_STATE_NAMES = ("IDLE", "ACTIVE", "CLOSED")
WANT_HEAD, WANT_BODY, WANT_ROOM = 0, 1, 2  # what a task waits for on its stream
FLUSH_ABOVE = 256 * 1024  # request body bytes queued before they are written
# Interim (1xx) responses accepted before the final one, as on HTTP/1.1 (docs/http2.md).
MAX_INTERIM_RESPONSES = 64
_PING = b"h2-alive"  # the opaque data of the PING sent to a connection gone silent
_MAX_STREAM_ID = 2**31 - 1
_PROTOCOL_ERROR = h2.errors.ErrorCodes.PROTOCOL_ERROR
CANCEL = h2.errors.ErrorCodes.CANCEL


class Stream:
    """One request/response exchange on the connection."""

    __slots__ = (
        "chunks",
        "content_length",
        "ended",
        "error",
        "finished",
        "headers",
        "holds_slot",
        "id",
        "interim",
        "local_closed",
        "no_content",
        "received",
        "reset",
        "status",
        "trace_request",
        "unacked",
        "waiter",
        "write_timeout",
    )

    def __init__(self, stream_id: int, head_request: bool) -> None:
        self.id = stream_id
        self.status: int | None = None
        self.interim = 0  # interim responses received
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: deque[bytes] = deque()
        self.ended = False  # the server's END_STREAM arrived: the response is complete
        self.error: Exception | None = None  # raised to the task that uses the stream
        self.reset = False  # RST_STREAM sent or received: the stream is closed
        self.local_closed = False  # our END_STREAM is queued
        self.finished = False  # the user is done with it; it left the connection
        self.holds_slot = False
        self.no_content = head_request  # a response without content (RFC 9110 6.4.1)
        self.content_length: int | None = None
        self.received = 0  # body bytes received
        self.unacked = 0  # body bytes received and not yet consumed (flow control)
        self.waiter: typing.Any = None  # what the stream's task waits on, if it waits
        self.write_timeout: float | None = None
        self.trace_request: httpcore.Request | None = None


class SlotWaiter:
    """A request waiting for one of the server's concurrent-stream slots."""

    __slots__ = ("granted", "waiter")

    def __init__(self, waiter: typing.Any) -> None:
        self.granted = False
        self.waiter = waiter


class ConnectionViolation(Exception):
    """The server broke the protocol (RFC 9113 section 5.4.1): the connection fails; the
    GOAWAY that says why is in the outbox."""


def error_name(code: int) -> str:
    try:
        return h2.errors.ErrorCodes(code).name
    except ValueError:
        return str(code)


class H2State:
    """The connection's state: h2's, and the streams' and slots' around it."""

    def __init__(self, origin: httpcore.Origin, keepalive_expiry: float | None) -> None:
        self._origin = origin
        self._keepalive_expiry = keepalive_expiry
        self._state = _IDLE
        self._expire_at: float | None = None
        self._request_count = 0
        self._starting = 0  # requests that have no stream yet
        self._h2 = new_h2_connection()
        # Frames to send; h2's own buffer is emptied into it after every call into h2
        # (h2 drops what is buffered when a GOAWAY arrives).
        self._outbox: list[bytes] = [self._h2.data_to_send()]
        self._outbox_size = 0  # request body bytes in it
        self._preface_sent = False
        self._streams: dict[int, Stream] = {}
        # Until the server's SETTINGS arrive, one stream at a time (as httpcore).
        self._max_streams = 1
        self._active = 0  # streams holding a slot
        self._slot_waiters: deque[SlotWaiter] = deque()
        self._settings_seen = False
        self._new_settings: h2.events.RemoteSettingsChanged | None = None  # for tracing
        self._flow_blocked: dict[Stream, None] = {}
        # Streams whose task is blocked waiting for the connection (oldest first).
        self._waiting: dict[Stream, None] = {}
        self._successor: Stream | None = None  # woken to read or write, not yet running
        self._goaway: tuple[int, int] | None = None  # (last stream id, error code)
        # Why the connection can't go on (raised to every stream that still needs it).
        self._failure: tuple[type[Exception], str] | None = None
        # A read was interrupted on a stream that may have lost data in it: finish the
        # streams in flight, take no new ones.
        self._unreliable = False
        self._received = 0  # bytes ever received
        self._silent = False  # a read timed out with nothing received since it began
        self._ids_exhausted = False
        self._refused = False  # the server refused a stream (REFUSED_STREAM)
        self._no_streams = False  # the server allows no streams (MAX_CONCURRENT_STREAMS 0)

    # --- the connection interface ---------------------------------------------------------

    def can_handle_request(self, origin: httpcore.Origin) -> bool:
        return origin == self._origin

    def is_available(self) -> bool:
        return (
            self._state != _CLOSED
            and self._failure is None
            and self._goaway is None
            and not self._unreliable
            and not self._silent
            and not self._ids_exhausted
            and not self._refused
            and not self._no_streams
        )

    def has_expired(self) -> bool:
        # Not "idle and readable", as for HTTP/1.1: frames for streams reset before it
        # went idle may still arrive. A request reads them first (`_catch_up`).
        if self._expire_at is not None and time.monotonic() > self._expire_at:
            return True
        return self._state == _IDLE and not self.is_available()

    def is_idle(self) -> bool:
        return self._state == _IDLE

    def is_closed(self) -> bool:
        return self._state == _CLOSED

    def info(self) -> str:
        return (
            f"{str(self._origin)!r}, HTTP/2, {_STATE_NAMES[self._state]}, "
            f"Request Count: {self._request_count}"
        )

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} [{str(self._origin)!r}, {_STATE_NAMES[self._state]}, "
            f"Request Count: {self._request_count}]>"
        )

    # --- what the I/O side provides -------------------------------------------------------

    def _wake(self, waiter: typing.Any) -> None:
        raise NotImplementedError  # pragma: no cover

    # --- waking ---------------------------------------------------------------------------

    def _notify(self, stream: Stream) -> None:
        """Wake the task waiting on `stream`."""
        waiter = stream.waiter
        stream.waiter = None
        self._waiting.pop(stream, None)
        self._wake(waiter)

    def _park(self, stream: Stream, waiter: typing.Any) -> None:
        stream.waiter = waiter
        self._waiting[stream] = None

    def _hand_off(self) -> None:
        """Wake the longest-waiting task: it reads or writes for everyone now (unless a
        task woken for that has yet to run)."""
        if self._successor is not None:
            return
        for stream in self._waiting:
            self._successor = stream
            self._notify(stream)
            return

    def _ready(self, stream: Stream, want: int) -> bool:
        """Whether a task waiting on `stream` for `want` can go on; raises why it can't
        ever, if so."""
        if want == WANT_BODY:
            if stream.chunks:
                return True
            if stream.error is not None:
                raise stream.error
            if stream.ended:
                return True  # (a complete response survives the connection's failure)
        elif want == WANT_HEAD:
            if stream.status is not None:
                return True
        elif stream.error is None and self._failure is None:  # WANT_ROOM
            if stream.reset or stream.ended or self._has_send_room(stream):
                return True
        failure = self._stream_failure(stream)
        if failure is not None:
            raise failure
        return False

    # --- requests and streams -------------------------------------------------------------

    def _begin_request(self, request: httpcore.Request) -> None:
        url = request.url
        if not self.can_handle_request(url.origin):
            raise RuntimeError(
                f"Attempted to send request to {url.origin} on connection to {self._origin}"
            )
        if not self.is_available():
            raise httpcore.ConnectionNotAvailable()
        self._request_count += 1
        self._starting += 1
        self._state = _ACTIVE
        self._expire_at = None

    def _request_failed_early(self, not_available: bool) -> None:
        """A request ends before it got a stream."""
        self._starting -= 1
        if not_available:
            self._request_count -= 1  # as httpcore: the pool retries it elsewhere
        self._settle()

    def _take_slot(self) -> bool:
        if self._active < self._max_streams and not self._slot_waiters:
            self._active += 1
            return True
        return False

    def _release_slot(self) -> None:
        self._active -= 1
        self._grant_slots()

    def _grant_slots(self) -> None:
        waiters = self._slot_waiters
        while waiters and self._active < self._max_streams:
            slot_waiter = waiters.popleft()
            self._active += 1
            slot_waiter.granted = True
            self._wake(slot_waiter.waiter)

    def _collect(self) -> None:
        """Move what h2 has to send into the outbox."""
        data = self._h2.data_to_send()
        if data:
            self._outbox.append(data)

    def _open_stream(self, request: httpcore.Request, body: bytes | None) -> tuple[Stream, bool]:
        """Queue the request's HEADERS (and a body known up front, if the windows allow)
        on a new stream; True if the body remains to be sent.

        Encoding and queueing happen in one step: HPACK state and stream ids must reach
        the server in the order they were used.
        """
        if not self.is_available():
            raise httpcore.ConnectionNotAvailable()
        fields, has_body = request_fields(request)
        connection = self._h2
        stream_id = connection.get_next_available_stream_id()
        if stream_id + 2 > _MAX_STREAM_ID:
            self._ids_exhausted = True  # this is the last stream (section 5.1.1)
        stream = Stream(stream_id, request.method == b"HEAD")
        try:
            connection.send_headers(stream_id, fields, end_stream=not has_body)
        except h2.exceptions.TooManyStreamsError as exc:  # pragma: no cover
            # Our slots keep below the server's limit, and a 0 makes the connection
            # unavailable (checked above).
            raise httpcore.RemoteProtocolError(
                f"The server accepts no streams on this connection ({exc})"
            ) from exc
        self._collect()
        stream.holds_slot = True
        self._streams[stream_id] = stream
        self._starting -= 1
        if not has_body:
            stream.local_closed = True
            return stream, False
        if body is not None and len(body) <= self._send_room(stream):
            # A small body leaves in the same write as the head.
            self._queue_data(stream, body, 0, True, len(body))
            return stream, False
        return stream, True

    def _send_room(self, stream: Stream) -> int:
        # Not before the server's SETTINGS: some servers (h2's, so hypercorn) enforce a
        # smaller initial window of their own before we could know of it.
        if not self._settings_seen or stream.reset or stream.ended:
            return 0
        try:
            return int(self._h2.local_flow_control_window(stream.id))
        except h2.exceptions.StreamClosedError:  # (plain h2 forgets closed streams)
            return 0

    def _has_send_room(self, stream: Stream) -> bool:
        return self._send_room(stream) > 0

    def _queue_data(
        self, stream: Stream, data: bytes | memoryview, offset: int, end: bool, limit: int
    ) -> int:
        """Queue DATA frames for ``data[offset:]``, at most `limit` bytes and what the
        windows allow, END_STREAM after the last byte when `end`; the new offset."""
        size = len(data)
        if offset == size and not end:
            return offset
        connection = self._h2
        max_frame = connection.max_outbound_frame_size
        queued = 0
        while True:
            room = min(self._send_room(stream), max_frame, limit - queued)
            count = max(0, min(room, size - offset))  # a window can be negative (6.9.2)
            if not count and offset < size:
                break
            last = end and offset + count == size
            chunk = data if count == size else data[offset : offset + count]
            connection.send_data(stream.id, chunk, end_stream=last)
            offset += count
            queued += count
            self._outbox_size += count
            if last:
                stream.local_closed = True
            if offset == size:
                break
        self._collect()
        return offset

    def _finish_stream(self, stream: Stream) -> None:
        """The user is done with the stream (response closed, or the request failed):
        reset it if it is still open, give its slot and window back. Idempotent."""
        if stream.finished:
            return
        stream.finished = True
        if self._failure is None:
            if not stream.reset and not (stream.ended and stream.local_closed):
                # Cancelled, failed or abandoned mid-exchange (RFC 9113 section 8.7).
                self._reset(stream, CANCEL)
            if stream.unacked:
                self._consumed(stream, stream.unacked)  # the connection's window
            forget_stream(self._h2, stream.id)
        stream.chunks.clear()
        del self._streams[stream.id]
        self._flow_blocked.pop(stream, None)
        if stream.holds_slot:
            stream.holds_slot = False
            self._release_slot()
        self._settle()

    def _reset(self, stream: Stream, code: int) -> None:
        if not stream.reset:
            stream.reset = True
            try:
                self._h2.reset_stream(stream.id, code)
            except h2.exceptions.ProtocolError:
                pass  # closed already (h2 knows better), or the connection is
            self._collect()

    def _settle(self) -> None:
        """After a stream or request went: idle when none is left."""
        if self._state == _CLOSED or self._streams or self._starting:
            return
        self._state = _IDLE
        if self._keepalive_expiry is not None:
            self._expire_at = time.monotonic() + self._keepalive_expiry

    def _must_close(self) -> bool:
        """Idle and unusable: time to close the socket."""
        return self._state == _IDLE and not self._slot_waiters and not self.is_available()

    def _fail(self, exc_type: type[Exception], message: str) -> None:
        """The connection is unusable: every stream that still needs it gets the error."""
        if self._failure is None:
            self._failure = (exc_type, message)
        for stream in list(self._waiting):
            self._notify(stream)
        for slot_waiter in self._slot_waiters:
            self._wake(slot_waiter.waiter)

    def _failure_error(self) -> Exception:
        assert self._failure is not None
        exc_type, message = self._failure
        return exc_type(message)

    def _stream_failure(self, stream: Stream) -> Exception | None:
        """Why `stream` can't go on, if it can't."""
        if stream.error is not None:
            return stream.error
        if self._failure is not None:
            return self._failure_error()
        return None

    def _went_silent(self) -> None:
        """A read timed out and nothing arrived meanwhile: the server may be gone. No
        new requests until it shows otherwise; a PING asks it to."""
        if not self._silent and self._failure is None:
            self._silent = True
            if self._streams:
                try:
                    self._h2.ping(_PING)
                except h2.exceptions.ProtocolError:
                    pass  # the connection is closing anyway
                self._collect()

    def _consumed(self, stream: Stream, size: int) -> None:
        """`size` body bytes of `stream` were consumed: h2 reopens the windows (section
        6.9) with a WINDOW_UPDATE once half of one is used up."""
        stream.unacked -= size
        self._h2.acknowledge_received_data(size, stream.id)
        self._collect()

    # --- shared with receiving.py -------------------------------------------------------

    def _violation(self, code: int, message: str) -> ConnectionViolation:
        """We found the server breaking the protocol (beyond what h2 checks)."""
        try:
            self._h2.close_connection(error_code=code, additional_data=message.encode())
        except h2.exceptions.ProtocolError:
            pass
        self._collect()
        message = f"HTTP/2 protocol error: {message}"
        self._fail(httpcore.RemoteProtocolError, message)
        return ConnectionViolation(message)

    def _stream_error(self, stream: Stream, message: str) -> None:
        """Section 5.4.2: the server broke the protocol on one stream: reset it."""
        self._reset(stream, _PROTOCOL_ERROR)
        if stream.error is None:
            stream.error = httpcore.RemoteProtocolError(f"HTTP/2 stream {stream.id}: {message}")
        self._wake_stream(stream)

    def _wake_stream(self, stream: Stream) -> None:
        self._flow_blocked.pop(stream, None)
        if stream.waiter is not None:
            self._notify(stream)

    def _wake_flow_blocked(self) -> None:
        blocked = list(self._flow_blocked)
        self._flow_blocked.clear()
        for stream in blocked:
            if stream.waiter is not None:
                self._notify(stream)

    def _goaway_message(self) -> str:
        if self._goaway is None:
            return "Server disconnected"
        last_stream_id, code = self._goaway
        return f"Server disconnected (GOAWAY {error_name(code)}, last stream {last_stream_id})"


def is_traced(request: httpcore.Request) -> bool:
    return "trace" in request.extensions or logger.isEnabledFor(logging.DEBUG)
