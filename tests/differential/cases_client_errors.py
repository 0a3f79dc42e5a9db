"""Differential cases: errors at the client.

Exceptions raised by a transport (httpx's own, and others, which pass through), the
`request` attribute of exceptions, bad URLs and schemes, closed clients and clients
opened twice, sync/async mix-ups, and the errors of the top-level functions. Nothing here
reaches the network: a refused connection goes to a closed port of 127.0.0.1.
"""

from __future__ import annotations

import random

PRELUDE = """
import asyncio
def outcome(exc):
    try:
        request = exc.request
    except RuntimeError as error:
        request = "RuntimeError: " + str(error)
    except AttributeError:
        request = "no attribute"
    else:
        request = None if request is None else (request.method, str(request.url))
    return (type(exc).__name__, [c.__name__ for c in type(exc).__mro__[1:4]], str(exc),
            request)
def raising(exc_factory, asynchronous=False, method="GET", url="http://example.org/p",
            **kw):
    def handler(request):
        raise exc_factory(request)
    transport = httpx.MockTransport(handler)
    try:
        if asynchronous:
            async def main():
                async with httpx.AsyncClient(transport=transport) as c:
                    return await c.request(method, url, **kw)
            r = asyncio.run(main())
        else:
            with httpx.Client(transport=transport) as c:
                r = c.request(method, url, **kw)
    except BaseException as exc:
        return outcome(exc)
    return ("no error", r.status_code)
def default_transport(url, method="GET", asynchronous=False, **kw):
    try:
        if asynchronous:
            async def main():
                async with httpx.AsyncClient(**kw) as c:
                    return await c.request(method, url)
            r = asyncio.run(main())
        else:
            with httpx.Client(**kw) as c:
                r = c.request(method, url)
    except BaseException as exc:
        return outcome(exc)
    return ("no error", r.status_code)
"""

CASES: list[tuple[str, str]] = []


def _add(case_id: str, code: str) -> None:
    CASES.append((f"client-error-{case_id}", code))


_HTTPX_ERRORS = [
    "ConnectError",
    "ConnectTimeout",
    "ReadTimeout",
    "WriteTimeout",
    "PoolTimeout",
    "ReadError",
    "WriteError",
    "CloseError",
    "RemoteProtocolError",
    "LocalProtocolError",
    "ProxyError",
    "UnsupportedProtocol",
    "DecodingError",
    "TooManyRedirects",
    "TimeoutException",
    "NetworkError",
    "TransportError",
    "ProtocolError",
    "RequestError",
]
for _name in _HTTPX_ERRORS:
    _add(
        f"transport-raises-{_name}",
        f"result = raising(lambda r: httpx.{_name}('boom', request=r))",
    )
    _add(
        f"transport-raises-{_name}-no-request",
        f"result = raising(lambda r: httpx.{_name}('boom'))",
    )
    _add(
        f"transport-raises-{_name}-async",
        f"result = raising(lambda r: httpx.{_name}('boom', request=r), asynchronous=True)",
    )
    _add(
        f"exception-{_name}-bare",
        f"exc = httpx.{_name}('message')\nresult = outcome(exc)",
    )
_OTHER_ERRORS = {
    "value-error": "ValueError('plain')",
    "os-error": "OSError(5, 'io')",
    "connection-refused": "ConnectionRefusedError('refused')",
    "timeout-error": "TimeoutError('stdlib timeout')",
    "keyboard-interrupt": "KeyboardInterrupt()",
    "system-exit": "SystemExit(3)",
    "runtime-error": "RuntimeError('rt')",
    "stop-iteration": "StopIteration('stop')",
    "generator-exit": "GeneratorExit()",
    "http-status-error": (
        "httpx.HTTPStatusError('status', request=r, response=httpx.Response(500))"
    ),
    "invalid-url": "httpx.InvalidURL('bad url')",
    "cookie-conflict": "httpx.CookieConflict('conflict')",
    "stream-consumed": "httpx.StreamConsumed()",
    "request-not-read": "httpx.RequestNotRead()",
    "response-not-read": "httpx.ResponseNotRead()",
    "stream-closed": "httpx.StreamClosed()",
}
for _name, _factory in _OTHER_ERRORS.items():
    _add(f"transport-raises-{_name}", f"result = raising(lambda r: {_factory})")
    _add(
        f"transport-raises-{_name}-async",
        f"result = raising(lambda r: {_factory}, asynchronous=True)",
    )

_MORE = {
    "request-attr-unset": (
        "exc = httpx.ConnectError('x')\n"
        "try:\n    exc.request\nexcept RuntimeError as e:\n    result = str(e)"
    ),
    "request-attr-set-later": (
        "exc = httpx.ConnectError('x')\nexc.request = httpx.Request('GET', 'http://e/')\n"
        "result = outcome(exc)"
    ),
    "http-status-error-attrs": (
        "req = httpx.Request('GET', 'http://e/')\nresp = httpx.Response(404, request=req)\n"
        "exc = httpx.HTTPStatusError('m', request=req, response=resp)\n"
        "result = (outcome(exc), exc.response.status_code)"
    ),
    "too-many-redirects-attrs": (
        "def handler(request):\n"
        "    return httpx.Response(302, headers={'Location': '/again'})\n"
        "with httpx.Client(transport=httpx.MockTransport(handler), max_redirects=2) as c:\n"
        "    try:\n        c.get('http://example.org/', follow_redirects=True)\n"
        "    except httpx.TooManyRedirects as exc:\n        result = outcome(exc)"
    ),
    # Bad URLs and schemes, through the default transport (no connection is made; URLs
    # that httpx would look up in the DNS are left out).
    "scheme-ftp": "result = default_transport('ftp://example.org/')",
    "scheme-ftp-async": "result = default_transport('ftp://example.org/', asynchronous=True)",
    "scheme-file": "result = default_transport('file:///etc/hosts')",
    "scheme-ws": "result = default_transport('ws://example.org/')",
    "scheme-mailto": "result = default_transport('mailto:x@example.org')",
    "scheme-missing": "result = default_transport('example.org/path')",
    "scheme-missing-async": "result = default_transport('example.org/path', asynchronous=True)",
    "scheme-relative": "result = default_transport('/relative')",
    "scheme-relative-async": "result = default_transport('/relative', asynchronous=True)",
    "scheme-empty-url": "result = default_transport('')",
    "scheme-upper": "result = default_transport('HTTP://127.0.0.1:1/')",
    "host-missing": "result = default_transport('http://')",
    "host-missing-async": "result = default_transport('http://', asynchronous=True)",
    "https-host-missing": "result = default_transport('https://')",
    "invalid-ipv6": "result = default_transport('http://[::1/')",
    "url-bad-type": "result = default_transport(123)",
    "url-none": "result = default_transport(None)",
    "api-get-ftp": (
        "try:\n    httpx.get('ftp://example.org/')\nexcept Exception as exc:\n"
        "    result = outcome(exc)"
    ),
    "api-get-missing-scheme": (
        "try:\n    httpx.get('example.org')\nexcept Exception as exc:\n    result = outcome(exc)"
    ),
    "api-stream-ftp": (
        "try:\n    with httpx.stream('GET', 'ftp://example.org/') as r:\n        pass\n"
        "except Exception as exc:\n    result = outcome(exc)"
    ),
    "connection-refused": "result = default_transport('http://127.0.0.1:1/')",
    "connection-refused-async": (
        "result = default_transport('http://127.0.0.1:1/', asynchronous=True)"
    ),
    "mounted-none": ("result = default_transport('ftp://example.org/', mounts={'ftp://': None})"),
    "mounted-mock-for-ftp": (
        "t = httpx.MockTransport(lambda r: httpx.Response(200))\n"
        "result = default_transport('ftp://example.org/', mounts={'ftp://': t})"
    ),
    # Client life cycle.
    "closed-client": (
        "c = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200)))\n"
        "c.close()\n"
        "try:\n    c.get('http://e/')\nexcept Exception as exc:\n    result = outcome(exc)"
    ),
    "closed-client-after-with": (
        "with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200))) as c:\n"
        "    c.get('http://e/')\n"
        "try:\n    c.get('http://e/')\nexcept Exception as exc:\n    result = outcome(exc)"
    ),
    "closed-async-client": (
        "async def main():\n"
        "    c = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200)))\n"
        "    await c.aclose()\n"
        "    await c.get('http://e/')\n"
        "try:\n    asyncio.run(main())\nexcept Exception as exc:\n    result = outcome(exc)"
    ),
    "with-twice": (
        "c = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200)))\n"
        "with c:\n    pass\n"
        "try:\n    with c:\n        pass\nexcept Exception as exc:\n    result = outcome(exc)"
    ),
    "with-nested": (
        "c = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200)))\n"
        "with c:\n"
        "    try:\n        with c:\n            pass\n"
        "    except Exception as exc:\n        result = outcome(exc)"
    ),
    "with-after-request": (
        "c = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200)))\n"
        "c.get('http://e/')\n"
        "try:\n    with c:\n        pass\nexcept Exception as exc:\n    result = outcome(exc)"
    ),
    "with-after-close": (
        "c = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200)))\n"
        "c.close()\n"
        "try:\n    with c:\n        pass\nexcept Exception as exc:\n    result = outcome(exc)"
    ),
    "async-with-twice": (
        "async def main():\n"
        "    c = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200)))\n"
        "    async with c:\n        pass\n"
        "    async with c:\n        pass\n"
        "try:\n    asyncio.run(main())\nexcept Exception as exc:\n    result = outcome(exc)"
    ),
    "close-twice": (
        "c = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200)))\n"
        "c.close()\nc.close()\nresult = c.is_closed"
    ),
    "send-after-close-stream": (
        "c = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200)))\n"
        "c.close()\n"
        "try:\n    with c.stream('GET', 'http://e/') as r:\n        pass\n"
        "except Exception as exc:\n    result = outcome(exc)"
    ),
    # Sync and async mixed up.
    "async-body-sync-client": (
        "async def body():\n    yield b'x'\n"
        "with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200))) as c:\n"
        "    try:\n        c.post('http://e/', content=body())\n"
        "    except Exception as exc:\n        result = outcome(exc)"
    ),
    "sync-body-async-client": (
        "def body():\n    yield b'x'\n"
        "async def main():\n"
        "    async with httpx.AsyncClient(transport=httpx.MockTransport("
        "lambda r: httpx.Response(200))) as c:\n"
        "        await c.post('http://e/', content=body())\n"
        "try:\n    asyncio.run(main())\nexcept Exception as exc:\n    result = outcome(exc)"
    ),
    "sync-response-read-in-async": (
        "async def main():\n"
        "    async with httpx.AsyncClient(transport=httpx.MockTransport("
        "lambda r: httpx.Response(200, content=b'x'))) as c:\n"
        "        async with c.stream('GET', 'http://e/') as r:\n"
        "            r.read()\n"
        "try:\n    asyncio.run(main())\nexcept Exception as exc:\n    result = outcome(exc)"
    ),
    "async-response-read-in-sync": (
        "with httpx.Client(transport=httpx.MockTransport("
        "lambda r: httpx.Response(200, content=b'x'))) as c:\n"
        "    with c.stream('GET', 'http://e/') as r:\n"
        "        try:\n            asyncio.run(r.aread())\n"
        "        except Exception as exc:\n            result = outcome(exc)"
    ),
    "stream-read-after-close": (
        "with httpx.Client(transport=httpx.MockTransport("
        "lambda r: httpx.Response(200, content=b'x'))) as c:\n"
        "    with c.stream('GET', 'http://e/') as r:\n        pass\n"
        "try:\n    r.read()\nexcept Exception as exc:\n    result = outcome(exc)"
    ),
    "stream-not-read-content": (
        "with httpx.Client(transport=httpx.MockTransport("
        "lambda r: httpx.Response(200, content=b'x'))) as c:\n"
        "    with c.stream('GET', 'http://e/') as r:\n"
        "        try:\n            r.content\n"
        "        except Exception as exc:\n            result = outcome(exc)"
    ),
    "stream-consumed-twice": (
        "with httpx.Client(transport=httpx.MockTransport("
        "lambda r: httpx.Response(200, content=b'x'))) as c:\n"
        "    with c.stream('GET', 'http://e/') as r:\n"
        "        list(r.iter_raw())\n"
        "        try:\n            list(r.iter_raw())\n"
        "        except Exception as exc:\n            result = outcome(exc)"
    ),
    "raise-for-status-no-request": (
        "try:\n    httpx.Response(500).raise_for_status()\n"
        "except Exception as exc:\n    result = outcome(exc)"
    ),
    "raise-for-status-client": (
        "with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(503))) as c:\n"
        "    r = c.get('http://e/x')\n"
        "try:\n    r.raise_for_status()\nexcept httpx.HTTPStatusError as exc:\n"
        "    result = (outcome(exc)[0], exc.request is r.request, exc.response is r)"
    ),
    "invalid-method": (
        "with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200))) as c:\n"
        "    c.request('GET /x', 'http://e/')"
    ),
    "header-injection": (
        "with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200))) as c:\n"
        "    c.get('http://e/', headers={'X': 'a\\r\\nB: c'})"
    ),
    "hook-raises-httpx-error": (
        "def hook(request):\n    raise httpx.ConnectError('from hook')\n"
        "with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200)),"
        " event_hooks={'request': [hook]}) as c:\n"
        "    try:\n        c.get('http://e/')\n"
        "    except Exception as exc:\n        result = outcome(exc)"
    ),
    "exceptions-hierarchy": (
        "result = [(n, [b.__name__ for b in getattr(httpx, n).__mro__[1:-2]]) for n in"
        " sorted(dir(httpx)) if isinstance(getattr(httpx, n), type) and"
        " issubclass(getattr(httpx, n), Exception)]"
    ),
}
for _name, _code in _MORE.items():
    _add(_name, _code)


# --- generated -------------------------------------------------------------------------------


def generate(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(f"client-error-{seed}")
    messages = ["'boom'", "''", "'caf\\u00e9'", "'multi\\nline'", "'%s %d'"]
    cases = []
    for index in range(count):
        name = rng.choice(_HTTPX_ERRORS)
        message = rng.choice(messages)
        with_request = rng.random() < 0.7
        request = ", request=r" if with_request else ""
        method = rng.choice(["GET", "POST", "HEAD"])
        url = rng.choice(["http://example.org/", "https://e.org:8443/a?b", "http://[::1]/"])
        asynchronous = rng.random() < 0.3
        code = (
            f"result = raising(lambda r: httpx.{name}({message}{request}),"
            f" asynchronous={asynchronous}, method={method!r}, url={url!r})"
        )
        cases.append((f"client-error-gen-{seed}-{index}", code))
    return cases


EXPECTED: dict[str, str] = {
    "client-error-invalid-method": (
        "compatibility.md#methods-are-checked-when-a-request-is-built: a method that is not "
        "a token raises LocalProtocolError when the request is built"
    ),
    "client-error-header-injection": (
        "compatibility.md#header-names-and-values-are-checked-when-set: header values with "
        "CR, LF or NUL are refused as soon as they are set"
    ),
    "client-error-exceptions-hierarchy": (
        "compatibility.md#additions: httpx.DecodedSizeExceeded (a DecodingError), "
        "httpx.SSEError and the WebSocket errors are exceptions of ours"
    ),
}
