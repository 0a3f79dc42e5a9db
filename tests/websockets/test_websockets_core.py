"""The WebSocket protocol core and handshake helpers, with no I/O (httpx._ws._core,
httpx._ws._handshake): bytes in, actions out, as h11 tests its state machine."""

from __future__ import annotations

import struct
import typing

import pytest
import wsproto
import wsproto.connection
import wsproto.events
import wsproto.utilities

import httpx
from httpx._ws._core import Deliver, Finished, PongReceived, Reply, WebSocketCore
from httpx._ws._handshake import check_response, handshake_headers, handshake_url


def server() -> wsproto.connection.Connection:
    return wsproto.connection.Connection(wsproto.ConnectionType.SERVER)


def from_server(*events: wsproto.events.Event) -> bytes:
    peer = server()
    return b"".join(peer.send(event) for event in events)


def decoded(data: bytes) -> list[wsproto.events.Event]:
    """What a server makes of the client's bytes (masked frames, as RFC 6455 5.3 asks)."""
    peer = server()
    peer.receive_data(data)
    return list(peer.events())


def test_messages_are_encoded_and_decoded() -> None:
    core = WebSocketCore(1000)
    assert decoded(core.send_message("hé")) == [wsproto.events.TextMessage(data="hé")]
    assert decoded(core.send_message(b"\x00")) == [wsproto.events.BytesMessage(data=b"\x00")]
    actions = core.receive(
        from_server(wsproto.events.TextMessage(data="a"), wsproto.events.BytesMessage(data=b"b"))
    )
    assert actions == [
        Deliver(wsproto.events.TextMessage(data="a")),
        Deliver(wsproto.events.BytesMessage(data=b"b")),
    ]


def test_fragments_are_reassembled_even_when_split_anywhere() -> None:
    data = from_server(
        wsproto.events.TextMessage(data="ça ", message_finished=False),
        wsproto.events.Ping(payload=b"p"),
        wsproto.events.TextMessage(data="va", message_finished=True),
    )
    core = WebSocketCore(1000)
    actions: list[typing.Any] = []
    for index in range(len(data)):  # one byte at a time: UTF-8 split mid-character too
        actions += core.receive(data[index : index + 1])
    delivered = [action.message.data for action in actions if isinstance(action, Deliver)]
    assert delivered == ["ça va"]
    replies = [action for action in actions if isinstance(action, Reply)]
    assert decoded(replies[0].data) == [wsproto.events.Pong(payload=b"p")]


@pytest.mark.parametrize(("characters", "fits"), [(25, True), (26, False)])
def test_text_size_limit_counts_utf8_bytes(characters: int, fits: bool) -> None:
    # 4-byte characters: 25 of them are exactly 100 bytes. The first fragment alone looks
    # small if characters are counted, the whole is not.
    first, rest = "😀" * 20, "😀" * (characters - 20)
    core = WebSocketCore(100)
    actions = core.receive(
        from_server(
            wsproto.events.TextMessage(data=first, message_finished=False),
            wsproto.events.TextMessage(data=rest, message_finished=True),
        )
    )
    if fits:
        assert actions == [Deliver(wsproto.events.TextMessage(data=first + rest))]
        return
    assert isinstance(actions[-1], Finished)
    assert isinstance(actions[-1].error, httpx.WebSocketMessageTooLarge)
    close = decoded(typing.cast(Reply, actions[0]).data)
    assert close == [wsproto.events.CloseConnection(code=1009, reason="message too big")]
    assert core.receive(from_server(wsproto.events.TextMessage(data="later"))) == []


def test_bytes_size_limit() -> None:
    core = WebSocketCore(10)
    assert core.receive(from_server(wsproto.events.BytesMessage(data=b"x" * 10))) == [
        Deliver(wsproto.events.BytesMessage(data=b"x" * 10))
    ]
    actions = core.receive(from_server(wsproto.events.BytesMessage(data=b"x" * 11)))
    assert isinstance(actions[-1], Finished)
    with pytest.raises(httpx.WebSocketMessageTooLarge):
        core.send_message("no more")


def test_pong_answers_its_ping_and_the_ones_before() -> None:
    core = WebSocketCore(10)
    payloads = [core.send_ping(payload)[1] for payload in (b"1", b"2", b"3")]
    assert payloads == [b"1", b"2", b"3"]
    assert core.pong(b"unsolicited") == []  # RFC 6455 5.5.3: allowed, and ignored
    assert core.pong(b"2") == [b"1", b"2"]
    assert core.pong(b"3") == [b"3"]
    assert core.pong(b"3") == []
    random_payload = core.send_ping()[1]
    assert len(random_payload) == 8
    assert core.receive(from_server(wsproto.events.Pong(payload=random_payload))) == [
        PongReceived(random_payload)
    ]
    with pytest.raises(ValueError):
        core.send_ping(b"x" * 126)


def test_server_close_is_answered_and_ends_the_session() -> None:
    core = WebSocketCore(10)
    actions = core.receive(from_server(wsproto.events.CloseConnection(code=4000, reason="bye")))
    reply, finished = actions
    assert decoded(typing.cast(Reply, reply).data) == [
        wsproto.events.CloseConnection(code=4000, reason="bye")
    ]
    error = typing.cast(Finished, finished).error
    assert isinstance(error, httpx.WebSocketDisconnect)
    assert (error.code, error.reason) == (4000, "bye")
    assert core.send_close(1000, None) == b""  # nothing follows the Close
    with pytest.raises(httpx.WebSocketDisconnect):
        core.send_message("late")


def test_client_close_then_server_close() -> None:
    core = WebSocketCore(10)
    assert decoded(core.send_close(1001, "leaving")) == [
        wsproto.events.CloseConnection(code=1001, reason="leaving")
    ]
    with pytest.raises(httpx.WebSocketDisconnect) as info:
        core.send_message("after our close")
    assert info.value.code == 1001
    # A message still in flight is delivered; the server's Close needs no answer.
    actions = core.receive(
        from_server(
            wsproto.events.TextMessage(data="in flight"),
            wsproto.events.CloseConnection(code=1001, reason=""),
        )
    )
    assert actions[0] == Deliver(wsproto.events.TextMessage(data="in flight"))
    assert isinstance(actions[1], Finished) and len(actions) == 2


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (bytes([0x83, 0]), 1002),  # reserved opcode 3
        (bytes([0xC1, 1]) + b"x", 1002),  # RSV1 without an extension
        (bytes([0x81, 0x81]) + b"\x00\x00\x00\x00x", 1002),  # masked by the server
        (bytes([0x89, 126]) + struct.pack("!H", 200), 1002),  # control frame > 125 bytes
        (bytes([0x81, 2]) + b"\xc3\x28", 1007),  # invalid UTF-8
        (bytes([0x80, 0]), 1002),  # continuation with nothing to continue
    ],
)
def test_protocol_violations(frame: bytes, code: int) -> None:
    core = WebSocketCore(1000)
    actions = core.receive(frame)
    reply, finished = actions
    assert [event.code for event in decoded(typing.cast(Reply, reply).data)] == [code]  # type: ignore[attr-defined]
    error = typing.cast(Finished, finished).error
    assert isinstance(error, httpx.WebSocketProtocolError)
    assert error.code == code
    assert core.failure is error


def test_end_of_stream_without_close() -> None:
    core = WebSocketCore(10)
    error = core.end_of_stream()
    assert isinstance(error, httpx.WebSocketNetworkError)
    assert core.end_of_stream() is error


def test_arguments_are_checked() -> None:
    with pytest.raises(ValueError):
        WebSocketCore(0)
    with pytest.raises(TypeError):
        handshake_headers("key", "chat")  # a lone string is not a list of names


def test_handshake_url() -> None:
    assert handshake_url(httpx.URL("ws://a/b?c")) == httpx.URL("http://a/b?c")
    assert handshake_url(httpx.URL("wss://a:8443/")) == httpx.URL("https://a:8443/")
    assert handshake_url(httpx.URL("https://a/")) == httpx.URL("https://a/")


def test_handshake_headers_and_accept_check() -> None:
    headers = handshake_headers("dGhlIHNhbXBsZSBub25jZQ==", ["a", "b"])
    assert headers["Sec-WebSocket-Protocol"] == "a, b"
    assert headers["Sec-WebSocket-Version"] == "13"
    # The example of RFC 6455 section 1.3.
    response = httpx.Response(
        101,
        headers={
            "Upgrade": "WebSocket",
            "Connection": "keep-alive, Upgrade",
            "Sec-WebSocket-Accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
            "Sec-WebSocket-Protocol": "b",
        },
        request=httpx.Request("GET", "http://a/"),
    )
    assert check_response(response, "dGhlIHNhbXBsZSBub25jZQ==", ["a", "b"]) == "b"
    with pytest.raises(httpx.WebSocketUpgradeError, match="subprotocol"):
        check_response(response, "dGhlIHNhbXBsZSBub25jZQ==", ["a"])
    with pytest.raises(httpx.WebSocketUpgradeError, match="Accept"):
        check_response(response, "AAAAAAAAAAAAAAAAAAAAAA==", ["b"])


def test_errors_are_http_errors_carrying_the_request() -> None:
    request = httpx.Request("GET", "http://a/")
    for error in (
        httpx.WebSocketDisconnect(1000, request=request),
        httpx.WebSocketNetworkError("x", request=request),
        httpx.WebSocketPingTimeout("x", request=request),
        httpx.WebSocketProtocolError("x", 1002, request=request),
        httpx.WebSocketMessageTooLarge(10, request=request),
        httpx.WebSocketInvalidTypeReceived(wsproto.events.TextMessage(data="x"), request=request),
        httpx.WebSocketUpgradeError(httpx.Response(403, request=request)),
    ):
        assert isinstance(error, httpx.WebSocketError)
        assert isinstance(error, httpx.HTTPError)
        assert error.request is request
    assert httpx.WebSocketDisconnect(4000).reason == ""


@pytest.mark.parametrize(
    "options",
    [
        {"max_message_size_bytes": 0},
        {"queue_size": 0},
        {"queue_size": 1.5},
        {"keepalive_ping_interval_seconds": 0},
        {"keepalive_ping_timeout_seconds": -1},
    ],
)
def test_bad_options_fail_before_any_io(options: dict[str, typing.Any]) -> None:
    with httpx.Client() as client:
        with pytest.raises(ValueError):
            client.websocket("ws://127.0.0.1:1/", **options)


def accepting(request: httpx.Request) -> httpx.Response:
    key = request.headers["sec-websocket-key"].encode()
    accept = wsproto.utilities.generate_accept_token(key).decode()
    headers = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": accept}
    return httpx.Response(101, headers=headers)


def test_a_transport_with_no_upgraded_stream() -> None:
    # A 101 that is right in every way, but from a transport with no connection to hand
    # over (MockTransport): a clear error, not a session on nothing.
    with httpx.Client(transport=httpx.MockTransport(accepting)) as client:
        with pytest.raises(httpx.WebSocketUpgradeError, match="no network stream"):
            with client.websocket("ws://example.org/"):
                pass  # pragma: no cover


def test_a_mocked_refusal_is_read() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        assert request.url == "http://example.org/socket?a=1"
        return httpx.Response(404, text="no socket here")

    with httpx.Client(transport=httpx.MockTransport(refuse)) as client:
        with pytest.raises(httpx.WebSocketUpgradeError) as info:
            with client.websocket("ws://example.org/socket", params={"a": "1"}):
                pass  # pragma: no cover
    assert info.value.response.text == "no socket here"


def test_a_closed_client_cannot_open_a_session() -> None:
    client = httpx.Client(transport=httpx.MockTransport(accepting))
    client.close()
    with pytest.raises(RuntimeError, match="closed"):
        with client.websocket("ws://example.org/"):
            pass  # pragma: no cover
