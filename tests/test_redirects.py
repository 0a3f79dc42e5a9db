"""Redirect policy, on the pure functions and through both clients (MockTransport)."""

import pytest

import httpx
from httpx._redirects import redirect_request_parts
from httpx._utils import is_https_redirect, same_origin


def redirect(status: int, location: str, request: httpx.Request) -> httpx.Response:
    return httpx.Response(status, headers={"Location": location}, request=request)


@pytest.mark.parametrize(
    "status,method,expected",
    [
        (301, "POST", "GET"),
        (302, "POST", "GET"),
        (301, "PUT", "PUT"),
        (301, "DELETE", "DELETE"),
        # 302: anything but HEAD becomes GET, as in httpx, requests and browsers.
        (302, "DELETE", "GET"),
        (302, "PUT", "GET"),
        (302, "HEAD", "HEAD"),
        (303, "POST", "GET"),
        (303, "PUT", "GET"),
        (303, "HEAD", "HEAD"),
        (307, "POST", "POST"),
        (308, "PUT", "PUT"),
    ],
)
def test_redirect_method(status: int, method: str, expected: str) -> None:
    request = httpx.Request(
        method, "https://example.org/a", content=b"body", headers={"Content-Type": "text/plain"}
    )
    new_method, _, headers, stream = redirect_request_parts(
        request, redirect(status, "/b", request)
    )
    assert new_method == expected
    if expected == "GET" and method != "GET":
        assert stream is None
        assert "Content-Length" not in headers
        # httpx keeps Content-Type (the body it described is gone, though).
        assert headers["Content-Type"] == "text/plain"
    else:
        assert stream is request.stream


def test_redirect_urls() -> None:
    request = httpx.Request("GET", "https://example.org/a/b#frag")
    parts = redirect_request_parts(request, redirect(302, "../c", request))
    assert parts[1] == "https://example.org/c#frag"
    parts = redirect_request_parts(request, redirect(302, "//other.org/x", request))
    assert parts[1] == "https://other.org/x#frag"
    parts = redirect_request_parts(request, redirect(302, "http://other.org/x#new", request))
    assert parts[1] == "http://other.org/x#new"
    parts = redirect_request_parts(request, redirect(302, "https:/path", request))
    assert parts[1] == "https://example.org/path#frag"


def test_malformed_location() -> None:
    request = httpx.Request("GET", "https://example.org/")
    with pytest.raises(httpx.RemoteProtocolError, match="Invalid URL in location header"):
        redirect_request_parts(request, redirect(302, "https://example.org:x/", request))


def test_authorization_stripped_across_origins() -> None:
    request = httpx.Request(
        "GET", "http://example.org/", headers={"Authorization": "secret", "Cookie": "a=1"}
    )
    _, _, headers, _ = redirect_request_parts(request, redirect(302, "/next", request))
    assert headers["Authorization"] == "secret"
    assert "Cookie" not in headers
    _, _, headers, _ = redirect_request_parts(
        request, redirect(302, "https://example.org/", request)
    )
    # An http -> https upgrade on the same host and default ports keeps it (as httpx and
    # requests do).
    assert headers["Authorization"] == "secret"
    _, _, headers, _ = redirect_request_parts(
        request, redirect(302, "https://example.org:8443/", request)
    )
    assert "Authorization" not in headers
    _, _, headers, _ = redirect_request_parts(request, redirect(302, "http://evil.org/", request))
    assert "Authorization" not in headers
    assert headers["Host"] == "evil.org"
    secure = httpx.Request("GET", "https://example.org/", headers={"Authorization": "secret"})
    _, _, headers, _ = redirect_request_parts(secure, redirect(302, "http://example.org/", secure))
    assert "Authorization" not in headers  # downgrade


def test_origin_helpers() -> None:
    assert same_origin(httpx.URL("https://a.org"), httpx.URL("https://a.org:443/x"))
    assert not same_origin(httpx.URL("https://a.org"), httpx.URL("http://a.org"))
    assert is_https_redirect(httpx.URL("http://a.org"), httpx.URL("https://a.org"))
    assert not is_https_redirect(httpx.URL("http://a.org:8080"), httpx.URL("https://a.org"))


# --- through the clients ---------------------------------------------------------------


def redirecting_app(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/loop":
        return httpx.Response(302, headers={"Location": "/loop"})
    if path.startswith("/count/"):
        n = int(path.rsplit("/", 1)[1])
        if n > 0:
            return httpx.Response(302, headers={"Location": f"/count/{n - 1}"})
    if path == "/set-cookie-redirect":
        return httpx.Response(
            302, headers={"Location": "/echo", "Set-Cookie": "session=abc; Path=/"}
        )
    if path.startswith("/status/"):
        return httpx.Response(int(path.rsplit("/", 1)[1]), headers={"Location": "/echo"})
    if path == "/bad-location":
        return httpx.Response(302, headers={"Location": "https://1.2.3.256/"})
    return httpx.Response(
        200,
        json={
            "method": request.method,
            "url": str(request.url),
            "body": request.content.decode(),
            "headers": dict(request.headers),
        },
    )


async def async_redirecting_app(request: httpx.Request) -> httpx.Response:
    return redirecting_app(request)


def test_redirects_off_by_default_sync() -> None:
    with httpx.Client(transport=httpx.MockTransport(redirecting_app)) as client:
        response = client.get("https://example.org/count/2")
        assert response.status_code == 302
        assert response.next_request is not None
        assert response.next_request.url == "https://example.org/count/1"
        response = client.get("https://example.org/count/2", follow_redirects=True)
        assert response.status_code == 200
        assert [r.status_code for r in response.history] == [302, 302]
        assert response.url == "https://example.org/count/0"


def test_too_many_redirects_sync() -> None:
    transport = httpx.MockTransport(redirecting_app)
    with httpx.Client(transport=transport, follow_redirects=True, max_redirects=3) as client:
        with pytest.raises(httpx.TooManyRedirects) as info:
            client.get("https://example.org/loop")
        assert info.value.request.url == "https://example.org/loop"
        assert client.get("https://example.org/count/3").status_code == 200


@pytest.mark.anyio
async def test_redirect_behaviour_async() -> None:
    transport = httpx.MockTransport(async_redirecting_app)
    async with httpx.AsyncClient(transport=transport, follow_redirects=True) as client:
        response = await client.post("https://example.org/status/303", content=b"x")
        assert response.json()["method"] == "GET"
        assert response.json()["body"] == ""
        response = await client.post("https://example.org/status/307", content=b"x")
        assert response.json()["method"] == "POST"
        assert response.json()["body"] == "x"
        response = await client.get("https://example.org/set-cookie-redirect")
        assert response.json()["headers"]["cookie"] == "session=abc"
        assert client.cookies["session"] == "abc"
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("https://example.org/bad-location")
        client.max_redirects = 1
        with pytest.raises(httpx.TooManyRedirects):
            await client.get("https://example.org/loop")
