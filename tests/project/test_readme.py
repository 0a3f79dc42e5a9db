"""The README's quick start works as written, from the repository root.

- Its top block is the two set-up commands.
- The first-run command (the shell block under "## First run") runs as a subprocess
  and prints exactly the output the README shows under it.
- Every Python block of the quick start runs in a fresh interpreter, and prints what its
  `# -> ...` comments say, in order.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text()
BLOCK = re.compile(r"^```(?P<language>\w*)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)
EXPECTED_OUTPUT = re.compile(r"#\s*->\s*(?P<output>.*)$", re.MULTILINE)
TIMEOUT = 60


def quick_start() -> str:
    """The README up to its Layout section: what a newcomer reads first."""
    return README.partition("\n## Layout")[0]


def blocks(text: str, language: str) -> list[str]:
    return [match["body"] for match in BLOCK.finditer(text) if match["language"] == language]


def environment() -> dict[str, str]:
    # What a newcomer's shell has: no proxy, no forced colours, no warning filters.
    unwanted = {"FORCE_COLOR", "PYTHONWARNINGS", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"}
    return {key: value for key, value in os.environ.items() if key.upper() not in unwanted}


def test_the_readme_starts_with_the_two_set_up_commands() -> None:
    first = BLOCK.search(README)
    assert first is not None
    assert (first["language"], first["body"]) == ("shell", "scripts/install\nscripts/test\n")
    assert README.startswith("# httpx\n\n```shell\nscripts/install\nscripts/test\n```\n")


def first_run() -> tuple[str, str]:
    """(command, output shown) of the README's first run."""
    section = quick_start().partition("\n## First run\n")[2].partition("\n## ")[0]
    [command] = blocks(section, "shell")
    [output] = blocks(section, "text")
    assert command.count("\n") == 1, "the first run is ONE command"
    return command.strip(), output


def test_first_run_command_prints_what_the_readme_shows() -> None:
    command, shown = first_run()
    argv = shlex.split(command)
    assert argv[0] == ".venv/bin/httpx"
    completed = subprocess.run(
        argv,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=environment(),
        stdin=subprocess.DEVNULL,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    assert completed.stdout == shown


PYTHON_EXAMPLES = blocks(quick_start(), "python")


def test_the_quick_start_has_sync_and_async_examples() -> None:
    assert len(PYTHON_EXAMPLES) >= 2
    assert any("httpx.Client(" in block for block in PYTHON_EXAMPLES)
    assert any("httpx.AsyncClient(" in block for block in PYTHON_EXAMPLES)


@pytest.mark.parametrize(
    "source", PYTHON_EXAMPLES, ids=[f"example{i}" for i in range(len(PYTHON_EXAMPLES))]
)
def test_python_example_runs_and_prints_what_it_says(source: str) -> None:
    expected = [match["output"].rstrip() for match in EXPECTED_OUTPUT.finditer(source)]
    assert expected, "each example says what it prints, with `# -> ...` comments"
    completed = subprocess.run(
        [sys.executable, "-c", source],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=environment(),
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == expected
