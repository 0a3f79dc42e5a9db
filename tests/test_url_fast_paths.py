"""The per-request URL fast paths give exactly what the general parser gives.

`_urlparse` takes shortcuts for the URLs of every request: a parse cache for everyday
URLs, replacing only the query (`params=`), and joining a relative URL onto a client's
`base_url`. Each must agree with the general path, component by component, including
where the general path raises.
"""

from __future__ import annotations

import pytest

import httpx
from httpx import _urlparse
from httpx._urlparse import ParseResult, urlparse

BASES = [
    "https://example.com",
    "https://example.com/",
    "https://example.com/api",
    "https://example.com/api/v1/",
    "http://127.0.0.1:8080/prefix/",
    "HTTPS://example.com:443/",  # a default port kept by a capitalised scheme
    "https://EXAMPLE.com:8443/a%20b/",
    "https://a^b.example/x/",  # its escape is lower-cased when parsed again: a%5Eb, a%5eb
    "https://user:p%40ss@example.com/base/",
    "https://[::1]:8000/v6/",
    "https://[fe80::1%25eth0]/zone/",
    "https://example.com/api?key=1",
    "https://example.com/api#frag",
    "https://xn--mller-kva.de/x/",
    "https://müller.de/x/",
    "http://example.com/a/./b/",
    "https://example.com/%2e%2e/",
]

REFERENCES = [
    "",
    "/",
    "users",
    "/users/1",
    "users/1?active=true&x=%20y",
    "?only=query",
    "?",
    "/a b/ü",
    "./a",
    "../up",
    "/a/../b",
    "a/.",
    "/a/..",
    "#frag",
    "/x#",
    "/x#y",
    "%2e%2e/x",
    "mailto:someone",
    ":colon",
]


def _general_join(base: httpx.URL, reference: httpx.URL) -> httpx.URL:
    """The client's join without the fast path: set the joined raw_path, parse again."""
    merge_raw_path = base.raw_path + reference.raw_path.lstrip(b"/")
    if reference.fragment:
        return base.copy_with(raw_path=merge_raw_path, fragment=reference.fragment)
    return base.copy_with(raw_path=merge_raw_path)


def _outcome(make: object) -> tuple[str, ...]:
    try:
        url = make()  # type: ignore[operator]
    except httpx.InvalidURL as exc:
        return ("InvalidURL", str(exc))
    return ("ok", str(url), *map(str, url._uri_reference))


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("reference", REFERENCES)
def test_joining_onto_base_url_matches_the_general_path(base: str, reference: str) -> None:
    client = httpx.Client(base_url=base)
    ref = httpx.URL(reference)
    if not ref.is_relative_url:
        return
    assert _outcome(lambda: client._merge_url(reference)) == _outcome(
        lambda: _general_join(client.base_url, ref)
    )


QUERIES = [None, "", "a=1", "a=1&b=%20", "q=a b", "x=ü", "a=#", "a=\x00", "a" * 70000]


@pytest.mark.parametrize("url", [*BASES, *REFERENCES, "HTTP://a:80", "https://a:0443/"])
@pytest.mark.parametrize("query", QUERIES)
def test_replacing_the_query_matches_the_general_path(url: str, query: str | None) -> None:
    parsed = urlparse(url)

    def general() -> ParseResult:
        return urlparse(
            "",
            scheme=parsed.scheme,
            authority=parsed.authority,
            path=parsed.path,
            query=query,
            fragment=parsed.fragment,
        )

    assert _outcome(lambda: httpx.URL._from_parsed(parsed.copy_with(query=query))) == _outcome(
        lambda: httpx.URL._from_parsed(general())
    )


def test_params_replace_the_query_as_before() -> None:
    url = httpx.URL("https://example.com/a?x=1#f")
    assert str(url.copy_with(params={"b": "2 3"})) == "https://example.com/a?b=2+3#f"
    assert str(url.copy_with(params={})) == "https://example.com/a#f"
    # A default port kept because the scheme was written in capitals goes on re-parsing.
    assert str(httpx.URL("HTTPS://a:443/").copy_with(params={"a": "1"})) == "https://a/?a=1"


def test_long_components_take_the_general_path() -> None:
    # Percent-encoding took this path past the length limit: the general path refuses to
    # parse it again, and so must the fast one.
    url = httpx.URL("https://example.com/" + " " * 30000)
    with pytest.raises(httpx.InvalidURL, match="too long"):
        url.copy_with(params={"a": "1"})
    # A joined path past the limit, likewise.
    client = httpx.Client(base_url="https://example.com/" + "a" * 60000)
    with pytest.raises(httpx.InvalidURL, match="too long"):
        client._merge_url("b" * 10000)


def test_cached_parse_is_shared_but_not_changed() -> None:
    first = httpx.URL("https://cache.example.com/a?b=1")
    second = httpx.URL("https://cache.example.com/a?b=1")
    assert first._uri_reference is second._uri_reference
    changed = first.copy_with(params={"c": "2"})
    assert str(changed) == "https://cache.example.com/a?c=2"
    assert str(httpx.URL("https://cache.example.com/a?b=1")) == "https://cache.example.com/a?b=1"


def test_long_urls_are_not_cached() -> None:
    url = "https://example.com/" + "a" * (_urlparse._CACHED_URL_LENGTH + 1)
    assert httpx.URL(url)._uri_reference is not httpx.URL(url)._uri_reference
    assert str(httpx.URL(url)) == url
