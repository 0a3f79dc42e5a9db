"""Fixtures of the ecosystem tests (tests/conftest.py's fixtures apply here too)."""

from __future__ import annotations

import typing
from collections.abc import Iterator

import pytest

from tests.ecosystem.apps import STATE, ServerState, app
from tests.servers.run import UvicornServer


class EcosystemServer(typing.NamedTuple):
    url: str  # "http://127.0.0.1:PORT" (no trailing slash: SDK base URLs append paths)
    state: ServerState

    def url_for(self, path: str) -> str:
        return self.url + path


@pytest.fixture(scope="session")
def _ecosystem_uvicorn() -> Iterator[UvicornServer]:
    running = UvicornServer(app=app).start()
    yield running
    running.stop()


@pytest.fixture
def ecosystem_server(_ecosystem_uvicorn: UvicornServer) -> Iterator[EcosystemServer]:
    """tests/ecosystem/apps.py served by uvicorn, its counters and script reset."""
    STATE.reset()
    yield EcosystemServer(_ecosystem_uvicorn.url.rstrip("/"), STATE)
    STATE.release_stalls.set()  # a stalled handler ends now, not during shutdown
