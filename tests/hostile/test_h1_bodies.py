"""HTTP/1.1 bodies from a hostile server: bodies where none may be, bodies cut short,
endless bodies, silence and resets.

A response to HEAD and a 204 or 304 response end at their blank line (RFC 9112 section
6.3 rule 1): bytes after it are never handed to the caller nor read as the next response,
whether they come with the head or a moment later, and the connection is not reused.
"""

from __future__ import annotations

import asyncio

import pytest

import httpx
from tests.hostile.actions import (
    MiB,
    read_capped,
    stream_then_cancel,
    stream_then_close,
    then_wait_for,
)
from tests.hostile.check import (
    H1,
    NEW,
    SAME,
    SHORT_READ,
    Case,
    Data,
    Proto,
    Raises,
    params,
    run_case,
)
from tests.hostile.h1 import H1Conn, H1Script, play, push_forever
from tests.hostile.record import Received
from tests.hostile.server import HostileServer

ERROR = (Raises(httpx.RemoteProtocolError),)
CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
ENDLESS_LENGTH = b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n"
BLOCK = b"x" * 65536
CHUNK = b"10000\r\n" + BLOCK + b"\r\n"  # one 64 KiB chunk


def late_body(head: bytes, body: bytes) -> H1Script:
    """The head, then (once the client has had time to finish with it) stray bytes."""

    async def script(conn: H1Conn, request: Received) -> None:
        await conn.send(head)
        await asyncio.sleep(0.05)
        await conn.send(body)
        conn.marks.set("stray bytes sent")

    return script


# Over TLS, Python's blocking ssl sockets report a reset as an unclean EOF, which httpx
# 0.28.1 turns into a RemoteProtocolError as well; elsewhere it is a ReadError.
RESET = (Raises(httpx.ReadError), Raises(httpx.RemoteProtocolError))
RESET_RULE = "a ReadError (RemoteProtocolError where the ssl module sees a ragged EOF)"
NO_BODY_RULE = "RFC 9112 6.3 rule 1: HEAD, 1xx, 204 and 304 responses end at the blank line"

CASES = [
    Case(
        "204-with-content-length-body",
        play(b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello"),
        (Data(204, b""),),
        NEW,
        why=NO_BODY_RULE,
    ),
    Case(
        "204-with-chunked-body",
        play(
            b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        ),
        (Data(204, b""),),
        NEW,
        why=NO_BODY_RULE,
    ),
    Case(
        "304-with-body",
        play(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nhello"),
        (Data(304, b""),),
        NEW,
        why=NO_BODY_RULE,
    ),
    Case(
        "head-with-body",
        play(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
        (Data(200, b"", (("content-length", "5"),)),),
        NEW,
        why=NO_BODY_RULE,
        method="HEAD",
    ),
    Case(
        "head-control",
        play(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
        (Data(200, b"", (("content-length", "5"),)),),
        SAME,
        why="RFC 9110 9.3.2: Content-Length in a HEAD response describes the GET body",
        method="HEAD",
    ),
    Case(
        "204-late-body",
        late_body(b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", b"hello"),
        (Data(204, b""),),
        NEW,
        why=NO_BODY_RULE + "; the stray bytes arrive after the response was returned",
        action=then_wait_for("stray bytes sent"),
    ),
    Case(
        "304-late-body",
        late_body(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", b"hello"),
        (Data(304, b""),),
        NEW,
        why=NO_BODY_RULE + "; the stray bytes arrive after the response was returned",
        action=then_wait_for("stray bytes sent"),
    ),
    Case(
        "head-late-body",
        late_body(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", b"hello"),
        (Data(200, b""),),
        NEW,
        why=NO_BODY_RULE + "; the stray bytes arrive after the response was returned",
        action=then_wait_for("stray bytes sent", method="HEAD"),
    ),
    Case(
        "body-shorter-than-content-length",
        play(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", then="close"),
        ERROR,
        NEW,
        why="RFC 9112 8: a message with fewer octets than its Content-Length is incomplete",
    ),
    Case(
        "body-until-close",
        play(b"HTTP/1.1 200 OK\r\n\r\nhello", then="close"),
        (Data(200, b"hello"),),
        NEW,
        why="RFC 9112 6.3 rule 8: no framing field, the body ends when the server closes "
        "(over TLS: its close_notify, while asyncio keeps the TCP side open awaiting ours)",
    ),
    Case(
        "reset-after-request",
        play(then="reset"),
        RESET,
        NEW,
        why="a TCP reset while waiting for the response: " + RESET_RULE,
    ),
    Case(
        "reset-mid-body",
        play(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", then="reset"),
        RESET,
        NEW,
        why="a TCP reset inside the body, never a short body: " + RESET_RULE,
    ),
    Case(
        "silent-after-request",
        play(then="silent"),
        (Raises(httpx.ReadTimeout),),
        NEW,
        why="no answer: the read timeout fires and the connection is discarded",
        read_timeout=SHORT_READ,
    ),
    Case(
        "silent-mid-head",
        play(b"HTTP/1.1 200 OK\r\nContent-Le", then="silent"),
        (Raises(httpx.ReadTimeout),),
        NEW,
        why="half a head, then nothing: the read timeout fires",
        read_timeout=SHORT_READ,
    ),
    Case(
        "silent-mid-body",
        play(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", then="silent"),
        (Raises(httpx.ReadTimeout),),
        NEW,
        why="half a body, then nothing: the read timeout fires, the connection is not reused",
        read_timeout=SHORT_READ,
    ),
    Case(
        "endless-content-length-streamed",
        push_forever(ENDLESS_LENGTH, BLOCK),
        (Data(200, None),),
        NEW,
        why="16 MiB of a terabyte body streamed in bounded memory, then closed: the "
        "unread rest makes the connection unusable",
        action=stream_then_close(),
        trace=True,
    ),
    Case(
        "endless-chunked-streamed",
        push_forever(CHUNKED, CHUNK),
        (Data(200, None),),
        NEW,
        why="an endless chunked body streamed in bounded memory, then closed",
        action=stream_then_close(),
        trace=True,
    ),
    Case(
        "endless-until-close-streamed",
        push_forever(b"HTTP/1.1 200 OK\r\n\r\n", BLOCK),
        (Data(200, None),),
        NEW,
        why="an endless read-until-close body streamed in bounded memory, then closed",
        action=stream_then_close(),
        trace=True,
    ),
    Case(
        "endless-body-cancelled",
        push_forever(ENDLESS_LENGTH, BLOCK),
        (Data(200, None),),
        NEW,
        why="an endless body whose read is cancelled (async) or closed (sync) midway",
        action=stream_then_cancel(),
        trace=True,
    ),
    Case(
        "endless-body-max-decoded-size",
        push_forever(ENDLESS_LENGTH, BLOCK),
        (Raises(httpx.DecodedSizeExceeded),),
        NEW,
        why="docs/limits.md: a non-streamed read past max_decoded_size (the request "
        "extension) raises DecodedSizeExceeded before memory grows beyond it",
        action=read_capped(MiB),
        trace=True,
    ),
    Case(
        "endless-chunked-client-max-decoded-size",
        push_forever(CHUNKED, CHUNK),
        (Raises(httpx.DecodedSizeExceeded),),
        NEW,
        why="docs/limits.md: Client(max_decoded_size=...) applies to every response",
        options=(("max_decoded_size", MiB),),
        trace=True,
    ),
]


@pytest.mark.parametrize(("case", "proto", "mode"), params(CASES, H1))
def test_bodies(
    case: Case, proto: Proto, mode: str, hostile: HostileServer, ca_cert_pem_file: str
) -> None:
    run_case(mode, hostile, proto, ca_cert_pem_file, case)
