"""The operating system's trust store, opt-in through truststore: `httpx.system_trust_store()`
and ``HTTPX_TRUST_STORE=system``.

On Linux truststore verifies with OpenSSL's default paths, which ``SSL_CERT_FILE`` names:
pointing it at the test CA is a temporary "system" store, so a real TLS handshake shows
which store was used. Elsewhere, the selection itself is checked.
"""

from __future__ import annotations

import ssl
import sys
import typing

import pytest

import httpx
from httpx._config import create_ssl_context, transport_ssl_context
from tests import harness
from tests.servers.run import HypercornServer

truststore = pytest.importorskip("truststore")
LINUX = sys.platform.startswith("linux")


def test_system_trust_store_is_a_new_context_of_truststore() -> None:
    first, second = httpx.system_trust_store(), httpx.system_trust_store()
    assert isinstance(first, truststore.SSLContext) and isinstance(first, ssl.SSLContext)
    assert first is not second
    assert first.verify_mode == ssl.CERT_REQUIRED and first.check_hostname


@pytest.mark.skipif(not LINUX, reason="a temporary store needs OpenSSL's default paths")
def test_a_ca_installed_in_the_system_store_is_trusted(
    mode: str,
    tls_server: HypercornServer,
    ca_cert_pem_file: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def succeeds(client: typing.Any) -> None:
        assert (await client.get(tls_server.url)).status_code == 200

    async def fails(client: typing.Any) -> None:
        with pytest.raises(httpx.ConnectError, match="certificate"):
            await client.get(tls_server.url)

    # trust_env=False: httpx itself reads no CA location from the environment; what
    # verifies is the system store, which now holds the test CA.
    monkeypatch.setenv("SSL_CERT_FILE", ca_cert_pem_file)
    harness.run(mode, succeeds, verify=httpx.system_trust_store(), trust_env=False)
    monkeypatch.delenv("SSL_CERT_FILE")
    harness.run(mode, fails, verify=httpx.system_trust_store(), trust_env=False)


@pytest.mark.skipif(not LINUX, reason="a temporary store needs OpenSSL's default paths")
@pytest.mark.parametrize("store", ["system", ""])
def test_the_environment_switches_clients_to_the_system_store(
    mode: str,
    store: str,
    tls_server: HypercornServer,
    ca_cert_pem_file: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The client is made before the test CA is "installed": httpx's own verification
    # (certifi here) loads its CAs then, while the system store is consulted at each
    # handshake, and so sees the CA installed since.
    async def scenario(client: typing.Any) -> None:
        monkeypatch.setenv("SSL_CERT_FILE", ca_cert_pem_file)
        if store == "system":
            assert (await client.get(tls_server.url)).status_code == 200
        else:
            with pytest.raises(httpx.ConnectError, match="certificate"):
                await client.get(tls_server.url)

    monkeypatch.setenv("HTTPX_TRUST_STORE", store)
    harness.run(mode, scenario)


def test_selection() -> None:
    def kind(context: ssl.SSLContext) -> str:
        return "system" if isinstance(context, truststore.SSLContext) else "default"

    with pytest.MonkeyPatch.context() as patch:
        assert kind(transport_ssl_context(True, None, True)) == "default"
        patch.setenv("HTTPX_TRUST_STORE", "system")
        assert kind(transport_ssl_context(True, None, True)) == "system"
        assert kind(transport_ssl_context(True, None, True, http2=True)) == "system"
        assert kind(create_ssl_context()) == "system"
        # trust_env=False ignores the environment; an explicit verify= is never replaced.
        assert kind(transport_ssl_context(True, None, False)) == "default"
        assert transport_ssl_context(False, None, True).verify_mode == ssl.CERT_NONE
        own = ssl.create_default_context()
        assert transport_ssl_context(own, None, True) is own
        patch.setenv("HTTPX_TRUST_STORE", "certifi")
        assert kind(transport_ssl_context(True, None, True)) == "default"
        patch.setenv("HTTPX_TRUST_STORE", "sytsem")
        with pytest.raises(ValueError, match="HTTPX_TRUST_STORE"):
            httpx.Client()
        httpx.Client(trust_env=False).close()


def test_without_truststore_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "truststore", None)
    with pytest.raises(ImportError, match=r"httpx\[truststore\]"):
        httpx.system_trust_store()
    monkeypatch.setenv("HTTPX_TRUST_STORE", "system")
    with pytest.raises(ImportError, match=r"httpx\[truststore\]"):
        create_ssl_context()
