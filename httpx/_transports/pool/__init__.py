"""The connection pools: which request gets which connection (state.py), the pools and
their connections (async_pool.py, async_connection.py and their generated sync twins),
and reclaiming the connections of responses dropped unclosed (reclaim.py)."""

from .async_pool import (
    POOL_ATTRIBUTES,
    AsyncHTTPProxyPool,
    AsyncPool,
    AsyncPoolStream,
    AsyncSOCKSProxyPool,
)
from .sync_pool import HTTPProxyPool, Pool, PoolStream, SOCKSProxyPool

__all__ = [
    "POOL_ATTRIBUTES",
    "AsyncHTTPProxyPool",
    "AsyncPool",
    "AsyncPoolStream",
    "AsyncSOCKSProxyPool",
    "HTTPProxyPool",
    "Pool",
    "PoolStream",
    "SOCKSProxyPool",
]
