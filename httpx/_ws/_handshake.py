"""The WebSocket opening handshake (RFC 6455 section 4), as plain functions.

The handshake is an ordinary request through the client, so auth, cookies, headers,
redirects and event hooks apply to it:

- `handshake_url`: ``ws://`` / ``wss://`` become ``http://`` / ``https://`` (section 3:
  same ports, same origin rules), so that mounts, proxies and cookies see the URL they
  would see for HTTP.
- `handshake_headers`: the fields of section 4.1 (the key from wsproto's helper).
- `check_response`: the client's checks of section 4.1 on the server's answer: 101, the
  ``Upgrade`` and ``Connection`` fields, the ``Sec-WebSocket-Accept`` computed from our
  key, and no subprotocol or extension we did not offer. Anything else is a
  `WebSocketUpgradeError` carrying the response.
- `TransportChoice`: WebSockets upgrade an HTTP/1.1 connection (RFC 8441, WebSockets over
  HTTP/2, is not supported), so for a client that offers HTTP/2, whose TLS connections
  may settle on h2 by ALPN, the handshake goes through an HTTP/1.1-only twin of the
  transport the client built for the URL, made for the session and closed with it.
  Transports the user supplied are used as they are.
"""

from __future__ import annotations

import typing

from .._urls import URL
from .._wsproto import load_wsproto
from ._errors import WebSocketUpgradeError

if typing.TYPE_CHECKING:  # pragma: no cover
    from .._base_client import BaseClient
    from .._models import Response

__all__ = [
    "TransportChoice",
    "check_response",
    "handshake_headers",
    "handshake_url",
    "new_key",
]

_SCHEMES = {"ws": "http", "wss": "https"}
# Read the body of a refused upgrade (for `.response.text`) only when it is this small.
MAX_REFUSAL_BODY = 64 * 1024


def handshake_url(url: URL) -> URL:
    """The http(s) URL of the handshake for a ws(s) URL (others are left as they are)."""
    scheme = _SCHEMES.get(url.scheme)
    return url if scheme is None else url.copy_with(scheme=scheme)


def new_key() -> str:
    """A fresh Sec-WebSocket-Key: 16 random bytes, base64 (section 4.1, item 7)."""
    return str(load_wsproto().utilities.generate_nonce().decode("ascii"))


def handshake_headers(key: str, subprotocols: typing.Sequence[str] | None) -> dict[str, str]:
    """The header fields that ask for the upgrade (section 4.1, items 5-10)."""
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": key,
        "Sec-WebSocket-Version": "13",
    }
    if subprotocols:
        if isinstance(subprotocols, str):
            raise TypeError("subprotocols must be a list of names, not a single string")
        headers["Sec-WebSocket-Protocol"] = ", ".join(subprotocols)
    return headers


def _tokens(value: str | None) -> list[str]:
    return [token.strip().lower() for token in (value or "").split(",") if token.strip()]


def refusal_body_is_small(response: Response) -> bool:
    """Whether the body of a refused upgrade is small enough to read for the error."""
    length = response.headers.get("content-length", "")
    return length.isdigit() and int(length) <= MAX_REFUSAL_BODY


def check_response(
    response: Response, key: str, subprotocols: typing.Sequence[str] | None
) -> str | None:
    """Check the server's answer to the handshake; the subprotocol it chose, if any."""
    if response.status_code != 101:
        if response.http_version == "HTTP/2":
            raise WebSocketUpgradeError(
                response,
                f"The server answered the WebSocket handshake over HTTP/2 "
                f"({response.status_code}): WebSockets over HTTP/2 (RFC 8441) are not "
                f"supported; use a transport with http2=False for this URL",
            )
        raise WebSocketUpgradeError(response)
    headers = response.headers
    problem = None
    if "websocket" not in _tokens(headers.get("upgrade")):
        problem = "no 'Upgrade: websocket' field"
    elif "upgrade" not in _tokens(headers.get("connection")):
        problem = "no 'Connection: Upgrade' field"
    else:
        expected = load_wsproto().utilities.generate_accept_token(key.encode("ascii"))
        if headers.get("sec-websocket-accept", "").strip() != expected.decode("ascii"):
            problem = "a wrong Sec-WebSocket-Accept field"
        elif headers.get("sec-websocket-extensions"):
            problem = (
                f"an extension the client did not offer ({headers['sec-websocket-extensions']!r})"
            )
    subprotocol: str | None = headers.get("sec-websocket-protocol")
    if problem is None and subprotocol is not None and subprotocol not in (subprotocols or ()):
        problem = f"a subprotocol the client did not offer ({subprotocol!r})"
    if problem is not None:
        raise WebSocketUpgradeError(
            response, f"The server's WebSocket handshake response has {problem}"
        )
    return subprotocol


class TransportChoice:
    """Which transport each handshake request goes through (see the module docstring).

    `transport_for_url` stands in for the client's in the request flow; `twins` are the
    HTTP/1.1-only transports it made, for the caller to close when the session ends.
    """

    def __init__(self, client: BaseClient) -> None:
        self._client = client
        self._options: dict[str, typing.Any] | None = getattr(client, "_transport_options", None)
        self.twins: dict[int, typing.Any] = {}

    def transport_for_url(self, url: URL) -> typing.Any:
        # The client's own choice first (respx patches `_transport_for_url`).
        transport = self._client._transport_for_url(url)
        options = self._options
        if options is None or not options["http2"]:
            return transport
        twin = self.twins.get(id(transport))
        if twin is None:
            twin = self._http1_twin(transport, options)
            if twin is None:
                return transport
            self.twins[id(transport)] = twin
        return twin

    def _http1_twin(self, transport: typing.Any, options: dict[str, typing.Any]) -> typing.Any:
        client = self._client
        common = {
            "verify": options["verify"],
            "cert": options["cert"],
            "trust_env": options["trust_env"],
            "http1": True,
            "http2": False,
            "limits": options["limits"],
        }
        if transport is client._transport and options["own_transport"]:
            return client._init_transport(**common)
        for pattern, proxy in options["proxies"].items():
            if client._mounts.get(pattern) is transport:
                return client._init_proxy_transport(proxy, **common)
        return None  # one the user supplied: theirs to configure
