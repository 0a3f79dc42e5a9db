"""The asyncio network stream (httpx/_transports/network/backend_asyncio.py), against a
plain listening socket on 127.0.0.1: what its cheap paths must still guarantee.

* Small writes wait for the end of the event loop's pass (sent together with the other
  streams' writes), yet keep their order with later large writes, and are sent before
  the stream closes.
* One read timer per connection, re-armed lazily: a read times out at its own deadline,
  whether the timer was armed earlier (for a longer timeout) or later (a shorter one).
* Every stream of a loop receives into one shared buffer: each gets its own bytes.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import threading
import time
import typing
import weakref

import anyio
import httpcore
import pytest

from httpx._transports.network import backend_asyncio


class Peer:
    """The server side of one connection (a blocking socket, used from the test)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def receive_exactly(self, size: int) -> bytes:
        data = b""
        self.sock.settimeout(10.0)
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                break
            data += chunk
        return data

    def pending(self) -> bytes:
        """What has arrived, without waiting."""
        self.sock.setblocking(False)
        try:
            return self.sock.recv(65536)
        except BlockingIOError:
            return b""
        finally:
            self.sock.setblocking(True)


async def _connect(
    listener: socket.socket,
) -> tuple[backend_asyncio.AsyncioStream, Peer]:
    host, port = listener.getsockname()
    stream = await backend_asyncio.connect_tcp(host, port, timeout=5.0)
    accepted, _ = listener.accept()  # (the connection is in the backlog already)
    return stream, Peer(accepted)


@pytest.fixture
def listener() -> typing.Iterator[socket.socket]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    with sock:
        yield sock


def run(test: typing.Callable[[], typing.Awaitable[None]]) -> None:
    anyio.run(test, backend="asyncio")


async def _read_all(stream: backend_asyncio.AsyncioStream, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = await stream.read(65536, timeout=10.0)
        assert chunk, "the connection ended early"
        data += chunk
    return data


def test_small_writes_go_out_on_the_next_pass_of_the_loop(listener: socket.socket) -> None:
    async def main() -> None:
        stream, peer = await _connect(listener)
        other, other_peer = await _connect(listener)
        try:
            await stream.write(b"GET / HTTP/1.1\r\n\r\n")
            await other.write(b"GET /other HTTP/1.1\r\n\r\n")
            # Nothing has been sent yet: the writes wait for the end of this pass...
            assert peer.pending() == b""
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            # ... and then both went out.
            assert peer.receive_exactly(18) == b"GET / HTTP/1.1\r\n\r\n"
            assert other_peer.receive_exactly(23) == b"GET /other HTTP/1.1\r\n\r\n"
        finally:
            stream.close_now()
            other.close_now()
            peer.sock.close()
            other_peer.sock.close()

    run(main)


def test_a_large_write_follows_the_small_ones_before_it(listener: socket.socket) -> None:
    big = bytes(range(256)) * 1024  # 256 KiB: not batched

    async def main() -> None:
        stream, peer = await _connect(listener)
        received: list[bytes] = []
        reader = threading.Thread(
            target=lambda: received.append(peer.receive_exactly(5 + len(big) + 5))
        )
        reader.start()
        try:
            await stream.write(b"first")
            await stream.write(big, timeout=10.0)
            await stream.write(b"after")
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            await anyio.to_thread.run_sync(reader.join, 10.0)
        finally:
            stream.close_now()
            peer.sock.close()
        assert received == [b"first" + big + b"after"]

    run(main)


def test_what_was_written_is_sent_before_the_stream_closes(listener: socket.socket) -> None:
    async def main() -> None:
        stream, peer = await _connect(listener)
        try:
            await stream.write(b"last words")
            stream.close_now()  # before the loop's next pass
            assert peer.receive_exactly(10) == b"last words"
        finally:
            peer.sock.close()

    run(main)


def test_a_write_after_the_stream_closed_fails(listener: socket.socket) -> None:
    async def main() -> None:
        stream, peer = await _connect(listener)
        stream.close_now()
        peer.sock.close()
        with pytest.raises(httpcore.WriteError):
            await stream.write(b"too late")

    run(main)


def test_a_shorter_timeout_than_the_armed_one_times_out(listener: socket.socket) -> None:
    async def main() -> None:
        stream, peer = await _connect(listener)
        try:
            peer.sock.sendall(b"x")
            # This read arms the connection's timer for 30 s from now...
            assert await stream.read(10, timeout=30.0) == b"x"
            # ... and this one, with nothing coming, must time out at its own deadline.
            started = time.monotonic()
            with anyio.fail_after(10.0), pytest.raises(httpcore.ReadTimeout):
                await stream.read(10, timeout=0.2)
            assert time.monotonic() - started >= 0.2
        finally:
            stream.close_now()
            peer.sock.close()

    run(main)


def test_a_read_outlives_the_timer_of_a_shorter_earlier_timeout(
    listener: socket.socket,
) -> None:
    async def main() -> None:
        stream, peer = await _connect(listener)
        try:
            peer.sock.sendall(b"x")
            # The timer is armed for 0.05 s from now; the read returns at once.
            assert await stream.read(10, timeout=0.05) == b"x"
            # The next read may wait 10 s: when the old timer fires, it must re-arm
            # rather than time this read out.
            threading.Timer(0.3, peer.sock.sendall, (b"late",)).start()
            assert await stream.read(10, timeout=10.0) == b"late"
        finally:
            stream.close_now()
            peer.sock.close()

    run(main)


def test_a_read_without_a_timeout_is_not_timed_out_by_an_armed_timer(
    listener: socket.socket,
) -> None:
    async def main() -> None:
        stream, peer = await _connect(listener)
        try:
            peer.sock.sendall(b"x")
            assert await stream.read(10, timeout=0.05) == b"x"
            threading.Timer(0.3, peer.sock.sendall, (b"late",)).start()
            with anyio.fail_after(10.0):
                assert await stream.read(10, timeout=None) == b"late"
        finally:
            stream.close_now()
            peer.sock.close()

    run(main)


def test_streams_sharing_the_receive_buffer_each_get_their_own_bytes(
    listener: socket.socket,
) -> None:
    size = 600 * 1024  # more than the shared buffer holds

    async def main() -> None:
        pairs = [await _connect(listener) for _ in range(3)]
        payloads = [bytes([65 + index]) * size for index in range(3)]
        senders = [
            threading.Thread(target=peer.sock.sendall, args=(payload,))
            for (_, peer), payload in zip(pairs, payloads, strict=True)
        ]
        for sender in senders:
            sender.start()
        try:
            received = [await _read_all(stream, size) for stream, _ in pairs]
            for sender in senders:
                await anyio.to_thread.run_sync(sender.join, 10.0)
        finally:
            for stream, peer in pairs:
                stream.close_now()
                peer.sock.close()
        assert received == payloads

    run(main)


def test_a_finished_event_loop_is_not_kept_alive(listener: socket.socket) -> None:
    loops: list[weakref.ref[asyncio.AbstractEventLoop]] = []

    async def main() -> None:
        loops.append(weakref.ref(asyncio.get_running_loop()))
        stream, peer = await _connect(listener)
        try:
            await stream.write(b"ping")
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            peer.sock.sendall(b"pong")
            assert await stream.read(10, timeout=10.0) == b"pong"
        finally:
            stream.close_now()
            peer.sock.close()

    for _ in range(3):
        asyncio.run(main())
    gc.collect()
    # (The per-loop write batch and receive buffer go with their loop.)
    assert [ref() for ref in loops] == [None, None, None]


def test_many_small_writes_without_a_pause_are_not_held_back(listener: socket.socket) -> None:
    chunks = [bytes([index % 251]) * 1024 for index in range(1024)]  # 1 MiB in 1 KiB

    async def main() -> None:
        stream, peer = await _connect(listener)
        received: list[bytes] = []
        reader = threading.Thread(
            target=lambda: received.append(peer.receive_exactly(1024 * 1024))
        )
        reader.start()
        try:
            # Written without the event loop getting a turn: what waits for the batch is
            # bounded, the rest is handed to the transport (and its flow control).
            for chunk in chunks:
                await stream.write(chunk, timeout=10.0)
                assert stream._pending_size <= backend_asyncio._BATCH_MAX
            await anyio.to_thread.run_sync(reader.join, 10.0)
        finally:
            stream.close_now()
            peer.sock.close()
        assert received == [b"".join(chunks)]

    run(main)
