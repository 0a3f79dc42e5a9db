"""The hostile server, once per session, for every test in tests/hostile/."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest

from tests.hostile.server import HostileServer
from tests.servers.fixtures import TLSFiles


@pytest.fixture(scope="session")
def hostile(tls_files: TLSFiles) -> Iterator[HostileServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files.server_cert, tls_files.server_key)
    context.set_alpn_protocols(["h2", "http/1.1"])
    server = HostileServer(context).start()
    yield server
    server.stop()
