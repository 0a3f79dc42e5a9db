"""Imports that need a warning silenced (pytest runs with filterwarnings=error).

starlette 1.1.0's testclient module evaluates `anyio.abc.BlockingPortal` at import time,
an alias that anyio >= 4.16 deprecates. Nothing else in the module touches the alias at
run time, so silencing the warning for the import alone is enough. Test modules import
TestClient from here, not from starlette.testclient (nor fastapi.testclient, which
re-exports it).
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore",
        message=r"The anyio\.abc\.BlockingPortal alias is deprecated",
        category=DeprecationWarning,
    )
    from fastapi.testclient import TestClient as FastAPITestClient
    from starlette.testclient import TestClient

__all__ = ["FastAPITestClient", "TestClient"]
