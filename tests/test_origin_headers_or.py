"""`URL.origin` (`httpx.Origin`) and `Headers | other`, `other | Headers`, `Headers |= other`."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

import httpx

# --- URL.origin --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://example.com/a?b#c", ("https", "example.com", 443)),
        ("http://example.com", ("http", "example.com", 80)),
        ("HTTP://EXAMPLE.com:80/x", ("http", "example.com", 80)),
        ("http://example.com:8080/", ("http", "example.com", 8080)),
        ("https://user:pw@example.com:443/", ("https", "example.com", 443)),
        ("ws://example.com/socket", ("ws", "example.com", 80)),
        ("wss://example.com/socket", ("wss", "example.com", 443)),
        ("ftp://example.com/file", ("ftp", "example.com", 21)),
        ("http://[::1]:8000/", ("http", "::1", 8000)),
        ("http://127.0.0.1/", ("http", "127.0.0.1", 80)),
        ("https://müller.de/", ("https", "müller.de", 443)),
        ("https://xn--mller-kva.de/", ("https", "müller.de", 443)),
        ("custom://host/path", ("custom", "host", None)),
        ("custom://host:99/path", ("custom", "host", 99)),
    ],
)
def test_url_origin(url: str, origin: tuple[str, str, int | None]) -> None:
    assert httpx.URL(url).origin == httpx.Origin(*origin)


def test_same_origin_across_spellings() -> None:
    origins = {
        httpx.URL(url).origin
        for url in [
            "https://example.com",
            "https://example.com/",
            "https://EXAMPLE.COM:443/other?x",
            "https://user@example.com/#f",
        ]
    }
    assert origins == {httpx.Origin("https", "example.com", 443)}
    different = [
        "http://example.com",  # scheme
        "https://example.com:8443",  # port
        "https://www.example.com",  # host
    ]
    for url in different:
        assert httpx.URL(url).origin != httpx.URL("https://example.com").origin, url


def test_origin_value() -> None:
    origin = httpx.URL("https://example.com/").origin
    assert repr(origin) == "Origin(scheme='https', host='example.com', port=443)"
    assert origin == httpx.Origin(scheme="https", host="example.com", port=443)
    as_tuple: object = ("https", "example.com", 443)
    assert origin != as_tuple  # an Origin, not a tuple
    assert hash(origin) == hash(httpx.Origin("https", "example.com", 443))
    assert {origin: 1}[httpx.URL("https://example.com:443").origin] == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        origin.port = 8443  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(origin)) == origin
    assert type(origin).__module__ == "httpx"


@pytest.mark.parametrize(
    ("url", "serialized"),
    [
        ("https://example.com:443/a", "https://example.com"),
        ("http://example.com:8080/a", "http://example.com:8080"),
        ("https://müller.de/", "https://xn--mller-kva.de"),
        ("http://[::1]:8000/", "http://[::1]:8000"),
    ],
)
def test_origin_serialization(url: str, serialized: str) -> None:
    # RFC 6454 section 6.2: what an Origin header holds.
    assert str(httpx.URL(url).origin) == serialized


@pytest.mark.parametrize("url", ["/relative/path", "//host-only", "file:///etc/hosts", ""])
def test_urls_without_an_origin(url: str) -> None:
    with pytest.raises(httpx.InvalidURL, match="no origin"):
        httpx.URL(url).origin  # noqa: B018


# --- Headers | other ---------------------------------------------------------------------


def test_or_returns_a_new_headers_the_right_side_winning() -> None:
    left = httpx.Headers({"Accept": "*/*", "X-Keep": "1"})
    merged = left | {"accept": "text/html", "X-New": "2"}
    assert isinstance(merged, httpx.Headers)
    assert merged.multi_items() == [("x-keep", "1"), ("accept", "text/html"), ("x-new", "2")]
    assert merged.raw == [(b"X-Keep", b"1"), (b"accept", b"text/html"), (b"X-New", b"2")]
    assert left.multi_items() == [("accept", "*/*"), ("x-keep", "1")]  # unchanged


def test_or_with_repeated_names() -> None:
    left = httpx.Headers([("Set-Cookie", "a=1"), ("Via", "1.1 a"), ("Set-Cookie", "b=2")])
    right = httpx.Headers([("set-cookie", "c=3"), ("set-cookie", "d=4")])
    # Every field of the right side for a name replaces every field of the left.
    assert (left | right).multi_items() == [
        ("via", "1.1 a"),
        ("set-cookie", "c=3"),
        ("set-cookie", "d=4"),
    ]
    # A name only on the left keeps all its fields.
    assert (right | left).get_list("via") == ["1.1 a"]
    assert (right | left).get_list("set-cookie") == ["a=1", "b=2"]


@pytest.mark.parametrize(
    "other",
    [
        {"X-B": "2"},
        [("X-B", "2")],
        (("X-B", "2"),),
        [(b"X-B", b"2")],
        httpx.Headers({"X-B": "2"}),
    ],
)
def test_or_accepts_header_types(other: object) -> None:
    merged = httpx.Headers({"X-A": "1"}) | other  # type: ignore[operator]
    assert merged == httpx.Headers({"X-A": "1", "X-B": "2"})


def test_ror_gives_headers_and_the_headers_side_wins() -> None:
    merged = {"Accept": "*/*", "X-A": "1"} | httpx.Headers({"accept": "text/html"})
    assert isinstance(merged, httpx.Headers)
    assert merged.multi_items() == [("x-a", "1"), ("accept", "text/html")]
    merged = [("X-A", "1")] | httpx.Headers({"X-B": "2"})
    assert merged == httpx.Headers({"X-A": "1", "X-B": "2"})


def test_ior_updates_in_place() -> None:
    headers = httpx.Headers({"Accept": "*/*", "X-A": "1"})
    same = headers
    headers |= {"accept": "application/json"}
    assert headers is same
    assert headers.multi_items() == [("x-a", "1"), ("accept", "application/json")]
    headers |= [("X-A", "2"), ("X-A", "3")]
    assert headers.get_list("x-a") == ["2", "3"]


def test_or_refuses_other_types_and_bad_headers() -> None:
    headers = httpx.Headers({"X-A": "1"})
    for other in (None, "X-A: 1", 3, {"X-A"}):
        with pytest.raises(TypeError):
            headers | other  # type: ignore[operator]
        with pytest.raises(TypeError):
            other | headers  # type: ignore[operator]
        with pytest.raises(TypeError):
            headers |= other  # type: ignore[arg-type]
    with pytest.raises(httpx.LocalProtocolError):
        headers | {"X-Bad": "a\r\nInjected: 1"}
    assert headers.multi_items() == [("x-a", "1")]


def test_or_keeps_the_encoding_and_masks_secrets() -> None:
    merged = httpx.Headers({"X-A": "1"}) | {"Authorization": "Bearer secret"}
    assert "secret" not in repr(merged)
    latin = httpx.Headers([(b"X-Name", "café".encode("latin-1"))], encoding="latin-1")
    assert (latin | {"X-B": "2"})["x-name"] == "café"
