"""Runs differential cases in one interpreter and prints their outcomes (stdlib only).

Started by `oracle.py` as ``python -I worker.py`` under our venv and under each reference
venv, so ``import httpx`` finds that venv's httpx and nothing of this repository (``-I``:
no PYTHONPATH, no user site, no script directory on sys.path). Reads a JSON list of
``[case_id, code]`` from stdin; writes one JSON object per case, in order, to stdout.

A case's code runs with ``httpx`` in its namespace. Its outcome is either the exception it
raised (class name and message) or the value it left in ``result``: its type name,
``repr`` and ``str``. Warnings it emitted are part of the outcome. Object addresses
(``0x7f...``) are masked, as they differ from run to run.
"""

import json
import re
import signal
import sys
import traceback
import warnings

import httpx

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")
CASE_SECONDS = 10


def _mask(text):
    return _ADDRESS.sub("0x?", text)


def _safe(function, value):
    try:
        return _mask(function(value))
    except BaseException as exc:  # a repr that raises is an outcome too
        return f"<{function.__name__} raised {type(exc).__name__}: {exc}>"


def _timeout(signum, frame):
    raise TimeoutError(f"case took more than {CASE_SECONDS} s")


def run_case(code):
    namespace = {"httpx": httpx, "__name__": "__case__"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        signal.signal(signal.SIGALRM, _timeout)
        signal.alarm(CASE_SECONDS)
        try:
            exec(compile(code, "<case>", "exec"), namespace)
        except BaseException as exc:
            outcome = {
                "raised": type(exc).__name__,
                "message": _safe(str, exc),
            }
            if isinstance(exc, (SyntaxError, NameError)):
                outcome["traceback"] = traceback.format_exc(limit=3)
        else:
            result = namespace.get("result")
            outcome = {
                "type": type(result).__name__,
                "repr": _safe(repr, result),
                "str": _safe(str, result),
            }
        finally:
            signal.alarm(0)
    outcome["warnings"] = [f"{w.category.__name__}: {_mask(str(w.message))}" for w in caught]
    return outcome


def main():
    cases = json.load(sys.stdin)
    out = sys.stdout
    for case_id, code in cases:
        outcome = run_case(code)
        outcome["id"] = case_id
        out.write(json.dumps(outcome) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
