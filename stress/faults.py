"""Storm 8: every fault of the fault server, many times over, on one client per backend.

Each fault request must end in the expected `httpx.HTTPError` subclass within its
timeout (read timeout + BOUND_SLACK), and each is followed by a good request on the same
client, which must succeed. Ten workers share the client (threads for sync, tasks for
async), so faults also land while other requests are in flight on the same pool.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import anyio

import httpx

from .measure import Row, Timer, open_sockets
from .measure import settle as _settle
from .server import ServerProcess

WORKERS = 10
READ_TIMEOUT = 0.2
BOUND_SLACK = 2.0
TIMEOUT = httpx.Timeout(5.0, read=READ_TIMEOUT)
LIMITS = httpx.Limits(max_connections=WORKERS, max_keepalive_connections=WORKERS)

FAULTS: dict[str, type[httpx.HTTPError]] = {
    "reset-on-accept": httpx.TransportError,
    "reset": httpx.ReadError,
    "reset-mid-headers": httpx.TransportError,
    "reset-mid-body": httpx.TransportError,
    "close-mid-body": httpx.RemoteProtocolError,
    "close-before-response": httpx.RemoteProtocolError,
    "bad-status": httpx.RemoteProtocolError,
    "bad-header": httpx.RemoteProtocolError,
    "huge-headers": httpx.RemoteProtocolError,
    "bad-chunk": httpx.RemoteProtocolError,
    "garbage": httpx.RemoteProtocolError,
    "stall": httpx.ReadTimeout,
    "stall-body": httpx.ReadTimeout,
}


def _plan(server: ServerProcess, repeats: int) -> list[tuple[str, str]]:
    """(fault, url) for every fault, `repeats` times, interleaved."""
    plan = []
    for _ in range(repeats):
        for fault in FAULTS:
            url = (
                server.reset_on_accept_url if fault == "reset-on-accept" else server.url_for(fault)
            )
            plan.append((fault, url))
    return plan


def _judge(row: Row, fault: str, error: BaseException | None, started: float) -> None:
    if error is None:
        row.unexpected(AssertionError(f"{fault}: no error"))
    elif not isinstance(error, FAULTS[fault]):
        row.unexpected(error)
    elif time.monotonic() - started > READ_TIMEOUT + BOUND_SLACK:
        row.unexpected(AssertionError(f"{fault}: took {time.monotonic() - started:.1f} s"))
    else:
        row.expected_errors += 1


def run_sync(server: ServerProcess, repeats: int = 60) -> Row:
    row = Row("8 faults", "sync")
    timer = Timer()
    sockets_before = open_sockets()
    plan = _plan(server, repeats)
    lock = threading.Lock()
    ok_url = server.url_for("ok")

    with httpx.Client(limits=LIMITS, timeout=TIMEOUT) as client:

        def worker(take: Callable[[], tuple[str, str] | None]) -> None:
            while (item := take()) is not None:
                fault, url = item
                started = time.monotonic()
                error: BaseException | None = None
                try:
                    client.get(url)
                except Exception as exc:
                    error = exc
                try:
                    follow_up = client.get(ok_url).text == "ok"
                except Exception as exc:
                    follow_up = False
                    with lock:
                        row.unexpected(exc)
                with lock:
                    _judge(row, fault, error, started)
                    row.follow_ups += 1
                    row.follow_ups_ok += follow_up
                    row.ok += follow_up

        def take() -> tuple[str, str] | None:
            with lock:
                return plan.pop() if plan else None

        threads = [threading.Thread(target=worker, args=(take,)) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    row.requests = len(FAULTS) * repeats * 2
    row.notes.append(f"{len(FAULTS)} faults x {repeats}, each followed by a good request")
    row.open_sockets = open_sockets() - sockets_before
    row.server_open = server.wait_for_open_connections()
    row.seconds = timer.seconds()
    return row


async def _run_async(backend: str, server: ServerProcess, repeats: int) -> Row:
    row = Row("8 faults", backend)
    timer = Timer()
    sockets_before = open_sockets()
    plan = _plan(server, repeats)
    ok_url = server.url_for("ok")

    async with httpx.AsyncClient(limits=LIMITS, timeout=TIMEOUT) as client:

        async def worker() -> None:
            while plan:
                fault, url = plan.pop()
                started = time.monotonic()
                error: BaseException | None = None
                try:
                    await client.get(url)
                except Exception as exc:
                    error = exc
                _judge(row, fault, error, started)
                try:
                    follow_up = (await client.get(ok_url)).text == "ok"
                except Exception as exc:
                    follow_up = False
                    row.unexpected(exc)
                row.follow_ups += 1
                row.follow_ups_ok += follow_up
                row.ok += follow_up

        async with anyio.create_task_group() as group:
            for _ in range(WORKERS):
                group.start_soon(worker)
    row.requests = len(FAULTS) * repeats * 2
    row.notes.append(f"{len(FAULTS)} faults x {repeats}, each followed by a good request")
    await _settle()
    row.open_sockets = open_sockets() - sockets_before
    row.server_open = await anyio.to_thread.run_sync(server.wait_for_open_connections)
    row.seconds = timer.seconds()
    return row


def run_async(server: ServerProcess, backend: str, repeats: int = 60) -> Row:
    return anyio.run(_run_async, backend, server, repeats, backend=backend)
