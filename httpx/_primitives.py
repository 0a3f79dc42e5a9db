"""Small conversions between str, bytes and query-string primitives.

These sit at the bottom of the import graph so that every model can use them.
"""

from __future__ import annotations

import typing

__all__ = ["primitive_value_to_str", "to_bytes", "to_str", "unquote"]


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
