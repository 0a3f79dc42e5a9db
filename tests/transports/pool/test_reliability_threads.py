"""One sync `Client` shared by many threads: no errors, no crossed responses, and no
more connections than the limits allow.

Each request carries a token of its own; the server echoes it, with the client port it
saw the request on and the length of the request body, so each thread can check that
the response it got is the answer to its own request. (scripts/stress: 16 x 20,000.)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

import httpx
from tests.servers.faults import FaultServer

THREADS = 16
REQUESTS = 2000
MAX_CONNECTIONS = 6


@pytest.fixture(scope="module")
def counting_server() -> Iterator[FaultServer]:
    """A fault server of this module's own: its open_connections are our client's."""
    running = FaultServer().start()
    yield running
    running.wait_for_open_connections()
    running.stop()


def test_threads_share_one_client(counting_server: FaultServer) -> None:
    # Every connection may stay alive: none is closed and replaced, so every client port
    # the server sees belongs to one of at most MAX_CONNECTIONS connections.
    limits = httpx.Limits(
        max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS
    )
    url = counting_server.url_for("echo")
    ports: set[int] = set()
    errors: list[BaseException] = []
    done = [0] * THREADS
    start = threading.Barrier(THREADS)

    def worker(number: int, client: httpx.Client) -> None:
        try:
            start.wait(10)
            for index in range(REQUESTS // THREADS):
                token = f"t{number}-{index}"
                if index % 3:
                    response = client.get(url, params={"token": token})
                    size = 0
                else:
                    size = index % 50
                    response = client.post(url, params={"token": token}, content=b"x" * size)
                echoed, port, length = response.text.split(" ")
                assert response.status_code == 200
                assert echoed == token, (echoed, token)
                assert int(length) == size
                assert response.headers["X-Peer-Port"] == port
                ports.add(int(port))
                done[number] += 1
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    with httpx.Client(limits=limits, timeout=httpx.Timeout(10.0)) as client:
        threads = [threading.Thread(target=worker, args=(n, client)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(50)
        assert not any(thread.is_alive() for thread in threads)
        pool = client._transport._pool
        assert pool._pool_state.requests == 0
        assert len(pool.connections) <= MAX_CONNECTIONS
    assert errors == []
    assert sum(done) == REQUESTS // THREADS * THREADS
    assert 1 <= len(ports) <= MAX_CONNECTIONS
    assert counting_server.peak_open_connections <= MAX_CONNECTIONS
    assert counting_server.wait_for_open_connections() == 0
