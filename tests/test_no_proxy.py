"""NO_PROXY read as curl and requests read it, through the client's proxy selection.

Each case sets HTTP_PROXY/HTTPS_PROXY and NO_PROXY, builds `Client(trust_env=True)` and
asks it which transport a URL goes through (`_transport_for_url`, as every request does).
Cases marked "0.28" are ones httpx 0.28 gets wrong: it ignores CIDR ranges and takes the
"*" of "*.example.com" literally.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import httpx
from httpx._utils import URLPattern, get_environment_proxies

PROXY_URL = "http://proxy.invalid:3128"

BYPASS, PROXIED = True, False

CASES = [
    # "*" alone: no proxy for anything.
    ("*", "http://anything.example/", BYPASS),
    (" * ", "https://anything.example/", BYPASS),
    ("localhost, *", "http://anything.example/", BYPASS),
    # IPv4 CIDR ranges (0.28: ignored).
    ("10.0.0.0/8", "http://10.1.2.3/", BYPASS),
    ("10.0.0.0/8", "https://10.255.255.255:8443/", BYPASS),
    ("10.0.0.0/8", "http://11.0.0.1/", PROXIED),
    ("127.0.0.0/8", "http://127.0.0.1:8000/", BYPASS),
    ("127.0.0.0/8", "http://127.1.2.3/", BYPASS),
    ("127.0.0.0/8", "http://localhost/", PROXIED),  # names are not resolved
    ("192.168.1.0/24", "http://192.168.1.77/", BYPASS),
    ("192.168.1.0/24", "http://192.168.2.1/", PROXIED),
    ("192.168.1.77/32", "http://192.168.1.77/", BYPASS),
    # IPv6 prefixes and literals, with and without brackets.
    ("fd00::/8", "http://[fd12:3456::1]/", BYPASS),
    ("fd00::/8", "http://[fe80::1]/", PROXIED),
    ("2001:db8::/32", "http://[2001:db8:1::5]:8080/", BYPASS),
    ("[fd00::]/8", "http://[fd12::1]/", BYPASS),
    ("::1", "http://[::1]:8080/", BYPASS),
    ("[::1]", "http://[::1]/", BYPASS),
    ("[::1]:8080", "http://[::1]:8080/", BYPASS),
    ("[::1]:8080", "http://[::1]:8081/", PROXIED),
    ("2001:DB8::1", "http://[2001:db8::1]/", BYPASS),
    ("::1", "http://[::2]/", PROXIED),
    # Domains: bare, with a leading dot, and "*." globs (0.28: "*." matches nothing).
    ("example.com", "http://example.com/", BYPASS),
    ("example.com", "http://www.example.com/", BYPASS),
    ("example.com", "http://a.b.example.com/", BYPASS),
    ("example.com", "http://notexample.com/", PROXIED),
    ("example.com", "http://example.com.evil.org/", PROXIED),
    (".example.com", "http://example.com/", BYPASS),
    (".example.com", "http://www.example.com/", BYPASS),
    (".example.com", "http://notexample.com/", PROXIED),
    ("*.example.com", "http://www.example.com/", BYPASS),
    ("*.example.com", "https://a.b.example.com/", BYPASS),
    ("*.example.com", "http://example.com/", PROXIED),
    ("*.example.com", "http://notexample.com/", PROXIED),
    ("*example.com", "http://www.example.com/", BYPASS),  # httpx's mount-key form
    ("example.com.", "http://example.com/", BYPASS),  # trailing dot
    ("bücher.de", "http://xn--bcher-kva.de/", BYPASS),
    # host:port.
    ("example.com:8080", "http://example.com:8080/", BYPASS),
    ("example.com:8080", "http://www.example.com:8080/", BYPASS),
    ("example.com:8080", "http://example.com/", PROXIED),
    ("example.com:443", "https://example.com/", BYPASS),
    ("127.0.0.1:8000", "http://127.0.0.1:8000/", BYPASS),
    ("127.0.0.1:8000", "http://127.0.0.1:8001/", PROXIED),
    ("127.0.0.1", "http://127.0.0.1:1234/", BYPASS),
    ("localhost", "http://localhost:8000/", BYPASS),
    # Case-insensitive, whitespace-tolerant, empty and unparsable entries skipped.
    ("EXAMPLE.COM", "http://www.Example.com/", BYPASS),
    ("  other.org ,  example.com  ", "http://example.com/", BYPASS),
    ("other.org example.com", "http://example.com/", BYPASS),
    ("other.org,\texample.com\n", "http://example.com/", BYPASS),
    (",,example.com,,", "http://example.com/", BYPASS),
    ("exa mple.com", "http://mple.com/", BYPASS),  # whitespace separates entries
    ("[::1, 10.0.0.0/33, a..b, example.com", "http://example.com/", BYPASS),
    ("[::1, 10.0.0.0/33, a..b", "http://example.com/", PROXIED),
    ("", "http://example.com/", PROXIED),
    # Entries with a scheme, as httpx allows.
    ("http://example.com", "http://example.com/", BYPASS),
    ("http://example.com", "https://example.com/", PROXIED),
]


@pytest.fixture
def proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("HTTP_PROXY", PROXY_URL)
    monkeypatch.setenv("HTTPS_PROXY", PROXY_URL)
    return monkeypatch


def bypasses(client: httpx.Client | httpx.AsyncClient, url: str) -> bool:
    transport = client._transport_for_url(httpx.URL(url))
    if transport is client._transport:
        return True
    # Otherwise it must be the proxy's transport, going to the proxy we configured.
    assert str(transport._pool._proxy_url.host, "ascii") == "proxy.invalid"
    return False


@pytest.mark.parametrize("no_proxy,url,expected", CASES)
def test_no_proxy(proxy_env: pytest.MonkeyPatch, no_proxy: str, url: str, expected: bool) -> None:
    proxy_env.setenv("NO_PROXY", no_proxy)
    with httpx.Client(trust_env=True) as client:
        assert bypasses(client, url) is expected


@pytest.mark.parametrize("no_proxy,url,expected", CASES[::7])
def test_no_proxy_async_client(
    proxy_env: pytest.MonkeyPatch, no_proxy: str, url: str, expected: bool
) -> None:
    proxy_env.setenv("NO_PROXY", no_proxy)
    client = httpx.AsyncClient(trust_env=True)
    assert bypasses(client, url) is expected


def test_lower_case_variable_wins(proxy_env: pytest.MonkeyPatch) -> None:
    proxy_env.setenv("NO_PROXY", "example.com")
    proxy_env.setenv("no_proxy", "example.org")
    with httpx.Client(trust_env=True) as client:
        assert not bypasses(client, "http://example.com/")
        assert bypasses(client, "http://example.org/")


def test_trust_env_false_ignores_the_environment(proxy_env: pytest.MonkeyPatch) -> None:
    proxy_env.setenv("NO_PROXY", "example.com")
    with httpx.Client(trust_env=False) as client:
        assert client._transport_for_url(httpx.URL("http://other.org/")) is client._transport


def test_star_disables_proxies(proxy_env: pytest.MonkeyPatch) -> None:
    proxy_env.setenv("NO_PROXY", "example.com,*")
    assert get_environment_proxies() == {}


def test_environment_mount_keys(proxy_env: pytest.MonkeyPatch) -> None:
    proxy_env.setenv(
        "NO_PROXY", "10.0.0.0/8, ::1, [fd00::]:8080, .example.com, *.example.org, localhost"
    )
    assert get_environment_proxies() == {
        "http://": PROXY_URL,
        "https://": PROXY_URL,
        "all://10.0.0.0/8": None,
        "all://[::1]": None,
        "all://[fd00::]:8080": None,
        "all://*example.com": None,
        "all://*.example.org": None,
        "all://localhost": None,
    }


@settings(derandomize=True, max_examples=150, deadline=None)
@given(st.text(st.sampled_from(list("*.,: /[]0123456789abcdef-xn\t\u00fc")), max_size=30))
def test_any_no_proxy_value_is_accepted(value: str) -> None:
    # Entries we cannot read are skipped: a bad NO_PROXY never breaks the client.
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("HTTP_PROXY", PROXY_URL)
        monkeypatch.setenv("NO_PROXY", value)
        mounts = get_environment_proxies()
    for key in mounts:
        URLPattern(key)
