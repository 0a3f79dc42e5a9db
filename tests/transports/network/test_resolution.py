"""Name resolution under control: `resolve=` (curl's --resolve), the `resolver=` hook,
Happy Eyeballs with a configurable delay, and `local_address` / `socket_options` on
proxied connections. Sync, asyncio and trio, against real local servers.

Host names under ``.test`` (RFC 2606) are made up: they resolve only through the
overrides, so a request that reaches the server went where the override said.
"""

from __future__ import annotations

import socket
import ssl
import typing
from collections.abc import Iterator

import pytest
import trustme

import httpx
from tests import harness
from tests.servers.resilience import Blackhole, RetryServer
from tests.servers.run import UvicornServer

MADE_UP = "api.made-up.test"


@pytest.fixture(scope="module")
def made_up_tls(
    cert_authority: trustme.CA, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[UvicornServer, ssl.SSLContext]]:
    """uvicorn over TLS with a certificate for MADE_UP only, and a context trusting it."""
    directory = tmp_path_factory.mktemp("made-up")
    issued = cert_authority.issue_cert(MADE_UP)
    cert, key = directory / "cert.pem", directory / "key.pem"
    for blob in issued.cert_chain_pems:
        blob.write_to_path(str(cert), append=True)
    issued.private_key_pem.write_to_path(str(key))
    server = UvicornServer(ssl_certfile=str(cert), ssl_keyfile=str(key)).start()
    context = ssl.create_default_context()
    cert_authority.configure_trust(context)
    yield server, context
    server.stop()


@pytest.fixture(scope="module")
def peer_server() -> Iterator[RetryServer]:
    server = RetryServer().start()
    yield server
    server.stop()


def test_resolve_sends_a_made_up_host_to_a_local_server(mode: str, server: UvicornServer) -> None:
    url = f"http://{MADE_UP}:{server.port}/echo_headers"

    async def scenario(client: typing.Any) -> None:
        response = await client.get(url)
        assert response.status_code == 200
        assert response.json()["host"] == f"{MADE_UP}:{server.port}"  # unchanged
        assert str(response.request.url) == url

    harness.run(mode, scenario, resolve={MADE_UP: "127.0.0.1"})


def test_resolve_keys_with_a_port_and_lists_of_addresses(mode: str, server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        response = await client.get(f"http://{MADE_UP.upper()}:{server.port}/")
        assert response.status_code == 200

    # The "host:port" key wins over the bare name (whose address has no server); the
    # list's addresses are tried in turn (the first refuses the connection).
    resolve = {
        MADE_UP: "127.0.0.9",
        f"{MADE_UP}:{server.port}": ["127.0.0.9", "127.0.0.1"],
    }
    harness.run(mode, scenario, resolve=resolve)

    async def failing(client: typing.Any) -> None:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://{MADE_UP}:{server.port}/")

    harness.run(mode, failing, resolve={MADE_UP: "127.0.0.9"})


def test_resolve_over_tls_verifies_the_original_host_name(
    mode: str, made_up_tls: tuple[UvicornServer, ssl.SSLContext]
) -> None:
    tls_server, context = made_up_tls
    url = f"https://{MADE_UP}:{tls_server.port}/echo"

    async def scenario(client: typing.Any) -> None:
        response = await client.get(url)
        assert response.status_code == 200
        assert dict(response.json()["headers"])["host"] == f"{MADE_UP}:{tls_server.port}"
        # Another name sent to the same address: the certificate does not cover it.
        with pytest.raises(httpx.ConnectError, match="certificate|hostname"):
            await client.get(f"https://other.made-up.test:{tls_server.port}/")

    resolve = {MADE_UP: "127.0.0.1", "other.made-up.test": "127.0.0.1"}
    harness.run(mode, scenario, resolve=resolve, verify=context)


def test_the_resolver_hook(mode: str, server: UvicornServer) -> None:
    calls: list[tuple[str, int]] = []

    def resolver(host: str, port: int) -> list[str] | None:
        calls.append((host, port))
        if host == "localhost":
            return None  # the system resolver answers
        if host == "nowhere.test":
            return []
        if host == "broken.test":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return ["127.0.0.1"]

    async def async_resolver(host: str, port: int) -> list[str] | None:
        return resolver(host, port)

    async def scenario(client: typing.Any) -> None:
        assert (await client.get(f"http://{MADE_UP}:{server.port}/")).status_code == 200
        assert (await client.get(f"http://localhost:{server.port}/")).status_code == 200
        with pytest.raises(httpx.ConnectError, match="no address"):
            await client.get(f"http://nowhere.test:{server.port}/")
        with pytest.raises(httpx.ConnectError, match="not known"):
            await client.get(f"http://broken.test:{server.port}/")
        # An IP address is not resolved; static overrides come before the hook.
        assert (await client.get(f"http://127.0.0.1:{server.port}/")).status_code == 200
        assert (await client.get(f"http://static.test:{server.port}/")).status_code == 200

    harness.run(
        mode,
        scenario,
        resolver=resolver if mode == "sync" else async_resolver,
        resolve={"static.test": "127.0.0.1"},
    )
    assert calls == [
        (MADE_UP, server.port),
        ("localhost", server.port),
        ("nowhere.test", server.port),
        ("broken.test", server.port),
    ]


def test_an_async_client_takes_a_plain_function_too(server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        assert (await client.get(f"http://{MADE_UP}:{server.port}/")).status_code == 200

    harness.run("asyncio", scenario, resolver=lambda host, port: ["127.0.0.1"])


def test_bad_resolution_settings_are_refused_clearly() -> None:
    async def async_resolver(host: str, port: int) -> list[str]:
        return []

    with pytest.raises(TypeError, match="plain function"):
        httpx.Client(resolver=async_resolver)
    with pytest.raises(ValueError, match="IP address"):
        httpx.Client(resolve={MADE_UP: "not-an-address"})
    with pytest.raises(ValueError, match="at least one"):
        httpx.Client(resolve={MADE_UP: []})
    with pytest.raises(TypeError, match="mapping"):
        httpx.Client(resolve=[(MADE_UP, "127.0.0.1")])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="port"):
        httpx.HTTPTransport(resolve={f"{MADE_UP}:99999": "127.0.0.1"})
    with pytest.raises(ValueError, match="resolve key"):
        httpx.HTTPTransport(resolve={"http://x/": "127.0.0.1"})
    with pytest.raises(TypeError, match="function"):
        httpx.AsyncClient(resolver="127.0.0.1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="happy_eyeballs_delay"):
        httpx.HTTPTransport(happy_eyeballs_delay=-1)
    # IPv6 addresses, with or without brackets.
    httpx.Client(resolve={MADE_UP: ["::1", "[::1]", "127.0.0.1"]})


@pytest.mark.parametrize("delay", [None, 0.05])
def test_happy_eyeballs_falls_back_from_an_address_that_blackholes(
    mode: str, delay: float | None, server: UvicornServer
) -> None:
    # The blackhole listens on 127.0.0.2 at the server's port, its accept queue full:
    # connecting to it hangs. Tried first, it must not hold the request up.
    try:
        blackhole = Blackhole(server.port)
    except OSError:
        pytest.skip("127.0.0.2 is not usable here")
    try:
        resolve = {MADE_UP: [Blackhole.HOST, "127.0.0.1"]}
        transport = harness.transport_class(mode)(resolve=resolve, happy_eyeballs_delay=delay)

        async def scenario(client: typing.Any) -> None:
            response = await client.get(f"http://{MADE_UP}:{server.port}/")
            assert response.status_code == 200

        harness.run(mode, scenario, transport=transport, timeout=httpx.Timeout(10.0))

        # Alone, the blackholed address is never answered.
        async def alone(client: typing.Any) -> None:
            with pytest.raises(httpx.ConnectTimeout):
                await client.get(f"http://{MADE_UP}:{server.port}/")

        harness.run(mode, alone, resolve={MADE_UP: Blackhole.HOST}, timeout=httpx.Timeout(0.3))
    finally:
        blackhole.close()


def test_local_address_and_socket_options_apply_to_proxied_connections(
    mode: str, peer_server: RetryServer
) -> None:
    # The RetryServer answers the proxy's absolute-form requests itself, and records
    # where they came from.
    transport = harness.transport_class(mode)(proxy=peer_server.url, local_address="127.0.0.3")

    async def scenario(client: typing.Any) -> None:
        response = await client.get("http://origin.test/flaky/proxied")
        assert response.status_code == 200

    harness.run(mode, scenario, transport=transport)
    assert peer_server.peers[-1] == "127.0.0.3"

    bad_option = [(socket.SOL_SOCKET, 123456, 1)]  # refused by setsockopt()
    for proxy in (peer_server.url, peer_server.url.replace("http://", "socks5://")):
        transport = harness.transport_class(mode)(proxy=proxy, socket_options=bad_option)

        async def failing(client: typing.Any) -> None:
            with pytest.raises(httpx.ConnectError):
                await client.get("http://origin.test/flaky/proxied")

        harness.run(mode, failing, transport=transport)
