"""Run one client scenario three ways: `Client`, and `AsyncClient` on asyncio and on trio.

A scenario is an `async def` taking a client with the `AsyncClient` interface. For the
sync run the `Client` is wrapped so that its (blocking) methods can be awaited: the
servers run in their own threads, so blocking the test's event loop is harmless.
"""

from __future__ import annotations

import contextlib
import typing

import anyio

import httpx

MODES = ["sync", "asyncio", "trio"]
Scenario = typing.Callable[[typing.Any], typing.Awaitable[None]]


class SyncAsAsync:
    """`Client` behind the awaitable interface of `AsyncClient`."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def __getattr__(self, name: str) -> typing.Any:
        return getattr(self.client, name)

    def __setattr__(self, name: str, value: typing.Any) -> None:
        if name == "client":
            object.__setattr__(self, name, value)
        else:
            setattr(self.client, name, value)

    async def request(self, *args: typing.Any, **kwargs: typing.Any) -> httpx.Response:
        return self.client.request(*args, **kwargs)

    async def send(self, *args: typing.Any, **kwargs: typing.Any) -> httpx.Response:
        return self.client.send(*args, **kwargs)

    async def get(self, *args: typing.Any, **kwargs: typing.Any) -> httpx.Response:
        return self.client.get(*args, **kwargs)

    async def post(self, *args: typing.Any, **kwargs: typing.Any) -> httpx.Response:
        return self.client.post(*args, **kwargs)

    async def put(self, *args: typing.Any, **kwargs: typing.Any) -> httpx.Response:
        return self.client.put(*args, **kwargs)

    async def head(self, *args: typing.Any, **kwargs: typing.Any) -> httpx.Response:
        return self.client.head(*args, **kwargs)

    @contextlib.asynccontextmanager
    async def stream(
        self, *args: typing.Any, **kwargs: typing.Any
    ) -> typing.AsyncIterator[AsyncView]:
        with self.client.stream(*args, **kwargs) as response:
            yield AsyncView(response)


class AsyncView:
    """A sync `Response` with the `a*` streaming methods of an async one."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response

    def __getattr__(self, name: str) -> typing.Any:
        return getattr(self.response, name)

    async def aread(self) -> bytes:
        return self.response.read()

    async def aclose(self) -> None:
        self.response.close()

    async def aiter_bytes(self, chunk_size: int | None = None) -> typing.AsyncIterator[bytes]:
        for chunk in self.response.iter_bytes(chunk_size):
            yield chunk

    async def aiter_raw(self, chunk_size: int | None = None) -> typing.AsyncIterator[bytes]:
        for chunk in self.response.iter_raw(chunk_size):
            yield chunk

    async def aiter_lines(self) -> typing.AsyncIterator[str]:
        for line in self.response.iter_lines():
            yield line


def transport_class(mode: str) -> type[httpx.HTTPTransport] | type[httpx.AsyncHTTPTransport]:
    return httpx.HTTPTransport if mode == "sync" else httpx.AsyncHTTPTransport


def run(mode: str, scenario: Scenario, **client_options: typing.Any) -> None:
    """Run `scenario` with a client of the given mode built from `client_options`."""

    async def main() -> None:
        if mode == "sync":
            with httpx.Client(**client_options) as client:
                await scenario(SyncAsAsync(client))
        else:
            async with httpx.AsyncClient(**client_options) as client:
                await scenario(client)

    anyio.run(main, backend="trio" if mode == "trio" else "asyncio")
