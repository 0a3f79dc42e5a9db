"""The response stream the request flow hands out: `response.elapsed`, and the overall
deadline (``Timeout(total=...)``) while the body is read.

The stream holds its response weakly: a response dropped unclosed must be collectable
at once (by reference counting, with no cycle), so that its connection is reclaimed
(see `_transports/pool/reclaim.py`) rather than held until the cycle collector runs.
"""

from __future__ import annotations

import time
import typing
import weakref
from collections.abc import AsyncIterator, Iterator

from ._deadline import Deadline, current_deadline
from ._exceptions import ReadTimeout
from ._models import Request, Response
from ._types import AsyncByteStream, SyncByteStream

__all__ = ["timed_stream", "within_deadline"]

# --- the deadline while awaiting ---------------------------------------------------------------

# The async backstop fires this long after the deadline, so that the transport's own
# (shortened) timeouts normally fire first, inside httpcore, which then cleans up as after
# any timeout; the backstop catches what they cannot see.
_BACKSTOP_GRACE = 0.02

T = typing.TypeVar("T")


async def within_deadline(
    step: typing.Awaitable[T], deadline: Deadline, request: Request | None
) -> T:
    """Await `step` with `deadline` current, cancelled (a backstop) once it has passed."""
    import anyio  # (here: `import httpx` does not load anyio; asyncio or trio has it)

    token = current_deadline.set(deadline)
    try:
        ends = anyio.current_time() + deadline.remaining() + _BACKSTOP_GRACE
        with anyio.CancelScope(deadline=ends):
            return await step
    finally:
        current_deadline.reset(token)
    # Only reached when the scope cancelled the step: the deadline ran out during it.
    raise deadline.error(request)


# --- the response stream: `response.elapsed`, and the deadline while reading the body ---------


def timed_stream(
    response: Response, started: float, asynchronous: bool, deadline: Deadline | None
) -> SyncByteStream | AsyncByteStream:
    stream = response.stream
    if asynchronous:
        if not isinstance(stream, AsyncByteStream):
            raise TypeError(f"An async transport returned a sync response stream: {stream!r}")
        if deadline is not None:
            return _DeadlineAsyncStream(stream, response, started, deadline)
        return _TimedAsyncStream(stream, response, started)
    if not isinstance(stream, SyncByteStream):
        raise TypeError(f"A sync transport returned an async response stream: {stream!r}")
    if deadline is not None:
        return _DeadlineSyncStream(stream, response, started, deadline)
    return _TimedSyncStream(stream, response, started)


class _TimedSyncStream(SyncByteStream):
    __slots__ = ("_response", "_started", "_stream")

    def __init__(self, stream: SyncByteStream, response: Response, started: float) -> None:
        self._stream = stream
        self._response = weakref.ref(response)
        self._started = started

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._stream)

    def close(self) -> None:
        # The transport's stream first: `elapsed` then covers everything it measured
        # (the body phase of `response.extensions["timings"]` ends there).
        try:
            self._stream.close()
        finally:
            response = self._response()
            if response is not None:
                _record_elapsed(response, self._started)


class _DeadlineSyncStream(_TimedSyncStream):
    """Reads each chunk with the deadline current, so that the transport cuts each read's
    timeout to the time left; transports that know nothing of deadlines are stopped
    between chunks."""

    __slots__ = ("_deadline",)

    def __init__(
        self, stream: SyncByteStream, response: Response, started: float, deadline: Deadline
    ) -> None:
        super().__init__(stream, response, started)
        self._deadline = deadline

    def __iter__(self) -> Iterator[bytes]:
        deadline = self._deadline
        chunks = iter(self._stream)
        while True:
            if deadline.expired():
                raise deadline.error(_request_of(self._response), ReadTimeout)
            token = current_deadline.set(deadline)
            try:
                chunk = next(chunks)
            except StopIteration:
                return
            finally:
                current_deadline.reset(token)
            yield chunk


class _TimedAsyncStream(AsyncByteStream):
    __slots__ = ("_response", "_started", "_stream")

    def __init__(self, stream: AsyncByteStream, response: Response, started: float) -> None:
        self._stream = stream
        self._response = weakref.ref(response)
        self._started = started

    def __aiter__(self) -> AsyncIterator[bytes]:
        # The transport's own iterator: no generator of ours in between to be left
        # unfinished when the caller stops early (see `AsyncResponseStream`).
        return self._stream.__aiter__()

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            response = self._response()
            if response is not None:
                _record_elapsed(response, self._started)


class _DeadlineAsyncStream(_TimedAsyncStream):
    """Reads each chunk with the deadline current (see `_DeadlineSyncStream`), inside a
    cancel scope that ends at the deadline as a backstop (see `within_deadline`)."""

    __slots__ = ("_deadline",)

    def __init__(
        self, stream: AsyncByteStream, response: Response, started: float, deadline: Deadline
    ) -> None:
        super().__init__(stream, response, started)
        self._deadline = deadline

    def __aiter__(self) -> AsyncIterator[bytes]:
        return _DeadlineAsyncIterator(self._stream.__aiter__(), self._deadline, self._response)


class _DeadlineAsyncIterator(AsyncIterator[bytes]):
    # An iterator object rather than an async generator, so that a body left unfinished
    # leaves no generator to the garbage collector (see `AsyncResponseStream`).
    __slots__ = ("_chunks", "_deadline", "_response")

    def __init__(
        self, chunks: AsyncIterator[bytes], deadline: Deadline, response: weakref.ref[Response]
    ) -> None:
        self._chunks = chunks
        self._deadline = deadline
        self._response = response

    async def __anext__(self) -> bytes:
        deadline = self._deadline
        request = _request_of(self._response)
        if deadline.expired():
            raise deadline.error(request, ReadTimeout)
        deadline.phase = ReadTimeout
        return await within_deadline(self._chunks.__anext__(), deadline, request)


def _request_of(response_ref: weakref.ref[Response]) -> Request | None:
    response = response_ref()
    return None if response is None else response._request


def _record_elapsed(response: Response, started: float) -> None:
    # Seconds: `Response.elapsed` makes the timedelta only if it is asked for.
    response.__dict__.pop("_elapsed", None)
    response._elapsed_seconds = time.perf_counter() - started
