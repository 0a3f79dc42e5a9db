"""The connect step: from an origin to a network stream ready for HTTP.

Written once, as async code; scripts/unasync.py generates `sync_connect.py`. In order:

1. name resolution (`_resolve`): the static overrides (``resolve=``), else the resolver
   hook (``resolver=``), else the backend's resolver (see resolution.py);
2. TCP (or a unix socket): with several addresses, a Happy Eyeballs race (RFC 8305:
   a new attempt every 250 ms, or as soon as the previous one fails, first success
   wins), from `local_address`, with `socket_options`;
3. through a proxy: TLS to an https proxy, then a CONNECT tunnel (RFC 9110 section
   9.3.6) or the SOCKS5 handshake (RFC 1928); a forwarding proxy stops here;
4. TLS to the origin for https, offering HTTP/2 by ALPN when enabled (RFC 7301);
5. retries: a connection that fails (ConnectError, ConnectTimeout) is tried again up to
   `retries` times, after 0 s, 0.5 s, 1 s, 2 s, ... (httpcore's backoff).

Each phase reports to the ``trace`` extension as httpcore's connections do
("connection.connect_tcp", "connection.start_tls", "connection.retry", ...), and its
duration to the request's `Timings` (dns, connect, tls), when it has one.

Test suites patch ``connect_tcp`` / ``connect_unix_socket`` on httpcore's backend classes
(respx's do, to make a passed-through request fail): while such a patch is in place, the
connection is opened through the patched method (see `_httpcore_seam.async_patched_backend`).
"""

from __future__ import annotations

import inspect  # unasync: remove
import ssl
import time
import typing

import httpcore

from ..._config import transport_ssl_context
from ..._timings import record, record_connected
from .._httpcore_seam import async_patched_backend
from ..http11 import AsyncHTTP11Connection, ResponseParser
from .async_deadline import AsyncDeadlineBackend
from .async_primitives import AsyncShieldCancellation
from .route import (
    Address,
    ConnectOptions,
    ProxyRoute,
    backoff_delays,
    connect_request,
    interleave,
    ip_family,
)
from .socks5 import Socks5Handshake
from .trace import AsyncTrace, connection_logger, socks_logger

__all__ = ["AsyncConnector"]

_SOCKS_READ = 4096


class AsyncConnector:
    """Opens the streams of one pool's connections (see the module docstring)."""

    def __init__(
        self,
        options: ConnectOptions,
        backend: httpcore.AsyncNetworkBackend,
        parser_factory: typing.Callable[[], ResponseParser],
    ) -> None:
        self.options = options
        self.backend = backend
        self._backend = backend
        self._parser_factory = parser_factory
        ssl_context = options.ssl_context
        if ssl_context is None:
            # What httpcore uses when given no context: certifi's CAs.
            ssl_context = transport_ssl_context(True, None, False, http2=options.http2)
        ssl_context.set_alpn_protocols(options.alpn_protocols)
        self._ssl_context = ssl_context
        self._proxy_ssl_context: ssl.SSLContext | None = None
        proxy = options.proxy
        if proxy is not None and proxy.url.scheme == b"https":
            proxy_context = proxy.ssl_context
            if proxy_context is None:
                proxy_context = transport_ssl_context(True, None, False, http2=False)
            proxy_context.set_alpn_protocols(["http/1.1"])
            self._proxy_ssl_context = proxy_context

    async def connect(
        self, origin: httpcore.Origin, request: httpcore.Request
    ) -> httpcore.AsyncNetworkStream:
        """A stream to `origin` (through the proxy, if any), with TLS for https."""
        timeout = request.extensions.get("timeout", {}).get("connect", None)
        retries_left = self.options.retries
        delays = backoff_delays()
        while True:
            try:
                stream = await self._connect_once(origin, request, timeout)
                record_connected()
                return stream
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                if retries_left <= 0:
                    raise
                retries_left -= 1
                delay = next(delays)
                waiting = time.perf_counter()
                async with AsyncTrace("retry", connection_logger, request, {"delay": delay}):
                    await self._backend.sleep(delay)
                record("connect", waiting)  # waiting to connect again is connecting

    async def _connect_once(
        self, origin: httpcore.Origin, request: httpcore.Request, timeout: float | None
    ) -> httpcore.AsyncNetworkStream:
        proxy = self.options.proxy
        if proxy is None:
            stream = await self._open(origin, request, timeout, unix_socket=True)
        else:
            stream = await self._through_proxy(proxy, origin, request, timeout)
            if proxy.forwards(origin):
                return stream  # HTTP/1.1 to the proxy, requests in absolute form
        if origin.scheme in (b"https", b"wss"):
            sni_hostname = request.extensions.get("sni_hostname", None)
            server_hostname = sni_hostname or origin.host.decode("ascii")
            stream = await self._start_tls(
                stream, self._ssl_context, server_hostname, timeout, request
            )
        return stream

    # --- TCP and unix sockets ---------------------------------------------------------------

    async def _open(
        self,
        origin: httpcore.Origin,
        request: httpcore.Request,
        timeout: float | None,
        unix_socket: bool = False,
    ) -> httpcore.AsyncNetworkStream:
        options = self.options
        backend = self._backend
        if unix_socket and options.uds is not None:
            kwargs: dict[str, typing.Any] = {
                "path": options.uds,
                "timeout": timeout,
                "socket_options": options.socket_options,
            }
            started = time.perf_counter()
            async with AsyncTrace(
                "connect_unix_socket", connection_logger, request, kwargs
            ) as trace:
                stream = await backend.connect_unix_socket(**kwargs)
                trace.return_value = stream
            record("connect", started)
            return stream
        host = origin.host.decode("ascii")
        kwargs = {
            "host": host,
            "port": origin.port,
            "local_address": options.local_address,
            "timeout": timeout,
            "socket_options": options.socket_options,
        }
        async with AsyncTrace("connect_tcp", connection_logger, request, kwargs) as trace:
            if (
                isinstance(backend, AsyncDeadlineBackend)
                and backend.races
                and async_patched_backend() is None
            ):
                stream = await self._connect_tcp(backend, host, origin.port, timeout)
            else:
                overridden = await self._overridden(host, origin.port)
                if overridden is not None:
                    # A backend that cannot race (a test's patch): the first address.
                    kwargs = {**kwargs, "host": overridden[0][1]}
                started = time.perf_counter()
                stream = await backend.connect_tcp(**kwargs)
                record("connect", started)
            trace.return_value = stream
        return stream

    async def _connect_tcp(
        self, backend: AsyncDeadlineBackend, host: str, port: int, timeout: float | None
    ) -> httpcore.AsyncNetworkStream:
        options = self.options
        started = time.monotonic()
        family = ip_family(host)
        if family is not None:
            addresses: list[Address] = [(family, host)]
        else:
            resolving = time.perf_counter()
            addresses = interleave(await self._resolve(backend, host, port, timeout))
            record("dns", resolving)
            if timeout is not None:
                timeout = max(timeout - (time.monotonic() - started), 0.0)
        connecting = time.perf_counter()
        if len(addresses) == 1:
            stream = await backend.connect_tcp(
                addresses[0][1],
                port,
                timeout=timeout,
                local_address=options.local_address,
                socket_options=options.socket_options,
            )
        else:
            stream = await backend.connect_tcp_race(
                addresses,
                port,
                timeout=timeout,
                local_address=options.local_address,
                socket_options=options.socket_options,
                delay=options.happy_eyeballs_delay,
            )
        record("connect", connecting)
        return stream

    async def _resolve(
        self, backend: AsyncDeadlineBackend, host: str, port: int, timeout: float | None
    ) -> list[Address]:
        """The addresses of `host`: overridden (``resolve=``, ``resolver=``), else as the
        system resolver gives them."""
        overridden = await self._overridden(host, port)
        if overridden is not None:
            return overridden
        return await backend.resolve(host, port, timeout, self.options.local_address)

    async def _overridden(self, host: str, port: int) -> list[Address] | None:
        """The addresses ``resolve=`` or ``resolver=`` give `host`, if they do."""
        resolution = self.options.resolution
        if not resolution or ip_family(host) is not None:
            return None
        addresses = resolution.lookup(host, port)
        if addresses is not None or resolution.resolver is None:
            return addresses
        try:
            answer = resolution.resolver(host, port)
            if inspect.isawaitable(answer):  # unasync: remove
                answer = await answer  # unasync: remove
        except OSError as exc:  # socket.gaierror and the like: a failed look-up
            raise httpcore.ConnectError(str(exc) or repr(exc)) from exc
        return resolution.check_answer(host, answer)

    # --- TLS ------------------------------------------------------------------------------------

    async def _start_tls(
        self,
        stream: httpcore.AsyncNetworkStream,
        ssl_context: ssl.SSLContext,
        server_hostname: str,
        timeout: float | None,
        request: httpcore.Request,
    ) -> httpcore.AsyncNetworkStream:
        kwargs = {
            "ssl_context": ssl_context,
            "server_hostname": server_hostname,
            "timeout": timeout,
        }
        started = time.perf_counter()
        async with AsyncTrace("start_tls", connection_logger, request, kwargs) as trace:
            stream = await stream.start_tls(ssl_context, server_hostname, timeout)
            trace.return_value = stream
        record("tls", started)
        return stream

    # --- proxies --------------------------------------------------------------------------------

    async def _through_proxy(
        self,
        proxy: ProxyRoute,
        origin: httpcore.Origin,
        request: httpcore.Request,
        timeout: float | None,
    ) -> httpcore.AsyncNetworkStream:
        proxy_origin = proxy.origin
        stream = await self._open(proxy_origin, request, timeout)
        try:
            if self._proxy_ssl_context is not None:
                server_hostname = proxy_origin.host.decode("ascii")
                stream = await self._start_tls(
                    stream, self._proxy_ssl_context, server_hostname, timeout, request
                )
            # The proxy's handshake counts as connecting (the hop to the proxy has
            # recorded its own DNS, connect and TLS).
            started = time.perf_counter()
            if proxy.is_socks:
                await self._socks5(stream, proxy, origin, request, timeout)
            elif not proxy.forwards(origin):
                stream = await self._tunnel(stream, proxy, origin, request)
            record("connect", started)
        except BaseException:
            with AsyncShieldCancellation():
                await stream.aclose()
            raise
        return stream

    async def _tunnel(
        self,
        stream: httpcore.AsyncNetworkStream,
        proxy: ProxyRoute,
        origin: httpcore.Origin,
        request: httpcore.Request,
    ) -> httpcore.AsyncNetworkStream:
        """Open a CONNECT tunnel to `origin`: the proxy's 2xx turns the connection into
        a byte stream to the origin."""
        connection = AsyncHTTP11Connection(proxy.origin, stream, parser=self._parser_factory())
        response = await connection.handle_async_request(connect_request(origin, proxy, request))
        if not 200 <= response.status < 300:
            reason = response.extensions.get("reason_phrase", b"")
            await connection.aclose()
            raise httpcore.ProxyError(f"{response.status} {reason.decode('ascii', 'replace')}")
        tunnel: httpcore.AsyncNetworkStream = response.extensions["network_stream"]
        return tunnel

    async def _socks5(
        self,
        stream: httpcore.AsyncNetworkStream,
        proxy: ProxyRoute,
        origin: httpcore.Origin,
        request: httpcore.Request,
        timeout: float | None,
    ) -> None:
        host = origin.host.decode("ascii")
        kwargs = {"stream": stream, "host": host, "port": origin.port, "auth": proxy.auth}
        async with AsyncTrace("setup_socks5_connection", socks_logger, request, kwargs):
            handshake = Socks5Handshake(host, origin.port, proxy.auth)
            outgoing: bytes | None = handshake.start()
            while outgoing is not None:
                await stream.write(outgoing, timeout)
                outgoing = handshake.receive(await stream.read(_SOCKS_READ, timeout))
