"""Per-request overhead of the model and client layers, without a network.

Times the paths every request crosses: URL parsing, Request construction, a whole
`Client.get` through `MockTransport`, and creating a client (SSL context reuse).
Run with `scripts/bench overhead`; results are recorded in benchmarks/RESULTS-transport.md.
"""

from __future__ import annotations

import argparse
import timeit

import httpx


def per_call(statement: str, setup: str, number: int) -> float:
    """Best of 5 timings, in microseconds per call."""
    timer = timeit.Timer(statement, setup=setup, globals={"httpx": httpx})
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
        ("Client() + close()", per_call("httpx.Client().close()", "", max(n // 10, 10))),
    ]
    print("| operation | µs per call |")
    print("|---|---:|")
    for name, micros in rows:
        print(f"| `{name}` | {micros:,.1f} |")


if __name__ == "__main__":
    main()
