"""Cancelling one request on a shared HTTP/2 connection must not fail the others.

With httpcore 1.0.9's `AsyncHTTP2Connection`, cancelling the first request on a new
connection at the wrong moment makes its siblings fail with `ValueError: semaphore
released too many times`, h2 protocol errors, ReadError or WriteError. Each round here
cancels the first request of a fresh connection at a random moment while six others
share the connection; none of the six may fail.
"""

from __future__ import annotations

import random
import ssl
import typing

import anyio
import pytest

import httpx

ROUNDS = 20
SIBLINGS = 6


@pytest.mark.anyio
async def test_cancelling_one_stream_leaves_its_siblings_alone(
    tls_server: typing.Any, ca_cert_pem_file: str, anyio_backend: str
) -> None:
    context = ssl.create_default_context(cafile=ca_cert_pem_file)
    rng = random.Random(f"http2-{anyio_backend}")
    errors: list[BaseException] = []
    succeeded = 0
    for _ in range(ROUNDS):
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(
            http2=True, verify=context, limits=limits, timeout=2.0
        ) as client:

            async def sibling(client: httpx.AsyncClient = client) -> None:
                nonlocal succeeded
                try:
                    response = await client.get(tls_server.url_for("/slow_headers?delay=0.01"))
                except Exception as exc:
                    errors.append(exc)
                    return
                assert response.http_version == "HTTP/2"
                succeeded += 1

            async def doomed(client: httpx.AsyncClient = client) -> None:
                # The first request: its cancellation can land while the connection is
                # being set up, or in the middle of writing its body.
                with anyio.move_on_after(rng.uniform(0, 0.015)):
                    try:
                        await client.post(tls_server.url_for("/echo_body"), content=b"x" * 200_000)
                    except httpx.HTTPError:
                        pass  # its own fate is not the point

            async with anyio.create_task_group() as group:
                group.start_soon(doomed)
                for _ in range(SIBLINGS):
                    group.start_soon(sibling)
    assert errors == []
    assert succeeded == ROUNDS * SIBLINGS
