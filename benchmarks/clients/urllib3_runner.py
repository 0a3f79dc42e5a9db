"""urllib3 (peers venv): a PoolManager for S1, D1 and U1."""

from __future__ import annotations

import argparse
import time

import urllib3
from _common import Measurement, check_body, check_upload_reply, main, versions_of

TIMEOUT = urllib3.Timeout(60.0)
DOWNLOAD_CHUNK = 1 << 20


def sync_get(args: argparse.Namespace) -> Measurement:
    with urllib3.PoolManager(timeout=TIMEOUT, retries=False) as pool:
        for _ in range(args.warmup):
            response = pool.request("GET", args.url)
            check_body(response.status, len(response.data), args.size)
        started = time.perf_counter()
        for _ in range(args.count):
            response = pool.request("GET", args.url)
            check_body(response.status, len(response.data), args.size)
        elapsed = time.perf_counter() - started
    return Measurement(args.count, elapsed)


def _download(pool: urllib3.PoolManager, url: str, size: int) -> None:
    response = pool.request("GET", url, preload_content=False)
    received = 0
    for chunk in response.stream(DOWNLOAD_CHUNK):
        received += len(chunk)
    response.release_conn()
    check_body(response.status, received, size)


def download(args: argparse.Namespace) -> Measurement:
    with urllib3.PoolManager(timeout=TIMEOUT, retries=False) as pool:
        for _ in range(args.warmup):
            _download(pool, args.url, args.size)
        started = time.perf_counter()
        for _ in range(args.count):
            _download(pool, args.url, args.size)
        elapsed = time.perf_counter() - started
    return Measurement(args.count * args.size, elapsed)


def upload(args: argparse.Namespace) -> Measurement:
    body = bytes(args.size)
    with urllib3.PoolManager(timeout=TIMEOUT, retries=False) as pool:

        def send() -> None:
            response = pool.request("POST", args.url, body=body)
            check_upload_reply(response.status, response.data, args.size)

        for _ in range(args.warmup):
            send()
        started = time.perf_counter()
        for _ in range(args.count):
            send()
        elapsed = time.perf_counter() - started
    return Measurement(args.count * args.size, elapsed)


def versions() -> dict[str, str]:
    found = versions_of("urllib3")
    # Differs from the distribution's version if urllib3-future shadowed the package.
    found["urllib3_module"] = getattr(urllib3, "__version__", "?")
    return found


if __name__ == "__main__":
    main({"S1": sync_get, "D1": download, "U1": upload}, versions)
