"""Per-phase timings of a response, and the pool's state: what the transports observe.

`Timings` is ``response.extensions["timings"]`` on responses from the default
transports: how long each phase of the exchange took, in seconds. It reads as a
mapping from phase name to seconds (``dict(timings)``, ``timings["ttfb"]``) and as
attributes (``timings.ttfb``). The phases, in order:

* ``pool``: waiting for a connection from the pool (0 when one was free);
* ``dns``: name resolution (0 on a reused connection, or for an IP address);
* ``connect``: the TCP connection, and through a proxy the tunnel or SOCKS handshake;
* ``tls``: the TLS handshake (0 for http://, or on a reused connection);
* ``send``: writing the request, head and body;
* ``ttfb``: from the request sent to the response head received (time to first byte);
* ``body``: from the response head to the end of the body (or until it was closed).

They are measured on one monotonic clock between marks that follow each other, so they
never overlap, and their sum (`total`) is never more than ``response.elapsed``.

`PoolStatus` is what `Client.pool_status()` reports for one origin: idle and active
connections, and requests queued for a connection.

The transport makes a `Timings` per request and makes it current (`current_timings`,
a context variable, like the deadline's) while the request goes through the pool and
the connect step, which record their phases in it.
"""

from __future__ import annotations

import contextvars
import time
import typing
from collections.abc import Iterator, Mapping

__all__ = ["PHASES", "PoolStatus", "Timings", "current_timings"]

PHASES = ("pool", "dns", "connect", "tls", "send", "ttfb", "body")


class Timings(Mapping[str, float]):
    """Seconds spent in each phase of one exchange (see the module docstring)."""

    __slots__ = (
        "_body_done",
        "_head_at",
        "_reading",
        "_sent_at",
        "_started",
        "body",
        "connect",
        "dns",
        "pool",
        "send",
        "tls",
        "ttfb",
    )

    pool: float
    dns: float
    connect: float
    tls: float
    send: float
    ttfb: float
    body: float

    def __init__(self, started: float | None = None) -> None:
        self._started = time.perf_counter() if started is None else started
        self._sent_at: float | None = None
        self._reading = False  # the request is out: later writes are not part of it
        self._head_at: float | None = None
        self._body_done = False
        self.pool = self.dns = self.connect = self.tls = 0.0
        self.send = self.ttfb = self.body = 0.0

    # --- the mapping ---------------------------------------------------------------------

    def __getitem__(self, phase: str) -> float:
        if phase not in PHASES:
            raise KeyError(phase)
        value: float = getattr(self, phase)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(PHASES)

    def __len__(self) -> int:
        return len(PHASES)

    @property
    def total(self) -> float:
        """The sum of the phases: the exchange, from the transport's start."""
        return float(sum(getattr(self, phase) for phase in PHASES))

    def __repr__(self) -> str:
        phases = ", ".join(f"{phase}={getattr(self, phase):.6f}" for phase in PHASES)
        return f"Timings({phases})"

    # --- recording (by the transport, the pool and the connect step) -------------------------

    def add(self, phase: str, seconds: float) -> None:
        """Count `seconds` more in `phase` (pool, dns, connect or tls)."""
        setattr(self, phase, getattr(self, phase) + max(0.0, seconds))

    def mark_sent(self) -> None:
        """A piece of the request was written: the last one before the response is read
        marks when it was all sent (an HTTP/2 connection's acknowledgements, written
        while reading, do not count)."""
        if not self._reading:
            self._sent_at = time.perf_counter()

    def mark_read(self) -> None:
        """The connection reads (for the response, once something was written)."""
        if self._sent_at is not None:
            self._reading = True

    def connected(self) -> None:
        """The connect step is done: what it wrote and read (a proxy's CONNECT) is not
        the request's."""
        self._sent_at = None
        self._reading = False

    def mark_head(self) -> None:
        """The response head has arrived: `send` and `ttfb` are known from here."""
        now = time.perf_counter()
        self._head_at = now
        self._fit(now - self._started)
        ready = self._started + self.pool + self.dns + self.connect + self.tls
        sent = self._sent_at if self._sent_at is not None else ready
        sent = min(max(sent, ready), now)
        self.send = max(0.0, sent - ready)
        self.ttfb = now - sent

    def _fit(self, elapsed: float) -> None:
        # The recorded phases follow each other, so they fit in the time since the
        # start; should they not (a clock's rounding), the latest give way, so that
        # the phases never add up to more than the exchange took.
        excess = self.pool + self.dns + self.connect + self.tls - elapsed
        for phase in ("tls", "connect", "dns", "pool"):
            if excess <= 0:
                return
            value = getattr(self, phase)
            cut = min(value, excess)
            setattr(self, phase, value - cut)
            excess -= cut

    def mark_body_done(self) -> None:
        """The body was read to its end, or the response closed: `body` is known."""
        if self._body_done or self._head_at is None:
            return
        self._body_done = True
        self.body = time.perf_counter() - self._head_at


current_timings: contextvars.ContextVar[Timings | None] = contextvars.ContextVar(
    "httpx_current_timings", default=None
)


def record_connected() -> None:
    """The connect step finished for the current request, if it has timings."""
    timings = current_timings.get()
    if timings is not None:
        timings.connected()


def record(phase: str, started: float) -> None:
    """Count the time since `started` in `phase` of the current request, if any."""
    timings = current_timings.get()
    if timings is not None:
        timings.add(phase, time.perf_counter() - started)


class PoolStatus(typing.NamedTuple):
    """One origin's share of a connection pool."""

    idle: int  # connections kept alive, waiting for a request
    active: int  # connections carrying requests (or connecting)
    queued: int  # requests waiting for a connection


def merge_status(
    statuses: typing.Iterable[Mapping[str, PoolStatus]],
) -> dict[str, PoolStatus]:
    """Several pools' status, added up per origin."""
    merged: dict[str, PoolStatus] = {}
    for status in statuses:
        for origin, counts in status.items():
            before = merged.get(origin)
            if before is None:
                merged[origin] = counts
            else:
                merged[origin] = PoolStatus(
                    before.idle + counts.idle,
                    before.active + counts.active,
                    before.queued + counts.queued,
                )
    return merged


# `httpx.X` as users see them (in reprs and tracebacks), however they were imported:
# `import httpx` loads this module on first use (httpx/__init__.py `_LAZY`).
PoolStatus.__module__ = "httpx"
Timings.__module__ = "httpx"
