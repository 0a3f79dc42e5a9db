"""Small conversions between str, bytes and query-string primitives, and the check for
an optional package.

These sit at the bottom of the import graph so that every model can use them.
"""

from __future__ import annotations

import sys
import typing

__all__ = ["is_installed", "primitive_value_to_str", "to_bytes", "to_str", "unquote"]


def is_installed(name: str) -> bool:
    """Whether the top-level package `name` can be imported, without importing it.

    What `importlib.util.find_spec` answers (a None in sys.modules says it cannot), asked
    of the import system's finders directly: `import httpx` calls this for the optional
    decoders, and importlib.util is not worth importing for it.
    """
    if name in sys.modules:
        return sys.modules[name] is not None
    for finder in sys.meta_path:
        find_spec = getattr(finder, "find_spec", None)
        try:
            if find_spec is not None and find_spec(name, None) is not None:
                return True
        except (ImportError, ValueError):  # pragma: no cover - a broken finder
            continue
    return False


def primitive_value_to_str(value: typing.Any) -> str:
    """Coerce a primitive data type into a string value, as query strings and forms do.

    Note that we prefer JSON-style 'true'/'false' for boolean values here.
    """
    if value is True:
        return "true"
    elif value is False:
        return "false"
    elif value is None:
        return ""
    return str(value)


def to_bytes(value: str | bytes, encoding: str = "utf-8") -> bytes:
    return value.encode(encoding) if isinstance(value, str) else value


def to_str(value: str | bytes, encoding: str = "utf-8") -> str:
    return value if isinstance(value, str) else value.decode(encoding)


def unquote(value: str) -> str:
    """Strip one pair of surrounding double quotes, if present."""
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
