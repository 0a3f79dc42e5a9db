"""How long `import httpx` takes: ours against httpx 0.28.1, with the same extras.

    scripts/bench importtime                   # print the table
    scripts/bench importtime --output benchmarks/RESULTS-importtime.md
    scripts/bench importtime --runs 40 --python /path/to/python3.12

For each set of extras (none, and httpx 0.28.1's five: brotli, cli, http2, socks, zstd)
two fresh venvs are made with uv on the same interpreter: one with this repository's
wheel, one with `httpx==0.28.1` from PyPI (never our development venv). Both are
installed with `--compile-bytecode`, as pip leaves a wheel, so no run pays for compiling.

Two measures per venv:
- wall time: `python -I -c "import httpx"` minus `python -I -c "pass"`, each run `--runs`
  times, interleaved; the median and the minimum of the differences (a process start is
  noisy on a shared machine: compare medians of the same run, never across runs);
- `python -X importtime`: the cumulative time of `httpx` (median over a few runs), and
  where it goes: httpx's own modules, httpx._transports with what it imports, and the
  largest other packages.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import typing
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import install_matrix  # noqa: E402  (the build and uv helpers)

REFERENCE = "httpx==0.28.1"
REFERENCE_EXTRAS = ("brotli", "cli", "http2", "socks", "zstd")
IMPORTTIME_RUNS = 7
RESULTS_MARKER = "<!-- scripts/bench importtime writes below this line -->"


def make_venv(python: str, directory: Path, requirement: str) -> Path:
    uv = install_matrix.uv_executable()
    cache = str(install_matrix.DEFAULT_CACHE / "uv")
    subprocess.run(
        [uv, "venv", "--quiet", "--python", python, str(directory)],
        check=True,
        capture_output=True,
        env=install_matrix.NETWORK_ENV,
    )
    subprocess.run(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--compile-bytecode",
            "--cache-dir",
            cache,
            "--python",
            str(directory / "bin" / "python"),
            requirement,
        ],
        check=True,
        capture_output=True,
        env=install_matrix.NETWORK_ENV,
    )
    return directory / "bin" / "python"


class Sample(typing.NamedTuple):
    wall: float  # seconds `import httpx` added to a bare interpreter start
    cpu: float  # the same in CPU time (user + system) of the child process


def _timed(python: Path, code: str, cwd: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([str(python), "-I", "-c", code], check=True, cwd=cwd)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def sample(python: Path, cwd: Path) -> Sample:
    """One measure of what `import httpx` adds to `python -I -c pass`."""
    bare = _timed(python, "pass", cwd)
    loaded = _timed(python, "import httpx", cwd)
    return Sample(loaded[0] - bare[0], loaded[1] - bare[1])


_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def importtime_run(python: Path, cwd: Path) -> dict[str, float]:
    """Milliseconds, from one `python -X importtime`: "total" (httpx cumulative), "httpx
    own" (self time of httpx.* modules), "_transports" (httpx._transports.* with
    everything they import first), and the self time of each other top-level package."""
    completed = subprocess.run(
        [str(python), "-I", "-X", "importtime", "-c", "import httpx"],
        check=True,
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    rows = [
        (int(m[1]), int(m[2]), len(m[3]) // 2, m[4])
        for m in map(_LINE.match, completed.stderr.splitlines())
        if m
    ]
    result: dict[str, float] = defaultdict(float)
    transports_depth: int | None = None
    # importtime lists a module after everything it imported (children first, one
    # indentation level deeper). Walking backwards from the end, a module belongs to
    # the closest httpx._transports.* above it in the tree.
    for self_us, cumulative_us, depth, name in reversed(rows):
        if transports_depth is not None and depth <= transports_depth:
            transports_depth = None
        if name == "httpx":
            result["total"] = cumulative_us / 1000
        if name.startswith("httpx._transports") and transports_depth is None:
            result["_transports"] += cumulative_us / 1000
            transports_depth = depth
        if name.startswith("httpx"):
            result["httpx own"] += self_us / 1000
        else:
            result[name.split(".")[0]] += self_us / 1000
    return dict(result)


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    keys = set().union(*runs)
    return {key: statistics.median(run.get(key, 0.0) for run in runs) for key in keys}


def measure(python: str, runs: int) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="importtime-") as temporary:
        workdir = Path(temporary)
        dists = install_matrix.build(workdir / "dist")
        version = subprocess.run(
            [python, "-c", "import sys; print(sys.version.split()[0])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        venvs: dict[tuple[str, str], Path] = {}
        for label, extras in (("none", ()), ("all five", REFERENCE_EXTRAS)):
            suffix = f"[{','.join(extras)}]" if extras else ""
            venvs[label, "ours"] = make_venv(
                python, workdir / f"ours-{label}", f"{dists.wheel}{suffix}"
            )
            venvs[label, "httpx 0.28.1"] = make_venv(
                python, workdir / f"ref-{label}", REFERENCE.replace("==", f"{suffix}==")
            )
        # Interleaved, round after round, so that a change in the machine's load falls on
        # every venv alike.
        samples: dict[tuple[str, str], list[Sample]] = {key: [] for key in venvs}
        breakdowns: dict[tuple[str, str], list[dict[str, float]]] = {key: [] for key in venvs}
        for round_ in range(runs):
            for key, venv_python in venvs.items():
                samples[key].append(sample(venv_python, workdir))
                if round_ < IMPORTTIME_RUNS:
                    breakdowns[key].append(importtime_run(venv_python, workdir))
        load = os.getloadavg()[0]
    lines = [
        f"Python {version} ({python}), {runs} rounds, {datetime.date.today().isoformat()}, "
        f"load average {load:.1f} on {os.cpu_count()} CPUs at the end; ms, lower is better.",
        "",
        "| extras | package | CPU median | CPU min | wall median | wall min "
        "| -X importtime | httpx own | httpx._transports | largest others (self time) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for (label, name), measured in samples.items():
        cpu = [1000 * s.cpu for s in measured]
        wall = [1000 * s.wall for s in measured]
        breakdown = medians(breakdowns[label, name])
        others = sorted(
            (
                (value, key)
                for key, value in breakdown.items()
                if key not in ("total", "httpx own", "_transports")
            ),
            reverse=True,
        )[:5]
        lines.append(
            f"| {label} | {name} | {statistics.median(cpu):.1f} | {min(cpu):.1f} | "
            f"{statistics.median(wall):.1f} | {min(wall):.1f} | {breakdown['total']:.1f} | "
            f"{breakdown['httpx own']:.1f} | {breakdown.get('_transports', 0.0):.1f} | "
            + ", ".join(f"{key} {value:.1f}" for value, key in others)
            + " |"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--python",
        default=sys._base_executable if hasattr(sys, "_base_executable") else sys.executable,
        help="interpreter for both venvs [default: the one behind .venv]",
    )
    parser.add_argument("--output", type=Path, help="write the table (markdown) to this file")
    args = parser.parse_args(argv)
    lines = measure(args.python, args.runs)
    table = "\n".join(lines) + "\n"
    print(table)
    if args.output is not None:
        # Keep the file's prose (everything above the marker); replace the table.
        header = "# `import httpx`: time\n\n"
        if args.output.exists():
            header = args.output.read_text("utf-8").split(RESULTS_MARKER)[0]
        args.output.write_text(f"{header}{RESULTS_MARKER}\n{table}", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
