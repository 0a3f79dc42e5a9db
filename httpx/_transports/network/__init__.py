"""The network layer: streams (asyncio, trio, blocking sockets), the connect step, the
overall deadline, and what differs between the async and the sync code (primitives,
tracing)."""

from .deadline import HTTPCORE_TIMEOUTS, limit_timeout

__all__ = ["HTTPCORE_TIMEOUTS", "limit_timeout"]
