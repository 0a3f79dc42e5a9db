"""What `Client` and `AsyncClient` share: configuration, merging, request building.

Nothing here does I/O. The request flow itself lives in `_flow`; the two client
classes only add their explicit public signatures and pick the sync or async driver.
"""

from __future__ import annotations

import enum
import sys
import typing
import warnings

from .__version__ import __version__
from ._auth import Auth, auth_from_url, build_auth
from ._config import DEFAULT_MAX_REDIRECTS, DEFAULT_TIMEOUT_CONFIG, Limits, Proxy, Timeout
from ._cookies import Cookies
from ._decoders import SUPPORTED_DECODERS, check_max_decoded_size
from ._exceptions import LocalProtocolError
from ._flow import FlowSettings
from ._headers import Headers
from ._models import MAX_DECODED_SIZE_EXTENSION, Request
from ._transports.optional import require_h2
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
from ._urlparse import join_relative
from ._urls import URL, QueryParams
from ._utils import URLPattern, get_environment_proxies

if typing.TYPE_CHECKING:  # pragma: no cover
    from ._retry import Retry
    from ._timings import PoolStatus

__all__ = [
    "USE_CLIENT_DEFAULT",
    "BaseClient",
    "ClientState",
    "EventHook",
    "UseClientDefault",
    "present_methods_as",
    "warn_per_request_cookies",
]

EventHook = typing.Callable[..., typing.Any]

T = typing.TypeVar("T")


class UseClientDefault:
    """For some parameters such as `auth=...` and `timeout=...` we need to be able to
    indicate the default "unset" state, in a way that is distinctly different to using
    `None`: `None` means "disabled" (no auth, no timeout), while this sentinel means
    "use the client's setting".
    """

    # Where httpx defines it (and re-exports it from here): its default repr shows it.
    __module__ = "httpx._client"


USE_CLIENT_DEFAULT = UseClientDefault()


class ClientState(enum.Enum):
    # UNOPENED: the client has been instantiated, but has not been used to send a
    # request, or been opened by entering the context of a `with` block.
    UNOPENED = 1
    # OPENED: the client has either sent a request, or is within a `with` block.
    OPENED = 2
    # CLOSED: the client has either exited the `with` block, or `close()` has been called
    # explicitly.
    CLOSED = 3


def _with_trailing_slash(url: URL) -> URL:
    # A base URL's path is a directory: "/api" + "users" must give "/api/users".
    if url.raw_path.endswith(b"/"):
        return url
    return url.copy_with(raw_path=url.raw_path + b"/")


def proxy_map(proxy: ProxyTypes | None, trust_env: bool) -> dict[str, Proxy | None]:
    """Mount patterns to proxies: the explicit proxy, else the environment's."""
    if proxy is not None:
        return {"all://": proxy if isinstance(proxy, Proxy) else Proxy(url=proxy)}
    if not trust_env:
        return {}
    return {
        key: None if url is None else Proxy(url=url)
        for key, url in get_environment_proxies().items()
    }


class BaseClient:
    _is_async = False

    def __init__(
        self,
        *,
        auth: AuthTypes | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT_CONFIG,
        follow_redirects: bool = False,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        event_hooks: None | typing.Mapping[str, list[EventHook]] = None,
        base_url: URL | str = "",
        trust_env: bool = True,
        default_encoding: str | typing.Callable[[bytes], str] = "utf-8",
        max_decoded_size: int | None = None,
        sensitive_headers: typing.Iterable[str] | None = None,
        retries: Retry | None = None,
        resolve: ResolveTypes | None = None,
        resolver: ResolverTypes | None = None,
    ) -> None:
        event_hooks = {} if event_hooks is None else event_hooks
        check_max_decoded_size(max_decoded_size)

        self._base_url = _with_trailing_slash(URL(base_url))
        self._auth = build_auth(auth)
        self._params = QueryParams(params)
        self.headers = Headers(headers)
        self._cookies = Cookies(cookies)
        self._timeout = Timeout(timeout)
        self.follow_redirects = follow_redirects
        self.max_redirects = max_redirects
        self._event_hooks = {
            "request": list(event_hooks.get("request", [])),
            "response": list(event_hooks.get("response", [])),
        }
        self._trust_env = trust_env
        self._default_encoding = default_encoding
        # The decompression-bomb guard for requests without a `max_decoded_size` extension.
        self._max_decoded_size = max_decoded_size
        self._sensitive_headers = _header_names(sensitive_headers)
        self._retry = _check_retries(retries)
        # For the transports this client builds (`_init_transport`, `_init_proxy_transport`).
        self._resolution = {
            key: value
            for key, value in (("resolve", resolve), ("resolver", resolver))
            if value is not None
        }
        self._state = ClientState.UNOPENED
        self._mounts: dict[URLPattern, typing.Any] = {}

    @property
    def is_closed(self) -> bool:
        """Whether this client has been closed."""
        return self._state == ClientState.CLOSED

    @property
    def trust_env(self) -> bool:
        """Whether the environment (proxies, CA locations) is read."""
        return self._trust_env

    @property
    def timeout(self) -> Timeout:
        """The default `Timeout` of requests; may be set to seconds or a `Timeout`."""
        return self._timeout

    @timeout.setter
    def timeout(self, timeout: TimeoutTypes) -> None:
        self._timeout = Timeout(timeout)

    @property
    def event_hooks(self) -> dict[str, list[EventHook]]:
        """The `{"request": [...], "response": [...]}` hook lists; may be replaced."""
        return self._event_hooks

    @event_hooks.setter
    def event_hooks(self, event_hooks: dict[str, list[EventHook]]) -> None:
        # (Other keys are ignored, as httpx ignores them, here and in the constructor.)
        self._event_hooks = {
            "request": list(event_hooks.get("request", [])),
            "response": list(event_hooks.get("response", [])),
        }

    @property
    def auth(self) -> Auth | None:
        """Authentication used by default for requests sent by this client."""
        return self._auth

    @auth.setter
    def auth(self, auth: AuthTypes) -> None:
        self._auth = build_auth(auth)

    @property
    def base_url(self) -> URL:
        """Base URL to use when sending requests with relative URLs."""
        return self._base_url

    @base_url.setter
    def base_url(self, url: URL | str) -> None:
        self._base_url = _with_trailing_slash(URL(url))

    @property
    def headers(self) -> Headers:
        """HTTP headers to include when sending requests."""
        return self._headers

    @headers.setter
    def headers(self, headers: HeaderTypes) -> None:
        client_headers = Headers(
            {
                b"Accept": b"*/*",
                b"Accept-Encoding": _ACCEPT_ENCODING,
                b"Connection": b"keep-alive",
                b"User-Agent": _USER_AGENT,
            }
        )
        client_headers.update(headers)
        self._headers = client_headers

    @property
    def cookies(self) -> Cookies:
        """Cookie values to include when sending requests."""
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: CookieTypes) -> None:
        self._cookies = Cookies(cookies)

    @property
    def params(self) -> QueryParams:
        """Query parameters to include in the URL when sending requests."""
        return self._params

    @params.setter
    def params(self, params: QueryParamTypes) -> None:
        self._params = QueryParams(params)

    # --- request building -------------------------------------------------------------

    def build_request(
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
        timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
    ) -> Request:
        """Build and return a request instance.

        The client's `params`, `headers` and `cookies` are merged with the given ones;
        the request's `timeout` extension comes from `timeout`, else the client's.
        """
        url = self._merge_url(url)
        headers = self._merge_headers(headers)
        cookies = self._merge_cookies(cookies)
        params = self._merge_queryparams(params)
        extensions = {} if extensions is None else dict(extensions)
        if "timeout" not in extensions:
            timeout = self.timeout if isinstance(timeout, UseClientDefault) else Timeout(timeout)
            extensions["timeout"] = timeout.as_dict()
        return Request(
            method,
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            extensions=extensions,
        )

    def _merge_url(self, url: URL | str) -> URL:
        """Merge a URL argument together with any 'base_url' on the client."""
        merge_url = URL(url)
        if merge_url.is_relative_url:
            joined = join_relative(self.base_url._uri_reference, merge_url._uri_reference)
            if joined is not None:
                return URL._from_parsed(joined)
            # Join by path concatenation, not RFC 3986 resolution, so that
            # base_url="https://api/v1" and url="/users" give "https://api/v1/users".
            merge_raw_path = self.base_url.raw_path + merge_url.raw_path.lstrip(b"/")
            if merge_url.fragment:
                return self.base_url.copy_with(
                    raw_path=merge_raw_path, fragment=merge_url.fragment
                )
            return self.base_url.copy_with(raw_path=merge_raw_path)
        return merge_url

    def _merge_cookies(self, cookies: CookieTypes | None = None) -> CookieTypes | None:
        if cookies or self.cookies:
            merged = Cookies(self.cookies)
            merged.update(cookies)
            return merged
        return cookies

    def _merge_headers(self, headers: HeaderTypes | None = None) -> HeaderTypes | None:
        merged = Headers(self.headers)
        if headers:
            merged.update(headers)
        return merged

    def _merge_queryparams(self, params: QueryParamTypes | None = None) -> QueryParamTypes | None:
        if params or self.params:
            return self.params.merge(params)
        return params

    def _build_auth(self, auth: AuthTypes | None) -> Auth | None:
        return build_auth(auth)

    def _build_request_auth(
        self, request: Request, auth: AuthTypes | UseClientDefault | None = USE_CLIENT_DEFAULT
    ) -> Auth:
        auth = self._auth if isinstance(auth, UseClientDefault) else build_auth(auth)
        if auth is not None:
            return auth
        from_url = auth_from_url(request.url)
        return from_url if from_url is not None else Auth()

    # --- transports ---------------------------------------------------------------------

    # Defined by Client and AsyncClient, each building its own kind of transport.
    _init_transport: typing.Callable[..., typing.Any]
    _init_proxy_transport: typing.Callable[..., typing.Any]

    def _set_up_transports(
        self,
        *,
        verify: typing.Any,
        cert: CertTypes | None,
        trust_env: bool,
        http1: bool,
        http2: bool,
        limits: Limits,
        proxy: ProxyTypes | None,
        mounts: None | typing.Mapping[str, typing.Any],
        transport: typing.Any,
    ) -> None:
        """The default transport, one transport per proxy, and the user's mounts.

        Built through `_init_transport` / `_init_proxy_transport`, which subclasses
        (hishel, httpx-aiohttp, ...) override to supply their own transports.
        """
        if http2:
            require_h2()  # as httpx 0.28: a client asking for HTTP/2 needs h2 at once
        self._transport = self._init_transport(
            verify=verify,
            cert=cert,
            trust_env=trust_env,
            http1=http1,
            http2=http2,
            limits=limits,
            transport=transport,
        )
        # An explicit transport means "send everything there": no environment proxies.
        proxies = proxy_map(proxy, trust_env and transport is None)
        patterns: dict[URLPattern, typing.Any] = {
            URLPattern(key): None
            if value is None
            else self._init_proxy_transport(
                value,
                verify=verify,
                cert=cert,
                trust_env=trust_env,
                http1=http1,
                http2=http2,
                limits=limits,
            )
            for key, value in proxies.items()
        }
        if mounts is not None:
            patterns.update({URLPattern(key): transport for key, transport in mounts.items()})
        for mounted in [self._transport, *patterns.values()]:
            self._check_transport_kind(mounted)
        self._mounts = dict(sorted(patterns.items()))
        # For WebSocket handshakes on a client offering HTTP/2: HTTP/1.1-only twins of the
        # transports built here are made from these (see _ws/_handshake.py).
        self._transport_options = {
            "verify": verify,
            "cert": cert,
            "trust_env": trust_env,
            "limits": limits,
            "http2": http2,
            "own_transport": transport is None,
            "proxies": {URLPattern(key): value for key, value in proxies.items() if value},
        }

    def _resolution_options(self) -> dict[str, typing.Any]:
        """`resolve` and `resolver`, for the transports the client builds itself."""
        return dict(getattr(self, "_resolution", {}))

    def pool_status(self) -> dict[str, PoolStatus]:
        """The connection pools' state, per origin ("https://example.com:443"): idle and
        active connections, and requests queued for a connection (`httpx.PoolStatus`).

        Counts come from the client's own transports (and proxies' and mounted ones
        that report them: `HTTPTransport.pool_status()`); added up per origin.
        """
        from ._timings import merge_status

        transports = {id(t): t for t in [self._transport, *self._mounts.values()] if t}
        statuses = []
        for transport in transports.values():
            report = getattr(transport, "pool_status", None)
            if report is not None:
                statuses.append(report())
        return merge_status(statuses)

    def _check_transport_kind(self, transport: typing.Any) -> None:
        # A sync transport in an AsyncClient (or the reverse) would otherwise fail with an
        # AttributeError at the first request.
        if transport is None:
            return
        method = "handle_async_request" if self._is_async else "handle_request"
        if not hasattr(transport, method):
            client, other = (
                ("AsyncClient", "Client") if self._is_async else ("Client", "AsyncClient")
            )
            raise TypeError(
                f"{type(transport).__name__} cannot be used with {client}: it has no "
                f"{method}() method. Use it with {other}, or give {client} a transport "
                f"that implements {method}()."
            )

    def _transport_for_url(self, url: URL) -> typing.Any:
        """The transport for `url`: the most specific matching mount, else the default."""
        for pattern, transport in self._mounts.items():
            if pattern.matches(url):
                return self._transport if transport is None else transport
        return self._transport

    def _flow_settings(self) -> FlowSettings:
        return FlowSettings(
            transport_for_url=self._transport_for_url,
            cookies=self._cookies,
            max_redirects=self.max_redirects,
            request_hooks=self._event_hooks["request"],
            response_hooks=self._event_hooks["response"],
            default_encoding=self._default_encoding,
            asynchronous=self._is_async,
            sensitive_headers=self._sensitive_headers,
            retry=getattr(self, "_retry", None),
        )

    def _apply_request_defaults(self, request: Request) -> None:
        """Client settings that apply to every request sent, however it was built."""
        if self._max_decoded_size is not None:
            request.extensions.setdefault(MAX_DECODED_SIZE_EXTENSION, self._max_decoded_size)

    def _check_can_send(self) -> None:
        if self._state == ClientState.CLOSED:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        self._state = ClientState.OPENED

    def _check_can_open(self) -> None:
        if self._state != ClientState.UNOPENED:
            message = {
                ClientState.OPENED: "Cannot open a client instance more than once.",
                ClientState.CLOSED: ("Cannot reopen a client instance, once it has been closed."),
            }[self._state]
            raise RuntimeError(message)
        self._state = ClientState.OPENED

    _transport: typing.Any


_PER_REQUEST_COOKIES_MESSAGE = (
    "Setting per-request cookies=<...> is being deprecated, because the expected "
    "behaviour on cookie persistence is ambiguous. Set cookies directly on the client "
    "instance instead."
)


def present_methods_as(methods: type, client_name: str) -> None:
    """Make the public methods of `methods`, a base class of the client `client_name`,
    read as the client's own (`Client.get`), as they do in httpx: in reprs and in the
    errors Python raises for wrong arguments ("Client.get() got an unexpected keyword
    argument ...", whose name Python 3.11+ takes from the code object)."""
    for name, function in vars(methods).items():
        if name.startswith("_") or not callable(function):
            continue
        qualname = f"{client_name}.{name}"
        function.__qualname__ = qualname
        if sys.version_info >= (3, 11):
            function.__code__ = function.__code__.replace(co_qualname=qualname)


def warn_per_request_cookies(cookies: CookieTypes | None) -> None:
    """httpx's DeprecationWarning for `cookies=` given to `Client.request()` (and so to
    the verb methods); `build_request()` and `stream()` do not warn, as in httpx."""
    if cookies is not None:
        warnings.warn(_PER_REQUEST_COOKIES_MESSAGE, DeprecationWarning, stacklevel=3)


def _header_names(names: typing.Iterable[str] | None) -> frozenset[str]:
    """`sensitive_headers` as lower-case names, each checked to be a valid header name."""
    if names is None:
        return frozenset()
    if isinstance(names, (str, bytes)):
        # A lone name would otherwise be taken as a sequence of one-letter names.
        raise TypeError(
            f"sensitive_headers must be an iterable of header names, such as "
            f"[{names!r}], not a single {type(names).__name__}"
        )
    try:
        headers = Headers([(name, "") for name in names])
    except LocalProtocolError as exc:
        raise ValueError(f"Invalid name in sensitive_headers: {exc}") from None
    except AttributeError:  # (what Headers raises for a name that is not str or bytes)
        raise TypeError(
            f"sensitive_headers must be an iterable of header names (str), got {names!r}"
        ) from None
    return frozenset(headers.keys())


def _check_retries(retries: object) -> Retry | None:
    if retries is None:
        return None
    # (The retry policy's module loads with the first client that has one.)
    from ._retry import Retry

    if isinstance(retries, Retry):
        return retries
    if isinstance(retries, int) and not isinstance(retries, bool):
        # An int means "connection retries" to HTTPTransport (as in httpx 0.28) and "any
        # retries" to urllib3: too ambiguous to guess.
        raise TypeError(
            f"retries must be an httpx.Retry, such as httpx.Retry(total={retries}); for "
            f"connection retries only, use transport=httpx.HTTPTransport(retries={retries})"
        )
    raise TypeError(f"retries must be an httpx.Retry or None, not {retries!r}")


def _accept_encoding() -> bytes:
    return ", ".join(key for key in SUPPORTED_DECODERS if key != "identity").encode("ascii")


_ACCEPT_ENCODING = _accept_encoding()
_USER_AGENT = f"python-httpx/{__version__}".encode("ascii")
