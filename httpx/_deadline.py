"""The overall deadline of one request: ``Timeout(total=...)``.

A `Deadline` is created once, when the request flow starts (`_flow.send_flow`), and
covers everything that follows: waiting for a pooled connection, connecting, sending,
every redirect and auth round-trip, and reading the body (for a streamed response, until
it has been read).

How it is enforced
------------------
While a step of the request runs, the deadline is the value of `current_deadline` (a
context variable, so each thread and each task sees its own request's deadline, and the
body of a streamed response sees it only while a chunk is being read):

* The transports shorten every per-operation timeout they hand down to the remaining
  time: the pool wait (`_transports/default.py`), and each connect, TLS handshake, read
  and write (the network backends in `_transports/network.py`). The operation that runs
  out then fails the way it always does, with httpcore's own timeout of that kind, and a
  server that drips one byte at a time cannot outlast the deadline.
* The async driver (`_flow.run_async`) also puts a cancel scope around each step, as a
  backstop for waits that have no timeout of their own (HTTP/2 stream slots and locks,
  transports that are not httpcore's: ASGI apps, mock handlers).
* Each step records which kind of operation it is in (`Deadline.phase`), so that a
  deadline that runs out is reported as the `TimeoutException` subclass of that step:
  `PoolTimeout`, `ConnectTimeout`, `WriteTimeout` or `ReadTimeout`.
"""

from __future__ import annotations

import collections.abc
import contextvars
import time
import typing

from ._exceptions import ConnectTimeout, PoolTimeout, ReadTimeout, TimeoutException, WriteTimeout

if typing.TYPE_CHECKING:  # pragma: no cover
    from ._models import Request

__all__ = ["Deadline", "current_deadline", "deadline_for_request"]

Phase = type[TimeoutException]

_ACTIVITY: dict[Phase, str] = {
    PoolTimeout: "waiting for a connection from the pool",
    ConnectTimeout: "connecting",
    WriteTimeout: "sending the request",
    ReadTimeout: "receiving the response",
}

# Timers can fire a hair early relative to time.monotonic() (event loops round to their
# clock resolution), so "the deadline has passed" allows this much.
_EXPIRY_TOLERANCE = 0.005


class Deadline:
    """When one request's total time runs out, and what the request is doing now."""

    __slots__ = ("expires_at", "phase", "total")

    def __init__(self, total: float) -> None:
        self.total = total
        self.expires_at = time.monotonic() + total
        # A request starts by waiting for a connection; the transport and the network
        # backends move it on to ConnectTimeout, WriteTimeout and ReadTimeout.
        self.phase: Phase = PoolTimeout

    def remaining(self) -> float:
        """Seconds left (zero or negative once the deadline has passed)."""
        return self.expires_at - time.monotonic()

    def expired(self) -> bool:
        return self.expires_at - time.monotonic() <= _EXPIRY_TOLERANCE

    def limit(self, timeout: float | None, phase: Phase) -> float:
        """Enter `phase`; return `timeout` shortened to the time left (<= 0: none left)."""
        self.phase = phase
        remaining = self.expires_at - time.monotonic()
        if timeout is None or remaining < timeout:
            return remaining
        return timeout

    def message(self, phase: Phase | None = None) -> str:
        activity = _ACTIVITY.get(phase or self.phase, "processing the request")
        return f"The total deadline of {self.total} s was exceeded while {activity}."

    def error(self, request: Request | None, phase: Phase | None = None) -> TimeoutException:
        """The exception for running out during `phase` (default: the current phase)."""
        phase = phase or self.phase
        return phase(self.message(phase), request=request)

    def __repr__(self) -> str:
        return f"<Deadline total={self.total} remaining={self.remaining():.3f}>"


current_deadline: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar(
    "httpx_current_deadline", default=None
)


def deadline_for_request(request: Request) -> Deadline | None:
    """A new deadline from the request's ``timeout`` extension, if it has a "total"."""
    timeouts = request.extensions.get("timeout")
    # (The client's own dict is checked first: an isinstance of an ABC costs more.)
    if type(timeouts) is not dict and not isinstance(timeouts, collections.abc.Mapping):
        return None
    total = timeouts.get("total")
    if total is None:
        return None
    if isinstance(total, bool) or not isinstance(total, (int, float)) or total != total:
        raise TypeError(f"The 'total' timeout must be a number of seconds or None, not {total!r}")
    if total == float("inf"):
        return None
    return Deadline(float(total))
