"""`httpx --app module:attribute`: find a Python web application to send requests to.

The request then goes in-process through `WSGITransport` or `ASGITransport`: no server,
no socket. This module loads the application and decides which interface it speaks.
No click or rich here.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
import typing

__all__ = ["APP_INTERFACES", "AppInterface", "AppLoadError", "detect_interface", "load_app"]

AppInterface = typing.Literal["asgi", "wsgi"]
APP_INTERFACES: tuple[AppInterface, ...] = ("asgi", "wsgi")

SPEC_EXAMPLE = "examples.hello_app:app"


class AppLoadError(Exception):
    """The --app value names no usable application; the message says why."""


def _import_module(module_name: str) -> object:
    # Like `python -m` and uvicorn: modules in the current directory are importable.
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # Only the module asked for (or a package on its path) being absent is "not
        # found"; a missing dependency inside it is an import failure of that module.
        if exc.name is not None and (module_name + ".").startswith(exc.name + "."):
            raise AppLoadError(
                f"no module named {module_name!r} (run httpx from the directory that "
                "contains it, or set PYTHONPATH)"
            ) from exc
        raise AppLoadError(f"importing {module_name!r} failed: {exc}") from exc
    except Exception as exc:  # anything the module's own code raises while importing
        raise AppLoadError(
            f"importing {module_name!r} failed: {type(exc).__name__}: {exc}"
        ) from exc


def load_app(spec: str) -> typing.Callable[..., object]:
    """The callable named by `spec`, "module:attribute" (the attribute may be dotted)."""
    module_name, colon, attribute = spec.partition(":")
    if not colon or not module_name or not attribute:
        raise AppLoadError(f"expected 'module:attribute', such as {SPEC_EXAMPLE!r}")
    target = _import_module(module_name)
    for name in attribute.split("."):
        try:
            target = getattr(target, name)
        except AttributeError:
            raise AppLoadError(f"module {module_name!r} has no attribute {attribute!r}") from None
    if not callable(target):
        raise AppLoadError(f"{spec} is a {type(target).__name__}, not an ASGI or WSGI application")
    return target


def _positional_arity(app: typing.Callable[..., object]) -> int | None:
    try:
        signature = inspect.signature(app)
    except (TypeError, ValueError):  # some builtins and C extensions have none
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for parameter in signature.parameters.values() if parameter.kind in kinds)


def detect_interface(app: typing.Callable[..., object]) -> AppInterface:
    """ASGI or WSGI, by how the application is called.

    An ASGI 3 application is an async callable `(scope, receive, send)`: a coroutine
    function, or an object whose `__call__` is one (Starlette, FastAPI, Django's
    ASGIHandler...). A WSGI application is a plain callable `(environ, start_response)`.
    A plain callable taking three positional arguments is ASGI too (a wrapper returning
    an awaitable). Anything else is taken as WSGI; `--app-interface` overrides the guess.
    """
    if inspect.iscoroutinefunction(app):
        return "asgi"
    if not isinstance(app, type) and inspect.iscoroutinefunction(
        getattr(app, "__call__", None)  # noqa: B004  (the method itself, to inspect it)
    ):
        return "asgi"
    return "asgi" if _positional_arity(app) == 3 else "wsgi"
