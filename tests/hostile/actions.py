"""Client calls for cases that are more than one request whose body is read whole:
streaming part of an endless body then closing or cancelling, reading with a size cap,
waiting for the server to have done something before returning."""

from __future__ import annotations

import contextlib
import time
import typing

import anyio

import httpx
from tests import harness
from tests.hostile.check import Action
from tests.hostile.server import Route

MiB = 1 << 20


def stream_then_close(limit: int = 16 * MiB) -> Action:
    """Stream `limit` bytes of the body, then close the response."""

    async def action(client: typing.Any, route: Route, url: str) -> httpx.Response:
        received = 0
        async with client.stream("GET", url) as response:
            async with contextlib.aclosing(response.aiter_raw()) as chunks:
                async for chunk in chunks:
                    received += len(chunk)
                    if received >= limit:
                        break
        assert received >= limit
        return typing.cast(httpx.Response, getattr(response, "response", response))

    return action


def stream_then_cancel(seconds: float = 0.1, limit: int = 16 * MiB) -> Action:
    """Stream the body until `seconds` pass, then cancel the read (async clients; the
    sync client, which cannot be cancelled, closes after `limit` bytes instead)."""

    async def action(client: typing.Any, route: Route, url: str) -> httpx.Response:
        if isinstance(client, harness.SyncAsAsync):
            return await stream_then_close(limit)(client, route, url)
        received = 0
        response = None
        with anyio.move_on_after(seconds) as scope:
            async with client.stream("GET", url) as response:
                async for chunk in response.aiter_raw():
                    received += len(chunk)
        assert scope.cancelled_caught and received > 0 and response is not None
        assert response.is_closed
        return typing.cast(httpx.Response, response)

    return action


def read_capped(limit: int = MiB) -> Action:
    """A non-streamed request with the `max_decoded_size` extension."""

    async def action(client: typing.Any, route: Route, url: str) -> httpx.Response:
        response: httpx.Response = await client.get(url, extensions={"max_decoded_size": limit})
        return response

    return action


def then_wait_for(mark: str, method: str = "GET", timeout: float = 2.0) -> Action:
    """Make the request, then wait until the server script has raised `mark`."""

    async def action(client: typing.Any, route: Route, url: str) -> httpx.Response:
        response: httpx.Response = await client.request(method, url)
        deadline = time.monotonic() + timeout
        while not route.marks.is_set(mark):
            assert time.monotonic() < deadline, f"the server never reached {mark!r}"
            await anyio.sleep(0.005)
        return response

    return action
