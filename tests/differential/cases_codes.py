"""`httpx.codes` and the exceptions: members and their types, lookups, reason phrases,
the classification helpers, and every exception's constructor, message, attributes and
place in the hierarchy."""

from __future__ import annotations

import random

PRELUDE = """
def describe_code(value):
    return {
        "repr": attempt(repr, value),
        "str": attempt(str, value),
        "type": type(value).__name__,
        "int": attempt(int, value),
        "format": attempt(lambda: f"{value}"),
        "phrase": attempt(lambda: repr(getattr(value, "phrase", "<none>"))),
        "name": attempt(lambda: repr(getattr(value, "name", "<none>"))),
    }

def describe_exception(exc):
    request = getattr(exc, "_request", "<none>")
    return {
        "type": type(exc).__name__,
        "str": attempt(str, exc),
        "repr": attempt(repr, exc),
        "args": attempt(lambda: repr(exc.args)),
        "request": attempt(lambda: repr(exc.request)),
        "response": attempt(lambda: repr(getattr(exc, "response", "<none>"))),
        "mro": [cls.__name__ for cls in type(exc).__mro__],
    }
"""

WEIGHT = 1

CASES: list[tuple[str, str]] = []


def _add(prefix: str, codes: list[str]) -> None:
    for index, code in enumerate(codes):
        CASES.append((f"{prefix}-{index}", code))


_add(
    "codes",
    [
        "result = describe_code(httpx.codes.NOT_FOUND)",
        "result = describe_code(httpx.codes.not_found)",
        "result = describe_code(httpx.codes.OK)",
        "result = describe_code(httpx.codes.ok)",
        "result = describe_code(httpx.codes(404))",
        "result = describe_code(httpx.codes['NOT_FOUND'])",
        "result = attempt(lambda: httpx.codes['not_found'])",
        "result = attempt(httpx.codes, 999)",
        "result = attempt(httpx.codes, '404')",
        "result = httpx.codes.NOT_FOUND == 404",
        "result = httpx.codes.not_found == 404",
        "result = httpx.codes.not_found is httpx.codes.NOT_FOUND",
        "result = isinstance(httpx.codes.not_found, httpx.codes)",
        "result = type(httpx.codes.not_found).__mro__",
        "result = httpx.codes.__mro__",
        "result = [(c.name, c.value, c.phrase) for c in httpx.codes]",
        "result = len(httpx.codes)",
        "result = sorted(name for name in vars(httpx.codes) if name.islower() and not name.startswith('_'))",
        "result = [httpx.codes.get_reason_phrase(v) for v in (100, 200, 226, 299, 404, 418, 451, 511, 599, 999, -1)]",
        "result = attempt(httpx.codes.get_reason_phrase, '404')",
        "result = [f(v) for f in (httpx.codes.is_informational, httpx.codes.is_success, httpx.codes.is_redirect, httpx.codes.is_client_error, httpx.codes.is_server_error, httpx.codes.is_error) for v in (99, 100, 199, 200, 299, 300, 399, 400, 499, 500, 599, 600)]",
        "result = httpx.codes.NOT_FOUND.is_error(404)",
        "result = str(httpx.codes.IM_A_TEAPOT)",
        "result = f'{httpx.codes.OK:>5}'",
        "result = '%d %s' % (httpx.codes.OK, httpx.codes.OK)",
        "result = httpx.codes.OK + 1",
        "result = hash(httpx.codes.OK) == hash(200)",
        "result = {200: 'x'}[httpx.codes.OK]",
        "result = httpx.codes.FOUND.phrase",
        "result = repr(httpx.codes.REQUEST_ENTITY_TOO_LARGE)",
        "result = (httpx.codes.CONTENT_TOO_LARGE, httpx.codes.UNPROCESSABLE_CONTENT)",
        "result = attempt(lambda: httpx.codes.MISDIRECTED_REQUEST)",
        "import pickle\nresult = pickle.loads(pickle.dumps(httpx.codes.OK))",
        "result = httpx.codes._member_map_['OK']",
        "result = httpx.codes.__members__.get('not_found')",
    ],
)

_ALL_CODES = [
    100,
    101,
    102,
    103,
    200,
    201,
    202,
    203,
    204,
    205,
    206,
    207,
    208,
    226,
    300,
    301,
    302,
    303,
    304,
    305,
    306,
    307,
    308,
    400,
    401,
    402,
    403,
    404,
    405,
    406,
    407,
    408,
    409,
    410,
    411,
    412,
    413,
    414,
    415,
    416,
    417,
    418,
    419,
    420,
    421,
    422,
    423,
    424,
    425,
    426,
    428,
    429,
    431,
    451,
    500,
    501,
    502,
    503,
    504,
    505,
    506,
    507,
    508,
    510,
    511,
    599,
]
_add(
    "codes-each",
    [
        f"result = (attempt(lambda: describe_code(httpx.codes({code}))), "
        f"httpx.codes.get_reason_phrase({code}))"
        for code in _ALL_CODES
    ],
)

_REQUEST = "httpx.Request('GET', 'https://example.org/')"
_RESPONSE = f"httpx.Response(404, request={_REQUEST})"
_EXCEPTIONS = [
    "HTTPError",
    "RequestError",
    "TransportError",
    "TimeoutException",
    "ConnectTimeout",
    "ReadTimeout",
    "WriteTimeout",
    "PoolTimeout",
    "NetworkError",
    "ConnectError",
    "ReadError",
    "WriteError",
    "CloseError",
    "ProxyError",
    "UnsupportedProtocol",
    "ProtocolError",
    "LocalProtocolError",
    "RemoteProtocolError",
    "DecodingError",
    "TooManyRedirects",
    "InvalidURL",
    "CookieConflict",
]
_ALL_EXCEPTIONS = (
    "result = [name for name in httpx.__all__ if isinstance(getattr(httpx, name), type)"
    " and issubclass(getattr(httpx, name), BaseException)]"
)
_exception_cases = []
for _name in _EXCEPTIONS:
    _exception_cases += [
        f"result = describe_exception(httpx.{_name}('message'))",
        f"result = describe_exception(httpx.{_name}('message', request={_REQUEST}))",
        f"result = attempt(lambda: describe_exception(httpx.{_name}()))",
        f"result = attempt(lambda: describe_exception(httpx.{_name}('a', 'b')))",
        f"result = attempt(lambda: describe_exception(httpx.{_name}(message='m')))",
    ]
for _name in [
    "StreamError",
    "StreamConsumed",
    "StreamClosed",
    "ResponseNotRead",
    "RequestNotRead",
]:
    _exception_cases += [
        f"result = attempt(lambda: describe_exception(httpx.{_name}()))",
        f"result = attempt(lambda: describe_exception(httpx.{_name}('message')))",
    ]
_exception_cases += [
    f"result = describe_exception(httpx.HTTPStatusError('m', request={_REQUEST}, response={_RESPONSE}))",
    "result = attempt(lambda: httpx.HTTPStatusError('m'))",
    f"result = attempt(lambda: httpx.HTTPStatusError('m', request={_REQUEST}))",
    "e = httpx.ReadError('m')\ne.request = httpx.Request('GET', 'https://a.org/')\nresult = describe_exception(e)",
    "import pickle\nresult = attempt(lambda: describe_exception(pickle.loads(pickle.dumps(httpx.ReadError('m')))))",
    "import pickle\nresult = attempt(lambda: describe_exception(pickle.loads(pickle.dumps(httpx.InvalidURL('m')))))",
    _ALL_EXCEPTIONS,
    "result = issubclass(httpx.StreamError, RuntimeError)",
    "result = issubclass(httpx.InvalidURL, ValueError)",
    "result = issubclass(httpx.CookieConflict, LookupError)",
    "result = httpx.HTTPError.__init__.__doc__ is None",
    "from httpx._exceptions import request_context\n"
    "r = httpx.Request('GET', 'https://a.org/')\n"
    "try:\n    with request_context(request=r):\n        raise httpx.ReadError('x')\n"
    "except httpx.ReadError as exc:\n    result = describe_exception(exc)",
    "from httpx._exceptions import request_context\n"
    "r = httpx.Request('GET', 'https://a.org/')\n"
    "try:\n    with request_context(request=r):\n        raise httpx.InvalidURL('x')\n"
    "except httpx.InvalidURL as exc:\n    result = describe_exception(exc)",
]
_add("exceptions", _exception_cases)

EXPECTED = {
    f"exceptions-{_exception_cases.index(_ALL_EXCEPTIONS)}": (
        "httpx.__all__ also holds our additions' exceptions (SSEError and the WebSocket "
        "errors): docs/compatibility.md#additions"
    ),
}


def generate(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(f"codes-{seed}")
    cases = []
    for index in range(count):
        value = rng.choice([rng.randint(-5, 700), rng.choice(_ALL_CODES)])
        lines = [
            f"v = {value}",
            "result = ("
            "attempt(lambda: describe_code(httpx.codes(v))), httpx.codes.get_reason_phrase(v), "
            "httpx.codes.is_informational(v), httpx.codes.is_success(v), "
            "httpx.codes.is_redirect(v), httpx.codes.is_client_error(v), "
            "httpx.codes.is_server_error(v), httpx.codes.is_error(v))",
        ]
        cases.append((f"codes-gen-{seed}-{index}", "\n".join(lines)))
    return cases
