"""Server-sent events per second: ours against httpx-sse on httpx 0.28.1.

Run it with `scripts/bench sse` (see --help). A raw asyncio server runs in a child
process on 127.0.0.1, port 0 (so client and server each get a core): it streams
pre-built events (chunked transfer coding, kept-alive connections), so it is not the
bottleneck and the numbers measure the client side. Two scenarios:

* ``long``: one stream of ``--long-events`` events (LLM-style JSON deltas with an id
  and an event type, ~130 bytes each), events/s;
* ``short``: ``--streams`` streams of ``--short-events`` events each, opened one after
  the other on one client (a request per stream), events/s.

Clients (benchmarks/clients/sse_runner.py, each measurement in a fresh process):
``ours`` (`client.sse()`), ``ours+httpx-sse`` (httpx-sse on our httpx) and
``httpx028+httpx-sse`` (httpx-sse 0.4.3 on httpx 0.28.1, from the peers' venv, see
benchmarks/peers.py). Each cell is the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "clients" / "sse_runner.py"
OURS_PYTHON = HERE.parent / ".venv" / "bin" / "python"
CLIENTS = ["ours", "ours+httpx-sse", "httpx028+httpx-sse"]
RUN_TIMEOUT = 600
MAX_EVENTS = 10_000_000


# --- the server (child process) ----------------------------------------------------------


def event(number: int) -> bytes:
    data = json.dumps(
        {"id": "chatcmpl-1", "choices": [{"index": 0, "delta": {"content": f"tok{number} "}}]}
    )
    return f"id: {number}\nevent: delta\ndata: {data}\n\n".encode()


def chunked_body(events: int) -> bytes:
    """`events` events as a chunked body, 64 KiB chunks (events may straddle them)."""
    stream = b"".join(event(number) for number in range(1, events + 1))
    pieces = [stream[i : i + 65536] for i in range(0, len(stream), 65536)]
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n"
)


class _EventServer(asyncio.Protocol):
    """Answers each `GET /?events=N` with N events; requests have no body."""

    bodies: dict[int, bytes] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
            target = head.split(b" ", 2)[1].decode()
            count = int(parse_qs(urlsplit(target).query).get("events", ["1"])[0])
            count = max(1, min(count, MAX_EVENTS))
            body = self.bodies.get(count)
            if body is None:
                body = self.bodies[count] = chunked_body(count)
            self.transport.write(HEAD + body)


def serve(counts: list[int]) -> None:
    for count in counts:  # built before serving, so that no measurement pays for it
        _EventServer.bodies[count] = chunked_body(count)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    print(sock.getsockname()[1], flush=True)

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_EventServer, sock=sock)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# --- measuring ---------------------------------------------------------------------------


def measure(python: Path, client: str, mode: str, scenario: str, url: str, **counts: int) -> float:
    command = [str(python), str(RUNNER), "--client", client, "--mode", mode]
    command += ["--scenario", scenario, "--url", url]
    command += [f"--{name}={value}" for name, value in counts.items()]
    # From "/", so the peers' interpreter can never import the repo's httpx.
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd="/", check=False
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("BENCH-RESULT ")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"{client} {mode} {scenario} failed:\n{result.stderr[-2000:]}")
    found = json.loads(lines[-1].removeprefix("BENCH-RESULT "))
    # Which httpx was measured: ours lives in this repo, 0.28.1 in the peers' venv.
    ours = found["httpx_path"].startswith(str(HERE.parent / "httpx"))
    if ours == client.startswith("httpx028"):
        raise RuntimeError(f"{client} measured the httpx at {found['httpx_path']}")
    return float(found["events"] / found["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--long-events", type=int, default=200_000)
    parser.add_argument("--short-events", type=int, default=5)
    parser.add_argument("--streams", type=int, default=2_000)
    parser.add_argument("--modes", nargs="+", default=["sync", "asyncio", "trio"])
    parser.add_argument("--scenarios", nargs="+", default=["long", "short"])
    parser.add_argument("--clients", nargs="+", default=CLIENTS, choices=CLIENTS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a few seconds: small counts, 1 run")
    parser.add_argument("--write", metavar="FILE", help="also write the table (markdown) here")
    parser.add_argument("--serve", type=int, nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return
    if args.quick:
        args.long_events, args.streams, args.repeat = 20_000, 200, 1
    counts = [str(args.long_events), str(args.short_events)]

    pythons = {"ours": OURS_PYTHON, "ours+httpx-sse": OURS_PYTHON}
    if "httpx028+httpx-sse" in args.clients:
        sys.path.insert(0, str(HERE.parent))
        from benchmarks import peers

        pythons["httpx028+httpx-sse"] = peers.ensure_peers().python

    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", *counts], stdout=subprocess.PIPE, text=True
    )
    rows = []
    try:
        assert child.stdout is not None
        base = f"http://127.0.0.1:{int(child.stdout.readline())}/"
        for scenario in args.scenarios:
            events = args.long_events if scenario == "long" else args.short_events
            streams = 1 if scenario == "long" else args.streams
            url = f"{base}?events={events}"
            for mode in args.modes:
                row = [scenario, mode]
                for client in args.clients:
                    best = max(
                        measure(
                            pythons[client],
                            client,
                            mode,
                            scenario,
                            url,
                            events=events,
                            streams=streams,
                        )
                        for _ in range(args.repeat)
                    )
                    row.append(f"{best:,.0f}")
                    print(
                        f"{scenario:<6} {mode:<8} {client:<20} {best:>12,.0f} events/s", flush=True
                    )
                rows.append(row)
    finally:
        child.terminate()
        child.wait(10)

    table = ["| scenario | mode | " + " | ".join(args.clients) + " |"]
    table.append("|---|---|" + "---:|" * len(args.clients))
    table += ["| " + " | ".join(row) + " |" for row in rows]
    header = (
        f"events/s, best of {args.repeat}; long: 1 stream of {args.long_events:,} events; "
        f"short: {args.streams:,} streams of {args.short_events} events, one client; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    text = header + "\n\n" + "\n".join(table) + "\n"
    print("\n" + text)
    if args.write:
        Path(args.write).write_text(text)


if __name__ == "__main__":
    main()
