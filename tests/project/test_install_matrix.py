"""The install matrix: the built wheel, installed into fresh venvs, works as users get it.

scripts/install_matrix.py does the work (a person can run it alone: `scripts/install-matrix`);
this module runs its plan against the suite's servers. One sdist and one wheel are
built per session; every environment (no extras and all extras on each Python 3.10-3.13
found, each extra alone on one Python) is created and smoke tested in parallel by a
module fixture, and each test reports one environment: passed, failed with the failing
checks, or skipped because its Python is not on this machine (named in the test id and
the reason). The table of all of them is printed at the end of the module.

Also here, because they share the built distributions: the sdist holds every file a
clone needs to run `scripts/install && scripts/test`, and pip's resolver installs the
wheel beside the httpx pins of pytest-httpx and respx.
"""

from __future__ import annotations

import email
import importlib.util
import json
import shutil
import subprocess
import sys
import tarfile
import time
import typing
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers.app import COMPRESSIBLE

if typing.TYPE_CHECKING:
    from tests.servers.proxy import ForwardProxy
    from tests.servers.run import HypercornServer, UvicornServer
    from tests.servers.websocket import WebSocketUvicornServer

REPO = Path(__file__).resolve().parents[2]


def _load_script() -> typing.Any:
    spec = importlib.util.spec_from_file_location(
        "install_matrix", REPO / "scripts" / "install_matrix.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["install_matrix"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


matrix = _load_script()
EXTRAS: list[str] = matrix.extras_from_pyproject()
ENVIRONMENTS = matrix.plan(matrix.find_interpreters(), EXTRAS)
# The first test also waits for the session's build and every environment's setup.
MATRIX_TIMEOUT = 900


TIMINGS: dict[str, float] = {}  # seconds, for the summary table


@pytest.fixture(scope="module")
def distributions(tmp_path_factory: pytest.TempPathFactory) -> typing.Any:
    """The sdist, and the wheel built from it (once per session)."""
    started = time.monotonic()
    built = matrix.build(tmp_path_factory.mktemp("dist"))
    TIMINGS["build"] = time.monotonic() - started
    return built


@pytest.fixture(scope="module")
def results(
    request: pytest.FixtureRequest,
    distributions: typing.Any,
    tmp_path_factory: pytest.TempPathFactory,
    server: UvicornServer,
    tls_server: HypercornServer,
    socks5_proxy: ForwardProxy,
    ca_cert_pem_file: str,
    websocket_server: WebSocketUvicornServer,
) -> Iterator[dict[str, typing.Any]]:
    servers = matrix.Servers(
        http_url=server.url,
        https_url=tls_server.url,
        ca_file=ca_cert_pem_file,
        socks5_url=socks5_proxy.url,
        compressed_text=COMPRESSIBLE,
        ws_url=websocket_server.ws_url,
    )
    workdir = tmp_path_factory.mktemp("venvs")
    started = time.monotonic()
    checked = matrix.check_all(ENVIRONMENTS, distributions.wheel, workdir, servers, EXTRAS)
    TIMINGS["environments"] = time.monotonic() - started
    yield {result.environment.name: result for result in checked}
    # The table of every environment, shown whether the tests passed or not (outside
    # pytest's output capture, which would keep it for failures only).
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_sep("-", "install matrix")
            for line in matrix.summary_table(checked):
                reporter.write_line(line)
            reporter.write_line(
                f"{len(checked)} environments in {TIMINGS['environments']:.1f}s, after "
                f"building the sdist and wheel in {TIMINGS.get('build', 0.0):.1f}s "
                f"(uv cache: {matrix.DEFAULT_CACHE})"
            )
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.mark.timeout(MATRIX_TIMEOUT)
@pytest.mark.parametrize(
    "environment",
    [
        pytest.param(
            environment,
            id=environment.name,
            marks=()
            if environment.available
            else pytest.mark.skip(
                reason=f"{environment.name}: Python {environment.interpreter.version} "
                "not found on this machine"
            ),
        )
        for environment in ENVIRONMENTS
    ],
)
def test_installed_wheel_works(environment: typing.Any, results: dict[str, typing.Any]) -> None:
    result = results[environment.name]
    assert result.status == "passed", f"{environment.name}: {result.detail}"
    names = [check["name"] for check in result.checks]
    # Plain HTTP/1.1 works everywhere; each declared extra was checked one way or the other.
    assert {"location", "lazy-imports", "http1.1", "asyncio"} <= set(names), names
    for extra in EXTRAS:
        if extra in ("http2", "socks", "brotli", "zstd", "cli", "speedups", "truststore", "ws"):
            assert extra in names or f"{extra}-missing" in names, (extra, names)


def test_every_python_version_is_planned() -> None:
    planned = {environment.name for environment in ENVIRONMENTS}
    for version in matrix.VERSIONS:
        assert {f"py{version}-none", f"py{version}-all"} <= planned
    for extra in EXTRAS:
        assert any(name.endswith(f"-{extra}") for name in planned), extra


def test_a_missing_python_is_planned_as_skipped_by_name() -> None:
    (missing,) = matrix.find_interpreters(("3.99",))
    assert missing.path is None
    planned = matrix.plan([missing], ["http2"])
    assert [(env.name, env.available) for env in planned] == [
        ("py3.99-none", False),
        ("py3.99-all", False),
        ("py3.99-http2", False),
    ]


def test_extras_come_from_pyproject() -> None:
    assert {"brotli", "cli", "http2", "socks", "zstd"} <= set(EXTRAS)


# --- the sdist -------------------------------------------------------------------------------


def _tracked_files() -> list[str]:
    completed = subprocess.run(
        ["git", "ls-files", "-z"], capture_output=True, cwd=REPO, timeout=30
    )
    if completed.returncode != 0:
        pytest.skip("not a git checkout (an unpacked sdist): nothing to compare with")
    return [name for name in completed.stdout.decode().split("\0") if name]


def test_sdist_contains_every_tracked_file(distributions: typing.Any) -> None:
    """An unpacked sdist runs `scripts/install && scripts/test` as a clone does: it needs
    the scripts, tests (and their data), docs, mkdocs.yml, examples, requirements files,
    benchmarks and stress (tests import them) and .ci/: every tracked file, in short."""
    with tarfile.open(distributions.sdist) as archive:
        names = archive.getnames()
    top = names[0].split("/")[0]
    members = {name.partition("/")[2] for name in names}
    missing = [name for name in _tracked_files() if name not in members]
    assert missing == [], f"{top}: missing {missing}"
    for needed in ("scripts/install", "scripts/test", ".ci/run", "tests/data/README.md"):
        assert needed in members
    # ...and none of the caches a working tree collects.
    caches = (".venv/", ".cache/", ".hypothesis/", ".mypy_cache/", ".pytest_cache/", "site/")
    assert [name for name in members if name.startswith(caches) or "__pycache__" in name] == []


# --- the wheel's metadata --------------------------------------------------------------


def test_wheel_metadata_is_for_users(distributions: typing.Any) -> None:
    """The package index shows README-pypi.md (README.md is for contributors: it starts
    with the set-up commands), with the project URLs, and a 0.28.* version."""
    with zipfile.ZipFile(distributions.wheel) as wheel:
        (name,) = [name for name in wheel.namelist() if name.endswith(".dist-info/METADATA")]
        metadata = email.message_from_bytes(wheel.read(name))
    assert metadata["Version"].startswith("0.28.")
    assert metadata["Description-Content-Type"] == "text/markdown"
    description = metadata.get_payload()
    assert isinstance(description, str)
    assert description.strip() == (REPO / "README-pypi.md").read_text("utf-8").strip()
    assert "scripts/install" not in description
    urls = metadata.get_all("Project-URL") or []
    assert urls and all(", https://" in url for url in urls), urls
    extras = set(metadata.get_all("Provides-Extra") or [])
    assert extras == set(EXTRAS)


# --- installing beside the libraries that pin httpx ------------------------------------


def test_wheel_installs_beside_pytest_httpx_and_respx(
    distributions: typing.Any, tmp_path: Path
) -> None:
    """pytest-httpx 0.36 requires httpx==0.28.*, respx httpx>=0.25: pip's resolver must
    accept our wheel with both (a dry run against the package index)."""
    venv = tmp_path / "venv"
    subprocess.run(
        [
            matrix.uv_executable(),
            "venv",
            "--quiet",
            "--seed",
            "--cache-dir",
            str(matrix.DEFAULT_CACHE / "uv"),
            "--python",
            sys.executable,
            str(venv),
        ],
        capture_output=True,
        timeout=120,
        env=matrix.NETWORK_ENV,
        check=True,
    )
    # The environment as the session found it: reaching the index may need its CA bundle.
    env = {key: value for key, value in matrix.NETWORK_ENV.items() if key != "PYTHONWARNINGS"}
    completed = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--quiet",
            "--report",
            "-",
            str(distributions.wheel),
            "pytest-httpx==0.36.2",
            "respx==0.23.1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    if completed.returncode != 0 and "Could not find a version" in completed.stderr:
        pytest.skip(f"package index unreachable: {completed.stderr.strip()[-300:]}")
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    chosen = {item["metadata"]["name"].lower(): item for item in report["install"]}
    assert chosen["httpx"]["download_info"]["url"] == distributions.wheel.as_uri()
    assert chosen["httpx"]["metadata"]["version"].startswith("0.28.")
    assert chosen["pytest-httpx"]["metadata"]["version"] == "0.36.2"
    assert chosen["respx"]["metadata"]["version"] == "0.23.1"
