"""What is measured: the clients, the scenarios and the sizes of a full or a quick run.

A `Case` is one client doing one scenario with fixed settings; every round runs each
selected case once, in a fresh process. Cases of the same `group` (scenario, event loop,
concurrency) do exactly the same work and are compared with each other.
"""

from __future__ import annotations

from dataclasses import dataclass

SCENARIOS = ("S1", "A1", "D1", "U1", "H2", "C1")

TITLES = {
    "S1": "S1: sync keep-alive GET /small (1 KiB), sequential",
    "A1": "A1: async GETs of /small (1 KiB), tasks sharing one client",
    "D1": "D1: streamed download of /big, chunks discarded",
    "U1": "U1: upload to /upload (nginx reads the whole body, then replies)",
    "H2": "H2: asyncio, TLS + HTTP/2, 100 concurrent GETs of /small",
    "C1": "C1: create + close a client (default verified SSL context)",
}

UNITS = {
    "S1": "req/s",
    "A1": "req/s",
    "D1": "GB/s",
    "U1": "GB/s",
    "H2": "req/s",
    "C1": "clients/s",
}

SMALL_SIZE = 1024
POOL_CAP = 100  # A1's pool: min(concurrency, 100) connections, all kept alive


@dataclass(frozen=True)
class Client:
    key: str  # the name --clients takes
    label: str  # the name tables show
    venv: str  # "ours" (repo .venv) or "peers" (benchmarks/.peers-venv)
    runner: str  # script in benchmarks/clients/
    optional: str = ""  # the optional peer (peers-requirements.txt) it needs, if any
    env: tuple[tuple[str, str], ...] = ()  # extra environment of its runner process


CLIENTS = {
    client.key: client
    for client in (
        Client("ours", "ours", "ours", "httpx_runner.py"),
        # The same package with HTTP/1.1 parsed by h11 (as without the `speedups` extra).
        Client(
            "ours_h11",
            "ours (h11)",
            "ours",
            "httpx_runner.py",
            env=(("HTTPX_HTTP1_PARSER", "h11"),),
        ),
        Client("httpx028", "httpx 0.28.1", "peers", "httpx_runner.py"),
        Client("requests", "requests", "peers", "requests_runner.py"),
        Client("urllib3", "urllib3", "peers", "urllib3_runner.py"),
        Client("pycurl", "pycurl", "peers", "pycurl_runner.py", optional="pycurl"),
        Client("aiohttp", "aiohttp", "peers", "aiohttp_runner.py"),
        Client("niquests", "niquests", "peers", "niquests_runner.py", optional="niquests"),
        Client("raw", "raw floor", "ours", "raw_runner.py"),
    )
}
BASELINE = "httpx028"
FLOOR = "raw"


@dataclass(frozen=True)
class Sizes:
    rounds: int
    s1_requests: int
    a1_requests: int
    a1_concurrency: tuple[int, ...]
    big_size: int  # bytes of /big and of each upload
    transfers: int  # timed downloads / uploads per measurement
    h2_requests: int
    c1_clients: int
    timeout: float  # seconds one measurement process may take


FULL = Sizes(
    rounds=5,
    s1_requests=5_000,
    a1_requests=20_000,
    a1_concurrency=(1, 10, 100, 1000),
    big_size=256 << 20,
    transfers=3,
    h2_requests=5_000,
    c1_clients=500,
    timeout=900.0,
)
QUICK = Sizes(
    rounds=3,
    s1_requests=2_000,
    a1_requests=2_000,
    a1_concurrency=(1, 100, 1000),
    big_size=64 << 20,
    transfers=2,
    h2_requests=1_000,
    c1_clients=100,
    timeout=240.0,
)


@dataclass(frozen=True)
class Case:
    scenario: str
    client: str
    variant: str = ""
    backend: str = "asyncio"
    concurrency: int = 1
    connections: int = 1
    path: str = "/small"
    tls: bool = False
    count: int = 1
    warmup: int = 0
    size: int = SMALL_SIZE

    @property
    def group(self) -> tuple[str, str, int]:
        return (self.scenario, self.backend, self.concurrency)

    @property
    def label(self) -> str:
        name = CLIENTS[self.client].label
        return f"{name} ({self.variant})" if self.variant else name

    @property
    def name(self) -> str:
        where = f" {self.backend} c={self.concurrency}" if self.scenario == "A1" else ""
        return f"{self.scenario}{where} {self.label}"


@dataclass(frozen=True)
class Target:
    """The median of ours (`variant`) must be at least `need` times `reference`'s."""

    group: tuple[str, str, int]  # Case.group
    variant: str
    reference: str  # a client key: BASELINE, FLOOR or a peer
    need: float
    client: str = "ours"  # "ours" or "ours_h11"

    @property
    def text(self) -> str:
        scenario, backend, concurrency = self.group
        where = f" {backend} ({concurrency} concurrent)" if scenario == "A1" else ""
        ours = f" {CLIENTS[self.client].label}"
        if self.variant:
            ours += f" ({self.variant})"
        return f"{scenario}{where}{ours} ≥ {self.need:g}× {CLIENTS[self.reference].label}"


# The targets of issue 12: with the `speedups` extra (httptools parses HTTP/1.1), and with
# h11 only.
TARGETS = (
    Target(("S1", "asyncio", 1), "", BASELINE, 2.5),
    Target(("S1", "asyncio", 1), "", "urllib3", 1.0),
    Target(("A1", "asyncio", 100), "", "aiohttp", 1.0),
    Target(("A1", "trio", 100), "", BASELINE, 15.0),
    Target(("D1", "asyncio", 1), "iter_bytes", FLOOR, 0.9),
    Target(("D1", "asyncio", 1), "iter_raw", FLOOR, 0.9),
    Target(("U1", "asyncio", 1), "bytes", FLOOR, 0.9),
    Target(("U1", "asyncio", 1), "generator", FLOOR, 0.9),
    Target(("U1", "asyncio", 1), "file", FLOOR, 0.9),
    Target(("H2", "asyncio", 100), "", BASELINE, 4.0),
    Target(("C1", "asyncio", 1), "", BASELINE, 200.0),
    Target(("S1", "asyncio", 1), "", BASELINE, 1.8, client="ours_h11"),
    Target(("A1", "asyncio", 100), "", BASELINE, 15.0, client="ours_h11"),
)
# A1: ours' req/s at each concurrency level must stay within this share of the level
# below (it "must not fall as concurrency rises"; the slack absorbs run-to-run noise).
SWEEP_SLACK = 0.9


def _a1_cases(sizes: Sizes) -> list[Case]:
    # 100 is the headline and 1,000 carries the RSS figure: always part of the sweep.
    levels = sorted({*sizes.a1_concurrency, 100, 1000})
    cases = []
    for backend, clients in (
        ("asyncio", ("ours", "ours_h11", "httpx028", "aiohttp", "raw")),
        ("trio", ("ours", "ours_h11", "httpx028", "raw")),
    ):
        for concurrency in levels:
            connections = min(concurrency, POOL_CAP)
            cases += [
                Case(
                    "A1",
                    client,
                    backend=backend,
                    concurrency=concurrency,
                    connections=connections,
                    count=sizes.a1_requests,
                    warmup=max(100, 2 * connections),
                )
                for client in clients
            ]
    return cases


def all_cases(sizes: Sizes) -> list[Case]:
    def transfer(scenario: str, client: str, variant: str = "") -> Case:
        path = "/big" if scenario == "D1" else "/upload"
        return Case(
            scenario,
            client,
            variant,
            path=path,
            count=sizes.transfers,
            warmup=1,
            size=sizes.big_size,
        )

    s1 = ("ours", "ours_h11", "httpx028", "requests", "urllib3", "pycurl", "raw")
    h2 = ("ours", "httpx028", "niquests")
    return [
        *(Case("S1", c, count=sizes.s1_requests, warmup=100) for c in s1),
        *_a1_cases(sizes),
        transfer("D1", "ours", "iter_bytes"),
        transfer("D1", "ours", "iter_raw"),
        transfer("D1", "httpx028", "iter_bytes"),
        transfer("D1", "httpx028", "iter_raw"),
        transfer("D1", "requests"),
        transfer("D1", "urllib3"),
        transfer("D1", "raw"),
        transfer("U1", "ours", "bytes"),
        transfer("U1", "ours", "generator"),
        transfer("U1", "ours", "file"),
        transfer("U1", "httpx028", "bytes"),
        transfer("U1", "requests"),
        transfer("U1", "urllib3"),
        transfer("U1", "raw"),
        *(
            Case(
                "H2",
                c,
                concurrency=100,
                connections=100,
                tls=True,
                count=sizes.h2_requests,
                warmup=100,
            )
            for c in h2
        ),
        *(
            Case("C1", c, count=sizes.c1_clients, warmup=5)
            for c in ("ours", "httpx028", "requests")
        ),
    ]


def select(cases: list[Case], scenarios: set[str], clients: set[str]) -> list[Case]:
    return [case for case in cases if case.scenario in scenarios and case.client in clients]
