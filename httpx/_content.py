"""Request and response body encoding: turn content/data/files/json into headers + stream.

`encode_request` and `encode_response` follow httpx 0.28's rules for which argument
wins and which headers come with each kind of body. The stream classes here are the
ones the rest of the package (and code in the wild) imports from ``httpx._content``.
"""

from __future__ import annotations

import inspect
import io
import json as jsonlib
import os
import stat
import warnings
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

from ._exceptions import StreamClosed, StreamConsumed
from ._multipart import (
    FILE_CHUNK_SIZE,
    MultipartStream,
    is_sync_file,
    is_text_file,
    peek_remaining_length,
)
from ._primitives import primitive_value_to_str
from ._types import (
    AsyncByteStream,
    RequestContent,
    RequestData,
    RequestFiles,
    ResponseContent,
    SyncByteStream,
)

__all__ = [
    "AsyncIteratorByteStream",
    "ByteStream",
    "IteratorByteStream",
    "UnattachedStream",
    "encode_request",
    "encode_response",
]

_TEXT_FILE_MESSAGE = (
    "Attempted to send a file opened in text mode as request content. "
    "Open it in binary mode ('rb') instead: request bodies are bytes."
)


def _as_bytes_chunk(chunk: object, index: int) -> bytes:
    """Check one chunk from a user-supplied iterator; bytes-like values become bytes.

    The message is the one httpx 0.28 gives (from ``b"".join``), `index` counting every
    chunk the source yielded.
    """
    if isinstance(chunk, bytes):
        return chunk
    if isinstance(chunk, (bytearray, memoryview)):
        return bytes(chunk)
    raise TypeError(
        f"sequence item {index}: expected a bytes-like object, {type(chunk).__name__} found"
    )


class ByteStream(AsyncByteStream, SyncByteStream):
    """An in-memory body. It can be iterated any number of times."""

    def __init__(self, stream: bytes) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        yield self._stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._stream


# What open(path, "rb") returns (buffered or not, read-only or read-write).
_PLAIN_FILE_TYPES = (io.BufferedReader, io.BufferedRandom, io.FileIO)


class IteratorByteStream(SyncByteStream):
    """A body streamed from a sync iterable of bytes, or from a binary file object.

    Re-iteration (redirects, auth retries) works for re-iterable collections. One-shot
    sources raise StreamConsumed on a second pass instead of silently sending nothing:
    generators and other iterators, and files that cannot seek. A seekable file is
    rewound to where it stood when the first pass began (not to 0), so both passes send
    the same bytes and the Content-Length computed from that position stays right.
    """

    CHUNK_SIZE = FILE_CHUNK_SIZE

    def __init__(self, stream: Iterable[bytes]) -> None:
        if is_text_file(stream):
            raise TypeError(_TEXT_FILE_MESSAGE)
        self._stream = stream
        self._is_file = is_sync_file(stream)
        self._is_one_shot = isinstance(stream, Iterator) or inspect.isgenerator(stream)
        self._is_stream_consumed = False
        self._file_start: int | None = None  # where a seekable file's first pass began

    def _rewind_file(self) -> None:
        stream: Any = self._stream
        if not self._is_stream_consumed:
            try:
                self._file_start = stream.tell() if stream.seekable() else None
            except (AttributeError, OSError, ValueError):
                self._file_start = None
            return
        if self._file_start is None:
            raise StreamConsumed()
        stream.seek(self._file_start)

    def __iter__(self) -> Iterator[bytes]:
        if self._is_file:
            self._rewind_file()
            self._is_stream_consumed = True
            yield from self._iter_file()
            return
        if self._is_one_shot and self._is_stream_consumed:
            raise StreamConsumed()
        self._is_stream_consumed = True
        for index, chunk in enumerate(self._stream):
            if chunk:
                yield _as_bytes_chunk(chunk, index)

    def take_file(self) -> tuple[Any, int] | None:
        """(file, position) when this body is a regular file opened by `open()` in
        binary mode, for a connection that sends it with sendfile(2) instead of reading
        it (see http11/sendfile.py); else None, and the body is iterated as usual.

        Taking the file counts as a pass over the body, as iterating it does (a second
        pass starts again from the same position). Only the exact types `open()` returns
        qualify: a wrapper that watches its reads (a progress bar) is read as before.
        """
        file: Any = self._stream
        if not self._is_file or type(file) not in _PLAIN_FILE_TYPES:
            return None
        try:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                return None  # a pipe, a socket, a device: read as a stream
            # Bytes written through the file object and still in its buffer ("r+b") must
            # reach the file first, as reading it would make them.
            file.flush()
        except (OSError, ValueError):  # (ValueError: a closed file, which reading reports)
            return None
        self._rewind_file()
        self._is_stream_consumed = True
        return file, file.tell()

    def _iter_file(self) -> Iterator[bytes]:
        read = self._stream.read  # type: ignore[attr-defined]
        chunk = read(self.CHUNK_SIZE)
        index = 0
        while chunk:
            if isinstance(chunk, str):
                raise TypeError(_TEXT_FILE_MESSAGE)
            yield _as_bytes_chunk(chunk, index)
            index += 1
            chunk = read(self.CHUNK_SIZE)


class AsyncIteratorByteStream(AsyncByteStream):
    """A body streamed from an async iterable of bytes (or an object with async `aread`).

    Async iterators and async generators are one-shot: a second pass raises
    StreamConsumed. Objects with `aread` are read AsyncIteratorByteStream.CHUNK_SIZE
    bytes at a time and are treated as one-shot too.
    """

    CHUNK_SIZE = FILE_CHUNK_SIZE

    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream
        self._has_aread = callable(getattr(stream, "aread", None))
        self._is_one_shot = (
            self._has_aread or isinstance(stream, AsyncIterator) or inspect.isasyncgen(stream)
        )
        self._is_stream_consumed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._is_one_shot and self._is_stream_consumed:
            raise StreamConsumed()
        self._is_stream_consumed = True
        if self._has_aread:
            aread = self._stream.aread  # type: ignore[attr-defined]
            chunk = await aread(self.CHUNK_SIZE)
            index = 0
            while chunk:
                yield _as_bytes_chunk(chunk, index)
                index += 1
                chunk = await aread(self.CHUNK_SIZE)
            return
        iterator = aiter(self._stream)
        index = -1
        try:
            async for chunk in iterator:
                index += 1
                if chunk:
                    yield _as_bytes_chunk(chunk, index)
        finally:
            # If we stop early (bad chunk, send failure), finalise the caller's async
            # generator now, in this task, rather than leaving it to the garbage collector.
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()


class UnattachedStream(AsyncByteStream, SyncByteStream):
    """Stands in for a stream that is gone, e.g. in an unpickled request or response."""

    def __iter__(self) -> Iterator[bytes]:
        raise StreamClosed()
        yield b""  # pragma: no cover - makes this a generator

    async def __aiter__(self) -> AsyncIterator[bytes]:
        raise StreamClosed()
        yield b""  # pragma: no cover - makes this an async generator


def _encode_content(
    content: RequestContent | ResponseContent,
) -> tuple[dict[str, str], SyncByteStream | AsyncByteStream]:
    if isinstance(content, (bytes, str, bytearray, memoryview)):
        body = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        # An empty body gets no Content-Length here; the request model adds
        # "Content-Length: 0" itself for methods that carry a body, as httpx does.
        headers = {"Content-Length": str(len(body))} if body else {}
        return headers, ByteStream(body)
    if isinstance(content, Mapping):
        # Iterable, so it would otherwise be streamed as its keys (an easy mistake for
        # data= or json=): refused, as httpx does.
        raise TypeError(f"Unexpected type for 'content', {type(content)}")
    if is_sync_file(content):
        # A binary file object, streamed with read(); sized if its size is knowable.
        stream = IteratorByteStream(content)  # type: ignore[arg-type]
        length = peek_remaining_length(content)
        if length is None:
            return {"Transfer-Encoding": "chunked"}, stream
        return {"Content-Length": str(length)}, stream
    if isinstance(content, Iterable):
        return {"Transfer-Encoding": "chunked"}, IteratorByteStream(content)
    if isinstance(content, AsyncIterable):
        return {"Transfer-Encoding": "chunked"}, AsyncIteratorByteStream(content)
    raise TypeError(f"Unexpected type for 'content', {type(content)}")


def _encode_urlencoded_data(data: RequestData) -> tuple[dict[str, str], ByteStream]:
    # Sequence values repeat the key (a=1&a=2), as HTML forms do. bytes values are
    # percent-encoded as they are; other values go through the primitive conversion
    # (True -> "true", None -> "").
    fields: list[tuple[str, str | bytes]] = []
    for key, value in data.items():
        for item in value if isinstance(value, (list, tuple)) else (value,):
            fields.append((key, item if isinstance(item, bytes) else primitive_value_to_str(item)))
    body = urlencode(fields).encode("ascii")
    headers = {
        "Content-Length": str(len(body)),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return headers, ByteStream(body)


def _encode_json(json: Any) -> tuple[dict[str, str], ByteStream]:
    # Compact, UTF-8, and strict: NaN/Infinity are not JSON (RFC 8259 §6).
    body = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    encoded = body.encode("utf-8")
    headers = {"Content-Length": str(len(encoded)), "Content-Type": "application/json"}
    return headers, ByteStream(encoded)


def _encode_text(text: str, content_type: str) -> tuple[dict[str, str], ByteStream]:
    body = text.encode("utf-8")
    headers = {"Content-Length": str(len(body)), "Content-Type": content_type}
    return headers, ByteStream(body)


def encode_request(
    content: RequestContent | None = None,
    data: RequestData | None = None,
    files: RequestFiles | None = None,
    json: Any | None = None,
    boundary: bytes | None = None,
) -> tuple[dict[str, str], SyncByteStream | AsyncByteStream]:
    """Headers to add and the body stream for a request's body arguments.

    Precedence as in httpx 0.28: content, then files (multipart, with data as extra
    fields), then data (urlencoded form), then json; none of them means an empty body.
    """
    if data is not None and not isinstance(data, Mapping):
        if files:
            # requests also rejects this; otherwise the files would be silently dropped.
            raise TypeError(
                f"Invalid type for 'data' alongside 'files': expected a mapping of form "
                f"fields, got {type(data).__name__}"
            )
        # requests-style data=<bytes|str|iterable>: still supported, but deprecated.
        warnings.warn(
            "Use 'content=<...>' to upload raw bytes/text content.",
            DeprecationWarning,
            stacklevel=2,
        )
        return _encode_content(data)

    if content is not None:
        return _encode_content(content)
    if files:
        multipart = MultipartStream(data=data or {}, files=files, boundary=boundary)
        return multipart.get_headers(), multipart
    if data:
        return _encode_urlencoded_data(data)
    if json is not None:
        return _encode_json(json)
    return {}, ByteStream(b"")


def encode_response(
    content: ResponseContent | None = None,
    text: str | None = None,
    html: str | None = None,
    json: Any | None = None,
) -> tuple[dict[str, str], SyncByteStream | AsyncByteStream]:
    """Headers to add and the body stream for a response's body arguments.

    Precedence as in httpx 0.28: content, text, html, json; none means an empty body.
    """
    if content is not None:
        return _encode_content(content)
    if text is not None:
        return _encode_text(text, "text/plain; charset=utf-8")
    if html is not None:
        return _encode_text(html, "text/html; charset=utf-8")
    if json is not None:
        return _encode_json(json)
    return {}, ByteStream(b"")
