"""multipart/form-data bodies: exact bytes, well-formedness, streaming and bad input."""

from __future__ import annotations

import email.parser
import email.policy
import io
import os
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from httpx._exceptions import StreamConsumed
from httpx._multipart import FILE_CHUNK_SIZE, MultipartStream, boundary_from_content_type


def parse(stream: MultipartStream) -> list[EmailMessage]:
    """Parse a body with the stdlib email parser, as a server-side sanity check."""
    body = b"".join(stream)
    raw = b"Content-Type: " + stream.content_type.encode() + b"\r\n\r\n" + body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    assert message.is_multipart()
    assert not message.defects, message.defects
    parts = list(message.iter_parts())
    assert all(isinstance(part, EmailMessage) for part in parts)
    for part in parts:
        assert not part.defects, part.defects
    return parts  # type: ignore[return-value]


class RecordingReader:
    """A binary file-like object that records the size of every read() call."""

    def __init__(self, data: bytes, seekable: bool = True) -> None:
        self._buffer = io.BytesIO(data)
        self._seekable = seekable
        self.read_sizes: list[int] = []

    def read(self, size: int = -1) -> bytes:
        self.read_sizes.append(size)
        return self._buffer.read(size)

    def seekable(self) -> bool:
        return self._seekable

    def tell(self) -> int:
        return self._buffer.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        if not self._seekable:
            raise io.UnsupportedOperation("seek")
        return self._buffer.seek(offset, whence)


def test_exact_bytes_for_data_and_every_file_form() -> None:
    stream = MultipartStream(
        data={"a": "1", "b": ["x", b"y"], "c": True, "d": None, "e": 2.5},
        files=[
            ("plain", b"bytes body"),
            ("named", ("report.csv", b"1,2\n")),
            ("typed", ("pic.dat", b"\x89PNG", "image/png")),
            ("headers", ("h.txt", "text body", None, {"X-Extra": "1"})),
            ("override", ("o.txt", b"o", "text/plain", {"Content-Type": "text/x-custom"})),
            ("nameless", (None, b"anonymous")),
        ],
        boundary=b"BOUNDARY",
    )
    expected = (
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="a"\r\n\r\n1\r\n'
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="b"\r\n\r\nx\r\n'
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="b"\r\n\r\ny\r\n'
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="c"\r\n\r\ntrue\r\n'
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="d"\r\n\r\n\r\n'
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="e"\r\n\r\n2.5\r\n'
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="plain"; filename="upload"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\nbytes body\r\n"
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="named"; filename="report.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n1,2\n\r\n"
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="typed"; filename="pic.dat"\r\n'
        b"Content-Type: image/png\r\n\r\n\x89PNG\r\n"
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="headers"; filename="h.txt"\r\n'
        b"X-Extra: 1\r\nContent-Type: text/plain\r\n\r\ntext body\r\n"
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="override"; filename="o.txt"\r\n'
        b"Content-Type: text/x-custom\r\n\r\no\r\n"
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="nameless"\r\n\r\nanonymous\r\n'
        b"--BOUNDARY--\r\n"
    )
    assert b"".join(stream) == expected
    assert stream.get_headers() == {
        "Content-Length": str(len(expected)),
        "Content-Type": "multipart/form-data; boundary=BOUNDARY",
    }
    assert stream.get_content_length() == len(expected)


def test_parses_back_with_the_email_parser() -> None:
    stream = MultipartStream(
        data={"text": "héllo wörld", "multi": ["1", "2"]},
        files={"doc": ("notes.txt", b"line one\r\nline two\r\n", "text/plain")},
    )
    parts = parse(stream)
    assert [p.get_param("name", header="content-disposition") for p in parts] == [
        "text",
        "multi",
        "multi",
        "doc",
    ]
    assert parts[0].get_payload(decode=True) == "héllo wörld".encode()
    assert parts[3].get_filename() == "notes.txt"
    assert parts[3].get_content_type() == "text/plain"
    assert parts[3].get_payload(decode=True) == b"line one\r\nline two\r\n"


def test_random_boundary() -> None:
    first = MultipartStream(data={}, files={"f": b"x"})
    second = MultipartStream(data={}, files={"f": b"x"})
    assert len(first.boundary) == 32 and int(first.boundary, 16) >= 0
    assert first.boundary != second.boundary
    assert first.content_type == "multipart/form-data; boundary=" + first.boundary.decode()


def test_boundary_needing_quotes_is_quoted_in_content_type() -> None:
    stream = MultipartStream(data={"a": "b"}, files={}, boundary=b"a=b:c d")
    assert stream.content_type == 'multipart/form-data; boundary="a=b:c d"'
    assert parse(stream)[0].get_payload(decode=True) == b"b"


@pytest.mark.parametrize("boundary", [b"bad\r\nboundary", b"lf\n", b"\r"])
def test_boundary_breaking_the_framing_is_rejected(boundary: bytes) -> None:
    with pytest.raises(ValueError, match="boundary"):
        MultipartStream(data={}, files={}, boundary=boundary)


@pytest.mark.parametrize("boundary", [b"", b"x" * 71, b"ends with space ", b"semi;colon"])
def test_other_boundaries_are_used_as_given_like_httpx(boundary: bytes) -> None:
    stream = MultipartStream(data={}, files={}, boundary=boundary)
    assert b"".join(stream) == b"--" + boundary + b"--\r\n"


@pytest.mark.parametrize(
    ("content_type", "boundary"),
    [
        ('multipart/form-data; boundary="q b"', b"q b"),
        ("multipart/form-data;boundary=abc; charset=x", b"abc"),
        ("multipart/form-data; a=b; BOUNDARY=c", b"c"),
        ('multipart/form-data; boundary=a"b', b'a"b'),
        ('multipart/form-data; boundary=""', b""),
        ("multipart/form-data; boundary=abc;boundary=d", b"abc"),
        ("multipart/form-datax; boundary=abc", b"abc"),
        ("multipart/form-data; xboundary=abc", None),
        ("multipart/form-data; boundary = abc", None),
        ("Multipart/Form-Data; boundary=abc", None),
        ("multipart/mixed; boundary=abc", None),
        ("multipart/form-data", None),
        (None, None),
    ],
)
def test_boundary_from_content_type_reads_it_as_httpx_does(
    content_type: str | None, boundary: bytes | None
) -> None:
    assert boundary_from_content_type(content_type) == boundary


def test_non_ascii_boundary_in_content_type_is_rejected() -> None:
    with pytest.raises(ValueError, match="ASCII"):
        boundary_from_content_type("multipart/form-data; boundary=\u00fcn")


def test_no_fields_at_all() -> None:
    stream = MultipartStream(data={}, files={}, boundary=b"B")
    assert b"".join(stream) == b"--B--\r\n"
    assert stream.get_content_length() == 7


def test_filename_and_name_escaping_prevents_header_injection() -> None:
    evil = 'a"b\\c\r\nX-Injected: 1\x00.txt'
    stream = MultipartStream(data={'q"\n': "v"}, files={"f": (evil, b"data")}, boundary=b"B")
    body = b"".join(stream)
    assert b'name="q%22%0A"' in body
    assert b'filename="a%22b\\\\c%0D%0AX-Injected: 1%00.txt"' in body
    parts = parse(stream)
    assert parts[1].get("X-Injected") is None
    # The escaped backslash reads back as one backslash in a quoted-string.
    assert parts[1].get_filename() == "a%22b\\c%0D%0AX-Injected: 1%00.txt"


def test_unicode_filename_is_sent_as_utf8() -> None:
    stream = MultipartStream(data={}, files={"f": ("résumé.pdf", b"%PDF")}, boundary=b"B")
    body = b"".join(stream)
    assert 'filename="résumé.pdf"'.encode() in body
    assert b"Content-Type: application/pdf" in body


def test_unknown_extension_defaults_to_octet_stream() -> None:
    stream = MultipartStream(data={}, files={"f": ("blob.zzunknown", b"?")}, boundary=b"B")
    assert b"Content-Type: application/octet-stream\r\n" in b"".join(stream)


def test_file_object_name_gives_filename(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG" + bytes(100))
    with path.open("rb") as file:
        stream = MultipartStream(data={}, files={"img": file}, boundary=b"B")
        parts = parse(stream)
    assert parts[0].get_filename() == "photo.png"
    assert parts[0].get_content_type() == "image/png"
    assert parts[0].get_payload(decode=True) == path.read_bytes()


def test_file_streamed_in_bounded_reads_and_sized_without_reading() -> None:
    data = os.urandom(5 * FILE_CHUNK_SIZE + 123)
    reader = RecordingReader(data)
    stream = MultipartStream(data={}, files={"f": ("big.bin", reader)}, boundary=b"B")  # type: ignore[dict-item]
    headers = stream.get_headers()
    assert reader.read_sizes == []  # sized by seeking, not by reading
    body = b"".join(stream)
    assert int(headers["Content-Length"]) == len(body)
    assert data in body
    assert reader.read_sizes and all(size == FILE_CHUNK_SIZE for size in reader.read_sizes)


def test_file_chunks_are_yielded_as_they_are_read() -> None:
    reader = RecordingReader(bytes(3 * FILE_CHUNK_SIZE))
    iterator = iter(MultipartStream(data={}, files={"f": ("z", reader)}, boundary=b"B"))  # type: ignore[dict-item]
    next(iterator)  # boundary + part headers
    next(iterator)  # the first file chunk
    assert len(reader.read_sizes) == 1


def test_real_file_content_length_and_replay(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(os.urandom(200_000))
    with path.open("rb") as file:
        file.read(10)  # position does not matter: each pass starts from 0
        stream = MultipartStream(data={"k": "v"}, files={"f": file}, boundary=b"B")
        first = b"".join(stream)
        assert stream.get_content_length() == len(first)
        assert b"".join(stream) == first
        assert path.read_bytes() in first


def test_non_seekable_file_is_chunked_and_one_shot() -> None:
    reader = RecordingReader(b"stream me", seekable=False)
    stream = MultipartStream(data={}, files={"f": ("s.bin", reader)}, boundary=b"B")  # type: ignore[dict-item]
    assert stream.get_headers() == {
        "Transfer-Encoding": "chunked",
        "Content-Type": "multipart/form-data; boundary=B",
    }
    assert parse(stream)[0].get_payload(decode=True) == b"stream me"
    with pytest.raises(StreamConsumed):
        b"".join(stream)


def test_large_in_memory_file_is_not_copied_into_a_bigger_chunk() -> None:
    payload = bytes(FILE_CHUNK_SIZE * 2)
    chunks = list(MultipartStream(data={}, files={"f": payload}, boundary=b"B"))
    assert any(chunk is payload for chunk in chunks)


@pytest.mark.anyio
async def test_async_iteration_gives_the_same_body() -> None:
    stream = MultipartStream(data={"a": "1"}, files={"f": ("x.txt", io.BytesIO(b"xyz"))})
    sync_body = b"".join(stream)
    async_body = b"".join([chunk async for chunk in stream])
    assert async_body == sync_body


def test_text_mode_files_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("text")
    with path.open("r") as file:
        with pytest.raises(TypeError, match="must be opened in binary mode, not text mode"):
            MultipartStream(data={}, files={"f": file})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="require 'io.BytesIO', not 'io.StringIO'"):
        MultipartStream(data={}, files={"f": ("a.txt", io.StringIO("x"))})  # type: ignore[dict-item]


def test_file_like_returning_str_is_rejected_while_streaming() -> None:
    class TextReader:
        def read(self, size: int = -1) -> str:
            return "text"

    stream = MultipartStream(data={}, files={"f": ("a", TextReader())})  # type: ignore[dict-item]
    # (httpx loops forever on such a file.)
    with pytest.raises(TypeError, match="text mode"):
        b"".join(stream)


@pytest.mark.parametrize("value", [{"nested": 1}, object(), [1, {"x": 2}]])
def test_bad_data_value_type_names_the_type_as_httpx_does(value: Any) -> None:
    with pytest.raises(
        TypeError,
        match=r"^Invalid type for value\. Expected primitive type, got <class '(dict|object)'>: ",
    ):
        MultipartStream(data={"field": value}, files={})


def test_non_str_field_names_are_rejected() -> None:
    with pytest.raises(TypeError, match="name"):
        MultipartStream(data={1: "x"}, files={})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="name"):
        MultipartStream(data={}, files=[(b"f", b"x")])  # type: ignore[list-item]


@pytest.mark.parametrize("content", [123, None, {"a": 1}])
def test_bad_file_content_names_field_and_type(content: Any) -> None:
    with pytest.raises(TypeError, match=r"'upload'"):
        MultipartStream(data={}, files={"upload": ("f.bin", content)})


@pytest.mark.parametrize("value", [("only-one",), ("a", b"b", "c", {}, "extra")])
def test_bad_file_tuple_length(value: Any) -> None:
    # ValueError, as unpacking the tuple gives in httpx.
    with pytest.raises(ValueError, match="tuple of length"):
        MultipartStream(data={}, files={"f": value})


def test_bad_filename_content_type_and_headers() -> None:
    with pytest.raises(TypeError, match="filename"):
        MultipartStream(data={}, files={"f": (123, b"x")})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="content type"):
        MultipartStream(data={}, files={"f": ("a", b"x", 5)})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="CR or LF"):
        MultipartStream(data={}, files={"f": ("a", b"x", "text/plain\r\nX: y")})
    with pytest.raises(ValueError, match="CR or LF"):
        MultipartStream(data={}, files={"f": ("a", b"x", None, {"X-A": "1\r\nX-B: 2"})})
    with pytest.raises(TypeError, match="mapping"):
        MultipartStream(data={}, files={"f": ("a", b"x", None, ["X-A: 1"])})  # type: ignore[dict-item]


def test_files_list_allows_repeated_names() -> None:
    stream = MultipartStream(
        data={}, files=[("f", ("1.txt", b"one")), ("f", ("2.txt", b"two"))], boundary=b"B"
    )
    parts = parse(stream)
    assert [p.get_filename() for p in parts] == ["1.txt", "2.txt"]
    assert [p.get_payload(decode=True) for p in parts] == [b"one", b"two"]


def test_bad_files_items() -> None:
    with pytest.raises(ValueError, match="pairs"):
        MultipartStream(data={}, files=[("f",)])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="pairs"):
        MultipartStream(data={}, files=[1])  # type: ignore[list-item]


def test_bytes_like_values_are_rejected_as_in_httpx() -> None:
    with pytest.raises(TypeError, match="got <class 'bytearray'>"):
        MultipartStream(data={"ba": bytearray(b"arr")}, files={}, boundary=b"B")
    with pytest.raises(TypeError, match="'mv'.*memoryview"):
        MultipartStream(data={}, files={"mv": ("m", memoryview(b"mem"))}, boundary=b"B")  # type: ignore[dict-item]
