"""Stale keep-alive connections: when a request is sent again, once, by default.

A server (or a load balancer in front of it) may close a keep-alive connection at any
moment while it is idle (RFC 9112 section 9.6). The pool checks an idle connection
before reusing it (a closed one reads as readable: see `has_expired`), but the close
can still cross the request on the wire: the request goes out on a connection the
server has just closed, and the client reads the end of the stream, or a reset, before
any byte of a response ("Server disconnected without sending a response").

RFC 9112 section 9.3.1 allows a client to retry such a request automatically when it
is idempotent (RFC 9110 section 9.2.2), and that is what the pool does, by default and
without a retry policy, under these conditions (`should_retry_stale`):

* the connection had been connected before this request (a reused one; a new
  connection that fails is an error to report, not a stale connection);
* the request failed before its response head arrived, with the end of the stream
  ("Server disconnected ...", no GOAWAY saying otherwise), a reset (ReadError) or a
  broken pipe (WriteError);
* the method is idempotent (GET, HEAD, PUT, DELETE, OPTIONS, TRACE, QUERY);
* the body is in memory (so it can be sent again as it was);
* the request has not been retried this way already.

The retry goes to a new connection (see state.py's `fresh`), never to another idle
one, which may well have been closed too (HTTP/2 requests retried together share the
first new connection). It is reported to the ``trace`` extension as
"connection.retry_stale" and logged on the "httpcore.connection" logger.

No I/O here.
"""

from __future__ import annotations

import httpcore

from ..._retry import DEFAULT_ALLOWED_METHODS
from ..http11.request import known_body

__all__ = ["should_retry_stale"]

# What our HTTP/1.1 engines (h11's wording) and HTTP/2 connection report when the server
# closed the connection before a response (HTTP/2 adds the GOAWAY to the message when
# there was one: the server then said which streams it processed, and the connection
# already retries those it did not).
_DISCONNECTED = ("Server disconnected without sending a response", "Server disconnected")
_METHODS = frozenset(method.encode("ascii") for method in DEFAULT_ALLOWED_METHODS)


def _is_stale_failure(exc: BaseException) -> bool:
    if isinstance(exc, (httpcore.ReadError, httpcore.WriteError)):
        return True
    if isinstance(exc, httpcore.RemoteProtocolError):
        message = str(exc)
        return message.rstrip(".") in _DISCONNECTED
    return False


def should_retry_stale(
    request: httpcore.Request, exc: BaseException, reused: bool, retried: bool
) -> bool:
    """Whether `request`, which failed with `exc` before its response head on a
    connection that was `reused`, is to be sent again on a new connection."""
    return (
        reused
        and not retried
        and _is_stale_failure(exc)
        and request.method.upper() in _METHODS
        and known_body(request.stream) is not None
    )
