"""Which engine parses HTTP/1.1 responses, proven by counting calls into it.

A request through `httpx.Client()` / `httpx.AsyncClient()` (asyncio and trio) to a real
local server is parsed by httptools when it is installed and nothing is forced, and by
h11 when ``HTTPX_HTTP1_PARSER=h11`` or when httptools cannot be imported.
"""

from __future__ import annotations

import array
import sys
import typing

import h11
import pytest

import httpx
from httpx._transports.http11 import ENGINE_VARIABLE
from httpx._transports.http11.response import engine_available
from tests.harness import MODES, run

if typing.TYPE_CHECKING:
    import httptools
else:
    httptools = pytest.importorskip("httptools")


class Calls(typing.NamedTuple):
    h11: list[int]
    httptools: list[int]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Counts bytes fed to h11 (as a client) and to llhttp's response parser, by
    wrapping their entry points."""
    counted = Calls([], [])
    receive_data = h11.Connection.receive_data

    def counting_receive_data(self: h11.Connection, data: bytes) -> None:
        if self.our_role is h11.CLIENT:  # (the test server may run on h11 too)
            counted.h11.append(len(data))
        receive_data(self, data)

    class CountingParser(httptools.HttpResponseParser):
        def feed_data(self, data: bytes | bytearray | memoryview | array.array[int]) -> None:
            counted.httptools.append(len(data))
            super().feed_data(data)

    monkeypatch.setattr(h11.Connection, "receive_data", counting_receive_data)
    monkeypatch.setattr(httptools, "HttpResponseParser", CountingParser)
    return counted


@pytest.fixture
def httptools_hidden(monkeypatch: pytest.MonkeyPatch) -> typing.Iterator[None]:
    """httptools made unimportable, as in an install without the speedups extra."""
    monkeypatch.setitem(sys.modules, "httptools", None)
    engine_available.cache_clear()
    yield
    engine_available.cache_clear()


def get_twice(mode: str, url: str) -> None:
    async def scenario(client: typing.Any) -> None:
        for _ in range(2):
            response = await client.get(url)
            assert response.status_code == 200 and response.text == "Hello, world!"

    run(mode, scenario)


@pytest.mark.parametrize("mode", MODES)
def test_httptools_parses_by_default(mode: str, calls: Calls, server: typing.Any) -> None:
    get_twice(mode, server.url)
    assert len(calls.httptools) == 2  # one complete head per response
    assert calls.h11 == []


@pytest.mark.parametrize("mode", MODES)
def test_h11_when_forced(
    mode: str, calls: Calls, server: typing.Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENGINE_VARIABLE, "h11")
    get_twice(mode, server.url)
    assert len(calls.h11) >= 2
    assert calls.httptools == []


@pytest.mark.parametrize("mode", MODES)
def test_h11_without_httptools(
    mode: str, calls: Calls, server: typing.Any, httptools_hidden: None
) -> None:
    get_twice(mode, server.url)
    assert len(calls.h11) >= 2
    assert calls.httptools == []


@pytest.mark.parametrize("transport_class", [httpx.HTTPTransport, httpx.AsyncHTTPTransport])
def test_forcing_an_engine_that_is_not_there(
    transport_class: type[typing.Any], monkeypatch: pytest.MonkeyPatch, httptools_hidden: None
) -> None:
    monkeypatch.setenv(ENGINE_VARIABLE, "httptools")
    with pytest.raises(ImportError, match=r"pip install httpx\[speedups\]"):
        transport_class()
    monkeypatch.setenv(ENGINE_VARIABLE, "llhttp")
    with pytest.raises(ValueError, match="HTTPX_HTTP1_PARSER must be one of h11, httptools"):
        transport_class()
