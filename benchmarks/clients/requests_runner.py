"""requests (peers venv): a Session for S1, D1, U1 and C1."""

from __future__ import annotations

import argparse
import time

import requests
from _common import Measurement, check_body, check_upload_reply, main, versions_of

TIMEOUT = 60.0
DOWNLOAD_CHUNK = 1 << 20  # requests' iter_content default (1 byte) would measure nothing else


def sync_get(args: argparse.Namespace) -> Measurement:
    with requests.Session() as session:
        for _ in range(args.warmup):
            response = session.get(args.url, timeout=TIMEOUT)
            check_body(response.status_code, len(response.content), args.size)
        started = time.perf_counter()
        for _ in range(args.count):
            response = session.get(args.url, timeout=TIMEOUT)
            check_body(response.status_code, len(response.content), args.size)
        elapsed = time.perf_counter() - started
    return Measurement(args.count, elapsed)


def _download(session: requests.Session, url: str, size: int) -> None:
    received = 0
    with session.get(url, stream=True, timeout=TIMEOUT) as response:
        for chunk in response.iter_content(chunk_size=DOWNLOAD_CHUNK):
            received += len(chunk)
        check_body(response.status_code, received, size)


def download(args: argparse.Namespace) -> Measurement:
    with requests.Session() as session:
        for _ in range(args.warmup):
            _download(session, args.url, args.size)
        started = time.perf_counter()
        for _ in range(args.count):
            _download(session, args.url, args.size)
        elapsed = time.perf_counter() - started
    return Measurement(args.count * args.size, elapsed)


def upload(args: argparse.Namespace) -> Measurement:
    body = bytes(args.size)
    with requests.Session() as session:

        def send() -> None:
            response = session.post(args.url, data=body, timeout=TIMEOUT)
            check_upload_reply(response.status_code, response.content, args.size)

        for _ in range(args.warmup):
            send()
        started = time.perf_counter()
        for _ in range(args.count):
            send()
        elapsed = time.perf_counter() - started
    return Measurement(args.count * args.size, elapsed)


def create_close(args: argparse.Namespace) -> Measurement:
    started = time.perf_counter()
    requests.Session().close()
    first = time.perf_counter() - started
    for _ in range(args.warmup):
        requests.Session().close()
    started = time.perf_counter()
    for _ in range(args.count):
        requests.Session().close()
    elapsed = time.perf_counter() - started
    return Measurement(args.count, elapsed, {"first_seconds": first})


def versions() -> dict[str, str]:
    return versions_of("requests", "urllib3")


if __name__ == "__main__":
    main({"S1": sync_get, "D1": download, "U1": upload, "C1": create_close}, versions)
