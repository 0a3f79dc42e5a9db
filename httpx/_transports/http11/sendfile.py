"""Request bodies read from a file, sent with sendfile(2) by sync connections.

A file body (``client.post(url, content=open(path, "rb"))``) is otherwise read in
64 KiB blocks, each block then written: every byte is copied from the page cache into
Python and back out to the socket, and an upload costs about three times the CPU of
sending the same bytes from memory (benchmarks/RESULTS.md, U1). sendfile(2) hands the
file's pages to the socket with no copy through Python.

It is used when all of these hold, else the body is iterated as before:

* a sync connection on a plain socket (our sync backend's streams offer ``send_file``;
  over TLS the ssl module would fall back to small reads);
* a body framed by Content-Length (as a file's is: its size is known), larger than
  what goes out in one write with the head;
* a regular file, of the very type `open()` returns (`IteratorByteStream.take_file`).

What goes on the wire, the errors (too little or too much data for the declared length,
`WriteTimeout`, `WriteError`) and where the file is left are those of the iterating
path. The connections of the event loops iterate the body (`async_send_file` declines):
a blocking system call has no place on a loop.
"""

from __future__ import annotations

import typing

from ..._exceptions import WriteTimeout
from ..._timings import current_timings
from ..network.deadline import limit_timeout
from .request import length_error

__all__ = ["async_send_file", "sync_send_file"]


async def async_send_file(
    stream: object, body: object, length: int, timeout: float | None
) -> bool:
    """Event-loop connections iterate file bodies (see the module docstring)."""
    return False


def sync_send_file(stream: typing.Any, body: object, length: int, timeout: float | None) -> bool:
    """Send `body` (`length` bytes declared) with sendfile(2) if it is a file that can be;
    False, having sent nothing, if not."""
    send_file = getattr(stream, "send_file", None)
    if send_file is None or stream.get_extra_info("ssl_object") is not None:
        return False
    # The transport hands the connection its body wrapped (`TrackedBody.source`).
    take_file = getattr(getattr(body, "source", body), "take_file", None)
    taken = None if take_file is None else take_file()
    if taken is None:
        return False
    file, offset = taken
    sent: int = send_file(file, offset, length, limit_timeout(timeout, WriteTimeout))
    timings = current_timings.get()
    if timings is not None:
        timings.mark_sent()
    if sent < length:
        raise length_error(length, sent)
    if file.read(1):  # the file has grown since its length was taken
        raise length_error(length, length + 1)
    return True
