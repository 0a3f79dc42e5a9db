"""Smoke test of an installed httpx, run by scripts/install_matrix.py inside each venv.

    <venv>/bin/python -I scripts/install_smoke.py '<json config>'

The config names the local servers (started by the caller), the extras installed in this
venv and all the extras the project declares. For each optional feature, the check is
either that the feature works (its extra is installed) or that using it fails with the
message httpx 0.28.1 gives without that extra (and that plain use never needs it).
Prints {"checks": [{"name", "ok", "detail"}, ...]} as JSON on stdout; exits 0 even when
a check fails (the caller reports), and non-zero only if this script itself breaks.

Standard library and httpx only: it runs on every Python the matrix covers (3.10+).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import ssl
import subprocess
import sys
import time
import traceback
import typing
from collections.abc import Callable

# Word for word what httpx 0.28.1 says when a feature's extra is missing.
MISSING_H2 = (
    "Using http2=True, but the 'h2' package is not installed. "
    "Make sure to install httpx using `pip install httpx[http2]`."
)
MISSING_SOCKSIO = (
    "Using SOCKS proxy, but the 'socksio' package is not installed. "
    "Make sure to install httpx using `pip install httpx[socks]`."
)
MISSING_TRUSTSTORE = (
    "The operating system's trust store needs the 'truststore' package. "
    "Make sure to install httpx using `pip install httpx[truststore]`."
)
MISSING_WSPROTO = (
    "Using WebSockets, but the 'wsproto' package is not installed. "
    "Make sure to install httpx using `pip install httpx[ws]`."
)
MISSING_CLI = (
    "The httpx command line client could not run because the required dependencies were "
    "not installed.\nMake sure you've installed everything with: pip install 'httpx[cli]'\n"
)
# Optional packages, by the extra that brings them; none may be imported by `import httpx`.
OPTIONAL_MODULES = {
    "brotli": ("brotli", "brotlicffi"),
    "cli": ("click", "rich", "pygments"),
    "http2": ("h2",),
    "socks": ("socksio",),
    "speedups": ("httptools",),
    "truststore": ("truststore",),
    "ws": ("wsproto",),
    "zstd": ("zstandard",),
}
# Loaded by httpcore when installed, and httpcore is imported by httpx's transports at
# import time (today): reported, not failed, until the transport layer imports it lazily.
LOADED_BY_HTTPCORE = ("h2", "socksio")
TIMEOUT = 10.0

Check = Callable[[], None]
checks: list[dict[str, object]] = []
notes: list[str] = []  # what the running check wants reported beside "ok"


def note(text: str) -> None:
    notes.append(text)


def check(name: str) -> Callable[[Check], Check]:
    """Decorator: run the function now, record ok/failure and its detail."""

    def run(function: Check) -> Check:
        started = time.monotonic()
        ok, notes[:] = True, []
        try:
            function()
        except Exception:
            ok = False
            note(traceback.format_exc(limit=3))
        seconds = round(time.monotonic() - started, 3)
        checks.append({"name": name, "ok": ok, "detail": "; ".join(notes), "seconds": seconds})
        return function

    return run


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def expect_import_error(function: Callable[[], object], message: str) -> None:
    try:
        function()
    except ImportError as exc:
        assert str(exc) == message, f"message was {str(exc)!r}"
        return
    raise AssertionError("no ImportError")


def main(config: dict[str, typing.Any]) -> None:
    extras = set(config["extras"])
    http_url = config["http_url"]

    before = set(sys.modules)
    started = time.monotonic()
    import httpx

    checks.append(
        {
            "name": "import",
            "ok": True,
            "detail": "",
            "seconds": round(time.monotonic() - started, 3),
        }
    )

    loaded_at_import = set(sys.modules) - before

    @check("location")
    def check_location() -> None:
        # The installed package, not a checkout somewhere on sys.path.
        venv = os.path.realpath(config["venv"])
        assert os.path.realpath(httpx.__file__).startswith(venv + os.sep), httpx.__file__
        note(httpx.__version__)

    @check("lazy-imports")
    def check_lazy_imports() -> None:
        eager = sorted(
            module
            for modules in OPTIONAL_MODULES.values()
            for module in modules
            if module in loaded_at_import and module not in LOADED_BY_HTTPCORE
        )
        assert not eager, f"`import httpx` imported {eager}"
        via_httpcore = [module for module in LOADED_BY_HTTPCORE if module in loaded_at_import]
        if via_httpcore:
            note(f"via httpcore: {via_httpcore}")

    @check("extras-absent")
    def check_extras_absent() -> None:
        # The venv really lacks what it should lack (else the "absent" checks prove little).
        for extra, modules in OPTIONAL_MODULES.items():
            if extra in config["all_extras"] and extra not in extras:
                present = [module for module in modules if installed(module)]
                assert not present, f"{extra} is not installed, yet {present} are"

    @check("http1.1")
    def check_http11() -> None:
        response = httpx.get(http_url + "echo?install=matrix", timeout=TIMEOUT)
        assert response.status_code == 200, response
        assert response.http_version == "HTTP/1.1"
        assert response.json()["query"] == {"install": ["matrix"]}, response.text

    @check("asyncio")
    def check_asyncio_client() -> None:
        async def fetch() -> httpx.Response:
            async with httpx.AsyncClient(timeout=TIMEOUT) as client:
                return await client.get(http_url + "json")

        response = asyncio.run(fetch())
        assert response.status_code == 200 and response.json() == {"Hello": "world!"}

    if "http2" in config["all_extras"]:

        @check("http2" if "http2" in extras else "http2-missing")
        def check_http2() -> None:
            if "http2" not in extras:
                expect_import_error(lambda: httpx.Client(http2=True), MISSING_H2)
                expect_import_error(lambda: httpx.AsyncClient(http2=True), MISSING_H2)
                return
            context = ssl.create_default_context(cafile=config["ca_file"])
            with httpx.Client(http2=True, verify=context, timeout=TIMEOUT) as client:
                response = client.get(config["https_url"] + "json")
            assert response.http_version == "HTTP/2", response.http_version
            assert response.json() == {"Hello": "world!"}

    if "socks" in config["all_extras"]:

        @check("socks" if "socks" in extras else "socks-missing")
        def check_socks() -> None:
            proxy = config["socks5_url"]
            if "socks" not in extras:
                expect_import_error(lambda: httpx.Client(proxy=proxy), MISSING_SOCKSIO)
                expect_import_error(lambda: httpx.AsyncClient(proxy=proxy), MISSING_SOCKSIO)
                return
            response = httpx.get(http_url + "json", proxy=proxy, timeout=TIMEOUT)
            assert response.status_code == 200 and response.json() == {"Hello": "world!"}

    for extra, coding, path in (("brotli", "br", "brotli"), ("zstd", "zstd", "zstd")):
        if extra not in config["all_extras"]:
            continue

        @check(extra if extra in extras else f"{extra}-missing")
        def check_compressed(extra: str = extra, coding: str = coding, path: str = path) -> None:
            accept = httpx.Client().headers["accept-encoding"]
            response = httpx.get(http_url + path, timeout=TIMEOUT)
            assert response.headers["content-encoding"] == coding
            if extra in extras:
                assert coding in accept.split(", "), accept
                assert response.text == config["compressed_text"]
            else:
                # Not advertised; a server that uses it anyway gets its body passed
                # through undecoded, as httpx does.
                assert coding not in accept.split(", "), accept
                assert response.content and response.text != config["compressed_text"]

    if "cli" in config["all_extras"]:

        @check("cli" if "cli" in extras else "cli-missing")
        def check_cli() -> None:
            script = os.path.join(os.path.dirname(sys.executable), "httpx")

            def run(*arguments: str) -> subprocess.CompletedProcess[str]:
                return subprocess.run(
                    arguments, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
                )

            if "cli" not in extras:
                for command in ([script, http_url], [sys.executable, "-m", "httpx", "--help"]):
                    completed = run(*command)
                    assert completed.returncode == 1, completed
                    assert completed.stdout == MISSING_CLI, completed.stdout
                return
            # The console script, and `python -m httpx` (each process costs ~1 s: rich).
            completed = run(script, "--help")
            assert completed.returncode == 0 and "Usage" in completed.stdout, completed
            completed = run(sys.executable, "-m", "httpx", http_url + "json")
            assert completed.returncode == 0, completed
            assert '"Hello": "world!"' in completed.stdout, completed.stdout

    if "speedups" in config["all_extras"]:

        @check("speedups" if "speedups" in extras else "speedups-missing")
        def check_speedups() -> None:
            # With httptools installed the HTTP/1.1 responses above were parsed by it
            # (chosen automatically); without it, h11 did the work.
            used = "httptools" in sys.modules
            assert used == ("speedups" in extras), f"httptools imported: {used}"

    if "truststore" in config["all_extras"]:

        @check("truststore" if "truststore" in extras else "truststore-missing")
        def check_truststore() -> None:
            if "truststore" not in extras:
                expect_import_error(httpx.system_trust_store, MISSING_TRUSTSTORE)
                return
            context = httpx.system_trust_store()
            assert isinstance(context, ssl.SSLContext), context
            assert type(context).__module__.startswith("truststore"), type(context)
            with httpx.Client(verify=context, timeout=TIMEOUT) as client:
                response = client.get(http_url + "json")  # the context is accepted
            assert response.status_code == 200

    if "ws" in config["all_extras"]:

        @check("ws" if "ws" in extras else "ws-missing")
        def check_websocket() -> None:
            with httpx.Client(timeout=TIMEOUT) as client:
                if "ws" not in extras:
                    expect_import_error(
                        lambda: client.websocket(config["ws_url"] + "echo").__enter__(),
                        MISSING_WSPROTO,
                    )
                    return
                with client.websocket(config["ws_url"] + "echo") as session:
                    session.send_text("hello")
                    assert session.receive_text() == "hello"


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
    print(json.dumps({"checks": checks}))
