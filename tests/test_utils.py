from __future__ import annotations

from pathlib import Path

import pytest

import httpx
from httpx import _primitives
from httpx._urls import URL
from httpx._utils import (
    URLPattern,
    get_ca_bundle_from_env,
    get_environment_proxies,
    is_https_redirect,
    is_ipv4_hostname,
    is_ipv6_hostname,
    port_or_default,
    primitive_value_to_str,
    same_origin,
    to_bytes,
    to_str,
)

PROXY_VARIABLES = [
    f"{name}{suffix}" for name in ("http", "https", "all", "no") for suffix in ("_proxy", "_PROXY")
] + ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PROXY_VARIABLES + ["REQUEST_METHOD", "SSL_CERT_FILE", "SSL_CERT_DIR"]:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_reexports_from_primitives() -> None:
    assert primitive_value_to_str is _primitives.primitive_value_to_str
    assert to_bytes is _primitives.to_bytes
    assert to_str is _primitives.to_str
    assert primitive_value_to_str(True) == "true"


# ---------------------------------------------------------------------------------------
# URLPattern
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern, url, expected",
    [
        ("all://", "http://example.com", True),
        ("all://", "https://example.com:1234", True),
        ("all://*", "https://anything.example", True),
        ("http://", "http://example.com", True),
        ("http://", "https://example.com", False),
        ("https://", "https://example.com", True),
        ("https://", "http://example.com", False),
        ("all://example.com", "http://example.com", True),
        ("all://example.com", "https://example.com:8443/path", True),
        ("all://example.com", "http://www.example.com", False),
        ("all://example.com", "http://notexample.com", False),
        ("http://example.com", "https://example.com", False),
        ("all://*example.com", "http://example.com", True),
        ("all://*example.com", "http://www.example.com", True),
        ("all://*example.com", "http://a.b.example.com", True),
        ("all://*example.com", "http://notexample.com", False),
        ("all://*example.com", "http://example.com.evil.org", False),
        ("all://*.example.com", "http://www.example.com", True),
        ("all://*.example.com", "http://a.b.example.com", True),
        ("all://*.example.com", "http://example.com", False),
        ("all://*.example.com", "http://notexample.com", False),
        ("http://example.com:8080", "http://example.com:8080", True),
        ("http://example.com:8080", "http://example.com", False),
        ("http://example.com:8080", "http://example.com:8081", False),
        # An explicit default port matches URLs that leave it implicit.
        ("http://example.com:80", "http://example.com", True),
        ("https://example.com:443", "https://example.com/", True),
        ("all://*:8080", "http://anything.example:8080", True),
        ("all://*:8080", "http://anything.example:8081", False),
        ("all://EXAMPLE.com", "http://example.COM", True),
        ("all://127.0.0.1", "http://127.0.0.1:8000", True),
        ("all://127.0.0.1", "http://127.0.0.2", False),
        ("all://127.0.0.1", "http://localhost", False),
        ("all://[::1]", "http://[::1]:8000", True),
        ("all://[::1]", "http://[0:0:0:0:0:0:0:1]", True),
        ("all://[::1]", "http://[::2]", False),
        ("all://[::1]:8000", "http://[::1]:8000", True),
        ("all://[::1]:8000", "http://[::1]:8001", False),
        ("all://10.0.0.0/8", "http://10.1.2.3", True),
        ("all://10.0.0.0/8", "https://10.255.255.255:443", True),
        ("all://10.0.0.0/8", "http://11.0.0.1", False),
        ("all://10.0.0.0/8", "http://ten.example", False),
        ("all://10.0.0.0/8", "http://[::1]", False),
        ("all://192.168.1.0/24", "http://192.168.1.77", True),
        ("all://192.168.1.0/24", "http://192.168.2.1", False),
        ("all://[fd00::]/8", "http://[fd12:3456::1]", True),
        ("all://[fd00::]/8", "http://[fe80::1]", False),
        ("all://[fd00::]/8", "http://10.0.0.1", False),
        ("http://10.0.0.0/8", "https://10.0.0.1", False),
        ("all://10.0.0.0:8080/8", "http://10.0.0.1:8080", True),
        ("all://10.0.0.0:8080/8", "http://10.0.0.1:8081", False),
        ("all://example.com/", "http://example.com", True),
        ("all://xn--bcher-kva.de", "http://bücher.de", True),
        ("all://bücher.de", "http://xn--bcher-kva.de", True),
        ("all://*xn--bcher-kva.de", "http://www.bücher.de", True),
    ],
)
def test_url_pattern_matches(pattern: str, url: str, expected: bool) -> None:
    assert URLPattern(pattern).matches(URL(url)) is expected


# httpx 0.28 accepts "" and "127.0.0.1:8080" here (and such a pattern matches every URL).
@pytest.mark.parametrize("pattern", ["example.com", "http", "all"])
def test_url_pattern_without_scheme_gets_httpx_message(pattern: str) -> None:
    message = (
        "Proxy keys should use proper URL forms rather than plain scheme strings. "
        f'Instead of "{pattern}", use "{pattern}://"'
    )
    with pytest.raises(ValueError) as info:
        URLPattern(pattern)
    assert str(info.value) == message


@pytest.mark.parametrize("pattern", ["", "127.0.0.1:8080"])
def test_url_pattern_empty_or_with_a_colon_is_accepted_as_in_httpx(pattern: str) -> None:
    # httpx 0.28 refuses only a non-empty key without ":". These parse as URLs with no
    # scheme and no host, so they match every URL, as there.
    url_pattern = URLPattern(pattern)
    assert url_pattern.matches(URL("https://example.org/"))
    assert url_pattern.matches(URL("http://127.0.0.1:8080/"))


@pytest.mark.parametrize(
    "pattern, match",
    [
        ("all://example.com:http", "Invalid port"),
        ("all://[not-ipv6]", "Invalid IPv6 address"),
        ("all://*bücher.de", "Invalid IDNA hostname"),
        ("all://1.2.3.256", "Invalid IPv4 address"),
    ],
)
def test_url_pattern_invalid(pattern: str, match: str) -> None:
    # A pattern is parsed as a URL, as in httpx.
    with pytest.raises(httpx.InvalidURL, match=match):
        URLPattern(pattern)


def test_url_pattern_type_error() -> None:
    with pytest.raises(TypeError):
        URLPattern(b"all://")  # type: ignore[arg-type]


def test_url_pattern_attributes() -> None:
    pattern = URLPattern("https://*.Example.com:8443")
    assert pattern.pattern == "https://*.Example.com:8443"
    assert pattern.scheme == "https"
    assert pattern.host == "*.example.com"
    assert pattern.port == 8443
    assert pattern.host_regex is not None
    assert pattern.host_regex.pattern == r"^.+\.example\.com$"
    any_url = URLPattern("all://")
    assert (any_url.scheme, any_url.host, any_url.port) == ("", "", None)
    assert any_url.host_regex is None
    assert URLPattern("all://*").host == ""
    assert URLPattern("all://[::1]").host == "::1"


def test_url_pattern_equality_and_hash() -> None:
    assert URLPattern("all://example.com") == URLPattern("all://example.com")
    assert URLPattern("all://example.com") != URLPattern("http://example.com")
    assert URLPattern("all://") != "all://"
    assert hash(URLPattern("http://")) == hash(URLPattern("http://"))
    assert len({URLPattern("http://"), URLPattern("http://"), URLPattern("https://")}) == 2


def test_url_pattern_sorting_as_httpx() -> None:
    # httpx 0.28's priority: a port first, then the longer host, then the longer scheme.
    patterns = [
        "all://",
        "http://",
        "all://*example.com",
        "all://example.com",
        "all://*.example.com",
        "http://example.com:8080",
        "https://",
        "https://example.com",
    ]
    ordered = [p.pattern for p in sorted(URLPattern(p) for p in patterns)]
    assert ordered == [
        "http://example.com:8080",
        "all://*.example.com",
        "all://*example.com",
        "https://example.com",
        "all://example.com",
        "https://",
        "http://",
        "all://",
    ]


def test_url_pattern_priority_shape() -> None:
    assert URLPattern("http://example.com:1").priority < URLPattern("http://example.com").priority
    assert URLPattern("all://example.com").priority < URLPattern("https://").priority
    assert URLPattern("https://").priority < URLPattern("all://").priority
    assert URLPattern("all://example.com").priority == (1, -11, 0)


def test_url_pattern_lt_other_type() -> None:
    with pytest.raises(AttributeError):
        URLPattern("all://") < "all://"  # type: ignore[operator]  # noqa: B015


def test_first_match_in_sorted_mounts() -> None:
    # How a client routes: the first matching pattern in sorted order wins.
    mounts = {
        URLPattern("all://"): "default",
        URLPattern("all://*example.com"): "example",
        URLPattern("https://api.example.com"): "api",
        URLPattern("all://10.0.0.0/8"): "private",
    }
    ordered = sorted(mounts.items())

    def route(url: str) -> str:
        return next(value for pattern, value in ordered if pattern.matches(URL(url)))

    assert route("https://api.example.com/v1") == "api"
    assert route("http://api.example.com/v1") == "example"
    assert route("https://www.example.com") == "example"
    assert route("http://10.2.3.4:8080") == "private"
    assert route("http://other.org") == "default"


# ---------------------------------------------------------------------------------------
# get_environment_proxies
# ---------------------------------------------------------------------------------------


def test_no_environment(env: pytest.MonkeyPatch) -> None:
    assert get_environment_proxies() == {}


def test_proxy_variables(env: pytest.MonkeyPatch) -> None:
    env.setenv("HTTP_PROXY", "http://proxy.local:3128")
    env.setenv("HTTPS_PROXY", "https://secure-proxy.local")
    env.setenv("ALL_PROXY", "socks5://socks.local:1080")
    assert get_environment_proxies() == {
        "http://": "http://proxy.local:3128",
        "https://": "https://secure-proxy.local",
        "all://": "socks5://socks.local:1080",
    }


def test_proxy_without_scheme_gets_http(env: pytest.MonkeyPatch) -> None:
    env.setenv("HTTPS_PROXY", " 127.0.0.1:3128 ")
    assert get_environment_proxies() == {"https://": "http://127.0.0.1:3128"}


def test_lower_case_wins(env: pytest.MonkeyPatch) -> None:
    env.setenv("HTTP_PROXY", "http://upper:1")
    env.setenv("http_proxy", "http://lower:2")
    env.setenv("HTTPS_PROXY", "http://upper:3")
    assert get_environment_proxies() == {
        "http://": "http://lower:2",
        "https://": "http://upper:3",
    }


def test_lower_case_empty_disables_upper_case(env: pytest.MonkeyPatch) -> None:
    env.setenv("HTTP_PROXY", "http://upper:1")
    env.setenv("http_proxy", "")
    assert get_environment_proxies() == {}


def test_lower_case_no_proxy(env: pytest.MonkeyPatch) -> None:
    env.setenv("HTTP_PROXY", "http://proxy:1")
    env.setenv("NO_PROXY", "upper.example")
    env.setenv("no_proxy", "lower.example")
    assert get_environment_proxies() == {
        "http://": "http://proxy:1",
        "all://*lower.example": None,
    }


def test_httpoxy_upper_case_http_proxy_ignored_in_cgi(env: pytest.MonkeyPatch) -> None:
    env.setenv("REQUEST_METHOD", "GET")
    env.setenv("HTTP_PROXY", "http://attacker:1")
    env.setenv("HTTPS_PROXY", "http://proxy:2")
    assert get_environment_proxies() == {"https://": "http://proxy:2"}
    env.setenv("http_proxy", "http://admin-set:3")
    assert get_environment_proxies()["http://"] == "http://admin-set:3"


def test_no_proxy_star_disables_everything(env: pytest.MonkeyPatch) -> None:
    env.setenv("HTTP_PROXY", "http://proxy:1")
    env.setenv("ALL_PROXY", "http://proxy:1")
    env.setenv("NO_PROXY", "example.com, *")
    assert get_environment_proxies() == {}


@pytest.mark.parametrize(
    "no_proxy, key",
    [
        ("example.com", "all://*example.com"),
        ("EXAMPLE.com", "all://*example.com"),
        ("example.com.", "all://*example.com"),
        (".example.com", "all://*example.com"),
        ("*.example.com", "all://*.example.com"),
        ("localhost", "all://localhost"),
        ("example.com:8080", "all://*example.com:8080"),
        ("127.0.0.1", "all://127.0.0.1"),
        ("127.0.0.1:8080", "all://127.0.0.1:8080"),
        ("::1", "all://[::1]"),
        ("[::1]", "all://[::1]"),
        ("[::1]:8080", "all://[::1]:8080"),
        ("10.0.0.0/8", "all://10.0.0.0/8"),
        ("fd00::/8", "all://[fd00::]/8"),
        ("[fd00::]/8", "all://[fd00::]/8"),
        ("http://example.com", "http://example.com"),
    ],
)
def test_no_proxy_entry_forms(env: pytest.MonkeyPatch, no_proxy: str, key: str) -> None:
    env.setenv("NO_PROXY", no_proxy)
    assert get_environment_proxies() == {key: None}


def test_no_proxy_list_with_whitespace_and_empty_entries(env: pytest.MonkeyPatch) -> None:
    env.setenv("HTTP_PROXY", "http://proxy:1")
    env.setenv("NO_PROXY", " localhost ,,127.0.0.1,\t.internal.corp , ")
    assert get_environment_proxies() == {
        "http://": "http://proxy:1",
        "all://localhost": None,
        "all://127.0.0.1": None,
        "all://*internal.corp": None,
    }


def test_no_proxy_invalid_entries_are_skipped(env: pytest.MonkeyPatch) -> None:
    env.setenv("NO_PROXY", "10.0.0.0/99,ok.example,bad/path,ex*ample,[::1,a..b")
    assert get_environment_proxies() == {"all://*ok.example": None}


def test_no_proxy_whitespace_separates_entries(env: pytest.MonkeyPatch) -> None:
    # As curl reads it: "a.example b.example" is two entries, not one invalid one.
    env.setenv("NO_PROXY", " a.example b.example,\tc.example ")
    assert get_environment_proxies() == {
        "all://*a.example": None,
        "all://*b.example": None,
        "all://*c.example": None,
    }


@pytest.mark.parametrize(
    "no_proxy, url, bypassed",
    [
        ("example.com", "http://example.com", True),
        ("example.com", "http://www.example.com", True),
        ("example.com", "http://notexample.com", False),
        (".example.com", "http://example.com", True),
        (".example.com", "http://a.example.com", True),
        ("*.example.com", "http://example.com", False),
        ("*.example.com", "http://a.example.com", True),
        ("example.com:8080", "http://example.com:8080", True),
        ("example.com:8080", "http://example.com", False),
        ("127.0.0.1", "http://127.0.0.1:5000", True),
        ("::1", "http://[::1]:5000", True),
        ("10.0.0.0/8", "http://10.20.30.40", True),
        ("10.0.0.0/8", "http://192.168.0.1", False),
        ("fd00::/8", "http://[fdab::1]", True),
        ("fd00::/8", "http://[2001:db8::1]", False),
    ],
)
def test_no_proxy_routing(
    env: pytest.MonkeyPatch, no_proxy: str, url: str, bypassed: bool
) -> None:
    env.setenv("ALL_PROXY", "http://proxy:3128")
    env.setenv("NO_PROXY", no_proxy)
    mounts = sorted((URLPattern(key), value) for key, value in get_environment_proxies().items())
    chosen = next(value for pattern, value in mounts if pattern.matches(URL(url)))
    assert (chosen is None) is bypassed


# ---------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------


def test_get_ca_bundle_from_env(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert get_ca_bundle_from_env() is None
    ca_file = tmp_path / "ca.pem"
    ca_file.write_text("x")
    env.setenv("SSL_CERT_DIR", str(tmp_path))
    assert get_ca_bundle_from_env() == str(tmp_path)
    env.setenv("SSL_CERT_FILE", str(ca_file))
    assert get_ca_bundle_from_env() == str(ca_file)
    env.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    assert get_ca_bundle_from_env() == str(tmp_path)
    env.setenv("SSL_CERT_DIR", str(ca_file))  # a file, not a directory
    assert get_ca_bundle_from_env() is None


@pytest.mark.parametrize(
    "value, v4, v6",
    [
        ("127.0.0.1", True, False),
        ("255.255.255.255", True, False),
        ("256.0.0.1", False, False),
        ("10.0.0.0/8", False, False),
        ("example.com", False, False),
        ("::1", False, True),
        ("fd00::1234", False, True),
        ("[::1]", False, False),
        ("fd00::/8", False, False),
        ("", False, False),
    ],
)
def test_ip_hostname_predicates(value: str, v4: bool, v6: bool) -> None:
    assert is_ipv4_hostname(value) is v4
    assert is_ipv6_hostname(value) is v6


def test_port_or_default() -> None:
    assert port_or_default(URL("http://example.com")) == 80
    assert port_or_default(URL("https://example.com")) == 443
    assert port_or_default(URL("https://example.com:8443")) == 8443
    assert port_or_default(URL("ftp://example.com")) is None


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ("https://example.com/a", "https://example.com/b?x=1", True),
        ("https://example.com", "https://example.com:443", True),
        ("http://example.com", "https://example.com", False),
        ("https://example.com", "https://www.example.com", False),
        ("https://example.com", "https://example.com:8443", False),
    ],
)
def test_same_origin(a: str, b: str, expected: bool) -> None:
    assert same_origin(URL(a), URL(b)) is expected


@pytest.mark.parametrize(
    "url, location, expected",
    [
        ("http://example.com/a", "https://example.com/a", True),
        ("http://example.com:80/", "https://example.com:443/", True),
        ("http://example.com:8080/", "https://example.com/", False),
        ("http://example.com/", "https://example.com:8443/", False),
        ("http://example.com/", "https://www.example.com/", False),
        ("https://example.com/", "http://example.com/", False),
        ("http://example.com/", "http://example.com/", False),
    ],
)
def test_is_https_redirect(url: str, location: str, expected: bool) -> None:
    assert is_https_redirect(URL(url), URL(location)) is expected
