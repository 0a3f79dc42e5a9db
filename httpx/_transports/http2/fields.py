"""Header fields for HTTP/2: the request's (RFC 9113 section 8.3.1), and the checks on a
response head that h2 leaves to us.

h2 encodes and decodes the fields (HPACK). Its validation of fields is off both ways:
every request's fields are built and checked here in one pass, with httpcore's exception
types, and a response head is checked against the same rules h2 applies (RFC 9113
sections 8.2 and 8.3.2); fields seen before are not checked again (h2's checks run
generators over every byte of every field).
"""

from __future__ import annotations

import re
import typing

import hpack
import httpcore

from ..._content import ByteStream

__all__ = ["known_body", "request_fields", "response_head", "trailers_problem"]

# Connection-specific header fields must not be sent (RFC 9113 section 8.2.2); Host
# becomes :authority.
_DROPPED = frozenset(
    [b"host", b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade"]
)
_DEFAULT_PORTS = {b"http": 80, b"https": 443}
_KNOWN_METHODS = frozenset([b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS"])
# RFC 9110 section 5.6.2 tokens; field values without NUL, CR, LF or surrounding
# whitespace (RFC 9113 section 8.2.1); a target of visible characters.
_TOKEN_RE = re.compile(rb"[-!#$%&'*+.^_`|~0-9a-zA-Z]+")
_FIELD_VALUE_RE = re.compile(rb"(?:[^\x00\r\n \t](?:[^\x00\r\n]*[^\x00\r\n \t])?)?")
_TARGET_RE = re.compile(rb"[^\x00-\x20\x7f]+")
# Credentials stay out of HPACK's dynamic tables (RFC 7541 section 7.1.3), as h2 does.
_SENSITIVE = frozenset([b"authorization", b"proxy-authorization"])
_SHORT_COOKIE = 20  # h2 never indexes cookies shorter than this: they are guessable
# Valid fields seen before -> the lowercased name (a cache, so bounded; credentials and
# large values are not kept).
_CHECKED: dict[tuple[bytes, bytes], bytes] = {}
_CHECKED_LIMIT = 4096
# Response field names: lowercase tokens (RFC 9113 section 8.2.1).
_RESPONSE_NAME_RE = re.compile(rb"[-!#$%&'*+.^_`|~0-9a-z]+")
_CONNECTION_SPECIFIC = _DROPPED - {b"host"}  # section 8.2.2
_VALID_RESPONSE_FIELDS: dict[tuple[bytes, bytes], None] = {}  # (a cache, as _CHECKED)

Field = typing.Union[tuple[bytes, bytes], hpack.NeverIndexedHeaderTuple]


def request_fields(request: httpcore.Request) -> tuple[list[Field], bool]:
    """The request's header fields, pseudo-header fields first, and whether a body
    follows.

    Raises LocalProtocolError for what HTTP/2 can't carry (section 8.2.1): httpx's models
    refuse these first, but httpcore requests can be built by anyone.
    """
    url = request.url
    method = request.method
    target = url.target
    if method not in _KNOWN_METHODS and _TOKEN_RE.fullmatch(method) is None:
        raise httpcore.LocalProtocolError(f"Illegal method {method!r}")
    if _TARGET_RE.fullmatch(target) is None:
        raise httpcore.LocalProtocolError(f"Illegal target {target!r}")
    authority = None
    has_body = False
    regular: list[Field] = []
    checked = _CHECKED
    for field in request.headers:
        name = checked.get(field)
        if name is None:
            name = _checked_name(field)
        if name in _DROPPED:
            if name == b"host":
                authority = field[1]
            elif name == b"transfer-encoding":
                has_body = True
            continue
        value = field[1]
        if name == b"content-length":
            has_body = True
        elif name == b"te" and value.lower() != b"trailers":
            continue  # section 8.2.2: "te" may only say "trailers"
        elif name in _SENSITIVE or (name == b"cookie" and len(value) < _SHORT_COOKIE):
            regular.append(hpack.NeverIndexedHeaderTuple(name, value))
            continue
        regular.append(field if name == field[0] else (name, value))
    if authority is None:
        authority = url.host
        if url.port is not None and url.port != _DEFAULT_PORTS.get(url.scheme):
            authority += b":%d" % url.port
    fields: list[Field] = [
        (b":method", method),
        (b":scheme", url.scheme),
        (b":authority", authority),
        (b":path", target),
    ]
    fields += regular
    return fields, has_body


def _checked_name(field: tuple[bytes, bytes]) -> bytes:
    """The lowercased name of a valid request header field (else LocalProtocolError)."""
    name, value = field
    if not isinstance(name, bytes) or not isinstance(value, bytes):
        raise TypeError(f"Header names and values must be bytes, got {name!r}: {value!r}")
    if _TOKEN_RE.fullmatch(name) is None:
        raise httpcore.LocalProtocolError(f"Illegal header name {name!r}")
    if _FIELD_VALUE_RE.fullmatch(value) is None:
        raise httpcore.LocalProtocolError(f"Illegal header value {value!r}")
    lower = name.lower()
    if lower not in _SENSITIVE and lower != b"cookie" and len(value) <= 256:
        if len(_CHECKED) >= _CHECKED_LIMIT:
            _CHECKED.clear()
        _CHECKED[field] = lower
    return lower


class ResponseHead(typing.NamedTuple):
    status: int
    headers: list[tuple[bytes, bytes]]
    content_length: int | None  # None: not given


def response_head(fields: typing.Sequence[tuple[bytes, bytes]]) -> ResponseHead | str:
    """The status, fields and Content-Length of a response head; or why it is malformed
    (RFC 9113 section 8.1.1).

    h2 has checked that Content-Length fields are digits and agree (section 8.1.1).
    """
    status = None
    headers: list[tuple[bytes, bytes]] = []
    content_length = None
    valid = _VALID_RESPONSE_FIELDS
    for field in fields:
        name, value = field
        if name[:1] == b":":
            # Section 8.3: one :status, before the regular fields, and nothing else.
            if name != b":status" or status is not None or headers:
                return f"misplaced or unknown pseudo-header field {name!r}"
            # RFC 9110 section 15: three digits, 100 to 599 (h2 reports 1xx as interim
            # responses; above 599 is accepted as h11 accepts it on HTTP/1.1).
            if len(value) != 3 or not value.isdigit() or value[0] == 0x30:
                return f"invalid :status {value!r}"
            status = int(value)
            continue
        if field not in valid:
            problem = _response_field_problem(name, value)
            if problem is not None:
                return problem
            if len(value) <= 256:
                if len(valid) >= _CHECKED_LIMIT:
                    valid.clear()  # (dates, etags: the fields of a while ago)
                valid[(name, value)] = None
        if name == b"content-length":
            content_length = int(value)
        headers.append(field)
    if status is None:
        return "response without :status"
    return ResponseHead(status, headers, content_length)


def trailers_problem(fields: typing.Sequence[tuple[bytes, bytes]]) -> str | None:
    """Why a trailer section is malformed, if it is: a pseudo-header field (RFC 9113
    section 8.1), or a field that would be malformed in a head (sections 8.2.1, 8.2.2)."""
    for name, value in fields:
        if name[:1] == b":":
            return f"pseudo-header field {name!r} in the trailers"
        if (name, value) not in _VALID_RESPONSE_FIELDS:
            problem = _response_field_problem(name, value)
            if problem is not None:
                return problem
    return None


def _response_field_problem(name: bytes, value: bytes) -> str | None:
    if _RESPONSE_NAME_RE.fullmatch(name) is None:
        return f"invalid header field name {name!r}"
    if _FIELD_VALUE_RE.fullmatch(value) is None:
        return f"invalid header field value {value!r}"
    if name in _CONNECTION_SPECIFIC or (name == b"te" and value != b"trailers"):
        return f"connection-specific header field {name!r}"
    return None


def known_body(stream: object) -> bytes | None:
    """The whole request body, when it is in memory already."""
    if type(stream) is ByteStream:
        return stream._stream
    return None
