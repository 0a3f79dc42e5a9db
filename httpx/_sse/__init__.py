"""Server-sent events (the WHATWG HTML `text/event-stream` format), sync and async.

`Client.sse()` / `AsyncClient.sse()` open an `EventSource`; iterating it yields
`ServerSentEvent`s. Inside: `_parser` (pure, bytes to events), `_async_reader` and its
generated twin `_sync_reader` (the I/O loops), `_reconnect` (the reconnection policy),
`_connect` (what the clients' `sse()` methods do).
"""

from ._connect import aopen_event_source, open_event_source
from ._models import DEFAULT_MAX_EVENT_SIZE, ServerSentEvent, SSEError
from ._reconnect import Reconnect
from ._source import EventSource

__all__ = [
    "DEFAULT_MAX_EVENT_SIZE",
    "EventSource",
    "Reconnect",
    "SSEError",
    "ServerSentEvent",
    "aopen_event_source",
    "open_event_source",
]

# Shown as `httpx.X` in reprs and tracebacks, as the rest of the public API: this package
# loads on first use (httpx/__init__.py's `_LAZY`), so it says so itself.
for _public in (EventSource, Reconnect, ServerSentEvent, SSEError):
    _public.__module__ = "httpx"
del _public
