"""One run of the `httpx` command line client, once its options are parsed and checked.

Sends the request (over the network, or in-process to an --app), prints the exchange as
it happens, then the body or the download, and turns every failure into a `CLIFailure`
carrying its exit code and one-line message (the command prints it and exits).

Needs the `cli` extra (rich, pygments); only the command (`httpx._cli.command`) imports it.
"""

from __future__ import annotations

import sys
import traceback
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import rich.console

from .._exceptions import InvalidURL, RequestError
from .._models import Response
from .app import AppInterface, detect_interface
from .download import DownloadWriteError, download_response
from .errors import CLIFailure, ExitCode, describe_request_error
from .exchange import (
    ExchangeHooks,
    RequestOptions,
    send_over_network,
    send_to_asgi_app,
    send_to_wsgi_app,
)
from .output import (
    ExchangePrinter,
    format_timings_line,
    format_timings_table,
    print_response_body,
)

if typing.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

    from .._transports.asgi import _ASGIApp

__all__ = ["AppTarget", "NetworkOptions", "OutputOptions", "run"]


@dataclass(frozen=True)
class NetworkOptions:
    """How to reach a server over the network (unused with --app)."""

    proxy: str | None = None
    verify: bool = True
    http2: bool = False
    retries: int = 0  # --retries: 0, none
    resolve: Mapping[str, Sequence[str]] | None = None  # --resolve, as Client(resolve=)


@dataclass(frozen=True)
class AppTarget:
    """--app: the application to call in-process, and the interface it speaks."""

    app: Callable[..., object]
    spec: str  # "module:attribute", as given, for messages
    interface: AppInterface | None = None  # None: detect it

    @property
    def resolved_interface(self) -> AppInterface:
        return self.interface or detect_interface(self.app)


@dataclass(frozen=True)
class OutputOptions:
    verbose: bool = False
    download: Path | None = None
    fail: bool = False
    timings: bool = False


def stdout_console() -> rich.console.Console:
    console = rich.console.Console()
    # Piped output is for programs: no line wrapping at an imaginary 80 columns.
    console.soft_wrap = not console.is_terminal
    return console


def default_method(
    content: str | None,
    data: Mapping[str, Sequence[str]] | None,
    files: Sequence[object] | None,
    json_data: typing.Any,
) -> str:
    """GET, or POST when the command line gives a body (as httpx's CLI does)."""
    has_body = content is not None or bool(data) or bool(files) or json_data is not None
    return "POST" if has_body else "GET"


def _status(response: Response) -> str:
    return f"{response.status_code} {response.reason_phrase}".rstrip()


class Run:
    """One exchange and its output."""

    def __init__(
        self,
        request: RequestOptions,
        output: OutputOptions,
        network: NetworkOptions,
        app: AppTarget | None,
    ) -> None:
        self.request = request
        self.output = output
        self.network = network
        self.app = app
        self.console = stdout_console()
        # Progress and the download summary go to stderr, like curl's progress meter:
        # stdout keeps the exchange itself.
        self.status_console = rich.console.Console(stderr=True, soft_wrap=True)
        self.printer = ExchangePrinter(self.console)

    def handle(self, response: Response) -> Response:
        """Consume the response while its stream is open: download it, or print it."""
        download = self.output.download
        if download is not None and response.is_success:
            download_response(response, download, self.status_console)
        else:
            response.read()
            if response.content:
                print_response_body(self.console, response)
        self.print_timings(response)
        return response

    def print_timings(self, response: Response) -> None:
        """-v: one line on stdout with the other details; --timings: a table on stderr."""
        timings = response.extensions.get("timings")
        if timings is None:
            if self.output.timings:
                self.status_console.print(
                    "No timings: the response did not come over the network.", highlight=False
                )
            return
        if self.output.verbose:
            self.printer.print_step(format_timings_line(timings))
        if self.output.timings:
            self.status_console.print(format_timings_table(timings), highlight=False)

    def send(self) -> Response:
        verbose = self.output.verbose
        if self.app is None:
            hooks = ExchangeHooks(
                on_response=self.printer.on_response,
                trace=self.printer.trace if verbose else None,
            )
            return send_over_network(
                self.request,
                hooks,
                self.handle,
                proxy=self.network.proxy,
                verify=self.network.verify,
                http2=self.network.http2,
                retries=self.network.retries,
                resolve=self.network.resolve,
            )
        interface = self.app.resolved_interface
        hooks = ExchangeHooks(
            on_response=self.printer.on_response,
            on_request=self.printer.on_request if verbose else None,
        )
        if verbose:
            self.printer.print_step(
                f"* Calling the {interface.upper()} application {self.app.spec} in-process"
            )
        if interface == "asgi":
            asgi_app = typing.cast("_ASGIApp", self.app.app)
            return send_to_asgi_app(asgi_app, self.request, hooks, self.handle)
        wsgi_app = typing.cast("WSGIApplication", self.app.app)
        return send_to_wsgi_app(wsgi_app, self.request, hooks, self.handle)

    def check_status(self, response: Response) -> None:
        download = self.output.download
        if download is not None and not response.is_success:
            hint = " (--follow-redirects follows it)" if response.is_redirect else ""
            raise CLIFailure(
                ExitCode.HTTP_ERROR,
                f"{download} not saved: the server answered {_status(response)}{hint}",
            )
        if self.output.fail and response.is_error:
            raise CLIFailure(
                ExitCode.HTTP_ERROR, f"the server answered {_status(response)} (--fail)"
            )

    def __call__(self) -> None:
        try:
            response = self.send()
        except (RequestError, InvalidURL) as exc:
            proxy = self.network.proxy if self.app is None else None
            raise CLIFailure(*describe_request_error(exc, self.request.timeout, proxy)) from exc
        except DownloadWriteError as exc:
            raise CLIFailure(ExitCode.WRITE_FAILED, str(exc)) from exc
        except KeyboardInterrupt:
            raise CLIFailure(ExitCode.INTERRUPTED, "interrupted") from None
        except ImportError as exc:  # --http2 without h2, a socks5:// proxy without socksio
            raise CLIFailure(ExitCode.ERROR, str(exc)) from exc
        except Exception as exc:
            if self.app is None:
                raise  # a bug of ours: let the traceback show
            # The application's own error: what a developer wants to see is where it
            # came from, so --verbose adds the traceback.
            if self.output.verbose:
                traceback.print_exc(file=sys.stderr)
            raise CLIFailure(
                ExitCode.ERROR,
                f"the application raised {type(exc).__name__}: {exc}"
                + ("" if self.output.verbose else " (--verbose shows the traceback)"),
            ) from exc
        self.check_status(response)


def run(
    request: RequestOptions,
    output: OutputOptions,
    network: NetworkOptions,
    app: AppTarget | None = None,
) -> None:
    """Send the request and print the exchange; raise `CLIFailure` if it did not succeed."""
    Run(request, output, network, app)()
