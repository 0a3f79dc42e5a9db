"""httpx.QueryParams: an immutable multi-dict of query parameters."""

from __future__ import annotations

import typing

import pytest

import httpx


def test_queryparams_from_string() -> None:
    q = httpx.QueryParams("a=123&a=456&b=789")
    assert "a" in q
    assert "A" not in q
    assert "c" not in q
    assert q["a"] == "123"
    assert q.get("a") == "123"
    assert q.get("nope", default=None) is None
    assert q.get("nope", "fallback") == "fallback"
    assert q.get_list("a") == ["123", "456"]
    assert q.get_list("nope") == []
    assert list(q.keys()) == ["a", "b"]
    assert list(q.values()) == ["123", "789"]
    assert list(q.items()) == [("a", "123"), ("b", "789")]
    assert q.multi_items() == [("a", "123"), ("a", "456"), ("b", "789")]
    assert list(q) == ["a", "b"]
    assert len(q) == 2
    assert bool(q)
    assert dict(q) == {"a": "123", "b": "789"}
    assert str(q) == "a=123&a=456&b=789"
    assert repr(q) == "QueryParams('a=123&a=456&b=789')"
    with pytest.raises(KeyError):
        q["nope"]


def test_queryparams_is_a_mapping() -> None:
    assert isinstance(httpx.QueryParams(), typing.Mapping)


@pytest.mark.parametrize(
    "source",
    [
        "a=123&a=456&b=789",
        b"a=123&a=456&b=789",
        {"a": ["123", "456"], "b": "789"},
        {"a": ("123", "456"), "b": ["789"]},
        [("a", "123"), ("a", "456"), ("b", "789")],
        (("a", "123"), ("a", "456"), ("b", "789")),
        httpx.QueryParams("a=123&a=456&b=789"),
    ],
)
def test_queryparams_sources(source: typing.Any) -> None:
    q = httpx.QueryParams(source)
    assert q.multi_items() == [("a", "123"), ("a", "456"), ("b", "789")]


def test_queryparams_from_keyword_arguments() -> None:
    assert httpx.QueryParams(a="1", b=["2", "3"]).multi_items() == [
        ("a", "1"),
        ("b", "2"),
        ("b", "3"),
    ]


def test_empty_queryparams() -> None:
    for q in (httpx.QueryParams(), httpx.QueryParams(None), httpx.QueryParams("")):
        assert not q
        assert len(q) == 0
        assert str(q) == ""
        assert q == httpx.QueryParams({})


@pytest.mark.parametrize(
    "value, expected",
    [
        (True, "a=true"),
        (False, "a=false"),
        (None, "a="),
        ("", "a="),
        (1.23, "a=1.23"),
        (123, "a=123"),
        ([1, 2], "a=1&a=2"),
        ((True, None), "a=true&a="),
    ],
)
def test_primitive_values(value: typing.Any, expected: str) -> None:
    assert str(httpx.QueryParams({"a": value})) == expected


def test_non_string_keys_are_converted() -> None:
    assert httpx.QueryParams({1: "x"}).multi_items() == [("1", "x")]
    assert httpx.QueryParams([(2, None)]).multi_items() == [("2", "")]


def test_parsing_follows_parse_qsl() -> None:
    q = httpx.QueryParams("?a=1&b=&c&d=x+y&e=%2F%20&f=%C3%A9")
    assert q.multi_items() == [
        ("?a", "1"),
        ("b", ""),
        ("c", ""),
        ("d", "x y"),
        ("e", "/ "),
        ("f", "é"),
    ]
    assert httpx.QueryParams(b"k=%C3%A9&n=\xc3\xa9")["n"] == "é"


def test_str_encodes_like_browsers() -> None:
    # Spaces become %20 (as httpx 0.28 does), and everything but unreserved is escaped.
    assert str(httpx.QueryParams("a=1 2")) == "a=1%202"
    assert str(httpx.QueryParams({"u": "with spaces"})) == "u=with%20spaces"
    assert str(httpx.QueryParams({"u": "with%20spaces"})) == "u=with%2520spaces"
    assert str(httpx.QueryParams({"u": "http://example.com?q=foo%2Fa"})) == (
        "u=http%3A%2F%2Fexample.com%3Fq%3Dfoo%252Fa"
    )
    assert str(httpx.QueryParams({"k y": "é~-._*"})) == "k%20y=%C3%A9~-._%2A"
    assert str(httpx.QueryParams({"s": "\ud800"})) == "s=%EF%BF%BD"


def test_round_trip_through_url() -> None:
    params = httpx.QueryParams({"a": "b c", "d": "e&f=g", "h": "/?#"})
    url = httpx.URL("https://example.com/", params=params)
    assert url.query == b"a=b%20c&d=e%26f%3Dg&h=%2F%3F%23"
    assert url.params == params


def test_set_add_remove_merge_return_new_params() -> None:
    q = httpx.QueryParams("a=1&a=2&b=3")
    assert q.set("a", "x").multi_items() == [("a", "x"), ("b", "3")]
    assert q.set("c", None).multi_items() == [("a", "1"), ("a", "2"), ("b", "3"), ("c", "")]
    assert q.add("a", True).multi_items() == [("a", "1"), ("a", "2"), ("a", "true"), ("b", "3")]
    assert q.add("c", 4).multi_items() == [("a", "1"), ("a", "2"), ("b", "3"), ("c", "4")]
    assert q.remove("a").multi_items() == [("b", "3")]
    assert q.remove("missing") == q
    assert q.merge({"a": "9", "c": "10"}).multi_items() == [("a", "9"), ("b", "3"), ("c", "10")]
    assert q.merge().multi_items() == q.multi_items()
    assert q.merge("b=4").multi_items() == [("a", "1"), ("a", "2"), ("b", "4")]
    # The original never changes.
    assert q.multi_items() == [("a", "1"), ("a", "2"), ("b", "3")]


def test_queryparams_are_immutable() -> None:
    q = httpx.QueryParams("a=1")
    with pytest.raises(RuntimeError, match="immutable.*merge"):
        q.update({"a": "2"})
    with pytest.raises(RuntimeError, match="immutable.*set"):
        q["a"] = "2"
    assert q["a"] == "1"


def test_equality() -> None:
    q = httpx.QueryParams("a=1&b=2")
    assert q == httpx.QueryParams("b=2&a=1")
    assert q == {"a": "1", "b": "2"}
    assert q == "b=2&a=1"
    assert q == [("a", "1"), ("b", "2")]
    assert q != httpx.QueryParams("a=1&b=2&b=3")
    assert q != httpx.QueryParams("a=1")
    assert httpx.QueryParams("a=1&a=2") != httpx.QueryParams("a=2&a=1&a=1")
    assert q != 123
    assert q != None  # noqa: E711
    assert q != [1, 2, 3]


def test_hash_is_consistent_with_equality() -> None:
    a = httpx.QueryParams("a=1&b=2")
    b = httpx.QueryParams("b=2&a=1")
    assert hash(a) == hash(b)
    assert len({a, b, httpx.QueryParams("a=2")}) == 2


def test_too_many_positional_arguments() -> None:
    with pytest.raises(TypeError, match="at most 1 positional argument"):
        httpx.QueryParams("a=1", "b=2")  # type: ignore[call-arg]


def test_positional_and_keyword_arguments_cannot_mix() -> None:
    with pytest.raises(TypeError, match="cannot mix"):
        httpx.QueryParams("a=1", b="2")


@pytest.mark.parametrize("value", [123, 1.5, object(), {"a", "b"}])
def test_unsupported_types(value: typing.Any) -> None:
    with pytest.raises(TypeError, match="QueryParams\\(\\) expects"):
        httpx.QueryParams(value)


@pytest.mark.parametrize("value", [["ab"], [("a", "1", "2")], [None]])
def test_items_must_be_pairs(value: typing.Any) -> None:
    with pytest.raises(TypeError, match="must be \\(key, value\\) pairs"):
        httpx.QueryParams(value)


def test_invalid_utf8_bytes() -> None:
    with pytest.raises(UnicodeDecodeError):
        httpx.QueryParams(b"a=\xff")
