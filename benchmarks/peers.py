"""The peers' virtualenv: benchmarks/.peers-venv, built from peers-requirements.txt.

It is separate from the repo's .venv because it holds the PyPI httpx 0.28.1, which must
never be importable where our own httpx and its tests run. The venv is (re)installed
when the requirements file changes; a stamp file records the requirements' digest and
which optional peers could be installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".peers-venv"
REQUIREMENTS = HERE / "peers-requirements.txt"
STAMP = VENV / "bench-stamp.json"
LOG = VENV / "install.log"
OPTIONAL_MARK = "# optional:"
INSTALL_TIMEOUT = 900

# Prints {distribution: version} for the names given, and what `import urllib3` finds:
# urllib3-future can shadow urllib3 while the urllib3 distribution still looks installed.
_VERSIONS_SCRIPT = """
import json, platform, sys
from importlib import metadata
found = {"python": platform.python_version()}
for name in sys.argv[1:]:
    try:
        found[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        pass
try:
    import urllib3
    found["urllib3 (imported)"] = urllib3.__version__
except ImportError:
    pass
print(json.dumps(found))
"""


@dataclass(frozen=True)
class Peers:
    python: Path
    optional: dict[str, str]  # optional peer -> "installed" or why it was skipped


def _pins() -> dict[str, str]:
    """Required distribution -> pinned version, from the requirements file."""
    pins = {}
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[name.split("[", 1)[0].strip()] = version.strip()
    return pins


def _optional_lines() -> list[list[str]]:
    return [
        shlex.split(line[len(OPTIONAL_MARK) :])
        for line in REQUIREMENTS.read_text().splitlines()
        if line.startswith(OPTIONAL_MARK)
    ]


def _digest() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def venv_python() -> Path:
    return VENV / "bin" / "python"


def installed_versions(python: Path, names: list[str]) -> dict[str, str]:
    result = subprocess.run(
        [str(python), "-c", _VERSIONS_SCRIPT, *names],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd="/",  # never let the repo's own httpx be importable by the peers
    )
    versions: dict[str, str] = json.loads(result.stdout)
    return versions


def _pins_broken(python: Path) -> list[str]:
    pins = _pins()
    found = installed_versions(python, list(pins))
    broken = [
        f"{name} {found.get(name, 'missing')} (pinned {version})"
        for name, version in pins.items()
        if found.get(name) != version
    ]
    imported = found.get("urllib3 (imported)")
    if imported != pins.get("urllib3"):
        broken.append(f"`import urllib3` gives {imported} (pinned {pins.get('urllib3')})")
    return broken


def _pip(
    python: Path, args: list[str], action: str = "install"
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, URLLIB3_NO_OVERRIDE="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    command = [str(python), "-m", "pip", action, "--quiet", *args]
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=INSTALL_TIMEOUT, cwd="/"
    )
    with LOG.open("a") as log:
        log.write(f"$ {shlex.join(command)}\n{result.stdout}{result.stderr}\n")
    return result


def _base_python() -> str:
    # The repo's .venv is itself a venv: build the peers' one from the same base Python.
    candidate = (
        Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    )
    return str(candidate) if candidate.exists() else sys.executable


def _install(log: bool) -> dict[str, str]:
    python = venv_python()
    if not python.exists():
        subprocess.run([_base_python(), "-m", "venv", str(VENV)], check=True, timeout=300)
    LOG.write_text("")
    if log:
        print(f"installing the peers into {VENV} (log: {LOG})", flush=True)
    result = _pip(python, ["-r", str(REQUIREMENTS)])
    if result.returncode != 0:
        raise RuntimeError(f"installing the peers failed; see {LOG}\n{result.stderr[-2000:]}")
    optional: dict[str, str] = {}
    for args in _optional_lines():
        name = args[0].split("==", 1)[0]
        result = _pip(python, args)
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["?"])[-1]
            optional[name] = f"skipped: pip failed ({last})"
        elif broken := _pins_broken(python):
            optional[name] = "skipped: it changed " + "; ".join(broken)
            pinned = [arg.split("==", 1)[0] for arg in args if "==" in arg]
            _pip(python, ["--yes", *pinned], action="uninstall")
            _pip(python, ["--force-reinstall", "--no-deps", "-r", str(REQUIREMENTS)])
        else:
            optional[name] = "installed"
        if log:
            print(f"  optional peer {name}: {optional[name]}", flush=True)
    if broken := _pins_broken(python):
        raise RuntimeError("the peers venv does not match its pins: " + "; ".join(broken))
    return optional


def ensure_peers(*, rebuild: bool = False, log: bool = True) -> Peers:
    """The peers' venv, installed or refreshed as needed."""
    if rebuild and VENV.exists():
        shutil.rmtree(VENV)
    digest = _digest()
    if STAMP.exists() and venv_python().exists():
        stamp = json.loads(STAMP.read_text())
        if stamp.get("digest") == digest:
            return Peers(venv_python(), dict(stamp["optional"]))
    optional = _install(log)
    STAMP.write_text(json.dumps({"digest": digest, "optional": optional}, indent=2))
    return Peers(venv_python(), optional)


if __name__ == "__main__":
    peers = ensure_peers(rebuild="--rebuild" in sys.argv)
    print(peers.python)
    for peer, state in peers.optional.items():
        print(f"{peer}: {state}")
