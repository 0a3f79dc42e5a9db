"""The httptools engine: response heads parsed by llhttp, h11's verdicts kept.

`httptools.HttpResponseParser` (llhttp, the parser of Node.js and uvicorn) parses a
response head many times faster than h11 (figures in benchmarks/RESULTS.md). It must
not change what is accepted or how: the h11 engine is the reference, and the two must
agree on every byte stream. So:

* llhttp parses the head, strictly (no leniency flags), once it is complete: every
  line ends in CRLF and the blank line has arrived. The fields it returns are checked
  for the few things llhttp accepts and h11 does not (a status below 100, a
  Transfer-Encoding other than chunked).
* Anything else (a head llhttp refuses, bare LF line ends, obsolete line folding,
  repeated Content-Length fields, an unproposed 101, a chunked body, the connection
  closing mid-head) is handed to h11, from the first byte of the head: h11 then reads
  this one response to its end, with its own rules and error messages. Chunked bodies
  go to h11 because llhttp's and h11's rules for chunk lines differ (extensions,
  whitespace, the size's length), and a body cannot be handed over half-read.
* A body delimited by Content-Length or by the end of the connection is counted here:
  that is all either engine does with it.

One parser object serves a connection; llhttp's own parser is made anew for each head
(a head is fed to it whole, so it never sees a body).
"""

from __future__ import annotations

import httptools

from .h11_engine import H11Parser
from .request import RequestHead
from .response import (
    MAX_HEAD_SIZE,
    ResponseHead,
    ResponseParser,
    body_too_short,
    keep_alive,
    remote_error,
)

__all__ = ["HttptoolsParser"]

_HEAD = 0
_LENGTH = 1  # a body of known length
_UNTIL_CLOSE = 2  # a body that ends with the connection
_DONE = 3


class _Fields:
    """llhttp's callbacks for one head: the reason phrase and the header fields."""

    __slots__ = ("headers", "reason")

    def __init__(self) -> None:
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []

    def on_status(self, reason: bytes) -> None:
        self.reason = reason

    def on_header(self, name: bytes, value: bytes) -> None:
        # llhttp drops the whitespace before a value but keeps the one after it.
        self.headers.append((name, value.rstrip(b" \t")))


class HttptoolsParser(ResponseParser):
    __slots__ = ("_buffer", "_expected", "_fallback", "_mode", "_remaining", "_request")

    def __init__(self) -> None:
        super().__init__()
        self._request: RequestHead | None = None
        self._fallback: H11Parser | None = None
        self._buffer = b""
        self._mode = _HEAD
        self._remaining = 0
        self._expected = 0

    def start(self, request: RequestHead) -> None:
        self.reset()
        self._request = request
        self._fallback = None
        self._buffer = b""
        self._mode = _HEAD

    def feed(self, data: bytes) -> bytes:
        mode = self._mode
        if mode == _LENGTH:
            remaining = self._remaining
            size = len(data)
            if size < remaining:
                if not size:
                    raise body_too_short(self._expected - remaining, self._expected)
                self._remaining = remaining - size
                return data
            self._remaining = 0
            self._finish()
            if size > remaining:
                self.extra = True
                return data[:remaining]
            return data
        if mode == _UNTIL_CLOSE:
            if not data:
                self._finish()
            return data
        if mode == _HEAD:
            return self._feed_head(data)
        if self._fallback is not None:
            return self._feed_fallback(data)
        if data:  # pragma: no cover - the connection stops reading at the end
            self.extra = True
        return b""

    def _finish(self) -> None:
        self._mode = _DONE
        self.done = True

    def _feed_head(self, data: bytes) -> bytes:
        buffer = self._buffer + data if self._buffer else data
        if not data:
            return self._hand_to_h11(buffer, closed=True)
        request = self._request
        assert request is not None
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if b"\n\n" in buffer or b"\n\r\n" in buffer:
                    return self._hand_to_h11(buffer)  # a blank line with a bare LF
                if len(buffer) > MAX_HEAD_SIZE:
                    raise remote_error("Receive buffer too long")
                self._buffer = buffer
                return b""
            end += 4
            head = buffer[:end]
            if (
                head.count(b"\n") != head.count(b"\r\n")
                or head[0] == 13
                or b"\x00" in head
                or b"\x0b" in head
                or b"\x0c" in head
            ):
                # Bare LF line ends, a leading CRLF, or NUL, VT or FF (which h11 refuses
                # everywhere, and llhttp in header fields only): h11 decides.
                return self._hand_to_h11(buffer)
            fields = _Fields()
            parser = httptools.HttpResponseParser(fields)
            try:
                parser.feed_data(head)
            except httptools.HttpParserUpgrade:
                pass  # a 101: the head has been parsed
            except httptools.HttpParserError:
                return self._hand_to_h11(buffer)
            # The framing fields, found with a few searches of the lower-cased head
            # (llhttp has checked that a Content-Length is one number).
            lower = head.lower()
            if b"\ntransfer-encoding:" in lower:
                return self._hand_to_h11(buffer)  # chunked, or refused
            length: bytes | None = None
            start = lower.find(b"\ncontent-length:")
            if start >= 0:
                length = head[start + 16 : head.index(b"\r", start + 16)].strip(b" \t")
            status = parser.get_status_code()
            if status < 200 and (status != 101 or request.upgrade is None):
                if status < 100 or status == 101:
                    return self._hand_to_h11(buffer)  # h11 refuses these
                # An interim response (RFC 9110 section 15.2): the final one follows.
                self.count_interim()
                buffer = buffer[end:]
                if not buffer:
                    self._buffer = b""
                    return b""
                continue
            http_version = b"HTTP/" + parser.get_http_version().encode("ascii")
            headers = fields.headers
            self.head = ResponseHead(
                http_version,
                status,
                fields.reason,
                headers,
                # RFC 9112 section 9.3, as `keep_alive()` (fields are scanned only when
                # "close" appears somewhere in the head).
                http_version >= b"HTTP/1.1"
                and (b"close" not in lower or keep_alive(http_version, headers)),
            )
            self._buffer = b""
            return self._body(status, length, buffer[end:])

    def _body(self, status: int, length: bytes | None, rest: bytes) -> bytes:
        """Start reading the body (RFC 9112 section 6.3, as h11 frames it)."""
        request = self._request
        assert request is not None
        if status == 101 or (request.is_connect and status < 300):
            self.switched = True
            self.leftover = rest
            self._finish()
            return b""
        if request.is_head or status == 204 or status == 304:
            self._finish()
            self.extra = bool(rest)
            return b""
        if length is None:
            self._mode = _UNTIL_CLOSE
            return rest
        self._expected = self._remaining = int(length)
        if not self._remaining:
            self._finish()
            self.extra = bool(rest)
            return b""
        self._mode = _LENGTH
        return self.feed(rest) if rest else b""

    def _hand_to_h11(self, buffer: bytes, closed: bool = False) -> bytes:
        """Let h11 read this response, from the first byte of its head."""
        assert self._request is not None
        fallback = self._fallback = H11Parser()
        fallback.start(self._request)
        fallback.interim = self.interim  # (the interim responses skipped before this head)
        self._buffer = b""
        self._mode = _DONE
        body = self._feed_fallback(buffer) if buffer else b""
        if closed:
            body += self._feed_fallback(b"")
        return body

    def _feed_fallback(self, data: bytes) -> bytes:
        fallback = self._fallback
        assert fallback is not None
        try:
            return fallback.feed(data)
        finally:
            self.head = fallback.head
            self.done = fallback.done
            self.extra = fallback.extra
            self.switched = fallback.switched
            self.leftover = fallback.leftover
