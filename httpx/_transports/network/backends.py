"""Our network backends: `AsyncNativeBackend` (asyncio or trio), `NativeBackend` (sockets).

They implement httpcore's `AsyncNetworkBackend` / `NetworkBackend` interfaces, so
anything written for those (httpcore's own connections, proxies) runs over them, and
their streams implement httpcore's `AsyncNetworkStream` / `NetworkStream`. Beyond that
interface they offer what the connect step (`async_connect.py`) uses when it can:

* ``resolve(host, port, timeout, local_address)``: the addresses of a host name;
* ``connect_tcp_race(addresses, port, ...)``: Happy Eyeballs (RFC 8305): a connection
  attempt to each address in turn, a new one every `delay` seconds or as soon as the
  previous one failed, the first to succeed wins and the others are closed;
* on their streams, ``close_now()`` (close without awaiting: safe in cleanup) and
  ``is_readable()`` (has an idle connection been closed by the server?).

`AsyncNativeBackend` picks asyncio or trio per call, from the running event loop. See
backend_asyncio.py, backend_trio.py and backend_sync.py for the streams and why they
are not anyio's or httpcore's.
"""

from __future__ import annotations

import importlib
import socket
import typing
from types import ModuleType

import anyio
import httpcore
import sniffio

from . import backend_asyncio
from .backend_sync import NativeBackend, SyncStream
from .route import Address, ip_family

if typing.TYPE_CHECKING:  # pragma: no cover
    from httpcore import SOCKET_OPTION

__all__ = ["AsyncNativeBackend", "NativeBackend", "SyncStream", "address_family"]


def _trio_module() -> ModuleType:
    # Loaded on first use under trio (trio is then imported already): importing it with
    # this module would make `import httpx` pay for importing trio whenever it is
    # installed, used or not.
    return importlib.import_module(".backend_trio", __package__)


def address_family(local_address: str | None) -> socket.AddressFamily:
    """The address family to resolve names in, given the local address to connect
    from ("0.0.0.0" means IPv4 only, "::" IPv6 only)."""
    if local_address is None:
        return socket.AF_UNSPEC
    return ip_family(local_address) or socket.AF_UNSPEC


class AsyncNativeBackend(httpcore.AsyncNetworkBackend):
    """Connections on asyncio or trio, whichever runs the calling task."""

    races = True  # resolve() and connect_tcp_race() are there for the connect step

    def _module(self) -> ModuleType:
        if sniffio.current_async_library() == "trio":
            return _trio_module()
        return backend_asyncio

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if ip_family(host) is None:
            # A host name (from code other than our connect step): resolve and race.
            try:
                with anyio.fail_after(timeout):
                    addresses = await self.resolve(host, port, None, local_address)
                    return await self.connect_tcp_race(
                        addresses, port, None, local_address, socket_options
                    )
            except TimeoutError as exc:
                raise httpcore.ConnectTimeout("timed out while connecting") from exc
        stream: httpcore.AsyncNetworkStream = await self._module().connect_tcp(
            host, port, timeout, local_address, socket_options
        )
        return stream

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream: httpcore.AsyncNetworkStream = await self._module().connect_unix_socket(
            path, timeout, socket_options
        )
        return stream

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)

    async def resolve(
        self, host: str, port: int, timeout: float | None, local_address: str | None
    ) -> list[Address]:
        try:
            with anyio.fail_after(timeout):
                infos = await anyio.getaddrinfo(
                    host, port, family=address_family(local_address), type=socket.SOCK_STREAM
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout("timed out while resolving the host name") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or repr(exc)) from exc
        return [(family, str(sockaddr[0])) for family, _, _, _, sockaddr in infos]

    async def connect_tcp_race(
        self,
        addresses: list[Address],
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
        delay: float = 0.25,
    ) -> httpcore.AsyncNetworkStream:
        module = self._module()
        connected: typing.Any = None
        errors: list[Exception] = []

        async def attempt(address: str, done: anyio.Event) -> None:
            nonlocal connected
            try:
                stream = await module.connect_tcp(
                    address, port, None, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                errors.append(exc)
                return
            finally:
                done.set()
            if connected is None:
                connected = stream
                group.cancel_scope.cancel()
            else:
                stream.close_now()

        try:
            with anyio.fail_after(timeout):
                async with anyio.create_task_group() as group:
                    for _, address in addresses:
                        done = anyio.Event()
                        group.start_soon(attempt, address, done)
                        with anyio.move_on_after(delay):
                            await done.wait()
        except BaseException as exc:
            if connected is not None:
                connected.close_now()
            if isinstance(exc, TimeoutError):
                raise httpcore.ConnectTimeout("timed out while connecting") from exc
            raise
        if connected is None:
            raise httpcore.ConnectError("All connection attempts failed") from (
                errors[0] if errors else None
            )
        result: httpcore.AsyncNetworkStream = connected
        return result
