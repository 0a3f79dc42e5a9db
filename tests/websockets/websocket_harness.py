"""Run one WebSocket scenario three ways: `Client`, and `AsyncClient` on asyncio and trio.

As tests/harness.py, a scenario is an `async def` taking a client with the
`AsyncClient` interface; for the sync run, `Client` and its `WebSocketSession` are
wrapped so their (blocking) methods can be awaited (the servers run in their own
threads). `leak_check` snapshots what a session must not leave behind: threads (sync),
tasks (asyncio, trio).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import typing

import anyio
import sniffio

import httpx
from tests.harness import SyncAsAsync

Scenario = typing.Callable[[typing.Any], typing.Awaitable[None]]


class SyncSignalView:
    def __init__(self, signal: typing.Any) -> None:
        self._signal = signal

    def is_set(self) -> bool:
        return bool(self._signal.is_set())

    async def wait(self, timeout: float | None = None) -> bool:
        return bool(self._signal.wait(timeout))


class SyncSessionView:
    """A sync `WebSocketSession` behind the awaitable interface of the async one."""

    def __init__(self, session: httpx.WebSocketSession) -> None:
        self.session = session

    def __getattr__(self, name: str) -> typing.Any:
        return getattr(self.session, name)

    async def send_text(self, data: str) -> None:
        self.session.send_text(data)

    async def send_bytes(self, data: bytes) -> None:
        self.session.send_bytes(data)

    async def send_json(self, data: typing.Any, mode: typing.Any = "text") -> None:
        self.session.send_json(data, mode)

    async def receive(self, timeout: float | None = None) -> typing.Any:
        return self.session.receive(timeout)

    async def receive_text(self, timeout: float | None = None) -> str:
        return self.session.receive_text(timeout)

    async def receive_bytes(self, timeout: float | None = None) -> bytes:
        return self.session.receive_bytes(timeout)

    async def receive_json(
        self, timeout: float | None = None, mode: typing.Any = "text"
    ) -> typing.Any:
        return self.session.receive_json(timeout, mode)

    async def ping(self, payload: bytes = b"") -> SyncSignalView:
        return SyncSignalView(self.session.ping(payload))

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.session.close(code, reason)


class SyncClientView(SyncAsAsync):
    @contextlib.asynccontextmanager
    async def websocket(
        self, url: typing.Any, **options: typing.Any
    ) -> typing.AsyncIterator[SyncSessionView]:
        with self.client.websocket(url, **options) as session:
            yield SyncSessionView(session)


def run(mode: str, scenario: Scenario, **client_options: typing.Any) -> None:
    """Run `scenario` with a client of the given mode built from `client_options`."""

    async def main() -> None:
        if mode == "sync":
            with httpx.Client(**client_options) as client:
                await scenario(SyncClientView(client))
        else:
            async with httpx.AsyncClient(**client_options) as client:
                await scenario(client)

    anyio.run(main, backend="trio" if mode == "trio" else "asyncio")


def _living() -> int:
    """The sessions' threads, plus the tasks of the running event loop. (The event loops'
    own worker threads, for name resolution, come and go on their own.)"""
    count = sum(thread.name.startswith("httpx-websocket") for thread in threading.enumerate())
    library = sniffio.current_async_library()
    if library == "asyncio":
        count += len(asyncio.all_tasks())
    else:
        import trio

        count += trio.lowlevel.current_statistics().tasks_living
    return count


@contextlib.asynccontextmanager
async def leak_check() -> typing.AsyncIterator[None]:
    """Fails if the block leaves more threads or tasks alive than it found."""
    before = _living()
    yield
    # Strict: leaving a session waits for everything it started.
    assert _living() == before, "a WebSocket session left a thread or a task behind"
