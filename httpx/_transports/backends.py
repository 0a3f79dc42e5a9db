"""Native network backends for httpcore's pools: `SyncBackend` and `AsyncBackend`.

They implement httpcore's `NetworkBackend` / `AsyncNetworkBackend` interfaces, so every
httpcore connection class (HTTP/1.1, HTTP/2, proxies, SOCKS) runs over them; our own
HTTP/1.1 connection (`http11.py`) also uses their cheaper extras (`close_now`,
`is_readable`). See backend_sync.py, backend_asyncio.py and backend_trio.py for the
streams themselves and why they exist.

`AsyncBackend` picks asyncio or trio per connection, from the running event loop.
"""

from __future__ import annotations

import importlib
import typing
from types import ModuleType

import anyio
import httpcore
import sniffio

from . import backend_asyncio
from .backend_sync import SyncBackend, SyncStream

if typing.TYPE_CHECKING:  # pragma: no cover
    from httpcore import SOCKET_OPTION

__all__ = ["AsyncBackend", "SyncBackend", "SyncStream"]


def _trio_module() -> ModuleType:
    # Loaded on first use under trio (trio is then imported already): importing it with
    # this module would make `import httpx` pay for importing trio whenever it is
    # installed, used or not.
    return importlib.import_module(".backend_trio", __package__)


class AsyncBackend(httpcore.AsyncNetworkBackend):
    """Connections on asyncio or trio, whichever runs the calling task."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if sniffio.current_async_library() == "trio":
            stream: httpcore.AsyncNetworkStream = await _trio_module().connect_tcp(
                host, port, timeout, local_address, socket_options
            )
            return stream
        return await backend_asyncio.connect_tcp(
            host, port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if sniffio.current_async_library() == "trio":
            stream: httpcore.AsyncNetworkStream = await _trio_module().connect_unix_socket(
                path, timeout, socket_options
            )
            return stream
        return await backend_asyncio.connect_unix_socket(path, timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)
