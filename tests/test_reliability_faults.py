"""Faults stay bounded and typed: every broken exchange ends in an `httpx.HTTPError`
subclass within its timeout, and the same client then works.

Sync, asyncio and trio, against the fault server (tests/servers/faults.py), which also
serves a well-behaved "ok" route on the same port.
"""

from __future__ import annotations

import time
import typing

import pytest

import httpx
from tests import harness
from tests.servers.faults import FaultServer

READ_TIMEOUT = 0.3
TIMEOUT = httpx.Timeout(5.0, read=READ_TIMEOUT)
SLACK = 1.0

# fault -> the error it must end in
FAULTS: dict[str, type[httpx.HTTPError]] = {
    "reset-on-accept": httpx.TransportError,  # RST as soon as the connection is accepted
    "reset": httpx.ReadError,  # RST after reading the request
    "reset-mid-headers": httpx.TransportError,
    "reset-mid-body": httpx.TransportError,
    "close-mid-body": httpx.RemoteProtocolError,  # Content-Length 1000, 10 bytes, FIN
    "close-before-response": httpx.RemoteProtocolError,
    "bad-status": httpx.RemoteProtocolError,
    "bad-header": httpx.RemoteProtocolError,
    "huge-headers": httpx.RemoteProtocolError,  # a 1 MB header block
    "bad-chunk": httpx.RemoteProtocolError,
    "garbage": httpx.RemoteProtocolError,
    "stall": httpx.ReadTimeout,  # never answers
    "stall-body": httpx.ReadTimeout,  # headers, 10 of 1000 bytes, silence
}


def fault_url(server: FaultServer, fault: str) -> str:
    if fault == "reset-on-accept":
        return server.reset_on_accept_url
    return server.url_for_mode(fault)


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_ends_in_a_typed_error_and_the_client_recovers(
    mode: str, fault_server: FaultServer, fault: str
) -> None:
    expected = FAULTS[fault]

    async def scenario(client: typing.Any) -> None:
        for attempt in range(2):  # the second time on a pool that has seen the fault
            started = time.monotonic()
            with pytest.raises(httpx.HTTPError) as info:
                await client.get(fault_url(fault_server, fault))
            assert isinstance(info.value, expected), repr(info.value)
            assert info.value.request.url == fault_url(fault_server, fault)
            assert time.monotonic() - started < READ_TIMEOUT + SLACK
            response = await client.get(fault_server.url_for("ok"))
            assert response.text == "ok", attempt

    harness.run(mode, scenario, timeout=TIMEOUT, limits=httpx.Limits(max_connections=2))


@pytest.mark.parametrize("fault", ["reset-mid-body", "close-mid-body", "bad-chunk", "stall-body"])
def test_fault_while_streaming_the_body(mode: str, fault_server: FaultServer, fault: str) -> None:
    async def scenario(client: typing.Any) -> None:
        started = time.monotonic()
        received = b""
        with pytest.raises(httpx.HTTPError) as info:
            async with client.stream("GET", fault_server.url_for_mode(fault)) as response:
                assert response.status_code == 200
                async for chunk in response.aiter_raw():
                    received += chunk
        assert isinstance(info.value, FAULTS[fault]), repr(info.value)
        assert len(received) < 1000  # never a silent truncation
        assert time.monotonic() - started < READ_TIMEOUT + SLACK
        assert (await client.get(fault_server.url_for("ok"))).text == "ok"

    harness.run(mode, scenario, timeout=TIMEOUT, limits=httpx.Limits(max_connections=1))
