"""Runs differential cases in one interpreter and prints their outcomes (stdlib only).

Started by `oracle.py` as ``python -I worker.py`` under our venv and under each reference
venv, so ``import httpx`` finds that venv's httpx and nothing of this repository (``-I``:
no PYTHONPATH, no user site, no script directory on sys.path). It must stay stdlib-only
and run on Python 3.10+, since it runs inside venvs that hold nothing of ours.

Input (stdin, JSON), either the original form, a list of ``[case_id, code]``, or::

    {"preludes": {"name": "code run once"}, "cases": [[case_id, code, "name" or null]]}

A case's code runs with ``httpx`` and `attempt` in its namespace, on top of a copy of its
prelude's namespace (helpers a case module defines once rather than in every case). Its
outcome is either the exception it raised (class name and message) or the value it left
in ``result``: its type name, ``repr`` and ``str``. Warnings it emitted, and what it
printed, are part of the outcome. Object addresses (``0x7f...``) are masked, as they
differ from run to run.

Output: one JSON object per case, in order, on the original stdout, flushed after each
case so that a crash loses nothing: the oracle restarts the worker after the case that
crashed it. A case that runs longer than `CASE_SECONDS` fails with ``CaseTimeout``.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import sys
import traceback
import types
import typing
import warnings

import httpx

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")
CASE_SECONDS = int(os.environ.get("ORACLE_CASE_SECONDS", "10"))

Outcome = dict[str, typing.Any]


class CaseTimeout(BaseException):
    """A case ran too long (a BaseException: `except Exception` in a case won't eat it)."""


def _mask(text: str) -> str:
    return _ADDRESS.sub("0x?", text)


def _safe(function: typing.Callable[[object], str], value: object) -> str:
    try:
        return _mask(function(value))
    except BaseException as exc:  # a repr that raises is an outcome too
        return f"<{function.__name__} raised {type(exc).__name__}: {exc}>"


def attempt(function: typing.Callable[..., object], *args: object, **kwargs: object) -> object:
    """``function(*args, **kwargs)``, or ``"!ExceptionName: message"`` if it raised.

    Lets one case record several operations, some of which fail, without stopping.
    """
    try:
        return function(*args, **kwargs)
    except Exception as exc:
        return f"!{type(exc).__name__}: {_safe(str, exc)}"


def _on_alarm(signum: int, frame: types.FrameType | None) -> None:
    raise CaseTimeout(f"case took more than {CASE_SECONDS} s")


def run_case(code: str, base: dict[str, object] | None = None) -> Outcome:
    namespace: dict[str, object] = {"httpx": httpx, "attempt": attempt, "__name__": "__case__"}
    if base:
        namespace.update(base)
    printed = io.StringIO()
    saved = sys.stdout, sys.stderr
    outcome: Outcome
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sys.stdout = sys.stderr = printed
        signal.alarm(CASE_SECONDS)
        try:
            exec(compile(code, "<case>", "exec"), namespace)
        except BaseException as exc:
            outcome = {"raised": type(exc).__name__, "message": _safe(str, exc)}
            if isinstance(exc, (SyntaxError, NameError, CaseTimeout)):
                outcome["traceback"] = traceback.format_exc(limit=5)
            del exc  # (its traceback holds the case's frames)
        else:
            result = namespace.get("result")
            outcome = {
                "type": type(result).__name__,
                "repr": _safe(repr, result),
                "str": _safe(str, result),
            }
            del result
        finally:
            signal.alarm(0)
            # Objects the case made are freed here, inside the block, so that warnings
            # their finalisers emit (ResourceWarning) belong to this case, every run.
            namespace.clear()
            sys.stdout, sys.stderr = saved
    outcome["warnings"] = [f"{w.category.__name__}: {_mask(str(w.message))}" for w in caught]
    if printed.getvalue():
        outcome["output"] = _mask(printed.getvalue())
    return outcome


def _preludes(sources: dict[str, str]) -> dict[str, dict[str, object]]:
    namespaces = {}
    for name, code in sources.items():
        namespace: dict[str, object] = {
            "httpx": httpx,
            "attempt": attempt,
            "__name__": f"__prelude_{name}__",
        }
        # (Its `__builtins__` stays: the functions it defines keep this dict as their
        # globals, and the warnings machinery looks builtins up there, when a coroutine
        # one of them made is collected unawaited, say.)
        exec(compile(code, f"<prelude {name}>", "exec"), namespace)
        namespaces[name] = namespace
    return namespaces


def main() -> None:
    request = json.load(sys.stdin)
    if isinstance(request, list):
        request = {"preludes": {}, "cases": request}
    preludes = _preludes(request.get("preludes", {}))
    # Our results go to a private copy of stdout; whatever a case prints is captured.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    signal.signal(signal.SIGALRM, _on_alarm)
    for case in request["cases"]:
        case_id, code = case[0], case[1]
        prelude = case[2] if len(case) > 2 else None
        outcome = run_case(code, preludes[prelude] if prelude else None)
        outcome["id"] = case_id
        out.write(json.dumps(outcome) + "\n")
        out.flush()
    out.close()


if __name__ == "__main__":
    main()
