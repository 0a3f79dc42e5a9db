"""The `httpx` command line client: send one request, show the response.

`httpx https://example.org -m POST -j '{"a": 1}' -v` prints the response status line and
headers, then the body (JSON pretty-printed, text highlighted per Content-Type, binary data
summarised). With `--verbose` it also shows the connection steps and the request headers as
they go on the wire, read from httpcore's `trace` request extension. The exit status is 0
for a 2xx response, 1 for any other response or a request error, 2 for bad arguments.

click, rich and pygments come from the optional `cli` extra. This module must import
without them (`httpx/__init__.py` re-exports `main`), so they are imported behind an
availability flag; without them `main()` explains what to install and exits with 1.
"""

from __future__ import annotations

import json
import sys
import typing
from collections.abc import Mapping, Sequence

import httpcore

from ._client import Client
from ._exceptions import InvalidURL, RequestError
from ._models import Response

try:
    import click
    import pygments.lexers
    import pygments.util
    import rich.console
    import rich.markup
    import rich.progress
    import rich.syntax
    import rich.table
except ImportError:  # pragma: no cover - exercised in a subprocess by the tests
    CLI_DEPENDENCIES_INSTALLED = False
else:
    CLI_DEPENDENCIES_INSTALLED = True

__all__ = ["CLI_DEPENDENCIES_INSTALLED", "MISSING_DEPENDENCIES_MESSAGE", "main"]

MISSING_DEPENDENCIES_MESSAGE = (
    "The 'httpx' command line client could not run because the required dependencies "
    "were not installed.\nMake sure you've installed everything with: pip install 'httpx[cli]'"
)

DEFAULT_TIMEOUT = 5.0
SYNTAX_THEME = "ansi_dark"

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
    ("--download [cyan]FILE", "Save the response content as a file, rather than displaying it."),
    ("-v, --verbose", "Verbose output. Show request as well as response."),
    ("--help", "Show this message and exit."),
)


def report_missing_dependencies() -> typing.NoReturn:
    """What `main` does when the `cli` extra is not installed."""
    print(MISSING_DEPENDENCIES_MESSAGE, file=sys.stderr)
    sys.exit(1)


# --- rendering ---------------------------------------------------------------------------


def print_help(console: rich.console.Console) -> None:
    console.print("[bold]HTTPX :butterfly:", justify="center")
    console.print()
    console.print("A next generation HTTP client.", justify="center")
    console.print()
    console.print("Usage: [bold]httpx[/bold] [cyan]<URL> [OPTIONS][/cyan] ", justify="left")
    console.print()
    table = rich.table.Table.grid(padding=1, pad_edge=True)
    table.add_column("Parameter", no_wrap=True, justify="left", style="bold")
    table.add_column("Description")
    for option, description in HELP_ROWS:
        # The descriptions contain literal "[Default: ...]", which is not rich markup.
        table.add_row(option, rich.markup.escape(description))
    console.print(table)


def print_text(console: rich.console.Console, text: str, lexer: str) -> None:
    """Highlight `text` on a terminal; write it verbatim anywhere else.

    Piped output stays byte-for-byte the body: rich would wrap long lines at the console
    width and strip control characters, which corrupts data redirected to a file.
    """
    if console.is_terminal:
        console.print(rich.syntax.Syntax(text, lexer, theme=SYNTAX_THEME, word_wrap=True))
    else:
        console.file.write(text + "\n")
        console.file.flush()


def _decode_header(value: bytes) -> str:
    # RFC 9110 §5.5: field values are octets; ISO-8859-1 maps every byte, so a server
    # sending non-ASCII bytes cannot crash the client.
    return value.decode("latin-1")


def format_header_block(start_line: str, headers: Sequence[tuple[bytes, bytes]]) -> str:
    lines = [start_line]
    lines.extend(f"{_decode_header(name)}: {_decode_header(value)}" for name, value in headers)
    return "\n".join(lines)


def format_request_headers(request: httpcore.Request, http2: bool) -> str:
    method = request.method.decode("ascii")
    target = request.url.target.decode("ascii")
    version = "HTTP/2" if http2 else "HTTP/1.1"
    # RFC 9113 §8.2.1: HTTP/2 field names go on the wire in lowercase.
    headers = [(name.lower() if http2 else name, value) for name, value in request.headers]
    return format_header_block(f"{method} {target} {version}", headers)


def format_response_headers(response: Response) -> str:
    status_line = f"{response.http_version} {response.status_code} {response.reason_phrase}"
    return format_header_block(status_line, response.headers.raw)


def lexer_for_content_type(content_type: str | None) -> str | None:
    """The pygments lexer to show a body with, or None for binary data."""
    if content_type is None:
        return None
    mime_type = content_type.partition(";")[0].strip().lower()
    if mime_type.endswith("+json"):  # RFC 6839 §3.1 structured syntax suffix
        return "json"
    try:
        return str(pygments.lexers.get_lexer_for_mimetype(mime_type).aliases[0])
    except (pygments.util.ClassNotFound, IndexError):
        # Unknown text/* types (text/csv, ...) are still text; anything else is binary.
        return "text" if mime_type.startswith("text/") else None


def print_response_body(console: rich.console.Console, response: Response) -> None:
    lexer = lexer_for_content_type(response.headers.get("Content-Type"))
    if lexer is None:
        console.print(f"<{len(response.content)} bytes of binary data>")
        return
    text = response.text
    if lexer == "json":
        try:
            text = json.dumps(response.json(), indent=4)
        except ValueError:  # not a single JSON document (NDJSON, a broken body): show as is
            pass
    print_text(console, text, lexer)


def format_certificate(certificate: Mapping[str, typing.Any]) -> str:
    """`ssl.SSLSocket.getpeercert()` output, one field a line, curl style."""
    lines = []
    for key, value in certificate.items():
        if not isinstance(value, (list, tuple)):
            lines.append(f"*   {key}: {value!r}")
            continue
        lines.append(f"*   {key}:")
        for item in value:
            if key in ("subject", "issuer"):
                # Relative distinguished names: a tuple of (attribute, value) pairs.
                lines.extend(f"*     {pair[0]}: {pair[1]!r}" for pair in item)
            elif isinstance(item, tuple) and len(item) == 2:
                lines.append(f"*     {item[0]}: {item[1]!r}")
            else:
                lines.append(f"*     {item!r}")
    return "\n".join(lines)


class ExchangePrinter:
    """Prints an exchange as it happens.

    Response headers arrive through the client's `response` event hook, once per response
    (redirect hops and auth challenges included), so they show with any transport. The
    verbose details are only known to httpcore and arrive through the `trace` extension,
    in wire order: connect, TLS, request headers; that keeps them interleaved correctly
    with the response headers of each hop.
    """

    def __init__(self, console: rich.console.Console) -> None:
        self.console = console

    def print_block(self, text: str) -> None:
        print_text(self.console, text, "http")
        self.console.print()

    def on_response(self, response: Response) -> None:
        self.print_block(format_response_headers(response))

    def trace(self, name: str, info: Mapping[str, typing.Any]) -> None:
        if name == "connection.connect_tcp.started":
            self.console.print(f"* Connecting to {info['host']!r}")
        elif name == "connection.connect_tcp.complete":
            stream: httpcore.NetworkStream = info["return_value"]
            server_addr = stream.get_extra_info("server_addr")
            if server_addr is not None:
                host, port = server_addr[0], server_addr[1]
                self.console.print(f"* Connected to {host!r} on port {port}")
        elif name == "connection.start_tls.complete":
            self.print_tls(info["return_value"])
        elif name == "http11.send_request_headers.started":
            self.print_block(format_request_headers(info["request"], http2=False))
        elif name == "http2.send_request_headers.started":
            self.print_block(format_request_headers(info["request"], http2=True))

    def print_tls(self, stream: httpcore.NetworkStream) -> None:
        ssl_object = stream.get_extra_info("ssl_object")
        if ssl_object is None:
            return
        cipher = ssl_object.cipher()
        cipher_name = cipher[0] if cipher else None
        self.console.print(f"* SSL established using {ssl_object.version()!r} / {cipher_name!r}")
        self.console.print(f"* Selected ALPN protocol: {ssl_object.selected_alpn_protocol()!r}")
        certificate = ssl_object.getpeercert()
        if certificate:
            self.console.print("* Server certificate:")
            self.console.print(format_certificate(certificate), markup=False, highlight=False)


def download_response(
    console: rich.console.Console, response: Response, download: typing.BinaryIO
) -> None:
    console.print()
    content_length = response.headers.get("Content-Length")
    with rich.progress.Progress(
        "[progress.description]{task.description}",
        "[progress.percentage]{task.percentage:>3.0f}%",
        rich.progress.BarColumn(bar_width=None),
        rich.progress.DownloadColumn(),
        rich.progress.TransferSpeedColumn(),
        console=console,
    ) as progress:
        description = f"Downloading [bold]{rich.markup.escape(download.name)}"
        task = progress.add_task(
            description,
            # Without Content-Length the size is unknown: show an indeterminate bar.
            total=int(content_length) if content_length and content_length.isdigit() else None,
        )
        for chunk in response.iter_bytes():
            download.write(chunk)
            progress.update(task, completed=response.num_bytes_downloaded)


# --- the request -------------------------------------------------------------------------

NameValue = tuple[str, str]


def form_fields(data: Sequence[NameValue]) -> dict[str, list[str]] | None:
    """`-d a 1 -d a 2` sends both values, in order."""
    fields: dict[str, list[str]] = {}
    for name, value in data:
        fields.setdefault(name, []).append(value)
    return fields or None


def send(
    *,
    url: str,
    method: str | None,
    params: Sequence[NameValue],
    content: str | None,
    data: Sequence[NameValue],
    files: Sequence[tuple[str, typing.BinaryIO]],
    json_data: typing.Any,
    headers: Sequence[NameValue],
    cookies: Sequence[NameValue],
    auth: tuple[str, str] | None,
    proxy: str | None,
    timeout: float,
    follow_redirects: bool,
    verify: bool,
    http2: bool,
    download: typing.BinaryIO | None,
    verbose: bool,
) -> typing.NoReturn:
    """Send the request, print the response, exit 0 for 2xx and 1 for anything else."""
    console = rich.console.Console()
    # Piped output is for programs: no line wrapping at an imaginary 80 columns.
    console.soft_wrap = not console.is_terminal
    has_body = content is not None or bool(data) or bool(files) or json_data is not None
    if method is None:
        method = "POST" if has_body else "GET"
    printer = ExchangePrinter(console)
    try:
        # Cookies go on the client: per-request cookies are deprecated in httpx 0.28.
        with Client(
            proxy=proxy,
            timeout=timeout,
            http2=http2,
            verify=verify,
            cookies=dict(cookies),
            event_hooks={"response": [printer.on_response]},
        ) as client:
            with client.stream(
                method,
                url,
                params=list(params),
                content=content,
                data=form_fields(data),
                files=list(files) or None,
                json=json_data,
                headers=list(headers),
                auth=auth,
                follow_redirects=follow_redirects,
                extensions={"trace": printer.trace} if verbose else None,
            ) as response:
                if download is not None:
                    download_response(console, response, download)
                else:
                    response.read()
                    if response.content:
                        print_response_body(console, response)
    # ImportError: --http2 without h2, a socks5:// proxy without socksio, ...
    except (RequestError, InvalidURL, ImportError) as exc:
        console.print(f"[red]{type(exc).__name__}[/red]: {rich.markup.escape(str(exc))}")
        sys.exit(1)
    sys.exit(0 if response.is_success else 1)


# --- the click command -------------------------------------------------------------------

if CLI_DEPENDENCIES_INSTALLED:

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

    def show_help(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if not value or ctx.resilient_parsing:
            return
        print_help(rich.console.Console())
        ctx.exit()

    class HttpxCommand(click.Command):
        """The command, checking for its dependencies before parsing anything."""

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

    def name_value_option(*names: str, description: str) -> click.Option:
        return click.Option(list(names), type=(str, str), multiple=True, help=description)

    main = HttpxCommand(
        name="httpx",
        callback=send,
        add_help_option=False,
        help="An HTTP command line client. Sends a request and displays the response.",
        params=[
            click.Argument(["url"], type=str),
            click.Option(["--method", "-m", "method"], type=str, help=HELP_ROWS[0][1]),
            name_value_option("--params", "-p", "params", description=HELP_ROWS[1][1]),
            click.Option(["--content", "-c", "content"], type=str, help=HELP_ROWS[2][1]),
            name_value_option("--data", "-d", "data", description=HELP_ROWS[3][1]),
            click.Option(
                ["--files", "-f", "files"],
                type=(str, click.File(mode="rb")),
                multiple=True,
                help=HELP_ROWS[4][1],
            ),
            click.Option(
                ["--json", "-j", "json_data"], type=str, callback=parse_json, help=HELP_ROWS[5][1]
            ),
            name_value_option("--headers", "-h", "headers", description=HELP_ROWS[6][1]),
            name_value_option("--cookies", "cookies", description=HELP_ROWS[7][1]),
            click.Option(
                ["--auth", "auth"],
                type=(str, str),
                default=(None, None),
                callback=parse_auth,
                help=HELP_ROWS[8][1],
            ),
            click.Option(["--proxy", "proxy"], type=str, default=None, help=HELP_ROWS[9][1]),
            click.Option(
                ["--timeout", "timeout"],
                type=float,
                default=DEFAULT_TIMEOUT,
                help=HELP_ROWS[10][1],
            ),
            click.Option(
                ["--follow-redirects", "follow_redirects"], is_flag=True, help=HELP_ROWS[11][1]
            ),
            click.Option(
                ["--no-verify", "verify"],
                is_flag=True,
                flag_value=False,
                default=True,
                help=HELP_ROWS[12][1],
            ),
            click.Option(["--http2", "http2"], is_flag=True, help=HELP_ROWS[13][1]),
            click.Option(["--download", "download"], type=click.File("wb"), help=HELP_ROWS[14][1]),
            click.Option(["--verbose", "-v", "verbose"], is_flag=True, help=HELP_ROWS[15][1]),
            click.Option(
                ["--help"],
                is_flag=True,
                is_eager=True,
                expose_value=False,
                callback=show_help,
                help=HELP_ROWS[16][1],
            ),
        ],
    )
else:  # pragma: no cover - exercised in a subprocess by the tests
    # Typed as the click command it is whenever the `cli` extra is installed, so that
    # `CliRunner().invoke(httpx.main, ...)` type-checks; this fallback only explains.
    main = report_missing_dependencies  # type: ignore[assignment]
