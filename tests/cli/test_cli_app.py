"""`httpx --app module:attribute`: requests sent in-process to ASGI and WSGI applications.

The applications: the README's example (examples/hello_app.py, ASGI `app` and WSGI
`wsgi_app`), and small ones below for the cases it does not cover (redirects, an
application that fails or never answers, a bad Content-Encoding).
"""

from __future__ import annotations

import functools
import json
import sys
import typing
import uuid
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from pathlib import Path

import pytest
import starlette.applications
import starlette.responses
import starlette.routing
from click.testing import CliRunner

from httpx._cli.app import AppLoadError, detect_interface, load_app
from httpx._main import main
from tests.cli.test_main import run, run_failing, split_output

if typing.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

Message = MutableMapping[str, typing.Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

EXAMPLE_APPS = ["examples.hello_app:app", "examples.hello_app:wsgi_app"]


# --- applications for the tests ---------------------------------------------------------


async def redirecting_app(scope: Message, receive: Receive, send: Send) -> None:
    """ASGI: "/old" redirects to "/new", which answers "moved here"."""
    if scope["path"] == "/old":
        await send(
            {"type": "http.response.start", "status": 301, "headers": [(b"location", b"/new")]}
        )
        await send({"type": "http.response.body", "body": b""})
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain")],
        }
    )
    await send({"type": "http.response.body", "body": b"moved here"})


async def hanging_app(scope: Message, receive: Receive, send: Send) -> None:
    """ASGI: never answers (it waits for a disconnect that only comes after the response)."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def failing_asgi_app(scope: Message, receive: Receive, send: Send) -> None:
    raise ZeroDivisionError("division by zero in the app")


def failing_wsgi_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    raise LookupError("no such record")


async def bad_gzip_app(scope: Message, receive: Receive, send: Send) -> None:
    headers = [(b"content-type", b"text/plain"), (b"content-encoding", b"gzip")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"this is not gzip"})


def wsgi_app_with_three_parameters(
    environ: WSGIEnvironment, start_response: StartResponse, extra: object = None
) -> Iterable[bytes]:
    """WSGI, but with a third (optional) parameter: looks like ASGI to the arity rule."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"wsgi after all"]


class AsyncCallable:
    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        await redirecting_app(scope, receive, send)


class SyncCallable:
    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"from an instance"]


def asgi_by_arity(scope: Message, receive: Receive, send: Send) -> Awaitable[None]:
    """A plain function returning the awaitable: ASGI by its three parameters."""
    return redirecting_app(scope, receive, send)


async def homepage(request: object) -> starlette.responses.JSONResponse:
    return starlette.responses.JSONResponse({"framework": "starlette"})


starlette_app = starlette.applications.Starlette(routes=[starlette.routing.Route("/", homepage)])
not_an_app = 42


# --- the example application, both interfaces --------------------------------------------


@pytest.mark.parametrize("app", EXAMPLE_APPS)
def test_json_route(app: str) -> None:
    result = run("--app", app, "http://testserver/")
    assert result.exit_code == 0, result.output
    blocks, body = split_output(result.stdout)
    assert blocks == [["HTTP/1.1 200 OK", "content-type: application/json", "content-length: 98"]]
    assert json.loads(body)["hello"] == "world"
    assert body.startswith('{\n    "hello": "world",\n    "routes": [\n        "/",')  # pretty


@pytest.mark.parametrize("app", EXAMPLE_APPS)
@pytest.mark.parametrize(
    ("path", "body_start"),
    [
        ("/html", "<!DOCTYPE html>\n<html>"),
        ("/xml", '<?xml version="1.0"'),
        ("/text", "Hello, world!\n"),
    ],
)
def test_text_routes_with_a_bare_path(app: str, path: str, body_start: str) -> None:
    result = run("--app", app, path)  # a bare path: the URL is http://testserver<path>
    assert result.exit_code == 0, result.output
    assert split_output(result.stdout)[1].startswith(body_start)


@pytest.mark.parametrize("app", EXAMPLE_APPS)
def test_request_options_reach_the_app(app: str) -> None:
    result = run(
        "--app", app, "/echo",
        "-j", '{"n": 1}',
        "-p", "q", "x y",
        "-h", "X-Test", "yes",
        "--cookies", "session", "abc",
        "-m", "PUT",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    echo = json.loads(split_output(result.stdout)[1])
    assert echo["method"] == "PUT"
    assert echo["query"] == {"q": "x y"}
    assert echo["headers"]["x-test"] == "yes"
    assert echo["headers"]["cookie"] == "session=abc"
    assert echo["headers"]["host"] == "testserver"
    assert json.loads(echo["body"]) == {"n": 1}


@pytest.mark.parametrize("app", EXAMPLE_APPS)
def test_form_data_and_auth_reach_the_app(app: str) -> None:
    result = run("--app", app, "/echo", "-d", "a", "1", "--auth", "user", "pass")
    echo = json.loads(split_output(result.stdout)[1])
    assert echo["method"] == "POST"
    assert echo["body"] == "a=1"
    assert echo["headers"]["authorization"] == "Basic dXNlcjpwYXNz"


@pytest.mark.parametrize("app", EXAMPLE_APPS)
def test_binary_body_from_an_app(app: str) -> None:
    result = run("--app", app, "/bytes/16")
    assert split_output(result.stdout)[1] == (
        "<binary body: 16 bytes, application/octet-stream; not shown, save it with --download FILE>\n"
    )


@pytest.mark.parametrize("app", EXAMPLE_APPS)
def test_download_from_an_app(app: str, tmp_path: Path) -> None:
    target = tmp_path / "data.bin"
    result = run("--app", app, "/bytes/3000", "--download", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == bytes(i % 256 for i in range(3000))
    assert "100% 3.0/3.0 kB" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.bin"]


@pytest.mark.parametrize(
    ("app", "interface"), [(EXAMPLE_APPS[0], "ASGI"), (EXAMPLE_APPS[1], "WSGI")]
)
def test_verbose_shows_the_in_process_request(app: str, interface: str) -> None:
    result = run("--app", app, "/echo?x=1", "-v", "-h", "X-Test", "yes")
    assert result.exit_code == 0
    first, rest = result.stdout.split("\n", 1)
    assert first == f"* Calling the {interface} application {app} in-process"
    request_block, response_block = split_output(rest)[0]
    assert request_block[0] == "GET /echo?x=1 HTTP/1.1"
    assert "Host: testserver" in request_block
    assert "X-Test: yes" in request_block
    assert response_block[0] == "HTTP/1.1 200 OK"


@pytest.mark.parametrize("app", EXAMPLE_APPS)
def test_fail_with_an_app(app: str) -> None:
    assert run("--app", app, "/status/404").exit_code == 0
    assert run_failing("--app", app, "/status/404", "--fail", exit_code=22) == (
        "the server answered 404 Not Found (--fail)"
    )


# --- other applications ------------------------------------------------------------------


def test_redirects_inside_an_app() -> None:
    result = run("--app", "tests.cli.test_cli_app:redirecting_app", "/old", "--follow-redirects")
    assert result.exit_code == 0
    blocks, body = split_output(result.stdout)
    assert [block[0] for block in blocks] == ["HTTP/1.1 301 Moved Permanently", "HTTP/1.1 200 OK"]
    assert body == "moved here\n"


def test_starlette_application() -> None:
    result = run("--app", "tests.cli.test_cli_app:starlette_app", "/")
    assert result.exit_code == 0, result.output
    assert json.loads(split_output(result.stdout)[1]) == {"framework": "starlette"}


def test_callable_instances() -> None:
    result = run("--app", "tests.cli.test_cli_app:sync_instance", "/")
    assert split_output(result.stdout)[1] == "from an instance\n"
    result = run("--app", "tests.cli.test_cli_app:async_instance", "/new")
    assert split_output(result.stdout)[1] == "moved here\n"


sync_instance = SyncCallable()
async_instance = AsyncCallable()


def test_app_interface_overrides_the_guess() -> None:
    spec = "tests.cli.test_cli_app:wsgi_app_with_three_parameters"
    assert detect_interface(load_app(spec)) == "asgi"  # the guess is wrong for this one
    result = run("--app", spec, "--app-interface", "wsgi", "/")
    assert result.exit_code == 0, result.output
    assert split_output(result.stdout)[1] == "wsgi after all\n"


def test_hanging_asgi_app_times_out() -> None:
    message = run_failing(
        "--app", "tests.cli.test_cli_app:hanging_app", "/", "--timeout", "0.2", exit_code=28
    )
    assert message == (
        "ReadTimeout: timed out after 0.2 s waiting for data from testserver:80 (--timeout sets the limit)"
    )


@pytest.mark.parametrize(
    ("app", "error"),
    [
        ("failing_asgi_app", "ZeroDivisionError: division by zero in the app"),
        ("failing_wsgi_app", "LookupError: no such record"),
    ],
)
def test_application_errors_exit_1_with_one_line(app: str, error: str) -> None:
    message = run_failing("--app", f"tests.cli.test_cli_app:{app}", "/", exit_code=1)
    assert message == f"the application raised {error} (--verbose shows the traceback)"


def test_application_error_traceback_with_verbose() -> None:
    result = run("--app", "tests.cli.test_cli_app:failing_asgi_app", "/", "-v")
    assert result.exit_code == 1
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert 'raise ZeroDivisionError("division by zero in the app")' in result.stderr
    assert result.stderr.endswith(
        "\nhttpx: the application raised ZeroDivisionError: division by zero in the app\n"
    )


def test_bad_content_encoding_exits_61() -> None:
    message = run_failing("--app", "tests.cli.test_cli_app:bad_gzip_app", "/", exit_code=61)
    assert message.startswith("DecodingError: could not decode the response body: ")


def test_proxy_cannot_be_combined_with_app() -> None:
    message = run_failing(
        "--app", EXAMPLE_APPS[0], "/", "--proxy", "http://127.0.0.1:9", exit_code=2
    )
    assert message == "--proxy cannot be combined with --app (no network)"


def test_app_interface_without_app_is_a_usage_error() -> None:
    message = run_failing("http://127.0.0.1:9/", "--app-interface", "asgi", exit_code=2)
    assert message == "--app-interface needs --app"


def test_app_ignores_proxy_environment_variables() -> None:
    env = {"HTTP_PROXY": "http://127.0.0.1:9", "ALL_PROXY": "http://127.0.0.1:9"}
    result = CliRunner(env=env).invoke(main, ["--app", EXAMPLE_APPS[0], "http://testserver/text"])
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("Hello, world!\n")


# --- loading the application -------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("examples.hello_app", "expected 'module:attribute', such as 'examples.hello_app:app'"),
        (":app", "expected 'module:attribute', such as 'examples.hello_app:app'"),
        (
            "no_such_module_for_httpx:app",
            "no module named 'no_such_module_for_httpx' (run httpx from the directory that contains it, or set PYTHONPATH)",
        ),
        ("examples.no_such_module:app", "no module named 'examples.no_such_module'"),
        ("examples.hello_app:nope", "module 'examples.hello_app' has no attribute 'nope'"),
        (
            "tests.cli.test_cli_app:not_an_app",
            "tests.cli.test_cli_app:not_an_app is a int, not an ASGI or WSGI application",
        ),
    ],
)
def test_unusable_app_is_a_usage_error(spec: str, message: str) -> None:
    line = run_failing("--app", spec, "/", exit_code=2)
    assert line.startswith(f"Invalid value for '--app': {message}")


def write_module(directory: Path, source: str) -> str:
    name = f"cli_app_{uuid.uuid4().hex}"
    (directory / f"{name}.py").write_text(source)
    return name


@pytest.fixture
def scratch_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The current directory for the test, with sys.path restored afterwards."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    return tmp_path


def test_module_in_the_current_directory(scratch_directory: Path) -> None:
    name = write_module(
        scratch_directory,
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'from the current directory']\n",
    )
    result = run("--app", f"{name}:app", "/")
    assert result.exit_code == 0, result.output
    assert split_output(result.stdout)[1] == "from the current directory\n"


def test_module_failing_to_import(scratch_directory: Path) -> None:
    name = write_module(scratch_directory, "raise RuntimeError('bad configuration')\n")
    line = run_failing("--app", f"{name}:app", "/", exit_code=2)
    assert line.startswith(
        f"Invalid value for '--app': importing '{name}' failed: RuntimeError: bad configuration"
    )


def test_module_with_a_missing_dependency(scratch_directory: Path) -> None:
    name = write_module(scratch_directory, "import no_such_dependency_for_httpx\n")
    line = run_failing("--app", f"{name}:app", "/", exit_code=2)
    assert f"importing '{name}' failed: No module named 'no_such_dependency_for_httpx'" in line


def test_dotted_attribute() -> None:
    assert load_app("tests.cli.test_cli_app:SyncCallable.__call__") is SyncCallable.__call__
    with pytest.raises(AppLoadError, match="has no attribute 'SyncCallable.nope'"):
        load_app("tests.cli.test_cli_app:SyncCallable.nope")


@pytest.mark.parametrize(
    ("app", "interface"),
    [
        (redirecting_app, "asgi"),  # coroutine function
        (AsyncCallable(), "asgi"),  # instance with an async __call__
        (asgi_by_arity, "asgi"),  # three positional parameters
        (functools.partial(redirecting_app), "asgi"),
        (starlette_app, "asgi"),
        (failing_wsgi_app, "wsgi"),
        (SyncCallable(), "wsgi"),
        (wsgi_app_with_three_parameters, "asgi"),  # the guess; --app-interface fixes it
        (print, "wsgi"),  # no signature to read: WSGI, the default
    ],
)
def test_detect_interface(app: Callable[..., object], interface: str) -> None:
    assert detect_interface(app) == interface
