"""The event-stream parser (httpx/_sse/_parser.py), with no I/O.

Against the WHATWG HTML "event stream interpretation" rules: a table of cases (among
them the standard's own examples), and a property test comparing the incremental
parser, fed a stream cut at arbitrary points, with a direct transcription of the
rules applied to the whole stream at once. Then the size limits: whatever the server
sends, the parser holds at most about `max_event_size` bytes.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import httpx
from httpx import ServerSentEvent as Event
from httpx._sse._parser import EventStreamParser
from httpx._sse._reconnect import Reconnect

# --- a transcription of the standard, for whole streams ----------------------------------


def reference(stream: bytes) -> tuple[list[Event], str, int | None]:
    """(events, last event ID, reconnection time) of a complete stream, by the letter
    of https://html.spec.whatwg.org/multipage/server-sent-events.html, written for
    clarity (the whole text at once), not for speed or bounded memory."""
    text = stream.decode("utf-8", "replace")  # WHATWG "UTF-8 decode"...
    if text.startswith("\ufeff"):  # ...which drops one leading BOM
        text = text[1:]
    lines = re.split("\r\n|\r|\n", text)
    lines.pop()  # not a line: whatever follows the last line end (maybe "")
    events: list[Event] = []
    data = event_type = id_buffer = last_event_id = ""
    retry: int | None = None
    event_retry: int | None = None
    for line in lines:
        if line == "":
            last_event_id = id_buffer
            if data:
                events.append(
                    Event(event_type or "message", data[:-1], last_event_id, event_retry)
                )
            data = event_type = ""
            event_retry = None
            continue
        if line.startswith(":"):
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "event":
            event_type = value
        elif name == "data":
            data += value + "\n"
        elif name == "id":
            if "\0" not in value:
                id_buffer = value
        elif name == "retry":
            if value and all(char in "0123456789" for char in value):
                retry = event_retry = int(value.lstrip("0") or "0")
    return events, last_event_id, retry


def parse(
    chunks: list[bytes], max_event_size: int = 1_048_576
) -> tuple[list[Event], str, int | None]:
    parser = EventStreamParser(max_event_size)
    events: list[Event] = []
    for chunk in chunks:
        events += parser.feed(chunk)
    parser.end()
    return events, parser.last_event_id, parser.retry


def cut(stream: bytes, points: list[int]) -> list[bytes]:
    bounds = sorted({min(point, len(stream)) for point in points})
    starts = [0, *bounds]
    return [stream[a:b] for a, b in zip(starts, [*bounds, len(stream)], strict=True)]


def every_cut(stream: bytes) -> list[list[bytes]]:
    """The stream whole, byte by byte, and cut once at every position."""
    cuts = [[stream], [stream[i : i + 1] for i in range(len(stream))]]
    cuts += [[stream[:i], stream[i:]] for i in range(1, len(stream))]
    return cuts


# --- the table ---------------------------------------------------------------------------

CASES: list[tuple[str, bytes, list[Event], str, int | None]] = [
    (
        "standard example: stock ticker, multi-line data",
        b"data: YHOO\ndata: +2\ndata: 10\n\n",
        [Event("message", "YHOO\n+2\n10")],
        "",
        None,
    ),
    (
        "standard example: comment, ids, id reset, two spaces",
        b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\n"
        b"data:  third event\n\n",
        [
            Event(data="first event", id="1"),
            Event(data="second event"),
            Event(data=" third event"),
        ],
        "",
        None,
    ),
    (
        "standard example: empty data, and the last event left incomplete",
        b"data\n\ndata\ndata\n\ndata:",
        [Event(data=""), Event(data="\n")],
        "",
        None,
    ),
    (
        "standard example: the space after the colon is optional",
        b"data:test\n\ndata: test\n\n",
        [Event(data="test"), Event(data="test")],
        "",
        None,
    ),
    ("an event needs its blank line", b"data: lost", [], "", None),
    ("...even after a line end", b"data: lost\n", [], "", None),
    (
        "CR, LF and CRLF line ends, mixed",
        b"data: a\rdata: b\r\ndata: c\n\r\ndata: d\r\r",
        [Event(data="a\nb\nc"), Event(data="d")],
        "",
        None,
    ),
    (
        "LF CR is two line ends",
        b"data: a\n\rdata: b\n\n",
        [Event(data="a"), Event(data="b")],
        "",
        None,
    ),
    (
        "the event type: named, reset after each event",
        b"event: add\ndata: 1\n\ndata: 2\n\nevent:\ndata: 3\n\n",
        [Event("add", "1"), Event("message", "2"), Event("message", "3")],
        "",
        None,
    ),
    (
        "only the last of several event lines counts",
        b"event: a\nevent: b\ndata: x\n\n",
        [Event("b", "x")],
        "",
        None,
    ),
    (
        "a block without data dispatches nothing, and forgets its event type",
        b"event: lost\n\ndata: x\n\n",
        [Event("message", "x")],
        "",
        None,
    ),
    (
        "the last event ID persists across events, and is set by data-less blocks too",
        b"id: 1\ndata: a\n\ndata: b\n\nid: 7\n\ndata: c\n\n",
        [Event(data="a", id="1"), Event(data="b", id="1"), Event(data="c", id="7")],
        "7",
        None,
    ),
    (
        "an id holding NUL is ignored",
        b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n",
        [Event(data="a", id="1"), Event(data="b", id="1")],
        "1",
        None,
    ),
    (
        "an id in an incomplete event never becomes the last event ID",
        b"id: 1\ndata: a\n\nid: 2\ndata: b\n",
        [Event(data="a", id="1")],
        "1",
        None,
    ),
    (
        "retry: ASCII digits only",
        b"retry: 1000\ndata: a\n\nretry: 10a\ndata: b\n\nretry: -1\nretry: 1.5\nretry:\n"
        b"retry:  5\nretry: \xd9\xa1\ndata: c\n\n",
        [Event(data="a", retry=1000), Event(data="b"), Event(data="c")],
        "",
        1000,
    ),
    (
        "retry applies at once, even in a block never completed",
        b"data: a\n\nretry: 42\ndata: b\n",
        [Event(data="a")],
        "",
        42,
    ),
    (
        "retry with leading zeros, and very long",
        b"retry: 007\n\nretry: " + b"0" * 5000 + b"12\n\n",
        [],
        "",
        12,
    ),
    (
        "a field name alone has an empty value; unknown fields are ignored",
        b"data\nfoo: bar\nDATA: no\n data: no\nevent\ndata: x\n\n",
        [Event(data="\nx")],
        "",
        None,
    ),
    (
        "only the first colon separates, and only one space is dropped",
        b"data:  a: b\n\ndata::c\n\n",
        [Event(data=" a: b"), Event(data=":c")],
        "",
        None,
    ),
    (
        "comments anywhere",
        b":\n: comment\ndata: a\n:x\ndata: b\n\n",
        [Event(data="a\nb")],
        "",
        None,
    ),
    (
        "a leading BOM is dropped, once",
        b"\xef\xbb\xbf\xef\xbb\xbfdata: a\n\ndata: b\n\n",
        [Event(data="b")],
        "",
        None,
    ),
    (
        "a BOM elsewhere is text",
        b"data: a\xef\xbb\xbf\n\n",
        [Event(data="a\ufeff")],
        "",
        None,
    ),
    (
        "UTF-8 text; invalid bytes become U+FFFD",
        b"data: caf\xc3\xa9 \xe2\x9c\x93\n\ndata: \xff\xc3\n\nevent: \xed\xa0\x80\ndata: x\n\n",
        [Event(data="café ✓"), Event(data="\ufffd\ufffd"), Event("\ufffd\ufffd\ufffd", "x")],
        "",
        None,
    ),
    (
        "blank lines alone dispatch nothing",
        b"\n\n\r\n\r\r",
        [],
        "",
        None,
    ),
]


@pytest.mark.parametrize(
    ("stream", "events", "last_event_id", "retry"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_whatwg_cases(
    stream: bytes, events: list[Event], last_event_id: str, retry: int | None
) -> None:
    assert reference(stream) == (events, last_event_id, retry)  # the transcription agrees
    for chunks in every_cut(stream):
        assert parse(chunks) == (events, last_event_id, retry), chunks


# --- any stream, cut anywhere ------------------------------------------------------------

# Pieces that meet the rules' corner cases when strung together at random.
PIECES = [
    b"data",
    b"data:",
    b"data: ",
    b"event:",
    b"event: tick",
    b"id:",
    b"id: 7",
    b"retry:",
    b"retry: 25",
    b"retry: 9x",
    b"\x00",
    b":",
    b": comment",
    b" ",
    b"x",
    b"foo",
    b"\r",
    b"\n",
    b"\r\n",
    b"\n\n",
    b"\xef\xbb\xbf",
    b"\xc3\xa9",
    b"\xe2\x9c",
    b"\x93",
    b"\xff",
]
streams = st.lists(st.sampled_from(PIECES), max_size=40).map(b"".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams, st.lists(st.integers(0, 200), max_size=12))
@example(b"\xef\xbb\xbfdata: a\r\n\r\n", [1, 2, 9, 10])
@example(b"data: a\r\n\r\n", [8, 10])
@example(b"data: a\r\ndata: b\r\n\r\n", [8])  # a CRLF split: one line end, not two
def test_any_stream_cut_anywhere_matches_the_rules(stream: bytes, points: list[int]) -> None:
    assert parse(cut(stream, points)) == reference(stream)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300), st.lists(st.integers(0, 300), max_size=8))
def test_arbitrary_bytes_match_the_rules(stream: bytes, points: list[int]) -> None:
    assert parse(cut(stream, points)) == reference(stream)


def test_last_event_id_and_retry_carry_over_to_a_new_connection() -> None:
    first = EventStreamParser()
    assert first.feed(b"retry: 50\nid: 3\ndata: a\n\nid: 4\ndata: cut sh") == [
        Event(data="a", id="3", retry=50)
    ]
    first.end()
    assert (first.last_event_id, first.retry) == ("3", 50)
    second = EventStreamParser(last_event_id=first.last_event_id, retry=first.retry)
    assert second.feed(b"data: b\n\n") == [Event(data="b", id="3")]
    assert second.retry == 50


# --- bounded memory ----------------------------------------------------------------------

LIMIT = 1000
CHUNK = 64 * 1024


def feed_endlessly(parser: EventStreamParser, first: bytes, filler: bytes, rounds: int) -> int:
    """Feed `first`, then `filler` `rounds` times; the most bytes the parser held."""
    most = 0
    assert parser.feed(first) == []
    for _ in range(rounds):
        assert parser.feed(filler) == []
        most = max(most, parser.buffered_bytes)
    return most


@pytest.mark.parametrize(
    ("first", "filler"),
    [
        pytest.param(b":", b"x" * CHUNK, id="a comment that never ends"),
        pytest.param(b": a\n" * 10, b": comment\n" * (CHUNK // 10), id="endless comments"),
        pytest.param(b"unknown: ", b"y" * CHUNK, id="an ignored field that never ends"),
        pytest.param(b"", b"z" * CHUNK, id="a field name that never ends"),
        pytest.param(b"", b"\n" * CHUNK, id="endless blank lines"),
        pytest.param(b"", b"id: 1\n\n" * (CHUNK // 7), id="endless data-less blocks"),
        pytest.param(b"", b"data: a\n\n" * (CHUNK // 9), id="endless small events"),
    ],
)
def test_memory_stays_bounded_without_error(first: bytes, filler: bytes) -> None:
    parser = EventStreamParser(LIMIT)
    if filler.startswith(b"data"):
        held = 0
        for _ in range(20):
            assert len(parser.feed(filler)) == CHUNK // 9
            held = max(held, parser.buffered_bytes)
    else:
        # 12.5 MiB of lines that never end; 1.25 MiB of many short lines.
        rounds = 200 if filler.count(b"\n") < 2 else 20
        held = feed_endlessly(parser, first, filler, rounds)
    assert held <= 16


@pytest.mark.parametrize(
    ("first", "filler"),
    [
        pytest.param(b"data: ", b"x" * 100, id="a data line that never ends"),
        pytest.param(b"", b"data: xxxxxxx\n", id="data lines without a blank line"),
        pytest.param(b"event: ", b"x" * 100, id="an event line that never ends"),
        pytest.param(b"id: ", b"x" * 100, id="an id line that never ends"),
        pytest.param(b"retry: ", b"1" * 100, id="a retry line that never ends"),
    ],
)
def test_fields_past_max_event_size_raise(first: bytes, filler: bytes) -> None:
    parser = EventStreamParser(LIMIT)
    parser.feed(first)
    with pytest.raises(httpx.SSEError, match="max_event_size") as info:
        for _ in range(LIMIT):
            parser.feed(filler)
            assert parser.buffered_bytes <= LIMIT + len(filler) + 8
    assert isinstance(info.value, httpx.TransportError)
    # The parser stays failed.
    with pytest.raises(httpx.SSEError):
        parser.feed(b"\n\n")
    with pytest.raises(httpx.SSEError):
        parser.end()


@pytest.mark.parametrize("cuts", [1, 7, 1000])
def test_max_event_size_is_the_size_of_the_data(cuts: int) -> None:
    # The data of "a\nbb...b" is exactly LIMIT bytes: allowed. One byte more is not.
    fits = b"data: a\ndata: " + b"b" * (LIMIT - 2) + b"\n\n"
    over = b"data: a\ndata: " + b"b" * (LIMIT - 1) + b"\n\n"
    (event,) = parse(cut(fits, list(range(0, len(fits), cuts))), LIMIT)[0]
    assert len(event.data) == LIMIT
    with pytest.raises(httpx.SSEError):
        parse(cut(over, list(range(0, len(over), cuts))), LIMIT)
    multibyte = b"data: " + "é".encode() * (LIMIT // 2) + b"\n\n"  # LIMIT bytes, LIMIT/2 chars
    assert parse([multibyte], LIMIT)[0] == [Event(data="é" * (LIMIT // 2))]


def test_events_before_an_oversized_one_come_first() -> None:
    parser = EventStreamParser(LIMIT)
    events = parser.feed(b"data: a\n\ndata: b\n\ndata: " + b"x" * (LIMIT + 1) + b"\n\n")
    assert events == [Event(data="a"), Event(data="b")]
    with pytest.raises(httpx.SSEError):
        parser.end()


def test_max_event_size_is_checked() -> None:
    with pytest.raises(ValueError):
        EventStreamParser(0)
    with pytest.raises(TypeError):
        EventStreamParser(True)
    with pytest.raises(TypeError):
        httpx.EventSource(httpx.Response(200), max_event_size="1")  # type: ignore[arg-type]


# --- the event value ---------------------------------------------------------------------


def test_server_sent_event_value() -> None:
    event = Event(data='{"a": [1, 2]}', id="9")
    assert event == Event("message", '{"a": [1, 2]}', "9", None)
    assert hash(event) == hash(Event(data='{"a": [1, 2]}', id="9"))
    assert event != Event(data='{"a": [1, 2]}', id="8")
    assert (
        repr(event)
        == "ServerSentEvent(event='message', data='{\"a\": [1, 2]}', id='9', retry=None)"
    )
    assert event.json() == {"a": [1, 2]}
    assert Event().event == "message" and Event().data == "" and Event().retry is None
    with pytest.raises(AttributeError):
        event.data = "other"  # type: ignore[misc]


# --- the reconnection policy -------------------------------------------------------------


def test_reconnect_delays() -> None:
    policy = Reconnect(delay=0.5, max_delay=3.0, backoff=2.0)
    assert [policy.delay_before(n, None) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    # The server's retry (milliseconds) replaces the default, under the same cap.
    assert [policy.delay_before(n, 250) for n in (1, 2, 3)] == [0.25, 0.5, 1.0]
    assert policy.delay_before(1, 3_600_000) == 3.0
    assert policy.delay_before(10_000, None) == 3.0  # no overflow
    assert Reconnect(backoff=1.0).delay_before(9, 100) == 0.1


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"max_attempts": 0}, ValueError),
        ({"max_attempts": 1.5}, TypeError),
        ({"delay": -1}, ValueError),
        ({"max_delay": float("inf")}, ValueError),
        ({"backoff": 0.5}, ValueError),
        ({"delay": "1"}, TypeError),
    ],
)
def test_reconnect_settings_are_checked(
    options: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        Reconnect(**options)  # type: ignore[arg-type]
