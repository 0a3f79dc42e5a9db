"""pycurl (peers venv, optional): one reused Curl handle (libcurl keeps the connection)."""

from __future__ import annotations

import argparse
import io
import time

import pycurl
from _common import Measurement, check_body, main, versions_of


def sync_get(args: argparse.Namespace) -> Measurement:
    curl = pycurl.Curl()
    buffer = io.BytesIO()
    curl.setopt(pycurl.URL, args.url)
    curl.setopt(pycurl.WRITEDATA, buffer)
    curl.setopt(pycurl.TIMEOUT, 60)

    def get() -> None:
        buffer.seek(0)
        buffer.truncate()
        curl.perform()
        check_body(curl.getinfo(pycurl.RESPONSE_CODE), buffer.tell(), args.size)

    try:
        for _ in range(args.warmup):
            get()
        started = time.perf_counter()
        for _ in range(args.count):
            get()
        elapsed = time.perf_counter() - started
        if curl.getinfo(pycurl.NUM_CONNECTS) != 0:
            raise SystemExit("libcurl opened a new connection: keep-alive did not hold")
    finally:
        curl.close()
    return Measurement(args.count, elapsed)


def versions() -> dict[str, str]:
    found = versions_of("pycurl")
    found["libcurl"] = pycurl.version_info()[1]
    return found


if __name__ == "__main__":
    main({"S1": sync_get}, versions)
