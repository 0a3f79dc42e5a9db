"""The storms' server: tests/servers/faults.FaultServer, in a child process.

In its own process the server gets a core of its own (the client's threads and event
loops would otherwise share one interpreter lock with it), and the client process holds
no server sockets, so its count of open sockets is exactly the client's. The child
answers one-line commands on stdin ("stats", "quit") with one JSON line on stdout.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ServerProcess:
    """A running FaultServer child: its URLs, and its connection counts on demand."""

    def __init__(self) -> None:
        self._child = subprocess.Popen(
            [sys.executable, "-m", "stress.server"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._child.stdout is not None
        started = json.loads(self._child.stdout.readline())
        self.url: str = started["url"]
        self.reset_on_accept_url: str = started["reset_on_accept_url"]

    def url_for(self, path: str) -> str:
        return self.url + path.lstrip("/")

    def stats(self) -> dict[str, int]:
        return typing.cast(dict[str, int], self._command("stats"))

    def wait_for_open_connections(self, expected: int = 0, timeout: float = 5.0) -> int:
        """Wait (bounded) until the server has at most `expected` connections open."""
        deadline = time.monotonic() + timeout
        while True:
            open_now = self.stats()["open"]
            if open_now <= expected or time.monotonic() > deadline:
                return open_now
            time.sleep(0.02)

    def _command(self, command: str) -> object:
        assert self._child.stdin is not None and self._child.stdout is not None
        self._child.stdin.write(command + "\n")
        self._child.stdin.flush()
        return json.loads(self._child.stdout.readline())

    def close(self) -> None:
        try:
            self._command("quit")
        finally:
            self._child.wait(10)
            for pipe in (self._child.stdin, self._child.stdout):
                if pipe is not None:
                    pipe.close()


def serve() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.servers.faults import FaultServer

    server = FaultServer().start()
    print(json.dumps({"url": server.url, "reset_on_accept_url": server.reset_on_accept_url}))
    sys.stdout.flush()
    try:
        for line in sys.stdin:
            command = line.strip()
            if command == "stats":
                reply = {
                    "open": server.open_connections,
                    "connections": server.connections,
                    "served": server.requests_served,
                }
                print(json.dumps(reply), flush=True)
            elif command == "quit":
                print("{}", flush=True)
                break
    finally:
        server.stop()


if __name__ == "__main__":
    serve()
