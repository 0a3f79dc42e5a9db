"""One server-sent events measurement, run by benchmarks/sse_bench.py in a fresh process.

The same file runs under both virtualenvs: ours (repo .venv: our httpx, and httpx-sse
installed without its dependencies) and the peers' (httpx 0.28.1 with httpx-sse).
Clients:

* ``ours``: `client.sse(url)`, iterating the `EventSource`.
* ``ours+httpx-sse``: httpx-sse's `connect_sse` / `aconnect_sse` on our httpx.
* ``httpx028+httpx-sse``: the same on httpx 0.28.1 (the peers' venv).

Scenarios: ``long`` reads one stream of ``--events`` events; ``short`` opens
``--streams`` streams of ``--events`` events each, one after the other on one client.
Every event is counted and the last event's id checked, so a client that drops or
merges events cannot report a good number. Prints ``BENCH-RESULT {json}``.
"""

from __future__ import annotations

import argparse
import json
import time
import typing

import anyio

import httpx

TIMEOUT = httpx.Timeout(60.0)


def _open_sync(kind: str, client: typing.Any, url: str) -> typing.Any:
    if kind == "ours":
        return client.sse(url)
    import httpx_sse

    return httpx_sse.connect_sse(client, "GET", url)


def _open_async(kind: str, client: typing.Any, url: str) -> typing.Any:
    if kind == "ours":
        return client.sse(url)
    import httpx_sse

    return httpx_sse.aconnect_sse(client, "GET", url)


def _events_sync(kind: str, source: typing.Any) -> typing.Iterator[typing.Any]:
    return iter(source) if kind == "ours" else source.iter_sse()


def _events_async(kind: str, source: typing.Any) -> typing.AsyncIterator[typing.Any]:
    return aiter(source) if kind == "ours" else source.aiter_sse()


def _check(count: int, last_id: str, expected: int) -> None:
    if count != expected or last_id != str(expected):
        raise SystemExit(f"read {count} events, last id {last_id!r}; expected {expected}")


def run_sync(args: argparse.Namespace) -> tuple[int, float]:
    streams = args.streams if args.scenario == "short" else 1
    with httpx.Client(timeout=TIMEOUT) as client:
        started = time.perf_counter()
        for _ in range(streams):
            count, last_id = 0, ""
            with _open_sync(args.client, client, args.url) as source:
                for event in _events_sync(args.client, source):
                    count += 1
                    last_id = event.id
            _check(count, last_id, args.events)
        elapsed = time.perf_counter() - started
    return streams * args.events, elapsed


async def run_async(args: argparse.Namespace) -> tuple[int, float]:
    streams = args.streams if args.scenario == "short" else 1
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        started = time.perf_counter()
        for _ in range(streams):
            count, last_id = 0, ""
            async with _open_async(args.client, client, args.url) as source:
                async for event in _events_async(args.client, source):
                    count += 1
                    last_id = event.id
            _check(count, last_id, args.events)
        elapsed = time.perf_counter() - started
    return streams * args.events, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description="One SSE measurement.")
    parser.add_argument("--client", choices=["ours", "ours+httpx-sse", "httpx028+httpx-sse"])
    parser.add_argument("--mode", choices=["sync", "asyncio", "trio"], default="sync")
    parser.add_argument("--scenario", choices=["long", "short"], default="long")
    parser.add_argument("--url", required=True)
    parser.add_argument("--events", type=int, required=True, help="events per stream")
    parser.add_argument("--streams", type=int, default=1)
    args = parser.parse_args()
    if args.mode == "sync":
        events, elapsed = run_sync(args)
    else:
        events, elapsed = anyio.run(run_async, args, backend=args.mode)
    result = {
        "events": events,
        "seconds": elapsed,
        "httpx_version": httpx.__version__,
        "httpx_path": httpx.__file__,
    }
    print("BENCH-RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
