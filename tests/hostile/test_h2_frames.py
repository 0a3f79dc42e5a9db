"""HTTP/2 connection-level attacks and frame errors (RFC 9113 sections 4-6): CONTINUATION,
SETTINGS and PING floods, invalid SETTINGS, flow-control violations, PUSH_PROMISE to a
client that disabled push, frames on the wrong stream or of the wrong size.

A connection error ends the request in RemoteProtocolError and the connection with it:
the follow-up must go on a NEW connection. An endless flood has no "correct data": only
giving up in time (RemoteProtocolError) passes; a client that keeps going meets the
server's silence once its budget is spent, and ends in a ReadTimeout instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import typing

import pytest
from hyperframe.frame import PingFrame, SettingsFrame

import httpx
from httpx._transports.http2.h2_seam import STREAM_WINDOW
from tests.hostile.check import (
    ANY,
    FLOOD_READ,
    H2,
    MEMORY_LIMIT,
    NEW,
    SAME,
    Case,
    Data,
    Proto,
    Raises,
    fails_today,
    params,
    run_case,
)
from tests.hostile.h2 import (
    CONTINUATION,
    DATA,
    END_HEADERS,
    END_STREAM,
    GOAWAY,
    HEADERS,
    PADDED,
    PING,
    PRIORITY,
    PUSH_PROMISE,
    RST_STREAM,
    SETTINGS,
    WINDOW_UPDATE,
    H2Conn,
    H2Script,
    H2Stream,
    Preamble,
    literal_block,
    raw_frame,
)
from tests.hostile.h2scripts import HELLO_HEAD, STATUS_200, data, frame, headers, respond, sequence
from tests.hostile.server import HostileServer, Route

ERROR = (Raises(httpx.RemoteProtocolError),)
# A client still taking a flood after this much is not going to stop (256 KiB is ~15,000
# PINGs or ~29,000 empty SETTINGS or CONTINUATION frames; h2 allows 64 CONTINUATIONs).
FLOOD_BYTES = 256 * 1024


def repeated(frame_bytes: bytes) -> bytes:
    """`frame_bytes` repeated to about 64 KiB: one write, small next to what is measured."""
    return frame_bytes * max(1, 65536 // len(frame_bytes))


CONNECTION_ERROR = "RFC 9113 5.4.1: a connection error; the connection is closed"
HELLO = (Data(200, b"hello"),)


def flood(frame_bytes: bytes) -> H2Script:
    """Send a frame on stream 0 again and again until the client gives up."""

    async def script(conn: H2Conn, stream: H2Stream) -> None:
        await conn.flood(repeated(frame_bytes), FLOOD_BYTES)
        await conn.wait_closed()

    return script


async def violate_flow_control(conn: H2Conn, stream: H2Stream) -> None:
    """The case's stream gets a head, then, once the client has opened a second stream,
    1 MiB of DATA more than the window the client gave it. The client does not read this
    stream (it grants no more window for it) but reads the other one, whose answer never
    comes: so the frames do reach the client."""
    if stream.path.endswith("-second"):
        stream.marks.set("second stream seen")
        return
    await conn.headers(stream.id, STATUS_200)
    while not stream.marks.is_set("second stream seen"):
        await asyncio.sleep(0.005)
    block = repeated(raw_frame(DATA, 0, stream.id, b"x" * 16384))
    await conn.flood(block, stream.send_window + (1 << 20))
    await conn.wait_closed()


async def read_another_stream(client: typing.Any, route: Route, url: str) -> httpx.Response:
    """Open the case's stream, leave its body unread, and wait on a second stream."""
    async with client.stream("GET", url) as response:
        with contextlib.suppress(httpx.RemoteProtocolError):  # (the connection's error)
            await client.get(url + "-second")
        await response.aread()  # the case's own outcome
    return typing.cast(httpx.Response, getattr(response, "response", response))


async def empty_data_flood(conn: H2Conn, stream: H2Stream) -> None:
    """A head, then empty DATA frames without END_STREAM, until the client gives up."""
    await conn.headers(stream.id, STATUS_200)
    await conn.flood(repeated(raw_frame(DATA, 0, stream.id, b"")), FLOOD_BYTES)
    await conn.wait_closed()


def continuation_flood(fragment: bytes) -> H2Script:
    """HEADERS without END_HEADERS, then CONTINUATION frames carrying `fragment`, forever."""

    async def script(conn: H2Conn, stream: H2Stream) -> None:
        await conn.send(raw_frame(HEADERS, 0, stream.id, literal_block(STATUS_200)))
        continuation = raw_frame(CONTINUATION, 0, stream.id, fragment)
        # A growing block gets 16 MiB: a client must refuse it by size, long before.
        budget = FLOOD_BYTES if not fragment else 16 << 20
        await conn.flood(repeated(continuation), budget)
        await conn.wait_closed()

    return script


def burst_then_respond(frames: bytes) -> H2Script:
    async def script(conn: H2Conn, stream: H2Stream) -> None:
        await conn.send(frames)
        await respond()(conn, stream)

    return script


def preamble(*frames: bytes) -> Preamble:
    """The server's first frames, instead of an empty SETTINGS frame."""

    async def send(conn: H2Conn) -> None:
        await conn.send(b"".join(frames))

    return send


async def huge_table_allowed(conn: H2Conn) -> None:
    """SETTINGS_HEADER_TABLE_SIZE = 2^32-1, and our decoder accepts the client's use of it."""
    conn.decoder.max_allowed_table_size = 2**32 - 1
    await conn.send(settings({SettingsFrame.HEADER_TABLE_SIZE: 2**32 - 1}))


def settings(values: dict[int, int]) -> bytes:
    return SettingsFrame(0, settings=values).serialize()


def bad_settings(name: str, payload: Preamble, rule: str, today: str = "") -> Case:
    return Case(
        name,
        respond(),
        ERROR,
        NEW,
        why=f"{rule}; {CONNECTION_ERROR}",
        preamble=payload,
        failing=fails_today(today) if today else (),
        tls=False,
    )


def bad_frame(name: str, script: H2Script, rule: str, today: str = "") -> Case:
    return Case(
        name,
        script,
        ERROR,
        NEW,
        why=f"{rule}; {CONNECTION_ERROR}",
        failing=fails_today(today) if today else (),
        tls=False,
    )


def push_was_disabled(route: Route) -> None:
    [request] = route.requests()
    record = route.server.log.connection(request.connection)
    assert record.client_settings.get(SettingsFrame.ENABLE_PUSH) == 0


def window_update(increment: int, stream_id: int | None = None) -> H2Script:
    update = frame(WINDOW_UPDATE, 0, increment.to_bytes(4, "big"), stream_id)
    return sequence(update, headers(HELLO_HEAD), data(b"hello", True))


def oversized_data(conn: H2Conn, stream: H2Stream) -> bytes:
    return raw_frame(DATA, END_STREAM, stream.id, b"x" * (conn.max_frame_size + 1))


PUSH_REQUEST = literal_block(
    ((b":method", b"GET"), (b":scheme", b"http"), (b":authority", b"a"), (b":path", b"/p"))
)
PING_8 = PingFrame(0, opaque_data=b"hostile!").serialize()

CASES = [
    Case("clean-control", respond(), HELLO, SAME, why="a valid exchange"),
    Case(
        "continuation-flood-empty",
        continuation_flood(b""),
        ERROR,
        NEW,
        why="endless empty CONTINUATION frames (CVE-2024-27316 class): the client must cap "
        "them and give up, in bounded memory",
        read_timeout=FLOOD_READ,
        trace=True,
        tls=False,
    ),
    Case(
        "continuation-flood-growing",
        continuation_flood(literal_block(((b"x-flood", b"a" * 16000),))),
        ERROR,
        NEW,
        why="a header block growing without end: refused past the client's header list limit "
        "(RFC 9113 10.5.1), in bounded memory",
        read_timeout=FLOOD_READ,
        tls=False,
        trace=True,
    ),
    Case(
        "settings-flood",
        flood(SettingsFrame(0).serialize()),
        ERROR,
        NEW,
        why="endless SETTINGS frames, each asking for an ACK (CVE-2019-9515): no response "
        "ever comes, so only giving up ends the request",
        read_timeout=FLOOD_READ,
        tls=False,
        trace=True,
    ),
    Case(
        "ping-flood",
        flood(PING_8),
        ERROR,
        NEW,
        why="endless PINGs, each asking for an ACK (CVE-2019-9512): only giving up ends it",
        read_timeout=FLOOD_READ,
        tls=False,
        trace=True,
    ),
    Case(
        "empty-data-flood",
        empty_data_flood,
        ERROR,
        NEW,
        why="endless empty DATA frames (CVE-2019-9518): a body that never progresses; only "
        "giving up ends the request",
        read_timeout=FLOOD_READ,
        tls=False,
        trace=True,
    ),
    Case(
        "unknown-frame-flood",
        flood(raw_frame(0xFA, 0, 0, b"")),
        ERROR,
        NEW,
        why="endless frames of an unknown type: each one is ignored (RFC 9113 5.5), the flood "
        "is not",
        read_timeout=FLOOD_READ,
        tls=False,
        trace=True,
    ),
    Case(
        "ping-burst-then-response",
        burst_then_respond(PING_8 * 1000),
        (*HELLO, *ERROR),
        ANY,
        why="1000 PINGs, then the response: answered (or refused as a flood), in bounded memory",
        tls=False,
        trace=True,
    ),
    Case(
        "pings-between-data",
        sequence(
            headers(HELLO_HEAD),
            lambda conn, stream: PING_8 * 4000,
            data(b"hel"),
            lambda conn, stream: PING_8 * 4000,
            data(b"lo", True),
        ),
        HELLO,
        SAME,
        why="8000 PINGs, but response data between every 4000: not a flood (the limit is "
        "on control frames without response data, docs/http2.md)",
        tls=False,
    ),
    Case(
        "settings-burst-then-response",
        burst_then_respond(SettingsFrame(0).serialize() * 1000),
        (*HELLO, *ERROR),
        ANY,
        why="1000 SETTINGS, then the response: answered (or refused as a flood)",
        tls=False,
        trace=True,
    ),
    bad_settings(
        "settings-enable-push-1",
        preamble(settings({SettingsFrame.ENABLE_PUSH: 1})),
        "RFC 9113 6.5.2: a client MUST treat ENABLE_PUSH=1 from a server as PROTOCOL_ERROR",
    ),
    bad_settings(
        "settings-enable-push-2",
        preamble(settings({SettingsFrame.ENABLE_PUSH: 2})),
        "RFC 9113 6.5.2: ENABLE_PUSH other than 0 or 1 is a PROTOCOL_ERROR",
    ),
    bad_settings(
        "settings-initial-window-too-large",
        preamble(settings({SettingsFrame.INITIAL_WINDOW_SIZE: 2**31})),
        "RFC 9113 6.5.2: INITIAL_WINDOW_SIZE above 2^31-1 is a FLOW_CONTROL_ERROR",
    ),
    bad_settings(
        "settings-max-frame-size-too-small",
        preamble(settings({SettingsFrame.MAX_FRAME_SIZE: 16383})),
        "RFC 9113 6.5.2: MAX_FRAME_SIZE below 2^14 is a PROTOCOL_ERROR",
    ),
    bad_settings(
        "settings-max-frame-size-too-large",
        preamble(settings({SettingsFrame.MAX_FRAME_SIZE: 2**24})),
        "RFC 9113 6.5.2: MAX_FRAME_SIZE above 2^24-1 is a PROTOCOL_ERROR",
    ),
    bad_settings(
        "settings-length-not-multiple-of-6",
        preamble(raw_frame(SETTINGS, 0, 0, b"\x00\x03\x00\x00\x00")),
        "RFC 9113 6.5: a SETTINGS length that is not a multiple of 6 is a FRAME_SIZE_ERROR",
    ),
    bad_settings(
        "settings-on-a-stream",
        preamble(settings({}), raw_frame(SETTINGS, 0, 1, b"")),
        "RFC 9113 6.5: SETTINGS on a stream other than 0 is a PROTOCOL_ERROR",
    ),
    bad_settings(
        "settings-ack-with-payload",
        preamble(settings({}), raw_frame(SETTINGS, 1, 0, b"\x00\x03\x00\x00\x00\x01")),
        "RFC 9113 6.5: a SETTINGS ACK with a payload is a FRAME_SIZE_ERROR",
    ),
    Case(
        "settings-unknown-identifier",
        respond(),
        HELLO,
        SAME,
        why="RFC 9113 6.5.2: an unknown setting MUST be ignored",
        preamble=preamble(settings({0x7F: 1})),
        tls=False,
    ),
    Case(
        "settings-huge-header-table-size",
        respond(),
        HELLO,
        SAME,
        why="RFC 7541 4.2: the client's encoder may use a table of up to 2^32-1 bytes; "
        "nothing is allocated for it",
        preamble=huge_table_allowed,
        tls=False,
    ),
    Case(
        "settings-max-concurrent-streams-0",
        respond(),
        HELLO,
        NEW,
        why="RFC 9113 5.1.2: no new stream on this connection; the follow-up needs another "
        "connection, without waiting for a slot that never comes",
        preamble=preamble(settings({SettingsFrame.MAX_CONCURRENT_STREAMS: 0})),
    ),
    Case(
        "flow-control-violation",
        violate_flow_control,
        ERROR,
        ANY,
        why="RFC 9113 6.9.1: DATA beyond the window the client gave a stream it does not "
        "read is a FLOW_CONTROL_ERROR (GOAWAY): a stream buffers at most its window (16 MiB "
        "here), never without bound",
        action=read_another_stream,
        read_timeout=FLOOD_READ,
        trace=True,
        memory=MEMORY_LIMIT + 2 * STREAM_WINDOW,  # the window is the client's to buffer
        tls=False,
    ),
    bad_frame(
        "window-update-zero-on-connection",
        window_update(0, 0),
        "RFC 9113 6.9: a zero increment on stream 0 is a PROTOCOL_ERROR",
    ),
    bad_frame(
        "window-update-overflow-on-connection",
        sequence(
            frame(WINDOW_UPDATE, 0, (2**31 - 1).to_bytes(4, "big"), 0),
            headers(HELLO_HEAD),
            data(b"hello", True),
        ),
        "RFC 9113 6.9.1: a window above 2^31-1 is a FLOW_CONTROL_ERROR",
    ),
    Case(
        "window-update-zero-on-stream",
        window_update(0),
        ERROR,
        ANY,
        why="RFC 9113 6.9: a zero increment on a stream is a stream error (PROTOCOL_ERROR)",
        tls=False,
    ),
    bad_frame(
        "window-update-wrong-length",
        sequence(
            frame(WINDOW_UPDATE, 0, b"\x00\x00\x01", 0), headers(HELLO_HEAD), data(b"hello", True)
        ),
        "RFC 9113 6.9: a WINDOW_UPDATE length other than 4 is a FRAME_SIZE_ERROR",
    ),
    Case(
        "push-promise-when-disabled",
        sequence(
            frame(PUSH_PROMISE, END_HEADERS, (2).to_bytes(4, "big") + PUSH_REQUEST),
            headers(HELLO_HEAD),
            data(b"hello", True),
        ),
        ERROR,
        NEW,
        why="RFC 9113 6.6: PUSH_PROMISE after the client set ENABLE_PUSH=0 is a PROTOCOL_ERROR",
        after=push_was_disabled,
    ),
    bad_frame(
        "data-on-stream-0",
        sequence(headers(HELLO_HEAD), frame(DATA, END_STREAM, b"hello", 0)),
        "RFC 9113 6.1: DATA on stream 0 is a PROTOCOL_ERROR",
    ),
    bad_frame(
        "headers-on-stream-0",
        sequence(frame(HEADERS, END_HEADERS | END_STREAM, literal_block(STATUS_200), 0)),
        "RFC 9113 6.2: HEADERS on stream 0 is a PROTOCOL_ERROR",
    ),
    Case(
        "headers-on-server-stream-without-promise",
        sequence(
            frame(HEADERS, END_HEADERS | END_STREAM, literal_block(STATUS_200), 2),
            headers(HELLO_HEAD),
            data(b"hello", True),
        ),
        (*HELLO, *ERROR),
        why="RFC 9113 5.1: a server opens streams only by PUSH_PROMISE; HEADERS on an even "
        "stream the client never saw promised is refused as a PROTOCOL_ERROR or ignored "
        "(the RFC gives no rule for a client receiving it), never a response to stream 1",
        tls=False,
    ),
    bad_frame(
        "frame-larger-than-max-frame-size",
        sequence(headers(STATUS_200), oversized_data),
        "RFC 9113 4.2: a frame above SETTINGS_MAX_FRAME_SIZE is a FRAME_SIZE_ERROR",
    ),
    bad_frame(
        "ping-wrong-length",
        sequence(frame(PING, 0, b"1234567", 0), headers(HELLO_HEAD), data(b"hello", True)),
        "RFC 9113 6.7: a PING length other than 8 is a FRAME_SIZE_ERROR",
    ),
    bad_frame(
        "ping-on-a-stream",
        sequence(frame(PING, 0, b"12345678"), headers(HELLO_HEAD), data(b"hello", True)),
        "RFC 9113 6.7: PING on a stream other than 0 is a PROTOCOL_ERROR",
    ),
    bad_frame(
        "rst-stream-on-stream-0",
        sequence(
            frame(RST_STREAM, 0, b"\x00\x00\x00\x02", 0), headers(HELLO_HEAD), data(b"hello", True)
        ),
        "RFC 9113 6.4: RST_STREAM on stream 0 is a PROTOCOL_ERROR",
    ),
    bad_frame(
        "rst-stream-wrong-length",
        sequence(headers(STATUS_200), frame(RST_STREAM, 0, b"\x00\x00\x02")),
        "RFC 9113 6.4: an RST_STREAM length other than 4 is a FRAME_SIZE_ERROR",
    ),
    bad_frame(
        "goaway-on-a-stream",
        sequence(frame(GOAWAY, 0, bytes(8)), headers(HELLO_HEAD), data(b"hello", True)),
        "RFC 9113 6.8: GOAWAY on a stream other than 0 is a PROTOCOL_ERROR",
    ),
    bad_frame(
        "data-padding-longer-than-payload",
        sequence(headers(HELLO_HEAD), frame(DATA, PADDED | END_STREAM, bytes([10]) + b"hello")),
        "RFC 9113 6.1: padding that exceeds the payload is a PROTOCOL_ERROR",
    ),
    bad_frame(
        "data-inside-header-block",
        sequence(frame(HEADERS, 0, literal_block(STATUS_200)), frame(DATA, END_STREAM, b"hello")),
        "RFC 9113 6.10: anything but CONTINUATION inside a header block is a PROTOCOL_ERROR",
    ),
    bad_frame(
        "continuation-without-headers",
        sequence(
            frame(CONTINUATION, END_HEADERS, literal_block(STATUS_200)), data(b"hello", True)
        ),
        "RFC 9113 6.10: CONTINUATION not after HEADERS/CONTINUATION is a PROTOCOL_ERROR",
    ),
    Case(
        "unknown-frame-type",
        sequence(
            frame(0xFA, 0xFF, b"extension", 0),
            frame(0xFA, 0, b"x"),
            headers(HELLO_HEAD),
            data(b"hello", True),
        ),
        HELLO,
        SAME,
        why="RFC 9113 4.1, 5.5: frames of unknown types MUST be ignored",
        tls=False,
    ),
    Case(
        "priority-frame",
        sequence(
            frame(PRIORITY, 0, bytes(4) + b"\x10"), headers(HELLO_HEAD), data(b"hello", True)
        ),
        HELLO,
        SAME,
        why="RFC 9113 6.3: PRIORITY is deprecated but still valid; it is ignored",
        tls=False,
    ),
]


@pytest.mark.parametrize(("case", "proto", "mode"), params(CASES, H2))
def test_frames(
    case: Case, proto: Proto, mode: str, hostile: HostileServer, ca_cert_pem_file: str
) -> None:
    run_case(mode, hostile, proto, ca_cert_pem_file, case)
