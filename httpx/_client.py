"""`Client`: the synchronous HTTP client.

Its methods are thin: they build a request and run the shared request flow
(`_flow.send_flow`) with the blocking driver. `AsyncClient` (in `_async_client`) is the
same shell over the async driver, and is re-exported from here where libraries expect it.
"""

from __future__ import annotations

import contextlib
import typing
from types import TracebackType

from ._async_client import AsyncClient
from ._base_client import (
    USE_CLIENT_DEFAULT,
    BaseClient,
    ClientState,
    EventHook,
    UseClientDefault,
    warn_per_request_cookies,
)
from ._config import (
    DEFAULT_LIMITS,
    DEFAULT_MAX_EVENT_SIZE,
    DEFAULT_MAX_REDIRECTS,
    DEFAULT_TIMEOUT_CONFIG,
    Limits,
    Proxy,
)
from ._flow import run_sync, send_flow
from ._models import Request, Response
from ._sync_verbs import ClientVerbs
from ._transports.base import BaseTransport
from ._types import (
    AuthTypes,
    CertTypes,
    CookieTypes,
    HeaderTypes,
    ProxyTypes,
    QueryParamTypes,
    RequestContent,
    RequestData,
    RequestExtensions,
    RequestFiles,
    ResolverTypes,
    ResolveTypes,
    TimeoutTypes,
)
from ._urls import URL

if typing.TYPE_CHECKING:
    from ._sse import EventSource, Reconnect
    from ._transports.default import HTTPTransport
    from ._ws import WebSocketSession


def _default_transport() -> type[HTTPTransport]:
    """`HTTPTransport`, imported when the first client makes one: it brings in the transport
    machinery (httpcore, h11, the pool, the connections), which `import httpx` does not
    pay for (as httpx 0.28 imports httpcore only then)."""
    from ._transports.default import HTTPTransport

    return HTTPTransport


def __getattr__(name: str) -> typing.Any:
    # `httpx._client.HTTPTransport`, where httpx 0.28 has it.
    if name == "HTTPTransport":
        return _default_transport()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if typing.TYPE_CHECKING:  # pragma: no cover
    import ssl

    from ._retry import Retry

__all__ = [
    "USE_CLIENT_DEFAULT",
    "AsyncClient",
    "BaseClient",
    "Client",
    "ClientState",
    "EventHook",
    "UseClientDefault",
]

T = typing.TypeVar("T", bound="Client")


class Client(ClientVerbs, BaseClient):
    """An HTTP client, with connection pooling, HTTP/2, redirects, cookie persistence, etc.

    It can be shared between threads.

    Beyond httpx 0.28, two keyword-only options (both off by default):

    * `max_decoded_size`: the most bytes a response body may decode to, for requests
      without their own `max_decoded_size` extension; past it, streaming or reading the
      body raises `httpx.DecodedSizeExceeded` (a `DecodingError`).
    * `retries`: an `httpx.Retry`, the retry policy of every request (see the
      "Retries" page); none by default, as in httpx 0.28.
    * `resolve` and `resolver`: name resolution overrides for the connections this
      client makes (see the "Name resolution" page).
    * `sensitive_headers`: names of headers that, like `Authorization`,
      `Proxy-Authorization` and `Cookie`, are dropped when a redirect leads to another
      origin.

    Args:
        auth: Authentication for every request: a `(username, password)` tuple, an
            `httpx.Auth` instance, or a function that takes and returns a request.
        params: Query parameters added to every request URL.
        headers: Headers sent with every request (merged over the defaults).
        cookies: Cookies sent with every request; server cookies are added as they come.
        verify: TLS verification: `True` (certifi's CAs, or `SSL_CERT_FILE` /
            `SSL_CERT_DIR`, or the system store with `HTTPX_TRUST_STORE=system`),
            `False`, or an `ssl.SSLContext` such as `httpx.system_trust_store()` (a CA
            path is deprecated).
        cert: A client certificate (deprecated: load it into an `ssl.SSLContext`).
        trust_env: Read proxies, CA locations and `SSLKEYLOGFILE` from the environment.
        http1: Offer HTTP/1.1.
        http2: Offer HTTP/2 (needs the `h2` package).
        proxy: A proxy URL or `httpx.Proxy` for every request.
        mounts: URL patterns mapped to transports (or to `None`, for the default one).
        timeout: Seconds, `None`, or an `httpx.Timeout` (default: 5 seconds each).
        follow_redirects: Follow redirects (default: no).
        limits: Connection pool limits (default: 100 connections, 20 kept alive).
        max_redirects: How many redirects to follow before `TooManyRedirects`.
        event_hooks: `{"request": [...], "response": [...]}` functions called for every
            request sent and every response received.
        base_url: Prefix for relative request URLs.
        transport: A transport to send every request through, instead of the network.
        default_encoding: Text encoding of responses that name none, or a function
            choosing one from the body bytes.
        max_decoded_size: The most bytes a response body may decode to (`None`: no limit).
        sensitive_headers: Header names dropped, with the credentials, when a redirect
            leads to another origin.
        retries: An `httpx.Retry`: when and how often to send a request again (after
            errors, or statuses such as 503), waiting in between.
        resolve: Static name resolution, like curl's `--resolve`:
            `{"api.example.com": "10.0.0.7"}` (a key may carry a port, a value may be a
            list of addresses); TLS and the `Host` header keep the host name.
        resolver: `fn(host, port)` returning the host's IP addresses (or None: ask the
            system resolver).

    Usage:

    ```python
    >>> client = httpx.Client()
    >>> response = client.get('https://example.org')
    ```
    """

    def __init__(
        self,
        *,
        auth: AuthTypes | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        verify: ssl.SSLContext | str | bool = True,
        cert: CertTypes | None = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        proxy: ProxyTypes | None = None,
        mounts: None | typing.Mapping[str, BaseTransport | None] = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT_CONFIG,
        follow_redirects: bool = False,
        limits: Limits = DEFAULT_LIMITS,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        event_hooks: None | typing.Mapping[str, list[EventHook]] = None,
        base_url: URL | str = "",
        transport: BaseTransport | None = None,
        default_encoding: str | typing.Callable[[bytes], str] = "utf-8",
        max_decoded_size: int | None = None,
        sensitive_headers: typing.Iterable[str] | None = None,
        retries: Retry | None = None,
        resolve: ResolveTypes | None = None,
        resolver: ResolverTypes | None = None,
    ) -> None:
        super().__init__(
            auth=auth,
            params=params,
            headers=headers,
            cookies=cookies,
            timeout=timeout,
            follow_redirects=follow_redirects,
            max_redirects=max_redirects,
            event_hooks=event_hooks,
            base_url=base_url,
            trust_env=trust_env,
            default_encoding=default_encoding,
            max_decoded_size=max_decoded_size,
            sensitive_headers=sensitive_headers,
            retries=retries,
            resolve=resolve,
            resolver=resolver,
        )
        self._set_up_transports(
            verify=verify,
            cert=cert,
            trust_env=trust_env,
            http1=http1,
            http2=http2,
            limits=limits,
            proxy=proxy,
            mounts=mounts,
            transport=transport,
        )

    def _init_transport(
        self,
        verify: ssl.SSLContext | str | bool = True,
        cert: CertTypes | None = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: Limits = DEFAULT_LIMITS,
        transport: BaseTransport | None = None,
    ) -> BaseTransport:
        if transport is not None:
            return transport
        return _default_transport()(
            verify=verify,
            cert=cert,
            trust_env=trust_env,
            http1=http1,
            http2=http2,
            limits=limits,
            **self._resolution_options(),
        )

    def _init_proxy_transport(
        self,
        proxy: Proxy,
        verify: ssl.SSLContext | str | bool = True,
        cert: CertTypes | None = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: Limits = DEFAULT_LIMITS,
    ) -> BaseTransport:
        return _default_transport()(
            verify=verify,
            cert=cert,
            trust_env=trust_env,
            http1=http1,
            http2=http2,
            limits=limits,
            proxy=proxy,
            **self._resolution_options(),
        )

    def request(
        self,
        method: str,
        url: URL | str,
        *,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: typing.Any | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault | None = USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
    ) -> Response:
        """Build and send a request.

        Equivalent to `client.send(client.build_request(...), auth=..., follow_redirects=...)`.
        """
        warn_per_request_cookies(cookies)
        request = self.build_request(
            method=method,
            url=url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            timeout=timeout,
            extensions=extensions,
        )
        return self.send(request, auth=auth, follow_redirects=follow_redirects)

    @contextlib.contextmanager
    def stream(
        self,
        method: str,
        url: URL | str,
        *,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: typing.Any | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault | None = USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
    ) -> typing.Iterator[Response]:
        """Send a request, yielding a response whose body is read on demand.

        The response is closed when the `with` block exits.
        """
        request = self.build_request(
            method=method,
            url=url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            timeout=timeout,
            extensions=extensions,
        )
        response = self.send(
            request=request,
            auth=auth,
            follow_redirects=follow_redirects,
            stream=True,
        )
        try:
            yield response
        finally:
            response.close()

    def send(
        self,
        request: Request,
        *,
        stream: bool = False,
        auth: AuthTypes | UseClientDefault | None = USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
    ) -> Response:
        """Send a request, applying auth and following redirects as configured.

        With `stream=True` the body is not read: close the response when done.
        """
        self._check_can_send()
        self._apply_request_defaults(request)
        follow_redirects = (
            self.follow_redirects
            if isinstance(follow_redirects, UseClientDefault)
            else follow_redirects
        )
        flow = send_flow(
            self._flow_settings(),
            request,
            self._build_request_auth(request, auth),
            follow_redirects,
            stream,
        )
        return run_sync(flow)

    def sse(
        self,
        url: URL | str,
        *,
        method: str = "GET",
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: typing.Any | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault | None = USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        reconnect: Reconnect | None = None,
    ) -> contextlib.AbstractContextManager[EventSource]:
        """Open a stream of server-sent events: `with client.sse(url) as source:
        for event in source: ...`.

        Sends `Accept: text/event-stream` and `Cache-Control: no-store` (your `headers`
        win) and yields an `EventSource`, closed when the block exits. `max_event_size`
        bounds each event's data, in bytes; `reconnect=httpx.Reconnect(...)` resumes the
        stream with `Last-Event-ID` when the connection is lost or the stream ends.
        The "Server-sent events" page of the documentation has the details.
        """
        options = dict(
            method=method,
            url=url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            timeout=timeout,
            extensions=extensions,
        )
        # The SSE package loads on first use, not with `import httpx`.
        from ._sse import open_event_source

        return open_event_source(
            self,
            options,
            auth=auth,
            follow_redirects=follow_redirects,
            max_event_size=max_event_size,
            reconnect=reconnect,
        )

    def close(self) -> None:
        """Close transport and proxies."""
        if self._state != ClientState.CLOSED:
            self._state = ClientState.CLOSED
            self._transport.close()
            for transport in self._mounts.values():
                if transport is not None:
                    transport.close()

    def __enter__(self: T) -> T:
        self._check_can_open()
        self._transport.__enter__()
        for transport in self._mounts.values():
            if transport is not None:
                transport.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self._state = ClientState.CLOSED
        self._transport.__exit__(exc_type, exc_value, traceback)
        for transport in self._mounts.values():
            if transport is not None:
                transport.__exit__(exc_type, exc_value, traceback)

    # --- WebSockets (beyond httpx 0.28; see docs/websockets.md) -----------------------------

    def websocket(
        self,
        url: URL | str,
        *,
        max_message_size_bytes: int = 65_536,
        queue_size: int = 512,
        keepalive_ping_interval_seconds: float | None = 20.0,
        keepalive_ping_timeout_seconds: float | None = 20.0,
        subprotocols: typing.Sequence[str] | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault | None = USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
    ) -> contextlib.AbstractContextManager[WebSocketSession]:
        """Open a WebSocket session (RFC 6455): `with client.websocket(url) as ws:`.

        `url` is a `ws://` or `wss://` URL (or `http://` / `https://`). The opening
        handshake is a request through this client (auth, cookies, headers, redirects
        and event hooks apply; always HTTP/1.1), and the session keeps its connection
        until the block ends; it then closes (code 1000, or 1011 if the block raised).
        A background thread reads (and one sends keepalive pings); both are joined when
        the block ends. Needs the `wsproto` package (`pip install httpx[ws]`).

        Args:
            url: The WebSocket URL.
            max_message_size_bytes: The largest message accepted from the server
                (larger: the session closes with 1009 and `WebSocketMessageTooLarge`).
            queue_size: How many received messages may wait for `receive()`; when full,
                the socket is not read until there is room (backpressure).
            keepalive_ping_interval_seconds: Send a Ping this often (`None`: never).
            keepalive_ping_timeout_seconds: Fail the session (`WebSocketPingTimeout`)
                when no Pong comes back within this time (`None`: wait forever).
            subprotocols: Subprotocols to offer; `session.subprotocol` is the chosen one.
            params: Query parameters.
            headers: Extra handshake headers.
            cookies: Cookies for the handshake.
            auth: Authentication for the handshake.
            follow_redirects: Follow redirects during the handshake.
            timeout: Timeouts of the handshake; the write timeout also bounds each send,
                the read timeout the closing handshake.
            extensions: Request extensions for the handshake.

        Raises:
            WebSocketUpgradeError: The server refused the upgrade.
        """
        # The WebSocket package (and anyio) load on first use, not with `import httpx`.
        from ._ws import SessionOptions, connect_sync

        options = SessionOptions(
            max_message_size_bytes,
            queue_size,
            keepalive_ping_interval_seconds,
            keepalive_ping_timeout_seconds,
        )
        return connect_sync(
            self,
            url,
            options,
            subprotocols=subprotocols,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )
