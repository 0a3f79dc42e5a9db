"""Tests for httpx._auth: the Auth generator protocol and the Basic, Digest, netrc schemes.

Flows are driven by hand, as the clients drive them, with real Request and Response
objects and no network. Digest responses are recomputed here independently, from the
formulas of RFC 7616 section 3.4, and checked against the RFC's own worked examples.
"""

from __future__ import annotations

import base64
import hashlib
import netrc
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path
from urllib.request import parse_http_list, parse_keqv_list

import pytest

from httpx._auth import (
    Auth,
    BasicAuth,
    DigestAuth,
    FunctionAuth,
    NetRCAuth,
    _parse_challenges,
    auth_from_url,
    build_auth,
)
from httpx._exceptions import ProtocolError, RequestNotRead, ResponseNotRead
from httpx._models import Request, Response
from httpx._urls import URL

# --- helpers --------------------------------------------------------------------------


class FixedNonceDigestAuth(DigestAuth):
    """DigestAuth with a known cnonce, to reproduce published examples."""

    def __init__(self, username: str, password: str, cnonce: bytes) -> None:
        super().__init__(username, password)
        self.cnonce = cnonce

    def _get_client_nonce(self, nonce_count: int, nonce: bytes) -> bytes:
        return self.cnonce


def challenge_response(
    request: Request,
    *www_authenticate: str,
    status_code: int = 401,
    extra_headers: list[tuple[str, str]] | None = None,
) -> Response:
    headers = [("WWW-Authenticate", value) for value in www_authenticate]
    headers += extra_headers or []
    return Response(status_code, headers=headers, request=request)


def auth_fields(request: Request) -> dict[str, str]:
    """The parameters of a Digest Authorization header, parsed with the stdlib."""
    scheme, _, rest = request.headers["Authorization"].partition(" ")
    assert scheme == "Digest"
    return parse_keqv_list(parse_http_list(rest))


def raw_auth_fields(request: Request) -> dict[str, str]:
    """The parameters as written, quotes included, to check what is quoted."""
    _, _, rest = request.headers["Authorization"].partition(" ")
    return dict(item.split("=", 1) for item in parse_http_list(rest))


HASHES = {"MD5": "md5", "SHA": "sha1", "SHA-256": "sha256", "SHA-512": "sha512"}
HASHES["SHA-512-256"] = "sha512_256"


def expected_digest(
    *,
    algorithm: str,
    username: str,
    password: str,
    realm: str,
    nonce: str,
    method: str,
    uri: str,
    qop: str | None,
    nc: str | None,
    cnonce: str | None,
) -> str:
    """RFC 7616 section 3.4.1, written out independently of the code under test."""
    upper = algorithm.upper()
    session = upper.endswith("-SESS")
    name = HASHES[upper[:-5] if session else upper]

    def h(text: str) -> str:
        return hashlib.new(name, text.encode("utf-8")).hexdigest()

    ha1 = h(f"{username}:{realm}:{password}")
    if session:
        ha1 = h(f"{ha1}:{nonce}:{cnonce}")
    ha2 = h(f"{method}:{uri}")
    if qop is None:
        return h(f"{ha1}:{nonce}:{ha2}")
    return h(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")


def answer(auth: Auth, request: Request, *www_authenticate: str) -> Request:
    """Run a flow up to its answer to one 401 challenge; return the retried request."""
    flow = auth.sync_auth_flow(request)
    first = next(flow)
    assert "Authorization" not in first.headers
    return flow.send(challenge_response(first, *www_authenticate))


# --- RFC worked examples --------------------------------------------------------------

RFC7616_NONCE = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
RFC7616_OPAQUE = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
RFC7616_CNONCE = b"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"


@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_digest_rfc7616_example(algorithm: str, expected: str) -> None:
    # RFC 7616 section 3.9.1.
    auth = FixedNonceDigestAuth("Mufasa", "Circle of Life", RFC7616_CNONCE)
    request = Request("GET", "http://www.example.org/dir/index.html")
    retried = answer(
        auth,
        request,
        f'Digest realm="http-auth@example.org", qop="auth, auth-int", '
        f'algorithm={algorithm}, nonce="{RFC7616_NONCE}", opaque="{RFC7616_OPAQUE}"',
    )
    assert auth_fields(retried) == {
        "username": "Mufasa",
        "realm": "http-auth@example.org",
        "uri": "/dir/index.html",
        "algorithm": algorithm,
        "nonce": RFC7616_NONCE,
        "nc": "00000001",
        "cnonce": RFC7616_CNONCE.decode(),
        "qop": "auth",
        "response": expected,
        "opaque": RFC7616_OPAQUE,
    }
    # Section 3.4: algorithm, qop and nc are tokens; the others are quoted strings.
    raw = raw_auth_fields(retried)
    assert raw["algorithm"] == algorithm
    assert raw["qop"] == "auth"
    assert raw["nc"] == "00000001"
    for name in ("username", "realm", "uri", "nonce", "cnonce", "response", "opaque"):
        assert raw[name].startswith('"') and raw[name].endswith('"'), name


def test_digest_rfc2617_example() -> None:
    # RFC 2617 section 3.5, with its lower-case algorithm-less challenge.
    auth = FixedNonceDigestAuth("Mufasa", "Circle Of Life", b"0a4f113b")
    request = Request("GET", "http://www.nowhere.org/dir/index.html")
    retried = answer(
        auth,
        request,
        'Digest realm="testrealm@host.com", qop="auth,auth-int", '
        'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    )
    fields = auth_fields(retried)
    assert fields["response"] == "6629fae49393a05397450978507c4ef1"
    assert fields["algorithm"] == "MD5"  # the default, stated explicitly
    assert fields["opaque"] == "5ccc069c403ebaf9f0171e9517f40e41"


# --- each algorithm ----------------------------------------------------------------------

ALGORITHMS = [
    base + suffix
    for base in ("MD5", "SHA", "SHA-256", "SHA-512", "SHA-512-256")
    for suffix in ("", "-sess")
]


@pytest.mark.parametrize("algorithm", ALGORITHMS + ["md5-sess", "Sha-256"])
@pytest.mark.parametrize("qop", ['"auth"', None])
def test_digest_algorithms(algorithm: str, qop: str | None) -> None:
    auth = DigestAuth("user", "p\u00e4ss word")
    request = Request("PUT", "https://example.org:8443/some/path?a=1&b=%20", content=b"body")
    challenge = f'Digest realm="me@example.org", nonce="abc123", algorithm={algorithm}'
    if qop is not None:
        challenge += f", qop={qop}"
    retried = answer(auth, request, challenge)
    assert retried is request
    fields = auth_fields(retried)
    assert fields["algorithm"] == algorithm  # echoed as the server wrote it
    assert fields["uri"] == "/some/path?a=1&b=%20"
    session = algorithm.upper().endswith("-SESS")
    if qop is None:
        assert "qop" not in fields and "nc" not in fields
        # RFC 2069 mode sends no cnonce (RFC 2617 section 3.2.2), even for -sess, whose
        # H(A1) covers one: httpx does the same.
        assert "cnonce" not in fields
        if session:
            return
    else:
        assert fields["qop"] == "auth" and fields["nc"] == "00000001"
        # 16 hex digits, as httpx sends.
        assert len(fields["cnonce"]) == 16
        int(fields["cnonce"], 16)
    assert fields["response"] == expected_digest(
        algorithm=algorithm,
        username="user",
        password="p\u00e4ss word",
        realm="me@example.org",
        nonce="abc123",
        method="PUT",
        uri="/some/path?a=1&b=%20",
        qop=None if qop is None else "auth",
        nc=fields.get("nc"),
        cnonce=fields.get("cnonce"),
    )


def test_digest_bytes_credentials() -> None:
    auth = DigestAuth(b"user", b"secret")
    request = Request("GET", "http://example.org/")
    fields = auth_fields(answer(auth, request, 'Digest realm="r", nonce="n", qop=auth'))
    assert fields["username"] == "user"
    assert fields["response"] == expected_digest(
        algorithm="MD5",
        username="user",
        password="secret",
        realm="r",
        nonce="n",
        method="GET",
        uri="/",
        qop="auth",
        nc="00000001",
        cnonce=fields["cnonce"],
    )


def test_digest_unsupported_algorithm() -> None:
    request = Request("GET", "http://example.org/")
    with pytest.raises(ProtocolError, match="Unsupported Digest algorithm 'SHA3'") as info:
        answer(DigestAuth("u", "p"), request, 'Digest realm="r", nonce="n", algorithm=SHA3')
    assert info.value.request is request


def test_digest_prefers_first_supported_challenge() -> None:
    # RFC 7616 section 3.7: several challenges, in the server's order of preference.
    request = Request("GET", "http://example.org/")
    retried = answer(
        DigestAuth("u", "p"),
        request,
        'Digest realm="r", nonce="n1", algorithm=SHA3, qop=auth',
        'Digest realm="r", nonce="n2", qop="auth-int"',
        'Digest realm="r", nonce="n3", algorithm=SHA-256, qop=auth',
        'Digest realm="r", nonce="n4", algorithm=MD5, qop=auth',
    )
    fields = auth_fields(retried)
    assert (fields["nonce"], fields["algorithm"]) == ("n3", "SHA-256")


def test_digest_userhash_offer_is_not_taken_up() -> None:
    # RFC 7616 section 3.4.4 makes hashing the username the client's choice; like httpx,
    # we send it plain.
    request = Request("GET", "http://example.org/")
    retried = answer(
        DigestAuth("Jason Doe", "Secret, or not?"),
        request,
        'Digest realm="api@example.org", nonce="n", qop=auth, algorithm=SHA-256, userhash=true',
    )
    fields = auth_fields(retried)
    assert "userhash" not in fields
    assert fields["username"] == "Jason Doe"


# --- qop ------------------------------------------------------------------------------------


def test_digest_auth_int_only_is_not_implemented() -> None:
    request = Request("GET", "http://example.org/")
    with pytest.raises(NotImplementedError, match="auth-int"):
        answer(DigestAuth("u", "p"), request, 'Digest realm="r", nonce="n", qop="auth-int"')


def test_digest_auth_chosen_among_qop_options() -> None:
    request = Request("GET", "http://example.org/")
    retried = answer(
        DigestAuth("u", "p"), request, 'Digest realm="r", nonce="n", qop="auth-int , auth"'
    )
    assert auth_fields(retried)["qop"] == "auth"


def test_digest_qop_values_are_case_sensitive_as_in_httpx() -> None:
    request = Request("GET", "http://example.org/")
    with pytest.raises(ProtocolError, match="Unexpected qop value \"b'AUTH'\" in digest auth"):
        answer(DigestAuth("u", "p"), request, 'Digest realm="r", nonce="n", qop="AUTH"')


def test_digest_unknown_qop() -> None:
    request = Request("GET", "http://example.org/")
    with pytest.raises(ProtocolError, match="qop"):
        answer(DigestAuth("u", "p"), request, 'Digest realm="r", nonce="n", qop="bogus"')


# --- challenge syntax -----------------------------------------------------------------------


def test_digest_quoted_unquoted_and_case_insensitive_params() -> None:
    request = Request("GET", "http://example.org/x")
    retried = answer(
        DigestAuth("u", "p"),
        request,
        'digest REALM = "a \\"quoted\\" realm, with comma" ,NONCE=bm9uY2U=,'
        "Qop=auth,  Algorithm=sha-256,OPAQUE=op/aq",
    )
    header = retried.headers["Authorization"]
    # Escapes are undone for hashing and redone when the realm is echoed.
    assert 'realm="a \\"quoted\\" realm, with comma"' in header
    fields = raw_auth_fields(retried)
    assert fields["nonce"] == '"bm9uY2U="'
    assert fields["opaque"] == '"op/aq"'
    assert fields["algorithm"] == "sha-256"
    cnonce = fields["cnonce"].strip('"')
    assert fields["response"].strip('"') == expected_digest(
        algorithm="SHA-256",
        username="u",
        password="p",
        realm='a "quoted" realm, with comma',
        nonce="bm9uY2U=",
        method="GET",
        uri="/x",
        qop="auth",
        nc="00000001",
        cnonce=cnonce,
    )


def test_digest_among_other_challenges_in_one_field() -> None:
    request = Request("GET", "http://example.org/")
    retried = answer(
        DigestAuth("u", "p"),
        request,
        'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple", '
        'Negotiate abc/def==, Digest realm="d", nonce="n", qop=auth',
    )
    assert auth_fields(retried)["realm"] == "d"


def test_digest_challenge_in_second_field() -> None:
    request = Request("GET", "http://example.org/")
    retried = answer(
        DigestAuth("u", "p"), request, 'Basic realm="b"', 'Digest realm="d", nonce="n"'
    )
    assert auth_fields(retried)["nonce"] == "n"


def test_parse_challenges() -> None:
    # The RFC 7235 section 4.1 example, plus a token68 challenge.
    parsed = _parse_challenges(
        'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple", '
        "Bearer abc.DEF-_~+/==, Digest nonce=x"
    )
    assert [(c.scheme, c.params, c.token68, c.malformed) for c in parsed] == [
        ("newauth", {"realm": "apps", "type": "1", "title": 'Login to "apps"'}, None, False),
        ("basic", {"realm": "simple"}, None, False),
        ("bearer", {}, "abc.DEF-_~+/==", False),
        ("digest", {"nonce": "x"}, None, False),
    ]


@pytest.mark.parametrize(
    "header",
    [
        'Digest realm="unterminated, nonce="n"',
        'Digest realm="r"',  # no nonce
        'Digest nonce="n"',  # no realm
        "Digest",
        "Digest abcdef==",
        'Digest realm="r", nonce="n", @@@',
        'Digest realm="r", "stray", nonce="n"',
    ],
)
def test_digest_malformed_challenge(header: str) -> None:
    request = Request("GET", "http://example.org/")
    with pytest.raises(ProtocolError, match="Malformed Digest WWW-Authenticate header") as info:
        answer(DigestAuth("u", "p"), request, header)
    assert info.value.request is request


def test_digest_repeated_parameter_last_one_wins_as_in_httpx() -> None:
    request = Request("GET", "http://example.org/")
    retried = answer(DigestAuth("u", "p"), request, 'Digest realm="r", nonce="n1", nonce="n2"')
    assert auth_fields(retried)["nonce"] == "n2"


def test_garbage_in_another_challenge_does_not_hide_digest() -> None:
    request = Request("GET", "http://example.org/")
    retried = answer(DigestAuth("u", "p"), request, 'Basic "junk" @@, Digest realm="r", nonce="n"')
    assert auth_fields(retried)["realm"] == "r"


# --- flow control ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "response_headers",
    [
        [],
        [("WWW-Authenticate", 'Basic realm="x"')],
        [("WWW-Authenticate", 'Bearer realm="x", error="invalid_token"')],
        [("WWW-Authenticate", "Digestive realm=x")],
    ],
)
def test_digest_passes_through_401_without_digest_challenge(
    response_headers: list[tuple[str, str]],
) -> None:
    flow = DigestAuth("u", "p").sync_auth_flow(Request("GET", "http://example.org/"))
    request = next(flow)
    with pytest.raises(StopIteration):
        flow.send(Response(401, headers=response_headers, request=request))
    assert "Authorization" not in request.headers


@pytest.mark.parametrize("status_code", [200, 403, 407, 500])
def test_digest_ignores_non_401(status_code: int) -> None:
    flow = DigestAuth("u", "p").sync_auth_flow(Request("GET", "http://example.org/"))
    request = next(flow)
    response = challenge_response(request, 'Digest realm="r", nonce="n"', status_code=status_code)
    with pytest.raises(StopIteration):
        flow.send(response)


def test_digest_gives_up_after_refused_credentials() -> None:
    auth = DigestAuth("u", "wrong")
    flow = auth.sync_auth_flow(Request("GET", "http://example.org/"))
    request = next(flow)
    request = flow.send(challenge_response(request, 'Digest realm="r", nonce="n1", qop=auth'))
    assert "Authorization" in request.headers
    with pytest.raises(StopIteration):
        flow.send(challenge_response(request, 'Digest realm="r", nonce="n2", qop=auth'))


def test_digest_stale_nonce_is_retried_once() -> None:
    auth = DigestAuth("u", "p")
    flow = auth.sync_auth_flow(Request("GET", "http://example.org/"))
    request = next(flow)
    request = flow.send(challenge_response(request, 'Digest realm="r", nonce="n1", qop=auth'))
    assert auth_fields(request)["nonce"] == "n1"
    request = flow.send(
        challenge_response(request, 'Digest realm="r", nonce="n2", qop=auth, stale=TRUE')
    )
    fields = auth_fields(request)
    assert (fields["nonce"], fields["nc"]) == ("n2", "00000001")
    # A second stale answer in the same flow is not retried again: no endless loop.
    with pytest.raises(StopIteration):
        flow.send(
            challenge_response(request, 'Digest realm="r", nonce="n3", qop=auth, stale=true')
        )


def test_digest_nonce_count_and_reuse_of_challenge() -> None:
    auth = DigestAuth("u", "p")
    retried = answer(
        auth, Request("GET", "http://example.org/a"), 'Digest realm="r", nonce="n", qop=auth'
    )
    cnonces = {auth_fields(retried)["cnonce"]}
    assert auth_fields(retried)["nc"] == "00000001"

    # Later requests to the same origin are authorised up front, counting nonce uses.
    for expected_nc in ("00000002", "00000003", "00000004"):
        flow = auth.sync_auth_flow(Request("POST", "http://example.org/b", content=b"x"))
        request = next(flow)
        fields = auth_fields(request)
        assert (fields["nonce"], fields["nc"]) == ("n", expected_nc)
        assert fields["response"] == expected_digest(
            algorithm="MD5",
            username="u",
            password="p",
            realm="r",
            nonce="n",
            method="POST",
            uri="/b",
            qop="auth",
            nc=expected_nc,
            cnonce=fields["cnonce"],
        )
        cnonces.add(fields["cnonce"])
        with pytest.raises(StopIteration):
            flow.send(Response(200, request=request))
    assert len(cnonces) == 4  # a fresh cnonce for each request

    # Another origin never gets an answer computed for this one.
    for url in ("http://other.org/a", "https://example.org/a", "http://example.org:81/a"):
        assert "Authorization" not in next(auth.sync_auth_flow(Request("GET", url))).headers


def test_digest_preemptive_answer_refused_with_new_nonce() -> None:
    auth = DigestAuth("u", "p")
    answer(auth, Request("GET", "http://example.org/"), 'Digest realm="r", nonce="n1", qop=auth')

    flow = auth.sync_auth_flow(Request("GET", "http://example.org/"))
    request = next(flow)
    assert auth_fields(request)["nc"] == "00000002"
    # The server dropped the nonce (without saying stale): answer the new challenge once.
    request = flow.send(challenge_response(request, 'Digest realm="r", nonce="n2", qop=auth'))
    fields = auth_fields(request)
    assert (fields["nonce"], fields["nc"]) == ("n2", "00000001")
    with pytest.raises(StopIteration):
        flow.send(challenge_response(request, 'Digest realm="r", nonce="n3", qop=auth'))


def test_digest_same_nonce_keeps_counting() -> None:
    auth = DigestAuth("u", "p")
    answer(auth, Request("GET", "http://example.org/"), 'Digest realm="r", nonce="n", qop=auth')
    flow = auth.sync_auth_flow(Request("GET", "http://example.org/"))
    request = next(flow)
    assert auth_fields(request)["nc"] == "00000002"
    request = flow.send(challenge_response(request, 'Digest realm="r", nonce="n", qop=auth'))
    assert auth_fields(request)["nc"] == "00000003"


def test_digest_resends_streamed_body() -> None:
    def body() -> Iterator[bytes]:
        yield b"hello, "
        yield b"world"

    auth = DigestAuth("u", "p")
    assert auth.requires_request_body and not auth.requires_response_body
    flow = auth.sync_auth_flow(Request("POST", "http://example.org/", content=body()))
    first = next(flow)
    assert b"".join(first.stream) == b"hello, world"  # type: ignore[arg-type]
    retried = flow.send(challenge_response(first, 'Digest realm="r", nonce="n"'))
    assert retried.content == b"hello, world"
    assert b"".join(retried.stream) == b"hello, world"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("request_cookie", "set_cookies", "expected"),
    [
        (None, ["session=abc; Path=/"], "session=abc"),
        ("existing=1", ["session=abc; Path=/"], "existing=1; session=abc"),
        # The challenge's fresh value replaces the one the request carried.
        ("session=old; other=2", ["session=new"], "session=new; other=2"),
        # Cookies that do not apply to this URL stay out (RFC 6265 sections 5.1.4, 5.4).
        (None, ["a=1; Path=/elsewhere", "b=2; Secure", "c=3"], "c=3"),
    ],
)
def test_digest_retry_carries_cookies_set_by_the_challenge(
    request_cookie: str | None, set_cookies: list[str], expected: str
) -> None:
    headers = {} if request_cookie is None else {"Cookie": request_cookie}
    flow = DigestAuth("u", "p").sync_auth_flow(
        Request("GET", "http://example.org/", headers=headers)
    )
    request = next(flow)
    response = challenge_response(
        request,
        'Digest realm="r", nonce="n"',
        extra_headers=[("Set-Cookie", value) for value in set_cookies],
    )
    retried = flow.send(response)
    assert retried.headers["Cookie"] == expected


def test_digest_invalid_credentials_type() -> None:
    with pytest.raises(TypeError, match="username must be str or bytes"):
        DigestAuth(None, "p")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="UTF-8"):
        DigestAuth(b"\xff", "p")


# --- async drivers --------------------------------------------------------------------------


@pytest.mark.anyio
async def test_digest_async_flow() -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b"async "
        yield b"body"

    auth = DigestAuth("u", "p")
    flow = auth.async_auth_flow(Request("POST", "http://example.org/p", content=body()))
    request = await flow.__anext__()
    assert request.content == b"async body"  # read before the flow started
    request = await flow.asend(
        challenge_response(request, 'Digest realm="r", nonce="n", qop=auth, algorithm=SHA-256')
    )
    fields = auth_fields(request)
    assert fields["response"] == expected_digest(
        algorithm="SHA-256",
        username="u",
        password="p",
        realm="r",
        nonce="n",
        method="POST",
        uri="/p",
        qop="auth",
        nc="00000001",
        cnonce=fields["cnonce"],
    )
    with pytest.raises(StopAsyncIteration):
        await flow.asend(Response(200, request=request))


@pytest.mark.anyio
async def test_basic_async_flow() -> None:
    flow = BasicAuth("user", "pass").async_auth_flow(Request("GET", "http://example.org/"))
    request = await flow.__anext__()
    assert request.headers["Authorization"] == "Basic dXNlcjpwYXNz"
    with pytest.raises(StopAsyncIteration):
        await flow.asend(Response(200, request=request))


# --- requires_request_body / requires_response_body ---------------------------------------


class BodyInspectingAuth(Auth):
    """Signs the request body, and retries once if the response body asks for it."""

    def __init__(self, request_body: bool, response_body: bool) -> None:
        self.requires_request_body = request_body
        self.requires_response_body = response_body
        self.seen_responses: list[bytes] = []

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        request.headers["X-Body-Hash"] = hashlib.sha256(request.content).hexdigest()
        response = yield request
        self.seen_responses.append(response.content)
        if response.content == b"retry":
            request.headers["X-Retry"] = "1"
            yield request


def streamed_request() -> Request:
    return Request("POST", "http://example.org/", content=iter([b"a", b"b"]))


def streamed_response(request: Request, body: bytes) -> Response:
    return Response(200, content=iter([body]), request=request)


def test_required_bodies_are_read_by_sync_driver() -> None:
    auth = BodyInspectingAuth(request_body=True, response_body=True)
    flow = auth.sync_auth_flow(streamed_request())
    request = next(flow)
    assert request.headers["X-Body-Hash"] == hashlib.sha256(b"ab").hexdigest()
    request = flow.send(streamed_response(request, b"retry"))
    assert request.headers["X-Retry"] == "1"
    with pytest.raises(StopIteration):
        flow.send(streamed_response(request, b"done"))
    assert auth.seen_responses == [b"retry"]


@pytest.mark.anyio
async def test_required_bodies_are_read_by_async_driver() -> None:
    async def content() -> AsyncIterator[bytes]:
        yield b"ab"

    async def response_content(body: bytes) -> AsyncIterator[bytes]:
        yield body

    auth = BodyInspectingAuth(request_body=True, response_body=True)
    flow = auth.async_auth_flow(Request("POST", "http://example.org/", content=content()))
    request = await flow.__anext__()
    assert request.headers["X-Body-Hash"] == hashlib.sha256(b"ab").hexdigest()
    response = Response(200, content=response_content(b"retry"), request=request)
    request = await flow.asend(response)
    assert request.headers["X-Retry"] == "1"
    assert auth.seen_responses == [b"retry"]
    await flow.aclose()


def test_unrequired_request_body_is_not_read() -> None:
    auth = BodyInspectingAuth(request_body=False, response_body=True)
    with pytest.raises(RequestNotRead):
        next(auth.sync_auth_flow(streamed_request()))


def test_unrequired_response_body_is_not_read() -> None:
    auth = BodyInspectingAuth(request_body=True, response_body=False)
    flow = auth.sync_auth_flow(streamed_request())
    request = next(flow)
    with pytest.raises(ResponseNotRead):
        flow.send(streamed_response(request, b"retry"))


def test_closing_driver_closes_auth_flow() -> None:
    closed: list[bool] = []

    class TrackingAuth(Auth):
        def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
            try:
                yield request
                yield request
            finally:
                closed.append(True)

    flow = TrackingAuth().sync_auth_flow(Request("GET", "http://example.org/"))
    next(flow)
    flow.close()
    assert closed == [True]


def test_default_auth_and_function_auth() -> None:
    request = Request("GET", "http://example.org/")
    flow = Auth().sync_auth_flow(request)
    assert next(flow) is request
    with pytest.raises(StopIteration):
        flow.send(Response(401, request=request))

    def add_token(request: Request) -> Request:
        request.headers["Authorization"] = "Token 123"
        return request

    flow = FunctionAuth(add_token).sync_auth_flow(Request("GET", "http://example.org/"))
    assert next(flow).headers["Authorization"] == "Token 123"


# --- Basic ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password", "expected"),
    [
        ("user", "pass", "Basic dXNlcjpwYXNz"),
        # RFC 7617 section 2 example.
        ("Aladdin", "open sesame", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        (b"user", b"pass", "Basic dXNlcjpwYXNz"),
        ("", "", "Basic Og=="),
        # Text is encoded as UTF-8 (RFC 7617 section 2.1 example: "test" / "123£").
        ("test", "123\u00a3", "Basic dGVzdDoxMjPCow=="),
    ],
)
def test_basic_auth_header(username: str | bytes, password: str | bytes, expected: str) -> None:
    flow = BasicAuth(username, password).sync_auth_flow(Request("GET", "http://example.org/"))
    request = next(flow)
    assert request.headers["Authorization"] == expected
    with pytest.raises(StopIteration):
        flow.send(Response(401, request=request))


def test_basic_auth_rejects_bad_types() -> None:
    with pytest.raises(TypeError, match="password must be str or bytes, not int"):
        BasicAuth("user", 1234)  # type: ignore[arg-type]


# --- netrc ----------------------------------------------------------------------------------


def write_netrc(tmp_path: Path, text: str) -> str:
    path = tmp_path / "netrc"
    path.write_text(text)
    path.chmod(0o600)
    return str(path)


def test_netrc_auth(tmp_path: Path) -> None:
    file = write_netrc(
        tmp_path,
        "machine example.org\n  login alice\n  password s3cret\n"
        "machine nopassword.org\n  login bob\n",
    )
    auth = NetRCAuth(file)

    request = next(auth.sync_auth_flow(Request("GET", "https://example.org:8443/x")))
    expected = base64.b64encode(b"alice:s3cret").decode()
    assert request.headers["Authorization"] == f"Basic {expected}"

    for url in ("https://other.org/", "https://nopassword.org/"):
        request = next(auth.sync_auth_flow(Request("GET", url)))
        assert "Authorization" not in request.headers


def test_netrc_default_entry(tmp_path: Path) -> None:
    file = write_netrc(tmp_path, "default login anyone password anything\n")
    request = next(NetRCAuth(file).sync_auth_flow(Request("GET", "http://any.org/")))
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(
        b"anyone:anything"
    ).decode("ascii")


def test_netrc_missing_or_malformed_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        NetRCAuth(str(tmp_path / "missing"))
    with pytest.raises(netrc.NetrcParseError):
        NetRCAuth(write_netrc(tmp_path, "bogus example.org\n"))


# --- build_auth / auth_from_url -----------------------------------------------------------


def test_build_auth() -> None:
    assert build_auth(None) is None
    digest = DigestAuth("u", "p")
    assert build_auth(digest) is digest

    basic = build_auth(("user", "pass"))
    assert isinstance(basic, BasicAuth)
    request = next(basic.sync_auth_flow(Request("GET", "http://example.org/")))
    assert request.headers["Authorization"] == "Basic dXNlcjpwYXNz"

    def func(request: Request) -> Request:
        return request

    assert isinstance(build_auth(func), FunctionAuth)


@pytest.mark.parametrize("bad", [123, "user:pass", ["user", "pass"], ("a",), ()])
def test_build_auth_rejects_bad_input(bad: object) -> None:
    with pytest.raises(TypeError, match='Invalid "auth" argument'):
        build_auth(bad)  # type: ignore[arg-type]


def test_build_auth_takes_the_first_two_items_of_a_longer_tuple_as_httpx_does() -> None:
    basic = build_auth(("a", "b", "c"))  # type: ignore[arg-type]
    assert isinstance(basic, BasicAuth)
    request = next(basic.sync_auth_flow(Request("GET", "http://example.org/")))
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"a:b").decode()


def test_auth_from_url() -> None:
    assert auth_from_url(URL("https://example.org/")) is None
    auth = auth_from_url(URL("https://us%40er:pa%20ss@example.org/"))
    assert isinstance(auth, BasicAuth)
    request = next(auth.sync_auth_flow(Request("GET", "https://example.org/")))
    expected = base64.b64encode(b"us@er:pa ss").decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    auth = auth_from_url(URL("https://user@example.org/"))
    assert auth is not None
    request = next(auth.sync_auth_flow(Request("GET", "https://example.org/")))
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"user:").decode()
