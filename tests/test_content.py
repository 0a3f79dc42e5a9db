"""Request/response body encoding and the body stream classes."""

from __future__ import annotations

import io
import json
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from httpx._content import (
    AsyncIteratorByteStream,
    ByteStream,
    IteratorByteStream,
    UnattachedStream,
    encode_request,
    encode_response,
)
from httpx._exceptions import StreamClosed, StreamConsumed
from httpx._multipart import MultipartStream
from httpx._types import AsyncByteStream, SyncByteStream


def sync_body(stream: SyncByteStream | AsyncByteStream) -> bytes:
    assert isinstance(stream, SyncByteStream)
    return b"".join(stream)


async def async_body(stream: SyncByteStream | AsyncByteStream) -> bytes:
    assert isinstance(stream, AsyncByteStream)
    return b"".join([chunk async for chunk in stream])


class RecordingReader:
    """A non-seekable binary file-like object that records the size of each read()."""

    def __init__(self, data: bytes) -> None:
        self._buffer = io.BytesIO(data)
        self.read_sizes: list[int] = []

    def read(self, size: int = -1) -> bytes:
        self.read_sizes.append(size)
        return self._buffer.read(size)


# --- content= -------------------------------------------------------------------------


def test_bytes_content() -> None:
    headers, stream = encode_request(content=b"Hello, world!")
    assert headers == {"Content-Length": "13"}
    assert isinstance(stream, ByteStream)
    assert sync_body(stream) == b"Hello, world!"
    assert sync_body(stream) == b"Hello, world!"  # replayable


def test_str_content_is_utf8_and_length_counts_bytes() -> None:
    headers, stream = encode_request(content="héllo")
    assert headers == {"Content-Length": "6"}
    assert sync_body(stream) == "héllo".encode()


def test_bytearray_and_memoryview_content_are_copied_as_bytes() -> None:
    buffer = bytearray(b"abc")
    headers, stream = encode_request(content=buffer)  # type: ignore[arg-type]
    buffer[0] = ord("X")  # later mutation must not change the body
    assert headers == {"Content-Length": "3"}
    assert sync_body(stream) == b"abc"
    assert sync_body(encode_request(content=memoryview(b"xyz"))[1]) == b"xyz"


def test_empty_content_has_no_headers() -> None:
    headers, stream = encode_request(content=b"")
    assert headers == {}
    assert sync_body(stream) == b""


def test_generator_content_is_chunked_and_one_shot() -> None:
    def gen() -> Iterator[bytes]:
        yield b"Hello, "
        yield b""
        yield b"world!"

    headers, stream = encode_request(content=gen())
    assert headers == {"Transfer-Encoding": "chunked"}
    assert isinstance(stream, IteratorByteStream)
    assert list(stream) == [b"Hello, ", b"world!"]  # empty chunks are dropped
    with pytest.raises(StreamConsumed):
        list(stream)


def test_one_shot_iterator_content_raises_on_second_pass() -> None:
    headers, stream = encode_request(content=iter([b"a", b"b"]))
    assert headers == {"Transfer-Encoding": "chunked"}
    assert sync_body(stream) == b"ab"
    with pytest.raises(StreamConsumed):
        sync_body(stream)


def test_reiterable_content_can_be_replayed() -> None:
    headers, stream = encode_request(content=[b"a", b"b"])
    assert headers == {"Transfer-Encoding": "chunked"}
    assert sync_body(stream) == b"ab"
    assert sync_body(stream) == b"ab"


def test_iterator_yielding_str_is_a_type_error() -> None:
    # The message is httpx 0.28's (from b"".join), counting every chunk.
    _, stream = encode_request(content=[b"", b"a", "text"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="sequence item 2: expected a bytes-like object, str"):
        sync_body(stream)


def test_iterator_yielding_ints_is_a_type_error() -> None:
    _, stream = encode_request(content=[1, 2])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="expected a bytes-like object, int found"):
        sync_body(stream)


def test_bytesio_content_has_content_length_and_streams_in_chunks() -> None:
    data = os.urandom(200_000)
    headers, stream = encode_request(content=io.BytesIO(data))
    assert headers == {"Content-Length": "200000"}
    assert isinstance(stream, IteratorByteStream)
    chunks = list(stream)
    assert b"".join(chunks) == data
    assert [len(chunk) for chunk in chunks] == [65536, 65536, 65536, 3392]


def test_file_content_is_read_in_bounded_chunks_never_whole() -> None:
    reader = RecordingReader(b"x" * 300_000)
    headers, stream = encode_request(content=reader)  # type: ignore[arg-type]
    assert headers == {"Transfer-Encoding": "chunked"}  # size unknowable
    assert sync_body(stream) == b"x" * 300_000
    assert reader.read_sizes and all(size == 65536 for size in reader.read_sizes)
    with pytest.raises(StreamConsumed):  # cannot rewind: no silent empty second pass
        sync_body(stream)


def test_real_file_content_length_from_fstat_and_rewound_on_replay(tmp_path: Path) -> None:
    path = tmp_path / "upload.bin"
    path.write_bytes(b"0123456789" * 10_000)
    with path.open("rb") as file:
        file.seek(30)  # only the rest of the file is sent
        headers, stream = encode_request(content=file)
        assert headers == {"Content-Length": str(100_000 - 30)}
        first = sync_body(stream)
        assert first == path.read_bytes()[30:]
        assert sync_body(stream) == first  # rewound to where the first pass began


def test_pipe_content_is_chunked_not_sized_by_fstat() -> None:
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"piped data")
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        headers, stream = encode_request(content=pipe)
        assert headers == {"Transfer-Encoding": "chunked"}
        assert sync_body(stream) == b"piped data"


def test_text_mode_file_content_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("hello")
    with path.open("r") as file:
        with pytest.raises(TypeError, match="text mode"):
            encode_request(content=file)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="text mode"):
        encode_request(content=io.StringIO("hello"))  # type: ignore[arg-type]


def test_file_like_returning_str_is_rejected_while_streaming() -> None:
    class TextReader:
        def read(self, size: int = -1) -> str:
            return "text"

    _, stream = encode_request(content=TextReader())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="text mode"):
        sync_body(stream)


def test_dict_content_is_refused() -> None:
    with pytest.raises(TypeError, match="Unexpected type for 'content', <class 'dict'>"):
        encode_request(content={"a": 1})  # type: ignore[dict-item]


@pytest.mark.parametrize("bad", [123, 1.5, object()])
def test_bad_content_type_is_named(bad: Any) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__):
        encode_request(content=bad)


@pytest.mark.anyio
async def test_async_generator_content_is_chunked_and_one_shot() -> None:
    async def agen() -> AsyncIterator[bytes]:
        yield b"Hello, "
        yield b"world!"

    headers, stream = encode_request(content=agen())
    assert headers == {"Transfer-Encoding": "chunked"}
    assert isinstance(stream, AsyncIteratorByteStream)
    assert await async_body(stream) == b"Hello, world!"
    with pytest.raises(StreamConsumed):
        await async_body(stream)


@pytest.mark.anyio
async def test_async_reiterable_content_can_be_replayed() -> None:
    class Chunks:
        def __aiter__(self) -> AsyncIterator[bytes]:
            return self._gen()

        async def _gen(self) -> AsyncIterator[bytes]:
            yield b"a"
            yield b"b"

    _, stream = encode_request(content=Chunks())
    assert await async_body(stream) == b"ab"
    assert await async_body(stream) == b"ab"


@pytest.mark.anyio
async def test_async_iterator_yielding_str_is_a_type_error() -> None:
    async def agen() -> AsyncIterator[str]:
        yield "oops"

    _, stream = encode_request(content=agen())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected a bytes-like object, str found"):
        await async_body(stream)


@pytest.mark.anyio
async def test_async_stream_with_aread_is_read_in_chunks() -> None:
    class AsyncReader:
        def __init__(self, data: bytes) -> None:
            self._buffer = io.BytesIO(data)
            self.read_sizes: list[int] = []

        async def aread(self, size: int) -> bytes:
            self.read_sizes.append(size)
            return self._buffer.read(size)

        def __aiter__(self) -> AsyncIterator[bytes]:
            raise AssertionError("aread should be used")

    reader = AsyncReader(b"y" * 150_000)
    stream = AsyncIteratorByteStream(reader)
    assert await async_body(stream) == b"y" * 150_000
    assert reader.read_sizes == [65536] * 4
    with pytest.raises(StreamConsumed):
        await async_body(stream)


@pytest.mark.anyio
async def test_async_file_is_streamed_as_an_async_iterable(tmp_path: Path) -> None:
    path = tmp_path / "async.bin"
    path.write_bytes(b"line one\nline two\n")
    async with await anyio.open_file(path, "rb") as file:
        headers, stream = encode_request(content=file)
        assert headers == {"Transfer-Encoding": "chunked"}
        assert await async_body(stream) == b"line one\nline two\n"


# --- data= ----------------------------------------------------------------------------


def test_urlencoded_data() -> None:
    headers, stream = encode_request(
        data={
            "name": "Jöhn Doe",
            "tags": ["a", "b & c"],
            "flag": True,
            "off": False,
            "none": None,
            "num": 1.5,
            "raw": b"\xff",
        }
    )
    body = sync_body(stream)
    assert body == (
        b"name=J%C3%B6hn+Doe&tags=a&tags=b+%26+c&flag=true&off=false&none=&num=1.5&raw=%FF"
    )
    assert headers == {
        "Content-Length": str(len(body)),
        "Content-Type": "application/x-www-form-urlencoded",
    }


def test_raw_data_is_deprecated_but_sent_as_content() -> None:
    with pytest.warns(DeprecationWarning, match=r"Use 'content=<\.\.\.>' to upload raw"):
        headers, stream = encode_request(data=b"raw bytes")  # type: ignore[arg-type]
    assert headers == {"Content-Length": "9"}
    assert sync_body(stream) == b"raw bytes"
    with pytest.warns(DeprecationWarning):
        headers, stream = encode_request(data="text")  # type: ignore[arg-type]
    assert sync_body(stream) == b"text"
    with pytest.warns(DeprecationWarning):
        headers, stream = encode_request(data=iter([b"a", b"b"]))  # type: ignore[arg-type]
    assert headers == {"Transfer-Encoding": "chunked"}


def test_raw_data_with_files_is_rejected_not_silently_dropped() -> None:
    with pytest.raises(TypeError, match="mapping"):
        encode_request(data=b"raw", files={"f": b"x"})  # type: ignore[arg-type]


def test_empty_data_falls_through_to_json() -> None:
    headers, stream = encode_request(data={}, json={"a": 1})
    assert headers["Content-Type"] == "application/json"
    assert sync_body(stream) == b'{"a":1}'


# --- files= ---------------------------------------------------------------------------


def test_files_give_multipart_with_content_length() -> None:
    headers, stream = encode_request(
        data={"field": "value"}, files={"upload": ("a.txt", b"abc")}, boundary=b"XyZ"
    )
    assert isinstance(stream, MultipartStream)
    body = sync_body(stream)
    assert headers == {
        "Content-Length": str(len(body)),
        "Content-Type": "multipart/form-data; boundary=XyZ",
    }
    assert body.startswith(b"--XyZ\r\n") and body.endswith(b"--XyZ--\r\n")


def test_files_with_unknown_size_are_chunked() -> None:
    headers, stream = encode_request(files={"upload": RecordingReader(b"abc")})  # type: ignore[dict-item]
    assert headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in headers
    assert headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b"abc" in sync_body(stream)


def test_empty_files_fall_back_to_urlencoded() -> None:
    headers, _ = encode_request(data={"a": "b"}, files={})
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"


# --- json= ----------------------------------------------------------------------------


def test_json_is_compact_utf8() -> None:
    value = {"greeting": "héllo ✓", "list": [1, 2.5, None, True]}
    headers, stream = encode_request(json=value)
    body = sync_body(stream)
    assert body == '{"greeting":"héllo ✓","list":[1,2.5,null,true]}'.encode()
    assert headers == {"Content-Length": str(len(body)), "Content-Type": "application/json"}
    assert json.loads(body) == value


@pytest.mark.parametrize("falsy", [0, False, "", [], {}])
def test_falsy_json_values_are_still_sent(falsy: Any) -> None:
    headers, stream = encode_request(json=falsy)
    assert sync_body(stream) == json.dumps(falsy).encode()
    assert headers["Content-Type"] == "application/json"


def test_json_rejects_nan_and_unserialisable() -> None:
    with pytest.raises(ValueError):
        encode_request(json={"x": float("nan")})
    with pytest.raises(TypeError):
        encode_request(json={"x": object()})


# --- precedence and nothing -------------------------------------------------------------


def test_no_body_arguments() -> None:
    headers, stream = encode_request()
    assert headers == {}
    assert isinstance(stream, ByteStream)
    assert sync_body(stream) == b""


def test_content_wins_over_data_files_and_json() -> None:
    headers, stream = encode_request(
        content=b"raw", data={"a": "b"}, files={"f": b"x"}, json={"j": 1}
    )
    assert headers == {"Content-Length": "3"}
    assert sync_body(stream) == b"raw"


def test_files_win_over_json_and_data_wins_over_json() -> None:
    headers, _ = encode_request(files={"f": b"x"}, json={"j": 1})
    assert headers["Content-Type"].startswith("multipart/form-data")
    headers, _ = encode_request(data={"a": "b"}, json={"j": 1})
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"


# --- responses --------------------------------------------------------------------------


def test_response_text_html_json() -> None:
    headers, stream = encode_response(text="héllo")
    assert headers == {"Content-Length": "6", "Content-Type": "text/plain; charset=utf-8"}
    assert sync_body(stream) == "héllo".encode()

    headers, stream = encode_response(html="<p>hi</p>")
    assert headers == {"Content-Length": "9", "Content-Type": "text/html; charset=utf-8"}
    assert sync_body(stream) == b"<p>hi</p>"

    headers, stream = encode_response(json={"ok": True})
    assert headers == {"Content-Length": "11", "Content-Type": "application/json"}
    assert sync_body(stream) == b'{"ok":true}'


def test_response_empty_text_still_has_content_type_and_length() -> None:
    headers, stream = encode_response(text="")
    assert headers == {"Content-Length": "0", "Content-Type": "text/plain; charset=utf-8"}
    assert sync_body(stream) == b""


def test_response_content_kinds() -> None:
    headers, stream = encode_response(content=b"abc")
    assert headers == {"Content-Length": "3"}
    assert sync_body(stream) == b"abc"
    headers, stream = encode_response(content="é")
    assert headers == {"Content-Length": "2"}
    headers, stream = encode_response(content=iter([b"a", b"b"]))
    assert headers == {"Transfer-Encoding": "chunked"}
    assert sync_body(stream) == b"ab"
    headers, stream = encode_response(content=io.BytesIO(b"file"))
    assert headers == {"Content-Length": "4"}
    assert sync_body(stream) == b"file"
    with pytest.raises(TypeError):
        encode_response(content={"a": 1})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="int"):
        encode_response(content=5)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_response_async_content() -> None:
    async def agen() -> AsyncIterator[bytes]:
        yield b"async"

    headers, stream = encode_response(content=agen())
    assert headers == {"Transfer-Encoding": "chunked"}
    assert await async_body(stream) == b"async"


def test_response_precedence_and_nothing() -> None:
    headers, stream = encode_response(content=b"c", text="t", html="h", json=1)
    assert sync_body(stream) == b"c"
    headers, stream = encode_response(text="t", html="h", json=1)
    assert headers["Content-Type"].startswith("text/plain")
    headers, stream = encode_response(html="h", json=1)
    assert headers["Content-Type"].startswith("text/html")
    headers, stream = encode_response()
    assert headers == {}
    assert sync_body(stream) == b""


# --- stream classes ---------------------------------------------------------------------


@pytest.mark.anyio
async def test_byte_stream_is_sync_and_async_and_replayable() -> None:
    stream = ByteStream(b"data")
    assert list(stream) == [b"data"]
    assert [chunk async for chunk in stream] == [b"data"]
    assert [chunk async for chunk in stream] == [b"data"]


@pytest.mark.anyio
async def test_unattached_stream_raises_stream_closed() -> None:
    stream = UnattachedStream()
    with pytest.raises(StreamClosed):
        list(stream)
    with pytest.raises(StreamClosed):
        [chunk async for chunk in stream]
