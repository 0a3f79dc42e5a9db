"""URL patterns for mounts, proxy settings from the environment, and small URL predicates.

`URLPattern` and `get_environment_proxies` keep httpx's mount-key language
("all://", "https://", "all://*example.com", "http://example.com:8080", ...), extended
with IP networks: "all://10.0.0.0/8" and "all://[fd00::]/8".

NO_PROXY semantics (curl's and Python's urllib's, where httpx 0.28 differs we say so):

* ``*`` disables proxies altogether: `get_environment_proxies()` returns ``{}``.
* ``example.com`` and ``.example.com`` both exempt example.com and all its subdomains
  (httpx 0.28 maps ``.example.com`` to subdomains only; curl and urllib do not).
* ``*.example.com`` exempts the subdomains only, not example.com itself (a glob; httpx
  0.28 takes the ``*`` literally and so exempts nothing).
* ``localhost`` exempts exactly localhost (as httpx does).
* ``host:port`` applies the rule for ``host`` to that port only.
* ``1.2.3.4``, ``::1``, ``[::1]:8080`` exempt that address; ``10.0.0.0/8`` and
  ``fd00::/8`` exempt every address in the network (httpx 0.28 ignores CIDR).
* ``*example.com`` (httpx's mount-key form) exempts example.com and its subdomains.
* Entries are separated by commas or whitespace, empty entries are ignored, and
  entries we cannot parse are skipped, as curl does. Matching ignores case.

Each variable is read in lower case first: a lower-case variable that is set wins over the
upper-case one, even when empty (an empty value disables it), as curl and urllib do.
System proxy settings (Windows registry, macOS configuration) are not consulted.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import typing

import idna

from ._primitives import primitive_value_to_str, to_bytes, to_str, unquote

if typing.TYPE_CHECKING:  # pragma: no cover
    from ._urls import URL

__all__ = [
    "URLPattern",
    "get_ca_bundle_from_env",
    "get_environment_proxies",
    "is_https_redirect",
    "is_ipv4_hostname",
    "is_ipv6_hostname",
    "port_or_default",
    "primitive_value_to_str",
    "same_origin",
    "to_bytes",
    "to_str",
    "unquote",
]

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def port_or_default(url: URL) -> int | None:
    """The URL's port, or the scheme's default port (None for unknown schemes)."""
    port = url.port
    return port if port is not None else _DEFAULT_PORTS.get(url.scheme)


def same_origin(url: URL, other: URL) -> bool:
    """True when both URLs have the same scheme, host and (effective) port (RFC 6454)."""
    return (
        url.scheme == other.scheme
        and url.host == other.host
        and port_or_default(url) == port_or_default(other)
    )


def is_https_redirect(url: URL, location: URL) -> bool:
    """True when `location` only upgrades `url` from http to https on the same host,
    both on default ports: such a redirect may keep credentials."""
    return (
        url.host == location.host
        and url.scheme == "http"
        and port_or_default(url) == 80
        and location.scheme == "https"
        and port_or_default(location) == 443
    )


def is_ipv4_hostname(hostname: str) -> bool:
    """True when `hostname` is a dotted-quad IPv4 address (no port, no prefix)."""
    try:
        ipaddress.IPv4Address(hostname)
    except ValueError:
        return False
    return True


def is_ipv6_hostname(hostname: str) -> bool:
    """True when `hostname` is an IPv6 address, written without brackets."""
    try:
        ipaddress.IPv6Address(hostname)
    except ValueError:
        return False
    return True


def get_ca_bundle_from_env() -> str | None:
    """The CA file named by SSL_CERT_FILE, else the directory named by SSL_CERT_DIR,
    if it exists."""
    ssl_file = os.environ.get("SSL_CERT_FILE")
    if ssl_file and os.path.isfile(ssl_file):
        return ssl_file
    ssl_dir = os.environ.get("SSL_CERT_DIR")
    if ssl_dir and os.path.isdir(ssl_dir):
        return ssl_dir
    return None


# ---------------------------------------------------------------------------------------
# URL patterns
# ---------------------------------------------------------------------------------------

# scheme "://" host [":" port] ["/" [prefix-length]]. The host is a bracketed IPv6
# literal or anything up to ":" or "/"; a "/N" suffix is a CIDR prefix length and is
# only valid after an IP address. A lone trailing "/" is tolerated.
_PATTERN_RE = re.compile(
    r"""
    (?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://
    (?P<host>\[[^\]/]*\]|[^:/\[\]@]*)
    (?::(?P<port>[0-9]{1,5}))?
    (?:/(?P<prefix>[0-9]{0,3}))?
    """,
    re.VERBOSE,
)
# Characters of a host name pattern (after any leading wildcard). Non-ASCII letters are
# allowed for internationalized names.
_NAME_RE = re.compile(r"[^\x00-\x20*/:@\[\]\\%?#]+")

_IPNetwork = typing.Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

# Ranking of host pattern kinds that can match the same host, most specific last.
_DOMAIN_AND_SUBDOMAINS, _SUBDOMAINS_ONLY, _EXACT = 0, 1, 2


def _normalize_name(name: str) -> str:
    """Lower-case a host name and bring IDNA names to the Unicode form `URL.host` uses."""
    name = name.lower()
    if name.isascii() and "xn--" not in name:
        return name
    try:
        return idna.decode(idna.encode(name, uts46=True))
    except idna.IDNAError as exc:
        raise ValueError(f"Invalid internationalized host name {name!r} in URL pattern") from exc


def _any_host(host: str) -> bool:
    return True


def _packed_ip(host: str, family: socket.AddressFamily) -> int | None:
    """The host as an integer if it is an IP address of `family`, else None.

    inet_pton is strict (dotted quads only for IPv4) and far cheaper than `ipaddress`,
    which matters because patterns are matched on every request.
    """
    try:
        return int.from_bytes(socket.inet_pton(family, host), "big")
    except (OSError, ValueError):
        return None


class URLPattern:
    """A pattern matching URLs, as used for `mounts` keys and proxy routing.

    "all://"               any URL
    "https://"             any https URL
    "all://example.com"    example.com only
    "all://*example.com"   example.com and its subdomains
    "all://*.example.com"  subdomains of example.com only
    "http://example.com:8080", "all://127.0.0.1", "all://[::1]"
    "all://10.0.0.0/8", "all://[fd00::]/8"   any IP literal host in the network

    Sorting puts the most specific pattern first.
    """

    def __init__(self, pattern: str) -> None:
        if not isinstance(pattern, str):
            raise TypeError(f"URL patterns must be str, not {type(pattern).__name__}")
        match = _PATTERN_RE.fullmatch(pattern)
        if match is None:
            raise ValueError(_pattern_error(pattern))
        self.pattern = pattern
        scheme = match["scheme"].lower()
        self.scheme = "" if scheme == "all" else scheme
        self.port: int | None = None
        if match["port"] is not None:
            self.port = int(match["port"])
            if self.port > 65535:
                raise ValueError(f"Invalid port {self.port} in URL pattern {pattern!r}")
        raw_host = match["host"]
        prefix = match["prefix"]
        # IP patterns: address family, network bits and mask (all ones for one address).
        self._family = socket.AF_INET
        self._ip_bits = 0
        self._ip_mask = 0
        self._name = ""
        self._dotted_name = ""
        # (specificity, kind): more specific patterns have larger values.
        self._host_rank = (0, 0)
        self._host_matcher: typing.Callable[[str], bool] = _any_host

        if raw_host.startswith("["):
            address_text = raw_host[1:-1]
            if not is_ipv6_hostname(address_text):
                raise ValueError(f"Invalid IPv6 address {raw_host!r} in URL pattern {pattern!r}")
            self._set_ip(address_text, prefix, pattern)
        elif is_ipv4_hostname(raw_host):
            self._set_ip(raw_host, prefix, pattern)
        elif prefix:
            raise ValueError(
                f"URL pattern {pattern!r}: a /prefix-length is only allowed after an IP address"
            )
        elif raw_host in ("", "*"):
            pass  # Any host.
        else:
            self._set_name(raw_host, pattern)
        # httpx exposes `.host`: "" for any host, IPv6 addresses without brackets.
        self.host = "" if raw_host == "*" else raw_host.strip("[]").lower()

    def _set_ip(self, address_text: str, prefix: str | None, pattern: str) -> None:
        network: _IPNetwork
        try:
            network = ipaddress.ip_network(
                f"{address_text}/{prefix}" if prefix else address_text, strict=False
            )
        except ValueError as exc:
            raise ValueError(f"Invalid network in URL pattern {pattern!r}: {exc}") from None
        self._family = socket.AF_INET if network.version == 4 else socket.AF_INET6
        self._ip_bits = int(network.network_address)
        self._ip_mask = int(network.netmask)
        kind = _DOMAIN_AND_SUBDOMAINS if prefix else _EXACT
        self._host_rank = (network.prefixlen + 1, kind)
        self._host_matcher = self._match_ip

    def _set_name(self, raw_host: str, pattern: str) -> None:
        if raw_host.startswith("*."):
            kind, name = _SUBDOMAINS_ONLY, raw_host[2:]
        elif raw_host.startswith("*"):
            kind, name = _DOMAIN_AND_SUBDOMAINS, raw_host[1:]
        else:
            kind, name = _EXACT, raw_host
        if not _NAME_RE.fullmatch(name) or name.startswith(".") or ".." in name:
            raise ValueError(
                f"Invalid host {raw_host!r} in URL pattern {pattern!r}: expected a host name, "
                "optionally with a leading '*' or '*.' wildcard"
            )
        self._name = _normalize_name(name)
        self._dotted_name = "." + self._name
        self._host_rank = (len(self._name) + 1, kind)
        self._host_matcher = {
            _EXACT: self._match_exact,
            _SUBDOMAINS_ONLY: self._match_subdomains,
            _DOMAIN_AND_SUBDOMAINS: self._match_domain_and_subdomains,
        }[kind]

    # Host matchers: one is chosen in __init__ so matching does no dispatch on the kind.

    def _match_exact(self, host: str) -> bool:
        return host.lower() == self._name

    def _match_subdomains(self, host: str) -> bool:
        host = host.lower()
        return host.endswith(self._dotted_name) and len(host) > len(self._dotted_name)

    def _match_domain_and_subdomains(self, host: str) -> bool:
        host = host.lower()
        return host == self._name or host.endswith(self._dotted_name)

    def _match_ip(self, host: str) -> bool:
        address = _packed_ip(host, self._family)
        return address is not None and address & self._ip_mask == self._ip_bits

    def matches(self, other: URL) -> bool:
        if self.scheme and self.scheme != other.scheme:
            return False
        if self.port is not None and self.port != port_or_default(other):
            return False
        return self._host_matcher(other.host)

    @property
    def priority(self) -> tuple[int, int, int, int]:
        """Sort key: a port, then a more specific host, then a scheme come first."""
        port_priority = 0 if self.port is not None else 1
        specificity, kind = self._host_rank
        return (port_priority, -specificity, -kind, -len(self.scheme))

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, URLPattern):
            return NotImplemented
        # The pattern text breaks ties so that the order is total and deterministic.
        return (self.priority, self.pattern) < (other.priority, other.pattern)

    def __eq__(self, other: typing.Any) -> bool:
        return isinstance(other, URLPattern) and self.pattern == other.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.pattern!r})"


def _pattern_error(pattern: str) -> str:
    if "://" not in pattern:
        # httpx's message, word for word.
        return (
            "Proxy keys should use proper URL forms rather than plain scheme strings. "
            f'Instead of "{pattern}", use "{pattern}://"'
        )
    return (
        f"Invalid URL pattern {pattern!r}: expected scheme://host[:port], where host may "
        "be empty, '*', a name with a leading '*' or '*.', an IP address, an IPv6 address "
        "in brackets, or an IP network such as 10.0.0.0/8; paths are not allowed"
    )


# ---------------------------------------------------------------------------------------
# Proxies from the environment
# ---------------------------------------------------------------------------------------


def _getenv(name: str) -> str | None:
    # Lower case first: a set lower-case variable wins, even when empty.
    value = os.environ.get(name.lower())
    if value is not None:
        return value
    if name == "HTTP_PROXY" and "REQUEST_METHOD" in os.environ:
        # httpoxy (CVE-2016-1000110): in a CGI script, HTTP_PROXY comes from the client's
        # "Proxy:" request header, so it must not be trusted.
        return None
    return os.environ.get(name)


def _split_port(text: str) -> tuple[str, str]:
    """Split "host:port" into ("host", ":port"); ("host", "") when there is no port."""
    host, sep, port = text.rpartition(":")
    if sep and port.isdigit():
        return host, f":{port}"
    return text, ""


# Entries are separated by commas; like curl, we also take whitespace as a separator.
_NO_PROXY_SEPARATORS = re.compile(r"[\s,]+")


def _no_proxy_mount_key(entry: str) -> str | None:
    """The mount key for one NO_PROXY entry (see the module docstring), None if invalid."""
    if "://" in entry:
        key = entry
    elif entry.startswith("["):
        key = f"all://{entry}"  # [v6], [v6]:port or [v6]/prefix
    elif entry.count(":") >= 2:
        key = f"all://[{entry.partition('/')[0]}]"  # bare IPv6, maybe with /prefix
        if "/" in entry:
            key += "/" + entry.partition("/")[2]
    else:
        host, port = _split_port(entry)
        address, slash, prefix = host.partition("/")
        if is_ipv4_hostname(address):
            key = f"all://{address}{port}{slash}{prefix}"
        else:
            host = host.rstrip(".").lower()
            if host.startswith("*"):
                key = f"all://{host}{port}"  # "*.example.com", or httpx's "*example.com"
            elif host.startswith("."):
                key = f"all://*{host[1:]}{port}"
            elif host == "localhost":
                key = f"all://localhost{port}"
            else:
                key = f"all://*{host}{port}"
    try:
        URLPattern(key)
    except ValueError:
        return None
    return key


def get_environment_proxies() -> dict[str, str | None]:
    """Mounts from HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY.

    Returns mount keys mapped to a proxy URL, or to None for hosts that bypass proxies.
    A proxy value without a scheme ("127.0.0.1:3128") is taken as http://.
    """
    mounts: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        value = _getenv(f"{scheme.upper()}_PROXY")
        if value:
            value = value.strip()
            mounts[f"{scheme}://"] = value if "://" in value else f"http://{value}"

    no_proxy = _getenv("NO_PROXY") or ""
    for entry in _NO_PROXY_SEPARATORS.split(no_proxy):
        if entry == "*":
            return {}
        if entry:
            key = _no_proxy_mount_key(entry)
            if key is not None:
                mounts[key] = None
    return mounts
