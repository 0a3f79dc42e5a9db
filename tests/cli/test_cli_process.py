"""The command line client as a user runs it: real processes (`.venv/bin/httpx`,
`python -m httpx`), exit statuses, Ctrl-C and a full disk during --download, and the
example application served over real HTTP (`python -m examples.hello_app`)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import typing
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_main import CLEAN_ENV

if typing.TYPE_CHECKING:
    from tests.servers.faults import FaultServer
    from tests.servers.run import UvicornServer

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
HTTPX = str(Path(sys.executable).parent / "httpx")  # the console script of this venv
COMMANDS = {"console-script": [HTTPX], "python-m": [PYTHON, "-m", "httpx"]}
TIMEOUT = 30


def default_sigint() -> None:
    # A shell without job control starts background commands with SIGINT ignored, and
    # the ignored disposition is inherited through exec: Python then installs no
    # KeyboardInterrupt handler and Ctrl-C would do nothing. Give the child the default.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def environment() -> dict[str, str]:
    unwanted = set(CLEAN_ENV) | {name.lower() for name in CLEAN_ENV} | {"PYTHONWARNINGS"}
    return {key: value for key, value in os.environ.items() if key not in unwanted}


def httpx_process(
    *args: str, command: str = "console-script", cwd: Path = REPO
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMANDS[command], *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=cwd,
        env=environment(),
        stdin=subprocess.DEVNULL,
    )


def assert_one_error_line(completed: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in completed.stderr
    assert completed.stderr.count("\n") == 1 and completed.stderr.startswith("httpx: "), (
        completed.stderr
    )
    return completed.stderr[len("httpx: ") : -1]


@pytest.mark.parametrize("command", COMMANDS)
def test_get(server: UvicornServer, command: str) -> None:
    completed = httpx_process(server.url, command=command)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("HTTP/1.1 200 OK\n")
    assert completed.stdout.endswith("\n\nHello, world!\n")
    assert completed.stderr == ""


@pytest.mark.parametrize("command", COMMANDS)
def test_connection_error(fault_server: FaultServer, command: str) -> None:
    completed = httpx_process(fault_server.refused_url, command=command)
    assert completed.returncode == 7
    assert assert_one_error_line(completed).startswith(
        "ConnectError: could not connect to 127.0.0.1:"
    )
    assert completed.stdout == ""


@pytest.mark.parametrize("command", COMMANDS)
def test_usage_error(command: str) -> None:
    completed = httpx_process("http://127.0.0.1:9/", "-h", "X-Test", command=command)
    assert completed.returncode == 2
    assert (
        assert_one_error_line(completed)
        == "Option '-h' requires 2 arguments. (see 'httpx --help')"
    )


def test_fail(server: UvicornServer) -> None:
    assert httpx_process(server.url_for("/status/500")).returncode == 0
    completed = httpx_process(server.url_for("/status/500"), "--fail")
    assert completed.returncode == 22
    assert (
        assert_one_error_line(completed)
        == "the server answered 500 Internal Server Error (--fail)"
    )


def test_help(server: UvicornServer) -> None:
    completed = httpx_process("--help", command="python-m")
    assert completed.returncode == 0
    assert "Usage: httpx <URL> [OPTIONS]" in completed.stdout


def test_app_from_the_current_directory(tmp_path: Path) -> None:
    """The console script's sys.path[0] is its bin directory: --app adds the cwd."""
    name = f"cli_app_{uuid.uuid4().hex}"
    (tmp_path / f"{name}.py").write_text(
        "async def app(scope, receive, send):\n"
        "    await send({'type': 'http.response.start', 'status': 200,\n"
        "                'headers': [(b'content-type', b'application/json')]})\n"
        "    await send({'type': 'http.response.body', 'body': b'{\"cwd\": true}'})\n"
    )
    completed = httpx_process("--app", f"{name}:app", "/", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.endswith('\n\n{\n    "cwd": true\n}\n')


# --- --download under Ctrl-C and a full disk ---------------------------------------------


def wait_for(condition: typing.Callable[[], bool], what: str, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def interrupt(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Press Ctrl-C, again each second if need be, as a person would; return the output.

    One SIGINT can land where Python cannot raise it (inside a finalizer, where
    exceptions are only reported), which a loaded machine makes likely enough to matter.
    """
    for _ in range(5):
        process.send_signal(signal.SIGINT)
        try:
            return process.communicate(timeout=1.0)
        except subprocess.TimeoutExpired:
            continue
    return process.communicate(timeout=TIMEOUT)


def test_ctrl_c_during_download_leaves_no_file(fault_server: FaultServer, tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    # Headers and 10 of 1000 bytes, then silence: the download is in progress for good.
    process = subprocess.Popen(
        [
            HTTPX,
            fault_server.url_for_mode("stall-body"),
            "--download",
            str(target),
            "--timeout",
            "20",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=environment(),
        preexec_fn=default_sigint,
    )
    try:
        wait_for(lambda: any(tmp_path.iterdir()), "the temporary download file")
        [temporary] = tmp_path.iterdir()
        assert temporary.name.startswith(".out.bin.") and temporary.name.endswith(".part")
        stdout, stderr = interrupt(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, stderr
    assert stderr.splitlines()[-1] == "httpx: interrupted"
    assert stdout.startswith("HTTP/1.1 200 OK\n")
    assert list(tmp_path.iterdir()) == []


def test_full_disk_during_download_exits_23(server: UvicornServer, tmp_path: Path) -> None:
    """RLIMIT_FSIZE makes writes past 10 kB fail with EFBIG, as a full disk would."""
    target = tmp_path / "out.bin"
    launcher = (
        "import os, resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of a kill\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (10_000, resource.RLIM_INFINITY))\n"
        "os.execv(sys.argv[1], sys.argv[1:])\n"
    )
    completed = subprocess.run(
        [
            PYTHON,
            "-c",
            launcher,
            HTTPX,
            server.url_for("/bytes/200000"),
            "--download",
            str(target),
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=environment(),
    )
    assert completed.returncode == 23, completed.stderr
    last = completed.stderr.splitlines()[-1]
    assert re.fullmatch(
        rf"httpx: could not write {re.escape(str(target))}: \[Errno 27\] File too large", last
    ), last
    assert list(tmp_path.iterdir()) == []


# --- the example application over real HTTP ----------------------------------------------


@pytest.fixture
def example_server() -> Iterator[str]:
    """`python -m examples.hello_app 0`: the example served by wsgiref on a free port."""
    process = subprocess.Popen(
        [PYTHON, "-m", "examples.hello_app", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        env=environment(),
        preexec_fn=default_sigint,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.fullmatch(r"Serving on (http://127\.0\.0\.1:\d+/) \(Ctrl-C to stop\)\n", line)
        assert match, line
        yield match[1]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def test_example_app_over_real_http(example_server: str, tmp_path: Path) -> None:
    completed = httpx_process(example_server + "echo", "-p", "q", "1", "-v")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("* Connecting to '127.0.0.1'\n")
    assert "\nGET /echo?q=1 HTTP/1.1\n" in completed.stdout
    assert "\nHTTP/1.0 200 OK\n" in completed.stdout  # wsgiref answers with HTTP/1.0
    assert '"query": {\n        "q": "1"\n    }' in completed.stdout

    target = tmp_path / "data.bin"
    completed = httpx_process(example_server + "bytes/100000", "--download", str(target))
    assert completed.returncode == 0, completed.stderr
    assert target.read_bytes() == bytes(i % 256 for i in range(100000))
