"""The hostile server, once per session, for every test in tests/hostile/."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest

from tests.conftest import available_http1_engines
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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The HTTP/1.1 cases run with each response engine (tests/conftest.py), but over TLS
    only with the default one: TLS changes how the bytes arrive, not how they are parsed,
    and the reference engine (h11) plays every case in cleartext. That keeps the suite
    near a minute."""
    if available_http1_engines() == ["h11"]:
        return
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec is not None else {}
        proto = params.get("proto")
        if params.get("http1_engine") == "h11" and proto is not None and proto.tls:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
