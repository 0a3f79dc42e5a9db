"""HTTP/2 wire constants (RFC 9113 sections 6 and 7), frame building, and the error
raised for a peer's protocol violation."""

from __future__ import annotations

import logging
import re
import struct

logger = logging.getLogger("httpcore.http2")  # httpcore's, so its logging config applies

# --- protocol constants (RFC 9113 sections 6 and 7) ---------------------------------------

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY = range(8)
WINDOW_UPDATE, CONTINUATION = 8, 9
END_STREAM = ACK = 0x1
END_HEADERS, PADDED, PRIORITY_FLAG = 0x4, 0x8, 0x20
S_HEADER_TABLE_SIZE, S_ENABLE_PUSH, S_MAX_CONCURRENT_STREAMS = 1, 2, 3
S_INITIAL_WINDOW_SIZE, S_MAX_FRAME_SIZE, S_MAX_HEADER_LIST_SIZE = 4, 5, 6
ERROR_NAMES = (
    "NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
    "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR",
    "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
)  # fmt: skip
NO_ERROR, PROTOCOL_ERROR, FLOW_CONTROL_ERROR, FRAME_SIZE_ERROR = 0, 1, 3, 6
STREAM_CLOSED, CANCEL, COMPRESSION_ERROR = 5, 8, 9

# What we announce. As httpcore: no server push, at most 100 streams, 64 KiB header
# lists, and 16 MiB receive windows per stream and for the connection (in SETTINGS
# rather than a WINDOW_UPDATE frame per stream).
LOCAL_MAX_STREAMS = 100
LOCAL_MAX_HEADER_LIST = 65536
STREAM_WINDOW = 2**24
CONNECTION_WINDOW = 2**24 + 65535
LOCAL_MAX_FRAME = 16384  # the default, not announced: larger frames are errors
MAX_WINDOW = 2**31 - 1
MAX_STREAM_ID = 2**31 - 1
DEFAULT_WINDOW = 65535

READ_NUM_BYTES = 64 * 1024
FLUSH_ABOVE = 256 * 1024  # request body bytes queued before they are written
ATOMIC_WRITE_LIMIT = 1024 * 1024  # AsyncioStream hands writes up to this to its transport

_FRAME_HEAD = struct.Struct(">LBL")  # length << 8 | type, flags, stream id
_SETTING = struct.Struct(">HL")
_U32 = struct.Struct(">L")
_GOAWAY = struct.Struct(">LL")

# Connection-specific header fields must not be sent (RFC 9113 section 8.2.2); Host
# becomes :authority.
_DROPPED_HEADERS = frozenset(
    [b"host", b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade"]
)
_DEFAULT_PORTS = {b"http": 80, b"https": 443}
_KNOWN_METHODS = frozenset([b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS"])
# RFC 9110 section 5.6.2 tokens; field values without NUL, CR, LF or surrounding
# whitespace (RFC 9113 section 8.2.1); a target of visible characters.
_TOKEN_RE = re.compile(rb"[-!#$%&'*+.^_`|~0-9a-zA-Z]+")
_FIELD_VALUE_RE = re.compile(rb"(?:[^\x00\r\n \t](?:[^\x00\r\n]*[^\x00\r\n \t])?)?")
_TARGET_RE = re.compile(rb"[^\x00-\x20\x7f]+")
_CHECKED_FIELDS: dict[tuple[bytes, bytes], bytes] = {}  # valid field -> lowercased name


def _frame(frame_type: int, flags: int, stream_id: int, payload: bytes = b"") -> bytes:
    return _FRAME_HEAD.pack((len(payload) << 8) | frame_type, flags, stream_id) + payload


def _initial_frames() -> bytes:
    """The client connection preface (RFC 9113 section 3.4) and the window increase."""
    settings = b"".join(
        _SETTING.pack(ident, value)
        for ident, value in (
            (S_ENABLE_PUSH, 0),
            (S_MAX_CONCURRENT_STREAMS, LOCAL_MAX_STREAMS),
            (S_INITIAL_WINDOW_SIZE, STREAM_WINDOW),
            (S_MAX_HEADER_LIST_SIZE, LOCAL_MAX_HEADER_LIST),
        )
    )
    increment = _U32.pack(CONNECTION_WINDOW - DEFAULT_WINDOW)
    return PREFACE + _frame(SETTINGS, 0, 0, settings) + _frame(WINDOW_UPDATE, 0, 0, increment)


class ProtocolViolation(Exception):
    """The server broke the protocol: a connection error (RFC 9113 section 5.4.1)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
