"""URL hosts: validation and normalisation, as httpx 0.28 does it (RFC 3986 section 3.2.2).

A host is one of four things, tried in this order:

* a dotted-quad IPv4 address (four groups of one to three ASCII digits), which must be a
  valid address; it is kept as written;
* an IPv6 literal in brackets (RFC 3986 "IP-literal"), which must be a valid address
  (a zone ID such as ``%25eth0`` included); it is kept as written, without the brackets;
* an ASCII registered name: lowercased, and the characters that cannot stand in a host
  percent-encoded (existing ``%XX`` escapes and a lone ``%`` are kept);
* an internationalised name: lowercased and IDNA 2008 encoded (``xn--`` labels).

Kept apart from `_urlparse` because it is one self-contained idea: turning whatever a user
typed as a host into the form we send.
"""

from __future__ import annotations

import ipaddress
import re

import idna

from ._exceptions import InvalidURL

__all__ = ["VALID_IPV4", "decode_host", "encode_host", "percent_encoder"]


def percent_encoder(unsafe: str) -> re.Pattern[str]:
    """A regex matching runs of characters to percent-encode in one URL component.

    ``unsafe`` lists the printable ASCII characters the component cannot hold as they are;
    controls, space and non-ASCII are always encoded. "%" is never encoded: an existing
    escape is kept, and so is a "%" that does not start one (as httpx does).
    """
    safe = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in unsafe)
    return re.compile(f"[^{re.escape(safe)}]+")


_HEX_ESCAPES = [f"%{byte:02X}" for byte in range(256)]


def _escape_run(match: re.Match[str]) -> str:
    try:
        raw = match.group().encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate has no UTF-8 form: httpx lets UnicodeEncodeError escape here.
        raise InvalidURL(
            f"Invalid URL: {match.group()!r} cannot be encoded as UTF-8 (a lone surrogate)"
        ) from None
    return "".join([_HEX_ESCAPES[byte] for byte in raw])


def percent_encode(text: str, encoder: re.Pattern[str]) -> str:
    return encoder.sub(_escape_run, text)


_IPV4 = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_HOST_ENCODER = percent_encoder(" #/<>?@[]^")


# A dotted quad that `ipaddress.IPv4Address` accepts: each octet 0-255, written without
# a leading zero. One regular expression instead of its exception-driven parsing, since
# "127.0.0.1" is in most local request URLs and so is checked per request.
_VALID_IPV4_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
VALID_IPV4 = re.compile(rf"{_VALID_IPV4_OCTET}(?:\.{_VALID_IPV4_OCTET}){{3}}")


def encode_host(host: str) -> str:
    """The host as sent: ASCII, IPv6 literals without their brackets.

    Raises InvalidURL for malformed IP literals and names that IDNA cannot encode.
    """
    if not host:
        return ""
    if _IPV4.fullmatch(host):
        if VALID_IPV4.fullmatch(host) is None:
            raise InvalidURL(f"Invalid IPv4 address: {host!r}")
        return host
    if host[0] == "[" and host[-1] == "]":
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ipaddress.AddressValueError:
            raise InvalidURL(f"Invalid IPv6 address: {host!r}") from None
        return host[1:-1]
    if host.isascii():
        return percent_encode(host.lower(), _HOST_ENCODER)
    try:
        return idna.encode(host.lower()).decode("ascii")
    except UnicodeError:  # idna.IDNAError, and the codec errors idna lets through
        raise InvalidURL(f"Invalid IDNA hostname: {host!r}") from None


def decode_host(host: str) -> str:
    """The host for display: a name starting with an "xn--" label in its Unicode form.

    A name that is not valid IDNA is shown as it is (httpx 0.28 raises idna's error).
    """
    if not host.startswith("xn--"):
        return host
    try:
        return idna.decode(host)
    except (idna.IDNAError, UnicodeError):
        return host
