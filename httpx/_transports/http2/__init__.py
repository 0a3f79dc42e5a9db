"""HTTP/2 connections on h2, for httpcore's pools.

`AsyncHTTP2Connection` (asyncio and trio) is written in `_async/`; `HTTP2Connection`
(threads) is generated from it into `_sync/` by scripts/unasync.py (httpcore's layout).
Both take ``(origin, stream, keepalive_expiry=None)`` and implement httpcore's
`AsyncConnectionInterface` / `ConnectionInterface`.

Shared by both: `state` and `receiving` (the connection's state on h2, no I/O),
`fields` (request and response header fields), `primitives` (what differs between async
and sync), `h2_seam` (the one module that knows h2's internals).
"""

try:
    import h2  # noqa: F401
except ImportError as exc:  # the http2 extra is missing: httpx's message
    from ..optional import h2_missing

    raise h2_missing() from exc

from ._async.conn import AsyncHTTP2Connection
from ._sync.conn import HTTP2Connection

__all__ = ["AsyncHTTP2Connection", "HTTP2Connection"]
