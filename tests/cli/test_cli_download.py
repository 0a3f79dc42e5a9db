"""`httpx --download FILE`: progress output, and atomicity (no partial file, ever).

The download streams into a hidden temporary file next to the target and is renamed onto
it only once complete; these tests check the target directory afterwards, so a leftover
temporary file fails them as surely as a partial target.
"""

from __future__ import annotations

import io
import os
import re
import typing
from pathlib import Path
from typing import Any

import pytest
import rich.console
import rich.progress

import httpx
from httpx._cli.download import (
    PROGRESS_INTERVAL,
    DownloadWriteError,
    atomic_file,
    download_response,
    temporary_name,
    write_chunk,
)
from tests.cli.test_main import run, run_failing, split_output

if typing.TYPE_CHECKING:
    from tests.servers.faults import FaultServer
    from tests.servers.run import UvicornServer

EXPECTED_5000 = (bytes(range(256)) * 20)[:5000]


def entries(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


# --- downloads that succeed --------------------------------------------------------------


def test_download_writes_the_file_and_shows_progress(
    server: UvicornServer, tmp_path: Path
) -> None:
    target = tmp_path / "out.bin"
    result = run(server.url_for("/bytes/5000"), "--download", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == EXPECTED_5000
    assert entries(tmp_path) == ["out.bin"]  # no temporary file left behind
    # stdout: the response headers only, no body and no binary-data note.
    blocks, body = split_output(result.stdout)
    assert blocks[0][0] == "HTTP/1.1 200 OK"
    assert body == ""
    # stderr: the progress bar's final state (name, bar, percent, size, speed, time
    # left), then where the file went.
    progress, saved = result.stderr.splitlines()
    assert re.fullmatch(
        r"Downloading out\.bin ━+ 100% 5\.0/5\.0 kB [\d.]+ [kMG]?B/s 0:00:00", progress
    ), progress
    assert saved == f"Saved 5.0 kB to {target}"


def test_download_without_content_length(server: UvicornServer, tmp_path: Path) -> None:
    target = tmp_path / "chunked.bin"
    result = run(server.url_for("/bytes/1000?chunk_size=100"), "--download", str(target))
    assert result.exit_code == 0, result.output
    assert "content-length" not in result.stdout.lower()
    assert target.read_bytes() == (bytes(range(256)) * 4)[:1000]
    assert entries(tmp_path) == ["chunked.bin"]
    assert "100% 1.0/1.0 kB" in result.stderr  # the bar ends full once the size is known


def test_download_saves_the_decoded_body(server: UvicornServer, tmp_path: Path) -> None:
    target = tmp_path / "data.json"
    plain = run(server.url_for("/gzip"))
    result = run(server.url_for("/gzip"), "--download", str(target))
    assert result.exit_code == 0
    assert target.read_text().startswith("{")
    assert target.read_text().replace(" ", "").replace("\n", "") == (
        split_output(plain.stdout)[1].replace(" ", "").replace("\n", "")
    )


def test_download_replaces_an_existing_file(server: UvicornServer, tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old contents")
    result = run(server.url_for("/bytes/5000"), "--download", str(target))
    assert result.exit_code == 0
    assert target.read_bytes() == EXPECTED_5000
    assert entries(tmp_path) == ["out.bin"]


def test_downloaded_file_gets_the_usual_permissions(server: UvicornServer, tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    previous = os.umask(0o027)
    try:
        result = run(server.url_for("/bytes/10"), "--download", str(target))
    finally:
        os.umask(previous)
    assert result.exit_code == 0
    assert target.stat().st_mode & 0o777 == 0o640  # 0o666 minus the umask, like any new file


def test_download_with_verbose_still_shows_the_exchange(
    server: UvicornServer, tmp_path: Path
) -> None:
    target = tmp_path / "out.bin"
    result = run(server.url_for("/bytes/10"), "--download", str(target), "-v")
    assert result.exit_code == 0
    assert "GET /bytes/10 HTTP/1.1" in result.stdout
    assert target.read_bytes() == bytes(range(10))


# --- downloads that fail leave nothing under the target name -----------------------------


def test_server_dropping_mid_body_leaves_no_file(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    target = tmp_path / "out.bin"
    result = run(fault_server.url_for_mode("close-mid-body"), "--download", str(target))
    assert result.exit_code == 8
    assert result.stdout.startswith("HTTP/1.1 200 OK\n")
    assert result.stderr.splitlines()[-1].startswith(
        "httpx: RemoteProtocolError: invalid or incomplete response from 127.0.0.1:"
    )
    assert "received 10 bytes, expected 1000" in result.stderr
    assert entries(tmp_path) == []


def test_server_dropping_mid_body_keeps_the_previous_file(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"previous download")
    result = run(fault_server.url_for_mode("close-mid-body"), "--download", str(target))
    assert result.exit_code == 8
    assert target.read_bytes() == b"previous download"
    assert entries(tmp_path) == ["out.bin"]


def test_stalled_body_times_out_and_leaves_no_file(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    target = tmp_path / "out.bin"
    result = run(
        fault_server.url_for_mode("stall-body"), "--download", str(target), "--timeout", "0.3"
    )
    assert result.exit_code == 28
    assert result.stderr.splitlines()[-1].startswith("httpx: ReadTimeout: timed out after 0.3 s")
    assert entries(tmp_path) == []


@pytest.mark.parametrize("fail", [False, True])
def test_error_status_is_not_saved_and_exits_22(
    server: UvicornServer, tmp_path: Path, fail: bool
) -> None:
    target = tmp_path / "out.bin"
    args = [server.url_for("/status/404"), "--download", str(target)]
    result = run(*args, "--fail") if fail else run(*args)
    assert result.exit_code == 22
    assert result.stdout.startswith("HTTP/1.1 404 Not Found\n")
    assert result.stderr == f"httpx: {target} not saved: the server answered 404 Not Found\n"
    assert entries(tmp_path) == []


def test_error_body_is_shown_instead_of_saved(server: UvicornServer, tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    result = run(server.url_for("/status/418"), "--download", str(target))
    assert result.exit_code == 22
    assert split_output(result.stdout)[0][0][0].startswith("HTTP/1.1 418")
    assert entries(tmp_path) == []


def test_redirect_is_not_saved_unless_followed(server: UvicornServer, tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    message = run_failing(server.url_for("/redirect/1"), "--download", str(target), exit_code=22)
    assert (
        message
        == f"{target} not saved: the server answered 302 Found (--follow-redirects follows it)"
    )
    assert entries(tmp_path) == []

    result = run(server.url_for("/redirect/1"), "--download", str(target), "--follow-redirects")
    assert result.exit_code == 0
    assert b'"path": "/echo"' in target.read_bytes().replace(b'"path":"', b'"path": "')


def test_connection_refused_creates_nothing(fault_server: FaultServer, tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    run_failing(fault_server.refused_url, "--download", str(target), exit_code=7)
    assert entries(tmp_path) == []


# --- the target is checked before anything is sent ---------------------------------------


def test_directory_as_target_is_a_usage_error(tmp_path: Path) -> None:
    message = run_failing("http://127.0.0.1:9/", "--download", str(tmp_path), exit_code=2)
    assert message.startswith(f"Invalid value for '--download': {str(tmp_path)!r} is a directory")


def test_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "absent" / "out.bin"
    message = run_failing("http://127.0.0.1:9/", "--download", str(target), exit_code=2)
    assert f"directory {str(tmp_path / 'absent')!r} does not exist" in message


# --- the atomic file, as a unit ----------------------------------------------------------


def test_atomic_file_appears_only_when_the_block_completes(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    with atomic_file(target) as file:
        file.write(b"complete")
        [temporary] = tmp_path.iterdir()
        assert temporary.name.startswith(".file.txt.") and temporary.name.endswith(".part")
        assert not target.exists()
    assert target.read_bytes() == b"complete"
    assert entries(tmp_path) == ["file.txt"]


@pytest.mark.parametrize("error", [RuntimeError("network"), KeyboardInterrupt()])
def test_atomic_file_removes_the_temporary_file_on_any_error(
    tmp_path: Path, error: BaseException
) -> None:
    target = tmp_path / "file.txt"
    target.write_bytes(b"before")
    with pytest.raises(type(error)):
        with atomic_file(target) as file:
            file.write(b"partial")
            raise error
    assert target.read_bytes() == b"before"
    assert entries(tmp_path) == ["file.txt"]


def test_temporary_names_are_hidden_siblings(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    names = {temporary_name(target) for _ in range(20)}
    assert len(names) == 20
    assert all(name.parent == tmp_path and name.name.startswith(".report.pdf.") for name in names)


def test_write_failure_becomes_download_write_error(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_bytes(b"")
    with open(target, "rb") as read_only:  # writing to it raises an OSError
        with pytest.raises(DownloadWriteError, match=f"could not write {re.escape(str(target))}"):
            write_chunk(read_only, b"data", target)


# --- progress as the bytes arrive ----------------------------------------------------------


class SteppingClock:
    """A monotonic clock that moves `step` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def record_progress(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int | None, float | None]]:
    """(completed, total) of every progress bar update, in order."""
    seen: list[tuple[int | None, float | None]] = []
    original = rich.progress.Progress.update

    def update(self: rich.progress.Progress, task_id: rich.progress.TaskID, **kw: Any) -> None:
        seen.append((kw.get("completed"), kw.get("total")))
        original(self, task_id, **kw)

    monkeypatch.setattr(rich.progress.Progress, "update", update)
    return seen


def trickling_response(pieces: int, size: int) -> httpx.Response:
    """A response whose body arrives in `pieces` small pieces (a slow stream)."""
    body = (bytes([index]) * size for index in range(pieces))
    return httpx.Response(200, headers={"Content-Length": str(pieces * size)}, content=body)


def test_progress_moves_with_each_piece_of_a_slow_stream(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Pieces far below 64 KiB, each arriving after more than PROGRESS_INTERVAL: the bar
    # must move with every one (it used to stay at 0 until 64 KiB had arrived).
    seen = record_progress(monkeypatch)
    target = tmp_path / "slow.bin"
    clock = SteppingClock(step=PROGRESS_INTERVAL * 2)
    console = rich.console.Console(file=io.StringIO())
    written = download_response(trickling_response(5, 100), target, console, clock=clock)
    assert written == 500
    assert target.read_bytes() == b"".join(bytes([i]) * 100 for i in range(5))
    assert seen == [(100, None), (200, None), (300, None), (400, None), (500, None), (500, 500)]


def test_progress_updates_are_throttled_by_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Many pieces within one PROGRESS_INTERVAL: one update for the first, then the bar
    # is only completed at the end, not redrawn per piece.
    seen = record_progress(monkeypatch)
    target = tmp_path / "fast.bin"
    clock = SteppingClock(step=PROGRESS_INTERVAL / 100)
    console = rich.console.Console(file=io.StringIO())
    written = download_response(trickling_response(50, 10), target, console, clock=clock)
    assert written == 500
    assert seen == [(10, None), (500, 500)]
