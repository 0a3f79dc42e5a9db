"""Everything the transports rely on in httpcore beyond its public API, in one place.

The rest of `httpx._transports` uses httpcore's public names only: its pool and proxy
classes, `Request` / `Response` / `URL` / `Origin`, its exceptions, and its network
backend and connection interfaces. This module was written for, and is tested with,
the httpcore versions pinned in pyproject.toml (`HTTPCORE_VERSIONS`). What it knows:

1. Our pools are subclasses of httpcore's pool classes (the compatibility contract:
   ``HTTPTransport._pool`` is an ``httpcore.ConnectionPool``, ``HTTPProxy`` or
   ``SOCKSProxy``). They are made with httpcore's own constructor, so the instance also
   carries httpcore's state for code that reaches into it (pytest_httpx reads
   ``_proxy_url`` and ``_proxy_headers``; respx, when it lets a request through, calls
   httpcore's own ``handle_request`` on the pool), and they keep their own state in
   attributes httpcore does not use, overriding every public method httpcore's pools
   define. `pool_subclassing_supported` checks that this still holds for the httpcore
   installed: if a later httpcore adds a public method or starts using one of our
   attribute names, the transports use httpcore's stock pools instead (working, but
   without our pool's bookkeeping, connections and reclaiming).
2. The type of the body httpcore builds from bytes (``httpcore._models.ByteStream``), so
   that an in-memory body is sent in one write without iterating it.
3. The attributes of httpcore's `Request`, `Response` and `URL`: the transports build
   these once per request and per response from values already checked (our models'
   bytes, the HTTP/1.1 engine's parsed fields), so `httpcore_request`,
   `httpcore_response` and `httpcore_url` set them directly instead of re-checking each
   header in httpcore's constructors; when the layout is not the one expected, they call
   the constructors.
4. The network backend classes that tests patch (respx patches ``connect_tcp`` on
   ``httpcore._backends.*``): `async_patched_backend` / `sync_patched_backend` notice a
   patched method, and the connect step then opens its connection through it.

Every private name is looked up once, with a fallback when it is gone: the feature that
needs it degrades; `import httpx` never fails because of it.
"""

from __future__ import annotations

import functools
import typing

import httpcore
import sniffio

__all__ = [
    "HTTPCORE_VERSIONS",
    "httpcore_request",
    "httpcore_response",
    "httpcore_url",
    "httpcore_byte_stream_content",
    "async_patched_backend",
    "pool_subclassing_supported",
    "sync_patched_backend",
]

HTTPCORE_VERSIONS = ">=1.0.9,<1.1"

_ByteStream: type | None
try:
    from httpcore._models import ByteStream as _ByteStream
except ImportError:  # pragma: no cover - a moved name: bodies get iterated instead
    _ByteStream = None


def httpcore_byte_stream_content(stream: object) -> bytes | None:
    """The bytes of a body httpcore built from bytes (``httpcore.Request(content=b"...")``)."""
    if _ByteStream is not None and type(stream) is _ByteStream:
        content = getattr(stream, "_content", None)
        if isinstance(content, bytes):
            return content
    return None


# --- building httpcore's models -----------------------------------------------------------


def _layout(instance: object) -> frozenset[str]:
    return frozenset(vars(instance))


_URL_LAYOUT = frozenset({"scheme", "host", "port", "target"})
_REQUEST_LAYOUT = frozenset({"method", "url", "headers", "stream", "extensions"})
_RESPONSE_LAYOUT = frozenset({"status", "headers", "stream", "extensions", "_stream_consumed"})
_FAST_URL = _layout(httpcore.URL("http://a/")) == _URL_LAYOUT
_FAST_REQUEST = _layout(httpcore.Request("GET", "http://a/")) == _REQUEST_LAYOUT
_FAST_RESPONSE = _layout(httpcore.Response(200)) == _RESPONSE_LAYOUT


def httpcore_url(scheme: bytes, host: bytes, port: int | None, target: bytes) -> httpcore.URL:
    if not _FAST_URL:  # pragma: no cover - another httpcore
        return httpcore.URL(scheme=scheme, host=host, port=port, target=target)
    url = httpcore.URL.__new__(httpcore.URL)
    url.scheme = scheme
    url.host = host
    url.port = port
    url.target = target
    return url


def httpcore_request(
    method: bytes,
    url: httpcore.URL,
    headers: list[tuple[bytes, bytes]],
    stream: typing.Any,
    extensions: typing.Any,
) -> httpcore.Request:
    if not _FAST_REQUEST:  # pragma: no cover - another httpcore
        return httpcore.Request(
            method=method, url=url, headers=headers, content=stream, extensions=extensions
        )
    request = httpcore.Request.__new__(httpcore.Request)
    request.method = method
    request.url = url
    request.headers = headers
    request.stream = stream
    request.extensions = extensions
    return request


def httpcore_response(
    status: int,
    headers: list[tuple[bytes, bytes]],
    stream: typing.Any,
    extensions: typing.MutableMapping[str, typing.Any],
) -> httpcore.Response:
    if not _FAST_RESPONSE:  # pragma: no cover - another httpcore
        return httpcore.Response(status, headers=headers, content=stream, extensions=extensions)
    response = httpcore.Response.__new__(httpcore.Response)
    response.status = status
    response.headers = headers
    response.stream = stream
    response.extensions = extensions
    response._stream_consumed = False
    return response


# --- patched network backends -------------------------------------------------------------

_CONNECT_METHODS = ("connect_tcp", "connect_unix_socket")


def _backend_classes() -> dict[str, list[type]]:
    classes: dict[str, list[type]] = {"sync": [httpcore.SyncBackend]}
    asyncio_classes: list[type] = [httpcore.AnyIOBackend]
    trio_classes: list[type] = [httpcore.TrioBackend]
    try:
        from httpcore._backends.auto import AutoBackend
    except ImportError:  # pragma: no cover - moved: a patch on it goes unnoticed
        pass
    else:
        asyncio_classes.append(AutoBackend)
        trio_classes.append(AutoBackend)
    classes["asyncio"] = asyncio_classes
    classes["trio"] = trio_classes
    return classes


_BACKEND_CLASSES = _backend_classes()
# Each class's own methods as httpcore defines them, to tell a patched one.
_ORIGINAL_METHODS = {
    cls: tuple(vars(cls).get(name) for name in _CONNECT_METHODS)
    for classes in _BACKEND_CLASSES.values()
    for cls in classes
}


def _patched(kind: str) -> typing.Any:
    for cls in _BACKEND_CLASSES[kind]:
        originals = _ORIGINAL_METHODS[cls]
        for name, original in zip(_CONNECT_METHODS, originals, strict=True):
            if vars(cls).get(name) is not original:
                return cls()
    return None


def async_patched_backend() -> httpcore.AsyncNetworkBackend | None:
    """An instance of httpcore's async backend class (the one httpcore would use on the
    running event loop) whose ``connect_tcp`` or ``connect_unix_socket`` a test has
    replaced, if any."""
    backend: httpcore.AsyncNetworkBackend | None = _patched(
        "trio" if sniffio.current_async_library() == "trio" else "asyncio"
    )
    return backend


def sync_patched_backend() -> httpcore.NetworkBackend | None:
    """`async_patched_backend` for the sync backend."""
    backend: httpcore.NetworkBackend | None = _patched("sync")
    return backend


# --- pool subclassing -----------------------------------------------------------------------

# How to make an instance of each of httpcore's pool classes, to see its attributes.
_PROBE_ARGUMENTS: dict[str, dict[str, typing.Any]] = {
    "ConnectionPool": {},
    "HTTPProxy": {"proxy_url": "http://127.0.0.1:1"},
    "SOCKSProxy": {"proxy_url": "socks5://127.0.0.1:1"},
}
# Public methods of httpcore's pools that ours leave to httpcore: the conveniences of
# its request interface, which call `handle_request` / `handle_async_request`.
_INHERITED_ON_PURPOSE = frozenset({"request", "stream"})


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@functools.cache
def pool_subclassing_supported(our_class: type, our_attributes: frozenset[str]) -> bool:
    """Whether `our_class`, a subclass of one of httpcore's pool classes, works with the
    httpcore installed (see the module docstring): it overrides every public method of
    its httpcore base, and none of its own attributes is one httpcore sets."""
    bases = [cls for cls in our_class.__mro__ if cls.__module__.startswith("httpcore")]
    if not bases:  # pragma: no cover - not one of httpcore's pools
        return False
    base = bases[0]
    ours: set[str] = set()
    theirs: set[str] = set()
    for klass in our_class.__mro__:
        if klass in bases:
            theirs |= {name for name in vars(klass) if not name.startswith("_")}
        elif klass is not object:
            ours |= set(vars(klass))
    if theirs - ours - _INHERITED_ON_PURPOSE:
        return False
    # Nor may our private methods replace httpcore's (its own code calls those).
    theirs_private = {name for klass in bases for name in vars(klass) if _is_private(name)}
    if {name for name in ours if _is_private(name)} & theirs_private:
        return False
    name = base.__name__.removeprefix("Async")
    try:
        probe = base(**_PROBE_ARGUMENTS.get(name, {}))
    except Exception:  # pragma: no cover - a constructor this module does not know
        return False
    return not (our_attributes & set(vars(probe)))
