"""`Headers`: a case-insensitive, order-preserving multi-dict of HTTP header fields."""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator, Mapping

from ._exceptions import LocalProtocolError
from ._types import HeaderTypes

__all__ = ["SENSITIVE_HEADERS", "UNSENDABLE_IN_TEXT_VALUE", "Headers"]

# Masked in repr() so that credentials do not end up in logs and tracebacks.
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization"})

# RFC 9110 section 5.1: a field name is a token (section 5.6.2). Anything else cannot be
# sent: h11 would refuse it only once the connection is open, and a name holding ":" or
# whitespace would change how the receiver splits the field apart.
_VALID_NAME = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# RFC 9110 section 5.5: CR, LF and NUL in a field value are "invalid and dangerous": they
# would let whoever controls the value inject fields or split the request. We refuse
# every byte that str.splitlines() treats as a line break (VT, FF, FS, GS, RS too; h11
# refuses VT and FF as well), as soon as the header is set, never after connecting.
_FORBIDDEN_IN_VALUE = re.compile(rb"[\x00\n\r\x0b\x0c\x1c-\x1e]")
# In a str value, the Unicode line breaks too: text-handling code downstream splits there.
_FORBIDDEN_IN_TEXT_VALUE = re.compile("[\x85\u2028\u2029]")
# Both rules at once, for text that will end up in a header (see `Cookies`).
UNSENDABLE_IN_TEXT_VALUE = re.compile("[\x00\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def _encode_name(name: typing.Any, encoding: str | None) -> bytes:
    if isinstance(name, bytes):
        raw = name
    elif isinstance(name, str):
        try:
            raw = name.encode(encoding or "ascii")
        except UnicodeEncodeError:
            raise _invalid_name(name) from None
    else:
        # What httpx 0.28 raises, from its `name.encode(...)`.
        raise AttributeError(f"{type(name).__name__!r} object has no attribute 'encode'")
    if _VALID_NAME.fullmatch(raw) is None:
        raise _invalid_name(raw)
    return raw


def _invalid_name(name: str | bytes) -> LocalProtocolError:
    if not name:
        return LocalProtocolError("Invalid header name b'': header names must not be empty.")
    return LocalProtocolError(
        f"Invalid header name {name!r}: a header name must be a token (RFC 9110 section "
        "5.1), made of ASCII letters, digits and !#$%&'*+-.^_`|~ only; no spaces, colons, "
        "CR, LF or NUL."
    )


def _encode_value(value: str | bytes, encoding: str | None) -> bytes:
    if isinstance(value, bytes):
        raw = value
    elif isinstance(value, str):
        try:
            raw = value.encode(encoding or "ascii")
        except UnicodeEncodeError:
            if encoding not in (None, "ascii"):
                raise
            raw = _encode_text_value(value)
    else:
        raise TypeError(f"Header value must be str or bytes, not {type(value)}")
    if _FORBIDDEN_IN_VALUE.search(raw) is not None:
        raise LocalProtocolError(
            f"Invalid header value {raw!r}: header values must not contain CR, LF or NUL "
            "characters, nor other line breaks."
        )
    return raw


def _encode_text_value(value: str) -> bytes:
    """UTF-8 for a non-ASCII str value, refusing what cannot or must not be sent."""
    if _FORBIDDEN_IN_TEXT_VALUE.search(value) is not None:
        raise LocalProtocolError(
            f"Invalid header value {value!r}: header values must not contain CR, LF or NUL "
            "characters, nor other line breaks (U+0085, U+2028, U+2029)."
        )
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate has no encoding
        raise LocalProtocolError(
            f"Invalid header value {value!r}: it cannot be encoded ({exc.reason})."
        ) from None


def _pick_encoding(items: list[tuple[bytes, bytes, bytes]]) -> str:
    # The common case first, without decoding: every byte is ASCII. (A plain loop, not
    # all() over a generator: this runs for the headers of every request and response.)
    for raw_key, _, value in items:
        if not (raw_key.isascii() and value.isascii()):
            break
    else:
        return "ascii"
    for encoding in ("utf-8",):
        try:
            for raw_key, _, value in items:
                raw_key.decode(encoding)
                value.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    # iso-8859-1 decodes any byte sequence, and is what RFC 7230 allowed historically.
    return "iso-8859-1"


class Headers(typing.MutableMapping[str, str]):
    """HTTP headers, as a case-insensitive multi-dict (the behaviour of httpx 0.28).

    Stored as a list of (raw name, lower-cased name, value) byte triples, so that the
    wire form is available without re-encoding and lookups need no case folding. Names
    and values are decoded with `encoding`: the one given, else the first of ascii,
    utf-8 and iso-8859-1 that decodes every field, worked out when first needed and
    then kept (as httpx does).

    Beyond httpx 0.28: `headers | other` (`other` any mapping, list of pairs or
    `Headers`) is a new `Headers` in which, as with `dict | dict`, the right side wins:
    for each name `other` has, all of its fields replace all of ours (repeated names
    kept, in order, after our remaining fields). `other | headers` likewise, and
    `headers |= other` updates in place.
    """

    _list: list[tuple[bytes, bytes, bytes]]
    _encoding: str | None

    def __init__(self, headers: HeaderTypes | None = None, encoding: str | None = None) -> None:
        self._list = []
        if isinstance(headers, Headers):
            self._list = list(headers._list)
        elif isinstance(headers, Mapping):
            append = self._list.append
            for key, value in headers.items():
                raw_key = _encode_name(key, encoding)
                append((raw_key, raw_key.lower(), _encode_value(value, encoding)))
        elif headers is not None:
            append = self._list.append
            for key, value in headers:
                raw_key = _encode_name(key, encoding)
                append((raw_key, raw_key.lower(), _encode_value(value, encoding)))
        self._encoding = encoding

    @classmethod
    def _from_trusted(cls, raw: typing.Iterable[tuple[bytes, bytes]]) -> Headers:
        """Build from (name, value) bytes pairs already validated by a protocol parser.

        h11/h2 validate the fields they parse, so responses skip our own checks.
        """
        headers = cls.__new__(cls)
        headers._encoding = None
        headers._list = [(key, key.lower(), value) for key, value in raw]
        return headers

    @property
    def encoding(self) -> str:
        """The encoding used to decode names and values: ascii, else utf-8, else latin-1."""
        if self._encoding is None:
            self._encoding = _pick_encoding(self._list)
        return self._encoding

    @encoding.setter
    def encoding(self, value: str) -> None:
        self._encoding = value

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        """The headers as (name, value) bytes pairs, names in their original case."""
        return [(raw_key, value) for raw_key, _, value in self._list]

    def keys(self) -> typing.KeysView[str]:
        """The distinct header names, lower-cased."""
        encoding = self.encoding
        return {key.decode(encoding): None for _, key, _ in self._list}.keys()

    def values(self) -> typing.ValuesView[str]:
        """One value per name: repeated headers joined with ", "."""
        return self._joined().values()

    def items(self) -> typing.ItemsView[str, str]:
        """Lower-cased names with comma-joined values (RFC 9110 section 5.3)."""
        return self._joined().items()

    def _joined(self) -> dict[str, str]:
        encoding = self.encoding
        joined: dict[str, str] = {}
        for _, key, value in self._list:
            name = key.decode(encoding)
            text = value.decode(encoding)
            joined[name] = f"{joined[name]}, {text}" if name in joined else text
        return joined

    def multi_items(self) -> list[tuple[str, str]]:
        """Every (lower-cased name, value) pair, repeated names included."""
        encoding = self.encoding
        return [(key.decode(encoding), value.decode(encoding)) for _, key, value in self._list]

    def get(self, key: str, default: typing.Any = None) -> typing.Any:
        """The value of a header (repeated headers joined with ", "), or `default`."""
        if type(self) is not Headers:  # (a subclass may have its own __getitem__)
            try:
                return self[key]
            except KeyError:
                return default
        # What `self[key]` does, without raising and catching KeyError for a missing
        # header (the usual outcome of the lookups made for every request).
        # (`key.lower().encode` is looked up before the encoding is worked out, as in
        # httpx: a key of the wrong type fails without caching an encoding.)
        lookup = key.lower().encode(self._encoding or self.encoding)
        encoding = typing.cast(str, self._encoding)  # (set by the line above)
        values = [value.decode(encoding) for _, k, value in self._list if k == lookup]
        if not values:
            return default
        return values[0] if len(values) == 1 else ", ".join(values)

    def get_list(self, key: str, split_commas: bool = False) -> list[str]:
        """All values of a header, optionally splitting comma-separated lists."""
        # (`key.lower().encode` is looked up before the encoding is worked out, as in
        # httpx: a key of the wrong type fails without caching an encoding.)
        lookup = key.lower().encode(self._encoding or self.encoding)
        encoding = typing.cast(str, self._encoding)  # (set by the line above)
        values = [value.decode(encoding) for _, k, value in self._list if k == lookup]
        if not split_commas or not values:
            return values
        return [item.strip() for value in values for item in value.split(",")]

    def update(self, headers: HeaderTypes | None = None) -> None:  # type: ignore[override]
        """Set the given headers, each replacing any existing values of its name."""
        other = Headers(headers)
        for key in other.keys():
            if key in self:
                self.pop(key)
        self._list.extend(other._list)

    def copy(self) -> Headers:
        """An independent copy."""
        return Headers(self, encoding=self.encoding)

    def __getitem__(self, key: str) -> str:
        # (`key.lower().encode` is looked up before the encoding is worked out, as in
        # httpx: a key of the wrong type fails without caching an encoding.)
        lookup = key.lower().encode(self._encoding or self.encoding)
        encoding = typing.cast(str, self._encoding)  # (set by the line above)
        values = [value.decode(encoding) for _, k, value in self._list if k == lookup]
        if not values:
            raise KeyError(key)
        return values[0] if len(values) == 1 else ", ".join(values)

    def __setitem__(self, key: str, value: str) -> None:
        """Set a header, replacing any existing values, in place of the first of them."""
        if not isinstance(key, str) or not isinstance(value, str):
            wrong = key if not isinstance(key, str) else value
            # What httpx 0.28 raises, from its `.encode(...)`.
            raise AttributeError(f"{type(wrong).__name__!r} object has no attribute 'encode'")
        encoding = self._encoding or "utf-8"
        raw_key = _encode_name(key, encoding)
        raw_value = _encode_value(value, encoding)
        if self._encoding == "ascii" and not raw_value.isascii():
            self._encoding = None  # (a value only we accept: see _encode_value)
        lookup = raw_key.lower()
        found = [i for i, (_, k, _) in enumerate(self._list) if k == lookup]
        for index in reversed(found[1:]):
            del self._list[index]
        if found:
            self._list[found[0]] = (raw_key, lookup, raw_value)
        else:
            self._list.append((raw_key, lookup, raw_value))

    def __delitem__(self, key: str) -> None:
        lookup = key.lower().encode(self.encoding)
        kept = [item for item in self._list if item[1] != lookup]
        if len(kept) == len(self._list):
            raise KeyError(key)
        self._list = kept

    def __contains__(self, key: typing.Any) -> bool:
        lookup = key.lower().encode(self._encoding or self.encoding)
        for _, k, _ in self._list:
            if k == lookup:
                return True
        return False

    def __iter__(self) -> Iterator[typing.Any]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._list)

    def __eq__(self, other: typing.Any) -> bool:
        try:
            other_headers = Headers(other)
        except (ValueError, LocalProtocolError):
            return False
        mine = sorted((key, value) for _, key, value in self._list)
        theirs = sorted((key, value) for _, key, value in other_headers._list)
        return mine == theirs

    __hash__ = None  # type: ignore[assignment]

    # `headers | other` (not in httpx 0.28): like `dict | dict`, the right side wins. A
    # name the right side has keeps only the right side's fields, all of them (repeated
    # names included, in their order), placed after the left side's remaining fields;
    # the left side's other fields are kept as they are: `copy()` then `update()`.

    def __or__(self, other: HeaderTypes) -> Headers:
        if not isinstance(other, (Headers, Mapping, list, tuple)):
            return NotImplemented
        return _merged(self, Headers(other))

    def __ror__(self, other: HeaderTypes) -> Headers:
        # `{"a": "1"} | headers`: a new Headers, the Headers on the right winning.
        if not isinstance(other, (Mapping, list, tuple)):
            return NotImplemented
        return _merged(Headers(other), self)

    def __ior__(self, other: HeaderTypes) -> Headers:
        if not isinstance(other, (Headers, Mapping, list, tuple)):
            return NotImplemented
        merged = _merged(self, Headers(other))
        self._list, self._encoding = merged._list, merged._encoding
        return self

    def __repr__(self) -> str:
        class_name = self.__class__.__name__
        encoding = self.encoding
        encoding_str = "" if encoding == "ascii" else f", encoding={encoding!r}"
        items = [
            (key, "[secure]" if key in SENSITIVE_HEADERS else value)
            for key, value in self.multi_items()
        ]
        as_dict = dict(items)
        if len(as_dict) == len(items):
            return f"{class_name}({as_dict!r}{encoding_str})"
        return f"{class_name}({items!r}{encoding_str})"


def _merged(left: Headers, right: Headers) -> Headers:
    names = {key for _, key, _ in right._list}
    merged = Headers()
    merged._list = [item for item in left._list if item[1] not in names] + right._list
    # The decoding of both sides is kept when they agree; else it is worked out anew
    # from the merged bytes (a cached "ascii" of one side may not fit the other's).
    merged._encoding = left._encoding if left._encoding == right._encoding else None
    return merged
