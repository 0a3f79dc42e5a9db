"""Differential cases: multipart/form-data bodies (`data=` with `files=`).

Each case builds a request with a fixed boundary (through the ``Content-Type`` request
header, the way httpx lets a caller choose it) and reports its headers and exact body, or
the exception raised while building or reading it. Generated cases combine random field
names, values and file forms.
"""

from __future__ import annotations

import random
import re
from typing import Any

# Shared by every case: `mp(...)` returns the headers and the body of the request.
PRELUDE = """
import io, os, re, tempfile
OPENED = []
def mp(data=None, files=None, boundary="BOUNDARY", content_type=None, method="POST"):
    headers = {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    elif boundary is not None:
        headers["Content-Type"] = "multipart/form-data; boundary=" + boundary
    try:
        request = httpx.Request(method, "http://example.org/", data=data, files=files,
                                headers=headers)
        body = request.read()
    finally:
        # (OPENED lives in the prelude's namespace, shared by the module's cases.)
        while OPENED:
            OPENED.pop().close()
    # A boundary we did not choose is random: mask it.
    body = re.sub(rb"^--([0-9a-f]{32})\\r\\n", b"--<RANDOM>\\r\\n", body)
    body = re.sub(rb"\\r\\n--[0-9a-f]{32}(--)?\\r\\n", rb"\\r\\n--<RANDOM>\\1\\r\\n", body)
    return (sorted((k, v) for k, v in request.headers.items() if k != "host"), body)
def named(name, content=b"content", mode="rb"):
    directory = tempfile.mkdtemp()
    path = os.path.join(directory, name)
    with open(path, "wb") as f:
        f.write(content)
    f = open(path, mode)
    OPENED.append(f)
    return f
"""


def _case(code: str) -> str:
    return code


_VALUES = [
    "'text'",
    "''",
    "b'bytes'",
    "b''",
    "bytearray(b'ba')",
    "memoryview(b'mv')",
    "1",
    "0",
    "-7",
    "1.5",
    "True",
    "False",
    "None",
    "['a', 'b']",
    "['a', b'b', 1, None, True]",
    "[]",
    "('a', 'b')",
    "{'x': 1}",
    "object()",
    "'caf\\u00e9'",
    "'line\\nbreak'",
    "'quote\"d'",
    "1 + 2j",
    "{1, 2}",
    "[['nested']]",
    "[{'a': 1}]",
    "float('nan')",
    "10**30",
]

_KEYS = [
    "'name'",
    "''",
    "'caf\\u00e9'",
    "'a\"b'",
    "'a\\\\b'",
    "'a\\nb'",
    "'a\\rb'",
    "'a;b'",
    "'a b'",
    "'a%22b'",
    "'a\\x00b'",
    "'a\\tb'",
    "b'bytes-key'",
    "1",
    "None",
    "True",
    "1.5",
    "('t',)",
]

_FILENAMES = [
    "'file.txt'",
    "'file.png'",
    "'file.json'",
    "'file.unknownext'",
    "'noext'",
    "''",
    "None",
    "'caf\\u00e9.txt'",
    "'quo\"te.txt'",
    "'back\\\\slash.txt'",
    "'new\\nline.txt'",
    "'dir/sub/file.txt'",
    "'..\\\\win.txt'",
    "'a;b=c.txt'",
    "b'bytes.txt'",
    "1",
    "'.hidden'",
    "'file.tar.gz'",
    "'file.html'",
    "'file.csv'",
    "'file.svg'",
    "'file.pdf'",
    "'file.JPG'",
    "'file.mp3'",
    "'file.zip'",
    "'file.js'",
    "'file.py'",
]

_CONTENTS = [
    "b'data'",
    "b''",
    "'text content'",
    "io.BytesIO(b'bytesio')",
    "io.BytesIO(b'')",
    "bytearray(b'arr')",
    "memoryview(b'mem')",
    "io.StringIO('stringio')",
    "iter([b'a', b'b'])",
    "[b'a', b'b']",
    "1",
    "None",
    "io.BufferedReader(io.BytesIO(b'buffered'))",
]

_CONTENT_TYPES = [
    "'text/plain'",
    "'application/x-custom'",
    "None",
    "''",
    "'text/plain; charset=utf-8'",
    "'bad\\ntype'",
    "b'text/plain'",
    "1",
]

_HEADERS = [
    "{}",
    "{'X-Extra': 'yes'}",
    "{'Content-Type': 'text/override'}",
    "{'content-type': 'text/lower'}",
    "{'X-A': '1', 'X-B': '2'}",
    "{b'X-Bytes': b'v'}",
    "{'X-Int': 1}",
    "[('X-List', 'v')]",
    "None",
    "{'X-Bad': 'a\\nb'}",
    "{'Content-Disposition': 'attachment'}",
]

CASES: list[tuple[str, str]] = []


def _add(case_id: str, code: str) -> None:
    CASES.append((f"client-mp-{case_id}", _case(code)))


# data= values, one field each (with a file so that the body is multipart).
for _i, _value in enumerate(_VALUES):
    _add(f"data-value-{_i}", f"result = mp(data={{'f': {_value}}}, files={{'file': b'x'}})")
    _add(f"data-list-value-{_i}", f"result = mp(data={{'f': [{_value}]}}, files={{'u': b''}})")

# data= keys.
for _i, _key in enumerate(_KEYS):
    _add(f"data-key-{_i}", f"result = mp(data={{{_key}: 'v'}}, files={{'file': b'x'}})")
    _add(f"files-key-{_i}", f"result = mp(files={{{_key}: b'x'}})")
    _add(f"files-list-key-{_i}", f"result = mp(files=[({_key}, b'x')])")

# files= forms: bare content, tuples of 1 to 5 items.
for _i, _content in enumerate(_CONTENTS):
    _add(f"file-bare-{_i}", f"result = mp(files={{'f': {_content}}})")
    _add(f"file-tuple2-{_i}", f"result = mp(files={{'f': ('name.bin', {_content})}})")
    _add(
        f"file-tuple3-{_i}",
        f"result = mp(files={{'f': ('name.bin', {_content}, 'x/y')}})",
    )
for _i, _filename in enumerate(_FILENAMES):
    _add(f"filename-{_i}", f"result = mp(files={{'f': ({_filename}, b'x')}})")
    _add(f"filename-ct-{_i}", f"result = mp(files={{'f': ({_filename}, b'x', None)}})")
for _i, _content_type in enumerate(_CONTENT_TYPES):
    _add(f"content-type-{_i}", f"result = mp(files={{'f': ('a.txt', b'x', {_content_type})}})")
for _i, _headers in enumerate(_HEADERS):
    _add(
        f"file-headers-{_i}",
        f"result = mp(files={{'f': ('a.txt', b'x', 'text/plain', {_headers})}})",
    )
    _add(
        f"file-headers-noct-{_i}",
        f"result = mp(files={{'f': ('a.txt', b'x', None, {_headers})}})",
    )

_MORE = {
    "tuple1": "result = mp(files={'f': ('a.txt',)})",
    "tuple0": "result = mp(files={'f': ()})",
    "tuple5": "result = mp(files={'f': ('a', b'x', 'text/plain', {}, 'extra')})",
    "list-as-tuple": "result = mp(files={'f': ['a.txt', b'x']})",
    "files-list-multi": "result = mp(files=[('f', b'1'), ('f', b'2'), ('g', ('g.txt', b'3'))])",
    "files-list-bad-item": "result = mp(files=[('f',)])",
    "files-list-triple": "result = mp(files=[('f', b'1', 'x')])",
    "files-list-str-item": "result = mp(files=['f'])",
    "files-none-data-dict": "result = mp(data={'a': '1'}, files=None)",
    "files-empty-list": "result = mp(data={'a': '1'}, files=[])",
    "files-empty-dict-no-data": "result = mp(files={})",
    "files-str": "result = mp(files='f')",
    "files-bytes": "result = mp(files=b'f')",
    "files-int": "result = mp(files=1)",
    "data-list-pairs": "result = mp(data=[('a', '1')], files={'f': b'x'})",
    "data-str": "result = mp(data='a=1', files={'f': b'x'})",
    "data-bytes": "result = mp(data=b'a=1', files={'f': b'x'})",
    "data-none": "result = mp(data=None, files={'f': b'x'})",
    "data-order": "result = mp(data={'z': '1', 'a': '2', 'm': ['3', '4']}, files={'f': b'x'})",
    "order-files-then-data": "result = mp(files={'f': b'x'}, data={'d': 'v'})",
    "named-txt": "result = mp(files={'f': named('upload.txt', b'hello')})",
    "named-png": "result = mp(files={'f': named('img.png', b'\\x89PNG')})",
    "named-unknown": "result = mp(files={'f': named('blob.qqq', b'...')})",
    "named-noext": "result = mp(files={'f': named('README', b'r')})",
    "named-unicode": "result = mp(files={'f': named('na\\u00efve.txt', b'n')})",
    "named-in-tuple": "result = mp(files={'f': ('other.json', named('x.txt', b'{}'))})",
    "named-in-tuple-none": "result = mp(files={'f': (None, named('x.txt', b'{}'))})",
    "named-tuple-ct": "result = mp(files={'f': ('o.bin', named('x.txt', b'q'), 'a/b')})",
    "bytesio-name-attr": (
        "f = io.BytesIO(b'abc'); f.name = 'given.csv'\nresult = mp(files={'f': f})"
    ),
    "bytesio-name-int": "f = io.BytesIO(b'abc'); f.name = 3\nresult = mp(files={'f': f})",
    "bytesio-name-path": (
        "import pathlib\nf = io.BytesIO(b'abc'); f.name = pathlib.Path('/x/p.txt')\n"
        "result = mp(files={'f': f})"
    ),
    "bytesio-name-bytes": (
        "f = io.BytesIO(b'abc'); f.name = b'b.txt'\nresult = mp(files={'f': f})"
    ),
    "bytesio-partially-read": (
        "f = io.BytesIO(b'abcdef'); f.read(2)\nresult = mp(files={'f': f})"
    ),
    "textmode-file": "result = mp(files={'f': named('t.txt', b'text', 'r')})",
    "textmode-file-tuple": "result = mp(files={'f': ('t.txt', named('t.txt', b'text', 'r'))})",
    "stringio-tuple": "result = mp(files={'f': ('s.txt', io.StringIO('s'))})",
    # Boundaries: quoted, unusual, given as bytes, absent.
    "boundary-quoted": (
        "result = mp(files={'f': b'x'}, content_type='multipart/form-data; boundary=\"q b\"')"
    ),
    "boundary-long": "result = mp(files={'f': b'x'}, boundary='b' * 70)",
    "boundary-too-long": "result = mp(files={'f': b'x'}, boundary='b' * 71)",
    "boundary-empty": "result = mp(files={'f': b'x'}, boundary='')",
    "boundary-special": "result = mp(files={'f': b'x'}, boundary=\"'()+_,-./:=?\")",
    "boundary-space": "result = mp(files={'f': b'x'}, boundary='a b')",
    "boundary-semicolon": (
        "result = mp(files={'f': b'x'}, "
        "content_type='multipart/form-data; boundary=abc; charset=utf-8')"
    ),
    "boundary-uppercase-param": (
        "result = mp(files={'f': b'x'}, content_type='multipart/form-data; BOUNDARY=abc')"
    ),
    "boundary-other-ct": "result = mp(files={'f': b'x'}, content_type='text/plain')",
    "boundary-mixed": (
        "result = mp(files={'f': b'x'}, content_type='multipart/mixed; boundary=mixed')"
    ),
    "boundary-no-param": ("result = mp(files={'f': b'x'}, content_type='multipart/form-data')"),
    "boundary-unicode": (
        "result = mp(files={'f': b'x'}, content_type='multipart/form-data; boundary=\\u00e9')"
    ),
    "boundary-data-only": (
        "result = mp(data={'a': 'b'}, content_type='multipart/form-data; boundary=xyz')"
    ),
    "random-boundary": (
        "r = httpx.Request('POST', 'http://e/', files={'f': b'x'})\n"
        "ct = r.headers['content-type']\nb = ct.split('boundary=')[1]\n"
        "result = (ct.split('boundary=')[0], len(b), all(c in '0123456789abcdef' for c in b),"
        " r.headers['content-length'], len(r.read()))"
    ),
    "random-boundary-differs": (
        "a = httpx.Request('POST', 'http://e/', files={'f': b'x'})\n"
        "b = httpx.Request('POST', 'http://e/', files={'f': b'x'})\n"
        "result = a.headers['content-type'] != b.headers['content-type']"
    ),
    # Methods: a GET may carry multipart too.
    "method-get": "result = mp(files={'f': b'x'}, method='GET')",
    "method-put": "result = mp(data={'a': '1'}, files={'f': b'x'}, method='PUT')",
    # Streaming: a file object is read when the body is, and rewound for a second pass.
    "stream-twice": (
        "f = io.BytesIO(b'abc')\n"
        "r = httpx.Request('POST', 'http://e/', files={'f': f},"
        " headers={'Content-Type': 'multipart/form-data; boundary=B'})\n"
        "one = b''.join(r.stream)\ntwo = b''.join(r.stream)\nresult = (one == two, one)"
    ),
    "stream-type": (
        "r = httpx.Request('POST', 'http://e/', files={'f': io.BytesIO(b'abc')})\n"
        "result = (isinstance(r.stream, httpx.SyncByteStream),"
        " isinstance(r.stream, httpx.AsyncByteStream))"
    ),
    "stream-not-read": (
        "r = httpx.Request('POST', 'http://e/', files={'f': io.BytesIO(b'abc')})\nr.content"
    ),
    "stream-bytes-read": (
        "r = httpx.Request('POST', 'http://e/', files={'f': b'abc'},"
        " headers={'Content-Type': 'multipart/form-data; boundary=B'})\n"
        "result = r.content"
    ),
    "content-length-file": (
        "r = httpx.Request('POST', 'http://e/', files={'f': named('a.txt', b'x' * 1000)},"
        " headers={'Content-Type': 'multipart/form-data; boundary=B'})\n"
        "result = (r.headers.get('content-length'), r.headers.get('transfer-encoding'),"
        " len(r.read()))\nOPENED.pop().close()"
    ),
    "content-length-unseekable": (
        "class R:\n    def __init__(self): self.b = io.BytesIO(b'abc')\n"
        "    def read(self, n=-1): return self.b.read(n)\n"
        "r = httpx.Request('POST', 'http://e/', files={'f': R()},"
        " headers={'Content-Type': 'multipart/form-data; boundary=B'})\n"
        "result = (sorted(r.headers.items()), r.read())"
    ),
    "async-read": (
        "import asyncio\n"
        "r = httpx.Request('POST', 'http://e/', files={'f': io.BytesIO(b'abc')},"
        " data={'a': '1'}, headers={'Content-Type': 'multipart/form-data; boundary=B'})\n"
        "result = asyncio.run(r.aread())"
    ),
    "large-file": (
        "data = bytes(range(256)) * 1000\n"
        "r = httpx.Request('POST', 'http://e/', files={'f': io.BytesIO(data)},"
        " headers={'Content-Type': 'multipart/form-data; boundary=B'})\n"
        "chunks = list(r.stream)\nbody = b''.join(chunks)\n"
        "result = (len(body), body.count(data), r.headers['content-length'])"
    ),
    # Through a client, to a MockTransport that reports what it got.
    "client-post": (
        "def handler(request):\n"
        "    return httpx.Response(200, json={'ct': request.headers['content-type'],"
        " 'len': request.headers.get('content-length'), 'body': request.content.decode()})\n"
        "with httpx.Client(transport=httpx.MockTransport(handler)) as c:\n"
        "    result = c.post('http://e/', data={'a': 'b'}, files={'f': ('f.txt', b'x')},"
        " headers={'Content-Type': 'multipart/form-data; boundary=CB'}).json()"
    ),
    "client-files-only-content-type": (
        "def handler(request):\n"
        "    return httpx.Response(200, text=request.headers['content-type'].split(';')[0])\n"
        "with httpx.Client(transport=httpx.MockTransport(handler)) as c:\n"
        "    result = c.post('http://e/', files={'f': b'x'}).text"
    ),
    "data-with-content": "result = mp(data={'a': 'b'}, files={'f': b'x'})",
    "request-content-and-files": (
        "r = httpx.Request('POST', 'http://e/', content=b'raw', files={'f': b'x'})\n"
        "result = (sorted(r.headers.items()), r.read())"
    ),
    "request-json-and-files": (
        "r = httpx.Request('POST', 'http://e/', json={'a': 1}, files={'f': b'x'},"
        " headers={'Content-Type': 'multipart/form-data; boundary=B'})\n"
        "result = (sorted(r.headers.items()), r.read())"
    ),
    "boundary-parse": (
        "def f(ct):\n"
        "    r = httpx.Request('POST', 'http://e/', files={'f': b'x'},"
        " headers={'Content-Type': ct})\n"
        "    line = r.read().split(b'\\r\\n')[0]\n"
        "    return b'<RANDOM>' if re.fullmatch(b'--[0-9a-f]{32}', line) else line\n"
        "result = [f(ct) for ct in ['multipart/form-data; boundary=\"q b\"',"
        " 'multipart/form-data; boundary=abc; charset=x', 'multipart/form-data;boundary=abc',"
        " 'multipart/form-data; xboundary=abc', 'multipart/form-data; boundary=\"abc',"
        " 'multipart/form-data; boundary=a\"b', 'multipart/form-data; boundary=\"\"',"
        " 'multipart/form-data; boundary=a b c', 'multipart/form-data; boundary=abc,def',"
        " 'multipart/form-datax; boundary=abc', 'multipart/form-data; boundary=abc;boundary=d',"
        " \"multipart/form-data; boundary='abc'\", 'multipart/form-data; a=b; Boundary=c']]"
    ),
    "boundary-parse-random": (
        "def f(ct):\n"
        "    r = httpx.Request('POST', 'http://e/', files={'f': b'x'},"
        " headers={'Content-Type': ct})\n"
        "    return len(r.read().split(b'\\r\\n')[0])\n"
        "result = [f(ct) for ct in ['Multipart/Form-Data; boundary=abc',"
        " 'multipart/form-data; boundary = abc', 'multipart/form-data;',"
        " 'multipart/form-data boundary=abc', 'multipart/form-data; boundary']]"
    ),
    "multipartstream-quoting": (
        "from httpx._multipart import MultipartStream\n"
        "s = MultipartStream(data={}, files={'f': b'x'}, boundary=b'q b')\n"
        "result = (s.get_headers(), s.content_type, s.boundary, b''.join(s))"
    ),
    "multipartstream-crlf-boundary": (
        "from httpx._multipart import MultipartStream\n"
        "s = MultipartStream(data={}, files={'f': b'x'}, boundary=b'a\\r\\nb')\n"
        "result = (s.get_headers(), b''.join(s))"
    ),
    "multipartstream-random": (
        "from httpx._multipart import MultipartStream\n"
        "s = MultipartStream(data={}, files={'f': b'x'})\n"
        "result = (type(s.boundary), len(s.boundary), s.get_headers()['Content-Length'])"
    ),
    "file-object-with-read-only": (
        "class F:\n    name = 'f.txt'\n    def read(self, n=-1): return b''\n"
        "result = mp(files={'f': F()})"
    ),
    "file-object-bytearray-chunks": (
        "class F:\n    def __init__(self): self.n = 0\n"
        "    def read(self, n=-1):\n        self.n += 1\n"
        "        return [b'abc', bytearray(b'de'), b''][self.n - 1]\n"
        "result = mp(files={'f': F()})"
    ),
    "file-headers-override-ct": (
        "result = mp(files={'f': ('a', b'x', 'ct', {'X': 'y', 'Content-Type': 'z'})})"
    ),
    "file-headers-lower-ct": (
        "result = mp(files={'f': ('a.txt', b'x', 'ct', {'X': 'y', 'content-type': 'z'})})"
    ),
    "file-content-int-build-only": "r = httpx.Request('POST', 'http://e/', files={'f': ('a', 1)})",
    "data-bad-name-and-value": "result = mp(data={1: object()}, files={'f': b'x'})",
    "data-bad-value-then-bad-file": "result = mp(data={'a': object()}, files={'f': None})",
    "file-bad-filename-and-stringio": ("result = mp(files={'f': (1, io.StringIO('x'))})"),
    "file-bad-ct-and-stringio": ("result = mp(files={'f': ('a', io.StringIO('x'), 1)})"),
    "file-stringio-no-name": "result = mp(files={'f': ('a', io.StringIO('x'), None, {})})",
    "multipartstream-direct": (
        "from httpx._multipart import MultipartStream\n"
        "s = MultipartStream(data={'a': '1'}, files={'f': b'x'}, boundary=b'DIRECT')\n"
        "result = (s.get_headers(), b''.join(s))"
    ),
    "multipartstream-content-length": (
        "from httpx._multipart import MultipartStream\n"
        "s = MultipartStream(data={'a': ['1', '2']}, files=[('f', ('x.txt', b'xyz'))],"
        " boundary=b'B')\nresult = (s.get_content_length(), len(b''.join(s)))"
    ),
}
for _name, _code in _MORE.items():
    _add(_name, _code)


# --- generated ----------------------------------------------------------------------------

_GEN_KEYS = ["a", "b", "name", "caf\u00e9", 'q"', "b\\s", "n\nl", "sp ace", "", "x;y", "%"]
_GEN_SCALARS = [
    "'v'",
    "''",
    "b'raw'",
    "1",
    "0",
    "2.5",
    "True",
    "False",
    "None",
    "'\u00fc'",
    "b'\\xff'",
]
_GEN_BAD_SCALARS = ["object()", "{'d': 1}", "bytearray(b'x')", "[[1]]"]
_GEN_FILENAMES = [f for f in _FILENAMES if f not in ("b'bytes.txt'", "1")]
_GEN_CONTENTS = ["b'data'", "b''", "'text content'", "io.BytesIO(b'bytesio')", "io.BytesIO(b'')"]
_GEN_BAD = [
    "bytearray(b'arr')",
    "memoryview(b'mem')",
    "(1,)",
    "('a', b'x', 'ct', None)",
    "(b'bytes.txt', b'x')",
    "(1, b'x')",
    "('a', b'x', b'ct')",
    "('a', io.StringIO('s'))",
    "None",
]


def _gen_value(rng: random.Random) -> str:
    if rng.random() < 0.03:
        return rng.choice(_GEN_BAD_SCALARS)
    if rng.random() < 0.25:
        items = [rng.choice(_GEN_SCALARS) for _ in range(rng.randint(0, 3))]
        return "[" + ", ".join(items) + "]"
    return rng.choice(_GEN_SCALARS)


def _gen_file(rng: random.Random) -> str:
    if rng.random() < 0.04:
        return rng.choice(_GEN_BAD)
    content = rng.choice(_GEN_CONTENTS + ["b'z' * 70000"])
    form = rng.randint(0, 3)
    if form == 0:
        return content
    filename = rng.choice(_GEN_FILENAMES)
    if form == 1:
        return f"({filename}, {content})"
    content_type = rng.choice(_CONTENT_TYPES[:5])
    if form == 2:
        return f"({filename}, {content}, {content_type})"
    headers = rng.choice(_HEADERS[:5])
    return f"({filename}, {content}, {content_type}, {headers})"


def generate(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(f"client-mp-{seed}")
    cases = []
    for index in range(count):
        data = {repr(rng.choice(_GEN_KEYS)): _gen_value(rng) for _ in range(rng.randint(0, 3))}
        data_code = "{" + ", ".join(f"{k}: {v}" for k, v in data.items()) + "}"
        files = [(repr(rng.choice(_GEN_KEYS)), _gen_file(rng)) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.5:
            files_code = "[" + ", ".join(f"({k}, {v})" for k, v in files) + "]"
        else:
            files_code = "{" + ", ".join(f"{k}: {v}" for k, v in files) + "}"
        if rng.random() < 0.1:
            code = (
                f"r = httpx.Request('POST', 'http://e/', data={data_code}, files={files_code})\n"
                "ct = r.headers.get('content-type', '')\n"
                "b = ct.partition('boundary=')[2]\n"
                "body = r.read()\n"
                "result = (len(body), r.headers.get('content-length'),"
                " body.replace(b.encode(), b'<B>') if b else body)"
            )
        else:
            boundary = rng.choice(["BOUNDARY", "b0und4ry", "---x", "a" * 70])
            code = f"result = mp(data={data_code}, files={files_code}, boundary={boundary!r})"
        cases.append((f"client-mp-gen-{seed}-{index}", _case(code)))
    return cases


_HEADER_INJECTION = (
    "compatibility.md#cr-or-lf-in-a-multipart-header: a part's content type or header "
    "holding CR or LF raises ValueError (httpx writes it out, injecting part headers)"
)

_DATA_NOT_MAPPING = (
    "compatibility.md#data-that-is-not-a-mapping-with-files: data= that is not a mapping "
    "alongside files= raises TypeError (httpx sends data as the raw body and silently drops "
    "the files)"
)

EXPECTED: dict[str, str] = {
    "client-mp-content-type-5": _HEADER_INJECTION,
    "client-mp-file-headers-9": _HEADER_INJECTION,
    "client-mp-file-headers-noct-9": _HEADER_INJECTION,
    "client-mp-file-content-int-build-only": (
        "compatibility.md#invalid-multipart-input: a file given as an int raises TypeError "
        "when the request is built (httpx builds it and fails with AttributeError when the "
        "body is read)"
    ),
    "client-mp-data-list-pairs": _DATA_NOT_MAPPING,
    "client-mp-data-str": _DATA_NOT_MAPPING,
    "client-mp-data-bytes": _DATA_NOT_MAPPING,
    "client-mp-boundary-unicode": (
        "compatibility.md#boundaries-that-are-not-tokens: a non-ASCII boundary in the "
        "Content-Type raises ValueError, which UnicodeEncodeError (httpx's, from encoding "
        "the header) is a subclass of; see also compatibility.md#non-ascii-header-values"
    ),
    "client-mp-multipartstream-quoting": (
        "compatibility.md#boundaries-that-are-not-tokens: MultipartStream.content_type "
        "quotes a boundary that is not a token (RFC 2046 section 5.1.1)"
    ),
    "client-mp-multipartstream-crlf-boundary": (
        "compatibility.md#cr-or-lf-in-a-multipart-header: a boundary holding CR or LF "
        "raises ValueError (it would break the body's framing)"
    ),
}

# Python's own messages, which httpx lets through for some invalid multipart input.
_INTERNAL_ERROR = re.compile(
    r"object has no attribute|values to unpack|cannot use a string pattern|"
    r"expected string or bytes-like object|is not iterable|a bytes-like object is required|"
    r"expected str, bytes or os.PathLike object|cannot unpack non-iterable"
)
_CLEAR_INPUT_ERROR = (
    "compatibility.md#invalid-multipart-input: invalid input raises the same class as in "
    "httpx (TypeError where httpx fails with an AttributeError) with a message naming the "
    "field, where httpx lets an internal Python error through"
)


def classify(
    case_id: str, code: str, ours: dict[str, Any], reference: dict[str, Any]
) -> str | None:
    if not case_id.startswith("client-mp-"):
        return None
    raised, ours_raised = reference.get("raised"), ours.get("raised")
    if raised is None or ours_raised is None:
        return None
    message = reference.get("message", "")
    if _INTERNAL_ERROR.search(message):
        expected_class = "TypeError" if raised == "AttributeError" else raised
        if (
            ours_raised == expected_class
            and "multipart" in ours.get("message", "")
            or (ours_raised == expected_class and "'files'" in ours.get("message", ""))
        ):
            return _CLEAR_INPUT_ERROR
    return None
