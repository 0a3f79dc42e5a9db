"""The `httpx` command itself: its click options, their checks, and one-line errors.

`httpx https://example.org -m POST -j '{"a": 1}' -v` prints the response status line and
headers, then the body (JSON pretty-printed, HTML/XML/text highlighted on a terminal,
binary data summarised). `--verbose` adds the connection and TLS steps and the request as
it goes on the wire; `--download FILE` saves the body atomically with a progress bar;
`--app module:attribute` sends the request in-process to an ASGI or WSGI application.

This module holds the command line: the options, their checks, and one-line error
reporting. The run lives in `run` (with `exchange`, `output`, `download`, `app`); exit
codes and messages in `errors` (docs/cli.md lists them). It needs the `cli` extra (click,
rich, pygments): `httpx._cli.main` imports it only when that extra is installed.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path

import click
import rich.console

from .._config import Proxy
from .._exceptions import InvalidURL
from .._transports.network.resolution import Resolution
from . import dependencies
from .app import APP_INTERFACES, AppLoadError, load_app
from .errors import CLIFailure, ExitCode, one_line
from .exchange import RequestOptions
from .options import (
    DEFAULT_TIMEOUT,
    HELP_ROWS,
    TOKEN,
    combination_problem,
    download_problem,
    header_problem,
    help_text,
    parse_resolve_entry,
)
from .output import print_help
from .run import AppTarget, NetworkOptions, OutputOptions, default_method, run

__all__ = ["main"]


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


def parse_resolve(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> dict[str, list[str]]:
    resolve: dict[str, list[str]] = {}
    for entry in value:
        try:
            key, addresses = parse_resolve_entry(entry)
            Resolution({key: addresses})  # the addresses must be IP addresses
        except (TypeError, ValueError) as exc:
            raise click.BadParameter(str(exc)) from None
        resolve[key] = addresses
    return resolve


def parse_download(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    if value is None:
        return None
    path = Path(value)
    problem = download_problem(path)
    if problem is not None:
        raise click.BadParameter(problem)
    return path


def parse_app(ctx: click.Context, param: click.Parameter, value: str | None) -> AppTarget | None:
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
                verbose=params["verbose"],
                download=params["download"],
                fail=params["fail"],
                timings=params["timings"],
            ),
            NetworkOptions(
                proxy=params["proxy"],
                verify=params["verify"],
                http2=params["http2"],
                retries=params["retries"],
                resolve=params["resolve"],
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
        if not dependencies.CLI_DEPENDENCIES_INSTALLED:
            dependencies.report_missing_dependencies()
        return super().make_context(info_name, args, parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            message = f"{exc.format_message()} (see 'httpx --help')"
            exit_with_error(ctx, message, ExitCode.USAGE)


def name_value_option(*names: str, description: str, callback: typing.Any = None) -> click.Option:
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
            ["--retries", "retries"],
            type=click.IntRange(min=0),
            default=0,
            help=help_text("--retries"),
        ),
        click.Option(
            ["--resolve", "resolve"],
            type=str,
            multiple=True,
            callback=parse_resolve,
            help=help_text("--resolve"),
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
        click.Option(["--verbose", "-v", "verbose"], is_flag=True, help=help_text("--verbose")),
        click.Option(["--timings", "timings"], is_flag=True, help=help_text("--timings")),
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
