"""Session-scoped pytest fixtures for the real test servers.

tests/conftest.py pulls them in with `from tests.servers.fixtures import *`. Each server
starts once per session, on demand (the first test that asks for it), and is stopped at
the end of the session.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme

from tests.servers.faults import FaultServer
from tests.servers.proxy import ForwardProxy
from tests.servers.run import HypercornServer, UvicornServer

# Only the fixtures: this is what `import *` brings into conftest.
__all__ = [
    "ca_cert_pem_file",
    "cert_authority",
    "client_cert",
    "client_cert_pem_file",
    "fault_server",
    "http_proxy",
    "http_proxy_with_auth",
    "https_proxy",
    "mtls_server",
    "server",
    "socks5_proxy",
    "socks5_proxy_with_auth",
    "tls_files",
    "tls_server",
]

PROXY_CREDENTIALS = ("proxy-user", "proxy-password")


@dataclass(frozen=True)
class TLSFiles:
    """PEM files written by trustme for one session."""

    ca_cert: str
    server_cert: str  # server certificate chain for localhost, 127.0.0.1 and ::1
    server_key: str
    client_cert: str  # client certificate chain (clientAuth), for mutual TLS
    client_key: str
    client_combined: str  # key + chain in one file


@pytest.fixture(scope="session")
def cert_authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def tls_files(cert_authority: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    directory: Path = tmp_path_factory.mktemp("tls")
    server = cert_authority.issue_cert("localhost", "127.0.0.1", "::1")
    client = cert_authority.issue_cert("client@example.org")
    files = TLSFiles(
        ca_cert=str(directory / "ca.pem"),
        server_cert=str(directory / "server.pem"),
        server_key=str(directory / "server.key"),
        client_cert=str(directory / "client.pem"),
        client_key=str(directory / "client.key"),
        client_combined=str(directory / "client-combined.pem"),
    )
    cert_authority.cert_pem.write_to_path(files.ca_cert)
    for blob in server.cert_chain_pems:
        blob.write_to_path(files.server_cert, append=True)
    server.private_key_pem.write_to_path(files.server_key)
    for blob in client.cert_chain_pems:
        blob.write_to_path(files.client_cert, append=True)
    client.private_key_pem.write_to_path(files.client_key)
    client.private_key_and_cert_chain_pem.write_to_path(files.client_combined)
    return files


@pytest.fixture(scope="session")
def ca_cert_pem_file(tls_files: TLSFiles) -> str:
    """Path of the test CA's certificate (PEM): what clients should trust."""
    return tls_files.ca_cert


@pytest.fixture(scope="session")
def client_cert(tls_files: TLSFiles) -> tuple[str, str]:
    """(certfile, keyfile) of a client certificate the test CA issued; mtls_server accepts it."""
    return tls_files.client_cert, tls_files.client_key


@pytest.fixture(scope="session")
def client_cert_pem_file(tls_files: TLSFiles) -> str:
    """The client key and certificate chain in one PEM file."""
    return tls_files.client_combined


def _trusting_context(ca_cert: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_cert)


def _server_context(files: TLSFiles) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files.server_cert, files.server_key)
    return context


@pytest.fixture(scope="session")
def server() -> Iterator[UvicornServer]:
    """uvicorn, plain HTTP/1.1, serving tests.servers.app. .url is "http://127.0.0.1:PORT/"."""
    running = UvicornServer().start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def tls_server(tls_files: TLSFiles) -> Iterator[HypercornServer]:
    """hypercorn over TLS with ALPN h2 + http/1.1. .url is "https://localhost:PORT/",
    .ip_url "https://127.0.0.1:PORT/" (the certificate covers both)."""
    running = HypercornServer(
        tls_files.server_cert, tls_files.server_key, _trusting_context(tls_files.ca_cert)
    ).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def mtls_server(tls_files: TLSFiles) -> Iterator[UvicornServer]:
    """uvicorn over TLS (HTTP/1.1) that requires a client certificate from the test CA."""
    running = UvicornServer(
        ssl_certfile=tls_files.server_cert,
        ssl_keyfile=tls_files.server_key,
        ssl_ca_certs=tls_files.ca_cert,
        ssl_cert_reqs=ssl.CERT_REQUIRED,
    ).start()
    yield running
    running.stop()


def _proxy_fixture(proxy: ForwardProxy) -> Iterator[ForwardProxy]:
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def http_proxy() -> Iterator[ForwardProxy]:
    """HTTP proxy (CONNECT + absolute-form). .url "http://127.0.0.1:PORT", .stats counters."""
    yield from _proxy_fixture(ForwardProxy("http"))


@pytest.fixture(scope="session")
def https_proxy(tls_files: TLSFiles) -> Iterator[ForwardProxy]:
    """The HTTP proxy spoken to over TLS. .url "https://localhost:PORT" (trust the test CA)."""
    yield from _proxy_fixture(ForwardProxy("http", ssl_context=_server_context(tls_files)))


@pytest.fixture(scope="session")
def http_proxy_with_auth() -> Iterator[ForwardProxy]:
    """HTTP proxy requiring Basic proxy auth; .url has the credentials, .credentials too."""
    yield from _proxy_fixture(ForwardProxy("http", credentials=PROXY_CREDENTIALS))


@pytest.fixture(scope="session")
def socks5_proxy() -> Iterator[ForwardProxy]:
    """SOCKS5 proxy, no auth. .url "socks5://127.0.0.1:PORT"."""
    yield from _proxy_fixture(ForwardProxy("socks5"))


@pytest.fixture(scope="session")
def socks5_proxy_with_auth() -> Iterator[ForwardProxy]:
    """SOCKS5 proxy requiring RFC 1929 username/password; .url has the credentials."""
    yield from _proxy_fixture(ForwardProxy("socks5", credentials=PROXY_CREDENTIALS))


@pytest.fixture(scope="session")
def fault_server() -> Iterator[FaultServer]:
    """Misbehaving raw server: .url_for_mode("reset"), ... (see faults.MODES), plus
    .refused_url (ConnectError) and .connect_timeout_url (ConnectTimeout)."""
    running = FaultServer().start()
    yield running
    running.stop()
