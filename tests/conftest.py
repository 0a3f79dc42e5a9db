import importlib.util
import os

import pytest

from httpx._transports.http11 import ENGINE_VARIABLE
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
    "HTTPX_TRUST_STORE",
]


@pytest.fixture(
    params=[
        pytest.param("asyncio", id="asyncio"),
        pytest.param("trio", id="trio"),
    ]
)
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every `@pytest.mark.anyio` test runs once on asyncio and once on trio."""
    return str(request.param)


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


# --- HTTP/1.1 engines -------------------------------------------------------------------

# Test modules about HTTP/1.1 on the wire: each of their tests runs once per response
# engine (h11, and httptools when it is installed), chosen through the environment
# variable the transports read when they are created.
HTTP11_MODULES = {
    "tests.transports.http11.test_http11_connection",
    "tests.transports.test_transport_default",
    "tests.transports.pool.test_pool",
    "tests.transports.pool.test_reliability_cancellation",
    "tests.test_reliability_deadline",
    "tests.transports.pool.test_reliability_dropped",
    "tests.test_reliability_faults",
    "tests.transports.pool.test_reliability_threads",
    # The hostile server's HTTP/1.1 cases (tests/hostile/).
    "tests.hostile.test_h1_bodies",
    "tests.hostile.test_h1_chunked",
    "tests.hostile.test_h1_desync",
    "tests.hostile.test_h1_heads",
}


def available_http1_engines() -> list[str]:
    engines = ["h11"]
    if importlib.util.find_spec("httptools") is not None:
        engines.append("httptools")
    return engines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.module.__name__ in HTTP11_MODULES:
        metafunc.parametrize("http1_engine", available_http1_engines(), indirect=True)


@pytest.fixture(autouse=True)
def http1_engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str | None:
    """The HTTP/1.1 response engine forced for this test (None: the default choice)."""
    engine: str | None = getattr(request, "param", None)
    if engine is not None:
        monkeypatch.setenv(ENGINE_VARIABLE, engine)
    else:
        monkeypatch.delenv(ENGINE_VARIABLE, raising=False)
    return engine
