"""HTTP/1.1 response smuggling and desync: bytes beyond a response's framing, and
framing fields that contradict each other or are not numbers.

The rule for every case here: what follows the end of a response (RFC 9112 section 6.3)
is never handed to the caller, nor read as the start of the next response; a connection
with unread bytes after a complete response is closed, not reused (docs/compatibility.md,
where httpx 0.28.1 differs).
"""

from __future__ import annotations

import pytest

import httpx
from tests.hostile.check import H1, NEW, SAME, Case, Data, Proto, Raises, params, run_case
from tests.hostile.h1 import play
from tests.hostile.server import HostileServer

OK5 = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
ERROR = (Raises(httpx.RemoteProtocolError),)


def head(*fields: bytes, status: bytes = b"200 OK") -> bytes:
    return b"HTTP/1.1 " + status + b"\r\n" + b"".join(f + b"\r\n" for f in fields) + b"\r\n"


CASES = [
    Case(
        "clean-control",
        play(OK5),
        (Data(200, b"hello"),),
        SAME,
        why="a well-framed keep-alive response: the connection is reused",
    ),
    Case(
        "two-responses-one-packet",
        play(OK5 + b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond"),
        (Data(200, b"hello"),),
        NEW,
        why="one request, two responses in one write: the second is never a response "
        "to the next request (RFC 9112 9.3: responses answer requests in order)",
    ),
    Case(
        "extra-after-content-length",
        play(OK5 + b"EXTRA"),
        (Data(200, b"hello"),),
        NEW,
        why="RFC 9112 6.3: the body ends after Content-Length octets; the rest is not "
        "part of it and must not start the next response",
    ),
    Case(
        "extra-after-last-chunk",
        play(head(b"Transfer-Encoding: chunked") + b"5\r\nhello\r\n0\r\n\r\nEXTRA"),
        (Data(200, b"hello"),),
        NEW,
        why="RFC 9112 7.1: the chunked body ends at the last chunk and trailer section",
    ),
    Case(
        "content-length-and-chunked",
        play(
            head(b"Content-Length: 3", b"Transfer-Encoding: chunked") + b"5\r\nhello\r\n0\r\n\r\n"
        ),
        ERROR,
        NEW,
        why="RFC 9112 6.3 rule 3: a message with both 'ought to be handled as an error' "
        "(response smuggling, section 11.1)",
    ),
    Case(
        "conflicting-content-lengths",
        play(head(b"Content-Length: 5", b"Content-Length: 6") + b"hello!"),
        ERROR,
        NEW,
        why="RFC 9112 6.3 rule 5: an invalid Content-Length is an unrecoverable error; the "
        "user agent MUST close the connection and discard the response",
    ),
    Case(
        "conflicting-content-length-list",
        play(head(b"Content-Length: 5, 6") + b"hello!"),
        ERROR,
        NEW,
        why="RFC 9110 8.6: a list of different values is invalid (RFC 9112 6.3 rule 5)",
        tls=False,
    ),
    Case(
        "duplicate-equal-content-lengths",
        play(head(b"Content-Length: 5", b"Content-Length: 5") + b"hello"),
        (Data(200, b"hello"), *ERROR),
        why="RFC 9110 8.6: a recipient MAY reject repeated identical values or use the one "
        "value (h11 does the latter, llhttp the former); never a desync",
    ),
    Case(
        "duplicate-content-length-list",
        play(head(b"Content-Length: 5, 5") + b"hello"),
        (Data(200, b"hello"), *ERROR),
        why="RFC 9110 8.6, as above, for a comma-separated list",
        tls=False,
    ),
    *[
        Case(
            f"content-length-{name}",
            play(head(b"Content-Length: " + value) + b"hello", then="close"),
            ERROR,
            NEW,
            why="RFC 9112 6.3 rule 5: Content-Length is 1*DIGIT; anything else is invalid",
            tls=False,
        )
        for name, value in [
            ("negative", b"-1"),
            ("alpha", b"abc"),
            ("plus-sign", b"+5"),
            ("hex", b"0x5"),
            ("decimal-point", b"5.0"),
            ("empty", b""),
            ("inner-space", b"5 5"),
        ]
    ],
    Case(
        "content-length-2-to-the-64",
        play(head(b"Content-Length: 18446744073709551616") + b"hello", then="close"),
        ERROR,
        NEW,
        why="RFC 9112 6.3: a huge length must not wrap around (RFC 9110 8.6: prevent "
        "integer overflow); refused, or the body is cut off by the close",
        tls=False,
    ),
    Case(
        "transfer-encoding-space-before-colon",
        play(b"HTTP/1.1 200 OK\r\nTransfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\nhello"),
        ERROR,
        NEW,
        why="RFC 9112 5.1: no whitespace between field name and colon (a smuggling vector)",
        tls=False,
    ),
    Case(
        "transfer-encoding-twice-chunked",
        play(
            head(b"Transfer-Encoding: chunked", b"Transfer-Encoding: chunked")
            + b"5\r\nhello\r\n0\r\n\r\n"
        ),
        ERROR,
        NEW,
        why="RFC 9112 6.1: chunked MUST NOT be applied twice; the framing is invalid",
        tls=False,
    ),
    Case(
        "transfer-encoding-unknown-coding",
        play(head(b"Transfer-Encoding: gzip, chunked") + b"5\r\nhello\r\n0\r\n\r\n"),
        ERROR,
        NEW,
        why="RFC 9112 6.1: a transfer coding the client cannot decode; the body is unusable",
        tls=False,
    ),
]


@pytest.mark.parametrize(("case", "proto", "mode"), params(CASES, H1))
def test_desync(
    case: Case, proto: Proto, mode: str, hostile: HostileServer, ca_cert_pem_file: str
) -> None:
    run_case(mode, hostile, proto, ca_cert_pem_file, case)
