"""multipart/form-data request bodies (RFC 7578), streamed part by part.

Also home to the small file-object helpers (size peeking, text-mode checks) that the
plain-content encoder in `_content` shares with us.
"""

from __future__ import annotations

import inspect
import io
import mimetypes
import os
import re
import stat
import typing
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

from ._exceptions import StreamConsumed
from ._primitives import primitive_value_to_str
from ._types import AsyncByteStream, FileTypes, RequestData, RequestFiles, SyncByteStream

__all__ = [
    "FILE_CHUNK_SIZE",
    "MultipartStream",
    "boundary_from_content_type",
    "is_sync_file",
    "is_text_file",
    "peek_file_size",
    "peek_remaining_length",
]

# How much we read from an upload file at a time: files are streamed, never slurped.
FILE_CHUNK_SIZE = 64 * 1024


# WHATWG HTML, "multipart/form-data encoding algorithm": in field names and filenames,
# '"' becomes %22 and LF/CR become %0A/%0D, so a value can neither end its quoted-string
# nor its header line. We percent-encode the other C0 controls as well, and double the
# backslash (the quoted-pair escape of RFC 9110 §5.6.4) as httpx does, so that parsers
# which unescape quoted-strings read the original name back.
_PARAM_ESCAPE_RE = re.compile(r'["\\\x00-\x1f]')


def _escape_param_char(match: re.Match[str]) -> str:
    char = match.group(0)
    return "\\\\" if char == "\\" else f"%{ord(char):02X}"


def _format_param(name: str, value: str) -> bytes:
    return f'{name}="{_PARAM_ESCAPE_RE.sub(_escape_param_char, value)}"'.encode()


# Boundaries made only of RFC 9110 section 5.6.2 tchars may appear unquoted.
_TOKEN_RE = re.compile(rb"[0-9A-Za-z!#$%&'*+\-.^_`|~]+")

_TEXT_MODE_MESSAGE = "Multipart file uploads must be opened in binary mode, not text mode."


def is_text_file(obj: object) -> bool:
    """Whether `obj` is a file object that reads str rather than bytes."""
    return isinstance(obj, io.TextIOBase)


def is_sync_file(obj: object) -> bool:
    """Whether `obj` is a file-like object with a plain (not async) read() method.

    Async files (anyio.AsyncFile, aiofiles) have a coroutine read(); they are async
    iterables and are streamed as such instead.
    """
    read = getattr(obj, "read", None)
    return callable(read) and not inspect.iscoroutinefunction(read)


def peek_file_size(fileobj: Any) -> int | None:
    """Total size in bytes of a file-like object, if it can be known without reading it.

    A regular file's size comes from fstat. Pipes, sockets and ttys also have a fileno,
    but their st_size means nothing, so they get None (and the body goes out chunked).
    Objects without a file descriptor that can seek (io.BytesIO, ...) are measured by
    seeking to the end and back.
    """
    try:
        file_stat = os.fstat(fileobj.fileno())
    except (AttributeError, OSError, ValueError):
        pass
    else:
        return file_stat.st_size if stat.S_ISREG(file_stat.st_mode) else None
    try:
        seekable = getattr(fileobj, "seekable", None)
        if seekable is not None and not seekable():
            return None
        position = fileobj.tell()
        end = fileobj.seek(0, os.SEEK_END)
        fileobj.seek(position)
    except (AttributeError, OSError, ValueError):
        return None
    return end if isinstance(end, int) else None


def peek_remaining_length(fileobj: Any) -> int | None:
    """Bytes left between a file's current position and its end, if knowable."""
    size = peek_file_size(fileobj)
    if size is None:
        return None
    try:
        position = fileobj.tell()
    except (AttributeError, OSError, ValueError):
        return None
    return max(size - position, 0) if isinstance(position, int) else None


def _check_header_text(field: str, what: str, text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(
            f"Invalid {what} for multipart field {field!r}: expected str, got "
            f"{type(text).__name__}"
        )
    # httpx writes these as they are; a CR or LF would end the part's header line and
    # let the value inject headers (or a whole part) of its own.
    if "\r" in text or "\n" in text:
        raise ValueError(f"Invalid {what} for multipart field {field!r}: contains CR or LF")
    return text


def _check_file_field_name(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(
            f"Invalid type for multipart field name: expected str, got "
            f"{type(name).__name__}: {name!r}"
        )
    return name


class _Part:
    """One body part: its header block, then either in-memory bytes or a file."""

    def __init__(self, headers: bytes, body: bytes | None, file: Any = None) -> None:
        self.headers = headers  # up to and including the blank line
        self.body = body
        self.file = file
        self._streamed = False

    def length(self) -> int | None:
        if self.body is not None:
            return len(self.headers) + len(self.body)
        file_size = peek_file_size(self.file)
        return None if file_size is None else len(self.headers) + file_size

    def iter_file(self) -> Iterator[bytes]:
        """Stream the file from its start, FILE_CHUNK_SIZE bytes at a time."""
        file = self.file
        try:
            file.seek(0)
        except (AttributeError, OSError, ValueError):
            # Cannot rewind: fine the first time (send from where it stands), but a
            # second pass would silently send an empty part.
            if self._streamed:
                raise StreamConsumed() from None
        self._streamed = True
        chunk = file.read(FILE_CHUNK_SIZE)
        while chunk:
            if isinstance(chunk, str):
                raise TypeError(_TEXT_MODE_MESSAGE)
            yield chunk if isinstance(chunk, bytes) else bytes(chunk)
            chunk = file.read(FILE_CHUNK_SIZE)


def _data_parts(data: RequestData) -> Iterator[_Part]:
    if not isinstance(data, Mapping):
        raise TypeError(
            f"Invalid type for 'data' alongside 'files': expected a mapping of form "
            f"fields, got {type(data).__name__}"
        )
    for name, value in data.items():
        # A list or tuple gives one part per item (one level: items are primitives).
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            yield _data_part(name, item)


def _data_part(name: object, value: object) -> _Part:
    # The checks and messages of httpx's form fields.
    if not isinstance(name, str):
        raise TypeError(f"Invalid type for name. Expected str, got {type(name)}: {name!r}")
    if value is not None and not isinstance(value, (str, bytes, int, float)):
        raise TypeError(
            f"Invalid type for value. Expected primitive type, got {type(value)}: {value!r}"
        )
    body = value if isinstance(value, bytes) else primitive_value_to_str(value).encode()
    headers = b"Content-Disposition: form-data; " + _format_param("name", name) + b"\r\n\r\n"
    return _Part(headers, body)


def _file_fields(files: RequestFiles) -> Iterator[_FileField]:
    items = files.items() if isinstance(files, Mapping) else files
    for item in items:
        try:
            name, value = item
        except (TypeError, ValueError) as exc:
            # Same exception class as unpacking the item would give, with its context.
            raise type(exc)(
                f"Invalid item in 'files': expected (name, file) pairs, got {item!r}"
            ) from None
        yield _FileField(name, value)


class _FileField:
    """One `files=` entry, checked in the three steps httpx takes.

    httpx checks some things when it collects the fields, others when it renders their
    headers (all fields, for the Content-Length), and the file content last. Which error
    a request with several faults raises depends on that order, so we keep it: each step
    runs for every field before the next step starts.
    """

    def __init__(self, name: object, value: FileTypes) -> None:
        self.name = name
        self.content_type: object = None
        self.extra_headers: object = {}
        if isinstance(value, tuple):
            # The requests-style tuples: (filename, file[, content_type[, headers]]).
            if not 2 <= len(value) <= 4:
                raise ValueError(
                    f"Invalid file tuple for multipart field {name!r}: expected (filename, "
                    f"file), (filename, file, content_type) or (filename, file, "
                    f"content_type, headers), got a tuple of length {len(value)}"
                )
            self.filename: object = value[0]
            self.content: object = value[1]
            if len(value) >= 3:
                self.content_type = value[2]
            if len(value) == 4:
                self.extra_headers = value[3]
        else:
            self.filename = Path(str(getattr(value, "name", "upload"))).name
            self.content = value

        if self.content_type is None and self.filename:
            # RFC 7578 section 4.4: the type of the file, else application/octet-stream.
            if not isinstance(self.filename, str):
                self._filename_error()
            guessed = mimetypes.guess_type(self.filename)[0]
            self.content_type = guessed or "application/octet-stream"

        if isinstance(self.content, io.StringIO):
            raise TypeError("Multipart file uploads require 'io.BytesIO', not 'io.StringIO'.")
        if is_text_file(self.content):
            raise TypeError(_TEXT_MODE_MESSAGE)
        if not isinstance(self.extra_headers, Mapping):
            raise TypeError(
                f"Invalid headers for multipart field {name!r}: expected a mapping, got "
                f"{type(self.extra_headers).__name__}"
            )

    def _filename_error(self) -> typing.NoReturn:
        # (CR/LF in a filename are fine: _format_param percent-encodes them.)
        raise TypeError(
            f"Invalid filename for multipart field {self.name!r}: expected str or None, "
            f"got {type(self.filename).__name__}"
        )

    def render_headers(self) -> bytes:
        name = _check_file_field_name(self.name)
        head = [b"Content-Disposition: form-data; ", _format_param("name", name)]
        if self.filename:
            if not isinstance(self.filename, str):
                self._filename_error()
            head += [b"; ", _format_param("filename", self.filename)]
        assert isinstance(self.extra_headers, Mapping)
        headers: dict[str, str] = {
            _check_header_text(name, "header name", key): _check_header_text(
                name, "header value", header_value
            )
            for key, header_value in self.extra_headers.items()
        }
        # An explicit Content-Type header (any case) wins over the tuple's or the guess.
        if self.content_type is not None and not any(
            key.lower() == "content-type" for key in headers
        ):
            headers["Content-Type"] = _check_header_text(name, "content type", self.content_type)
        for key, header_value in headers.items():
            head.append(f"\r\n{key}: {header_value}".encode())
        head.append(b"\r\n\r\n")
        return b"".join(head)

    def to_part(self, rendered_headers: bytes) -> _Part:
        content = self.content
        if isinstance(content, str):
            return _Part(rendered_headers, content.encode())
        if isinstance(content, bytes):
            return _Part(rendered_headers, content)
        if is_sync_file(content):
            return _Part(rendered_headers, None, content)
        # httpx accepts the request and fails reading the body; we fail before any I/O.
        raise TypeError(
            f"Invalid file content for multipart field {self.name!r}: expected a binary "
            f"file object, bytes or str, got {type(content).__name__}"
        )


def boundary_from_content_type(content_type: str | None) -> bytes | None:
    """The boundary a caller chose in a ``multipart/form-data`` Content-Type, as httpx
    reads it: the first ``;``-separated parameter named ``boundary`` (any case), its
    value taken as written with surrounding quotes removed. Anything else: None."""
    if not content_type or not content_type.startswith("multipart/form-data"):
        return None
    if ";" in content_type:
        for section in content_type.split(";"):
            section = section.strip()
            if section.lower().startswith("boundary="):
                boundary = section[len("boundary=") :].strip('"')
                if not boundary.isascii():
                    raise ValueError(
                        f"Invalid multipart boundary {boundary!r}: it must be ASCII "
                        "(RFC 2046 section 5.1.1)."
                    )
                return boundary.encode("ascii")
    return None


def _check_boundary(boundary: bytes) -> bytes:
    # Used as given (as httpx does), but a CR or LF would break the body's framing.
    if b"\r" in boundary or b"\n" in boundary:
        raise ValueError(f"Invalid multipart boundary {boundary!r}: contains CR or LF")
    return boundary


class MultipartStream(SyncByteStream, AsyncByteStream):
    """A multipart/form-data body (RFC 7578) for `data` fields and `files`.

    Files are read FILE_CHUNK_SIZE bytes at a time while the body is sent. Every pass
    rewinds seekable files to their start, so the body can be sent again (redirects,
    auth retries); a pass that cannot rewind a file it already sent raises
    StreamConsumed instead of sending an empty part.
    """

    def __init__(
        self, data: RequestData, files: RequestFiles, boundary: bytes | None = None
    ) -> None:
        # 128 random bits: the boundary must not occur in any part (RFC 2046 §5.1.1).
        self.boundary = (
            os.urandom(16).hex().encode("ascii") if boundary is None else _check_boundary(boundary)
        )
        data_parts = list(_data_parts(data))
        file_fields = list(_file_fields(files))
        file_headers = [field.render_headers() for field in file_fields]
        self._parts = data_parts + [
            field.to_part(headers)
            for field, headers in zip(file_fields, file_headers, strict=True)
        ]

    @property
    def content_type(self) -> str:
        boundary = self.boundary.decode("ascii")
        if not _TOKEN_RE.fullmatch(self.boundary):
            # RFC 2046 section 5.1.1: a boundary that is not a token must be quoted. (Only
            # reachable with a boundary given here directly: one taken from a request's
            # Content-Type is already written there, and our own are hex.)
            boundary = f'"{boundary}"'
        return f"multipart/form-data; boundary={boundary}"

    def get_content_length(self) -> int | None:
        """The body size, or None if some file's size cannot be known in advance."""
        # Per part: b"--" boundary b"\r\n" <part> b"\r\n"; then b"--" boundary b"--\r\n".
        boundary_length = len(self.boundary)
        total = boundary_length + 6
        for part in self._parts:
            part_length = part.length()
            if part_length is None:
                return None
            total += boundary_length + 6 + part_length
        return total

    def get_headers(self) -> dict[str, str]:
        content_length = self.get_content_length()
        if content_length is None:
            return {"Transfer-Encoding": "chunked", "Content-Type": self.content_type}
        return {"Content-Length": str(content_length), "Content-Type": self.content_type}

    def iter_chunks(self) -> Iterator[bytes]:
        # Small framing pieces are gathered and sent together; file chunks (and large
        # in-memory bodies) go out on their own, so nothing large is ever copied.
        delimiter = b"--" + self.boundary + b"\r\n"
        pending: list[bytes] = []
        for part in self._parts:
            pending += [delimiter, part.headers]
            if part.body is not None and len(part.body) < FILE_CHUNK_SIZE:
                pending.append(part.body)
            else:
                yield b"".join(pending)
                pending = []
                if part.body is not None:
                    yield part.body
                else:
                    yield from part.iter_file()
            pending.append(b"\r\n")
        pending.append(b"--" + self.boundary + b"--\r\n")
        yield b"".join(pending)

    def __iter__(self) -> Iterator[bytes]:
        yield from self.iter_chunks()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.iter_chunks():
            yield chunk
