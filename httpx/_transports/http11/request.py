"""HTTP/1.1 request heads and bodies as bytes on the wire, with h11's rules.

Requests are written here, for both response engines (h11 and httptools): a request
head is validated and serialised once, in a few passes over its fields, and a repeated
request (same method, target and header fields) reuses the bytes of the previous one
(see the connections). What is refused is what h11 refuses, with h11's messages, as
`httpcore.LocalProtocolError`; tests/transports/http11/test_http11_engines.py generates
request heads and compares the bytes with h11's own serialisation.

The rules (RFC 9112 sections 3 and 5): the method is a token, the target visible ASCII,
field names are tokens, values have no CR/LF/NUL and no surrounding whitespace; exactly
one Host, sent first (RFC 9110 section 7.2); a Content-Length is digits (repeated equal
values collapse to one); the only Transfer-Encoding is ``chunked``, which wins over a
Content-Length (RFC 9112 section 6.3).

`RequestHead.h11_event` is the same request as an `h11.Request` stripped of its body
framing: the h11 engine hands it to h11's state machine, which needs to know the method,
the Host, ``Connection: close`` and an ``Upgrade`` proposal to read the response.
"""

from __future__ import annotations

import re
import typing

import httpcore

from ..._content import ByteStream
from .._httpcore_seam import httpcore_byte_stream_content

if typing.TYPE_CHECKING:  # pragma: no cover
    import h11

__all__ = [
    "SMALL_BODY",
    "RequestHead",
    "encode_chunk_prefix",
    "encode_request_head",
    "framed_body",
    "known_body",
    "length_error",
]

SMALL_BODY = 64 * 1024  # bodies sent in the same write as the head, up to this size

# RFC 9110 section 5.6.2 token; h11's field-value (visible characters and obs-text, with
# inner spaces and tabs only). In a bytes pattern ``\s`` is ASCII whitespace.
_VALUE_RE = re.compile(rb"(?:[^\x00\s]+(?:[ \t]+[^\x00\s]+)*)?")
_DIGITS_RE = re.compile(rb"[0-9]+")

# The character sets for bytes.translate(), which checks a whole string in C.
_TOKEN_BYTES = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VCHAR_BYTES = bytes(range(0x21, 0x7F))

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


def _local_error(message: str) -> httpcore.LocalProtocolError:
    return httpcore.LocalProtocolError(message)


class RequestHead:
    """A serialised request head and what it says about the exchange.

    ``body_length`` is the declared Content-Length, or None for a chunked body.
    """

    __slots__ = (
        "_h11_event",
        "body_length",
        "data",
        "host",
        "is_connect",
        "is_head",
        "keep_alive",
        "method",
        "target",
        "upgrade",
    )

    def __init__(
        self,
        data: bytes,
        body_length: int | None,
        keep_alive: bool,
        upgrade: bytes | None,
        method: bytes,
        target: bytes,
        host: bytes,
    ) -> None:
        self.data = data
        self.body_length = body_length
        self.keep_alive = keep_alive
        self.upgrade = upgrade  # the Upgrade field's value, if one was proposed
        self.method = method
        self.target = target
        self.host = host
        self.is_head = method == b"HEAD"
        self.is_connect = method == b"CONNECT"
        self._h11_event: h11.Request | None = None

    @property
    def h11_event(self) -> h11.Request:
        """This request for h11's state machine: what shapes the response, no body."""
        event = self._h11_event
        if event is None:
            import h11

            headers = [(b"Host", self.host)]
            if not self.keep_alive:
                headers.append((b"Connection", b"close"))
            if self.upgrade is not None:
                headers.append((b"Upgrade", self.upgrade))
            event = self._h11_event = h11.Request(
                method=self.method, target=self.target, headers=headers
            )
        return event


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
    host = b""
    host_count = 0
    content_length: bytes | None = None
    chunked = False
    keep_alive = True
    upgrade: bytes | None = None
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
            host = value
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
                upgrade = value
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
    return RequestHead(b"".join(lines), body_length, keep_alive, upgrade, method, target, host)


def encode_chunk_prefix(size: int, first: bool) -> bytes:
    """The bytes before a chunk of `size` bytes (RFC 9112 section 7.1).

    The CRLF closing the previous chunk is sent with the next prefix, so that each chunk
    costs one small write before its data and none after.
    """
    return b"%x\r\n" % size if first else b"\r\n%x\r\n" % size


def known_body(stream: object) -> bytes | None:
    """The whole body, when it is already in memory (no need to iterate the stream)."""
    if type(stream) is ByteStream:
        return stream._stream
    return httpcore_byte_stream_content(stream)


def length_error(declared: int, sent: int) -> httpcore.LocalProtocolError:
    # h11's messages.
    if sent > declared:
        return httpcore.LocalProtocolError("Too much data for declared Content-Length")
    return httpcore.LocalProtocolError("Too little data for declared Content-Length")


def framed_body(head: RequestHead, body: bytes) -> list[bytes]:
    """An in-memory body with its framing, as the pieces to write after the head."""
    if head.body_length is None:
        if not body:
            return [b"0\r\n\r\n"]
        return [encode_chunk_prefix(len(body), first=True), body, b"\r\n0\r\n\r\n"]
    if len(body) != head.body_length:
        raise length_error(head.body_length, len(body))
    return [body] if body else []
