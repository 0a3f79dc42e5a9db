"""What a storm reports: one `Row` per scenario and backend, printed as a table."""

from __future__ import annotations

import dataclasses
import gc
import os
import time

import anyio

COLUMNS = [
    "scenario",
    "backend",
    "requests",
    "ok",
    "expected errors",
    "unexpected errors",
    "follow-up success",
    "open sockets after close",
    "seconds",
    "notes",
]


@dataclasses.dataclass
class Row:
    scenario: str
    backend: str
    requests: int = 0
    ok: int = 0
    expected_errors: int = 0
    unexpected_errors: int = 0
    follow_ups: int = 0
    follow_ups_ok: int = 0
    open_sockets: int = 0  # client side, after the client was closed
    server_open: int = 0  # server side, after the client was closed
    seconds: float = 0.0
    notes: list[str] = dataclasses.field(default_factory=list)
    examples: list[str] = dataclasses.field(default_factory=list)  # unexpected errors

    def unexpected(self, exc: BaseException) -> None:
        self.unexpected_errors += 1
        if len(self.examples) < 5:
            self.examples.append(repr(exc))

    @property
    def passed(self) -> bool:
        return (
            self.unexpected_errors == 0
            and self.follow_ups_ok == self.follow_ups
            and self.open_sockets == 0
            and self.server_open == 0
        )

    def cells(self) -> list[str]:
        follow = f"{self.follow_ups_ok:,}/{self.follow_ups:,}" if self.follow_ups else "-"
        sockets = f"{self.open_sockets} (server: {self.server_open})"
        return [
            self.scenario,
            self.backend,
            f"{self.requests:,}",
            f"{self.ok:,}",
            f"{self.expected_errors:,}",
            f"{self.unexpected_errors:,}",
            follow,
            sockets,
            f"{self.seconds:.1f}",
            "; ".join(self.notes),
        ]


class Timer:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self.started


async def settle() -> None:
    """Let the event loop run the callbacks that finish closing sockets (asyncio closes
    a transport's socket on the loop iteration after `close()`)."""
    await anyio.sleep(0.05)


def open_sockets() -> int:
    """Sockets this process holds open (Linux: /proc/self/fd; elsewhere 0)."""
    gc.collect()  # what only the cycle collector would free is not "open"
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return 0
    count = 0
    for name in names:
        try:
            if os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                count += 1
        except OSError:
            pass  # closed while we looked (listdir's own fd)
    return count


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)
