"""HTTP/2 connections on h2, for httpcore's pools.

`AsyncHTTP2Connection` (asyncio and trio) is written in `connection.py`;
`HTTP2Connection` (threads) is generated from it into `connection_sync.py` by
scripts/unasync.py. Both take ``(origin, stream, keepalive_expiry=None)`` and implement
httpcore's `AsyncConnectionInterface` / `ConnectionInterface`.

Modules: `state` (the connection's state on h2, no I/O), `fields` (request and response
header fields), `primitives` (what differs between async and sync), `h2_seam` (the one
module that knows h2's internals).
"""

from .connection import AsyncHTTP2Connection
from .connection_sync import HTTP2Connection

__all__ = ["AsyncHTTP2Connection", "HTTP2Connection"]
