"""Differential cases: Digest authentication through a client (RFC 7616 / 2617 / 2069).

Challenges of every algorithm and qop, malformed ones, scripted servers (refused
answers, stale nonces, cookies, redirects), later requests that reuse the challenge; a
generator combines challenges, credentials and URLs (with some Basic cases). The helpers
(`run`, `challenge`, the fixed client nonce) are `cases_client_auth`'s.
"""

from __future__ import annotations

import random

from .cases_client_auth import (
    _CLEAR_ERROR,
    _NON_ASCII,
    _ORIGIN,
    _QUOTING,
    _RFC_PARSING,
    _SHA512_256,
    _STALE,
)
from .cases_client_auth import PRELUDE as PRELUDE  # the helpers, run once per worker

CASES: list[tuple[str, str]] = []


def _add(case_id: str, code: str) -> None:
    CASES.append((f"client-auth-{case_id}", code))


# --- Digest ----------------------------------------------------------------------------------

_ALGORITHMS = [
    "MD5",
    "MD5-SESS",
    "SHA",
    "SHA-SESS",
    "SHA-256",
    "SHA-256-SESS",
    "SHA-512",
    "SHA-512-SESS",
    "md5",
    "sha-256",
    "Sha-512-Sess",
    "SHA-512-256",
    "SHA-1",
    "UNKNOWN",
    "",
]
_QOPS = [
    None,
    '"auth"',
    "auth",
    '"auth,auth-int"',
    '"auth-int,auth"',
    '"auth-int"',
    '"unknown"',
    '""',
    '"AUTH"',
    '" auth "',
    '"auth, auth-int"',
]


def _digest_challenge(
    algorithm: str | None = "MD5",
    qop: str | None = '"auth"',
    opaque: str | None = '"opq"',
    realm: str | None = '"me@example.org"',
    nonce: str | None = '"dcd98b7102dd2f0e8b11d0f600bfb0c093"',
    extra: str = "",
) -> str:
    params = []
    if realm is not None:
        params.append(f"realm={realm}")
    if nonce is not None:
        params.append(f"nonce={nonce}")
    if qop is not None:
        params.append(f"qop={qop}")
    if algorithm is not None:
        params.append(f"algorithm={algorithm}")
    if opaque is not None:
        params.append(f"opaque={opaque}")
    if extra:
        params.append(extra)
    return "Digest " + ", ".join(params)


def _digest(
    case_id: str, challenge: str, code_tail: str = "", auth: str = "('Mufasa', 'Circle of Life')"
) -> None:
    _add(
        f"digest-{case_id}",
        f"result = run(httpx.DigestAuth(*{auth}), [challenge({challenge!r})]{code_tail})",
    )


for _i, _algorithm in enumerate(_ALGORITHMS):
    for _j, _qop in enumerate(_QOPS):
        _digest(f"alg{_i}-qop{_j}", _digest_challenge(_algorithm, _qop))
    _digest(f"alg{_i}-no-opaque", _digest_challenge(_algorithm, opaque=None))

_DIGEST_CHALLENGES = {
    "no-realm": _digest_challenge(realm=None),
    "no-nonce": _digest_challenge(nonce=None),
    "no-algorithm": _digest_challenge(algorithm=None),
    "empty-realm": _digest_challenge(realm='""'),
    "unquoted": "Digest realm=r, nonce=n, qop=auth, algorithm=MD5, opaque=o",
    "lower-scheme": 'digest realm="r", nonce="n", qop="auth"',
    "upper-scheme": 'DIGEST realm="r", nonce="n", qop="auth"',
    "upper-params": 'Digest REALM="r", NONCE="n", QOP="auth", ALGORITHM=MD5',
    "spaces": 'Digest   realm = "r" ,  nonce="n",qop="auth"',
    "escaped-quote": 'Digest realm="r\\"q", nonce="n", qop="auth"',
    "comma-in-realm": 'Digest realm="a, b", nonce="n", qop="auth"',
    "equals-in-nonce": 'Digest realm="r", nonce="bj0=", qop="auth"',
    "stale-true": _digest_challenge(extra="stale=true"),
    "stale-TRUE": _digest_challenge(extra="stale=TRUE"),
    "userhash": _digest_challenge(extra="userhash=true"),
    "charset": _digest_challenge(extra="charset=UTF-8"),
    "domain": _digest_challenge(extra='domain="/a /b"'),
    "unknown-param": _digest_challenge(extra='foo="bar"'),
    "empty": "Digest",
    "empty-space": "Digest ",
    "garbage": "Digest garbage",
    "only-comma": "Digest ,",
    "basic": 'Basic realm="r"',
    "bearer": "Bearer",
    "basic-then-digest": 'Basic realm="x", Digest realm="r", nonce="n", qop="auth"',
    "digest-then-basic": 'Digest realm="r", nonce="n", qop="auth", Basic realm="x"',
    "two-digests": (
        'Digest realm="r", nonce="n1", algorithm=SHA-256, '
        'Digest realm="r", nonce="n2", algorithm=MD5'
    ),
    "unicode-realm": 'Digest realm="r\u00e9alm", nonce="n", qop="auth"',
    "no-space-after-scheme": 'Digest,realm="r", nonce="n"',
    "token68": "Digest abc==",
    "duplicate-nonce": 'Digest realm="r", nonce="n1", nonce="n2", qop="auth"',
    "trailing-comma": 'Digest realm="r", nonce="n", qop="auth",',
    "unterminated-quote": 'Digest realm="r, nonce="n"',
}
for _name, _challenge in _DIGEST_CHALLENGES.items():
    _digest(_name, _challenge)

_DIGEST_CREDENTIALS = [
    "('u', 'p')",
    "(b'u', b'p')",
    "('us\\u00e9r', 'p\\u00e4ss')",
    "('', '')",
    "('a\"b', 'c')",
    "('a\\\\b', 'c')",
    "(b'\\xe9', b'\\xff')",
]
for _i, _credentials in enumerate(_DIGEST_CREDENTIALS):
    _digest(f"credentials-{_i}", _digest_challenge(), auth=_credentials)

_DIGEST_SCENARIOS = {
    # The URI of the digest: path and query, as sent.
    "uri-root": "requests=[('GET', 'http://example.org', None)]",
    "uri-encoded": "requests=[('GET', 'http://example.org/a%20b/c?d=e%26f&g', None)]",
    "uri-unicode": "requests=[('GET', 'http://example.org/caf\\u00e9?q=\\u00fc', None)]",
    "uri-fragment": "requests=[('GET', 'http://example.org/p#frag', None)]",
    "uri-port": "requests=[('GET', 'http://example.org:8080/p', None)]",
    "post-body": "requests=[('POST', URL, b'payload')]",
    "put-empty": "requests=[('PUT', URL, b'')]",
    # Later requests reuse the challenge (nc counts up).
    "second-request": "requests=[('GET', URL, None), ('GET', URL, None)]",
    "three-requests": (
        "requests=[('GET', URL, None), ('POST', 'http://example.org/other', b'x'),"
        " ('GET', URL, None)]"
    ),
    "second-request-other-host": (
        "requests=[('GET', URL, None), ('GET', 'http://other.example/p', None)]"
    ),
}
for _name, _requests in _DIGEST_SCENARIOS.items():
    _digest(_name, _digest_challenge(), ", " + _requests)

_SCRIPTED = {
    # The server refuses the answer (wrong password): a second 401 is returned as is.
    "refused": "[challenge(C), challenge(C)]",
    # A stale nonce on the answer.
    "stale-second": "[challenge(C), challenge(C + ', stale=true')]",
    "stale-second-new-nonce": (
        "[challenge(C), challenge(C.replace('dcd98', 'fffff') + ', stale=true')]"
    ),
    "stale-twice": (
        "[challenge(C), challenge(C + ', stale=true'), challenge(C + ', stale=true')]"
    ),
    # Non-401 answers and 401s without a Digest challenge.
    "not-401": "[challenge(C, status=403)]",
    "401-no-header": "[(401, {})]",
    "401-basic-only": "[challenge('Basic realm=\"x\"')]",
    "200-with-challenge": "[challenge(C, status=200)]",
    "cookie-on-challenge": "[(401, [('WWW-Authenticate', C), ('Set-Cookie', 'sid=1; Path=/')])]",
    "two-header-fields": (
        "[(401, [('WWW-Authenticate', 'Basic realm=\"x\"'), ('WWW-Authenticate', C)])]"
    ),
    "two-header-fields-digest-first": (
        "[(401, [('WWW-Authenticate', C), ('WWW-Authenticate', 'Basic realm=\"x\"')])]"
    ),
    "then-redirect": "[challenge(C), (302, {'Location': '/next'})]",
    "preemptive-then-new-challenge": (
        "[challenge(C), (200, {}), challenge(C.replace('dcd98', '00000'))]"
    ),
}
for _name, _script in _SCRIPTED.items():
    _add(
        f"digest-scripted-{_name}",
        f"C = {_digest_challenge()!r}\n"
        f"result = run(httpx.DigestAuth('Mufasa', 'Circle of Life'), {_script},"
        " requests=[('GET', URL, None), ('GET', URL, None)], follow_redirects=True)",
    )

_add(
    "digest-async",
    f"result = arun(httpx.DigestAuth('u', 'p'), [challenge({_digest_challenge()!r})],"
    " requests=[('GET', URL, None), ('GET', URL, None)])",
)
_add(
    "digest-async-stream-body",
    "async def body():\n    yield b'a'\n    yield b'b'\n"
    f"seen, out = [], []\nscript = [challenge({_digest_challenge()!r})]\n"
    "async def main():\n"
    "    async with httpx.AsyncClient(transport=httpx.MockTransport(server(script, seen))) as c:\n"
    "        r = await c.post(URL, content=body(), auth=httpx.DigestAuth('u', 'p'))\n"
    "        return r.status_code\n"
    "with fixed_random():\n    status = asyncio.run(main())\n"
    "result = (seen, status)",
)
_add(
    "digest-sync-stream-body",
    "def body():\n    yield b'a'\n    yield b'b'\n"
    f"seen = []\nscript = [challenge({_digest_challenge()!r})]\n"
    "with fixed_random():\n"
    "    with httpx.Client(transport=httpx.MockTransport(server(script, seen))) as c:\n"
    "        r = c.post(URL, content=body(), auth=httpx.DigestAuth('u', 'p'))\n"
    "result = (seen, r.status_code)",
)
_add(
    "digest-history",
    f"C = {_digest_challenge()!r}\nseen = []\n"
    "with fixed_random():\n"
    "    with httpx.Client(transport=httpx.MockTransport(server([challenge(C)], seen))) as c:\n"
    "        r = c.get(URL, auth=httpx.DigestAuth('u', 'p'))\n"
    "result = (r.status_code, [(h.status_code, h.is_closed, h.request.headers.get("
    "'authorization')) for h in r.history], r.request.headers.get('authorization'))",
)
_add(
    "digest-flow-direct",
    "auth = httpx.DigestAuth('u', 'p')\nreq = httpx.Request('GET', URL)\n"
    "flow = auth.sync_auth_flow(req)\nfirst = next(flow)\n"
    f"resp = httpx.Response(401, headers={{'WWW-Authenticate': {_digest_challenge()!r}}},"
    " request=req)\n"
    "with fixed_random():\n    second = flow.send(resp)\n"
    "result = ('authorization' in first.headers, second.headers['authorization'])",
)
_add(
    "digest-flow-direct-non-401",
    "auth = httpx.DigestAuth('u', 'p')\nreq = httpx.Request('GET', URL)\n"
    "flow = auth.sync_auth_flow(req)\nnext(flow)\n"
    "try:\n    flow.send(httpx.Response(200, request=req))\n"
    "except StopIteration:\n    result = 'done'",
)


# --- generated -------------------------------------------------------------------------------

_GEN_USERS = ["'u'", "'Mufasa'", "b'bytes'", "''", "'x:y'", "'s p'"]
_GEN_PASSWORDS = ["'p'", "'Circle of Life'", "'p\u00e4ss'", "b'pw'", "''", "b'\\xff'"]
_GEN_ORIGINS = ["http://example.org", "https://example.org:8443", "http://127.0.0.1:8000"]
_GEN_PATHS = ["", "/", "/dir/index.html?x=1", "/a%20b?c=d&e", "/x/y/", "/caf\u00e9", "/?"]
_GEN_ALGORITHMS = [
    "MD5",
    "MD5-SESS",
    "SHA",
    "SHA-SESS",
    "SHA-256",
    "SHA-256-SESS",
    "SHA-512",
    "SHA-512-SESS",
    None,
    "md5-sess",
    "sha-256",
]
_GEN_QOPS = [None, '"auth"', "auth", '"auth,auth-int"', '"auth-int,auth"', '"auth, auth-int"']
_GEN_REALMS = ['"r"', '"me@example.org"', "r", '""', '"a, b"', '"x=y"']
_GEN_NONCES = ['"n"', '"dcd98b7102dd2f0e8b11d0f600bfb0c093"', "abc", '"bj0="', '"x y"']
_GEN_OPAQUES = [None, '"o"', "o", '""', '"5ccc069c403ebaf9f0171e9517f40e41"']


def generate(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(f"client-auth-{seed}")
    cases = []
    for index in range(count):
        # One origin per case: a Digest challenge is reused only for its origin here,
        # for any origin in httpx (a documented difference, covered by the tables).
        origin = rng.choice(_GEN_ORIGINS)
        user, password = rng.choice(_GEN_USERS), rng.choice(_GEN_PASSWORDS)
        if rng.random() < 0.15:
            url = repr(origin + rng.choice(_GEN_PATHS))
            code = f"result = run(({user}, {password}), requests=[('GET', {url}, None)])"
        else:
            challenge = _digest_challenge(
                algorithm=rng.choice(_GEN_ALGORITHMS),
                qop=rng.choice(_GEN_QOPS),
                opaque=rng.choice(_GEN_OPAQUES),
                realm=rng.choice(_GEN_REALMS),
                nonce=rng.choice(_GEN_NONCES),
            )
            requests = []
            for _ in range(rng.choice([1, 1, 2, 3])):
                method = rng.choice(["GET", "POST", "PUT", "DELETE"])
                content = rng.choice(["None", "b'body'", "b''"]) if method != "GET" else "None"
                url = repr(origin + rng.choice(_GEN_PATHS))
                requests.append(f"('{method}', {url}, {content})")
            code = (
                f"result = run(httpx.DigestAuth({user}, {password}), "
                f"[challenge({challenge!r})], requests=[{', '.join(requests)}])"
            )
        cases.append((f"client-auth-gen-{seed}-{index}", code))
    return cases


EXPECTED: dict[str, str] = {
    "client-auth-digest-credentials-6": _CLEAR_ERROR,
    "client-auth-digest-upper-params": _RFC_PARSING,
    "client-auth-digest-spaces": _RFC_PARSING,
    "client-auth-digest-empty": _CLEAR_ERROR,
    "client-auth-digest-garbage": _CLEAR_ERROR,
    "client-auth-digest-only-comma": _CLEAR_ERROR,
    "client-auth-digest-basic-then-digest": _RFC_PARSING,
    "client-auth-digest-two-digests": _RFC_PARSING,
    "client-auth-digest-no-space-after-scheme": _RFC_PARSING,
    "client-auth-digest-escaped-quote": _QUOTING,
    "client-auth-digest-credentials-4": _QUOTING,
    "client-auth-digest-credentials-5": _QUOTING,
    "client-auth-digest-unicode-realm": _NON_ASCII,
    "client-auth-digest-credentials-2": _NON_ASCII,
    "client-auth-digest-second-request-other-host": _ORIGIN,
    "client-auth-digest-scripted-stale-second": _STALE,
    "client-auth-digest-scripted-stale-second-new-nonce": _STALE,
    "client-auth-digest-scripted-stale-twice": _STALE,
}
for _i in range(len(_ALGORITHMS)):
    # " auth ": optional whitespace around the list items (RFC 9110 section 5.6.1).
    EXPECTED[f"client-auth-digest-alg{_i}-qop9"] = _RFC_PARSING
for _i in (11, 12, 13, 14):  # SHA-512-256 (RFC 7616), SHA-1, UNKNOWN, empty
    for _j in range(len(_QOPS)):
        EXPECTED[f"client-auth-digest-alg{_i}-qop{_j}"] = _SHA512_256 if _i == 11 else _CLEAR_ERROR
    EXPECTED[f"client-auth-digest-alg{_i}-no-opaque"] = EXPECTED[
        f"client-auth-digest-alg{_i}-qop0"
    ]
