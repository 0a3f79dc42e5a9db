"""The differential oracle at a size that fits the suite (bigger: scripts/compat).

The reference venvs (`refvenvs.py`) are created from the package registry on first use;
without registry access the comparison is skipped, saying why. The harness itself (the
worker's crash recovery, the comparison helpers, the reasons' anchors) is tested
without them.
"""

from __future__ import annotations

import importlib
import pathlib
import sys

import pytest

from . import oracle, refvenvs

# Generated cases in the suite's run; `scripts/compat` runs 60,000.
SUITE_GENERATED = 3000


@pytest.fixture(scope="module")
def reference_venvs() -> dict[str, pathlib.Path]:
    try:
        return {version: refvenvs.reference_python(version) for version in refvenvs.VERSIONS}
    except refvenvs.ReferenceUnavailable as exc:  # pragma: no cover - no registry access
        pytest.skip(f"the httpx reference venvs cannot be created: {exc}")


@pytest.mark.timeout(900)  # creating the reference venvs, once, is most of it
def test_no_unexpected_differences_from_httpx(reference_venvs: dict[str, pathlib.Path]) -> None:
    report = oracle.run(generated=SUITE_GENERATED, seed=0)
    print(report.modules())
    print(report.summary())
    assert report.generated >= SUITE_GENERATED * 0.95
    assert report.ok, report.details() + "\n" + report.summary()


def _reasons() -> list[tuple[str, str]]:
    """Every reason a case module can give: its EXPECTED values and its str constants
    that name an entry of docs/compatibility.md (the reasons `classify` returns)."""
    found = []
    for path in sorted(oracle.HERE.glob("cases_*.py")):
        module = importlib.import_module(f"{__package__}.{path.stem}")
        for case_id, reason in getattr(module, "EXPECTED", {}).items():
            found.append((f"{path.stem}:{case_id}", reason))
        for name, value in vars(module).items():
            if isinstance(value, str) and "compatibility.md#" in value:
                found.append((f"{path.stem}.{name}", value))
    return found


def test_every_expected_difference_names_its_entry_in_compatibility_md() -> None:
    anchors = oracle.compatibility_anchors()
    reasons = _reasons()
    assert reasons, "no expected differences found: the case modules did not load?"
    problems = [
        f"{where}: {problem}"
        for where, reason in reasons
        if (problem := oracle.reason_problem(reason, anchors)) is not None
    ]
    assert not problems, "\n".join(problems)


def test_reason_problems_are_reported() -> None:
    anchors = {"a-heading", "with_underscore"}
    assert oracle.reason_problem("see docs/compatibility.md#a-heading", anchors) is None
    assert oracle.reason_problem("compatibility.md#with_underscore", anchors) is None
    assert "does not name" in str(oracle.reason_problem("no anchor at all", anchors))
    assert "#nope" in str(oracle.reason_problem("compatibility.md#nope", anchors))


def test_anchors_are_the_slugs_of_the_headings(tmp_path: pathlib.Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n## A `code` heading, with (punctuation)\n### NO_PROXY as x\n")
    assert oracle.compatibility_anchors(page) == {
        "title",
        "a-code-heading-with-punctuation",
        "no_proxy-as-x",
    }


def test_differing_fields_reports_leaves() -> None:
    ours = {"type": "dict", "repr": "{'a': 1, 'b': ('x', 'y')}", "str": "", "warnings": []}
    reference = {"type": "dict", "repr": "{'a': 1, 'b': ('x', 'z')}", "str": "", "warnings": []}
    assert oracle.differing_fields(ours, reference) == {"b/1": ("y", "z")}
    other_shape = {**reference, "repr": "{'a': 1}"}
    assert oracle.differing_fields(ours, other_shape) == {}
    assert oracle.differing_fields(ours, {**reference, "warnings": ["UserWarning: w"]}) == {}


def test_worker_survives_crashes_and_captures_output() -> None:
    cases = [
        ("value", "result = 1 + 1"),
        ("crash", "import os\nos._exit(3)"),
        ("printed", "print('hello')\nresult = httpx.URL('https://a.org/x').path"),
        ("warned", "import warnings\nwarnings.warn('careful')"),
        ("raised", "httpx.URL('http://[::1')"),
        ("attempt", "result = attempt(int, 'x')"),
    ]
    outcomes = oracle.run_worker(pathlib.Path(sys.executable), cases)
    assert outcomes["value"]["repr"] == "2"
    assert outcomes["crash"]["raised"] == "WorkerCrashed"
    assert outcomes["printed"]["output"] == "hello\n"
    assert outcomes["printed"]["repr"] == "'/x'"
    assert outcomes["warned"]["warnings"] == ["UserWarning: careful"]
    assert outcomes["raised"]["raised"] == "InvalidURL"
    assert outcomes["attempt"]["repr"].startswith('"!ValueError: invalid literal')


def test_worker_preludes_and_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORACLE_CASE_SECONDS", "1")
    cases = [
        ("helper", "result = double(21)", "p"),
        ("slow", "import time\nwhile True:\n    time.sleep(0.05)", None),
        ("after", "result = 'still running'", None),
    ]
    prelude = (
        "def double(x): return 2 * x\n"
        "async def coroutine(): pass\n"
        "def forget(): coroutine(); return 'forgotten'\n"
    )
    cases.append(
        (
            "unawaited",
            "import warnings\nwarnings.simplefilter('ignore', RuntimeWarning)\nresult = forget()",
            "p",
        )
    )
    outcomes = oracle.run_worker(pathlib.Path(sys.executable), cases, {"p": prelude})
    assert outcomes["helper"]["repr"] == "42"
    # A coroutine a prelude's function leaves unawaited is collected quietly (the prelude
    # keeps its builtins: without them, Python printed "KeyError: '__builtins__'").
    assert outcomes["unawaited"] == {
        "type": "str",
        "repr": "'forgotten'",
        "str": "forgotten",
        "warnings": [],
    }
    assert outcomes["slow"]["raised"] == "CaseTimeout"
    assert outcomes["after"]["repr"] == "'still running'"


def _outcome(value: str) -> oracle.Outcome:
    return {"type": "str", "repr": repr(value), "str": value, "warnings": []}


def test_compare_sorts_every_case_out() -> None:
    reason = "deliberate: docs/compatibility.md#known"
    module = oracle.CaseModule(
        name="cases_fake",
        cases=[],
        generate=None,
        expected={"listed": reason, "stale": reason},
        classify=lambda case_id, code, ours, ref: reason if case_id == "classified" else None,
    )
    ids = ["same", "fixed-in-029", "listed", "stale", "classified", "unexpected", "broken"]
    items: list[oracle.WorkItem] = [(case_id, "result = ...", None) for case_id in ids]
    ours = {case_id: _outcome("new") for case_id in ids}
    ref028 = {case_id: _outcome("old") for case_id in ids}
    ref029 = dict(ref028, **{"fixed-in-029": _outcome("new")})
    for same in ("same", "stale"):
        ref028[same] = ref029[same] = _outcome("new")
    ours["broken"] = {"raised": "NameError", "message": "x", "traceback": "...", "warnings": []}
    # Where 0.29.0 differs, matching 0.28.1 is not enough.
    ids.append("only-028")
    items.append(("only-028", "result = ...", None))
    ours["only-028"] = ref028["only-028"] = _outcome("old")
    ref029["only-028"] = _outcome("fixed")
    report = oracle.compare(
        [module],
        items,
        {case_id: module for case_id in ids},
        {"ours": ours, "0.28.1": ref028, "0.29.0": ref029},
        {"known"},
    )
    assert (report.matched, report.matched_029) == (2, 1)
    assert [diff.case_id for diff in report.expected] == ["listed", "classified"]
    assert [diff.case_id for diff in report.unexpected] == ["unexpected", "broken", "only-028"]
    assert report.stale == ["stale"]
    assert len(report.broken) == 1 and not report.bad_reasons
    assert not report.ok
    assert "1 stale expectations" in report.summary()
    assert "broken cases" in report.summary()
