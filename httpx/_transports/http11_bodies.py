"""HTTP/1.1 response bodies, without I/O: how each one is delimited, and its decoding.

`body_reader` applies RFC 9112 section 6.3 (no body for HEAD, 1xx, 204, 304 and a
successful CONNECT; then Transfer-Encoding: chunked; then Content-Length; else the body
runs until the connection closes), and the readers turn received bytes into body bytes
the way h11 does, with h11's error messages. See http11_codec.py for the heads.
"""

from __future__ import annotations

from .http11_codec import (
    BLANK_LINE_RE,
    CHUNK_HEADER_RE,
    MAX_HEAD_SIZE,
    RequestHead,
    ResponseHead,
    parse_trailer_fields,
    remote_error,
)

__all__ = [
    "BodyReader",
    "ChunkedReader",
    "ContentLengthReader",
    "UntilCloseReader",
    "body_reader",
]


def body_reader(request: RequestHead, response: ResponseHead) -> BodyReader | None:
    """How the body is delimited (RFC 9112 section 6.3); None: there is no body."""
    status = response.status
    if status < 200 or status == 204 or status == 304 or request.is_head:
        return None
    if request.is_connect and status < 300:
        return None
    if response.chunked:
        return ChunkedReader()
    if response.content_length is not None:
        return ContentLengthReader(int(response.content_length))
    return UntilCloseReader()


class BodyReader:
    """Turns received bytes into body bytes, and knows where the body ends.

    `feed` returns the body bytes found in `data` (the same object when all of it is
    body, so large reads are not copied); bytes past the end of the body are kept in
    `extra`. `at_eof` is called when the connection closes before `done`.
    """

    __slots__ = ("done", "extra")

    def __init__(self) -> None:
        self.done = False
        self.extra = b""

    def feed(self, data: bytes) -> bytes:
        raise NotImplementedError  # pragma: no cover

    def at_eof(self) -> None:
        raise NotImplementedError  # pragma: no cover


class ContentLengthReader(BodyReader):
    __slots__ = ("_length", "_remaining")

    def __init__(self, length: int) -> None:
        super().__init__()
        self._length = length
        self._remaining = length
        self.done = length == 0

    def feed(self, data: bytes) -> bytes:
        remaining = self._remaining
        if len(data) < remaining:
            self._remaining = remaining - len(data)
            return data
        self._remaining = 0
        self.done = True
        if len(data) == remaining:
            return data
        self.extra = data[remaining:]
        return data[:remaining]

    def at_eof(self) -> None:
        raise remote_error(
            "peer closed connection without sending complete message body "
            f"(received {self._length - self._remaining} bytes, expected {self._length})"
        )


class UntilCloseReader(BodyReader):
    """A body delimited by the end of the connection (RFC 9112 section 6.3, item 8)."""

    __slots__ = ()

    def feed(self, data: bytes) -> bytes:
        return data

    def at_eof(self) -> None:
        self.done = True


_IN_HEADER = 0  # expecting a chunk-size line
_IN_DATA = 1  # inside chunk data
_IN_FOOTER = 2  # expecting the CRLF after chunk data
_IN_TRAILER = 3  # after the last chunk, expecting trailer fields and a blank line


class ChunkedReader(BodyReader):
    """The chunked transfer coding (RFC 9112 section 7.1), decoded as bytes arrive."""

    __slots__ = ("_pending", "_remaining", "_state")

    def __init__(self) -> None:
        super().__init__()
        self._state = _IN_HEADER
        self._remaining = 0  # data bytes left in the current chunk
        self._pending = b""  # an incomplete chunk-size line, footer or trailer

    def feed(self, data: bytes) -> bytes:
        if self._pending:
            data = self._pending + data
            self._pending = b""
        # The common large-body case: the whole of `data` is chunk data.
        if self._state == _IN_DATA and len(data) < self._remaining:
            self._remaining -= len(data)
            return data
        out: list[bytes] = []
        position = 0
        size = len(data)
        while position < size:
            state = self._state
            if state == _IN_DATA:
                take = min(self._remaining, size - position)
                out.append(data[position : position + take])
                position += take
                self._remaining -= take
                if self._remaining == 0:
                    self._state = _IN_FOOTER
            elif state == _IN_HEADER:
                line_end = data.find(b"\r\n", position)
                if line_end < 0:
                    self._keep_partial(data, position)
                    break
                match = CHUNK_HEADER_RE.fullmatch(data, position, line_end + 2)
                if match is None:
                    raise remote_error(f"illegal chunk header: {data[position : line_end + 2]!r}")
                position = line_end + 2
                # Chunk extensions (RFC 9112 section 7.1.1) are ignored, as h11 does.
                self._remaining = int(match.group(1), 16)
                self._state = _IN_DATA if self._remaining else _IN_TRAILER
            elif state == _IN_FOOTER:
                if size - position < 2:
                    if data[position:] != b"\r"[: size - position]:
                        raise remote_error(
                            f"malformed chunk footer: {data[position:]!r} (expected b'\\r\\n')"
                        )
                    self._pending = data[position:]
                    break
                if data[position : position + 2] != b"\r\n":
                    raise remote_error(
                        f"malformed chunk footer: {data[position : position + 2]!r} "
                        "(expected b'\\r\\n')"
                    )
                position += 2
                self._state = _IN_HEADER
            else:  # _IN_TRAILER
                end = self._trailer_end(data, position)
                if end < 0:
                    self._keep_partial(data, position)
                    break
                position = end
                self.done = True
                self.extra = data[position:]
                break
        if len(out) == 1:
            return out[0]
        return b"".join(out)

    def _trailer_end(self, data: bytes, position: int) -> int:
        # No trailer fields: a blank line right away (CRLF or LF, as h11 accepts).
        if data.startswith(b"\r\n", position):
            return position + 2
        if data.startswith(b"\n", position):
            return position + 1
        match = BLANK_LINE_RE.search(data, position)
        if match is None:
            return -1
        # The fields with their line ends, without the blank line.
        parse_trailer_fields(data[position : match.start() + 1])
        return match.end()

    def _keep_partial(self, data: bytes, position: int) -> None:
        pending = data[position:]
        if len(pending) > MAX_HEAD_SIZE:
            raise remote_error("Receive buffer too long")
        self._pending = pending

    def at_eof(self) -> None:
        raise remote_error(
            "peer closed connection without sending complete message body "
            "(incomplete chunked read)"
        )
