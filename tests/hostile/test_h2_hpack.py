"""HPACK from a hostile server (RFC 7541): bombs that decode to far more than they weigh,
oversized header lists, dynamic table size abuse, and malformed representations.

A header block that cannot be decoded is a connection error of type COMPRESSION_ERROR
(RFC 9113 4.3): the request fails with RemoteProtocolError and the follow-up needs a NEW
connection (the decoding context is lost). A bomb must be refused by the client's header
list limit (RFC 9113 10.5.1) while decoding, in bounded memory.
"""

from __future__ import annotations

import pytest
from hyperframe.frame import SettingsFrame

import httpx
from tests.hostile.check import ANY, H2, NEW, SAME, Case, Data, Proto, Raises, params, run_case
from tests.hostile.h2 import H2Conn, H2Script, H2Stream, hpack_integer, hpack_string, literal_block
from tests.hostile.server import HostileServer

ERROR = (Raises(httpx.RemoteProtocolError),)
STATUS_200 = b"\x88"  # indexed field 8 of the static table: ":status: 200" (RFC 7541 A)
COMPRESSION_ERROR = "a COMPRESSION_ERROR (RFC 9113 4.3), so a connection error"


def block(build: bytes | None = None, *, dynamic: bool = False) -> H2Script:
    """Send one header block (HEADERS + CONTINUATION as needed, END_STREAM) built by hand.
    With `dynamic`, the block is built from the client's SETTINGS_HEADER_TABLE_SIZE."""

    async def script(conn: H2Conn, stream: H2Stream) -> None:
        payload = build if build is not None else table_size_update_above_limit(conn)
        await conn.send(conn.header_frames(stream.id, payload, end_stream=True))

    return script


def table_size_update_above_limit(conn: H2Conn) -> bytes:
    limit = conn.record.client_settings.get(SettingsFrame.HEADER_TABLE_SIZE, 4096)
    return hpack_integer(limit + 1, 5, 0x20) + STATUS_200  # RFC 7541 6.3


def indexed_literal(name: bytes, value: bytes) -> bytes:
    """Literal with incremental indexing, new name (RFC 7541 6.2.1): it enters the table."""
    return b"\x40" + hpack_string(name) + hpack_string(value)


# A 4,000-byte field enters the dynamic table (index 62), then 10,000 one-byte references
# to it: a 10 kB block that decodes to 40 MB of header list.
BOMB = STATUS_200 + indexed_literal(b"x-bomb", b"b" * 4000) + b"\xbe" * 10_000

CASES = [
    Case(
        "hpack-bomb",
        block(BOMB),
        ERROR,
        ANY,
        why="RFC 9113 10.5.1: a header list above the client's limit is refused, never "
        "inflated (40 MB here); the client may process the rest of the block to keep the "
        "connection (a stream error) or stop decoding and close it",
        trace=True,
    ),
    Case(
        "huge-field-value",
        block(STATUS_200 + b"\x00" + hpack_string(b"x-huge") + hpack_string(b"h" * 1_000_000)),
        ERROR,
        ANY,
        why="a complete 1 MB header block (HEADERS and 61 CONTINUATIONs): refused past the "
        "client's header list limit (RFC 9113 10.5.1)",
        trace=True,
    ),
    Case(
        "many-header-fields",
        block(STATUS_200 + literal_block([(b"x-%d" % n, b"v") for n in range(30_000)])),
        ERROR,
        ANY,
        why="30,000 small fields (a 200 kB block, a 1 MB header list): refused past the "
        "client's header list limit (RFC 9113 10.5.1)",
        trace=True,
        tls=False,
    ),
    Case(
        "table-size-update-above-setting",
        block(dynamic=True),
        ERROR,
        NEW,
        why="RFC 7541 6.3: an update above SETTINGS_HEADER_TABLE_SIZE is a decoding error; "
        + COMPRESSION_ERROR,
    ),
    Case(
        "table-size-update-after-a-field",
        block(STATUS_200 + hpack_integer(4096, 5, 0x20)),
        ERROR,
        NEW,
        why="RFC 7541 4.2: a size update MUST come at the start of a block; " + COMPRESSION_ERROR,
        tls=False,
    ),
    Case(
        "two-table-size-updates",
        block(hpack_integer(0, 5, 0x20) + hpack_integer(4096, 5, 0x20) + STATUS_200),
        (Data(200, b""),),
        SAME,
        why="RFC 7541 4.2: the smallest size, then the final one, may both be signalled",
        tls=False,
    ),
    Case(
        "entry-larger-than-table",
        block(STATUS_200 + indexed_literal(b"x-large", b"l" * 5000)),
        (Data(200, b"", (("x-large", "l" * 5000),)),),
        SAME,
        why="RFC 7541 4.4: an entry larger than the table empties it; that is not an error",
        tls=False,
    ),
    Case(
        "index-beyond-table",
        block(STATUS_200 + b"\xff\x80\x01"),  # index 255: the dynamic table is empty
        ERROR,
        NEW,
        why="RFC 7541 2.3.3: an index beyond both tables is a decoding error; "
        + COMPRESSION_ERROR,
        tls=False,
    ),
    Case(
        "index-zero",
        block(STATUS_200 + b"\x80"),
        ERROR,
        NEW,
        why="RFC 7541 6.1: index 0 is a decoding error; " + COMPRESSION_ERROR,
        tls=False,
    ),
    Case(
        "integer-overflow",
        block(STATUS_200 + b"\xff" + b"\xff" * 10 + b"\x01"),
        ERROR,
        NEW,
        why="RFC 7541 5.1: an integer beyond what the decoder can represent is an error; "
        + COMPRESSION_ERROR,
        tls=False,
    ),
    Case(
        "huffman-eos-in-string",
        block(STATUS_200 + b"\x00" + hpack_string(b"x-a") + b"\x84\xff\xff\xff\xff"),
        ERROR,
        NEW,
        why="RFC 7541 5.2: a Huffman string containing EOS is a decoding error; "
        + COMPRESSION_ERROR,
        tls=False,
    ),
    Case(
        "truncated-literal",
        block(STATUS_200 + b"\x00" + hpack_string(b"x-a") + b"\x05ab"),
        ERROR,
        NEW,
        why="RFC 7541 5.2: a string longer than the block is a decoding error; "
        + COMPRESSION_ERROR,
        tls=False,
    ),
    Case(
        "literal-block-control",
        block(literal_block(((b":status", b"200"), (b"x-a", b"b")))),
        (Data(200, b"", (("x-a", "b"),)),),
        SAME,
        why="the literal representation used by the other cases decodes as intended",
        tls=False,
    ),
]


@pytest.mark.parametrize(("case", "proto", "mode"), params(CASES, H2))
def test_hpack(
    case: Case, proto: Proto, mode: str, hostile: HostileServer, ca_cert_pem_file: str
) -> None:
    run_case(mode, hostile, proto, ca_cert_pem_file, case)
