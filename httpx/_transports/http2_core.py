"""The HTTP/2 client protocol (RFC 9113) as plain state changes, with no I/O.

`H2Core` is shared by the async and the sync connection (`http2`, `http2_sync`), which
add the reading and writing; see the `http2` module for the design.
"""

from __future__ import annotations

import logging
import time
import typing
from collections import deque

import httpcore
from httpcore._models import ByteStream as HttpcoreByteStream

from .._content import ByteStream
from .http2_frames import (
    _CHECKED_FIELDS,
    _DEFAULT_PORTS,
    _DROPPED_HEADERS,
    _FIELD_VALUE_RE,
    _FRAME_HEAD,
    _GOAWAY,
    _KNOWN_METHODS,
    _SETTING,
    _TARGET_RE,
    _TOKEN_RE,
    _U32,
    ACK,
    CANCEL,
    CONNECTION_WINDOW,
    CONTINUATION,
    DATA,
    DEFAULT_WINDOW,
    END_HEADERS,
    END_STREAM,
    ERROR_NAMES,
    FLOW_CONTROL_ERROR,
    FRAME_SIZE_ERROR,
    GOAWAY,
    HEADERS,
    LOCAL_MAX_FRAME,
    LOCAL_MAX_HEADER_LIST,
    LOCAL_MAX_STREAMS,
    MAX_STREAM_ID,
    MAX_WINDOW,
    NO_ERROR,
    PADDED,
    PING,
    PRIORITY_FLAG,
    PROTOCOL_ERROR,
    PUSH_PROMISE,
    RST_STREAM,
    S_ENABLE_PUSH,
    S_HEADER_TABLE_SIZE,
    S_INITIAL_WINDOW_SIZE,
    S_MAX_CONCURRENT_STREAMS,
    S_MAX_FRAME_SIZE,
    SETTINGS,
    STREAM_CLOSED,
    STREAM_WINDOW,
    WINDOW_UPDATE,
    ProtocolViolation,
    _frame,
    _initial_frames,
    logger,
)
from .http2_hpack import _NEVER_INDEXED, HPACKDecoder, HPACKEncoder

# --- the connection state, without I/O ----------------------------------------------------


class Stream:
    """One request/response exchange on the connection."""

    __slots__ = (
        "chunks",
        "ended",
        "error",
        "finished",
        "headers",
        "holds_slot",
        "id",
        "local_closed",
        "recv_unacked",
        "recv_window",
        "reset",
        "send_window",
        "status",
        "trace_request",
        "waiter",
        "write_timeout",
    )

    def __init__(self, stream_id: int, send_window: int) -> None:
        self.id = stream_id
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: deque[bytes] = deque()
        self.ended = False  # the server's END_STREAM arrived: the response is complete
        self.error: Exception | None = None  # raised to the task that uses the stream
        self.reset = False  # RST_STREAM sent or received: the stream is closed
        self.local_closed = False  # our END_STREAM is queued
        self.finished = False  # the user is done with it; it left the connection
        self.holds_slot = False
        self.send_window = send_window
        self.recv_window = STREAM_WINDOW
        self.recv_unacked = 0  # bytes consumed since the last WINDOW_UPDATE
        self.waiter: typing.Any = None  # what the stream's task waits on, if it waits
        self.write_timeout: float | None = None
        self.trace_request: httpcore.Request | None = None


class SlotWaiter:
    """A request waiting for one of the server's concurrent-stream slots."""

    __slots__ = ("granted", "waiter")

    def __init__(self, waiter: typing.Any) -> None:
        self.granted = False
        self.waiter = waiter


_IDLE, _ACTIVE, _CLOSED = 0, 1, 2
WANT_HEAD, WANT_BODY, WANT_ROOM = 0, 1, 2  # what a task waits for on its stream
_STATE_NAMES = ("IDLE", "ACTIVE", "CLOSED")


class H2Core:
    """The client side of one HTTP/2 connection: state changes only, no I/O.

    Frames to send accumulate in `_outbox`; frames received are given to `_receive`,
    which updates the streams and calls `_wake` for each stream whose task has
    something new. Subclasses do the reading, writing and waiting.
    """

    def __init__(self, origin: httpcore.Origin, keepalive_expiry: float | None) -> None:
        self._origin = origin
        self._keepalive_expiry = keepalive_expiry
        self._state = _IDLE
        self._expire_at: float | None = None
        self._request_count = 0
        self._starting = 0  # requests that have no stream yet
        self._streams: dict[int, Stream] = {}
        self._next_stream_id = 1
        self._outbox: list[bytes | memoryview] = [_initial_frames()]
        self._outbox_size = 0
        self._preface_sent = False
        # Until the server's SETTINGS arrive, one stream at a time (as httpcore).
        self._max_streams = 1
        self._remote_max_streams = LOCAL_MAX_STREAMS
        self._active = 0  # streams holding a slot
        self._slot_waiters: deque[SlotWaiter] = deque()
        self._settings_seen = False
        self._new_settings: dict[int, int] | None = None  # for the trace extension
        self._send_window = DEFAULT_WINDOW
        self._peer_initial_window = DEFAULT_WINDOW
        self._peer_max_frame = 16384
        self._recv_window = CONNECTION_WINDOW
        self._recv_unacked = 0
        self._flow_blocked: dict[Stream, None] = {}
        # Streams whose task is blocked waiting for the connection (oldest first).
        self._waiting: dict[Stream, None] = {}
        self._successor: Stream | None = None  # woken to read or write, not yet running
        self._inbuf = b""
        self._header_block: list[bytes] | None = None  # HEADERS awaiting CONTINUATION
        self._header_block_size = 0
        self._header_stream = 0
        self._header_flags = 0
        self._decoder = HPACKDecoder()
        self._encoder = HPACKEncoder()
        self._goaway: tuple[int, int] | None = None  # (last stream id, error code)
        # Why the connection can't go on (raised to every stream that still needs it).
        self._failure: tuple[type[Exception], str] | None = None
        # A read was interrupted on a stream that may have lost data in it: finish the
        # streams in flight, take no new ones.
        self._unreliable = False

    # --- the connection interface ---------------------------------------------------------

    def can_handle_request(self, origin: httpcore.Origin) -> bool:
        return origin == self._origin

    def is_available(self) -> bool:
        return (
            self._state != _CLOSED
            and self._failure is None
            and self._goaway is None
            and not self._unreliable
            and self._next_stream_id <= MAX_STREAM_ID
        )

    def has_expired(self) -> bool:
        # Not "idle and readable", as for HTTP/1.1: frames for streams reset before it
        # went idle may still arrive. A request reads them first (`_catch_up`).
        if self._expire_at is not None and time.monotonic() > self._expire_at:
            return True
        return self._state == _IDLE and not self.is_available()

    def _needs_catch_up(self) -> bool:
        """Idle, and the server sent something since: a GOAWAY and a close, or late
        frames for streams reset earlier. Read it before sending a request."""
        return (
            not self._streams
            and self._settings_seen
            and self._failure is None
            and self._is_readable()
        )

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

    def _is_readable(self) -> bool:
        raise NotImplementedError  # pragma: no cover

    def _wake(self, waiter: typing.Any) -> None:
        raise NotImplementedError  # pragma: no cover

    def _notify(self, stream: Stream) -> None:
        """Wake the task waiting on `stream`."""
        waiter = stream.waiter
        stream.waiter = None
        self._waiting.pop(stream, None)
        self._wake(waiter)

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
        if want == WANT_HEAD:
            if stream.status is not None:
                return True
        elif want == WANT_BODY:
            if stream.chunks or stream.ended:
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

    def _open_stream(self, request: httpcore.Request, body: bytes | None) -> tuple[Stream, bool]:
        """Queue the request's HEADERS (and a body known up front, if the windows allow)
        on a new stream; True if the body remains to be sent.

        Encoding and queueing happen in one step: HPACK state and stream ids must reach
        the server in the order they were used.
        """
        if not self.is_available():
            raise httpcore.ConnectionNotAvailable()
        fields, has_body = _request_fields(request)
        stream_id = self._next_stream_id
        self._next_stream_id += 2
        stream = Stream(stream_id, self._peer_initial_window)
        stream.holds_slot = True
        block = self._encoder.encode(fields)
        flags = END_HEADERS if has_body else END_HEADERS | END_STREAM
        max_frame = self._peer_max_frame
        outbox = self._outbox
        if len(block) <= max_frame:
            outbox.append(_FRAME_HEAD.pack((len(block) << 8) | HEADERS, flags, stream_id))
            outbox.append(block)
        else:  # section 6.10: the rest of the block in CONTINUATION frames
            first = HEADERS
            for start in range(0, len(block), max_frame):
                piece = block[start : start + max_frame]
                last = start + max_frame >= len(block)
                piece_flags = (flags & END_STREAM if first == HEADERS else 0) | (
                    END_HEADERS if last else 0
                )
                outbox.append(_frame(first, piece_flags, stream_id, piece))
                first = CONTINUATION
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
        if not self._settings_seen:
            return 0
        return min(self._send_window, stream.send_window)

    def _queue_data(
        self, stream: Stream, data: bytes | memoryview, offset: int, end: bool, limit: int
    ) -> int:
        """Queue DATA frames for ``data[offset:]``, at most `limit` bytes and what the
        windows allow, END_STREAM after the last byte when `end`; the new offset."""
        size = len(data)
        if offset == size and not end:
            return offset
        outbox = self._outbox
        queued = 0
        while True:
            room = min(self._send_room(stream), self._peer_max_frame, limit - queued)
            count = max(0, min(room, size - offset))  # a window can be negative (6.9.2)
            if not count and offset < size:
                return offset
            last = end and offset + count == size
            flags = END_STREAM if last else 0
            outbox.append(_FRAME_HEAD.pack((count << 8) | DATA, flags, stream.id))
            if count:
                outbox.append(data if count == size else data[offset : offset + count])
            offset += count
            queued += count
            self._send_window -= count
            stream.send_window -= count
            self._outbox_size += count
            if last:
                stream.local_closed = True
            if offset == size:
                return offset

    def _has_send_room(self, stream: Stream) -> bool:
        # Not before the server's SETTINGS: some servers (h2's, so hypercorn) enforce a
        # smaller initial window of their own before we could know of it.
        return self._send_window > 0 and stream.send_window > 0 and self._settings_seen

    def _finish_stream(self, stream: Stream) -> None:
        """The user is done with the stream (response closed, or the request failed):
        reset it if it is still open, give its slot and window back. Idempotent."""
        if stream.finished:
            return
        stream.finished = True
        if not stream.reset and not (stream.ended and stream.local_closed):
            # Cancelled, failed or abandoned mid-exchange (RFC 9113 section 8.7).
            self._reset_stream(stream, CANCEL)
        unread = sum(map(len, stream.chunks))
        stream.chunks.clear()
        if unread:
            self._consumed(unread, None)
        self._streams.pop(stream.id, None)
        self._flow_blocked.pop(stream, None)
        if stream.holds_slot:
            stream.holds_slot = False
            self._release_slot()
        self._settle()

    def _reset_stream(self, stream: Stream, code: int) -> None:
        if not stream.reset and self._failure is None:
            stream.reset = True
            self._outbox.append(_frame(RST_STREAM, 0, stream.id, _U32.pack(code)))
        stream.reset = True

    def _settle(self) -> None:
        """After a stream or request went: idle when none is left."""
        if self._state == _CLOSED or self._streams or self._starting:
            return
        self._state = _IDLE
        if self._keepalive_expiry is not None:
            self._expire_at = time.monotonic() + self._keepalive_expiry

    def _must_close(self) -> bool:
        """Idle and unusable: time to close the socket."""
        return (
            self._state == _IDLE
            and not self._slot_waiters
            and (
                self._failure is not None
                or self._goaway is not None
                or self._unreliable
                or self._next_stream_id > MAX_STREAM_ID
            )
        )

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

    # --- flow control ---------------------------------------------------------------------

    def _consumed(self, size: int, stream: Stream | None) -> None:
        """`size` received bytes were consumed: reopen the windows (section 6.9) once half
        of one is used up, in one WINDOW_UPDATE per window."""
        self._recv_unacked += size
        if self._recv_unacked >= CONNECTION_WINDOW // 2:
            self._outbox.append(_frame(WINDOW_UPDATE, 0, 0, _U32.pack(self._recv_unacked)))
            self._recv_window += self._recv_unacked
            self._recv_unacked = 0
        if stream is not None and not stream.ended:
            stream.recv_unacked += size
            if stream.recv_unacked >= STREAM_WINDOW // 2:
                self._outbox.append(
                    _frame(WINDOW_UPDATE, 0, stream.id, _U32.pack(stream.recv_unacked))
                )
                stream.recv_window += stream.recv_unacked
                stream.recv_unacked = 0

    # --- receiving ------------------------------------------------------------------------

    def _receive(self, data: bytes) -> None:
        """Process received bytes (raises ProtocolViolation for connection errors)."""
        buffer = self._inbuf + data if self._inbuf else data
        pos = 0
        end = len(buffer)
        unpack = _FRAME_HEAD.unpack_from
        while end - pos >= 9:
            head, flags, stream_id = unpack(buffer, pos)
            length = head >> 8
            if length > LOCAL_MAX_FRAME:
                raise ProtocolViolation(FRAME_SIZE_ERROR, f"frame of {length} bytes")
            start = pos + 9
            if end - start < length:
                break
            pos = start + length
            frame_type = head & 0xFF
            stream_id &= 0x7FFFFFFF
            payload = buffer[start:pos]
            if self._header_block is not None and frame_type != CONTINUATION:
                raise ProtocolViolation(PROTOCOL_ERROR, "expected a CONTINUATION frame")
            if frame_type == DATA:
                self._on_data(stream_id, flags, payload)
            elif frame_type == HEADERS:
                self._on_headers(stream_id, flags, payload)
            elif frame_type == WINDOW_UPDATE:
                self._on_window_update(stream_id, payload)
            elif frame_type == SETTINGS:
                self._on_settings(stream_id, flags, payload)
            elif frame_type == PING:
                self._on_ping(stream_id, flags, payload)
            elif frame_type == RST_STREAM:
                self._on_rst_stream(stream_id, payload)
            elif frame_type == GOAWAY:
                self._on_goaway(stream_id, payload)
            elif frame_type == CONTINUATION:
                self._on_continuation(stream_id, flags, payload)
            elif frame_type == PUSH_PROMISE:
                # We disabled push in our SETTINGS (section 8.4).
                raise ProtocolViolation(PROTOCOL_ERROR, "PUSH_PROMISE with push disabled")
            # PRIORITY and unknown frame types are ignored (sections 5.3.2, 5.5).
        self._inbuf = buffer[pos:] if pos < end else b""

    def _take_in(self, data: bytes) -> None:
        """`_receive`, for a read made while no request waits: what can't go on is
        recorded as the connection's failure."""
        if not data:
            self._fail(httpcore.RemoteProtocolError, self._goaway_message())
            return
        try:
            self._receive(data)
        except ProtocolViolation as violation:
            self._protocol_violation(violation)

    def _known_stream(self, stream_id: int) -> Stream | None:
        stream = self._streams.get(stream_id)
        if stream is None and (stream_id >= self._next_stream_id or not stream_id & 1):
            # Section 5.1: frames on a stream we never opened (servers can't open any).
            raise ProtocolViolation(PROTOCOL_ERROR, f"frame on idle stream {stream_id}")
        return stream

    def _on_data(self, stream_id: int, flags: int, payload: bytes) -> None:
        if not stream_id:
            raise ProtocolViolation(PROTOCOL_ERROR, "DATA on stream 0")
        size = len(payload)
        self._recv_window -= size
        if self._recv_window < 0:
            raise ProtocolViolation(FLOW_CONTROL_ERROR, "connection window exceeded")
        data = payload
        if flags & PADDED:
            padding = payload[0] if size else 256
            if padding >= size:
                raise ProtocolViolation(PROTOCOL_ERROR, "invalid DATA padding")
            data = payload[1 : size - padding]
        stream = self._known_stream(stream_id)
        if stream is None or stream.reset or stream.ended or stream.status is None:
            # Closed or reset: credit the connection window at once.
            self._consumed(size, None)
            if stream is not None and not stream.reset:
                if stream.ended:  # section 5.1, half-closed (remote)
                    self._stream_error(stream, STREAM_CLOSED, "DATA after the end of the stream")
                else:  # section 8.1
                    self._stream_error(stream, PROTOCOL_ERROR, "DATA before the response head")
            return
        stream.recv_window -= size
        if stream.recv_window < 0:
            self._consumed(size, None)
            self._stream_error(stream, FLOW_CONTROL_ERROR, "stream window exceeded")
            return
        if len(data) != size:
            self._consumed(size - len(data), stream)  # padding counts as consumed
        if data:
            stream.chunks.append(data)
        if flags & END_STREAM:
            stream.ended = True
        if stream.waiter is not None:
            self._notify(stream)

    def _on_headers(self, stream_id: int, flags: int, payload: bytes) -> None:
        if not stream_id:
            raise ProtocolViolation(PROTOCOL_ERROR, "HEADERS on stream 0")
        start = 0
        end = len(payload)
        if flags & PADDED:
            start = 1
            end -= payload[0] if payload else 256
        if flags & PRIORITY_FLAG:
            start += 5
        if end < start:
            raise ProtocolViolation(PROTOCOL_ERROR, "invalid HEADERS padding")
        fragment = payload[start:end] if start or end != len(payload) else payload
        if flags & END_HEADERS:
            self._on_header_block(stream_id, fragment, flags & END_STREAM)
        else:
            self._header_block = [fragment]
            self._header_block_size = len(fragment)
            self._header_stream = stream_id
            self._header_flags = flags

    def _on_continuation(self, stream_id: int, flags: int, payload: bytes) -> None:
        block = self._header_block
        if block is None or stream_id != self._header_stream:
            raise ProtocolViolation(PROTOCOL_ERROR, "unexpected CONTINUATION frame")
        block.append(payload)
        self._header_block_size += len(payload)
        if self._header_block_size > 4 * LOCAL_MAX_HEADER_LIST:
            raise ProtocolViolation(PROTOCOL_ERROR, "header block too large")
        if flags & END_HEADERS:
            self._header_block = None
            self._on_header_block(stream_id, b"".join(block), self._header_flags & END_STREAM)

    def _on_header_block(self, stream_id: int, block: bytes, end_stream: int) -> None:
        # Decoded whatever becomes of the stream: the HPACK state is the connection's.
        status, fields, list_size = self._decoder.decode(block)
        stream = self._known_stream(stream_id)
        if stream is None or stream.reset:
            return
        if stream.ended:
            self._stream_error(stream, STREAM_CLOSED, "HEADERS after the end of the stream")
            return
        if list_size > LOCAL_MAX_HEADER_LIST:
            self._stream_error(stream, PROTOCOL_ERROR, "response header list too large")
            return
        if stream.status is None:
            if status is None:
                self._stream_error(stream, PROTOCOL_ERROR, "response without :status")
                return
            if status < 200:
                # An interim response (section 8.1): the final one follows.
                if end_stream:
                    self._stream_error(stream, PROTOCOL_ERROR, "interim response ends stream")
                return
            stream.status = status
            stream.headers = list(fields)  # the decoder may hand the list out again
        elif not end_stream:
            # Trailers must end the stream (section 8.1); they are ignored, as httpcore.
            self._stream_error(stream, PROTOCOL_ERROR, "trailers without END_STREAM")
            return
        if end_stream:
            stream.ended = True
        if stream.waiter is not None:
            self._notify(stream)

    def _stream_error(self, stream: Stream, code: int, message: str) -> None:
        """Section 5.4.2: the server broke the protocol on one stream: reset it."""
        self._reset_stream(stream, code)
        stream.error = httpcore.RemoteProtocolError(f"HTTP/2 stream {stream.id}: {message}")
        self._wake_stream(stream)

    def _wake_stream(self, stream: Stream) -> None:
        self._flow_blocked.pop(stream, None)
        if stream.waiter is not None:
            self._notify(stream)

    def _on_rst_stream(self, stream_id: int, payload: bytes) -> None:
        if len(payload) != 4:
            raise ProtocolViolation(FRAME_SIZE_ERROR, "RST_STREAM of wrong size")
        if not stream_id:
            raise ProtocolViolation(PROTOCOL_ERROR, "RST_STREAM on stream 0")
        stream = self._known_stream(stream_id)
        if stream is None or stream.reset:
            return
        stream.reset = True
        (code,) = _U32.unpack(payload)
        if code == NO_ERROR and stream.ended:
            # Section 8.1: a complete response, and the server needs no more of the
            # request body: stop sending, no error.
            self._wake_stream(stream)
            return
        name = ERROR_NAMES[code] if code < len(ERROR_NAMES) else str(code)
        stream.error = httpcore.RemoteProtocolError(
            f"HTTP/2 stream {stream_id} was reset by the server: {name}"
        )
        self._wake_stream(stream)

    def _on_settings(self, stream_id: int, flags: int, payload: bytes) -> None:
        if stream_id:
            raise ProtocolViolation(PROTOCOL_ERROR, "SETTINGS on a stream")
        if flags & ACK:
            if payload:
                raise ProtocolViolation(FRAME_SIZE_ERROR, "SETTINGS ACK with a payload")
            return
        if len(payload) % 6:
            raise ProtocolViolation(FRAME_SIZE_ERROR, "SETTINGS of wrong size")
        changed: dict[int, int] = {}
        for offset in range(0, len(payload), 6):
            ident, value = _SETTING.unpack_from(payload, offset)
            changed[ident] = value
            if ident == S_HEADER_TABLE_SIZE:
                self._encoder.set_max_size(value)
            elif ident == S_ENABLE_PUSH:
                if value > 1:
                    raise ProtocolViolation(PROTOCOL_ERROR, "invalid SETTINGS_ENABLE_PUSH")
            elif ident == S_MAX_CONCURRENT_STREAMS:
                self._remote_max_streams = value
            elif ident == S_INITIAL_WINDOW_SIZE:
                if value > MAX_WINDOW:
                    raise ProtocolViolation(FLOW_CONTROL_ERROR, "initial window too large")
                # Section 6.9.2: the change applies to the windows of open streams.
                delta = value - self._peer_initial_window
                self._peer_initial_window = value
                for stream in self._streams.values():
                    stream.send_window += delta
                    if stream.send_window > MAX_WINDOW:
                        raise ProtocolViolation(FLOW_CONTROL_ERROR, "stream window overflow")
            elif ident == S_MAX_FRAME_SIZE:
                if not 16384 <= value <= 2**24 - 1:
                    raise ProtocolViolation(PROTOCOL_ERROR, "invalid SETTINGS_MAX_FRAME_SIZE")
                self._peer_max_frame = value
        self._outbox.append(_frame(SETTINGS, ACK, 0))
        self._settings_seen = True
        self._new_settings = changed
        # As httpcore: no more than our own limit, and a 0 is not taken literally.
        limit = min(self._remote_max_streams, LOCAL_MAX_STREAMS)
        if limit:
            self._max_streams = limit
            self._grant_slots()
        self._wake_flow_blocked()

    def _on_ping(self, stream_id: int, flags: int, payload: bytes) -> None:
        if len(payload) != 8:
            raise ProtocolViolation(FRAME_SIZE_ERROR, "PING of wrong size")
        if stream_id:
            raise ProtocolViolation(PROTOCOL_ERROR, "PING on a stream")
        if not flags & ACK:
            self._outbox.append(_frame(PING, ACK, 0, payload))

    def _on_goaway(self, stream_id: int, payload: bytes) -> None:
        if stream_id:
            raise ProtocolViolation(PROTOCOL_ERROR, "GOAWAY on a stream")
        if len(payload) < 8:
            raise ProtocolViolation(FRAME_SIZE_ERROR, "GOAWAY of wrong size")
        last_stream_id, code = _GOAWAY.unpack_from(payload)
        last_stream_id &= 0x7FFFFFFF
        if self._goaway is not None:
            last_stream_id = min(last_stream_id, self._goaway[0])
        self._goaway = (last_stream_id, code)
        # Section 6.8: streams above the last one were not processed: they may be retried
        # on another connection. The others may still complete.
        for stream in self._streams.values():
            if stream.id > last_stream_id and stream.status is None and stream.error is None:
                stream.reset = True
                stream.error = httpcore.ConnectionNotAvailable()
                self._wake_stream(stream)
        for slot_waiter in self._slot_waiters:
            self._wake(slot_waiter.waiter)

    def _goaway_message(self) -> str:
        if self._goaway is None:
            return "Server disconnected"
        last_stream_id, code = self._goaway
        name = ERROR_NAMES[code] if code < len(ERROR_NAMES) else str(code)
        return f"Server disconnected (GOAWAY {name}, last stream {last_stream_id})"

    def _on_window_update(self, stream_id: int, payload: bytes) -> None:
        if len(payload) != 4:
            raise ProtocolViolation(FRAME_SIZE_ERROR, "WINDOW_UPDATE of wrong size")
        increment = _U32.unpack(payload)[0] & 0x7FFFFFFF
        if not stream_id:
            if not increment:
                raise ProtocolViolation(PROTOCOL_ERROR, "WINDOW_UPDATE of 0")
            self._send_window += increment
            if self._send_window > MAX_WINDOW:
                raise ProtocolViolation(FLOW_CONTROL_ERROR, "connection window overflow")
            self._wake_flow_blocked()
            return
        stream = self._known_stream(stream_id)
        if stream is None or stream.reset:
            return
        if not increment:
            self._stream_error(stream, PROTOCOL_ERROR, "WINDOW_UPDATE of 0")
            return
        stream.send_window += increment
        if stream.send_window > MAX_WINDOW:
            self._stream_error(stream, FLOW_CONTROL_ERROR, "stream window overflow")
            return
        if stream in self._flow_blocked:
            self._wake_stream(stream)

    def _wake_flow_blocked(self) -> None:
        if self._flow_blocked:
            blocked = list(self._flow_blocked)
            self._flow_blocked.clear()
            for stream in blocked:
                if stream.waiter is not None:
                    self._notify(stream)

    def _protocol_violation(self, violation: ProtocolViolation) -> bytes:
        """Section 5.4.1: fail every stream; returns the GOAWAY that tells the server why
        (last stream 0: the server can't open streams)."""
        self._fail(httpcore.RemoteProtocolError, f"HTTP/2 protocol error: {violation}")
        self._outbox.clear()
        return _frame(GOAWAY, 0, 0, _GOAWAY.pack(0, violation.code) + str(violation).encode())


def _request_fields(request: httpcore.Request) -> tuple[list[tuple[bytes, bytes]], bool]:
    """The request's header fields for HPACK (section 8.3.1), and whether a body follows.

    Raises LocalProtocolError for what HTTP/2 can't carry (section 8.2.1): httpx's models
    refuse these first, but httpcore requests can be built by anyone.
    """
    url = request.url
    method = request.method
    target = url.target
    if method not in _KNOWN_METHODS and _TOKEN_RE.fullmatch(method) is None:
        raise httpcore.LocalProtocolError(f"Illegal method {method!r}")
    if _TARGET_RE.fullmatch(target) is None:
        raise httpcore.LocalProtocolError(f"Illegal target {target!r}")
    authority = None
    has_body = False
    regular: list[tuple[bytes, bytes]] = []
    checked = _CHECKED_FIELDS
    for field in request.headers:
        name = checked.get(field)
        if name is None:
            name = _checked_name(field)
        if name in _DROPPED_HEADERS:
            if name == b"host":
                authority = field[1]
            elif name == b"transfer-encoding":
                has_body = True
            continue
        if name == b"content-length":
            has_body = True
        elif name == b"te" and field[1].lower() != b"trailers":
            continue  # section 8.2.2: "te" may only say "trailers"
        regular.append((name, field[1]))
    if authority is None:
        authority = url.host
        if url.port is not None and url.port != _DEFAULT_PORTS.get(url.scheme):
            authority += b":%d" % url.port
    fields = [(b":method", method), (b":scheme", url.scheme), (b":authority", authority)]
    fields.append((b":path", target))
    fields += regular
    return fields, has_body


def _checked_name(field: tuple[bytes, bytes]) -> bytes:
    """The lowercased name of a valid request header field (else LocalProtocolError)."""
    name, value = field
    if not isinstance(name, bytes) or not isinstance(value, bytes):
        raise TypeError(f"Header names and values must be bytes, got {name!r}: {value!r}")
    if _TOKEN_RE.fullmatch(name) is None:
        raise httpcore.LocalProtocolError(f"Illegal header name {name!r}")
    if _FIELD_VALUE_RE.fullmatch(value) is None:
        raise httpcore.LocalProtocolError(f"Illegal header value {value!r}")
    lower = name.lower()
    # Checked once per distinct field; credentials are not kept around for that, nor
    # large values.
    if lower not in _NEVER_INDEXED and len(value) <= 256 and len(_CHECKED_FIELDS) < 4096:
        _CHECKED_FIELDS[field] = lower
    return lower


def _known_body(stream: object) -> bytes | None:
    """The whole request body, when it is in memory already."""
    stream_type = type(stream)
    if stream_type is ByteStream:
        return typing.cast(ByteStream, stream)._stream
    if stream_type is HttpcoreByteStream:
        return typing.cast(bytes, stream._content)  # type: ignore[attr-defined]
    return None


def _is_traced(request: httpcore.Request) -> bool:
    return "trace" in request.extensions or logger.isEnabledFor(logging.DEBUG)


def _make_response(
    status: int,
    headers: list[tuple[bytes, bytes]],
    stream: object,
    extensions: dict[str, typing.Any],
) -> httpcore.Response:
    # The fields come from our decoder: skip httpcore.Response's re-checks.
    response = httpcore.Response.__new__(httpcore.Response)
    response.status = status
    response.headers = headers
    response.stream = stream  # type: ignore[assignment]
    response.extensions = extensions
    response._stream_consumed = False
    return response


def _innermost(stream: object) -> object:
    # network.py wraps the backend's stream (for deadlines) as `_stream`.
    inner = getattr(stream, "_stream", None)
    return stream if inner is None else inner


def _network_failure(
    exc: Exception, default: type[httpcore.NetworkError]
) -> tuple[type[Exception], str]:
    message = str(exc) or repr(exc)
    if isinstance(exc, (httpcore.NetworkError, httpcore.TimeoutException)):
        return type(exc), message
    return default, message
