"""The public ``URL`` and ``QueryParams`` models (httpx 0.28 API).

Parsing and normalisation live in ``_urlparse``; this module adds the public surface:
typed keyword arguments, str/bytes views of each component and immutable query params.
"""

from __future__ import annotations

import dataclasses
import typing
import warnings
from urllib.parse import parse_qs, urlencode

from ._exceptions import InvalidURL
from ._primitives import primitive_value_to_str
from ._types import PrimitiveData, QueryParamTypes
from ._urlparse import DEFAULT_PORTS, ParseResult, decode_host, join, unquote, urlparse

__all__ = ["URL", "Origin", "QueryParams", "RawURL"]


class RawURL(typing.NamedTuple):
    """The pieces a transport needs to send a request."""

    raw_scheme: bytes
    raw_host: bytes
    port: int | None
    raw_path: bytes


# The keyword arguments URL() and URL.copy_with() accept, with their types.
_COMPONENT_TYPES: dict[str, type] = {
    "scheme": str,
    "username": str,
    "password": str,
    "userinfo": bytes,
    "host": str,
    "port": int,
    "netloc": bytes,
    "path": str,
    "query": bytes,
    "raw_path": bytes,
    "fragment": str,
    "params": object,
}


def _url_components(kwargs: dict[str, typing.Any]) -> dict[str, str | None]:
    """Type-check URL keyword arguments and turn them into plain component values."""
    components: dict[str, typing.Any] = {}
    for key, value in kwargs.items():
        expected = _COMPONENT_TYPES.get(key)
        if expected is None:
            raise TypeError(f"{key!r} is an invalid keyword argument for URL()")
        if value is not None and not isinstance(value, expected):
            raise TypeError(
                f"Argument {key!r} must be {expected.__name__} but got {type(value).__name__}"
            )
        if isinstance(value, bytes):
            try:
                value = value.decode("ascii")
            except UnicodeDecodeError:
                # httpx 0.28 lets the UnicodeDecodeError escape.
                raise InvalidURL(
                    f"Invalid URL component {key!r}: bytes components must be ASCII "
                    f"(percent-encoded), got {value!r}"
                ) from None
        components[key] = value
    if "params" in components:
        # As in httpx, params replace the query (even one given as `query`), and empty
        # params remove it.
        params = components.pop("params")
        try:
            components["query"] = str(QueryParams(params)) if params else None
        except UnicodeEncodeError:
            # (A lone surrogate; httpx 0.28 lets the UnicodeEncodeError escape.)
            raise InvalidURL(
                "Invalid URL component 'params': a lone surrogate cannot be encoded"
            ) from None
    return components


class URL:
    """A parsed, normalised URL.

    ```python
    url = httpx.URL("HTTPS://jo%40email.com:a%20secret@müller.de:1234/pa%20th?search=ab#anchor")
    url.scheme == "https"; url.username == "jo@email.com"; url.password == "a secret"
    url.userinfo == b"jo%40email.com:a%20secret"; url.host == "müller.de"
    url.raw_host == b"xn--mller-kva.de"; url.port == 1234
    url.netloc == b"xn--mller-kva.de:1234"; url.path == "/pa th"; url.query == b"search=ab"
    url.raw_path == b"/pa%20th?search=ab"; url.fragment == "anchor"
    ```

    Keyword arguments (`scheme`, `host`, `port`, `path`, `query`, `params`, `fragment`,
    `username`, `password`, `raw_path`, ...) replace components. A URL that cannot be
    parsed, or whose host is not a valid (international) host name, raises `InvalidURL`.
    A URL compares equal to its string form.
    """

    _uri_reference: ParseResult

    def __init__(self, url: URL | str = "", **kwargs: typing.Any) -> None:
        if not kwargs and type(url) is str:
            # The usual call, URL("https://..."): straight to the parser.
            self._uri_reference = urlparse(url)
            return
        components = _url_components(kwargs) if kwargs else {}
        if isinstance(url, str):
            self._uri_reference = urlparse(url, **components)
        elif isinstance(url, URL):
            self._uri_reference = url._uri_reference.copy_with(**components)
        else:
            raise TypeError(
                f"Invalid type for url.  Expected str or httpx.URL, got {type(url)}: {url!r}"
            )

    @classmethod
    def _from_parsed(cls, parsed: ParseResult) -> URL:
        url = URL.__new__(URL)
        url._uri_reference = parsed
        return url

    @property
    def scheme(self) -> str:
        """The URL scheme, lowercased, such as "http" or "https"."""
        return self._uri_reference.scheme

    @property
    def raw_scheme(self) -> bytes:
        """The scheme as bytes."""
        return self._uri_reference.scheme.encode("ascii")

    @property
    def userinfo(self) -> bytes:
        """The percent-encoded "username:password", as bytes."""
        return self._uri_reference.userinfo.encode("ascii")

    @property
    def username(self) -> str:
        """The username of the userinfo, percent-decoded."""
        return unquote(self._uri_reference.userinfo.partition(":")[0])

    @property
    def password(self) -> str:
        """The password of the userinfo, percent-decoded (masked in `repr()`)."""
        return unquote(self._uri_reference.userinfo.partition(":")[2])

    @property
    def host(self) -> str:
        """The host, lowercased, an "xn--" name in Unicode form, IPv6 without brackets."""
        return decode_host(self._uri_reference.host)

    @property
    def raw_host(self) -> bytes:
        """The host as sent on the wire: ASCII, IDNA names in "xn--" form."""
        return self._uri_reference.host.encode("ascii")

    @property
    def port(self) -> int | None:
        """The port, or None when absent or the scheme's default (http 80, https 443, ...)."""
        return self._uri_reference.port

    @property
    def netloc(self) -> bytes:
        """Host and non-default port, as used in the Host header: b"example.com:8080"."""
        return self._uri_reference.netloc.encode("ascii")

    @property
    def path(self) -> str:
        """The path, percent-decoded; "/" when empty."""
        return unquote(self._uri_reference.path or "/")

    @property
    def query(self) -> bytes:
        """The percent-encoded query string, without the "?"."""
        return (self._uri_reference.query or "").encode("ascii")

    @property
    def params(self) -> QueryParams:
        """The query string parsed into `QueryParams`."""
        return QueryParams(self._uri_reference.query)

    @property
    def raw_path(self) -> bytes:
        """The request target: percent-encoded path and query, b"/path?query"."""
        path = self._uri_reference.path or "/"
        if self._uri_reference.query is not None:
            path += "?" + self._uri_reference.query
        return path.encode("ascii")

    @property
    def fragment(self) -> str:
        """The fragment, percent-decoded, without the "#"."""
        return unquote(self._uri_reference.fragment or "")

    @property
    def raw(self) -> RawURL:
        """(raw_scheme, raw_host, port, raw_path); deprecated, as in httpx 0.28."""
        warnings.warn("URL.raw is deprecated.", stacklevel=2)
        return RawURL(self.raw_scheme, self.raw_host, self.port, self.raw_path)

    @property
    def origin(self) -> Origin:
        """The URL's origin (RFC 6454): scheme, host and effective port.

        `URL("https://example.com/a").origin == URL("https://EXAMPLE.com:443/b").origin`.
        A relative URL, or one without a host (`file:///...`), has none: `InvalidURL`.
        """
        parsed = self._uri_reference
        if not (parsed.scheme and parsed.host):
            raise InvalidURL(f"{self!r} has no origin: it has no scheme or no host.")
        port = parsed.port if parsed.port is not None else DEFAULT_PORTS.get(parsed.scheme)
        return Origin(parsed.scheme, self.host, port)

    @property
    def is_absolute_url(self) -> bool:
        """True when the URL names a scheme and host to connect to."""
        return bool(self._uri_reference.scheme and self._uri_reference.host)

    @property
    def is_relative_url(self) -> bool:
        """True when the URL lacks a scheme or host (the opposite of `is_absolute_url`)."""
        return not self.is_absolute_url

    def copy_with(self, **kwargs: typing.Any) -> URL:
        """A copy with some components replaced; takes the keyword arguments of URL()."""
        return URL(self, **kwargs)

    def copy_set_param(self, key: str, value: typing.Any = None) -> URL:
        """A copy with query parameter `key` set to the single value `value`."""
        return self.copy_with(params=self.params.set(key, value))

    def copy_add_param(self, key: str, value: typing.Any = None) -> URL:
        """A copy with `value` added to the values of query parameter `key`."""
        return self.copy_with(params=self.params.add(key, value))

    def copy_remove_param(self, key: str) -> URL:
        """A copy without query parameter `key`."""
        return self.copy_with(params=self.params.remove(key))

    def copy_merge_params(self, params: QueryParamTypes) -> URL:
        """A copy with `params` merged into the query (their keys replace ours)."""
        return self.copy_with(params=self.params.merge(params))

    def join(self, url: URL | str) -> URL:
        """Resolve a relative reference against this URL (RFC 3986 section 5).

        url = httpx.URL("https://www.example.com/test")
        url.join("/new/path") == "https://www.example.com/new/path"
        """
        return URL(join(self._uri_reference, str(URL(url))))

    def __hash__(self) -> int:
        return hash(str(self))

    def __eq__(self, other: typing.Any) -> bool:
        return isinstance(other, (URL, str)) and str(self) == str(URL(other))

    def __str__(self) -> str:
        return str(self._uri_reference)

    def __repr__(self) -> str:
        parsed = self._uri_reference
        if ":" in parsed.userinfo:
            # Never show a password in logs or tracebacks.
            masked = parsed.userinfo.partition(":")[0] + ":[secure]"
            parsed = ParseResult(
                parsed.scheme,
                masked,
                parsed.host,
                parsed.port,
                parsed.path,
                parsed.query,
                parsed.fragment,
            )
        return f"{self.__class__.__name__}({str(parsed)!r})"


class Origin:
    """The origin of a URL (RFC 6454 section 4): what `URL.origin` returns.

    An immutable value: equal (and hashing equal) when scheme, host and port are.
    `port` is the effective port: a URL's default port (http 80, https 443, ...) is
    filled in, so `https://example.com` and `https://example.com:443` share an origin;
    it is `None` only for a scheme without a default port and a URL without one.
    `host` is as `URL.host` gives it (lower case; an international name in Unicode).
    `str(origin)` is the ASCII serialization of RFC 6454 section 6.2, such as
    `"https://example.com"` (the default port left out), as an `Origin` header holds.
    """

    # A frozen dataclass in behaviour (equality, hash, repr, `FrozenInstanceError` on
    # assignment, pickling), written out: a dataclass costs ~0.5 ms of `import httpx`.
    __slots__ = ("_scheme", "_host", "_port")
    _scheme: str
    _host: str
    _port: int | None

    def __init__(self, scheme: str, host: str, port: int | None) -> None:
        object.__setattr__(self, "_scheme", scheme)
        object.__setattr__(self, "_host", host)
        object.__setattr__(self, "_port", port)

    @property
    def scheme(self) -> str:
        return self._scheme

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int | None:
        return self._port

    def __setattr__(self, name: str, value: object) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if type(other) is not Origin:
            return NotImplemented
        return (self._scheme, self._host, self._port) == (other._scheme, other._host, other._port)

    def __hash__(self) -> int:
        return hash((self._scheme, self._host, self._port))

    def __repr__(self) -> str:
        return f"Origin(scheme={self._scheme!r}, host={self._host!r}, port={self._port!r})"

    def __reduce__(self) -> tuple[type[Origin], tuple[str, str, int | None]]:
        return (Origin, (self._scheme, self._host, self._port))

    def __str__(self) -> str:
        netloc = URL(scheme=self._scheme, host=self._host, port=self._port).netloc
        return f"{self._scheme}://{netloc.decode('ascii')}"


class QueryParams(typing.Mapping[str, str]):
    """An immutable multi-dict of URL query parameters.

    QueryParams("a=1&a=2&b=3")["a"] == "1"; .get_list("a") == ["1", "2"]

    Built from a query string (str, or ASCII bytes), a mapping (values may be lists or
    tuples of values), a list or tuple of (key, value) pairs, or keyword arguments. Keys
    and values are turned into str; None is "", True and False are "true" and "false".
    """

    def __init__(self, *args: QueryParamTypes | None, **kwargs: typing.Any) -> None:
        # httpx 0.28 checks these with `assert`, so the exceptions are AssertionError.
        if len(args) > 1:
            raise AssertionError("Too many arguments.")
        if args and kwargs:
            raise AssertionError("Cannot mix named and unnamed arguments.")
        value: typing.Any = args[0] if args else kwargs

        if value is None or isinstance(value, (str, bytes)):
            text = value.decode("ascii") if isinstance(value, bytes) else value
            self._dict: dict[str, list[str]] = parse_qs(text or "", keep_blank_values=True)
        elif isinstance(value, QueryParams):
            self._dict = {key: list(values) for key, values in value._dict.items()}
        else:
            pairs: dict[typing.Any, list[typing.Any]] = {}
            if isinstance(value, (list, tuple)):
                for item in value:
                    pairs.setdefault(item[0], []).append(item[1])
            else:
                pairs = {key: _as_list(values) for key, values in value.items()}
            # A key with an empty list of values is kept with no values, as in httpx:
            # it adds nothing to the query string, and merging it removes the key's
            # values.
            self._dict = {
                str(key): [primitive_value_to_str(item) for item in values]
                for key, values in pairs.items()
            }

    def keys(self) -> typing.KeysView[str]:
        """The distinct keys, in order of first appearance."""
        return self._dict.keys()

    def values(self) -> typing.ValuesView[str]:
        """The first value of each key."""
        return {key: values[0] for key, values in self._dict.items() if values}.values()

    def items(self) -> typing.ItemsView[str, str]:
        """(key, first value) pairs; see multi_items() for all of them."""
        return {key: values[0] for key, values in self._dict.items() if values}.items()

    def multi_items(self) -> list[tuple[str, str]]:
        """All (key, value) pairs, in order, repeated keys included."""
        return [(key, value) for key, values in self._dict.items() for value in values]

    def get(self, key: typing.Any, default: typing.Any = None) -> typing.Any:
        """The first value of ``key``, or ``default``."""
        values = self._dict.get(key)
        return values[0] if values else default

    def get_list(self, key: str) -> list[str]:
        """Every value of ``key``, in order."""
        return list(self._dict.get(str(key), []))

    def set(self, key: str, value: typing.Any = None) -> QueryParams:
        """A copy in which ``key`` has the single value ``value``."""
        params = QueryParams()
        params._dict = dict(self._dict)
        params._dict[str(key)] = [primitive_value_to_str(value)]
        return params

    def add(self, key: str, value: typing.Any = None) -> QueryParams:
        """A copy with ``value`` appended to the values of ``key``."""
        params = QueryParams()
        params._dict = dict(self._dict)
        params._dict[str(key)] = self.get_list(key) + [primitive_value_to_str(value)]
        return params

    def remove(self, key: str) -> QueryParams:
        """A copy without ``key``."""
        params = QueryParams()
        params._dict = dict(self._dict)
        params._dict.pop(str(key), None)
        return params

    def merge(self, params: QueryParamTypes | None = None) -> QueryParams:
        """A copy updated with ``params``: their keys replace ours."""
        merged = QueryParams(params)
        merged._dict = {**self._dict, **merged._dict}
        return merged

    def __getitem__(self, key: typing.Any) -> str:
        values = self._dict[key]
        if not values:
            raise KeyError(key)
        return values[0]

    def __contains__(self, key: typing.Any) -> bool:
        return key in self._dict

    def __iter__(self) -> typing.Iterator[typing.Any]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._dict)

    def __bool__(self) -> bool:
        return bool(self._dict)

    def __hash__(self) -> int:
        return hash(str(self))

    def __eq__(self, other: typing.Any) -> bool:
        # Order does not matter: "a=1&b=2" equals "b=2&a=1".
        if not isinstance(other, self.__class__):
            return False
        return sorted(self.multi_items()) == sorted(other.multi_items())

    def __str__(self) -> str:
        # application/x-www-form-urlencoded, as browsers send forms: spaces as "+".
        return urlencode(self.multi_items())

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({str(self)!r})"

    def update(self, params: QueryParamTypes | None = None) -> None:
        raise RuntimeError(
            "QueryParams are immutable since 0.18.0. "
            "Use `q = q.merge(...)` to create an updated copy."
        )

    def __setitem__(self, key: str, value: str) -> None:
        raise RuntimeError(
            "QueryParams are immutable since 0.18.0. "
            "Use `q = q.set(key, value)` to create an updated copy."
        )


def _as_list(value: PrimitiveData | typing.Sequence[PrimitiveData]) -> list[typing.Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]
