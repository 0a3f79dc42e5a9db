"""Differential cases: the in-process transports at the client (WSGI, ASGI, Mock).

A WSGI or ASGI app reports the environ or scope it was called with (the keys a
framework reads), or fails in a chosen way; the outcome is what the client returns or
raises. `MockTransport` handlers return, raise or misbehave.
"""

from __future__ import annotations

import ast
import json
import random
from typing import Any

PRELUDE = """
import asyncio, io, json
# The default User-Agent names the release (0.28.1, 0.29.0, ours): not a behaviour.
UA = ("python-httpx/" + httpx.__version__).encode()
ENVIRON_KEYS = ("REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "SERVER_NAME",
                "SERVER_PORT", "SERVER_PROTOCOL", "REMOTE_ADDR", "CONTENT_TYPE",
                "CONTENT_LENGTH", "wsgi.url_scheme", "wsgi.version", "wsgi.multithread",
                "wsgi.multiprocess", "wsgi.run_once")
def environ_app(environ, start_response):
    body = environ["wsgi.input"].read()
    data = {k: environ.get(k) for k in ENVIRON_KEYS}
    data["http"] = sorted((k, v) for k, v in environ.items() if k.startswith("HTTP_"))
    data["body"] = body.decode("latin-1")
    out = json.dumps(data, sort_keys=True).encode().replace(UA, b"python-httpx/<version>")
    start_response("200 OK", [("Content-Type", "application/json")])
    return [out]
def wsgi(url, app=environ_app, method="GET", transport=None, **kw):
    transport = transport or {}
    client_kw = kw.pop("client", {})
    with httpx.Client(transport=httpx.WSGITransport(app=app, **transport), **client_kw) as c:
        try:
            r = c.request(method, url, **kw)
        except Exception as exc:
            return (type(exc).__name__, str(exc))
        return (r.status_code, r.headers.multi_items(), r.content)
SCOPE_KEYS = ("type", "http_version", "method", "scheme", "path", "raw_path",
              "query_string", "root_path", "client", "server", "headers")
async def scope_app(scope, receive, send):
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    data = {k: scope.get(k) for k in SCOPE_KEYS}
    data["asgi"] = scope.get("asgi")
    data["body"] = body
    out = repr(sorted(data.items())).encode().replace(UA, b"python-httpx/<version>")
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": out})
def asgi(url, app=scope_app, method="GET", transport=None, **kw):
    transport = transport or {}
    async def main():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, **transport)) as c:
            return await c.request(method, url, **kw)
    try:
        r = asyncio.run(main())
    except Exception as exc:
        return (type(exc).__name__, str(exc))
    return (r.status_code, r.headers.multi_items(), r.content)
def mock(handler, method="GET", url="http://example.org/", asynchronous=False, **kw):
    transport = httpx.MockTransport(handler)
    if asynchronous:
        async def main():
            async with httpx.AsyncClient(transport=transport) as c:
                return await c.request(method, url, **kw)
        run = lambda: asyncio.run(main())
    else:
        def run():
            with httpx.Client(transport=transport) as c:
                return c.request(method, url, **kw)
    try:
        r = run()
    except BaseException as exc:
        request = getattr(exc, "_request", None)
        return (type(exc).__name__, str(exc),
                None if request is None else str(request.url))
    return (r.status_code, r.headers.multi_items(), r.content, r.http_version,
            r.reason_phrase, str(r.request.url))
"""

CASES: list[tuple[str, str]] = []


def _add(case_id: str, code: str) -> None:
    CASES.append((f"client-transport-{case_id}", code))


_URLS = [
    "http://testserver/",
    "http://testserver",
    "http://testserver/path/to/resource",
    "http://testserver/a%20b/c%2Fd?x=1&y=%20&z",
    "http://testserver/caf\u00e9?q=\u00fc",
    "https://secure.example:8443/s?q",
    "http://127.0.0.1:8000/ip",
    "http://[::1]:8080/v6",
    "http://user:pass@testserver/creds",
    "http://testserver/p#frag",
    "http://testserver/app",
    "http://testserver/app/",
    "http://testserver/app/sub",
    "http://testserver/application",
    "http://testserver/?",
    "http://testserver//double//slash",
]
_SCRIPT_NAMES = ["''", "'/app'", "'/app/'", "'app'", "'/caf\u00e9'", "'/a%20b'"]
for _i, _url in enumerate(_URLS):
    _add(f"wsgi-environ-{_i}", f"result = wsgi({_url!r})")
    _add(f"asgi-scope-{_i}", f"result = asgi({_url!r})")
    for _j, _script_name in enumerate(_SCRIPT_NAMES):
        _add(
            f"wsgi-script-name-{_i}-{_j}",
            f"result = wsgi({_url!r}, transport={{'script_name': {_script_name}}})",
        )
        _add(
            f"asgi-root-path-{_i}-{_j}",
            f"result = asgi({_url!r}, transport={{'root_path': {_script_name}}})",
        )

_WSGI = {
    "post-body": "result = wsgi('http://t/', method='POST', content=b'payload')",
    "post-json": "result = wsgi('http://t/', method='POST', json={'a': 1})",
    "post-form": "result = wsgi('http://t/', method='POST', data={'a': '1', 'b': ['x', 'y']})",
    "post-stream": (
        "def gen():\n    yield b'ab'\n    yield b'cd'\n"
        "result = wsgi('http://t/', method='POST', content=gen())"
    ),
    "post-multipart": (
        "result = wsgi('http://t/', method='POST', files={'f': b'x'},"
        " headers={'Content-Type': 'multipart/form-data; boundary=B'})"
    ),
    "headers": (
        "result = wsgi('http://t/', headers=[('X-Dup', '1'), ('X-Dup', '2'),"
        " ('Content-Type', 'text/x'), ('X-Under_score', 'u'), ('Cookie', 'a=1')])"
    ),
    "client-cookies": "result = wsgi('http://t/', client={'cookies': {'a': '1', 'b': '2'}})",
    "head": "result = wsgi('http://t/', method='HEAD')",
    "remote-addr": "result = wsgi('http://t/', transport={'remote_addr': '10.1.2.3'})",
    "wsgi-errors": (
        "errors = io.StringIO()\n"
        "def app(environ, start_response):\n"
        "    environ['wsgi.errors'].write('logged')\n"
        "    start_response('200 OK', [])\n    return [b'']\n"
        "result = (wsgi('http://t/', app=app, transport={'wsgi_errors': errors}),"
        " errors.getvalue())"
    ),
    "status-no-reason": (
        "def app(environ, start_response):\n"
        "    start_response('204', [])\n    return []\n"
        "result = wsgi('http://t/', app=app)"
    ),
    "status-custom-reason": (
        "def app(environ, start_response):\n"
        "    start_response('299 Custom Thing', [('X-A', 'b')])\n    return [b'ok']\n"
        "r = None\n"
        "with httpx.Client(transport=httpx.WSGITransport(app=app)) as c:\n"
        "    r = c.get('http://t/')\n"
        "result = (r.status_code, r.reason_phrase, r.text)"
    ),
    "generator-app": (
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [])\n    yield b'a'\n    yield b''\n    yield b'b'\n"
        "result = wsgi('http://t/', app=app)"
    ),
    "write-callable": (
        "def app(environ, start_response):\n"
        "    write = start_response('200 OK', [])\n    write(b'written-')\n    return [b'returned']\n"
        "result = wsgi('http://t/', app=app)"
    ),
    "close-called": (
        "closed = []\n"
        "class Body:\n"
        "    def __iter__(self): return iter([b'x'])\n"
        "    def close(self): closed.append(True)\n"
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [])\n    return Body()\n"
        "result = (wsgi('http://t/', app=app), closed)"
    ),
    "app-raises": (
        "def app(environ, start_response):\n    raise ValueError('app failed')\n"
        "result = wsgi('http://t/', app=app)"
    ),
    "app-raises-no-raise": (
        "def app(environ, start_response):\n    raise ValueError('app failed')\n"
        "result = wsgi('http://t/', app=app, transport={'raise_app_exceptions': False,"
        " 'wsgi_errors': io.StringIO()})"
    ),
    "app-raises-after-start": (
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [])\n    yield b'partial'\n    raise ValueError('mid-body')\n"
        "result = wsgi('http://t/', app=app)"
    ),
    "app-raises-after-start-no-raise": (
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [])\n    yield b'partial'\n    raise ValueError('mid-body')\n"
        "result = wsgi('http://t/', app=app, transport={'raise_app_exceptions': False})"
    ),
    "app-exc-info": (
        "import sys\n"
        "def app(environ, start_response):\n"
        "    try:\n        raise KeyError('inner')\n"
        "    except KeyError:\n"
        "        start_response('500 Error', [], sys.exc_info())\n"
        "    return [b'error page']\n"
        "result = wsgi('http://t/', app=app)"
    ),
    "app-exc-info-no-raise": (
        "import sys\n"
        "def app(environ, start_response):\n"
        "    try:\n        raise KeyError('inner')\n"
        "    except KeyError:\n"
        "        start_response('500 Error', [], sys.exc_info())\n"
        "    return [b'error page']\n"
        "result = wsgi('http://t/', app=app, transport={'raise_app_exceptions': False})"
    ),
    "no-start-response": (
        "def app(environ, start_response):\n    return [b'x']\nresult = wsgi('http://t/', app=app)"
    ),
    "str-body": (
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [])\n    return ['text']\n"
        "result = wsgi('http://t/', app=app)"
    ),
    "streaming-response": (
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [])\n    return [b'a', b'b', b'c']\n"
        "with httpx.Client(transport=httpx.WSGITransport(app=app)) as c:\n"
        "    with c.stream('GET', 'http://t/') as r:\n"
        "        result = list(r.iter_bytes())"
    ),
    "ftp-url": "result = wsgi('ftp://t/')",
    "transport-attrs": (
        "t = httpx.WSGITransport(app=environ_app)\n"
        "result = (t.raise_app_exceptions, t.script_name, t.remote_addr, t.wsgi_errors)"
    ),
    "transport-positional": (
        "import inspect\nresult = str(inspect.signature(httpx.WSGITransport))"
    ),
    "async-client-wsgi": (
        "async def main():\n"
        "    async with httpx.AsyncClient(transport=httpx.WSGITransport(app=environ_app)) as c:\n"
        "        return await c.get('http://t/')\n"
        "asyncio.run(main())"
    ),
}
for _name, _code in _WSGI.items():
    _add(f"wsgi-{_name}", _code)

_ASGI = {
    "post-body": "result = asgi('http://t/', method='POST', content=b'payload')",
    "post-stream": (
        "async def gen():\n    yield b'ab'\n    yield b''\n    yield b'cd'\n"
        "result = asgi('http://t/', method='POST', content=gen())"
    ),
    "headers": (
        "result = asgi('http://t/', headers=[('X-Dup', '1'), ('X-Dup', '2'), ('X-Upper', 'V')])"
    ),
    "client": "result = asgi('http://t/', transport={'client': ('1.2.3.4', 5678)})",
    "head": "result = asgi('http://t/', method='HEAD')",
    "app-raises": (
        "async def app(scope, receive, send):\n    raise ValueError('app failed')\n"
        "result = asgi('http://t/', app=app)"
    ),
    "app-raises-no-raise": (
        "async def app(scope, receive, send):\n    raise ValueError('app failed')\n"
        "result = asgi('http://t/', app=app, transport={'raise_app_exceptions': False})"
    ),
    "app-raises-after-start": (
        "async def app(scope, receive, send):\n"
        "    await send({'type': 'http.response.start', 'status': 201, 'headers': []})\n"
        "    await send({'type': 'http.response.body', 'body': b'part', 'more_body': True})\n"
        "    raise ValueError('mid-body')\n"
        "result = asgi('http://t/', app=app)"
    ),
    "app-raises-after-start-no-raise": (
        "async def app(scope, receive, send):\n"
        "    await send({'type': 'http.response.start', 'status': 201, 'headers': []})\n"
        "    await send({'type': 'http.response.body', 'body': b'part', 'more_body': True})\n"
        "    raise ValueError('mid-body')\n"
        "result = asgi('http://t/', app=app, transport={'raise_app_exceptions': False})"
    ),
    "no-response": (
        "async def app(scope, receive, send):\n    return\nresult = asgi('http://t/', app=app)"
    ),
    "no-response-no-raise": (
        "async def app(scope, receive, send):\n    return\n"
        "result = asgi('http://t/', app=app, transport={'raise_app_exceptions': False})"
    ),
    "chunks": (
        "async def app(scope, receive, send):\n"
        "    await send({'type': 'http.response.start', 'status': 200,"
        " 'headers': [(b'x-a', b'1'), (b'X-B', b'2')]})\n"
        "    for part in (b'a', b'', b'b'):\n"
        "        await send({'type': 'http.response.body', 'body': part, 'more_body': True})\n"
        "    await send({'type': 'http.response.body'})\n"
        "result = asgi('http://t/', app=app)"
    ),
    "disconnect": (
        "messages = []\n"
        "async def app(scope, receive, send):\n"
        "    messages.append(await receive())\n"
        "    await send({'type': 'http.response.start', 'status': 200, 'headers': []})\n"
        "    await send({'type': 'http.response.body', 'body': b'x'})\n"
        "    messages.append(await receive())\n"
        "result = (asgi('http://t/', app=app, method='POST', content=b'data'), messages)"
    ),
    "lifespan-scope-type": (
        "async def app(scope, receive, send):\n"
        "    await send({'type': 'http.response.start', 'status': 200, 'headers': []})\n"
        "    await send({'type': 'http.response.body', 'body': scope['type'].encode()})\n"
        "result = asgi('http://t/', app=app)"
    ),
    "status-str": (
        "async def app(scope, receive, send):\n"
        "    await send({'type': 'http.response.start', 'status': 404, 'headers': []})\n"
        "    await send({'type': 'http.response.body', 'body': b''})\n"
        "result = asgi('http://t/', app=app)"
    ),
    "transport-attrs": (
        "t = httpx.ASGITransport(app=scope_app)\n"
        "result = (t.raise_app_exceptions, t.root_path, t.client)"
    ),
    "transport-signature": "import inspect\nresult = str(inspect.signature(httpx.ASGITransport))",
    "sync-client-asgi": (
        "with httpx.Client(transport=httpx.ASGITransport(app=scope_app)) as c:\n"
        "    c.get('http://t/')"
    ),
    "stream-response": (
        "async def main():\n"
        "    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=scope_app)) as c:\n"
        "        async with c.stream('GET', 'http://t/x') as r:\n"
        "            return [chunk[:20] async for chunk in r.aiter_bytes()]\n"
        "result = asyncio.run(main())"
    ),
}
for _name, _code in _ASGI.items():
    _add(f"asgi-{_name}", _code)

_MOCK = {
    "ok": "result = mock(lambda r: httpx.Response(200, text='hi'))",
    "async-handler-async-client": (
        "async def handler(request):\n    return httpx.Response(201)\n"
        "result = mock(handler, asynchronous=True)"
    ),
    "async-handler-sync-client": (
        "async def handler(request):\n    return httpx.Response(201)\n"
        "import warnings\nwarnings.simplefilter('ignore', RuntimeWarning)\n"
        "result = mock(handler)[:2]"
    ),
    "returns-none": "result = mock(lambda r: None)",
    "returns-str": "result = mock(lambda r: 'text')",
    "returns-int": "result = mock(lambda r: 200)",
    "raises-value-error": (
        "def handler(request):\n    raise ValueError('boom')\nresult = mock(handler)"
    ),
    "raises-value-error-async": (
        "def handler(request):\n    raise ValueError('boom')\n"
        "result = mock(handler, asynchronous=True)"
    ),
    "raises-keyboard-interrupt": (
        "def handler(request):\n    raise KeyboardInterrupt()\nresult = mock(handler)"
    ),
    "raises-stop-iteration": (
        "def handler(request):\n    raise StopIteration()\nresult = mock(handler)"
    ),
    "reads-content": (
        "def handler(request):\n    return httpx.Response(200, content=request.content)\n"
        "def gen():\n    yield b'a'\n    yield b'b'\n"
        "result = mock(handler, method='POST', content=gen())"
    ),
    "reads-content-async": (
        "def handler(request):\n    return httpx.Response(200, content=request.content)\n"
        "async def gen():\n    yield b'a'\n    yield b'b'\n"
        "result = mock(handler, method='POST', content=gen(), asynchronous=True)"
    ),
    "response-with-request": (
        "other = httpx.Request('GET', 'http://other.example/')\n"
        "result = mock(lambda r: httpx.Response(200, request=other))"
    ),
    "response-stream": (
        "def handler(request):\n"
        "    return httpx.Response(200, stream=httpx.ByteStream(b'streamed'))\n"
        "result = mock(handler)"
    ),
    "response-iterator-content": (
        "def handler(request):\n"
        "    return httpx.Response(200, content=iter([b'a', b'b']))\n"
        "result = mock(handler)"
    ),
    "response-async-iterator-in-sync": (
        "async def body():\n    yield b'a'\n"
        "def handler(request):\n    return httpx.Response(200, content=body())\n"
        "result = mock(handler)"
    ),
    "response-extensions": (
        "def handler(request):\n"
        "    return httpx.Response(200, extensions={'http_version': b'HTTP/2',"
        " 'reason_phrase': b'Fine'})\n"
        "result = mock(handler)"
    ),
    "response-headers": (
        "def handler(request):\n"
        "    return httpx.Response(200, headers={'Content-Length': '2'}, content=b'ok')\n"
        "result = mock(handler)"
    ),
    "handler-attr": "t = httpx.MockTransport(len)\nresult = t.handler is len",
    "handle-request-direct": (
        "t = httpx.MockTransport(lambda r: httpx.Response(204))\n"
        "r = t.handle_request(httpx.Request('GET', 'http://e/'))\n"
        "result = (r.status_code, r.request if hasattr(r, '_request') else None)"
    ),
    "close-methods": (
        "t = httpx.MockTransport(lambda r: httpx.Response(204))\n"
        "result = (t.close(), asyncio.run(t.aclose()))"
    ),
    "context-manager": (
        "with httpx.MockTransport(lambda r: httpx.Response(204)) as t:\n"
        "    result = type(t).__name__"
    ),
    "bases": "result = [b.__name__ for b in httpx.MockTransport.__mro__]",
}
for _name, _code in _MOCK.items():
    _add(f"mock-{_name}", _code)


# --- generated -------------------------------------------------------------------------------

# (ASCII paths: a non-ASCII PATH_INFO is a documented difference, covered by the tables.)
_GEN_PATHS = ["/", "", "/a", "/a/b/", "/app", "/app/x", "/%7E", "/x%20y", "/%41%2F", "/a;b"]
_GEN_QUERIES = ["", "?", "?a=1", "?a=1&a=2", "?q=%20x", "?k"]
_GEN_HOSTS = [
    "http://testserver",
    "https://example.org",
    "http://127.0.0.1:8000",
    "https://example.org:444",
]


def generate(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(f"client-transport-{seed}")
    cases = []
    for index in range(count):
        url = rng.choice(_GEN_HOSTS) + rng.choice(_GEN_PATHS) + rng.choice(_GEN_QUERIES)
        method = rng.choice(["GET", "POST", "PUT", "DELETE", "PATCH"])
        body = "" if method in ("GET", "DELETE") else rng.choice(["", ", content=b'body'"])
        headers = rng.choice(["", ", headers={'X-A': 'b'}", ", headers={'Accept': 'x/y'}"])
        if rng.random() < 0.5:
            script = rng.choice(_SCRIPT_NAMES[:4])
            code = (
                f"result = wsgi({url!r}, method={method!r}{body}{headers},"
                f" transport={{'script_name': {script}}})"
            )
        else:
            root = rng.choice(_SCRIPT_NAMES[:4])
            code = (
                f"result = asgi({url!r}, method={method!r}{body}{headers},"
                f" transport={{'root_path': {root}}})"
            )
        cases.append((f"client-transport-gen-{seed}-{index}", code))
    return cases


# The reasons of the deliberate differences, each naming its entry in docs/compatibility.md.
_CLEAR = (
    "compatibility.md#apps-that-break-their-protocol: an app or handler that breaks its "
    "protocol gets a clear error (RuntimeError, TypeError, UnsupportedProtocol) where httpx "
    "fails an assertion or an internal lookup"
)
_APP_ERRORS = "compatibility.md#errors-of-an-app-with-raise_app_exceptions-off: "
_TRANSPORT_KIND = (
    "compatibility.md#wrong-transport-kinds: a transport of the wrong kind raises TypeError "
    "when the client is created (httpx: AttributeError when it is entered)"
)
_NON_ASCII_PATH = (
    "compatibility.md#non-ascii-paths: a non-ASCII PATH_INFO or SCRIPT_NAME is the UTF-8 "
    "bytes decoded as latin-1, as PEP 3333 says (httpx passes the text itself)"
)

EXPECTED: dict[str, str] = {
    "client-transport-wsgi-post-stream": (
        "compatibility.md#request-bodies-of-unknown-length: a request body of unknown length "
        "is read whole first, so that the app gets a CONTENT_LENGTH"
    ),
    "client-transport-wsgi-headers": (
        "compatibility.md#repeated-request-headers: repeated request headers reach a WSGI "
        "app joined with commas, as a server passes them (httpx keeps the last one)"
    ),
    "client-transport-wsgi-head": (
        "compatibility.md#head-responses: a HEAD response has no body, as from a server"
    ),
    "client-transport-wsgi-write-callable": (
        "compatibility.md#the-write-callable: what a WSGI app passes to the write() callable "
        "is part of the body (httpx drops it)"
    ),
    "client-transport-wsgi-app-raises-no-raise": _APP_ERRORS
    + "an error of a WSGI app gives a 500 response",
    "client-transport-wsgi-app-raises-after-start-no-raise": _APP_ERRORS
    + (
        "an error of a WSGI app in the middle of the body is a RemoteProtocolError, as a "
        "connection dropped by a server"
    ),
    "client-transport-asgi-no-response-no-raise": _APP_ERRORS
    + "an ASGI app that sends no response gives a 500",
    "client-transport-wsgi-no-start-response": _CLEAR,
    "client-transport-asgi-no-response": _CLEAR,
    "client-transport-mock-response-async-iterator-in-sync": _CLEAR,
    "client-transport-wsgi-str-body": _CLEAR,
    "client-transport-wsgi-ftp-url": _CLEAR,
    "client-transport-mock-returns-str": _CLEAR,
    "client-transport-mock-returns-none": _CLEAR,
    "client-transport-mock-returns-int": _CLEAR,
    "client-transport-wsgi-async-client-wsgi": _TRANSPORT_KIND,
    "client-transport-asgi-sync-client-asgi": _TRANSPORT_KIND,
}


def _environ(outcome: dict[str, Any]) -> tuple[object, object, dict[str, Any]] | None:
    """The (status, headers, environ) that `wsgi()` returned, if it did."""
    try:
        status, headers, body = ast.literal_eval(outcome.get("repr") or "")
        return status, headers, json.loads(body)
    except (ValueError, TypeError, SyntaxError):
        return None


def classify(
    case_id: str, code: str, ours: dict[str, Any], reference: dict[str, Any]
) -> str | None:
    if not case_id.startswith("client-transport-wsgi-") or code.isascii():
        return None
    # Everything the same, once httpx's PATH_INFO and SCRIPT_NAME are given as PEP 3333
    # says: the UTF-8 bytes, decoded as latin-1.
    mine, theirs = _environ(ours), _environ(reference)
    if mine is None or theirs is None or ours.get("warnings") != reference.get("warnings"):
        return None
    environ = dict(theirs[2])
    for key in ("PATH_INFO", "SCRIPT_NAME"):
        if isinstance(environ.get(key), str):
            environ[key] = environ[key].encode("utf-8").decode("latin-1")
    if mine[:2] == theirs[:2] and mine[2] == environ:
        return _NON_ASCII_PATH
    return None
