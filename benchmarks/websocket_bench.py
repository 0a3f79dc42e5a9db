"""WebSocket echo round trips per second: ours against httpx-ws on httpx 0.28.1.

Run it with `scripts/bench websocket` (see --help). An echo server runs in a child
process on 127.0.0.1, port 0 (so client and server each get a core): plain asyncio with
wsproto's server side, which costs less per message than the clients measured, so the
numbers compare the clients. Each measurement is a fresh process
(clients/websocket_runner.py) doing sequential round trips (a text message, then its
echo) on one session:

* ``ours``: `Client.websocket()` / `AsyncClient.websocket()` of this repository;
* ``httpx-ws on httpx 0.28.1``: the httpx-ws add-on in the peers' venv
  (benchmarks/.peers-venv, see peers.py);
* ``httpx-ws on ours``: the same add-on on this repository's httpx (repo .venv);

in sync mode and on asyncio and trio. A cell is the median of ``--rounds`` rounds; the
rounds interleave the clients so that machine noise spreads evenly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RUNNER = HERE / "clients" / "websocket_runner.py"
RESULT_PREFIX = "BENCH-RESULT "
MODES = ("sync", "asyncio", "trio")
# (label, impl, venv)
CLIENTS = (
    ("ours", "ours", "ours"),
    ("httpx-ws on httpx 0.28.1", "httpx-ws", "peers"),
    ("httpx-ws on ours", "httpx-ws", "ours"),
)


# --- the echo server (child process) -------------------------------------------------------


class _EchoProtocol(asyncio.Protocol):
    """One connection: the opening handshake, then every message echoed as it came."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        import wsproto

        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.connection = wsproto.WSConnection(wsproto.ConnectionType.SERVER)

    def data_received(self, data: bytes) -> None:
        from wsproto import events

        connection = self.connection
        connection.receive_data(data)
        out = bytearray()
        for event in connection.events():
            if isinstance(event, events.Request):
                out += connection.send(events.AcceptConnection())
            elif isinstance(event, events.Message):
                echo = type(event)(data=event.data, message_finished=event.message_finished)
                out += connection.send(echo)
            elif isinstance(event, events.Ping):
                out += connection.send(event.response())
            elif isinstance(event, events.CloseConnection):
                out += connection.send(event.response())
                self.transport.write(bytes(out))
                self.transport.close()
                return
        if out:
            self.transport.write(bytes(out))


def serve() -> None:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    print(sock.getsockname()[1], flush=True)

    async def serve_forever() -> None:
        server = await asyncio.get_running_loop().create_server(_EchoProtocol, sock=sock)
        async with server:
            await server.serve_forever()

    asyncio.run(serve_forever())


# --- the driver ----------------------------------------------------------------------------


def measure(
    python: Path, venv: str, impl: str, mode: str, url: str, args: argparse.Namespace
) -> float:
    """Round trips per second of one fresh runner process."""
    command = [str(python), str(RUNNER), "--impl", impl, "--mode", mode, "--url", url]
    command += ["--count", str(args.count), "--warmup", str(args.warmup)]
    command += ["--size", str(args.size)]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    # As run.py: from benchmarks/clients, where the runners find _common next to them and
    # where the peers' venv cannot import the repository's httpx.
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=args.timeout,
        cwd=RUNNER.parent,
        env=env,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"{impl} {mode} ({venv}) failed:\n{result.stderr[-2000:]}")
    data = json.loads(lines[-1][len(RESULT_PREFIX) :])
    httpx_path = data["httpx_path"]
    if venv == "ours" and not httpx_path.startswith(str(REPO / "httpx")):
        raise RuntimeError(f"the repo's venv imported httpx from {httpx_path}")
    if venv == "peers" and data["versions"].get("httpx") != "0.28.1":
        raise RuntimeError(f"the peers' venv imported httpx from {httpx_path}, not 0.28.1")
    return float(data["units"]) / float(data["elapsed"])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--count", type=int, default=5000, help="round trips per measurement")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--size", type=int, default=32, help="characters per message")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--timeout", type=float, default=300.0, help="per measurement, s")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return

    sys.path.insert(0, str(REPO))
    from benchmarks.peers import ensure_peers

    ours_python = REPO / ".venv" / "bin" / "python"
    pythons = {"ours": ours_python, "peers": ensure_peers().python}
    modes = [mode for mode in args.modes.split(",") if mode]
    server = subprocess.Popen(
        [str(ours_python), __file__, "--serve"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        url = f"ws://127.0.0.1:{server.stdout.readline().strip()}/"
        samples: dict[tuple[str, str], list[float]] = {}
        for round_number in range(args.rounds):
            for mode in modes:
                for label, impl, venv in CLIENTS:
                    rate = measure(pythons[venv], venv, impl, mode, url, args)
                    samples.setdefault((label, mode), []).append(rate)
            print(f"round {round_number + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    finally:
        server.terminate()
        server.wait(10)

    print(f"WebSocket echo, {args.size}-character text messages, sequential round trips on")
    print(f"one session; median of {args.rounds} rounds of {args.count} round trips.")
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs.\n")
    labels = [label for label, _, _ in CLIENTS]
    print("| mode | " + " | ".join(labels) + " | ours / httpx-ws on 0.28.1 |")
    print("|---" * (len(CLIENTS) + 2) + "|")
    for mode in modes:
        medians = [statistics.median(samples[(label, mode)]) for label in labels]
        cells = " | ".join(f"{value:,.0f}" for value in medians)
        print(f"| {mode} | {cells} | {medians[0] / medians[1]:.2f}x |")


if __name__ == "__main__":
    main()
