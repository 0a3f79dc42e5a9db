"""What the transports know of httpcore beyond its public API (_httpcore_seam.py): the
fallback to httpcore's stock pools, and test suites' patches of httpcore's network
backends (issue 11: respx patches ``connect_tcp`` to make passed-through requests fail).
"""

from __future__ import annotations

import subprocess
import sys
import typing
from unittest import mock

import httpcore
import pytest

import httpx
from httpx._transports import _httpcore_seam, support
from httpx._transports.pool import POOL_ATTRIBUTES, AsyncPool, Pool
from tests.harness import MODES, run

# --- the fallback to httpcore's stock pools ---------------------------------------------------


@pytest.fixture
def stock_pools(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the httpcore installed no longer allowed our pools to subclass its own."""
    monkeypatch.setattr(support, "pool_subclassing_supported", lambda *args: False)


@pytest.mark.parametrize("mode", MODES)
def test_requests_through_httpcores_stock_pools(
    mode: str, stock_pools: None, server: typing.Any
) -> None:
    async def scenario(client: typing.Any) -> None:
        pool = client._transport._pool
        assert type(pool) in (httpcore.ConnectionPool, httpcore.AsyncConnectionPool)
        for _ in range(3):
            response = await client.get(server.url_for("/json"))
            assert response.status_code == 200 and response.json() == {"Hello": "world!"}
        async with client.stream("GET", server.url_for("/stream/3")) as response:
            assert [line async for line in response.aiter_lines()][-1] == '{"chunk": 2}'
        posted = await client.post(server.url_for("/echo_body"), content=b"body")
        assert posted.content == b"body"
        assert len(pool.connections) == 1

    run(mode, scenario)


def test_stock_proxy_pools(stock_pools: None, http_proxy: typing.Any, server: typing.Any) -> None:
    with httpx.Client(proxy=http_proxy.url) as client:
        transport = client._transport_for_url(httpx.URL(server.url))
        assert type(transport._pool) is httpcore.HTTPProxy
        assert client.get(server.url_for("/json")).status_code == 200


def test_what_makes_subclassing_unsafe() -> None:
    assert _httpcore_seam.pool_subclassing_supported(Pool, POOL_ATTRIBUTES)
    assert _httpcore_seam.pool_subclassing_supported(AsyncPool, POOL_ATTRIBUTES)
    # One of our attributes is one httpcore's pool sets on itself.
    assert not _httpcore_seam.pool_subclassing_supported(Pool, POOL_ATTRIBUTES | {"_requests"})

    # A public method of httpcore's pool that ours would inherit (a newer httpcore's).
    class Inheriting(Pool):
        pass

    del_create = {name: value for name, value in vars(Pool).items() if name != "create_connection"}
    Partial = type("Partial", (httpcore.ConnectionPool,), del_create)  # noqa: N806
    assert _httpcore_seam.pool_subclassing_supported(Inheriting, POOL_ATTRIBUTES)
    assert not _httpcore_seam.pool_subclassing_supported(Partial, POOL_ATTRIBUTES)

    # A private method of ours that would replace one of httpcore's.
    class Clashing(Pool):
        def _assign_requests_to_connections(self) -> list[typing.Any]:  # pragma: no cover
            return []

    assert not _httpcore_seam.pool_subclassing_supported(Clashing, POOL_ATTRIBUTES)


def test_bodies_httpcore_built_from_bytes() -> None:
    request = httpcore.Request("POST", "http://example.org/", content=b"payload")
    assert _httpcore_seam.httpcore_byte_stream_content(request.stream) == b"payload"
    assert _httpcore_seam.httpcore_byte_stream_content(iter([b"x"])) is None


# --- patched network backends ------------------------------------------------------------------

SYNC_TARGETS = ["httpcore._backends.sync.SyncBackend"]
ASYNCIO_TARGETS = ["httpcore._backends.anyio.AnyIOBackend", "httpcore._backends.auto.AutoBackend"]
TRIO_TARGETS = ["httpcore._backends.trio.TrioBackend", "httpcore._backends.auto.AutoBackend"]


def targets(mode: str) -> list[str]:
    return {"sync": SYNC_TARGETS, "asyncio": ASYNCIO_TARGETS, "trio": TRIO_TARGETS}[mode]


@pytest.mark.parametrize(
    ("mode", "target_class"), [(mode, target) for mode in MODES for target in targets(mode)]
)
def test_a_patched_connect_tcp_is_used(mode: str, target_class: str, server: typing.Any) -> None:
    target = target_class + ".connect_tcp"
    with mock.patch(target, side_effect=httpcore.ConnectError("patched connect")) as patched:

        async def scenario(client: typing.Any) -> None:
            with pytest.raises(httpx.ConnectError, match="patched connect"):
                await client.get(server.url)

        run(mode, scenario)
    assert patched.call_count == 1
    assert patched.call_args.kwargs["host"] == "127.0.0.1"


@pytest.mark.parametrize("mode", MODES)
def test_a_patched_connect_tcp_that_passes_through(mode: str, server: typing.Any) -> None:
    backends: dict[str, type[httpcore.NetworkBackend | httpcore.AsyncNetworkBackend]] = {
        "sync": httpcore.SyncBackend,
        "asyncio": httpcore.AnyIOBackend,
        "trio": httpcore.TrioBackend,
    }
    target_class = backends[mode]
    with mock.patch.object(
        target_class, "connect_tcp", autospec=True, side_effect=target_class.connect_tcp
    ) as patched:

        async def scenario(client: typing.Any) -> None:
            assert (await client.get(server.url)).text == "Hello, world!"
            assert (await client.get(server.url)).text == "Hello, world!"

        run(mode, scenario)
    assert patched.call_count == 1  # one connection, reused


@pytest.mark.parametrize("mode", ["sync", "asyncio"])
def test_a_patched_connect_unix_socket_is_used(mode: str) -> None:
    target = targets(mode)[0] + ".connect_unix_socket"
    with mock.patch(target, side_effect=httpcore.ConnectError("patched unix")) as patched:

        async def scenario(client: typing.Any) -> None:
            with pytest.raises(httpx.ConnectError, match="patched unix"):
                await client.get("http://localhost/")

        transport = (httpx.HTTPTransport if mode == "sync" else httpx.AsyncHTTPTransport)(
            uds="/nonexistent.sock"
        )
        run(mode, scenario, transport=transport)
    assert patched.call_args.kwargs["path"] == "/nonexistent.sock"


def test_respx_pass_through_meets_a_patched_backend(server: typing.Any) -> None:
    # respx's own pass-through tests: the request is let through respx's patch of the
    # pools, and a patched connect_tcp then makes it fail.
    respx = pytest.importorskip("respx")
    for using in ("httpcore", "httpx"):
        with respx.mock(using=using) as router:
            router.route(host="127.0.0.1").pass_through()
            with mock.patch(
                "httpcore._backends.sync.SyncBackend.connect_tcp",
                side_effect=httpcore.ConnectError("no network here"),
            ):
                with pytest.raises(httpx.ConnectError, match="no network here"):
                    httpx.get(server.url)


# --- optional packages ----------------------------------------------------------------------------


def test_httpx_works_without_socksio_h2_and_httptools(server: typing.Any) -> None:
    script = f"""
import sys
for name in ("socksio", "h2", "httptools"):
    sys.modules[name] = None
import httpx
assert httpx.get({server.url!r}).text == "Hello, world!"
try:
    httpx.Client(proxy="socks5://127.0.0.1:1080")
except ImportError as exc:
    print(exc)
try:
    httpx.Client(http2=True)
except ImportError as exc:
    print(exc)
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Using SOCKS proxy, but the 'socksio' package is not installed. "
        "Make sure to install httpx using `pip install httpx[socks]`.",
        "Using http2=True, but the 'h2' package is not installed. "
        "Make sure to install httpx using `pip install httpx[http2]`.",
    ]
