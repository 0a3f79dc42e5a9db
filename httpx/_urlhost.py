"""URL hosts: validation and normalisation (RFC 3986 section 3.2.2, WHATWG "host parsing").

Registered names are percent-decoded and IDNA-encoded (UTS #46); IPv4 and IPv6 literals
are validated and written in canonical form. Kept apart from `_urlparse` because it is
one self-contained idea: turning whatever a user typed as a host into the form we send.
"""

from __future__ import annotations

import ipaddress
import re
import typing
from urllib.parse import unquote_to_bytes

import idna

from ._exceptions import InvalidURL

__all__ = ["decode_host", "normalize_host", "shown"]


def shown(value: object) -> str:
    """The repr of a bad value for an error message, shortened when huge."""
    text = repr(value)
    return text if len(text) <= 100 else f"{text[:80]}... ({len(text)} characters)"


# ---------------------------------------------------------------------------------------
# Hosts (RFC 3986 section 3.2.2; WHATWG "host parsing")
# ---------------------------------------------------------------------------------------

# WHATWG "forbidden domain code points": they would change how the URL splits apart.
_FORBIDDEN_HOST_CHAR = re.compile(r"[\x00-\x20#%/:<>?@\[\\\]^|\x7f]")
# WHATWG "ends in a number": such a host must be an IPv4 address or is invalid.
_ENDS_IN_NUMBER = re.compile(r"(?:^|\.)(?:[0-9]+|0[xX][0-9A-Fa-f]*)\.?\Z")
_IPV4_DIGITS = {
    8: re.compile(r"[0-7]+"),
    10: re.compile(r"[0-9]+"),
    16: re.compile(r"[0-9A-Fa-f]+"),
}
_IPV6_CHARS = re.compile(r"[0-9A-Fa-f:.]+")


def normalize_host(host: str) -> str:
    """Return the canonical ASCII form of ``host`` (IPv6 without brackets).

    Raises InvalidURL for malformed IP literals, invalid IDNA names and forbidden characters.
    """
    if not host:
        return ""
    if host[0] == "[" or (":" in host and _IPV6_CHARS.fullmatch(host)):
        return _normalize_ipv6(host)
    ascii_host = host
    if "%" in ascii_host:
        try:
            ascii_host = unquote_to_bytes(host).decode("utf-8")
        except UnicodeError:
            raise InvalidURL(
                f"Invalid host {shown(host)}: percent-escapes are not UTF-8"
            ) from None
    if ascii_host.isascii():
        ascii_host = ascii_host.lower()
        if "xn--" in ascii_host:
            _check_punycode_labels(ascii_host, host)
    else:
        ascii_host = _idna_encode(ascii_host, host)
    forbidden = _FORBIDDEN_HOST_CHAR.search(ascii_host)
    if forbidden is not None:
        raise InvalidURL(f"Invalid character {forbidden.group()!r} in host {shown(host)}")
    if _ENDS_IN_NUMBER.search(ascii_host):
        return _normalize_ipv4(ascii_host, host)
    if not ascii_host:
        # UTS #46 maps some characters (such as soft hyphens) to nothing.
        raise InvalidURL(f"Invalid host {shown(host)}: it is empty once normalised")
    return ascii_host


def _idna_encode(host: str, original: str) -> str:
    # UTS #46 mapping (case folding, full-width forms, ideographic dots), then IDNA2008
    # A-labels. ASCII labels are kept as they are, so "my_host.bücher.de" still works.
    try:
        mapped = idna.uts46_remap(host, std3_rules=False)
        labels = [
            label if label.isascii() else idna.alabel(label).decode("ascii")
            for label in mapped.split(".")
        ]
    except ValueError as exc:  # idna.IDNAError is a UnicodeError, itself a ValueError.
        raise InvalidURL(f"Invalid IDNA hostname: {shown(original)}") from exc
    return ".".join(labels)


def _check_punycode_labels(host: str, original: str) -> None:
    # UTS #46 section 4.1: an "xn--" label must decode to a valid, already-mapped label.
    # Checking only that much keeps real-world names (emoji domains) usable.
    for label in host.split("."):
        if label.startswith("xn--"):
            try:
                decoded = label[4:].encode("ascii").decode("punycode")
                valid = not decoded.isascii() and idna.uts46_remap(decoded, False) == decoded
            except ValueError:
                valid = False
            if not valid:
                raise InvalidURL(f"Invalid IDNA hostname: {shown(original)}")


def decode_host(host: str) -> str:
    """Show "xn--" labels of an ASCII host in their Unicode form, for display."""
    if "xn--" not in host:
        return host
    labels = host.split(".")
    for index, label in enumerate(labels):
        if label.startswith("xn--"):
            try:
                labels[index] = label[4:].encode("ascii").decode("punycode")
            except UnicodeError:
                pass
    return ".".join(labels)


def _normalize_ipv4(host: str, original: str) -> str:
    # WHATWG "IPv4 parser": 1 to 4 dot-separated numbers, each decimal, octal ("0" prefix)
    # or hex ("0x"); the last one fills the remaining bytes. Same as inet_aton(3), which
    # the resolver would apply anyway, so we normalise to dotted-decimal up front.
    parts = host.split(".")
    if parts[-1] == "":
        parts.pop()
    numbers = [_parse_ipv4_number(part) for part in parts]
    if not 0 < len(numbers) <= 4 or any(number is None for number in numbers):
        raise InvalidURL(f"Invalid IPv4 address: {shown(original)}")
    values = typing.cast(list[int], numbers)
    if any(value > 255 for value in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        raise InvalidURL(f"Invalid IPv4 address: {shown(original)}")
    address = values[-1]
    for index, value in enumerate(values[:-1]):
        address += value << (8 * (3 - index))
    return ".".join(str((address >> shift) & 0xFF) for shift in (24, 16, 8, 0))


def _parse_ipv4_number(part: str) -> int | None:
    if part[:2] in ("0x", "0X"):
        digits, base = part[2:], 16
    elif len(part) > 1 and part[0] == "0":
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if not digits:
        return 0 if part else None
    if not _IPV4_DIGITS[base].fullmatch(digits):
        return None
    if len(digits.lstrip("0")) > 12:  # Far beyond 2**32; avoid converting huge strings.
        return 2**32
    return int(digits, base)


def _normalize_ipv6(host: str) -> str:
    inner = host[1:-1] if host[0] == "[" and host[-1] == "]" else host
    if "[" in inner or "]" in inner or not _IPV6_CHARS.fullmatch(inner):
        # Also rejects zone IDs ("%eth0") and IPvFuture ("v1.x"), which we don't support.
        raise InvalidURL(f"Invalid IPv6 address: {shown(host)}")
    try:
        value = int(ipaddress.IPv6Address(inner))
    except ValueError:
        raise InvalidURL(f"Invalid IPv6 address: {shown(host)}") from None
    # RFC 5952 section 4: lowercase hex, no leading zeros, and the first longest run of
    # two or more zero groups shortened to "::". Done here, not by ipaddress, whose text
    # form of IPv4-mapped addresses differs between Python versions.
    groups = [(value >> shift) & 0xFFFF for shift in range(112, -16, -16)]
    best_start, best_length, run_start, run_length = -1, 1, 0, 0
    for index, group in enumerate(groups):
        if group:
            run_length = 0
            continue
        if run_length == 0:
            run_start = index
        run_length += 1
        if run_length > best_length:
            best_start, best_length = run_start, run_length
    text = [f"{group:x}" for group in groups]
    if best_start < 0:
        return ":".join(text)
    head, tail = text[:best_start], text[best_start + best_length :]
    return ":".join(head) + "::" + ":".join(tail)


# ---------------------------------------------------------------------------------------
# Ports, userinfo and paths
# ---------------------------------------------------------------------------------------
