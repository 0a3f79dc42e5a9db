"""The documentation: a strict build, and every runnable example run.

Runnable examples — the convention
----------------------------------
A fenced block in docs/*.md is *runnable* when the line right before its opening fence
is the HTML comment ``<!-- run -->``. Markdown keeps the comment out of the rendered
page, and the fence keeps its own language, so the block is shown (and highlighted) like
any other::

    <!-- run -->
    ```python
    import httpx
    ```

- A ```python block is executed. It may use ``await`` at top level (as in
  ``python -m asyncio``); such a block runs as a coroutine on a fresh asyncio event loop.
- A ```pycon block (``>>>`` prompts and their output) runs as a doctest: the output
  shown must be the output produced. ``...`` in the output matches anything (ELLIPSIS),
  and whitespace differences are ignored (NORMALIZE_WHITESPACE).
- The runnable blocks of one page run in page order in ONE namespace (with
  ``__name__ == "__main__"``), so a block may use names defined by an earlier block of
  the same page. Each block is one test (id ``page.md:line``); running a single block
  first runs the page's earlier blocks. Environment variables set by a block are undone
  after it, logging configuration (of the httpx and httpcore loggers) after the page;
  every page runs in its own temporary working directory.
- A python/pycon block that must not run (it needs a real internet host, a proxy the
  reader owns, a file on the reader's machine...) says so, with a reason:
  ``<!-- no-run: needs a proxy you run -->``. A python or pycon block with neither
  marker fails ``test_every_python_block_is_marked``.

Servers: the examples talk to the example server users start with
``python -m examples.serve`` (examples/serve.py): ``http://127.0.0.1:8000`` (also reached
as ``http://localhost:8000``, the same server under another host name) and, over TLS with
HTTP/2, ``https://localhost:8443``. Here both serve the same application
(examples/httpbin_app.py) from local test servers on free ports: uvicorn for plain HTTP,
hypercorn for TLS, with the session's test CA trusted through ``SSL_CERT_FILE``. The
requests really cross the network stack: only the address the default transport
connects to is swapped (by wrapping ``HTTPTransport.handle_request`` and its async twin),
while the request keeps its URL and ``Host`` header. Examples that need no server use
``MockTransport``, ``WSGITransport`` or ``ASGITransport``.
"""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import doctest
import inspect
import logging
import os
import pathlib
import re
import ssl
import subprocess
import sys
import typing

import pytest

import httpx
from examples.httpbin_app import app as httpbin_app
from tests.servers.run import HypercornServer, UvicornServer

if typing.TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.servers.fixtures import TLSFiles

REPO = pathlib.Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"

RUN_MARKER = "<!-- run -->"
NO_RUN_MARKER = re.compile(r"<!-- no-run: \S.*-->")
_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
_RUNNABLE_LANGUAGES = ("python", "pycon")
# The example server's origins (examples/serve.py), and which local server stands in.
EXAMPLE_ORIGINS: dict[tuple[str, str, int | None], str] = {
    ("http", "127.0.0.1", 8000): "http",
    ("http", "localhost", 8000): "http",
    ("https", "localhost", 8443): "https",
}


@dataclasses.dataclass(frozen=True)
class Block:
    page: str
    line: int  # 1-based line of the opening fence
    language: str
    source: str
    marker: str | None  # the comment line before the fence, if any

    @property
    def runnable(self) -> bool:
        return self.marker == RUN_MARKER

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def parse_blocks(page: str, text: str) -> list[Block]:
    """Every fenced block of a page (not nested ones), with the marker line before it."""
    blocks: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if match is None:
            index += 1
            continue
        fence, indent = match["fence"], len(match["indent"])
        info = match["info"].strip()
        language = info.split()[0].lstrip("{.").rstrip("}") if info else ""
        previous = lines[index - 1].strip() if index > 0 else ""
        marker = previous if previous.startswith("<!--") else None
        body: list[str] = []
        end = index + 1
        while end < len(lines):
            closing = lines[end].strip()
            if closing.startswith(fence[0] * len(fence)) and set(closing) == {fence[0]}:
                break
            body.append(lines[end][indent:] if lines[end][:indent].isspace() else lines[end])
            end += 1
        blocks.append(Block(page, index + 1, language, "\n".join(body) + "\n", marker))
        index = end + 1
    return blocks


def all_blocks() -> list[Block]:
    blocks: list[Block] = []
    for path in sorted(DOCS.glob("*.md")):
        blocks += parse_blocks(path.name, path.read_text(encoding="utf-8"))
    return blocks


BLOCKS = all_blocks()
RUNNABLE = [block for block in BLOCKS if block.runnable]


# --- the build ---------------------------------------------------------------------------


def test_docs_build_strict(tmp_path: pathlib.Path) -> None:
    # CI builds the documentation through the test suite: warnings fail the build.
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "index.html").exists()
    # The API reference is generated from docstrings, not left empty.
    api = (tmp_path / "api" / "index.html").read_text(encoding="utf-8")
    for name in ("httpx.Client", "httpx.AsyncClient", "httpx.Response", "httpx.Timeout"):
        assert f'id="{name}"' in api, name


_NAV_ENTRY = re.compile(r"^\s*-\s*(?:[^:\n]+:\s*)?(\S+\.md)\s*$", re.MULTILINE)


def test_every_page_is_in_the_nav() -> None:
    # mkdocs only logs pages missing from the nav; a page nobody can reach is a bug.
    in_nav = set(_NAV_ENTRY.findall((REPO / "mkdocs.yml").read_text(encoding="utf-8")))
    on_disk = {path.name for path in DOCS.glob("*.md")}
    assert on_disk - in_nav == set()
    assert in_nav - on_disk == set()


def test_every_python_block_is_marked() -> None:
    unmarked = [
        block.id
        for block in BLOCKS
        if block.language in _RUNNABLE_LANGUAGES
        and not (block.runnable or (block.marker and NO_RUN_MARKER.fullmatch(block.marker)))
    ]
    assert unmarked == [], "mark each with <!-- run --> or <!-- no-run: reason -->"


def test_most_examples_run() -> None:
    examples = [block for block in BLOCKS if block.language in _RUNNABLE_LANGUAGES]
    assert len(RUNNABLE) >= 0.8 * len(examples)


# --- running the examples ----------------------------------------------------------------


# Made-up host names that the name resolution examples (docs/resolution.md) send to
# the example server with their own `resolve=` or `resolver=`: only the port is swapped,
# so that the name, and so the override the example shows, is what gets the request there.
RESOLVED_EXAMPLE_HOSTS = {"api.example.test", "billing.internal.test"}


def _example_server_target(url: httpx.URL, servers: dict[str, httpx.URL]) -> httpx.URL | None:
    """Where a request for the documented example server really goes, else None."""
    if url.scheme == "http" and url.host in RESOLVED_EXAMPLE_HOSTS and url.port == 8000:
        return url.copy_with(port=servers["http"].port)
    server = servers.get(EXAMPLE_ORIGINS.get((url.scheme, url.host, url.port), ""))
    if server is None:
        return None
    return url.copy_with(scheme=server.scheme, host=server.host, port=server.port)


@pytest.fixture(scope="session")
def example_servers(tls_files: TLSFiles) -> Iterator[dict[str, httpx.URL]]:
    """examples/httpbin_app.py served as `python -m examples.serve` serves it: plain
    HTTP/1.1 (uvicorn, with reason phrases) and TLS with HTTP/2 (hypercorn)."""
    plain = UvicornServer(app=httpbin_app, ws="wsproto").start()
    try:
        context = ssl.create_default_context(cafile=tls_files.ca_cert)
        tls = HypercornServer(
            tls_files.server_cert, tls_files.server_key, context, app=httpbin_app
        ).start()
        try:
            yield {"http": httpx.URL(plain.url), "https": httpx.URL(tls.ip_url)}
        finally:
            tls.stop()
    finally:
        plain.stop()


@pytest.fixture
def example_server(
    example_servers: dict[str, httpx.URL],
    ca_cert_pem_file: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Send requests for the example server to the local test servers (see the docstring)."""
    servers = example_servers
    monkeypatch.setenv("SSL_CERT_FILE", ca_cert_pem_file)
    send_sync = httpx.HTTPTransport.handle_request
    send_async = httpx.AsyncHTTPTransport.handle_async_request

    def handle_request(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        target = _example_server_target(request.url, servers)
        if target is None:
            return send_sync(self, request)
        documented, request.url = request.url, target
        try:
            return send_sync(self, request)
        finally:
            request.url = documented

    async def handle_async_request(
        self: httpx.AsyncHTTPTransport, request: httpx.Request
    ) -> httpx.Response:
        target = _example_server_target(request.url, servers)
        if target is None:
            return await send_async(self, request)
        documented, request.url = request.url, target
        try:
            return await send_async(self, request)
        finally:
            request.url = documented

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle_request)
    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", handle_async_request)


@dataclasses.dataclass
class PageRun:
    """The shared state of one page's examples: its namespace and how far it got."""

    namespace: dict[str, typing.Any]
    directory: pathlib.Path
    done: int = 0  # blocks of the page run so far (failed ones included)


_PAGE_RUNS: dict[str, PageRun] = {}
_OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _run_python(block: Block, namespace: dict[str, typing.Any]) -> None:
    code = compile(
        block.source,
        f"docs/{block.page}, block at line {block.line}",
        "exec",
        flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
        dont_inherit=True,
    )
    if code.co_flags & inspect.CO_COROUTINE:
        asyncio.run(eval(code, namespace))
    else:
        exec(code, namespace)


def _run_pycon(block: Block, namespace: dict[str, typing.Any]) -> None:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(block.source, namespace, block.id, f"docs/{block.page}", 0)
    failures: list[str] = []

    class Runner(doctest.DocTestRunner):
        def report_failure(
            self, out: typing.Any, test: typing.Any, example: doctest.Example, got: str
        ) -> None:
            failures.append(
                f"{example.source.strip()}\n  expected: {example.want!r}\n  got:      {got!r}"
            )

        def report_unexpected_exception(
            self, out: typing.Any, test: typing.Any, example: doctest.Example, exc_info: typing.Any
        ) -> None:
            raise exc_info[1].with_traceback(exc_info[2])

    try:
        Runner(optionflags=_OPTIONFLAGS, verbose=False).run(test, clear_globs=False)
    finally:
        namespace.update(test.globs)  # DocTest works on a copy of the namespace
    assert not failures, "\n\n".join(failures)


def _run_block(block: Block, namespace: dict[str, typing.Any]) -> None:
    environment = dict(os.environ)
    try:
        if block.language == "pycon":
            _run_pycon(block, namespace)
        else:
            _run_python(block, namespace)
    finally:
        os.environ.clear()
        os.environ.update(environment)


_LOGGERS = ("httpx", "httpcore")


@pytest.fixture(scope="module")
def logging_state() -> Iterator[typing.Callable[[], None]]:
    """A function restoring the httpx/httpcore loggers as they were before the examples.

    Pages configure logging in one block and use it in the next, so it is restored when
    a page is done (at the next page, and after the last one), not after each block."""
    loggers = [logging.getLogger(name) for name in _LOGGERS]
    saved = [(logger, logger.level, list(logger.handlers)) for logger in loggers]

    def restore() -> None:
        for logger, level, handlers in saved:
            logger.setLevel(level)
            logger.handlers[:] = handlers

    yield restore
    restore()


@pytest.mark.parametrize("block", RUNNABLE, ids=[block.id for block in RUNNABLE])
def test_example(
    block: Block,
    example_server: None,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    logging_state: typing.Callable[[], None],
) -> None:
    page_blocks = [other for other in RUNNABLE if other.page == block.page]
    position = page_blocks.index(block)
    run = _PAGE_RUNS.get(block.page)
    if run is None or run.done > position:
        # First block of the page run in this session, or the page is being run again.
        logging_state()
        namespace = {"__name__": "__main__", "__builtins__": __builtins__}
        run = PageRun(namespace, tmp_path_factory.mktemp(block.page.replace(".", "_")))
        _PAGE_RUNS[block.page] = run
    monkeypatch.chdir(run.directory)
    # Earlier blocks of the page define names this one may use: when this block is run on
    # its own, run them first. Their failures are their own tests' business.
    while run.done < position:
        earlier = page_blocks[run.done]
        run.done += 1
        try:
            _run_block(earlier, run.namespace)
        except Exception:
            pass
    run.done += 1
    _run_block(block, run.namespace)
