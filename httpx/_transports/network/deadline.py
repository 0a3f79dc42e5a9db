"""The overall deadline of a request (``Timeout(total=...)``, see `httpx._deadline`), as
the network layer applies it.

The connections pass a timeout to every connect, TLS handshake, read and write; the
streams and backends of async_deadline.py (and its generated sync twin) shorten it to the
time the current request has left, with `limit_timeout`, and record which kind of
operation the request is in. A server that drips one byte at a time (each read well
within the read timeout) thus still fails the request, with httpcore's `ReadTimeout`, when
its deadline runs out. With no deadline set (the default) an operation costs one
context-variable lookup more.
"""

from __future__ import annotations

import httpcore

from ..._deadline import Phase, current_deadline
from ..._exceptions import ConnectTimeout, PoolTimeout, ReadTimeout, WriteTimeout

__all__ = [
    "HTTPCORE_TIMEOUTS",
    "enter_phase",
    "limit_sleep",
    "limit_timeout",
    "pass_through_extras",
    "speaks_h2",
]

# Our phase -> the httpcore exception raised inside httpcore when no time is left, so
# that httpcore cleans up as after any timeout of its own (the transport maps it back).
HTTPCORE_TIMEOUTS: dict[Phase, type[httpcore.TimeoutException]] = {
    PoolTimeout: httpcore.PoolTimeout,
    ConnectTimeout: httpcore.ConnectTimeout,
    WriteTimeout: httpcore.WriteTimeout,
    ReadTimeout: httpcore.ReadTimeout,
}


def limit_timeout(timeout: float | None, phase: Phase) -> float | None:
    """`timeout` shortened to the current request's remaining time, if it has a deadline.

    Raises httpcore's timeout for `phase` when no time is left: a zero or negative
    timeout must not reach a socket (zero means non-blocking there, not "expired").
    """
    deadline = current_deadline.get()
    if deadline is None:
        return timeout
    limited = deadline.limit(timeout, phase)
    if limited <= 0:
        raise HTTPCORE_TIMEOUTS[phase](deadline.message(phase))
    return limited


def limit_sleep(seconds: float) -> float:
    deadline = current_deadline.get()
    if deadline is None:
        return seconds
    return max(0.0, min(seconds, deadline.remaining()))


# Extras a stream may offer beyond httpcore's interface (our native backends' streams do,
# and our HTTP/1.1 connection looks them up with getattr): passed through untouched.
_EXTRAS = ("close_now", "is_readable", "send_file")


def pass_through_extras(wrapper: object, stream: object) -> None:
    for name in _EXTRAS:
        extra = getattr(stream, name, None)
        if extra is not None:
            setattr(wrapper, name, extra)


def enter_phase(phase: Phase) -> None:
    deadline = current_deadline.get()
    if deadline is not None:
        deadline.phase = phase


def speaks_h2(stream: httpcore.NetworkStream | httpcore.AsyncNetworkStream) -> bool:
    """Whether TLS's ALPN chose HTTP/2 on `stream`."""
    ssl_object = stream.get_extra_info("ssl_object")
    return ssl_object is not None and ssl_object.selected_alpn_protocol() == "h2"
