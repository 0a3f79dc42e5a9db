"""Request and Response cases: construction from content, data, files, json, params and
headers; reading and streaming (and the StreamConsumed/StreamClosed/ResponseNotRead
rules); text and encoding detection; json; the status helpers; `raise_for_status()` and
its messages (1xx, 3xx with the "Redirect location" line, 4xx, 5xx); `elapsed`; repr."""

from __future__ import annotations

import random

from .oracle import Outcome

PRELUDE = """
import asyncio

def describe_request(r):
    return {
        "repr": attempt(repr, r),
        "method": attempt(lambda: repr(r.method)),
        "url": attempt(lambda: repr(r.url)),
        "headers": attempt(lambda: repr(r.headers.multi_items())),
        "content": attempt(lambda: repr(r.content)),
        "read": attempt(lambda: repr(r.read())),
        "stream": type(r.stream).__name__,
        "extensions": attempt(lambda: repr(r.extensions)),
    }

def describe_response(r, read=True):
    out = {
        "repr": attempt(repr, r),
        "status_code": attempt(lambda: repr(r.status_code)),
        "reason_phrase": attempt(lambda: repr(r.reason_phrase)),
        "http_version": attempt(lambda: repr(r.http_version)),
        "headers": attempt(lambda: repr(r.headers.multi_items())),
        "flags": attempt(lambda: repr((
            r.is_informational, r.is_success, r.is_redirect, r.is_client_error,
            r.is_server_error, r.is_error, r.has_redirect_location,
        ))),
        "state": attempt(lambda: repr((r.is_closed, r.is_stream_consumed))),
        "stream": type(r.stream).__name__,
        "request": attempt(lambda: repr(r.request)),
        "url": attempt(lambda: repr(r.url)),
        "elapsed": attempt(lambda: repr(r.elapsed)),
        "next_request": attempt(lambda: repr(r.next_request)),
        "history": attempt(lambda: repr(r.history)),
        "default_encoding": attempt(lambda: repr(r.default_encoding)),
    }
    if read:
        out.update({
            "content": attempt(lambda: repr(r.content)),
            "text": attempt(lambda: repr(r.text)),
            "encoding": attempt(lambda: repr(r.encoding)),
            "charset_encoding": attempt(lambda: repr(r.charset_encoding)),
            "json": attempt(lambda: repr(r.json())),
            "links": attempt(lambda: repr(r.links)),
            "num_bytes_downloaded": attempt(lambda: repr(r.num_bytes_downloaded)),
            "raise_for_status": attempt(lambda: repr(r.raise_for_status())),
            "state_after": attempt(lambda: repr((r.is_closed, r.is_stream_consumed))),
        })
    return out

REQUEST = httpx.Request("GET", "https://example.org/path?q=1")

def chunks(*parts):
    for part in parts:
        yield part

async def achunks(*parts):
    for part in parts:
        yield part
"""

WEIGHT = 2

CASES: list[tuple[str, str]] = []


def _add(prefix: str, codes: list[str]) -> None:
    for index, code in enumerate(codes):
        CASES.append((f"{prefix}-{index}", code))


_REQUESTS = [
    "httpx.Request('GET', 'https://example.org/')",
    "httpx.Request('get', 'https://example.org/')",
    "httpx.Request(b'POST', 'https://example.org/')",
    "httpx.Request('POST', 'https://example.org/')",
    "httpx.Request('PUT', 'https://example.org/')",
    "httpx.Request('PATCH', 'https://example.org/')",
    "httpx.Request('DELETE', 'https://example.org/')",
    "httpx.Request('GET', httpx.URL('https://example.org/'))",
    "httpx.Request('GET', '/relative')",
    "httpx.Request('GET', 'https://example.org:8080/')",
    "httpx.Request('GET', 'https://example.org:443/')",
    "httpx.Request('GET', 'https://u:p@example.org/')",
    "httpx.Request('GET', 'https://müller.de/')",
    "httpx.Request('GET', 'https://[::1]:8000/')",
    "httpx.Request('POST', 'https://example.org/', content=b'abc')",
    "httpx.Request('POST', 'https://example.org/', content='abc')",
    "httpx.Request('POST', 'https://example.org/', content='é')",
    "httpx.Request('POST', 'https://example.org/', content=b'')",
    "httpx.Request('POST', 'https://example.org/', content=bytearray(b'ab'))",
    "httpx.Request('POST', 'https://example.org/', content=memoryview(b'ab'))",
    "httpx.Request('POST', 'https://example.org/', content=[b'a', b'b'])",
    "httpx.Request('POST', 'https://example.org/', content=chunks(b'a', b'b'))",
    "httpx.Request('POST', 'https://example.org/', content=123)",
    "httpx.Request('POST', 'https://example.org/', content=None)",
    "httpx.Request('POST', 'https://example.org/', data={'a': '1', 'b': ['2', '3']})",
    "httpx.Request('POST', 'https://example.org/', data={'a': 1, 'b': True, 'c': None, 'd': 1.5})",
    "httpx.Request('POST', 'https://example.org/', data={'a b': 'c d', 'é': '&='})",
    "httpx.Request('POST', 'https://example.org/', data={})",
    "httpx.Request('POST', 'https://example.org/', data=b'raw')",
    "httpx.Request('POST', 'https://example.org/', data='raw')",
    "httpx.Request('POST', 'https://example.org/', data=[('a', '1')])",
    "httpx.Request('POST', 'https://example.org/', json={'a': 1})",
    "httpx.Request('POST', 'https://example.org/', json={'é': 'ü', 'x': [1, 2.5, None, True]})",
    "httpx.Request('POST', 'https://example.org/', json=[])",
    "httpx.Request('POST', 'https://example.org/', json=None)",
    "httpx.Request('POST', 'https://example.org/', json='text')",
    "httpx.Request('POST', 'https://example.org/', json=0)",
    "httpx.Request('POST', 'https://example.org/', json={'nan': float('nan')})",
    "httpx.Request('POST', 'https://example.org/', json={1, 2})",
    "httpx.Request('POST', 'https://example.org/', json={'a': 1}, content=b'x')",
    "httpx.Request('POST', 'https://example.org/', data={'a': 1}, content=b'x')",
    "httpx.Request('POST', 'https://example.org/', data={'a': 1}, json={'b': 2})",
    "httpx.Request('POST', 'https://example.org/', content=b'x', headers={'Content-Type': 'text/plain'})",
    "httpx.Request('POST', 'https://example.org/', json={'a': 1}, headers={'Content-Type': 'application/x'})",
    "httpx.Request('POST', 'https://example.org/', content=b'abc', headers={'Content-Length': '10'})",
    "httpx.Request('POST', 'https://example.org/', content=chunks(b'a'), headers={'Content-Length': '1'})",
    "httpx.Request('POST', 'https://example.org/', content=chunks(b'a'), headers={'Transfer-Encoding': 'chunked'})",
    "httpx.Request('GET', 'https://example.org/', headers={'Host': 'other.org'})",
    "httpx.Request('GET', 'https://example.org/', headers={'host': 'other.org'})",
    "httpx.Request('GET', 'https://example.org/', headers=[('A', '1'), ('a', '2')])",
    "httpx.Request('GET', 'https://example.org/', headers=httpx.Headers({'a': b'\\xe9'}))",
    "httpx.Request('GET', 'https://example.org/', params={'a': '1'})",
    "httpx.Request('GET', 'https://example.org/?x=1', params={'a': '1'})",
    "httpx.Request('GET', 'https://example.org/?x=1', params={})",
    "httpx.Request('GET', 'https://example.org/?x=1', params='y=2')",
    "httpx.Request('GET', 'https://example.org/?x=1', params=[('a', 'b c')])",
    "httpx.Request('GET', 'https://example.org/', cookies={'a': '1'})",
    "httpx.Request('GET', 'https://example.org/', extensions={'timeout': {'read': 1}})",
    "httpx.Request('GET', 'https://example.org/', stream=httpx.ByteStream(b'x'))",
    "httpx.Request('POST', 'https://example.org/', files={'f': b'data'}, headers={'Content-Type': 'multipart/form-data; boundary=B0UND'})",
    "httpx.Request('POST', 'https://example.org/', files={'f': ('a.txt', b'data', 'text/plain')}, data={'k': 'v'}, headers={'Content-Type': 'multipart/form-data; boundary=B0UND'})",
    "httpx.Request('POST', 'https://example.org/', files=[('f', ('a.bin', b'\\x00\\x01'))], headers={'Content-Type': 'multipart/form-data; boundary=\"quoted\"'})",
    "httpx.Request('POST', 'https://example.org/', files={'f': b'x'}, headers={'Content-Type': 'multipart/form-data'}).headers['Content-Type'].startswith('multipart/form-data; boundary=')",
    "httpx.Request('GET', 'ftp://example.org/')",
    "httpx.Request('GET', 'https://exa mple.org/')",
    "httpx.Request('GET', 'https://example.org/', headers={'X': None})",
    "httpx.Request('GET', 123)",
    "httpx.Request(None, 'https://example.org/')",
    "httpx.Request('GET')",
]
_add("request", [f"result = attempt(lambda: describe_request({expr}))" for expr in _REQUESTS])

_REQUEST_MORE = [
    "r = httpx.Request('POST', 'https://example.org/', content=chunks(b'a', b'b'))\n"
    "result = (attempt(lambda: r.content), r.read(), r.content, list(r.stream))",
    "r = httpx.Request('POST', 'https://example.org/', content=achunks(b'a', b'b'))\n"
    "result = (attempt(lambda: r.content), attempt(r.read), asyncio.run(r.aread()), r.content)",
    "r = httpx.Request('POST', 'https://example.org/', content=chunks(b'a'))\n"
    "list(r.stream)\nresult = attempt(lambda: list(r.stream))",
    "r = httpx.Request('POST', 'https://example.org/', content=[b'a'])\n"
    "list(r.stream)\nresult = list(r.stream)",
    "import pickle\nr = httpx.Request('POST', 'https://example.org/', content=b'x')\n"
    "p = pickle.loads(pickle.dumps(r))\nresult = describe_request(p)",
    "import pickle\nr = httpx.Request('POST', 'https://example.org/', content=chunks(b'x'))\n"
    "p = pickle.loads(pickle.dumps(r))\nresult = (describe_request(p), attempt(lambda: list(p.stream)))",
    "r = httpx.Request('GET', 'https://example.org/')\nr.foo = 1\nresult = r.foo",
    "r = httpx.Request('GET', 'https://example.org/')\nresult = sorted(vars(r))",
    "result = httpx.Request('GET', 'https://example.org/') == httpx.Request('GET', 'https://example.org/')",
]
_add("request-more", _REQUEST_MORE)

_RESPONSES = [
    "httpx.Response(200)",
    "httpx.Response(200, request=REQUEST)",
    "httpx.Response(200, content=b'hello', request=REQUEST)",
    "httpx.Response(200, content='héllo', request=REQUEST)",
    "httpx.Response(200, text='héllo', request=REQUEST)",
    "httpx.Response(200, html='<p>é</p>', request=REQUEST)",
    "httpx.Response(200, json={'a': 'é'}, request=REQUEST)",
    "httpx.Response(200, json=None, request=REQUEST)",
    "httpx.Response(200, content=b'x', text='y', request=REQUEST)",
    "httpx.Response(200, text='y', html='z', request=REQUEST)",
    "httpx.Response(200, content=[b'a', b'b'], request=REQUEST)",
    "httpx.Response(200, content=chunks(b'a', b'b'), request=REQUEST)",
    "httpx.Response(200, content=123, request=REQUEST)",
    "httpx.Response(200, stream=httpx.ByteStream(b'abc'), request=REQUEST)",
    "httpx.Response(200, content=b'abc', headers={'Content-Length': '10'}, request=REQUEST)",
    "httpx.Response(200, content=b'\\xe9t\\xe9', headers={'Content-Type': 'text/plain; charset=latin-1'}, request=REQUEST)",
    "httpx.Response(200, content=b'\\xe9t\\xe9', headers={'Content-Type': 'text/plain'}, request=REQUEST)",
    "httpx.Response(200, content=b'\\xe9t\\xe9', headers={'Content-Type': 'text/plain; charset=nope'}, request=REQUEST)",
    "httpx.Response(200, content=b'\\xe9t\\xe9', headers={'Content-Type': 'text/plain; charset=\"UTF-8\"'}, request=REQUEST)",
    "httpx.Response(200, content=b'\\xe9t\\xe9', headers={'Content-Type': 'text/plain;charset=iso-8859-1'}, request=REQUEST)",
    "httpx.Response(200, content=b'\\xe9t\\xe9', default_encoding='latin-1', request=REQUEST)",
    "httpx.Response(200, content=b'\\xe9t\\xe9', default_encoding=lambda b: 'cp1252', request=REQUEST)",
    "httpx.Response(200, content=b'\\xff\\xfeh\\x00i\\x00', request=REQUEST)",
    "httpx.Response(200, content=b'\\xef\\xbb\\xbfhi', request=REQUEST)",
    "httpx.Response(200, content=b'', request=REQUEST)",
    "httpx.Response(200, content=b'{\"a\": 1}', request=REQUEST)",
    "httpx.Response(200, content=b'not json', request=REQUEST)",
    "httpx.Response(200, content=b'\\xef\\xbb\\xbf{\"a\": 1}', request=REQUEST)",
    "httpx.Response(200, content='{\"é\": 1}'.encode('utf-16'), request=REQUEST)",
    "httpx.Response(200, headers={'Link': '<https://a.org/2>; rel=\"next\", <https://a.org/1>; rel=\"prev\"'}, request=REQUEST)",
    "httpx.Response(200, headers={'Link': '<https://a.org/x>'}, request=REQUEST)",
    "httpx.Response(200, headers={'Set-Cookie': 'a=1'}, request=REQUEST)",
    "httpx.Response(200, headers=[('A', '1'), ('a', '2')], request=REQUEST)",
    "httpx.Response(100, request=REQUEST)",
    "httpx.Response(101, request=REQUEST)",
    "httpx.Response(204, request=REQUEST)",
    "httpx.Response(299, request=REQUEST)",
    "httpx.Response(301, headers={'Location': 'https://example.org/new'}, request=REQUEST)",
    "httpx.Response(302, headers={'Location': '/new'}, request=REQUEST)",
    "httpx.Response(303, request=REQUEST)",
    "httpx.Response(304, request=REQUEST)",
    "httpx.Response(307, headers={'Location': 'x'}, request=REQUEST)",
    "httpx.Response(308, headers={'Location': 'x'}, request=REQUEST)",
    "httpx.Response(300, headers={'Location': 'x'}, request=REQUEST)",
    "httpx.Response(305, headers={'Location': 'x'}, request=REQUEST)",
    "httpx.Response(399, headers={'Location': 'x'}, request=REQUEST)",
    "httpx.Response(400, request=REQUEST)",
    "httpx.Response(404, request=REQUEST)",
    "httpx.Response(418, request=REQUEST)",
    "httpx.Response(451, request=REQUEST)",
    "httpx.Response(499, request=REQUEST)",
    "httpx.Response(500, request=REQUEST)",
    "httpx.Response(503, request=REQUEST)",
    "httpx.Response(599, request=REQUEST)",
    "httpx.Response(600, request=REQUEST)",
    "httpx.Response(99, request=REQUEST)",
    "httpx.Response(0, request=REQUEST)",
    "httpx.Response(404, extensions={'reason_phrase': b'Nope'}, request=REQUEST)",
    "httpx.Response(200, extensions={'http_version': b'HTTP/2'}, request=REQUEST)",
    "httpx.Response(200, extensions={'reason_phrase': b'\\xe9'}, request=REQUEST)",
    "httpx.Response(404)",
    "httpx.Response(301, headers={'Location': 'https://a.org/'})",
    "httpx.Response(404, request=httpx.Request('GET', 'https://u:p@example.org/a b?x=é'))",
    "httpx.Response('200', request=REQUEST)",
    "httpx.Response(200, history=[httpx.Response(301)], request=REQUEST)",
]
_add("response", [f"result = attempt(lambda: describe_response({expr}))" for expr in _RESPONSES])

_STREAMING = [
    # Streamed bodies: what may be read when.
    "r = httpx.Response(200, content=chunks(b'a', b'b'), request=REQUEST)\n"
    "result = (describe_response(r, read=False), attempt(lambda: r.content), attempt(lambda: r.text))",
    "r = httpx.Response(200, content=chunks(b'a', b'b'), request=REQUEST)\n"
    "result = (r.read(), r.read(), r.content, list(r.iter_bytes()), attempt(lambda: list(r.iter_raw())))",
    "r = httpx.Response(200, content=chunks(b'a', b'b'), request=REQUEST)\n"
    "result = (list(r.iter_raw()), attempt(r.read), attempt(lambda: list(r.iter_raw())), describe_response(r, read=False))",
    "r = httpx.Response(200, content=chunks(b'a', b'b'), request=REQUEST)\n"
    "r.close()\nresult = (attempt(r.read), attempt(lambda: list(r.iter_bytes())), attempt(lambda: list(r.iter_raw())))",
    "r = httpx.Response(200, content=chunks(b'abc', b'def'), request=REQUEST)\n"
    "result = (list(r.iter_bytes(chunk_size=2)), describe_response(r, read=False))",
    "r = httpx.Response(200, content=chunks(b'abc', b'def'), request=REQUEST)\n"
    "result = list(r.iter_raw(chunk_size=4))",
    "r = httpx.Response(200, content=chunks(b'abc', b'def'), request=REQUEST)\n"
    "result = list(r.iter_bytes(chunk_size=0))",
    "r = httpx.Response(200, content=b'abcdef', request=REQUEST)\n"
    "result = (list(r.iter_bytes(chunk_size=4)), list(r.iter_bytes()), list(r.iter_text(chunk_size=4)), attempt(lambda: list(r.iter_raw())))",
    "r = httpx.Response(200, content=b'', request=REQUEST)\nresult = (list(r.iter_bytes()), list(r.iter_text()), list(r.iter_lines()))",
    "r = httpx.Response(200, content=chunks(b'a\\r', b'\\nb\\n\\nc\\rd'), request=REQUEST)\nresult = list(r.iter_lines())",
    "r = httpx.Response(200, content=b'a\\nb\\r\\nc', request=REQUEST)\nresult = list(r.iter_lines())",
    "r = httpx.Response(200, content=chunks(b'\\xc3', b'\\xa9x'), request=REQUEST)\nresult = list(r.iter_text())",
    "r = httpx.Response(200, content=chunks(b'\\xc3', b'\\xa9x'), request=REQUEST)\nresult = list(r.iter_text(chunk_size=1))",
    "r = httpx.Response(200, content=achunks(b'a', b'b'), request=REQUEST)\n"
    "result = (attempt(r.read), attempt(lambda: list(r.iter_bytes())), attempt(r.close))",
    "r = httpx.Response(200, content=achunks(b'a', b'b'), request=REQUEST)\n"
    "result = (asyncio.run(r.aread()), r.content, r.is_closed)",
    "r = httpx.Response(200, content=chunks(b'a', b'b'), request=REQUEST)\n"
    "result = attempt(lambda: asyncio.run(r.aread()))",
    "r = httpx.Response(200, content=chunks(b'a'), request=REQUEST)\nr.read()\n"
    "result = (r.is_closed, r.is_stream_consumed, r.num_bytes_downloaded, attempt(lambda: r.elapsed))",
    "r = httpx.Response(200, content=b'ab', request=REQUEST)\n"
    "result = (r.is_closed, r.is_stream_consumed, r.num_bytes_downloaded, attempt(lambda: r.elapsed))",
    "r = httpx.Response(200, content=b'ab')\nresult = (attempt(lambda: r.request), attempt(r.raise_for_status), attempt(lambda: r.url))",
    "r = httpx.Response(200, content=b'\\xe9', request=REQUEST)\nr.encoding = 'latin-1'\nresult = r.text",
    "r = httpx.Response(200, content=b'\\xe9', request=REQUEST)\nr.text\nresult = attempt(setattr, r, 'encoding', 'latin-1')",
    "r = httpx.Response(200, content=b'x', headers={'Content-Encoding': 'gzip'}, request=REQUEST)\nresult = (attempt(r.read), describe_response(r, read=False))",
    "import gzip\nr = httpx.Response(200, content=gzip.compress(b'hello'), headers={'Content-Encoding': 'gzip'}, request=REQUEST)\nresult = (r.content, r.headers['content-encoding'], r.num_bytes_downloaded)",
    "import gzip\nr = httpx.Response(200, content=chunks(gzip.compress(b'hello')), headers={'Content-Encoding': 'gzip'}, request=REQUEST)\nresult = (r.read(), r.num_bytes_downloaded)",
    "r = httpx.Response(200, content=chunks(b'x'), headers={'Content-Encoding': 'gzip'}, request=REQUEST)\nresult = (attempt(r.read), r.is_closed)",
    "r = httpx.Response(200, content=chunks(b'x'), headers={'Content-Encoding': 'nope, identity'}, request=REQUEST)\nresult = (attempt(r.read), r.is_closed)",
    "r = httpx.Response(200, content=b'x', request=REQUEST)\nr.foo = 1\nresult = r.foo",
    "r = httpx.Response(200, content=b'x', request=REQUEST)\ndel r._content\nresult = (attempt(lambda: r.content), attempt(r.read))",
    "import pickle\nr = httpx.Response(200, content=b'x', request=REQUEST)\np = pickle.loads(pickle.dumps(r))\nresult = describe_response(p)",
    "import pickle\nr = httpx.Response(200, content=chunks(b'x'), request=REQUEST)\np = pickle.loads(pickle.dumps(r))\nresult = describe_response(p)",
    "r = httpx.Response(200, content=b'x', request=REQUEST)\nr.request = httpx.Request('POST', 'https://b.org/')\nresult = (r.request, r.url)",
    "r = httpx.Response(404, request=REQUEST)\ntry:\n    r.raise_for_status()\nexcept httpx.HTTPStatusError as exc:\n    result = (str(exc), exc.request is REQUEST, exc.response is r)",
    "r = httpx.Response(302, headers={'Location': '/x'}, request=REQUEST)\ntry:\n    r.raise_for_status()\nexcept httpx.HTTPStatusError as exc:\n    result = str(exc)",
    "r = httpx.Response(200, content=b'[1, 2]', request=REQUEST)\nresult = r.json(parse_int=str)",
    "result = httpx.Response(200, content=b'x', request=REQUEST) == httpx.Response(200, content=b'x', request=REQUEST)",
    "r = httpx.Response(200, content=b'abcdef', request=REQUEST)\n"
    "result = attempt(lambda: list(r.iter_bytes(chunk_size=-2)))",
    "r = httpx.Response(200, content=chunks(b'abc', b'def'), request=REQUEST)\n"
    "result = attempt(lambda: list(r.iter_bytes(chunk_size=-2)))",
    "r = httpx.Response(200, content=b'abcdef', request=REQUEST)\n"
    "result = attempt(lambda: list(r.iter_bytes(chunk_size=1.5)))",
    "r = httpx.Response(200, content=b'abcdef', request=REQUEST)\n"
    "result = attempt(lambda: list(r.iter_text(chunk_size=-2)))",
]
_add("streaming", _STREAMING)


# --- generated cases ----------------------------------------------------------------------

_STATUSES = [
    100,
    101,
    200,
    201,
    204,
    206,
    299,
    300,
    301,
    302,
    303,
    304,
    307,
    308,
    399,
    400,
    401,
    403,
    404,
    418,
    422,
    429,
    499,
    500,
    502,
    503,
    599,
]
_CONTENT_TYPES = [
    None,
    "text/plain",
    "text/plain; charset=utf-8",
    "text/html; charset=ISO-8859-1",
    "application/json",
    "text/plain; charset=utf-16",
    "text/plain; charset=nope",
    'text/plain; charset="latin-1"',
    "application/octet-stream",
    "text/plain;charset=ascii",
    "multipart/form-data; boundary=x",
]
_BODIES = [
    "b''",
    "b'hello'",
    "b'{\"a\": [1, 2]}'",
    "'{\"é\": 1}'.encode('utf-8')",
    "'héllo'.encode('latin-1')",
    "'héllo'.encode('utf-16')",
    "b'\\xff\\xfe\\x00'",
    "b'line1\\nline2\\r\\nline3'",
    "b'\\xef\\xbb\\xbfbom'",
    "'日本語'.encode('utf-8')",
    "'日本語'.encode('shift_jis')",
]


_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "get", "Post", "QUERY"]
_REQUEST_URLS = [
    "https://example.org/",
    "https://example.org/a?b=c",
    "http://example.org:8080/x y",
    "https://u:p@example.org/",
    "/relative?x=1",
    "https://müller.de/",
    "https://[::1]/",
]
_REQUEST_BODIES = [
    "",
    "content=b'abc'",
    "content='é'",
    "content=b''",
    "content=[b'a', b'b']",
    "data={'a': '1', 'b': ['2', '3']}",
    "data={'a b': 'c d', 'x': None}",
    "data={}",
    "json={'a': [1, 'é']}",
    "json=None",
    "json=[]",
    "json='x'",
    "files={'f': b'x'}, headers={'Content-Type': 'multipart/form-data; boundary=B'}",
]
_REQUEST_PARAMS = [
    "",
    "",
    "params={'q': 'a b'}",
    "params={}",
    "params='x=1&x=2'",
    "params=[('a', None)]",
]
_REQUEST_HEADERS = [
    "",
    "",
    "headers={'X-A': '1'}",
    "headers=[('A', '1'), ('a', '2')]",
    "headers={'Host': 'other.org'}",
    "headers={'Content-Length': '9'}",
    "headers={'Content-Type': 'text/plain'}",
    "cookies={'s': '1'}",
]


def _request_case(rng: random.Random) -> str:
    parts = [
        part
        for part in (
            rng.choice(_REQUEST_BODIES),
            rng.choice(_REQUEST_PARAMS),
            rng.choice(_REQUEST_HEADERS),
        )
        if part
    ]
    if "headers=" in "".join(parts[:1]) and any(p.startswith("headers=") for p in parts[1:]):
        parts = parts[:1] + [p for p in parts[1:] if not p.startswith("headers=")]
    arguments = ", ".join([repr(rng.choice(_METHODS)), repr(rng.choice(_REQUEST_URLS)), *parts])
    return f"result = attempt(lambda: describe_request(httpx.Request({arguments})))"


def generate(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(f"models-{seed}")
    cases = []
    for index in range(count):
        if rng.random() < 0.35:
            cases.append((f"models-gen-{seed}-{index}", _request_case(rng)))
            continue
        status = rng.choice(_STATUSES)
        headers = []
        content_type = rng.choice(_CONTENT_TYPES)
        if content_type is not None:
            headers.append(("Content-Type", content_type))
        if status // 100 == 3 and rng.random() < 0.7:
            headers.append(("Location", rng.choice(["/next", "https://other.org/x", "a b"])))
        body = rng.choice(_BODIES)
        streamed = rng.random() < 0.3
        content = f"chunks({body})" if streamed else body
        default = rng.choice(
            ["", "", ", default_encoding='latin-1'", ", default_encoding='ascii'"]
        )
        code = (
            f"r = httpx.Response({status}, headers={headers!r}, content={content}, "
            f"request=REQUEST{default})\n"
        )
        if streamed:
            code += "r.read()\n"
        code += "result = describe_response(r)"
        cases.append((f"models-gen-{seed}-{index}", code))
    return cases


_BYTES_LIKE = (
    "a bytearray or memoryview body is sent as bytes; httpx 0.28 iterates it as ints and "
    "fails: docs/compatibility.md#bytearray-and-memoryview-bodies"
)
_NEGATIVE_CHUNKS = (
    "a negative chunk_size raises ValueError where httpx 0.28 raises IndexError: "
    "docs/compatibility.md#negative-chunk-sizes"
)
EXPECTED: dict[str, str] = {
    "streaming-36": _NEGATIVE_CHUNKS,
    "streaming-38": _NEGATIVE_CHUNKS,
    "request-18": _BYTES_LIKE,
    "request-19": _BYTES_LIKE,
    "request-more-4": (
        "a pickled request whose body was read keeps it: "
        "docs/compatibility.md#a-pickled-request-keeps-its-body"
    ),
}


def classify(case_id: str, code: str, ours: Outcome, reference: Outcome) -> str | None:
    return None
