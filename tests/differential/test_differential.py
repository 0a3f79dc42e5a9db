"""The differential oracle at a size that fits the suite (bigger: scripts/compat)."""

from __future__ import annotations

import pytest

from . import oracle, refvenvs


@pytest.mark.timeout(900)
def test_no_unexpected_differences_from_httpx() -> None:
    try:
        report = oracle.run(generated=2000, seed=0)
    except refvenvs.ReferenceUnavailable as exc:  # pragma: no cover - no registry
        pytest.skip(str(exc))
    print(report.summary())
    assert report.ok, report.details() + "\n" + report.summary()
