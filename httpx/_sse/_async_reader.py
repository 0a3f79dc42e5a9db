"""`AsyncEventReader`: what iterating an `EventSource` runs.

It pulls the response's body chunks, feeds them to the stream's parser and hands out
the events, one `__anext__` at a time; with a `Reconnect` policy it opens a new
response when the stream ends or the connection is lost, and goes on. Written once:
`_sync_reader` is generated from `_async_reader` by scripts/unasync.py.

It is a class rather than a generator so that leaving a loop early leaves nothing for
the garbage collector to finalize: `aclose()` (called by `EventSource`) closes the
body's iterator and the response, and any error closes them at once.
"""

from __future__ import annotations

import logging
import typing

from ._models import ServerSentEvent, SSEError
from ._reconnect import RECONNECTABLE
from ._state import AsyncChunks, AsyncOpener, SourceState, check_response

__all__ = ["AsyncEventReader"]

logger = logging.getLogger("httpx")


class AsyncEventReader:
    """Events from `state.response` (and from its successors, when reconnecting)."""

    def __init__(self, state: SourceState) -> None:
        self._state = state
        self._chunks: AsyncChunks | None = None
        self._events: list[ServerSentEvent] = []  # parsed, not handed out: last first
        self._done = False

    def __aiter__(self) -> AsyncEventReader:
        return self

    async def __anext__(self) -> ServerSentEvent:
        if self._events:
            return self._events.pop()
        try:
            return await self._read()
        except StopAsyncIteration:
            raise
        except BaseException as exc:
            # Whatever failed (the server, the parser, a cancellation), the response is
            # released now, not when the source is closed.
            request = self._state.response._request
            if isinstance(exc, SSEError) and exc._request is None and request is not None:
                exc.request = request  # (the parser knows no request)
            await self.aclose()
            raise

    async def aclose(self) -> None:
        """Stop: close the body's iterator and the response. Idempotent."""
        self._done = True
        self._events = []
        chunks, self._chunks = self._chunks, None
        if chunks is not None:
            await chunks.aclose()
        await self._state.response.aclose()

    async def _read(self) -> ServerSentEvent:
        state = self._state
        while True:
            chunks = self._chunks
            if chunks is None:
                if self._done or not await self._start():
                    raise StopAsyncIteration
                continue
            try:
                chunk = await chunks.__anext__()
            except StopAsyncIteration:
                state.parser.end()  # the incomplete event is discarded (or an error raised)
                await self._next_response(None)
                continue
            except RECONNECTABLE as exc:
                if state.reconnect is None:
                    raise
                await self._next_response(exc)
                continue
            events = state.parser.feed(chunk)
            if events:
                state.attempts = 0
                if len(events) > 1:
                    events.reverse()
                    self._events = events
                    return events.pop()
                return events[0]

    async def _start(self) -> bool:
        """Start reading the current response, if it is an event stream."""
        response = self._state.response
        if not check_response(response):
            self._done = True  # 204 No Content: no events, and no reconnection
            await response.aclose()
            return False
        self._chunks = typing.cast(AsyncChunks, response.aiter_bytes())
        return True

    async def _next_response(self, error: Exception | None) -> None:
        """The current response is over (cleanly, or with `error`): close it, then
        reconnect if the policy says so, else finish (or raise `error`)."""
        state = self._state
        chunks, self._chunks = self._chunks, None
        if chunks is not None:
            await chunks.aclose()
        await state.response.aclose()
        policy = state.reconnect
        if policy is None:
            self._done = True
            return
        opener = typing.cast(AsyncOpener, state.opener)
        while True:
            state.attempts += 1
            if state.attempts > policy.max_attempts:
                if error is not None:
                    raise error
                raise SSEError(
                    f"Gave up reconnecting: {policy.max_attempts} reconnections in a row "
                    "brought no event.",
                    request=state.response._request,
                )
            delay = policy.delay_before(state.attempts, state.parser.retry)
            logger.debug(
                "SSE: reconnecting to %s in %.3f s (attempt %d, Last-Event-ID %r)",
                state.response._request.url if state.response._request else "?",
                delay,
                state.attempts,
                state.parser.last_event_id,
            )
            try:
                response = await opener(state.parser.last_event_id, delay)
            except RECONNECTABLE as exc:
                error = exc
                continue
            state.response = response
            state.next_parser()
            return
