"""Server side of HTTP Digest access authentication (RFC 7616), for the test app.

The server computes the response it expects from the client (HA1, HA2, request-digest,
RFC 7616 §3.4.1-3.4.3) and compares it with what the client sent, so a client that gets
any part of the computation wrong is rejected, not waved through.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

REALM = "tests@example.org"
OPAQUE = "5ccc069c403ebaf9f0171e9517f40e41"

# Algorithm names of RFC 7616 §3.3 (plus "SHA", RFC 2617's SHA-1, which clients still offer).
_HASHES: dict[str, Callable[[bytes], hashlib._Hash]] = {
    "MD5": hashlib.md5,
    "SHA": hashlib.sha1,
    "SHA-256": hashlib.sha256,
    "SHA-512": hashlib.sha512,
}
QOP_CHOICES = frozenset({"auth", "auth-int", "auth,auth-int", "none"})

# auth-param = token "=" ( token / quoted-string ), RFC 9110 §11.2 and §5.6.4.
_AUTH_PARAM = re.compile(r'([!#$%&\'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)')
_QUOTED_PAIR = re.compile(r"\\(.)")


@dataclass(frozen=True)
class DigestChallenge:
    """What one /digest-auth route asks for."""

    username: str
    password: str
    qop: str  # one of QOP_CHOICES; "none" means the RFC 2069 form without qop
    algorithm: str  # e.g. "MD5", "SHA-256-sess" (case-insensitive)
    realm: str = REALM

    @property
    def base_algorithm(self) -> str:
        return self.algorithm.upper().removesuffix("-SESS")

    @property
    def is_session_variant(self) -> bool:
        return self.algorithm.upper().endswith("-SESS")

    def is_supported(self) -> bool:
        # The -sess variants fold the cnonce into HA1 (RFC 7616 §3.4.2), and a client
        # sends a cnonce only along with qop: without qop they cannot be verified.
        sess_without_qop = self.is_session_variant and self.qop == "none"
        return self.base_algorithm in _HASHES and self.qop in QOP_CHOICES and not sess_without_qop

    def header(self, *, stale: bool, generation: int) -> str:
        """A WWW-Authenticate value (RFC 7616 §3.3). The nonce carries its generation so
        the /stale route can tell a first-round nonce from the one it re-issued."""
        nonce = f"{secrets.token_hex(16)}.{generation}"
        parts = [f'realm="{self.realm}"', f'nonce="{nonce}"', f'opaque="{OPAQUE}"']
        parts.append(f"algorithm={self.algorithm}")
        if self.qop != "none":
            parts.append(f'qop="{self.qop}"')
        if stale:
            parts.append("stale=TRUE")
        return "Digest " + ", ".join(parts)

    def expected_response(
        self, params: dict[str, str], method: str, request_target: str, body: bytes
    ) -> str | None:
        """The request-digest a correct client would send, or None if the credentials'
        framing (username, realm, uri, qop, cnonce, ...) is already wrong."""
        hash_factory = _HASHES[self.base_algorithm]

        def h(data: str | bytes) -> str:
            raw = data.encode("utf-8") if isinstance(data, str) else data
            return hash_factory(raw).hexdigest()

        nonce = params.get("nonce", "")
        uri = params.get("uri", "")
        if (
            params.get("username") != self.username
            or params.get("realm") != self.realm
            or not nonce
            or uri != request_target
            or params.get("opaque", OPAQUE) != OPAQUE
            or params.get("algorithm", self.algorithm).upper() != self.algorithm.upper()
        ):
            return None
        cnonce = params.get("cnonce", "")
        ha1 = h(f"{self.username}:{self.realm}:{self.password}")
        if self.is_session_variant:
            # RFC 7616 §3.4.2: the -sess variants fold the nonces into HA1.
            if not cnonce:
                return None
            ha1 = h(f"{ha1}:{nonce}:{cnonce}")
        client_qop = params.get("qop")
        if self.qop == "none":
            if client_qop is not None:
                return None
            return h(f"{ha1}:{nonce}:{h(f'{method}:{uri}')}")
        if client_qop not in self.qop.split(",") or not cnonce or not params.get("nc"):
            return None
        # RFC 7616 §3.4.3: auth-int also covers the hash of the entity body.
        a2 = f"{method}:{uri}:{h(body)}" if client_qop == "auth-int" else f"{method}:{uri}"
        return h(f"{ha1}:{nonce}:{params['nc']}:{cnonce}:{client_qop}:{h(a2)}")


def parse_authorization(header: str) -> dict[str, str] | None:
    """Parameters of a `Digest` Authorization header, or None for another scheme."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "digest":
        return None
    params: dict[str, str] = {}
    for match in _AUTH_PARAM.finditer(rest):
        value = match.group(2)
        if value.startswith('"'):
            value = _QUOTED_PAIR.sub(r"\1", value[1:-1])
        params[match.group(1).lower()] = value
    return params


def response_matches(expected: str | None, params: dict[str, str]) -> bool:
    if expected is None:
        return False
    return hmac.compare_digest(expected, params.get("response", "").lower())


def nonce_generation(params: dict[str, str]) -> int:
    _, _, generation = params.get("nonce", "").rpartition(".")
    return int(generation) if generation.isdigit() else 0
