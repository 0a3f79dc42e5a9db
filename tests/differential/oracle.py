"""The differential oracle: run every case on our httpx and on the reference releases.

Cases live in ``cases_*.py`` modules beside this one. Each module may define:

* ``CASES: list[tuple[str, str]]``: hand-written ``(case_id, code)`` pairs (ids are
  unique across modules, prefixed with the area, e.g. ``"url-join-7"``);
* ``generate(count: int, seed: int) -> list[tuple[str, str]]``: generated cases
  (deterministic for a seed);
* ``EXPECTED: dict[str, str]``: case id -> why we deliberately differ (each reason names
  its entry in docs/compatibility.md);
* ``classify(case_id, code, ours, reference) -> str | None``: the reason for a deliberate
  difference that a rule describes better than a list of ids (generated cases).

``code`` runs with ``httpx`` imported (see `worker.py`); its outcome is the exception it
raised or the value it leaves in ``result``. A case matches when our outcome equals httpx
0.28.1's, or equals 0.29.0's where the two releases differ (we follow 0.29's fixes). Any
other difference must be expected; an expectation that no longer differs is stale and
fails too, so the list stays honest.

    python -m tests.differential.oracle                    # the tables + 2,000 generated
    python -m tests.differential.oracle --generated 60000  # what scripts/compat runs
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import pathlib
import subprocess
import sys
import time
import typing
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from . import refvenvs

Case = tuple[str, str]
Outcome = dict[str, typing.Any]
Classifier = Callable[[str, str, Outcome, Outcome], "str | None"]

HERE = pathlib.Path(__file__).resolve().parent
WORKER = HERE / "worker.py"
COMPARED = ("raised", "message", "type", "repr", "str", "warnings")


@dataclasses.dataclass
class CaseModule:
    name: str
    cases: list[Case]
    generate: Callable[[int, int], list[Case]] | None
    expected: dict[str, str]
    classify: Classifier | None


def case_modules() -> list[CaseModule]:
    modules = []
    for path in sorted(HERE.glob("cases_*.py")):
        module = importlib.import_module(f"{__package__}.{path.stem}")
        modules.append(
            CaseModule(
                name=path.stem,
                cases=list(getattr(module, "CASES", [])),
                generate=getattr(module, "generate", None),
                expected=dict(getattr(module, "EXPECTED", {})),
                classify=getattr(module, "classify", None),
            )
        )
    return modules


def run_worker(python: pathlib.Path, cases: Sequence[Case]) -> dict[str, Outcome]:
    """Each case's outcome under `python` (a child process; `-I`: nothing of ours leaks in)."""
    result = subprocess.run(
        [str(python), "-I", str(WORKER)],
        input=json.dumps(list(cases)),
        capture_output=True,
        text=True,
        cwd=HERE,
        timeout=1800,
    )
    if result.returncode != 0:
        raise RuntimeError(f"worker under {python} failed:\n{result.stderr[-4000:]}")
    outcomes = {}
    for line in result.stdout.splitlines():
        outcome = json.loads(line)
        outcomes[outcome.pop("id")] = outcome
    return outcomes


def _key(outcome: Outcome) -> tuple[typing.Any, ...]:
    return tuple(json.dumps(outcome.get(name), sort_keys=True) for name in COMPARED)


@dataclasses.dataclass
class Difference:
    case_id: str
    code: str
    ours: Outcome
    reference: Outcome
    reason: str | None  # None: unexpected


@dataclasses.dataclass
class Report:
    total: int = 0
    generated: int = 0
    matched: int = 0
    matched_029: int = 0
    expected: list[Difference] = dataclasses.field(default_factory=list)
    unexpected: list[Difference] = dataclasses.field(default_factory=list)
    stale: list[str] = dataclasses.field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.unexpected and not self.stale

    def summary(self) -> str:
        return (
            f"{self.total} cases ({self.total - self.generated} from tables, "
            f"{self.generated} generated) in {self.seconds:.1f} s: "
            f"{self.matched} same as httpx 0.28.1, {self.matched_029} same as 0.29.0 where "
            f"it differs from 0.28.1, {len(self.expected)} expected differences, "
            f"{len(self.unexpected)} unexpected, {len(self.stale)} stale expectations"
        )

    def details(self, limit: int = 50) -> str:
        lines = []
        for diff in self.unexpected[:limit]:
            lines.append(f"--- {diff.case_id}\n{diff.code}")
            lines.append(f"    httpx 0.28.1: {_show(diff.reference)}")
            lines.append(f"    ours:         {_show(diff.ours)}")
        if len(self.unexpected) > limit:
            lines.append(f"... and {len(self.unexpected) - limit} more unexpected")
        for case_id in self.stale:
            lines.append(f"stale expectation (now the same as httpx): {case_id}")
        return "\n".join(lines)


def _show(outcome: Outcome) -> str:
    shown = {name: outcome[name] for name in COMPARED if outcome.get(name) not in (None, [])}
    return json.dumps(shown, ensure_ascii=False)


def run(generated: int = 2000, seed: int = 0, only: str | None = None) -> Report:
    """Run the tables and `generated` generated cases (split across the modules)."""
    start = time.monotonic()
    modules = case_modules()
    if only is not None:
        modules = [m for m in modules if only in m.name]
    generators = [m for m in modules if m.generate is not None]
    all_cases: list[Case] = []
    owner: dict[str, CaseModule] = {}
    report = Report()
    for module in modules:
        batch = list(module.cases)
        if module.generate is not None and generated:
            share = generated // len(generators)
            extra = module.generate(share, seed)
            report.generated += len(extra)
            batch += extra
        for case_id, code in batch:
            if case_id in owner:
                raise ValueError(f"duplicate case id {case_id!r}")
            owner[case_id] = module
            all_cases.append((case_id, code))
    report.total = len(all_cases)
    pythons = {
        "ours": refvenvs.our_python(),
        **{v: refvenvs.reference_python(v) for v in refvenvs.VERSIONS},
    }
    with ThreadPoolExecutor(len(pythons)) as pool:
        futures = {name: pool.submit(run_worker, py, all_cases) for name, py in pythons.items()}
        outcomes = {name: future.result() for name, future in futures.items()}
    ours, ref028, ref029 = outcomes["ours"], outcomes["0.28.1"], outcomes["0.29.0"]
    for case_id, code in all_cases:
        module = owner[case_id]
        mine, ref = ours[case_id], ref028[case_id]
        listed = module.expected.get(case_id)
        if _key(mine) == _key(ref):
            report.matched += 1
            if listed is not None:
                report.stale.append(case_id)
            continue
        if _key(ref) != _key(ref029[case_id]) and _key(mine) == _key(ref029[case_id]):
            report.matched_029 += 1
            continue
        reason = listed
        if reason is None and module.classify is not None:
            reason = module.classify(case_id, code, mine, ref)
        diff = Difference(case_id, code, mine, ref, reason)
        (report.expected if reason is not None else report.unexpected).append(diff)
    report.seconds = time.monotonic() - start
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compare our httpx with httpx 0.28.1/0.29.0.")
    parser.add_argument("--generated", type=int, default=2000, help="generated cases")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", help="only the case modules whose name contains this")
    parser.add_argument("--show-expected", action="store_true")
    args = parser.parse_args(argv)
    report = run(args.generated, args.seed, args.only)
    print(report.details())
    if args.show_expected:
        for diff in report.expected:
            print(f"expected {diff.case_id}: {diff.reason}")
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
