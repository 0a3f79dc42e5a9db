"""Benchmark harness: our httpx against httpx 0.28.1, its peers and a raw floor, on nginx.

Run through scripts/bench (see --help). It installs the peers' venv if needed, starts a
private nginx, runs every selected case once per round (each in a fresh process, with a
timeout), stops nginx (also on Ctrl-C or errors) and writes the Markdown report.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from types import FrameType

from benchmarks import peers
from benchmarks.nginx import Nginx, ServerInfo
from benchmarks.report import Results, RunInfo, Sample, render
from benchmarks.scenarios import (
    BASELINE,
    CLIENTS,
    FULL,
    QUICK,
    SCENARIOS,
    UNITS,
    Case,
    Sizes,
    all_cases,
    select,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CLIENTS_DIR = HERE / "clients"
OURS_PYTHON = REPO / ".venv" / "bin" / "python"
RUNTIME_DIR = HERE / ".nginx"
DEFAULT_OUTPUT = HERE / "RESULTS.md"
RESULT_PREFIX = "BENCH-RESULT "  # as printed by clients/_common.py
# Distributions whose versions the report lists, per venv.
OURS_PACKAGES = ["httpcore", "h11", "h2", "anyio", "trio", "certifi"]
PEER_PACKAGES = [
    "httpx",
    "httpcore",
    "h11",
    "h2",
    "anyio",
    "trio",
    "requests",
    "urllib3",
    "aiohttp",
    "pycurl",
    "niquests",
    "urllib3-future",
]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description=__doc__.split("\n\n")[0]
        + " Other commands: `scripts/bench overhead` (model-layer timings, no network),"
        " `scripts/bench transport` (our pool against httpcore's on a Python server).",
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller sizes")
    parser.add_argument(
        "--only", default="", help=f"scenarios, e.g. S1,A1 ({','.join(SCENARIOS)})"
    )
    parser.add_argument("--clients", default="", help=f"e.g. ours,httpx028 ({','.join(CLIENTS)})")
    parser.add_argument("--rounds", type=int, help="rounds (default: 5, --quick: 3)")
    parser.add_argument("--timeout", type=float, help="seconds per measurement process")
    parser.add_argument(
        "--output",
        type=Path,
        help="results file (default benchmarks/RESULTS.md; runs filtered with --only or "
        "--clients only write one when this is given)",
    )
    parser.add_argument("--rebuild-peers", action="store_true", help="recreate the peers venv")
    args = parser.parse_args(argv)
    args.filtered = bool(args.only or args.clients)
    for option, known in (("only", SCENARIOS), ("clients", tuple(CLIENTS))):
        chosen = [item for item in getattr(args, option).split(",") if item]
        unknown = sorted(set(chosen) - set(known))
        if unknown:
            parser.error(f"--{option}: unknown {', '.join(unknown)}; known: {', '.join(known)}")
        setattr(args, option, set(chosen or known))
    if args.rounds is not None and args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def _command(case: Case, python: Path, server: ServerInfo) -> list[str]:
    client = CLIENTS[case.client]
    command = [str(python), str(CLIENTS_DIR / client.runner), "--scenario", case.scenario]
    command += ["--url", server.url(case.path, tls=case.tls)]
    command += ["--count", str(case.count), "--warmup", str(case.warmup)]
    command += ["--concurrency", str(case.concurrency), "--connections", str(case.connections)]
    command += ["--backend", case.backend, "--size", str(case.size)]
    if case.variant:
        command += ["--variant", case.variant]
    if case.scenario == "U1":
        command += ["--body-file", str(server.big_path)]
    if case.tls:
        command += ["--ca", str(server.ca_path)]
    return command


def _wrong_httpx(case: Case, versions: dict[str, str]) -> str:
    """Why the runner measured some other httpx than the one it stands for, or ''."""
    path = versions.get("httpx_path", "")
    if case.client in ("ours", "ours_h11") and not path.startswith(str(REPO / "httpx")):
        return f"imported httpx from {path}, not from the repo"
    if case.client == BASELINE and not (
        path.startswith(str(peers.VENV)) and versions.get("httpx") == "0.28.1"
    ):
        return f"imported httpx {versions.get('httpx')} from {path}, not the peers' 0.28.1"
    return ""


class Runner:
    def __init__(self, server: ServerInfo, peers_python: Path | None, timeout: float) -> None:
        self.server = server
        self.pythons = {"ours": OURS_PYTHON, "peers": peers_python}
        self.timeout = timeout
        self.versions: dict[str, dict[str, str]] = {}  # client -> what its runner reported
        self.env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}

    def measure(self, case: Case) -> Sample:
        python = self.pythons[CLIENTS[case.client].venv]
        assert python is not None
        try:
            process = subprocess.run(
                _command(case, python, self.server),
                capture_output=True,
                text=True,
                timeout=self.timeout,
                env={**self.env, **dict(CLIENTS[case.client].env)},
                cwd=CLIENTS_DIR,
            )
        except subprocess.TimeoutExpired:
            return Sample(None, f"timed out after {self.timeout:.0f} s (killed)")
        lines = [x for x in process.stdout.splitlines() if x.startswith(RESULT_PREFIX)]
        if process.returncode != 0 or not lines:
            reason = (process.stderr.strip().splitlines() or ["no output"])[-1]
            return Sample(None, f"exit {process.returncode}: {reason[:300]}")
        result = json.loads(lines[-1][len(RESULT_PREFIX) :])
        versions = result["versions"]
        wrong = _wrong_httpx(case, versions)
        if wrong:
            return Sample(None, wrong)
        self.versions.setdefault(case.client, versions)
        value = result["units"] / result["elapsed"]
        if UNITS[case.scenario] == "GB/s":
            value /= 1e9
        first = result.get("first_seconds")
        return Sample(
            value,
            rss_mib=result["maxrss_kib"] / 1024,
            first_ms=first * 1000 if first is not None else None,
        )


def _rounds(cases: list[Case], rounds: int) -> Iterator[tuple[int, Case]]:
    """Every case once per round; within a group the starting client rotates."""
    groups: dict[tuple[str, str, int], list[Case]] = {}
    for case in cases:
        groups.setdefault(case.group, []).append(case)
    for index in range(rounds):
        for group in groups.values():
            shift = index % len(group)
            for case in group[shift:] + group[:shift]:
                yield index + 1, case


def _machine() -> list[str]:
    model = "unknown CPU"
    memory = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
                break
    except OSError:
        pass
    cores = os.cpu_count()
    return [f"Machine: {cores} cores ({model}), {memory} memory, Linux {platform.release()}"]


def _git_state() -> str:
    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", "-C", str(REPO), *args], capture_output=True, text=True, timeout=30
        )
        return result.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    dirty = git("status", "--porcelain", "--", "httpx")
    return commit + (" + uncommitted changes in httpx/" if dirty else "")


def _versions(
    server: ServerInfo, peers_python: Path | None, optional: dict[str, str]
) -> list[str]:
    ours = peers.installed_versions(OURS_PYTHON, OURS_PACKAGES)
    ours.pop("urllib3 (imported)", None)
    python = ours.pop("python")
    deps = ", ".join(f"{k} {v}" for k, v in ours.items())
    lines = [f"ours: httpx from this repo at {_git_state()} (Python {python}; {deps})"]
    if peers_python is not None:
        found = peers.installed_versions(peers_python, PEER_PACKAGES)
        found.pop("urllib3 (imported)", None)
        python = found.pop("python")
        listed = ", ".join(f"{k} {v}" for k, v in found.items())
        lines.append(f"peers (benchmarks/.peers-venv, Python {python}): {listed}")
        lines += [f"optional peer {name}: {state}" for name, state in optional.items()]
    lines.append(f"nginx {server.version}")
    return lines


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM/SIGHUP unwind like Ctrl-C, so nginx and the current child are stopped."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {s: signal.signal(s, interrupt) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _select(
    args: argparse.Namespace, sizes: Sizes
) -> tuple[list[Case], peers.Peers | None, list[str]]:
    """The cases to run, the peers' venv if they need it, and notes for the report."""
    cases = select(all_cases(sizes), args.only, args.clients)
    installed = None
    if any(CLIENTS[c.client].venv == "peers" for c in cases):
        installed = peers.ensure_peers(rebuild=args.rebuild_peers)
    optional = installed.optional if installed else {}
    notes = []
    for client in CLIENTS.values():
        if client.optional and optional.get(client.optional) != "installed":
            if any(c.client == client.key for c in cases):
                notes.append(f"{client.label} not measured: {optional.get(client.optional)}")
            cases = [c for c in cases if c.client != client.key]
    return cases, installed, notes


def _measure_all(runner: Runner, cases: list[Case], rounds: int) -> Results:
    results: Results = {case: [] for case in cases}
    for index, case in _rounds(cases, rounds):
        sample = runner.measure(case)
        results[case].append(sample)
        shown = (
            f"{sample.value:,.2f} {UNITS[case.scenario]}"
            if sample.value is not None
            else f"FAILED: {sample.error}"
        )
        print(f"[round {index}/{rounds}] {case.name}: {shown}", flush=True)
    return results


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    rounds = args.rounds or sizes.rounds
    timeout = args.timeout or sizes.timeout
    cases, installed, notes = _select(args, sizes)
    if not cases:
        print("nothing to run for this --only/--clients selection", file=sys.stderr)
        return 2
    peers_python = installed.python if installed else None
    output = args.output or (None if args.filtered else DEFAULT_OUTPUT)
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    print(f"{len(cases)} cases x {rounds} rounds; timeout {timeout:.0f} s each", flush=True)
    with _terminate_as_interrupt(), Nginx(RUNTIME_DIR, sizes.big_size) as server:
        runner = Runner(server, peers_python, timeout)
        versions = _versions(server, peers_python, installed.optional if installed else {})
        try:
            results = _measure_all(runner, cases, rounds)
        except KeyboardInterrupt:
            print("interrupted: nginx stopped, no results written", file=sys.stderr)
            return 130
    libcurl = runner.versions.get("pycurl", {}).get("libcurl")
    if libcurl:
        versions.append(f"pycurl runs libcurl {libcurl}")
    load = (
        f"Load average (1 min): {load_before:.2f} at the start, "
        f"{os.getloadavg()[0]:.2f} at the end"
    )
    info = RunInfo(
        date=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        command=shlex.join(["scripts/bench", *argv]),
        duration_s=time.monotonic() - started,
        machine=[*_machine(), load + " (other work on the machine skews the numbers)"],
        versions=versions,
        notes=notes,
        rounds=rounds,
        big_size=sizes.big_size,
    )
    text = render(info, cases, results)
    print("\n" + text)
    if output is not None:
        output.write_text(text + kept_by_hand(output))
        print(f"written to {output}")
    return 0


HAND_WRITTEN = "<!-- Written by hand: scripts/bench keeps what follows this line. -->"


def kept_by_hand(output: Path) -> str:
    """What follows `HAND_WRITTEN` in the results file being replaced (dated notes, the
    SSE and WebSocket tables, ...), so that a new run does not erase it."""
    try:
        previous = output.read_text()
    except FileNotFoundError:
        return ""
    marker = previous.find(HAND_WRITTEN)
    return "" if marker < 0 else "\n" + previous[marker:]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
