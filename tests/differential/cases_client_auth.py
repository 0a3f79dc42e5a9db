"""Differential cases: authentication through a client (Basic, netrc, callables,
`FunctionAuth`, custom `Auth` flows) and its errors; Digest is in `cases_client_digest`.

Flows are driven by a `MockTransport` whose handler plays a scripted server and records
what each request carried. Digest's client nonce comes from ``os.urandom`` and
``time.ctime``; the snippets fix both for the duration of the flow (and restore them), so
that the whole Authorization header is deterministic on both sides.
"""

from __future__ import annotations

import json
from typing import Any

PRELUDE = '''
import asyncio, contextlib, os, tempfile, time
@contextlib.contextmanager
def fixed_random():
    urandom, ctime = os.urandom, time.ctime
    os.urandom = lambda n: bytes(range(n))
    time.ctime = lambda *a: "Mon Jan  6 12:00:00 2025"
    try:
        yield
    finally:
        os.urandom, time.ctime = urandom, ctime
def server(script, seen):
    script = list(script)
    def handler(request):
        seen.append((request.method, str(request.url), request.headers.get("authorization"),
                     request.headers.get("cookie"), request.content))
        status, headers = script.pop(0) if script else (200, {})
        return httpx.Response(status, headers=headers)
    return handler
URL = "http://example.org/dir/index.html?x=1"
def run(auth="unset", script=(), requests=None, client_auth=None, **client_kw):
    """(what the server saw, each request's outcome)"""
    seen, out = [], []
    requests = requests or [("GET", URL, None)]
    kw = {} if auth == "unset" else {"auth": auth}
    with fixed_random():
        with httpx.Client(transport=httpx.MockTransport(server(script, seen)),
                          auth=client_auth, **client_kw) as client:
            for method, url, content in requests:
                try:
                    r = client.request(method, url, content=content, **kw)
                    out.append((r.status_code, [h.status_code for h in r.history]))
                except Exception as exc:
                    out.append((type(exc).__name__, str(exc)))
    return seen, out
def arun(auth="unset", script=(), requests=None, **client_kw):
    seen, out = [], []
    requests = requests or [("GET", URL, None)]
    kw = {} if auth == "unset" else {"auth": auth}
    async def main():
        async with httpx.AsyncClient(transport=httpx.MockTransport(server(script, seen)),
                                     **client_kw) as client:
            for method, url, content in requests:
                try:
                    r = await client.request(method, url, content=content, **kw)
                    out.append((r.status_code, [h.status_code for h in r.history]))
                except Exception as exc:
                    out.append((type(exc).__name__, str(exc)))
    with fixed_random():
        asyncio.run(main())
    return seen, out
def challenge(value, status=401, **extra):
    return (status, [("WWW-Authenticate", value)] + list(extra.items()))
def netrc_file(text):
    path = os.path.join(tempfile.mkdtemp(), "netrc")
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path
'''

CASES: list[tuple[str, str]] = []


def _add(case_id: str, code: str) -> None:
    CASES.append((f"client-auth-{case_id}", code))


# --- Basic ---------------------------------------------------------------------------------

_BASIC_CREDENTIALS = [
    ("'user'", "'pass'"),
    ("b'user'", "b'pass'"),
    ("'us\\u00e9r'", "'p\\u00e4ss'"),
    ("b'\\xe9'", "b'\\xff'"),
    ("''", "''"),
    ("'a:b'", "'c:d'"),
    ("'user'", "b'pass'"),
    ("1", "'x'"),
    ("'x'", "None"),
    ("None", "None"),
    ("'\\u2603'", "'\\U0001f600'"),
    ("'x' * 300", "'y'"),
]
for _i, (_user, _password) in enumerate(_BASIC_CREDENTIALS):
    _add(f"basic-{_i}", f"result = run(httpx.BasicAuth({_user}, {_password}))")
    _add(f"basic-tuple-{_i}", f"result = run(({_user}, {_password}))")
    _add(f"basic-client-{_i}", f"result = run(client_auth=({_user}, {_password}))")

_AUTH_ARGUMENTS = {
    "none": "None",
    "int": "1",
    "str": "'user:pass'",
    "list": "['user', 'pass']",
    "tuple3": "('a', 'b', 'c')",
    "tuple1": "('a',)",
    "dict": "{'user': 'pass'}",
    "bytes": "b'user:pass'",
    "auth-class": "httpx.Auth",
    "auth-instance": "httpx.Auth()",
    "lambda": "lambda r: r",
    "lambda-header": "lambda r: (r.headers.__setitem__('Authorization', 'Token x'), r)[1]",
    "lambda-returns-none": "lambda r: None",
    "lambda-raises": "lambda r: 1 / 0",
    "lambda-new-request": "lambda r: httpx.Request('GET', 'http://other.example/')",
    "basic-class": "httpx.BasicAuth",
}
for _name, _auth in _AUTH_ARGUMENTS.items():
    _add(f"arg-{_name}", f"result = run({_auth})")
    _add(f"client-arg-{_name}", f"result = run(client_auth={_auth})")

_MORE = {
    "url-userinfo": "result = run(requests=[('GET', 'http://u:p@example.org/', None)])",
    "url-userinfo-encoded": (
        "result = run(requests=[('GET', 'http://u%40x:p%3Aw%C3%A9@example.org/', None)])"
    ),
    "url-userinfo-user-only": "result = run(requests=[('GET', 'http://u@example.org/', None)])",
    "url-userinfo-password-only": (
        "result = run(requests=[('GET', 'http://:p@example.org/', None)])"
    ),
    "url-userinfo-and-auth": (
        "result = run(('a', 'b'), requests=[('GET', 'http://u:p@example.org/', None)])"
    ),
    "url-userinfo-and-client-auth": (
        "result = run(client_auth=('a', 'b'), requests=[('GET', 'http://u:p@example.org/', None)])"
    ),
    "url-userinfo-auth-none": (
        "result = run(None, requests=[('GET', 'http://u:p@example.org/', None)])"
    ),
    "client-auth-request-none": "result = run(None, client_auth=('a', 'b'))",
    "client-auth-request-other": "result = run(('c', 'd'), client_auth=('a', 'b'))",
    "client-auth-use-client-default": (
        "result = run(httpx.USE_CLIENT_DEFAULT, client_auth=('a', 'b'))"
    ),
    "client-auth-property": (
        "c = httpx.Client(auth=('a', 'b'))\n"
        "result = (type(c.auth).__name__, c.auth._auth_header if hasattr(c.auth, '_auth_header')"
        " else None)"
    ),
    "client-auth-setter": (
        "c = httpx.Client()\nc.auth = ('a', 'b')\nresult = type(c.auth).__name__\n"
        "c.auth = None\nresult = (result, c.auth)"
    ),
    "client-auth-setter-bad": "c = httpx.Client()\nc.auth = 5",
    "client-auth-setter-callable": (
        "c = httpx.Client()\nc.auth = lambda r: r\nresult = type(c.auth).__name__"
    ),
    "basic-header-preexisting": (
        "seen = []\n"
        "with httpx.Client(transport=httpx.MockTransport(server([], seen))) as c:\n"
        "    c.get(URL, auth=('a', 'b'), headers={'Authorization': 'Bearer x'})\n"
        "result = seen"
    ),
    "basic-header-client-preexisting": (
        "seen = []\n"
        "with httpx.Client(transport=httpx.MockTransport(server([], seen)),"
        " headers={'Authorization': 'Bearer x'}) as c:\n"
        "    c.get(URL)\n    c.get(URL, auth=('a', 'b'))\n"
        "result = seen"
    ),
    "basic-401-not-retried": "result = run(('a', 'b'), [challenge('Basic realm=\"x\"')])",
    "basic-async": "result = arun(('a', 'b'))",
    "basic-auth-flow-direct": (
        "flow = httpx.BasicAuth('a', 'b').auth_flow(httpx.Request('GET', URL))\n"
        "request = next(flow)\nresult = request.headers['authorization']"
    ),
    "basic-auth-sync-flow-direct": (
        "flow = httpx.BasicAuth('a', 'b').sync_auth_flow(httpx.Request('GET', URL))\n"
        "request = next(flow)\n"
        "try:\n    flow.send(httpx.Response(200))\nexcept StopIteration:\n    result = 'stop'\n"
    ),
    "auth-class-attrs": (
        "result = (httpx.Auth.requires_request_body, httpx.Auth.requires_response_body,"
        " httpx.DigestAuth.requires_request_body, httpx.DigestAuth.requires_response_body,"
        " httpx.BasicAuth.requires_request_body, httpx.NetRCAuth.requires_request_body)"
    ),
    "basic-repr": "result = repr(httpx.BasicAuth('a', 'b'))",
    "digest-repr": "result = repr(httpx.DigestAuth('a', 'b'))",
    "auth-subclass-check": (
        "result = [issubclass(c, httpx.Auth) for c in"
        " (httpx.BasicAuth, httpx.DigestAuth, httpx.NetRCAuth)]"
    ),
    "basic-bad-kwargs": "httpx.BasicAuth(username='a')",
    "digest-bad-kwargs": "httpx.DigestAuth('a')",
    "digest-int-credentials": 'result = run(httpx.DigestAuth(1, 2), [challenge(\'Digest realm="r", nonce="n"\')])',
}
for _name, _code in _MORE.items():
    _add(_name, _code)


# --- FunctionAuth (httpx 0.29) and custom Auth flows -----------------------------------------

_FLOWS = {
    "function-auth": (
        "def sign(request):\n"
        "    request.headers['X-Signed'] = 'yes'\n    return request\n"
        "seen = []\n"
        "with httpx.Client(transport=httpx.MockTransport(server([], seen))) as c:\n"
        "    r = c.get(URL, auth=httpx.FunctionAuth(sign))\n"
        "    result = (r.request.headers['x-signed'], type(r.request).__name__)"
    ),
    "function-auth-is-auth": (
        "a = httpx.FunctionAuth(lambda r: r)\n"
        "result = (isinstance(a, httpx.Auth), a.requires_request_body,"
        " a.requires_response_body)"
    ),
    "function-auth-flow-direct": (
        "a = httpx.FunctionAuth(lambda r: r)\nreq = httpx.Request('GET', URL)\n"
        "flow = a.auth_flow(req)\nresult = next(flow) is req"
    ),
    "function-auth-in-all": "result = 'FunctionAuth' in httpx.__all__",
    "function-auth-module": "result = httpx.FunctionAuth.__module__",
    "function-auth-signature": (
        "import inspect\nresult = str(inspect.signature(httpx.FunctionAuth))"
    ),
    "function-auth-bad-return": (
        "with httpx.Client(transport=httpx.MockTransport(server([], []))) as c:\n"
        "    c.get(URL, auth=httpx.FunctionAuth(lambda r: 'not a request'))"
    ),
    "function-auth-callable-built": (
        "c = httpx.Client(auth=lambda r: r)\nresult = type(c.auth).__name__"
    ),
    "custom-multi-step": (
        "class TwoStep(httpx.Auth):\n"
        "    def auth_flow(self, request):\n"
        "        response = yield request\n"
        "        request.headers['X-Step'] = str(response.status_code)\n"
        "        response = yield request\n"
        "        request.headers['X-Step'] = 'third'\n"
        "        yield request\n"
        "seen = []\n"
        "with httpx.Client(transport=httpx.MockTransport(server([(401, {}), (403, {})],"
        " seen))) as c:\n"
        "    r = c.get(URL, auth=TwoStep())\n"
        "result = (r.status_code, [h.status_code for h in r.history],"
        " [h.request.headers.get('x-step') for h in r.history], len(seen))"
    ),
    "custom-response-body-required": (
        "class NeedsBody(httpx.Auth):\n"
        "    requires_response_body = True\n"
        "    def auth_flow(self, request):\n"
        "        response = yield request\n"
        "        request.headers['X-Body'] = response.text\n"
        "        yield request\n"
        "calls = []\n"
        "def handler(request):\n"
        "    calls.append(request.headers.get('x-body'))\n"
        "    return httpx.Response(200, content=b'token-' + str(len(calls)).encode())\n"
        "with httpx.Client(transport=httpx.MockTransport(handler)) as c:\n"
        "    r = c.get(URL, auth=NeedsBody())\n"
        "result = (calls, r.text, [h.text for h in r.history])"
    ),
    "custom-response-body-not-required": (
        "class NoBody(httpx.Auth):\n"
        "    def auth_flow(self, request):\n"
        "        response = yield request\n"
        "        request.headers['X-Body'] = response.text\n"
        "        yield request\n"
        "def handler(request):\n"
        "    return httpx.Response(200, stream=httpx.ByteStream(b'streamed'))\n"
        "with httpx.Client(transport=httpx.MockTransport(handler)) as c:\n"
        "    r = c.get(URL, auth=NoBody())\n"
        "result = r.text"
    ),
    "custom-request-body-required": (
        "class Sign(httpx.Auth):\n"
        "    requires_request_body = True\n"
        "    def auth_flow(self, request):\n"
        "        request.headers['X-Len'] = str(len(request.content))\n"
        "        yield request\n"
        "def gen():\n    yield b'ab'\n    yield b'cd'\n"
        "seen = []\n"
        "with httpx.Client(transport=httpx.MockTransport(server([], seen))) as c:\n"
        "    r = c.post(URL, content=gen(), auth=Sign())\n"
        "result = (r.request.headers['x-len'], seen[0][4])"
    ),
    "custom-request-body-not-required": (
        "class Sign(httpx.Auth):\n"
        "    def auth_flow(self, request):\n"
        "        request.headers['X-Len'] = str(len(request.content))\n"
        "        yield request\n"
        "def gen():\n    yield b'ab'\n"
        "with httpx.Client(transport=httpx.MockTransport(server([], []))) as c:\n"
        "    r = c.post(URL, content=gen(), auth=Sign())"
    ),
    "custom-flow-no-yield": (
        "class Nothing(httpx.Auth):\n"
        "    def auth_flow(self, request):\n"
        "        return\n        yield request\n"
        "with httpx.Client(transport=httpx.MockTransport(server([], []))) as c:\n"
        "    r = c.get(URL, auth=Nothing())"
    ),
    "custom-flow-raises": (
        "class Boom(httpx.Auth):\n"
        "    def auth_flow(self, request):\n"
        "        response = yield request\n"
        "        raise ValueError('refused: ' + str(response.status_code))\n"
        "with httpx.Client(transport=httpx.MockTransport(server([(401, {})], []))) as c:\n"
        "    r = c.get(URL, auth=Boom())"
    ),
    "custom-flow-yields-other-url": (
        "class Elsewhere(httpx.Auth):\n"
        "    def auth_flow(self, request):\n"
        "        response = yield request\n"
        "        yield httpx.Request('POST', 'http://token.example/refresh')\n"
        "seen = []\n"
        "with httpx.Client(transport=httpx.MockTransport(server([(401, {})], seen))) as c:\n"
        "    r = c.get(URL, auth=Elsewhere())\n"
        "result = (seen, str(r.url), str(r.request.url), len(r.history))"
    ),
    "custom-sync-auth-flow-override": (
        "class Refresh(httpx.Auth):\n"
        "    def sync_auth_flow(self, request):\n"
        "        request.headers['X-Sync'] = '1'\n"
        "        yield request\n"
        "    async def async_auth_flow(self, request):\n"
        "        request.headers['X-Async'] = '1'\n"
        "        yield request\n"
        "seen = []\n"
        "with httpx.Client(transport=httpx.MockTransport(server([], seen))) as c:\n"
        "    r = c.get(URL, auth=Refresh())\n"
        "async def main():\n"
        "    async with httpx.AsyncClient(transport=httpx.MockTransport(server([], seen))) as c:\n"
        "        return await c.get(URL, auth=Refresh())\n"
        "ar = asyncio.run(main())\n"
        "result = [{k: v for k, v in x.request.headers.items() if k != 'user-agent'}"
        " for x in (r, ar)]"
    ),
    "custom-history-and-redirect": (
        "class Retry(httpx.Auth):\n"
        "    def auth_flow(self, request):\n"
        "        response = yield request\n"
        "        if response.status_code == 401:\n"
        "            request.headers['Authorization'] = 'Retry'\n"
        "            yield request\n"
        "script = [(401, {}), (302, {'Location': '/next'}), (200, {})]\n"
        "seen = []\n"
        "with httpx.Client(transport=httpx.MockTransport(server(script, seen)),"
        " follow_redirects=True) as c:\n"
        "    r = c.get(URL, auth=Retry())\n"
        "result = (seen, r.status_code, [(h.status_code, str(h.url)) for h in r.history])"
    ),
    "custom-flow-async-with-requires-body": (
        "class NeedsBody(httpx.Auth):\n"
        "    requires_response_body = True\n"
        "    requires_request_body = True\n"
        "    def auth_flow(self, request):\n"
        "        response = yield request\n"
        "        request.headers['X-Body'] = response.text + '/' + request.content.decode()\n"
        "        yield request\n"
        "seen = []\n"
        "async def gen():\n    yield b'x'\n    yield b'y'\n"
        "async def main():\n"
        "    async with httpx.AsyncClient(transport=httpx.MockTransport(server([(401, {})],"
        " seen))) as c:\n"
        "        return await c.post(URL, content=gen(), auth=NeedsBody())\n"
        "r = asyncio.run(main())\n"
        "result = (seen, r.request.headers['x-body'])"
    ),
    "auth-base-flow-direct": (
        "req = httpx.Request('GET', URL)\nflow = httpx.Auth().auth_flow(req)\n"
        "result = next(flow) is req"
    ),
}
for _name, _code in _FLOWS.items():
    _add(_name, _code)


# --- NetRC -----------------------------------------------------------------------------------

_NETRC = {
    "basic": "machine example.org login user password secret\n",
    "other-host": "machine other.org login user password secret\n",
    "default": "default login duser password dpass\n",
    "both": "machine example.org login u password p\ndefault login d password q\n",
    "no-password": "machine example.org login user\n",
    "no-login": "machine example.org password secret\n",
    "account": "machine example.org login u account a password p\n",
    "unicode": "machine example.org login us\u00e9r password p\u00e4ss\n",
    "quoted": 'machine example.org login "u s" password "p w"\n',
    "macdef": "macdef init\ncd /\n\nmachine example.org login u password p\n",
    "malformed": "machine example.org login\n",
    "garbage": "this is not a netrc file\n",
    "empty": "",
    "comment": "# comment\nmachine example.org login u password p # trailing\n",
    "port": "machine example.org:8080 login u password p\n",
    "ip": "machine 127.0.0.1 login u password p\n",
    "case": "machine EXAMPLE.ORG login u password p\n",
}
for _name, _text in _NETRC.items():
    _add(
        f"netrc-{_name}",
        f"path = netrc_file({_text!r})\n"
        "try:\n    auth = httpx.NetRCAuth(path)\n"
        "except Exception as exc:\n"
        "    result = (type(exc).__name__, str(exc).replace(path, '<path>'))\n"
        "else:\n"
        "    result = run(auth, requests=[('GET', URL, None),"
        " ('GET', 'http://example.org:8080/', None), ('GET', 'http://127.0.0.1/', None),"
        " ('GET', 'http://other.org/', None)])",
    )
_add("netrc-missing-file", "httpx.NetRCAuth('/nonexistent/dir/netrc')")
_add(
    "netrc-default-file",
    "import pathlib\nhome = tempfile.mkdtemp()\n"
    "pathlib.Path(home, '.netrc').write_text('machine example.org login h password hp\\n')\n"
    "os.chmod(os.path.join(home, '.netrc'), 0o600)\n"
    "old = os.environ.get('HOME')\nos.environ['HOME'] = home\n"
    "try:\n    result = run(httpx.NetRCAuth())\n"
    "finally:\n"
    "    if old is None:\n        del os.environ['HOME']\n"
    "    else:\n        os.environ['HOME'] = old",
)
_add(
    "netrc-file-none-no-home-file",
    "home = tempfile.mkdtemp()\nold = os.environ.get('HOME')\nos.environ['HOME'] = home\n"
    "try:\n    httpx.NetRCAuth(None)\n"
    "except Exception as exc:\n    result = (type(exc).__name__, str(exc).replace(home, '<home>'))\n"
    "finally:\n"
    "    if old is None:\n        del os.environ['HOME']\n"
    "    else:\n        os.environ['HOME'] = old",
)


# The reasons of the deliberate differences, each naming its entry in docs/compatibility.md.
_RFC_PARSING = (
    "compatibility.md#digest-challenges-are-read-as-rfc-9110-writes-them: parameter names "
    "in any case, whitespace around '=' and commas, several challenges in one field (the "
    "first usable Digest one); httpx misreads these or fails with an internal error"
)
_CLEAR_ERROR = (
    "compatibility.md#clear-errors-for-credentials-and-challenges: invalid credentials or a "
    "challenge we cannot answer raise a clear error of the documented type (TypeError for "
    "credentials, ProtocolError for a challenge) where httpx fails with an internal error "
    "(TypeError from bytes.join, KeyError, IndexError, ValueError from unpacking)"
)
_ORIGIN = (
    "compatibility.md#pre-emptive-digest-answers-stay-on-one-origin: a Digest challenge is "
    "answered pre-emptively only on later requests to the same origin"
)
_STALE = (
    "compatibility.md#a-stale-nonce-is-retried-once: a Digest answer refused with "
    "stale=true is retried once with the new nonce"
)
_QUOTING = (
    "compatibility.md#quoting-in-the-digest-authorization-header: quoted values escape "
    "'\"' and '\\' (RFC 9110 section 5.6.4); httpx writes them raw, breaking the header"
)
_NON_ASCII = (
    "compatibility.md#non-ascii-header-values: non-ASCII str header values (here Digest "
    "credentials or realm) are encoded as UTF-8 (httpx raises UnicodeEncodeError)"
)
_SHA512_256 = (
    "compatibility.md#sha-512-256: the SHA-512-256 Digest algorithm (RFC 7616 section 6.1) "
    "is supported"
)

EXPECTED: dict[str, str] = {
    "client-auth-arg-tuple1": _CLEAR_ERROR,
    "client-auth-client-arg-tuple1": _CLEAR_ERROR,
    "client-auth-digest-int-credentials": _CLEAR_ERROR,
    "client-auth-auth-class-attrs": (
        "compatibility.md#digestauth-reads-a-streamed-body-first: "
        "DigestAuth.requires_request_body is True, a streamed body is read before the first "
        "send so that it can be sent again in answer to the challenge"
    ),
}


def classify(
    case_id: str, code: str, ours: dict[str, Any], reference: dict[str, Any]
) -> str | None:
    if not case_id.startswith("client-auth-"):
        return None
    text = json.dumps(reference)
    if "expected a bytes-like object" in text and "must be str or bytes" in json.dumps(ours):
        return _CLEAR_ERROR
    return None
