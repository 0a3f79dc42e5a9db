"""Property-based tests: building URLs, params, headers, cookies and requests from any
input raises only the documented exceptions, and what is accepted behaves.

Hypothesis runs derandomized (the same examples on every run) with bounded example counts,
so this file takes a few seconds and never flakes.
"""

from __future__ import annotations

import contextlib
import socket
import typing

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import httpx
from tests.harness import run

# What bad input may raise: nothing else (no KeyError, IndexError, idna.IDNAError that is
# not a UnicodeError, AttributeError, ...). UnicodeError is a ValueError already.
ALLOWED = (httpx.InvalidURL, TypeError, ValueError, httpx.LocalProtocolError)

PROPERTY_SETTINGS = settings(
    derandomize=True,
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Any code point, lone surrogates included (st.text() leaves them out by default).
any_char = st.characters(exclude_categories=())
# Characters that mean something in URLs and headers, and some that must be refused.
tricky_chars = st.sampled_from(
    list(":/?#[]@!$&'()*+,;=%-._~ \t\r\n\x00\x01\x7f\\\"<>^`{|}")
    + ["ü", "€", "ß", "İ", "\u2028", "\u2029", "\x85", "\ufffd", "\ud800", "\udcff"]
    + ["\u00ad", "\u200d", "\uff0e", "\u3002", "xn--", "%", "%2e", "%zz", "%00", "%c3%bc"]
    + ["1", "0x7f", "255", "256", "::", "[::1]", "127.0.0.1", "example.com", "a"]
)
tricky_text = st.lists(tricky_chars | any_char, max_size=24).map("".join)
text = tricky_text | st.text(any_char, max_size=24)
schemes = st.sampled_from(["http", "https", "HTTP", "ws", "file", "ftp", "mailto", "x+y", ""])
hosts = (
    st.sampled_from(
        [
            "example.com",
            "EXAMPLE.com",
            "127.0.0.1",
            "[::1]",
            "::1",
            "bücher.de",
            "xn--bcher-kva.de",
        ]
        + ["xn--", "xn--a", "a..b", "localhost", "0x7f.1", "1.2.3.4.5", "[v1.x]", "", "a b"]
        + ["\u00ad", "ex\u2028ample.com", "\ud800.com", "münchen.de.", "_srv.example.com"]
    )
    | text
)
ports = st.sampled_from(["", ":", ":0", ":80", ":443", ":65535", ":65536", ":-1", ":1e3"]) | (
    text.map(lambda value: ":" + value)
)
url_strings = (
    st.builds(
        lambda scheme, host, port, path: f"{scheme}://{host}{port}{path}",
        schemes,
        hosts,
        ports,
        text,
    )
    | text
)
header_names = st.sampled_from(["Accept", "X-Api-Key", "a", "", "A B", "x:y", "ü", "\ud800"]) | (
    text
)
header_values = st.sampled_from(["", "  padded  ", "a\r\nb", "\u2028", "\ud800", "é"]) | text
str_or_bytes = st.one_of(text, text.map(lambda value: value.encode("utf-8", "surrogatepass")))


def allowed_only(
    action: typing.Callable[[], typing.Any],
    allowed: tuple[type[BaseException], ...] = ALLOWED,
) -> typing.Any:
    """Run `action`; return its result, or None if it raised one of the `allowed` errors."""
    try:
        return action()
    except allowed:
        return None


def exercise_url(url: httpx.URL) -> None:
    """Every view of an accepted URL works, and its text reads back as the same URL."""
    for attribute in (
        "scheme",
        "raw_scheme",
        "userinfo",
        "username",
        "password",
        "host",
        "raw_host",
        "port",
        "netloc",
        "path",
        "query",
        "params",
        "raw_path",
        "fragment",
        "is_absolute_url",
        "is_relative_url",
    ):
        getattr(url, attribute)
    repr(url)
    hash(url)
    assert httpx.URL(str(url)) == url
    assert str(httpx.URL(str(url))) == str(url)


@PROPERTY_SETTINGS
@given(url_strings)
def test_url_parsing(value: str) -> None:
    # Stricter than ALLOWED: a bad URL string is always an InvalidURL (IDNA errors too).
    url = allowed_only(lambda: httpx.URL(value), (httpx.InvalidURL,))
    if url is not None:
        exercise_url(url)


@PROPERTY_SETTINGS
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "scheme": schemes | text,
            "host": hosts,
            "port": st.integers(-1, 70000) | st.none(),
            "path": text,
            "query": str_or_bytes.map(lambda value: value if isinstance(value, bytes) else None),
            "fragment": text,
            "username": text,
            "password": text,
            "params": st.dictionaries(text, text, max_size=3),
        },
    )
)
def test_url_components(components: dict[str, typing.Any]) -> None:
    # Our strategies give each component its right type: only InvalidURL is expected.
    url = allowed_only(lambda: httpx.URL(**components), (httpx.InvalidURL,))
    if url is not None:
        exercise_url(url)
        copy = allowed_only(lambda: url.copy_with(**components), (httpx.InvalidURL,))
        if copy is not None:
            exercise_url(copy)


@PROPERTY_SETTINGS
@given(st.sampled_from(["https://example.com/a/b?q=1#f", "http://[::1]:8080", "file:///x"]), text)
def test_url_join(base: str, reference: str) -> None:
    joined = allowed_only(lambda: httpx.URL(base).join(reference), (httpx.InvalidURL,))
    if joined is not None:
        exercise_url(joined)


@PROPERTY_SETTINGS
@given(
    st.one_of(
        str_or_bytes,
        st.dictionaries(text, text | st.integers() | st.none() | st.lists(text, max_size=2)),
        st.lists(st.tuples(text, text | st.floats() | st.booleans()), max_size=4),
    )
)
def test_query_params(value: typing.Any) -> None:
    params = allowed_only(lambda: httpx.QueryParams(value))
    if params is None:
        return
    # A lone surrogate cannot be encoded: UnicodeEncodeError (a ValueError), as in httpx.
    rendered = allowed_only(lambda: str(params))
    if rendered is None:
        return
    assert httpx.QueryParams(rendered) == httpx.QueryParams(rendered)
    # A key given an empty list is kept with no values (as in httpx); reading it works.
    for key in params:
        assert params.get_list(key) == [] or params[key] == params.get_list(key)[0]
    params.items()
    params.values()
    url = allowed_only(lambda: httpx.URL("https://example.com/", params=params))
    if url is not None:
        exercise_url(url)


@PROPERTY_SETTINGS
@given(
    st.lists(
        st.tuples(
            header_names | header_names.map(lambda name: name.encode("utf-8", "surrogatepass")),
            header_values | st.binary(max_size=12),
        ),
        max_size=4,
    )
)
def test_headers(pairs: list[tuple[str | bytes, str | bytes]]) -> None:
    # Deliberately str and bytes mixed (outside the annotations, which take all str or
    # all bytes).
    headers = allowed_only(lambda: httpx.Headers(pairs))  # type: ignore[arg-type]
    if headers is None:
        return
    # The mapping is consistent with itself: every name it lists can be looked up.
    for name in headers:
        assert name in headers
        headers[name]
        headers.get_list(name)
    headers.items()
    headers.multi_items()
    headers.raw
    repr(headers)
    assert httpx.Headers(headers.raw) == headers


@PROPERTY_SETTINGS
@given(header_names, header_values)
def test_header_assignment(name: str, value: str) -> None:
    headers = httpx.Headers({"a": "1"})
    allowed_only(lambda: headers.__setitem__(name, value))
    allowed_only(lambda: headers.update({name: value}))
    # A name that is not ASCII cannot be looked up: UnicodeEncodeError, as in httpx.
    assert allowed_only(lambda: name in headers) in (True, False, None)
    allowed_only(lambda: headers.get(name))


@PROPERTY_SETTINGS
@given(text, text)
def test_cookies_set(name: str, value: str) -> None:
    cookies = httpx.Cookies()

    def set_cookie() -> bool:
        cookies.set(name, value)
        return True

    if allowed_only(set_cookie) is None:
        return
    # A cookie that was accepted can be sent.
    request = httpx.Request("GET", "https://example.com/", cookies=cookies)
    assert "cookie" in request.headers
    assert cookies[name] == value


@PROPERTY_SETTINGS
@given(
    st.sampled_from(["GET", "post", "M-SEARCH", "", "GET /", "G\u00c9T", b"PUT", b"\xff"]) | text,
    url_strings,
    st.lists(st.tuples(header_names, header_values), max_size=3),
    st.dictionaries(text, text, max_size=2),
    st.dictionaries(text, text, max_size=2),
)
def test_request_construction(
    method: str | bytes,
    url: str,
    headers: list[tuple[str, str]],
    params: dict[str, str],
    cookies: dict[str, str],
) -> None:
    # Deliberately bytes methods too (outside the annotations, which take a str).
    request = allowed_only(
        lambda: httpx.Request(method, url, headers=headers, params=params, cookies=cookies)  # type: ignore[arg-type]
    )
    if request is not None:
        repr(request)
        exercise_url(request.url)
        request.headers.raw


@pytest.mark.parametrize(
    "build",
    [
        lambda: httpx.Headers([(b"\xc0", "")]),  # type: ignore[arg-type]  # (bytes and str mixed)
        lambda: httpx.Headers({"a": "line\u2028separator"}),
        lambda: httpx.Headers({"a": "lone \ud800 surrogate"}),
        lambda: httpx.Request("GET", "https://example.com/", headers={"a": "\ud800"}),
        lambda: httpx.Request("GET / HTTP/1.1", "https://example.com/"),
    ],
)
def test_known_bad_headers_and_methods(build: typing.Callable[[], typing.Any]) -> None:
    with pytest.raises(httpx.LocalProtocolError):
        build()


# (httpx 0.28 accepts "exa mple.com", "xn--" and "xn--a.com" as hosts, and so do we.)
@pytest.mark.parametrize(
    "url",
    ["http://a\u00ad\u200d.com/", "http://\u2603.net/", "http://1.2.3.256/", "http://[::1/"],
)
def test_known_bad_hosts(url: str) -> None:
    with pytest.raises(httpx.InvalidURL):
        httpx.URL(url)


# --- rejected while the request is built, before any connection --------------------------


@pytest.fixture
def listener() -> typing.Iterator[socket.socket]:
    """A listening socket nobody answers on: any connection attempt shows in its backlog."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    yield sock
    sock.close()


def connections_seen(sock: socket.socket) -> int:
    seen = 0
    while True:
        try:
            connection, _ = sock.accept()
        except BlockingIOError:
            return seen
        connection.close()
        seen += 1


BAD_REQUESTS: list[tuple[str, dict[str, typing.Any], type[Exception]]] = [
    ("GET", {"headers": {"X Bad Name": "1"}}, httpx.LocalProtocolError),
    ("GET", {"headers": {"X-Name:": "1"}}, httpx.LocalProtocolError),
    ("GET", {"headers": {"X-Value": "a\r\nInjected: 1"}}, httpx.LocalProtocolError),
    ("GET", {"headers": {"X-Value": "a\x0bb"}}, httpx.LocalProtocolError),
    ("GET", {"headers": {"X-Value": "line\u2028separator"}}, httpx.LocalProtocolError),
    ("GET", {"headers": {"X-Value": "\udcff"}}, httpx.LocalProtocolError),
    ("GET", {"headers": [(b"\xc0", b"")]}, httpx.LocalProtocolError),
    ("GET /admin", {}, httpx.LocalProtocolError),
    ("GET\r\nX: 1", {}, httpx.LocalProtocolError),
    ("", {}, httpx.LocalProtocolError),
    ("GET", {"cookies": {"session": "a;admin=1"}}, ValueError),
    ("GET", {"cookies": {"session": "a\x01b"}}, ValueError),
    ("GET", {"cookies": {"bad name": "1"}}, ValueError),
    ("GET", {"params": {"q": "\ud800"}}, httpx.InvalidURL),  # a lone surrogate
]


@pytest.mark.parametrize("method,options,error", BAD_REQUESTS)
def test_rejected_before_connecting(
    mode: str,
    listener: socket.socket,
    method: str,
    options: dict[str, typing.Any],
    error: type[Exception] | None,
) -> None:
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/"

    async def scenario(client: typing.Any) -> None:
        if error is None:
            # The control case: a valid request does reach the listener (and times out,
            # as nobody answers), so a connection would have been seen.
            with pytest.raises(httpx.ReadTimeout):
                await client.request(method, url, timeout=0.2, **options)
            assert connections_seen(listener) == 1
            return
        # (Per-request cookies also get httpx's DeprecationWarning, from request() only.)
        warns = (
            pytest.warns(DeprecationWarning, match="per-request cookies")
            if "cookies" in options
            else contextlib.nullcontext()
        )
        with pytest.raises(error), warns:
            await client.request(method, url, **options)
        with pytest.raises(error):
            client.build_request(method, url, **options)
        with pytest.raises(error):
            httpx.Request(method, url, **options)

    run(mode, scenario)
    assert connections_seen(listener) == 0
