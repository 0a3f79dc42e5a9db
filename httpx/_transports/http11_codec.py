"""The HTTP/1.1 wire format for a client, without I/O: request heads out, responses in.

Why not h11
-----------
h11 is a complete, symmetric (client and server) state machine; a whole keep-alive
exchange through it costs about 55 µs of CPU here (event objects, per-header regex
matches, state transition tables), more than everything else a request does at the
HTTP/1.1 layer. A client needs a small subset of it, and most of that subset is a couple
of regular expressions run once over a whole header block. This module is that subset.

What it accepts
---------------
It mirrors h11's rules, so a message h11 would reject is rejected here too (as
`httpcore.RemoteProtocolError` / `httpcore.LocalProtocolError`, the exceptions httpcore
raises for h11's errors), and a message h11 accepts parses the same way:

* request heads (RFC 9112 section 3): the method is a token, the target visible ASCII,
  names are tokens, values have no CR/LF/NUL and no surrounding whitespace; exactly one
  Host; a Content-Length must be digits (repeated equal values collapse to one); the
  only Transfer-Encoding is ``chunked``. Host is sent first (RFC 9110 section 7.2).
* response heads (RFC 9112 sections 2-5): lines end in CRLF or a bare LF; obsolete line
  folding is unfolded (section 5.2); the reason phrase is optional; the head is at most
  `MAX_HEAD_SIZE` bytes.
* response body framing (RFC 9112 section 6.3): no body for HEAD, 1xx, 204, 304 and a
  successful CONNECT; then Transfer-Encoding: chunked; then Content-Length; else the
  body runs until the server closes the connection.
* keep-alive (RFC 9112 section 9.3): HTTP/1.0 and ``Connection: close`` on either side
  end the connection after the exchange.

One rule is stricter than h11: bytes received after the end of a response (a server
sending more than it framed) make the connection unusable instead of being kept as the
start of the next response.

Response bodies (content-length, chunked, until close) are read by http11_bodies.py.
"""

from __future__ import annotations

import re

import httpcore

__all__ = [
    "BLANK_LINE_RE",
    "CHUNK_HEADER_RE",
    "MAX_HEAD_SIZE",
    "RequestHead",
    "ResponseHead",
    "encode_chunk_prefix",
    "encode_request_head",
    "find_head_end",
    "parse_response_head",
    "parse_trailer_fields",
    "remote_error",
]

# httpcore's limit for the buffered, incomplete part of a message (h11's
# max_incomplete_event_size as httpcore configures it).
MAX_HEAD_SIZE = 100 * 1024

# RFC 9110 section 5.6.2 token; h11's field-value (visible characters and obs-text, with
# inner spaces and tabs only). In a bytes pattern ``\s`` is ASCII whitespace.
_TOKEN = rb"[-!#$%&'*+.^_`|~0-9a-zA-Z]+"
_VALUE = rb"(?:[^\x00\s]+(?:[ \t]+[^\x00\s]+)*)?"
_TOKEN_RE = re.compile(_TOKEN)
_VALUE_RE = re.compile(_VALUE)
_DIGITS_RE = re.compile(rb"[0-9]+")
_FIELD_RE = re.compile(rb"(" + _TOKEN + rb"):[ \t]*(" + _VALUE + rb")[ \t]*")
_STATUS_LINE_RE = re.compile(rb"HTTP/([0-9]\.[0-9]) ([0-9]{3})(?: ((?:[ \t]|[^\x00\s])*))?")
BLANK_LINE_RE = re.compile(rb"\n\r?\n")
CHUNK_HEADER_RE = re.compile(rb"([0-9A-Fa-f]{1,20})(?:;.*)?[ \t]*\r\n")
_FOLD_RE = re.compile(rb"[ \t]+")

# The same character sets for bytes.translate(), which checks a whole string in C at
# memory speed where a regular expression steps through it byte by byte.
_TOKEN_BYTES = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VCHAR_BYTES = bytes(range(0x21, 0x7F))

# For one count() to find CRs that do not end a line and NUL, VT and FF (which h11's field
# value pattern refuses): they all become CR.
_SUSPECTS_TO_CR = bytes.maketrans(b"\x00\x0b\x0c", b"\r\r\r")

# Content-Length values longer than this are refused (h11's CONTENT_LENGTH_MAX_DIGITS).
_MAX_LENGTH_DIGITS = 20

# What a request header field means for the exchange.
_PLAIN = 0
_HOST = 1
_CLOSE = 2  # Connection: close
_UPGRADE = 3  # a non-empty Upgrade (RFC 9110 section 7.8)
_LENGTH = 4  # Content-Length
_CHUNKED = 5  # Transfer-Encoding

# Request header fields already checked: (name, value) -> (meaning, wire line), for the
# fields that are the same on every request of a client (Host, Accept, User-Agent, ...).
# Only those names are kept, so the table stays small and never holds credentials or
# per-request values; it is bounded all the same.
_CACHEABLE_NAMES = frozenset(
    {
        b"host",
        b"accept",
        b"accept-encoding",
        b"accept-language",
        b"user-agent",
        b"connection",
        b"content-type",
        b"cache-control",
        b"te",
    }
)
_FIELD_CACHE: dict[tuple[bytes, bytes], tuple[int, bytes]] = {}
_FIELD_CACHE_LIMIT = 512
_KNOWN_METHODS = frozenset(
    {b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS", b"CONNECT", b"TRACE"}
)
# Response header names seen to be valid tokens (bounded, like the cache above).
_VALID_NAMES: set[bytes] = set()
_VALID_NAMES_LIMIT = 1024


def _local_error(message: str) -> httpcore.LocalProtocolError:
    return httpcore.LocalProtocolError(message)


def remote_error(message: str) -> httpcore.RemoteProtocolError:
    return httpcore.RemoteProtocolError(message)


# --- requests -----------------------------------------------------------------------------


class RequestHead:
    """A serialised request head and what it says about the exchange.

    ``body_length`` is the declared Content-Length, or None for a chunked body.
    """

    __slots__ = ("body_length", "data", "is_connect", "is_head", "keep_alive", "upgrade")

    def __init__(
        self,
        data: bytes,
        body_length: int | None,
        keep_alive: bool,
        upgrade: bool,
        method: bytes,
    ) -> None:
        self.data = data
        self.body_length = body_length
        self.keep_alive = keep_alive
        self.upgrade = upgrade
        self.is_head = method == b"HEAD"
        self.is_connect = method == b"CONNECT"


def _is_token(name: bytes) -> bool:
    return bool(name) and not name.translate(None, _TOKEN_BYTES)


def _checked_field(name: bytes, value: bytes) -> tuple[int, bytes]:
    """(meaning, wire line) of a request header field, or LocalProtocolError."""
    if not isinstance(name, bytes) or not isinstance(value, bytes):
        raise TypeError(f"Header names and values must be bytes, got {name!r}: {value!r}")
    if not _is_token(name):
        raise _local_error(f"Illegal header name {name!r}")
    if _VALUE_RE.fullmatch(value) is None:
        raise _local_error(f"Illegal header value {value!r}")
    lower = name.lower()
    meaning = _PLAIN
    if lower == b"host":
        meaning = _HOST
    elif lower == b"connection":
        meaning = _CLOSE if b"close" in _comma_tokens(value) else _PLAIN
    elif lower == b"upgrade":
        meaning = _UPGRADE if _comma_tokens(value) else _PLAIN
    elif lower == b"content-length":
        meaning = _LENGTH
    elif lower == b"transfer-encoding":
        meaning = _CHUNKED
    line = b"%s: %s\r\n" % (name, value)
    if lower in _CACHEABLE_NAMES and len(_FIELD_CACHE) < _FIELD_CACHE_LIMIT:
        _FIELD_CACHE[(name, value)] = (meaning, line)
    return meaning, line


def _content_length(value: bytes) -> bytes:
    # h11: "5, 5" is one length; differing values, or anything but digits, are refused.
    lengths = {length.strip() for length in value.split(b",")}
    if len(lengths) != 1:
        raise _local_error("conflicting Content-Length headers")
    length = lengths.pop()
    if _DIGITS_RE.fullmatch(length) is None or len(length) > _MAX_LENGTH_DIGITS:
        raise _local_error("bad Content-Length")
    return length


def _comma_tokens(value: bytes) -> list[bytes]:
    return [item.strip() for item in value.lower().split(b",") if item.strip()]


def encode_request_head(
    method: bytes, target: bytes, headers: list[tuple[bytes, bytes]]
) -> RequestHead:
    """Validate and serialise a request line and header fields (RFC 9112 sections 3, 5)."""
    if method not in _KNOWN_METHODS and not _is_token(method):
        raise _local_error("Illegal method characters")
    if not target or target.translate(None, _VCHAR_BYTES):
        raise _local_error("Illegal target characters")
    lines: list[bytes] = [b"%s %s HTTP/1.1\r\n" % (method, target), b""]  # Host goes 2nd
    host_count = 0
    content_length: bytes | None = None
    chunked = False
    keep_alive = True
    upgrade = False
    cache = _FIELD_CACHE
    append = lines.append
    for name, value in headers:
        cached = cache.get((name, value))
        meaning, line = _checked_field(name, value) if cached is None else cached
        if meaning == _PLAIN:
            append(line)
        elif meaning == _HOST:
            # RFC 9110 section 7.2: Host goes first.
            host_count += 1
            lines[1] = line
        elif meaning == _LENGTH:
            length = _content_length(value)
            if content_length is None:
                content_length = length
                append(b"%s: %s\r\n" % (name, length))
            elif content_length != length:
                raise _local_error("conflicting Content-Length headers")
        elif meaning == _CHUNKED:
            if chunked:
                raise _local_error("multiple Transfer-Encoding headers")
            if value.lower() != b"chunked":
                raise _local_error("Only Transfer-Encoding: chunked is supported")
            chunked = True
            append(b"%s: chunked\r\n" % name)
        else:
            if meaning == _CLOSE:
                keep_alive = False
            else:
                upgrade = True
            append(line)
    # RFC 9112 section 3.2: an HTTP/1.1 request carries exactly one Host field.
    if host_count != 1:
        raise _local_error(
            "Missing mandatory Host: header" if host_count == 0 else "Found multiple Host: headers"
        )
    append(b"\r\n")
    body_length: int | None
    if chunked:
        body_length = None  # Transfer-Encoding wins over Content-Length (RFC 9112 6.3).
    elif content_length is not None:
        body_length = int(content_length)
    else:
        body_length = 0  # No framing field: a request without a body (RFC 9112 6.3).
    return RequestHead(b"".join(lines), body_length, keep_alive, upgrade, method)


def encode_chunk_prefix(size: int, first: bool) -> bytes:
    """The bytes before a chunk of `size` bytes (RFC 9112 section 7.1).

    The CRLF closing the previous chunk is sent with the next prefix, so that each chunk
    costs one small write before its data and none after.
    """
    return b"%x\r\n" % size if first else b"\r\n%x\r\n" % size


# --- responses ------------------------------------------------------------------------------


class ResponseHead:
    """A parsed response status line and header fields, and what they say about framing.

    ``content_length`` (digits) and ``chunked`` come from the framing fields, checked as
    h11 checks them on every response, with or without a body.
    """

    __slots__ = (
        "chunked",
        "content_length",
        "headers",
        "http_version",
        "keep_alive",
        "reason",
        "status",
    )

    def __init__(
        self,
        http_version: bytes,
        status: int,
        reason: bytes,
        headers: list[tuple[bytes, bytes]],
        keep_alive: bool,
        content_length: bytes | None,
        chunked: bool,
    ) -> None:
        self.http_version = http_version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.keep_alive = keep_alive
        self.content_length = content_length
        self.chunked = chunked

    def copy(self) -> ResponseHead:
        """An equal head with its own header list (the fields themselves are immutable)."""
        return ResponseHead(
            self.http_version,
            self.status,
            self.reason,
            list(self.headers),
            self.keep_alive,
            self.content_length,
            self.chunked,
        )


def _framing_fields(headers: list[tuple[bytes, bytes]]) -> tuple[bytes | None, bool]:
    """A response's (Content-Length, chunked?), refusing what h11 refuses.

    Like h11, it rewrites `headers` in place: a repeated Content-Length (which must
    agree) is kept once, its value normalised ("5, 5" -> "5"), and Transfer-Encoding's
    value lower-cased.
    """
    content_length: bytes | None = None
    chunked = False
    index = 0
    while index < len(headers):
        name, value = headers[index]
        size = len(name)
        if size == 14 and name.lower() == b"content-length":
            length = _response_content_length(value)
            if content_length is not None:
                if content_length != length:
                    raise remote_error("conflicting Content-Length headers")
                del headers[index]
                continue
            content_length = length
            if length != value:
                headers[index] = (name, length)
        elif size == 17 and name.lower() == b"transfer-encoding":
            if chunked:
                raise remote_error("multiple Transfer-Encoding headers")
            lowered = value.lower()
            if lowered != b"chunked":
                raise remote_error("Only Transfer-Encoding: chunked is supported")
            chunked = True
            if lowered != value:
                headers[index] = (name, lowered)
        index += 1
    return content_length, chunked


def _keep_alive(http_version: bytes, headers: list[tuple[bytes, bytes]]) -> bool:
    # RFC 9112 section 9.3; h11 keeps no HTTP/1.0 connection alive.
    if http_version < b"HTTP/1.1":
        return False
    for name, value in headers:
        if len(name) == 10 and name.lower() == b"connection" and b"close" in _comma_tokens(value):
            return False
    return True


def _response_content_length(value: bytes) -> bytes:
    if value.isdigit() and len(value) <= _MAX_LENGTH_DIGITS:
        return value
    try:
        return _content_length(value)
    except httpcore.LocalProtocolError as exc:
        raise remote_error(str(exc)) from None


def find_head_end(buffer: bytes, start: int = 0) -> int:
    """The index just past the blank line ending a head in `buffer`, or -1.

    `start` is where to resume searching after a previous call found nothing. A head
    that starts with a blank line has no status line: RemoteProtocolError.
    """
    if buffer[:1] == b"\n" or buffer[:2] == b"\r\n":
        raise remote_error("no response line received")
    end = buffer.find(b"\r\n\r\n", start)
    if end >= 0:
        # A bare LF may end lines too (h11 accepts it): a blank line made with one ends
        # the head first, if there is one before this CRLF CRLF.
        if buffer.find(b"\n\n", start, end) < 0 and buffer.find(b"\n\r\n", start, end + 3) < 0:
            return end + 4
    match = BLANK_LINE_RE.search(buffer, start)
    return -1 if match is None else match.end()


def check_incomplete_head(buffer: bytes) -> None:
    """Give up on a head that cannot become valid, or that is too large (as h11)."""
    if len(buffer) > MAX_HEAD_SIZE:
        raise remote_error("Receive buffer too long")
    if buffer[0] < 0x21:
        # Not the start of a status line: e.g. a TLS record from a server that expected
        # https. Waiting for a blank line would only end in a timeout.
        raise remote_error(f"illegal status line: {bytes(buffer[:40])!r}")


def parse_response_head(head: bytes) -> ResponseHead:
    """Parse a head as delimited by `find_head_end` (its blank line included)."""
    crlf = head.count(b"\r\n")
    if head.count(b"\n") != crlf or head.translate(_SUSPECTS_TO_CR).count(b"\r") != crlf:
        # Bare LF line ends, or a CR, NUL, VT or FF that does not end a line: go line by
        # line, with h11's own patterns and error messages.
        return _parse_head_slowly(head)
    lines = head.split(b"\r\n")
    del lines[-2:]  # the empty strings after the last field line and the blank line
    status_line = lines[0]
    del lines[0]
    prefix = status_line[:9]
    if (
        (prefix == b"HTTP/1.1 " or prefix == b"HTTP/1.0 ")
        and status_line[9:12].isdigit()
        and (len(status_line) == 12 or status_line[12] == 32)
    ):
        http_version = status_line[:8]
        status = int(status_line[9:12])
        # With no NUL, CR, LF, VT or FF in the head, any reason phrase left is valid.
        reason = status_line[13:]
    else:
        http_version, status, reason = _parse_status_line(status_line)
    headers: list[tuple[bytes, bytes]] = []
    append = headers.append
    valid_names = _VALID_NAMES
    for line in lines:
        name, colon, value = line.partition(b":")
        if name not in valid_names:
            if not colon or not _is_token(name):
                # Obsolete line folding, or a bad line: let the careful parser decide.
                return _parse_head_slowly(head)
            if len(valid_names) < _VALID_NAMES_LIMIT:
                valid_names.add(name)
        # With no CR, LF, NUL, VT or FF, a value stripped of OWS is a valid field value.
        append((name, value.strip(b" \t")))
    # The framing and keep-alive fields, found with a few searches of the lower-cased
    # head (every line ends in CRLF here, so "\n<name>:" starts a field line); the
    # fields are scanned one by one only when they are unusual.
    lower = head.lower()
    keep_alive = http_version >= b"HTTP/1.1"
    if keep_alive and b"close" in lower:
        keep_alive = _keep_alive(http_version, headers)
    content_length: bytes | None = None
    chunked = False
    start = lower.find(b"\ncontent-length:")
    if start >= 0:
        start += 16
        content_length = head[start : head.index(b"\r", start)].strip(b" \t")
    if (
        b"\ntransfer-encoding:" in lower
        or (start >= 0 and lower.find(b"\ncontent-length:", start) >= 0)
        or not (content_length is None or content_length.isdigit())
    ):
        # Unusual framing fields: the careful way (which may rewrite them, as h11).
        content_length, chunked = _framing_fields(headers)
    elif content_length is not None and len(content_length) > _MAX_LENGTH_DIGITS:
        raise remote_error("bad Content-Length")
    return ResponseHead(http_version, status, reason, headers, keep_alive, content_length, chunked)


def _parse_status_line(line: bytes) -> tuple[bytes, int, bytes]:
    match = _STATUS_LINE_RE.fullmatch(line)
    if match is None:
        raise remote_error(f"illegal status line: {line!r}")
    version, status, reason = match.groups()
    return b"HTTP/" + version, int(status), reason or b""


def _parse_head_slowly(head: bytes) -> ResponseHead:
    """The general case, line by line with h11's own patterns (and its error messages)."""
    line_end = head.find(b"\n")
    status_line = head[:line_end]
    if status_line.endswith(b"\r"):
        status_line = status_line[:-1]
    http_version, status, reason = _parse_status_line(status_line)
    match = BLANK_LINE_RE.search(head)
    assert match is not None
    headers = _parse_fields_slowly(head[line_end + 1 : match.start() + 1])
    content_length, chunked = _framing_fields(headers)
    return ResponseHead(
        http_version,
        status,
        reason,
        headers,
        _keep_alive(http_version, headers),
        content_length,
        chunked,
    )


def _parse_fields_slowly(block: bytes) -> list[tuple[bytes, bytes]]:
    """Field lines (each with its line end) one at a time: unfold obsolete line folding,
    or name the bad line."""
    lines = block.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    unfolded: list[bytearray] = []
    for raw_line in lines:
        line = raw_line[:-1] if raw_line.endswith(b"\r") else raw_line
        fold = _FOLD_RE.match(line)
        if fold is not None:
            # RFC 9112 section 5.2: replace each obs-fold with a space.
            if not unfolded:
                raise remote_error("continuation line at start of headers")
            unfolded[-1] += b" " + line[fold.end() :]
        else:
            unfolded.append(bytearray(line))
    fields = []
    for field_line in unfolded:
        match = _FIELD_RE.fullmatch(field_line)
        if match is None:
            raise remote_error(f"illegal header line: {bytes(field_line)!r}")
        fields.append((bytes(match.group(1)), bytes(match.group(2))))
    return fields


def parse_trailer_fields(block: bytes) -> None:
    """Validate a chunked body's trailer section (its fields are not used)."""
    _parse_fields_slowly(block)
