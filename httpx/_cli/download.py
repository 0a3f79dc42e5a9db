"""`httpx --download FILE`: stream a response body into a file, atomically, with progress.

The body goes into a temporary file next to the target (same directory, hence the same
file system, which is what makes the final rename atomic), is flushed and fsynced, and is
then renamed onto the target with `os.replace`. Whatever goes wrong before that rename
(a network error, Ctrl-C, a full disk) the temporary file is removed: the target name
either keeps what it had before or gets the whole new body, never a partial one.

Needs the `cli` extra (rich); only the command (`httpx._cli.command`) imports it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import time
import typing
from collections.abc import Iterator
from pathlib import Path

import rich.console
import rich.filesize
import rich.markup
import rich.progress
import rich.text

from .._models import Response

__all__ = [
    "DownloadWriteError",
    "atomic_file",
    "download_response",
    "temporary_name",
    "write_chunk",
]

# O_EXCL: never open a file someone else created under our temporary name (or a symlink
# planted there). O_CLOEXEC: a child process must not inherit the descriptor.
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
_CREATE_ATTEMPTS = 100
# The body is written as it arrives (whatever chunk sizes the network gives), and the
# progress bar is updated at most this often: by time, not by size, so that a slow
# stream moves the bar as soon as its first bytes arrive, and a fast one with many small
# chunks does not spend its time redrawing.
PROGRESS_INTERVAL = 0.1  # seconds


class DownloadWriteError(Exception):
    """Writing, syncing or renaming the download file failed (an `OSError` underneath)."""


_INTERRUPTS = {signal.SIGINT, signal.SIGTERM}


def temporary_name(target: Path) -> Path:
    """A hidden sibling of `target`, unlikely to collide: `.NAME.<random>.part`."""
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")


def _create_temporary(target: Path) -> tuple[int, Path]:
    for _ in range(_CREATE_ATTEMPTS):
        candidate = temporary_name(target)
        try:
            # Mode 0o666 minus the umask: the file gets the permissions any new file of
            # the user's would get (tempfile's would be 0o600).
            return os.open(candidate, _CREATE_FLAGS, 0o666), candidate
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file next to {target}")


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX keeps directory entries in the directory)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:  # platforms where directories cannot be opened (Windows)
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def atomic_file(target: Path) -> Iterator[typing.BinaryIO]:
    """A file to write that appears under `target` only if the block completes.

    File system failures of its own (creating, syncing, renaming) become
    `DownloadWriteError`; exceptions raised by the block pass through unchanged.
    """
    try:
        descriptor, temporary = _create_temporary(target)
    except OSError as exc:
        raise DownloadWriteError(f"could not create a file next to {target}: {exc}") from exc
    try:
        with os.fdopen(descriptor, "wb") as file:
            yield file
            try:
                file.flush()
                os.fsync(file.fileno())
            except OSError as exc:
                raise DownloadWriteError(f"could not write {target}: {exc}") from exc
        try:
            os.replace(temporary, target)
        except OSError as exc:
            raise DownloadWriteError(f"could not rename the download to {target}: {exc}") from exc
    except BaseException:  # Ctrl-C too: no partial file may survive
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(target.parent)


def write_chunk(file: typing.BinaryIO, chunk: bytes, target: Path) -> None:
    try:
        file.write(chunk)
    except OSError as exc:  # a full disk, a quota, an I/O error
        raise DownloadWriteError(f"could not write {target}: {exc}") from exc


def _content_length(response: Response) -> int | None:
    value = response.headers.get("Content-Length")
    return int(value) if value is not None and value.isdigit() else None


class SpeedColumn(rich.progress.ProgressColumn):
    """Transfer speed: rich's recent-samples speed, else the average since the start.

    rich needs two progress samples for a speed; a body that arrives in one chunk would
    show "?" for ever without the average.
    """

    def render(self, task: rich.progress.Task) -> rich.text.Text:
        speed = task.finished_speed or task.speed
        elapsed = task.elapsed
        if speed is None and elapsed and task.completed:
            speed = task.completed / elapsed
        if speed is None:
            return rich.text.Text("?", style="progress.data.speed")
        return rich.text.Text(
            f"{rich.filesize.decimal(int(speed))}/s", style="progress.data.speed"
        )


@contextlib.contextmanager
def _progress(console: rich.console.Console) -> Iterator[rich.progress.Progress]:
    progress = rich.progress.Progress(
        rich.progress.TextColumn("[progress.description]{task.description}"),
        rich.progress.BarColumn(bar_width=None),
        rich.progress.TaskProgressColumn(),
        rich.progress.DownloadColumn(),
        SpeedColumn(),
        rich.progress.TimeRemainingColumn(),
        console=console,
    )
    # rich redraws from a thread of its own. A Ctrl-C that the kernel delivers to that
    # thread does not interrupt the main thread's blocking read, which would then sit
    # until the read timeout; threads inherit the signal mask, so the redraw thread is
    # started with SIGINT and SIGTERM blocked and only the main thread receives them.
    blockable = hasattr(signal, "pthread_sigmask")
    if blockable:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, _INTERRUPTS)
    try:
        progress.start()
    finally:
        if blockable:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    try:
        yield progress
    finally:
        progress.stop()


def download_response(
    response: Response,
    target: Path,
    console: rich.console.Console,
    clock: typing.Callable[[], float] = time.monotonic,
) -> int:
    """Stream the body of `response` into `target`; return the number of bytes written.

    Progress counts bytes as they arrive on the wire (`num_bytes_downloaded`), which is
    what Content-Length measures even when the body is compressed; it is updated at most
    every PROGRESS_INTERVAL seconds of `clock`. Raises the request's own errors
    unchanged, and `DownloadWriteError` when the file system fails us.
    """
    written = 0
    with atomic_file(target) as file, _progress(console) as progress:
        task = progress.add_task(
            f"Downloading [bold]{rich.markup.escape(target.name)}",
            # Without Content-Length the size is unknown: an indeterminate bar.
            total=_content_length(response),
        )
        next_update = clock()
        for chunk in response.iter_bytes():  # each piece as soon as it arrives
            write_chunk(file, chunk, target)
            written += len(chunk)
            now = clock()
            if now >= next_update:
                progress.update(task, completed=response.num_bytes_downloaded)
                next_update = now + PROGRESS_INTERVAL
        # The bar ends full, also when the size was unknown up front or the last
        # pieces came within PROGRESS_INTERVAL of an update.
        downloaded = response.num_bytes_downloaded
        progress.update(task, total=downloaded, completed=downloaded)
    console.print(
        f"Saved {rich.filesize.decimal(written)} to {rich.markup.escape(str(target))}",
        highlight=False,
    )
    return written
