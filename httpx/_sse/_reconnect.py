"""`Reconnect`: when and how often a reading of server-sent events starts over.

Pure policy, no I/O: the readers ask it which failures to reconnect after and how long
to wait first. The rules follow the WHATWG `EventSource`
(https://html.spec.whatwg.org/multipage/server-sent-events.html#reestablish-the-connection):
reconnect when the connection is lost or the stream ends, after the reconnection time
(the server's `retry` field, else a default), resuming with `Last-Event-ID`; never
after an HTTP error status or a response that is not an event stream, and stop for
good on `204 No Content`. Beyond the standard: a cap on the server's `retry`, an
exponential backoff while attempts fail, and a bound on attempts in a row.
"""

from __future__ import annotations

import dataclasses
import math

from .._exceptions import NetworkError, RemoteProtocolError, TimeoutException

__all__ = ["RECONNECTABLE", "Reconnect"]

# The failures that mean "the connection was lost" (WHATWG: a network error), after
# which a reconnection may succeed. SSEError, HTTPStatusError, LocalProtocolError,
# UnsupportedProtocol, ProxyError and DecodingError would only fail again.
RECONNECTABLE = (NetworkError, TimeoutException, RemoteProtocolError)


@dataclasses.dataclass(frozen=True)
class Reconnect:
    """Reconnection settings for `Client.sse(..., reconnect=httpx.Reconnect())`.

    With it, iterating the `EventSource` goes on across connections: when the
    connection is lost (a network error, a timeout, a body cut short) or the server
    ends the stream, the request is sent again after the reconnection time, with a
    `Last-Event-ID` header naming the last event ID received, so that the server can
    resume where it stopped. Events come out as one uninterrupted sequence.

    Nothing is retried after an error status (`HTTPStatusError`) or a response that
    is not an event stream (`SSEError`), and a `204 No Content` answer ends the
    iteration: that is how a server says "no more events".

    Args:
        max_attempts: How many reconnections in a row may bring no event. When one
            more would be needed, the last error is raised (or an `SSEError` if the
            stream kept ending cleanly). The count starts again at every event.
        delay: Seconds to wait before reconnecting while the server has not set the
            reconnection time with a `retry:` field (in milliseconds).
        max_delay: The longest wait, whatever the server's `retry` or the backoff.
        backoff: Factor applied to the wait for each further attempt in a row:
            `delay`, `delay * backoff`, `delay * backoff**2`, ...
    """

    max_attempts: int = 5
    delay: float = 3.0
    max_delay: float = 60.0
    backoff: float = 2.0

    def __post_init__(self) -> None:
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int):
            raise TypeError("max_attempts must be an int")
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        for name in ("delay", "max_delay", "backoff"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"{name} must be a number of seconds")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        if self.backoff < 1:
            raise ValueError(f"backoff must be >= 1, got {self.backoff!r}")

    def delay_before(self, attempt: int, retry: int | None) -> float:
        """Seconds to wait before reconnection `attempt` (1 for the first in a row),
        given the server's reconnection time `retry` in milliseconds (or `None`)."""
        base = self.delay if retry is None else retry / 1000
        try:
            wait = base * self.backoff ** (attempt - 1)
        except OverflowError:
            return float(self.max_delay)
        return float(min(wait, self.max_delay))
