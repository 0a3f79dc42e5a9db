"""The HTTP/2 side of the hostile server: hand-built frames, played by a script.

Frames are built with `hyperframe`, header blocks with `hpack` (h2's own dependencies),
or byte by byte (`raw_frame`, `literal_block`) where a frame or block must be malformed.
h2's connection state machine is never used: the client under test drives h2 (or its
own engine), and the server must be free to break every rule.

The server's preface (its SETTINGS frame) waits for the client's first request, so the
route that request names can supply its own (`Preamble`), e.g. a forbidden setting; a
client that waited for the server to speak first would get the default one after
`PREAMBLE_FALLBACK` seconds. After that the connection ACKs the client's SETTINGS and
PINGs, grants WINDOW_UPDATEs for what the client uploads, answers `/<token>/ok...` with
200 "ok <path>", and hands other requests to their route's script, one task per stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import typing
from collections.abc import Awaitable, Callable, Sequence

import hpack
import hyperframe.exceptions
from hyperframe.frame import (
    ContinuationFrame,
    DataFrame,
    Frame,
    GoAwayFrame,
    HeadersFrame,
    PingFrame,
    RstStreamFrame,
    SettingsFrame,
    WindowUpdateFrame,
)

from tests.hostile.h1 import PUSH_BUDGET_BYTES, PUSH_BUDGET_SECONDS
from tests.hostile.record import ConnectionRecord, Marks, Received

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
PREAMBLE_FALLBACK = 0.2
DEFAULT_WINDOW = 65535  # RFC 9113 section 6.9.2
DEFAULT_MAX_FRAME = 16384  # RFC 9113 section 4.2

# Frame types and flags (RFC 9113 section 6).
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY = range(8)
WINDOW_UPDATE, CONTINUATION = 8, 9
END_STREAM = ACK = 0x1
END_HEADERS = 0x4
PADDED = 0x8

Fields = Sequence[tuple[bytes, bytes]]


class StreamGone(Exception):
    """The client reset the stream, or the connection is gone: stop sending."""


def raw_frame(kind: int, flags: int, stream_id: int, payload: bytes) -> bytes:
    """A frame exactly as given: any type, flags, stream and payload (RFC 9113 4.1)."""
    return (
        len(payload).to_bytes(3, "big")
        + bytes([kind, flags])
        + (stream_id & 0x7FFFFFFF).to_bytes(4, "big")
        + payload
    )


def hpack_integer(value: int, prefix_bits: int, high_bits: int = 0) -> bytes:
    """RFC 7541 section 5.1, with `high_bits` in the first octet's unused bits."""
    encoded = bytearray(hpack.hpack.encode_integer(value, prefix_bits))
    encoded[0] |= high_bits
    return bytes(encoded)


def hpack_string(data: bytes) -> bytes:
    return hpack_integer(len(data), 7) + data  # section 5.2, no Huffman coding


def literal_block(fields: Fields) -> bytes:
    """A header block of "literal without indexing, new name" fields (RFC 7541 6.2.2):
    it leaves the client's dynamic table alone, and nothing is validated, so names and
    values can be anything (uppercase, NUL, duplicates, pseudo-fields anywhere)."""
    return b"".join(b"\x00" + hpack_string(name) + hpack_string(value) for name, value in fields)


class H2Stream:
    def __init__(self, stream_id: int, headers: list[tuple[bytes, bytes]], window: int) -> None:
        self.id = stream_id
        self.headers = headers
        self.body = bytearray()
        self.send_window = window
        self.reset = asyncio.Event()  # the client sent RST_STREAM
        self.marks = Marks()  # its route's (set when the request is dispatched)

    @property
    def path(self) -> str:
        return dict(self.headers).get(b":path", b"").decode("latin-1")

    @property
    def method(self) -> str:
        return dict(self.headers).get(b":method", b"").decode("latin-1")


H2Script = Callable[["H2Conn", H2Stream], Awaitable[None]]
Preamble = Callable[["H2Conn"], Awaitable[None]]
# path -> (script, None for the default "ok" answer; preamble; the route's marks)
Resolve = Callable[[str], "tuple[H2Script | None, Preamble | None, Marks]"]


async def default_preamble(conn: H2Conn) -> None:
    await conn.send(SettingsFrame(0).serialize())


class H2Conn:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        record: ConnectionRecord,
        resolve: Resolve,
        errors: list[BaseException],
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.record = record
        self._resolve = resolve
        self._errors = errors
        self.encoder = hpack.Encoder()
        self.decoder = hpack.Decoder(max_header_list_size=1 << 20)
        self.streams: dict[int, H2Stream] = {}
        self.send_window = DEFAULT_WINDOW  # the connection's, for our DATA
        self.initial_window = DEFAULT_WINDOW  # the client's SETTINGS_INITIAL_WINDOW_SIZE
        self.max_frame_size = DEFAULT_MAX_FRAME  # the client's SETTINGS_MAX_FRAME_SIZE
        self.acks = True  # ACK the client's SETTINGS and PINGs
        self.closed = asyncio.Event()
        self._window_changed = asyncio.Event()
        self._reading = asyncio.Event()
        self._reading.set()
        self._preamble_sent = False
        self._unacked_settings = 0
        self._block = bytearray()
        self._block_stream = 0
        self._block_end_stream = False
        self._tasks: set[asyncio.Task[None]] = set()

    # --- sending ------------------------------------------------------------------------

    async def send(self, data: bytes) -> None:
        """Write frames (one write() call, so frames of concurrent scripts never mix)."""
        if self.closed.is_set():
            raise StreamGone("connection closed")
        self.writer.write(data)
        self.record.bytes_sent += len(data)
        try:
            await self.writer.drain()
        except ConnectionError as exc:
            raise StreamGone("connection lost") from exc

    def header_frames(self, stream_id: int, block: bytes, end_stream: bool) -> bytes:
        """HEADERS (+ CONTINUATION) frames carrying `block`, cut to the client's frame size."""
        size = self.max_frame_size
        pieces = [block[i : i + size] for i in range(0, len(block), size)] or [b""]
        first = HeadersFrame(stream_id, data=pieces[0])
        if end_stream:
            first.flags.add("END_STREAM")
        frames: list[Frame] = [first]
        frames.extend(ContinuationFrame(stream_id, data=piece) for piece in pieces[1:])
        frames[-1].flags.add("END_HEADERS")
        return b"".join(frame.serialize() for frame in frames)

    async def headers(
        self, stream_id: int, fields: Fields, end_stream: bool = False, *, block: bytes = b""
    ) -> None:
        """Send `fields` HPACK-encoded (this connection's encoder), or a ready `block`."""
        if not block:
            block = self.encoder.encode(list(fields), huffman=True)
        await self.send(self.header_frames(stream_id, block, end_stream))

    async def data(
        self, stream_id: int, payload: bytes, end_stream: bool = False, *, flow: bool = True
    ) -> None:
        """DATA frames; with `flow`, within the client's windows (RFC 9113 6.9)."""
        stream = self.streams.get(stream_id)
        rest = memoryview(payload)
        while True:
            if stream is not None and stream.reset.is_set():
                raise StreamGone("stream reset by the client")
            size = min(len(rest), self.max_frame_size)
            if flow:
                window = min(self.send_window, stream.send_window if stream else DEFAULT_WINDOW)
                if size > window:
                    if window <= 0:
                        await self._wait_for_window()
                        continue
                    size = window
            chunk, rest = rest[:size], rest[size:]
            last = not rest
            flags = END_STREAM if end_stream and last else 0
            await self.send(raw_frame(DATA, flags, stream_id, bytes(chunk)))
            if flow:
                self.send_window -= size
                if stream is not None:
                    stream.send_window -= size
            if last:
                return

    async def _wait_for_window(self) -> None:
        event = self._window_changed
        closed = asyncio.ensure_future(self.closed.wait())
        try:
            await asyncio.wait(
                [asyncio.ensure_future(event.wait()), closed],
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            closed.cancel()
        if self.closed.is_set():
            raise StreamGone("connection closed")

    async def respond(
        self, stream_id: int, status: int, body: bytes = b"", headers: Fields = ()
    ) -> None:
        fields = [(b":status", b"%d" % status), *headers]
        await self.headers(stream_id, fields, end_stream=not body)
        if body:
            await self.data(stream_id, body, end_stream=True)

    async def rst(self, stream_id: int, code: int) -> None:
        await self.send(RstStreamFrame(stream_id, error_code=code).serialize())

    async def goaway(self, last_stream_id: int, code: int = 0, debug: bytes = b"") -> None:
        frame = GoAwayFrame(0, last_stream_id=last_stream_id, error_code=code)
        frame.additional_data = debug
        await self.send(frame.serialize())

    async def flood(
        self, frames: bytes, budget: int = PUSH_BUDGET_BYTES, seconds: float = PUSH_BUDGET_SECONDS
    ) -> int:
        """Send `frames` again and again until the client hangs up or the budget is spent."""
        sent = 0
        deadline = time.monotonic() + seconds
        with contextlib.suppress(StreamGone):
            while sent < budget and time.monotonic() < deadline:
                await self.send(frames)
                sent += len(frames)
        return sent

    def close_write(self) -> None:
        """Close our side: a FIN (we go on reading, so the client's late frames cause no
        RST), or over TLS a close_notify, which asyncio follows with the TCP close."""
        if self.writer.can_write_eof():
            self.writer.write_eof()
        else:
            self.writer.close()

    def pause_reading(self) -> None:
        """Stop reading the client: what it sends piles up in its socket buffers."""
        self._reading.clear()

    async def wait_closed(self) -> None:
        await self.closed.wait()

    # --- receiving ----------------------------------------------------------------------

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        fallback = loop.call_later(
            PREAMBLE_FALLBACK, self._spawn, self._ensure_preamble, default_preamble
        )
        try:
            while True:
                await self._reading.wait()
                header = await self.reader.readexactly(9)
                frame, length = Frame.parse_frame_header(memoryview(header))
                payload = await self.reader.readexactly(length)
                self.record.bytes_received += 9 + length
                frame.parse_body(memoryview(payload))
                await self._on_frame(frame)
        except (
            asyncio.IncompleteReadError,
            ConnectionError,
            StreamGone,
            hyperframe.exceptions.HyperframeError,
        ):
            pass  # the client hung up or sent garbage: done with this connection
        finally:
            fallback.cancel()
            self.closed.set()
            self.record.closed.set()
            self._window_changed.set()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, function: Callable[..., Awaitable[None]], *args: typing.Any) -> None:
        """Run `function(*args)` as a task of this connection (cancelled when it ends)."""

        async def guarded() -> None:
            try:
                await function(*args)
            except (StreamGone, asyncio.CancelledError):
                pass
            except BaseException as exc:  # a broken script: the test reports it
                self._errors.append(exc)

        task = asyncio.ensure_future(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _ensure_preamble(self, preamble: Preamble) -> None:
        if self._preamble_sent:
            return
        self._preamble_sent = True
        await preamble(self)
        for _ in range(self._unacked_settings if self.acks else 0):
            await self.send(SettingsFrame(0, flags=["ACK"]).serialize())
        self._unacked_settings = 0

    async def _on_frame(self, frame: Frame) -> None:
        record = self.record
        if isinstance(frame, (HeadersFrame, ContinuationFrame)):
            if isinstance(frame, HeadersFrame):
                self._block = bytearray(frame.data)
                self._block_stream = frame.stream_id
                self._block_end_stream = "END_STREAM" in frame.flags
            else:
                self._block += frame.data
            if "END_HEADERS" in frame.flags:
                await self._on_header_block()
        elif isinstance(frame, DataFrame):
            stream = self.streams.get(frame.stream_id)
            if stream is not None:
                stream.body += frame.data
            if frame.flow_controlled_length:
                increment = frame.flow_controlled_length
                await self.send(WindowUpdateFrame(0, window_increment=increment).serialize())
                if "END_STREAM" not in frame.flags:
                    update = WindowUpdateFrame(frame.stream_id, window_increment=increment)
                    await self.send(update.serialize())
            if stream is not None and "END_STREAM" in frame.flags:
                await self._on_request(stream)
        elif isinstance(frame, SettingsFrame):
            if "ACK" in frame.flags:
                record.client_settings_acks += 1
                return
            self._apply_settings(frame.settings)
            if self._preamble_sent and self.acks:
                await self.send(SettingsFrame(0, flags=["ACK"]).serialize())
            else:
                self._unacked_settings += 1
        elif isinstance(frame, PingFrame):
            if "ACK" in frame.flags:
                record.client_ping_acks += 1
            else:
                record.client_pings += 1
                if self.acks:
                    await self.send(
                        PingFrame(0, opaque_data=frame.opaque_data, flags=["ACK"]).serialize()
                    )
        elif isinstance(frame, WindowUpdateFrame):
            if frame.stream_id == 0:
                self.send_window += frame.window_increment
            elif frame.stream_id in self.streams:
                self.streams[frame.stream_id].send_window += frame.window_increment
            self._window_changed.set()
            self._window_changed = asyncio.Event()
        elif isinstance(frame, RstStreamFrame):
            record.client_resets.append((frame.stream_id, frame.error_code))
            if frame.stream_id in self.streams:
                self.streams[frame.stream_id].reset.set()
        elif isinstance(frame, GoAwayFrame):
            record.client_goaways.append((frame.last_stream_id, frame.error_code))

    def _apply_settings(self, settings: dict[int, int]) -> None:
        self.record.client_settings.update(settings)
        if SettingsFrame.INITIAL_WINDOW_SIZE in settings:
            delta = settings[SettingsFrame.INITIAL_WINDOW_SIZE] - self.initial_window
            self.initial_window += delta
            for stream in self.streams.values():
                stream.send_window += delta
        if SettingsFrame.MAX_FRAME_SIZE in settings:
            self.max_frame_size = settings[SettingsFrame.MAX_FRAME_SIZE]
        if SettingsFrame.HEADER_TABLE_SIZE in settings:
            self.encoder.header_table_size = settings[SettingsFrame.HEADER_TABLE_SIZE]
        self._window_changed.set()
        self._window_changed = asyncio.Event()

    async def _on_header_block(self) -> None:
        fields = [
            (bytes(name), bytes(value))
            for name, value in self.decoder.decode(bytes(self._block), raw=True)
        ]
        stream_id = self._block_stream
        stream = self.streams.get(stream_id)
        if stream is None:  # a new request (else: its trailers)
            stream = H2Stream(stream_id, fields, self.initial_window)
            self.streams[stream_id] = stream
        if self._block_end_stream:
            await self._on_request(stream)

    async def _on_request(self, stream: H2Stream) -> None:
        request = Received(
            self.record.number,
            stream.id,
            stream.method,
            stream.path,
            tuple(stream.headers),
            bytes(stream.body),
        )
        self.record.requests.append(request)
        script, preamble, stream.marks = self._resolve(stream.path)
        await self._ensure_preamble(preamble or default_preamble)
        if script is None:
            self._spawn(self._answer_ok, stream)
        else:
            self._spawn(script, self, stream)

    async def _answer_ok(self, stream: H2Stream) -> None:
        body = f"ok {stream.path}".encode()
        fields = [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(body))]
        await self.respond(stream.id, 200, body, fields)
