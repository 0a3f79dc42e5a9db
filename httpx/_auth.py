"""Authentication: the `Auth` generator protocol and the Basic, Digest and netrc schemes.

An auth scheme is a generator that yields requests and is sent back their responses
(`Auth.auth_flow`). It performs no I/O of its own, so one flow serves both clients:
`Client` drives it through `sync_auth_flow`, `AsyncClient` through `async_auth_flow`.
Schemes that need I/O (a token refresh, say) override those two drivers instead.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import threading
import time
import typing
from collections.abc import AsyncGenerator, Generator

from ._exceptions import ProtocolError
from ._models import Request, Response
from ._primitives import to_bytes
from ._types import AuthTypes
from ._urls import URL

__all__ = [
    "Auth",
    "BasicAuth",
    "DigestAuth",
    "FunctionAuth",
    "NetRCAuth",
    "auth_from_url",
    "build_auth",
]


class Auth:
    """Base class for authentication schemes.

    Subclasses implement `auth_flow`, a generator that yields each request to send and
    receives its response. Set `requires_request_body` when the flow needs the request
    body (to sign it, or to send it again); set `requires_response_body` when the flow
    inspects response bodies. The drivers then read those bodies before the flow runs.
    """

    requires_request_body = False
    requires_response_body = False

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        """Yield requests to send; each `yield` evaluates to the response to it.

        The flow ends when the generator returns; the client hands the last response to
        the caller. The default sends the request unchanged.
        """
        yield request

    def sync_auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        """Drive `auth_flow` for `Client`, reading bodies (blocking) as declared."""
        if self.requires_request_body:
            request.read()

        flow = self.auth_flow(request)
        try:
            request = next(flow)
            while True:
                response = yield request
                if self.requires_response_body:
                    response.read()
                try:
                    request = flow.send(response)
                except StopIteration:
                    break
        finally:
            flow.close()

    async def async_auth_flow(self, request: Request) -> AsyncGenerator[Request, Response]:
        """Drive `auth_flow` for `AsyncClient`, reading bodies (awaiting) as declared."""
        if self.requires_request_body:
            await request.aread()

        flow = self.auth_flow(request)
        try:
            request = next(flow)
            while True:
                response = yield request
                if self.requires_response_body:
                    await response.aread()
                try:
                    request = flow.send(response)
                except StopIteration:
                    break
        finally:
            flow.close()


class FunctionAuth(Auth):
    """Auth given as a plain callable that takes the request and returns it, modified."""

    # (`typing.Callable`, so that the signature reads as httpx 0.29's.)
    def __init__(self, func: typing.Callable[[Request], Request]) -> None:
        self._func = func

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        yield self._func(request)


def _basic_auth_header(username: str | bytes, password: str | bytes) -> str:
    for what, value in (("username", username), ("password", password)):
        if not isinstance(value, (str, bytes)):
            raise TypeError(f"BasicAuth {what} must be str or bytes, not {type(value).__name__}")
    # RFC 7617 section 2: user-id ":" password, base64-encoded. Like httpx we encode
    # text as UTF-8 (the charset RFC 7617 section 2.1 lets servers ask for).
    token = base64.b64encode(b":".join((to_bytes(username), to_bytes(password))))
    return "Basic " + token.decode("ascii")


class BasicAuth(Auth):
    """HTTP Basic authentication (RFC 7617), sent with every request."""

    def __init__(self, username: str | bytes, password: str | bytes) -> None:
        # Built once: every request carries the same header.
        self._auth_header = _basic_auth_header(username, password)

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        request.headers["Authorization"] = self._auth_header
        yield request


class NetRCAuth(Auth):
    """Basic authentication with credentials looked up by host in a netrc file.

    `file=None` means the stdlib default, `~/.netrc`. The file is parsed once, here, so
    a missing or malformed file fails at construction (`FileNotFoundError`,
    `netrc.NetrcParseError`) rather than on some later request.
    """

    def __init__(self, file: str | None = None) -> None:
        import netrc  # (here: `import httpx` does not load netrc and shlex)

        self._netrc_info = netrc.netrc(file)

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        auth_info = self._netrc_info.authenticators(request.url.host)
        # An entry without a password gives nothing to authenticate with.
        if auth_info is not None and auth_info[2]:
            login, _, password = auth_info
            request.headers["Authorization"] = _basic_auth_header(login or "", password)
        yield request


# --- Challenge parsing (RFC 9110 section 11) -------------------------------------------

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
# auth-param = token BWS "=" BWS ( token / quoted-string )   (RFC 9110 section 11.2).
# Unquoted values are read leniently up to whitespace or a comma: servers do send
# base64 nonces ('/', '=') without quotes.
_AUTH_PARAM = re.compile(rf'({_TOKEN})[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))', re.S)
_AUTH_SCHEME = re.compile(rf"({_TOKEN})(?=[ \t,]|$)")
# token68, the single-blob form of credentials some schemes use (RFC 9110 section 11.2).
_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*(?=[ \t]*(?:,|$))")
_SEPARATORS = re.compile(r"[ \t,]*")
_WHITESPACE = re.compile(r"[ \t]*")
# Recovery from garbage: skip to the next comma that is not inside a quoted string.
_SKIP_LIST_ITEM = re.compile(r'(?:[^,"]|"(?:[^"\\]|\\.)*"?)+', re.S)
_QUOTED_PAIR = re.compile(r"\\(.)", re.S)


def _match_end(pattern: re.Pattern[str], value: str, pos: int) -> int:
    """Where a match of `pattern` at `pos` ends (`pos` itself when it does not match)."""
    match = pattern.match(value, pos)
    return pos if match is None else match.end()


class _Challenge:
    """One challenge of a WWW-Authenticate field, as written (names lower-cased)."""

    # (A plain class, as `_DigestChallenge` is: a dataclass costs about 0.3 ms of
    # `import httpx` each.)
    __slots__ = ("malformed", "params", "scheme", "token68")

    def __init__(self, scheme: str) -> None:
        self.scheme = scheme
        self.params: dict[str, str] = {}
        self.token68: str | None = None
        self.malformed = False


def _parse_challenges(value: str) -> list[_Challenge]:
    """Split a WWW-Authenticate field value into its challenges (RFC 9110 section 11.6.1).

    A field may hold several comma-separated challenges, each a scheme followed by a
    token68 or by comma-separated auth-params, so a comma alone does not tell where one
    challenge ends: a scheme is a token not followed by "=". Text that fits neither form
    marks the challenge it appears in as malformed, and parsing resumes after the next
    comma, so that one bad challenge does not hide a good one.
    """
    challenges: list[_Challenge] = []
    current: _Challenge | None = None
    pos, end = 0, len(value)
    while True:
        pos = _match_end(_SEPARATORS, value, pos)
        if pos >= end:
            return challenges
        param = _AUTH_PARAM.match(value, pos)
        if param is not None and current is not None and current.token68 is None:
            name, quoted, bare = param.group(1, 2, 3)
            # (RFC 9110 section 11.2 allows each name once per challenge; like httpx,
            # we let a repeated one win over the earlier.)
            name = name.lower()
            current.params[name] = _QUOTED_PAIR.sub(r"\1", quoted) if bare is None else bare
            pos = param.end()
            continue
        scheme = _AUTH_SCHEME.match(value, pos)
        if scheme is not None:
            current = _Challenge(scheme.group(1).lower())
            challenges.append(current)
            pos = scheme.end()
            after_space = _match_end(_WHITESPACE, value, pos)
            if after_space > pos:
                token68 = _TOKEN68.match(value, after_space)
                if token68 is not None:
                    current.token68 = token68.group(0)
                    pos = token68.end()
            continue
        if current is not None:
            current.malformed = True
        # Always progresses: value[pos] is neither a separator nor the end.
        pos = max(_match_end(_SKIP_LIST_ITEM, value, pos), pos + 1)


# --- Digest (RFC 7616, with RFC 2617 and RFC 2069 compatibility) ------------------------

# Algorithm token (upper-cased, without "-SESS") -> hashlib name. RFC 7616 section 6.1
# registers MD5, SHA-256 and SHA-512-256; SHA (SHA-1) and SHA-512 are widespread
# extensions that httpx supports too.
_DIGEST_HASHES = {
    "MD5": "md5",
    "SHA": "sha1",
    "SHA-256": "sha256",
    "SHA-512": "sha512",
}
if "sha512_256" in hashlib.algorithms_available:  # pragma: no branch - OpenSSL builds have it
    _DIGEST_HASHES["SHA-512-256"] = "sha512_256"

_SUPPORTED_ALGORITHMS = ", ".join(
    name + suffix for name in _DIGEST_HASHES for suffix in ("", "-sess")
)


_MALFORMED_CHALLENGE = "Malformed Digest WWW-Authenticate header"


class _DigestChallenge:
    """A Digest challenge we can answer. (A plain class: a NamedTuple costs about 0.35 ms
    of `import httpx`.)"""

    __slots__ = ("algorithm", "hash_name", "nonce", "opaque", "qop", "realm", "session", "stale")

    def __init__(
        self,
        *,
        realm: str,
        nonce: str,
        algorithm: str,
        hash_name: str,
        session: bool,
        qop: str | None,
        opaque: str | None,
        stale: bool,
    ) -> None:
        self.realm = realm
        self.nonce = nonce
        self.algorithm = algorithm  # as the server wrote it: we echo it back (RFC 7616 3.4)
        self.hash_name = hash_name
        self.session = session  # a "-sess" algorithm: H(A1) also covers nonce and cnonce
        self.qop = qop  # "auth", or None for an RFC 2069 server that offered no qop
        self.opaque = opaque
        self.stale = stale

    @classmethod
    def from_params(cls, params: dict[str, str], request: Request) -> _DigestChallenge:
        try:
            realm, nonce = params["realm"], params["nonce"]
        except KeyError:
            # RFC 7616 section 3.3: realm and nonce are required.
            raise ProtocolError(_MALFORMED_CHALLENGE, request=request) from None

        algorithm = params.get("algorithm", "MD5")
        base, session = algorithm.upper(), False
        if base.endswith("-SESS"):
            base, session = base[: -len("-SESS")], True
        hash_name = _DIGEST_HASHES.get(base)
        if hash_name is None:
            raise ProtocolError(
                f"Unsupported Digest algorithm {algorithm!r}; supported: {_SUPPORTED_ALGORITHMS}",
                request=request,
            )

        qop: str | None = None
        if "qop" in params:
            # A comma-separated list of tokens, compared as written (as httpx does), with
            # optional whitespace around the commas (RFC 9110 section 5.6.1).
            offered = {item.strip(" \t") for item in params["qop"].split(",")}
            if "auth" in offered:
                qop = "auth"
            elif "auth-int" in offered:
                raise NotImplementedError("Digest auth-int support is not yet implemented")
            else:
                raise ProtocolError(
                    f'Unexpected qop value "{params["qop"].encode()!r}" in digest auth',
                    request=request,
                )

        return cls(
            realm=realm,
            nonce=nonce,
            algorithm=algorithm,
            hash_name=hash_name,
            session=session,
            qop=qop,
            opaque=params.get("opaque"),
            # RFC 7616 section 3.3: stale is a case-insensitive boolean. (A server's
            # userhash=true only says that it would accept a hashed username: like httpx,
            # we send it plain.)
            stale=params.get("stale", "").lower() == "true",
        )

    def hash(self, data: bytes) -> str:
        return hashlib.new(self.hash_name, data, usedforsecurity=False).hexdigest()


def _select_digest_challenge(request: Request, response: Response) -> _DigestChallenge | None:
    """The first usable Digest challenge of a 401, or None if it offers no Digest.

    RFC 7616 section 3.7: a server may offer several Digest challenges (one per
    algorithm, in its order of preference); the client uses the first it supports. When
    it offers Digest but none we can use, the first one's problem is reported.
    """
    first_error: Exception | None = None
    for field in response.headers.get_list("WWW-Authenticate"):
        for challenge in _parse_challenges(field):
            if challenge.scheme != "digest":
                continue
            try:
                if challenge.malformed or challenge.token68 is not None:
                    raise ProtocolError(_MALFORMED_CHALLENGE, request=request)
                return _DigestChallenge.from_params(challenge.params, request)
            except (ProtocolError, NotImplementedError) as exc:
                if first_error is None:
                    first_error = exc
    if first_error is not None:
        raise first_error
    return None


def _quoted_string(value: str) -> str:
    # RFC 9110 section 5.6.4: inside a quoted-string, '"' and '\' need a backslash.
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _merge_cookie_headers(existing: str, update: str) -> str:
    """Cookie header values merged by cookie name, `update` winning (RFC 6265 4.2.1)."""
    pairs: dict[str, str] = {}
    for header in (existing, update):
        for pair in header.split(";"):
            pair = pair.strip()
            if pair:
                pairs[pair.partition("=")[0]] = pair
    return "; ".join(pairs.values())


def _origin(url: URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


class DigestAuth(Auth):
    """HTTP Digest access authentication (RFC 7616; RFC 2617 and RFC 2069 servers too).

    The first request goes out without credentials; a 401 carrying a Digest challenge is
    answered by sending the request again with an Authorization header. The challenge is
    then kept: later requests to the same origin are authorised up front, counting the
    nonce uses (nc), which saves a round trip per request. If the server refuses our
    credentials only because the nonce went stale (RFC 7616 section 3.3), we retry once
    more with the fresh nonce.
    """

    # The request is sent a second time in answer to the challenge, so a streamed body
    # must be read into memory first to be replayable.
    requires_request_body = True

    def __init__(self, username: str | bytes, password: str | bytes) -> None:
        for what, value in (("username", username), ("password", password)):
            if not isinstance(value, (str, bytes)):
                raise TypeError(
                    f"DigestAuth {what} must be str or bytes, not {type(value).__name__}"
                )
        self._username = to_bytes(username)
        self._password = to_bytes(password)
        try:
            # The username also travels in the header, as text.
            self._username_text = self._username.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"DigestAuth username must be UTF-8, got {username!r}") from None
        self._last_challenge: _DigestChallenge | None = None
        self._last_challenge_origin: tuple[str, str, int | None] | None = None
        # The nc value for the next request under _last_challenge's nonce.
        self._nonce_count = 1
        # One instance may serve several threads; nc values must never repeat.
        self._lock = threading.Lock()

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        origin = _origin(request.url)
        with self._lock:
            cached = self._last_challenge
            if self._last_challenge_origin != origin:
                cached = None
        if cached is not None:
            request.headers["Authorization"] = self._build_auth_header(request, cached)

        response = yield request

        answered_challenge = False
        stale_retry_available = True
        while response.status_code == 401:
            challenge = _select_digest_challenge(request, response)
            if challenge is None:
                return  # not a Digest challenge: the 401 is the caller's to handle
            if answered_challenge:
                # Our answer to a fresh challenge was refused: wrong credentials, unless
                # the server only says the nonce expired meanwhile.
                if not (challenge.stale and stale_retry_available):
                    return
                stale_retry_available = False
            answered_challenge = True

            self._remember_challenge(challenge, origin)
            request.headers["Authorization"] = self._build_auth_header(request, challenge)
            self._add_response_cookies(request, response)
            response = yield request

    def _remember_challenge(
        self, challenge: _DigestChallenge, origin: tuple[str, str, int | None]
    ) -> None:
        with self._lock:
            # nc counts the requests sent with one nonce (RFC 7616 section 3.4): it
            # starts over with a new nonce, and carries on if the server re-sends the
            # same one, since the server may reject nc values it has already seen.
            if self._last_challenge is None or self._last_challenge.nonce != challenge.nonce:
                self._nonce_count = 1
            self._last_challenge = challenge
            self._last_challenge_origin = origin

    def _next_nonce_count(self, challenge: _DigestChallenge) -> int:
        with self._lock:
            if self._last_challenge is not None and self._last_challenge.nonce != challenge.nonce:
                # Only reachable if another thread replaced the challenge since we read
                # it; counting for that other nonce would be wrong for ours.
                return 1  # pragma: no cover
            nonce_count = self._nonce_count
            self._nonce_count += 1
            return nonce_count

    @staticmethod
    def _add_response_cookies(request: Request, response: Response) -> None:
        # A server may set a session cookie together with its challenge and expect it
        # back on the authorised request, as a browser would send it.
        cookies = response.cookies
        if not cookies:
            return
        # The jar picks the cookies that apply to this URL (domain, path, Secure), but
        # leaves alone a request that already has a Cookie header, as the client's own
        # cookies give it: so let it fill a scratch request, then merge by name.
        scratch = Request(request.method, request.url)
        cookies.set_cookie_header(scratch)
        new_cookies = scratch.headers.get("Cookie")
        if new_cookies is None:
            return
        existing = request.headers.get("Cookie")
        request.headers["Cookie"] = (
            new_cookies if existing is None else _merge_cookie_headers(existing, new_cookies)
        )

    def _get_client_nonce(self, nonce_count: int, nonce: bytes) -> bytes:
        """A fresh client nonce (cnonce): 16 hex digits, derived as httpx derives it (the
        count, the nonce, the time and 64 random bits, hashed), so that a flow with the
        clock and `os.urandom` fixed gives the same header. A method so that tests can
        fix it."""
        seed = str(nonce_count).encode() + nonce + time.ctime().encode() + os.urandom(8)
        return hashlib.sha1(seed, usedforsecurity=False).hexdigest()[:16].encode("ascii")

    def _build_auth_header(self, request: Request, challenge: _DigestChallenge) -> str:
        """The Authorization field value answering `challenge` (RFC 7616 section 3.4)."""
        hash_ = challenge.hash
        realm = challenge.realm.encode("utf-8")
        nonce = challenge.nonce.encode("utf-8")
        uri = request.url.raw_path
        nonce_count = self._next_nonce_count(challenge)
        nc_value = b"%08x" % nonce_count
        cnonce = self._get_client_nonce(nonce_count, nonce)

        # RFC 7616 section 3.4.2: A1 = username:realm:password, and for the -sess
        # variants H(A1) is rehashed with the nonce and cnonce.
        ha1 = hash_(b":".join((self._username, realm, self._password)))
        if challenge.session:
            ha1 = hash_(b":".join((ha1.encode("ascii"), nonce, cnonce)))
        # RFC 7616 section 3.4.3: A2 = method:request-uri for qop=auth.
        ha2 = hash_(b":".join((request.method.encode("ascii"), uri)))

        if challenge.qop is None:
            # RFC 2069 section 2.1.2: no qop, no nc and no cnonce in the digest.
            digest_data = b":".join((ha1.encode("ascii"), nonce, ha2.encode("ascii")))
        else:
            digest_data = b":".join(
                (
                    ha1.encode("ascii"),
                    nonce,
                    nc_value,
                    cnonce,
                    challenge.qop.encode("ascii"),
                    ha2.encode("ascii"),
                )
            )
        response_digest = hash_(digest_data)

        username = self._username_text

        # RFC 7616 section 3.4: algorithm, qop and nc are tokens; the rest are quoted.
        fields = [
            f"username={_quoted_string(username)}",
            f"realm={_quoted_string(challenge.realm)}",
            f"nonce={_quoted_string(challenge.nonce)}",
            f"uri={_quoted_string(uri.decode('ascii'))}",
            f"response={_quoted_string(response_digest)}",
            f"algorithm={challenge.algorithm}",
        ]
        # (In httpx's order: opaque, then qop, nc and cnonce.)
        if challenge.opaque:
            # RFC 7616 section 3.4: opaque is returned unchanged. (An empty one is left
            # out, as httpx does.)
            fields.append(f"opaque={_quoted_string(challenge.opaque)}")
        if challenge.qop is not None:
            fields += [f"qop={challenge.qop}", f"nc={nc_value.decode('ascii')}"]
            # (RFC 2617 section 3.2.2: no cnonce without qop, even for the -sess
            # algorithms, whose H(A1) covers it: httpx does the same.)
            fields.append(f"cnonce={_quoted_string(cnonce.decode('ascii'))}")
        return "Digest " + ", ".join(fields)


# --- Helpers for the client -----------------------------------------------------------


def build_auth(auth: AuthTypes | None) -> Auth | None:
    """Turn the `auth=` argument of a client or request into an `Auth`, or None."""
    if auth is None or isinstance(auth, Auth):
        return auth
    if isinstance(auth, tuple):
        # (Like httpx, items past the first two are ignored.)
        if len(auth) < 2:
            raise TypeError(
                f'Invalid "auth" argument: {auth!r}: a tuple must be (username, password)'
            )
        return BasicAuth(username=auth[0], password=auth[1])
    if callable(auth):
        return FunctionAuth(func=auth)
    raise TypeError(f'Invalid "auth" argument: {auth!r}')


def auth_from_url(url: URL) -> Auth | None:
    """Basic auth from credentials embedded in a URL (``https://user:pass@host/``)."""
    if not url._uri_reference.userinfo:
        return None  # (the usual URL: no need to decode a username and a password)
    username, password = url.username, url.password
    if username or password:
        return BasicAuth(username=username, password=password)
    return None
