"""The trio network stream (httpx/_transports/network/backend_trio.py): a cancelled read or
write does nothing, so that the HTTP/2 connection can leave its reads unshielded
(`cancel_safe_reads`) without losing a frame other streams need.

A socket pair stands in for the connection; the data is already waiting, so the read
completes without waiting: the path where a cancellation used to arrive after the
system call had taken the data.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import trio

from httpx._transports.network.backend_trio import TrioStream


@contextlib.contextmanager
def socket_pair() -> Iterator[tuple[TrioStream, socket.socket]]:
    """Our stream and its peer's socket (closed inside `trio.run`, as trio requires)."""
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    stream = TrioStream(ours)
    try:
        yield stream, theirs
    finally:
        stream.close_now()
        theirs.close()


def test_a_cancelled_read_loses_nothing() -> None:
    async def main() -> bytes:
        with socket_pair() as (stream, peer):
            peer.sendall(b"hello")
            assert TrioStream.cancel_safe_reads
            for _ in range(3):  # cancelled reads, each with the data ready
                with trio.CancelScope() as scope:
                    scope.cancel()
                    await stream.read(1024, 2.0)
                assert scope.cancelled_caught
            return await stream.read(1024, 2.0)

    assert trio.run(main) == b"hello"


def test_reads_cancelled_at_every_point_lose_nothing() -> None:
    payload = bytes(range(256)) * 64

    async def main() -> bytes:
        received = bytearray()
        with socket_pair() as (stream, peer):
            peer.sendall(payload)
            attempt = 0
            while len(received) < len(payload):
                attempt += 1
                with trio.CancelScope() as scope:
                    if attempt % 3 == 0:
                        scope.cancel()  # every third read is cancelled
                    received += await stream.read(100, 2.0)
        return bytes(received)

    assert trio.run(main) == payload


def test_a_cancelled_write_sends_nothing() -> None:
    async def main() -> bytes:
        with socket_pair() as (stream, peer):
            with trio.CancelScope() as scope:
                scope.cancel()
                await stream.write(b"lost")
            assert scope.cancelled_caught
            await stream.write(b"sent")
            return peer.recv(100)

    assert trio.run(main) == b"sent"
