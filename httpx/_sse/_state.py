"""What an `EventSource` shares with its sync and async readers, and the response check.

`SourceState` holds the current response and its parser (both replaced on each
reconnection) with the reconnection settings; the readers (`_async_reader` and its
generated twin `_sync_reader`) work on it, and `EventSource` reads it for its properties.
"""

from __future__ import annotations

import typing
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator

from .._models import Response
from ._models import SSEError
from ._parser import EventStreamParser
from ._reconnect import Reconnect

__all__ = [
    "AsyncChunks",
    "AsyncOpener",
    "Chunks",
    "Opener",
    "SourceState",
    "check_response",
]

# The body chunks of a response being read.
AsyncChunks = AsyncGenerator[bytes, None]
Chunks = Generator[bytes, None, None]
# How a reader reconnects: (last event ID, seconds to wait first) -> the new response.
AsyncOpener = Callable[[str, float], Awaitable[Response]]
Opener = Callable[[str, float], Response]


class SourceState:
    """The reading in progress: the response, its parser, how to reconnect."""

    __slots__ = ("attempts", "max_event_size", "opener", "parser", "reconnect", "response")

    def __init__(self, response: Response, max_event_size: int, last_event_id: str) -> None:
        self.response = response
        self.max_event_size = max_event_size
        self.parser = EventStreamParser(max_event_size, last_event_id=last_event_id)
        self.reconnect: Reconnect | None = None
        self.opener: typing.Any = None  # an Opener or AsyncOpener, set with `reconnect`
        self.attempts = 0  # reconnections in a row that have brought no event yet

    def resume_from(self, last_event_id: str) -> None:
        """Start (before reading anything) with `last_event_id` as the last event ID:
        the caller resumes a stream with its own `Last-Event-ID` header."""
        self.parser = EventStreamParser(self.max_event_size, last_event_id=last_event_id)

    def next_parser(self) -> None:
        """A parser for the next connection's stream, keeping the state the WHATWG
        `EventSource` keeps across connections (last event ID, reconnection time)."""
        parser = self.parser
        self.parser = EventStreamParser(
            self.max_event_size, last_event_id=parser.last_event_id, retry=parser.retry
        )


def check_response(response: Response) -> bool:
    """Whether `response` is an event stream to read; False for `204 No Content`.

    Raises `HTTPStatusError` for a status other than 2xx, and `SSEError` when the
    `Content-Type` is not `text/event-stream` (WHATWG: "fail the connection").
    """
    if response.status_code == 204:
        return False
    if not response.is_success and response._request is not None:
        response.raise_for_status()
    content_type = response.headers.get("content-type", "")
    if content_type.partition(";")[0].strip().lower() != "text/event-stream":
        raise SSEError(
            "Expected response header Content-Type to be 'text/event-stream', "
            f"got {content_type!r} (status {response.status_code})",
            request=response._request,
        )
    return True
