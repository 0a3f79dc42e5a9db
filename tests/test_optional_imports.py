"""Optional packages are imported when first needed, and missing ones fail only when used.

`import httpx` must work with only the required dependencies installed and must not pay
for optional ones (brotli, zstandard, click/rich/pygments, ...): each test runs a fresh
interpreter, because this process has long imported all of them. The install matrix
(tests/project/test_install_matrix.py) checks the same against real installs without extras;
here packages are made missing by running on a copy of site-packages without them,
which is quick.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

# Never imported by `import httpx` (some are not installed at all: then trivially true,
# until an extra brings them in).
LAZY_PACKAGES = (
    "brotli",
    "brotlicffi",
    "zstandard",
    "click",
    "rich",
    "pygments",
    "httptools",
    "wsproto",
    "truststore",
)
# Imported by httpcore (its HTTP/2 and SOCKS modules, when installed), which is imported
# with the first transport (as httpx 0.28 does), not by `import httpx`.
VIA_HTTPCORE = ("h2", "hpack", "hyperframe", "socksio", "httpcore", "h11", "trio")

REPO = Path(__file__).resolve().parents[1]


def site_packages_without(packages: tuple[str, ...], directory: Path) -> Path:
    """A copy (by symlinks) of this venv's site-packages in which `packages` are missing,
    as if never installed: `importlib.util.find_spec` returns None for them."""
    (site_packages,) = [Path(path) for path in sys.path if path.endswith("site-packages")][:1]
    directory.mkdir()
    for entry in site_packages.iterdir():
        # "h2", "h2-4.4.1.dist-info", "brotli.py", "_brotli.cpython-311-....so", ...
        stem = entry.name.lstrip("_").split(".")[0].split("-")[0].lower()
        if stem not in packages:
            (directory / entry.name).symlink_to(entry)
    return directory


def run_python(code: str, without: Path | None = None) -> str:
    """Run `code` in a fresh interpreter; its stdout. With `without` (a directory made by
    `site_packages_without`), that directory replaces site-packages."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONWARNINGS"}
    command = [sys.executable, "-c", textwrap.dedent(code)]
    if without is not None:
        # -S: no site-packages (nor .pth files, the editable install's among them): the
        # repository and the reduced copy are the whole import path.
        command[1:1] = ["-S"]
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(without)])
    completed = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def modules_after_import_httpx() -> set[str]:
    output = run_python("import httpx, json, sys; print(json.dumps(sorted(sys.modules)))")
    return set(json.loads(output))


def test_import_httpx_loads_no_optional_package() -> None:
    loaded = modules_after_import_httpx()
    assert [name for name in LAZY_PACKAGES if name in loaded] == []
    # Nor the command line client (it is loaded by `httpx.main`, on first access).
    assert [
        name for name in loaded if name.split(".")[:2] in (["httpx", "_cli"], ["httpx", "_main"])
    ] == []


def test_import_httpx_loads_neither_h2_nor_socksio() -> None:
    loaded = modules_after_import_httpx()
    assert [name for name in VIA_HTTPCORE if name in loaded] == []


# Required packages and our own subpackages that `import httpx` leaves for first use, as
# httpx 0.28 does for the packages (it imports none of these up front): anyio with the
# first async wait, certifi with the first verifying SSL context, netrc with NetRCAuth,
# the SSE and WebSocket packages with the first stream or session, or the first access
# to one of their names (`httpx.EventSource`, `httpx.WebSocketSession`, ...); our retry
# policy and timings, and the mock and WSGI transports, with their first use or name
# (`httpx.Retry`, `httpx.MockTransport`, ...); importlib.util not at all.
LOADED_ON_FIRST_USE = (
    "anyio",
    "sniffio",
    "certifi",
    "netrc",
    "shlex",
    "httpx._ws",
    "httpx._sse",
    "httpx._retry",
    "httpx._timings",
    "httpx._transports.mock",
    "httpx._transports.wsgi",
    "importlib.util",
)


def test_import_httpx_leaves_what_it_can_for_first_use() -> None:
    loaded = modules_after_import_httpx()
    assert [name for name in LOADED_ON_FIRST_USE if name in loaded] == []


def test_websocket_names_load_on_first_access_and_read_as_httpx() -> None:
    output = run_python(
        """
        import sys

        import httpx

        before = "httpx._ws" in sys.modules
        from httpx._ws._errors import WebSocketDisconnect  # reached before httpx.X is

        print(before, repr(WebSocketDisconnect), httpx.WebSocketSession.__module__)
        """
    )
    assert output.split() == ["False", "<class", "'httpx.WebSocketDisconnect'>", "httpx"]


LAZY_PUBLIC_CLASSES = {
    "Retry": "httpx._retry",
    "Timings": "httpx._timings",
    "PoolStatus": "httpx._timings",
    "MockTransport": "httpx._transports.mock",
    "WSGITransport": "httpx._transports.wsgi",
    "ASGITransport": "httpx._transports.asgi",
    "HTTPTransport": "httpx._transports.default",
    "AsyncHTTPTransport": "httpx._transports.default",
}


def test_lazily_loaded_classes_read_as_httpx_however_imported() -> None:
    # Imported from their private modules before `httpx.X` is ever touched, they still
    # read as httpx 0.28 shows them (`<class 'httpx.MockTransport'>`), and are the very
    # objects `httpx.X` gives.
    output = run_python(
        f"""
        import importlib, json

        import httpx

        seen = {{}}
        for name, module in {LAZY_PUBLIC_CLASSES!r}.items():
            cls = getattr(importlib.import_module(module), name)
            seen[name] = [repr(cls), cls is getattr(httpx, name)]
        print(json.dumps(seen))
        """
    )
    assert json.loads(output) == {
        name: [f"<class 'httpx.{name}'>", True] for name in LAZY_PUBLIC_CLASSES
    }


def test_the_transport_machinery_loads_with_the_first_transport() -> None:
    output = run_python(
        """
        import json
        import sys

        import httpx

        seen = [sorted(name for name in ("httpcore", "h11") if name in sys.modules)]
        from httpx._transports.default import HTTPTransport  # the documented path works

        assert httpx.HTTPTransport is HTTPTransport
        assert repr(HTTPTransport) == "<class 'httpx.HTTPTransport'>"
        with httpx.Client() as client:
            assert type(client._transport) is HTTPTransport
        seen.append(sorted(name for name in ("httpcore", "h11") if name in sys.modules))
        print(json.dumps(seen))
        """
    )
    assert json.loads(output) == [[], ["h11", "httpcore"]]


def test_optional_packages_are_imported_on_first_use() -> None:
    output = run_python(
        """
        import json
        import sys

        import brotli, zstandard  # to make the bodies; dropped below
        body = {"br": brotli.compress(b"hi br"), "zstd": zstandard.compress(b"hi zstd")}
        for name in [name for name in sys.modules if name.startswith(("brotli", "zstandard"))]:
            del sys.modules[name]

        import httpx
        seen = []
        for coding in ("br", "zstd"):
            module = {"br": "brotli", "zstd": "zstandard"}[coding]
            before = module in sys.modules
            response = httpx.Response(
                200, headers={"content-encoding": coding}, content=body[coding]
            )
            seen.append([before, module in sys.modules, response.text])
        print(json.dumps(seen))
        """
    )
    assert json.loads(output) == [[False, True, "hi br"], [False, True, "hi zstd"]]


def test_without_optional_packages_features_fail_only_when_used(tmp_path: Path) -> None:
    """httpx 0.28.1's behaviour and messages without its extras (checked by hand against a
    plain `pip install httpx==0.28.1`; where httpx 0.28.1 lets "No module named 'h2'" out of
    an HTTP/2 connection, ours says which extra to install)."""
    missing = ("brotli", "brotlicffi", "zstandard", "h2", "socksio")
    output = run_python(
        """
        import json
        import sys

        import httpx

        assert httpx.__file__.startswith(REPO_PLACEHOLDER), httpx.__file__
        result = {"accept-encoding": httpx.Client().headers["accept-encoding"]}
        for name, make in [
            ("http2", lambda: httpx.Client(http2=True)),
            ("async-http2", lambda: httpx.AsyncClient(http2=True)),
            ("socks", lambda: httpx.Client(proxy="socks5://127.0.0.1:1080")),
            ("async-socks", lambda: httpx.AsyncClient(proxy="socks5://127.0.0.1:1080")),
        ]:
            try:
                make()
                result[name] = "no error"
            except ImportError as exc:
                result[name] = str(exc)
        # A transport is built without h2; it needs h2 only for an HTTP/2 connection
        # (here with prior knowledge, to a socket that accepts and stays silent).
        import asyncio
        import socket

        listener = socket.create_server(("127.0.0.1", 0))
        url = "http://127.0.0.1:%d/" % listener.getsockname()[1]
        transports = [httpx.HTTPTransport(http2=True), httpx.AsyncHTTPTransport(http2=True)]
        result["transports"] = [type(transport).__name__ for transport in transports]
        try:
            with httpx.Client(transport=httpx.HTTPTransport(http1=False, http2=True)) as c:
                c.get(url)
        except ModuleNotFoundError as exc:  # (as httpx 0.28.1, with a clearer message)
            result["http2-used"] = str(exc)

        async def use_async() -> None:
            transport = httpx.AsyncHTTPTransport(http1=False, http2=True)
            async with httpx.AsyncClient(transport=transport) as client:
                await client.get(url)

        try:
            asyncio.run(use_async())
        except ModuleNotFoundError as exc:
            result["async-http2-used"] = str(exc)
        listener.close()
        # A body in a coding we cannot decode is passed through as it came.
        for coding in ("br", "zstd"):
            response = httpx.Response(
                200, headers={"content-encoding": coding}, content=b"\\x8b\\x02\\x80hi"
            )
            result[coding] = response.content.hex()
        assert [name for name in MISSING if name in sys.modules] == []
        print(json.dumps(result))
        """.replace("MISSING", repr(missing)).replace("REPO_PLACEHOLDER", repr(str(REPO))),
        without=site_packages_without(missing, tmp_path / "site-packages"),
    )
    h2_message = (
        "Using http2=True, but the 'h2' package is not installed. "
        "Make sure to install httpx using `pip install httpx[http2]`."
    )
    socks_message = (
        "Using SOCKS proxy, but the 'socksio' package is not installed. "
        "Make sure to install httpx using `pip install httpx[socks]`."
    )
    assert json.loads(output) == {
        "accept-encoding": "gzip, deflate",
        "http2": h2_message,
        "async-http2": h2_message,
        "transports": ["HTTPTransport", "AsyncHTTPTransport"],
        "http2-used": h2_message,
        "async-http2-used": h2_message,
        "socks": socks_message,
        "async-socks": socks_message,
        "br": "8b02806869",
        "zstd": "8b02806869",
    }
