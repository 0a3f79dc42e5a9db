"""httpx: the same code measures ours (repo .venv) and httpx 0.28.1 (peers venv).

Whichever `httpx` the interpreter imports is the one measured; run.py checks the reported
module path so that a mix-up cannot go unnoticed. Both get identical settings: a 60 s
timeout (so pool waits at 1,000 concurrent tasks are not cut short), default limits for
the sync scenarios, and for A1/H2 a pool of `--connections` connections that may all stay
alive. TLS verification uses an SSLContext loaded with the run's CA (httpx 0.28
deprecates `verify=<path>`).
"""

from __future__ import annotations

import argparse
import ssl
import time

import anyio
from _common import (
    CheckFailed,
    Measurement,
    check_body,
    check_upload_reply,
    generate,
    main,
    upload_chunks,
    versions_of,
)

import httpx

TIMEOUT = httpx.Timeout(60.0)


def _limits(connections: int) -> httpx.Limits:
    return httpx.Limits(max_connections=connections, max_keepalive_connections=connections)


def sync_get(args: argparse.Namespace) -> Measurement:
    with httpx.Client(timeout=TIMEOUT) as client:
        for _ in range(args.warmup):
            response = client.get(args.url)
            check_body(response.status_code, len(response.content), args.size)
        started = time.perf_counter()
        for _ in range(args.count):
            response = client.get(args.url)
            check_body(response.status_code, len(response.content), args.size)
        elapsed = time.perf_counter() - started
    return Measurement(args.count, elapsed)


async def _gets(
    client: httpx.AsyncClient, url: str, total: int, concurrency: int, size: int, http2: bool
) -> None:
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            response = await client.get(url)
            check_body(response.status_code, len(response.content), size)
            if http2 and response.http_version != "HTTP/2":
                raise CheckFailed(f"{response.http_version} response, expected HTTP/2")

    async with anyio.create_task_group() as group:
        for _ in range(min(concurrency, total)):
            group.start_soon(worker)


async def _async_gets(args: argparse.Namespace, http2: bool) -> Measurement:
    options: dict[str, object] = {"timeout": TIMEOUT, "limits": _limits(args.connections)}
    if http2:
        options["http2"] = True
        options["verify"] = ssl.create_default_context(cafile=args.ca)
    async with httpx.AsyncClient(**options) as client:  # type: ignore[arg-type]
        await _gets(client, args.url, args.warmup, args.concurrency, args.size, http2)
        started = time.perf_counter()
        await _gets(client, args.url, args.count, args.concurrency, args.size, http2)
        elapsed = time.perf_counter() - started
    return Measurement(args.count, elapsed)


def async_get(args: argparse.Namespace) -> Measurement:
    return anyio.run(_async_gets, args, False, backend=args.backend)


def http2_get(args: argparse.Namespace) -> Measurement:
    return anyio.run(_async_gets, args, True, backend=args.backend)


def _download(client: httpx.Client, url: str, size: int, raw: bool) -> None:
    received = 0
    with client.stream("GET", url) as response:
        chunks = response.iter_raw() if raw else response.iter_bytes()
        for chunk in chunks:
            received += len(chunk)
        check_body(response.status_code, received, size)


def download(args: argparse.Namespace) -> Measurement:
    if args.variant not in ("iter_bytes", "iter_raw"):
        raise SystemExit(f"unknown D1 variant {args.variant!r}")
    raw = args.variant == "iter_raw"
    with httpx.Client(timeout=TIMEOUT) as client:
        for _ in range(args.warmup):
            _download(client, args.url, args.size, raw)
        started = time.perf_counter()
        for _ in range(args.count):
            _download(client, args.url, args.size, raw)
        elapsed = time.perf_counter() - started
    return Measurement(args.count * args.size, elapsed)


def upload(args: argparse.Namespace) -> Measurement:
    body = bytes(args.size)
    chunks = upload_chunks(body) if args.variant == "generator" else []
    if args.variant not in ("bytes", "generator", "file"):
        raise SystemExit(f"unknown U1 variant {args.variant!r}")

    def send(client: httpx.Client) -> None:
        if args.variant == "file":
            with open(args.body_file, "rb") as file:
                response = client.post(args.url, content=file)
        elif args.variant == "generator":
            response = client.post(args.url, content=generate(chunks))
        else:
            response = client.post(args.url, content=body)
        check_upload_reply(response.status_code, response.content, args.size)

    with httpx.Client(timeout=TIMEOUT) as client:
        for _ in range(args.warmup):
            send(client)
        started = time.perf_counter()
        for _ in range(args.count):
            send(client)
        elapsed = time.perf_counter() - started
    return Measurement(args.count * args.size, elapsed)


def create_close(args: argparse.Namespace) -> Measurement:
    # The first client pays one-off costs (for ours: loading the CA bundle it then
    # shares); it is reported apart and not timed with the rest.
    started = time.perf_counter()
    httpx.Client().close()
    first = time.perf_counter() - started
    for _ in range(args.warmup):
        httpx.Client().close()
    started = time.perf_counter()
    for _ in range(args.count):
        httpx.Client().close()
    elapsed = time.perf_counter() - started
    return Measurement(args.count, elapsed, {"first_seconds": first})


def versions() -> dict[str, str]:
    found = versions_of("httpcore", "h11", "h2", "anyio", "trio")
    found["httpx"] = httpx.__version__
    found["httpx_path"] = httpx.__file__ or ""
    return found


if __name__ == "__main__":
    main(
        {
            "S1": sync_get,
            "A1": async_get,
            "D1": download,
            "U1": upload,
            "H2": http2_get,
            "C1": create_close,
        },
        versions,
    )
