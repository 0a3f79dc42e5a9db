"""The HTTP/1.1 request writer and the two response engines, checked against h11.

* Request heads (httpx/_transports/http11/request.py) are written by us for both
  engines: generated heads must come out as the same bytes h11 would send, and be
  refused where h11 refuses them.
* Responses are parsed by h11 (the reference) or httptools (llhttp). Property tests
  generate response heads and bodies (valid and broken in many ways), and check each
  engine against h11 itself; a differential test feeds both engines the same byte
  streams, split at random points, and requires the same outcome: the head, the body
  bytes, the error (class and message), the protocol switch and whether the
  connection could carry another request.
"""

from __future__ import annotations

import typing

import h11
import httpcore
import pytest
from h11._connection import _body_framing, _keep_alive
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from httpx._transports.http11 import request as writer
from httpx._transports.http11.h11_engine import H11Parser
from httpx._transports.http11.response import (
    MAX_HEAD_SIZE,
    MAX_INTERIM_RESPONSES,
    ResponseHead,
    ResponseParser,
    conflicting_framing,
)

httptools_engine = pytest.importorskip("httpx._transports.http11.httptools_engine")
HttptoolsParser = httptools_engine.HttptoolsParser

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENGINES: list[type[ResponseParser]] = [H11Parser, HttptoolsParser]

# --- request heads ----------------------------------------------------------------------------

NAMES = [b"Host", b"Accept", b"X-Custom", b"Content-Length", b"Transfer-Encoding", b"Connection"]
NAMES += [b"Upgrade", b"Bad Name", b"", b"X:Colon", b"caf\xc3\xa9", b"X-\x00"]
VALUES = [b"", b"a", b"a b", b" lead", b"trail ", b"x\ty", b"nul\x00", b"cr\rlf", b"\x80\xff"]
VALUES += [b"5", b"5, 5", b"4, 5", b"chunked", b"CHUNKED", b"gzip", b"close", b"keep-alive"]
VALUES += [b"Upgrade, close", b"ctl\x01", b"vt\x0b"]

fields = st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(VALUES)), max_size=6)
methods = st.sampled_from([b"GET", b"POST", b"HEAD", b"CONNECT", b"PURGE", b"BAD METHOD", b""])
targets = st.sampled_from([b"/", b"/a?b=c", b"*", b"http://x/", b"/sp ace", b"/\x7f", b""])


def h11_request_bytes(method: bytes, target: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    connection = h11.Connection(h11.CLIENT)
    return connection.send(h11.Request(method=method, target=target, headers=headers))


@SETTINGS
@given(methods, targets, fields)
@example(b"GET", b"/", [(b"Host", b"a"), (b"Content-Length", b"5, 5")])
@example(b"GET", b"/", [(b"Host", b"a"), (b"Transfer-Encoding", b"CHUNKED")])
def test_request_heads_match_h11(
    method: bytes, target: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    try:
        expected: bytes | None = h11_request_bytes(method, target, headers)
    except h11.LocalProtocolError:
        expected = None
    try:
        ours: bytes | None = writer.encode_request_head(method, target, headers).data
    except httpcore.LocalProtocolError:
        ours = None
    assert ours == expected


def test_request_head_facts() -> None:
    head = writer.encode_request_head(
        b"POST",
        b"/",
        [(b"host", b"a"), (b"Connection", b"Upgrade, Close"), (b"Upgrade", b"ws")],
    )
    assert (head.keep_alive, head.upgrade, head.body_length) == (False, b"ws", 0)
    head = writer.encode_request_head(
        b"POST", b"/", [(b"Host", b"a"), (b"Transfer-Encoding", b"chunked")]
    )
    assert head.body_length is None
    head = writer.encode_request_head(b"HEAD", b"/", [(b"Host", b"a"), (b"Content-Length", b"7")])
    assert (head.is_head, head.body_length, head.keep_alive) == (True, 7, True)


def test_the_request_h11_is_told_about() -> None:
    head = writer.encode_request_head(
        b"GET",
        b"/chat",
        [(b"Host", b"a"), (b"Accept", b"*/*"), (b"Connection", b"close"), (b"Upgrade", b"ws")],
    )
    event = head.h11_event
    assert (event.method, event.target) == (b"GET", b"/chat")
    assert list(event.headers.raw_items()) == [
        (b"Host", b"a"),
        (b"Connection", b"close"),
        (b"Upgrade", b"ws"),
    ]
    assert head.h11_event is event  # built once per head


# --- driving an engine as a connection does ---------------------------------------------------

REQUESTS = {
    "GET": [(b"Host", b"a")],
    "HEAD": [(b"Host", b"a")],
    "CONNECT": [(b"Host", b"a:443")],
    "UPGRADE": [(b"Host", b"a"), (b"Upgrade", b"websocket")],
    "CLOSE": [(b"Host", b"a"), (b"Connection", b"close")],
}


def request_head(kind: str) -> writer.RequestHead:
    method = {"HEAD": b"HEAD", "CONNECT": b"CONNECT"}.get(kind, b"GET")
    target = b"a:443" if kind == "CONNECT" else b"/"
    return writer.encode_request_head(method, target, REQUESTS[kind])


class FullH11Parser(ResponseParser):
    """The reference: h11 driven through every event of every exchange (one
    `h11.Connection` for the connection, each request ended with EndOfMessage, every body
    read by h11). The h11 engine takes shortcuts (a new state machine per exchange,
    Content-Length bodies counted by itself); both engines must agree with this."""

    def __init__(self) -> None:
        super().__init__()
        self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD_SIZE)
        self._request: writer.RequestHead | None = None

    def start(self, request: writer.RequestHead) -> None:
        if self._h11.our_state is not h11.IDLE:
            self._h11.start_next_cycle()
        self.reset()
        self._request = request
        self._h11.send(request.h11_event)
        self._h11.send(h11.EndOfMessage())

    def feed(self, data: bytes) -> bytes:
        connection = self._h11
        if not data and connection.their_state is h11.SEND_RESPONSE:
            raise httpcore.RemoteProtocolError("Server disconnected without sending a response.")
        body = b""
        try:
            connection.receive_data(data)
            while True:
                event = connection.next_event()
                if isinstance(event, h11.Data):
                    body += bytes(event.data)
                elif event is h11.NEED_DATA:
                    break
                elif isinstance(event, h11.Response):
                    request = self._request
                    assert request is not None
                    tunnel = request.is_connect and event.status_code < 300
                    if conflicting_framing(event.headers) and not tunnel:
                        raise httpcore.RemoteProtocolError(
                            "Response with both Transfer-Encoding and Content-Length"
                        )
                    self.head = reference_head(event)
                elif isinstance(event, h11.InformationalResponse):
                    if event.status_code == 101:
                        self.head = reference_head(event)
                    else:
                        self.count_interim()
                elif isinstance(event, h11.EndOfMessage):
                    self.done = True
                    self.extra = bool(connection.trailing_data[0])
                    break
                elif event is h11.PAUSED:
                    self.done = self.switched = True
                    self.leftover = bytes(connection.trailing_data[0])
                    break
                else:
                    break
        except h11.RemoteProtocolError as exc:
            raise httpcore.RemoteProtocolError(str(exc)) from exc
        return body


def reference_head(event: h11.Response | h11.InformationalResponse) -> ResponseHead:
    return ResponseHead(
        b"HTTP/" + event.http_version,
        event.status_code,
        event.reason,
        list(event.headers.raw_items()),
        _keep_alive(event),  # type: ignore[arg-type]
    )


class Outcome(typing.NamedTuple):
    head: tuple[bytes, int, bytes, list[tuple[bytes, bytes]], bool] | None
    body: bytes
    error: tuple[type[Exception], str] | None
    switched: bool
    leftover: bytes
    reusable: bool


def run(engine: type[ResponseParser], kind: str, pieces: list[bytes]) -> Outcome:
    """Feed `pieces` (then the end of the connection, if the response is still open)
    the way a connection does: stop at the end of the response."""
    return run_on(engine(), kind, pieces)


def run_on(parser: ResponseParser, kind: str, pieces: list[bytes]) -> Outcome:
    """`run`, with a parser that may have served earlier exchanges of its connection."""
    request = request_head(kind)
    parser.start(request)
    body = b""
    error = None
    closed = False  # the server's close was fed (the connection cannot be reused)
    try:
        for piece in [*pieces, b""]:
            closed = not piece
            body += parser.feed(piece)
            if parser.done:
                break
    except httpcore.RemoteProtocolError as exc:
        error = (type(exc), str(exc))
    head = parser.head
    summary = None
    if head is not None:
        summary = (head.http_version, head.status, head.reason, head.headers, head.keep_alive)
    reusable = (
        error is None
        and not closed
        and head is not None
        and request.keep_alive
        and head.keep_alive
        and parser.done
        and not parser.extra
        and not parser.switched
    )
    return Outcome(summary, body, error, parser.switched, parser.leftover, reusable)


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({cut % (len(data) + 1) for cut in cuts})
    pieces, start = [], 0
    for point in [*points, len(data)]:
        if point > start:
            pieces.append(data[start:point])
            start = point
    return pieces


# --- response heads against h11 ---------------------------------------------------------------

STATUS_LINES = [b"HTTP/1.1 200 OK", b"HTTP/1.0 200 OK", b"HTTP/1.1 404 Not Found", b"HTTP/1.1 200"]
STATUS_LINES += [b"HTTP/1.1 200 ", b"HTTP/2.0 204 No", b"HTTP/1.1 2000 OK", b"HTTP/1.1 20 OK"]
STATUS_LINES += [b"HTTP/1.1 304 Not Modified", b"HTTP/1.1 200 \x80 caf\xe9", b"http/1.1 200 OK"]
STATUS_LINES += [b"HTTP/1.1 200 O\tK", b"HTTP/1.1 101 Switching", b"HTTP/1.1 200 nul\x00"]
STATUS_LINES += [
    b"HTTP/1.1 099 Low",
    b"HTTP/1.1 999 High",
    b"HTTP/1.1  200 OK",
    b"HTTP/0.9 200 OK",
]
RESPONSE_NAMES = NAMES + [b"content-length", b"CONNECTION", b" folded", b"\tfolded"]
RESPONSE_VALUES = VALUES + [b"01", b"+1", b"1 ", b"99999999999999999999", b"Upgrade"]
line_ends = st.sampled_from([b"\r\n", b"\r\n", b"\r\n", b"\n"])


@st.composite
def response_heads(draw: st.DrawFn) -> bytes:
    status = draw(st.sampled_from(STATUS_LINES))
    lines = [status]
    for _ in range(draw(st.integers(0, 6))):
        name = draw(st.sampled_from(RESPONSE_NAMES))
        value = draw(st.sampled_from(RESPONSE_VALUES))
        separator = draw(st.sampled_from([b": ", b":", b":  ", b" : ", b":\t"]))
        if name.startswith((b" ", b"\t")):
            lines.append(name + value)  # an obs-fold continuation line
        else:
            lines.append(name + separator + value + draw(st.sampled_from([b"", b" ", b"\t"])))
    return b"".join(line + draw(line_ends) for line in lines) + draw(line_ends)


def h11_response(head: bytes, method: bytes) -> h11.Response | h11.InformationalResponse:
    connection = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD_SIZE)
    headers = [(b"Host", b"a")] + ([(b"Upgrade", b"x")] if method == b"UPGRADE" else [])
    connection.send(
        h11.Request(method=method.replace(b"UPGRADE", b"GET"), target=b"/", headers=headers)
    )
    connection.receive_data(head)
    event = connection.next_event()
    assert isinstance(event, (h11.Response, h11.InformationalResponse)), event
    return event


@SETTINGS
@given(response_heads(), st.sampled_from(["GET", "HEAD", "CONNECT"]))
@example(b"HTTP/1.1 200 OK\r\nX: a\r\n  b\r\n\r\n", "GET")
@example(b"HTTP/1.1 200 OK\nContent-Length: 5\r\n\r\n", "GET")
@example(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nContent-Length: 5\r\n\r\n", "GET")
@example(b"HTTP/1.1 200 OK\r\nConnection: keep-alive, CLOSE\r\n\r\n", "GET")
@example(b"HTTP/1.1 099 Low\r\n\r\n", "GET")
@example(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", "GET")
@example(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", "CONNECT")
def test_response_heads_match_h11(head: bytes, kind: str) -> None:
    method = kind.encode()
    try:
        expected: typing.Any = h11_response(head, method)
    except h11.RemoteProtocolError:
        expected = None
    if (
        isinstance(expected, h11.Response)
        and conflicting_framing(expected.headers)
        and not (method == b"CONNECT" and expected.status_code < 300)
    ):
        expected = None  # refused beyond h11 (RFC 9112 section 6.3), by both engines
    if isinstance(expected, h11.InformationalResponse) and expected.status_code != 101:
        return  # an interim response: the engines wait for the final one
    for engine in ENGINES:
        parser = engine()
        parser.start(request_head(kind))
        try:
            parser.feed(head)
            parsed = parser.head
        except httpcore.RemoteProtocolError:
            parsed = None
        if expected is None:
            assert parsed is None, (engine, parsed)
            continue
        assert parsed is not None, engine
        assert parsed.http_version == b"HTTP/" + expected.http_version
        assert (parsed.status, parsed.reason) == (expected.status_code, expected.reason)
        assert parsed.headers == list(expected.headers.raw_items()), engine
        assert parsed.keep_alive == _keep_alive(expected)
        if not isinstance(expected, h11.Response):
            continue
        kind_of_body, args = _body_framing(method, expected)
        if method == b"CONNECT" and 200 <= expected.status_code < 300:
            assert parser.switched
        elif kind_of_body == "content-length" and args == (0,):
            assert parser.done and not parser.extra
        elif kind_of_body == "http/1.0":
            assert not parser.done  # runs until the connection closes
            assert parser.feed(b"rest") == b"rest"
            parser.feed(b"")
            assert parser.done
        else:
            assert not parser.done


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\r\nHTTP/1.1 200 OK\r\n\r\n", "no response line"),
        (b"HTTP/1.1 200 OK\r\n" + b"X: " + b"a" * (MAX_HEAD_SIZE + 10), "Receive buffer too long"),
        (b"HTTP/1.1 099 Low\r\n\r\n", "InformationalResponse status_code"),
        (b"HTTP/1.1 101 Switching\r\n\r\n", "without a pending proposal"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            "both Transfer-Encoding and Content-Length",
        ),
        (b"HTTP/1.1 102 P\r\n\r\n" * 65, "more than 64 interim"),
        (b"HTTP/1.1 102 P\r\n\r\n" * 64 + b"HTTP/1.1 102 P\n\n", "more than 64 interim"),
    ],
)
def test_refused_heads(engine: type[ResponseParser], data: bytes, message: str) -> None:
    parser = engine()
    parser.start(request_head("GET"))
    with pytest.raises(httpcore.RemoteProtocolError, match=message):
        parser.feed(data)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_closed_connection_before_a_whole_head(engine: type[ResponseParser]) -> None:
    for received in [b"", b"HTTP/1.1 200 OK\r\n"]:
        parser = engine()
        parser.start(request_head("GET"))
        if received:
            parser.feed(received)
        with pytest.raises(httpcore.RemoteProtocolError, match="Server disconnected"):
            parser.feed(b"")


# --- bodies -------------------------------------------------------------------------------------


@st.composite
def chunked_bodies(draw: st.DrawFn) -> bytes:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        data = draw(st.binary(min_size=1, max_size=20))
        size = draw(st.sampled_from([b"%x" % len(data), b"%X" % len(data), b"0%x" % len(data)]))
        extension = draw(st.sampled_from([b"", b";a=b", b"; x", b" ", b"\t", b";\x00"]))
        footer = draw(st.sampled_from([b"\r\n", b"\r\n", b"\n", b"xx"]))
        parts.append(size + extension + draw(st.sampled_from([b"\r\n", b"\n"])) + data + footer)
    last = draw(st.sampled_from([b"0\r\n", b"0;e\r\n", b"00\r\n", b"zz\r\n"]))
    trailers = draw(
        st.sampled_from([b"", b"X-T: 1\r\n", b"X-T: 1\n", b"Bad Trailer\r\n", b" fold\r\n"])
    )
    end = draw(st.sampled_from([b"\r\n", b"\n"]))
    return b"".join(parts) + last + trailers + end


def h11_chunked(body: bytes) -> bytes | None:
    connection = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD_SIZE)
    connection.send(h11.Request(method=b"GET", target=b"/", headers=[(b"Host", b"a")]))
    connection.receive_data(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
    connection.receive_data(b"")
    data = b""
    try:
        while True:
            event = connection.next_event()
            if isinstance(event, h11.Data):
                data += event.data
            elif isinstance(event, h11.EndOfMessage):
                return data
    except h11.RemoteProtocolError:
        return None


CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


@SETTINGS
@given(chunked_bodies(), st.lists(st.integers(1, 8), max_size=30))
def test_chunked_bodies_match_h11(body: bytes, cuts: list[int]) -> None:
    expected = h11_chunked(body)
    positions, total = [], 0
    for cut in cuts:
        total += cut
        positions.append(len(CHUNKED_HEAD) + total)
    for engine in ENGINES:
        outcome = run(engine, "GET", split(CHUNKED_HEAD + body, positions))
        if expected is None:
            # h11 refuses it; so must the engine, unless the error is in bytes after the
            # body's end (h11 reads the whole buffer; the engine stops at the end).
            assert outcome.error is not None or not outcome.reusable
        else:
            assert outcome.error is None and outcome.body == expected


@pytest.mark.parametrize("engine", ENGINES)
def test_content_length_bodies(engine: type[ResponseParser]) -> None:
    parser = engine()
    parser.start(request_head("GET"))
    assert parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123") == b"0123"
    assert not parser.done
    assert parser.feed(b"456789extra") == b"456789"
    assert parser.done and parser.extra
    partial = engine()
    partial.start(request_head("GET"))
    partial.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab")
    with pytest.raises(httpcore.RemoteProtocolError, match=r"received 2 bytes, expected 5"):
        partial.feed(b"")


def test_httptools_hands_body_bytes_through_uncopied() -> None:
    parser = HttptoolsParser()
    parser.start(request_head("GET"))
    parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 300000\r\n\r\n")
    block = b"x" * 100_000
    for _ in range(3):
        assert parser.feed(block) is block
    assert parser.done and not parser.extra


@pytest.mark.parametrize("engine", ENGINES)
def test_bodies_until_the_connection_closes(engine: type[ResponseParser]) -> None:
    parser = engine()
    parser.start(request_head("GET"))
    assert parser.feed(b"HTTP/1.0 200 OK\r\n\r\nabc") == b"abc"
    assert not parser.done and parser.head is not None and not parser.head.keep_alive
    assert parser.feed(b"def") == b"def"
    assert parser.feed(b"") == b""
    assert parser.done


@pytest.mark.parametrize("engine", ENGINES)
def test_one_engine_serves_a_connection(engine: type[ResponseParser]) -> None:
    parser = engine()
    for index in range(3):
        parser.start(request_head("GET"))
        body = parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n%d" % index)
        assert body == b"%d" % index and parser.done and not parser.extra


# --- the differential test ------------------------------------------------------------------------


@st.composite
def responses(draw: st.DrawFn) -> tuple[str, bytes]:
    """(kind of request, the bytes a server sends back): interim responses, a final head
    and its body, maybe more bytes after it, from valid to hostile."""
    kind = draw(st.sampled_from(sorted(REQUESTS)))
    data = b""
    if draw(st.booleans()):
        interim = draw(
            st.sampled_from(
                [b"HTTP/1.1 100 Continue\r\n\r\n", b"HTTP/1.1 103 Early\r\nLink: </a>\r\n\r\n"]
            )
        )
        # One, or as many as are allowed, or one more (refused).
        data += interim * draw(
            st.sampled_from([1, MAX_INTERIM_RESPONSES, MAX_INTERIM_RESPONSES + 1])
        )
    body = draw(st.binary(max_size=30))
    framing = draw(st.sampled_from(["length", "short", "long", "chunked", "both", "none", "raw"]))
    status = draw(st.sampled_from([b"200 OK", b"204 No", b"304 Not", b"101 Up", b"404 No"]))
    version = draw(st.sampled_from([b"HTTP/1.1", b"HTTP/1.1", b"HTTP/1.0"]))
    fields: list[bytes] = []
    if framing == "length":
        fields.append(b"Content-Length: %d" % len(body))
    elif framing == "short":
        fields.append(b"Content-Length: %d" % (len(body) + 3))
    elif framing == "long":
        fields.append(b"Content-Length: %d" % max(len(body) - 3, 0))
    elif framing in ("chunked", "both"):
        fields.append(b"Transfer-Encoding: chunked")
        if framing == "both":
            fields.append(b"Content-Length: %d" % len(body))
        body = (b"%x\r\n%s\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n"
    if draw(st.booleans()):
        fields.append(draw(st.sampled_from([b"Connection: close", b"Connection: keep-alive"])))
    if draw(st.booleans()):
        fields.append(draw(response_heads()).split(b"\n", 1)[1].strip(b"\r\n"))
    end = draw(line_ends)
    head = version + b" " + status + end + b"".join(field + end for field in fields if field)
    data += head + end + body
    if draw(st.booleans()):
        data += draw(st.sampled_from([b"\r\n", b"HTTP/1.1 200 OK\r\n\r\n", b"x" * 5]))
    return kind, data


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(responses(), st.lists(st.integers(0, 400), max_size=12))
@example(("HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"), [])
@example(("GET", b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc\r\n"), [])
@example(("GET", b"HTTP/1.1 204 No\r\n\r\nbody"), [17])
@example(("UPGRADE", b"HTTP/1.1 101 Up\r\nUpgrade: websocket\r\n\r\nframes"), [3])
@example(("CONNECT", b"HTTP/1.1 200 OK\r\n\r\ntunnel"), [])
@example(("GET", b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\nContent-Length: 1\n\nx"), [5])
@example(
    ("GET", b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"), []
)
@example(("GET", b"HTTP/1.1 103 E\r\n\r\n" * 64 + b"HTTP/1.1 200 OK\nContent-Length: 0\n\n"), [99])
@example(("GET", b"HTTP/1.1 103 E\r\n\r\n" * 65 + b"HTTP/1.1 200 OK\r\n\r\n"), [17, 18])
def test_engines_agree(response: tuple[str, bytes], cuts: list[int]) -> None:
    kind, data = response
    pieces = split(data, cuts)
    reference = run(FullH11Parser, kind, pieces)
    assert run(H11Parser, kind, pieces) == reference
    assert run(HttptoolsParser, kind, pieces) == reference


# --- one connection, several exchanges ----------------------------------------------------

NGINX_HEAD = (
    b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/octet-stream\r\n"
    b"Content-Length: 5\r\nConnection: keep-alive\r\n\r\n"
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["GET", "GET", "HEAD", "CONNECT", "UPGRADE", "CLOSE"]),
            st.sampled_from([0, 1, 2, 3]),
            st.lists(st.integers(0, 120), max_size=3),
        ),
        min_size=1,
        max_size=6,
    ),
    st.lists(responses(), min_size=2, max_size=2),
)
@example(
    [("GET", 0, []), ("GET", 0, []), ("HEAD", 0, []), ("GET", 0, [10]), ("GET", 0, [])],
    [("GET", b""), ("GET", b"")],
)
def test_engines_agree_over_a_connection(
    exchanges: list[tuple[str, int, list[int]]], drawn: list[tuple[str, bytes]]
) -> None:
    # Responses repeat on a connection (the same head again and again), to requests of
    # different kinds, split differently: each engine, one parser for the whole
    # connection, must give what h11 gives for each exchange.
    bodies = [NGINX_HEAD + b"hello", NGINX_HEAD + b"hel", drawn[0][1], drawn[1][1]]
    parsers = [FullH11Parser(), H11Parser(), HttptoolsParser()]
    for kind, which, cuts in exchanges:
        pieces = split(bodies[which], cuts)
        reference, *outcomes = [run_on(parser, kind, pieces) for parser in parsers]
        assert outcomes == [reference, reference]
        if not reference.reusable:
            break  # (the connection would be closed)
