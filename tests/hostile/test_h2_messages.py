"""HTTP/2 responses that are malformed as messages (RFC 9113 section 8): pseudo-header
fields, field names and values, content-length against the DATA received, content where
none may be, interim responses, trailers.

A malformed response is a stream error (RFC 9113 8.1.1: "Clients MUST NOT accept a
malformed response"), so the request fails with RemoteProtocolError; the connection may
carry on (ANY), since only the stream is at fault. Header blocks here are hand-built
literals: they leave the client's HPACK table alone, so the follow-up can share the
connection.
"""

from __future__ import annotations

import pytest

import httpx
from tests.hostile.actions import then_wait_for
from tests.hostile.check import H2, SAME, Case, Data, Proto, Raises, fails_today, params, run_case
from tests.hostile.h2 import H2Conn, H2Stream
from tests.hostile.h2scripts import HELLO_HEAD, data, headers, respond, sequence
from tests.hostile.server import HostileServer

ERROR = (Raises(httpx.RemoteProtocolError),)
MALFORMED = "RFC 9113 8.1.1: a malformed response is a stream error; clients MUST NOT accept it"


def malformed(
    name: str, fields: tuple[tuple[bytes, bytes], ...], rule: str, today: str = ""
) -> Case:
    failing = fails_today(today) if today else ()
    return Case(
        name, respond(fields, literal=True), ERROR, why=f"{rule}; {MALFORMED}", failing=failing
    )


async def data_after_end_stream(conn: H2Conn, stream: H2Stream) -> None:
    """A complete response, then more DATA on its (closed) stream."""
    await respond()(conn, stream)
    await conn.data(stream.id, b"EXTRA", end_stream=True)
    stream.marks.set("extra sent")


async def late_data(conn: H2Conn, stream: H2Stream) -> None:
    """A 204 head without END_STREAM, then (after the client has the response) a body."""
    await conn.send(conn.header_frames(stream.id, b"\x89", end_stream=False))  # :status 204
    await conn.data(stream.id, b"hello", end_stream=True)
    stream.marks.set("body sent")


CASES = [
    Case("clean-control", respond(), (Data(200, b"hello"),), SAME, why="a valid response"),
    malformed(
        "missing-status", ((b"content-length", b"5"),), "RFC 9113 8.3.2: :status is required"
    ),
    malformed(
        "duplicate-status",
        ((b":status", b"200"), (b":status", b"204")),
        "RFC 9113 8.3: a pseudo-header field appears once",
    ),
    malformed(
        "request-pseudo-header-in-response",
        ((b":status", b"200"), (b":path", b"/")),
        "RFC 9113 8.3: request pseudo-header fields in a response",
    ),
    malformed(
        "unknown-pseudo-header",
        ((b":status", b"200"), (b":foo", b"bar")),
        "RFC 9113 8.3: endpoints MUST NOT generate pseudo-header fields other than defined",
    ),
    malformed(
        "pseudo-header-after-field",
        ((b"x-a", b"b"), (b":status", b"200")),
        "RFC 9113 8.3: pseudo-header fields MUST come before regular fields",
    ),
    malformed(
        "uppercase-field-name",
        ((b":status", b"200"), (b"X-Upper", b"a")),
        "RFC 9113 8.2.1: a field name with uppercase characters is malformed",
    ),
    malformed(
        "connection-specific-field",
        ((b":status", b"200"), (b"connection", b"keep-alive")),
        "RFC 9113 8.2.2: connection-specific fields make a message malformed",
    ),
    malformed(
        "transfer-encoding-field",
        ((b":status", b"200"), (b"transfer-encoding", b"chunked")),
        "RFC 9113 8.2.2: Transfer-Encoding is connection-specific",
    ),
    malformed(
        "field-value-with-newline",
        ((b":status", b"200"), (b"x-a", b"a\nb")),
        "RFC 9113 8.2.1: a field value MUST NOT contain NUL, LF or CR",
    ),
    malformed(
        "field-value-with-nul",
        ((b":status", b"200"), (b"x-a", b"a\x00b")),
        "RFC 9113 8.2.1: a field value MUST NOT contain NUL, LF or CR",
    ),
    malformed(
        "field-value-leading-space",
        ((b":status", b"200"), (b"x-a", b" a")),
        "RFC 9113 8.2.1: a field value MUST NOT start or end with whitespace",
    ),
    malformed(
        "status-not-a-number",
        ((b":status", b"abc"),),
        "RFC 9110 15: the status code is three digits",
    ),
    malformed("status-099", ((b":status", b"099"),), "RFC 9110 15: status codes are 100 to 599"),
    malformed(
        "status-101",
        ((b":status", b"101"),),
        "RFC 9113 8.6: HTTP/2 does not support 101 (Switching Protocols)",
    ),
    Case(
        "content-length-longer-than-data",
        respond(((b":status", b"200"), (b"content-length", b"10")), b"hello"),
        ERROR,
        why="RFC 9113 8.1.1: content-length not equal to the DATA received is malformed "
        "(a cut-off body must not look complete)",
    ),
    Case(
        "content-length-shorter-than-data",
        respond(((b":status", b"200"), (b"content-length", b"3")), b"hello"),
        ERROR,
        why="RFC 9113 8.1.1: content-length not equal to the DATA received is malformed",
        tls=False,
    ),
    malformed(
        "content-length-not-a-number",
        ((b":status", b"200"), (b"content-length", b"abc")),
        "RFC 9110 8.6: Content-Length is 1*DIGIT",
    ),
    Case(
        "content-length-conflicting",
        respond(
            ((b":status", b"200"), (b"content-length", b"5"), (b"content-length", b"6")),
            literal=True,
        ),
        ERROR,
        why="RFC 9110 8.6: different Content-Length values make the message invalid",
        tls=False,
    ),
    Case(
        "204-with-data",
        respond(((b":status", b"204"),), b"hello"),
        (Data(204, b""), *ERROR),
        why="RFC 9110 6.4.1: a 204 has no content; the DATA is dropped or the stream fails, "
        "never handed to the caller",
    ),
    Case(
        "304-with-data",
        respond(((b":status", b"304"),), b"hello"),
        (Data(304, b""), *ERROR),
        why="RFC 9110 6.4.1: a 304 has no content",
        tls=False,
    ),
    Case(
        "head-with-data",
        respond(HELLO_HEAD, b"hello"),
        (Data(200, b""), *ERROR),
        why="RFC 9110 9.3.2: a response to HEAD has no content",
        method="HEAD",
    ),
    Case(
        "head-control",
        respond(HELLO_HEAD, b""),
        (Data(200, b"", (("content-length", "5"),)),),
        SAME,
        why="a HEAD response's content-length describes the GET body (RFC 9113 8.1.1)",
        method="HEAD",
        tls=False,
    ),
    Case(
        "204-late-data",
        late_data,
        (Data(204, b""), *ERROR),
        why="RFC 9110 6.4.1: DATA after a 204 head is never handed to the caller",
        action=then_wait_for("body sent"),
    ),
    Case(
        "data-after-end-stream",
        data_after_end_stream,
        (Data(200, b"hello"),),
        why="RFC 9113 5.1: frames after END_STREAM are a STREAM_CLOSED error; the bytes are "
        "never added to the response, nor to another stream's",
        action=then_wait_for("extra sent"),
        tls=False,
    ),
    Case(
        "interim-100-then-200",
        sequence(headers(((b":status", b"100"),)), headers(HELLO_HEAD), data(b"hello", True)),
        (Data(200, b"hello"),),
        SAME,
        why="RFC 9113 8.1: interim responses precede the final one",
    ),
    Case(
        "interim-103-then-200",
        sequence(
            headers(((b":status", b"103"), (b"link", b"</a.css>; rel=preload"))),
            headers(HELLO_HEAD),
            data(b"hello", True),
        ),
        (Data(200, b"hello"),),
        SAME,
        why="RFC 8297: 103 Early Hints, then the response",
        tls=False,
    ),
    Case(
        "endless-interim-responses",
        sequence(*[headers(((b":status", b"103"),))] * 200, headers(HELLO_HEAD), data(b"hello")),
        ERROR,
        why="RFC 9110 15.2 does not bound 1xx responses; the client gives up after 64 "
        "(docs/http2.md), as on HTTP/1.1",
        tls=False,
    ),
    Case(
        "interim-with-end-stream",
        sequence(headers(((b":status", b"103"),), end_stream=True)),
        ERROR,
        why="RFC 9113 8.1: a HEADERS frame with END_STREAM carrying a 1xx status is malformed",
        tls=False,
    ),
    Case(
        "trailers",
        sequence(headers(HELLO_HEAD), data(b"hello"), headers(((b"x-checksum", b"1"),), True)),
        (Data(200, b"hello"),),
        SAME,
        why="RFC 9113 8.1: a trailer section ends the stream",
    ),
    Case(
        "trailers-with-pseudo-header",
        sequence(headers(HELLO_HEAD), data(b"hello"), headers(((b":status", b"200"),), True)),
        ERROR,
        why="RFC 9113 8.1: pseudo-header fields MUST NOT appear in a trailer section",
        tls=False,
    ),
    Case(
        "trailers-with-uppercase-name",
        sequence(headers(HELLO_HEAD), data(b"hello"), headers(((b"X-Checksum", b"1"),), True)),
        ERROR,
        why="RFC 9113 8.2.1: a field name with uppercase characters makes the message "
        "malformed, in a trailer section too",
        tls=False,
    ),
    Case(
        "data-before-headers",
        sequence(data(b"hello", True)),
        ERROR,
        why="RFC 9113 8.1: a response starts with HEADERS; DATA first is a protocol error",
        tls=False,
    ),
]


@pytest.mark.parametrize(("case", "proto", "mode"), params(CASES, H2))
def test_messages(
    case: Case, proto: Proto, mode: str, hostile: HostileServer, ca_cert_pem_file: str
) -> None:
    run_case(mode, hostile, proto, ca_cert_pem_file, case)
