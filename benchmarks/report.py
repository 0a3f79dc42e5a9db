"""Statistics and the Markdown report (benchmarks/RESULTS.md) of one harness run."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from benchmarks.scenarios import (
    BASELINE,
    CLIENTS,
    FLOOR,
    POOL_CAP,
    SWEEP_SLACK,
    TARGETS,
    TITLES,
    UNITS,
    Case,
    Target,
)


@dataclass
class Sample:
    """One measurement: a value in the scenario's unit, or why there is none."""

    value: float | None
    error: str = ""
    rss_mib: float | None = None
    first_ms: float | None = None


@dataclass
class Summary:
    median: float | None
    low: float | None
    high: float | None
    ok: int
    runs: int
    errors: list[str]
    rss: list[float] = field(default_factory=list)
    first_ms: float | None = None


@dataclass
class RunInfo:
    date: str
    command: str
    duration_s: float
    machine: list[str]  # "key: value" lines
    versions: list[str]
    notes: list[str]
    rounds: int
    big_size: int


def summarize(samples: list[Sample]) -> Summary:
    values = [s.value for s in samples if s.value is not None]
    firsts = [s.first_ms for s in samples if s.first_ms is not None]
    return Summary(
        median=statistics.median(values) if values else None,
        low=min(values) if values else None,
        high=max(values) if values else None,
        ok=len(values),
        runs=len(samples),
        errors=[f"round {i}: {s.error}" for i, s in enumerate(samples, 1) if s.error],
        rss=[s.rss_mib for s in samples if s.rss_mib is not None and s.value is not None],
        first_ms=statistics.median(firsts) if firsts else None,
    )


Results = dict[Case, list[Sample]]


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "GB/s":
        return f"{value:.2f}"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _ratio(value: float | None, reference: float | None) -> str:
    if value is None or not reference:
        return "—"
    return f"{value / reference:.2f}×" if value / reference < 100 else f"{value / reference:,.0f}×"


def _reference(group: list[Case], case: Case, client: str) -> Case | None:
    """The `client` case of the group to compare `case` with: same variant if it has it."""
    candidates = [c for c in group if c.client == client]
    same = [c for c in candidates if c.variant == case.variant]
    return (same or candidates)[0] if candidates else None


class Report:
    def __init__(self, cases: list[Case], results: Results) -> None:
        self.cases = cases
        self.summaries = {case: summarize(results.get(case, [])) for case in cases}

    def median(self, case: Case | None) -> float | None:
        return self.summaries[case].median if case is not None else None

    def group(self, scenario: str, backend: str = "asyncio", concurrency: int = 1) -> list[Case]:
        return [c for c in self.cases if c.group == (scenario, backend, concurrency)]

    # --- tables -------------------------------------------------------------------------

    def client_table(self, group: list[Case]) -> list[str]:
        unit = UNITS[group[0].scenario]
        references = [
            (title, client)
            for title, client in (("vs httpx 0.28.1", BASELINE), ("vs raw floor", FLOOR))
            if any(c.client == client for c in group)
        ]
        first = group[0].scenario == "C1"
        titles = [f"{unit} median", "min", "max", *(t for t, _ in references), "runs ok"]
        if first:
            titles.append("first client, ms")
        lines = ["| client | " + " | ".join(titles) + " |", "|---|" + "---:|" * len(titles)]
        notes = []
        for case in group:
            summary = self.summaries[case]
            cells = [
                case.label,
                *(_number(v, unit) for v in (summary.median, summary.low, summary.high)),
            ]
            for _, client in references:
                cells.append(_ratio(summary.median, self.median(_reference(group, case, client))))
            cells.append(f"{summary.ok}/{summary.runs}")
            if first:
                cells.append(f"{summary.first_ms:.1f}" if summary.first_ms is not None else "—")
            lines.append("| " + " | ".join(cells) + " |")
            notes += [f"* {case.label}: {error}" for error in summary.errors]
        return lines + ([""] + notes if notes else [])

    def sweep_table(self, backend: str) -> list[str]:
        cases = [c for c in self.cases if c.scenario == "A1" and c.backend == backend]
        levels = sorted({c.concurrency for c in cases})
        clients = list(dict.fromkeys(c.client for c in cases))
        head = "| concurrency | " + " | ".join(CLIENTS[c].label for c in clients) + " |"
        lines = [head, "|---:|" + "---:|" * len(clients)]
        if "ours" in clients and BASELINE in clients:
            lines[0] += " ours vs httpx 0.28.1 |"
            lines[1] += "---:|"
        for level in levels:
            group = self.group("A1", backend, level)
            row = [f"{level:,}"]
            for client in clients:
                row.append(_number(self.median(_reference(group, group[0], client)), "req/s"))
            if "ours" in clients and BASELINE in clients:
                ours = self.median(_reference(group, group[0], "ours"))
                row.append(_ratio(ours, self.median(_reference(group, group[0], BASELINE))))
            lines.append("| " + " | ".join(row) + " |")
        return lines

    def rss_table(self) -> list[str]:
        lines = [
            "| loop | client | peak RSS, MiB (median) | min | max |",
            "|---|---|---:|---:|---:|",
        ]
        for backend in ("asyncio", "trio"):
            for case in self.group("A1", backend, 1000):
                rss = self.summaries[case].rss
                if rss:
                    lines.append(
                        f"| {backend} | {case.label} | {statistics.median(rss):.0f} | "
                        f"{min(rss):.0f} | {max(rss):.0f} |"
                    )
        return lines if len(lines) > 2 else []

    # --- targets ------------------------------------------------------------------------

    def target(self, target: Target) -> str:
        group = self.group(*target.group)
        case = next(
            (c for c in group if c.client == target.client and c.variant == target.variant), None
        )
        reference = _reference(group, case, target.reference) if case is not None else None
        value, base = self.median(case), self.median(reference)
        if value is None or not base:
            missing = CLIENTS[target.client if value is None else target.reference].label
            return f"| {target.text} | — | not measured (no result for {missing}) |"
        verdict = "met" if value / base >= target.need else "missed"
        return f"| {target.text} | {_ratio(value, base)} | {verdict} |"

    def sweep_target(self, backend: str) -> str | None:
        rates = []
        for level in sorted({c.concurrency for c in self.cases if c.scenario == "A1"}):
            ours = [c for c in self.group("A1", backend, level) if c.client == "ours"]
            rate = self.median(ours[0]) if ours else None
            if rate is not None:
                rates.append((level, rate))
        if len(rates) < 2:
            return None
        holds = all(rate >= SWEEP_SLACK * below for (_, below), (_, rate) in pairwise(rates))
        levels = "/".join(f"{level:,}" for level, _ in rates)
        trail = " → ".join(f"{rate:,.0f}" for _, rate in rates)
        return (
            f"| A1 {backend}: ours does not slow down as concurrency rises ({levels}; each "
            f"level ≥ {SWEEP_SLACK:.0%} of the one below) | {trail} req/s | "
            f"{'met' if holds else 'missed'} |"
        )

    def targets(self) -> list[str]:
        rows = [self.target(target) for target in TARGETS]
        rows += [row for row in map(self.sweep_target, ("asyncio", "trio")) if row]
        return ["| target | measured | result |", "|---|---:|---|", *rows]


def describe(case: Case) -> str:
    """What one measurement of the scenario does (the same for every client)."""
    mib = case.size >> 20
    return {
        "S1": f"{case.count:,} sequential requests per measurement, after {case.warmup} warm-up.",
        "A1": f"{case.count:,} requests per measurement (at concurrency N, N tasks share them), "
        "after 2 per pool connection (at least 100) of warm-up.",
        "D1": f"{case.count} downloads of {mib} MiB per measurement, after 1 warm-up.",
        "U1": f"{case.count} uploads of {mib} MiB per measurement, after 1 warm-up; generator "
        "bodies yield 64 KiB, 256 KiB and 1 MiB chunks in turn.",
        "H2": f"{case.count:,} requests per measurement (certificate verified against the "
        f"run's CA), after {case.warmup} warm-up.",
        "C1": f"{case.count:,} clients per measurement; the first client of the process is "
        f"timed apart (its one-off costs), then {case.warmup} warm-up.",
    }[case.scenario]


def _section(title: str, body: Iterable[str]) -> list[str]:
    lines = list(body)
    while lines and not lines[-1]:
        lines.pop()
    return [f"## {title}", "", *lines, ""] if lines else []


def render(info: RunInfo, cases: list[Case], results: Results) -> str:
    report = Report(cases, results)
    scenarios = list(dict.fromkeys(c.scenario for c in cases))
    mib = info.big_size >> 20
    lines = [
        "# Benchmarks: our httpx and its peers",
        "",
        f"Generated by `benchmarks/run.py` on {info.date} in {info.duration_s / 60:.1f} min.",
        "",
        f"Command: `{info.command}`",
        "",
        *(f"* {line}" for line in info.machine),
        "",
        "Versions:",
        "",
        *(f"* {line}" for line in info.versions + info.notes),
        "",
        "How it is measured: every measurement is a fresh process running one client on one",
        f"scenario; {info.rounds} rounds, the clients alternating within each round (the order",
        "rotates from round to round). Each process warms up first (untimed requests on the",
        "same client), then times a fixed amount of work that is the same for every client,",
        "and checks every response (status 200 and body length; for uploads, the byte count",
        "nginx reports having read), so a broken client cannot win. Tables show the median of",
        "the rounds with min and max; ratios are ratios of medians. The server is a private",
        f"nginx (one worker) on 127.0.0.1: /small is a 1 KiB file, /big a {mib} MiB file sent",
        "with sendfile, /upload reads the whole body before replying (see benchmarks/nginx.py).",
        "Client and server share the machine's cores. GB = 10^9 bytes. The raw floor is",
        "hand-written HTTP/1.1 on plain sockets / asyncio / trio",
        "(benchmarks/clients/raw_runner.py).",
        f"A1's pool: min(concurrency, {POOL_CAP}) connections, all kept alive (httpx:",
        "`Limits(max_connections=K, max_keepalive_connections=K)`; aiohttp:",
        "`TCPConnector(limit=K)`; raw: K sockets); timeouts 60 s everywhere.",
        "",
    ]
    for scenario in scenarios:
        if scenario == "A1":
            body: list[str] = []
            for backend in ("asyncio", "trio"):
                headline = report.group("A1", backend, 100)
                if headline:
                    body += [
                        f"### {backend}, 100 concurrent",
                        "",
                        *report.client_table(headline),
                        "",
                    ]
                if any(c.backend == backend for c in cases if c.scenario == "A1"):
                    body += [
                        f"### {backend}: concurrency sweep (req/s, medians)",
                        "",
                        *report.sweep_table(backend),
                        "",
                    ]
            rss = report.rss_table()
            if rss:
                body += ["### Peak RSS of the client process, 1,000 concurrent", "", *rss, ""]
            first = next(c for c in cases if c.scenario == "A1")
            lines += _section(TITLES["A1"], [describe(first), "", *body])
        else:
            group = [c for c in cases if c.scenario == scenario]
            lines += _section(
                TITLES[scenario], [describe(group[0]), "", *report.client_table(group)]
            )
    lines += _section("Targets (from this run)", report.targets())
    return "\n".join(lines).rstrip() + "\n"
