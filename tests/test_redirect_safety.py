"""A redirect to another origin: what follows it, as in httpx, and our opt-in extra.

On a change of scheme, host or port the follow-up request drops Authorization (as httpx
does, except on an upgrade from http to https on the same host and default ports, where
httpx and requests keep it) and the client's `sensitive_headers` (our addition, empty by
default: Proxy-Authorization or an API key header can be named there). The Cookie header
never follows a redirect: cookies are re-derived from the jar for the new URL (host-only
cookies stay with their host).

The policy is tested as pure functions, through the client flow with a mock transport,
and against real servers: two origins on two ports of 127.0.0.1, 127.0.0.1 against
localhost, and http against https, with Client, and AsyncClient on asyncio and trio.
"""

from __future__ import annotations

import json
import ssl
import typing
from collections.abc import Iterator
from urllib.parse import quote

import pytest

import httpx
from httpx._redirects import redirect_request_parts
from tests.harness import run
from tests.servers.run import UvicornServer

SECRETS = {
    "Authorization": "Bearer user-token",
    "Proxy-Authorization": "Basic cHJveHk6c2VjcmV0",
    "Cookie": "explicit=1",
    "X-Api-Key": "api-key",
    "X-Other-Secret": "other",
}
HARMLESS = {"X-Trace": "kept", "Accept-Language": "fr"}


def redirect(request: httpx.Request, location: str, status: int = 302) -> httpx.Response:
    return httpx.Response(status, headers={"Location": location}, request=request)


def follow(
    url: str,
    location: str,
    sensitive: frozenset[str] = frozenset(),
    headers: typing.Mapping[str, str] | None = None,
) -> httpx.Headers:
    request = httpx.Request("GET", url, headers={**SECRETS, **HARMLESS, **(headers or {})})
    _, _, follow_up, _ = redirect_request_parts(request, redirect(request, location), sensitive)
    return follow_up


# --- the pure policy ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url,location",
    [
        ("http://example.com/", "http://example.org/"),  # host
        ("http://example.com/", "http://www.example.com/"),  # subdomain: another host
        ("http://example.com/", "http://example.com:8080/"),  # port
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8001/"),
        ("http://127.0.0.1:8000/", "http://localhost:8000/"),
        ("https://example.com/", "http://example.com/"),  # downgrade
        ("http://example.com:8080/", "https://example.com/"),  # upgrade, not from port 80
        ("http://example.com/", "https://example.com:8443/"),  # upgrade, not to port 443
        ("https://example.com/", "wss://example.com/"),  # any scheme change
        ("http://example.com/", "//example.org/path"),  # scheme-relative
        ("http://[::1]:8000/", "http://[::2]:8000/"),
    ],
)
def test_authorization_and_sensitive_headers_dropped_on_change_of_origin(
    url: str, location: str
) -> None:
    headers = follow(url, location, frozenset({"x-api-key"}))
    for name in ("Authorization", "Cookie", "X-Api-Key"):
        assert name not in headers, name
    # Headers not named as sensitive still follow (Proxy-Authorization too, as in httpx),
    # and Host names the new origin.
    assert headers["Proxy-Authorization"] == SECRETS["Proxy-Authorization"]
    assert headers["X-Other-Secret"] == "other"
    assert headers["X-Trace"] == "kept"
    assert headers["Accept-Language"] == "fr"
    assert headers["Host"] == httpx.URL(url).join(location).netloc.decode()


@pytest.mark.parametrize(
    "url,location",
    [
        ("http://example.com/", "/next"),
        ("http://example.com/a", "b?q=1"),
        ("http://example.com/", "http://EXAMPLE.com:80/other"),  # default port, any case
        ("https://example.com:443/", "https://example.com/"),
        ("https://bücher.de/", "https://xn--bcher-kva.de/x"),  # the same IDNA host
        ("http://user:pw@example.com/", "http://example.com/"),  # userinfo is no origin
    ],
)
def test_credentials_kept_on_the_same_origin(url: str, location: str) -> None:
    headers = follow(url, location, frozenset({"x-api-key"}))
    assert headers["Authorization"] == SECRETS["Authorization"]
    assert headers["Proxy-Authorization"] == SECRETS["Proxy-Authorization"]
    assert headers["X-Api-Key"] == "api-key"
    # The Cookie header never follows a redirect: the jar sets it again for the new URL.
    assert "Cookie" not in headers


@pytest.mark.parametrize(
    "url,location",
    [
        ("http://example.com/", "https://example.com/"),
        ("http://example.com:80/a", "https://example.com:443/b"),
        ("http://EXAMPLE.com/", "https://example.com/x"),
    ],
)
def test_upgrade_to_https_on_the_same_host_keeps_authorization_as_httpx_does(
    url: str, location: str
) -> None:
    headers = follow(url, location)
    assert headers["Authorization"] == SECRETS["Authorization"]
    assert headers["Proxy-Authorization"] == SECRETS["Proxy-Authorization"]
    assert "Cookie" not in headers
    assert headers["Host"] == "example.com"
    # A header named in sensitive_headers is still dropped: the origin did change.
    assert "X-Api-Key" not in follow(url, location, frozenset({"x-api-key"}))


def test_by_default_only_authorization_is_dropped() -> None:
    headers = follow("https://example.com/", "https://evil.example/")
    assert headers["X-Api-Key"] == "api-key"
    assert headers["Proxy-Authorization"] == SECRETS["Proxy-Authorization"]
    assert "Authorization" not in headers
    assert "Cookie" not in headers  # re-derived from the jar, never carried over
    headers = follow(
        "https://example.com/", "https://evil.example/", frozenset({"proxy-authorization"})
    )
    assert "Proxy-Authorization" not in headers


def test_every_value_of_a_repeated_sensitive_header_is_dropped() -> None:
    request = httpx.Request(
        "GET", "https://a.example/", headers=[("X-Token", "1"), ("x-token", "2"), ("A", "b")]
    )
    _, _, headers, _ = redirect_request_parts(
        request, redirect(request, "https://b.example/"), frozenset({"x-token"})
    )
    assert headers.get_list("x-token") == []
    assert headers["a"] == "b"


# --- the client option -------------------------------------------------------------------


def test_sensitive_headers_option_is_case_insensitive() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "a.example":
            return httpx.Response(302, headers={"Location": "https://b.example/"})
        return httpx.Response(200)

    with httpx.Client(
        transport=httpx.MockTransport(handler),
        sensitive_headers=["X-API-KEY", b"x-other-secret"],  # type: ignore[list-item]
        follow_redirects=True,
    ) as client:
        client.get("https://a.example/", headers={"x-api-key": "1", "X-Other-Secret": "2"})
    first, second = seen
    assert first.headers["X-Api-Key"] == "1"
    assert "X-Api-Key" not in second.headers
    assert "X-Other-Secret" not in second.headers


def test_credentials_stay_dropped_when_coming_back() -> None:
    # a -> b -> a: what was dropped for b is not restored for a.
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(302, headers={"Location": "https://b.example/"})
        if len(seen) == 2:
            return httpx.Response(302, headers={"Location": "https://a.example/end"})
        return httpx.Response(200)

    with httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=True) as client:
        client.get("https://a.example/", headers={"Authorization": "secret"})
    assert [request.headers.get("Authorization") for request in seen] == ["secret", None, None]


def test_auth_argument_is_not_replayed_to_another_origin() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "a.example":
            return httpx.Response(307, headers={"Location": "https://b.example/"})
        return httpx.Response(200)

    with httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=True) as client:
        client.get("https://a.example/", auth=("user", "pass"))
    assert "Authorization" in seen[0].headers
    assert "Authorization" not in seen[1].headers


@pytest.mark.parametrize(
    "value,error",
    [
        ("X-Api-Key", TypeError),  # a single name, not an iterable of names
        (b"X-Api-Key", TypeError),
        ([1], TypeError),
        (["bad name"], ValueError),
        (["x:y"], ValueError),
        ([""], ValueError),
    ],
)
def test_sensitive_headers_option_is_checked(value: typing.Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        httpx.Client(sensitive_headers=value)
    with pytest.raises(error):
        httpx.AsyncClient(sensitive_headers=value)


# --- real servers ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def second_server() -> Iterator[UvicornServer]:
    """The test app again, on another port of 127.0.0.1: another origin."""
    running = UvicornServer().start()
    yield running
    running.stop()


def redirect_via(origin: str, target: str, status: int = 302) -> str:
    return f"{origin}redirect_to?url={quote(target, safe='')}&status_code={status}"


def localhost_url(server: UvicornServer) -> str:
    return f"http://localhost:{server.port}/"


def echoed(response: typing.Any) -> dict[str, str]:
    headers: dict[str, str] = json.loads(response.content)
    return headers


@pytest.mark.parametrize("status", [302, 307])
@pytest.mark.parametrize("target_origin", ["other_port", "localhost"])
def test_real_servers_change_of_origin(
    mode: str,
    server: UvicornServer,
    second_server: UvicornServer,
    target_origin: str,
    status: int,
) -> None:
    target = second_server.url if target_origin == "other_port" else localhost_url(server)
    start = redirect_via(server.url, target + "echo_headers", status)

    async def scenario(client: typing.Any) -> None:
        response = await client.get(start, headers={**SECRETS, **HARMLESS})
        assert response.status_code == 200
        assert str(response.url) == target + "echo_headers"
        assert len(response.history) == 1
        received = echoed(response)
        for name in ("authorization", "cookie", "x-api-key"):
            assert name not in received, name
        assert received["proxy-authorization"] == SECRETS["Proxy-Authorization"]
        assert received["x-other-secret"] == "other"
        assert received["x-trace"] == "kept"
        assert received["host"] == httpx.URL(target).netloc.decode()

    run(mode, scenario, follow_redirects=True, sensitive_headers=["X-Api-Key"])


def test_real_servers_same_origin_keeps_credentials(mode: str, server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        response = await client.get(
            redirect_via(server.url, "/echo_headers"), headers={**SECRETS, **HARMLESS}
        )
        received = echoed(response)
        assert received["authorization"] == SECRETS["Authorization"]
        assert received["proxy-authorization"] == SECRETS["Proxy-Authorization"]
        assert received["x-api-key"] == "api-key"
        assert "cookie" not in received  # an explicit Cookie header never follows

    run(mode, scenario, follow_redirects=True, sensitive_headers=["X-Api-Key"])


def test_real_servers_cookies_follow_their_scope(
    mode: str, server: UvicornServer, second_server: UvicornServer
) -> None:
    async def scenario(client: typing.Any) -> None:
        # The server at 127.0.0.1 sets a host-only cookie (no Domain attribute).
        await client.get(server.url_for("/cookies/set?from_server=1"))
        # Another host never gets it (RFC 6265 section 5.3); the user's own cookie, set
        # without a domain, goes everywhere (httpx's meaning).
        response = await client.get(
            redirect_via(server.url, localhost_url(server) + "cookies"),
        )
        assert str(response.url) == localhost_url(server) + "cookies"
        assert json.loads(response.content) == {"from_user": "1"}
        # Cookies do not isolate ports (RFC 6265 section 8.5): 127.0.0.1 on another port
        # is the same host, so it gets the cookie, re-derived from the jar.
        response = await client.get(redirect_via(server.url, second_server.url + "cookies"))
        assert json.loads(response.content) == {"from_user": "1", "from_server": "1"}

    run(mode, scenario, follow_redirects=True, cookies={"from_user": "1"})


def test_real_servers_https_to_http_downgrade(
    mode: str,
    tls_server: typing.Any,
    second_server: UvicornServer,
    ca_cert_pem_file: str,
) -> None:
    start = redirect_via(tls_server.url, second_server.url + "echo_headers")

    async def scenario(client: typing.Any) -> None:
        response = await client.get(start, headers=SECRETS)
        assert response.url.scheme == "http"
        received = echoed(response)
        for name in ("authorization", "proxy-authorization", "cookie", "x-api-key"):
            assert name not in received, name

    run(
        mode,
        scenario,
        follow_redirects=True,
        verify=ssl.create_default_context(cafile=ca_cert_pem_file),
        sensitive_headers=["x-api-key", "proxy-authorization"],
    )


def test_real_servers_http_to_https_upgrade(
    mode: str, server: UvicornServer, tls_server: typing.Any, ca_cert_pem_file: str
) -> None:
    start = redirect_via(server.url, tls_server.url + "echo_headers")

    async def scenario(client: typing.Any) -> None:
        response = await client.get(start, headers=SECRETS)
        assert response.url.scheme == "https"
        received = echoed(response)
        # The servers are not on ports 80 and 443, so this is not the plain upgrade that
        # keeps Authorization (that case is tested above, as a pure function).
        for name in ("authorization", "cookie", "x-api-key"):
            assert name not in received, name
        assert received["proxy-authorization"] == SECRETS["Proxy-Authorization"]

    run(
        mode,
        scenario,
        follow_redirects=True,
        verify=ssl.create_default_context(cafile=ca_cert_pem_file),
        sensitive_headers=["x-api-key"],
    )
