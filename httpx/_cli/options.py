"""The command line's options: their --help texts, and the checks that need no click.

`command` builds the click command from these; keeping them apart means the texts and
checks import (and are tested) without the `cli` extra, and `command` stays about click.
"""

from __future__ import annotations

import os
import re
import typing
from pathlib import Path

__all__ = [
    "DEFAULT_TIMEOUT",
    "HELP_ROWS",
    "RETRY_STATUSES",
    "combination_problem",
    "download_problem",
    "header_problem",
    "help_text",
    "parse_resolve_entry",
]

# --retries: the statuses curl's --retry treats as transient.
RETRY_STATUSES = (408, 429, 500, 502, 503, 504)

DEFAULT_TIMEOUT = 5.0

# RFC 9110 §5.6.2: field names and methods (§9.1) are tokens.
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
# RFC 9110 §5.5: a field value must not contain CR, LF or NUL.
FORBIDDEN_IN_FIELD_VALUE = re.compile(r"[\r\n\x00]")

# (option names, description) for --help, in the order `httpx --help` shows them.
HELP_ROWS: tuple[tuple[str, str], ...] = (
    (
        "-m, --method [cyan]METHOD",
        "Request method, such as GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD.\n"
        "[Default: GET, or POST if a request body is included]",
    ),
    ("-p, --params [cyan]<NAME VALUE> ...", "Query parameters to include in the request URL."),
    ("-c, --content [cyan]TEXT", "Byte content to include in the request body."),
    ("-d, --data [cyan]<NAME VALUE> ...", "Form data to include in the request body."),
    ("-f, --files [cyan]<NAME FILENAME> ...", "Form files to include in the request body."),
    ("-j, --json [cyan]TEXT", "JSON data to include in the request body."),
    ("-h, --headers [cyan]<NAME VALUE> ...", "Include additional HTTP headers in the request."),
    ("--cookies [cyan]<NAME VALUE> ...", "Cookies to include in the request."),
    (
        "--auth [cyan]<USER PASS>",
        "Username and password to include in the request. Specify '-' for the password to "
        "use a password prompt. Note that using --verbose/-v will expose the Authorization "
        "header, including the password encoding in a trivially reversible format.",
    ),
    (
        "--proxy [cyan]URL",
        "Send the request via a proxy. Should be the URL giving the proxy address.",
    ),
    (
        "--timeout [cyan]FLOAT",
        "Timeout value to use for network operations, such as establishing the connection, "
        f"reading some data, etc... [Default: {DEFAULT_TIMEOUT}]",
    ),
    ("--follow-redirects", "Automatically follow redirects."),
    (
        "--retries [cyan]NUM",
        "Retry a failed request up to NUM times: connection errors and timeouts, and "
        "responses 408, 429, 500, 502, 503 and 504 to GET, HEAD, PUT, DELETE, OPTIONS, "
        "TRACE and QUERY; no wait before the first retry, then 1 s, 2 s, 4 s... or what "
        "a Retry-After header asks.",
    ),
    (
        "--resolve [cyan]HOST:PORT:ADDRESS",
        "Connect to ADDRESS (comma-separated addresses, IPv6 in brackets) for HOST and "
        "PORT, as curl's --resolve; the Host header and TLS keep HOST. Repeatable.",
    ),
    ("--no-verify", "Disable SSL verification."),
    ("--http2", "Send the request using HTTP/2, if the remote server supports it."),
    (
        "--download [cyan]FILE",
        "Save the response body as FILE, rather than displaying it, with a progress bar. "
        "The file appears only once complete; a non-2xx response is not saved (exit 22).",
    ),
    ("-v, --verbose", "Verbose output. Show request as well as response."),
    (
        "--timings",
        "Print how long each phase took (DNS, connect, TLS, request sent, first byte, "
        "body) on stderr once the response is complete.",
    ),
    ("--fail", "Exit with code 22 if the response status is 400 or above."),
    (
        "--app [cyan]MODULE:ATTRIBUTE",
        "Send the request in-process to this ASGI or WSGI application (importable from the "
        "current directory) instead of over the network. The URL may then be a bare path.",
    ),
    (
        "--app-interface [cyan]\\[asgi|wsgi]",
        "The interface of the --app application. [Default: detected from the application]",
    ),
    ("--help", "Show this message and exit."),
)


def help_text(option: str) -> str:
    """The --help description of `option` (a long name such as "--json")."""
    for names, description in HELP_ROWS:
        if option in names.partition(" [")[0].split(", "):
            return description
    raise KeyError(option)


def header_problem(name: str, value: str) -> str | None:
    """Why (name, value) cannot be sent as a header field, or None if it can."""
    if not TOKEN.match(name):
        return f"{name!r} is not a valid header name"
    if FORBIDDEN_IN_FIELD_VALUE.search(value):
        return f"the value of {name!r} contains a line break or NUL character"
    return None


def parse_resolve_entry(entry: str) -> tuple[str, list[str]]:
    """curl's ``HOST:PORT:ADDRESS[,ADDRESS]...`` as ("HOST:PORT", [addresses]).

    Raises ValueError, saying what is wrong, for anything else; the addresses themselves
    are checked by the client (`resolve=`).
    """
    host, _, rest = entry.partition(":")
    port, _, addresses = rest.partition(":")
    if not host or not port or not addresses:
        raise ValueError(f"{entry!r} is not HOST:PORT:ADDRESS")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{port!r} is not a port number, in {entry!r}")
    return f"{host}:{int(port)}", [address.strip() for address in addresses.split(",")]


def download_problem(path: Path) -> str | None:
    """Why the body cannot be saved as `path`, or None if it can (checked up front)."""
    if path.is_dir():
        return f"{str(path)!r} is a directory"
    directory = path.parent
    if not directory.is_dir():
        return f"directory {str(directory)!r} does not exist"
    if not os.access(directory, os.W_OK | os.X_OK):
        return f"directory {str(directory)!r} is not writable"
    return None


def combination_problem(params: typing.Mapping[str, typing.Any]) -> str | None:
    """Why the parsed options cannot go together, or None if they can."""
    bodies = [
        option
        for option, given in (
            ("--content", params["content"] is not None),
            ("--json", params["json_data"] is not None),
            ("--data/--files", bool(params["data"] or params["files"])),
        )
        if given
    ]
    if len(bodies) > 1:
        # httpx would silently send only one of them: content, then files/data, then json.
        return f"{' and '.join(bodies)} cannot be combined: one body only"
    if params["app"] is not None and params["proxy"] is not None:
        return "--proxy cannot be combined with --app (no network)"
    if params["app"] is not None and params.get("resolve"):
        return "--resolve cannot be combined with --app (no network)"
    if params["app"] is None and params["interface"] is not None:
        return "--app-interface needs --app"
    return None
