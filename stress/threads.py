"""Storm 9: one sync `Client` shared by 16 threads for 20,000 requests.

Each request carries its own token; the server echoes it with the client port it saw and
the request body's length, so a crossed response (another thread's answer, or another
request's body) is caught. Every connection may stay alive, so the distinct client ports
the server saw are the connections opened: never more than `max_connections`.
"""

from __future__ import annotations

import threading

import httpx

from .measure import Row, Timer, open_sockets
from .server import ServerProcess

THREADS = 16
MAX_CONNECTIONS = 10


def run(server: ServerProcess, requests: int = 20_000) -> Row:
    row = Row("9 threads", f"sync x{THREADS}")
    timer = Timer()
    sockets_before = open_sockets()
    limits = httpx.Limits(
        max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS
    )
    url = server.url_for("echo")
    ports: set[int] = set()
    lock = threading.Lock()
    start = threading.Barrier(THREADS)
    per_thread = requests // THREADS

    with httpx.Client(limits=limits, timeout=httpx.Timeout(10.0)) as client:

        def worker(number: int) -> None:
            start.wait()
            for index in range(per_thread):
                token = f"t{number}-{index}"
                size = index % 64 if index % 3 == 0 else 0
                try:
                    if size:
                        response = client.post(url, params={"token": token}, content=b"x" * size)
                    else:
                        response = client.get(url, params={"token": token})
                    echoed, port, length = response.text.split(" ")
                    if (echoed, int(length)) != (token, size):
                        raise AssertionError(f"crossed: sent {token}/{size}, got {response.text}")
                except Exception as exc:
                    with lock:
                        row.unexpected(exc)
                    continue
                with lock:
                    row.ok += 1
                    ports.add(int(port))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        pool = client._transport._pool
        row.follow_ups = 100
        row.follow_ups_ok = sum(
            client.get(server.url_for("ok")).text == "ok" for _ in range(row.follow_ups)
        )
        left = pool._pool_state.requests
    row.requests = per_thread * THREADS
    row.notes.append(f"client ports seen: {len(ports)} (max_connections {MAX_CONNECTIONS})")
    if len(ports) > MAX_CONNECTIONS or left:
        row.unexpected_errors += 1
    row.open_sockets = open_sockets() - sockets_before
    row.server_open = server.wait_for_open_connections()
    row.seconds = timer.seconds()
    return row
