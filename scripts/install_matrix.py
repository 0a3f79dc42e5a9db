"""The install matrix: build this repository once, install it the ways users do, smoke test.

    scripts/install-matrix            # every Python 3.10-3.13 found, no extras / all extras,
                                      # and each extra alone on one Python
    scripts/install-matrix --list     # only show the plan (which Pythons were found)

One sdist is built, and one wheel from that sdist (so the sdist is proven to build).
The wheel is installed with `uv` into fresh virtualenvs (in parallel, with a package
cache kept in `.cache/install-matrix/`, which git ignores), and in each one
`scripts/install_smoke.py` imports httpx and talks to local servers: plain HTTP/1.1
always, and for each optional feature either the feature working (its extra installed)
or httpx's own message when it is used without its extra.

The extras come from pyproject.toml, so a new extra is picked up by itself. Pythons are
looked for in pyenv (`$(pyenv root)/versions/3.X.*`, run directly: pyenv's `python3.X`
shims refuse to run without PYENV_VERSION), on PATH (`python3.X`, `python3`) and as the
interpreter running this script; each candidate is run once to learn its version. A
version that is not found is reported as skipped, by name.

tests/project/test_install_matrix.py runs the same plan under pytest, against the suite's
own servers; run alone, this script starts those servers itself (it needs the development
environment that `scripts/install` creates).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the development venv may be on 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
SMOKE_SCRIPT = ROOT / "scripts" / "install_smoke.py"
VERSIONS = ("3.10", "3.11", "3.12", "3.13")
DEFAULT_CACHE = ROOT / ".cache" / "install-matrix"
# The environment as this module found it, for the commands that reach the package
# index (uv, pip): it may name the CA bundle or proxy this machine needs, which a test
# fixture could have removed from os.environ by the time they run.
NETWORK_ENV = dict(os.environ)
# The smoke tests talk to 127.0.0.1 only: no proxy, no CA bundle from the user's shell;
# and each install chooses its HTTP/1.1 engine by what it has (the smoke test checks that
# httptools is used exactly where the speedups extra is installed), whatever engine the
# suite around it was forced onto (HTTPX_HTTP1_PARSER).
_LOCAL_ONLY_DROPPED = {
    "HTTPX_HTTP1_PARSER",
    "HTTPX_TRUST_STORE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "SSLKEYLOGFILE",
}
# Generous: a cold cache downloads every dependency for every Python.
INSTALL_TIMEOUT = 600.0
SMOKE_TIMEOUT = 120.0


# --- what to install ------------------------------------------------------------------


def extras_from_pyproject(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The optional-dependency groups (extras) the project declares, sorted."""
    data = tomllib.loads(pyproject.read_text("utf-8"))
    return sorted(data["project"]["optional-dependencies"])


@dataclasses.dataclass(frozen=True)
class Interpreter:
    version: str  # "3.12"
    path: Path | None  # None: not found on this machine
    full_version: str = ""  # "3.12.1"


@dataclasses.dataclass(frozen=True)
class Environment:
    """One virtualenv of the matrix: a Python and the extras installed in it."""

    name: str  # e.g. "py3.12-all", "py3.11-http2", "py3.10-none"
    interpreter: Interpreter
    extras: tuple[str, ...]

    @property
    def available(self) -> bool:
        return self.interpreter.path is not None


def _version_of(executable: Path) -> str | None:
    """The "X.Y.Z" version of a Python, or None if it does not run (a pyenv shim without
    PYENV_VERSION, a broken link...)."""
    try:
        completed = subprocess.run(
            [str(executable), "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
            capture_output=True,
            text=True,
            timeout=20,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    output = completed.stdout.strip()
    if completed.returncode != 0 or not re.fullmatch(r"\d+\.\d+\.\d+", output):
        return None
    return output


def _pyenv_root() -> Path | None:
    pyenv = shutil.which("pyenv")
    if pyenv is not None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            completed = subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=20)
            if completed.returncode == 0 and completed.stdout.strip():
                return Path(completed.stdout.strip())
    root = os.environ.get("PYENV_ROOT")
    if root:
        return Path(root)
    default = Path.home() / ".pyenv"
    return default if default.is_dir() else None


def _patch_key(path: Path) -> tuple[int, ...]:
    # ".../versions/3.12.10/bin/python3" sorts after ".../3.12.9/...".
    numbers = re.findall(r"\d+", path.parent.parent.name)
    return tuple(int(number) for number in numbers)


def _candidates(version: str) -> Iterator[Path]:
    root = _pyenv_root()
    if root is not None:
        found = (root / "versions").glob(f"{version}.*/bin/python3")
        # Plain releases only ("3.12.1", not "3.12-dev" or "3.13.0t"), newest first.
        releases = [
            path for path in found if re.fullmatch(r"\d+\.\d+\.\d+", path.parent.parent.name)
        ]
        yield from sorted(releases, key=_patch_key, reverse=True)
    for name in (f"python{version}", "python3"):
        for directory in os.environ.get("PATH", "").split(os.pathsep):
            candidate = Path(directory or ".") / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                yield candidate
    yield Path(sys.executable)


def find_interpreters(versions: Sequence[str] = VERSIONS) -> list[Interpreter]:
    """For each version, the first candidate that runs and reports that version."""
    found: list[Interpreter] = []
    checked: dict[Path, str | None] = {}
    for version in versions:
        interpreter = Interpreter(version, None)
        for candidate in _candidates(version):
            if candidate not in checked:
                checked[candidate] = _version_of(candidate)
            full = checked[candidate]
            if full is not None and full.rsplit(".", 1)[0] == version:
                interpreter = Interpreter(version, candidate, full)
                break
        found.append(interpreter)
    return found


def plan(interpreters: Sequence[Interpreter], extras: Sequence[str]) -> list[Environment]:
    """No extras and all extras on every version; each extra alone on one Python (the
    one running this script when it is in the list, else the newest found)."""
    environments: list[Environment] = []
    for interpreter in interpreters:
        environments.append(Environment(f"py{interpreter.version}-none", interpreter, ()))
        environments.append(
            Environment(f"py{interpreter.version}-all", interpreter, tuple(extras))
        )
    available = [interpreter for interpreter in interpreters if interpreter.path is not None]
    own = "{}.{}".format(*sys.version_info[:2])
    single = next((i for i in available if i.version == own), None)
    if single is None and available:
        single = available[-1]
    for extra in extras:
        if single is not None:
            environments.append(Environment(f"py{single.version}-{extra}", single, (extra,)))
        else:  # no Python at all: still name what was skipped
            missing = interpreters[-1] if interpreters else Interpreter(own, None)
            environments.append(Environment(f"py{missing.version}-{extra}", missing, (extra,)))
    return environments


# --- building and installing -----------------------------------------------------------


def uv_executable() -> str:
    """`uv` from the development venv (requirements-dev.txt), else from PATH."""
    beside = Path(sys.executable).parent / "uv"
    if beside.exists():
        return str(beside)
    found = shutil.which("uv")
    if found is None:
        raise RuntimeError("uv is needed: `scripts/install` puts it in .venv")
    return found


def _run(command: Sequence[str], *, timeout: float, cwd: Path | None = None) -> str:
    completed = subprocess.run(
        list(command), capture_output=True, text=True, timeout=timeout, cwd=cwd, env=NETWORK_ENV
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} exited with {completed.returncode}:\n"
            f"{completed.stdout}{completed.stderr}"
        )
    return completed.stdout + completed.stderr


@dataclasses.dataclass(frozen=True)
class Distributions:
    sdist: Path
    wheel: Path


def build(output: Path, cache: Path = DEFAULT_CACHE) -> Distributions:
    """Build the sdist, then the wheel from that sdist, into `output`."""
    output.mkdir(parents=True, exist_ok=True)
    _run(
        [
            uv_executable(),
            "build",
            "--quiet",
            "--out-dir",
            str(output),
            "--cache-dir",
            str(cache / "uv"),
            str(ROOT),
        ],
        timeout=INSTALL_TIMEOUT,
    )
    (sdist,) = output.glob("httpx-*.tar.gz")
    (wheel,) = output.glob("httpx-*.whl")
    return Distributions(sdist, wheel)


def venv_python(directory: Path) -> Path:
    return directory / "bin" / "python"


def create(environment: Environment, wheel: Path, directory: Path, cache: Path) -> Path:
    """A fresh virtualenv in `directory` with the wheel and the environment's extras."""
    assert environment.interpreter.path is not None
    uv = uv_executable()
    if directory.exists():
        shutil.rmtree(directory)
    _run(
        [uv, "venv", "--quiet", "--python", str(environment.interpreter.path), str(directory)],
        timeout=INSTALL_TIMEOUT,
    )
    requirement = str(wheel)
    if environment.extras:
        requirement += f"[{','.join(environment.extras)}]"
    _run(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            str(venv_python(directory)),
            "--cache-dir",
            str(cache / "uv"),
            requirement,
        ],
        timeout=INSTALL_TIMEOUT,
    )
    return directory


# --- the smoke test in each environment --------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Servers:
    """Where the smoke test finds its servers (started by the caller)."""

    http_url: str  # plain HTTP/1.1, serving tests/servers/app.py
    https_url: str  # TLS with ALPN h2 + http/1.1, same app
    ca_file: str  # trusts https_url's certificate
    socks5_url: str  # a SOCKS5 proxy
    compressed_text: str  # what /brotli and /zstd decode to
    ws_url: str  # WebSockets (tests/servers/websocket.py's app: /echo)


@dataclasses.dataclass
class Result:
    environment: Environment
    status: str  # "passed", "failed" or "skipped"
    detail: str = ""
    seconds: float = 0.0  # in all
    install_seconds: float = 0.0  # creating the venv and installing into it
    python: str = ""
    checks: list[dict[str, object]] = dataclasses.field(default_factory=list)

    @property
    def failed_checks(self) -> list[dict[str, object]]:
        return [check for check in self.checks if not check["ok"]]


def smoke_env() -> dict[str, str]:
    return {
        key: value
        for key, value in NETWORK_ENV.items()
        if not key.startswith("PYTHON") and key.upper() not in _LOCAL_ONLY_DROPPED
    }


def smoke(
    environment: Environment, directory: Path, servers: Servers, all_extras: Sequence[str]
) -> list[dict[str, object]]:
    """Run scripts/install_smoke.py in the environment; its list of checks."""
    config = {
        **dataclasses.asdict(servers),
        "extras": list(environment.extras),
        "all_extras": list(all_extras),
        "venv": str(directory),
    }
    # -I: isolated, so neither this repository (cwd, PYTHONPATH) nor user site-packages
    # can shadow the installed package. The cwd is the venv, far from any httpx/.
    completed = subprocess.run(
        [str(venv_python(directory)), "-I", str(SMOKE_SCRIPT), json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=SMOKE_TIMEOUT,
        cwd=directory,
        env=smoke_env(),
    )
    try:
        checks: list[dict[str, object]] = json.loads(completed.stdout)["checks"]
    except (ValueError, KeyError):
        raise RuntimeError(
            f"smoke script exited with {completed.returncode}:\n"
            f"{completed.stdout}{completed.stderr}"
        ) from None
    return checks


def check_environment(
    environment: Environment,
    wheel: Path,
    workdir: Path,
    servers: Servers,
    all_extras: Sequence[str],
    cache: Path = DEFAULT_CACHE,
) -> Result:
    """Create the environment and smoke test it; never raises."""
    if not environment.available:
        return Result(
            environment, "skipped", f"Python {environment.interpreter.version} not found"
        )
    started = time.monotonic()
    result = Result(environment, "passed", python=environment.interpreter.full_version)
    try:
        directory = create(environment, wheel, workdir / environment.name, cache)
        result.install_seconds = time.monotonic() - started
        result.checks = smoke(environment, directory, servers, all_extras)
    except Exception as exc:  # reported in the table, and by the test
        result.status, result.detail = "failed", f"{type(exc).__name__}: {exc}"
    else:
        failed = result.failed_checks
        if failed:
            result.status = "failed"
            result.detail = "; ".join(f"{check['name']}: {check['detail']}" for check in failed)
        else:
            result.detail = ", ".join(str(check["name"]) for check in result.checks)
    result.seconds = time.monotonic() - started
    return result


def check_all(
    environments: Sequence[Environment],
    wheel: Path,
    workdir: Path,
    servers: Servers,
    all_extras: Sequence[str],
    cache: Path = DEFAULT_CACHE,
    jobs: int = 4,
) -> list[Result]:
    """Every environment, `jobs` at a time (installing is mostly waiting on I/O)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [
            pool.submit(check_environment, environment, wheel, workdir, servers, all_extras, cache)
            for environment in environments
        ]
        return [future.result() for future in futures]


def summary_table(results: Sequence[Result]) -> list[str]:
    """One line per environment: name, Python, result, time, what was checked or why not."""
    lines = [
        f"{'environment':<18} {'python':<8} {'result':<8} {'install':>7} {'smoke':>6}  checks"
    ]
    for result in results:
        install = smoke = ""
        if result.seconds:
            install = f"{result.install_seconds:5.1f}s"
            smoke = f"{result.seconds - result.install_seconds:5.1f}s"
        lines.append(
            f"{result.environment.name:<18} {result.python or '-':<8} "
            f"{result.status.upper():<8} {install:>7} {smoke:>6}  {result.detail}"
        )
    return lines


# --- running alone ---------------------------------------------------------------------


@contextlib.contextmanager
def local_servers() -> Iterator[Servers]:
    """The suite's servers (tests/servers), started the way its fixtures start them."""
    sys.path.insert(0, str(ROOT))
    import ssl

    import trustme

    from tests.servers.app import COMPRESSIBLE
    from tests.servers.proxy import ForwardProxy
    from tests.servers.run import HypercornServer, UvicornServer
    from tests.servers.websocket import WebSocketUvicornServer

    authority = trustme.CA()
    leaf = authority.issue_cert("localhost", "127.0.0.1", "::1")
    with tempfile.TemporaryDirectory(prefix="install-matrix-tls-") as tls:
        ca_file, cert_file, key_file = (Path(tls) / name for name in ("ca.pem", "c.pem", "k.pem"))
        authority.cert_pem.write_to_path(str(ca_file))
        for blob in leaf.cert_chain_pems:
            blob.write_to_path(str(cert_file), append=True)
        leaf.private_key_pem.write_to_path(str(key_file))
        probe = ssl.create_default_context(cafile=str(ca_file))
        with contextlib.ExitStack() as stack:
            http = UvicornServer().start()
            stack.callback(http.stop)
            https = HypercornServer(str(cert_file), str(key_file), probe).start()
            stack.callback(https.stop)
            socks = ForwardProxy("socks5").start()
            stack.callback(socks.stop)
            websocket = WebSocketUvicornServer().start()
            stack.callback(websocket.stop)
            yield Servers(
                http.url, https.url, str(ca_file), socks.url, COMPRESSIBLE, websocket.ws_url
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="show the plan, install nothing")
    parser.add_argument("--jobs", type=int, default=4, help="environments set up at once")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="uv's cache")
    parser.add_argument("--keep", type=Path, help="build and create the venvs here, and keep them")
    args = parser.parse_args(argv)
    extras = extras_from_pyproject()
    environments = plan(find_interpreters(), extras)
    if args.list:
        for environment in environments:
            where = environment.interpreter.path or "NOT FOUND: skipped"
            print(f"{environment.name:<18} {where}")
        return 0
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        workdir = args.keep or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="install-matrix-"))
        )
        dists = build(workdir / "dist", args.cache)
        print(f"built {dists.sdist.name} and {dists.wheel.name}", flush=True)
        servers = stack.enter_context(local_servers())
        results = check_all(
            environments, dists.wheel, workdir, servers, extras, args.cache, args.jobs
        )
    print("\n".join(summary_table(results)))
    print(f"{len(results)} environments in {time.monotonic() - started:.1f}s")
    return 1 if any(result.status == "failed" for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
