"""aiohttp (peers venv): one ClientSession shared by all tasks, for A1 on asyncio."""

from __future__ import annotations

import argparse
import asyncio
import time

import aiohttp
from _common import Measurement, check_body, main, versions_of


async def _gets(
    session: aiohttp.ClientSession, url: str, total: int, concurrency: int, size: int
) -> None:
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            async with session.get(url) as response:
                body = await response.read()
                check_body(response.status, len(body), size)

    await asyncio.gather(*(worker() for _ in range(min(concurrency, total))))


async def _async_gets(args: argparse.Namespace) -> Measurement:
    connector = aiohttp.TCPConnector(limit=args.connections, limit_per_host=args.connections)
    timeout = aiohttp.ClientTimeout(total=60.0)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await _gets(session, args.url, args.warmup, args.concurrency, args.size)
        started = time.perf_counter()
        await _gets(session, args.url, args.count, args.concurrency, args.size)
        elapsed = time.perf_counter() - started
    return Measurement(args.count, elapsed)


def async_get(args: argparse.Namespace) -> Measurement:
    if args.backend != "asyncio":
        raise SystemExit("aiohttp runs on asyncio only")
    return asyncio.run(_async_gets(args))


def versions() -> dict[str, str]:
    return versions_of("aiohttp", "multidict", "yarl")


if __name__ == "__main__":
    main({"A1": async_get}, versions)
