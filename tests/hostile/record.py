"""What the hostile server saw, per connection: the requests, the client's HTTP/2 control
frames, and how many bytes went each way.

The server thread appends to these records; a test reads them after its client call has
returned (appends to a list are atomic in CPython, and `Marks` are threading events), so
it can check, for instance, that a follow-up request arrived on a new connection.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Received:
    """One request as it reached the server."""

    connection: int  # ConnectionRecord.number
    stream_id: int  # 0 on HTTP/1.1
    method: str
    path: str
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes


@dataclass
class ConnectionRecord:
    number: int
    protocol: str  # "h1" or "h2", as the server decided (ALPN or the preface)
    tls: bool
    alpn: str | None = None  # the protocol TLS negotiated (None over cleartext)
    requests: list[Received] = field(default_factory=list)
    bytes_sent: int = 0
    bytes_received: int = 0
    # HTTP/2 frames from the client that matter to the checks.
    client_settings: dict[int, int] = field(default_factory=dict)
    client_resets: list[tuple[int, int]] = field(default_factory=list)  # (stream, error code)
    client_goaways: list[tuple[int, int]] = field(default_factory=list)  # (last stream, code)
    client_pings: int = 0  # PINGs the client sent
    client_ping_acks: int = 0  # the client's ACKs of our PINGs
    client_settings_acks: int = 0
    closed: threading.Event = field(default_factory=threading.Event)


class Marks:
    """Named one-shot signals a script raises (e.g. "stray bytes sent") and a test awaits."""

    def __init__(self) -> None:
        self._events: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def event(self, name: str) -> threading.Event:
        with self._lock:
            return self._events.setdefault(name, threading.Event())

    def set(self, name: str) -> None:
        self.event(name).set()

    def is_set(self, name: str) -> bool:
        return self.event(name).is_set()


class Log:
    """Every connection the server accepted, numbered from 1."""

    def __init__(self) -> None:
        self.connections: list[ConnectionRecord] = []
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def open(self, protocol: str, tls: bool) -> ConnectionRecord:
        with self._lock:
            record = ConnectionRecord(next(self._numbers), protocol, tls)
            self.connections.append(record)
            return record

    def connection(self, number: int) -> ConnectionRecord:
        return self.connections[number - 1]

    def requests_for(self, token: str) -> list[Received]:
        """Every request whose path starts with /<token>/, connection by connection."""
        prefix = f"/{token}/"
        return [
            request
            for record in list(self.connections)
            for request in list(record.requests)
            if request.path.startswith(prefix)
        ]
