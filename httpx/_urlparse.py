"""Parse, validate and normalise URLs with the rules of httpx 0.28 (RFC 3986 based).

A URL is split with the regular expression of RFC 3986 appendix B into scheme,
authority, path, query and fragment, and the authority into userinfo, host and port
(the userinfo ends at the last "@"). Each component is then validated and normalised:

* scheme: lowercased; a string that does not start like a scheme is a relative path;
* userinfo: percent-encoded (RFC 3986 section 3.2.1);
* host: see `_urlhost` (IP literals validated, names lowercased, IDNA-encoded);
* port: read as an integer; the scheme's default port is dropped, comparing with the
  scheme as it was written (so "HTTPS://a:443" keeps its port, as in httpx);
* path: dot-segments removed when the URL has a scheme or an authority (section 5.2.4,
  the way httpx does it: a trailing "." or ".." leaves no trailing "/"), then
  percent-encoded;
* query and fragment: percent-encoded.

Each component has the percent-encode set of the WHATWG URL Standard for non-special
URLs. Percent-encoding never touches "%": existing escapes stay as they are, and so does
a "%" that starts none. Nothing is trimmed: spaces are encoded, ASCII control characters
are refused. Code that compares URLs with httpx's or builds on its quirks (a URL reads
back as httpx would print it) sees the same strings.
"""

from __future__ import annotations

import functools
import re
import typing
from urllib.parse import unquote as stdlib_unquote
from urllib.parse import urljoin

from ._exceptions import InvalidURL
from ._urlhost import VALID_IPV4, decode_host, encode_host, percent_encode, percent_encoder

__all__ = [
    "DEFAULT_PORTS",
    "MAX_URL_LENGTH",
    "ParseResult",
    "decode_host",
    "join",
    "join_relative",
    "unquote",
    "urlparse",
]

# A hard limit that keeps a hostile or broken input from costing unbounded work.
MAX_URL_LENGTH = 65536

DEFAULT_PORTS: dict[str, int] = {"ftp": 21, "http": 80, "https": 443, "ws": 80, "wss": 443}

# Percent-encode sets (WHATWG URL Standard, section 1.3), as printable ASCII characters.
_PATH_UNSAFE = ' "#<>?`{}'
_QUERY_UNSAFE = ' "#<>'
_FRAGMENT_UNSAFE = ' "<>`'
_USERINFO_UNSAFE = ' "#/;<=>?@[\\]^`{|}'
PATH_ENCODER = percent_encoder(_PATH_UNSAFE)
QUERY_ENCODER = percent_encoder(_QUERY_UNSAFE)
FRAGMENT_ENCODER = percent_encoder(_FRAGMENT_UNSAFE)
# In a whole userinfo ":" separates the username from the password; in a username or
# password given on its own, it is data.
USERINFO_ENCODER = percent_encoder(_USERINFO_UNSAFE)
USERNAME_ENCODER = percent_encoder(_USERINFO_UNSAFE + ":")


def unquote(text: str) -> str:
    """Decode %XX escapes as UTF-8 (invalid sequences become U+FFFD)."""
    return stdlib_unquote(text) if "%" in text else text


# ---------------------------------------------------------------------------------------
# Parsed form
# ---------------------------------------------------------------------------------------


class ParseResult:
    """A normalised URL: every component validated and percent-encoded (RFC 3986)."""

    __slots__ = ("scheme", "userinfo", "host", "port", "path", "query", "fragment", "_text")

    def __init__(
        self,
        scheme: str,
        userinfo: str,
        host: str,
        port: int | None,
        path: str,
        query: str | None,
        fragment: str | None,
    ) -> None:
        self.scheme = scheme
        self.userinfo = userinfo
        self.host = host  # ASCII; IPv6 without brackets.
        self.port = port  # None when absent or equal to the scheme's default.
        self.path = path
        self.query = query  # None when there is no "?"; "" for a bare "?".
        self.fragment = fragment  # None when there is no "#".
        self._text: str | None = None

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"

    @property
    def authority(self) -> str:
        return f"{self.userinfo}@{self.netloc}" if self.userinfo else self.netloc

    def __str__(self) -> str:
        # RFC 3986 section 5.3 "Component Recomposition", computed once. An empty
        # authority is left out ("http://" reads back as "http:").
        if self._text is None:
            authority = self.authority
            self._text = "".join(
                [
                    f"{self.scheme}:" if self.scheme else "",
                    f"//{authority}" if authority else "",
                    self.path,
                    "" if self.query is None else f"?{self.query}",
                    "" if self.fragment is None else f"#{self.fragment}",
                ]
            )
        return self._text

    def __repr__(self) -> str:
        return f"ParseResult({str(self)!r})"

    def __iter__(self) -> typing.Iterator[str | int | None]:
        fields = (self.scheme, self.userinfo, self.host, self.port)
        return iter(fields + (self.path, self.query, self.fragment))

    def copy_with(self, **kwargs: str | None) -> ParseResult:
        """This URL with some components replaced (the keyword arguments of `urlparse`)."""
        if not kwargs:
            return self
        if len(kwargs) == 1 and "query" in kwargs and _renormalizes_to_itself(self):
            # Only the query changes (`params=`, for every request that has some): the
            # other components stay as they are, and only the new query is checked.
            query = kwargs["query"]
            if query is not None:
                _check_text(query, "query")
                if _COMPONENTS["query"].fullmatch(query) is None:
                    raise InvalidURL("Invalid URL component 'query'")
                query = percent_encode(query, QUERY_ENCODER)
            return ParseResult(
                self.scheme, self.userinfo, self.host, self.port, self.path, query, self.fragment
            )
        components: dict[str, str | None] = {
            "scheme": self.scheme,
            "authority": self.authority,
            "path": self.path,
            "query": self.query,
            "fragment": self.fragment,
        }
        components.update(kwargs)
        return urlparse("", **components)


# ---------------------------------------------------------------------------------------
# Parsing (RFC 3986 appendix B)
# ---------------------------------------------------------------------------------------

_URL = re.compile(
    r"(?:([A-Za-z][A-Za-z0-9+.\-]*)?:)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?",
    re.DOTALL,
)
_AUTHORITY = re.compile(r"(?:(.*)@)?(\[.*\]|[^:@]*):?(.*)", re.DOTALL)
_NON_PRINTABLE_ASCII = re.compile(r"[\x00-\x1f\x7f]")
# What a component given as a keyword argument may hold: a delimiter of a later
# component would change how the URL reads back.
_COMPONENTS: dict[str, re.Pattern[str]] = {
    "scheme": re.compile(r"(?:[A-Za-z][A-Za-z0-9+.\-]*)?"),
    "authority": re.compile(r"[^/?#]*"),
    "userinfo": re.compile(r"[^@]*"),
    "path": re.compile(r"[^?#]*"),
    "query": re.compile(r"[^#]*"),
}


def _check_text(text: str, component: str | None) -> None:
    """Refuse over-long input and ASCII control characters, saying where they are."""
    if len(text) > MAX_URL_LENGTH:
        raise InvalidURL(
            "URL too long" if component is None else f"URL component {component!r} too long"
        )
    bad = _NON_PRINTABLE_ASCII.search(text)
    if bad is not None:
        where = "URL" if component is None else f"URL {component} component"
        char, position = bad.group(), bad.start()
        raise InvalidURL(
            f"Invalid non-printable ASCII character in {where}, {char!r} at position {position}."
        )


def _components(kwargs: dict[str, typing.Any]) -> dict[str, str | None]:
    """Turn URL keyword arguments into validated raw components (str or None)."""
    if "port" in kwargs:
        port = kwargs["port"]
        kwargs["port"] = str(port) if isinstance(port, int) else port
    if "netloc" in kwargs:
        host, _, port = (kwargs.pop("netloc") or "").partition(":")
        kwargs["host"], kwargs["port"] = host, port
    if "username" in kwargs or "password" in kwargs:
        username = percent_encode(kwargs.pop("username", "") or "", USERNAME_ENCODER)
        password = percent_encode(kwargs.pop("password", "") or "", USERNAME_ENCODER)
        kwargs["userinfo"] = f"{username}:{password}" if password else username
    if "raw_path" in kwargs:
        path, question, query = (kwargs.pop("raw_path") or "").partition("?")
        kwargs["path"], kwargs["query"] = path, (query if question else None)
    host = kwargs.get("host")
    if host and ":" in host and not (host[0] == "[" and host[-1] == "]"):
        kwargs["host"] = f"[{host}]"  # An IPv6 address given without its brackets.
    for key, value in kwargs.items():
        if value is None:
            continue
        _check_text(value, key)
        pattern = _COMPONENTS.get(key)
        if pattern is not None and pattern.fullmatch(value) is None:
            raise InvalidURL(f"Invalid URL component {key!r}")
    return kwargs


def urlparse(url: str = "", **kwargs: typing.Any) -> ParseResult:
    """Parse and normalise ``url``; keyword arguments (str or None) replace components.

    The keywords are those of `httpx.URL` (``scheme``, ``host``, ``port``, ``path``,
    ``query``, ``fragment``, ``username``, ``password``, ``userinfo``, ``netloc``,
    ``raw_path``) with str values, plus ``authority``.
    """
    if not kwargs and len(url) <= _CACHED_URL_LENGTH:
        return _parse_cached(url)
    return _parse(url, kwargs)


# A client asks for the same few URLs again and again, and a ParseResult is never changed
# once built: each URL string is parsed once (as the standard library caches its
# `urllib.parse.urlsplit`). Only short URLs are kept, so the cache stays small; a URL
# that does not parse raises each time (exceptions are not cached).
_CACHED_URL_LENGTH = 2048


@functools.lru_cache(maxsize=512)
def _parse_cached(url: str) -> ParseResult:
    return _parse(url, {})


def _parse(url: str, kwargs: dict[str, typing.Any]) -> ParseResult:
    if not kwargs and len(url) <= MAX_URL_LENGTH:
        common = _parse_common_url(url)
        if common is not None:
            return common
    _check_text(url, None)
    parts = _components(kwargs) if kwargs else kwargs
    match = _URL.match(url)
    assert match is not None  # The pattern matches every string.
    scheme, authority, path, query, fragment = match.groups()
    if parts:
        scheme = parts.get("scheme", scheme)
        authority = parts.get("authority", authority)
        path = parts.get("path", path)
        query = parts.get("query", query)
        fragment = parts.get("fragment", fragment)
    split = _AUTHORITY.match(authority or "")
    assert split is not None
    userinfo, host, port = split.groups()
    if parts:
        userinfo = parts.get("userinfo", userinfo)
        host = parts.get("host", host)
        port = parts.get("port", port)
    return _build(scheme or "", userinfo or "", host or "", port, path or "", query, fragment)


def _build(
    scheme: str,
    userinfo: str,
    host: str,
    port: str | None,
    path: str,
    query: str | None,
    fragment: str | None,
) -> ParseResult:
    host = encode_host(host)
    port_number = _normalize_port(port, scheme)
    scheme = scheme.lower()
    if userinfo:
        userinfo = percent_encode(userinfo, USERINFO_ENCODER)
    has_authority = bool(userinfo or host or port_number is not None)
    if has_authority:
        # RFC 3986 section 3.3: after an authority the path is empty or starts with "/".
        if path and path[0] != "/":
            raise InvalidURL("For absolute URLs, path must be empty or begin with '/'")
    elif not scheme:
        # Either would read back as something else: an authority, or a scheme.
        if path.startswith("//"):
            raise InvalidURL("Relative URLs cannot have a path starting with '//'")
        if path.startswith(":"):
            raise InvalidURL("Relative URLs cannot have a path starting with ':'")
    if scheme or has_authority:
        path = remove_dot_segments(path)
    path = percent_encode(path, PATH_ENCODER)
    if query is not None:
        query = percent_encode(query, QUERY_ENCODER)
    if fragment is not None:
        fragment = percent_encode(fragment, FRAGMENT_ENCODER)
    return ParseResult(scheme, userinfo, host, port_number, path, query, fragment)


def _normalize_port(port: str | None, scheme: str) -> int | None:
    if not port:
        return None
    try:
        value = int(port)
    except ValueError:
        raise InvalidURL(f"Invalid port: {port!r}") from None
    return None if value == DEFAULT_PORTS.get(scheme) else value


def _renormalizes_to_itself(parsed: ParseResult) -> bool:
    """Whether parsing `parsed`'s components again (what `copy_with` does) would give them
    back unchanged, so that a fast path may keep them without parsing them again.

    It does for every ParseResult (each component is already normalised) except: a
    default port kept because the scheme was written in capitals ("HTTPS://a:443", which
    loses its port once the scheme reads "https"); an IPv6 host, whose zone ID may hold
    what an authority cannot; a host with percent-escapes (lower-cased again: "a%5Eb"
    becomes "a%5eb", as in httpx); and components near the length limit
    (percent-encoding may have taken them past it).
    """
    port = parsed.port
    host = parsed.host
    return (
        (port is None or port != DEFAULT_PORTS.get(parsed.scheme))
        and ":" not in host
        and "%" not in host
        and len(parsed.userinfo) + len(parsed.host) + len(parsed.path) + len(parsed.fragment or "")
        < MAX_URL_LENGTH - 16
    )


def join_relative(base: ParseResult, reference: ParseResult) -> ParseResult | None:
    """What `Client(base_url=...)` makes of a relative URL, the common way: `base` with
    the reference's path (leading "/" dropped) appended to its path, and the reference's
    query. The same as setting that ``raw_path`` on `base` and parsing again, which the
    client does when this gives None: for a base with a query or fragment, a reference
    with a fragment, or a joined path with dot-segments to remove.
    """
    if (
        not (base.scheme and base.host)
        or base.query is not None
        or base.fragment is not None
        or reference.fragment is not None
        or not _renormalizes_to_itself(base)
    ):
        return None
    # (Both paths are percent-encoded already; an absolute URL's path starts with "/".)
    path = (base.path or "/") + reference.path.lstrip("/")
    if "/." in path or len(path) >= MAX_URL_LENGTH:
        return None
    return ParseResult(
        base.scheme, base.userinfo, base.host, base.port, path, reference.query, None
    )


def remove_dot_segments(path: str) -> str:
    """Drop "." segments and resolve ".." ones (RFC 3986 section 5.2.4), as httpx does.

    A ".." never climbs above the root, and a last "." or ".." segment leaves no
    trailing "/" ("/a/b/.." is "/a").
    """
    if "." not in path:
        return path
    segments = path.split("/")
    if "." not in segments and ".." not in segments:
        return path
    output: list[str] = []
    for segment in segments:
        if segment == ".":
            continue
        if segment == "..":
            if output and output != [""]:
                output.pop()
            continue
        output.append(segment)
    return "/".join(output)


def join(base: ParseResult, reference: str) -> str:
    """Resolve ``reference`` against ``base`` (RFC 3986 section 5, the standard library's
    `urljoin`, as httpx uses: a scheme it does not know as hierarchical, such as
    "foo:", makes ``reference`` stand alone)."""
    return urljoin(str(base), reference)


# ---------------------------------------------------------------------------------------
# The fast path
# ---------------------------------------------------------------------------------------


def _chars(unsafe: str) -> str:
    return re.escape("".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in unsafe))


# The shape of most request URLs: lowercase scheme and host, nothing to encode.
_COMMON_URL = re.compile(
    r"(https?|wss?)://([a-z0-9\-]+(?:\.[a-z0-9\-]+)*)(?::([0-9]{1,5}))?"
    rf"(/[{_chars(_PATH_UNSAFE)}]*)?(?:\?([{_chars(_QUERY_UNSAFE)}]*))?"
    rf"(?:#([{_chars(_FRAGMENT_UNSAFE)}]*))?"
)
_DOTTED_QUAD = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")


def _parse_common_url(url: str) -> ParseResult | None:
    """Parse an everyday URL without the general machinery; None if it is not one.

    Gives exactly what the general path gives, several times faster.
    """
    match = _COMMON_URL.fullmatch(url)
    if match is None:
        return None
    scheme, host, port_text, path, query, fragment = match.groups()
    if host[-1].isdigit() and VALID_IPV4.fullmatch(host) is None and _DOTTED_QUAD.fullmatch(host):
        return None  # An invalid IPv4 address: the general path says why.
    if path is None:
        path = ""
    elif "/." in path:
        return None  # Maybe dot-segments to remove.
    port: int | None = None
    if port_text is not None:
        port = int(port_text)
        if port == DEFAULT_PORTS[scheme]:
            port = None
    return ParseResult(scheme, "", host, port, path, query, fragment)
