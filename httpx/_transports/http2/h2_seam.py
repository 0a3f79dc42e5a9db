"""Creating h2's `H2Connection` for our connections: the one module that knows the
internals of h2 and its hpack.

Everything else in this package uses h2's public API only. What h2 gets wrong or makes
slow for a client that shares one connection between many concurrent requests is fixed
here, narrowly, on subclasses, for the h2 and hpack versions pinned in pyproject's
``http2`` extra (`TESTED_H2`, `TESTED_HPACK`); with any other version, or if the
attributes relied on are missing, plain h2 objects are used (`FAST_PATH` is False) and
everything still works, more slowly and with the GOAWAY limitation below.

1. Counting open streams. h2 counts the open streams whenever a stream opens (to check
   the server's SETTINGS_MAX_CONCURRENT_STREAMS) by scanning every stream it knows, and
   only that scan drops closed streams from its table: with many streams in flight, a
   long scan per request. Our connection bounds its streams itself (a slot per stream,
   never more than the server allows) and tells this module when it is done with a
   stream (`forget_stream`), so the table holds exactly the streams in use and its size
   is the count.
2. GOAWAY (RFC 9113 section 6.8). h2 closes its connection state machine when a GOAWAY
   arrives, so any later frame, even the rest of a response on a stream the server
   promised to finish (id <= last_stream_id), is a protocol error and fails every
   stream. Servers send a graceful GOAWAY routinely (nginx after `keepalive_requests`
   requests, any server shutting down), so the state machine is kept open for receiving;
   the connection takes no new streams anyway (`AsyncHTTP2Connection.is_available`).
3. HPACK. hpack decodes every field of every response head (Huffman decoding byte by
   byte, in Python) and encodes every field of every request head, searching its tables
   each time, although a client mostly sends and receives the same heads again. Header
   blocks are cached per connection, keyed by their bytes (decoding) or fields
   (encoding), with exactly the effect on the dynamic table that decoding or encoding
   them again would have (RFC 7541 section 2.3): a cached decoding is used only if it
   referred to no dynamic table entry, or the table has not changed since; the entries
   it inserted are inserted again. A cached encoding is used only if encoding it changed
   nothing and nothing has changed since. Table size updates are never cached. The list
   size limit (SETTINGS_MAX_HEADER_LIST_SIZE) is checked on every use.
4. Frame tracing. h2 formats every received frame for a trace log line (its repr, with
   a hex dump of the payload) before calling a logger that, by default, does nothing:
   a good share of its cost of receiving a small response. `_receive_frame` is h2's
   own, without that line.

The measurements behind (1), (3) and (4) are in docs/design.md (HTTP/2 section).
"""

from __future__ import annotations

import typing

import h2
import h2.config
import h2.connection
import h2.errors
import h2.exceptions
import h2.settings
import hpack
import hpack.exceptions
import hpack.table
import hyperframe.frame

__all__ = ["FAST_PATH", "TESTED_H2", "TESTED_HPACK", "forget_stream", "new_h2_connection"]

# Version prefixes this module was checked with (pinned in pyproject's http2 extra).
TESTED_H2 = ("4.3.", "4.4.")
TESTED_HPACK = ("4.1.", "4.2.")
_CACHE_SIZE = 64  # header blocks cached per connection and direction
_CACHE_BLOCK = 2048  # larger blocks are not cached (bytes, or fields' total length)

# What we announce (RFC 9113 section 6.5.2), as httpcore does: no server push, at most 100
# concurrent streams, 64 KiB header lists; and 16 MiB receive windows per stream (in
# SETTINGS, rather than a WINDOW_UPDATE for each new stream) and for the connection.
LOCAL_MAX_STREAMS = 100
LOCAL_MAX_HEADER_LIST = 65536
STREAM_WINDOW = 2**24
CONNECTION_WINDOW = 2**24 + 65535

_CONFIG = h2.config.H2Configuration(
    client_side=True,
    header_encoding=None,
    # Request fields are built and checked by `fields.request_fields` (faster, with
    # httpcore's exception types); responses are validated by h2.
    validate_outbound_headers=False,
    normalize_outbound_headers=False,
    # Response fields are checked by `fields.response_head`, with a cache of the fields
    # seen before (h2's checks run generators over every byte of every field).
    validate_inbound_headers=False,
    normalize_inbound_headers=False,
)


def _has_internals() -> bool:
    connection = h2.connection.H2Connection(config=_CONFIG)
    table = hpack.table.HeaderTable()
    return (
        h2.__version__.startswith(TESTED_H2)
        and getattr(hpack, "__version__", "").startswith(TESTED_HPACK)
        and isinstance(getattr(connection, "encoder", None), hpack.Encoder)
        and isinstance(getattr(connection, "decoder", None), hpack.Decoder)
        and isinstance(getattr(table, "dynamic_entries", None), typing.Sequence)
        and isinstance(getattr(hpack.table.HeaderTable, "maxsize", None), property)
        and callable(getattr(table, "get_by_index", None))
        and isinstance(getattr(connection, "_frame_dispatch_table", None), dict)
        and callable(getattr(connection, "_prepare_for_sending", None))
        and callable(getattr(connection, "_stream_is_closed_by_reset", None))
        and callable(getattr(connection, "_stream_is_closed_by_end", None))
        and isinstance(getattr(connection, "streams", None), dict)
        and isinstance(getattr(connection, "_closed_streams", None), dict)
        and callable(getattr(connection, "_receive_goaway_frame", None))
        and isinstance(
            getattr(connection, "state_machine", None), h2.connection.H2ConnectionStateMachine
        )
        and isinstance(getattr(type(connection), "open_outbound_streams", None), property)
    )


class _CountingTable(hpack.table.HeaderTable):
    """hpack's header table, counting its changes (`generation`) and telling whether it
    was read (`dynamic_used`) and what was inserted (`inserted`) while recording."""

    def __init__(self) -> None:
        super().__init__()
        self.generation = 0
        self.dynamic_used = False
        self.inserted: list[tuple[bytes, bytes]] | None = None

    def add(self, name: bytes, value: bytes) -> None:
        self.generation += 1
        if self.inserted is not None:
            self.inserted.append((name, value))
        super().add(name, value)

    @property
    def maxsize(self) -> int:
        return self._maxsize

    @maxsize.setter
    def maxsize(self, newmax: int) -> None:
        self.generation += 1
        self.inserted = None  # a size update: not cacheable
        hpack.table.HeaderTable.maxsize.fset(self, newmax)  # type: ignore[attr-defined]

    def get_by_index(self, index: int) -> tuple[bytes, bytes]:
        if index > self.STATIC_TABLE_LENGTH:
            self.dynamic_used = True
        return super().get_by_index(index)


class _Decoded(typing.NamedTuple):
    generation: int | None  # the table's, if the decoding read it
    inserted: list[tuple[bytes, bytes]]
    headers: list[typing.Any]
    size: int  # the header list size (RFC 7541 section 4.1)


class _CachingDecoder(hpack.Decoder):
    def __init__(self, max_header_list_size: int) -> None:
        super().__init__(max_header_list_size=max_header_list_size)
        self.header_table: _CountingTable = _CountingTable()
        self._cache: dict[bytes, _Decoded] = {}

    def decode(self, data: bytes, raw: bool = False) -> typing.Any:
        table = self.header_table
        cached = self._cache.get(data) if raw else None
        if cached is not None and (
            cached.generation is None or cached.generation == table.generation
        ):
            if cached.size > self.max_header_list_size:
                raise hpack.exceptions.OversizedHeaderListError(
                    f"A header list larger than {self.max_header_list_size} has been received"
                )
            for name, value in cached.inserted:
                table.add(name, value)
            return list(cached.headers)
        generation = table.generation
        table.dynamic_used = False
        inserted: list[tuple[bytes, bytes]] = []
        table.inserted = inserted
        try:
            headers = super().decode(data, raw)
        finally:
            recorded: list[tuple[bytes, bytes]] | None = table.inserted
            table.inserted = None
        if raw and recorded is not None and len(data) <= _CACHE_BLOCK:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            size = sum(32 + len(name) + len(value) for name, value in headers)
            used = generation if table.dynamic_used else None
            self._cache[bytes(data)] = _Decoded(used, inserted, list(headers), size)
        return headers


class _CachingEncoder(hpack.Encoder):
    def __init__(self) -> None:
        super().__init__()
        self.header_table: _CountingTable = _CountingTable()
        self._cache: dict[tuple[typing.Any, ...], tuple[int, bytes]] = {}

    def encode(self, headers: typing.Any, huffman: bool = True) -> bytes:
        table = self.header_table
        if table.resized or not isinstance(headers, list):
            return super().encode(headers, huffman)
        # The field types matter too: never-indexed fields are encoded differently.
        key = (huffman, *headers, *map(type, headers))
        cached = self._cache.get(key)
        if cached is not None and cached[0] == table.generation:
            return cached[1]
        generation = table.generation
        block: bytes = super().encode(headers, huffman)
        if table.generation == generation and len(block) <= _CACHE_BLOCK:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = (generation, block)
        return block


class _ClientH2Connection(h2.connection.H2Connection):
    """`H2Connection` with the fixes of the module docstring."""

    def __init__(self, config: h2.config.H2Configuration) -> None:
        super().__init__(config=config)
        self.encoder = _CachingEncoder()
        self.decoder = _CachingDecoder(self.decoder.max_header_list_size)

    @property
    def open_outbound_streams(self) -> int:
        # The table holds only the streams in use (see `forget_stream`): no scan.
        return len(self.streams)

    def _receive_frame(self, frame: hyperframe.frame.Frame) -> list[typing.Any]:
        # h2's, without formatting the frame for a trace line first (fix 4).
        events: list[typing.Any]
        try:
            frames, events = self._frame_dispatch_table[frame.__class__](frame)
        except h2.exceptions.StreamClosedError as e:
            if self._stream_is_closed_by_reset(e.stream_id):
                reset = hyperframe.frame.RstStreamFrame(e.stream_id)
                reset.error_code = e.error_code
                self._prepare_for_sending([reset])
                events = e._events
            else:
                raise
        except h2.exceptions.StreamIDTooLowError as e:
            if self._stream_is_closed_by_reset(e.stream_id):
                reset = hyperframe.frame.RstStreamFrame(e.stream_id)
                reset.error_code = h2.errors.ErrorCodes.STREAM_CLOSED
                self._prepare_for_sending([reset])
                events = []
            elif self._stream_is_closed_by_end(e.stream_id):
                raise h2.exceptions.StreamClosedError(e.stream_id) from e
            else:
                raise
        else:
            self._prepare_for_sending(frames)
        return events

    def _receive_goaway_frame(self, frame: typing.Any) -> typing.Any:
        before = self.state_machine.state
        result = super()._receive_goaway_frame(frame)
        if before is not h2.connection.ConnectionState.CLOSED:
            # Streams up to the GOAWAY's last_stream_id may still complete.
            self.state_machine.state = before
        return result


FAST_PATH = _has_internals()


def new_h2_connection(fast: bool | None = None) -> h2.connection.H2Connection:
    """A client `H2Connection` whose connection preface, SETTINGS and connection window
    increase are ready in `data_to_send()`; with the fixes of the module docstring
    unless `fast` (default: `FAST_PATH`) is False."""
    if fast is None:
        fast = FAST_PATH
    connection = (_ClientH2Connection if fast else h2.connection.H2Connection)(config=_CONFIG)
    # Set rather than updated, so that h2 applies them at once (before the server's ACK):
    # a PUSH_PROMISE is then refused from the first byte (section 8.4).
    connection.local_settings = h2.settings.Settings(
        client=True,
        initial_values={
            h2.settings.SettingCodes.ENABLE_PUSH: 0,
            h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: LOCAL_MAX_STREAMS,
            h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: STREAM_WINDOW,
            h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: LOCAL_MAX_HEADER_LIST,
        },
    )
    # Not announced: some servers refuse SETTINGS they do not know (as httpcore).
    del connection.local_settings[h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL]
    connection.initiate_connection()
    connection.increment_flow_control_window(CONNECTION_WINDOW - 65535)
    return connection


def forget_stream(connection: h2.connection.H2Connection, stream_id: int) -> None:
    """We are done with `stream_id` (closed: ended both ways, or reset): drop it from
    the table of streams in use, as h2's own scan would have."""
    if type(connection) is not _ClientH2Connection:
        return  # plain h2 drops closed streams itself
    stream = connection.streams.get(stream_id)
    if stream is not None and stream.closed:
        del connection.streams[stream_id]
        connection._closed_streams[stream_id] = stream.closed_by
