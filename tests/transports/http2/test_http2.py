"""Our HTTP/2 connections (httpx/_transports/http2/), which drive h2.

* The protocol, against a scripted server: the `h2` package plays an HTTP/2 server on
  127.0.0.1 (prior knowledge, plain TCP) inside the test's event loop, so each test can
  make it do what real servers sometimes do (GOAWAY, RST_STREAM, tiny flow-control
  windows, interim responses, trailers, PINGs, broken frames and header blocks).
* Cancellation: hundreds of requests on one connection to hypercorn (`tls_server`),
  cancelled at random points, on asyncio and trio; the siblings and the follow-ups
  must not notice.
* The sync connection, shared by threads.

Requests go through the client and its pool (connection.py builds our connections for
HTTP/2), and the tests check that the connection in the pool is ours. The defects fixed
by moving onto h2 have their own tests in test_http2_defects.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import ssl
import struct
import threading
import typing
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable

import anyio
import anyio.abc
import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings
import hpack
import httpcore
import pytest

import httpx
from httpx._transports.http2 import AsyncHTTP2Connection, HTTP2Connection

TIMEOUT = httpx.Timeout(10.0)


def pool_of(client: httpx.AsyncClient | httpx.Client) -> typing.Any:
    return client._transport._pool


def connections(client: httpx.AsyncClient | httpx.Client) -> list[typing.Any]:
    """The HTTP/2 connections in the client's pool (each checked to be ours)."""
    found = []
    for connection in pool_of(client).connections:
        inner = connection._connection
        assert type(inner) in (AsyncHTTP2Connection, HTTP2Connection)
        found.append(inner)
    return found


def assert_quiet(client: httpx.AsyncClient | httpx.Client) -> None:
    """Nothing in flight: no request left in the pool, every stream and slot returned."""
    assert pool_of(client)._pool_state.requests == 0
    for connection in connections(client):
        assert connection._streams == {}
        assert connection._active == 0
        assert not connection._slot_waiters
        assert connection._waiting == {}


def headers_frame(stream_id: int, block: bytes, flags: int = 0x5) -> bytes:
    """A raw HEADERS frame (END_HEADERS | END_STREAM by default): RFC 9113 section 6.2."""
    return (
        struct.pack(">L", len(block))[1:]
        + bytes([0x1, flags])
        + struct.pack(">L", stream_id)
        + block
    )


# --- a scripted HTTP/2 server ---------------------------------------------------------------


class Exchange:
    """One request the scripted server received, and the means to answer it."""

    def __init__(
        self, connection: ServerConnection, stream_id: int, headers: list[tuple[bytes, bytes]]
    ) -> None:
        self.connection = connection
        self.stream_id = stream_id
        self.headers = headers
        self.path = dict(headers)[b":path"].decode()
        self.body = bytearray()
        self.ended = anyio.Event()
        self.reset_code: int | None = None

    async def read_body(self) -> bytes:
        await self.ended.wait()
        return bytes(self.body)

    async def send_headers(
        self, fields: list[tuple[bytes, bytes]], end_stream: bool = False
    ) -> None:
        # (A stream the client reset is gone: h2 says "closed", or "too low" once it has
        # forgotten it.)
        with contextlib.suppress(
            h2.exceptions.StreamClosedError, h2.exceptions.StreamIDTooLowError
        ):
            self.connection.h2.send_headers(self.stream_id, fields, end_stream=end_stream)
        await self.connection.flush()

    async def send_data(self, data: bytes, end_stream: bool = False) -> None:
        h2_state = self.connection.h2
        while True:
            window = min(
                h2_state.local_flow_control_window(self.stream_id),
                h2_state.max_outbound_frame_size,
            )
            if window <= 0 and data:
                await self.connection.window_changed()
                continue
            chunk, data = data[:window], data[window:]
            h2_state.send_data(self.stream_id, chunk, end_stream=end_stream and not data)
            await self.connection.flush()
            if not data:
                return

    async def respond(
        self,
        status: int = 200,
        body: bytes = b"",
        headers: typing.Sequence[tuple[bytes, bytes]] = (),
        trailers: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        fields = [(b":status", b"%d" % status), *headers]
        await self.send_headers(fields, end_stream=not body and trailers is None)
        if body:
            await self.send_data(body, end_stream=trailers is None)
        if trailers is not None:
            await self.send_headers(trailers, end_stream=True)

    async def reset(self, code: int = h2.errors.ErrorCodes.INTERNAL_ERROR) -> None:
        with contextlib.suppress(h2.exceptions.StreamClosedError):
            self.connection.h2.reset_stream(self.stream_id, code)
        await self.connection.flush()


Handler = Callable[[Exchange], Awaitable[None]]


class ServerConnection:
    def __init__(self, server: H2Server, stream: anyio.abc.SocketStream) -> None:
        self.server = server
        self.stream = stream
        config = h2.config.H2Configuration(client_side=False, header_encoding=None)
        self.h2 = h2.connection.H2Connection(config=config)
        if server.settings:
            self.h2.local_settings = h2.settings.Settings(
                client=False, initial_values=server.settings
            )
        self.send_lock = anyio.Lock()
        self.exchanges: dict[int, Exchange] = {}
        self._window = anyio.Event()
        self.number = len(server.connections)

    async def window_changed(self) -> None:
        await self._window.wait()

    async def flush(self) -> None:
        async with self.send_lock:
            data = self.h2.data_to_send()
            if data:
                with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                    await self.stream.send(data)

    async def run(self) -> None:
        self.h2.initiate_connection()
        await self.flush()
        async with anyio.create_task_group() as group:
            while True:
                try:
                    data = await self.stream.receive()
                except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
                    break
                try:
                    events = self.h2.receive_data(data)
                except h2.exceptions.ProtocolError as exc:
                    self.server.errors.append(exc)
                    break
                for event in events:
                    self._handle(event, group)
                await self.flush()
            group.cancel_scope.cancel()

    def _handle(self, event: h2.events.Event, group: anyio.abc.TaskGroup) -> None:
        server = self.server
        if isinstance(event, h2.events.RequestReceived):
            assert event.stream_id is not None and event.headers is not None
            exchange = Exchange(self, event.stream_id, list(event.headers))
            self.exchanges[event.stream_id] = exchange
            server.received.append(exchange)
            # h2's count of open streams (it would refuse one above its setting).
            open_streams = self.h2.open_inbound_streams
            server.max_open_streams = max(server.max_open_streams, open_streams)
            if event.stream_ended is not None:
                exchange.ended.set()
            group.start_soon(self._serve, exchange)
        elif isinstance(event, h2.events.DataReceived):
            assert event.stream_id is not None and event.data is not None
            exchange = self.exchanges[event.stream_id]
            exchange.body += event.data
            assert event.flow_controlled_length is not None
            self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            assert event.stream_id is not None
            self.exchanges[event.stream_id].ended.set()
        elif isinstance(event, h2.events.StreamReset):
            assert event.stream_id is not None
            exchange = self.exchanges[event.stream_id]
            exchange.reset_code = event.error_code
            server.client_resets.append(event.stream_id)
            exchange.ended.set()
        elif isinstance(event, (h2.events.WindowUpdated, h2.events.RemoteSettingsChanged)):
            if isinstance(event, h2.events.WindowUpdated) and event.stream_id:
                server.stream_window_updates += 1
            self._window.set()
            self._window = anyio.Event()
        elif isinstance(event, h2.events.PingAckReceived):
            server.ping_acks += 1
        elif isinstance(event, h2.events.ConnectionTerminated):
            server.goaways.append(event.error_code)

    async def _serve(self, exchange: Exchange) -> None:
        try:
            await self.server.handler(exchange)
        except Exception as exc:  # reported by the test that reads server.errors
            self.server.errors.append(exc)


class H2Server:
    def __init__(
        self, handler: Handler, settings: dict[h2.settings.SettingCodes, int] | None
    ) -> None:
        self.handler = handler
        self.settings = settings
        self.port = 0
        self.connections: list[ServerConnection] = []
        self.received: list[Exchange] = []
        self.errors: list[BaseException] = []
        self.client_resets: list[int] = []
        self.goaways: list[int | None] = []  # error codes of the client's GOAWAYs
        self.max_open_streams = 0
        self.stream_window_updates = 0
        self.ping_acks = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, stream: anyio.abc.SocketStream) -> None:
        connection = ServerConnection(self, stream)
        self.connections.append(connection)
        try:
            await connection.run()
        finally:
            with anyio.CancelScope(shield=True):
                await stream.aclose()


@contextlib.asynccontextmanager
async def h2_server(
    handler: Handler, settings: dict[h2.settings.SettingCodes, int] | None = None
) -> AsyncIterator[H2Server]:
    server = H2Server(handler, settings)
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    server.port = listener.extra(anyio.abc.SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as group:
        group.start_soon(listener.serve, server.handle)
        try:
            yield server
        finally:
            group.cancel_scope.cancel()


def prior_knowledge_client(server: H2Server, **options: typing.Any) -> httpx.AsyncClient:
    options.setdefault("timeout", TIMEOUT)
    return httpx.AsyncClient(http1=False, http2=True, base_url=server.url, **options)


async def hello(exchange: Exchange) -> None:
    await exchange.respond(200, b"Hello, world!", [(b"content-type", b"text/plain")])


# --- the protocol ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_requests_share_one_connection() -> None:
    async def echo(exchange: Exchange) -> None:
        body = await exchange.read_body()
        fields = [(b"x-method", dict(exchange.headers)[b":method"])]
        await exchange.respond(200, body or exchange.path.encode(), fields)

    async with h2_server(echo) as server, prior_knowledge_client(server) as client:
        response = await client.get("/a?b=c")
        assert (response.status_code, response.http_version, response.text) == (
            200,
            "HTTP/2",
            "/a?b=c",
        )
        assert response.extensions["stream_id"] == 1
        response = await client.post("/upload", content=b"x" * 100_000)
        assert len(response.content) == 100_000
        assert response.headers["x-method"] == "POST"

        async def chunks() -> AsyncIterator[bytes]:
            for part in (b"one ", b"", b"two"):
                yield part

        response = await client.post("/upload", content=chunks())
        assert response.text == "one two"
        assert response.extensions["stream_id"] == 5
        [connection] = connections(client)
        assert connection._request_count == 3
        assert_quiet(client)
    assert server.errors == []


@pytest.mark.anyio
async def test_request_fields() -> None:
    async with h2_server(hello) as server, prior_knowledge_client(server) as client:
        headers = {
            "Connection": "keep-alive",
            "TE": "gzip",
            "X-Mixed-Case": "Value",
            "Cookie": "a=b",
        }
        await client.get("/path?q=1", headers=headers)
        await client.get("/path?q=1", headers=headers)  # from the dynamic table this time
    for exchange in server.received:
        fields = exchange.headers
        assert fields[:4] == [
            (b":method", b"GET"),
            (b":scheme", b"http"),
            (b":authority", f"127.0.0.1:{server.port}".encode()),
            (b":path", b"/path?q=1"),
        ]
        names = [name for name, _ in fields]
        assert b"connection" not in names and b"te" not in names and b"host" not in names
        assert (b"x-mixed-case", b"Value") in fields
        assert (b"cookie", b"a=b") in fields


@pytest.mark.anyio
async def test_credentials_are_never_indexed() -> None:
    # RFC 7541 section 7.1.3: credentials stay out of HPACK's dynamic tables, on every hop.
    async with h2_server(hello) as server, prior_knowledge_client(server) as client:
        for _ in range(2):
            await client.get(
                "/", headers={"Authorization": "Bearer x", "Cookie": "a=b", "X-Other": "y"}
            )
    for exchange in server.received:
        sensitive = {
            name: isinstance(field, hpack.NeverIndexedHeaderTuple)
            for field in exchange.headers
            for name in [field[0]]
            if name in (b"authorization", b"cookie", b"x-other")
        }
        assert sensitive == {b"authorization": True, b"cookie": True, b"x-other": False}


@pytest.mark.anyio
async def test_response_heads_survive_hpack_table_churn() -> None:
    # Many heads through HPACK's dynamic table, with evictions and a table size change:
    # each response gets exactly the fields its server sent (RFC 7541 section 4).
    rng = random.Random("heads")
    expected: dict[str, list[tuple[bytes, bytes]]] = {}

    async def handler(exchange: Exchange) -> None:
        if exchange.path == "/resize":
            exchange.connection.h2.encoder.header_table_size = 512
        fields = expected[exchange.path]
        await exchange.respond(200, b"ok", fields)

    async with h2_server(handler) as server, prior_knowledge_client(server) as client:
        for index in range(300):
            path = "/resize" if index == 150 else f"/{index}"
            fields = [
                (b"date", b"Sat, %d Nov" % rng.randrange(20)),
                (b"x-%d" % rng.randrange(60), b"y" * rng.randrange(1, 100)),
                (b"set-cookie", b"a=%d" % rng.randrange(3)),
            ]
            expected[path] = fields
            response = await client.get(path)
            assert response.headers.raw[:3] == fields
    assert server.errors == []


@pytest.mark.parametrize(
    "block",
    [
        b"\x80",  # index 0
        b"\xbe",  # index 62, empty dynamic table
        b"\x41",  # truncated literal
        b"\x3f\xe2\x1f",  # size update to 4097: above our 4096
        b"\x88\x3f\xe1\x1f",  # size update (to 4096) after a field
        b"\x48\x03abc",  # :status "abc"
        b"\x88\x40\x01x\x03a\nb",  # a value with a newline
        b"\x88\x40\x01X\x01y",  # an uppercase name
        b"\xff\xff\xff\xff\xff\xff",  # integer overflow
    ],
)
@pytest.mark.anyio
async def test_malformed_response_heads_are_refused(block: bytes) -> None:
    async def handler(exchange: Exchange) -> None:
        if exchange.path == "/bad":
            async with exchange.connection.send_lock:
                await exchange.connection.stream.send(headers_frame(exchange.stream_id, block))
            await anyio.sleep_forever()
        await hello(exchange)

    async with h2_server(handler) as server, prior_knowledge_client(server) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/bad")
        assert (await client.get("/")).status_code == 200
        assert_quiet(client)


@pytest.mark.anyio
async def test_invalid_request_fields_are_refused_before_sending() -> None:
    # httpx's models refuse these first; httpcore requests can be built by anyone.
    async with h2_server(hello) as server, prior_knowledge_client(server) as client:
        pool = pool_of(client)
        url = server.url + "/"
        cases: list[tuple[dict[str, typing.Any], str]] = [
            ({"headers": [(b"Bad Name", b"x")]}, "Illegal header name"),
            ({"headers": [(b"X-Bad", b"a\nb")]}, "Illegal header value"),
            ({"headers": [(b"X-Bad", b" padded")]}, "Illegal header value"),
            ({"extensions": {"target": b"/a b"}}, "Illegal target"),
        ]
        for options, message in cases:
            request = httpcore.Request("GET", url, **options)
            with pytest.raises(httpcore.LocalProtocolError, match=message):
                await pool.handle_async_request(request)
        with pytest.raises(httpcore.LocalProtocolError, match="Illegal method"):
            await pool.handle_async_request(httpcore.Request("GE T", url))
        response = await pool.handle_async_request(httpcore.Request("GET", url))
        assert await response.aread() == b"Hello, world!"
        await response.aclose()
        assert_quiet(client)
    # Nothing invalid reached the server; the last request found :authority from the URL.
    assert [exchange.path for exchange in server.received] == ["/"]
    assert (b":authority", f"127.0.0.1:{server.port}".encode()) in server.received[0].headers


@pytest.mark.anyio
async def test_large_header_blocks_use_continuation_frames() -> None:
    big = b"v" * 30_000  # with the echo, over 16 KiB and under the 64 KiB we accept

    async def handler(exchange: Exchange) -> None:
        await exchange.respond(
            200, b"ok", [(b"x-big", big), (b"x-echo", dict(exchange.headers)[b"x-big"])]
        )

    async with h2_server(
        handler, {h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: 2**20}
    ) as server:
        async with prior_knowledge_client(server) as client:
            response = await client.get("/", headers={"x-big": "w" * 20_000})
            assert response.headers["x-big"] == big.decode()
            assert response.headers["x-echo"] == "w" * 20_000
    assert server.errors == []


@pytest.mark.anyio
async def test_server_concurrency_limit_is_respected() -> None:
    async def slow(exchange: Exchange) -> None:
        await anyio.sleep(0.01)
        await hello(exchange)

    settings = {h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 3}
    async with h2_server(slow, settings) as server, prior_knowledge_client(server) as client:
        statuses = []

        async def fetch() -> None:
            statuses.append((await client.get("/")).status_code)

        async with anyio.create_task_group() as group:
            for _ in range(30):
                group.start_soon(fetch)
        assert statuses == [200] * 30
        assert len(connections(client)) == 1
        assert_quiet(client)
    assert 1 <= server.max_open_streams <= 3
    assert server.errors == []


@pytest.mark.anyio
async def test_goaway_sends_unprocessed_requests_to_a_new_connection() -> None:
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

    async with h2_server(handler) as server, prior_knowledge_client(server) as client:
        statuses: list[int] = []

        async def fetch() -> None:
            statuses.append((await client.get("/")).status_code)

        async with anyio.create_task_group() as group:
            for _ in range(4):
                group.start_soon(fetch)
                await anyio.sleep(0.01)
        assert statuses == [200] * 4
        assert len(server.connections) == 2
        assert_quiet(client)
        assert (await client.get("/")).status_code == 200


@pytest.mark.anyio
async def test_a_stream_reset_by_the_server_fails_alone() -> None:
    async def handler(exchange: Exchange) -> None:
        if exchange.path == "/reset":
            await exchange.reset()
        else:
            await anyio.sleep(0.02)
            await hello(exchange)

    async with h2_server(handler) as server, prior_knowledge_client(server) as client:
        results: dict[str, object] = {}

        async def fetch(path: str) -> None:
            try:
                results[path] = (await client.get(path)).status_code
            except httpx.RemoteProtocolError as exc:
                results[path] = exc

        async with anyio.create_task_group() as group:
            for path in ("/a", "/reset", "/b"):
                group.start_soon(fetch, path)
        assert results["/a"] == results["/b"] == 200
        error = results["/reset"]
        assert isinstance(error, httpx.RemoteProtocolError)
        assert "reset by the server: INTERNAL_ERROR" in str(error)
        assert len(connections(client)) == 1
        assert_quiet(client)


@pytest.mark.anyio
async def test_early_response_stops_the_upload() -> None:
    sent = 0

    async def handler(exchange: Exchange) -> None:
        await exchange.respond(413, b"too big")
        await exchange.reset(h2.errors.ErrorCodes.NO_ERROR)

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(1000):
            sent += 1
            yield b"x" * 16384

    async with h2_server(handler) as server, prior_knowledge_client(server) as client:
        response = await client.post("/", content=body())
        assert (response.status_code, response.text) == (413, "too big")
        assert sent < 1000  # blocked by the server's window, then told to stop
        assert_quiet(client)
        assert (await client.post("/", content=b"small")).status_code == 413


@pytest.mark.anyio
async def test_uploads_wait_for_window_updates() -> None:
    async def echo_size(exchange: Exchange) -> None:
        await exchange.respond(200, b"%d" % len(await exchange.read_body()))

    settings = {h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1000}
    async with h2_server(echo_size, settings) as server, prior_knowledge_client(server) as client:
        sizes = []

        async def upload(size: int) -> None:
            sizes.append(int((await client.post("/", content=b"u" * size)).text))

        async with anyio.create_task_group() as group:
            for size in (300_000, 70_000, 999, 0):
                group.start_soon(upload, size)
        assert sorted(sizes) == [0, 999, 70_000, 300_000]
        assert_quiet(client)
    assert server.errors == []


@pytest.mark.anyio
async def test_large_downloads_reopen_the_windows() -> None:
    size = 2**24 + 2**20  # more than the stream's window of 16 MiB

    async def big(exchange: Exchange) -> None:
        await exchange.respond(200, b"d" * size)

    async with h2_server(big) as server, prior_knowledge_client(server) as client:
        received = 0
        async with client.stream("GET", "/") as response:
            async for chunk in response.aiter_raw():
                received += len(chunk)
        assert received == size
        assert server.stream_window_updates >= 1
        assert_quiet(client)


@pytest.mark.anyio
async def test_interim_responses_and_trailers_are_skipped() -> None:
    async def handler(exchange: Exchange) -> None:
        await exchange.send_headers([(b":status", b"103"), (b"link", b"</style.css>")])
        await exchange.respond(200, b"body", [(b"x-a", b"1")], trailers=[(b"x-trailer", b"t")])

    async with h2_server(handler) as server, prior_knowledge_client(server) as client:
        response = await client.get("/")
        assert (response.status_code, response.text) == (200, "body")
        assert "x-trailer" not in response.headers and "link" not in response.headers
        assert_quiet(client)


@pytest.mark.anyio
async def test_server_pings_are_answered() -> None:
    async def handler(exchange: Exchange) -> None:
        exchange.connection.h2.ping(b"12345678")
        await exchange.connection.flush()
        with anyio.fail_after(5):
            while not exchange.connection.server.ping_acks:
                await anyio.sleep(0.005)
        await hello(exchange)

    async with h2_server(handler) as server, prior_knowledge_client(server) as client:
        assert (await client.get("/")).status_code == 200
    assert server.ping_acks == 1


@pytest.mark.anyio
async def test_a_protocol_violation_fails_the_connection() -> None:
    async def handler(exchange: Exchange) -> None:
        if exchange.connection.number == 0:
            await anyio.sleep(0.02)
            # DATA on stream 0: a connection error (RFC 9113 section 6.1).
            await exchange.connection.stream.send(b"\x00\x00\x01\x00\x00\x00\x00\x00\x00x")
            await anyio.sleep_forever()
        await hello(exchange)

    async with h2_server(handler) as server, prior_knowledge_client(server) as client:
        errors: list[Exception] = []

        async def fetch() -> None:
            try:
                await client.get("/")
            except httpx.RemoteProtocolError as exc:
                errors.append(exc)

        async with anyio.create_task_group() as group:
            for _ in range(3):
                group.start_soon(fetch)
        assert len(errors) == 3
        # (h2's words for DATA on stream 0)
        assert all("must be non-zero for DataFrame" in str(error) for error in errors)
        assert (await client.get("/")).status_code == 200
        assert len(server.connections) == 2
        assert_quiet(client)


@pytest.mark.anyio
async def test_server_disconnecting() -> None:
    async def handler(exchange: Exchange) -> None:
        if exchange.connection.number == 0:
            await exchange.connection.stream.aclose()
            return
        await hello(exchange)

    async with h2_server(handler) as server, prior_knowledge_client(server) as client:
        # A FIN ("Server disconnected"), or an RST if the close found unread bytes.
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)) as info:
            await client.get("/")
        assert "Server disconnected" in str(info.value) or "reset" in str(info.value)
        assert (await client.get("/")).status_code == 200
        assert_quiet(client)


@pytest.mark.anyio
async def test_idle_connection_closed_by_the_server_is_replaced() -> None:
    async def handler(exchange: Exchange) -> None:
        await hello(exchange)
        if exchange.connection.number == 0:
            await anyio.sleep(0.02)
            exchange.connection.h2.close_connection()
            await exchange.connection.flush()
            await exchange.connection.stream.aclose()

    async with h2_server(handler) as server, prior_knowledge_client(server) as client:
        assert (await client.get("/")).status_code == 200
        await anyio.sleep(0.1)
        assert (await client.get("/")).status_code == 200
        assert len(server.connections) == 2


@pytest.mark.anyio
async def test_read_timeout_fails_one_stream() -> None:
    async def handler(exchange: Exchange) -> None:
        if exchange.path == "/never":
            await anyio.sleep_forever()
        await anyio.sleep(0.3)
        await hello(exchange)

    async with h2_server(handler) as server, prior_knowledge_client(server) as client:
        assert (await client.get("/first")).status_code == 200
        [first] = connections(client)
        status = 0

        async def sibling() -> None:
            nonlocal status
            status = (await client.get("/slow")).status_code

        async with anyio.create_task_group() as group:
            group.start_soon(sibling)
            await anyio.sleep(0.01)
            with pytest.raises(httpx.ReadTimeout):
                await client.get("/never", timeout=httpx.Timeout(10, read=0.1))
        assert status == 200
        assert (await client.get("/after")).status_code == 200
        if first._safe_reads:  # the timed-out read lost nothing: the connection stays
            assert first in connections(client) and first.is_available()
        assert_quiet(client)


@pytest.mark.anyio
async def test_trace_extension() -> None:
    async with h2_server(hello) as server, prior_knowledge_client(server) as client:
        events: list[str] = []

        async def trace(name: str, info: dict[str, typing.Any]) -> None:
            events.append(name)
            if name == "http2.receive_response_headers.complete":
                assert info["return_value"][0] == 200

        response = await client.get("/", extensions={"trace": trace})
        assert response.status_code == 200
    http2_events = [name for name in events if name.startswith("http2.")]
    assert http2_events[:2] == [
        "http2.send_connection_init.started",
        "http2.send_connection_init.complete",
    ]
    for step in ("send_request_headers", "send_request_body", "receive_response_headers"):
        assert f"http2.{step}.started" in http2_events
        assert f"http2.{step}.complete" in http2_events
    assert "http2.receive_remote_settings.complete" in http2_events
    assert http2_events[-2:] == ["http2.response_closed.started", "http2.response_closed.complete"]


# --- cancellation -----------------------------------------------------------------------------


def is_cancellation(exc: BaseException) -> bool:
    """A cancellation, also as trio's nurseries report one (in an exception group)."""
    inner = getattr(exc, "exceptions", None)  # a (Base)ExceptionGroup (3.11+ or backport)
    if isinstance(inner, tuple):
        return all(is_cancellation(exception) for exception in inner)
    return isinstance(exc, anyio.get_cancelled_exc_class())


STORM_PATHS = [
    "",
    "slow_headers?delay=0.01",
    "slow_body?delay=0.01",
    "stream/20?delay=0.001",
    "bytes/50000",
]


@pytest.mark.anyio
async def test_cancelling_streams_at_random_points_harms_no_sibling(
    anyio_backend: str, tls_server: typing.Any, ca_cert_pem_file: str
) -> None:
    context = ssl.create_default_context(cafile=ca_cert_pem_file)
    limits = httpx.Limits(max_connections=1)
    rng = random.Random(f"storm-{anyio_backend}")
    async with httpx.AsyncClient(
        http2=True, verify=context, limits=limits, timeout=TIMEOUT
    ) as client:
        assert (await client.get(tls_server.url)).http_version == "HTTP/2"
        [first] = connections(client)
        failures: list[BaseException] = []
        completed = 0

        async def request(path: str, stream_part: bool) -> None:
            nonlocal completed
            url = tls_server.url_for(path)
            try:
                if stream_part:
                    async with client.stream("GET", url) as response:
                        # (closed by us, not the garbage collector, when cancelled: trio
                        # warns about unfinished async generators)
                        # (aiter_raw is typed as an AsyncIterator, as httpx's; it is a
                        # generator)
                        aiter_raw = typing.cast(AsyncGenerator[bytes, None], response.aiter_raw())
                        async with contextlib.aclosing(aiter_raw) as chunks:
                            async for _ in chunks:
                                await anyio.sleep(0)
                else:
                    response = await client.get(url)
                    assert response.status_code == 200
                completed += 1
            except BaseException as exc:
                if not is_cancellation(exc):  # a sibling harmed: what this test is about
                    failures.append(exc)
                raise

        async def doomed(index: int) -> None:
            path = STORM_PATHS[index % len(STORM_PATHS)]
            with anyio.move_on_after(rng.random() * 0.03):
                await request(path, stream_part=index % 3 == 0)

        for batch in range(3):
            async with anyio.create_task_group() as group:
                for index in range(batch * 100, batch * 100 + 100):
                    if index % 4 == 0:
                        group.start_soon(request, STORM_PATHS[0], False)  # must complete
                    else:
                        group.start_soon(doomed, index)
            assert failures == []
            assert_quiet(client)

        if anyio_backend == "asyncio":
            # asyncio's own cancellation too (Task.cancel), at random points.
            tasks = [asyncio.ensure_future(doomed(index)) for index in range(100)]
            for task in tasks:
                await asyncio.sleep(rng.random() * 0.001)
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            assert failures == []

        # The same pool, (on asyncio) the same connection, serves what follows.
        async def follow_up() -> None:
            response = await client.get(tls_server.url)
            assert response.status_code == 200 and response.http_version == "HTTP/2"

        async with anyio.create_task_group() as group:
            for _ in range(100):
                group.start_soon(follow_up)
        assert completed >= 75
        assert_quiet(client)
        assert len(connections(client)) == 1
        if first._safe_reads:
            # No read lost data to a cancellation: no reason to replace the connection.
            # (Our asyncio streams promise that; see http2.py for trio.)
            assert connections(client) == [first]
            assert first.is_available()


@pytest.mark.anyio
async def test_cancelling_the_first_request_of_a_connection(
    tls_server: typing.Any, ca_cert_pem_file: str
) -> None:
    # Its connection preface and SETTINGS are what the others wait for.
    context = ssl.create_default_context(cafile=ca_cert_pem_file)
    async with httpx.AsyncClient(http2=True, verify=context, timeout=TIMEOUT) as client:
        for attempt in range(20):
            with anyio.move_on_after(attempt * 0.002):
                await client.get(tls_server.url)
            statuses: list[int] = []

            async def fetch(into: list[int]) -> None:
                into.append((await client.get(tls_server.url)).status_code)

            async with anyio.create_task_group() as group:
                for _ in range(5):
                    group.start_soon(fetch, statuses)
            assert statuses == [200] * 5
            assert_quiet(client)


# --- sync -----------------------------------------------------------------------------------


def test_sync_requests(tls_server: typing.Any, ca_cert_pem_file: str) -> None:
    context = ssl.create_default_context(cafile=ca_cert_pem_file)
    with httpx.Client(http2=True, verify=context, timeout=TIMEOUT) as client:
        response = client.get(tls_server.url)
        assert (response.status_code, response.http_version) == (200, "HTTP/2")
        response = client.post(tls_server.url_for("echo_body"), content=b"z" * 200_000)
        assert response.content == b"z" * 200_000
        response = client.post(tls_server.url_for("echo_body"), content=iter([b"a", b"", b"b"]))
        assert response.content == b"ab"
        with client.stream("GET", tls_server.url_for("stream/5")) as streamed:
            assert sum(1 for _ in streamed.iter_lines()) == 5
        with client.stream("GET", tls_server.url_for("bytes/100000")) as partly_read:
            next(partly_read.iter_raw())  # closed early: the stream is reset
        with pytest.raises(httpx.ReadTimeout):
            client.get(
                tls_server.url_for("slow_headers?delay=1"), timeout=httpx.Timeout(5, read=0.05)
            )
        assert client.get(tls_server.url).status_code == 200
        assert len(connections(client)) == 1
        assert_quiet(client)


def test_sync_threads_share_one_connection(tls_server: typing.Any, ca_cert_pem_file: str) -> None:
    # From the connection's first moments: reads and writes of different threads must not
    # overlap on one TLS connection (TLS 1.3 session tickets arrive then).
    context = ssl.create_default_context(cafile=ca_cert_pem_file)
    limits = httpx.Limits(max_connections=1)
    errors: list[BaseException] = []
    for _ in range(4):
        with httpx.Client(http2=True, verify=context, limits=limits, timeout=TIMEOUT) as client:
            start = threading.Barrier(8)

            def work(
                index: int, client: httpx.Client = client, start: threading.Barrier = start
            ) -> None:
                try:
                    start.wait()
                    for n in range(8):
                        path = STORM_PATHS[(index + n) % len(STORM_PATHS)]
                        assert client.get(tls_server.url_for(path)).status_code == 200
                except BaseException as exc:
                    errors.append(exc)

            threads = [threading.Thread(target=work, args=(index,)) for index in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
            assert errors == []
            [connection] = connections(client)
            assert connection._request_count == 64
            assert_quiet(client)
