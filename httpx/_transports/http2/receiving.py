"""What h2's events mean for the streams of a connection: `H2Receiver`, the receiving half
of `H2State` (no I/O either).

The checks h2 leaves out are made here: a body shorter or longer than its Content-Length
also when the stream ends on HEADERS or trailers, no body on a response that has none
(HEAD, 204, 304), no 101 (RFC 9113 section 8.6); and it is decided here which failures
belong to one stream and which to the connection, and which requests the server did not
process (GOAWAY above its last stream id, REFUSED_STREAM: section 8.7) and may be
retried on another connection.
"""

from __future__ import annotations

import time
import typing

import h2.errors
import h2.events
import h2.settings
import httpcore

from .fields import response_head, trailers_problem
from .h2_seam import LOCAL_MAX_STREAMS
from .state import CANCEL, MAX_INTERIM_RESPONSES, ConnectionViolation, H2State, error_name

__all__ = ["H2Receiver"]

_PROTOCOL_ERROR = h2.errors.ErrorCodes.PROTOCOL_ERROR
_ENHANCE_YOUR_CALM = h2.errors.ErrorCodes.ENHANCE_YOUR_CALM
_NO_ERROR = h2.errors.ErrorCodes.NO_ERROR
_REFUSED_STREAM = h2.errors.ErrorCodes.REFUSED_STREAM
_ENABLE_PUSH = h2.settings.SettingCodes.ENABLE_PUSH
_MAX_CONCURRENT_STREAMS = h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS

# Floods (CVE-2019-9512 PING, -9515 SETTINGS, -9518 empty frames): frames that carry no
# part of a response (SETTINGS, PING, PRIORITY, frames of unknown types, empty DATA) are
# allowed in bursts of CONTROL_BURST, refilled at CONTROL_RATE per second and in full by
# any response data (a head, trailers, body bytes); past that the connection ends with
# ENHANCE_YOUR_CALM (RFC 9113 section 10.5). See docs/http2.md.
CONTROL_BURST = 5000
CONTROL_RATE = 100.0


class H2Receiver(H2State):
    """`H2State`, fed with what the server sent."""

    def __init__(self, origin: httpcore.Origin, keepalive_expiry: float | None) -> None:
        super().__init__(origin, keepalive_expiry)
        self._handlers: dict[type[h2.events.Event], typing.Callable[[typing.Any], None]] = {
            h2.events.ResponseReceived: self._on_response,
            h2.events.DataReceived: self._on_data,
            h2.events.StreamEnded: self._on_stream_ended,
            h2.events.StreamReset: self._on_stream_reset,
            h2.events.WindowUpdated: self._on_window_updated,
            h2.events.RemoteSettingsChanged: self._on_settings,
            h2.events.ConnectionTerminated: self._on_goaway,
            h2.events.InformationalResponseReceived: self._on_informational,
            h2.events.TrailersReceived: self._on_trailers,
            h2.events.PingReceived: self._on_control,
            h2.events.PingAckReceived: self._on_control,
            h2.events.SettingsAcknowledged: self._on_control,
            h2.events.PriorityUpdated: self._on_control,
            h2.events.UnknownFrameReceived: self._on_control,
            h2.events.AlternativeServiceAvailable: self._on_control,
        }
        self._calm = float(CONTROL_BURST)  # control frames allowed now (see above)
        self._calm_at = time.monotonic()

    def _receive(self, data: bytes) -> None:
        """Process received bytes; raises ConnectionViolation for connection errors."""
        self._received += len(data)
        self._silent = False
        connection = self._h2
        self._collect()  # before a GOAWAY in `data` makes h2 drop it
        try:
            events = connection.receive_data(data)
        except Exception as exc:  # h2 protocol errors, and anything else it trips on
            self._collect()  # h2's GOAWAY
            message = f"HTTP/2 protocol error: {exc}"
            if self._goaway is not None:
                message = self._goaway_message()  # (h2 without the GOAWAY fix)
            self._fail(httpcore.RemoteProtocolError, message)
            raise ConnectionViolation(message) from exc
        handlers = self._handlers
        for event in events:
            handler = handlers.get(type(event))
            if handler is not None:
                handler(event)
        self._collect()

    def _take_in(self, data: bytes) -> None:
        """`_receive`, for a read made while no request waits: what can't go on is
        recorded as the connection's failure."""
        if not data:
            self._fail(httpcore.RemoteProtocolError, self._goaway_message())
            return
        try:
            self._receive(data)
        except ConnectionViolation:
            pass  # recorded by `_fail`

    def _on_control(self, event: object) -> None:
        """A frame that carries no part of a response: within the flood limit?"""
        now = time.monotonic()
        calm = min(CONTROL_BURST, self._calm + (now - self._calm_at) * CONTROL_RATE)
        self._calm_at = now
        if calm < 1:
            raise self._violation(
                _ENHANCE_YOUR_CALM,
                f"a flood of control frames (more than {CONTROL_BURST} without response data)",
            )
        self._calm = calm - 1

    def _on_response(self, event: h2.events.ResponseReceived) -> None:
        self._calm = CONTROL_BURST
        stream = self._streams.get(event.stream_id)
        if stream is None or stream.reset:
            return
        head = response_head(event.headers)
        if isinstance(head, str):
            self._stream_error(stream, head)
            return
        stream.status = head.status
        stream.headers = head.headers
        stream.content_length = head.content_length
        if head.status in (204, 304):
            stream.no_content = True
        if stream.waiter is not None:
            self._notify(stream)

    def _on_informational(self, event: h2.events.InformationalResponseReceived) -> None:
        # An interim response (section 8.1): the final one follows; but not a 101, and
        # not for ever (RFC 9110 section 15.2 sets no bound; we do, as for HTTP/1.1).
        stream = self._streams.get(event.stream_id)
        if stream is None or stream.reset:
            return
        stream.interim += 1
        if (b":status", b"101") in event.headers:
            self._stream_error(stream, "101 (Switching Protocols) is not allowed in HTTP/2")
        elif stream.interim > MAX_INTERIM_RESPONSES:
            self._stream_error(stream, f"more than {MAX_INTERIM_RESPONSES} interim responses")

    def _on_trailers(self, event: h2.events.TrailersReceived) -> None:
        # Trailers are not passed on (as in httpcore), but a malformed trailer section
        # makes the response malformed (section 8.1.1).
        self._calm = CONTROL_BURST
        stream = self._streams.get(event.stream_id)
        if stream is None or stream.reset:
            return
        problem = trailers_problem(event.headers)
        if problem is not None:
            self._stream_error(stream, problem)

    def _on_data(self, event: h2.events.DataReceived) -> None:
        stream_id: int = event.stream_id
        data: bytes = event.data
        flow: int = event.flow_controlled_length
        stream = self._streams.get(stream_id)
        if stream is None or stream.reset:
            if flow:  # nobody reads it: the connection's window gets it back at once
                self._h2.acknowledge_received_data(flow, stream_id)
            return
        size = len(data)
        if flow != size:
            self._h2.acknowledge_received_data(flow - size, stream_id)  # padding
        if not size:
            if event.stream_ended is None:
                self._on_control(event)  # an empty DATA frame that does not end the stream
            return
        self._calm = CONTROL_BURST
        stream.received += size
        stream.unacked += size
        if stream.no_content:
            self._stream_error(stream, "a body on a response that has none")
            return
        stream.chunks.append(data)
        if stream.waiter is not None:
            self._notify(stream)

    def _on_stream_ended(self, event: h2.events.StreamEnded) -> None:
        stream = self._streams.get(event.stream_id)
        if stream is None or stream.reset:
            return
        stream.ended = True
        expected = stream.content_length
        if expected is not None and stream.received != expected and not stream.no_content:
            # h2 catches most of these (as connection errors); not a stream that ends
            # on its HEADERS or trailers (RFC 9113 section 8.1.1).
            self._stream_error(
                stream, f"{stream.received} body bytes, Content-Length said {expected}"
            )
            return
        if stream.waiter is not None:
            self._notify(stream)

    def _on_stream_reset(self, event: h2.events.StreamReset) -> None:
        stream = self._streams.get(event.stream_id)
        if stream is None or stream.reset:
            return
        stream.reset = True
        code: int = event.error_code
        if not event.remote_reset:
            # h2 reset it (a flow-control error on the stream).
            stream.error = httpcore.RemoteProtocolError(
                f"HTTP/2 stream {stream.id}: {error_name(code)}"
            )
        elif code == _REFUSED_STREAM and stream.status is None:
            # Section 8.7: not processed at all; safe to retry, on another connection
            # (this one would refuse it again: it takes no new requests).
            self._refused = True
            stream.error = httpcore.ConnectionNotAvailable()
        elif not (code == _NO_ERROR and stream.ended):
            # (NO_ERROR after a complete response: the request body is not needed.)
            stream.error = httpcore.RemoteProtocolError(
                f"HTTP/2 stream {stream.id} was reset by the server: {error_name(code)}"
            )
        self._wake_stream(stream)

    def _on_window_updated(self, event: h2.events.WindowUpdated) -> None:
        if not self._flow_blocked:
            return
        if event.stream_id:
            stream = self._streams.get(event.stream_id)
            if stream is not None and stream in self._flow_blocked:
                self._wake_stream(stream)
            return
        self._wake_flow_blocked()

    def _on_settings(self, event: h2.events.RemoteSettingsChanged) -> None:
        self._on_control(event)
        changed = event.changed_settings
        push = changed.get(_ENABLE_PUSH)
        if push is not None and push.new_value == 1:
            # Section 6.5.2: a client MUST treat this as a connection error (h2 4.4 does
            # so itself, 4.3 does not).
            raise self._violation(_PROTOCOL_ERROR, "a server sent SETTINGS_ENABLE_PUSH=1")
        first = not self._settings_seen
        self._settings_seen = True
        self._new_settings = event
        streams = changed.get(_MAX_CONCURRENT_STREAMS)
        if streams is not None or first:
            # Section 5.1.2: no more streams than the server allows (without the setting,
            # it sets no limit: h2 then reports 2**32+1), nor than our own limit. A 0
            # forbids new streams: the connection takes no new requests (they go to
            # another connection) until the server raises it again.
            allowed = self._h2.remote_settings.max_concurrent_streams
            self._no_streams = not allowed
            if allowed:
                self._max_streams = min(allowed, LOCAL_MAX_STREAMS)
                self._grant_slots()
            else:
                for slot_waiter in self._slot_waiters:
                    self._wake(slot_waiter.waiter)  # (they find the connection unavailable)
        if self._flow_blocked:
            self._wake_flow_blocked()  # the initial window may have grown

    def _on_goaway(self, event: h2.events.ConnectionTerminated) -> None:
        last_stream_id = event.last_stream_id or 0
        if self._goaway is not None:
            last_stream_id = min(last_stream_id, self._goaway[0])
        self._goaway = (last_stream_id, int(event.error_code or 0))
        # Section 6.8: streams above the last one were not processed: they may be retried
        # on another connection. The others may still complete.
        for stream in self._streams.values():
            if stream.id > last_stream_id and stream.status is None and stream.error is None:
                self._reset(stream, CANCEL)
                stream.error = httpcore.ConnectionNotAvailable()
                self._wake_stream(stream)
        for slot_waiter in self._slot_waiters:
            self._wake(slot_waiter.waiter)
