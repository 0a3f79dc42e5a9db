"""HTTP/1.1 connections: requests written by us with h11's rules, responses parsed by h11
or httptools (see response.py)."""

from .async_connection import AsyncHTTP11Body, AsyncHTTP11Connection, AsyncUpgradeStream
from .response import ENGINE_VARIABLE, ResponseParser, parser_factory
from .sync_connection import HTTP11Body, HTTP11Connection, UpgradeStream

__all__ = [
    "ENGINE_VARIABLE",
    "AsyncHTTP11Body",
    "AsyncHTTP11Connection",
    "AsyncUpgradeStream",
    "HTTP11Body",
    "HTTP11Connection",
    "ResponseParser",
    "UpgradeStream",
    "parser_factory",
]
