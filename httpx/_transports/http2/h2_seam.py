"""Creating h2's `H2Connection` for our connections: the one module that knows h2's
internals.

Everything else in this package uses h2's public API only. Two things h2 gets wrong for
a client that shares one connection between many concurrent requests are fixed here,
narrowly, on a subclass, for the h2 versions pinned in pyproject's ``http2`` extra
(`TESTED_H2`); with any other h2, or if the attributes relied on are missing, a plain
`H2Connection` is used (`FAST_PATH` is False) and everything still works, more slowly
and with the GOAWAY limitation below.

1. Counting open streams. h2 counts the open streams whenever a stream opens (to check
   the server's SETTINGS_MAX_CONCURRENT_STREAMS) by scanning every stream it knows, and
   only that scan drops closed streams from its table. With 100 streams in flight that
   is a hundred-step scan per request. Our connection bounds its streams itself (a slot
   per stream, never more than the server allows) and tells this module when it is done
   with a stream (`forget_stream`), so the table holds exactly the streams in use and
   its size is the count.
2. GOAWAY (RFC 9113 section 6.8). h2 closes its connection state machine when a GOAWAY
   arrives, so any later frame, even the rest of a response on a stream the server
   promised to finish (id <= last_stream_id), is a protocol error and fails every
   stream. Servers send a graceful GOAWAY routinely (nginx after `keepalive_requests`
   requests, any server shutting down), so the state machine is kept open for receiving;
   the connection takes no new streams anyway (`AsyncHTTP2Connection.is_available`).

The measurements behind (1) are in docs/design.md (HTTP/2 section).
"""

from __future__ import annotations

import typing

import h2
import h2.config
import h2.connection
import h2.settings

__all__ = ["FAST_PATH", "TESTED_H2", "forget_stream", "new_h2_connection"]

TESTED_H2 = ("4.1.", "4.2.", "4.3.", "4.4.")  # version prefixes this module was checked with

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
    validate_inbound_headers=True,
    normalize_inbound_headers=True,
)


def _has_internals() -> bool:
    connection = h2.connection.H2Connection(config=_CONFIG)
    return (
        h2.__version__.startswith(TESTED_H2)
        and isinstance(getattr(connection, "streams", None), dict)
        and isinstance(getattr(connection, "_closed_streams", None), dict)
        and callable(getattr(connection, "_receive_goaway_frame", None))
        and isinstance(getattr(connection, "state_machine", None), h2.connection.H2ConnectionStateMachine)
        and isinstance(
            getattr(type(connection), "open_outbound_streams", None), property
        )
    )


class _ClientH2Connection(h2.connection.H2Connection):
    """`H2Connection` with the two fixes of the module docstring."""

    @property
    def open_outbound_streams(self) -> int:
        # The table holds only the streams in use (see `forget_stream`): no scan.
        return len(self.streams)

    def _receive_goaway_frame(self, frame: typing.Any) -> typing.Any:
        before = self.state_machine.state
        result = super()._receive_goaway_frame(frame)
        if before is not h2.connection.ConnectionState.CLOSED:
            # Streams up to the GOAWAY's last_stream_id may still complete.
            self.state_machine.state = before
        return result


FAST_PATH = _has_internals()


def new_h2_connection(fast: bool = FAST_PATH) -> h2.connection.H2Connection:
    """A client `H2Connection` whose connection preface, SETTINGS and connection window
    increase are ready in `data_to_send()`."""
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
