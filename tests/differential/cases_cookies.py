"""Cookies cases: construction, set/get/delete with domain and path, `CookieConflict`,
repr, `extract_cookies` from a Response, and `set_cookie_header` on a Request."""

from __future__ import annotations

import random

from .oracle import Outcome, differing_fields

PRELUDE = '''
def jar_view(c):
    return sorted(
        (k.name, k.value, k.domain, k.path, k.secure, k.expires is None, k.domain_specified)
        for k in c.jar
    )

def describe(c):
    return {
        "repr": attempt(repr, c),
        "len": attempt(len, c),
        "bool": attempt(bool, c),
        "iter": attempt(lambda: repr(sorted(c))),
        "jar": attempt(lambda: repr(jar_view(c))),
        "get_a": attempt(lambda: repr(c.get("a"))),
        "index_a": attempt(lambda: repr(c["a"])),
        "a_in": attempt(lambda: "a" in c),
        "type": type(c).__name__,
    }

def exchange(url, set_cookies, cookies=None, request_headers=None):
    """The cookies after a response to `url` set `set_cookies`, and the Cookie header the
    jar then adds to a request to `url`."""
    jar = httpx.Cookies(cookies)
    request = httpx.Request("GET", url, headers=request_headers)
    response = httpx.Response(
        200, headers=[("Set-Cookie", value) for value in set_cookies], request=request
    )
    jar.extract_cookies(response)
    follow = httpx.Request("GET", url)
    jar.set_cookie_header(follow)
    return {"cookies": describe(jar), "header": repr(follow.headers.get("cookie"))}

def sent(jar_cookies, url, headers=None):
    """The Cookie header `jar_cookies` add to a request to `url`."""
    request = httpx.Request("GET", url, headers=headers)
    httpx.Cookies(jar_cookies).set_cookie_header(request)
    return repr(request.headers.get("cookie"))
'''

WEIGHT = 1

_INIT = [
    "None",
    "{}",
    "{'a': '1'}",
    "{'a': '1', 'b': '2'}",
    "[('a', '1'), ('a', '2')]",
    "[('a', '1'), ('b', '2')]",
    "(('a', '1'),)",
    "[('a',)]",
    "'a=1'",
    "1",
    "{'a': 1}",
    "{1: 'a'}",
    "{'a': None}",
    "{'a': ''}",
    "{'a b': '1'}",
    "{'a': 'x y'}",
    "{'a': 'x;y'}",
    "{'a': 'x\\ny'}",
    "{'a': '\"q\"'}",
    "{'a': 'é'}",
    "{'': 'x'}",
    "{'a=b': 'x'}",
    "httpx.Cookies({'a': '1'})",
    "__import__('http.cookiejar').cookiejar.CookieJar()",
]

CASES: list[tuple[str, str]] = []
for _index, _value in enumerate(_INIT):
    CASES.append((f"cookies-init-{_index}", f"result = describe(httpx.Cookies({_value}))"))

_OPS = [
    "c = httpx.Cookies()\nc.set('a', '1')\nresult = describe(c)",
    "c = httpx.Cookies()\nc.set('a', '1', domain='example.org')\nresult = describe(c)",
    "c = httpx.Cookies()\nc.set('a', '1', domain='.example.org', path='/x')\nresult = describe(c)",
    "c = httpx.Cookies()\nc.set('a', '1', domain='example.org')\nc.set('a', '2', domain='other.org')\nresult = describe(c)",
    "c = httpx.Cookies()\nc.set('a', '1', domain='example.org')\nc.set('a', '1', domain='other.org')\nresult = describe(c)",
    "c = httpx.Cookies()\nc.set('a', '1', domain='example.org')\nc.set('a', '2', domain='other.org')\nresult = (c.get('a', domain='other.org'), c.get('a', domain='nope.org', default='d'))",
    "c = httpx.Cookies()\nc.set('a', '1', path='/x')\nc.set('a', '2', path='/y')\nresult = (attempt(c.get, 'a'), c.get('a', path='/y'))",
    "c = httpx.Cookies()\nc.set('a', '1', domain='example.org')\nc.set('a', '2', domain='other.org')\nresult = attempt(lambda: c['a'])",
    "c = httpx.Cookies({'a': '1', 'b': '2'})\nc.delete('a')\nresult = describe(c)",
    "c = httpx.Cookies({'a': '1'})\nc.delete('zz')\nresult = describe(c)",
    "c = httpx.Cookies()\nc.set('a', '1', domain='example.org')\nc.set('a', '2', domain='other.org')\nc.delete('a', domain='other.org')\nresult = describe(c)",
    "c = httpx.Cookies()\nc.set('a', '1', path='/x')\nc.set('a', '2', path='/y')\nc.delete('a', path='/x')\nresult = describe(c)",
    "c = httpx.Cookies()\nc.set('a', '1', domain='example.org')\nc.set('a', '2', domain='other.org')\nc.delete('a')\nresult = describe(c)",
    "c = httpx.Cookies({'a': '1'})\ndel c['a']\nresult = describe(c)",
    "c = httpx.Cookies({'a': '1'})\ndel c['zz']\nresult = describe(c)",
    "c = httpx.Cookies({'a': '1'})\nc['b'] = '2'\nresult = describe(c)",
    "c = httpx.Cookies({'a': '1'})\nc['a'] = '2'\nresult = describe(c)",
    "c = httpx.Cookies({'a': '1'})\nc.update({'b': '2'})\nresult = describe(c)",
    "c = httpx.Cookies({'a': '1'})\nc.update(httpx.Cookies({'a': '3'}))\nresult = describe(c)",
    "c = httpx.Cookies({'a': '1'})\nc.update(None)\nresult = describe(c)",
    "c = httpx.Cookies({'a': '1'})\nc.update([('b', '2')])\nresult = describe(c)",
    "c = httpx.Cookies()\nc.set('a', '1', domain='example.org')\nc.set('b', '2', domain='other.org')\nc.clear(domain='other.org')\nresult = describe(c)",
    "c = httpx.Cookies()\nc.set('a', '1', domain='example.org', path='/x')\nc.set('b', '2', domain='example.org')\nc.clear(domain='example.org', path='/x')\nresult = describe(c)",
    "c = httpx.Cookies({'a': '1'})\nc.clear()\nresult = describe(c)",
    "c = httpx.Cookies()\nresult = attempt(c.clear, domain='nope.org')",
    "c = httpx.Cookies({'a': '1'})\nresult = attempt(c.set, 'b', 2)",
    "c = httpx.Cookies({'a': '1'})\nresult = attempt(c.set, 'b', None)",
    "c = httpx.Cookies({'a': '1'})\nresult = attempt(c.set, 'b', '2', domain=None)",
    "c = httpx.Cookies({'a': '1'})\nresult = (c.get('zz'), c.get('zz', 'd'), attempt(lambda: c['zz']))",
    "c = httpx.Cookies({'a': ''})\nresult = (repr(c.get('a')), repr(c.get('a', 'd')), attempt(lambda: c['a']))",
    "result = list(httpx.Cookies({'a': '1', 'b': '2'}).items())",
    "result = dict(httpx.Cookies([('a', '1'), ('b', '2')]))",
    "result = httpx.Cookies({'a': '1'}) == httpx.Cookies({'a': '1'})",
    "result = httpx.Cookies({'a': '1'}) == {'a': '1'}",
    "result = httpx.CookieConflict('m')",
    "result = httpx.CookieConflict.__mro__",
]
for _index, _code in enumerate(_OPS):
    CASES.append((f"cookies-ops-{_index}", _code))

_EXCHANGES = [
    ("https://example.org/", ["a=1"]),
    ("https://example.org/", ["a=1", "b=2"]),
    ("https://example.org/", ["a=1; Path=/x"]),
    ("https://example.org/x/y", ["a=1"]),
    ("https://example.org/", ["a=1; Domain=example.org"]),
    ("https://example.org/", ["a=1; Domain=.example.org"]),
    ("https://example.org/", ["a=1; Domain=other.org"]),
    ("https://sub.example.org/", ["a=1; Domain=example.org"]),
    ("https://example.org/", ["a=1; Secure"]),
    ("http://example.org/", ["a=1; Secure"]),
    ("https://example.org/", ["a=1; Max-Age=0"]),
    ("https://example.org/", ["a=1; Max-Age=100"]),
    ("https://example.org/", ["a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT"]),
    ("https://example.org/", ["a=1; Expires=Wed, 21 Oct 2099 07:28:00 GMT"]),
    ("https://example.org/", ["a=1; HttpOnly; SameSite=Lax"]),
    ("https://example.org/", ['a="quoted value"']),
    ("https://example.org/", ["a=x y"]),
    ("https://example.org/", ["a=1, b=2"]),
    ("https://example.org/", ["a"]),
    ("https://example.org/", ["=a"]),
    ("https://example.org/", [""]),
    ("https://127.0.0.1/", ["a=1"]),
    ("https://127.0.0.1/", ["a=1; Domain=0.0.1"]),
    ("https://[::1]/", ["a=1"]),
    ("https://localhost/", ["a=1"]),
    ("https://u:p@example.org/", ["a=1"]),
    ("https://example.org/", ["a=1; Path=/", "a=2; Path=/x"]),
]
for _index, (_url, _set) in enumerate(_EXCHANGES):
    CASES.append((f"cookies-extract-{_index}", f"result = exchange({_url!r}, {_set!r})"))

_SENT = [
    ("{'a': '1'}", "https://example.org/", None),
    ("{'a': '1', 'b': '2'}", "https://example.org/", None),
    ("{'a': '1'}", "https://example.org/", "{'Cookie': 'x=y'}"),
    ("{}", "https://example.org/", None),
    ("{'a': 'x y'}", "https://example.org/", None),
    ("{'a': '\"q\"'}", "https://example.org/", None),
]
for _index, (_jar, _url, _headers) in enumerate(_SENT):
    CASES.append((f"cookies-sent-{_index}", f"result = sent({_jar}, {_url!r}, {_headers})"))

_MORE = [
    "c = httpx.Cookies()\nc.set('a', '1', domain='example.org')\nresult = sent(c, 'https://example.org/')",
    "c = httpx.Cookies()\nc.set('a', '1', domain='example.org')\nresult = sent(c, 'https://other.org/')",
    "c = httpx.Cookies()\nc.set('a', '1', domain='.example.org')\nresult = sent(c, 'https://sub.example.org/')",
    "c = httpx.Cookies()\nc.set('a', '1', path='/x')\nresult = (sent(c, 'https://example.org/x/y'), sent(c, 'https://example.org/'))",
    "r = httpx.Request('GET', 'https://example.org/', cookies={'a': '1'})\nresult = r.headers.get('cookie')",
    "r = httpx.Request('GET', 'https://example.org/', cookies={'a': '1'}, headers={'Cookie': 'b=2'})\nresult = r.headers.get('cookie')",
    "r = httpx.Request('GET', 'https://example.org/', cookies=[('a', '1'), ('b', '2')])\nresult = r.headers.get('cookie')",
    "r = httpx.Request('GET', '/relative', cookies={'a': '1'})\nresult = r.headers.get('cookie')",
    "c = httpx.Cookies()\nresult = attempt(c.extract_cookies, httpx.Response(200, headers={'Set-Cookie': 'a=1'}))",
    "c = httpx.Cookies()\nc.extract_cookies(httpx.Response(200, request=httpx.Request('GET', 'https://a.org/')))\nresult = describe(c)",
]
for _index, _code in enumerate(_MORE):
    CASES.append((f"cookies-more-{_index}", _code))


# --- generated cases ----------------------------------------------------------------------

_NAMES = ["a", "a", "b", "session", "A", "x-y", "_z"]
_VALUES = ["1", "2", "", "x y", "abc=", '"q"', "%20", "a,b", "1", "2", "b", "x"] * 3 + ["é"]
_DOMAINS = ["", "", "example.org", ".example.org", "other.org", "sub.example.org"]
_PATHS = ["/", "/", "/x", "/x/y", ""]
_URLS = [
    "https://example.org/",
    "https://example.org/x/y",
    "http://example.org/x",
    "https://sub.example.org/",
    "https://other.org/",
    "https://example.org:8443/",
]
_ATTRS = [
    "",
    "; Path=/",
    "; Path=/x",
    "; Domain=example.org",
    "; Domain=.example.org",
    "; Domain=other.org",
    "; Secure",
    "; HttpOnly",
    "; Max-Age=0",
    "; Max-Age=60",
    "; Expires=Wed, 21 Oct 2015 07:28:00 GMT",
    "; SameSite=Strict",
    "; path=/X",
]


def generate(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(f"cookies-{seed}")
    cases = []
    for index in range(count):
        if rng.random() < 0.5:
            lines = ["c = httpx.Cookies()"]
            for _ in range(rng.randint(1, 4)):
                op = rng.choice(["set", "set", "delete", "clear", "item"])
                name = rng.choice(_NAMES)
                if op == "set":
                    lines.append(
                        f"c.set({name!r}, {rng.choice(_VALUES)!r}, "
                        f"domain={rng.choice(_DOMAINS)!r}, path={rng.choice(_PATHS)!r})"
                    )
                elif op == "delete":
                    domain = rng.choice([None, *_DOMAINS])
                    lines.append(f"c.delete({name!r}, domain={domain!r})")
                elif op == "clear":
                    lines.append(f"attempt(c.clear, domain={rng.choice(_DOMAINS)!r})")
                else:
                    lines.append(f"c[{name!r}] = {rng.choice(_VALUES)!r}")
            url = rng.choice(_URLS)
            lines.append(f"result = (describe(c), attempt(sent, c, {url!r}))")
        else:
            url = rng.choice(_URLS)
            set_cookies = [
                f"{rng.choice(_NAMES)}={rng.choice(_VALUES)}"
                + "".join(rng.choice(_ATTRS) for _ in range(rng.randint(0, 2)))
                for _ in range(rng.randint(1, 3))
            ]
            lines = [f"result = exchange({url!r}, {set_cookies!r})"]
        cases.append((f"cookies-gen-{seed}-{index}", "\n".join(lines)))
    return cases


_MORE_SERVER = [
    # A cookie set without Domain by example.org, then a request to a subdomain.
    "c = httpx.Cookies()\n"
    "c.extract_cookies(httpx.Response(200, headers={'Set-Cookie': 'a=1'},"
    " request=httpx.Request('GET', 'https://example.org/')))\n"
    "result = (sent(c, 'https://sub.example.org/'), sent(c, 'https://example.org/'))",
    "c = httpx.Cookies()\n"
    "c.extract_cookies(httpx.Response(200, headers={'Set-Cookie': 'a=1; Domain=example.org'},"
    " request=httpx.Request('GET', 'https://example.org/')))\n"
    "result = (sent(c, 'https://sub.example.org/'), sent(c, 'https://example.org/'))",
]
for _index, _code in enumerate(_MORE_SERVER):
    CASES.append((f"cookies-server-{_index}", _code))

SERVER_RULES = (
    "cookies a server sets follow RFC 6265 where http.cookiejar does not (host-only "
    "cookies, IP addresses, a URL with userinfo): docs/compatibility.md#cookies-a-server-sets"
)
EXPECTED: dict[str, str] = {
    "cookies-extract-22": SERVER_RULES,
    "cookies-extract-25": SERVER_RULES,
    "cookies-server-0": SERVER_RULES,
}
CHECKED = (
    "Cookies.set refuses names and values that could not be sent back in a Cookie header: "
    "docs/compatibility.md#cookie-names-and-values-are-checked"
)
NON_ASCII = (
    "a non-ASCII cookie is sent UTF-8 encoded where httpx 0.28 raises UnicodeEncodeError "
    "(a Set-Cookie or Cookie header value): docs/compatibility.md#non-ascii-header-values"
)


def _ascii_error(value: object) -> bool:
    return isinstance(value, str) and value.startswith("!UnicodeEncodeError: 'ascii' codec")


def classify(case_id: str, code: str, ours: Outcome, reference: Outcome) -> str | None:
    if ours.get("raised") == "ValueError" and ours["message"].startswith(
        ("Invalid cookie name", "Invalid value for cookie")
    ):
        return CHECKED
    if (
        reference.get("raised") == "UnicodeEncodeError"
        and "'ascii' codec can't encode" in reference["message"]
        and "raised" not in ours
    ):
        return NON_ASCII
    fields = differing_fields(ours, reference)
    if fields and all(_ascii_error(theirs) for _, theirs in fields.values()):
        return NON_ASCII
    return None
