"""Running one hostile case and judging it.

A `Case` is a server script plus what the client must make of it. `run_case` plays it
against `Client`, or `AsyncClient` on asyncio or trio (tests/harness.py), over HTTP/1.1
(`H1`: cleartext, TLS) or HTTP/2 (`H2`: prior knowledge over cleartext, ALPN over TLS),
and requires:

* the outcome is one of `case.expect`: the right data (`Data`), or exactly the httpx
  exception class named (`Raises`; a subclass does not do). Most cases accept exactly one
  outcome; the few that accept more say why in `case.why` (the RFC lets the recipient
  choose, or the socket layer decides which error a reset becomes);
* it came within `case.deadline` seconds (client timeouts are small, so a hang fails);
* memory stayed bounded. Where the server can push much (endless bodies and heads,
  floods) or the client could amplify (HPACK bombs), the case sets `trace`: the peak
  traced by tracemalloc (all threads, the server's included; the server's own buffers
  stay small) must stay under `case.memory`, while the server could push far more
  (`PUSH_BUDGET_BYTES`), so a client that buffers without bound cannot pass. Otherwise
  the server must have sent less than `SMALL_SCRIPT` bytes, which bounds what the client
  can hold (tracemalloc slows allocation-heavy code down up to 25 times, which would
  blur the deadline check, so it is used where it measures something);
* a follow-up request on the same client gets its own answer ("ok <path>") on a
  healthy connection: a NEW one where the broken connection had to be discarded, the
  SAME one where the exchange was clean, ANY where the RFC leaves it open;
* no server script failed.
"""

from __future__ import annotations

import fnmatch
import ssl
import time
import tracemalloc
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio
import pytest

import httpx
from tests import harness
from tests.hostile.h1 import H1Script
from tests.hostile.h2 import H2Script, Preamble
from tests.hostile.server import HostileServer, Route

TIMEOUT = 2.0  # seconds, for every step of a request
SHORT_READ = 0.3  # the read timeout of cases that end in a ReadTimeout
# The read timeout of floods. They stop after a byte budget (not a time limit, so a slow
# machine cannot cut them short for a client that would give up), then the server goes
# silent: a client that takes it all ends in a ReadTimeout after this.
FLOOD_READ = 1.0
DEADLINE = 5.0
MEMORY_LIMIT = 8 * 1024 * 1024
SMALL_SCRIPT = 256 * 1024  # bytes an untraced case's server may send
# An async case still running after this long has hung: it is cancelled and fails here,
# its event loop intact. Left to pytest-timeout, whose alarm interrupts the event loop
# itself, the client's coroutines would be abandoned half-way, and the garbage collector
# would finalise them later, at any allocation: on Python 3.11, inside the ast.parse of
# pytest's failure report, which is not reentrant ("SystemError: AST constructor
# recursion depth mismatch", an INTERNALERROR that ends the run).
HANG = 20.0

NEW, SAME, ANY = "new connection", "same connection", "either connection"


@dataclass(frozen=True)
class Proto:
    name: str
    http2: bool
    tls: bool

    def client_options(self, ca_file: str) -> dict[str, typing.Any]:
        options: dict[str, typing.Any] = {}
        if self.tls:
            options["verify"] = ssl.create_default_context(cafile=ca_file)
            options["http2"] = self.http2  # ALPN offers h2 and http/1.1; the server picks
        elif self.http2:
            options.update(http1=False, http2=True)  # prior knowledge (RFC 9113 3.3)
        return options

    @property
    def http_version(self) -> str:
        return "HTTP/2" if self.http2 else "HTTP/1.1"


H1 = [Proto("h1", False, False), Proto("h1-tls", False, True)]
H2 = [Proto("h2", True, False), Proto("h2-tls", True, True)]


@dataclass(frozen=True)
class Data:
    """The response the caller must get: status, the whole body, some header values."""

    status: int
    content: bytes | None = b""  # None: not compared (a streaming action checked it)
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Raises:
    """The exact httpx exception class the request must raise."""

    exception: type[httpx.HTTPError]


Outcome = Data | Raises
# A client call: gets the client (AsyncClient interface), the route and the case URL, and
# returns the response, its body read unless the expected Data has content None (or raises).
Action = Callable[[typing.Any, Route, str], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Case:
    name: str
    script: H1Script | H2Script
    expect: tuple[Outcome, ...]
    follow_up: str = ANY
    why: str = ""  # the rule that decides the outcome (RFC section)
    method: str = "GET"
    action: Action | None = None
    preamble: Preamble | None = None  # HTTP/2 only: the server's first frames
    read_timeout: float = TIMEOUT
    deadline: float = DEADLINE
    trace: bool = False  # measure memory with tracemalloc (see the module docstring)
    memory: int = MEMORY_LIMIT
    # Known failures of the current transport: (fnmatch pattern on "proto:mode", reason).
    failing: tuple[tuple[str, str], ...] = ()
    # Run after the follow-up: further checks on what the server saw.
    after: Callable[[Route], None] | None = None
    options: tuple[tuple[str, typing.Any], ...] = ()  # more Client(...) arguments
    # Also over TLS? Off for cases about frame or message parsing, which TLS does not
    # change, to keep the suite fast; on where buffering and connection reuse matter.
    tls: bool = True


def fails_today(reason: str, pattern: str = "*") -> tuple[tuple[str, str], ...]:
    """`Case.failing` for a failure of the current transport (in every mode by default)."""
    return ((pattern, reason),)


def params(cases: list[Case], protos: list[Proto]) -> list[typing.Any]:
    """pytest params (case, proto, mode), with each known failure as a strict xfail."""
    result = []
    for case in cases:
        for proto in protos:
            if proto.tls and not case.tls:
                continue
            for mode in harness.MODES:
                marks = [
                    pytest.mark.xfail(strict=True, reason=reason)
                    for pattern, reason in case.failing
                    if fnmatch.fnmatch(f"{proto.name}:{mode}", pattern)
                ][:1]
                ident = f"{case.name}-{proto.name}-{mode}"
                result.append(pytest.param(case, proto, mode, marks=marks, id=ident))
    return result


async def default_action(client: typing.Any, url: str, method: str) -> httpx.Response:
    response: httpx.Response = await client.request(method, url)
    return response


def run_case(mode: str, server: HostileServer, proto: Proto, ca_file: str, case: Case) -> None:
    if proto.http2:
        route = server.route(h2=typing.cast(H2Script, case.script), h2_preamble=case.preamble)
    else:
        route = server.route(h1=typing.cast(H1Script, case.script))
    url = route.url(proto.tls)
    errors_before = len(server.errors)
    results: list[httpx.Response | httpx.HTTPError] = []
    follow_ups: list[httpx.Response | httpx.HTTPError] = []
    elapsed: list[float] = []

    async def scenario(client: typing.Any) -> None:
        with anyio.fail_after(HANG):  # (a sync client blocks the loop: pytest-timeout's)
            await steps(client)

    async def steps(client: typing.Any) -> None:
        started = time.monotonic()
        try:
            if case.action is not None:
                results.append(await case.action(client, route, url))
            else:
                results.append(await default_action(client, url, case.method))
        except httpx.HTTPError as exc:
            results.append(exc)
        elapsed.append(time.monotonic() - started)
        try:
            follow_ups.append(await client.get(route.url(proto.tls, "ok")))
        except httpx.HTTPError as exc:
            follow_ups.append(exc)

    timeout = httpx.Timeout(TIMEOUT, read=case.read_timeout)
    options = {**proto.client_options(ca_file), **dict(case.options)}
    if case.trace:
        tracemalloc.start()
        try:
            harness.run(mode, scenario, timeout=timeout, **options)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    else:
        harness.run(mode, scenario, timeout=timeout, **options)

    [result] = results
    assert any(matches(expected, result) for expected in case.expect), (
        f"got {describe(result)}, expected one of {case.expect}"
    )
    if isinstance(result, httpx.HTTPError):
        assert result.request.url == url
    assert elapsed[0] < case.deadline, f"took {elapsed[0]:.2f} s"
    if case.trace:
        assert peak < case.memory, f"peak traced memory {peak / 2**20:.1f} MiB"
    else:
        sent = sum(server.log.connection(number).bytes_sent for number in case_connections(route))
        assert sent < SMALL_SCRIPT, f"the server sent {sent} bytes: set trace=True"
    [follow_up] = follow_ups
    assert isinstance(follow_up, httpx.Response), f"the follow-up failed: {describe(follow_up)}"
    assert (follow_up.status_code, follow_up.text) == (200, f"ok /{route.token}/ok")
    assert follow_up.http_version == proto.http_version
    check_connections(server, route, proto, case.follow_up)
    if case.after is not None:
        case.after(route)
    failures = server.errors[errors_before:]
    assert not failures, f"a server script failed: {failures!r}"


def matches(expected: Outcome, result: httpx.Response | httpx.HTTPError) -> bool:
    if isinstance(expected, Raises):
        return type(result) is expected.exception
    return (
        isinstance(result, httpx.Response)
        and result.status_code == expected.status
        and (expected.content is None or result.content == expected.content)
        and all(result.headers.get(name) == value for name, value in expected.headers)
    )


def describe(result: httpx.Response | httpx.HTTPError) -> str:
    if isinstance(result, httpx.Response):
        content = result.content[:200] if hasattr(result, "_content") else "(streamed)"
        return f"{result!r} {content!r} {dict(result.headers)}"
    return f"{type(result).__name__}({result})"


def case_connections(route: Route) -> set[int]:
    return {request.connection for request in route.requests()}


def check_connections(server: HostileServer, route: Route, proto: Proto, follow_up: str) -> None:
    cases = route.requests("case")
    follows = route.requests("ok")  # more than one if the client retried the follow-up
    assert cases, "the case request never reached the server"
    assert follows, "the follow-up never reached the server"
    answered = follows[-1]
    used = server.log.connection(answered.connection)
    assert (used.protocol, used.tls) == ("h2" if proto.http2 else "h1", proto.tls)
    if proto.tls:
        assert used.alpn == ("h2" if proto.http2 else "http/1.1")
    if follow_up == NEW:  # (a retried request may have found a healthy one since)
        assert cases[0].connection not in {request.connection for request in follows}, (
            "the follow-up was sent on the connection the case broke"
        )
    elif follow_up == SAME:
        assert answered.connection == cases[-1].connection, "a clean connection was not reused"
