"""Proxies, NO_PROXY, TLS/HTTP2, timeouts and faults through the clients, on `Client`
and on `AsyncClient` under asyncio and trio, against real local servers."""

from __future__ import annotations

import gc
import ssl
import typing

import pytest

import httpx
from tests.harness import run, transport_class

if typing.TYPE_CHECKING:
    from tests.servers.faults import FaultServer
    from tests.servers.proxy import ForwardProxy
    from tests.servers.run import HypercornServer, UvicornServer


@pytest.fixture
def trusted(ca_cert_pem_file: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_cert_pem_file)


# --- TLS and HTTP/2 ----------------------------------------------------------------------


def test_tls_and_http2(mode: str, tls_server: HypercornServer, trusted: ssl.SSLContext) -> None:
    async def scenario(client: typing.Any) -> None:
        response = await client.get(f"{tls_server.url}http_version")
        assert response.http_version == "HTTP/2"
        assert response.text == "2"
        response = await client.get(f"{tls_server.url}echo", params={"a": "1"})
        assert response.json()["query"] == {"a": ["1"]}

    run(mode, scenario, verify=trusted, http2=True)


def test_tls_http1_only(mode: str, tls_server: HypercornServer, trusted: ssl.SSLContext) -> None:
    async def scenario(client: typing.Any) -> None:
        response = await client.get(f"{tls_server.url}http_version")
        assert response.http_version == "HTTP/1.1"

    run(mode, scenario, verify=trusted)


def test_untrusted_certificate_fails(mode: str, tls_server: HypercornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        with pytest.raises(httpx.ConnectError) as info:
            await client.get(tls_server.url)
        assert info.value.request.url == tls_server.url

    run(mode, scenario)


def test_verify_false(mode: str, tls_server: HypercornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        assert (await client.get(tls_server.url)).status_code == 200

    run(mode, scenario, verify=False)


def test_client_certificate(
    mode: str, mtls_server: UvicornServer, trusted: ssl.SSLContext, client_cert: tuple[str, str]
) -> None:
    trusted.load_cert_chain(*client_cert)

    async def scenario(client: typing.Any) -> None:
        assert (await client.get(mtls_server.url)).status_code == 200

    run(mode, scenario, verify=trusted)


# --- proxies -----------------------------------------------------------------------------


def test_http_proxy_forwarding(mode: str, server: UvicornServer, http_proxy: ForwardProxy) -> None:
    async def scenario(client: typing.Any) -> None:
        before = http_proxy.stats.forwarded
        response = await client.get(f"{server.url}echo")
        assert response.json()["path"] == "/echo"
        assert http_proxy.stats.forwarded == before + 1

    run(mode, scenario, proxy=http_proxy.url)


def test_connect_tunnel_through_http_proxy(
    mode: str, tls_server: HypercornServer, http_proxy: ForwardProxy, trusted: ssl.SSLContext
) -> None:
    async def scenario(client: typing.Any) -> None:
        before = http_proxy.stats.tunnels
        response = await client.get(f"{tls_server.url}http_version")
        assert response.text == "2"
        assert http_proxy.stats.tunnels == before + 1

    run(mode, scenario, proxy=http_proxy.url, verify=trusted, http2=True)


def test_https_proxy(
    mode: str, server: UvicornServer, https_proxy: ForwardProxy, trusted: ssl.SSLContext
) -> None:
    async def scenario(client: typing.Any) -> None:
        before = https_proxy.stats.requests
        assert (await client.get(f"{server.url}echo")).status_code == 200
        assert https_proxy.stats.requests == before + 1

    proxy = httpx.Proxy(https_proxy.url, ssl_context=trusted)
    run(mode, scenario, proxy=proxy)


def test_proxy_credentials_from_url(
    mode: str, server: UvicornServer, http_proxy_with_auth: ForwardProxy
) -> None:
    async def scenario(client: typing.Any) -> None:
        before = http_proxy_with_auth.stats.forwarded
        assert (await client.get(f"{server.url}echo")).status_code == 200
        assert http_proxy_with_auth.stats.forwarded == before + 1

    run(mode, scenario, proxy=http_proxy_with_auth.url)


def test_proxy_bad_credentials(
    mode: str, server: UvicornServer, http_proxy_with_auth: ForwardProxy
) -> None:
    async def scenario(client: typing.Any) -> None:
        response = await client.get(f"{server.url}echo")
        assert response.status_code == 407

    bad = http_proxy_with_auth.url.replace("proxy-password", "wrong")
    run(mode, scenario, proxy=bad)


@pytest.mark.parametrize("scheme", ["socks5", "socks5h"])
def test_socks5_proxy(
    mode: str, server: UvicornServer, socks5_proxy: ForwardProxy, scheme: str
) -> None:
    async def scenario(client: typing.Any) -> None:
        before = socks5_proxy.stats.tunnels
        assert (await client.get(f"{server.url}echo")).json()["path"] == "/echo"
        assert socks5_proxy.stats.tunnels == before + 1

    run(mode, scenario, proxy=socks5_proxy.url.replace("socks5://", f"{scheme}://"))


def test_socks5_proxy_with_auth(
    mode: str, server: UvicornServer, socks5_proxy_with_auth: ForwardProxy
) -> None:
    async def scenario(client: typing.Any) -> None:
        before = socks5_proxy_with_auth.stats.tunnels
        assert (await client.get(f"{server.url}echo")).status_code == 200
        assert socks5_proxy_with_auth.stats.tunnels == before + 1

    run(mode, scenario, proxy=socks5_proxy_with_auth.url)


def test_socks5_bad_credentials_is_a_proxy_error(
    mode: str, server: UvicornServer, socks5_proxy_with_auth: ForwardProxy
) -> None:
    async def scenario(client: typing.Any) -> None:
        with pytest.raises(httpx.ProxyError, match="Invalid username/password"):
            await client.get(f"{server.url}echo")
        gc.collect()  # a leaked socket would surface here as a ResourceWarning (an error)

    bad = socks5_proxy_with_auth.url.replace(":proxy-password@", ":wrong@")
    run(mode, scenario, proxy=bad)


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"])
def test_proxy_from_environment(
    mode: str,
    server: UvicornServer,
    http_proxy: ForwardProxy,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    monkeypatch.setenv(variable, http_proxy.url)

    async def scenario(client: typing.Any) -> None:
        before = http_proxy.stats.forwarded
        assert (await client.get(f"{server.url}echo")).status_code == 200
        assert http_proxy.stats.forwarded == before + 1

    run(mode, scenario)
    # trust_env=False ignores the environment.
    before = http_proxy.stats.forwarded
    run(mode, scenario_without_proxy(server), trust_env=False)
    assert http_proxy.stats.forwarded == before


def scenario_without_proxy(server: UvicornServer) -> typing.Any:
    async def scenario(client: typing.Any) -> None:
        assert (await client.get(f"{server.url}echo")).status_code == 200

    return scenario


@pytest.mark.parametrize(
    "no_proxy,bypassed",
    [
        ("127.0.0.1", True),
        ("127.0.0.0/8", True),
        ("10.0.0.0/8", False),
        ("::1, 127.0.0.1:{port}", True),
        ("127.0.0.1:1", False),
        ("*", True),
        ("example.com, .example.org", False),
        (" 127.0.0.1 ,", True),
    ],
)
def test_no_proxy(
    mode: str,
    server: UvicornServer,
    http_proxy: ForwardProxy,
    monkeypatch: pytest.MonkeyPatch,
    no_proxy: str,
    bypassed: bool,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", http_proxy.url)
    monkeypatch.setenv("NO_PROXY", no_proxy.format(port=server.port))
    before = http_proxy.stats.forwarded
    run(mode, scenario_without_proxy(server))
    assert http_proxy.stats.forwarded == before + (0 if bypassed else 1)


def test_no_proxy_hostname_suffix(
    mode: str, server: UvicornServer, http_proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = server.url.replace("127.0.0.1", "localhost")
    monkeypatch.setenv("http_proxy", http_proxy.url)
    for entry, bypassed in [("localhost", True), ("otherhost", False)]:
        monkeypatch.setenv("no_proxy", entry)
        before = http_proxy.stats.forwarded

        async def scenario(client: typing.Any) -> None:
            assert (await client.get(f"{url}echo")).status_code == 200

        run(mode, scenario)
        assert http_proxy.stats.forwarded == before + (0 if bypassed else 1), entry


def test_mounts(mode: str, server: UvicornServer, http_proxy: ForwardProxy) -> None:
    transport = transport_class(mode)
    localhost_url = server.url.replace("127.0.0.1", "localhost")

    async def scenario(client: typing.Any) -> None:
        before = http_proxy.stats.forwarded
        await client.get(f"{server.url}echo")  # all:// -> proxied
        assert http_proxy.stats.forwarded == before + 1
        await client.get(f"{localhost_url}echo")  # all://localhost -> no proxy
        assert http_proxy.stats.forwarded == before + 1

    mounts = {
        "all://": transport(proxy=http_proxy.url),
        "all://localhost": None,
    }
    run(mode, scenario, mounts=mounts)


# --- timeouts ------------------------------------------------------------------------------


def test_read_timeout_mid_body(mode: str, server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        with pytest.raises(httpx.ReadTimeout) as info:
            await client.get("/slow_body?delay=2", timeout=0.3)
        assert info.value.request.url.path == "/slow_body"
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/slow_headers?delay=2", timeout=httpx.Timeout(5.0, read=0.3))
        assert (await client.get("/echo")).status_code == 200

    run(mode, scenario, base_url=server.url)


def test_connect_timeout(mode: str, fault_server: FaultServer) -> None:
    async def scenario(client: typing.Any) -> None:
        with pytest.raises(httpx.ConnectTimeout):
            await client.get(fault_server.connect_timeout_url, timeout=0.3)

    run(mode, scenario)


def test_pool_timeout(mode: str, server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        async with client.stream("GET", "/echo"):
            with pytest.raises(httpx.PoolTimeout):
                await client.get("/echo", timeout=httpx.Timeout(5.0, pool=0.2))
        # Closing the stream released the connection.
        assert (await client.get("/echo")).status_code == 200

    limits = httpx.Limits(max_connections=1)
    run(mode, scenario, base_url=server.url, limits=limits)


# --- faults ----------------------------------------------------------------------------------


FAULTS = {
    "reset": httpx.ReadError,
    "close-before-response": httpx.RemoteProtocolError,
    "close-mid-body": httpx.RemoteProtocolError,
    "bad-status": httpx.RemoteProtocolError,
    "bad-header": httpx.RemoteProtocolError,
    "bad-chunk": httpx.RemoteProtocolError,
    "garbage": httpx.RemoteProtocolError,
    "stall": httpx.ReadTimeout,
    "stall-body": httpx.ReadTimeout,
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_faults(mode: str, fault: str, fault_server: FaultServer, server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        url = fault_server.url_for_mode(fault)
        with pytest.raises(FAULTS[fault]) as info:
            await client.get(url, timeout=0.5)
        assert info.value.request.url == url
        # The client keeps working afterwards, on the same pool.
        assert (await client.get(f"{server.url}echo")).status_code == 200
        with pytest.raises(FAULTS[fault]):
            await client.get(url, timeout=0.5)

    run(mode, scenario)


def test_connection_refused(mode: str, fault_server: FaultServer) -> None:
    async def scenario(client: typing.Any) -> None:
        with pytest.raises(httpx.ConnectError):
            await client.get(fault_server.refused_url)

    run(mode, scenario)


def test_unsupported_protocol(mode: str) -> None:
    async def scenario(client: typing.Any) -> None:
        with pytest.raises(httpx.UnsupportedProtocol):
            await client.get("ftp://example.org/")
        with pytest.raises(httpx.UnsupportedProtocol):
            await client.get("example.org/path")

    run(mode, scenario)
