import os

import httpx

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))


def test_httpx_is_imported_from_this_repository() -> None:
    # A PyPI httpx installed into the environment would shadow ours: fail loudly if so.
    location = os.path.realpath(httpx.__file__)
    assert location.startswith(REPO + os.sep), location
