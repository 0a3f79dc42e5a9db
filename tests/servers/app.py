"""The ASGI application every real test server (uvicorn, hypercorn) serves.

Pure ASGI, no framework: a table of path patterns to small handlers. Every route is
deterministic (apart from digest nonces), and every delay is short and capped so that a
test can never keep the session waiting.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import re
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qs

import brotli
import zstandard

from tests.servers import digest

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_DELAY = 5.0  # seconds; caps every ?delay= so a route can't stall the session
MAX_BYTES = 16 * 1024 * 1024
MAX_CHUNKS = 1000

HELLO = b"Hello, world!"
JSON_BODY = {"Hello": "world!"}
COMPRESSIBLE = json.dumps({"message": "Hello, compressed world!", "numbers": list(range(64))})
COMPRESSED_BODIES: dict[str, tuple[str, bytes]] = {
    # path -> (Content-Encoding, body); the codings are listed in the order they were
    # applied (RFC 9110 §8.4), so "deflate, gzip" is gzip(deflate(body)).
    "/gzip": ("gzip", gzip.compress(COMPRESSIBLE.encode(), mtime=0)),
    "/deflate": ("deflate", zlib.compress(COMPRESSIBLE.encode())),
    "/brotli": ("br", brotli.compress(COMPRESSIBLE.encode())),
    "/zstd": ("zstd", zstandard.ZstdCompressor().compress(COMPRESSIBLE.encode())),
    "/multi_encoding": ("deflate, gzip", gzip.compress(zlib.compress(COMPRESSIBLE.encode()))),
}
# /encoding/{charset} serves the first sample the charset can encode.
ENCODING_SAMPLES = ("Olá, café naïve Grüße façade", "こんにちは、世界")
LINK_HEADER = '</page/2>; rel="next", </page/9>; rel="last"'


@dataclass(frozen=True)
class Request:
    scope: Scope
    body: bytes
    params: dict[str, str]

    @property
    def method(self) -> str:
        return str(self.scope["method"])

    @property
    def path(self) -> str:
        return str(self.scope["path"])

    @property
    def query_string(self) -> str:
        return bytes(self.scope.get("query_string", b"")).decode("latin-1")

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.query_string, keep_blank_values=True)

    def query_value(self, name: str, default: str) -> str:
        return self.query.get(name, [default])[0]

    @property
    def target(self) -> str:
        """The request-target as sent (path and query still percent-encoded)."""
        raw_path = self.scope.get("raw_path") or self.path.encode("utf-8")
        query = self.query_string
        return bytes(raw_path).decode("latin-1") + (f"?{query}" if query else "")

    @property
    def headers(self) -> list[tuple[str, str]]:
        return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self.scope["headers"]]

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key == name]
        return ", ".join(values) if values else None

    @property
    def host(self) -> str:
        """Host header, else :authority's stand-in, the address the server listens on."""
        host = self.header("host")
        if host is None:
            server_host, server_port = self.scope["server"]
            host = f"{server_host}:{server_port}"
        return host


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    stream: AsyncIterator[bytes] | None = None  # when set, sent chunk by chunk

    async def send_to(self, send: Send) -> None:
        headers = list(self.headers)
        no_body = self.status in (204, 304) or 100 <= self.status < 200
        if self.stream is None and not no_body:
            headers.append(("content-length", str(len(self.body))))
        await send(
            {
                "type": "http.response.start",
                "status": self.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            }
        )
        if self.stream is not None:
            async for chunk in self.stream:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"" if no_body else self.body})


def text(content: str, status: int = 200, charset: str = "utf-8") -> Response:
    return Response(
        status, content.encode(charset), [("content-type", f"text/plain; charset={charset}")]
    )


def json_response(data: object, status: int = 200) -> Response:
    return Response(status, json.dumps(data).encode(), [("content-type", "application/json")])


def redirect(location: str, status: int = 302) -> Response:
    return Response(status, b"", [("location", location)])


def bounded_delay(request: Request, default: float) -> float:
    try:
        delay = float(request.query_value("delay", str(default)))
    except ValueError:
        return default
    return min(max(delay, 0.0), MAX_DELAY)


Handler = Callable[[Request], Awaitable[Response]]
ROUTES: list[tuple[re.Pattern[str], Handler]] = []
_PARAM = re.compile(r"\{(\w+)\}")


def route(*patterns: str) -> Callable[[Handler], Handler]:
    """Register a handler for paths like "/status/{code}" ({name} matches one segment)."""

    def register(handler: Handler) -> Handler:
        for pattern in patterns:
            # _PARAM.split alternates literal text and parameter names.
            pieces = _PARAM.split(pattern)
            regex = "".join(
                re.escape(piece) if index % 2 == 0 else f"(?P<{piece}>[^/]+)"
                for index, piece in enumerate(pieces)
            )
            ROUTES.append((re.compile(f"^{regex}$"), handler))
        return handler

    return register


# --- echoing -----------------------------------------------------------------------------


@route("/")
async def hello(request: Request) -> Response:
    return Response(200, HELLO, [("content-type", "text/plain")])


@route("/echo")
async def echo(request: Request) -> Response:
    """Everything the server saw, so tests can inspect what a client really sent."""
    return json_response(
        {
            "method": request.method,
            "path": request.path,
            "target": request.target,
            "query_string": request.query_string,
            "query": request.query,
            "headers": [list(pair) for pair in request.headers],
            "body": request.body.decode("latin-1"),  # lossless: .encode("latin-1") restores it
            "http_version": request.scope["http_version"],
            "scheme": request.scope["scheme"],
        }
    )


@route("/echo_headers")
async def echo_headers(request: Request) -> Response:
    merged: dict[str, str] = {}
    for name, value in request.headers:
        merged[name] = f"{merged[name]}, {value}" if name in merged else value
    return json_response(merged)


@route("/echo_body")
async def echo_body(request: Request) -> Response:
    content_type = request.header("content-type") or "application/octet-stream"
    return Response(200, request.body, [("content-type", content_type)])


@route("/echo_method")
async def echo_method(request: Request) -> Response:
    return text(request.method)


@route("/json")
async def json_hello(request: Request) -> Response:
    return json_response(JSON_BODY)


@route("/http_version")
async def http_version(request: Request) -> Response:
    return text(str(request.scope["http_version"]))


@route("/status/{code}")
async def status(request: Request) -> Response:
    code = request.params["code"]
    if not code.isdigit() or not 200 <= int(code) <= 599:
        return text(f"status must be 200..599, got {code!r}", 400)
    return Response(int(code), b"")


# --- redirects ---------------------------------------------------------------------------


@route("/redirect/{n}")
async def redirect_n_times(request: Request) -> Response:
    n = request.params["n"]
    if not n.isdigit() or int(n) < 1:
        return text("n must be a positive integer", 400)
    return redirect("/echo" if int(n) == 1 else f"/redirect/{int(n) - 1}")


@route("/redirect_to")
async def redirect_to(request: Request) -> Response:
    url = request.query.get("url")
    code = request.query_value("status_code", request.query_value("status", "302"))
    if url is None or not code.isdigit():
        return text("usage: /redirect_to?url=...&status_code=302", 400)
    return redirect(url[0], int(code))


@route("/redirect_301", "/redirect_302", "/redirect_303", "/redirect_307", "/redirect_308")
async def redirect_with_status(request: Request) -> Response:
    return redirect("/echo", int(request.path.rsplit("_", 1)[1]))


@route("/redirect_loop")
async def redirect_loop(request: Request) -> Response:
    return redirect("/redirect_loop")


@route("/malformed_redirect")
async def malformed_redirect(request: Request) -> Response:
    return redirect("https://1.2.3.256/")  # not an IPv4 address: no valid URL to follow


@route("/invalid_redirect")
async def invalid_redirect(request: Request) -> Response:
    return redirect("http://127.0.0.1:notaport/")


@route("/relative_redirect")
async def relative_redirect(request: Request) -> Response:
    return redirect("/echo")


@route("/path_relative_redirect")
async def path_relative_redirect(request: Request) -> Response:
    return redirect("echo?from=relative")  # resolved against /path_relative_redirect


@route("/scheme_relative_redirect")
async def scheme_relative_redirect(request: Request) -> Response:
    return redirect(f"//{request.host}/echo")


@route("/redirect_with_fragment")
async def redirect_with_fragment(request: Request) -> Response:
    return redirect("/echo#fragment")


# --- cookies -----------------------------------------------------------------------------


def parse_cookie_header(header: str | None) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for pair in (header or "").split(";"):
        name, sep, value = pair.strip().partition("=")
        if sep and name:
            cookies[name] = value
    return cookies


@route("/cookies")
async def cookies(request: Request) -> Response:
    return json_response(parse_cookie_header(request.header("cookie")))


@route("/cookies/set", "/cookies/set_and_redirect")
async def cookies_set(request: Request) -> Response:
    pairs = {name: values[0] for name, values in request.query.items()}
    response = redirect("/cookies") if request.path.endswith("redirect") else json_response(pairs)
    response.headers += [
        ("set-cookie", f"{name}={value}; Path=/") for name, value in pairs.items()
    ]
    return response


@route("/cookies/delete")
async def cookies_delete(request: Request) -> Response:
    response = json_response(sorted(request.query))
    response.headers += [("set-cookie", f"{name}=; Max-Age=0; Path=/") for name in request.query]
    return response


# --- authentication ----------------------------------------------------------------------


@route("/basic-auth/{user}/{passwd}")
async def basic_auth(request: Request) -> Response:
    user, passwd = request.params["user"], request.params["passwd"]
    expected = "Basic " + base64.b64encode(f"{user}:{passwd}".encode()).decode()
    if request.header("authorization") != expected:
        response = json_response({"authenticated": False}, 401)
        response.headers.append(("www-authenticate", 'Basic realm="tests"'))
        return response
    return json_response({"authenticated": True, "user": user})


@route(
    "/digest-auth/{qop}/{user}/{passwd}/{algorithm}",
    "/digest-auth/{qop}/{user}/{passwd}/{algorithm}/stale",
)
async def digest_auth(request: Request) -> Response:
    """RFC 7616 digest. The /stale variant answers a correct first-round response with
    `stale=TRUE` and a fresh nonce once (§3.3), and accepts only the re-issued nonce."""
    p = request.params
    challenge = digest.DigestChallenge(p["user"], p["passwd"], p["qop"], p["algorithm"])
    if not challenge.is_supported():
        return text(f"unsupported qop {p['qop']!r} or algorithm {p['algorithm']!r}", 400)
    params = digest.parse_authorization(request.header("authorization") or "")
    expected = None
    if params is not None:
        expected = challenge.expected_response(
            params, request.method, request.target, request.body
        )
    if params is None or not digest.response_matches(expected, params):
        return _digest_challenge(challenge, stale=False, generation=0)
    if request.path.endswith("/stale") and digest.nonce_generation(params) == 0:
        return _digest_challenge(challenge, stale=True, generation=1)
    return json_response({"authenticated": True, "user": challenge.username})


def _digest_challenge(
    challenge: digest.DigestChallenge, *, stale: bool, generation: int
) -> Response:
    response = json_response({"authenticated": False, "stale": stale}, 401)
    response.headers.append(
        ("www-authenticate", challenge.header(stale=stale, generation=generation))
    )
    return response


# --- content codings, streaming, timing --------------------------------------------------


@route(*COMPRESSED_BODIES)
async def compressed(request: Request) -> Response:
    coding, body = COMPRESSED_BODIES[request.path]
    return Response(
        200, body, [("content-type", "application/json"), ("content-encoding", coding)]
    )


@route("/stream/{n}")
async def stream_chunks(request: Request) -> Response:
    """n newline-terminated JSON lines, each its own chunk (chunked transfer coding)."""
    n = request.params["n"]
    if not n.isdigit() or int(n) > MAX_CHUNKS:
        return text(f"n must be 0..{MAX_CHUNKS}", 400)
    delay = min(bounded_delay(request, 0.0), 0.5)

    async def chunks() -> AsyncIterator[bytes]:
        for index in range(int(n)):
            if delay and index:
                await asyncio.sleep(delay)
            yield json.dumps({"chunk": index}).encode() + b"\n"

    return Response(200, headers=[("content-type", "application/x-ndjson")], stream=chunks())


def deterministic_bytes(n: int) -> bytes:
    return (bytes(range(256)) * (n // 256 + 1))[:n]


@route("/bytes/{n}")
async def some_bytes(request: Request) -> Response:
    """n bytes 00 01 .. ff 00 01 ..; ?chunk_size=k streams them without Content-Length."""
    n, chunk_size = request.params["n"], request.query_value("chunk_size", "")
    if not n.isdigit() or int(n) > MAX_BYTES or not (chunk_size.isdigit() or chunk_size == ""):
        return text(f"n must be 0..{MAX_BYTES}, chunk_size a positive integer", 400)
    body = deterministic_bytes(int(n))
    headers = [("content-type", "application/octet-stream")]
    if not chunk_size or int(chunk_size) == 0:
        return Response(200, body, headers)
    size = int(chunk_size)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), size):
            yield body[start : start + size]

    return Response(200, headers=headers, stream=chunks())


@route("/slow_body")
async def slow_body(request: Request) -> Response:
    """Headers and half the body at once, the rest after ?delay= seconds (default 1)."""
    delay = bounded_delay(request, 1.0)

    async def halves() -> AsyncIterator[bytes]:
        yield b"first half,"
        await asyncio.sleep(delay)
        yield b"second half"

    headers = [("content-type", "text/plain"), ("content-length", "22")]
    return Response(200, headers=headers, stream=halves())


@route("/slow_headers")
async def slow_headers(request: Request) -> Response:
    """Nothing at all for ?delay= seconds (default 1), then a normal response."""
    await asyncio.sleep(bounded_delay(request, 1.0))
    return text("finally")


# --- text, headers, forms ----------------------------------------------------------------


@route("/encoding/{charset}")
async def encoding(request: Request) -> Response:
    """A sample text in {charset}; ?declared=false leaves charset out of Content-Type."""
    charset = request.params["charset"]
    for sample in ENCODING_SAMPLES:
        try:
            body = sample.encode(charset)
        except (LookupError, UnicodeEncodeError):
            continue
        declared = request.query_value("declared", "true").lower() != "false"
        content_type = f"text/plain; charset={charset}" if declared else "text/plain"
        return Response(200, body, [("content-type", content_type)])
    return text(f"unknown charset or no sample encodable in {charset!r}", 400)


@route("/links")
async def links(request: Request) -> Response:
    return Response(200, b"", [("link", LINK_HEADER)])


@route("/headers_multi")
async def headers_multi(request: Request) -> Response:
    return Response(
        200,
        b"",
        [
            ("x-multi", "one"),
            ("x-multi", "two"),
            ("set-cookie", "a=1; Path=/"),
            ("set-cookie", "b=2; Path=/"),
        ],
    )


@route("/response_headers")
async def response_headers(request: Request) -> Response:
    """Each ?Name=Value becomes a response header (repeat a name for repeated headers)."""
    response = json_response(request.query)
    response.headers += [
        (name, value) for name, values in request.query.items() for value in values
    ]
    return response


@route("/upload")
async def upload(request: Request) -> Response:
    """The parsed form (urlencoded or multipart) plus the raw body and Content-Type."""
    content_type = request.header("content-type") or ""
    fields: dict[str, list[str]] = {}
    files: dict[str, list[dict[str, str | None]]] = {}
    if content_type.startswith("application/x-www-form-urlencoded"):
        fields = parse_qs(request.body.decode("latin-1"), keep_blank_values=True)
    elif content_type.startswith("multipart/"):
        preamble = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
        message = BytesParser(policy=policy.HTTP).parsebytes(preamble + request.body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            content = payload.decode("latin-1") if isinstance(payload, bytes) else ""
            if not isinstance(name, str):
                continue
            filename = part.get_filename()
            if filename is None:
                fields.setdefault(name, []).append(content)
            else:
                entry = {
                    "filename": filename,
                    "content_type": part.get("content-type"),
                    "content": content,
                }
                files.setdefault(name, []).append(entry)
    body = request.body.decode("latin-1")
    return json_response(
        {"content_type": content_type, "fields": fields, "files": files, "body": body}
    )


# --- server-sent events (docs/sse.md) ----------------------------------------------------

EVENT_STREAM = [("content-type", "text/event-stream"), ("cache-control", "no-store")]
CHAT_DELTAS = ["Hel", "lo, ", "wor", "ld!"]


def _sse_after(request: Request) -> int:
    """The number after the Last-Event-ID the client sent (1 if none)."""
    last = request.header("last-event-id") or ""
    return int(last) + 1 if last.isdigit() else 1


def _sse_tick(number: int) -> bytes:
    return f'id: {number}\nevent: tick\ndata: {{"tick": {number}}}\n\n'.encode()


@route("/sse/ticks")
async def sse_ticks(request: Request) -> Response:
    """?n= (at most 1000) numbered "tick" events, after the Last-Event-ID sent."""
    count = request.query_value("n", "3")
    if not count.isdigit() or int(count) > MAX_CHUNKS:
        return text(f"n must be 0..{MAX_CHUNKS}", 400)
    first = _sse_after(request)

    async def events() -> AsyncIterator[bytes]:
        for number in range(first, first + int(count)):
            yield _sse_tick(number)

    return Response(200, headers=EVENT_STREAM, stream=events())


@route("/sse/chat")
async def sse_chat(request: Request) -> Response:
    """A chat completion streamed as an LLM API does: JSON deltas, then [DONE]."""

    async def events() -> AsyncIterator[bytes]:
        yield b": streaming\n\n"
        for delta in CHAT_DELTAS:
            yield f"data: {json.dumps({'delta': delta})}\n\n".encode()
        yield b"data: [DONE]\n\n"

    return Response(200, headers=EVENT_STREAM, stream=events())


@route("/sse/resume")
async def sse_resume(request: Request) -> Response:
    """?total= (default 6) tick events, ?per= (default 2) per connection, resuming after
    the Last-Event-ID; each stream ends cleanly and asks for reconnections within 10 ms.
    Once all are sent: 204 No Content, "no more events"."""
    total, per = request.query_value("total", "6"), request.query_value("per", "2")
    if not (total.isdigit() and per.isdigit()) or int(total) > MAX_CHUNKS or int(per) < 1:
        return text(f"total must be 0..{MAX_CHUNKS}, per at least 1", 400)
    first = _sse_after(request)
    if first > int(total):
        return Response(204)

    async def events() -> AsyncIterator[bytes]:
        yield b"retry: 10\n\n"
        for number in range(first, min(first + int(per), int(total) + 1)):
            yield _sse_tick(number)

    return Response(200, headers=EVENT_STREAM, stream=events())


# --- the ASGI entry point ----------------------------------------------------------------


async def not_found(request: Request) -> Response:
    return text("Not Found", 404)


def resolve(path: str) -> tuple[Handler, dict[str, str]]:
    for pattern, handler in ROUTES:
        match = pattern.match(path)
        if match:
            return handler, match.groupdict()
    return not_found, {}


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return  # no websockets here
    handler, params = resolve(scope["path"])
    request = Request(scope, await read_body(receive), params)
    response = await handler(request)
    await response.send_to(send)
