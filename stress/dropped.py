"""Storm 2: 10,000 streamed requests, 30% of whose responses are dropped unclosed.

With httpx 0.28 each dropped response keeps its connection for good: after
`max_connections` drops every request fails with PoolTimeout. Ours reclaims the
connection when the response is collected, with a ResourceWarning per drop (counted
here: one per dropped response is expected).
"""

from __future__ import annotations

import random
import warnings

import anyio

import httpx

from .measure import Row, Timer, open_sockets
from .measure import settle as _settle
from .server import ServerProcess

MAX_CONNECTIONS = 10
DROP_RATE = 0.3
TIMEOUT = httpx.Timeout(10.0, pool=2.0)  # a lost slot shows as PoolTimeout soon enough
LIMITS = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS)


def _note_warnings(row: Row, records: list[warnings.WarningMessage], dropped: int) -> None:
    reclaimed = sum(
        1
        for record in records
        if issubclass(record.category, ResourceWarning)
        and "garbage collected without being closed" in str(record.message)
    )
    row.notes.append(f"dropped {dropped:,}, ResourceWarnings {reclaimed:,}")
    if reclaimed != dropped:
        row.unexpected_errors += abs(dropped - reclaimed)


def run_sync(server: ServerProcess, requests: int = 10_000) -> Row:
    row = Row("2 dropped responses", "sync")
    rng = random.Random("stress-dropped-sync")
    timer = Timer()
    sockets_before = open_sockets()
    dropped = 0
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always", ResourceWarning)
        with httpx.Client(limits=LIMITS, timeout=TIMEOUT) as client:
            for index in range(requests):
                url = server.url_for(f"stream?chunks=2&n={index}")
                try:
                    if rng.random() < DROP_RATE:
                        response = client.send(client.build_request("GET", url), stream=True)
                        ok = response.status_code == 200
                        del response
                        dropped += 1
                    else:
                        ok = client.get(url).status_code == 200
                except httpx.HTTPError as exc:
                    row.unexpected(exc)
                    continue
                row.ok += ok
            row.follow_ups = 100
            row.follow_ups_ok = sum(
                client.get(server.url_for("ok")).text == "ok" for _ in range(row.follow_ups)
            )
    row.requests = requests
    _note_warnings(row, records, dropped)
    row.open_sockets = open_sockets() - sockets_before
    row.server_open = server.wait_for_open_connections()
    row.seconds = timer.seconds()
    return row


async def _run_async(backend: str, server: ServerProcess, requests: int) -> Row:
    row = Row("2 dropped responses", backend)
    rng = random.Random(f"stress-dropped-{backend}")
    timer = Timer()
    sockets_before = open_sockets()
    dropped = 0
    remaining = iter(range(requests))
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always", ResourceWarning)
        async with httpx.AsyncClient(limits=LIMITS, timeout=TIMEOUT) as client:

            async def worker() -> None:
                nonlocal dropped
                for index in remaining:
                    url = server.url_for(f"stream?chunks=2&n={index}")
                    try:
                        if rng.random() < DROP_RATE:
                            request = client.build_request("GET", url)
                            response = await client.send(request, stream=True)
                            ok = response.status_code == 200
                            del response  # its close is scheduled on this loop
                            dropped += 1
                        else:
                            ok = (await client.get(url)).status_code == 200
                    except httpx.HTTPError as exc:
                        row.unexpected(exc)
                        continue
                    row.ok += ok

            async with anyio.create_task_group() as group:
                for _ in range(2 * MAX_CONNECTIONS):
                    group.start_soon(worker)
            row.follow_ups = 100
            for _ in range(row.follow_ups):
                row.follow_ups_ok += (await client.get(server.url_for("ok"))).text == "ok"
    row.requests = requests
    _note_warnings(row, records, dropped)
    await _settle()
    row.open_sockets = open_sockets() - sockets_before
    row.server_open = await anyio.to_thread.run_sync(server.wait_for_open_connections)
    row.seconds = timer.seconds()
    return row


def run_async(server: ServerProcess, backend: str, requests: int = 10_000) -> Row:
    return anyio.run(_run_async, backend, server, requests, backend=backend)
