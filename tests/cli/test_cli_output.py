"""What the command line client shows: highlighting on a terminal, plain text in a pipe,
binary bodies summarised (httpx/_cli/output.py), end to end through `--app`."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner, Result

import httpx
from httpx._cli.output import body_lexer, format_certificate, looks_like_text
from httpx._main import main
from tests.cli.test_main import CLEAN_ENV, run, split_output

ANSI = re.compile(r"\x1b\[[\d;]*m")
APP = "examples.hello_app:app"


def run_on_terminal(*args: str) -> Result:
    """Run with rich believing stdout is a colour terminal (FORCE_COLOR)."""
    env = {**CLEAN_ENV, "FORCE_COLOR": "1", "COLUMNS": "120"}
    result = CliRunner(env=env).invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result


def coloured(token: str) -> re.Pattern[str]:
    """`token` preceded directly by a colour escape sequence."""
    return re.compile(r"\x1b\[[\d;]+m" + re.escape(token))


# --- a terminal: highlighted -------------------------------------------------------------


def test_headers_are_highlighted() -> None:
    output = run_on_terminal("--app", APP, "/text").stdout
    assert coloured("HTTP").search(output)
    assert coloured("content-type").search(output)
    assert ANSI.sub("", output).startswith("HTTP/1.1 200 OK\ncontent-type: text/plain")


def test_json_is_pretty_printed_and_highlighted() -> None:
    output = run_on_terminal("--app", APP, "/").stdout
    assert coloured('"hello"').search(output)  # a key
    assert coloured('"world"').search(output)  # a string value
    plain = ANSI.sub("", output)
    assert '{\n    "hello": "world",\n    "routes": [\n' in plain


def test_html_is_highlighted() -> None:
    output = run_on_terminal("--app", APP, "/html").stdout
    assert coloured("h1").search(output)  # tag names
    assert coloured("<!DOCTYPE html>").search(output)
    assert "<h1>Hello, world!</h1>" in ANSI.sub("", output)


def test_xml_is_highlighted() -> None:
    output = run_on_terminal("--app", APP, "/xml").stdout
    assert coloured("<greeting").search(output)
    assert coloured('"en"').search(output)  # an attribute value
    assert "<text>Hello, world!</text>" in ANSI.sub("", output)


def test_plain_text_is_shown_as_is() -> None:
    output = run_on_terminal("--app", APP, "/text").stdout
    body = ANSI.sub("", output).split("\n\n", 1)[1]
    assert body.strip() == "Hello, world!"
    assert "Hello, world!" in output  # no token colouring inside plain text


def test_binary_body_is_not_dumped_to_a_terminal() -> None:
    output = run_on_terminal("--app", APP, "/bytes/300").stdout
    assert "\x00" not in output and "\x01" not in output
    assert ANSI.sub("", output).endswith(
        "<binary body: 300 bytes, application/octet-stream; not shown, save it with --download FILE>\n"
    )


# --- a pipe: verbatim --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/html", "/xml", "/text", "/bytes/10"])
def test_piped_output_has_no_escape_sequences(path: str) -> None:
    assert ANSI.search(run("--app", APP, path).stdout) is None


def test_piped_body_is_the_body() -> None:
    assert split_output(run("--app", APP, "/xml").stdout)[1] == (
        '<?xml version="1.0" encoding="UTF-8"?>\n<greeting lang="en">\n'
        "  <text>Hello, world!</text>\n</greeting>\n"
    )


# --- telling text from binary ------------------------------------------------------------


def response(content: bytes, content_type: str | None) -> httpx.Response:
    headers = {} if content_type is None else {"Content-Type": content_type}
    return httpx.Response(200, headers=headers, content=content)


@pytest.mark.parametrize(
    ("content", "content_type", "lexer"),
    [
        (b'{"a": 1}', "application/json", "json"),
        (b"<p>hi</p>", "text/html; charset=utf-8", "html"),
        (b"plain words", None, "text"),  # no Content-Type: sniffed
        ("naïve café".encode(), None, "text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", None, None),
        (b"\xff\xfe\xfa", None, None),  # not UTF-8
        (b"hello", "application/octet-stream", None),  # the server says binary
    ],
)
def test_body_lexer(content: bytes, content_type: str | None, lexer: str | None) -> None:
    assert body_lexer(response(content, content_type)) == lexer


def test_sniffing_tolerates_a_character_cut_by_its_window() -> None:
    text = ("é" * 5000).encode()  # two bytes a character
    assert looks_like_text(text)  # the 4096-byte window ends between two characters
    assert looks_like_text(b"a" + text)  # ... and here in the middle of one
    assert not looks_like_text(b"a" * 100 + b"\xff" + text)  # invalid before the window's end


def test_format_certificate() -> None:
    certificate = {
        "subject": ((("organizationName", "trustme"),), (("commonName", "localhost"),)),
        "version": 3,
        "subjectAltName": (("DNS", "localhost"), ("IP Address", "127.0.0.1")),
    }
    assert format_certificate(certificate).splitlines() == [
        "*   subject:",
        "*     organizationName: 'trustme'",
        "*     commonName: 'localhost'",
        "*   version: 3",
        "*   subjectAltName:",
        "*     DNS: 'localhost'",
        "*     IP Address: '127.0.0.1'",
    ]
