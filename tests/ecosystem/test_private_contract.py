"""The private names of httpx 0.28 that libraries built on it use (DESIGN.md, "The
compatibility contract beyond `__all__`"), each used here the way the library does.

tests/test_api_surface.py::test_private_names_libraries_reach_for checks that the names
exist; these tests check that they behave.
"""

from __future__ import annotations

import ssl
import typing
from unittest import mock

import httpcore
import pytest

import httpx
import httpx._client
import httpx._content
import httpx._models
import httpx._multipart
import httpx._transports.default
import httpx._types
import httpx._urls
import httpx._utils
from httpx._client import USE_CLIENT_DEFAULT, ClientState, UseClientDefault

# The SDKs' import, verbatim in form.
from httpx._config import (
    DEFAULT_LIMITS,
    DEFAULT_MAX_REDIRECTS,
    DEFAULT_TIMEOUT_CONFIG,
    create_ssl_context,
)


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, text=f"{request.method} {request.url}")


async def async_ok(request: httpx.Request) -> httpx.Response:
    return ok(request)


# --- httpx._client -------------------------------------------------------------------------


def test_client_module_exports_the_public_classes() -> None:
    assert httpx._client.Client is httpx.Client
    assert httpx._client.AsyncClient is httpx.AsyncClient
    assert issubclass(httpx.Client, httpx._client.BaseClient)
    assert issubclass(httpx.AsyncClient, httpx._client.BaseClient)


class StarletteLikeClient(httpx.Client):
    """Starlette's TestClient shape: its `request` is defined at import time with
    `httpx._client.USE_CLIENT_DEFAULT` default values, compared later with
    `is not httpx.USE_CLIENT_DEFAULT`, and the URL goes through `_merge_url` first."""

    seen: list[object] = []

    def request(  # type: ignore[override]
        self,
        method: str,
        url: httpx._types.URLTypes,
        *,
        auth: httpx._types.AuthTypes | UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        timeout: httpx._types.TimeoutTypes | UseClientDefault = httpx._client.USE_CLIENT_DEFAULT,
        **kwargs: typing.Any,
    ) -> httpx.Response:
        self.seen.append(timeout is not httpx.USE_CLIENT_DEFAULT)
        url = self._merge_url(url)
        return super().request(
            method,
            url,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            **kwargs,
        )


def test_use_client_default_as_import_time_default_argument() -> None:
    StarletteLikeClient.seen = []
    assert httpx.USE_CLIENT_DEFAULT is USE_CLIENT_DEFAULT
    assert isinstance(USE_CLIENT_DEFAULT, UseClientDefault)
    transport = httpx.MockTransport(ok)
    with StarletteLikeClient(
        transport=transport, base_url="http://testserver/api/", timeout=7
    ) as client:
        response = client.get("items", params={"a": 1})
        assert response.text == "GET http://testserver/api/items?a=1"
        assert response.request.extensions["timeout"]["read"] == 7  # the client's default
        client.get("items", timeout=1)
    assert StarletteLikeClient.seen == [False, True]


def test_client_state_lifecycle() -> None:
    client = httpx.Client(transport=httpx.MockTransport(ok))
    assert client._state is ClientState.UNOPENED
    with client:
        assert client._state is ClientState.OPENED  # type: ignore[comparison-overlap]
    assert client._state is ClientState.CLOSED
    with pytest.raises(RuntimeError):
        client.get("https://example.org/")


def test_event_hook_alias_in_annotations() -> None:
    calls: list[str] = []

    def log(request: httpx.Request) -> None:
        calls.append(request.method)

    hooks: dict[str, list[httpx._client.EventHook]] = {"request": [log]}
    with httpx.Client(event_hooks=hooks, transport=httpx.MockTransport(ok)) as client:
        client.get("https://example.org/")
    assert calls == ["GET"]


def test_transport_for_url_patched_like_respx() -> None:
    # respx's "httpx" mocker: mock.patch("httpx._client.Client._transport_for_url") with a
    # function that wraps the original, for every request, redirect hops included.
    spec = httpx._client.Client._transport_for_url
    seen: list[str] = []

    def redirecting(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/start":
            return httpx.Response(302, headers={"Location": "https://other.example/end"})
        return ok(request)

    def _transport_for_url(self: httpx.Client, url: httpx.URL) -> httpx.BaseTransport:
        seen.append(str(url))
        original = spec(self, url)
        assert isinstance(original, httpx.MockTransport)
        return httpx.MockTransport(redirecting)

    with mock.patch("httpx._client.Client._transport_for_url", new=_transport_for_url):
        with httpx.Client(transport=httpx.MockTransport(ok), follow_redirects=True) as client:
            response = client.get("https://example.org/start")
    assert response.text == "GET https://other.example/end"
    assert seen == ["https://example.org/start", "https://other.example/end"]


@pytest.mark.anyio
async def test_async_transport_for_url_honours_mounts() -> None:
    mounted = httpx.MockTransport(lambda request: httpx.Response(200, text="mounted"))
    default = httpx.MockTransport(async_ok)
    client = httpx.AsyncClient(transport=default, mounts={"https://api.example.org": mounted})
    async with client:
        assert client._transport_for_url(httpx.URL("https://api.example.org/x")) is mounted
        assert client._transport_for_url(httpx.URL("https://example.org/")) is default
        with mock.patch.object(httpx.AsyncClient, "_transport_for_url", return_value=mounted):
            assert (await client.get("https://example.org/")).text == "mounted"


def test_merge_url_like_starlette() -> None:
    client = httpx.Client(base_url="https://api.example.org/v1")
    merged = client._merge_url("/users")
    assert isinstance(merged, httpx.URL)
    assert merged == "https://api.example.org/v1/users"
    assert client._merge_url("users?x=1") == "https://api.example.org/v1/users?x=1"
    assert client._merge_url(httpx.URL("https://other.org/x")) == "https://other.org/x"
    assert client.base_url == "https://api.example.org/v1/"
    client.close()


class RecordingClient(httpx.Client):
    """hishel's CacheClient shape: both factories overridden with httpx 0.28's keywords,
    each building our HTTPTransport from what it is given."""

    calls: list[tuple[str, dict[str, typing.Any]]]

    def _init_transport(
        self,
        verify: ssl.SSLContext | str | bool = True,
        cert: httpx._types.CertTypes | None = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = DEFAULT_LIMITS,
        transport: httpx.BaseTransport | None = None,
    ) -> httpx.BaseTransport:
        arguments: dict[str, typing.Any] = {"verify": verify, "cert": cert, "trust_env": trust_env}
        arguments |= {"http1": http1}
        arguments |= {"http2": http2, "limits": limits, "transport": transport}
        self.calls.append(("default", arguments))
        if transport is not None:
            return transport
        return httpx.HTTPTransport(
            verify=verify, cert=cert, trust_env=trust_env, http1=http1, http2=http2, limits=limits
        )

    def _init_proxy_transport(
        self,
        proxy: httpx.Proxy,
        verify: ssl.SSLContext | str | bool = True,
        cert: httpx._types.CertTypes | None = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = DEFAULT_LIMITS,
    ) -> httpx.BaseTransport:
        arguments: dict[str, typing.Any] = {"proxy": proxy, "verify": verify, "cert": cert}
        arguments |= {"trust_env": trust_env}
        arguments |= {"http1": http1, "http2": http2, "limits": limits}
        self.calls.append(("proxy", arguments))
        return httpx.HTTPTransport(
            verify=verify,
            cert=cert,
            trust_env=trust_env,
            http1=http1,
            http2=http2,
            limits=limits,
            proxy=proxy,
        )


def test_init_transport_and_init_proxy_transport_receive_the_clients_options() -> None:
    RecordingClient.calls = []
    limits = httpx.Limits(max_connections=3)
    with RecordingClient(
        verify=False,
        trust_env=False,
        http1=False,
        http2=True,
        limits=limits,
        proxy="http://proxy.example:3128",
    ) as client:
        transport = client._transport_for_url(httpx.URL("https://example.org/"))
        assert isinstance(transport, httpx.HTTPTransport)
        assert isinstance(transport._pool, httpcore.HTTPProxy)
    (kind, default), (proxy_kind, proxied) = RecordingClient.calls
    assert (kind, proxy_kind) == ("default", "proxy")
    expected = {
        "verify": False,
        "cert": None,
        "trust_env": False,
        "http1": False,
        "http2": True,
        "limits": limits,
    }
    assert default == {**expected, "transport": None}
    assert isinstance(proxied["proxy"], httpx.Proxy)
    assert proxied["proxy"].url == "http://proxy.example:3128"
    assert {key: value for key, value in proxied.items() if key != "proxy"} == expected


def test_init_proxy_transport_for_environment_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://env-proxy.example:8080")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    RecordingClient.calls = []
    with RecordingClient() as client:
        proxied = client._transport_for_url(httpx.URL("https://example.org/"))
        direct = client._transport_for_url(httpx.URL("https://internal.example/"))
        assert isinstance(proxied._pool, httpcore.HTTPProxy)
        assert isinstance(direct._pool, httpcore.ConnectionPool)
    kinds = [kind for kind, _ in RecordingClient.calls]
    assert kinds == ["default", "proxy"]
    assert RecordingClient.calls[1][1]["proxy"].url == "http://env-proxy.example:8080"
    assert RecordingClient.calls[1][1]["trust_env"] is True


def test_explicit_transport_is_handed_to_init_transport() -> None:
    RecordingClient.calls = []
    given = httpx.MockTransport(ok)
    with RecordingClient(transport=given) as client:
        assert client.get("https://example.org/").status_code == 200
    assert RecordingClient.calls == [
        (
            "default",
            {
                "verify": True,
                "cert": None,
                "trust_env": True,
                "http1": True,
                "http2": False,
                "limits": DEFAULT_LIMITS,
                "transport": given,
            },
        )
    ]


@pytest.mark.anyio
async def test_async_init_transport_overridden_like_httpx_aiohttp() -> None:
    built: list[dict[str, typing.Any]] = []

    class AiohttpLikeClient(httpx.AsyncClient):
        def _init_transport(
            self,
            verify: ssl.SSLContext | str | bool = True,
            cert: httpx._types.CertTypes | None = None,
            trust_env: bool = True,
            http1: bool = True,
            http2: bool = False,
            limits: httpx.Limits = DEFAULT_LIMITS,
            transport: httpx.AsyncBaseTransport | None = None,
        ) -> httpx.AsyncBaseTransport:
            built.append({"verify": verify, "http2": http2, "limits": limits})
            return transport or httpx.MockTransport(async_ok)

        def _init_proxy_transport(
            self,
            proxy: httpx.Proxy,
            verify: ssl.SSLContext | str | bool = True,
            cert: httpx._types.CertTypes | None = None,
            trust_env: bool = True,
            http1: bool = True,
            http2: bool = False,
            limits: httpx.Limits = DEFAULT_LIMITS,
        ) -> httpx.AsyncBaseTransport:
            built.append({"proxy": str(proxy.url)})
            return httpx.MockTransport(async_ok)

    async with AiohttpLikeClient(verify=False, http2=True, proxy="socks5://127.0.0.1:1") as client:
        assert (await client.get("https://example.org/")).text == "GET https://example.org/"
    assert built == [
        {"verify": False, "http2": True, "limits": DEFAULT_LIMITS},
        {"proxy": "socks5://127.0.0.1:1"},
    ]


# --- httpx._types ----------------------------------------------------------------------------


def send_with(
    url: httpx._types.URLTypes,
    params: httpx._types.QueryParamTypes | None = None,
    headers: httpx._types.HeaderTypes | None = None,
    cookies: httpx._types.CookieTypes | None = None,
    auth: httpx._types.AuthTypes | None = None,
    timeout: httpx._types.TimeoutTypes = None,
    content: httpx._types.RequestContent | None = None,
    data: httpx._types.RequestData | None = None,
    files: httpx._types.RequestFiles | None = None,
    extensions: httpx._types.RequestExtensions | None = None,
    proxy: httpx._types.ProxyTypes | None = None,
    cert: httpx._types.CertTypes | None = None,
) -> httpx.Response:
    with httpx.Client(
        transport=httpx.MockTransport(ok), cookies=cookies, timeout=timeout
    ) as client:
        request = client.build_request(
            "POST",
            url,
            params=params,
            headers=headers,
            content=content,
            data=data,
            files=files,
            extensions=extensions,
        )
        return client.send(request, auth=auth)


def test_types_aliases_in_annotations_resolve_and_accept_values() -> None:
    # The aliases' forward references name public httpx classes: resolvable the way
    # pydantic-style tools resolve them, against httpx's namespace.
    hints = typing.get_type_hints(send_with, localns=vars(httpx))
    assert set(hints) >= {
        "url",
        "params",
        "headers",
        "cookies",
        "auth",
        "timeout",
        "files",
        "proxy",
        "cert",
    }
    response = send_with(
        httpx.URL("https://example.org/"),
        params=[("a", 1), ("b", True)],
        headers=[(b"X-Raw", b"1")],
        cookies={"c": "v"},
        auth=("user", "pass"),
        timeout=(1.0, 2.0, 3.0, 4.0),
        data={"field": "x"},
        files={"upload": ("f.txt", b"data", "text/plain")},
        extensions={"trace": None},
    )
    assert response.request.url == "https://example.org/?a=1&b=true"
    assert response.request.headers["authorization"].startswith("Basic ")
    assert response.request.headers["cookie"] == "c=v"


def test_byte_stream_bases_from_types() -> None:
    assert httpx._types.SyncByteStream is httpx.SyncByteStream
    assert httpx._types.AsyncByteStream is httpx.AsyncByteStream


# --- httpx._config ---------------------------------------------------------------------------


def test_config_defaults_compared_like_the_sdks() -> None:
    # openai/anthropic: `if http_client.timeout != HTTPX_DEFAULT_TIMEOUT: use it`.
    from_config = DEFAULT_TIMEOUT_CONFIG
    assert from_config == httpx.Timeout(5.0)
    with httpx.Client() as default, httpx.Client(timeout=30) as configured:
        assert default.timeout == from_config
        assert configured.timeout != from_config
        assert default.max_redirects == DEFAULT_MAX_REDIRECTS == 20
    assert DEFAULT_LIMITS == httpx.Limits(max_connections=100, max_keepalive_connections=20)


def test_create_ssl_context() -> None:
    verifying = create_ssl_context()
    assert isinstance(verifying, ssl.SSLContext)
    assert verifying.verify_mode == ssl.CERT_REQUIRED and verifying.check_hostname
    relaxed = create_ssl_context(verify=False, trust_env=False)
    assert relaxed.verify_mode == ssl.CERT_NONE and not relaxed.check_hostname
    given = ssl.create_default_context()
    assert create_ssl_context(verify=given) is given
    # The result is what transports accept.
    httpx.HTTPTransport(verify=verifying).close()


# --- httpx._content and httpx._multipart -----------------------------------------------------


class IteratorStream(  # type: ignore[misc]  # both bases declare _stream, as in pytest_httpx
    httpx._content.AsyncIteratorByteStream, httpx._content.IteratorByteStream
):
    """pytest_httpx's IteratorStream, verbatim in shape."""

    def __init__(self, stream: typing.Iterable[bytes]) -> None:
        class Stream:
            def __iter__(self) -> typing.Iterator[bytes]:
                yield from stream

            async def __aiter__(self) -> typing.AsyncIterator[bytes]:
                for chunk in stream:
                    yield chunk

        httpx._content.AsyncIteratorByteStream.__init__(self, stream=Stream())
        httpx._content.IteratorByteStream.__init__(self, stream=Stream())


def test_iterator_byte_stream_subclass_sync() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=IteratorStream([b"a", b"b"]))

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        with client.stream("GET", "https://example.org/") as response:
            assert list(response.iter_raw()) == [b"a", b"b"]


@pytest.mark.anyio
async def test_iterator_byte_stream_subclass_async() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=IteratorStream([b"x", b"y", b"z"]))

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        response = await client.get("https://example.org/")
    assert response.content == b"xyz"


def test_byte_stream_is_public() -> None:
    assert httpx._content.ByteStream is httpx.ByteStream
    stream = httpx._content.ByteStream(b"body")
    assert list(stream) == [b"body"] and list(stream) == [b"body"]  # re-iterable


def test_multipart_stream_rebuilds_a_request_body_byte_for_byte() -> None:
    # pytest_httpx's match_files: take the boundary from the body, encode the expected
    # form again with MultipartStream, compare bytes.
    data = {"field": "value", "many": ["1", "2"]}
    files = {"upload": ("report.txt", b"file content", "text/plain")}
    request = httpx.Request("POST", "https://example.org/", data=data, files=files)
    body = request.read()
    boundary = request.headers["content-type"].split("boundary=")[1].encode()
    assert body.startswith(b"--" + boundary + b"\r\n")
    assert all(chr(byte) in "0123456789abcdef" for byte in boundary)
    rebuilt = b"".join(httpx._multipart.MultipartStream(data, files, boundary))
    assert rebuilt == body


# --- httpx._transports.default ---------------------------------------------------------------


def test_transport_pool_is_an_httpcore_pool_or_proxy() -> None:
    default = httpx._transports.default
    assert default.HTTPTransport is httpx.HTTPTransport
    assert default.AsyncHTTPTransport is httpx.AsyncHTTPTransport
    with httpx.HTTPTransport() as transport:
        assert isinstance(transport._pool, httpcore.ConnectionPool)
    with httpx.HTTPTransport(proxy="http://user:pw@proxy.example:3128") as transport:
        assert isinstance(transport._pool, httpcore.HTTPProxy)
        # pytest_httpx reads the proxy's URL and credentials from httpcore's attributes.
        assert transport._pool._proxy_url.host == b"proxy.example"
        assert (b"Proxy-Authorization", b"Basic dXNlcjpwdw==") in transport._pool._proxy_headers
    with httpx.HTTPTransport(proxy="socks5://127.0.0.1:1080") as transport:
        assert isinstance(transport._pool, httpcore.SOCKSProxy)
    assert isinstance(httpx.AsyncHTTPTransport()._pool, httpcore.AsyncConnectionPool)
    assert isinstance(
        httpx.AsyncHTTPTransport(proxy="http://p.example")._pool, httpcore.AsyncHTTPProxy
    )
    assert isinstance(
        httpx.AsyncHTTPTransport(proxy="socks5://p.example")._pool, httpcore.AsyncSOCKSProxy
    )


def test_handle_request_patched_on_the_class_like_pytest_httpx(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_handle_request = httpx.HTTPTransport.handle_request
    seen: list[object] = []

    def mocked(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        seen.append(transport)
        if request.url.host == "example.invalid":
            return httpx.Response(200, text="patched")
        return real_handle_request(transport, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", mocked)
    assert httpx.get("https://example.invalid/").text == "patched"
    with httpx.Client(proxy="http://127.0.0.1:1") as client:
        assert client.get("https://example.invalid/").text == "patched"
    assert all(isinstance(transport, httpx.HTTPTransport) for transport in seen) and len(seen) == 2


@pytest.mark.anyio
async def test_handle_async_request_patched_on_the_class(monkeypatch: pytest.MonkeyPatch) -> None:
    async def mocked(
        transport: httpx.AsyncHTTPTransport, request: httpx.Request
    ) -> httpx.Response:
        return httpx.Response(200, text="patched")

    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", mocked)
    async with httpx.AsyncClient() as client:
        assert (await client.get("https://example.invalid/")).text == "patched"


@pytest.mark.parametrize(
    "target",
    [httpcore.ConnectionPool, httpcore.HTTPConnection, httpcore.HTTPProxy],
    ids=["pool", "connection", "proxy"],
)
def test_httpcore_classes_patched_like_respx(target: type[typing.Any]) -> None:
    # respx's default mocker patches handle_request on each of these httpcore classes:
    # whichever one it is, our default transport must go through it.
    def fake(self: object, request: httpcore.Request) -> httpcore.Response:
        assert isinstance(self, target)
        return httpcore.Response(
            200, headers=[(b"X-Via", target.__name__.encode())], content=b"intercepted"
        )

    proxy = "http://127.0.0.1:1" if target is httpcore.HTTPProxy else None
    with mock.patch.object(target, "handle_request", fake):
        with httpx.Client(proxy=proxy) as client:
            response = client.get("http://example.invalid/")
    assert response.text == "intercepted"
    assert response.headers["x-via"] == target.__name__


@pytest.mark.anyio
async def test_async_httpcore_pool_patched_like_respx() -> None:
    async def fake(self: object, request: httpcore.Request) -> httpcore.Response:
        return httpcore.Response(200, content=b"async intercepted")

    with mock.patch.object(httpcore.AsyncConnectionPool, "handle_async_request", fake):
        async with httpx.AsyncClient() as client:
            assert (await client.get("http://example.invalid/")).text == "async intercepted"


def test_response_stream_wraps_an_httpcore_stream(server: typing.Any) -> None:
    # A custom transport on httpcore, mapping errors and wrapping bodies as ours does.
    class OwnTransport(httpx.BaseTransport):
        def __init__(self) -> None:
            self.pool = httpcore.ConnectionPool()

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            with httpx._transports.default.map_httpcore_exceptions():
                core = self.pool.handle_request(
                    httpcore.Request(
                        request.method,
                        httpcore.URL(
                            scheme=request.url.raw_scheme,
                            host=request.url.raw_host,
                            port=request.url.port,
                            target=request.url.raw_path,
                        ),
                        headers=request.headers.raw,
                        content=request.stream,
                        extensions=request.extensions,
                    )
                )
            assert isinstance(core.stream, typing.Iterable)
            stream = httpx._transports.default.ResponseStream(core.stream)
            return httpx.Response(
                core.status, headers=core.headers, stream=stream, extensions=core.extensions
            )

        def close(self) -> None:
            self.pool.close()

    with httpx.Client(transport=OwnTransport()) as client:
        response = client.get(server.url_for("/json"))
        assert (
            response.status_code == 200 and response.headers["content-type"] == "application/json"
        )
        assert response.json()
        with pytest.raises(httpx.ConnectError):
            client.get("http://127.0.0.1:1/")


def test_map_httpcore_exceptions() -> None:
    map_errors = httpx._transports.default.map_httpcore_exceptions
    cases = [
        (httpcore.ConnectTimeout("c"), httpx.ConnectTimeout),
        (httpcore.ReadTimeout("r"), httpx.ReadTimeout),
        (httpcore.ConnectError("e"), httpx.ConnectError),
        (httpcore.RemoteProtocolError("p"), httpx.RemoteProtocolError),
        (httpcore.PoolTimeout("t"), httpx.PoolTimeout),
    ]
    for raised, expected in cases:
        with pytest.raises(expected, match=str(raised)) as error:
            with map_errors():
                raise raised
        assert error.value.__cause__ is raised
    unrelated = KeyError("mine")
    with pytest.raises(KeyError) as kept:
        with map_errors():
            raise unrelated
    assert kept.value is unrelated


# --- httpx._utils ----------------------------------------------------------------------------


def test_url_pattern() -> None:
    pattern = httpx._utils.URLPattern("all://*.example.org")
    assert pattern.matches(httpx.URL("https://api.example.org/x"))
    assert pattern.matches(httpx.URL("http://www.example.org"))
    assert not pattern.matches(httpx.URL("https://example.com/"))
    specific = httpx._utils.URLPattern("https://api.example.org:8443")
    assert specific.matches(httpx.URL("https://api.example.org:8443/x"))
    assert not specific.matches(httpx.URL("https://api.example.org/x"))
    # Sorting puts the most specific pattern first, as mounts rely on.
    ordered = sorted([httpx._utils.URLPattern("all://"), specific, pattern])
    assert ordered[0] is specific and ordered[-1].pattern == "all://"


def test_get_environment_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("HTTPS_PROXY", "http://secure-proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example,127.0.0.1")
    proxies = httpx._utils.get_environment_proxies()
    assert proxies["http://"] == "http://proxy.example:3128"
    assert proxies["https://"] == "http://secure-proxy.example:3128"
    assert proxies["all://*internal.example"] is None
    assert proxies["all://127.0.0.1"] is None
    # anthropic's client turns them into mounts of its own.
    mounts = {
        key: None if url is None else httpx.HTTPTransport(proxy=httpx.Proxy(url=url))
        for key, url in proxies.items()
    }
    with httpx.Client(mounts=mounts, transport=httpx.MockTransport(ok)) as client:
        assert client.get("http://internal.example/").status_code == 200


def test_primitive_value_to_str_to_bytes_to_str() -> None:
    assert [httpx._utils.primitive_value_to_str(v) for v in (True, False, None, 1, 1.5, "s")] == [
        "true", "false", "", "1", "1.5", "s",
    ]  # fmt: skip
    assert httpx._utils.to_bytes("é") == "é".encode() and httpx._utils.to_bytes(b"x") == b"x"
    assert httpx._utils.to_str(b"\xc3\xa9") == "é" and httpx._utils.to_str("x") == "x"


# --- httpx._models and httpx._urls -----------------------------------------------------------


def test_models_module_exports_the_public_classes() -> None:
    assert httpx._models.Request is httpx.Request
    assert httpx._models.Response is httpx.Response
    assert httpx._models.Headers is httpx.Headers
    assert httpx._models.Cookies is httpx.Cookies


def test_response_request_attribute() -> None:
    response = httpx.Response(200)
    assert response._request is None
    with pytest.raises(RuntimeError):
        response.request
    request = httpx.Request("GET", "https://example.org/")
    response._request = request
    assert response.request is request
    response.request = httpx.Request("POST", "https://example.org/")
    assert response._request is response.request and response.request.method == "POST"


def test_del_content_then_restream_like_pytest_httpx() -> None:
    response = httpx.Response(
        200, content=b"abc", request=httpx.Request("GET", "https://example.org/")
    )
    assert response.read() == b"abc"
    # pytest_httpx's _unread():
    response.is_stream_consumed = False
    response.is_closed = False
    if hasattr(response, "_content"):
        del response._content
    with pytest.raises(httpx.ResponseNotRead):
        response.content
    assert response.read() == b"abc"  # streamed again from the (re-iterable) stream
    assert response.content == b"abc"

    streaming = httpx.Response(200, stream=httpx.ByteStream(b"streamed"))
    assert not hasattr(streaming, "_content")


def test_response_accepts_new_attributes() -> None:
    response = httpx.Response(200, text="page")
    response.template = "page.html"  # type: ignore[attr-defined]
    response.context = {"title": "Hi"}  # type: ignore[attr-defined]
    assert response.template == "page.html"  # type: ignore[attr-defined]
    assert vars(response)["context"] == {"title": "Hi"}  # a plain instance __dict__


class ResponseError(httpx.Response, Exception):  # type: ignore[misc]
    """A response that can be raised (as some API clients define their errors)."""


class ErrorResponse(Exception, httpx.Response):
    def __init__(self, status_code: int, message: str) -> None:
        Exception.__init__(self, message)
        httpx.Response.__init__(self, status_code, text=message)


def test_class_deriving_from_response_and_exception() -> None:
    with pytest.raises(ResponseError) as raised:
        raise ResponseError(418, json={"error": "teapot"})
    assert raised.value.status_code == 418 and raised.value.json() == {"error": "teapot"}
    assert isinstance(raised.value, httpx.Response) and isinstance(raised.value, Exception)

    def handler(request: httpx.Request) -> httpx.Response:
        return ErrorResponse(503, "busy")

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        response = client.get("https://example.org/")
    assert isinstance(response, ErrorResponse) and str(response) == "busy"
    assert response.text == "busy" and response.request.url == "https://example.org/"


def test_url_uri_reference_components() -> None:
    url = httpx.URL("https://user:pw@example.org:8443/a%20b/c?q=1#frag")
    reference = url._uri_reference
    assert reference.scheme == "https"
    assert reference.userinfo == "user:pw"
    assert reference.host == "example.org"
    assert reference.port == 8443
    assert reference.path == "/a%20b/c"
    assert reference.query == "q=1"
    assert reference.fragment == "frag"
    assert httpx._urls.URL is httpx.URL


# --- exceptions from inside transports -------------------------------------------------------


class Boom(Exception):
    pass


def test_foreign_exception_from_a_transport_passes_through_unchanged() -> None:
    raised = Boom("from the transport")

    def handler(request: httpx.Request) -> httpx.Response:
        raise raised

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(Boom) as caught:
            client.request("GET", "https://example.org/")
    assert caught.value is raised


@pytest.mark.anyio
async def test_foreign_exception_passes_through_async_client_unchanged() -> None:
    raised = Boom("async transport")

    async def handler(request: httpx.Request) -> httpx.Response:
        raise raised

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(Boom) as caught:
            await client.request("GET", "https://example.org/")
    assert caught.value is raised


def test_foreign_exception_from_inside_httpcore_passes_through_http_transport() -> None:
    raised = Boom("inside the pool")

    def fake(self: object, request: httpcore.Request) -> httpcore.Response:
        raise raised

    with mock.patch.object(httpcore.ConnectionPool, "handle_request", fake):
        with pytest.raises(Boom) as caught:
            httpx.get("http://example.invalid/")
    assert caught.value is raised


def test_stop_iteration_from_a_transport_passes_through_unchanged() -> None:
    # respx raises StopIteration from the transport when an iterable side effect runs out.
    def handler(request: httpx.Request) -> httpx.Response:
        raise StopIteration

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(StopIteration):
            client.request("GET", "https://example.org/")
