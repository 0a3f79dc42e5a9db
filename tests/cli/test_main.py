"""The `httpx` command line client, run through click's CliRunner against real servers."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import textwrap
import typing
from pathlib import Path

import pytest
import rich.console
from click.testing import CliRunner, Result

from httpx import _main
from httpx._cli import dependencies
from httpx._cli.output import lexer_for_content_type, print_text
from httpx._main import main
from tests import conftest

if not hasattr(conftest, "server"):
    # Until tests/conftest.py pulls in the shared server fixtures, take them from the source.
    from tests.servers.fixtures import (  # noqa: F401
        cert_authority,
        fault_server,
        http_proxy,
        server,
        tls_files,
        tls_server,
    )

if typing.TYPE_CHECKING:
    from tests.servers.faults import FaultServer
    from tests.servers.fixtures import TLSFiles
    from tests.servers.proxy import ForwardProxy
    from tests.servers.run import HypercornServer, UvicornServer

# Output must be plain (not a TTY) and requests must go straight to the test servers,
# whatever the environment of the person running the tests says.
CLEAN_ENV: dict[str, str | None] = {
    name: None
    for name in (
        "FORCE_COLOR",
        "TTY_COMPATIBLE",
        "TTY_INTERACTIVE",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    )
}


START_LINE = re.compile(r"HTTP/[\d.]+ \d{3} |[A-Z]+ \S+ HTTP/[\d.]+\n")


def run(*args: str) -> Result:
    result = CliRunner(env=CLEAN_ENV).invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def run_failing(*args: str, exit_code: int) -> str:
    """Run, expecting `exit_code` and one error line on stderr; return that line."""
    result = run(*args)
    assert result.exit_code == exit_code, (result.stdout, result.stderr)
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("httpx: ")
    return result.stderr[len("httpx: ") : -1]


def split_output(output: str) -> tuple[list[list[str]], str]:
    """(header blocks as lists of lines, body) of the CLI's plain output.

    Every header block (a request or a response) ends with one blank line; the body,
    if any, comes after the last one.
    """
    blocks = []
    rest = output
    while START_LINE.match(rest):
        block, _, rest = rest.partition("\n\n")
        blocks.append(block.splitlines())
    return blocks, rest


def echo_of(result: Result) -> dict[str, typing.Any]:
    """What the server's /echo (or /upload) route saw, from the CLI's output."""
    data: dict[str, typing.Any] = json.loads(split_output(result.stdout)[1])
    return data


def header_values(echo: dict[str, typing.Any], name: str) -> list[str]:
    return [value for key, value in echo["headers"] if key == name]


# --- plain requests ----------------------------------------------------------------------


def test_get_prints_status_headers_and_text_body(server: UvicornServer) -> None:
    result = run(server.url)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    blocks, body = split_output(result.stdout)
    assert len(blocks) == 1
    status_line, *headers = blocks[0]
    assert status_line == "HTTP/1.1 200 OK"
    assert "content-type: text/plain" in headers
    assert "content-length: 13" in headers
    assert body == "Hello, world!\n"


def test_json_body_is_pretty_printed(server: UvicornServer) -> None:
    result = run(server.url_for("/json"))
    assert result.exit_code == 0
    assert split_output(result.stdout)[1] == '{\n    "Hello": "world!"\n}\n'


def test_json_typed_body_that_is_not_one_document_is_shown_as_text(server: UvicornServer) -> None:
    result = run(server.url_for("/stream/2"))  # application/x-ndjson
    assert result.exit_code == 0
    assert split_output(result.stdout)[1] == '{"chunk": 0}\n{"chunk": 1}\n'


def test_compressed_json_body_is_decoded_then_pretty_printed(server: UvicornServer) -> None:
    result = run(server.url_for("/gzip"))
    assert result.exit_code == 0
    body = split_output(result.stdout)[1]
    assert body.startswith("{\n    ")
    json.loads(body)


def test_binary_body_is_summarised_on_one_line(server: UvicornServer) -> None:
    result = run(server.url_for("/bytes/3000"))
    assert result.exit_code == 0
    assert split_output(result.stdout)[1] == (
        "<binary body: 3.0 kB (3000 bytes), application/octet-stream; not shown, "
        "save it with --download FILE>\n"
    )


def test_empty_body_prints_only_headers(server: UvicornServer) -> None:
    result = run(server.url_for("/status/204"))
    assert result.exit_code == 0
    blocks, body = split_output(result.stdout)
    assert blocks[0][0] == "HTTP/1.1 204 No Content"
    assert body == ""


def test_default_method_is_get(server: UvicornServer) -> None:
    echo = echo_of(run(server.url_for("/echo")))
    assert echo["method"] == "GET"
    assert echo["body"] == ""


def test_head_request_shows_headers_only(server: UvicornServer) -> None:
    result = run(server.url_for("/json"), "-m", "HEAD")
    assert result.exit_code == 0
    blocks, body = split_output(result.stdout)
    assert blocks[0][0] == "HTTP/1.1 200 OK"
    assert body == ""


# --- request bodies ----------------------------------------------------------------------


def test_json_option_posts_json(server: UvicornServer) -> None:
    result = run(server.url_for("/echo"), "--json", '{"name": "value", "n": [1, 2]}')
    assert result.exit_code == 0
    echo = echo_of(result)
    assert echo["method"] == "POST"
    assert json.loads(echo["body"]) == {"name": "value", "n": [1, 2]}
    assert header_values(echo, "content-type") == ["application/json"]


def test_falsy_json_still_makes_a_post(server: UvicornServer) -> None:
    echo = echo_of(run(server.url_for("/echo"), "-j", "[]"))
    assert echo["method"] == "POST"
    assert echo["body"] == "[]"


def test_data_option_posts_a_form_keeping_repeated_names(server: UvicornServer) -> None:
    result = run(server.url_for("/upload"), "-d", "a", "1", "-d", "a", "2", "--data", "b", "x y")
    assert result.exit_code == 0
    upload = echo_of(result)
    assert upload["content_type"] == "application/x-www-form-urlencoded"
    assert upload["fields"] == {"a": ["1", "2"], "b": ["x y"]}


def test_content_option_with_explicit_method(server: UvicornServer) -> None:
    echo = echo_of(run(server.url_for("/echo"), "-m", "PUT", "--content", "raw text"))
    assert echo["method"] == "PUT"
    assert echo["body"] == "raw text"


def test_content_option_alone_makes_a_post(server: UvicornServer) -> None:
    echo = echo_of(run(server.url_for("/echo"), "-c", "raw"))
    assert echo["method"] == "POST"
    assert echo["body"] == "raw"


def test_files_option_uploads_multipart(server: UvicornServer, tmp_path: Path) -> None:
    upload_file = tmp_path / "report.txt"
    upload_file.write_bytes(b"file contents\n")
    result = run(server.url_for("/upload"), "-f", "upload", str(upload_file), "-d", "note", "hi")
    assert result.exit_code == 0
    upload = echo_of(result)
    assert upload["content_type"].startswith("multipart/form-data; boundary=")
    assert upload["fields"] == {"note": ["hi"]}
    [entry] = upload["files"]["upload"]
    assert entry["filename"] == "report.txt"
    assert entry["content"] == "file contents\n"


# --- headers, params, cookies, auth ------------------------------------------------------


def test_headers_params_and_cookies_reach_the_server(server: UvicornServer) -> None:
    result = run(
        server.url_for("/echo"),
        "-h", "X-Test", "one",
        "--headers", "X-Test", "two",
        "-p", "a", "1",
        "--params", "a", "2",
        "-p", "b", "x y",
        "--cookies", "session", "abc",
    )  # fmt: skip
    assert result.exit_code == 0
    echo = echo_of(result)
    assert header_values(echo, "x-test") == ["one", "two"]
    assert echo["query"] == {"a": ["1", "2"], "b": ["x y"]}
    assert header_values(echo, "cookie") == ["session=abc"]


def test_basic_auth(server: UvicornServer) -> None:
    result = run(server.url_for("/basic-auth/user/s3cret"), "--auth", "user", "s3cret")
    assert result.exit_code == 0
    assert echo_of(result) == {"authenticated": True, "user": "user"}


def test_auth_password_prompt(server: UvicornServer) -> None:
    result = CliRunner(env=CLEAN_ENV).invoke(
        main, [server.url_for("/basic-auth/user/s3cret"), "--auth", "user", "-"], input="s3cret\n"
    )
    assert result.exit_code == 0, result.output
    assert '"authenticated": true' in result.stdout


# --- redirects and status codes ----------------------------------------------------------


def test_redirects_are_not_followed_by_default(server: UvicornServer) -> None:
    result = run(server.url_for("/redirect/2"))
    assert result.exit_code == 0  # a response was received
    blocks, body = split_output(result.stdout)
    assert [block[0] for block in blocks] == ["HTTP/1.1 302 Found"]
    assert "location: /redirect/1" in blocks[0]
    assert body == ""


def test_follow_redirects_shows_every_hop(server: UvicornServer) -> None:
    result = run(server.url_for("/redirect/2"), "--follow-redirects")
    assert result.exit_code == 0
    blocks, body = split_output(result.stdout)
    assert [block[0] for block in blocks] == [
        "HTTP/1.1 302 Found",
        "HTTP/1.1 302 Found",
        "HTTP/1.1 200 OK",
    ]
    assert json.loads(body)["path"] == "/echo"


@pytest.mark.parametrize("code", [201, 302, 404, 500])
def test_any_status_exits_0_without_fail(server: UvicornServer, code: int) -> None:
    result = run(server.url_for(f"/status/{code}"))
    assert result.exit_code == 0
    assert result.stdout.startswith(f"HTTP/1.1 {code} ")
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("code", "exit_code"), [(201, 0), (302, 0), (399, 0), (400, 22), (503, 22)]
)
def test_fail_exits_22_for_error_statuses(
    server: UvicornServer, code: int, exit_code: int
) -> None:
    result = run(server.url_for(f"/status/{code}"), "--fail")
    assert result.exit_code == exit_code
    assert result.stdout.startswith(f"HTTP/1.1 {code} ")  # the response is still shown
    if exit_code:
        assert (
            result.stderr
            == f"httpx: the server answered {code} {result.stdout[13:].splitlines()[0]} (--fail)\n"
        )
    else:
        assert result.stderr == ""


def test_fail_with_wrong_credentials_shows_the_401(server: UvicornServer) -> None:
    result = run(server.url_for("/basic-auth/user/s3cret"), "--auth", "user", "wrong", "--fail")
    assert result.exit_code == 22
    assert split_output(result.stdout)[0][0][0] == "HTTP/1.1 401 Unauthorized"
    assert result.stderr == "httpx: the server answered 401 Unauthorized (--fail)\n"


def test_fail_applies_to_the_last_hop(server: UvicornServer) -> None:
    target = server.url_for("/status/404")
    result = run(
        server.url_for("/redirect_to"), "-p", "url", target, "--follow-redirects", "--fail"
    )
    assert result.exit_code == 22
    assert [block[0] for block in split_output(result.stdout)[0]] == [
        "HTTP/1.1 302 Found",
        "HTTP/1.1 404 Not Found",
    ]


# --- request errors: one line on stderr, an exit code per kind ---------------------------


def test_connection_refused_exits_7(fault_server: FaultServer) -> None:
    message = run_failing(fault_server.refused_url, exit_code=7)
    port = fault_server.refused_url.rsplit(":", 1)[1].rstrip("/")
    assert (
        message
        == f"ConnectError: could not connect to 127.0.0.1:{port}: [Errno 111] Connection refused"
    )


def test_url_without_scheme_exits_3() -> None:
    message = run_failing("example.org", exit_code=3)
    assert message.startswith("UnsupportedProtocol: Request URL is missing an 'http://'")


def test_invalid_url_exits_3() -> None:
    message = run_failing("http://example.org:port/", exit_code=3)  # (an invalid port)
    assert message.startswith("InvalidURL: ")


def test_read_timeout_exits_28(server: UvicornServer) -> None:
    message = run_failing(
        server.url_for("/slow_headers?delay=0.6"), "--timeout", "0.2", exit_code=28
    )
    assert message == (
        f"ReadTimeout: timed out after 0.2 s waiting for data from 127.0.0.1:{server.port} "
        "(--timeout sets the limit)"
    )


def test_connect_timeout_exits_28(fault_server: FaultServer) -> None:
    message = run_failing(fault_server.connect_timeout_url, "--timeout", "0.2", exit_code=28)
    assert message.startswith("ConnectTimeout: timed out after 0.2 s connecting to 127.0.0.1:")


def test_body_timeout_after_the_headers_exits_28(server: UvicornServer) -> None:
    result = run(server.url_for("/slow_body?delay=0.6"), "--timeout", "0.2")
    assert result.exit_code == 28
    assert result.stdout.startswith("HTTP/1.1 200 OK\n")  # the headers had arrived
    assert result.stderr.startswith("httpx: ReadTimeout: ")


@pytest.mark.parametrize(
    "mode", ["garbage", "bad-status", "close-before-response", "close-mid-body"]
)
def test_broken_responses_exit_8(fault_server: FaultServer, mode: str) -> None:
    message = run_failing(fault_server.url_for_mode(mode), exit_code=8)
    assert message.startswith(
        "RemoteProtocolError: invalid or incomplete response from 127.0.0.1:"
    )


def test_connection_reset_exits_56(fault_server: FaultServer) -> None:
    message = run_failing(fault_server.url_for_mode("reset"), exit_code=56)
    assert message.startswith("ReadError: the connection to 127.0.0.1:")
    assert "reset" in message.lower()


def test_too_many_redirects_exits_47(server: UvicornServer) -> None:
    message = run_failing(server.url_for("/redirect_loop"), "--follow-redirects", exit_code=47)
    assert message.startswith("TooManyRedirects: ")


def test_tls_handshake_failure_exits_35(server: UvicornServer) -> None:
    # TLS spoken to a plain HTTP server: the handshake fails before any certificate.
    message = run_failing(f"https://127.0.0.1:{server.port}/", exit_code=35)
    assert message.startswith(f"ConnectError: TLS handshake with 127.0.0.1:{server.port} failed: ")


def test_untrusted_certificate_exits_60_unless_no_verify(tls_server: HypercornServer) -> None:
    message = run_failing(tls_server.url_for("/http_version"), exit_code=60)
    assert message.startswith("ConnectError: the TLS certificate of localhost:")
    assert "CERTIFICATE_VERIFY_FAILED" in message
    assert message.endswith("(--no-verify skips the check)")

    result = run(tls_server.url_for("/http_version"), "--no-verify")
    assert result.exit_code == 0, result.output
    assert split_output(result.stdout)[1] == "1.1\n"


def test_proxy_failure_exits_5(fault_server: FaultServer, http_proxy: ForwardProxy) -> None:
    # CONNECT to a port that refuses: the proxy answers 502 to the tunnel request.
    target = fault_server.refused_url.replace("http://", "https://")
    message = run_failing(target, "--proxy", http_proxy.url, exit_code=5)
    assert message == "ProxyError: the proxy failed the request: 502 Bad Gateway"


# --- usage errors: one line on stderr, exit 2 --------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Missing argument 'URL'."),
        (("http://x/", "-h", "X-Test"), "Option '-h' requires 2 arguments."),
        (
            ("http://x/", "-h", "Bad Name", "1"),
            "Invalid value for '--headers' / '-h': 'Bad Name' is not a valid header name",
        ),
        (
            ("http://x/", "--headers", "X-Test", "a\nb"),
            "Invalid value for '--headers' / '-h': the value of 'X-Test' contains a line "
            "break or NUL character",
        ),
        (
            ("http://x/", "-m", "GET /"),
            "Invalid value for '--method' / '-m': 'GET /' is not a valid method name",
        ),
        (("http://x/", "--json", "{nope"), "Invalid value for '--json' / '-j': Not valid JSON:"),
        (
            ("http://x/", "--timeout", "0"),
            "Invalid value for '--timeout': 0.0 is not in the range x>0.",
        ),
        (
            ("http://x/", "--timeout", "soon"),
            "Invalid value for '--timeout': 'soon' is not a valid float range.",
        ),
        (
            ("http://x/", "--proxy", "ftp://proxy"),
            "Invalid value for '--proxy': Unknown scheme for proxy URL",
        ),
        (("http://x/", "--jsn", "1"), "No such option '--jsn'. Did you mean '--json'?"),
        (
            ("http://x/", "--app-interface", "cgi"),
            "Invalid value for '--app-interface': 'cgi' is not one of 'asgi', 'wsgi'.",
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: tuple[str, ...], message: str) -> None:
    line = run_failing(*args, exit_code=2)
    assert line.startswith(message)
    assert line.endswith("(see 'httpx --help')")


def test_missing_upload_file_is_a_usage_error(tmp_path: Path) -> None:
    line = run_failing("http://x/", "-f", "upload", str(tmp_path / "absent"), exit_code=2)
    assert line.startswith("Invalid value for '--files' / '-f': ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-c", "a", "-j", "1"), "--content and --json cannot be combined: one body only"),
        (
            ("-j", "1", "-d", "a", "1"),
            "--json and --data/--files cannot be combined: one body only",
        ),
    ],
)
def test_conflicting_bodies_are_a_usage_error(args: tuple[str, ...], message: str) -> None:
    assert run_failing("http://x/", *args, exit_code=2) == message


# --- verbose -----------------------------------------------------------------------------


def test_verbose_shows_connection_and_request_headers(server: UvicornServer) -> None:
    result = run(server.url_for("/echo?q=1"), "-v", "-h", "X-Test", "yes")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "* Connecting to '127.0.0.1'"
    assert lines[1] == f"* Connected to '127.0.0.1' on port {server.port}"
    blocks, _ = split_output("\n".join(lines[2:]))
    request_block, response_block = blocks
    assert request_block[0] == "GET /echo?q=1 HTTP/1.1"
    assert f"Host: 127.0.0.1:{server.port}" in request_block
    assert "X-Test: yes" in request_block
    assert response_block[0] == "HTTP/1.1 200 OK"


def test_verbose_with_redirects_interleaves_requests_and_responses(server: UvicornServer) -> None:
    result = run(server.url_for("/redirect/1"), "--verbose", "--follow-redirects")
    assert result.exit_code == 0
    start_lines = [line for line in result.stdout.splitlines() if "HTTP/1.1" in line]
    assert start_lines == [
        "GET /redirect/1 HTTP/1.1",
        "HTTP/1.1 302 Found",
        "GET /echo HTTP/1.1",
        "HTTP/1.1 200 OK",
    ]


# --- TLS, HTTP/2, proxies ----------------------------------------------------------------


def test_http2_verbose_over_tls(tls_server: HypercornServer, tls_files: TLSFiles) -> None:
    result = CliRunner(env={**CLEAN_ENV, "SSL_CERT_FILE": tls_files.ca_cert}).invoke(
        main, [tls_server.url_for("/http_version"), "--http2", "-v"]
    )
    assert result.exit_code == 0, result.output
    output = result.stdout
    assert "* SSL established using 'TLSv1." in output
    assert "* Selected ALPN protocol: 'h2'" in output
    assert "* Server certificate:" in output
    assert "GET /http_version HTTP/2" in output
    assert "host: localhost:" in output  # HTTP/2 field names are lowercase on the wire
    assert "\nHTTP/2 200 OK\n" in output
    assert "\n\n2\n* Timings: " in output


def test_proxy_option(server: UvicornServer, http_proxy: ForwardProxy) -> None:
    forwarded = http_proxy.stats.forwarded
    result = run(server.url_for("/echo"), "--proxy", http_proxy.url)
    assert result.exit_code == 0, result.output
    assert http_proxy.stats.forwarded == forwarded + 1
    assert echo_of(result)["path"] == "/echo"


# --- help, missing dependencies ----------------------------------------------------------


def test_help() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "Usage: httpx <URL> [OPTIONS]" in result.stdout
    for option in (
        "--method",
        "--params",
        "--content",
        "--data",
        "--files",
        "--json",
        "--headers",
        "--cookies",
        "--auth",
        "--proxy",
        "--timeout",
        "--follow-redirects",
        "--no-verify",
        "--http2",
        "--download",
        "--verbose",
        "--fail",
        "--app ",
        "--app-interface",
        "--help",
    ):
        assert option in result.stdout
    assert "[Default: GET, or POST if a request body" in result.stdout  # markup kept literal
    # Every metavar is shown, the bracketed one too (rich would take it for markup).
    for names, _ in _main.HELP_ROWS:
        shown = names.replace("[cyan]", "").replace("\\[", "[")
        assert shown in result.stdout, shown


def test_every_option_has_help() -> None:
    documented = {
        name for names, _ in _main.HELP_ROWS for name in names.partition(" [")[0].split(", ")
    }
    declared = {opt for param in main.params for opt in param.opts if opt.startswith("-")}
    assert declared == documented


def test_missing_dependencies_flag(monkeypatch: pytest.MonkeyPatch, server: UvicornServer) -> None:
    monkeypatch.setattr(dependencies, "CLI_DEPENDENCIES_INSTALLED", False)
    result = run(server.url)
    assert result.exit_code == 1
    # httpx 0.28 prints its install hint on stdout.
    assert result.stdout == _main.MISSING_DEPENDENCIES_MESSAGE + "\n"
    assert result.stderr == ""


def test_missing_dependencies_for_real() -> None:
    """With click, rich and pygments unimportable, `httpx` imports and `main()` explains."""
    code = textwrap.dedent(
        """
        import sys

        class Blocker:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("click", "rich", "pygments"):
                    raise ImportError(f"blocked {name}")
                return None

        sys.meta_path.insert(0, Blocker())
        import httpx
        assert "httpx._main" not in sys.modules and "httpx._cli" not in sys.modules
        httpx.main()
        """
    )
    env = {key: value for key, value in os.environ.items() if key != "PYTHONWARNINGS"}
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, env=env
    )
    assert completed.returncode == 1, completed.stderr
    assert completed.stderr == ""
    assert completed.stdout == _main.MISSING_DEPENDENCIES_MESSAGE + "\n"
    # Word for word what httpx 0.28.1 prints without its `cli` extra.
    assert completed.stdout == (
        "The httpx command line client could not run because the required dependencies "
        "were not installed.\nMake sure you've installed everything with: "
        "pip install 'httpx[cli]'\n"
    )


# --- rendering units ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "lexer"),
    [
        ("application/json", "json"),
        ("application/problem+json; charset=utf-8", "json"),
        ("text/plain; charset=utf-8", "text"),
        ("TEXT/HTML", "html"),
        ("application/xhtml+xml", "html"),
        ("application/xml", "xml"),
        ("text/xml", "xml"),
        ("application/atom+xml", "xml"),
        ("image/svg+xml", "xml"),
        ("text/csv", "text"),
        ("application/octet-stream", None),
        ("image/png", None),
        (None, None),
    ],
)
def test_lexer_for_content_type(content_type: str | None, lexer: str | None) -> None:
    assert lexer_for_content_type(content_type) == lexer


def test_terminal_output_is_highlighted_and_piped_output_is_verbatim() -> None:
    text = '{"key": "' + "x" * 200 + '"}\r\n'
    piped = io.StringIO()
    print_text(rich.console.Console(file=piped, force_terminal=False, width=80), text, "json")
    assert piped.getvalue() == text  # no wrapping, control characters kept

    piped = io.StringIO()
    print_text(
        rich.console.Console(file=piped, force_terminal=False, width=80), "no newline", "text"
    )
    assert piped.getvalue() == "no newline\n"  # the next output starts on its own line

    terminal = io.StringIO()
    print_text(rich.console.Console(file=terminal, force_terminal=True, width=80), text, "json")
    assert "\x1b[" in terminal.getvalue()
