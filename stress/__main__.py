"""scripts/stress: the reliability storms at full size, against a local server.

    scripts/stress                 every storm (a few minutes)
    scripts/stress --only 1,9      some of them (1 cancel, 2 dropped, 8 faults, 9 threads)
    scripts/stress --scale 0.1     smaller storms, for a quick look

The server (tests/servers/faults.FaultServer) runs in a child process on 127.0.0.1, port 0.
Prints one table row per storm and backend; exits 1 if any row saw an unexpected error,
a failed follow-up, or a socket left open after the client was closed. The last recorded
run is in stress/RESULTS.md.
"""

from __future__ import annotations

import argparse
import platform
import sys
import warnings

import httpcore

from . import cancel, dropped, faults, threads
from .measure import Row, table
from .server import ServerProcess


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="1,2,8,9", help="storms to run (default: all)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size by this")
    parser.add_argument("--write", metavar="FILE", help="also write the table (markdown) here")
    args = parser.parse_args()
    only = set(args.only.split(","))

    def size(n: int) -> int:
        return max(int(n * args.scale), 50)

    # A dropped response warns (ResourceWarning) by design; the dropped storm counts them.
    warnings.simplefilter("default")
    server = ServerProcess()
    rows: list[Row] = []

    def report(row: Row) -> None:
        rows.append(row)
        print(" | ".join(row.cells()), flush=True)
        for example in row.examples:
            print(f"    unexpected: {example}", flush=True)

    try:
        if "1" in only:
            for backend in ("asyncio", "trio"):
                report(cancel.run(server, backend, size(5000), size(1000)))
        if "2" in only:
            report(dropped.run_sync(server, size(10_000)))
            for backend in ("asyncio", "trio"):
                report(dropped.run_async(server, backend, size(10_000)))
        if "8" in only:
            repeats = max(int(60 * args.scale), 2)
            report(faults.run_sync(server, repeats))
            for backend in ("asyncio", "trio"):
                report(faults.run_async(server, backend, repeats))
        if "9" in only:
            report(threads.run(server, size(20_000)))
    finally:
        server.close()

    text = (
        f"Python {platform.python_version()}, httpcore {httpcore.__version__}, "
        f"{platform.system()}\n\n{table(rows)}\n"
    )
    print("\n" + text)
    if args.write:
        with open(args.write, "w") as out:
            out.write(text)
    return 0 if all(row.passed for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
