"""File request bodies sent with sendfile(2) by sync connections (http11/sendfile.py).

Against the raw servers of test_http11_connection.py: the bytes the server receives, the
errors when the file changed size after its Content-Length was taken, a second pass
(a 307 redirect), where the file is left, and which bodies are not sent this way (file
wrappers, TLS, small files). `os.sendfile` is counted to tell which path sent a body.
"""

from __future__ import annotations

import hashlib
import io
import os
import socket
import ssl
import time
import typing

import httpcore
import pytest

import httpx
from tests.transports.http11.test_http11_connection import RawServer, Reader, echo_digest, ok

DATA = bytes(range(256)) * (4096 * 3 + 5)  # ~3 MiB, larger than one write with the head


def expected(body: bytes) -> str:
    return f"POST length {len(body)} {hashlib.sha256(body).hexdigest()}"


@pytest.fixture
def sendfile_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The byte counts asked of os.sendfile (socket.sendfile looks it up on each call)."""
    calls: list[int] = []
    real = os.sendfile

    def counting(out_fd: int, in_fd: int, offset: typing.Any, count: int) -> int:
        calls.append(count)
        return real(out_fd, in_fd, offset, count)

    monkeypatch.setattr(os, "sendfile", counting)
    return calls


@pytest.fixture
def data_file(tmp_path: typing.Any) -> str:
    path = tmp_path / "body.bin"
    path.write_bytes(DATA)
    return str(path)


def test_file_body_goes_out_with_sendfile(data_file: str, sendfile_calls: list[int]) -> None:
    with RawServer(echo_digest) as server, httpx.Client() as client:
        with open(data_file, "rb") as file:
            assert client.post(server.url, content=file).text == expected(DATA)
            assert file.tell() == len(DATA)  # where reading it would have left it
        assert sendfile_calls
        # The connection is reused: the body was sent whole, exactly.
        assert client.post(server.url, content=b"abc").text == expected(b"abc")
        with open(data_file, "rb", buffering=0) as raw_file:  # unbuffered: io.FileIO
            assert client.post(server.url, content=raw_file).text == expected(DATA)
    assert server.connections == 1


def test_file_body_starts_where_the_file_stands(data_file: str, sendfile_calls: list[int]) -> None:
    # A buffered file that has been read from holds bytes ahead of its position.
    with RawServer(echo_digest) as server, httpx.Client() as client:
        with open(data_file, "rb") as file:
            assert file.read(1000) == DATA[:1000]
            assert client.post(server.url, content=file).text == expected(DATA[1000:])
    assert sendfile_calls


def test_redirected_file_body_is_sent_again_from_its_start(
    data_file: str, sendfile_calls: list[int]
) -> None:
    def handler(sock: socket.socket, index: int) -> None:
        reader = Reader(sock)
        first = True
        while (request := reader.request()) is not None:
            _, _, body = request
            if first:
                first = False
                sock.sendall(
                    b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /again\r\n"
                    b"Content-Length: 0\r\n\r\n"
                )
            else:
                digest = hashlib.sha256(body).hexdigest().encode()
                sock.sendall(ok(b"POST length %d %s" % (len(body), digest)))

    with RawServer(handler) as server, httpx.Client(follow_redirects=True) as client:
        with open(data_file, "rb") as file:
            file.seek(10)
            response = client.post(server.url, content=file)
    assert response.text == expected(DATA[10:])
    assert len(response.history) == 1
    assert len(sendfile_calls) >= 2


@pytest.mark.parametrize("change", ["grown", "shrunk"])
def test_file_changed_since_its_length_was_taken(
    data_file: str, sendfile_calls: list[int], change: str
) -> None:
    message = "Too much data" if change == "grown" else "Too little data"
    with RawServer(echo_digest) as server, httpx.Client() as client:
        with open(data_file, "rb") as file:
            request = client.build_request("POST", server.url, content=file)
            with open(data_file, "ab" if change == "grown" else "r+b") as writer:
                if change == "grown":
                    writer.write(b"more")
                else:
                    writer.truncate(len(DATA) - 100)
            with pytest.raises(httpx.LocalProtocolError, match=message):
                client.send(request)
        # The connection that carried the broken request is gone; a new one works.
        assert client.post(server.url, content=b"ok").text == expected(b"ok")
    assert sendfile_calls


class WatchedFile(io.BufferedReader):
    """A file whose reads are watched (as a progress bar does)."""

    reads = 0

    def read(self, size: int | None = -1) -> bytes:
        WatchedFile.reads += 1
        return super().read(size)


def test_bodies_sent_by_reading(data_file: str, sendfile_calls: list[int]) -> None:
    with RawServer(echo_digest) as server, httpx.Client() as client:
        # A subclass of what open() returns: its reads are its business.
        with WatchedFile(io.FileIO(data_file, "rb")) as watched:
            assert client.post(server.url, content=watched).text == expected(DATA)
        assert WatchedFile.reads > 1
        # In memory (no file descriptor).
        assert client.post(server.url, content=io.BytesIO(DATA)).text == expected(DATA)
        # Small enough to go out with the head's write... of its own: read, not sent.
        small = DATA[:1000]
        with open(data_file, "r+b") as file:
            file.truncate(len(small))
        with open(data_file, "rb") as file:
            assert client.post(server.url, content=file).text == expected(small)
        # Chunked (the length is declared unknown): read and framed as chunks.
        with open(data_file, "rb") as file:
            response = client.post(
                server.url, content=file, headers={"Transfer-Encoding": "chunked"}
            )
        assert response.text == f"POST chunked {len(small)} {hashlib.sha256(small).hexdigest()}"
    assert sendfile_calls == []


def test_pipe_body_is_read(sendfile_calls: list[int]) -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, DATA[:50_000])
    os.close(write_end)
    with RawServer(echo_digest) as server, httpx.Client() as client:
        with open(read_end, "rb") as pipe:
            response = client.post(server.url, content=pipe, headers={"Content-Length": "50000"})
    assert response.text == expected(DATA[:50_000])
    assert sendfile_calls == []


def test_write_timeout_with_a_file_body(data_file: str, sendfile_calls: list[int]) -> None:
    # The server never reads: the socket buffers fill up, and sending times out.
    big = DATA * 16  # ~48 MiB, more than the socket buffers hold
    with open(data_file, "wb") as writer:
        writer.write(big)

    def handler(sock: socket.socket, index: int) -> None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        Reader(sock).head()
        time.sleep(1.0)  # (reading nothing more)

    with RawServer(handler) as server, httpx.Client() as client:
        with open(data_file, "rb") as file, pytest.raises(httpx.WriteTimeout):
            client.post(server.url, content=file, timeout=httpx.Timeout(5, write=0.2))
    assert sendfile_calls


def test_tls_file_body_is_read(
    data_file: str, sendfile_calls: list[int], tls_server: typing.Any, ca_cert_pem_file: str
) -> None:
    context = ssl.create_default_context(cafile=ca_cert_pem_file)
    with httpx.Client(verify=context) as client:
        with open(data_file, "rb") as file:
            response = client.post(tls_server.url + "echo_body", content=file)
    assert response.status_code == 200
    assert response.content == DATA
    assert sendfile_calls == []


def test_overall_deadline_during_a_file_upload(data_file: str, sendfile_calls: list[int]) -> None:
    # Timeout(total=...) bounds the upload too: the server reads nothing, the socket
    # buffers fill up, and the deadline (not the 5 s write timeout) ends the request.
    big = DATA * 16
    with open(data_file, "wb") as writer:
        writer.write(big)

    def handler(sock: socket.socket, index: int) -> None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        Reader(sock).head()
        time.sleep(2.0)

    with RawServer(handler) as server, httpx.Client() as client:
        started = time.monotonic()
        with open(data_file, "rb") as file, pytest.raises(httpx.TimeoutException):
            client.post(server.url, content=file, timeout=httpx.Timeout(5.0, total=0.3))
        assert time.monotonic() - started < 1.5
    assert sendfile_calls


def test_send_file_with_no_time_left(data_file: str) -> None:
    from httpx._transports.network.backend_sync import SyncStream

    left, right = socket.socketpair()
    with left, right, open(data_file, "rb") as file:
        stream = SyncStream(left)
        with pytest.raises(httpcore.WriteTimeout):
            stream.send_file(file, 0, 100, timeout=0.0)
        assert stream.send_file(file, 0, 100, timeout=1.0) == 100
        assert right.recv(100) == DATA[:100]
        assert file.tell() == 100


def test_read_write_file_body(tmp_path: typing.Any, sendfile_calls: list[int]) -> None:
    # A file opened "r+b" and written through its object between building the request
    # and sending it: what is sent is what reading the file would give.
    path = tmp_path / "rw.bin"
    path.write_bytes(DATA)
    with RawServer(echo_digest) as server, httpx.Client() as client:
        with open(path, "r+b") as file:
            file.seek(100)
            file.write(b"written before")
            start = file.tell()
            request = client.build_request("POST", server.url, content=file)
            file.seek(start + 50)
            file.write(b"written after")
            file.seek(start)
            response = client.send(request)
    expected_data = bytearray(DATA)
    expected_data[100:114] = b"written before"
    expected_data[start + 50 : start + 63] = b"written after"
    assert response.text == expected(bytes(expected_data[start:]))
    assert sendfile_calls
