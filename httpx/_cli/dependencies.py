"""Whether the `cli` extra (click, rich, pygments) is installed, and what to say if not.

Without it the `httpx` command prints httpx 0.28's install hint, on the same stream
(stdout) and with the same exit code (1), so users and scripts see what they know.
Importing this module imports the extra's packages (to find out): only the command line
client does that, never `import httpx`.
"""

from __future__ import annotations

import sys
import typing

__all__ = [
    "CLI_DEPENDENCIES_INSTALLED",
    "MISSING_DEPENDENCIES_MESSAGE",
    "report_missing_dependencies",
]

MISSING_DEPENDENCIES_MESSAGE = (
    "The httpx command line client could not run because the required dependencies "
    "were not installed.\nMake sure you've installed everything with: pip install 'httpx[cli]'"
)


def _installed() -> bool:
    try:
        import click  # noqa: F401
        import pygments  # noqa: F401
        import rich.console  # noqa: F401
    except ImportError:
        return False
    return True


# Read at call time by the command (`command.HttpxCommand`), so a test can simulate a
# missing extra by setting it to False.
CLI_DEPENDENCIES_INSTALLED = _installed()


def report_missing_dependencies() -> typing.NoReturn:
    """What the `httpx` command does when the `cli` extra is not installed."""
    print(MISSING_DEPENDENCIES_MESSAGE)
    sys.exit(1)
