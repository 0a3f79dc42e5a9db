"""`python -m httpx`: the command line client, as the `httpx` console script runs it."""

from __future__ import annotations

from ._cli.main import main

if __name__ == "__main__":
    main()
