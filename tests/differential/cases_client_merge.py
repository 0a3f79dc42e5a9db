"""Differential cases: what a client merges into each request, and its configuration.

`base_url` joining (`Client._merge_url`), client and request `params`, `headers`,
`cookies` (and the deprecation warning of per-request cookies), `timeout` (tuples
included), `event_hooks`, `trust_env`, the `USE_CLIENT_DEFAULT` sentinel, and the
client's properties. Requests go to a `MockTransport` that reports what it received.
"""

from __future__ import annotations

import ast
import random
import re
from typing import Any

PRELUDE = """
import asyncio
def echo(request):
    return httpx.Response(200, json={
        "method": request.method, "url": str(request.url),
        "headers": [[k, v] for k, v in request.headers.multi_items()
                    if k not in ("user-agent",)],
        "timeout": request.extensions.get("timeout"),
        "body": request.content.decode("latin-1"),
    })
def send(method="GET", url="/", client=None, **kw):
    with httpx.Client(transport=httpx.MockTransport(echo), **(client or {})) as c:
        return c.request(method, url, **kw).json()
def C(**kw):
    return httpx.Client(transport=httpx.MockTransport(echo), **kw)
def build(url="/", client=None, method="GET", **kw):
    # (A transport of our own: no SSL context to build for each client.)
    c = httpx.Client(transport=httpx.MockTransport(echo), **(client or {}))
    r = c.build_request(method, url, **kw)
    return (r.method, str(r.url), [(k, v) for k, v in r.headers.multi_items()
                                   if k != "user-agent"], r.extensions)
"""

CASES: list[tuple[str, str]] = []


def _add(case_id: str, code: str) -> None:
    CASES.append((f"client-merge-{case_id}", code))


# --- base_url -------------------------------------------------------------------------------

_BASE_URLS = [
    "''",
    "'http://example.org'",
    "'http://example.org/'",
    "'http://example.org/api'",
    "'http://example.org/api/'",
    "'http://example.org/api/v1?token=x'",
    "'http://example.org/api#frag'",
    "'https://example.org:8443/a/b/'",
    "'http://user:pass@example.org/p'",
    "'/relative'",
    "'example.org'",
    "'http://example.org/a%20b/'",
    "httpx.URL('http://example.org/u')",
    "'http://[::1]:8000/v6'",
    "'http://example.org//double'",
]
_REQUEST_URLS = [
    "''",
    "'/'",
    "'path'",
    "'/path'",
    "'//path'",
    "'path/'",
    "'../up'",
    "'./dot'",
    "'?q=1'",
    "'#frag'",
    "'/path?q=1#f'",
    "'http://other.org/abs'",
    "'https://other.org'",
    "'//other.org/scheme-relative'",
    "'a%20b'",
    "'caf\\u00e9'",
    "httpx.URL('/url-object')",
    "httpx.URL('http://other.org/obj')",
    "'mailto:x@example.org'",
    "'ftp://example.org/f'",
]
for _i, _base in enumerate(_BASE_URLS):
    _add(f"base-url-attr-{_i}", f"result = str(C(base_url={_base}).base_url)")
    for _j, _url in enumerate(_REQUEST_URLS):
        _add(
            f"base-url-{_i}-{_j}",
            f"result = str(C(base_url={_base})._merge_url({_url}))",
        )
_add(
    "base-url-setter",
    "c = httpx.Client()\nc.base_url = 'http://example.org/api'\n"
    "result = (str(c.base_url), str(c._merge_url('x')))",
)
_add("base-url-bad-type", "httpx.Client(base_url=1)")
_add("base-url-invalid", "httpx.Client(base_url='http://[::1')")
_add("base-url-none", "result = str(httpx.Client(base_url=None).base_url)")
_add(
    "base-url-send",
    "result = send(url='users/1', client={'base_url': 'http://example.org/api/v2'})",
)
_add("no-base-url-relative", "result = send(url='/relative')")

# --- params --------------------------------------------------------------------------------

_PARAMS = [
    "None",
    "{}",
    "{'a': '1'}",
    "{'a': '2', 'b': 'x'}",
    "{'a': ['1', '2']}",
    "[('a', '1'), ('a', '2')]",
    "'a=1&b=2'",
    "b'a=1'",
    "httpx.QueryParams('a=3')",
    "{'a': None}",
    "{'a': True, 'n': 1.5}",
    "{'sp': 'a b', 'plus': '+'}",
    "{'e': ''}",
    "''",
    "[]",
]
_PARAM_URLS = ["'http://example.org/'", "'http://example.org/?a=0&z=9'", "'http://example.org/?'"]
for _i, _client_params in enumerate(_PARAMS):
    for _j, _params in enumerate(_PARAMS):
        for _k, _url in enumerate(_PARAM_URLS):
            if (_i + _j + _k) % 3 and _k:
                continue
            _add(
                f"params-{_i}-{_j}-{_k}",
                f"result = build({_url}, client={{'params': {_client_params}}},"
                f" params={_params})[1]",
            )
_add("params-attr", "result = repr(C(params={'a': ['1', '2']}).params)")
_add(
    "params-setter",
    "c = httpx.Client()\nc.params = 'x=1'\nresult = (repr(c.params), build('http://e/')[1])",
)
_add("params-bad", "result = build('http://e/', params=object())")
_add("params-bad-client", "httpx.Client(params=1)")

# --- headers -------------------------------------------------------------------------------

_HEADERS = [
    "None",
    "{}",
    "{'X-A': '1'}",
    "{'x-a': '2'}",
    "{'Accept': 'text/html'}",
    "{'User-Agent': 'custom'}",
    "{'Accept-Encoding': 'identity'}",
    "{'Connection': 'close'}",
    "{'Host': 'custom.example'}",
    "[('X-Dup', '1'), ('X-Dup', '2')]",
    "httpx.Headers({'X-H': 'h'})",
    "{b'X-Bytes': b'v'}",
    "{'Content-Type': 'text/plain'}",
]
for _i, _client_headers in enumerate(_HEADERS):
    for _j, _headers in enumerate(_HEADERS):
        _add(
            f"headers-{_i}-{_j}",
            f"result = build('http://example.org/', client={{'headers': {_client_headers}}},"
            f" headers={_headers})[2]",
        )
_add(
    "headers-default",
    "result = sorted((k, v) for k, v in httpx.Client().headers.items() if k != 'user-agent')",
)
_add("headers-user-agent", "result = httpx.Client().headers['user-agent'].split('/')[0]")
_add(
    "headers-setter",
    "c = httpx.Client()\nc.headers = {'X': '1'}\nresult = sorted(c.headers.keys())",
)
_add(
    "headers-mutate",
    "c = httpx.Client()\nc.headers['X-New'] = 'v'\ndel c.headers['accept']\n"
    "result = build('http://e/', client=None)[2], sorted(c.headers.keys())",
)
_add(
    "headers-repr",
    # (The default User-Agent names the release: not a behaviour.)
    "result = repr(httpx.Client(headers={'Authorization': 'x'}).headers)"
    ".replace(httpx.__version__, '<version>')",
)
_add(
    "headers-send",
    "result = send(url='http://example.org/', client={'headers': {'X-A': 'c'}},"
    " headers={'X-B': 'r'}, content=b'body')['headers']",
)

# --- cookies -------------------------------------------------------------------------------

_COOKIE_CASES = {
    "client": "result = send(url='http://example.org/', client={'cookies': {'a': '1'}})",
    "request": "result = send(url='http://example.org/', cookies={'r': '2'})",
    "both": (
        "result = send(url='http://example.org/', client={'cookies': {'a': '1'}},"
        " cookies={'a': '2', 'b': '3'})"
    ),
    "request-cookies-object": (
        "jar = httpx.Cookies()\njar.set('x', 'y', domain='example.org')\n"
        "result = send(url='http://example.org/', cookies=jar)"
    ),
    "request-cookies-list": "result = send(url='http://example.org/', cookies=[('l', '1')])",
    "request-cookies-empty": "result = send(url='http://example.org/', cookies={})",
    "request-cookies-none": "result = send(url='http://example.org/', cookies=None)",
    "build-request-cookies": "result = build('http://example.org/', cookies={'b': '1'})",
    "stream-cookies": (
        "with httpx.Client(transport=httpx.MockTransport(echo)) as c:\n"
        "    with c.stream('GET', 'http://example.org/', cookies={'s': '1'}) as r:\n"
        "        r.read()\n        result = r.json()['headers']"
    ),
    "async-request-cookies": (
        "async def main():\n"
        "    async with httpx.AsyncClient(transport=httpx.MockTransport(echo)) as c:\n"
        "        return (await c.get('http://example.org/', cookies={'a': '1'})).json()\n"
        "result = asyncio.run(main())"
    ),
    "api-get-cookies": (
        "import unittest.mock\n"
        "with unittest.mock.patch.object(httpx.HTTPTransport, 'handle_request',"
        " lambda self, request: echo(request)):\n"
        "    result = httpx.get('http://example.org/', cookies={'api': '1'}).json()"
    ),
    "client-cookies-attr": (
        "c = httpx.Client(cookies={'a': '1'})\nresult = (repr(c.cookies), dict(c.cookies))"
    ),
    "client-cookies-setter": (
        "c = httpx.Client()\nc.cookies = {'z': '9'}\nresult = dict(c.cookies)"
    ),
    "client-cookies-persist": (
        "def handler(request):\n"
        "    return httpx.Response(200, headers={'Set-Cookie': 'sid=abc; Path=/'},"
        " json=request.headers.get('cookie'))\n"
        "with httpx.Client(transport=httpx.MockTransport(handler)) as c:\n"
        "    first = c.get('http://example.org/').json()\n"
        "    second = c.get('http://example.org/').json()\n"
        "    result = (first, second, dict(c.cookies))"
    ),
    "response-cookies": (
        "def handler(request):\n"
        "    return httpx.Response(200, headers=[('Set-Cookie', 'a=1'), ('Set-Cookie', 'b=2')])\n"
        "with httpx.Client(transport=httpx.MockTransport(handler)) as c:\n"
        "    r = c.get('http://example.org/')\n"
        "    result = (dict(r.cookies), dict(c.cookies))"
    ),
}
for _name, _code in _COOKIE_CASES.items():
    _add(f"cookies-{_name}", _code)

# --- timeout -------------------------------------------------------------------------------

_TIMEOUTS = [
    "None",
    "1",
    "2.5",
    "(3, 5)",
    "(1, 2, 3, 4)",
    "(1, 2, 3)",
    "(None, None, None, None)",
    "httpx.Timeout(3)",
    "httpx.Timeout(3, connect=1)",
    "httpx.Timeout(None, read=7)",
    "'5'",
    "[1, 2, 3, 4]",
    "-1",
    "True",
]
for _i, _timeout in enumerate(_TIMEOUTS):
    _add(f"timeout-client-{_i}", f"result = repr(C(timeout={_timeout}).timeout)")
    _add(
        f"timeout-request-{_i}",
        f"result = send(url='http://example.org/', timeout={_timeout})['timeout']",
    )
    _add(
        f"timeout-client-send-{_i}",
        f"result = send(url='http://example.org/', client={{'timeout': {_timeout}}})['timeout']",
    )
    _add(
        f"timeout-build-{_i}",
        f"result = build('http://example.org/', timeout={_timeout})[3]",
    )
_add(
    "timeout-setter",
    "c = httpx.Client()\nc.timeout = (3, 5)\nresult = repr(c.timeout)",
)
_add(
    "timeout-use-client-default",
    "result = send(url='http://example.org/', client={'timeout': 9},"
    " timeout=httpx.USE_CLIENT_DEFAULT)['timeout']",
)
_add(
    "timeout-extension-wins",
    "result = send(url='http://example.org/', timeout=3,"
    " extensions={'timeout': {'connect': 1, 'read': 1, 'write': 1, 'pool': 1}})['timeout']",
)
_add(
    "timeout-api",
    "import inspect\nresult = str(inspect.signature(httpx.get).parameters['timeout'])",
)

# --- misc client configuration ------------------------------------------------------------

_MISC = {
    "repr": "result = repr(httpx.Client())",
    "async-repr": "result = repr(httpx.AsyncClient())",
    "is-closed": (
        "c = httpx.Client()\nbefore = c.is_closed\nc.close()\nresult = (before, c.is_closed)"
    ),
    "is-closed-with": (
        "with httpx.Client() as c:\n    inside = c.is_closed\nresult = (inside, c.is_closed)"
    ),
    "trust-env-attr": (
        "result = (httpx.Client().trust_env, httpx.Client(trust_env=False).trust_env)"
    ),
    "trust-env-setter": "c = httpx.Client()\nc.trust_env = False",
    "follow-redirects-attr": "result = httpx.Client().follow_redirects",
    "max-redirects-default": "result = httpx.Client().max_redirects",
    "event-hooks-default": "result = httpx.Client().event_hooks",
    "event-hooks-given": (
        "def h(x): pass\nc = httpx.Client(event_hooks={'request': [h]})\n"
        "result = (sorted(c.event_hooks), len(c.event_hooks['request']),"
        " len(c.event_hooks['response']))"
    ),
    "event-hooks-setter": (
        "def h(x): pass\nc = httpx.Client()\nc.event_hooks = {'response': [h]}\n"
        "result = sorted((k, len(v)) for k, v in c.event_hooks.items())"
    ),
    "event-hooks-unknown-key": (
        "def h(x): pass\nc = httpx.Client(event_hooks={'other': [h]})\n"
        "result = sorted(c.event_hooks)"
    ),
    "event-hooks-setter-unknown": (
        "def h(x): pass\nc = httpx.Client()\nc.event_hooks = {'other': [h]}\n"
        "result = sorted(c.event_hooks)"
    ),
    "event-hooks-list-copy": (
        "def h(x): pass\nhooks = [h]\nc = httpx.Client(event_hooks={'request': hooks})\n"
        "hooks.append(h)\nresult = len(c.event_hooks['request'])"
    ),
    "event-hooks-order": (
        "order = []\n"
        "def r1(request): order.append('r1')\n"
        "def r2(request): order.append('r2')\n"
        "def s1(response): order.append(('s1', response.is_closed, response.status_code))\n"
        "with httpx.Client(transport=httpx.MockTransport(echo),"
        " event_hooks={'request': [r1, r2], 'response': [s1]}) as c:\n"
        "    c.get('http://example.org/')\n"
        "result = order"
    ),
    "event-hook-modifies-request": (
        "def add(request): request.headers['X-Hook'] = 'yes'\n"
        "with httpx.Client(transport=httpx.MockTransport(echo),"
        " event_hooks={'request': [add]}) as c:\n"
        "    result = c.get('http://example.org/').json()['headers']"
    ),
    "event-hook-reads-response": (
        "def read(response): response.read()\n"
        "with httpx.Client(transport=httpx.MockTransport(echo),"
        " event_hooks={'response': [read]}) as c:\n"
        "    with c.stream('GET', 'http://example.org/') as r:\n"
        "        result = (r.is_stream_consumed, r.json()['url'])"
    ),
    "event-hook-raises": (
        "def boom(request): raise RuntimeError('hook failed')\n"
        "with httpx.Client(transport=httpx.MockTransport(echo),"
        " event_hooks={'request': [boom]}) as c:\n"
        "    c.get('http://example.org/')"
    ),
    "async-event-hooks": (
        "order = []\n"
        "async def r1(request): order.append('r1')\n"
        "async def s1(response): order.append(response.status_code)\n"
        "async def main():\n"
        "    async with httpx.AsyncClient(transport=httpx.MockTransport(echo),"
        " event_hooks={'request': [r1], 'response': [s1]}) as c:\n"
        "        await c.get('http://example.org/')\n"
        "asyncio.run(main())\nresult = order"
    ),
    "use-client-default-repr": "result = repr(httpx.USE_CLIENT_DEFAULT)",
    "use-client-default-type": (
        "from httpx._client import UseClientDefault, USE_CLIENT_DEFAULT\n"
        "result = (isinstance(httpx.USE_CLIENT_DEFAULT, UseClientDefault),"
        " USE_CLIENT_DEFAULT is httpx.USE_CLIENT_DEFAULT, bool(USE_CLIENT_DEFAULT))"
    ),
    "client-state": (
        "from httpx._client import ClientState\nresult = [(s.name, s.value) for s in ClientState]"
    ),
    "auth-use-client-default": (
        "result = send(url='http://example.org/', client={'auth': ('a', 'b')},"
        " auth=httpx.USE_CLIENT_DEFAULT)['headers']"
    ),
    "follow-use-client-default": (
        "with httpx.Client(transport=httpx.MockTransport(echo)) as c:\n"
        "    result = c.get('http://e/', follow_redirects=httpx.USE_CLIENT_DEFAULT).status_code"
    ),
    "default-encoding": (
        "def handler(request):\n    return httpx.Response(200, content='\\u00e9'.encode('latin-1'))\n"
        "with httpx.Client(transport=httpx.MockTransport(handler),"
        " default_encoding='latin-1') as c:\n"
        "    result = c.get('http://e/').text"
    ),
    "default-encoding-callable": (
        "def handler(request):\n    return httpx.Response(200, content=b'abc')\n"
        "with httpx.Client(transport=httpx.MockTransport(handler),"
        " default_encoding=lambda b: 'ascii') as c:\n"
        "    r = c.get('http://e/')\n    result = (r.text, r.encoding)"
    ),
    "unknown-kwarg": "httpx.Client(unknown=1)",
    "positional-arg": "httpx.Client('http://example.org')",
    "verb-unknown-kwarg": (
        "with httpx.Client(transport=httpx.MockTransport(echo)) as c:\n"
        "    c.get('http://e/', content=b'x')"
    ),
    "request-extensions": ("result = build('http://example.org/', extensions={'custom': 1})[3]"),
    "request-method-lower": "result = build('http://example.org/', method='get')[0]",
    "build-request-json": (
        "result = build('http://example.org/', method='POST', json={'a': [1, 2]})"
    ),
    "build-request-data": (
        "result = build('http://example.org/', method='POST', data={'a': '1'})"
    ),
    "build-request-content": (
        "result = build('http://example.org/', method='POST', content='text')"
    ),
    "build-request-all-merged": (
        "result = build('path?x=1', client={'base_url': 'http://example.org/api',"
        " 'params': {'c': '1'}, 'headers': {'X-C': 'c'}, 'cookies': {'k': 'v'},"
        " 'timeout': 2}, params={'r': '2'}, headers={'X-R': 'r'})"
    ),
    "send-built-request": (
        "with httpx.Client(transport=httpx.MockTransport(echo),"
        " headers={'X-Client': 'c'}) as c:\n"
        "    request = httpx.Request('GET', 'http://example.org/')\n"
        "    result = c.send(request).json()['headers']"
    ),
    "mounts-transport-for-url": (
        "t1, t2 = httpx.MockTransport(echo), httpx.MockTransport(echo)\n"
        "c = httpx.Client(mounts={'http://a.example': t1, 'all://': t2})\n"
        "result = (c._transport_for_url(httpx.URL('http://a.example/')) is t1,"
        " c._transport_for_url(httpx.URL('http://b.example/')) is t2)"
    ),
    "mounts-none": (
        "c = httpx.Client(transport=httpx.MockTransport(echo), mounts={'http://a.example': None})\n"
        "result = type(c._transport_for_url(httpx.URL('http://a.example/'))).__name__"
    ),
    "mounts-bad-pattern": "httpx.Client(mounts={'nope': None})",
    "mounts-scheme-only": "httpx.Client(mounts={'http': None})",
    "proxy-mounts-trust-env-false": (
        "import os\nos.environ['HTTP_PROXY'] = 'http://127.0.0.1:1'\n"
        "try:\n"
        "    c = httpx.Client(trust_env=False)\n"
        "    result = type(c._transport_for_url(httpx.URL('http://e/'))).__name__\n"
        "finally:\n    del os.environ['HTTP_PROXY']"
    ),
    "proxy-env": (
        "import os\nos.environ['HTTP_PROXY'] = 'http://127.0.0.1:1'\n"
        "try:\n"
        "    c = httpx.Client()\n"
        "    t = c._transport_for_url(httpx.URL('http://e/'))\n"
        "    result = (type(t).__name__, t is c._transport)\n"
        "finally:\n    del os.environ['HTTP_PROXY']"
    ),
    "proxy-env-with-transport": (
        "import os\nos.environ['HTTP_PROXY'] = 'http://127.0.0.1:1'\n"
        "try:\n"
        "    c = httpx.Client(transport=httpx.MockTransport(echo))\n"
        "    result = c.get('http://e/').status_code\n"
        "finally:\n    del os.environ['HTTP_PROXY']"
    ),
}
for _name, _code in _MISC.items():
    _add(_name, _code)

_PATTERNS = [
    "http://",
    "all://",
    "https://*.example.org",
    "all://*",
    "http://*example.org",
    "all://10.0.0.0/8",
    "socks5://",
    "ftp://x",
    "http://[::1]",
    "http://example.org:8080",
    "http://ex.org/path",
    "http://ex.org:99999",
    "://x",
    "",
    "http://user@host",
]
for _i, _pattern in enumerate(_PATTERNS):
    _add(
        f"mount-pattern-{_i}",
        f"c = httpx.Client(transport=httpx.MockTransport(echo), mounts={{{_pattern!r}: None}})\n"
        "result = [type(c._transport_for_url(httpx.URL(u))).__name__ for u in"
        " ('http://example.org/', 'https://a.example.org/', 'http://127.0.0.1/')]",
    )


# --- generated -------------------------------------------------------------------------------

_GEN_KEYS = ["a", "b", "A", "caf\u00e9", "q", "x-y", "s p"]
_GEN_VALUES = ["1", "", "&", "=", "\u00fc", "a/b", "%", "a b", "+", "#"]


def _gen_params(rng: random.Random) -> str:
    kind = rng.randint(0, 3)
    pairs = [(rng.choice(_GEN_KEYS), rng.choice(_GEN_VALUES)) for _ in range(rng.randint(0, 3))]
    if kind == 0:
        return "None"
    if kind == 1:
        return repr(dict(pairs))
    if kind == 2:
        return repr(pairs)
    return repr("&".join(f"{k}={v}" for k, v in pairs))


def generate(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(f"client-merge-{seed}")
    cases = []
    for index in range(count):
        # (No fragments, whose joining with base_url is a documented difference.)
        base = rng.choice([b for b in _BASE_URLS if "#" not in b])
        url = rng.choice([u for u in _REQUEST_URLS if "#" not in u])
        client_params, params = _gen_params(rng), _gen_params(rng)
        client_headers = rng.choice(_HEADERS[:11])
        headers = rng.choice(_HEADERS[:11])
        timeout = rng.choice(_TIMEOUTS)
        code = (
            f"result = build({url}, client={{'base_url': {base}, 'params': {client_params},"
            f" 'headers': {client_headers}, 'timeout': {timeout}}}, params={params},"
            f" headers={headers})"
        )
        cases.append((f"client-merge-gen-{seed}-{index}", code))
    return cases


EXPECTED: dict[str, str] = {
    "client-merge-no-base-url-relative": (
        "compatibility.md#a-relative-url-through-a-mocktransport: a relative URL sent through "
        "a transport that accepts it gets its response; httpx fails with "
        "ValueError('unknown url type') while storing the response's cookies"
    ),
}
_FRAGMENT_KEPT = (
    "compatibility.md#a-fragment-survives-joining-with-base_url: the fragment of the URL "
    "joined with base_url is kept (httpx drops it, or keeps base_url's)"
)
_MERGED = re.compile(r"_merge_url\((.*)\)\)$")


def classify(
    case_id: str, code: str, ours: dict[str, Any], reference: dict[str, Any]
) -> str | None:
    if not case_id.startswith("client-merge-base-url-"):
        return None
    # `str(C(base_url=...)._merge_url(url))` where url has a fragment: ours must be
    # httpx's result with url's fragment in place of whatever fragment httpx left.
    merged = _MERGED.search(code)
    if merged is None or not isinstance(url := literal(merged.group(1)), str) or "#" not in url:
        return None
    mine, theirs = ours.get("str"), reference.get("str")
    if not isinstance(mine, str) or not isinstance(theirs, str):
        return None
    fragment = url.partition("#")[2]
    if mine == theirs.partition("#")[0] + "#" + fragment:
        return _FRAGMENT_KEPT
    return None


def literal(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
