"""HTTPTransport / AsyncHTTPTransport against real local servers, and the one mapping from
httpcore's exceptions to ours.

Servers come from tests/servers (session fixtures): `server` (uvicorn, HTTP/1.1),
`tls_server` (hypercorn, TLS with ALPN h2), the proxies and `fault_server`.
"""

from __future__ import annotations

import contextlib
import gc
import json
import socket
import ssl
import sys
import threading
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpcore
import pytest
import uvicorn

import httpx
from httpx._transports.default import (
    HTTPCORE_EXC_MAP,
    AsyncResponseStream,
    ResponseStream,
    map_httpcore_exceptions,
)
from httpx._transports.pool import (
    AsyncHTTPProxyPool,
    AsyncPool,
    AsyncSOCKSProxyPool,
    HTTPProxyPool,
    Pool,
    SOCKSProxyPool,
)
from tests.servers.app import app as asgi_app
from tests.servers.faults import PARTIAL_BODY

SHORT = {"connect": 2.0, "read": 2.0, "write": 2.0, "pool": 2.0}


def get(url: str, timeout: dict[str, float] | None = None, **kwargs: Any) -> httpx.Request:
    return httpx.Request("GET", url, extensions={"timeout": timeout or SHORT}, **kwargs)


def trusting(ca_cert: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_cert)


def read_sync(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
    response = transport.handle_request(request)
    try:
        response.read()
    finally:
        response.close()
    return response


async def read_async(
    transport: httpx.AsyncHTTPTransport, request: httpx.Request
) -> httpx.Response:
    response = await transport.handle_async_request(request)
    try:
        await response.aread()
    finally:
        await response.aclose()
    return response


def idle_and_active(
    pool: httpcore.ConnectionPool | httpcore.AsyncConnectionPool,
) -> tuple[int, int]:
    connections = pool.connections
    idle = sum(1 for connection in connections if connection.is_idle())
    return idle, len(connections) - idle


# --- the exception table -------------------------------------------------------------------

EXPECTED_MAPPING = [
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
]


@pytest.mark.parametrize(("raised", "expected"), EXPECTED_MAPPING)
def test_map_httpcore_exceptions_table(raised: type[Exception], expected: type[Exception]) -> None:
    original = raised("the message")
    with pytest.raises(httpx.TransportError) as info:
        with map_httpcore_exceptions():
            raise original
    assert type(info.value) is expected
    assert str(info.value) == "the message"
    assert info.value.__cause__ is original
    with pytest.raises(RuntimeError):
        info.value.request  # noqa: B018  (no request given: none attached)


def test_mapping_table_covers_every_httpcore_exception() -> None:
    # Every public httpcore exception except the pool-internal ConnectionNotAvailable.
    public = {
        value
        for name, value in vars(httpcore).items()
        if isinstance(value, type) and issubclass(value, Exception)
    }
    assert public - set(HTTPCORE_EXC_MAP) == {httpcore.ConnectionNotAvailable}


def test_mapping_attaches_request_and_prefers_the_most_specific_class() -> None:
    class CustomReadTimeout(httpcore.ReadTimeout):
        pass

    request = httpx.Request("GET", "https://example.org/")
    with pytest.raises(httpx.ReadTimeout) as info:
        with map_httpcore_exceptions(request):
            raise CustomReadTimeout("slow")
    assert type(info.value) is httpx.ReadTimeout
    assert info.value.request is request


def test_h2_protocol_errors_escaping_httpcore_are_mapped() -> None:
    h2_exceptions = pytest.importorskip("h2.exceptions")
    request = httpx.Request("GET", "https://example.org/")
    with pytest.raises(httpx.LocalProtocolError, match="HTTP/2 protocol error: closed") as info:
        with map_httpcore_exceptions(request):
            raise h2_exceptions.ProtocolError("closed")
    assert info.value.request is request
    assert isinstance(info.value.__cause__, h2_exceptions.ProtocolError)


@pytest.mark.parametrize(
    "exc",
    [ValueError("not httpcore's"), httpx.ReadError("already ours"), KeyboardInterrupt()],
    ids=["ValueError", "httpx-error", "KeyboardInterrupt"],
)
def test_other_exceptions_pass_through_unchanged(exc: BaseException) -> None:
    with pytest.raises(type(exc)) as info:
        with map_httpcore_exceptions():
            raise exc
    assert info.value is exc


def test_response_stream_maps_errors_while_iterating_and_closing() -> None:
    request = httpx.Request("GET", "https://example.org/")

    class Failing:
        def __iter__(self) -> Iterator[bytes]:
            yield b"part"
            raise httpcore.ReadError("connection lost")

        def close(self) -> None:
            raise httpcore.WriteError("could not close")

    stream = ResponseStream(Failing(), request)
    parts = []
    with pytest.raises(httpx.ReadError, match="connection lost") as info:
        for part in stream:
            parts.append(part)
    assert parts == [b"part"]
    assert info.value.request is request
    with pytest.raises(httpx.WriteError, match="could not close"):
        stream.close()
    ResponseStream([b"no close method"]).close()  # streams without close() are fine


@pytest.mark.anyio
async def test_async_response_stream_maps_errors_while_iterating_and_closing() -> None:
    class Failing:
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield b"part"
            raise httpcore.RemoteProtocolError("bad chunk")

        async def aclose(self) -> None:
            raise httpcore.ReadError("could not close")

    stream = AsyncResponseStream(Failing())
    parts = []
    with pytest.raises(httpx.RemoteProtocolError, match="bad chunk"):
        async for part in stream:
            parts.append(part)
    assert parts == [b"part"]
    with pytest.raises(httpx.ReadError, match="could not close"):
        await stream.aclose()


# --- construction ----------------------------------------------------------------------------
# (The signatures are compared with httpx 0.28 in tests/test_api_surface.py.)


def test_pool_classes() -> None:
    sync = httpx.HTTPTransport()
    assert isinstance(sync._pool, httpcore.ConnectionPool)
    assert type(sync._pool) is Pool
    asynchronous = httpx.AsyncHTTPTransport()
    assert isinstance(asynchronous._pool, httpcore.AsyncConnectionPool)
    assert type(asynchronous._pool) is AsyncPool

    for proxy in (
        "http://127.0.0.1:3128",
        httpx.URL("https://localhost:3129"),
        httpx.Proxy("http://localhost:1"),
    ):
        assert type(httpx.HTTPTransport(proxy=proxy)._pool) is HTTPProxyPool
        pool = httpx.AsyncHTTPTransport(proxy=proxy)._pool
        assert type(pool) is AsyncHTTPProxyPool
        assert isinstance(pool, httpcore.AsyncHTTPProxy)
    for url in ("socks5://127.0.0.1:1080", "socks5h://127.0.0.1:1080"):
        assert isinstance(httpx.HTTPTransport(proxy=url)._pool, httpcore.SOCKSProxy)
        assert type(httpx.HTTPTransport(proxy=url)._pool) is SOCKSProxyPool
        assert type(httpx.AsyncHTTPTransport(proxy=url)._pool) is AsyncSOCKSProxyPool


def test_limits_and_options_reach_the_pool() -> None:
    limits = httpx.Limits(max_connections=7, max_keepalive_connections=3, keepalive_expiry=1.5)
    options = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    pool = httpx.HTTPTransport(
        limits=limits,
        uds="/tmp/x.sock",
        local_address="127.0.0.1",
        retries=2,
        socket_options=options,
    )._pool
    assert isinstance(pool, Pool)
    state = pool._pool_state
    assert (state._max_connections, state._max_keepalive, state._keepalive_expiry) == (7, 3, 1.5)
    connect = pool._connector.options
    assert (connect.uds, connect.local_address, connect.retries, connect.socket_options) == (
        "/tmp/x.sock",
        "127.0.0.1",
        2,
        options,
    )
    assert connect.keepalive_expiry == 1.5


@pytest.mark.parametrize("transport_class", [httpx.HTTPTransport, httpx.AsyncHTTPTransport])
def test_bad_proxies(transport_class: type[Any]) -> None:
    with pytest.raises(ValueError, match="ftp"):
        transport_class(proxy="ftp://127.0.0.1:21")
    proxy = httpx.Proxy("http://127.0.0.1:3128")
    proxy.url = httpx.URL("ftp://127.0.0.1:21")  # a mutated Proxy is still checked
    with pytest.raises(ValueError, match="Proxy protocol must be either"):
        transport_class(proxy=proxy)
    with pytest.raises(TypeError, match="proxy must be"):
        transport_class(proxy=3128)


@pytest.mark.parametrize("transport_class", [httpx.HTTPTransport, httpx.AsyncHTTPTransport])
def test_missing_optional_packages(
    transport_class: type[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "h2", None)
    # As httpx 0.28: built without h2; an HTTP/2 connection then fails, with httpx's
    # message (tests/test_optional_imports.py, in an interpreter that never loaded h2).
    transport_class(http2=True)
    transport_class(http2=False)
    monkeypatch.setitem(sys.modules, "socksio", None)
    with pytest.raises(ImportError, match=r"pip install httpx\[socks\]"):
        transport_class(proxy="socks5://127.0.0.1:1080")


def test_wrong_kind_of_body_stream() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"x"

    with pytest.raises(TypeError, match="AsyncHTTPTransport"):
        httpx.HTTPTransport().handle_request(
            httpx.Request("POST", "http://127.0.0.1:1/", content=chunks())
        )


@pytest.mark.anyio
async def test_wrong_kind_of_body_stream_async() -> None:
    with pytest.raises(TypeError, match="HTTPTransport"):
        await httpx.AsyncHTTPTransport().handle_async_request(
            httpx.Request("POST", "http://127.0.0.1:1/", content=iter([b"x"]))
        )


# --- requests against real servers -------------------------------------------------------------


def test_get_and_stream(server: Any) -> None:
    with httpx.HTTPTransport() as transport:
        response = read_sync(transport, get(server.url))
        assert response.status_code == 200
        assert response.extensions["http_version"] == b"HTTP/1.1"
        assert response.extensions["reason_phrase"] == b"OK"
        assert response.headers["content-type"].startswith("text/plain")

        # A streamed body holds its connection until the response is closed.
        response = transport.handle_request(get(server.url_for("/stream/3")))
        assert idle_and_active(transport._pool) == (0, 1)
        lines = [line for line in response.iter_lines()]
        assert [json.loads(line) for line in lines] == [{"chunk": 0}, {"chunk": 1}, {"chunk": 2}]
        response.close()
        assert idle_and_active(transport._pool) == (1, 0)

        body = bytes(range(256)) * 40
        post = httpx.Request(
            "POST", server.url_for("/echo_body"), content=iter([body[:5000], body[5000:]])
        )
        response = read_sync(transport, post)
        assert response.content == body
    assert transport._pool.connections == []


@pytest.mark.anyio
async def test_get_and_stream_async(server: Any) -> None:
    async with httpx.AsyncHTTPTransport() as transport:
        response = await read_async(transport, get(server.url))
        assert response.status_code == 200
        assert response.extensions["http_version"] == b"HTTP/1.1"

        response = await transport.handle_async_request(
            get(server.url_for("/bytes/100000?chunk_size=1000"))
        )
        assert idle_and_active(transport._pool) == (0, 1)
        received = b"".join([chunk async for chunk in response.aiter_raw()])
        assert received == (bytes(range(256)) * 400)[:100000]
        await response.aclose()
        assert idle_and_active(transport._pool) == (1, 0)

        async def chunks() -> AsyncIterator[bytes]:
            for index in range(10):
                yield b"%d," % index

        post = httpx.Request("POST", server.url_for("/echo_body"), content=chunks())
        response = await read_async(transport, post)
        assert response.content == b"0,1,2,3,4,5,6,7,8,9,"
    assert transport._pool.connections == []


@pytest.mark.anyio
async def test_http2_over_tls(tls_server: Any, ca_cert_pem_file: str) -> None:
    context = trusting(ca_cert_pem_file)
    async with httpx.AsyncHTTPTransport(verify=context, http2=True) as transport:
        response = await read_async(transport, get(tls_server.url_for("/http_version")))
        assert response.extensions["http_version"] == b"HTTP/2"
        assert response.text == "2"
    async with httpx.AsyncHTTPTransport(verify=context) as transport:
        response = await read_async(transport, get(tls_server.url_for("/http_version")))
        assert response.extensions["http_version"] == b"HTTP/1.1"


def test_http2_over_tls_sync(tls_server: Any, ca_cert_pem_file: str) -> None:
    with httpx.HTTPTransport(verify=trusting(ca_cert_pem_file), http2=True) as transport:
        for _ in range(3):
            response = read_sync(transport, get(tls_server.ip_url))
            assert response.extensions["http_version"] == b"HTTP/2"
        assert len(transport._pool.connections) == 1


def test_tls_verification_failure_is_connect_error(tls_server: Any) -> None:
    # The default context trusts certifi's roots, not the test CA.
    with httpx.HTTPTransport() as transport:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            transport.handle_request(get(tls_server.url))
    with httpx.HTTPTransport(verify=False) as transport:
        assert read_sync(transport, get(tls_server.url)).status_code == 200


# --- proxies ---------------------------------------------------------------------------------------


def test_http_proxy_forwards_absolute_form(http_proxy: Any, server: Any) -> None:
    before = http_proxy.stats.forwarded
    with httpx.HTTPTransport(proxy=http_proxy.url) as transport:
        response = read_sync(transport, get(server.url_for("/echo")))
    assert response.status_code == 200
    assert http_proxy.stats.forwarded == before + 1


@pytest.mark.anyio
async def test_http_proxy_tunnels_to_tls_server(
    http_proxy: Any, tls_server: Any, ca_cert_pem_file: str
) -> None:
    before = http_proxy.stats.tunnels
    transport = httpx.AsyncHTTPTransport(
        proxy=http_proxy.url, verify=trusting(ca_cert_pem_file), http2=True
    )
    async with transport:
        response = await read_async(transport, get(tls_server.url_for("/http_version")))
    assert response.extensions["http_version"] == b"HTTP/2"
    assert http_proxy.stats.tunnels == before + 1


@pytest.mark.anyio
async def test_https_proxy(https_proxy: Any, server: Any, ca_cert_pem_file: str) -> None:
    before = https_proxy.stats.forwarded
    proxy = httpx.Proxy(https_proxy.url, ssl_context=trusting(ca_cert_pem_file))
    async with httpx.AsyncHTTPTransport(proxy=proxy) as transport:
        response = await read_async(transport, get(server.url))
    assert response.status_code == 200
    assert https_proxy.stats.forwarded == before + 1


def test_proxy_auth(
    http_proxy_with_auth: Any, server: Any, tls_server: Any, ca_cert_pem_file: str
) -> None:
    context = trusting(ca_cert_pem_file)
    # Credentials in the URL become a Proxy-Authorization header.
    with httpx.HTTPTransport(proxy=http_proxy_with_auth.url, verify=context) as transport:
        assert read_sync(transport, get(server.url)).status_code == 200
        assert read_sync(transport, get(tls_server.url)).status_code == 200
    user, _ = http_proxy_with_auth.credentials
    wrong = httpx.Proxy(http_proxy_with_auth.url_without_auth, auth=(user, "wrong"))
    with httpx.HTTPTransport(proxy=wrong, verify=context) as transport:
        assert read_sync(transport, get(server.url)).status_code == 407
        # A refused CONNECT is a ProxyError, with the request attached.
        request = get(tls_server.url)
        with pytest.raises(httpx.ProxyError, match="407") as info:
            transport.handle_request(request)
        assert info.value.request is request


@pytest.mark.anyio
@pytest.mark.parametrize("scheme", ["socks5", "socks5h"])
async def test_socks5_proxy(socks5_proxy: Any, server: Any, scheme: str) -> None:
    before = socks5_proxy.stats.tunnels
    url = socks5_proxy.url.replace("socks5://", f"{scheme}://")
    async with httpx.AsyncHTTPTransport(proxy=url) as transport:
        response = await read_async(transport, get(server.url))
    assert response.status_code == 200
    assert socks5_proxy.stats.tunnels == before + 1


def test_socks5_proxy_auth(socks5_proxy_with_auth: Any, server: Any) -> None:
    with httpx.HTTPTransport(proxy=socks5_proxy_with_auth.url) as transport:
        assert read_sync(transport, get(server.url)).status_code == 200
    # httpcore 1.0.9's Socks5Connection never closes the socket of a failed handshake;
    # ours does (httpx/_transports/socks.py), so no ResourceWarning may surface here.
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        with httpx.HTTPTransport(proxy=socks5_proxy_with_auth.url_without_auth) as transport:
            with pytest.raises(httpx.ProxyError, match="NO ACCEPTABLE METHODS"):
                transport.handle_request(get(server.url))
        wrong = socks5_proxy_with_auth.url.replace(":proxy-password@", ":wrong@")
        with httpx.HTTPTransport(proxy=wrong) as transport:
            with pytest.raises(httpx.ProxyError, match="Invalid username/password"):
                transport.handle_request(get(server.url))
        gc.collect()


# --- timeouts -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def silent_server() -> Iterator[int]:
    """Accepts TCP connections and never reads from nor writes to them. Yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    with contextlib.suppress(OSError):
        listener.shutdown(socket.SHUT_RDWR)
    listener.close()
    thread.join(5)
    for sock in held:
        sock.close()


def bounded_upload() -> Iterator[bytes]:
    for _ in range(256):  # at most 256 MiB; the socket buffers fill up long before
        yield b"x" * (1 << 20)


def test_timeouts(silent_server: int, fault_server: Any) -> None:
    fast = {"connect": 0.2, "read": 0.2, "write": 0.2, "pool": 0.2}
    with httpx.HTTPTransport() as transport:
        # The TLS handshake counts as connecting.
        with pytest.raises(httpx.ConnectTimeout):
            transport.handle_request(get(f"https://127.0.0.1:{silent_server}/", fast))
        upload = httpx.Request(
            "POST",
            f"http://127.0.0.1:{silent_server}/",
            content=bounded_upload(),
            extensions={"timeout": fast},
        )
        with pytest.raises(httpx.WriteTimeout):
            transport.handle_request(upload)
        with pytest.raises(httpx.ReadTimeout):
            transport.handle_request(get(fault_server.url_for_mode("stall"), fast))
        request = get(fault_server.url_for_mode("stall-body"), fast)
        response = transport.handle_request(request)
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout) as info:
            response.read()
        assert time.monotonic() - started < 2
        assert info.value.request is request
        response.close()
        assert transport._pool.connections == []


@pytest.mark.anyio
async def test_timeouts_async(silent_server: int, fault_server: Any) -> None:
    fast = {"connect": 0.2, "read": 0.2, "write": 0.2, "pool": 0.2}

    async def upload() -> AsyncIterator[bytes]:
        for chunk in bounded_upload():
            yield chunk

    async with httpx.AsyncHTTPTransport() as transport:
        with pytest.raises(httpx.ConnectTimeout):
            await transport.handle_async_request(get(f"https://127.0.0.1:{silent_server}/", fast))
        request = httpx.Request(
            "PUT",
            f"http://127.0.0.1:{silent_server}/",
            content=upload(),
            extensions={"timeout": fast},
        )
        with pytest.raises(httpx.WriteTimeout):
            await transport.handle_async_request(request)
        with pytest.raises(httpx.ReadTimeout):
            await transport.handle_async_request(get(fault_server.url_for_mode("stall"), fast))
        response = await transport.handle_async_request(
            get(fault_server.url_for_mode("stall-body"), fast)
        )
        chunks = []
        with pytest.raises(httpx.ReadTimeout):
            async for chunk in response.aiter_raw():
                chunks.append(chunk)
        assert b"".join(chunks) == PARTIAL_BODY
        await response.aclose()
        assert transport._pool.connections == []


def test_pool_timeout(server: Any) -> None:
    fast = {"connect": 2.0, "read": 2.0, "write": 2.0, "pool": 0.2}
    with httpx.HTTPTransport(limits=httpx.Limits(max_connections=1)) as transport:
        held = transport.handle_request(get(server.url_for("/stream/2"), fast))
        request = get(server.url, fast)
        started = time.monotonic()
        with pytest.raises(httpx.PoolTimeout) as info:
            transport.handle_request(request)
        assert 0.15 < time.monotonic() - started < 2
        assert info.value.request is request
        held.close()
        assert read_sync(transport, get(server.url, fast)).status_code == 200


@pytest.mark.anyio
async def test_pool_timeout_async(server: Any) -> None:
    fast = {"connect": 2.0, "read": 2.0, "write": 2.0, "pool": 0.2}
    async with httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=1)) as transport:
        held = await transport.handle_async_request(get(server.url_for("/stream/2"), fast))
        with pytest.raises(httpx.PoolTimeout):
            await transport.handle_async_request(get(server.url, fast))
        await held.aclose()
        assert (await read_async(transport, get(server.url, fast))).status_code == 200
        assert len(transport._pool.connections) == 1


# --- faults --------------------------------------------------------------------------------------------

FAULTS = [
    ("reset", httpx.ReadError),
    ("close-before-response", httpx.RemoteProtocolError),
    ("close-mid-body", httpx.RemoteProtocolError),
    ("bad-status", httpx.RemoteProtocolError),
    ("bad-header", httpx.RemoteProtocolError),
    ("bad-chunk", httpx.RemoteProtocolError),
    ("garbage", httpx.RemoteProtocolError),
    ("stall", httpx.ReadTimeout),
    ("stall-body", httpx.ReadTimeout),
]


@pytest.mark.parametrize(("mode", "expected"), FAULTS)
def test_faults(
    mode: str, expected: type[httpx.RequestError], fault_server: Any, server: Any
) -> None:
    fast = {"connect": 2.0, "read": 0.3, "write": 2.0, "pool": 2.0}
    with httpx.HTTPTransport(limits=httpx.Limits(max_connections=1)) as transport:
        request = get(fault_server.url_for_mode(mode), fast)
        with pytest.raises(expected) as info:
            read_sync(transport, request)
        assert info.value.request is request
        assert isinstance(
            info.value.__cause__,
            httpcore.NetworkError | httpcore.ProtocolError | httpcore.TimeoutException,
        )
        # The failed connection is gone and the single slot is free for the next request.
        assert transport._pool.connections == []
        assert read_sync(transport, get(server.url)).status_code == 200


@pytest.mark.anyio
@pytest.mark.parametrize(("mode", "expected"), FAULTS)
async def test_faults_async(
    mode: str, expected: type[Exception], fault_server: Any, server: Any
) -> None:
    fast = {"connect": 2.0, "read": 0.3, "write": 2.0, "pool": 2.0}
    async with httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=1)) as transport:
        with pytest.raises(expected):
            await read_async(transport, get(fault_server.url_for_mode(mode), fast))
        assert transport._pool.connections == []
        assert (await read_async(transport, get(server.url))).status_code == 200


def test_connection_refused_and_retries(fault_server: Any) -> None:
    with httpx.HTTPTransport() as transport:
        with pytest.raises(httpx.ConnectError):
            transport.handle_request(get(fault_server.refused_url))
    # retries=2 retries after 0 s, then after 0.5 s (httpcore's backoff).
    with httpx.HTTPTransport(retries=2) as transport:
        started = time.monotonic()
        with pytest.raises(httpx.ConnectError):
            transport.handle_request(get(fault_server.refused_url))
        assert time.monotonic() - started >= 0.45


def test_unsupported_protocol() -> None:
    with httpx.HTTPTransport() as transport:
        request = httpx.Request("GET", "ftp://example.org/")
        with pytest.raises(httpx.UnsupportedProtocol, match="ftp") as info:
            transport.handle_request(request)
        assert info.value.request is request


def test_exceptions_from_the_request_body_pass_through(server: Any) -> None:
    class Boom(Exception):
        pass

    def body() -> Iterator[bytes]:
        yield b"start"
        raise Boom("from the body")

    with httpx.HTTPTransport() as transport:
        request = httpx.Request("POST", server.url_for("/echo_body"), content=body())
        with pytest.raises(Boom, match="from the body"):
            transport.handle_request(request)
        assert read_sync(transport, get(server.url)).status_code == 200


# --- socket options -----------------------------------------------------------------------------------


class _ThreadedUvicorn(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # signal handlers belong to pytest's main thread


@pytest.fixture
def uds_server(tmp_path: Path) -> Iterator[str]:
    path = str(tmp_path / "uvicorn.sock")
    config = uvicorn.Config(
        asgi_app, uds=path, lifespan="off", log_level="warning", access_log=False
    )
    running = _ThreadedUvicorn(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    yield path
    running.should_exit = True
    thread.join(5)


def test_uds(uds_server: str) -> None:
    with httpx.HTTPTransport(uds=uds_server) as transport:
        response = read_sync(transport, get("http://uds.example/echo"))
        assert response.status_code == 200
        assert dict(response.json()["headers"])["host"] == "uds.example"


@pytest.mark.anyio
async def test_uds_async(uds_server: str) -> None:
    async with httpx.AsyncHTTPTransport(uds=uds_server) as transport:
        response = await read_async(transport, get("http://localhost/"))
        assert response.status_code == 200


def test_local_address_and_socket_options(server: Any) -> None:
    options = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    with httpx.HTTPTransport(local_address="127.0.0.1", socket_options=options) as transport:
        response = transport.handle_request(get(server.url))
        sock = response.extensions["network_stream"].get_extra_info("socket")
        assert sock.getsockname()[0] == "127.0.0.1"
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        response.close()


# --- respx-style patching of httpcore's classes -----------------------------------------------------


def test_patching_httpcore_classes_intercepts_our_requests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[str, httpcore.Request]] = []

    def fake(name: str) -> Any:
        def handle_request(self: Any, request: httpcore.Request) -> httpcore.Response:
            seen.append((name, request))
            return httpcore.Response(201, headers=[(b"x-fake", b"1")], content=b"mocked")

        return handle_request

    monkeypatch.setattr(httpcore.ConnectionPool, "handle_request", fake("pool"))
    monkeypatch.setattr(httpcore.HTTPProxy, "handle_request", fake("proxy"))
    with httpx.HTTPTransport() as transport:
        response = read_sync(
            transport, httpx.Request("GET", "http://example.org:8080/a?b=c", headers={"x": "y"})
        )
    assert (response.status_code, response.content, response.headers["x-fake"]) == (
        201,
        b"mocked",
        "1",
    )
    with httpx.HTTPTransport(proxy="http://127.0.0.1:1") as transport:
        read_sync(transport, httpx.Request("GET", "https://example.org/"))
    [(first, request), (second, _)] = seen
    assert (first, second) == ("pool", "proxy")
    assert request.url == httpcore.URL("http://example.org:8080/a?b=c")
    assert (b"x", b"y") in request.headers


@pytest.mark.anyio
async def test_patching_httpcore_async_classes_intercepts_our_requests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[httpcore.Request] = []

    async def handle_async_request(self: Any, request: httpcore.Request) -> httpcore.Response:
        seen.append(request)
        raise httpcore.ConnectTimeout("patched")

    monkeypatch.setattr(httpcore.AsyncConnectionPool, "handle_async_request", handle_async_request)
    async with httpx.AsyncHTTPTransport() as transport:
        with pytest.raises(httpx.ConnectTimeout, match="patched"):
            await transport.handle_async_request(httpx.Request("GET", "https://example.org/"))
    assert [request.url.host for request in seen] == [b"example.org"]


@pytest.mark.anyio
async def test_cancelled_tls_handshake_closes_the_socket(silent_server: int) -> None:
    # httpcore's backends leave the socket to the garbage collector when the handshake is
    # cancelled; the transport's network backend closes it (no ResourceWarning at gc).
    async with httpx.AsyncHTTPTransport() as transport:
        for _ in range(3):
            with anyio.move_on_after(0.05) as scope:
                await transport.handle_async_request(get(f"https://127.0.0.1:{silent_server}/"))
            assert scope.cancelled_caught
        assert transport._pool.connections == []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
