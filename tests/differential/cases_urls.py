"""URL cases: parsing, normalisation, every property, `join`, `copy_with` and friends.

The tables pin the corners issue 11 names (IPv4-mapped IPv6 hosts, non-special schemes'
hosts, invalid "%" escapes, `params=` replacing the query, invalid-URL messages); the
generator builds URLs from pieces biased towards the places parsers disagree: percent
escapes valid and invalid, unicode and IDNA hosts, IPv6 and IPv4-mapped literals, ports
at the limits, empty components, dot segments, non-special schemes, whitespace and
control characters.
"""

from __future__ import annotations

from .oracle import Outcome, differing_fields

# Every case sees `describe(url)`: the URL's str, repr and every property, each property
# read on its own so that one that raises does not hide the others.
PRELUDE = """
PROPERTIES = (
    "scheme", "raw_scheme", "userinfo", "username", "password", "host", "raw_host",
    "port", "netloc", "path", "query", "params", "raw_path", "fragment",
    "is_absolute_url", "is_relative_url", "raw",
)

def describe(url):
    out = {"str": attempt(str, url), "repr": attempt(repr, url)}
    for name in PROPERTIES:
        out[name] = attempt(lambda: repr(getattr(url, name)))
    return out

def parse(text, **kwargs):
    return describe(httpx.URL(text, **kwargs))
"""

CASES: list[tuple[str, str]] = []


def _add(prefix: str, codes: list[str]) -> None:
    for index, code in enumerate(codes):
        CASES.append((f"{prefix}-{index}", code))


# Parsing: one URL per case, every property.
_PARSE = [
    "https://example.org/a?b=c#d",
    "https://example.org",
    "https://example.org/",
    "HTTPS://EXAMPLE.ORG:443/Path",
    "http://example.org:80",
    "http://example.org:8080/",
    "http://example.org:0/",
    "http://example.org:65535/",
    "http://example.org:65536/",
    "http://example.org:99999999999/",
    "http://example.org:-1/",
    "http://example.org:abc/",
    "http://example.org:/",
    "http://example.org:080/",
    "https://user:pass@example.org/",
    "https://user@example.org/",
    "https://:pass@example.org/",
    "https://user:@example.org/",
    "https://us%20er:p%40ss@example.org/",
    "https://us er:p@ss@example.org/",
    "https://jo%40email.com:a%20secret@müller.de:1234/pa%20th?search=ab#anchor",
    "http://[::1]/",
    "http://[::1]:8080/",
    "http://[::ffff:1.2.3.4]/",
    "http://[::FFFF:1.2.3.4]:80/",
    "http://[::ffff:102:304]/",
    "http://[2001:DB8::1]/",
    "http://[2001:0db8:0000:0000:0000:0000:0000:0001]/",
    "http://[fe80::1%25eth0]/",
    "http://[v1.x]/",
    "http://[::1/",
    "http://[::1]x/",
    "http://[1:2:3:4:5:6:7:8:9]/",
    "http://::1/",
    "http://127.0.0.1/",
    "http://127.1/",
    "http://0x7f.0.0.1/",
    "http://2130706433/",
    "http://1.2.3.256/",
    "http://1.2.3.4.5/",
    "http://01.02.03.04/",
    "http://müller.de/",
    "http://MÜLLER.de/",
    "http://xn--mller-kva.de/",
    "http://xn--zz.de/",
    "http://☃.net/",
    "http://faß.de/",
    "http://ex%41mple.org/",
    "http://exa mple.org/",
    "http://a_b.example.org/",
    "http://a..b/",
    "http://example.org./",
    "http://" + "a" * 64 + ".org/",
    "http://xn--n3h.net/",
    "http://💩.la/",
    "http://.example/",
    "http:///x",
    "http:/x",
    "http:x",
    "http://",
    "http://?x",
    "http://#x",
    "http://:80/",
    "http://user@/",
    "foo://Bücher.de/",
    "foo://ex ample/",
    "foo://EXAMPLE.org/a",
    "socks5://user:pass@localhost:1080",
    "mailto:someone@example.org",
    "urn:isbn:0451450523",
    "data:text/plain,hello",
    "file:///etc/hosts",
    "file://localhost/etc/hosts",
    "file:/etc/hosts",
    "file:etc",
    "unix:/var/run/docker.sock",
    "a+b.c-d://host/",
    "1abc://host/",
    "h_t://host/",
    "//example.org/path",
    "://example.org/path",
    "/path/only",
    "path/only",
    "./path",
    "../path",
    "",
    "?query",
    "#fragment",
    "a:b",
    ":x",
    "//",
    "///",
    "https://example.org/%zz",
    "https://example.org/%2",
    "https://example.org/%",
    "https://example.org/%%",
    "https://example.org/%41%2f%2F",
    "https://example.org/a b",
    "https://example.org/ü",
    "https://example.org/a%2Fb",
    "https://example.org//double",
    "https://example.org/a/./b/../c",
    "https://example.org/a/b/..",
    "https://example.org/a/b/.",
    "https://example.org/../../x",
    "https://example.org/%2e%2e/x",
    "https://example.org/.%2E/x",
    "https://example.org/a\\b",
    'https://example.org/{}|^`"<>',
    "https://example.org/;a=b",
    "https://example.org/!$&'()*+,;=:@",
    "https://example.org/?a=1&a=2",
    "https://example.org/?a b=c d",
    "https://example.org/?a=%zz",
    "https://example.org/?ü=ö",
    "https://example.org/?a='b'",
    'https://example.org/?a="b"<>`{}',
    "https://example.org/?",
    "https://example.org/?#",
    "https://example.org/?a+b=c+d",
    "https://example.org/?%2B=%20",
    "https://example.org/#",
    "https://example.org/#a b",
    "https://example.org/#%",
    "https://example.org/#ü",
    "https://example.org/#a#b",
    "https://example.org/#a?b",
    'https://example.org/#`{}<>"',
    "foo://host/a b?c d#e f",
    "foo://host/'?'#'",
    " https://example.org/ ",
    "\thttps://example.org/",
    "https://example.org/\n",
    "https://exa\nmple.org/",
    "https://example.org/\x00",
    "https://example.org/\x7f",
    "https://example.org/\x1f",
    "https://example.org/\u00a0",
    "https://example.org/\u2028",
    "https:\\\\example.org\\a",
    "http:\\\\example.org",
    "https://example.org" + "/a" * 40000,
]
_add("url-parse", [f"result = parse({text!r})" for text in _PARSE])

# Keyword arguments of URL() and copy_with().
_KWARGS = [
    "httpx.URL(scheme='https', host='example.org', path='/a')",
    "httpx.URL(scheme='https', host='example.org', port=8080)",
    "httpx.URL(scheme='https', host='example.org', port=443)",
    "httpx.URL(scheme='https', host='example.org', port='8080')",
    "httpx.URL(scheme='https', host='example.org', port=True)",
    "httpx.URL(scheme='https', host='example.org', port=70000)",
    "httpx.URL(scheme='https', host='example.org', port=-1)",
    "httpx.URL(host='example.org')",
    "httpx.URL(path='/a b')",
    "httpx.URL(path='a')",
    "httpx.URL(path='//a')",
    "httpx.URL(path=':a')",
    "httpx.URL(scheme='https', host='example.org', path='a')",
    "httpx.URL(scheme='https', host='::1')",
    "httpx.URL(scheme='https', host='[::1]')",
    "httpx.URL(scheme='https', host='::ffff:1.2.3.4')",
    "httpx.URL(scheme='https', host='müller.de')",
    "httpx.URL(scheme='https', host='EXAMPLE.org')",
    "httpx.URL(scheme='https', host='a b')",
    "httpx.URL(scheme='https', host='a/b')",
    "httpx.URL(scheme='foo', host='müller.de')",
    "httpx.URL(scheme='https', host='example.org', query=b'a=1')",
    "httpx.URL(scheme='https', host='example.org', query='a=1')",
    "httpx.URL(scheme='https', host='example.org', query=b'a b=%zz')",
    "httpx.URL(scheme='https', host='example.org', fragment='a b')",
    "httpx.URL(scheme='https', host='example.org', raw_path=b'/a b?c d')",
    "httpx.URL(scheme='https', host='example.org', raw_path='/a')",
    "httpx.URL(scheme='https', host='example.org', username='us er', password='p@ss:w')",
    "httpx.URL(scheme='https', host='example.org', username='user')",
    "httpx.URL(scheme='https', host='example.org', password='pw')",
    "httpx.URL(scheme='https', host='example.org', userinfo=b'a:b')",
    "httpx.URL(scheme='https', netloc=b'example.org:8080')",
    "httpx.URL(scheme='https', netloc=b'user:pw@example.org:8080')",
    "httpx.URL(scheme='https', netloc=b'[::1]:8080')",
    "httpx.URL(scheme='https', netloc='example.org')",
    "httpx.URL(scheme='https', host='example.org', params={'a': '1', 'b': ['2', '3']})",
    "httpx.URL(scheme='https', host='example.org', params='a=1&b=2')",
    "httpx.URL(scheme='https', host='example.org', params={})",
    "httpx.URL(scheme='https', host='example.org', params=[('a', 'b c')])",
    "httpx.URL('https://example.org/?a=1', params={'b': '2'})",
    "httpx.URL('https://example.org/?a=1', params={'a': '2'})",
    "httpx.URL('https://example.org/?a=1', params={})",
    "httpx.URL('https://example.org/?a=1', params='')",
    "httpx.URL('https://example.org/?a=1', params=None)",
    "httpx.URL('https://example.org/', params={'q': 'a b', 'r': 'x+y', 's': 'ü&='})",
    "httpx.URL('https://example.org/', params={'a': None, 'b': True, 'c': 1.5, 'd': 0})",
    "httpx.URL('https://example.org/', unknown=1)",
    "httpx.URL('https://example.org/', scheme=1)",
    "httpx.URL('https://example.org/', path=b'/a')",
    "httpx.URL('https://example.org/', query='a')",
    "httpx.URL('https://example.org/', fragment=None)",
    "httpx.URL('https://example.org/#x', fragment=None)",
    "httpx.URL('https://example.org/?q', query=None)",
    "httpx.URL('https://example.org/', host=None)",
    "httpx.URL('https://example.org/', path=None)",
    "httpx.URL('https://example.org/', scheme=None)",
    "httpx.URL('https://example.org/', port=None)",
    "httpx.URL('https://example.org:8080/', port=None)",
    "httpx.URL(b'https://example.org/')",
    "httpx.URL(123)",
    "httpx.URL(None)",
    "httpx.URL(httpx.URL('https://example.org/a'))",
    "httpx.URL(httpx.URL('https://example.org/a'), path='/b')",
    "httpx.URL('https://example.org/a').copy_with(scheme='http')",
    "httpx.URL('https://example.org/a').copy_with(scheme='foo')",
    "httpx.URL('https://example.org/a').copy_with(scheme='')",
    "httpx.URL('https://example.org/a').copy_with(scheme='1x')",
    "httpx.URL('https://example.org/a').copy_with(host='')",
    "httpx.URL('https://example.org/a').copy_with(host='other.org', port=1)",
    "httpx.URL('https://example.org:8080/a').copy_with(host='other.org')",
    "httpx.URL('https://example.org/a').copy_with(path='')",
    "httpx.URL('https://example.org/a').copy_with(path='b')",
    "httpx.URL('https://example.org/a').copy_with(path='/b/../c')",
    "httpx.URL('https://example.org/a').copy_with(path='/%zz ü')",
    "httpx.URL('https://example.org/a?x=1').copy_with(path='/b')",
    "httpx.URL('https://example.org/a?x=1').copy_with(raw_path=b'/b')",
    "httpx.URL('https://example.org/a?x=1').copy_with(raw_path=b'/b?')",
    "httpx.URL('https://example.org/a?x=1').copy_with(query=b'')",
    "httpx.URL('https://example.org/a?x=1').copy_with(params={})",
    "httpx.URL('https://example.org/a?x=1').copy_with(params={'y': '2'})",
    "httpx.URL('https://example.org/a#f').copy_with(fragment='')",
    "httpx.URL('https://example.org/a#f').copy_with(fragment='g h')",
    "httpx.URL('https://u:p@example.org/a').copy_with(username='v')",
    "httpx.URL('https://u:p@example.org/a').copy_with(password='')",
    "httpx.URL('https://u:p@example.org/a').copy_with(userinfo=b'')",
    "httpx.URL('https://u:p@example.org/a').copy_with(netloc=b'other.org')",
    "httpx.URL('https://example.org/a').copy_with(netloc=b'other.org:99')",
    "httpx.URL('https://example.org/a').copy_with(netloc=b'other.org/x')",
    "httpx.URL('https://example.org/a').copy_with(port=0)",
    "httpx.URL('https://example.org/a').copy_with(port='x')",
    "httpx.URL('https://example.org/a').copy_with(port=443)",
    "httpx.URL('http://example.org/a').copy_with(scheme='https', port=80)",
    "httpx.URL('/relative').copy_with(scheme='https')",
    "httpx.URL('/relative').copy_with(host='example.org')",
    "httpx.URL('https://example.org/a').copy_with(host='exa\\nmple')",
    "httpx.URL('https://example.org/a').copy_with(path='/a\\tb')",
    "httpx.URL('https://example.org/a').copy_with(fragment='\\x00')",
]
_add("url-kwargs", [f"result = describe({expr})" for expr in _KWARGS])

# Query parameter helpers of URL.
_PARAMS = [
    "httpx.URL('https://example.org/?a=1').copy_set_param('a', '2')",
    "httpx.URL('https://example.org/?a=1').copy_set_param('b', None)",
    "httpx.URL('https://example.org/?a=1').copy_set_param('b', True)",
    "httpx.URL('https://example.org/?a=1').copy_set_param('b c', 'd e')",
    "httpx.URL('https://example.org/?a=1&a=2').copy_add_param('a', '3')",
    "httpx.URL('https://example.org/').copy_add_param('a', 1.5)",
    "httpx.URL('https://example.org/?a=1&b=2').copy_remove_param('a')",
    "httpx.URL('https://example.org/?a=1').copy_remove_param('a')",
    "httpx.URL('https://example.org/?a=1').copy_remove_param('zz')",
    "httpx.URL('https://example.org/?a=1&b=2').copy_merge_params({'b': '3', 'c': '4'})",
    "httpx.URL('https://example.org/?a=1').copy_merge_params('a=5&a=6')",
    "httpx.URL('https://example.org/?a=1').copy_merge_params(None)",
    "httpx.URL('https://example.org/?a%20b=c%2Bd').copy_set_param('e', 'f')",
    "httpx.URL('https://example.org/?q=a+b').copy_set_param('e', 'f')",
    "httpx.URL('https://example.org/?=x&y').copy_set_param('e', 'f')",
    "httpx.URL('https://example.org/?a=%zz').copy_set_param('e', 'f')",
    "httpx.URL('https://example.org/#frag').copy_set_param('e', 'f')",
]
_add("url-params", [f"result = describe({expr})" for expr in _PARAMS])

# Joining relative references (RFC 3986 section 5.4's examples and more).
_BASES = [
    "http://a/b/c/d;p?q",
    "https://example.org",
    "https://example.org/dir/",
    "https://user:pw@example.org:8080/a/b?x#y",
    "foo://host/a/b",
    "foo:opaque",
    "/relative/base",
    "",
]
_REFS = [
    "g:h",
    "g",
    "./g",
    "g/",
    "/g",
    "//g",
    "?y",
    "g?y",
    "#s",
    "g#s",
    "g?y#s",
    ";x",
    "g;x",
    "g;x?y#s",
    "",
    ".",
    "./",
    "..",
    "../",
    "../g",
    "../..",
    "../../",
    "../../g",
    "../../../g",
    "../../../../g",
    "/./g",
    "/../g",
    "g.",
    ".g",
    "g..",
    "..g",
    "./../g",
    "./g/.",
    "g/./h",
    "g/../h",
    "g;x=1/./y",
    "g;x=1/../y",
    "g?y/./x",
    "g?y/../x",
    "g#s/./x",
    "g#s/../x",
    "http:g",
    "https:g",
    "http://other/x",
    "HTTP://OTHER",
    "//other:99/x",
    "\\\\other\\x",
    "/\\x",
    "%zz",
    "a b",
    "ü",
    "?a b",
    "#a b",
    "//[::1]/",
    "//ü.de/",
    "mailto:x@y",
    "  /trimmed  ",
    "/a\n",
    ":x",
    "?",
    "#",
]
_add(
    "url-join",
    [f"result = describe(httpx.URL({base!r}).join({ref!r}))" for base in _BASES for ref in _REFS]
    + [
        "result = describe(httpx.URL('https://a.org/b').join(httpx.URL('c?d')))",
        "result = describe(httpx.URL('https://a.org/b').join(b'c'))",
        "result = describe(httpx.URL('https://a.org/b').join(None))",
    ],
)

# Equality, hashing and the other dunders.
_EQUALITY = [
    "httpx.URL('https://a.org') == httpx.URL('https://a.org/')",
    "httpx.URL('https://a.org') == 'https://a.org/'",
    "httpx.URL('https://a.org/') == 'https://a.org/'",
    "httpx.URL('https://a.org/') == 'https://A.org/'",
    "httpx.URL('https://a.org/') == b'https://a.org/'",
    "httpx.URL('https://a.org/') == None",
    "httpx.URL('https://a.org/') == 1",
    "httpx.URL('https://a.org:443/') == httpx.URL('https://a.org/')",
    "httpx.URL('https://a.org/%7e') == httpx.URL('https://a.org/~')",
    "httpx.URL('https://a.org/?a=1&b=2') == httpx.URL('https://a.org/?b=2&a=1')",
    "httpx.URL('https://a.org/') != 'https://a.org/'",
    "hash(httpx.URL('https://a.org/')) == hash('https://a.org/')",
    "hash(httpx.URL('https://a.org')) == hash(httpx.URL('https://a.org/'))",
    "len({httpx.URL('https://a.org'), httpx.URL('https://a.org/')})",
    "httpx.URL('https://a.org/') < httpx.URL('https://b.org/')",
    "str(httpx.URL('https://u:p@a.org/'))",
    "repr(httpx.URL('https://u:p@a.org/'))",
    "repr(httpx.URL('https://u@a.org/'))",
    "repr(httpx.URL('https://:p@a.org/'))",
    "repr(httpx.URL('https://u:@a.org/'))",
    "httpx.URL('https://a.org/').raw",
    "httpx.URL('https://a.org/')._uri_reference.path",
    "httpx.URL('https://a.org/x?y')._uri_reference.query",
    "type(httpx.URL('https://a.org/')._uri_reference).__name__",
    "httpx.URL('https://a.org/') in {'https://a.org/': 1}",
]
_add("url-dunder", [f"result = {expr}" for expr in _EQUALITY])

# Requests: params= on a URL that already has a query replaces it (as in httpx).
_REQUESTS = [
    "httpx.Request('GET', 'https://a.org/?a=1', params={'b': '2'}).url",
    "httpx.Request('GET', 'https://a.org/?a=1', params={}).url",
    "httpx.Request('GET', 'https://a.org/?a=1', params='').url",
    "httpx.Request('GET', 'https://a.org/?a=1', params=None).url",
    "httpx.Request('GET', 'https://a.org/?a=1', params={'a': ['2', '3']}).url",
    "httpx.Request('GET', 'https://a.org/', params={'q': 'a b'}).url",
    "httpx.Request('GET', 'https://a.org/', params=[('a', 1), ('a', None)]).url",
    "httpx.Request('GET', httpx.URL('https://a.org/?x=y'), params=httpx.QueryParams('z=1')).url",
]
_add("url-request", [f"result = describe({expr})" for expr in _REQUESTS])


IDNA_HOST = (
    "url.host of a name starting with an invalid 'xn--' label is the name as it is; httpx "
    "0.28 raises the idna package's exception: docs/compatibility.md#hosts-that-are-not-valid-idna"
)
ASCII_BYTES = (
    "non-ASCII bytes given as a bytes URL component raise InvalidURL; httpx 0.28 raises "
    "UnicodeDecodeError: docs/compatibility.md#invalid-url-input-raises-invalidurl"
)
SURROGATES = (
    "a lone surrogate in a URL raises InvalidURL; httpx 0.28 raises UnicodeEncodeError: "
    "docs/compatibility.md#invalid-url-input-raises-invalidurl"
)
_IDNA_ERRORS = (
    "!IDNAError:",
    "!InvalidCodepoint:",
    "!InvalidCodepointContext:",
    "!IDNABidiError:",
)


def classify(case_id: str, code: str, ours: Outcome, reference: Outcome) -> str | None:
    if reference.get("raised") == "UnicodeDecodeError" and ours.get("raised") == "InvalidURL":
        return ASCII_BYTES
    if reference.get("raised") == "UnicodeEncodeError" and ours.get("raised") == "InvalidURL":
        return SURROGATES
    fields = differing_fields(ours, reference)
    if fields and set(fields) == {"host"}:
        mine, theirs = fields["host"]
        if isinstance(theirs, str) and theirs.startswith(_IDNA_ERRORS):
            return IDNA_HOST
    return None
