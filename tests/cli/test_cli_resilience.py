"""The command line's --retries, --resolve and --timings, and the timings line of -v,
against a real server (tests/servers/resilience.py), in-process through click."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from httpx import _retry
from httpx._cli.exchange import cli_retry
from httpx._cli.options import parse_resolve_entry
from tests.cli.test_main import run, run_failing
from tests.servers.resilience import RetryServer

MADE_UP = "cli.made-up.test"


@pytest.fixture(scope="module")
def retry_server() -> Iterator[RetryServer]:
    server = RetryServer().start()
    yield server
    server.stop()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []
    monkeypatch.setattr(_retry, "sync_sleep", recorded.append)
    return recorded


def test_retries(retry_server: RetryServer, sleeps: list[float]) -> None:
    url = retry_server.url_for("/flaky/cli-retries?fail=3&status=502")
    result = run(url, "--retries", "3", "-v")
    assert result.exit_code == 0
    assert result.stdout.count("* Retrying after 502 Status in ") == 3
    assert result.stdout.rstrip().splitlines()[-2] == "ok 4"
    assert retry_server.hits("cli-retries") == 4
    assert sleeps == [1.0, 2.0]  # none before the first retry
    # Out of retries: the last response is shown, and --fail applies to it.
    url = retry_server.url_for("/flaky/cli-out?fail=9&status=503")
    assert run_failing(url, "--retries", "1", "--fail", exit_code=22).endswith("(--fail)")
    assert retry_server.hits("cli-out") == 2
    # Without --retries, none.
    assert run(retry_server.url_for("/flaky/cli-none?fail=1")).exit_code == 0
    assert retry_server.hits("cli-none") == 1


def test_retries_policy() -> None:
    retry = cli_retry(3)
    assert (retry.total, retry.raise_on_status, retry.backoff_factor) == (3, False, 0.5)
    assert retry.status_forcelist == {408, 429, 500, 502, 503, 504}


def test_resolve(retry_server: RetryServer) -> None:
    url = f"http://{MADE_UP}:{retry_server.port}/flaky/cli-resolve"
    entry = f"{MADE_UP}:{retry_server.port}:127.0.0.9,127.0.0.1"
    result = run(url, "--resolve", entry, "-v")
    assert result.exit_code == 0, result.stderr
    assert f"Host: {MADE_UP}:{retry_server.port}" in result.stdout
    assert "* Connected to '127.0.0.1'" in result.stdout
    # Another port is not overridden: the made-up name does not resolve.
    other = f"{MADE_UP}:1:127.0.0.1"
    assert "ConnectError" in run_failing(url, "--resolve", other, exit_code=6)


def test_resolve_entries() -> None:
    assert parse_resolve_entry("example.com:443:10.0.0.7") == ("example.com:443", ["10.0.0.7"])
    assert parse_resolve_entry("a:80:[::1],127.0.0.1") == ("a:80", ["[::1]", "127.0.0.1"])
    for bad in ("example.com", "example.com:443", "a:b:10.0.0.7", "a:0:1.2.3.4", ":80:1.2.3.4"):
        with pytest.raises(ValueError):
            parse_resolve_entry(bad)
    message = run_failing("http://a/", "--resolve", "a:80:nowhere", exit_code=2)
    assert "--resolve" in message and "IP address" in message
    message = run_failing(
        "/", "--app", "examples.hello_app:app", "--resolve", "a:80:::1", exit_code=2
    )
    assert "--resolve cannot be combined with --app" in message


def test_timings(retry_server: RetryServer) -> None:
    result = run(retry_server.url_for("/flaky/cli-timings"), "--timings")
    assert result.exit_code == 0
    assert result.stdout.endswith("ok 1\n")  # stdout keeps the exchange only
    lines = result.stderr.splitlines()
    labels = [line.partition(":")[0] for line in lines]
    assert labels == [
        "pool wait",
        "name lookup",
        "connect",
        "TLS handshake",
        "request sent",
        "first byte",
        "body",
        "total",
    ]
    cumulative = [float(re.findall(r"([\d.]+) s", line)[-1]) for line in lines]
    assert cumulative == sorted(cumulative)
    assert cumulative[-1] == cumulative[-2]  # the total is where the last phase ended


def test_verbose_shows_the_timings(retry_server: RetryServer) -> None:
    result = run(retry_server.url_for("/flaky/cli-verbose"), "-v")
    last = result.stdout.rstrip("\n").splitlines()[-1]
    assert re.fullmatch(
        r"\* Timings: pool [\d.]+ ms, dns [\d.]+ ms, connect [\d.]+ ms, tls [\d.]+ ms, "
        r"send [\d.]+ ms, ttfb [\d.]+ ms, body [\d.]+ ms \(total [\d.]+ ms\)",
        last,
    ), last


def test_timings_of_an_app() -> None:
    result = run("/", "--app", "examples.hello_app:app", "--timings")
    assert result.exit_code == 0
    assert "No timings" in result.stderr
