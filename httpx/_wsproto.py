"""wsproto, the WebSocket codec, an optional dependency (the ``ws`` extra).

Imported only when a WebSocket session starts (`Client.websocket()`, or an ASGI app's
websocket scope in `ASGITransport`), so that `import httpx` works without it; without
it, starting one raises an ImportError that says what to install.
"""

from __future__ import annotations

import types

__all__ = ["MISSING_WSPROTO", "load_wsproto"]

MISSING_WSPROTO = (
    "Using WebSockets, but the 'wsproto' package is not installed. "
    "Make sure to install httpx using `pip install httpx[ws]`."
)


def load_wsproto() -> types.ModuleType:
    """The wsproto package, with the submodules we use loaded."""
    try:
        import wsproto
        import wsproto.connection
        import wsproto.events
        import wsproto.utilities
    except ImportError:
        raise ImportError(MISSING_WSPROTO) from None
    return wsproto
