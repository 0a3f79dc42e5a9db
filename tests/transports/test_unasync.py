"""scripts/unasync.py: the sync twins of the async transport modules are generated, and
`--check` (run by scripts/check) fails when a generated file is stale or edited by hand."""

from __future__ import annotations

import importlib.util
import pathlib
import shutil
import types

ROOT = pathlib.Path(__file__).resolve().parents[2]


def load_unasync(root: pathlib.Path) -> types.ModuleType:
    """scripts/unasync.py as a module whose ROOT is `root`."""
    spec = importlib.util.spec_from_file_location(
        "unasync_under_test", ROOT / "scripts/unasync.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    vars(module)["ROOT"] = root
    return module


def test_generated_files_are_current() -> None:
    unasync = load_unasync(ROOT)
    assert unasync.FILES, "nothing is generated?"
    assert unasync.main(["--check"]) == 0


def test_check_fails_on_an_edited_generated_file(tmp_path: pathlib.Path, capsys: object) -> None:
    unasync = load_unasync(tmp_path)
    for async_path, sync_path in unasync.FILES:
        for path in (async_path, sync_path):
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / path, tmp_path / path)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / ".venv/bin").mkdir(parents=True)
    (tmp_path / ".venv/bin/ruff").symlink_to(ROOT / ".venv/bin/ruff")
    assert unasync.main(["--check"]) == 0

    _, generated = unasync.FILES[0]
    target = tmp_path / generated
    target.write_text(target.read_text().replace("def ", "def  ", 1))  # a hand edit
    assert unasync.main(["--check"]) == 1
    assert f"{generated} is out of date" in capsys.readouterr().err  # type: ignore[attr-defined]

    assert unasync.main([]) == 0  # regenerating repairs it
    assert unasync.main(["--check"]) == 0
    assert target.read_text() == (ROOT / generated).read_text()


def test_the_sync_twin_of_async_code() -> None:
    unasync = load_unasync(ROOT)
    source = (
        "from .async_primitives import AsyncLock\n"
        "class AsyncThing:\n"
        "    async def aclose(self) -> None:\n"
        "        async with AsyncLock():\n"
        "            await self._stream.aclose()\n"
    )
    twin = unasync.unasync_source(source, "async_thing.py")
    assert "from .sync_primitives import Lock" in twin
    assert "class Thing:" in twin and "def close(self) -> None:" in twin
    assert "with Lock():" in twin and "self._stream.close()" in twin
    assert "async" not in twin.split("\n", 2)[2] and "await" not in twin
