"""The differential oracle: run every case on our httpx and on the reference releases.

Cases live in ``cases_*.py`` modules beside this one. Each module may define:

* ``CASES: list[tuple[str, str]]``: hand-written ``(case_id, code)`` pairs (ids are
  unique across modules, prefixed with the area, e.g. ``"url-join-7"``);
* ``generate(count: int, seed: int) -> list[tuple[str, str]]``: generated cases
  (deterministic for a seed);
* ``EXPECTED: dict[str, str]``: case id -> why we deliberately differ;
* ``classify(case_id, code, ours, reference) -> str | None``: the reason for a deliberate
  difference that a rule describes better than a list of ids (generated cases);
* ``PRELUDE: str`` (optional): code run once per worker; the names it defines are in
  the namespace of every case of the module (helpers that would otherwise be repeated
  in thousands of cases);
* ``WEIGHT: int`` (optional, default 1): the module's share of the generated cases,
  relative to the other generating modules.

``code`` runs with ``httpx`` and ``attempt`` imported (see `worker.py`); its outcome is
the exception it raised or the value it leaves in ``result``. A case matches when our
outcome equals httpx 0.28.1's, or, where 0.29.0 differs from 0.28.1, equals 0.29.0's
(we follow 0.29's fixes). Any other difference must be expected, and every reason names its
entry in docs/compatibility.md as ``compatibility.md#<anchor>``; an expectation that no
longer differs is stale and fails too, so the list stays honest.

    python -m tests.differential.oracle                    # the tables + 2,000 generated
    python -m tests.differential.oracle --generated 60000  # what scripts/compat runs
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import importlib
import json
import os
import pathlib
import re
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
COMPATIBILITY = refvenvs.REPO / "docs" / "compatibility.md"
COMPARED = ("raised", "message", "type", "repr", "str", "warnings", "output")
# Restarts allowed per worker run after a case crashed the interpreter.
MAX_CRASHES = 20


@dataclasses.dataclass
class CaseModule:
    name: str
    cases: list[Case]
    generate: Callable[[int, int], list[Case]] | None
    expected: dict[str, str]
    classify: Classifier | None
    prelude: str | None = None
    weight: int = 1


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
                prelude=getattr(module, "PRELUDE", None),
                weight=int(getattr(module, "WEIGHT", 1)),
            )
        )
    return modules


# --- running the workers ------------------------------------------------------------------

WorkItem = tuple[str, str, "str | None"]  # (case id, code, prelude name)


def _crashed(result: subprocess.CompletedProcess[str]) -> Outcome:
    tail = result.stderr.strip().splitlines()[-3:]
    return {
        "raised": "WorkerCrashed",
        "message": f"exit status {result.returncode}: {' | '.join(tail)}",
        "warnings": [],
    }


def run_worker(
    python: pathlib.Path,
    cases: Sequence[Case | WorkItem],
    preludes: dict[str, str] | None = None,
    timeout: float = 3600,
) -> dict[str, Outcome]:
    """Each case's outcome under `python` (a child process; `-I`: nothing of ours leaks in).

    A case that kills the interpreter gets a ``WorkerCrashed`` outcome, and the worker is
    restarted with the cases after it.
    """
    items: list[WorkItem] = [
        (case[0], case[1], case[2] if len(case) > 2 else None) for case in cases
    ]
    # Same hash seed everywhere: set and dict orders in reprs must not vary between runs.
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONIOENCODING": "utf-8"}
    outcomes: dict[str, Outcome] = {}
    crashes = 0
    while items:
        payload = {"preludes": preludes or {}, "cases": items}
        result = subprocess.run(
            [str(python), "-I", str(WORKER)],
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=HERE,
            env=env,
            timeout=timeout,
        )
        done = 0
        for line in result.stdout.splitlines():
            try:
                outcome = json.loads(line)
            except ValueError:
                break  # the last line of a crashed worker may be cut short
            outcomes[outcome.pop("id")] = outcome
            done += 1
        if result.returncode == 0 and done == len(items):
            break
        if done == 0 and crashes == 0 and not result.stdout:
            # Not a case's fault: the worker could not even start.
            raise RuntimeError(f"worker under {python} failed:\n{result.stderr[-4000:]}")
        crashes += 1
        if crashes > MAX_CRASHES or done >= len(items):
            raise RuntimeError(f"worker under {python} keeps failing:\n{result.stderr[-4000:]}")
        outcomes[items[done][0]] = _crashed(result)
        items = items[done + 1 :]
    return outcomes


def _key(outcome: Outcome) -> tuple[str, ...]:
    return tuple(json.dumps(outcome.get(name), sort_keys=True) for name in COMPARED)


# --- the reasons of expected differences -------------------------------------------------

_REASON_ANCHOR = re.compile(r"compatibility\.md#([a-z0-9\-_]+)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _slug(heading: str) -> str:
    # GitHub's (and MkDocs' toc) anchors: lowercase, punctuation dropped, spaces as "-".
    text = re.sub(r"[`*]|\[|\]\([^)]*\)", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def compatibility_anchors(path: pathlib.Path = COMPATIBILITY) -> set[str]:
    """The anchors of every heading of docs/compatibility.md."""
    return {_slug(heading) for heading in _HEADING.findall(path.read_text("utf-8"))}


def reason_problem(reason: str, anchors: set[str]) -> str | None:
    """Why `reason` is not a valid reason for an expected difference, or None."""
    found = _REASON_ANCHOR.findall(reason)
    if not found:
        return "it does not name its entry as compatibility.md#<anchor>"
    missing = [anchor for anchor in found if anchor not in anchors]
    if missing:
        return f"docs/compatibility.md has no heading for #{', #'.join(missing)}"
    return None


# --- comparing ---------------------------------------------------------------------------


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
    bad_reasons: list[str] = dataclasses.field(default_factory=list)
    # Cases whose code is wrong (a SyntaxError or NameError in our run): they would
    # "match" by failing the same way everywhere, and test nothing.
    broken: list[str] = dataclasses.field(default_factory=list)
    per_module: dict[str, list[int]] = dataclasses.field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.unexpected and not self.stale and not self.bad_reasons and not self.broken

    def summary(self) -> str:
        return (
            f"{self.total} cases ({self.total - self.generated} from tables, "
            f"{self.generated} generated) in {self.seconds:.1f} s: "
            f"{self.matched} same as httpx 0.28.1, {self.matched_029} same as 0.29.0 where "
            f"it differs from 0.28.1, {len(self.expected)} expected differences, "
            f"{len(self.unexpected)} unexpected, {len(self.stale)} stale expectations"
            + (f", {len(self.bad_reasons)} bad reasons" if self.bad_reasons else "")
            + (f", {len(self.broken)} broken cases" if self.broken else "")
        )

    def modules(self) -> str:
        lines = ["module: cases, unexpected differences"]
        for name, (count, unexpected) in sorted(self.per_module.items()):
            lines.append(f"  {name}: {count}, {unexpected}")
        return "\n".join(lines)

    def details(self, limit: int = 50) -> str:
        lines = []
        for diff in self.unexpected[:limit]:
            lines.append(f"--- {diff.case_id}\n{diff.code}")
            reference, ours = _narrow(diff.reference, diff.ours)
            lines.append(f"    httpx 0.28.1: {_show(reference)}")
            lines.append(f"    ours:         {_show(ours)}")
        if len(self.unexpected) > limit:
            lines.append(f"... and {len(self.unexpected) - limit} more unexpected")
        for case_id in self.stale:
            lines.append(f"stale expectation (now the same as httpx): {case_id}")
        lines.extend(self.bad_reasons)
        lines.extend(self.broken[:limit])
        return "\n".join(lines)


def literal_result(outcome: Outcome) -> object:
    """The case's result read back from its repr, if it is a literal (else None)."""
    text = outcome.get("repr")
    if text is None:
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def differing_fields(ours: Outcome, reference: Outcome) -> dict[str, tuple[object, object]]:
    """For results that are literals made of dicts, tuples and lists (such as those of
    the `describe` helpers): the leaves that differ, as path -> (ours, reference), the
    path being the keys and indexes joined with "/" (``"0/host"``). Empty when the
    results are not such literals, or differ in shape, or differ in more than the value
    (the warnings, say)."""
    if _key({**ours, "repr": None, "str": None}) != _key({**reference, "repr": None, "str": None}):
        return {}
    found: dict[str, tuple[object, object]] = {}
    if not _leaves("", literal_result(ours), literal_result(reference), found):
        return {}
    return found


def _leaves(
    path: str, mine: object, theirs: object, found: dict[str, tuple[object, object]]
) -> bool:
    if isinstance(mine, dict) and isinstance(theirs, dict):
        if mine.keys() != theirs.keys():
            return False
        return all(_leaves(f"{path}{key}/", mine[key], theirs[key], found) for key in mine)
    if isinstance(mine, (tuple, list)) and isinstance(theirs, (tuple, list)):
        if type(mine) is not type(theirs) or len(mine) != len(theirs):
            return False
        pairs = zip(mine, theirs, strict=True)
        return all(_leaves(f"{path}{i}/", a, b, found) for i, (a, b) in enumerate(pairs))
    if mine is None and theirs is None:
        return True
    if mine != theirs or type(mine) is not type(theirs):
        found[path.rstrip("/")] = (mine, theirs)
    return True


def _narrow(reference: Outcome, ours: Outcome) -> tuple[Outcome, Outcome]:
    """When both results are dicts of literals (see `describe`), keep differing keys."""
    try:
        theirs, mine = ast.literal_eval(reference["repr"]), ast.literal_eval(ours["repr"])
    except (KeyError, ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return reference, ours
    if not isinstance(theirs, dict) or not isinstance(mine, dict):
        return reference, ours
    missing = object()
    keys = [
        key for key in {**theirs, **mine} if theirs.get(key, missing) != mine.get(key, missing)
    ]
    narrowed = []
    for outcome, value in ((reference, theirs), (ours, mine)):
        shown = {key: value.get(key, "<missing>") for key in keys}
        narrowed.append({**outcome, "repr": repr(shown), "str": None})
    return narrowed[0], narrowed[1]


def _show(outcome: Outcome) -> str:
    shown = {name: outcome[name] for name in COMPARED if outcome.get(name) not in (None, [])}
    if "traceback" in outcome:
        shown["traceback"] = outcome["traceback"]
    return json.dumps(shown, ensure_ascii=False)


def collect(
    modules: Sequence[CaseModule], generated: int, seed: int
) -> tuple[list[WorkItem], dict[str, CaseModule], int]:
    """Every case to run (tables, then generated cases split by weight), and its module."""
    generators = [m for m in modules if m.generate is not None]
    total_weight = sum(m.weight for m in generators) or 1
    items: list[WorkItem] = []
    owner: dict[str, CaseModule] = {}
    count_generated = 0
    for module in modules:
        batch = list(module.cases)
        if module.generate is not None and generated:
            extra = module.generate(generated * module.weight // total_weight, seed)
            count_generated += len(extra)
            batch += extra
        prelude = module.name if module.prelude else None
        for case_id, code in batch:
            if case_id in owner:
                raise ValueError(f"duplicate case id {case_id!r}")
            owner[case_id] = module
            items.append((case_id, code, prelude))
    return items, owner, count_generated


def run(
    generated: int = 2000, seed: int = 0, only: str | None = None, timeout: float = 3600
) -> Report:
    """Run the tables and `generated` generated cases (split across the modules)."""
    start = time.monotonic()
    modules = case_modules()
    if only is not None:
        modules = [m for m in modules if only in m.name]
    items, owner, count_generated = collect(modules, generated, seed)
    preludes = {m.name: m.prelude for m in modules if m.prelude}
    pythons = {
        "ours": refvenvs.our_python(),
        **{v: refvenvs.reference_python(v) for v in refvenvs.VERSIONS},
    }
    with ThreadPoolExecutor(len(pythons)) as pool:
        futures = {
            name: pool.submit(run_worker, py, items, preludes, timeout)
            for name, py in pythons.items()
        }
        outcomes = {name: future.result() for name, future in futures.items()}
    report = compare(modules, items, owner, outcomes, compatibility_anchors())
    report.generated = count_generated
    report.seconds = time.monotonic() - start
    return report


def compare(
    modules: Sequence[CaseModule],
    items: Sequence[WorkItem],
    owner: dict[str, CaseModule],
    outcomes: dict[str, dict[str, Outcome]],
    anchors: set[str],
) -> Report:
    """Compare our outcomes ("ours") with the references' ("0.28.1", "0.29.0")."""
    report = Report(total=len(items))
    ours, ref028, ref029 = outcomes["ours"], outcomes["0.28.1"], outcomes["0.29.0"]
    for module in modules:
        for case_id, listed_reason in module.expected.items():
            problem = reason_problem(listed_reason, anchors)
            if problem is not None:
                report.bad_reasons.append(f"bad reason for {case_id}: {problem}")
    checked: set[str] = set()
    for case_id, code, _ in items:
        module = owner[case_id]
        counts = report.per_module.setdefault(module.name, [0, 0])
        counts[0] += 1
        mine, ref, ref_029 = ours[case_id], ref028[case_id], ref029[case_id]
        if mine.get("raised") in ("SyntaxError", "NameError"):
            report.broken.append(f"broken case {case_id}: {mine.get('traceback', mine)}")
        listed = module.expected.get(case_id)
        if _key(ref) == _key(ref_029):
            same = _key(mine) == _key(ref)
            report.matched += same
        else:
            # 0.29.0 changed this (a message typo, say): we follow 0.29.0.
            same = _key(mine) == _key(ref_029)
            report.matched_029 += same
        if same:
            if listed is not None:
                report.stale.append(case_id)
            continue
        reason = listed
        if reason is None and module.classify is not None:
            reason = module.classify(case_id, code, mine, ref)
            if reason is not None and reason not in checked:
                checked.add(reason)
                problem = reason_problem(reason, anchors)
                if problem is not None:
                    report.bad_reasons.append(f"bad reason (first for {case_id}): {problem}")
        diff = Difference(case_id, code, mine, ref, reason)
        if reason is None:
            counts[1] += 1
            report.unexpected.append(diff)
        else:
            report.expected.append(diff)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compare our httpx with httpx 0.28.1/0.29.0.")
    parser.add_argument("--generated", type=int, default=2000, help="generated cases")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", help="only the case modules whose name contains this")
    parser.add_argument("--limit", type=int, default=50, help="unexpected differences shown")
    parser.add_argument("--show-expected", action="store_true")
    args = parser.parse_args(argv)
    report = run(args.generated, args.seed, args.only)
    print(report.details(args.limit))
    if args.show_expected:
        for diff in report.expected:
            print(f"expected {diff.case_id}: {diff.reason}")
    print(report.modules())
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
