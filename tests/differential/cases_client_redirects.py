"""Differential cases: redirects followed (or not) by a client.

A `MockTransport` plays a scripted server: each case lists the responses in order, and the
handler records what every request carried (method, URL, the headers that redirects
change, body). The outcome is that record plus the final response, its history, or
`next_request` when redirects are not followed.
"""

from __future__ import annotations

import random

PRELUDE = """
import asyncio
WATCHED = ("authorization", "proxy-authorization", "cookie", "content-type",
           "content-length", "transfer-encoding", "host", "x-custom", "user-agent")
# The default User-Agent names the release (0.28.1, 0.29.0, ours): not a behaviour.
UA = "python-httpx/" + httpx.__version__
def record(request):
    return (request.method, str(request.url),
            [(k, "python-httpx/<version>" if v == UA else v)
             for k, v in request.headers.items() if k in WATCHED], request.content)
def server(script, seen):
    script = list(script)
    def handler(request):
        seen.append(record(request))
        if not script:
            return httpx.Response(200, text="final")
        status, headers = script.pop(0)
        return httpx.Response(status, headers=headers)
    return handler
def summary(r):
    return (r.status_code, str(r.url), [(h.status_code, str(h.url)) for h in r.history],
            None if r.next_request is None else record(r.next_request))
def run(script, method="GET", url="http://example.org/start", follow=True, **kw):
    seen = []
    client_kw = kw.pop("client", {})
    with httpx.Client(transport=httpx.MockTransport(server(script, seen)), **client_kw) as c:
        try:
            r = c.request(method, url, follow_redirects=follow, **kw)
        except Exception as exc:
            return (seen, type(exc).__name__, str(exc))
    return (seen, summary(r))
def arun(script, method="GET", url="http://example.org/start", follow=True, **kw):
    seen = []
    client_kw = kw.pop("client", {})
    async def main():
        async with httpx.AsyncClient(transport=httpx.MockTransport(server(script, seen)),
                                     **client_kw) as c:
            return await c.request(method, url, follow_redirects=follow, **kw)
    try:
        r = asyncio.run(main())
    except Exception as exc:
        return (seen, type(exc).__name__, str(exc))
    return (seen, summary(r))
def to(location, status=302, **headers):
    return (status, dict(Location=location, **headers))
"""

CASES: list[tuple[str, str]] = []

_NON_ASCII_HEADER = (
    "compatibility.md#non-ascii-header-values: the Location of the scripted response is a "
    "non-ASCII str, which we encode as UTF-8 (httpx raises UnicodeEncodeError)"
)
_CHECKED_HEADER = (
    "compatibility.md#header-names-and-values-are-checked-when-set: the Location of the "
    "scripted response holds a NUL, refused as soon as it is set"
)


def _add(case_id: str, code: str) -> None:
    CASES.append((f"client-redirect-{case_id}", code))


_STATUSES = [301, 302, 303, 307, 308, 300, 304, 305, 306, 309, 399, 201]
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "QUERY", "CUSTOM"]
for _status in _STATUSES:
    for _method in _METHODS:
        _add(
            f"method-{_status}-{_method}",
            f"result = run([to('/next', {_status})], method={_method!r}, content=b'body',"
            " headers={'Content-Type': 'text/plain', 'X-Custom': 'kept'})",
        )
    _add(
        f"json-{_status}",
        f"result = run([to('/next', {_status})], method='POST', json={{'a': 1}})",
    )
    _add(
        f"form-{_status}",
        f"result = run([to('/next', {_status})], method='POST', data={{'a': '1'}})",
    )
    _add(
        f"multipart-{_status}",
        f"result = run([to('/next', {_status})], method='POST', files={{'f': b'x'}},"
        " headers={'Content-Type': 'multipart/form-data; boundary=B'})",
    )
    _add(
        f"stream-{_status}",
        "def body():\n    yield b'a'\n    yield b'b'\n"
        f"result = run([to('/next', {_status})], method='POST', content=body())",
    )
    _add(
        f"not-followed-{_status}",
        f"result = run([to('/next', {_status})], method='POST', content=b'x', follow=False)",
    )

# Where redirects lead: the headers kept or dropped on the way.
_TARGETS = [
    "/same-origin",
    "http://example.org/abs-same",
    "http://EXAMPLE.org/case",
    "http://example.org:80/default-port",
    "http://example.org:8080/other-port",
    "https://example.org/upgrade",
    "https://example.org:443/upgrade-port",
    "https://example.org:8443/upgrade-other-port",
    "http://other.example/cross",
    "http://sub.example.org/subdomain",
    "http://www.example.org/www",
    "http://127.0.0.1/ip",
    "http://[::1]/ipv6",
    "//other.example/scheme-relative",
    "//example.org/scheme-relative-same",
]
_STARTS = ["http://example.org/start", "https://example.org/start", "http://example.org:8080/s"]
_HEADER_SETS = {
    "auth": "headers={'Authorization': 'Bearer secret', 'X-Custom': 'c'}",
    "proxy-auth": "headers={'Proxy-Authorization': 'Basic eA==', 'X-Custom': 'c'}",
    "cookie-header": "headers={'Cookie': 'manual=1'}",
    "basic-auth": "auth=('user', 'pass')",
    "url-userinfo": "",
}
for _i, _target in enumerate(_TARGETS):
    for _j, _start in enumerate(_STARTS):
        for _name, _kwargs in _HEADER_SETS.items():
            start = _start
            if _name == "url-userinfo":
                start = _start.replace("//", "//u:p@")
            args = f"[to({_target!r})], url={start!r}"
            if _kwargs:
                args += ", " + _kwargs
            _add(f"target-{_i}-{_j}-{_name}", f"result = run({args})")

_LOCATIONS = [
    "/abs/path",
    "rel/path",
    "../up",
    "./dot",
    "?only=query",
    "#only-fragment",
    "",
    " ",
    "/path?q=1#frag",
    "/with space",
    "/caf\u00e9",
    "/%41%42",
    "/a%2Fb",
    "http://example.org",
    "http://example.org?q",
    "HTTP://EXAMPLE.ORG/UP",
    "https:/no-authority",
    "https:no-slashes",
    "http:/same-scheme-path",
    "ftp://example.org/file",
    "mailto:someone@example.org",
    "javascript:alert(1)",
    "data:text/plain,hi",
    "file:///etc/passwd",
    "ws://example.org/socket",
    "http://[invalid",
    "http://exa mple.org/",
    "http://example.org:99999/",
    "http://example.org:abc/",
    "http://user:pass@example.org/creds",
    "http://@example.org/",
    "//",
    "///triple",
    "\\\\backslash",
    "http://example.org/\x00nul",
    "http://\u00e9xample.org/idn",
    "http://xn--xample-9ua.org/punycode",
    "https://example.org:443",
    "http://example.org/a/b/../c",
    "/trailing/",
    "http://example.org/#",
    "http://example.org/?",
    "?",
    "#",
    "//example.org:8080",
    "https://other.example/%zz",
    "/%zz",
    "/\t/tab",
]
for _i, _location in enumerate(_LOCATIONS):
    _add(f"location-{_i}", f"result = run([to({_location!r})])")
    _add(
        f"location-fragment-{_i}",
        f"result = run([to({_location!r})], url='http://example.org/start/x?y=1#orig')",
    )
    _add(f"location-not-followed-{_i}", f"result = run([to({_location!r})], follow=False)")

_MORE = {
    "no-location-302": "result = run([(302, {})])",
    "no-location-not-followed": "result = run([(302, {})], follow=False)",
    "empty-location-header": "result = run([(302, {'Location': ''})], follow=False)",
    "two-location-headers": ("result = run([(302, [('Location', '/a'), ('Location', '/b')])])"),
    "latin1-location": ("result = run([(302, [(b'Location', b'/caf\\xe9')])])"),
    "utf8-location": ("result = run([(302, [(b'Location', '/caf\\u00e9'.encode())])])"),
    "chain": "result = run([to('/1'), to('/2', 301), to('/3', 307), to('/4', 308)])",
    "chain-method": (
        "result = run([to('/1', 307), to('/2', 302), to('/3', 307)], method='POST', content=b'x')"
    ),
    "loop": "result = run([to('/start')] * 25)",
    "max-redirects-default": "result = run([to('/n')] * 20)",
    "max-redirects-default-exceeded": "result = run([to('/n')] * 21)",
    "max-redirects-0": "result = run([to('/n')], client={'max_redirects': 0})",
    "max-redirects-1": "result = run([to('/a'), to('/b')], client={'max_redirects': 1})",
    "max-redirects-1-ok": "result = run([to('/a')], client={'max_redirects': 1})",
    "max-redirects-negative": "result = run([to('/a')], client={'max_redirects': -1})",
    "max-redirects-0-no-redirect": "result = run([], client={'max_redirects': 0})",
    "max-redirects-attr": "result = httpx.Client(max_redirects=3).max_redirects",
    "client-follow-default": "result = run([to('/n')], follow=httpx.USE_CLIENT_DEFAULT)",
    "client-follow-true": (
        "result = run([to('/n')], follow=httpx.USE_CLIENT_DEFAULT,"
        " client={'follow_redirects': True})"
    ),
    "client-follow-true-request-false": (
        "result = run([to('/n')], follow=False, client={'follow_redirects': True})"
    ),
    "client-follow-attr": (
        "c = httpx.Client(follow_redirects=True)\nc.follow_redirects = False\n"
        "result = c.follow_redirects"
    ),
    "next-request-send": (
        "seen = []\n"
        "with httpx.Client(transport=httpx.MockTransport(server([to('/n', 307)], seen))) as c:\n"
        "    r = c.post('http://example.org/s', content=b'body')\n"
        "    r2 = c.send(r.next_request)\n"
        "result = (seen, summary(r), summary(r2))"
    ),
    "next-request-attrs": (
        "seen = []\n"
        "with httpx.Client(transport=httpx.MockTransport(server([to('/n', 303)], seen))) as c:\n"
        "    r = c.post('http://example.org/s', content=b'body')\n"
        "result = (r.is_redirect, r.has_redirect_location, r.next_request.method,"
        " str(r.next_request.url), r.next_request.extensions.get('timeout'),"
        " r.is_closed, r.content)"
    ),
    "history-responses": (
        "seen = []\n"
        "with httpx.Client(transport=httpx.MockTransport(server([to('/a'), to('/b')],"
        " seen)), follow_redirects=True) as c:\n"
        "    r = c.get('http://example.org/s')\n"
        "result = [(h.status_code, h.is_closed, h.content, str(h.request.url),"
        " [x.status_code for x in h.history]) for h in r.history]"
    ),
    "cookies-set-on-redirect": (
        "result = run([(302, [('Location', '/n'), ('Set-Cookie', 'a=1; Path=/')])])"
    ),
    "cookies-set-on-redirect-other-domain": (
        "result = run([(302, [('Location', 'http://other.example/n'),"
        " ('Set-Cookie', 'a=1; Path=/')])])"
    ),
    "cookies-domain-cookie-subdomain": (
        "result = run([(302, [('Location', 'http://sub.example.org/n'),"
        " ('Set-Cookie', 'a=1; Domain=example.org; Path=/')])])"
    ),
    "cookies-path-scoped": (
        "result = run([(302, [('Location', '/other/n'), ('Set-Cookie', 'a=1; Path=/start')])])"
    ),
    "cookies-secure-to-http": (
        "result = run([(302, [('Location', 'http://example.org/n'),"
        " ('Set-Cookie', 'a=1; Secure; Path=/')])], url='https://example.org/s')"
    ),
    "cookies-client-jar-cross-origin": (
        "result = run([to('http://other.example/n')], client={'cookies': {'jar': '1'}})"
    ),
    "cookies-client-jar-same-origin": (
        "result = run([to('/n')], client={'cookies': {'jar': '1'}})"
    ),
    "cookies-expired-on-redirect": (
        "result = run([(302, [('Location', '/n'), ('Set-Cookie', 'jar=; Max-Age=0; Path=/')])],"
        " client={'cookies': {'jar': '1'}})"
    ),
    "cookies-jar-after": (
        "seen = []\n"
        "with httpx.Client(transport=httpx.MockTransport(server([(302, [('Location', '/n'),"
        " ('Set-Cookie', 'a=1')])], seen))) as c:\n"
        "    c.get('http://example.org/s', follow_redirects=True)\n"
        "    result = (sorted(c.cookies.items()), seen)"
    ),
    "host-header-explicit": (
        "result = run([to('http://other.example/n')], headers={'Host': 'custom.example'})"
    ),
    "host-header-explicit-same-origin": (
        "result = run([to('/n')], headers={'Host': 'custom.example'})"
    ),
    "params-kept-out": "result = run([to('/n')], params={'a': '1'})",
    "extensions-kept": (
        "seen = []\nexts = []\n"
        "def handler(request):\n"
        "    exts.append(sorted(request.extensions))\n"
        "    return httpx.Response(302, headers={'Location': '/n'}) if len(exts) == 1 else"
        " httpx.Response(200)\n"
        "with httpx.Client(transport=httpx.MockTransport(handler)) as c:\n"
        "    c.get('http://example.org/s', follow_redirects=True,"
        " extensions={'custom': 1})\n"
        "result = exts"
    ),
    "timeout-kept": (
        "exts = []\n"
        "def handler(request):\n"
        "    exts.append(request.extensions.get('timeout'))\n"
        "    return httpx.Response(302, headers={'Location': '/n'}) if len(exts) == 1 else"
        " httpx.Response(200)\n"
        "with httpx.Client(transport=httpx.MockTransport(handler)) as c:\n"
        "    c.get('http://example.org/s', follow_redirects=True, timeout=3)\n"
        "result = exts"
    ),
    "event-hooks": (
        "events = []\n"
        "def on_request(request):\n    events.append(('request', str(request.url)))\n"
        "def on_response(response):\n    events.append(('response', response.status_code))\n"
        "seen = []\n"
        "with httpx.Client(transport=httpx.MockTransport(server([to('/a'), to('/b')], seen)),"
        " event_hooks={'request': [on_request], 'response': [on_response]}) as c:\n"
        "    c.get('http://example.org/s', follow_redirects=True)\n"
        "result = events"
    ),
    "event-hook-raises-on-redirect": (
        "def on_response(response):\n    response.raise_for_status()\n"
        "with httpx.Client(transport=httpx.MockTransport(server([to('/a')], [])),"
        " event_hooks={'response': [on_response]}) as c:\n"
        "    try:\n        c.get('http://example.org/s', follow_redirects=True)\n"
        "    except httpx.HTTPStatusError as exc:\n"
        "        result = (exc.response.status_code, str(exc.request.url))"
    ),
    "async-chain": "result = arun([to('/1', 307), to('https://example.org/2', 303)],"
    " method='POST', content=b'x', headers={'Authorization': 'a'})",
    "async-too-many": "result = arun([to('/n')] * 30)",
    "async-stream-307": (
        "async def body():\n    yield b'a'\n"
        "result = arun([to('/n', 307)], method='POST', content=body())"
    ),
    "stream-response-redirect": (
        "seen = []\n"
        "with httpx.Client(transport=httpx.MockTransport(server([to('/a')], seen))) as c:\n"
        "    with c.stream('GET', 'http://example.org/s', follow_redirects=True) as r:\n"
        "        result = (summary(r), r.is_stream_consumed, [h.is_closed for h in r.history])"
    ),
    "redirect-with-body": (
        "def handler(request):\n"
        "    if request.url.path == '/s':\n"
        "        return httpx.Response(302, headers={'Location': '/n'}, content=b'moved')\n"
        "    return httpx.Response(200, content=b'done')\n"
        "with httpx.Client(transport=httpx.MockTransport(handler)) as c:\n"
        "    r = c.get('http://example.org/s', follow_redirects=True)\n"
        "result = (r.content, r.history[0].content)"
    ),
    "base-url-redirect": (
        "seen = []\n"
        "with httpx.Client(transport=httpx.MockTransport(server([to('next')], seen)),"
        " base_url='http://example.org/api/v1/') as c:\n"
        "    r = c.get('users', follow_redirects=True)\n"
        "result = (seen, summary(r))"
    ),
    "function-redirect": (
        "import httpx\n"
        "result = [k for k in ('get', 'post') if 'follow_redirects' in"
        " __import__('inspect').signature(getattr(httpx, k)).parameters]"
    ),
}
for _name, _code in _MORE.items():
    _add(_name, _code)


# --- generated -------------------------------------------------------------------------------

_GEN_HEADERS = [
    "'Authorization': 'Bearer t'",
    "'Proxy-Authorization': 'p'",
    "'Cookie': 'c=1'",
    "'X-Custom': 'x'",
    "'Content-Type': 'text/plain'",
    "'User-Agent': 'ua'",
]


def generate(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(f"client-redirect-{seed}")
    # (Every location but those a scripted response cannot hold alike, see EXPECTED.)
    gen_locations = [loc for loc in _LOCATIONS if loc not in _DELIBERATE_LOCATIONS]
    cases = []
    for index in range(count):
        hops = []
        for _ in range(rng.choice([1, 1, 2, 3])):
            status = rng.choice([301, 302, 303, 307, 308])
            location = rng.choice(_TARGETS + gen_locations)
            hops.append(f"to({location!r}, {status})")
        method = rng.choice(["GET", "POST", "PUT", "HEAD", "DELETE", "PATCH"])
        body = rng.choice(["", ", content=b'payload'", ", json={'k': 'v'}", ", data={'f': 'v'}"])
        if method in ("GET", "HEAD", "DELETE") and rng.random() < 0.7:
            body = ""
        headers = rng.sample(_GEN_HEADERS, rng.randint(0, 3))
        header_arg = f", headers={{{', '.join(headers)}}}" if headers else ""
        auth = rng.choice(["", "", ", auth=('u', 'p')"])
        start = rng.choice(_STARTS)
        follow = rng.random() < 0.85
        runner = "arun" if rng.random() < 0.1 else "run"
        code = (
            f"result = {runner}([{', '.join(hops)}], method={method!r}, url={start!r},"
            f" follow={follow}{body}{header_arg}{auth})"
        )
        cases.append((f"client-redirect-gen-{seed}-{index}", code))
    return cases


# Locations that cannot even be put in a scripted response the same way: httpx refuses a
# non-ASCII str header value that we encode as UTF-8, and takes a NUL that we refuse.
_DELIBERATE_LOCATIONS = {
    "/caf\u00e9": _NON_ASCII_HEADER,
    "http://\u00e9xample.org/idn": _NON_ASCII_HEADER,
    "http://example.org/\x00nul": _CHECKED_HEADER,
}

EXPECTED: dict[str, str] = {
    f"client-redirect-{kind}-{_LOCATIONS.index(location)}": reason
    for location, reason in _DELIBERATE_LOCATIONS.items()
    for kind in ("location", "location-fragment", "location-not-followed")
}
# QUERY is our addition (httpx sends it as any other method): a 302 keeps it.
EXPECTED["client-redirect-method-302-QUERY"] = (
    "compatibility.md#query-keeps-its-method-on-a-302: QUERY is safe and idempotent like "
    "GET, so a 302 repeats it with its body (httpx turns any method but HEAD into GET)"
)
