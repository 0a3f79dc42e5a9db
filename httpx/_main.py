"""`httpx._main`, kept importable: httpx 0.28 defines its command line client here, and
code imports `main` from it (`from httpx._main import main`).

The client lives in the `httpx._cli` package now; this module only re-exports its entry
point. Like `httpx.main`, importing it loads the `cli` extra when it is installed.
"""

from __future__ import annotations

from ._cli.dependencies import CLI_DEPENDENCIES_INSTALLED, MISSING_DEPENDENCIES_MESSAGE
from ._cli.main import main
from ._cli.options import HELP_ROWS

__all__ = ["CLI_DEPENDENCIES_INSTALLED", "HELP_ROWS", "MISSING_DEPENDENCIES_MESSAGE", "main"]
