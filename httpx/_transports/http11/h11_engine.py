"""The h11 engine: responses read by h11's state machine (the reference engine).

One `h11.Connection` per HTTP/1.1 connection. The request itself is written by
`request.py`; h11 is told about it with `RequestHead.h11_event` (method, Host,
``Connection: close``, an ``Upgrade`` proposal: what shapes the response), so that it
knows whether a body follows a response and when the protocol switches.

Each piece of data received goes to h11 once (`receive_data`), and every event it then
holds is taken out in the same call (``next_event`` until h11 needs more data), so that a
small response costs one call in, a few events out. h11's errors become httpcore's
exceptions, with h11's messages.
"""

from __future__ import annotations

import h11
import httpcore

from .request import RequestHead
from .response import MAX_HEAD_SIZE, ResponseHead, ResponseParser, conflicting_framing

__all__ = ["H11Parser"]

_END_OF_REQUEST = h11.EndOfMessage()


class H11Parser(ResponseParser):
    __slots__ = ("_h11", "_request")

    def __init__(self) -> None:
        super().__init__()
        self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD_SIZE)
        self._request: RequestHead | None = None

    def start(self, request: RequestHead) -> None:
        connection = self._h11
        if connection.our_state is not h11.IDLE:
            connection.start_next_cycle()  # the previous exchange ended cleanly
        self.reset()
        self._request = request
        try:
            connection.send(request.h11_event)
            connection.send(_END_OF_REQUEST)
        except h11.LocalProtocolError as exc:  # pragma: no cover - request.py checked it
            raise httpcore.LocalProtocolError(str(exc)) from exc

    def feed(self, data: bytes) -> bytes:
        connection = self._h11
        if not data and connection.their_state is h11.SEND_RESPONSE:
            # The server closed before a whole response head (as httpcore reports it).
            raise httpcore.RemoteProtocolError("Server disconnected without sending a response.")
        body: list[bytes] = []
        try:
            connection.receive_data(data)
            while True:
                event = connection.next_event()
                kind = type(event)
                if kind is h11.Data:
                    body.append(bytes(event.data))  # type: ignore[union-attr]
                elif event is h11.NEED_DATA:
                    break
                elif kind is h11.Response:
                    self._check_framing(event)  # type: ignore[arg-type]
                    self.head = _head(event)  # type: ignore[arg-type]
                elif kind is h11.InformationalResponse:
                    # Interim responses (1xx, RFC 9110 section 15.2) are skipped; a 101
                    # that h11 accepted ends HTTP/1.1 here (PAUSED follows).
                    if event.status_code == 101:  # type: ignore[union-attr]
                        self.head = _head(event)  # type: ignore[arg-type]
                    else:
                        self.count_interim()
                elif kind is h11.EndOfMessage:
                    self.done = True
                    self.extra = bool(connection.trailing_data[0])
                    break
                elif event is h11.PAUSED:
                    # SWITCHED_PROTOCOL (RFC 9110 section 15.2.2, or CONNECT's 2xx).
                    self.done = self.switched = True
                    self.leftover = bytes(connection.trailing_data[0])
                    break
                else:  # pragma: no cover - ConnectionClosed comes after EndOfMessage
                    break
        except h11.RemoteProtocolError as exc:
            raise httpcore.RemoteProtocolError(str(exc)) from exc
        if not body:
            return b""
        return body[0] if len(body) == 1 else b"".join(body)

    def _check_framing(self, event: h11.Response) -> None:
        if not conflicting_framing(event.headers):
            return
        request = self._request
        if request is not None and request.is_connect and event.status_code < 300:
            return  # a tunnel: its framing fields are ignored (RFC 9112 section 6.3)
        raise httpcore.RemoteProtocolError(
            "Response with both Transfer-Encoding and Content-Length"
        )


def _head(event: h11.Response | h11.InformationalResponse) -> ResponseHead:
    return ResponseHead(
        b"HTTP/" + event.http_version,
        event.status_code,
        event.reason,
        list(event.headers.raw_items()),
    )
