"""Per-request overhead of the model and client layers, without a network.

Times the paths every request crosses: URL parsing, Request construction, a whole
`Client.get` through `MockTransport`, and creating a client (SSL context reuse). The
"above the transport" rows send `client.get(url)` (sync and asyncio) through a transport
that returns at once what nginx answers for /small (its eight header fields, a 1 KiB
body): everything a request costs except the connection.
Run with `scripts/bench overhead`; results are recorded in benchmarks/RESULTS-transport.md
and (per-request overhead) benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import timeit

import httpx
from httpx._content import ByteStream

# What nginx sends for /small (benchmarks/nginx.py), as a transport hands it over.
_NGINX_HEAD = [
    (b"Server", b"nginx"),
    (b"Date", b"Sun, 06 Dec 2026 06:00:00 GMT"),
    (b"Content-Type", b"application/octet-stream"),
    (b"Content-Length", b"1024"),
    (b"Last-Modified", b"Sun, 06 Dec 2026 05:00:00 GMT"),
    (b"Connection", b"keep-alive"),
    (b"ETag", b'"6753f0e0-400"'),
    (b"Accept-Ranges", b"bytes"),
]
_BODY = b"x" * 1024


def _nginx_response() -> httpx.Response:
    return httpx.Response(
        200,
        headers=httpx.Headers._from_trusted(_NGINX_HEAD),
        stream=ByteStream(_BODY),
        extensions={"http_version": b"HTTP/1.1", "reason_phrase": b"OK"},
    )


class _InstantTransport(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return _nginx_response()


class _AsyncInstantTransport(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return _nginx_response()


def async_per_call(number: int) -> float:
    """`AsyncClient.get` above the transport, best of 5, in microseconds per call."""

    async def timings() -> list[float]:
        url = "http://127.0.0.1:8080/small"
        async with httpx.AsyncClient(transport=_AsyncInstantTransport()) as client:
            for _ in range(100):
                await client.get(url)
            results = []
            for _ in range(5):
                started = time.perf_counter()
                for _ in range(number):
                    await client.get(url)
                results.append(time.perf_counter() - started)
            return results

    return min(asyncio.run(timings())) / number * 1e6


def per_call(statement: str, setup: str, number: int) -> float:
    """Best of 5 timings, in microseconds per call."""
    names = {"httpx": httpx, "_InstantTransport": _InstantTransport}
    timer = timeit.Timer(statement, setup=setup, globals=names)
    return min(timer.repeat(repeat=5, number=number)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--number", type=int, default=2000, help="calls per timing")
    args = parser.parse_args()
    n = args.number
    handler = "def handler(request): return httpx.Response(200, content=b'ok')\n"
    rows = [
        (
            "URL('https://example.org/path?a=1')",
            per_call("httpx.URL('https://example.org/path?a=1')", "", n),
        ),
        (
            "Request('GET', url, headers=...)",
            per_call(
                "httpx.Request('GET', 'https://example.org/path', headers={'a': 'b'})", "", n
            ),
        ),
        (
            "Client.get via MockTransport",
            per_call(
                "client.get('https://example.org/path', params={'q': '1'})",
                handler + "client = httpx.Client(transport=httpx.MockTransport(handler))",
                n,
            ),
        ),
        (
            "Client.get(url) above the transport (nginx's /small head)",
            per_call(
                "client.get('http://127.0.0.1:8080/small')",
                "client = httpx.Client(transport=_InstantTransport())",
                n,
            ),
        ),
        ("AsyncClient.get(url) above the transport (asyncio)", async_per_call(n)),
        (
            "Client(base_url=...).get('/users/1', params=...) above the transport",
            per_call(
                "client.get('/users/1', params={'page': '2'})",
                "client = httpx.Client(base_url='https://api.example.com/v1',"
                " transport=_InstantTransport())",
                n,
            ),
        ),
        ("Client() + close()", per_call("httpx.Client().close()", "", max(n // 10, 10))),
    ]
    print("| operation | µs per call |")
    print("|---|---:|")
    for name, micros in rows:
        print(f"| `{name}` | {micros:,.1f} |")


if __name__ == "__main__":
    main()
