"""What every runner shares: the command line, response checks and the result line.

A runner is one process measuring one client on one scenario. Runners execute under two
virtualenvs (the repo's, which has our httpx, and the peers' one, which has httpx 0.28.1
and the other clients), so this module uses the standard library only, and each runner
imports only the client family it measures.

Protocol with benchmarks/run.py: the runner prints one line ``BENCH-RESULT {json}`` on
stdout and exits 0, or exits non-zero with the reason on stderr. The JSON holds the
units of work done in the timed section (requests, clients or bytes), the seconds it
took, the process's peak RSS and the versions of what it imported.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata

RESULT_PREFIX = "BENCH-RESULT "
SCENARIOS = ("S1", "A1", "D1", "U1", "H2", "C1")
# Sizes of the chunks a generator upload body yields, cycled (64 KiB .. 1 MiB).
GENERATOR_CHUNK_SIZES = (64 << 10, 256 << 10, 1 << 20)


class CheckFailed(Exception):
    """A response was not what the server sends: the measurement is void."""


@dataclass
class Measurement:
    units: float  # requests, clients or bytes done inside the timed section
    elapsed: float  # seconds
    extra: dict[str, float] = field(default_factory=dict)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run one benchmark measurement.")
    parser.add_argument("--scenario", required=True, choices=SCENARIOS)
    parser.add_argument("--url", default="")
    parser.add_argument("--count", type=int, default=1, help="timed repetitions")
    parser.add_argument("--warmup", type=int, default=0, help="untimed repetitions first")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--connections", type=int, default=1, help="pool size")
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    parser.add_argument("--variant", default="", help="client-specific way of doing it")
    parser.add_argument("--size", type=int, default=0, help="expected/uploaded body bytes")
    parser.add_argument("--body-file", default="", help="file of --size bytes (uploads)")
    parser.add_argument("--ca", default="", help="CA bundle for TLS scenarios")
    return parser.parse_args(argv)


def check_body(status: int, length: int, expected_length: int) -> None:
    if status != 200:
        raise CheckFailed(f"status {status}, expected 200")
    if length != expected_length:
        raise CheckFailed(f"body of {length} bytes, expected {expected_length}")


def check_upload_reply(status: int, text: bytes | str, sent: int) -> None:
    """/upload answers with nginx's $request_length: head + body bytes it read."""
    if status != 200:
        raise CheckFailed(f"upload status {status}, expected 200")
    received = int(text.strip() or 0)
    if received < sent:
        raise CheckFailed(f"server read {received} bytes, {sent} body bytes were sent")


def upload_chunks(body: bytes) -> list[bytes]:
    """The body cut into 64 KiB..1 MiB pieces, made before timing starts."""
    chunks = []
    offset = 0
    index = 0
    while offset < len(body):
        size = GENERATOR_CHUNK_SIZES[index % len(GENERATOR_CHUNK_SIZES)]
        chunks.append(body[offset : offset + size])
        offset += size
        index += 1
    return chunks


def generate(chunks: list[bytes]) -> Iterator[bytes]:
    yield from chunks


def versions_of(*distributions: str) -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in distributions:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def main(
    runners: Mapping[str, Callable[[argparse.Namespace], Measurement]],
    versions: Callable[[], dict[str, str]],
) -> None:
    args = parse_args()
    runner = runners.get(args.scenario)
    if runner is None:
        sys.exit(f"this client has no {args.scenario} runner")
    try:
        result = runner(args)
    except CheckFailed as exc:
        sys.exit(f"wrong response: {exc}")
    line = {
        "units": result.units,
        "elapsed": result.elapsed,
        "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "versions": versions(),
        "executable": sys.executable,
        **result.extra,
    }
    print(RESULT_PREFIX + json.dumps(line), flush=True)
