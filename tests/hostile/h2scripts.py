"""Building blocks for HTTP/2 scripts: send a header block (valid or hand-built), DATA,
and the usual answer, on the stream of the request being served."""

from __future__ import annotations

from collections.abc import Callable

from tests.hostile.h2 import (
    DATA,
    END_STREAM,
    Fields,
    H2Conn,
    H2Script,
    H2Stream,
    literal_block,
    raw_frame,
)

STATUS_200 = ((b":status", b"200"),)
HELLO_HEAD = (*STATUS_200, (b"content-length", b"5"))


def respond(
    fields: Fields = HELLO_HEAD, body: bytes = b"hello", *, literal: bool = False
) -> H2Script:
    """HEADERS with `fields` (HPACK-encoded, or as a hand-built literal block that may
    break any rule), then `body` in DATA frames (or END_STREAM on HEADERS if empty)."""

    async def script(conn: H2Conn, stream: H2Stream) -> None:
        block = literal_block(fields) if literal else b""
        await conn.headers(stream.id, fields, end_stream=not body, block=block)
        if body:
            await conn.data(stream.id, body, end_stream=True)

    return script


def sequence(*steps: Callable[[H2Conn, H2Stream], bytes]) -> H2Script:
    """Send the frames each step builds (from the connection and stream), in order."""

    async def script(conn: H2Conn, stream: H2Stream) -> None:
        for step in steps:
            await conn.send(step(conn, stream))

    return script


def headers(fields: Fields, end_stream: bool = False) -> Callable[[H2Conn, H2Stream], bytes]:
    """A literal header block (no table changes, no validation) on the request's stream."""
    return lambda conn, stream: conn.header_frames(stream.id, literal_block(fields), end_stream)


def data(payload: bytes, end_stream: bool = False) -> Callable[[H2Conn, H2Stream], bytes]:
    return lambda conn, stream: raw_frame(
        DATA, END_STREAM if end_stream else 0, stream.id, payload
    )


def frame(
    kind: int, flags: int, payload: bytes, stream_id: int | None = None
) -> Callable[[H2Conn, H2Stream], bytes]:
    """Any frame; on the request's stream unless `stream_id` is given."""
    return lambda conn, stream: raw_frame(
        kind, flags, stream.id if stream_id is None else stream_id, payload
    )
