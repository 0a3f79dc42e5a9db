"""Our connection pools (httpx/_transports/pool/) against real servers.

They must keep httpcore's pool semantics (limits, keep-alive, HTTP/2 sharing, pool
timeouts, FIFO queueing) while never rescanning the pool, and survive cancellation at any
await point without leaking connections or pool slots.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import httpcore
import pytest
from httpcore._async.connection_pool import AsyncPoolRequest
from httpcore._sync.connection_pool import PoolRequest

import httpx
from httpx._transports._httpcore_seam import pool_subclassing_supported
from httpx._transports.pool import POOL_ATTRIBUTES, AsyncPool, Pool
from httpx._transports.pool.async_connection import AsyncConnection
from httpx._transports.pool.async_pool import AsyncPoolRequest as OurAsyncPoolRequest
from httpx._transports.pool.state import PoolState
from httpx._transports.pool.sync_pool import PoolRequest as OurPoolRequest

TIMEOUT = {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}


def get(url: str, timeout: dict[str, float] | None = None) -> httpx.Request:
    return httpx.Request("GET", url, extensions={"timeout": timeout or TIMEOUT})


async def fetch(transport: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
    response = await transport.handle_async_request(request)
    try:
        await response.aread()
    finally:
        await response.aclose()
    return response


def fetch_sync(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
    response = transport.handle_request(request)
    try:
        response.read()
    finally:
        response.close()
    return response


def counts(pool: Any) -> tuple[int, int]:
    """(idle, busy) connections."""
    idle = sum(1 for connection in pool.connections if connection.is_idle())
    return idle, len(pool.connections) - idle


def check_index(pool: Any) -> None:
    """The pool's bookkeeping agrees with itself and with the connections."""
    index = pool._pool_state
    assert not index._released  # settled at the end of every event
    assert not set(index._assigned) & set(index._waiting)
    carried = Counter(index._assigned.values())
    assert {connection: n for connection, n in index._load.items() if n} == dict(carried)
    assert set(index._entry_of) == set(pool.connections)
    idle = set()
    for key, entry in index._origins.items():
        assert entry.key == key
        idle |= set(entry.idle)
        for connection in [*entry.idle, *entry.shared]:
            assert index._entry_of[connection] is entry
        for pool_request in entry.waiting:
            assert index._waiting[pool_request] is entry
    assert idle == set(index._idle_since)
    assert all(connection.is_idle() for connection in idle)
    assert sum(entry.connection_count for entry in index._origins.values()) == len(
        pool.connections
    )


def assert_quiet(pool: Any, limits: httpx.Limits) -> None:
    """No request in flight: every connection idle, within both limits."""
    assert pool._pool_state.requests == 0
    idle, busy = counts(pool)
    assert busy == 0, pool.connections
    assert idle <= (limits.max_keepalive_connections or idle)
    assert len(pool.connections) <= (limits.max_connections or len(pool.connections))
    check_index(pool)


# --- httpcore's classes on the outside ----------------------------------------------------


def test_our_pools_are_httpcores_pool_classes() -> None:
    assert issubclass(AsyncPool, httpcore.AsyncConnectionPool)
    assert issubclass(Pool, httpcore.ConnectionPool)
    # ... in a way the httpcore installed allows (see _httpcore_seam.py).
    assert pool_subclassing_supported(AsyncPool, POOL_ATTRIBUTES)
    assert pool_subclassing_supported(Pool, POOL_ATTRIBUTES)


@pytest.mark.anyio
async def test_patching_httpcore_pool_intercepts_transport_requests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[str, bytes]] = []

    async def handle_async_request(self: Any, request: httpcore.Request) -> httpcore.Response:
        seen.append((type(self).__name__, request.url.target))
        return httpcore.Response(200, content=b"async mock")

    def handle_request(self: Any, request: httpcore.Request) -> httpcore.Response:
        seen.append((type(self).__name__, request.url.target))
        return httpcore.Response(200, content=b"sync mock")

    monkeypatch.setattr(httpcore.AsyncConnectionPool, "handle_async_request", handle_async_request)
    monkeypatch.setattr(httpcore.ConnectionPool, "handle_request", handle_request)
    async with httpx.AsyncHTTPTransport() as transport:
        response = await fetch(transport, get("http://example.org/async?x=1"))
        assert response.content == b"async mock"
    with httpx.HTTPTransport() as sync_transport:
        assert fetch_sync(sync_transport, get("http://example.org/sync")).content == b"sync mock"
    assert seen == [("AsyncPool", b"/async?x=1"), ("Pool", b"/sync")]


# --- pool semantics ------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_limits_hold_under_concurrency(server: Any) -> None:
    limits = httpx.Limits(max_connections=5, max_keepalive_connections=3)
    peak = 0
    async with httpx.AsyncHTTPTransport(limits=limits) as transport:
        pool = transport._pool

        async def one(index: int) -> None:
            nonlocal peak
            response = await transport.handle_async_request(get(server.url_for(f"/bytes/{index}")))
            peak = max(peak, len(pool.connections))
            assert len(await response.aread()) == index
            await response.aclose()
            peak = max(peak, len(pool.connections))

        async with anyio.create_task_group() as group:
            for index in range(60):
                group.start_soon(one, index)
        assert peak == 5
        assert_quiet(pool, limits)
        assert counts(pool) == (3, 0)


def test_sequential_requests_reuse_the_connection(server: Any) -> None:
    with httpx.HTTPTransport() as transport:
        fetch_sync(transport, get(server.url))
        [first] = transport._pool.connections
        for _ in range(5):
            fetch_sync(transport, get(server.url))
        assert transport._pool.connections == [first]


def test_keepalive_expiry(server: Any) -> None:
    with httpx.HTTPTransport(limits=httpx.Limits(keepalive_expiry=0.1)) as transport:
        fetch_sync(transport, get(server.url))
        [first] = transport._pool.connections
        time.sleep(0.25)
        fetch_sync(transport, get(server.url))
        [second] = transport._pool.connections
        assert second is not first
        assert first.is_closed()


def test_max_keepalive_zero_closes_idle_connections(server: Any) -> None:
    limits = httpx.Limits(max_keepalive_connections=0)
    with httpx.HTTPTransport(limits=limits) as transport:
        response = transport.handle_request(get(server.url))
        [connection] = transport._pool.connections
        response.read()
        response.close()
        assert transport._pool.connections == []
        assert connection.is_closed()


def test_idle_connection_of_another_origin_makes_room(server: Any) -> None:
    # 127.0.0.1 and localhost are different origins on the same server.
    other_origin = server.url.replace("127.0.0.1", "localhost")
    with httpx.HTTPTransport(limits=httpx.Limits(max_connections=1)) as transport:
        fetch_sync(transport, get(server.url))
        [first] = transport._pool.connections
        response = fetch_sync(transport, get(other_origin, {**TIMEOUT, "pool": 0.5}))
        assert response.status_code == 200
        [second] = transport._pool.connections
        assert second is not first and first.is_closed()


def test_connection_closed_by_the_server_leaves_the_pool(fault_server: Any) -> None:
    with httpx.HTTPTransport() as transport:
        # Unknown fault paths answer 404 with "Connection: close".
        assert fetch_sync(transport, get(fault_server.url_for("/nothing-here"))).status_code == 404
        assert transport._pool.connections == []


@pytest.mark.anyio
async def test_queue_is_fifo_across_origins(server: Any) -> None:
    origin_a = server.url
    origin_b = server.url.replace("127.0.0.1", "localhost")
    finished: list[str] = []
    async with httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=1)) as transport:
        pool = transport._pool
        assert isinstance(pool, AsyncPool)
        held = await transport.handle_async_request(get(origin_a + "stream/1"))

        async def one(name: str, url: str) -> None:
            await fetch(transport, get(url))
            finished.append(name)

        async def queued(n: int) -> None:
            while pool._pool_state.queued < n:
                await anyio.sleep(0.001)

        async with anyio.create_task_group() as group:
            group.start_soon(one, "b", origin_b)
            await queued(1)
            group.start_soon(one, "a", origin_a)
            await queued(2)
            await held.aclose()
        # b asked first, so it goes first, although a could have reused the connection.
        assert finished == ["b", "a"]


@pytest.mark.anyio
async def test_http2_requests_share_one_connection(tls_server: Any, ca_cert_pem_file: str) -> None:
    context = ssl.create_default_context(cafile=ca_cert_pem_file)
    async with httpx.AsyncHTTPTransport(verify=context, http2=True) as transport:
        versions: list[bytes] = []

        async def one() -> None:
            response = await fetch(transport, get(tls_server.url_for("/slow_headers?delay=0.02")))
            versions.append(response.extensions["http_version"])

        for _burst in range(3):
            versions.clear()
            async with anyio.create_task_group() as group:
                for _ in range(20):
                    group.start_soon(one)
            assert versions == [b"HTTP/2"] * 20
            # Also on later bursts, when the connection starts out idle.
            assert len(transport._pool.connections) == 1


@pytest.mark.anyio
async def test_maybe_http2_connection_that_turns_out_http1(
    mtls_server: Any,
    ca_cert_pem_file: str,
    client_cert: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With http2=True a new TLS connection may become HTTP/2, so requests queue up on it
    # while it connects; this server only speaks HTTP/1.1, so the connection hands all but
    # one back (ConnectionNotAvailable) and the pool must requeue them.
    requeues = 0
    original = PoolState.requeue

    def counting(self: Any, pool_request: Any) -> Any:
        nonlocal requeues
        requeues += 1
        return original(self, pool_request)

    monkeypatch.setattr(PoolState, "requeue", counting)
    context = ssl.create_default_context(cafile=ca_cert_pem_file)
    context.load_cert_chain(*client_cert)
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
    async with httpx.AsyncHTTPTransport(verify=context, http2=True, limits=limits) as transport:
        versions: list[bytes] = []

        async def one() -> None:
            versions.append(
                (await fetch(transport, get(mtls_server.url))).extensions["http_version"]
            )

        async with anyio.create_task_group() as group:
            for _ in range(12):
                group.start_soon(one)
        assert versions == [b"HTTP/1.1"] * 12
        assert requeues >= 1
        assert_quiet(transport._pool, limits)


def test_sync_pool_under_threads(server: Any) -> None:
    limits = httpx.Limits(max_connections=3, max_keepalive_connections=2)
    errors: list[BaseException] = []
    with httpx.HTTPTransport(limits=limits) as transport:

        def worker() -> None:
            try:
                for index in range(25):
                    assert (
                        len(fetch_sync(transport, get(server.url_for(f"/bytes/{index}"))).content)
                        == index
                    )
                    assert len(transport._pool.connections) <= 3
            except BaseException as exc:  # reported below, from the main thread
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert errors == []
        assert_quiet(transport._pool, limits)


@pytest.mark.anyio
async def test_pool_aclose_then_reuse(server: Any) -> None:
    async with httpx.AsyncHTTPTransport() as transport:
        pool = transport._pool
        held = await transport.handle_async_request(get(server.url_for("/stream/3?delay=0.01")))
        await fetch(transport, get(server.url))
        assert counts(pool) == (1, 1)
        await pool.aclose()  # closes both, including the one under `held`
        assert pool.connections == []
        with pytest.raises(httpx.ReadError):
            await held.aread()
        await held.aclose()
        for _ in range(3):
            assert (await fetch(transport, get(server.url))).status_code == 200
        assert counts(pool) == (1, 0)


# --- no scans --------------------------------------------------------------------------------------


def count_connection_calls(
    monkeypatch: pytest.MonkeyPatch, connection_class: type
) -> dict[str, int]:
    calls: dict[str, int] = {}
    for name in ("is_idle", "is_available", "has_expired", "is_closed", "can_handle_request"):
        original: Callable[..., Any] = getattr(connection_class, name)

        def counted(self: Any, *args: Any, _name: str = name, _original: Any = original) -> Any:
            calls[_name] = calls.get(_name, 0) + 1
            return _original(self, *args)

        monkeypatch.setattr(connection_class, name, counted)
    return calls


@pytest.mark.anyio
@pytest.mark.parametrize("pool_class", [AsyncPool, httpcore.AsyncConnectionPool])
async def test_a_request_does_not_scan_the_pool(
    pool_class: type[httpcore.AsyncConnectionPool], server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 60 idle connections, then one request: the indexed pool touches O(1) of them,
    # httpcore's own pool all of them (which shows this test can tell the two apart).
    async with pool_class(max_connections=100, max_keepalive_connections=100) as pool:
        request = httpcore.Request("GET", server.url, headers={"Host": f"127.0.0.1:{server.port}"})
        responses = []
        for _ in range(60):
            responses.append(await pool.handle_async_request(request))
        for response in responses:
            await response.aread()
            await response.aclose()
        # (The server may close a few idle ones on a very slow run.)
        pooled = len(pool.connections)
        assert pooled >= 30
        connection_class = (
            AsyncConnection if pool_class is AsyncPool else httpcore.AsyncHTTPConnection
        )
        calls = count_connection_calls(monkeypatch, connection_class)
        await pool.request("GET", server.url)
        if pool_class is AsyncPool:
            assert sum(calls.values()) <= 10, calls
        else:
            assert sum(calls.values()) > pooled * 3, calls


# --- cancellation --------------------------------------------------------------------------------


def abandon_assigned_connection(pool: Any, request_class: type) -> None:
    """A request is cancelled after the pool gave it a new connection, before it connected.

    This happens when many queued requests are cancelled at once: each one leaving frees
    a slot, and the pool hands a new connection to the next queued request, whose
    cancellation is already pending. The steps below are the ones the pool's
    handle_(async_)request performs, without the I/O. httpcore's own pool keeps such a
    never-connected connection forever, so here (max_connections=1) the next request
    would wait for ever; ours closes it and moves on.
    """
    request = httpcore.Request("GET", "http://127.0.0.1:1/", headers={"Host": "127.0.0.1:1"})
    first, second = request_class(request), request_class(request)
    if isinstance(pool, (Pool, AsyncPool)):
        state = pool._pool_state
        assert state.add(first) == [] and state.add(second) == []
        abandoned = first.connection
        assert abandoned is not None and second.connection is None
        closing = state.remove(first)  # cancelled before it used its new connection
        assert closing == [abandoned]
        assert second.connection is not None and pool.connections == [second.connection]
        assert state.remove(second) == [second.connection]  # and the same again
        assert pool.connections == []
        return
    for pool_request in (first, second):
        pool._requests.append(pool_request)
        assert pool._assign_requests_to_connections() == []
    abandoned = first.connection
    assert abandoned is not None and second.is_queued()
    pool._requests.remove(first)  # cancelled before it used its new connection
    pool._assign_requests_to_connections()
    assert pool.connections == [abandoned] and second.is_queued()  # stuck for good


@pytest.mark.parametrize(
    ("pool_class", "request_class"),
    [(Pool, OurPoolRequest), (httpcore.ConnectionPool, PoolRequest)],
)
def test_connection_assigned_to_a_request_that_never_uses_it(
    pool_class: Any, request_class: type
) -> None:
    abandon_assigned_connection(pool_class(max_connections=1), request_class)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("pool_class", "request_class"),
    [(AsyncPool, OurAsyncPoolRequest), (httpcore.AsyncConnectionPool, AsyncPoolRequest)],
)
async def test_connection_assigned_to_a_request_that_never_uses_it_async(
    pool_class: Any, request_class: type
) -> None:
    abandon_assigned_connection(pool_class(max_connections=1), request_class)


@pytest.mark.anyio
async def test_request_cancelled_while_its_slot_frees(fault_server: Any, server: Any) -> None:
    # The held connection closes when `held` is closed (the server sent
    # "Connection: close"), so its slot frees while the queued request is being cancelled.
    limits = httpx.Limits(max_connections=1)
    async with httpx.AsyncHTTPTransport(limits=limits) as transport:
        pool = transport._pool
        assert isinstance(pool, AsyncPool)
        held = await transport.handle_async_request(get(fault_server.url_for("/closes")))
        assert held.status_code == 404
        scope = anyio.CancelScope()

        async def queued_request() -> None:
            with scope:
                await fetch(transport, get(server.url))

        async with anyio.create_task_group() as group:
            group.start_soon(queued_request)
            while not pool._pool_state.queued:
                await anyio.sleep(0.001)
            scope.cancel()
            await held.aclose()
        assert scope.cancelled_caught
        assert pool.connections == []
        assert (
            await fetch(transport, get(server.url, {**TIMEOUT, "pool": 1.0}))
        ).status_code == 200


async def slow_upload() -> AsyncIterator[bytes]:
    for _ in range(20):
        yield b"x" * 1000
        await anyio.sleep(0.002)


def cancellable_request(server: Any, index: int) -> tuple[httpx.Request, float]:
    """Requests that get cancelled at different points: (request, cancel after seconds)."""
    delay = (index * 7 % 11) * 0.002  # 0 .. 20 ms
    kind = index % 5
    if kind == 0:  # before connecting, or while queued for a connection
        return get(server.url), delay / 4
    if kind == 1:  # while sending the body
        request = httpx.Request(
            "POST",
            server.url_for("/echo_body"),
            content=slow_upload(),
            extensions={"timeout": TIMEOUT},
        )
        return request, delay
    if kind == 2:  # waiting for the response head
        return get(server.url_for("/slow_headers?delay=0.05")), delay
    if kind == 3:  # in the middle of the body
        return get(server.url_for("/slow_body?delay=0.05")), delay + 0.005
    return get(server.url_for("/stream/50?delay=0.002")), delay + 0.005


@pytest.mark.anyio
async def test_cancellation_at_any_point_leaves_the_pool_usable(server: Any) -> None:
    limits = httpx.Limits(max_connections=8, max_keepalive_connections=4)
    async with httpx.AsyncHTTPTransport(limits=limits) as transport:
        pool = transport._pool
        cancelled = 0

        async def doomed(index: int) -> None:
            nonlocal cancelled
            request, cancel_after = cancellable_request(server, index)
            mechanism = index % 3
            try:
                if mechanism == 0:
                    with anyio.move_on_after(cancel_after) as scope:
                        await fetch(transport, request)
                    cancelled += scope.cancelled_caught
                elif mechanism == 1:
                    with anyio.fail_after(cancel_after):
                        await fetch(transport, request)
                else:
                    # Cancelled from outside, by another task.
                    scope = anyio.CancelScope()

                    async def canceller() -> None:
                        await anyio.sleep(cancel_after)
                        scope.cancel()

                    async with anyio.create_task_group() as group:
                        group.start_soon(canceller)
                        with scope:
                            await fetch(transport, request)
                        group.cancel_scope.cancel()
                    cancelled += scope.cancelled_caught
            except TimeoutError:
                cancelled += 1

        for batch in range(10):
            async with anyio.create_task_group() as group:
                for index in range(batch * 100, batch * 100 + 100):
                    group.start_soon(doomed, index)
            assert len(pool.connections) <= 8
            assert_quiet(pool, limits)
        assert cancelled >= 900

        # Now the same transport must serve 1,000 requests without a single PoolTimeout.
        completed = 0
        short_pool_wait = {**TIMEOUT, "pool": 3.0}

        async def worker() -> None:
            nonlocal completed
            while completed < 1000:
                completed += 1
                response = await fetch(transport, get(server.url, short_pool_wait))
                assert response.status_code == 200
                assert len(pool.connections) <= 8

        async with anyio.create_task_group() as group:
            for _ in range(50):
                group.start_soon(worker)
        assert completed == 1000
        assert_quiet(pool, limits)


@pytest.mark.anyio
async def test_http2_cancellation_leaves_the_pool_usable(
    tls_server: Any, ca_cert_pem_file: str
) -> None:
    context = ssl.create_default_context(cafile=ca_cert_pem_file)
    limits = httpx.Limits(max_connections=3, max_keepalive_connections=2)
    paths = ["", "slow_headers?delay=0.03", "slow_body?delay=0.03", "stream/20?delay=0.002"]
    async with httpx.AsyncHTTPTransport(verify=context, http2=True, limits=limits) as transport:
        pool = transport._pool

        async def doomed(index: int) -> None:
            request = get(tls_server.url_for(paths[index % 4]))
            with anyio.move_on_after((index * 7 % 11) * 0.002):
                try:
                    await fetch(transport, request)
                except (httpx.TransportError, ValueError):
                    # httpcore 1.0.9's HTTP/2 connection, not the pool: a stream cancelled
                    # mid-write breaks the shared connection for its siblings (ReadError,
                    # WriteError), and a cancelled connection preface can make siblings
                    # fail with h2's ProtocolError (-> LocalProtocolError) or over-release
                    # its stream semaphore (ValueError).
                    pass

        for batch in range(4):
            async with anyio.create_task_group() as group:
                for index in range(batch * 50, batch * 50 + 50):
                    group.start_soon(doomed, index)
            assert len(pool.connections) <= 3
            check_index(pool)

        async def one() -> None:
            response = await fetch(transport, get(tls_server.url, {**TIMEOUT, "pool": 3.0}))
            assert response.extensions["http_version"] == b"HTTP/2"

        async with anyio.create_task_group() as group:
            for _ in range(200):
                group.start_soon(one)
        assert len(pool.connections) <= 3
        check_index(pool)
