"""The `httpx` command line client: send one request, show the response.

`httpx https://example.org -m POST -j '{"a": 1}' -v` prints the response status line and
headers, then the body (JSON pretty-printed, HTML/XML/text highlighted on a terminal,
binary data summarised). `--verbose` adds the connection and TLS steps and the request as
it goes on the wire; `--download FILE` saves the body atomically with a progress bar;
`--app module:attribute` sends the request in-process to an ASGI or WSGI application.

This module holds the command line itself: the options, their checks, and one-line error
reporting. The run lives in `_cli_run` (with `_cli_exchange`, `_cli_output`,
`_cli_download`, `_cli_app`); exit codes and messages in `_cli_errors` (docs/cli.md lists
them).

click, rich and pygments come from the optional `cli` extra. This module must import
without them (`httpx/__init__.py` re-exports `main`), so they are imported behind an
availability flag; without them `main()` explains what to install and exits with 1.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
import typing
from pathlib import Path

from ._cli_app import APP_INTERFACES, AppLoadError, load_app
from ._cli_errors import CLIFailure, ExitCode, one_line
from ._config import Proxy
from ._exceptions import InvalidURL

try:
    import click
    import pygments  # noqa: F401  (needed by _cli_output)
    import rich.console
except ImportError:  # pragma: no cover - exercised in a subprocess by the tests
    CLI_DEPENDENCIES_INSTALLED = False
else:
    CLI_DEPENDENCIES_INSTALLED = True

if CLI_DEPENDENCIES_INSTALLED:
    from ._cli_exchange import RequestOptions
    from ._cli_output import print_help
    from ._cli_run import AppTarget, NetworkOptions, OutputOptions, default_method, run

__all__ = ["CLI_DEPENDENCIES_INSTALLED", "MISSING_DEPENDENCIES_MESSAGE", "main"]

MISSING_DEPENDENCIES_MESSAGE = (
    "The 'httpx' command line client could not run because the required dependencies "
    "were not installed.\nMake sure you've installed everything with: pip install 'httpx[cli]'"
)

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
    ("--no-verify", "Disable SSL verification."),
    ("--http2", "Send the request using HTTP/2, if the remote server supports it."),
    (
        "--download [cyan]FILE",
        "Save the response body as FILE, rather than displaying it, with a progress bar. "
        "The file appears only once complete; a non-2xx response is not saved (exit 22).",
    ),
    ("-v, --verbose", "Verbose output. Show request as well as response."),
    ("--fail", "Exit with code 22 if the response status is 400 or above."),
    (
        "--app [cyan]MODULE:ATTRIBUTE",
        "Send the request in-process to this ASGI or WSGI application (importable from the "
        "current directory) instead of over the network. The URL may then be a bare path.",
    ),
    (
        "--app-interface [cyan][asgi|wsgi]",
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


def report_missing_dependencies() -> typing.NoReturn:
    """What `main` does when the `cli` extra is not installed."""
    print(MISSING_DEPENDENCIES_MESSAGE, file=sys.stderr)
    sys.exit(1)


def header_problem(name: str, value: str) -> str | None:
    """Why (name, value) cannot be sent as a header field, or None if it can."""
    if not TOKEN.match(name):
        return f"{name!r} is not a valid header name"
    if FORBIDDEN_IN_FIELD_VALUE.search(value):
        return f"the value of {name!r} contains a line break or NUL character"
    return None


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
    if params["app"] is None and params["interface"] is not None:
        return "--app-interface needs --app"
    return None


if CLI_DEPENDENCIES_INSTALLED:

    def exit_with_error(ctx: click.Context, message: str, code: int) -> typing.NoReturn:
        """Print `httpx: <message>` as one line on stderr, and exit with `code`."""
        prefix = click.style("httpx:", fg="red", bold=True)
        click.echo(f"{prefix} {one_line(message)}", err=True)
        ctx.exit(code)

    # --- option checks: each raises click.BadParameter, reported as a usage error ------

    def parse_method(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        if value is not None and not TOKEN.match(value):
            raise click.BadParameter(f"{value!r} is not a valid method name")
        return value

    def parse_headers(
        ctx: click.Context, param: click.Parameter, value: tuple[tuple[str, str], ...]
    ) -> tuple[tuple[str, str], ...]:
        for name, field_value in value:
            problem = header_problem(name, field_value)
            if problem is not None:
                raise click.BadParameter(problem)
        return value

    def parse_json(ctx: click.Context, param: click.Parameter, value: str | None) -> typing.Any:
        if value is None:
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise click.BadParameter(f"Not valid JSON: {exc}") from None

    def parse_auth(
        ctx: click.Context, param: click.Parameter, value: tuple[str | None, str | None]
    ) -> tuple[str, str] | None:
        username, password = value
        if username is None or password is None:
            return None
        if password == "-":
            password = str(click.prompt("Password", hide_input=True))
        return (username, password)

    def parse_proxy(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        if value is not None:
            try:
                Proxy(value)
            except (ValueError, InvalidURL) as exc:
                raise click.BadParameter(str(exc)) from None
        return value

    def parse_download(
        ctx: click.Context, param: click.Parameter, value: str | None
    ) -> Path | None:
        if value is None:
            return None
        path = Path(value)
        problem = download_problem(path)
        if problem is not None:
            raise click.BadParameter(problem)
        return path

    def parse_app(
        ctx: click.Context, param: click.Parameter, value: str | None
    ) -> AppTarget | None:
        if value is None:
            return None
        try:
            return AppTarget(app=load_app(value), spec=value)
        except AppLoadError as exc:
            raise click.BadParameter(str(exc)) from None

    def show_help(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if not value or ctx.resilient_parsing:
            return
        print_help(rich.console.Console(), HELP_ROWS)
        ctx.exit()

    # --- the command ---------------------------------------------------------------------

    def send(**params: typing.Any) -> None:
        """The command's callback: check what parsing cannot, then run."""
        problem = combination_problem(params)
        if problem is not None:
            exit_with_error(click.get_current_context(), problem, ExitCode.USAGE)
        data: dict[str, list[str]] = {}
        for name, value in params["data"]:  # `-d a 1 -d a 2` sends both values, in order
            data.setdefault(name, []).append(value)
        content, files, json_data = params["content"], params["files"], params["json_data"]
        request = RequestOptions(
            method=params["method"] or default_method(content, data, files, json_data),
            url=params["url"],
            params=params["params"],
            content=content,
            data=data or None,
            files=list(files) or None,
            json=json_data,
            headers=params["headers"],
            cookies=dict(params["cookies"]),
            auth=params["auth"],
            timeout=params["timeout"],
            follow_redirects=params["follow_redirects"],
        )
        app: AppTarget | None = params["app"]
        if app is not None and params["interface"] is not None:
            app = dataclasses.replace(app, interface=params["interface"])
        try:
            run(
                request,
                OutputOptions(
                    verbose=params["verbose"], download=params["download"], fail=params["fail"]
                ),
                NetworkOptions(
                    proxy=params["proxy"], verify=params["verify"], http2=params["http2"]
                ),
                app,
            )
        except CLIFailure as failure:
            exit_with_error(click.get_current_context(), failure.message, failure.code)

    class HttpxCommand(click.Command):
        """The command: checks for its dependencies, and reports usage errors on one line."""

        def make_context(
            self,
            info_name: str | None,
            args: list[str],
            parent: click.Context | None = None,
            **extra: typing.Any,
        ) -> click.Context:
            # Read at call time so a test can simulate a missing `cli` extra.
            if not CLI_DEPENDENCIES_INSTALLED:
                report_missing_dependencies()
            return super().make_context(info_name, args, parent, **extra)

        def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
            try:
                return super().parse_args(ctx, args)
            except click.UsageError as exc:
                message = f"{exc.format_message()} (see 'httpx --help')"
                exit_with_error(ctx, message, ExitCode.USAGE)

    def name_value_option(
        *names: str, description: str, callback: typing.Any = None
    ) -> click.Option:
        return click.Option(
            list(names), type=(str, str), multiple=True, help=description, callback=callback
        )

    main = HttpxCommand(
        name="httpx",
        callback=send,
        add_help_option=False,
        help="An HTTP command line client. Sends a request and displays the response.",
        params=[
            click.Argument(["url"], type=str),
            click.Option(
                ["--method", "-m", "method"],
                type=str,
                callback=parse_method,
                help=help_text("--method"),
            ),
            name_value_option("--params", "-p", "params", description=help_text("--params")),
            click.Option(["--content", "-c", "content"], type=str, help=help_text("--content")),
            name_value_option("--data", "-d", "data", description=help_text("--data")),
            click.Option(
                ["--files", "-f", "files"],
                type=(str, click.File(mode="rb")),
                multiple=True,
                help=help_text("--files"),
            ),
            click.Option(
                ["--json", "-j", "json_data"],
                type=str,
                callback=parse_json,
                help=help_text("--json"),
            ),
            name_value_option(
                "--headers",
                "-h",
                "headers",
                description=help_text("--headers"),
                callback=parse_headers,
            ),
            name_value_option("--cookies", "cookies", description=help_text("--cookies")),
            click.Option(
                ["--auth", "auth"],
                type=(str, str),
                default=(None, None),
                callback=parse_auth,
                help=help_text("--auth"),
            ),
            click.Option(
                ["--proxy", "proxy"], type=str, callback=parse_proxy, help=help_text("--proxy")
            ),
            click.Option(
                ["--timeout", "timeout"],
                type=click.FloatRange(min=0, min_open=True),
                default=DEFAULT_TIMEOUT,
                help=help_text("--timeout"),
            ),
            click.Option(
                ["--follow-redirects", "follow_redirects"],
                is_flag=True,
                help=help_text("--follow-redirects"),
            ),
            click.Option(
                ["--no-verify", "verify"],
                is_flag=True,
                flag_value=False,
                default=True,
                help=help_text("--no-verify"),
            ),
            click.Option(["--http2", "http2"], is_flag=True, help=help_text("--http2")),
            click.Option(
                ["--download", "download"],
                type=str,
                callback=parse_download,
                help=help_text("--download"),
            ),
            click.Option(
                ["--verbose", "-v", "verbose"], is_flag=True, help=help_text("--verbose")
            ),
            click.Option(["--fail", "fail"], is_flag=True, help=help_text("--fail")),
            click.Option(["--app", "app"], type=str, callback=parse_app, help=help_text("--app")),
            click.Option(
                ["--app-interface", "interface"],
                type=click.Choice(APP_INTERFACES),
                help=help_text("--app-interface"),
            ),
            click.Option(
                ["--help"],
                is_flag=True,
                is_eager=True,
                expose_value=False,
                callback=show_help,
                help=help_text("--help"),
            ),
        ],
    )
else:  # pragma: no cover - exercised in a subprocess by the tests
    # Typed as the click command it is whenever the `cli` extra is installed, so that
    # `CliRunner().invoke(httpx.main, ...)` type-checks; this fallback only explains.
    main = report_missing_dependencies  # type: ignore[assignment]
