"""Our `httpx` command against httpx 0.28.1's, on the same requests to the same server.

Both commands run as processes, with the same environment, against the suite's servers.
Where they agree the test says so (stdout, stderr and exit status identical, the `date`
header aside); where they differ the test pins the difference, and each one is an entry
of docs/compatibility.md ("The command line client"), whose wording is checked here.

The reference is the `httpx` console script of a virtualenv holding the PyPI
httpx[cli]==0.28.1, run as a black box: `$HTTPX_REFERENCE_VENV`, else
`.ref-venvs/httpx-0.28.1` in the repository, else /work/ref/httpx-0.28.1 (the machine's
reference install). Without one, these tests are skipped.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from tests.cli.test_cli_process import environment

if typing.TYPE_CHECKING:
    from tests.servers.run import HypercornServer, UvicornServer

REPO = Path(__file__).resolve().parents[2]
OURS = str(Path(sys.executable).parent / "httpx")
COMPATIBILITY = (REPO / "docs" / "compatibility.md").read_text("utf-8")
TIMEOUT = 30


def reference_venv() -> Path | None:
    candidates = [
        os.environ.get("HTTPX_REFERENCE_VENV"),
        str(REPO / ".ref-venvs" / "httpx-0.28.1"),
        "/work/ref/httpx-0.28.1",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "bin" / "httpx").exists():
            return Path(candidate)
    return None


REFERENCE = reference_venv()
pytestmark = pytest.mark.skipif(
    REFERENCE is None,
    reason="no httpx 0.28.1 reference venv (set HTTPX_REFERENCE_VENV, or create "
    ".ref-venvs/httpx-0.28.1 with httpx[cli]==0.28.1)",
)


class Run(typing.NamedTuple):
    code: int
    stdout: str
    stderr: str


def _run(executable: str, args: tuple[str, ...], cwd: Path) -> Run:
    completed = subprocess.run(
        [executable, *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=cwd,  # never the repository: the reference must not see our package
        env={**environment(), "COLUMNS": "80"},
        stdin=subprocess.DEVNULL,
    )
    # The only thing that may differ between two identical requests: the Date header.
    stdout = re.sub(r"(?im)^date: .*\n", "", completed.stdout)
    return Run(completed.returncode, stdout, completed.stderr)


def both(*args: str, cwd: Path) -> tuple[Run, Run]:
    """(httpx 0.28.1's run, ours) of `httpx ARGS`, each in its own directory under cwd."""
    assert REFERENCE is not None
    (cwd / "reference").mkdir(exist_ok=True)
    (cwd / "ours").mkdir(exist_ok=True)
    reference = _run(str(REFERENCE / "bin" / "httpx"), args, cwd / "reference")
    ours = _run(OURS, args, cwd / "ours")
    return reference, ours


def documented(*phrases: str) -> None:
    """The difference is an entry of docs/compatibility.md."""
    text = " ".join(COMPATIBILITY.split())
    for phrase in phrases:
        assert phrase in text, phrase


# --- where the two agree ------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("json",), id="get-json"),
        pytest.param(("json", "-v"), id="verbose"),
        pytest.param(("echo", "-j", '{"a": [1, 2]}'), id="json-body"),
        pytest.param(("echo", "-m", "PUT", "-c", "hello", "-h", "X-A", "b"), id="method"),
        pytest.param(("echo", "-p", "q", "ab", "-d", "name", "value"), id="params-data"),
        pytest.param(("echo", "--cookies", "session", "abc"), id="cookies"),
        pytest.param(("basic-auth/u/p", "--auth", "u", "p"), id="auth"),
        pytest.param(("redirect/2", "--follow-redirects", "-v"), id="redirects"),
        pytest.param(("gzip",), id="gzip"),
        pytest.param(("encoding/utf-8",), id="text"),
    ],
)
def test_same_output(args: tuple[str, ...], server: UvicornServer, tmp_path: Path) -> None:
    reference, ours = both(server.url + args[0], *args[1:], cwd=tmp_path)
    assert reference.code == 0
    if "-v" in args:
        # Ours adds one line at the end: the timings of the exchange.
        timings = re.compile(r"^\* Timings: .*\n", re.MULTILINE)
        assert len(timings.findall(ours.stdout)) == 1
        assert ours.stdout.endswith(timings.findall(ours.stdout)[0])
        ours = ours._replace(stdout=timings.sub("", ours.stdout))
        documented("`-v` ends with a `* Timings:` line")
    assert ours == reference


def help_rows(text: str) -> list[str]:
    """The option rows of a --help page: blocks of lines between blank ones."""
    blocks = re.split(r"\n[ ]*\n", text)
    return [" ".join(block.split()) for block in blocks if block.lstrip().startswith("-")]


def test_help_keeps_every_option_and_text(tmp_path: Path) -> None:
    reference, ours = both("--help", cwd=tmp_path)
    assert reference.code == ours.code == 0
    # The same title and usage line, and every option of httpx's page word for word,
    # except --download's description (documented); ours adds options.
    assert ours.stdout.splitlines()[:5] == reference.stdout.splitlines()[:5]
    kept = [row for row in help_rows(reference.stdout) if "--download" not in row]
    assert len(kept) == 16  # all of httpx 0.28.1's options but --download
    ours_rows = help_rows(ours.stdout)
    for row in kept:
        assert row in ours_rows, row
    documented("the `--help` page (with more options)")


# --- where they differ, on purpose ----------------------------------------------------------


def test_error_status_exit_code(server: UvicornServer, tmp_path: Path) -> None:
    for path in ("status/404", "status/500", "redirect/1"):
        reference, ours = both(server.url + path, cwd=tmp_path)
        assert ours.stdout == reference.stdout  # the response is shown the same way
        assert (reference.code, ours.code) == (1, 0)
    reference, ours = both(server.url + "status/404", "--fail", cwd=tmp_path)
    assert (reference.code, ours.code) == (2, 22)  # httpx has no --fail
    documented(
        "httpx exits with 1 for any failure and for any response that is not 2xx",
        "Ours exits with 0 when a response was received, whatever its status",
        "`--fail` turns a status of 400 or above into 22",
    )


def test_connection_error(tmp_path: Path) -> None:
    reference, ours = both("http://127.0.0.1:1/", cwd=tmp_path)
    assert reference.code == 1 and reference.stderr == ""
    assert reference.stdout.startswith("ConnectError: ")
    assert ours.code == 7 and ours.stdout == ""
    assert ours.stderr.startswith("httpx: ConnectError: could not connect to 127.0.0.1:1: ")
    assert ours.stderr.count("\n") == 1
    documented("Errors go to stderr, on one line", "7 connection refused")


def test_timeout(server: UvicornServer, tmp_path: Path) -> None:
    url = server.url + "slow_headers?delay=2"
    reference, ours = both(url, "--timeout", "0.3", cwd=tmp_path)
    assert (reference.code, reference.stdout) == (1, "ReadTimeout: timed out\n")
    assert ours.code == 28
    assert ours.stderr.startswith("httpx: ReadTimeout: timed out after 0.3 s ")
    documented("28 timeout")


def test_usage_errors(server: UvicornServer, tmp_path: Path) -> None:
    for args in ((server.url, "-j", "{bad"), (server.url, "--bogus"), ()):
        reference, ours = both(*args, cwd=tmp_path)
        assert reference.code == ours.code == 2
        assert reference.stderr.startswith("Usage: httpx [OPTIONS] URL\n")
        error = reference.stderr.splitlines()[-1].removeprefix("Error: ")
        assert ours.stderr.startswith(f"httpx: {error}".rstrip("."))
        assert ours.stderr.endswith(" (see 'httpx --help')\n")
    documented("A usage error is one line too, ending with `(see 'httpx --help')`")


def test_binary_body(server: UvicornServer, tmp_path: Path) -> None:
    reference, ours = both(server.url + "bytes/20", cwd=tmp_path)
    assert reference.stdout.endswith("\n<20 bytes of binary data>\n")
    assert ours.stdout.endswith(
        "\n<binary body: 20 bytes, application/octet-stream; not shown, save it with "
        "--download FILE>\n"
    )
    assert ours.stdout.partition("<")[0] == reference.stdout.partition("<")[0]
    documented("**Binary bodies** are summarised as `<binary body: N bytes, TYPE;")


def test_download(server: UvicornServer, tmp_path: Path) -> None:
    reference, ours = both(server.url + "bytes/3000", "--download", "out.bin", cwd=tmp_path)
    assert reference.code == ours.code == 0
    saved = [(tmp_path / side / "out.bin").read_bytes() for side in ("reference", "ours")]
    assert saved[0] == saved[1] and len(saved[0]) == 3000
    # httpx draws the progress bar on stdout, after the headers; ours on stderr.
    assert "Downloading out.bin" in reference.stdout and reference.stderr == ""
    assert ours.stdout == reference.stdout.partition("\n\nDownloading")[0] + "\n"
    assert ours.stderr.splitlines()[-1] == "Saved 3.0 kB to out.bin"
    # A non-2xx response: neither saves it; ours says why, with its exit status.
    reference, ours = both(server.url + "status/404", "--download", "out.bin", cwd=tmp_path)
    assert (reference.code, ours.code) == (1, 22)
    assert ours.stderr == "httpx: out.bin not saved: the server answered 404 Not Found\n"
    documented("**`--download`**: the progress bar is on stderr", "exits with 22")


def test_repeated_form_field(server: UvicornServer, tmp_path: Path) -> None:
    reference, ours = both(server.url + "echo", "-d", "a", "1", "-d", "a", "2", cwd=tmp_path)
    assert '"body": "a=2"' in reference.stdout
    assert '"body": "a=1&a=2"' in ours.stdout
    documented("`-d NAME VALUE` given twice with one name sends both values")


def test_no_verify(tls_server: HypercornServer, tmp_path: Path) -> None:
    url = tls_server.url + "json"
    reference, ours = both(url, cwd=tmp_path)  # an untrusted (test CA) certificate
    assert reference.code == 1 and "CERTIFICATE_VERIFY_FAILED" in reference.stdout
    assert ours.code == 60 and "CERTIFICATE_VERIFY_FAILED" in ours.stderr
    reference, ours = both(url, "--no-verify", cwd=tmp_path)
    assert reference.code == 1 and "CERTIFICATE_VERIFY_FAILED" in reference.stdout
    assert ours.code == 0 and '"Hello": "world!"' in ours.stdout
    documented("`--no-verify` really skips certificate verification")


def test_streamed_body_ends_without_an_extra_line(server: UvicornServer, tmp_path: Path) -> None:
    reference, ours = both(server.url + "stream/2", cwd=tmp_path)
    assert reference.stdout == ours.stdout + "\n"
    documented("a streamed body is not followed by an extra empty line")
