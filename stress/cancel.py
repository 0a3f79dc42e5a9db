"""Storm 1: half of 5,000 requests cancelled at random moments, then 1,000 follow-ups.

Batches of 50 requests: 25 run undisturbed, 25 are cancelled. In even batches the 25 are
cancelled together, at one random moment (the hard case: each request leaving frees a
slot that the pool hands to the next queued request, itself being cancelled); in odd
batches each is cancelled on its own, at its own random moment. Mechanisms, in turn:
anyio.move_on_after, anyio.fail_after, a cancel scope cancelled by another task, and on
asyncio task.cancel() and asyncio.wait_for(). Cancellations land while queued for a
connection, connecting, sending a body, waiting for the response head, and while the
caller reads a `client.stream()` body.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import typing
from collections.abc import AsyncIterator, Awaitable, Callable

import anyio

import httpx

from .measure import Row, Timer, open_sockets
from .measure import settle as _settle
from .server import ServerProcess

__all__ = ["MAX_CONNECTIONS", "full_capacity", "run", "storm"]


class Server(typing.Protocol):
    """What the storm needs of a server: tests/servers/faults.FaultServer, in this
    process or in a child (`ServerProcess`)."""

    def url_for(self, path: str) -> str: ...


BATCH = 50
MAX_CONNECTIONS = 20
Step = Callable[[], Awaitable[None]]


async def _slow_upload() -> AsyncIterator[bytes]:
    for _ in range(10):
        yield b"x" * 1000
        await anyio.sleep(0.003)


async def _exchange(client: httpx.AsyncClient, server: Server, kind: int) -> None:
    if kind == 0:
        response = await client.get(server.url_for("ok"))
    elif kind == 1:
        response = await client.get(server.url_for("slow-headers?delay=0.03"))
    elif kind == 2:
        response = await client.post(server.url_for("echo"), content=_slow_upload())
    elif kind == 3:
        response = await client.get(server.url_for("slow-body?delay=0.03"))
    else:
        # aclosing: trio warns about async generators left to the garbage collector, and
        # aiter_bytes() is the caller's own generator (as in httpx 0.28).
        async with (
            client.stream("GET", server.url_for("stream?chunks=20&delay=0.002")) as r,
            contextlib.aclosing(typing.cast(typing.Any, r.aiter_bytes())) as chunks,
        ):
            async for _ in chunks:
                await anyio.sleep(0)
            response = r
    if response.status_code != 200:
        raise AssertionError(f"status {response.status_code}")


async def _move_on_after(step: Step, delay: float) -> None:
    with anyio.move_on_after(delay):
        await step()


async def _fail_after(step: Step, delay: float) -> None:
    try:
        with anyio.fail_after(delay):
            await step()
    except TimeoutError:
        pass


async def _outside_cancel(step: Step, delay: float) -> None:
    scope = anyio.CancelScope()

    async def canceller() -> None:
        await anyio.sleep(delay)
        scope.cancel()

    async with anyio.create_task_group() as group:
        group.start_soon(canceller)
        with scope:
            await step()
        group.cancel_scope.cancel()


async def _task_cancel(step: Step, delay: float) -> None:
    async def run() -> None:
        await step()

    task = asyncio.get_running_loop().create_task(run())
    await asyncio.sleep(delay)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


async def _wait_for(step: Step, delay: float) -> None:
    async def run() -> None:
        await step()

    try:
        await asyncio.wait_for(run(), delay)
    except asyncio.TimeoutError:
        pass


async def storm(
    client: httpx.AsyncClient, server: Server, backend: str, requests: int, row: Row
) -> None:
    """`requests` requests, half of them cancelled (see the module docstring); counts
    into `row`: ok, expected errors (cancellations that landed), unexpected errors."""
    rng = random.Random(f"stress-storm-{backend}")
    mechanisms = [_move_on_after, _fail_after, _outside_cancel]
    if backend == "asyncio":
        mechanisms += [_task_cancel, _wait_for]
    doomed_done = 0

    async def free(kind: int) -> None:
        try:
            await _exchange(client, server, kind)
            row.ok += 1
        except Exception as exc:
            row.unexpected(exc)

    async def doomed(kind: int) -> None:
        nonlocal doomed_done
        try:
            await _exchange(client, server, kind)
        except Exception as exc:
            row.unexpected(exc)
            return
        doomed_done += 1
        row.ok += 1

    for batch in range(requests // BATCH):
        kinds = [rng.randrange(5) for _ in range(BATCH)]
        mechanism = mechanisms[batch % len(mechanisms)]
        async with anyio.create_task_group() as group:
            if batch % 2 == 0:

                async def doomed_together(kinds: list[int] = kinds) -> None:
                    async with anyio.create_task_group() as inner:
                        for kind in kinds[1::2]:
                            inner.start_soon(doomed, kind)

                group.start_soon(mechanism, doomed_together, rng.uniform(0.0, 0.04))
            else:
                for kind in kinds[1::2]:

                    async def one(kind: int = kind) -> None:
                        await doomed(kind)

                    delay = rng.uniform(0.0, 0.003 if kind == 0 else 0.04)
                    group.start_soon(mechanism, one, delay)
            for kind in kinds[::2]:
                group.start_soon(free, kind)
    row.requests += requests
    row.expected_errors += requests // 2 - doomed_done


async def full_capacity(
    client: httpx.AsyncClient, server: Server, max_connections: int = MAX_CONNECTIONS
) -> bool:
    """`max_connections` slow requests at once all get a connection without waiting: a
    pool slot lost to the storm would make one of them wait a whole round."""
    timeout = httpx.Timeout(5.0, pool=0.2)
    failures = 0

    async def slow() -> None:
        nonlocal failures
        try:
            await client.get(server.url_for("slow-headers?delay=0.4"), timeout=timeout)
        except httpx.HTTPError:
            failures += 1

    async with anyio.create_task_group() as group:
        for _ in range(max_connections):
            group.start_soon(slow)
    return failures == 0


async def _run(backend: str, server: ServerProcess, requests: int, follow_ups: int) -> Row:
    row = Row("1 cancel storm", backend)
    timer = Timer()
    sockets_before = open_sockets()
    limits = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=10)
    client = httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(10.0, pool=5.0))
    try:
        await storm(client, server, backend, requests, row)
        semaphore = anyio.Semaphore(50)
        row.follow_ups = follow_ups

        async def follow_up() -> None:
            async with semaphore:
                try:
                    response = await client.get(server.url_for("ok"))
                except httpx.HTTPError as exc:
                    row.unexpected(exc)
                    return
                row.follow_ups_ok += response.text == "ok"

        async with anyio.create_task_group() as group:
            for _ in range(follow_ups):
                group.start_soon(follow_up)
        pool = client._transport._pool
        capacity = await full_capacity(client, server)
        row.notes.append(f"full capacity after: {'yes' if capacity else 'NO'}")
        if not capacity:
            row.unexpected_errors += 1
        row.notes.append(f"connections after: {len(pool.connections)}/{MAX_CONNECTIONS}")
    finally:
        await client.aclose()
    await _settle()
    row.open_sockets = open_sockets() - sockets_before
    row.server_open = await anyio.to_thread.run_sync(server.wait_for_open_connections)
    row.seconds = timer.seconds()
    return row


def run(server: ServerProcess, backend: str, requests: int = 5000, follow_ups: int = 1000) -> Row:
    return anyio.run(_run, backend, server, requests, follow_ups, backend=backend)
