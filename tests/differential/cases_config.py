"""Configuration cases: every accepted form of `Timeout` (2-, 3- and 4-tuples included),
`Limits` and `Proxy`, their errors and messages, repr, equality and `as_dict`."""

from __future__ import annotations

import random

from .oracle import Outcome

PRELUDE = """
def describe_timeout(t):
    return {
        "repr": attempt(repr, t),
        "fields": attempt(lambda: repr((t.connect, t.read, t.write, t.pool))),
        "as_dict": attempt(lambda: repr(t.as_dict())),
        "eq_self_copy": attempt(lambda: t == httpx.Timeout(t)),
        "eq_none": attempt(lambda: t == None),
        "hashable": attempt(lambda: hash(t) is not None),
    }

def describe_limits(l):
    return {
        "repr": attempt(repr, l),
        "fields": attempt(
            lambda: repr((l.max_connections, l.max_keepalive_connections, l.keepalive_expiry))
        ),
        "hashable": attempt(lambda: hash(l) is not None),
    }

def describe_proxy(p):
    return {
        "repr": attempt(repr, p),
        "url": attempt(lambda: repr(p.url)),
        "auth": attempt(lambda: repr(p.auth)),
        "raw_auth": attempt(lambda: repr(p.raw_auth)),
        "headers": attempt(lambda: repr(p.headers)),
        "ssl_context": attempt(lambda: repr(p.ssl_context)),
    }
"""

WEIGHT = 1

_TIMEOUTS = [
    "5.0",
    "5",
    "None",
    "0",
    "-1",
    "1e9",
    "float('inf')",
    "float('nan')",
    "True",
    "'5'",
    "(3, 5)",
    "(3, 5, 7)",
    "(1, 2, 3, 4)",
    "(1, 2, 3, 4, 5)",
    "(1,)",
    "()",
    "[1, 2, 3, 4]",
    "(None, 5)",
    "(5, None)",
    "(None, None, None, None)",
    "httpx.Timeout(1.0)",
    "httpx.Timeout(1.0, read=2.0)",
    "{'connect': 1}",
]
_TIMEOUT_KWARGS = [
    "",
    "connect=1",
    "read=2",
    "write=3",
    "pool=4",
    "connect=None",
    "connect=1, read=2, write=3, pool=4",
    "connect=1, read=2",
    "connect='1'",
]

CASES: list[tuple[str, str]] = []
for _index, _value in enumerate(_TIMEOUTS):
    CASES.append((f"timeout-pos-{_index}", f"result = describe_timeout(httpx.Timeout({_value}))"))
for _index, _kwargs in enumerate(_TIMEOUT_KWARGS):
    CASES.append((f"timeout-kw-{_index}", f"result = describe_timeout(httpx.Timeout({_kwargs}))"))
    CASES.append(
        (f"timeout-both-{_index}", f"result = describe_timeout(httpx.Timeout(10, {_kwargs}))")
    )
    CASES.append(
        (
            f"timeout-tuple-kw-{_index}",
            f"result = describe_timeout(httpx.Timeout((1, 2), {_kwargs}))",
        )
    )
    CASES.append(
        (
            f"timeout-obj-kw-{_index}",
            f"result = describe_timeout(httpx.Timeout(httpx.Timeout(7), {_kwargs}))",
        )
    )

_TIMEOUT_MORE = [
    "result = httpx.Timeout(5) == httpx.Timeout(5.0)",
    "result = httpx.Timeout(5) == httpx.Timeout(5, connect=5)",
    "result = httpx.Timeout(5) == httpx.Timeout(6)",
    "result = httpx.Timeout(5) == 5",
    "result = httpx.Timeout((1, 2, 3, 4)) == httpx.Timeout(connect=1, read=2, write=3, pool=4)",
    "result = httpx.Timeout(5).__hash__",
    "result = httpx.Timeout(timeout=5.0)",
    "result = httpx.Timeout(None, connect=5)",
    "result = httpx.Timeout(5, total=10)",
    "result = repr(httpx._config.DEFAULT_TIMEOUT_CONFIG)",
    "result = (httpx._config.DEFAULT_MAX_REDIRECTS, repr(httpx._config.DEFAULT_LIMITS))",
    "result = httpx.Client(timeout=(3, 5)).timeout",
    "result = httpx.Client(timeout=None).timeout",
    "result = httpx.Client(timeout=2).timeout",
    "result = httpx.Client().timeout",
    "c = httpx.Client()\nc.timeout = 3\nresult = c.timeout",
    "c = httpx.Client()\nc.timeout = (1, 2)\nresult = c.timeout",
    "r = httpx.Client().build_request('GET', 'https://a.org/', timeout=(3, 5))\n"
    "result = r.extensions['timeout']",
    "r = httpx.Client().build_request('GET', 'https://a.org/', timeout=None)\n"
    "result = r.extensions['timeout']",
    "r = httpx.Client().build_request('GET', 'https://a.org/')\nresult = r.extensions",
]
for _index, _code in enumerate(_TIMEOUT_MORE):
    CASES.append((f"timeout-more-{_index}", _code))

_LIMITS = [
    "",
    "max_connections=10",
    "max_connections=0",
    "max_connections=-1",
    "max_connections=None",
    "max_connections=1.5",
    "max_connections='10'",
    "max_connections=True",
    "max_keepalive_connections=0",
    "max_keepalive_connections=5",
    "max_keepalive_connections=-1",
    "keepalive_expiry=None",
    "keepalive_expiry=0",
    "keepalive_expiry=-1",
    "keepalive_expiry='5'",
    "keepalive_expiry=float('nan')",
    "max_connections=100, max_keepalive_connections=20",
    "max_connections=5, max_keepalive_connections=10",
]
for _index, _kwargs in enumerate(_LIMITS):
    CASES.append((f"limits-{_index}", f"result = describe_limits(httpx.Limits({_kwargs}))"))
_LIMITS_MORE = [
    "result = httpx.Limits(max_connections=1) == httpx.Limits(max_connections=1)",
    "result = httpx.Limits() == httpx.Limits(keepalive_expiry=5)",
    "result = httpx.Limits() == None",
    "result = httpx.Limits(10)",
    "result = httpx.Limits.__hash__",
]
for _index, _code in enumerate(_LIMITS_MORE):
    CASES.append((f"limits-more-{_index}", _code))

_PROXIES = [
    "'http://proxy.example:3128'",
    "'https://proxy.example'",
    "'socks5://proxy.example:1080'",
    "'socks5h://proxy.example:1080'",
    "'ftp://proxy.example'",
    "'proxy.example:3128'",
    "'http://'",
    "'http://user:pass@proxy.example:3128'",
    "'http://user@proxy.example'",
    "'http://us%20er:p%40ss@proxy.example'",
    "'http://:pw@proxy.example'",
    "httpx.URL('http://proxy.example')",
    "'HTTP://Proxy.Example'",
    "'http://[::1]:3128'",
    "123",
    "None",
]
for _index, _url in enumerate(_PROXIES):
    CASES.append((f"proxy-{_index}", f"result = describe_proxy(httpx.Proxy({_url}))"))
_PROXY_MORE = [
    "result = describe_proxy(httpx.Proxy('http://p.example', auth=('u', 'p')))",
    "result = describe_proxy(httpx.Proxy('http://p.example', auth=('u', '')))",
    "result = describe_proxy(httpx.Proxy('http://p.example', auth=['u', 'p']))",
    "result = describe_proxy(httpx.Proxy('http://p.example', auth=('ü', 'p')))",
    "result = describe_proxy(httpx.Proxy('http://a:b@p.example', auth=('u', 'p')))",
    "result = describe_proxy(httpx.Proxy('http://p.example', headers={'X-A': '1'}))",
    "result = describe_proxy(httpx.Proxy('http://p.example', headers=[('X-A', '1'), ('x-a', '2')]))",
    "import ssl\nresult = describe_proxy(httpx.Proxy('https://p.example', ssl_context=ssl.create_default_context())).keys()",
    "import ssl\nresult = describe_proxy(httpx.Proxy('http://p.example', ssl_context=ssl.create_default_context())).keys()",
    "result = describe_proxy(httpx.Proxy('http://p.example', ssl_context='x'))",
    "result = httpx.Proxy('http://p.example') == httpx.Proxy('http://p.example')",
    "result = describe_proxy(httpx.Proxy(url='http://p.example'))",
    "result = httpx.Proxy('http://p.example', 'x')",
]
for _index, _code in enumerate(_PROXY_MORE):
    CASES.append((f"proxy-more-{_index}", _code))


# --- generated cases ----------------------------------------------------------------------

_NUMBERS = ["None", "0", "1", "2.5", "5.0", "10", "-1", "1e-3", "3", "60"]


def generate(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(f"config-{seed}")
    cases = []
    for index in range(count):
        roll = rng.random()
        if roll < 0.6:
            form = rng.random()
            if form < 0.3:
                args = rng.choice(_NUMBERS)
            elif form < 0.6:
                size = rng.choice([2, 3, 4, 4])
                args = "(" + ", ".join(rng.choice(_NUMBERS) for _ in range(size)) + ")"
            else:
                args = rng.choice(["", rng.choice(_NUMBERS)])
            names = rng.sample(["connect", "read", "write", "pool"], rng.randint(0, 4))
            kwargs = ", ".join(f"{name}={rng.choice(_NUMBERS)}" for name in names)
            joined = ", ".join(part for part in (args, kwargs) if part)
            other = rng.choice(_NUMBERS)
            code = (
                f"t = httpx.Timeout({joined})\n"
                f"result = (describe_timeout(t), t == httpx.Timeout({other}))"
            )
        else:
            names = rng.sample(
                ["max_connections", "max_keepalive_connections", "keepalive_expiry"],
                rng.randint(0, 3),
            )
            kwargs = ", ".join(f"{name}={rng.choice(_NUMBERS)}" for name in names)
            code = f"result = describe_limits(httpx.Limits({kwargs}))"
        cases.append((f"config-gen-{seed}-{index}", code))
    return cases


EXPECTED: dict[str, str] = {
    "timeout-more-8": (
        "Timeout(total=...) is our addition (a deadline for the whole request): "
        "docs/compatibility.md#additions"
    ),
}


def classify(case_id: str, code: str, ours: Outcome, reference: Outcome) -> str | None:
    return None
