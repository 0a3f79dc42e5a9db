"""The optional packages of the transports, and httpx's message when one is missing.

`h2` (the ``http2`` extra) and `socksio` (the ``socks`` extra) are imported only when
first needed. Without them, httpx 0.28 fails with a clear `ImportError` naming the extra:
`Client(http2=True)` and a SOCKS proxy when the client or transport is made, an
`HTTPTransport(http2=True)` only when an HTTP/2 connection is first used. This module
only looks the packages up (it imports nothing heavy): the clients call it too.
"""

from __future__ import annotations

from .._primitives import is_installed

__all__ = ["h2_missing", "require", "require_h2"]


def require(module: str, extra: str, feature: str) -> None:
    """Raise httpx's ImportError if `module` is not installed."""
    if not is_installed(module):
        raise ImportError(
            f"{feature}, but the {module!r} package is not installed. "
            f"Make sure to install httpx using `pip install httpx[{extra}]`."
        )


def require_h2() -> None:
    require("h2", "http2", "Using http2=True")


def h2_missing() -> ModuleNotFoundError:
    """The error for an HTTP/2 connection when h2 cannot be imported: httpx 0.28 lets
    Python's own out ("No module named 'h2'"); this is the same class, with the message
    that says which extra to install."""
    return ModuleNotFoundError(
        "Using http2=True, but the 'h2' package is not installed. "
        "Make sure to install httpx using `pip install httpx[http2]`.",
        name="h2",
    )
