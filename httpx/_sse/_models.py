"""What reading server-sent events produces: `ServerSentEvent` values and `SSEError`.

Kept apart from the parser so that both the parser (pure) and the readers (I/O) can
import them without importing each other.
"""

from __future__ import annotations

import json as jsonlib
import typing

from .._config import DEFAULT_MAX_EVENT_SIZE
from .._exceptions import TransportError

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "SSEError", "ServerSentEvent", "check_max_event_size"]


class ServerSentEvent(typing.NamedTuple):
    """One event of a `text/event-stream`, as dispatched by the WHATWG HTML rules.

    An immutable named tuple: it compares equal (and hashes equal) to another event with
    the same four fields.

    Attributes:
        event: The event type: the last `event:` field of the event, else `"message"`.
        data: The `data:` fields' values joined with line feeds.
        id: The last event ID: set by the last `id:` field seen on the stream so far,
            in this event or an earlier one (it persists until the server changes it).
        retry: The reconnection time (milliseconds) set by a `retry:` field of this
            event, else `None`.
    """

    event: str = "message"
    data: str = ""
    id: str = ""
    retry: int | None = None

    def json(self, **kwargs: typing.Any) -> typing.Any:
        """The data decoded as JSON (`json.loads(event.data, **kwargs)`)."""
        return jsonlib.loads(self.data, **kwargs)


class SSEError(TransportError):
    """A response that cannot be read as an event stream.

    Raised when the response's `Content-Type` is not `text/event-stream`, when an event
    (or a line of the stream) is larger than `max_event_size`, and when a reconnecting
    reader gives up. A `TransportError`, as in the httpx-sse package, so code that
    catches transport failures around a stream catches it too.
    """


def check_max_event_size(max_event_size: int) -> None:
    if isinstance(max_event_size, bool) or not isinstance(max_event_size, int):
        raise TypeError(f"max_event_size must be an int, not {type(max_event_size).__name__}")
    if max_event_size < 1:
        raise ValueError(f"max_event_size must be at least 1, got {max_event_size}")
