"""The `httpx` command line client, run through click's CliRunner against real servers."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import typing
from pathlib import Path

import pytest
import rich.console
from click.testing import CliRunner, Result

from httpx import _main
from httpx._main import lexer_for_content_type, main, print_text
from tests import conftest

if not hasattr(conftest, "server"):
    # Until tests/conftest.py pulls in the shared server fixtures, take them from the source.
    from tests.servers.fixtures import (  # noqa: F401
        cert_authority,
        http_proxy,
        server,
        tls_files,
        tls_server,
    )

if typing.TYPE_CHECKING:
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
    data: dict[str, typing.Any] = json.loads(split_output(result.output)[1])
    return data


def header_values(echo: dict[str, typing.Any], name: str) -> list[str]:
    return [value for key, value in echo["headers"] if key == name]


def closed_port_url() -> str:
    """A loopback URL nobody listens on: bind a port, then release it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


# --- plain requests ----------------------------------------------------------------------


def test_get_prints_status_headers_and_text_body(server: UvicornServer) -> None:
    result = run(server.url)
    assert result.exit_code == 0, result.output
    blocks, body = split_output(result.output)
    assert len(blocks) == 1
    status_line, *headers = blocks[0]
    assert status_line == "HTTP/1.1 200 OK"
    assert "content-type: text/plain" in headers
    assert "content-length: 13" in headers
    assert body == "Hello, world!\n"


def test_json_body_is_pretty_printed(server: UvicornServer) -> None:
    result = run(server.url_for("/json"))
    assert result.exit_code == 0
    assert split_output(result.output)[1] == '{\n    "Hello": "world!"\n}\n'


def test_json_typed_body_that_is_not_one_document_is_shown_as_text(server: UvicornServer) -> None:
    result = run(server.url_for("/stream/2"))  # application/x-ndjson
    assert result.exit_code == 0
    assert split_output(result.output)[1] == '{"chunk": 0}\n{"chunk": 1}\n\n'


def test_binary_body_is_summarised(server: UvicornServer) -> None:
    result = run(server.url_for("/bytes/300"))
    assert result.exit_code == 0
    assert split_output(result.output)[1] == "<300 bytes of binary data>\n"


def test_empty_body_prints_only_headers(server: UvicornServer) -> None:
    result = run(server.url_for("/status/204"))
    assert result.exit_code == 0
    blocks, body = split_output(result.output)
    assert blocks[0][0] == "HTTP/1.1 204 No Content"
    assert body == ""


def test_default_method_is_get(server: UvicornServer) -> None:
    echo = echo_of(run(server.url_for("/echo")))
    assert echo["method"] == "GET"
    assert echo["body"] == ""


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


def test_invalid_json_is_a_usage_error(server: UvicornServer) -> None:
    result = run(server.url_for("/echo"), "--json", "{nope")
    assert result.exit_code == 2
    assert "Not valid JSON" in result.output


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


def test_missing_upload_file_is_a_usage_error(server: UvicornServer, tmp_path: Path) -> None:
    result = run(server.url_for("/upload"), "-f", "upload", str(tmp_path / "absent"))
    assert result.exit_code == 2


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


def test_wrong_credentials_show_the_401_and_exit_1(server: UvicornServer) -> None:
    result = run(server.url_for("/basic-auth/user/s3cret"), "--auth", "user", "wrong")
    assert result.exit_code == 1
    assert split_output(result.output)[0][0][0] == "HTTP/1.1 401 Unauthorized"


def test_auth_password_prompt(server: UvicornServer) -> None:
    result = CliRunner(env=CLEAN_ENV).invoke(
        main, [server.url_for("/basic-auth/user/s3cret"), "--auth", "user", "-"], input="s3cret\n"
    )
    assert result.exit_code == 0, result.output
    assert '"authenticated": true' in result.output


# --- redirects, status codes, errors -----------------------------------------------------


def test_redirects_are_not_followed_by_default(server: UvicornServer) -> None:
    result = run(server.url_for("/redirect/2"))
    assert result.exit_code == 1  # a 302 is not a success
    blocks, body = split_output(result.output)
    assert [block[0] for block in blocks] == ["HTTP/1.1 302 Found"]
    assert "location: /redirect/1" in blocks[0]
    assert body == ""


def test_follow_redirects_shows_every_hop(server: UvicornServer) -> None:
    result = run(server.url_for("/redirect/2"), "--follow-redirects")
    assert result.exit_code == 0
    blocks, body = split_output(result.output)
    assert [block[0] for block in blocks] == [
        "HTTP/1.1 302 Found",
        "HTTP/1.1 302 Found",
        "HTTP/1.1 200 OK",
    ]
    assert json.loads(body)["path"] == "/echo"


@pytest.mark.parametrize(("code", "exit_code"), [(201, 0), (404, 1), (500, 1)])
def test_exit_code_follows_the_status(server: UvicornServer, code: int, exit_code: int) -> None:
    result = run(server.url_for(f"/status/{code}"))
    assert result.exit_code == exit_code
    assert result.output.startswith(f"HTTP/1.1 {code} ")


def test_connection_refused_exits_1_with_the_error() -> None:
    result = run(closed_port_url())
    assert result.exit_code == 1
    assert result.output.startswith("ConnectError: ")


def test_url_without_scheme_exits_1_with_the_error() -> None:
    result = run("example.org")
    assert result.exit_code == 1
    assert result.output.startswith("UnsupportedProtocol: ")


def test_invalid_url_exits_1_with_the_error() -> None:
    result = run("http://[not-an-ip/")
    assert result.exit_code == 1
    assert result.output.startswith("InvalidURL: ")


def test_timeout_option(server: UvicornServer) -> None:
    result = run(server.url_for("/slow_headers?delay=2"), "--timeout", "0.2")
    assert result.exit_code == 1
    assert result.output.startswith("ReadTimeout: ")


# --- download and verbose ----------------------------------------------------------------


def test_download_writes_the_body_to_the_file(server: UvicornServer, tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    result = run(server.url_for("/bytes/5000"), "--download", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == (bytes(range(256)) * 20)[:5000]
    assert result.output.startswith("HTTP/1.1 200 OK\n")
    assert "Downloading" in result.output
    assert "bytes of binary data" not in result.output


def test_download_without_content_length(server: UvicornServer, tmp_path: Path) -> None:
    target = tmp_path / "chunked.bin"
    result = run(server.url_for("/bytes/1000?chunk_size=100"), "--download", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == (bytes(range(256)) * 4)[:1000]


def test_verbose_shows_connection_and_request_headers(server: UvicornServer) -> None:
    result = run(server.url_for("/echo?q=1"), "-v", "-h", "X-Test", "yes")
    assert result.exit_code == 0
    lines = result.output.splitlines()
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
    start_lines = [line for line in result.output.splitlines() if "HTTP/1.1" in line]
    assert start_lines == [
        "GET /redirect/1 HTTP/1.1",
        "HTTP/1.1 302 Found",
        "GET /echo HTTP/1.1",
        "HTTP/1.1 200 OK",
    ]


# --- TLS, HTTP/2, proxies ----------------------------------------------------------------


def test_untrusted_certificate_fails_unless_no_verify(tls_server: HypercornServer) -> None:
    result = run(tls_server.url_for("/http_version"))
    assert result.exit_code == 1
    assert result.output.startswith("ConnectError: ")
    assert "CERTIFICATE_VERIFY_FAILED" in result.output

    result = run(tls_server.url_for("/http_version"), "--no-verify")
    assert result.exit_code == 0, result.output
    assert split_output(result.output)[1] == "1.1\n"


def test_http2_verbose_over_tls(tls_server: HypercornServer, tls_files: TLSFiles) -> None:
    result = CliRunner(env={**CLEAN_ENV, "SSL_CERT_FILE": tls_files.ca_cert}).invoke(
        main, [tls_server.url_for("/http_version"), "--http2", "-v"]
    )
    assert result.exit_code == 0, result.output
    output = result.output
    assert "* SSL established using 'TLSv1." in output
    assert "* Selected ALPN protocol: 'h2'" in output
    assert "* Server certificate:" in output
    assert "GET /http_version HTTP/2" in output
    assert "host: localhost:" in output  # HTTP/2 field names are lowercase on the wire
    assert "\nHTTP/2 200 OK\n" in output
    assert output.endswith("\n\n2\n")


def test_proxy_option(server: UvicornServer, http_proxy: ForwardProxy) -> None:
    forwarded = http_proxy.stats.forwarded
    result = run(server.url_for("/echo"), "--proxy", http_proxy.url)
    assert result.exit_code == 0, result.output
    assert http_proxy.stats.forwarded == forwarded + 1
    assert echo_of(result)["path"] == "/echo"


# --- help, usage, missing dependencies ---------------------------------------------------


def test_help() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "Usage: httpx <URL> [OPTIONS]" in result.output
    for option in (
        "--method",
        "--params",
        "--json",
        "--follow-redirects",
        "--download",
        "--verbose",
    ):
        assert option in result.output
    assert "[Default: GET, or POST if a request body" in result.output  # markup kept literal


def test_missing_url_is_a_usage_error() -> None:
    result = run()
    assert result.exit_code == 2
    assert "Missing argument 'URL'" in result.output


def test_missing_dependencies_flag(monkeypatch: pytest.MonkeyPatch, server: UvicornServer) -> None:
    monkeypatch.setattr(_main, "CLI_DEPENDENCIES_INSTALLED", False)
    result = run(server.url)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == _main.MISSING_DEPENDENCIES_MESSAGE + "\n"


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
        assert httpx._main.CLI_DEPENDENCIES_INSTALLED is False
        httpx.main()
        """
    )
    env = {key: value for key, value in os.environ.items() if key != "PYTHONWARNINGS"}
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, env=env
    )
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout == ""
    assert completed.stderr == _main.MISSING_DEPENDENCIES_MESSAGE + "\n"
    assert completed.stderr.startswith(
        "The 'httpx' command line client could not run because the required dependencies"
    )
    assert "pip install 'httpx[cli]'" in completed.stderr


# --- rendering units ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "lexer"),
    [
        ("application/json", "json"),
        ("application/problem+json; charset=utf-8", "json"),
        ("text/plain; charset=utf-8", "text"),
        ("TEXT/HTML", "html"),
        ("text/csv", "text"),
        ("application/octet-stream", None),
        (None, None),
    ],
)
def test_lexer_for_content_type(content_type: str | None, lexer: str | None) -> None:
    assert lexer_for_content_type(content_type) == lexer


def test_terminal_output_is_highlighted_and_piped_output_is_verbatim() -> None:
    text = '{"key": "' + "x" * 200 + '"}\r\n'
    piped = io.StringIO()
    print_text(rich.console.Console(file=piped, force_terminal=False, width=80), text, "json")
    assert piped.getvalue() == text + "\n"  # no wrapping, control characters kept

    terminal = io.StringIO()
    print_text(rich.console.Console(file=terminal, force_terminal=True, width=80), text, "json")
    assert "\x1b[" in terminal.getvalue()
