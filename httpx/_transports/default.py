"""The default transports, where libraries built on httpx import them from.

`HTTPTransport` / `AsyncHTTPTransport` send requests over our connection pool (pool/:
HTTP/1.1 on h11 or httptools, HTTP/2 on h2, our own connect step); `ResponseStream` /
`AsyncResponseStream` are their response bodies; `map_httpcore_exceptions` is the one
mapping from httpcore's exceptions to httpx's. The transports are written once, as async
code (async_transport.py), with the sync side generated from it (sync_transport.py); what
both share is in support.py.
"""

from __future__ import annotations

from .async_transport import AsyncHTTPTransport, AsyncResponseStream
from .support import HTTPCORE_EXC_MAP, map_httpcore_exceptions
from .sync_transport import HTTPTransport, ResponseStream

__all__ = [
    "HTTPCORE_EXC_MAP",
    "AsyncHTTPTransport",
    "AsyncResponseStream",
    "HTTPTransport",
    "ResponseStream",
    "map_httpcore_exceptions",
]
