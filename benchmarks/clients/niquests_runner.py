"""niquests (peers venv, optional): AsyncSession over TLS + HTTP/2 for H2.

niquests is installed with urllib3-future kept apart from urllib3 (see peers.py), so it
does not replace the urllib3 that urllib3 and requests are measured with.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import niquests
from _common import CheckFailed, Measurement, check_body, main, versions_of


async def _gets(
    session: niquests.AsyncSession, url: str, total: int, concurrency: int, size: int, ca: str
) -> None:
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            # verify= on the session is not applied by this niquests; per request it is.
            response = await session.get(url, verify=ca)
            check_body(response.status_code or 0, len(response.content or b""), size)
            if response.http_version != 20:
                raise CheckFailed(f"HTTP version {response.http_version}, expected 2")

    await asyncio.gather(*(worker() for _ in range(min(concurrency, total))))


async def _async_gets(args: argparse.Namespace) -> Measurement:
    async with niquests.AsyncSession(
        disable_http3=True,
        timeout=60.0,
        revocation_configuration=None,  # no OCSP look-ups: loopback only
    ) as session:
        await _gets(session, args.url, args.warmup, args.concurrency, args.size, args.ca)
        started = time.perf_counter()
        await _gets(session, args.url, args.count, args.concurrency, args.size, args.ca)
        elapsed = time.perf_counter() - started
    return Measurement(args.count, elapsed)


def http2_get(args: argparse.Namespace) -> Measurement:
    return asyncio.run(_async_gets(args))


def versions() -> dict[str, str]:
    return versions_of("niquests", "urllib3-future", "jh2")


if __name__ == "__main__":
    main({"H2": http2_get}, versions)
