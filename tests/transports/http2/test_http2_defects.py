"""What moving our HTTP/2 connections onto h2 fixed or had to keep (issue 12), each on
`Client`, and on `AsyncClient` under asyncio and trio, against the scripted HTTP/2
server of test_http2.py (run in a thread of its own here, so that the sync client can
use it too); and proof that requests are handled by h2.

The broad hostile-server suite is in tests/hostile/; these are the defects the issue
measured in our former HTTP/2 code, and the behaviours the move had to keep.
"""

from __future__ import annotations

import collections
import contextlib
import ssl
import struct
import typing
from collections.abc import Callable, Iterator

import anyio
import anyio.from_thread
import h2.connection
import h2.errors
import h2.settings
import pytest

import httpx
from httpx._transports.http2 import h2_seam
from tests.harness import run
from tests.transports.http2.test_http2 import (
    Exchange,
    H2Server,
    Handler,
    assert_quiet,
    connections,
    h2_server,
    headers_frame,
    hello,
)

TIMEOUT = httpx.Timeout(10.0)
Scenario = Callable[[typing.Any], typing.Awaitable[None]]


@contextlib.contextmanager
def serving(
    handler: Handler, settings: dict[h2.settings.SettingCodes, int] | None = None
) -> Iterator[H2Server]:
    """The scripted server, on an event loop in a thread of its own."""
    with anyio.from_thread.start_blocking_portal() as portal:
        with portal.wrap_async_context_manager(h2_server(handler, settings)) as server:
            yield server


def run_against(mode: str, server: H2Server, scenario: Scenario, **options: typing.Any) -> None:
    options.setdefault("timeout", TIMEOUT)
    # One connection: (sync) requests that start together would otherwise each open one
    # while the first is connecting.
    options.setdefault("limits", httpx.Limits(max_connections=1))
    run(mode, scenario, http1=False, http2=True, base_url=server.url, **options)


async def concurrently(mode: str, count: int, job: Callable[[int], typing.Any]) -> None:
    """Run `job(0)` .. `job(count - 1)` at once: as tasks, or for the sync client (whose
    methods block) in threads."""
    async with anyio.create_task_group() as group:
        for index in range(count):
            if mode == "sync":
                group.start_soon(anyio.to_thread.run_sync, job, index)
            else:
                group.start_soon(job, index)


def blocking(mode: str, client: typing.Any) -> typing.Any:
    """The client whose methods a job calls: the sync one itself in threads."""
    return client.client if mode == "sync" else client


def frame(frame_type: int, flags: int, stream_id: int, payload: bytes) -> bytes:
    head = struct.pack(">L", len(payload))[1:] + bytes([frame_type, flags])
    return head + struct.pack(">L", stream_id) + payload


async def send_raw(exchange: Exchange, data: bytes) -> None:
    async with exchange.connection.send_lock:
        await exchange.connection.stream.send(data)


# --- h2 does the work -------------------------------------------------------------------------


def test_requests_are_handled_by_h2(
    mode: str, monkeypatch: pytest.MonkeyPatch, tls_server: typing.Any, ca_cert_pem_file: str
) -> None:
    calls: collections.Counter[str] = collections.Counter()
    for name in ("receive_data", "send_headers"):
        original = getattr(h2.connection.H2Connection, name)

        def counting(
            self: typing.Any,
            *args: typing.Any,
            _name: str = name,
            _original: typing.Any = original,
            **kwargs: typing.Any,
        ) -> typing.Any:
            if self.config.client_side:  # (hypercorn, in this process, runs h2 too)
                calls[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(h2.connection.H2Connection, name, counting)

    async def scenario(client: typing.Any) -> None:
        for _ in range(3):
            response = await client.get(tls_server.url)
            assert (response.status_code, response.http_version) == (200, "HTTP/2")
        [connection] = connections(client)
        assert isinstance(connection._h2, h2.connection.H2Connection)

    context = ssl.create_default_context(cafile=ca_cert_pem_file)
    run(mode, scenario, http2=True, verify=context, timeout=TIMEOUT)  # TLS, ALPN "h2"
    assert calls["send_headers"] == 3
    assert calls["receive_data"] >= 3


# --- bounded header blocks ----------------------------------------------------------------------


def test_endless_continuation_frames_are_refused(mode: str) -> None:
    # Our former code buffered them for ever (400 MB in 30 s); h2 stops after 64 frames.
    sent = 0

    async def handler(exchange: Exchange) -> None:
        nonlocal sent
        if exchange.path != "/endless":
            await hello(exchange)
            return
        await send_raw(exchange, headers_frame(exchange.stream_id, b"\x88", flags=0))
        batch = frame(0x9, 0, exchange.stream_id, b"") * 1000  # empty CONTINUATIONs
        with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
            while sent < 1 << 30:
                await send_raw(exchange, batch)
                sent += len(batch)

    async def scenario(client: typing.Any) -> None:
        with pytest.raises(httpx.RemoteProtocolError, match="continuation"):
            await client.get("/endless")
        assert (await client.get("/")).status_code == 200

    with serving(handler) as server:
        run_against(mode, server, scenario)
    # The client stopped reading at once: what reached the socket buffers, no more.
    assert sent < 64 << 20


def test_hpack_bomb_is_refused(mode: str) -> None:
    # One 4,000-byte field put into HPACK's dynamic table, then referred to 10,000 times:
    # 40 MB of fields from a 14 kB block; refused beyond our 64 KiB list size.
    value = b"v" * 4000
    block = b"\x88\x40\x01x\x7f" + bytes([(4000 - 127) & 0x7F | 0x80, (4000 - 127) >> 7])
    block += value + b"\xbe" * 10_000

    async def handler(exchange: Exchange) -> None:
        if exchange.path == "/bomb":
            await send_raw(exchange, headers_frame(exchange.stream_id, block))
            await anyio.sleep_forever()
        await hello(exchange)

    async def scenario(client: typing.Any) -> None:
        with pytest.raises(httpx.RemoteProtocolError, match="header list larger than 65536"):
            await client.get("/bomb")
        assert (await client.get("/")).status_code == 200

    with serving(handler) as server:
        run_against(mode, server, scenario)


# --- bodies that do not match their Content-Length ---------------------------------------------

BODY_CASES = {
    # name: (method, status, content-length, body, trailers)
    "shorter": ("GET", 200, b"10", b"12345", False),
    "longer": ("GET", 200, b"3", b"12345", False),
    "non-numeric": ("GET", 200, b"abc", b"12345", False),
    "none, ending on HEADERS": ("GET", 200, b"10", b"", False),
    "shorter, ending on trailers": ("GET", 200, b"10", b"12345", True),
    "on a 204": ("GET", 204, None, b"x", False),
    "on a HEAD response": ("HEAD", 200, b"5", b"12345", False),
}


@pytest.mark.parametrize("case", list(BODY_CASES))
def test_body_must_match_content_length(mode: str, case: str) -> None:
    method, status, length, body, trailers = BODY_CASES[case]

    async def handler(exchange: Exchange) -> None:
        if exchange.path != "/case":
            await hello(exchange)
            return
        fields = [] if length is None else [(b"content-length", length)]
        await exchange.respond(status, body, fields, [(b"x-t", b"1")] if trailers else None)

    async def scenario(client: typing.Any) -> None:
        # A cut-off (or overlong) body is an error, never a normal response.
        with pytest.raises(httpx.RemoteProtocolError):
            response = await client.request(method, "/case")
            await response.aread()
        response = await client.get("/")
        assert (response.status_code, response.text) == (200, "Hello, world!")

    with serving(handler) as server:
        run_against(mode, server, scenario)


def test_responses_without_content_may_announce_a_length(mode: str) -> None:
    # RFC 9110 sections 8.6 and 15.4.5: a HEAD or 304 response's Content-Length describes
    # the content it would have had.
    async def handler(exchange: Exchange) -> None:
        status = 304 if exchange.path == "/304" else 200
        await exchange.respond(status, b"", [(b"content-length", b"1000")])

    async def scenario(client: typing.Any) -> None:
        response = await client.head("/")
        assert (response.status_code, response.content) == (200, b"")
        response = await client.get("/304")
        assert (response.status_code, response.content) == (304, b"")
        assert_quiet(client)

    with serving(handler) as server:
        run_against(mode, server, scenario)


# --- a connection that went silent -------------------------------------------------------------


def test_a_connection_silent_through_a_read_timeout_is_not_reused(mode: str) -> None:
    # Our former code sent the next request on it, to time out again.
    async def handler(exchange: Exchange) -> None:
        if exchange.path == "/silent":
            await anyio.sleep_forever()
        await hello(exchange)

    async def scenario(client: typing.Any) -> None:
        assert (await client.get("/")).status_code == 200
        [first] = connections(client)
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/silent", timeout=httpx.Timeout(10, read=0.2))
        assert not first.is_available()
        assert (await client.get("/")).status_code == 200
        assert first not in connections(client)
        assert_quiet(client)

    with serving(handler) as server:
        run_against(mode, server, scenario)
        assert len(server.connections) == 2


# --- server push --------------------------------------------------------------------------------


def test_a_server_may_not_enable_push(mode: str) -> None:
    # RFC 9113 section 6.5.2: a client MUST treat SETTINGS_ENABLE_PUSH=1 as a connection
    # error of type PROTOCOL_ERROR.
    async def scenario(client: typing.Any) -> None:
        # (h2 4.4 refuses it itself, in its words; with h2 4.3 we do)
        match = "Setting 2 has invalid value 1|a server sent SETTINGS_ENABLE_PUSH=1"
        with pytest.raises(httpx.RemoteProtocolError, match=match):
            await client.get("/")

    settings: dict[h2.settings.SettingCodes, int] = {h2.settings.SettingCodes.ENABLE_PUSH: 1}
    with serving(hello, settings) as server:
        run_against(mode, server, scenario)
        with anyio.from_thread.start_blocking_portal() as portal:
            portal.call(anyio.sleep, 0.1)  # (for the GOAWAY to arrive)
    assert server.goaways[:1] == [h2.errors.ErrorCodes.PROTOCOL_ERROR]


def test_push_promises_are_refused(mode: str) -> None:
    push_settings: list[int] = []

    async def handler(exchange: Exchange) -> None:
        if exchange.path != "/push":
            await hello(exchange)
            return
        # What we announced (section 8.4): no push.
        push_settings.append(exchange.connection.h2.remote_settings.enable_push)
        promised = struct.pack(">L", exchange.stream_id + 1) + b"\x82\x84\x86"
        await send_raw(exchange, frame(0x5, 0x4, exchange.stream_id, promised))
        await anyio.sleep_forever()

    async def scenario(client: typing.Any) -> None:
        with pytest.raises(httpx.RemoteProtocolError, match="pushed stream"):
            await client.get("/push")
        assert (await client.get("/")).status_code == 200

    with serving(handler) as server:
        run_against(mode, server, scenario)
    assert push_settings == [0]


# --- streams the server did not process ----------------------------------------------------------


def test_goaway_sends_unprocessed_requests_to_a_new_connection(mode: str) -> None:
    arrived = anyio.Event()

    async def handler(exchange: Exchange) -> None:
        connection = exchange.connection
        if connection.number == 0:
            if exchange.stream_id == 1:
                with anyio.fail_after(5):
                    await arrived.wait()
                await hello(exchange)
                # Stream 1 was processed; the others were not (RFC 9113 section 6.8).
                connection.h2.close_connection(last_stream_id=1)
                await connection.flush()
                return
            if exchange.stream_id == 7:
                arrived.set()
            await anyio.sleep_forever()
        await hello(exchange)

    async def scenario(client: typing.Any) -> None:
        statuses: list[int] = []

        async def fetch(index: int) -> None:
            statuses.append((await client.get("/")).status_code)

        def fetch_blocking(index: int) -> None:
            statuses.append(blocking(mode, client).get("/").status_code)

        async with anyio.create_task_group() as group:
            for index in range(4):
                if mode == "sync":
                    group.start_soon(anyio.to_thread.run_sync, fetch_blocking, index)
                else:
                    group.start_soon(fetch, index)
                await anyio.sleep(0.05)
        assert statuses == [200] * 4
        assert_quiet(client)

    with serving(handler) as server:
        run_against(mode, server, scenario)
        assert len(server.connections) == 2


def test_streams_below_a_graceful_goaway_complete(mode: str) -> None:
    # Servers say GOAWAY and then finish what they took (nginx after
    # keepalive_requests); h2 alone would fail those streams (see h2_seam.py).
    arrived: list[Exchange] = []
    all_arrived = anyio.Event()

    async def handler(exchange: Exchange) -> None:
        connection = exchange.connection
        if connection.number > 0:
            await hello(exchange)
            return
        arrived.append(exchange)
        if len(arrived) < 3:
            await all_arrived.wait()
            await anyio.sleep(0.05)
            await hello(exchange)
            return
        all_arrived.set()
        connection.h2.close_connection(last_stream_id=exchange.stream_id)
        # (h2 would send nothing more after its own GOAWAY: this test server must)
        connection.h2.state_machine.state = h2.connection.ConnectionState.SERVER_OPEN
        await connection.flush()
        await anyio.sleep(0.02)
        await hello(exchange)

    async def scenario(client: typing.Any) -> None:
        def fetch(index: int) -> None:
            assert blocking(mode, client).get("/").status_code == 200

        async def fetch_async(index: int) -> None:
            assert (await client.get("/")).status_code == 200

        await concurrently(mode, 3, fetch if mode == "sync" else fetch_async)
        assert (await client.get("/")).status_code == 200
        assert_quiet(client)

    with serving(handler) as server:
        run_against(mode, server, scenario)
        assert len(server.connections) == 2


def test_refused_streams_are_retried_on_a_new_connection(mode: str) -> None:
    async def handler(exchange: Exchange) -> None:
        if exchange.connection.number == 0:
            # RFC 9113 section 8.7: REFUSED_STREAM says the request was not processed.
            await exchange.reset(h2.errors.ErrorCodes.REFUSED_STREAM)
            return
        await hello(exchange)

    async def scenario(client: typing.Any) -> None:
        response = await client.get("/")
        assert (response.status_code, response.text) == (200, "Hello, world!")
        assert_quiet(client)

    with serving(handler) as server:
        run_against(mode, server, scenario)
        assert len(server.connections) == 2


# --- stream limits, flow control, cancellation ----------------------------------------------------


def test_a_lowered_stream_limit_is_honoured(mode: str) -> None:
    lowered = anyio.Event()

    async def handler(exchange: Exchange) -> None:
        connection = exchange.connection
        # (Not before the client acknowledged the first SETTINGS: h2 applies all pending
        # settings on the first ACK it gets.)
        if exchange.stream_id >= 5 and not lowered.is_set():
            lowered.set()
            connection.h2.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 2})
            await connection.flush()
        await anyio.sleep(0.01)
        await hello(exchange)

    async def scenario(client: typing.Any) -> None:
        statuses: list[int] = []

        def fetch(index: int) -> None:
            statuses.append(blocking(mode, client).get("/").status_code)

        async def fetch_async(index: int) -> None:
            statuses.append((await client.get("/")).status_code)

        await concurrently(mode, 20, fetch if mode == "sync" else fetch_async)
        assert statuses == [200] * 20
        assert len(connections(client)) == 1
        assert connections(client)[0]._max_streams == 2
        assert_quiet(client)

    with serving(handler, {h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 8}) as server:
        run_against(mode, server, scenario)
    # h2 on the server side refuses streams beyond its acknowledged limit: none were.
    assert server.errors == []


def test_without_a_stream_limit_requests_run_at_once(mode: str) -> None:
    # RFC 9113 section 6.5.2: a SETTINGS frame without MAX_CONCURRENT_STREAMS sets no
    # limit (ours, 100, applies). The server answers only once all five streams are
    # open: a client that kept to one stream at a time would wait for ever.
    arrived = 0
    all_arrived = anyio.Event()

    async def handler(exchange: Exchange) -> None:
        nonlocal arrived
        arrived += 1
        if arrived == 5:
            all_arrived.set()
        await all_arrived.wait()
        await hello(exchange)

    async def scenario(client: typing.Any) -> None:
        statuses: list[int] = []

        def fetch(index: int) -> None:
            statuses.append(blocking(mode, client).get("/").status_code)

        async def fetch_async(index: int) -> None:
            statuses.append((await client.get("/")).status_code)

        await concurrently(mode, 5, fetch if mode == "sync" else fetch_async)
        assert statuses == [200] * 5
        [connection] = connections(client)
        assert connection._max_streams == 100
        assert_quiet(client)

    # (Settings without MAX_CONCURRENT_STREAMS, which h2 would otherwise announce.)
    with serving(handler, {h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 65535}) as server:
        run_against(mode, server, scenario, timeout=httpx.Timeout(5.0))


def test_waiting_for_a_stream_slot_ends_with_the_pool_timeout(mode: str) -> None:
    async def handler(exchange: Exchange) -> None:
        if exchange.path == "/slow":
            await anyio.sleep(3)
        await hello(exchange)

    async def scenario(client: typing.Any) -> None:
        async with client.stream("GET", "/slow"):  # the one stream the server allows
            with pytest.raises(httpx.PoolTimeout, match="waiting for an HTTP/2 stream"):
                await client.get("/")
        assert_quiet(client)

    settings: dict[h2.settings.SettingCodes, int] = {
        h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 1
    }
    with serving(handler, settings) as server:
        run_against(mode, server, scenario, timeout=httpx.Timeout(10.0, pool=0.3))


def test_concurrent_uploads_share_small_windows(mode: str) -> None:
    async def echo_size(exchange: Exchange) -> None:
        await exchange.respond(200, b"%d" % len(await exchange.read_body()))

    sizes = [300_000, 70_000, 999, 0, 150_000]

    async def scenario(client: typing.Any) -> None:
        received: list[int] = []

        def upload(index: int) -> None:
            response = blocking(mode, client).post("/", content=b"u" * sizes[index])
            received.append(int(response.text))

        async def upload_async(index: int) -> None:
            response = await client.post("/", content=b"u" * sizes[index])
            received.append(int(response.text))

        await concurrently(mode, len(sizes), upload if mode == "sync" else upload_async)
        assert sorted(received) == sorted(sizes)
        assert_quiet(client)

    settings: dict[h2.settings.SettingCodes, int] = {
        h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1000
    }
    with serving(echo_size, settings) as server:
        run_against(mode, server, scenario)
    assert server.errors == []


@pytest.mark.anyio
async def test_cancelling_a_request_resets_its_stream_alone() -> None:
    async def handler(exchange: Exchange) -> None:
        await anyio.sleep(0.3 if exchange.path == "/slow" else 0.1)
        await hello(exchange)

    async with h2_server(handler) as server:
        async with httpx.AsyncClient(http1=False, http2=True, base_url=server.url) as client:
            status = 0

            async def sibling() -> None:
                nonlocal status
                status = (await client.get("/sibling")).status_code

            async with anyio.create_task_group() as group:
                group.start_soon(sibling)
                await anyio.sleep(0.02)  # the sibling reads for both from now on
                with anyio.move_on_after(0.05):
                    await client.get("/slow")
            assert status == 200
            assert (await client.get("/")).status_code == 200
            assert len(connections(client)) == 1
            assert_quiet(client)
    [slow] = [exchange for exchange in server.received if exchange.path == "/slow"]
    assert server.errors == []
    assert slow.reset_code == h2.errors.ErrorCodes.CANCEL
    assert server.client_resets == [slow.stream_id]
    assert len(server.connections) == 1


# --- trace ----------------------------------------------------------------------------------------


def test_trace_extension_events(mode: str) -> None:
    events: list[str] = []

    def record(name: str, info: dict[str, typing.Any]) -> None:
        events.append(name)

    async def record_async(name: str, info: dict[str, typing.Any]) -> None:
        events.append(name)

    async def scenario(client: typing.Any) -> None:
        trace = record if mode == "sync" else record_async
        response = await client.get("/", extensions={"trace": trace})
        assert response.status_code == 200
        assert response.extensions["http_version"] == b"HTTP/2"
        assert response.extensions["stream_id"] == 1
        assert response.extensions["network_stream"] is not None

    with serving(hello) as server:
        run_against(mode, server, scenario)
    http2 = [name for name in events if name.startswith("http2.")]
    for step in ("send_connection_init", "receive_remote_settings", "response_closed"):
        assert f"http2.{step}.complete" in http2
    # httpcore's steps, in httpcore's order (the server's SETTINGS come whenever they do).
    steps = [name for name in http2 if name.endswith(".started") and "settings" not in name]
    assert steps == [
        "http2.send_connection_init.started",
        "http2.send_request_headers.started",
        "http2.send_request_body.started",
        "http2.receive_response_headers.started",
        "http2.receive_response_body.started",
        "http2.response_closed.started",
    ]


# --- the h2 seam's fallback ---------------------------------------------------------------------


def test_seam_refuses_untested_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    assert h2_seam.FAST_PATH  # with the pinned versions
    monkeypatch.setattr(h2, "__version__", "5.0.0")
    assert not h2_seam._has_internals()


def test_plain_h2_fallback(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(h2_seam, "FAST_PATH", False)

    async def echo(exchange: Exchange) -> None:
        body = await exchange.read_body()
        await exchange.respond(
            200, body or exchange.path.encode(), [(b"x-n", exchange.path.encode())]
        )

    async def scenario(client: typing.Any) -> None:
        def fetch(index: int) -> None:
            response = blocking(mode, client).post(f"/{index}", content=b"b" * index)
            assert response.content == b"b" * index or (index == 0 and response.text == "/0")

        async def fetch_async(index: int) -> None:
            response = await client.post(f"/{index}", content=b"b" * index)
            assert response.content == b"b" * index or (index == 0 and response.text == "/0")

        for _ in range(2):
            await concurrently(mode, 30, fetch if mode == "sync" else fetch_async)
        [connection] = connections(client)
        assert type(connection._h2) is h2.connection.H2Connection
        assert connection._request_count == 60
        assert_quiet(client)

    with serving(echo) as server:
        run_against(mode, server, scenario)
    assert server.errors == []


def test_plain_h2_fails_streams_after_a_graceful_goaway(monkeypatch: pytest.MonkeyPatch) -> None:
    # The documented limitation without the seam's GOAWAY fix: a clear error, no hang.
    monkeypatch.setattr(h2_seam, "FAST_PATH", False)

    async def handler(exchange: Exchange) -> None:
        if exchange.connection.number == 0:
            exchange.connection.h2.close_connection(last_stream_id=exchange.stream_id)
            exchange.connection.h2.state_machine.state = h2.connection.ConnectionState.SERVER_OPEN
            await exchange.connection.flush()
            await anyio.sleep(0.02)
        await hello(exchange)

    async def scenario(client: typing.Any) -> None:
        with pytest.raises(httpx.RemoteProtocolError, match="GOAWAY"):
            await client.get("/")
        assert (await client.get("/")).status_code == 200

    with serving(handler) as server:
        run_against("asyncio", server, scenario)
