"""The `httpx` command line client, which needs the optional `cli` extra (click, rich,
pygments).

`import httpx` imports nothing from this package: `httpx.main` loads `httpx._cli.main` on
first access (see `httpx/__init__.py`), so the client's dependencies cost library users
nothing. The modules, from the entry point down:

- `main`: the entry point of the `httpx` console script, `python -m httpx` and
  `httpx.main`: the click command, or without the `cli` extra a function that prints
  httpx's install hint (`dependencies`).
- `command`: the click command (options, their checks, one-line errors); `options`: the
  help texts and the checks that need no click.
- `run`: one run; `exchange` sends the request (network or `--app`), `output` prints it,
  `download` saves a body (`--download`), `app` loads an `--app`, `errors` maps failures
  to exit codes and messages.
"""
