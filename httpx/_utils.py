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

from ._exceptions import InvalidURL
from ._primitives import primitive_value_to_str, to_bytes, to_str, unquote
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

_IPNetwork = typing.Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
# The path of an IP network pattern: "/" and a prefix length.
_PREFIX_RE = re.compile(r"/([0-9]{1,3})")


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
    """A pattern matching URLs, as used for `mounts` keys and proxy routing (httpx 0.28).

    "all://"               any URL
    "https://"             any https URL
    "all://example.com"    example.com only
    "all://*example.com"   example.com and its subdomains
    "all://*.example.com"  subdomains of example.com only
    "http://example.com:8080", "all://127.0.0.1", "all://[::1]"
    "all://10.0.0.0/8", "all://[fd00::]/8"   (ours) any IP address in the network

    A pattern is parsed as a URL, as httpx does. Sorting by `priority` puts the most
    specific pattern first: one with a port, then the longest host, then a scheme.
    IP addresses match as addresses ("all://[::1]" matches "http://[0:0::1]/").
    """

    def __init__(self, pattern: str) -> None:
        if pattern and ":" not in pattern:
            raise ValueError(
                f"Proxy keys should use proper URL forms rather "
                f"than plain scheme strings. "
                f'Instead of "{pattern}", use "{pattern}://"'
            )
        url = URL(pattern)
        self.pattern = pattern
        self.scheme = "" if url.scheme == "all" else url.scheme
        self.host = "" if url.host == "*" else url.host
        self.port = url.port
        self.host_regex: typing.Pattern[str] | None = None
        self._host_matcher: typing.Callable[[str], bool] | None = None
        # A pattern written with "xn--" labels also matches hosts that `URL.host` shows
        # in Unicode form (`URL("http://xn--bcher-kva.de").host` is "bücher.de").
        self._raw_host_regex: typing.Pattern[str] | None = None
        if not url.host or url.host == "*":
            return
        if url.host.startswith("*."):
            # *.example.com should match "www.example.com", but not "example.com".
            domain = re.escape(url.host[2:])
            self.host_regex = re.compile(f"^.+\\.{domain}$")
        elif url.host.startswith("*"):
            # *example.com should match "www.example.com" and "example.com".
            domain = re.escape(url.host[1:])
            self.host_regex = re.compile(f"^(.+\\.)?{domain}$")
        else:
            # example.com should match "example.com" but not "www.example.com".
            self.host_regex = re.compile(f"^{re.escape(url.host)}$")
        if "xn--" in url.host and url.raw_host.decode("ascii") == url.host:
            self._raw_host_regex = self.host_regex
        self._host_matcher = self._ip_matcher(url.host, url.path)

    def _ip_matcher(self, host: str, path: str) -> typing.Callable[[str], bool] | None:
        """For an IP address pattern (or network: ours), a matcher comparing addresses."""
        prefix = _PREFIX_RE.fullmatch(path)
        try:
            network: _IPNetwork = ipaddress.ip_network(
                f"{host}/{prefix.group(1)}" if prefix else host, strict=False
            )
        except ValueError:
            return None
        family = socket.AF_INET if network.version == 4 else socket.AF_INET6
        bits, mask = int(network.network_address), int(network.netmask)

        def match(other: str) -> bool:
            address = _packed_ip(other, family)
            return address is not None and address & mask == bits

        return match

    def matches(self, other: URL) -> bool:
        if self.scheme and self.scheme != other.scheme:
            return False
        if self._host_matcher is not None:
            if not self._host_matcher(other.host):
                return False
        elif self.host and self.host_regex and not self.host_regex.match(other.host):
            raw = self._raw_host_regex
            if raw is None or not raw.match(other.raw_host.decode("ascii")):
                return False
        # A port matches a URL on that port, or on its scheme's default port (ours:
        # httpx 0.28 compares with `URL.port`, which is None on the default port).
        if self.port is not None and self.port != port_or_default(other):
            return False
        return True

    @property
    def priority(self) -> tuple[int, int, int]:
        """Sort key: a port, then a longer host, then a scheme come first (as httpx)."""
        port_priority = 0 if self.port is not None else 1
        host_priority = -len(self.host)
        scheme_priority = -len(self.scheme)
        return (port_priority, host_priority, scheme_priority)

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __lt__(self, other: URLPattern) -> bool:
        return self.priority < other.priority

    def __eq__(self, other: typing.Any) -> bool:
        return isinstance(other, URLPattern) and self.pattern == other.pattern


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
            if not host.isascii():
                # Internationalized names are matched in their "xn--" form.
                try:
                    host = ".".join(
                        label if label.isascii() else label.encode("idna").decode("ascii")
                        for label in host.split(".")
                    )
                except UnicodeError:
                    return None
            if host.startswith("*"):
                key = f"all://{host}{port}"  # "*.example.com", or httpx's "*example.com"
            elif host.startswith("."):
                key = f"all://*{host[1:]}{port}"
            elif host == "localhost":
                key = f"all://localhost{port}"
            else:
                key = f"all://*{host}{port}"
    return key if _valid_no_proxy_key(key) else None


# A host name as a NO_PROXY entry may name it, after any leading "*", "*." or ".".
_NO_PROXY_NAME = re.compile(r"[a-z0-9_\-]+(?:\.[a-z0-9_\-]+)*")


def _valid_no_proxy_key(key: str) -> bool:
    """Whether a NO_PROXY mount key names a host, an IP address or an IP network
    (URLPattern itself accepts whatever httpx's accepts, including nonsense)."""
    try:
        url = URL(key)
    except InvalidURL:
        return False
    if url.userinfo or "?" in key or "#" in key:
        return False
    host = url.raw_host.decode("ascii")
    if url.path not in ("", "/"):
        prefix = _PREFIX_RE.fullmatch(url.path)
        if prefix is None:
            return False
        try:
            ipaddress.ip_network(f"{host}/{prefix.group(1)}", strict=False)
        except ValueError:
            return False
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return True
    if host in ("", "*"):
        return False
    name = host[2:] if host.startswith("*.") else host[1:] if host.startswith("*") else host
    return _NO_PROXY_NAME.fullmatch(name) is not None


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
