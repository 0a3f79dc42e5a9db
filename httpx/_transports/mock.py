"""`MockTransport`: answer requests in-process with a handler function.

The handler takes a `Request` and returns a `Response`. It may be a plain function (usable
from both `Client` and `AsyncClient`) or an `async` function (usable from `AsyncClient`
only, since a sync client has no event loop to run it on).
"""

from __future__ import annotations

import inspect
import typing

from .._models import Request, Response
from .base import AsyncBaseTransport, BaseTransport

__all__ = ["AsyncHandler", "MockTransport", "SyncHandler"]

SyncHandler = typing.Callable[[Request], Response]
AsyncHandler = typing.Callable[[Request], typing.Coroutine[None, None, Response]]


def _not_a_response_error(result: object) -> TypeError:
    return TypeError(
        "MockTransport handler must return an httpx.Response, "
        f"but it returned {type(result).__name__!r}."
    )


class MockTransport(AsyncBaseTransport, BaseTransport):
    """A transport that answers each request by calling `handler(request)`.

    The handler returns an `httpx.Response`. A plain function works with `Client` and
    `AsyncClient`, an `async` function with `AsyncClient` only. The request body is read
    before the handler is called, so `request.content` is available.

    ```python
    def handler(request):
        return httpx.Response(200, json={"path": request.url.path})

    client = httpx.Client(transport=httpx.MockTransport(handler))
    ```
    """

    def __init__(self, handler: SyncHandler | AsyncHandler) -> None:
        self.handler = handler

    def handle_request(self, request: Request) -> Response:
        # The body is read up front so that handlers can inspect `request.content`,
        # which is how test suites assert on what was sent.
        request.read()
        result: object = self.handler(request)
        if isinstance(result, Response):
            return result
        if inspect.isawaitable(result):
            if inspect.iscoroutine(result):
                # Close it, or Python warns "coroutine was never awaited" at collection.
                result.close()
            # httpx's message.
            raise TypeError("Cannot use an async handler in a sync Client")
        raise _not_a_response_error(result)

    async def handle_async_request(self, request: Request) -> Response:
        await request.aread()
        result: object = self.handler(request)
        # The handler may *optionally* be an async function: await its result if so.
        if inspect.isawaitable(result):
            result = await result
        if not isinstance(result, Response):
            raise _not_a_response_error(result)
        return result


# `httpx.MockTransport` as users see it (in reprs and tracebacks), however it was imported:
# `import httpx` loads this module on first use (httpx/__init__.py `_LAZY`).
MockTransport.__module__ = "httpx"
