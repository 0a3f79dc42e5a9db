import os

import pytest

from tests.servers.fixtures import *  # noqa: F403  (session servers: server, tls_server, ...)
from tests.servers.websocket_fixtures import *  # noqa: F403  (websocket_server, ...)

PROXY_VARIABLES = [
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "SSLKEYLOGFILE",
]


@pytest.fixture(
    params=[
        pytest.param("asyncio", id="asyncio"),
        pytest.param("trio", id="trio"),
    ]
)
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every `@pytest.mark.anyio` test runs once on asyncio and once on trio."""
    return request.param


@pytest.fixture(params=["sync", "asyncio", "trio"])
def mode(request: pytest.FixtureRequest) -> str:
    """Client tests built on tests.harness.run: `Client`, and `AsyncClient` on asyncio
    and on trio."""
    return str(request.param)


@pytest.fixture(autouse=True)
def hermetic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests talk to 127.0.0.1 only: a proxy or CA bundle from the developer's shell must
    # not change what they do. Tests that exercise these variables set them explicitly.
    for name in PROXY_VARIABLES:
        for variant in (name, name.lower()):
            if variant in os.environ:
                monkeypatch.delenv(variant)
