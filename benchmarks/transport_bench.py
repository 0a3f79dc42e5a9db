"""Requests per second through our async transport and pool versus httpcore's own pool.

Run it with `scripts/bench transport` (see --help; results in
benchmarks/RESULTS-transport.md). A server is started in a child process on 127.0.0.1,
port 0, so client and server each get a core of their own:

* ``--server raw``: a minimal asyncio server that answers every request on a kept-alive
  connection with the same 13-byte response. It is not the bottleneck, so the numbers
  measure the client side.
* ``--server uvicorn``: uvicorn (h11, asyncio loop) serving a tiny ASGI app. More
  realistic, but on this machine uvicorn itself saturates first.

Clients, each sending ``--requests`` GET requests with ``--concurrency`` tasks:

* ``httpcore-stock``: httpcore.AsyncConnectionPool, httpcore requests.
* ``indexed-pool``: our AsyncPool, httpcore requests (same work, other pool).
* ``transport-stock-pool``: our AsyncHTTPTransport forced onto httpcore's pool, with our
  Request/Response objects (what httpx 0.28 does).
* ``transport``: our AsyncHTTPTransport as shipped (indexed pool).

All use httpx's default limits (100 connections, 20 kept alive) unless told otherwise.
Each cell is the best of ``--repeat`` runs, each on a fresh pool.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import httpcore
import uvicorn

import httpx
from httpx._transports.pool import AsyncPool

RESPONSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 13\r\n\r\nhello, world!"
)


# --- servers (run in a child process) --------------------------------------------------------


class _RawHTTP(asyncio.Protocol):
    """Answers each request head (no request bodies) with RESPONSE, keeping the connection."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        count = self.buffer.count(b"\r\n\r\n")
        if count:
            self.buffer = self.buffer[self.buffer.rfind(b"\r\n\r\n") + 4 :]
            self.transport.write(RESPONSE * count)


def _listening_socket() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this on Linux. uvicorn does not set it, and it writes the
    # response head and body separately: without it, Nagle's algorithm holds the body
    # until the client's delayed ACK, 40 ms per request on a kept-alive connection.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    return sock


async def _hello_app(scope: dict, receive: Callable, send: Callable) -> None:  # type: ignore[type-arg]
    if scope["type"] != "http":
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", b"13")],
        }
    )
    await send({"type": "http.response.body", "body": b"hello, world!"})


def serve(kind: str) -> None:
    sock = _listening_socket()
    print(sock.getsockname()[1], flush=True)
    if kind == "raw":

        async def main() -> None:
            server = await asyncio.get_running_loop().create_server(_RawHTTP, sock=sock)
            async with server:
                await server.serve_forever()

        asyncio.run(main())
    else:
        config = uvicorn.Config(
            _hello_app,
            loop="asyncio",
            http="h11",
            lifespan="off",
            log_level="warning",
            access_log=False,
        )
        uvicorn.Server(config).run(sockets=[sock])


# --- clients -------------------------------------------------------------------------------------

Send = Callable[[], Awaitable[None]]


def _httpcore_client(pool: httpcore.AsyncConnectionPool, url: str) -> Send:
    request = httpcore.Request("GET", url, headers=[(b"Host", url.split("/")[2].encode())])

    async def send() -> None:
        response = await pool.handle_async_request(request)
        try:
            await response.aread()
        finally:
            await response.aclose()
        assert response.status == 200

    return send


def _transport_client(transport: httpx.AsyncHTTPTransport, url: str) -> Send:
    parsed = httpx.URL(url)

    async def send() -> None:
        response = await transport.handle_async_request(httpx.Request("GET", parsed))
        try:
            await response.aread()
        finally:
            await response.aclose()
        assert response.status_code == 200

    return send


async def run_once(
    client: str, url: str, requests: int, concurrency: int, keepalive: int
) -> float:
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=keepalive)
    pool: httpcore.AsyncConnectionPool
    if client in ("httpcore-stock", "indexed-pool"):
        pool_class = AsyncPool if client == "indexed-pool" else httpcore.AsyncConnectionPool
        pool = pool_class(max_connections=100, max_keepalive_connections=keepalive)
        send = _httpcore_client(pool, url)
    else:
        transport = httpx.AsyncHTTPTransport(limits=limits)
        if client == "transport-stock-pool":
            # What httpx 0.28 builds for these limits.
            transport._pool = httpcore.AsyncConnectionPool(
                max_connections=limits.max_connections,
                max_keepalive_connections=limits.max_keepalive_connections,
                keepalive_expiry=limits.keepalive_expiry,
            )
        pool = transport._pool
        send = _transport_client(transport, url)
    remaining = requests

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await send()

    async with pool:
        started = time.perf_counter()
        async with anyio.create_task_group() as group:
            for _ in range(concurrency):
                group.start_soon(worker)
        elapsed = time.perf_counter() - started
    return requests / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", choices=["raw", "uvicorn"], default="raw")
    parser.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keepalive", type=int, default=20, help="max_keepalive_connections")
    parser.add_argument(
        "--clients",
        nargs="+",
        default=["httpcore-stock", "indexed-pool", "transport-stock-pool", "transport"],
    )
    parser.add_argument("--write", metavar="FILE", help="also write the table (markdown) here")
    parser.add_argument("--serve", choices=["raw", "uvicorn"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return

    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", args.server], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())
        url = f"http://127.0.0.1:{port}/"
        rows = []
        for concurrency in args.concurrency:
            row = [str(concurrency)]
            for client in args.clients:
                best = max(
                    anyio.run(
                        run_once,
                        client,
                        url,
                        args.requests,
                        concurrency,
                        args.keepalive,
                        backend=args.backend,
                    )
                    for _ in range(args.repeat)
                )
                row.append(f"{best:,.0f}")
                print(
                    f"concurrency {concurrency:>4}  {client:<22} {best:>9,.0f} req/s", flush=True
                )
            rows.append(row)
    finally:
        child.terminate()
        child.wait(10)

    table = ["| concurrency | " + " | ".join(args.clients) + " |"]
    table.append("|---:|" + "---:|" * len(args.clients))
    table += ["| " + " | ".join(row) + " |" for row in rows]
    header = (
        f"server: {args.server}, backend: {args.backend}, {args.requests} requests per run, "
        f"best of {args.repeat}, max_keepalive_connections={args.keepalive}; "
        f"Python {platform.python_version()}, httpcore {httpcore.__version__}, "
        f"{os.cpu_count()} CPUs"
    )
    text = header + "\n\n" + "\n".join(table) + "\n"
    print("\n" + text)
    if args.write:
        Path(args.write).write_text(text)


if __name__ == "__main__":
    main()
