"""What the `httpx` command line client prints: help, header blocks, bodies, verbose steps.

On a terminal, header blocks and bodies are syntax highlighted with pygments through rich
(JSON is pretty-printed first). Anywhere else (a pipe, a file) the same text is written
verbatim, with no colour and no wrapping, so it stays usable by other programs.

Needs the `cli` extra (rich, pygments); only the command (`httpx._cli.command`) imports
it, and only once that extra is known to be installed.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Mapping, Sequence

import httpcore
import pygments.lexers
import pygments.util
import rich.console
import rich.filesize
import rich.markup
import rich.syntax
import rich.table

from .._models import Request, Response

__all__ = [
    "ExchangePrinter",
    "body_lexer",
    "format_certificate",
    "format_request",
    "format_request_headers",
    "format_response_headers",
    "lexer_for_content_type",
    "print_help",
    "print_response_body",
    "print_text",
]

SYNTAX_THEME = "ansi_dark"
# Bytes looked at to tell text from binary when the server sent no Content-Type.
SNIFF_LENGTH = 4096


def print_help(console: rich.console.Console, rows: Sequence[tuple[str, str]]) -> None:
    """The `--help` page: a title, the usage line and one row per option."""
    console.print("[bold]HTTPX :butterfly:", justify="center")
    console.print()
    console.print("A next generation HTTP client.", justify="center")
    console.print()
    console.print("Usage: [bold]httpx[/bold] [cyan]<URL> [OPTIONS][/cyan] ", justify="left")
    console.print()
    table = rich.table.Table.grid(padding=1, pad_edge=True)
    table.add_column("Parameter", no_wrap=True, justify="left", style="bold")
    table.add_column("Description")
    for option, description in rows:
        # The descriptions contain literal "[Default: ...]", which is not rich markup.
        table.add_row(option, rich.markup.escape(description))
    console.print(table)


def print_text(console: rich.console.Console, text: str, lexer: str) -> None:
    """Highlight `text` on a terminal; write it verbatim anywhere else.

    Piped output stays byte-for-byte the body: rich would wrap long lines at the console
    width and strip control characters, which corrupts data redirected to a file. A final
    line break is added only where the text lacks one, so the next output starts on a
    line of its own.
    """
    if console.is_terminal:
        console.print(rich.syntax.Syntax(text, lexer, theme=SYNTAX_THEME, word_wrap=True))
    else:
        console.file.write(text if text.endswith("\n") else text + "\n")
        console.file.flush()


# --- header blocks -----------------------------------------------------------------------


def _decode_header(value: bytes) -> str:
    # RFC 9110 §5.5: field values are octets; ISO-8859-1 maps every byte, so a server
    # sending non-ASCII bytes cannot crash the client.
    return value.decode("latin-1")


def format_header_block(start_line: str, headers: Sequence[tuple[bytes, bytes]]) -> str:
    lines = [start_line]
    lines.extend(f"{_decode_header(name)}: {_decode_header(value)}" for name, value in headers)
    return "\n".join(lines)


def format_request_headers(request: httpcore.Request, http2: bool) -> str:
    """The request as httpcore puts it on the wire (from the `trace` extension)."""
    method = request.method.decode("ascii")
    target = request.url.target.decode("ascii")
    version = "HTTP/2" if http2 else "HTTP/1.1"
    # RFC 9113 §8.2.1: HTTP/2 field names go on the wire in lowercase.
    headers = [(name.lower() if http2 else name, value) for name, value in request.headers]
    return format_header_block(f"{method} {target} {version}", headers)


def format_request(request: Request) -> str:
    """The request as the client hands it to an in-process (--app) transport."""
    target = request.url.raw_path.decode("ascii")
    return format_header_block(f"{request.method} {target} HTTP/1.1", request.headers.raw)


def format_response_headers(response: Response) -> str:
    status_line = f"{response.http_version} {response.status_code} {response.reason_phrase}"
    return format_header_block(status_line, response.headers.raw)


# --- bodies ------------------------------------------------------------------------------


def lexer_for_content_type(content_type: str | None) -> str | None:
    """The pygments lexer to show a body with, or None for binary data (or unknown)."""
    if content_type is None:
        return None
    mime_type = content_type.partition(";")[0].strip().lower()
    try:
        return str(pygments.lexers.get_lexer_for_mimetype(mime_type).aliases[0])
    except (pygments.util.ClassNotFound, IndexError):
        pass
    # RFC 6839 §3.1 and §4.1: structured syntax suffixes (application/problem+json, ...).
    if mime_type.endswith("+json"):
        return "json"
    if mime_type.endswith("+xml"):
        return "xml"
    # Unknown text/* types (text/csv, ...) are still text; anything else is binary.
    return "text" if mime_type.startswith("text/") else None


def looks_like_text(content: bytes) -> bool:
    """A guess for bodies sent without a Content-Type (RFC 9110 §8.3 lets the client sniff).

    Text here means UTF-8 without NUL bytes; a multi-byte character cut by the sniffing
    window does not count against it.
    """
    sample = content[:SNIFF_LENGTH]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(sample) - 3 and len(content) > SNIFF_LENGTH
    return True


def body_lexer(response: Response) -> str | None:
    """How to show the (read) body of `response`: a lexer name, or None for binary data."""
    content_type = response.headers.get("Content-Type")
    if content_type is None:
        return "text" if looks_like_text(response.content) else None
    return lexer_for_content_type(content_type)


def describe_binary_body(response: Response) -> str:
    size = len(response.content)
    readable = rich.filesize.decimal(size)
    exact = "" if readable == f"{size} bytes" else f" ({size} bytes)"
    content_type = response.headers.get("Content-Type", "no Content-Type")
    return (
        f"<binary body: {readable}{exact}, {content_type}; not shown, "
        "save it with --download FILE>"
    )


def print_response_body(console: rich.console.Console, response: Response) -> None:
    """Print a read response body: highlighted text, or a one-line note for binary data."""
    lexer = body_lexer(response)
    if lexer is None:
        # Raw bytes would scramble a terminal, and are of no use mixed into the headers
        # in a pipe either.
        console.print(describe_binary_body(response), markup=False, highlight=False, style="dim")
        return
    text = response.text
    if lexer == "json":
        try:
            text = json.dumps(response.json(), indent=4, ensure_ascii=False)
        except ValueError:  # not a single JSON document (NDJSON, a broken body): show as is
            pass
    print_text(console, text, lexer)


# --- verbose steps -----------------------------------------------------------------------


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
    (redirect hops and auth challenges included), so they show with any transport. Over
    the network the verbose details are only known to httpcore and arrive through the
    `trace` request extension, in wire order: connect, TLS, request headers; that keeps
    them interleaved correctly with the response headers of each hop. An in-process
    (--app) transport has no wire: there the request is printed from the `request` hook.
    """

    def __init__(self, console: rich.console.Console) -> None:
        self.console = console

    def print_step(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)

    def print_block(self, text: str) -> None:
        print_text(self.console, text, "http")
        self.console.print()

    def on_request(self, request: Request) -> None:
        self.print_block(format_request(request))

    def on_response(self, response: Response) -> None:
        self.print_block(format_response_headers(response))

    def trace(self, name: str, info: Mapping[str, typing.Any]) -> None:
        if name == "connection.connect_tcp.started":
            self.print_step(f"* Connecting to {info['host']!r}")
        elif name == "connection.connect_tcp.complete":
            stream: httpcore.NetworkStream = info["return_value"]
            server_addr = stream.get_extra_info("server_addr")
            if server_addr is not None:
                host, port = server_addr[0], server_addr[1]
                self.print_step(f"* Connected to {host!r} on port {port}")
        elif name == "connection.start_tls.complete":
            self.print_tls(info["return_value"])
        elif name == "http11.send_request_headers.started":
            self.print_block(format_request_headers(info["request"], http2=False))
        elif name == "http2.send_request_headers.started":
            self.print_block(format_request_headers(info["request"], http2=True))
        elif name == "retry.backoff.started":
            self.print_step(
                f"* Retrying after {info['reason']} in {info['delay']:.3f} s "
                f"(attempt {info['attempt']})"
            )
        elif name == "connection.retry_stale.started":
            self.print_step("* The server had closed the connection: retrying on a new one")

    def print_tls(self, stream: httpcore.NetworkStream) -> None:
        ssl_object = stream.get_extra_info("ssl_object")
        if ssl_object is None:
            return
        cipher = ssl_object.cipher()
        cipher_name = cipher[0] if cipher else None
        self.print_step(f"* SSL established using {ssl_object.version()!r} / {cipher_name!r}")
        self.print_step(f"* Selected ALPN protocol: {ssl_object.selected_alpn_protocol()!r}")
        certificate = ssl_object.getpeercert()
        if certificate:
            self.print_step("* Server certificate:")
            self.print_step(format_certificate(certificate))


# --- timings ------------------------------------------------------------------------------

_TIMING_LABELS = {
    "pool": "pool wait",
    "dns": "name lookup",
    "connect": "connect",
    "tls": "TLS handshake",
    "send": "request sent",
    "ttfb": "first byte",
    "body": "body",
}


def format_timings_line(timings: Mapping[str, float]) -> str:
    """-v's line: each phase in milliseconds, and the total."""
    phases = ", ".join(f"{name} {seconds * 1000:.1f} ms" for name, seconds in timings.items())
    return f"* Timings: {phases} (total {sum(timings.values()) * 1000:.1f} ms)"


def format_timings_table(timings: Mapping[str, float]) -> str:
    """--timings: as curl's ``-w`` variables show them, each phase and, in the second
    column, the time since the start (curl's time_namelookup, time_connect, ...)."""
    lines = []
    elapsed = 0.0
    for name, seconds in timings.items():
        elapsed += seconds
        label = _TIMING_LABELS.get(name, name)
        lines.append(f"{label + ':':<15}{seconds:>10.6f} s {elapsed:>10.6f} s")
    lines.append(f"{'total:':<15}{elapsed:>10.6f} s")
    return "\n".join(lines)
