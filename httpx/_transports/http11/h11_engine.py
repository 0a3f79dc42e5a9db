"""The h11 engine: response heads read by h11's state machine (the reference engine).

The request itself is written by `request.py`; h11 is told about it with
`RequestHead.h11_event` (method, Host, ``Connection: close``, an ``Upgrade`` proposal:
what shapes the response), so that it knows whether a body follows a response and when
the protocol switches.

What keeps it cheap (h11 is pure Python: the head alone costs it tens of microseconds):

* A new `h11.Connection` per exchange: it is cheaper to make than to bring the last one
  back to IDLE (``start_next_cycle``), and the end of the request (``EndOfMessage``)
  need not be sent, except where h11 wants it to switch protocols (``Upgrade``,
  ``CONNECT``). Whether the connection is reused is decided by the connection (see
  `response.py`), never by h11's states.
* Each piece of data received goes to h11 once (`receive_data`), and every event it then
  holds is taken out in the same call (``next_event`` until h11 needs more data).
* A body framed by Content-Length alone is counted here, as the httptools engine does:
  that is all h11 would do with it (the same bytes, the same error when the connection
  closes early, the same verdict on bytes after it). Chunked bodies, bodies delimited by
  the end of the connection and bodiless responses stay with h11.

h11's errors become httpcore's exceptions, with h11's messages.
tests/transports/http11/test_http11_engines.py checks both engines against h11 driven
through every event.
"""

from __future__ import annotations

import h11
import httpcore

from .request import RequestHead
from .response import MAX_HEAD_SIZE, ResponseHead, ResponseParser, body_too_short

__all__ = ["H11Parser"]

_END_OF_REQUEST = h11.EndOfMessage()


class H11Parser(ResponseParser):
    __slots__ = ("_expected", "_h11", "_remaining", "_request")

    def __init__(self) -> None:
        super().__init__()
        self._h11: h11.Connection | None = None
        self._request: RequestHead | None = None
        self._remaining = -1  # body bytes still to come, when counted here (else -1)
        self._expected = 0

    def start(self, request: RequestHead) -> None:
        self.reset()
        self._request = request
        self._remaining = -1
        connection = self._h11 = h11.Connection(
            h11.CLIENT, max_incomplete_event_size=MAX_HEAD_SIZE
        )
        try:
            connection.send(request.h11_event)
            if request.upgrade is not None or request.is_connect:
                # h11 switches protocols only once the whole request has been sent.
                connection.send(_END_OF_REQUEST)
        except h11.LocalProtocolError as exc:  # pragma: no cover - request.py checked it
            raise httpcore.LocalProtocolError(str(exc)) from exc

    def feed(self, data: bytes) -> bytes:
        if self._remaining >= 0:
            return self._count(data)
        connection = self._h11
        assert connection is not None
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
                    if self._take_head(event):  # type: ignore[arg-type]
                        # The body that came with the head: counted from here on.
                        rest = bytes(connection.trailing_data[0])
                        if rest or not self._remaining:
                            body.append(self._count(rest))
                        break
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

    def _take_head(self, event: h11.Response) -> bool:
        """Record a final response's head; True if its body is to be counted here (framed
        by Content-Length alone, RFC 9112 section 6.3)."""
        # One pass over the fields h11 has validated (names lower-cased only where their
        # length matches one of the three looked for).
        fields = event.headers.raw_items()
        length: bytes | None = None
        chunked = close = False
        for name, value in fields:
            size = len(name)
            if size == 14 and name.lower() == b"content-length":
                length = value  # (h11 has collapsed repeated equal values into one)
            elif size == 17 and name.lower() == b"transfer-encoding":
                chunked = True
            elif size == 10 and not close and name.lower() == b"connection":
                close = b"close" in [token.strip() for token in value.lower().split(b",")]
        request = self._request
        assert request is not None
        status = event.status_code
        if chunked and length is not None:
            # RFC 9112 section 6.3: Transfer-Encoding wins, but such a message "ought to
            # be handled as an error" (a sign of response smuggling, section 11.2); h11
            # accepts it. A tunnel's framing fields are ignored.
            if not (request.is_connect and status < 300):
                raise httpcore.RemoteProtocolError(
                    "Response with both Transfer-Encoding and Content-Length"
                )
        http_version = b"HTTP/" + event.http_version
        self.head = ResponseHead(
            http_version,
            status,
            event.reason,
            fields,
            http_version >= b"HTTP/1.1" and not close,  # RFC 9112 section 9.3
        )
        if (
            length is None
            or chunked
            or request.is_head
            or request.is_connect
            or status == 204
            or status == 304
        ):
            return False  # h11 reads the body (or knows there is none)
        self._expected = self._remaining = int(length)
        return True

    def _count(self, data: bytes) -> bytes:
        """Body bytes of a Content-Length body; the end of the response once all came."""
        remaining = self._remaining
        size = len(data)
        if size < remaining:
            if not size:
                raise body_too_short(self._expected - remaining, self._expected)
            self._remaining = remaining - size
            return data
        self._remaining = 0
        self.done = True
        if size > remaining:
            self.extra = True
            return data[:remaining]
        return data


def _head(event: h11.Response | h11.InformationalResponse) -> ResponseHead:
    return ResponseHead(
        b"HTTP/" + event.http_version,
        event.status_code,
        event.reason,
        list(event.headers.raw_items()),
    )
