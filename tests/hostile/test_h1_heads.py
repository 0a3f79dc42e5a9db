"""HTTP/1.1 response heads from a hostile server: line endings, folding, control bytes,
oversized heads, interim responses and invalid status codes.

Where RFC 9112 lets a recipient either reject an element or repair it (bare LF, bare CR,
NUL), both are accepted, but never a third reading of the bytes.
"""

from __future__ import annotations

import pytest

import httpx
from tests.hostile.check import (
    ANY,
    FLOOD_READ,
    H1,
    NEW,
    SAME,
    Case,
    Data,
    Proto,
    Raises,
    params,
    run_case,
)
from tests.hostile.h1 import play, push_forever
from tests.hostile.server import HostileServer

OK5 = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
ERROR = (Raises(httpx.RemoteProtocolError),)
EARLY_HINTS = b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"

CASES = [
    Case(
        "obs-fold",
        play(b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n  b\r\nContent-Length: 5\r\n\r\nhello"),
        (Data(200, b"hello", (("x-folded", "a b"),)),),
        SAME,
        why="RFC 9112 5.2: a user agent MUST replace each obs-fold with SP",
        tls=False,
    ),
    Case(
        "obs-fold-first-line",
        play(b"HTTP/1.1 200 OK\r\n  folded\r\nContent-Length: 5\r\n\r\nhello"),
        ERROR,
        NEW,
        why="RFC 9112 5.2: a continuation line with no field before it folds into nothing",
        tls=False,
    ),
    Case(
        "bare-lf-line-ends",
        play(b"HTTP/1.1 200 OK\nContent-Length: 5\nX-A: b\n\nhello"),
        (Data(200, b"hello", (("x-a", "b"),)), *ERROR),
        ANY,
        why="RFC 9112 2.2: a recipient MAY recognize a single LF as a line terminator",
        tls=False,
    ),
    Case(
        "bare-cr-in-field",
        play(
            b"HTTP/1.1 200 OK\r\nX-A: a\rTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello"
        ),
        (Data(200, b"hello", (("x-a", "a Transfer-Encoding: chunked"),)), *ERROR),
        ANY,
        why="RFC 9112 2.2: a bare CR MUST make the element invalid or be replaced by SP; "
        "never read as a line end (which would smuggle a Transfer-Encoding in)",
        tls=False,
    ),
    Case(
        "nul-in-field-value",
        play(b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 5\r\n\r\nhello"),
        (Data(200, b"hello", (("x-a", "a b"),)), *ERROR),
        ANY,
        why="RFC 9110 5.5: a recipient of NUL in a field value MUST reject the message or "
        "replace it with SP",
        tls=False,
    ),
    Case(
        "nul-in-field-name",
        play(b"HTTP/1.1 200 OK\r\nX-\x00A: b\r\nContent-Length: 5\r\n\r\nhello"),
        ERROR,
        NEW,
        why="RFC 9110 5.1: a field name is a token",
        tls=False,
    ),
    Case(
        "field-line-without-colon",
        play(b"HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 5\r\n\r\nhello"),
        ERROR,
        NEW,
        why="RFC 9112 5: field-line = field-name ':' OWS field-value OWS",
        tls=False,
    ),
    Case(
        "large-valid-head",
        play(
            b"HTTP/1.1 200 OK\r\n"
            + b"".join(b"X-Field-%d: %s\r\n" % (n, b"v" * 90) for n in range(100))
            + b"Content-Length: 5\r\n\r\nhello"
        ),
        (Data(200, b"hello", (("x-field-99", "v" * 90),)),),
        SAME,
        why="100 fields, 10 kB: a head of ordinary size is accepted",
    ),
    Case(
        "endless-status-line",
        push_forever(b"HTTP/1.1 200 ", b"A" * 65536),
        ERROR,
        NEW,
        why="a status line without end: refused in bounded memory",
        tls=False,
        trace=True,
    ),
    Case(
        "endless-field-value",
        push_forever(b"HTTP/1.1 200 OK\r\nX-Big: ", b"a" * 65536),
        ERROR,
        NEW,
        why="one field without end: refused in bounded memory",
        tls=False,
        trace=True,
    ),
    Case(
        "endless-field-lines",
        push_forever(b"HTTP/1.1 200 OK\r\n", b"X-Many: v\r\n" * 4096),
        ERROR,
        NEW,
        why="a head of endless small fields: refused in bounded memory",
        trace=True,
    ),
    Case(
        "100-continue-then-200",
        play(b"HTTP/1.1 100 Continue\r\n\r\n" + OK5),
        (Data(200, b"hello"),),
        SAME,
        why="RFC 9110 15.2: a client MUST be able to parse 1xx responses before the final one",
    ),
    Case(
        "103-early-hints-then-200",
        play(EARLY_HINTS, OK5, pause=0.02),
        (Data(200, b"hello"),),
        SAME,
        why="RFC 8297 / RFC 9110 15.2: interim responses are skipped",
        tls=False,
    ),
    Case(
        "several-interim-responses",
        play(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n" + EARLY_HINTS * 3 + OK5
        ),
        (Data(200, b"hello"),),
        SAME,
        why="RFC 9110 15.2: one or more 1xx responses",
        tls=False,
    ),
    Case(
        "interim-response-with-body",
        play(b"HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\nhello" + OK5),
        ERROR,
        NEW,
        why="RFC 9112 6.3 rule 1: a 1xx ends at its blank line; 'hello' is not a status line",
        tls=False,
    ),
    Case(
        "endless-interim-responses",
        push_forever(b"", EARLY_HINTS * 512, budget=256 * 1024),
        ERROR,
        NEW,
        why="RFC 9110 15.2 does not bound 1xx responses, but an endless stream of them is "
        "a hang; the client must give up (as h2 caps CONTINUATION frames)",
        read_timeout=FLOOD_READ,
        tls=False,
        trace=True,
    ),
    Case(
        "status-099",
        play(b"HTTP/1.1 099 Weird\r\n\r\n" + OK5),
        ERROR,
        NEW,
        why="RFC 9110 15: valid status codes are 100 to 599; 099 is not an interim response",
        tls=False,
    ),
    Case(
        "status-two-digits",
        play(b"HTTP/1.1 20 OK\r\nContent-Length: 5\r\n\r\nhello"),
        ERROR,
        NEW,
        why="RFC 9112 4: status-code = 3DIGIT",
        tls=False,
    ),
    Case(
        "101-without-upgrade-request",
        play(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n"
            + OK5
        ),
        ERROR,
        NEW,
        why="RFC 9110 15.2.2: a server MUST NOT switch to a protocol the client did not "
        "ask for in Upgrade; the bytes after it are not HTTP/1.1",
    ),
]


@pytest.mark.parametrize(("case", "proto", "mode"), params(CASES, H1))
def test_heads(
    case: Case, proto: Proto, mode: str, hostile: HostileServer, ca_cert_pem_file: str
) -> None:
    run_case(mode, hostile, proto, ca_cert_pem_file, case)
