"""Client configuration: `Timeout`, `Limits`, `Proxy` and TLS contexts.

SSL context caching — the decision
----------------------------------
Loading certifi's CA bundle into an `ssl.SSLContext` costs about 17-20 ms, and a copy of a
context cannot be made, so building one per client makes creating clients expensive.
But an `SSLContext` is mutable, and it *is* mutated after we hand it out: httpcore calls
``ssl_context.set_alpn_protocols(...)`` on it before every TLS handshake (with
``["http/1.1", "h2"]`` when HTTP/2 is enabled, else ``["http/1.1"]``), and a user may call
``load_cert_chain()`` on a context they got from us. So:

* `create_ssl_context()`, the public function, always returns a NEW context that belongs
  to the caller, who may change it freely. It pays the full cost.
* `transport_ssl_context()` is the internal entry point for transports. For the common
  configurations (``verify`` a bool, no ``cert``) it returns one process-wide context per
  key ``(verify, trust_env, CA bundle named by the environment, SSLKEYLOGFILE, http2,
  HTTPX_TRUST_STORE)``.
  Its ALPN list is preset to exactly what httpcore will set for that ``http2`` flag, so
  httpcore's per-connection ``set_alpn_protocols`` call rewrites the same value and clients
  with different HTTP/2 settings never share (and race on) one context. The environment
  variables are part of the key, so changing them takes effect for the next client.
  Shared contexts must never be handed to user code. Other configurations (a CA path, a
  client certificate, a user's own context) are not cached.
"""

from __future__ import annotations

import collections
import errno
import math
import os
import ssl
import threading
import typing
import warnings

from ._headers import Headers
from ._system_trust import system_trust_store, trust_store_from_env
from ._types import CertTypes, HeaderTypes, TimeoutTypes
from ._urls import URL
from ._utils import get_ca_bundle_from_env

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_REDIRECTS",
    "DEFAULT_TIMEOUT_CONFIG",
    "UNSET",
    "Limits",
    "Proxy",
    "Timeout",
    "UnsetType",
    "create_ssl_context",
    "transport_ssl_context",
]


class UnsetType:
    """Type of the `UNSET` sentinel: "argument not given", as distinct from ``None``."""

    def __repr__(self) -> str:
        # Signatures print the default as "<httpx._config.UnsetType>", as the recorded
        # httpx 0.28 API surface shows it (minus the varying "object at 0x..." part).
        return f"<{type(self).__module__}.{type(self).__qualname__}>"


UNSET = UnsetType()


# ---------------------------------------------------------------------------------------
# TLS
# ---------------------------------------------------------------------------------------


def _alpn_protocols(http2: bool) -> list[str]:
    # The same lists httpcore sets before each handshake (RFC 7301 protocol IDs).
    return ["http/1.1", "h2"] if http2 else ["http/1.1"]


def _keylog_filename(trust_env: bool) -> str | None:
    # SSLKEYLOGFILE lets tools such as Wireshark decrypt our traffic: only honour it when
    # the caller trusts the environment.
    return (os.environ.get("SSLKEYLOGFILE") or None) if trust_env else None


def _verified_context(ca_location: str, origin: str, trust_env: bool) -> ssl.SSLContext:
    # create_default_context() gives the stdlib's vetted defaults (CERT_REQUIRED,
    # check_hostname, TLS >= 1.2 on current Pythons, no compression).
    try:
        if os.path.isdir(ca_location):
            context = ssl.create_default_context(capath=ca_location)
        else:
            context = ssl.create_default_context(cafile=ca_location)
    except ssl.SSLError as exc:
        raise ssl.SSLError(
            f"Could not load CA certificates from {origin} {ca_location!r}: {exc}"
        ) from exc
    if not trust_env:
        # create_default_context() reads SSLKEYLOGFILE itself; trust_env=False means no.
        context.keylog_filename = None  # type: ignore[assignment]
    return context


def _unverified_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _ca_location(verify: bool | str | os.PathLike[str], trust_env: bool) -> tuple[str, str]:
    """Return (path, description) of the CA certificates to trust for a verifying context."""
    if verify is True:
        from_env = get_ca_bundle_from_env() if trust_env else None
        if from_env is not None:
            return from_env, "SSL_CERT_FILE/SSL_CERT_DIR"
        import certifi  # (here: `import httpx` does not load certifi, as in httpx 0.28)

        return certifi.where(), "certifi bundle"
    path = os.fspath(typing.cast("str | os.PathLike[str]", verify))
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"Could not find a suitable TLS CA certificate bundle, invalid path: {path!r}"
        )
    return path, "verify path"


def _load_client_cert(context: ssl.SSLContext, cert: CertTypes) -> None:
    """Load a client certificate: a path, (certfile, keyfile) or (certfile, keyfile, password)."""
    password: str | bytes | None = None
    keyfile: str | None = None
    if isinstance(cert, (str, os.PathLike)):
        certfile = os.fspath(cert)
    elif isinstance(cert, tuple):
        if len(cert) not in (2, 3):
            raise ValueError(
                "cert must be a path, a (certfile, keyfile) tuple or a "
                f"(certfile, keyfile, password) tuple, got a tuple of {len(cert)} items"
            )
        for item, what in zip(cert[:2], ("certfile", "keyfile"), strict=True):
            if not isinstance(item, (str, os.PathLike)) and not (
                what == "keyfile" and item is None
            ):
                raise TypeError(f"cert {what} must be a path string, not {type(item).__name__}")
        certfile = os.fspath(cert[0])
        keyfile = None if cert[1] is None else os.fspath(cert[1])
        if len(cert) == 3:
            password = cert[2]
            if not isinstance(password, (str, bytes)):
                raise TypeError(
                    f"cert password must be str or bytes, not {type(password).__name__}"
                )
    else:
        raise TypeError(
            "cert must be a path, a (certfile, keyfile) tuple or a "
            f"(certfile, keyfile, password) tuple, not {type(cert).__name__}"
        )
    # ssl reports a missing file without its name: say which one. Same type and errno
    # as the error httpx 0.28 lets through from ssl, plus the file name.
    for path, what in ((certfile, "certificate file"), (keyfile, "key file")):
        if path is not None and not os.path.isfile(path):
            raise FileNotFoundError(errno.ENOENT, f"Client {what} not found", path)
    try:
        context.load_cert_chain(certfile, keyfile, password)
    except ssl.SSLError as exc:
        raise _client_cert_error(exc, certfile, keyfile) from exc


def _client_cert_error(exc: ssl.SSLError, certfile: str, keyfile: str | None) -> ssl.SSLError:
    """ssl's "[SSL] PEM lib" error, saying which files were being loaded.

    Built with (errno, message) like the errors ssl raises itself: with a single argument
    `str()` of an SSLError renders the argument tuple instead of the message."""
    message = (
        f"Could not load client certificate {certfile!r}"
        + (f" with key {keyfile!r}" if keyfile else "")
        + f" (wrong password, or not a PEM certificate and key?): {exc.strerror or exc}"
    )
    error = ssl.SSLError(exc.errno, message)
    error.library = exc.library
    error.reason = exc.reason
    return error


def _build_ssl_context(verify: ssl.SSLContext | str | bool, trust_env: bool) -> ssl.SSLContext:
    """A new context for `verify`; a user's own context is passed through untouched."""
    if isinstance(verify, ssl.SSLContext):
        return verify
    if verify is False:
        context = _unverified_context()
    elif verify is True or isinstance(verify, (str, os.PathLike)):
        if not isinstance(verify, bool):
            warnings.warn(
                "`verify=<str>` is deprecated. Use "
                "`verify=ssl.create_default_context(cafile=...)` or "
                "`verify=ssl.create_default_context(capath=...)` instead.",
                DeprecationWarning,
                stacklevel=3,
            )
        if verify is True and trust_env and trust_store_from_env() == "system":
            # HTTPX_TRUST_STORE=system: the operating system's store (_system_trust.py).
            context = system_trust_store()
        else:
            location, origin = _ca_location(verify, trust_env)
            context = _verified_context(location, origin, trust_env)
    else:
        raise TypeError(
            "verify must be True, False, a path to CA certificates or an ssl.SSLContext, "
            f"not {type(verify).__name__}"
        )
    keylog = _keylog_filename(trust_env)
    if keylog is not None:
        context.keylog_filename = keylog
    return context


def create_ssl_context(
    verify: ssl.SSLContext | str | bool = True,
    cert: CertTypes | None = None,
    trust_env: bool = True,
) -> ssl.SSLContext:
    """Build an SSL context for `verify` and `cert`. A new context the caller owns.

    verify: True (certifi's bundle, or SSL_CERT_FILE / SSL_CERT_DIR when `trust_env` and
    they name an existing file/directory, or the operating system's trust store when
    `trust_env` and HTTPX_TRUST_STORE=system), False (no verification), a path to a CA file or
    directory (deprecated, as in httpx 0.28), or an `ssl.SSLContext` returned as is.
    cert (deprecated, as in httpx 0.28): a client certificate loaded into the context.
    ALPN is left to the transport (httpcore sets it per connection).
    """
    context = _build_ssl_context(verify, trust_env)
    if cert is not None and cert != "":
        warnings.warn(
            "`cert=...` is deprecated. Use `verify=<ssl_context>` instead, "
            "with `.load_cert_chain()` to configure the certificate chain.",
            DeprecationWarning,
            stacklevel=2,
        )
        _load_client_cert(context, cert)
    return context


_SharedKey = tuple[bool, bool, "str | None", "str | None", bool, "str | None"]
_MAX_SHARED_CONTEXTS = 16
_shared_contexts: collections.OrderedDict[_SharedKey, ssl.SSLContext] = collections.OrderedDict()
_shared_lock = threading.Lock()


def transport_ssl_context(
    verify: ssl.SSLContext | str | bool = True,
    cert: CertTypes | None = None,
    trust_env: bool = True,
    *,
    http2: bool = False,
) -> ssl.SSLContext:
    """The context a transport hands to httpcore (see the module docstring).

    Bool `verify` without `cert`: a shared, cached context with ALPN preset for `http2`.
    Anything else: the same as `create_ssl_context` (an SSLContext is returned as is).
    """
    if not isinstance(verify, bool) or (cert is not None and cert != ""):
        return create_ssl_context(verify, cert, trust_env)
    env_bundle = get_ca_bundle_from_env() if trust_env and verify else None
    store = trust_store_from_env() if trust_env and verify else None
    key: _SharedKey = (
        verify,
        trust_env,
        env_bundle,
        _keylog_filename(trust_env),
        http2,
        store,
    )
    context = _shared_contexts.get(key)
    if context is not None:
        try:
            _shared_contexts.move_to_end(key)  # Least recently used goes first.
        except KeyError:  # pragma: no cover - evicted by another thread just now
            pass
        return context
    with _shared_lock:
        context = _shared_contexts.get(key)
        if context is None:
            context = _build_ssl_context(verify, trust_env)
            context.set_alpn_protocols(_alpn_protocols(http2))
            _shared_contexts[key] = context
            if len(_shared_contexts) > _MAX_SHARED_CONTEXTS:
                # Only a process that keeps changing its environment gets here.
                _shared_contexts.popitem(last=False)
    return context


# ---------------------------------------------------------------------------------------
# Timeouts and limits
# ---------------------------------------------------------------------------------------


def _check_total(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"Timeout value 'total' must be a number or None, not {value!r}")
    if math.isnan(value) or value < 0:
        raise ValueError(f"Timeout value 'total' must be >= 0 or None, not {value!r}")
    # An infinite deadline means "no deadline".
    return None if math.isinf(value) else value


class Timeout:
    """Timeout configuration, in seconds (``None`` disables a timeout).

    Timeout(10.0)                    # 10s for each of connect, read, write and pool
    Timeout(10.0, connect=60.0)      # 60s to connect, 10s for the others
    Timeout(None)                    # no timeouts
    Timeout((5.0, 10.0, 10.0, 1.0))  # (connect, read, write, pool)
    Timeout((5.0, 10.0))             # (connect, read); no write or pool timeout
    Timeout(connect=1, read=2, write=3, pool=4)
    Timeout(10.0, total=30.0)        # and at most 30s for the whole request

    Values are kept as given, as httpx does. The four phase timeouts bound each single
    operation (a server that sends one byte every second never trips a 5 s read
    timeout). `total` bounds the whole request: waiting for a pooled connection,
    connecting, sending, every redirect and auth round-trip, and reading the body (for a
    streamed response, until the body has been read). When it runs out, the timeout
    exception of the step that was running is raised (`PoolTimeout`, `ConnectTimeout`,
    `WriteTimeout` or `ReadTimeout`). `total` is our addition to httpx 0.28; ``None``
    (the default) keeps 0.28's behaviour.
    """

    connect: float | None
    read: float | None
    write: float | None
    pool: float | None
    total: float | None

    def __init__(
        self,
        timeout: TimeoutTypes | UnsetType = UNSET,
        *,
        connect: None | float | UnsetType = UNSET,
        read: None | float | UnsetType = UNSET,
        write: None | float | UnsetType = UNSET,
        pool: None | float | UnsetType = UNSET,
        total: None | float = None,
    ) -> None:
        values: tuple[typing.Any, ...]
        if isinstance(timeout, Timeout):
            # httpx 0.28 checks this with `assert`.
            if not all(value is UNSET for value in (connect, read, write, pool)):
                raise AssertionError()
            values = (timeout.connect, timeout.read, timeout.write, timeout.pool)
            if total is None:
                total = timeout.total  # A copy keeps its total unless a new one is given.
        elif isinstance(timeout, tuple):
            # (connect, read), (connect, read, write) or (connect, read, write, pool); as
            # in httpx, the per-phase keyword arguments are then ignored.
            values = (
                timeout[0],
                timeout[1],
                None if len(timeout) < 3 else timeout[2],
                None if len(timeout) < 4 else timeout[3],
            )
        elif not any(value is UNSET for value in (connect, read, write, pool)):
            values = (connect, read, write, pool)
        else:
            if isinstance(timeout, UnsetType):
                raise ValueError(
                    "httpx.Timeout must either include a default, or set all "
                    "four parameters explicitly."
                )
            values = tuple(
                timeout if value is UNSET else value for value in (connect, read, write, pool)
            )
        self.connect, self.read, self.write, self.pool = values
        self.total = _check_total(total)

    def as_dict(self) -> dict[str, float | None]:
        """The request's ``timeout`` extension: "total" appears only when it is set, so
        the dict is exactly httpx 0.28's otherwise (transports read the four phases)."""
        timeouts = {
            "connect": self.connect,
            "read": self.read,
            "write": self.write,
            "pool": self.pool,
        }
        if self.total is not None:
            timeouts["total"] = self.total
        return timeouts

    def __eq__(self, other: typing.Any) -> bool:
        return (
            isinstance(other, self.__class__)
            and self.connect == other.connect
            and self.read == other.read
            and self.write == other.write
            and self.pool == other.pool
            and self.total == other.total
        )

    # Mutable attributes and a value-based __eq__: unhashable, as in httpx.
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        class_name = self.__class__.__name__
        total = "" if self.total is None else f", total={self.total}"
        if len({self.connect, self.read, self.write, self.pool}) == 1:
            return f"{class_name}(timeout={self.connect}{total})"
        return (
            f"{class_name}(connect={self.connect}, read={self.read}, "
            f"write={self.write}, pool={self.pool}{total})"
        )


class Limits:
    """Connection pool limits (kept as given, as httpx does).

    max_connections: maximum number of concurrent connections (None: no limit).
    max_keepalive_connections: idle connections kept for reuse (None: no limit).
    keepalive_expiry: seconds an idle connection is kept (None: forever).
    """

    def __init__(
        self,
        *,
        max_connections: int | None = None,
        max_keepalive_connections: int | None = None,
        keepalive_expiry: float | None = 5.0,
    ) -> None:
        self.max_connections = max_connections
        self.max_keepalive_connections = max_keepalive_connections
        self.keepalive_expiry = keepalive_expiry

    def __eq__(self, other: typing.Any) -> bool:
        return (
            isinstance(other, self.__class__)
            and self.max_connections == other.max_connections
            and self.max_keepalive_connections == other.max_keepalive_connections
            and self.keepalive_expiry == other.keepalive_expiry
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        class_name = self.__class__.__name__
        return (
            f"{class_name}(max_connections={self.max_connections}, "
            f"max_keepalive_connections={self.max_keepalive_connections}, "
            f"keepalive_expiry={self.keepalive_expiry})"
        )


# ---------------------------------------------------------------------------------------
# Proxies
# ---------------------------------------------------------------------------------------

_PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


class Proxy:
    """A proxy server: its URL, credentials, extra headers and (for https://) TLS context.

    Credentials in the URL (``http://user:pass@proxy:3128``) move to `.auth` (in place of
    any `auth=`) and are removed from `.url`, so the URL can be logged safely.
    """

    def __init__(
        self,
        url: URL | str,
        *,
        ssl_context: ssl.SSLContext | None = None,
        auth: tuple[str, str] | None = None,
        headers: HeaderTypes | None = None,
    ) -> None:
        url = URL(url)
        headers = Headers(headers)
        if url.scheme not in _PROXY_SCHEMES:
            raise ValueError(f"Unknown scheme for proxy URL {url!r}")
        if url.username or url.password:
            # Remove any auth credentials from the URL.
            auth = (url.username, url.password)
            url = url.copy_with(username=None, password=None)
        self.url = url
        self.auth = auth
        self.headers = headers
        self.ssl_context = ssl_context

    @property
    def raw_auth(self) -> tuple[bytes, bytes] | None:
        # The username and password are encoded as UTF-8 for Basic auth (RFC 7617 section 2.1).
        if self.auth is None:
            return None
        return (self.auth[0].encode("utf-8"), self.auth[1].encode("utf-8"))

    def __repr__(self) -> str:
        # The password never appears, so a repr can go into logs.
        auth = (self.auth[0], "********") if self.auth else None
        url_str = f"{str(self.url)!r}"
        auth_str = f", auth={auth!r}" if auth else ""
        headers_str = f", headers={dict(self.headers)!r}" if self.headers else ""
        return f"Proxy({url_str}{auth_str}{headers_str})"


DEFAULT_TIMEOUT_CONFIG = Timeout(timeout=5.0)
DEFAULT_LIMITS = Limits(max_connections=100, max_keepalive_connections=20)
DEFAULT_MAX_REDIRECTS = 20
# Server-sent events: each event's data, at most (the clients' `sse(max_event_size=)`).
# 1 MiB: far above what event-stream APIs send (a chat-completion chunk is ~1 KiB), far
# below what would hurt a process holding many streams.
DEFAULT_MAX_EVENT_SIZE = 1_048_576
