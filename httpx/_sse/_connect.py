"""What `Client.sse()` and `AsyncClient.sse()` do: send the request, wrap the response.

The request carries `Accept: text/event-stream` and `Cache-Control: no-store` (as the
httpx-sse package sends them), under the caller's own headers, which win. With a
`Reconnect` policy the first connection is retried like a reconnection (WHATWG
treats a network error on the first attempt alike), and the `EventSource` gets an
opener that waits, then sends the same request again with `Last-Event-ID`.

The client is passed in (typed by the two small protocols below) rather than imported:
the client modules import this one.
"""

from __future__ import annotations

import contextlib
import time
import typing
from collections.abc import AsyncIterator, Iterator

from .._headers import Headers
from .._models import Request, Response
from ._models import check_max_event_size
from ._reconnect import RECONNECTABLE, Reconnect
from ._source import EventSource

__all__ = ["SSE_HEADERS", "aopen_event_source", "open_event_source"]

SSE_HEADERS = {"Accept": "text/event-stream", "Cache-Control": "no-store"}

# The waits before reconnecting (module attributes, so that tests can record them).
_sleep = time.sleep


async def _async_sleep(seconds: float) -> None:
    import anyio  # (here: `import httpx` does not load anyio)

    await anyio.sleep(seconds)


class ClientLike(typing.Protocol):
    def build_request(self, *args: typing.Any, **kwargs: typing.Any) -> Request: ...
    def send(self, *args: typing.Any, **kwargs: typing.Any) -> Response: ...


class AsyncClientLike(typing.Protocol):
    def build_request(self, *args: typing.Any, **kwargs: typing.Any) -> Request: ...
    async def send(self, *args: typing.Any, **kwargs: typing.Any) -> Response: ...


def _build(
    client: ClientLike | AsyncClientLike,
    options: dict[str, typing.Any],
    last_event_id: str | None = None,
) -> Request:
    """The request; a reconnection's (`last_event_id` not None) says where to resume."""
    headers = Headers(SSE_HEADERS)
    headers.update(options.get("headers"))
    if last_event_id is not None:
        # WHATWG: a reconnection sends the last event ID string, unless it is empty.
        headers.pop("Last-Event-ID", None)
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
    return client.build_request(**{**options, "headers": headers})


def _start(
    options: dict[str, typing.Any], max_event_size: int, reconnect: Reconnect | None
) -> str:
    """Check the arguments; the `Last-Event-ID` the caller resumes from (or "")."""
    check_max_event_size(max_event_size)
    if reconnect is not None and not isinstance(reconnect, Reconnect):
        raise TypeError(f"reconnect must be an httpx.Reconnect, not {type(reconnect).__name__}")
    headers = Headers(options.get("headers"))
    return str(headers.get("last-event-id", ""))


@contextlib.contextmanager
def open_event_source(
    client: ClientLike,
    options: dict[str, typing.Any],
    *,
    auth: typing.Any,
    follow_redirects: typing.Any,
    max_event_size: int,
    reconnect: Reconnect | None,
) -> Iterator[EventSource]:
    """`Client.sse()`: `options` are `build_request()`'s arguments."""
    last_event_id = _start(options, max_event_size, reconnect)

    def send(request: Request) -> Response:
        return client.send(request, auth=auth, follow_redirects=follow_redirects, stream=True)

    def reopen(last_event_id: str, delay: float) -> Response:
        _sleep(delay)
        return send(_build(client, options, last_event_id))

    attempts = 0
    while True:
        try:
            response = send(_build(client, options))
            break
        except RECONNECTABLE:
            attempts += 1
            if reconnect is None or attempts > reconnect.max_attempts:
                raise
            _sleep(reconnect.delay_before(attempts, None))
    source = EventSource(response, max_event_size)
    _configure(source, last_event_id, reconnect, reopen, attempts)
    with source:
        yield source


@contextlib.asynccontextmanager
async def aopen_event_source(
    client: AsyncClientLike,
    options: dict[str, typing.Any],
    *,
    auth: typing.Any,
    follow_redirects: typing.Any,
    max_event_size: int,
    reconnect: Reconnect | None,
) -> AsyncIterator[EventSource]:
    """`AsyncClient.sse()`: `options` are `build_request()`'s arguments."""
    last_event_id = _start(options, max_event_size, reconnect)

    async def send(request: Request) -> Response:
        return await client.send(
            request, auth=auth, follow_redirects=follow_redirects, stream=True
        )

    async def reopen(last_event_id: str, delay: float) -> Response:
        await _async_sleep(delay)
        return await send(_build(client, options, last_event_id))

    attempts = 0
    while True:
        try:
            response = await send(_build(client, options))
            break
        except RECONNECTABLE:
            attempts += 1
            if reconnect is None or attempts > reconnect.max_attempts:
                raise
            await _async_sleep(reconnect.delay_before(attempts, None))
    source = EventSource(response, max_event_size)
    _configure(source, last_event_id, reconnect, reopen, attempts)
    async with source:
        yield source


def _configure(
    source: EventSource,
    last_event_id: str,
    reconnect: Reconnect | None,
    reopen: typing.Any,
    attempts: int,
) -> None:
    state = source._state
    state.resume_from(last_event_id)
    state.reconnect = reconnect
    state.opener = reopen
    state.attempts = attempts  # failed first connections count as attempts in a row
