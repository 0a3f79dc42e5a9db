"""One WebSocket echo measurement: sequential round trips on one session.

Runs under either venv (see _common.py): ``--impl ours`` is this repository's
`Client.websocket()` / `AsyncClient.websocket()` (repo .venv); ``--impl httpx-ws`` is the
httpx-ws add-on's `connect_ws` / `aconnect_ws`, on whatever httpx the venv has (httpx
0.28.1 in the peers' venv). Each round trip sends a text message of ``--size``
characters and waits for its echo. Prints ``BENCH-RESULT {json}`` (units: round trips).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import typing

from _common import RESULT_PREFIX, CheckFailed, versions_of

import httpx


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--impl", choices=("ours", "httpx-ws"), required=True)
    parser.add_argument("--mode", choices=("sync", "asyncio", "trio"), required=True)
    parser.add_argument("--url", required=True, help="ws://127.0.0.1:PORT/")
    parser.add_argument("--count", type=int, default=5000, help="timed round trips")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--size", type=int, default=32, help="characters per message")
    return parser.parse_args()


def _check(sent: str, received: str) -> None:
    if received != sent:
        raise CheckFailed(f"echo of {len(sent)} characters came back as {len(received)}")


def run_sync(args: argparse.Namespace) -> float:
    message = "x" * args.size
    with httpx.Client() as client:
        if args.impl == "ours":
            connect = client.websocket(args.url, keepalive_ping_interval_seconds=None)
        else:
            import httpx_ws

            connect = httpx_ws.connect_ws(
                args.url.replace("ws://", "http://"), client, keepalive_ping_interval_seconds=None
            )
        with connect as ws:
            for _ in range(args.warmup):
                ws.send_text(message)
                _check(message, ws.receive_text())
            started = time.perf_counter()
            for _ in range(args.count):
                ws.send_text(message)
                _check(message, ws.receive_text())
            return time.perf_counter() - started


async def run_async(args: argparse.Namespace) -> float:
    message = "x" * args.size
    async with httpx.AsyncClient() as client:
        connect: typing.Any
        if args.impl == "ours":
            connect = client.websocket(args.url, keepalive_ping_interval_seconds=None)
        else:
            import httpx_ws

            connect = httpx_ws.aconnect_ws(
                args.url.replace("ws://", "http://"), client, keepalive_ping_interval_seconds=None
            )
        async with connect as ws:
            for _ in range(args.warmup):
                await ws.send_text(message)
                _check(message, await ws.receive_text())
            started = time.perf_counter()
            for _ in range(args.count):
                await ws.send_text(message)
                _check(message, await ws.receive_text())
            return time.perf_counter() - started


def main() -> None:
    args = parse_args()
    try:
        if args.mode == "sync":
            elapsed = run_sync(args)
        else:
            import anyio

            elapsed = anyio.run(run_async, args, backend=args.mode)
    except CheckFailed as exc:
        sys.exit(f"wrong echo: {exc}")
    line = {
        "units": args.count,
        "elapsed": elapsed,
        "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "versions": versions_of("httpx", "httpx-ws", "wsproto", "anyio", "trio"),
        "executable": sys.executable,
        "httpx_path": httpx.__file__,
    }
    print(RESULT_PREFIX + json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
