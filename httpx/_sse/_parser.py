"""The event-stream parser: bytes in, `ServerSentEvent`s out. Pure, no I/O.

It implements the "event stream interpretation" of the WHATWG HTML standard
(https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation)
incrementally: the body may be cut anywhere, even inside a UTF-8 sequence, a CRLF pair
or the leading byte order mark, and the events are the same.

Work is done in bulk per chunk: the chunk's line ends are normalised and it is split
with bytes methods (CR and LF never occur inside a UTF-8 sequence, so splitting bytes
is splitting text), and text is decoded once per field value, not per character.

Memory is bounded by `max_event_size` whatever the server sends: comments and ignored
lines are dropped as they arrive, even when they never end, and the data of one event,
like any single field line, may not grow past the limit (`SSEError`).
"""

from __future__ import annotations

from ._models import DEFAULT_MAX_EVENT_SIZE, ServerSentEvent, SSEError, check_max_event_size

__all__ = ["EventStreamParser"]

_BOM = b"\xef\xbb\xbf"  # U+FEFF in UTF-8: skipped once, at the start of the stream only
_FIELDS = frozenset((b"event", b"data", b"id", b"retry"))
_LONGEST_FIELD = max(len(name) for name in _FIELDS)
_COLON = 0x3A
_SPACE = 0x20
# Python refuses to convert longer digit strings to int; a `retry` that long (hours of
# digits) is ignored like a malformed one.
_MAX_RETRY_DIGITS = 4300
# Builds a ServerSentEvent from a 4-tuple without the named tuple's keyword handling.
_new_event = tuple.__new__


class EventStreamParser:
    """Incremental parser of one event stream (one response body).

    `feed()` takes the body's bytes as they arrive and returns the events they complete;
    `end()` is called when the body ends. Both raise `SSEError` once an event exceeds
    `max_event_size`; events completed in the same chunk before the oversized one are
    returned first, and the error is raised by the next call.

    `last_event_id` and `retry` are the state the WHATWG `EventSource` keeps across
    reconnections: a parser for a new connection is created with the old one's values.
    """

    __slots__ = (
        "_after_cr",
        "_data",
        "_data_size",
        "_error",
        "_event_retry",
        "_event_type",
        "_head",
        "_id_buffer",
        "_line",
        "_max_event_size",
        "_skipping",
        "_type_cache",
        "last_event_id",
        "retry",
    )

    def __init__(
        self,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        *,
        last_event_id: str = "",
        retry: int | None = None,
    ) -> None:
        check_max_event_size(max_event_size)
        self._max_event_size = max_event_size
        #: The event source's "last event ID string": updated at the end of every event
        #: block (dispatched or not), never by an incomplete one.
        self.last_event_id = last_event_id
        #: The reconnection time, in milliseconds, as last set by a `retry` field.
        self.retry = retry
        self._id_buffer = last_event_id  # the last `id` of the current block, or before
        self._head: bytes | None = b""  # the first bytes, until a BOM is ruled in or out
        self._after_cr = False  # the input so far ends in CR: an LF next is no line end
        self._line = bytearray()  # the incomplete last line of the input so far
        self._skipping = False  # ...which is a comment or an ignored field: dropped
        self._data: list[bytes] = []  # the data buffer, one item per `data` line
        self._data_size = 0  # its size once joined with LFs, plus one
        self._event_type = b""
        self._event_retry: int | None = None
        self._error: SSEError | None = None
        # The last event type decoded, as (bytes, text): streams repeat their types.
        self._type_cache = (b"", "message")

    @property
    def buffered_bytes(self) -> int:
        """How many bytes of the stream the parser holds (for tests of its bounds)."""
        head = len(self._head) if self._head else 0
        return head + len(self._line) + sum(len(data) for data in self._data)

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """The events completed by the next bytes of the stream."""
        if self._error is not None:
            raise self._error
        if self._head is not None:
            chunk = self._skip_bom(chunk)
        if not chunk:
            return []
        if self._after_cr:
            # A CRLF split between two chunks is one line end, already counted.
            self._after_cr = False
            if chunk[0] == 0x0A:
                chunk = chunk[1:]
                if not chunk:
                    return []
        if b"\r" in chunk:
            self._after_cr = chunk[-1] == 0x0D
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = chunk.split(b"\n")
        tail = lines.pop()  # the incomplete line after the last line end, maybe b""
        events: list[ServerSentEvent] = []
        if lines:
            if self._skipping:
                self._skipping = False
                lines[0] = b":"  # the end of a line being dropped: a comment, in effect
            elif self._line:
                self._line += lines[0]
                lines[0] = bytes(self._line)
                self._line = bytearray()  # (not .clear(): let a long line's memory go)
            try:
                self._process(lines, events)
            except SSEError as exc:
                self._error = exc
                if events:
                    return events
                raise
        if tail and not self._skipping:
            self._line += tail
            self._check_incomplete_line()
        return events

    def end(self) -> None:
        """The stream has ended: an incomplete event is discarded, never dispatched."""
        if self._error is not None:
            raise self._error
        self._line = bytearray()
        self._skipping = False
        self._data = []
        self._data_size = 0
        self._event_type = b""
        self._event_retry = None

    def _skip_bom(self, chunk: bytes) -> bytes:
        head = self._head + chunk if self._head else chunk
        if len(head) < len(_BOM) and _BOM.startswith(head):
            self._head = head  # too short to tell yet
            return b""
        self._head = None
        return head[len(_BOM) :] if head.startswith(_BOM) else head

    def _process(self, lines: list[bytes], events: list[ServerSentEvent]) -> None:
        # One loop over local variables, stored back at the end: it runs once per line
        # of the stream, so every operation in it counts. (After an error the parser is
        # done with, so nothing needs storing then.)
        data = self._data
        data_size = self._data_size
        event_type = self._event_type
        event_retry = self._event_retry
        id_buffer = self._id_buffer
        last_event_id = self.last_event_id
        limit = self._max_event_size
        type_bytes, type_text = self._type_cache
        for line in lines:
            if not line:
                # A blank line ends the block: dispatch the event (WHATWG "dispatch the
                # event"); the last event ID is updated even when nothing is dispatched.
                last_event_id = id_buffer
                if data:
                    if event_type != type_bytes:
                        type_bytes, type_text = event_type, _text(event_type) or "message"
                    joined = data[0] if len(data) == 1 else b"\n".join(data)
                    try:
                        text = joined.decode()  # (strict is the fast path)
                    except UnicodeDecodeError:
                        text = joined.decode("utf-8", "replace")
                    event = (type_text, text, id_buffer, event_retry)
                    events.append(_new_event(ServerSentEvent, event))
                    data = []
                    data_size = 0
                event_type = b""
                event_retry = None
                continue
            # A line without a colon is a field name alone: its value is empty. A line
            # starting with a colon is a comment: its name is empty.
            name, _, value = line.partition(b":")
            if value and value[0] == _SPACE:
                value = value[1:]  # one space after the colon is not part of the value
            if name == b"data":
                data_size += len(value) + 1
                if data_size > limit + 1:
                    raise _too_large(limit)
                data.append(value)
            elif name not in _FIELDS:
                continue  # a comment, or a field to ignore
            elif len(value) > limit:
                raise _too_large(limit)
            elif name == b"event":
                event_type = value
            elif name == b"id":
                if b"\x00" not in value:  # an id holding NUL is ignored
                    id_buffer = _text(value)
            # `retry`: only ASCII digits (bytes.isdigit() is ASCII-only; b"" is not digits).
            elif value.isdigit():
                digits = value.lstrip(b"0") or b"0"
                if len(digits) <= _MAX_RETRY_DIGITS:
                    self.retry = event_retry = int(digits)
        self._data = data
        self._data_size = data_size
        self._event_type = event_type
        self._event_retry = event_retry
        self._id_buffer = id_buffer
        self.last_event_id = last_event_id
        self._type_cache = (type_bytes, type_text)

    def _check_incomplete_line(self) -> None:
        """Drop the incomplete line if it is one that will be ignored, or fail if it is
        already too large: only the fields that make an event are kept in memory."""
        line = self._line
        if line[0] == _COLON:
            self._drop_line()
            return
        colon = line.find(b":", 0, _LONGEST_FIELD + 1)
        if colon < 0:
            if len(line) > _LONGEST_FIELD:
                self._drop_line()  # a name longer than any field's: an ignored field
            return
        name = bytes(line[:colon])
        if name not in _FIELDS:
            self._drop_line()
            return
        value_size = len(line) - colon - 1
        room = self._max_event_size
        if name == b"data":
            room -= self._data_size
        if value_size > room + 1:  # (+1: the optional space after the colon)
            self._error = _too_large(self._max_event_size)
            raise self._error

    def _drop_line(self) -> None:
        self._line = bytearray()
        self._skipping = True


def _text(value: bytes) -> str:
    """WHATWG's UTF-8 decode: invalid sequences become U+FFFD (BOMs were dealt with)."""
    try:
        return value.decode()  # (strict is the fast path)
    except UnicodeDecodeError:
        return value.decode("utf-8", "replace")


def _too_large(max_event_size: int) -> SSEError:
    return SSEError(
        f"Server-sent event larger than max_event_size ({max_event_size} bytes): "
        "the stream was closed."
    )
