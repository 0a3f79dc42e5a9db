"""pip agrees that our httpx satisfies the libraries' declared requirements.

For each library pinned in requirements-ecosystem.txt, pip resolves
`<library>==<pin>` in this environment (which holds our editable httpx 0.28.1) with
`--dry-run --report`: the resolution must not select any package named httpx, i.e. pip
keeps ours instead of fetching PyPI's. The resolutions need the package registry for the
dependencies that are not installed; if it cannot be reached the tests skip with pip's
error, they never pass silently.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
import tempfile
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
PINS_FILE = REPO / "requirements-ecosystem.txt"
# Extras whose requirements name httpx: resolving them puts our httpx to the test too.
EXTRAS = {"hishel": "httpx", "starlette": "full"}
PIP_TIMEOUT = 280.0
UNREACHABLE = re.compile(
    r"NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution"
    r"|Name or service not known|Network is unreachable|Could not fetch URL|ConnectTimeout"
    r"|Read timed out|ProxyError|No matching distribution found"
)


def pinned_libraries() -> dict[str, str]:
    """{canonical name: version} from requirements-ecosystem.txt."""
    pins: dict[str, str] = {}
    for line in PINS_FILE.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"{line!r} is not an exact pin"
            pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


PINS = pinned_libraries()


class DryRun(typing.NamedTuple):
    requirement: str
    returncode: int
    stderr: str
    report: dict[str, typing.Any] | None


@pytest.fixture(scope="module")
def dry_runs() -> Iterator[dict[str, DryRun]]:
    """One `pip install --dry-run --report` per library, all running at once."""
    with tempfile.TemporaryDirectory() as directory:
        running = {}
        for name, version in PINS.items():
            extra = f"[{EXTRAS[name]}]" if name in EXTRAS else ""
            requirement = f"{name}{extra}=={version}"
            report_path = Path(directory) / f"{name}.json"
            command = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet"]
            command += ["--disable-pip-version-check", "--report", str(report_path), requirement]
            process = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
            )
            running[name] = (requirement, report_path, process)
        results = {}
        try:
            for name, (requirement, report_path, process) in running.items():
                _, stderr = process.communicate(timeout=PIP_TIMEOUT)
                report = json.loads(report_path.read_text()) if report_path.exists() else None
                results[name] = DryRun(requirement, process.returncode, stderr, report)
        finally:
            for _, _, process in running.values():
                if process.poll() is None:
                    process.kill()
                    process.wait()
        yield results


def test_every_pinned_library_is_installed_at_its_pin() -> None:
    assert set(PINS) >= {
        "starlette", "fastapi", "openai", "anthropic", "respx", "pytest-httpx", "hishel", "httpx-sse",
    }  # fmt: skip
    installed = {name: importlib.metadata.version(name) for name in PINS}
    assert installed == PINS, "run scripts/install"


@pytest.mark.timeout(300)
@pytest.mark.parametrize("library", sorted(PINS))
def test_pip_keeps_our_httpx(library: str, dry_runs: dict[str, DryRun]) -> None:
    run = dry_runs[library]
    if run.returncode != 0:
        if UNREACHABLE.search(run.stderr):
            pytest.skip(f"package registry unreachable; pip said: {run.stderr.strip()[-500:]}")
        pytest.fail(f"pip could not resolve {run.requirement}:\n{run.stderr}")
    assert run.report is not None, f"pip wrote no report for {run.requirement}"
    selected = {
        canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"]
        for item in run.report["install"]
    }
    assert "httpx" not in selected, (
        f"pip would replace our httpx for {run.requirement}: {selected}"
    )
    # The library is installed at its pin: pip selects it only if the two disagree.
    assert library not in selected, f"{run.requirement} is not the installed version: {selected}"


@pytest.mark.parametrize("library", sorted(PINS))
def test_declared_httpx_requirement_admits_ours(library: str) -> None:
    # The same question from the installed metadata, so a failure names the specifier.
    ours = importlib.metadata.version("httpx")
    assert ours == "0.28.1"
    extra = EXTRAS.get(library, "")
    for line in importlib.metadata.requires(library) or []:
        requirement = Requirement(line)
        if canonicalize_name(requirement.name) != "httpx":
            continue
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
            continue
        assert requirement.specifier.contains(ours), (
            f"{library} requires {requirement}, we are {ours}"
        )
