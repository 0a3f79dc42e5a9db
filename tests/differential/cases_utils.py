"""httpx._utils cases: URL patterns (mount keys), their matching and priority, proxies
from the environment (NO_PROXY included), and the small conversion helpers."""

from __future__ import annotations

PRELUDE = """
import os
from httpx._utils import URLPattern, get_environment_proxies, primitive_value_to_str
from httpx._utils import to_bytes, to_str

def matches(pattern, urls):
    p = URLPattern(pattern)
    return [(url, attempt(p.matches, httpx.URL(url))) for url in urls]

URLS = [
    "http://example.com/", "https://example.com/", "http://example.com:8080/",
    "https://www.example.com/", "http://sub.www.example.com/", "http://notexample.com/",
    "http://localhost/", "http://127.0.0.1/", "http://[::1]/", "http://EXAMPLE.com/",
    "https://example.com:443/", "ws://example.com/", "http://müller.de/",
    "http://www.müller.de/", "http://192.168.1.1:8080/",
]

def environment(**variables):
    names = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"]
    for name in names + [name.lower() for name in names]:
        os.environ.pop(name, None)
    os.environ.update(variables)
    try:
        return get_environment_proxies()
    finally:
        for name in variables:
            os.environ.pop(name, None)
"""

CASES: list[tuple[str, str]] = []

_PATTERNS = [
    "all://",
    "http://",
    "https://",
    "all://example.com",
    "http://example.com",
    "all://*example.com",
    "all://*.example.com",
    "http://example.com:8080",
    "all://localhost",
    "all://127.0.0.1",
    "all://[::1]",
    "http://*",
    "all://*",
    "all://EXAMPLE.com",
    "all://müller.de",
    "all://*müller.de",
    "https://example.com:443",
]
for _index, _pattern in enumerate(_PATTERNS):
    CASES.append((f"utils-pattern-{_index}", f"result = matches({_pattern!r}, URLS)"))

_MORE = [
    "result = attempt(URLPattern, 'example.com')",
    "result = attempt(URLPattern, '')",
    "result = attempt(URLPattern, 'all://ex ample')",
    "p = URLPattern('all://example.com')\nresult = (p.scheme, p.host, p.port, repr(p.host_regex))",
    "p = URLPattern('http://*.example.com:8080')\nresult = (p.scheme, p.host, p.port, repr(p.host_regex))",
    "p = URLPattern('all://')\nresult = (p.scheme, p.host, p.port, p.host_regex)",
    "result = [p.pattern for p in sorted(URLPattern(k) for k in "
    "['all://', 'http://', 'https://example.com', 'all://example.com', "
    "'http://example.com:8080', 'all://*example.com', 'https://'])]",
    "result = URLPattern('all://a') == URLPattern('all://a')",
    "result = hash(URLPattern('all://a')) == hash(URLPattern('all://a'))",
    "result = URLPattern('all://a') < URLPattern('all://')",
    "result = repr(URLPattern('all://a'))",
    "result = [primitive_value_to_str(v) for v in (True, False, None, 1, 1.5, 'x', b'x')]",
    "result = (to_bytes('é'), to_bytes(b'x'), to_str(b'\\xc3\\xa9'), to_str('x'))",
    "result = attempt(to_str, b'\\xe9')",
    "result = (to_bytes('é', 'latin-1'), to_str(b'\\xe9', 'latin-1'))",
    "result = environment()",
    "result = environment(HTTP_PROXY='http://p:3128')",
    "result = environment(HTTPS_PROXY='http://p:3128', ALL_PROXY='socks5://s:1080')",
    "result = environment(http_proxy='p:3128')",
    "result = environment(HTTP_PROXY='http://p:3128', NO_PROXY='localhost')",
    "result = environment(HTTP_PROXY='http://p:3128', NO_PROXY='example.com,127.0.0.1')",
    "result = environment(HTTP_PROXY='http://p:3128', NO_PROXY='::1')",
    "result = environment(HTTP_PROXY='http://p:3128', NO_PROXY='')",
    "result = environment(HTTP_PROXY='')",
]
for _index, _code in enumerate(_MORE):
    CASES.append((f"utils-more-{_index}", _code))

# NO_PROXY entries read as curl and Python's urllib read them (docs/compatibility.md).
_NO_PROXY = (
    "NO_PROXY entries are read as curl and urllib read them: "
    "docs/compatibility.md#no_proxy-as-curl-and-urllib-read-it"
)
_NO_PROXY_CASES = [
    "*",
    ".example.com",
    "*.example.com",
    "10.0.0.0/8",
    "example.com:8080",
    "[::1]:8080",
    "a b,,c",
    "EXAMPLE.COM",
]
for _index, _value in enumerate(_NO_PROXY_CASES):
    CASES.append(
        (
            f"utils-noproxy-{_index}",
            f"result = environment(HTTP_PROXY='http://p:3128', NO_PROXY={_value!r})",
        )
    )
CASES += [
    ("utils-ip-0", "result = matches('all://[::1]', ['http://[::1]/', 'http://[0:0::1]/'])"),
    (
        "utils-ip-1",
        "result = matches('all://10.0.0.0/8', ['http://10.1.2.3/', 'http://11.0.0.1/'])",
    ),
]
_IP = (
    "URL patterns match IP addresses as addresses, and take IP networks (ours): "
    "docs/compatibility.md#url-patterns-match-ip-addresses-as-addresses"
)
EXPECTED: dict[str, str] = {
    "utils-noproxy-1": _NO_PROXY,
    "utils-noproxy-2": _NO_PROXY,
    "utils-noproxy-5": _NO_PROXY,
    "utils-noproxy-6": _NO_PROXY,
    "utils-noproxy-7": _NO_PROXY,
    "utils-ip-0": _IP,
    "utils-ip-1": _IP,
}
