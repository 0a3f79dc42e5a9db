"""The reference venvs: the PyPI httpx releases our httpx is compared with.

Each lives in ``<repo>/.ref-venvs/httpx-<version>/`` (ignored by git), created from the
package registry on first use from ``ref-requirements-<version>.txt`` and re-created when
that file changes (its hash is stored beside the venv). Nothing here imports the
reference httpx: the venvs are only ever used to run `worker.py` in a child process.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import shutil
import subprocess
import sys
import venv

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
VENVS = REPO / ".ref-venvs"
VERSIONS = ("0.28.1", "0.29.0")


class ReferenceUnavailable(RuntimeError):
    """The reference venv could not be created (no registry access, say)."""


def _requirements(version: str) -> pathlib.Path:
    return HERE / f"ref-requirements-{version}.txt"


def _python(root: pathlib.Path) -> pathlib.Path:
    return root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def reference_python(version: str) -> pathlib.Path:
    """The interpreter of the reference venv for `version`, creating it if needed."""
    requirements = _requirements(version)
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    root = VENVS / f"httpx-{version}"
    stamp = root / ".requirements-sha256"
    python = _python(root)
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return python
    shutil.rmtree(root, ignore_errors=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(root)
    command = [
        str(python),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "-r",
        str(requirements),
    ]
    result = subprocess.run(command, capture_output=True, text=True, cwd=root)
    if result.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise ReferenceUnavailable(
            f"could not create the httpx {version} reference venv:\n{result.stderr[-2000:]}"
        )
    stamp.write_text(digest)
    return python


def our_python() -> pathlib.Path:
    """The interpreter whose httpx is this repository's (the one running the tests)."""
    return pathlib.Path(sys.executable)


if __name__ == "__main__":
    for version in VERSIONS:
        print(version, reference_python(version))
