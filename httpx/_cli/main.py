"""The entry point of the `httpx` command line client.

The `httpx` console script (`httpx:main`), `python -m httpx` and `httpx.main` all end up
here: `main` is the click command when the `cli` extra is installed (so that
`click.testing.CliRunner().invoke(httpx.main, ...)` works, as with httpx), and otherwise
a function that prints the install hint and exits with 1.
"""

from __future__ import annotations

from .dependencies import (
    CLI_DEPENDENCIES_INSTALLED,
    MISSING_DEPENDENCIES_MESSAGE,
    report_missing_dependencies,
)

__all__ = ["CLI_DEPENDENCIES_INSTALLED", "MISSING_DEPENDENCIES_MESSAGE", "main"]

if CLI_DEPENDENCIES_INSTALLED:
    from .command import main
else:  # pragma: no cover - exercised in a subprocess and by the install matrix
    # Typed as the click command it is whenever the `cli` extra is installed, so that
    # `CliRunner().invoke(httpx.main, ...)` type-checks; this fallback only explains.
    main = report_missing_dependencies  # type: ignore[assignment]
