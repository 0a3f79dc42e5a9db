"""Generated URL cases: URLs built from pieces biased towards the places parsers disagree
(percent escapes valid and invalid, unicode and IDNA hosts, IPv6 and IPv4-mapped literals,
ports at the limits, empty components, dot segments, non-special schemes, whitespace and
control characters), parsed, joined, copied with keyword arguments and compared."""

from __future__ import annotations

import random

from .cases_urls import _REFS, PRELUDE, classify

__all__ = ["PRELUDE", "WEIGHT", "classify", "generate", "random_url"]

WEIGHT = 6

_SCHEMES = [
    "http",
    "https",
    "HTTP",
    "Https",
    "ws",
    "wss",
    "ftp",
    "file",
    "foo",
    "socks5",
    "a+b",
    "mailto",
    "h2c",
    "x-y.z",
    "1ab",
    "h_t",
    "",
    "ü",
]
_SEPARATORS = ["://"] * 12 + [":", ":/", ":///", ":\\\\", "://\\", "//", ":////"]
_USERINFO = [
    "",
    "",
    "",
    "",
    "user",
    "user:pass",
    "u%20r:p%40",
    "ü:é",
    ":pw",
    "user:",
    "a:b:c",
    "a b:c d",
    "a@b",
    "%zz:%",
    "user:pa%3Ass",
    "@",
    "a;b=c",
    "[x]",
    "a/b",
]
_HOSTS = [
    "example.org",
    "example.org",
    "EXAMPLE.ORG",
    "a.b.c.d.e",
    "localhost",
    "müller.de",
    "MÜLLER.DE",
    "xn--mller-kva.de",
    "xn--zz",
    "xn--",
    "☃.net",
    "faß.de",
    "ς.gr",
    "1.2.3.4",
    "127.0.0.1",
    "0x7f.1",
    "2130706433",
    "1.2.3.256",
    "1.2.3",
    "01.2.3.4",
    "256.256.256.256",
    "[::1]",
    "[::ffff:1.2.3.4]",
    "[::FFFF:7f00:1]",
    "[2001:db8::]",
    "[1:2:3:4:5:6:7:8]",
    "[1:2:3:4:5:6:7:8:9]",
    "[fe80::1%25eth0]",
    "[v1.x]",
    "[::1",
    "[]",
    "ex%41mple.org",
    "ex%zzample",
    "exa mple.org",
    "a_b.org",
    "a..b",
    ".",
    "example.org.",
    "-a.org",
    "a-.org",
    "a" * 63 + ".org",
    "a" * 64 + ".org",
    "",
    "%e2%98%83",
    "ｅｘａｍｐｌｅ.org",
    "example。org",
    "a\u00adb.org",
    "xn--n3h.net",
    "✓.com",
    "Ⅷ.org",
    "#",
    "a<b",
    "a^b",
    "a|b",
    "a%00b",
    "a'b",
    'a"b',
    "a{b}",
    "::1",
    "[::]",
    "[0:0:0:0:0:0:0:0]",
    "[::ffff:192.168.1.1]",
    "[64:ff9b::1.2.3.4]",
    "1.2.3.4444",
    "1111.1.1.1",
    "1.2.3.0x1",
    "١.٢.٣.٤",
    "0.0.0.0",
    "1..2.3",
    "1.2.3.",
    "[::1%25]",
    "[FE80::A]",
]
_PORTS = [
    "",
    "",
    "",
    "",
    "",
    ":",
    ":0",
    ":80",
    ":443",
    ":8080",
    ":65535",
    ":65536",
    ":99999",
    ":-1",
    ":abc",
    ":080",
    ": 80",
    ":1_0",
    ":00000000080",
    ":+80",
    ":٣",
]
_SEGMENTS = [
    "a",
    "b",
    "",
    ".",
    "..",
    "%2e",
    "%2E%2e",
    ".%2e",
    "a b",
    "ü",
    "%zz",
    "%2",
    "%",
    "%41",
    "%2F",
    "%2f",
    "a;b",
    "a=b",
    "~",
    "{}",
    "|",
    "^",
    "`",
    '"',
    "<>",
    "\\",
    "!$&'()*+,",
    "@:",
    "a.",
    "..a",
    "%20",
    "%c3%bc",
    "%ff",
    "\u00a0",
    "\U0001f4a9",
    "'",
    "[]",
    "a%",
]
_QUERIES = [
    None,
    None,
    None,
    "",
    "a=1",
    "a=1&a=2",
    "a b=c d",
    "a=%zz",
    "ü=ö",
    "a='b'",
    'a="b"',
    "<>`{}|^",
    "a+b=c+d",
    "%2B=%20",
    "?",
    "a=1&",
    "&&",
    "=",
    "a=b=c",
    "a;b",
    "%",
    "%2",
    "\\",
    "[]",
    "a=%c3%bc",
    "a=\U0001f4a9",
    "a=1&b",
]
_FRAGMENTS = [
    None,
    None,
    None,
    None,
    "",
    "f",
    "a b",
    "%",
    "%zz",
    "ü",
    "a#b",
    "a?b",
    '`{}<>"',
    "%41",
    "'",
    "\\",
    "a=b&c",
]
_NOISE = [" ", "\t", "\n", "\r", "\x00", "\x7f", "\x1f", "\u00a0", "\u2028", "\ufeff"]
_BASE_URLS = [
    "https://example.org",
    "https://example.org/",
    "https://example.org/a/b/c",
    "https://example.org/a/b/",
    "http://u:p@example.org:8080/a/b?x=1#f",
    "https://example.org/a?q",
    "foo://host/a/b",
    "foo:a/b",
    "mailto:x@y",
    "/a/b",
    "a/b",
    "",
    "file:///a/b",
    "https://[::1]:8443/x/",
    "https://müller.de/a/",
]


def _pick(rng: random.Random, items: list[str]) -> str:
    return items[rng.randrange(len(items))]


def _maybe(rng: random.Random, items: list[str | None]) -> str | None:
    return items[rng.randrange(len(items))]


def _path(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.15:
        return ""
    if roll < 0.25:
        return "/"
    count = rng.randint(1, 4)
    path = "/" + "/".join(_pick(rng, _SEGMENTS) for _ in range(count))
    if rng.random() < 0.1:
        path += "/"
    if rng.random() < 0.05:
        path = "/" + path
    return path


def _noise(rng: random.Random, text: str) -> str:
    if rng.random() > 0.07:
        return text
    char = _pick(rng, _NOISE)
    where = rng.choice(["start", "end", "middle"])
    if where == "start":
        return char + text
    if where == "end":
        return text + char
    index = rng.randrange(len(text) + 1)
    return text[:index] + char + text[index:]


def random_url(rng: random.Random) -> str:
    """An absolute or relative URL made of random (mostly valid) pieces."""
    roll = rng.random()
    if roll < 0.85:
        scheme = _pick(rng, _SCHEMES)
        sep = _pick(rng, _SEPARATORS)
        userinfo = _pick(rng, _USERINFO)
        host = _pick(rng, _HOSTS)
        port = _pick(rng, _PORTS)
        authority = (userinfo + "@" if userinfo else "") + host + port
        text = scheme + sep + authority + _path(rng)
    elif roll < 0.92:
        text = _path(rng)
    else:
        text = "//" + _pick(rng, _HOSTS) + _path(rng)
    query = _maybe(rng, list(_QUERIES))
    if query is not None:
        text += "?" + query
    fragment = _maybe(rng, list(_FRAGMENTS))
    if fragment is not None:
        text += "#" + fragment
    return _noise(rng, text)


def _relative(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.5:
        return _pick(rng, _REFS)
    if roll < 0.75:
        pieces = [_pick(rng, ["..", ".", "g", "%2e%2e", "a b", "ü", "", "%zz"]) for _ in range(3)]
        ref = "/".join(pieces)
        if rng.random() < 0.3:
            ref = "/" + ref
        return ref
    return random_url(rng)


_KWARG_VALUES: dict[str, list[object]] = {
    "scheme": ["http", "https", "foo", "", "HTTP", "1x", "ws", None],
    "host": ["example.org", "", "müller.de", "[::1]", "::1", "1.2.3.4", "a b", "EX.org", None],
    "port": [None, 0, 80, 443, 8080, 65535, 65536, -1, "8080", "x"],
    "path": ["", "/", "/a b", "a", "//x", "/ü/%zz", "/a/../b", "/%2F", None],
    "query": [b"", b"a=1", b"a b", b"%zz", "a=1", b"\xff", None],
    "fragment": ["", "f", "a b", "%", "ü", None],
    "username": ["", "user", "u s", "ü", "a:b", "a@b", None],
    "password": ["", "pw", "p w", "p:w", "p@w", None],
    "userinfo": [b"", b"u:p", b"u%20", b"a b", None],
    "netloc": [b"example.org", b"example.org:81", b"u:p@h.org", b"[::1]:1", b"", b"h/x"],
    "raw_path": [b"/", b"/a?b", b"/a b?c d", b"a", b"", b"/?", None],
    "params": [{}, {"a": "1"}, "a=1&a=2", [("a b", "c d")], {"q": None}, None],
}


def _kwargs(rng: random.Random) -> str:
    names = rng.sample(sorted(_KWARG_VALUES), rng.randint(1, 3))
    return ", ".join(f"{name}={_pick_obj(rng, _KWARG_VALUES[name])!r}" for name in names)


def _pick_obj(rng: random.Random, items: list[object]) -> object:
    return items[rng.randrange(len(items))]


def _param_value(rng: random.Random) -> str:
    return repr(_pick_obj(rng, ["1", "a b", "ü", "", None, True, 1.5, "x+y", "%", "&="]))


def generate(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(f"urls-{seed}")
    cases = []
    for index in range(count):
        roll = rng.random()
        url = random_url(rng)
        if roll < 0.5:
            code = f"result = parse({url!r})"
        elif roll < 0.7:
            base = _pick(rng, _BASE_URLS) if rng.random() < 0.6 else url
            code = f"result = describe(httpx.URL({base!r}).join({_relative(rng)!r}))"
        elif roll < 0.85:
            code = f"result = describe(httpx.URL({url!r}).copy_with({_kwargs(rng)}))"
        elif roll < 0.9:
            code = f"result = describe(httpx.URL({_kwargs(rng)}))"
        elif roll < 0.95:
            method = rng.choice(["copy_set_param", "copy_add_param"])
            key = _param_value(rng) if rng.random() < 0.3 else repr(rng.choice("abq"))
            code = f"result = describe(httpx.URL({url!r}).{method}({key}, {_param_value(rng)}))"
        else:
            other = random_url(rng) if rng.random() < 0.5 else url.upper()
            code = (
                f"a, b = httpx.URL({url!r}), httpx.URL({other!r})\n"
                "result = (a == b, a == str(b), str(a) == str(b), hash(a) == hash(b))"
            )
        cases.append((f"url-gen-{seed}-{index}", code))
    return cases
