"""`EventSource`: the server-sent events of a streamed response, sync or async.

The user-facing object. It holds the reading's state (`_state.SourceState`) and hands
the work to a reader: `_sync_reader.EventReader` when iterated with `for`,
`_async_reader.AsyncEventReader` with `async for`.
"""

from __future__ import annotations

import typing
from types import TracebackType

from .._models import Response
from ._async_reader import AsyncEventReader
from ._models import DEFAULT_MAX_EVENT_SIZE, ServerSentEvent, check_max_event_size
from ._state import SourceState
from ._sync_reader import EventReader

__all__ = ["EventSource"]


class EventSource:
    """The server-sent events of a response, read as they arrive.

    Iterate it (`for` with a `Client`, `async for` with an `AsyncClient`) to get
    `ServerSentEvent`s; `Client.sse()` and `AsyncClient.sse()` open one, or wrap a
    response from `client.stream(...)` yourself:

    ```python
    with client.stream("GET", url) as response:
        for event in httpx.EventSource(response):
            print(event.event, event.data)
    ```

    Before the first event, the response is checked: a `204 No Content` gives no
    events; another status outside 2xx raises `HTTPStatusError`; a `Content-Type`
    other than `text/event-stream` raises `SSEError`. The body is parsed by the WHATWG
    HTML rules; an event whose data is larger than `max_event_size` bytes (or any
    field line that long) raises `SSEError`, so memory stays bounded whatever the
    server sends. When the body ends, an event left incomplete is discarded. A
    connection lost mid-stream raises the transport's error (`httpx.ReadError`,
    `httpx.RemoteProtocolError`, `httpx.ReadTimeout`...), unless the source was
    opened with `reconnect=`.

    Iterating again after leaving a loop early goes on where it stopped. Any error
    closes the response. Close the source (`close()`, `aclose()`, or a `with` block;
    `Client.sse()` does it for you) when stopping early.

    The `iter_sse()` and `aiter_sse()` methods of the httpx-sse package are here too.

    Args:
        response: A streamed response (from `client.stream(...)` or `send(stream=True)`).
        max_event_size: The most bytes an event's data, or any one field line, may hold.
    """

    def __init__(self, response: Response, max_event_size: int = DEFAULT_MAX_EVENT_SIZE) -> None:
        check_max_event_size(max_event_size)
        self._state = SourceState(response, max_event_size, last_event_id="")
        self._reader: EventReader | AsyncEventReader | None = None

    @property
    def response(self) -> Response:
        """The response being read (with `reconnect=`, the latest one)."""
        return self._state.response

    @property
    def last_event_id(self) -> str:
        """The last event ID the server has set (`""` if none): what a reconnection
        sends as `Last-Event-ID`."""
        return self._state.parser.last_event_id

    @property
    def retry(self) -> int | None:
        """The reconnection time, in milliseconds, last set by the server (or `None`)."""
        return self._state.parser.retry

    @property
    def max_event_size(self) -> int:
        """The most bytes an event's data, or any one field line, may hold."""
        return self._state.max_event_size

    def __iter__(self) -> typing.Iterator[ServerSentEvent]:
        if self._reader is None:
            self._reader = EventReader(self._state)
        elif not isinstance(self._reader, EventReader):
            raise RuntimeError("This EventSource is being read with 'async for'.")
        return self._reader

    def __aiter__(self) -> typing.AsyncIterator[ServerSentEvent]:
        if self._reader is None:
            self._reader = AsyncEventReader(self._state)
        elif not isinstance(self._reader, AsyncEventReader):
            raise RuntimeError("This EventSource is being read with 'for'.")
        return self._reader

    def iter_sse(self) -> typing.Iterator[ServerSentEvent]:
        """The events (as with `for event in source`), as httpx-sse names it."""
        return iter(self)

    def aiter_sse(self) -> typing.AsyncIterator[ServerSentEvent]:
        """The events (as with `async for event in source`), as httpx-sse names it."""
        return aiter(self)

    def close(self) -> None:
        """Stop reading and close the response. Idempotent."""
        reader = self._reader
        if isinstance(reader, EventReader):
            reader.close()
        else:
            self._reader = EventReader(self._state)
            self._reader.close()

    async def aclose(self) -> None:
        """Stop reading and close the response (async). Idempotent."""
        reader = self._reader
        if isinstance(reader, AsyncEventReader):
            await reader.aclose()
        else:
            self._reader = AsyncEventReader(self._state)
            await self._reader.aclose()

    def __enter__(self) -> EventSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> EventSource:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        request = self._state.response._request
        target = f" {request.method} {request.url}" if request is not None else ""
        return f"<EventSource{target} [{self._state.response.status_code}]>"
