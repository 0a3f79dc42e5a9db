"""HTTP/1.1 chunked framing from a hostile server: bad chunk sizes and extensions,
missing delimiters, endless extensions and trailers (RFC 9112 section 7.1).

A chunk line the client cannot parse is a RemoteProtocolError, never a guess at where
the body ends; endless chunk lines and trailer sections are refused in bounded memory.
"""

from __future__ import annotations

import pytest

import httpx
from tests.hostile.check import H1, NEW, SAME, Case, Data, Proto, Raises, params, run_case
from tests.hostile.h1 import play, push_forever
from tests.hostile.server import HostileServer

CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
ERROR = (Raises(httpx.RemoteProtocolError),)

CASES = [
    Case(
        "chunk-extensions",
        play(CHUNKED + b'5;name=value;quoted="a b"\r\nhello\r\n0;last\r\n\r\n'),
        (Data(200, b"hello"),),
        SAME,
        why="RFC 9112 7.1.1: chunk extensions a client does not understand are ignored",
        tls=False,
    ),
    Case(
        "trailer-fields",
        play(CHUNKED + b"5\r\nhello\r\n0\r\nX-Checksum: 1\r\n\r\n"),
        (Data(200, b"hello"),),
        SAME,
        why="RFC 9112 7.1.2: a trailer section ends the chunked body",
        tls=False,
    ),
    *[
        Case(
            f"chunk-size-{name}",
            play(CHUNKED + size + b"\r\nhello\r\n0\r\n\r\n", then="close"),
            ERROR,
            NEW,
            why="RFC 9112 7.1: chunk-size is 1*HEXDIG",
            tls=False,
        )
        for name, size in [
            ("not-hex", b"zz"),
            ("negative", b"-5"),
            ("empty", b""),
            ("hex-prefix", b"0x5"),
            ("30-digits", b"0" * 25 + b"00005"),
            ("2-to-the-64", b"10000000000000000"),
        ]
    ],
    Case(
        "chunk-data-longer-than-size",
        play(CHUNKED + b"5\r\nhelloXX\r\n0\r\n\r\n", then="close"),
        ERROR,
        NEW,
        why="RFC 9112 7.1: chunk-data is followed by CRLF; anything else is a framing error "
        "(h11 0.16 checks it: CVE-2025-43859)",
        tls=False,
    ),
    Case(
        "chunk-data-shorter-than-size",
        play(CHUNKED + b"5\r\nhel\r\n0\r\n\r\n", then="close"),
        ERROR,
        NEW,
        why="RFC 9112 7.1: five octets of data, then CRLF - here '0\\r' is not a CRLF",
        tls=False,
    ),
    Case(
        "chunked-body-cut-by-close",
        play(CHUNKED + b"5\r\nhello\r\n", then="close"),
        ERROR,
        NEW,
        why="RFC 9112 8: a chunked body without its last chunk is incomplete",
        tls=False,
    ),
    Case(
        "endless-chunk-extension",
        push_forever(CHUNKED + b"5;ext=", b"a" * 65536),
        ERROR,
        NEW,
        why="a chunk line without end: refused in bounded memory, not buffered",
        trace=True,
    ),
    Case(
        "endless-chunk-size",
        push_forever(CHUNKED, b"0" * 65536),
        ERROR,
        NEW,
        why="RFC 9112 7.1: leading zeros without end; a length parser must give up",
        tls=False,
        trace=True,
    ),
    Case(
        "endless-trailer-section",
        push_forever(CHUNKED + b"5\r\nhello\r\n0\r\n", b"X-Trailer: value\r\n" * 4096),
        ERROR,
        NEW,
        why="a trailer section without end: refused in bounded memory",
        tls=False,
        trace=True,
    ),
]


@pytest.mark.parametrize(("case", "proto", "mode"), params(CASES, H1))
def test_chunked(
    case: Case, proto: Proto, mode: str, hostile: HostileServer, ca_cert_pem_file: str
) -> None:
    run_case(mode, hostile, proto, ca_cert_pem_file, case)
