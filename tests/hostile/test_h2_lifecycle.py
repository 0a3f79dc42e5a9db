"""HTTP/2 streams and connections ending badly: RST_STREAM and GOAWAY mid-flight, the
server closing or going silent, endless bodies streamed, cancelled or capped.

GOAWAY (RFC 9113 6.8) tells which streams the server processed: a request on a stream
above `last_stream_id` was not, and is retried transparently on a new connection; one at
or below it is finished, or fails if the connection closes first. A connection that went
silent is not reused after the read timeout (the next request would only wait again).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import typing

import pytest

import httpx
from tests.hostile.actions import MiB, read_capped, stream_then_cancel, stream_then_close
from tests.hostile.check import (
    ANY,
    H2,
    NEW,
    SHORT_READ,
    Case,
    Data,
    Proto,
    Raises,
    params,
    run_case,
)
from tests.hostile.h1 import PUSH_BUDGET_BYTES, PUSH_BUDGET_SECONDS
from tests.hostile.h2 import H2Conn, H2Stream, StreamGone
from tests.hostile.h2scripts import HELLO_HEAD, STATUS_200, respond
from tests.hostile.server import HostileServer, Route

ERROR = (Raises(httpx.RemoteProtocolError),)
# The server closing mid-body: RemoteProtocolError for the incomplete body, or, when the
# close catches the client writing (a WINDOW_UPDATE, a SETTINGS ACK), the error of that
# read or write. Never the short body as if complete.
CUT = (*ERROR, Raises(httpx.ReadError), Raises(httpx.WriteError))
HELLO = (Data(200, b"hello"),)
NO_ERROR, INTERNAL_ERROR, REFUSED_STREAM, CANCEL = 0x0, 0x2, 0x7, 0x8  # RFC 9113 7
LENGTH_10 = ((b":status", b"200"), (b"content-length", b"10"))


async def rst_mid_body(conn: H2Conn, stream: H2Stream) -> None:
    await conn.headers(stream.id, LENGTH_10)
    await conn.data(stream.id, b"hello")
    await conn.rst(stream.id, INTERNAL_ERROR)


async def rst_before_headers(conn: H2Conn, stream: H2Stream) -> None:
    await conn.rst(stream.id, CANCEL)


async def refused_once(conn: H2Conn, stream: H2Stream) -> None:
    if stream.marks.is_set("refused"):
        await respond()(conn, stream)
    else:
        stream.marks.set("refused")
        await conn.rst(stream.id, REFUSED_STREAM)


async def rst_after_response(conn: H2Conn, stream: H2Stream) -> None:
    await respond()(conn, stream)
    await conn.rst(stream.id, NO_ERROR)


async def goaway_unprocessed(conn: H2Conn, stream: H2Stream) -> None:
    """GOAWAY saying the request was not processed; the retry (on another connection,
    as the client must not open streams on this one) gets the answer."""
    if stream.marks.is_set("goaway sent"):
        await respond()(conn, stream)
        return
    stream.marks.set("goaway sent")
    await conn.goaway(max(stream.id - 2, 0), NO_ERROR)  # the stream before this one
    await conn.wait_closed()


def goaway_mid_body(code: int, finish: bool) -> typing.Callable[[H2Conn, H2Stream], typing.Any]:
    async def script(conn: H2Conn, stream: H2Stream) -> None:
        await conn.headers(stream.id, LENGTH_10)
        await conn.data(stream.id, b"hello")
        await conn.goaway(stream.id, code)  # this stream was processed
        if finish:
            await conn.data(stream.id, b"world", end_stream=True)
            await asyncio.sleep(0.05)
        conn.close_write()

    return script


async def close_mid_body(conn: H2Conn, stream: H2Stream) -> None:
    await conn.headers(stream.id, LENGTH_10)
    await conn.data(stream.id, b"hello")
    conn.close_write()


async def silent(conn: H2Conn, stream: H2Stream) -> None:
    """Never answer this stream; the connection goes on serving others."""


async def silent_connection(conn: H2Conn, stream: H2Stream) -> None:
    """Stop reading and writing altogether."""
    conn.pause_reading()


async def silent_mid_body(conn: H2Conn, stream: H2Stream) -> None:
    await conn.headers(stream.id, LENGTH_10)
    await conn.data(stream.id, b"hel")


async def no_preamble(conn: H2Conn) -> None:
    """No frame at all, not even a SETTINGS ACK: the server never starts the connection."""
    conn.acks = False
    conn.pause_reading()


async def endless_data(conn: H2Conn, stream: H2Stream) -> None:
    """A body without end, within the client's flow-control windows."""
    await conn.headers(stream.id, STATUS_200)
    block = b"x" * 65536
    sent = 0
    deadline = time.monotonic() + PUSH_BUDGET_SECONDS
    with contextlib.suppress(StreamGone):
        while sent < PUSH_BUDGET_BYTES and time.monotonic() < deadline:
            await conn.data(stream.id, block)
            sent += len(block)


def stream_was_stopped(route: Route) -> None:
    """The client reset the stream it stopped reading, or closed its connection."""
    [request] = route.requests()
    record = route.server.log.connection(request.connection)
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        if record.closed.is_set() or any(s == request.stream_id for s, _ in record.client_resets):
            return
        time.sleep(0.01)
    raise AssertionError("the server still thinks the stream is being read")


def retried_on_a_new_connection(route: Route) -> None:
    first, retry = route.requests()
    assert first.connection != retry.connection


async def goaway_with_two_streams(client: typing.Any, route: Route, url: str) -> httpx.Response:
    """Stream 1 streams its body while stream 3 is sent; the server's GOAWAY says only
    stream 1 was processed: stream 3 is retried on a new connection, stream 1 finishes."""
    async with client.stream("GET", url) as first:
        second = await client.get(url + "-second")
        assert (second.status_code, second.content) == (200, b"hello")
        await first.aread()
    return typing.cast(httpx.Response, getattr(first, "response", first))


async def first_of_two(conn: H2Conn, stream: H2Stream) -> None:
    if stream.path.endswith("-second"):
        if stream.marks.is_set("goaway sent"):  # the retry, on a new connection
            await respond()(conn, stream)
        else:
            stream.marks.set("second stream seen")
        return
    await conn.headers(stream.id, HELLO_HEAD)
    await conn.data(stream.id, b"hel")
    while not stream.marks.is_set("second stream seen"):
        await asyncio.sleep(0.005)
    stream.marks.set("goaway sent")
    await conn.goaway(stream.id, NO_ERROR)
    await conn.data(stream.id, b"lo", end_stream=True)


def second_retried(route: Route) -> None:
    [first] = route.requests()
    seconds = route.requests("case-second")
    assert [request.connection == first.connection for request in seconds] == [True, False]


CASES = [
    Case(
        "rst-stream-mid-body",
        rst_mid_body,
        ERROR,
        why="RFC 9113 6.4: the stream ended abnormally; a short body is never returned",
    ),
    Case(
        "rst-stream-before-headers",
        rst_before_headers,
        ERROR,
        why="RFC 9113 6.4: the stream was reset before any response",
        tls=False,
    ),
    Case(
        "rst-stream-refused",
        refused_once,
        (*HELLO, *ERROR),
        why="RFC 9113 8.7: REFUSED_STREAM means unprocessed; retrying is allowed, not required",
        tls=False,
    ),
    Case(
        "rst-stream-no-error-after-response",
        rst_after_response,
        HELLO,
        why="RFC 9113 8.1: RST_STREAM(NO_ERROR) after a complete response: clients MUST NOT "
        "discard the response",
        tls=False,
    ),
    Case(
        "goaway-before-processing",
        goaway_unprocessed,
        HELLO,
        NEW,
        why="RFC 9113 6.8: a stream above last_stream_id was not processed and is retried "
        "on a new connection",
        after=retried_on_a_new_connection,
    ),
    Case(
        "goaway-with-a-second-stream-in-flight",
        first_of_two,
        HELLO,
        NEW,
        why="RFC 9113 6.8: GOAWAY(last_stream_id=1) while streams 1 and 3 are open: 1 "
        "finishes, 3 is retried on a new connection",
        action=goaway_with_two_streams,
        after=second_retried,
    ),
    Case(
        "goaway-mid-body-graceful",
        goaway_mid_body(NO_ERROR, finish=True),
        (Data(200, b"helloworld"),),
        NEW,
        why="RFC 9113 6.8: a graceful GOAWAY lets the processed stream finish",
    ),
    Case(
        "goaway-mid-body-then-close",
        goaway_mid_body(NO_ERROR, finish=False),
        CUT,
        NEW,
        why="RFC 9113 6.8: the processed stream is cut by the close: the body is incomplete",
    ),
    Case(
        "goaway-error-mid-body",
        goaway_mid_body(INTERNAL_ERROR, finish=False),
        CUT,
        NEW,
        why="RFC 9113 6.8: a GOAWAY with an error, then the close, mid-body",
        tls=False,
    ),
    Case(
        "close-mid-body",
        close_mid_body,
        CUT,
        NEW,
        why="RFC 9113 8.1: the connection closed before END_STREAM",
    ),
    Case(
        "silent-stream",
        silent,
        (Raises(httpx.ReadTimeout),),
        NEW,
        why="no answer on the stream: the read timeout fires and the connection, stalled as "
        "far as the client can tell, is not reused (docs/design.md)",
        read_timeout=SHORT_READ,
    ),
    Case(
        "silent-connection",
        silent_connection,
        (Raises(httpx.ReadTimeout),),
        NEW,
        why="the server stops reading and writing: the read timeout fires, and the "
        "connection is not reused",
        read_timeout=SHORT_READ,
    ),
    Case(
        "silent-before-settings",
        silent,
        (Raises(httpx.ReadTimeout),),
        NEW,
        why="RFC 9113 3.4: no server preface ever comes; the read timeout fires",
        read_timeout=SHORT_READ,
        preamble=no_preamble,
        tls=False,
    ),
    Case(
        "silent-mid-body",
        silent_mid_body,
        (Raises(httpx.ReadTimeout),),
        NEW,
        why="half a body, then nothing: the read timeout fires; the connection is not reused",
        read_timeout=SHORT_READ,
        tls=False,
    ),
    Case(
        "endless-body-streamed",
        endless_data,
        (Data(200, None),),
        ANY,
        why="16 MiB of an endless body streamed in bounded memory, then closed: the stream "
        "is reset (RFC 9113 8.1), or the connection closed",
        action=stream_then_close(),
        trace=True,
        after=stream_was_stopped,
    ),
    Case(
        "endless-body-cancelled",
        endless_data,
        (Data(200, None),),
        ANY,
        why="an endless body whose read is cancelled (async) or closed (sync) midway",
        action=stream_then_cancel(),
        trace=True,
        after=stream_was_stopped,
    ),
    Case(
        "endless-body-max-decoded-size",
        endless_data,
        (Raises(httpx.DecodedSizeExceeded),),
        ANY,
        why="docs/limits.md: a read past max_decoded_size raises DecodedSizeExceeded",
        action=read_capped(MiB),
        trace=True,
        after=stream_was_stopped,
    ),
]


@pytest.mark.parametrize(("case", "proto", "mode"), params(CASES, H2))
def test_lifecycle(
    case: Case, proto: Proto, mode: str, hostile: HostileServer, ca_cert_pem_file: str
) -> None:
    run_case(mode, hostile, proto, ca_cert_pem_file, case)
