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
    # Deliberately keys of the wrong type: their runtime conversion is tested.
    assert httpx.QueryParams({1: "x"}).multi_items() == [("1", "x")]  # type: ignore[dict-item]
    assert httpx.QueryParams([(2, None)]).multi_items() == [("2", "")]  # type: ignore[list-item]


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
    assert httpx.QueryParams(b"k=%C3%A9")["k"] == "é"
    with pytest.raises(UnicodeDecodeError):  # bytes must be ASCII, as in httpx
        httpx.QueryParams(b"n=\xc3\xa9")


def test_str_encodes_like_forms() -> None:
    # application/x-www-form-urlencoded, as httpx 0.28: spaces become "+".
    assert str(httpx.QueryParams("a=1 2")) == "a=1+2"
    assert str(httpx.QueryParams({"u": "with spaces"})) == "u=with+spaces"
    assert str(httpx.QueryParams({"u": "a+b"})) == "u=a%2Bb"
    assert str(httpx.QueryParams({"u": "with%20spaces"})) == "u=with%2520spaces"
    assert str(httpx.QueryParams({"u": "http://example.com?q=foo%2Fa"})) == (
        "u=http%3A%2F%2Fexample.com%3Fq%3Dfoo%252Fa"
    )
    assert str(httpx.QueryParams({"k y": "é~-._*"})) == "k+y=%C3%A9~-._%2A"
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate, as in httpx
        str(httpx.QueryParams({"s": "\ud800"}))


def test_round_trip_through_url() -> None:
    params = httpx.QueryParams({"a": "b c", "d": "e&f=g", "h": "/?#"})
    url = httpx.URL("https://example.com/", params=params)
    assert url.query == b"a=b+c&d=e%26f%3Dg&h=%2F%3F%23"
    assert url.params == params


def test_a_key_with_no_values() -> None:
    # As httpx: the key is kept (merging it removes the key's values) but adds nothing
    # to the query string. httpx 0.28 then fails on values(), items(), get() and []
    # (IndexError); we skip the key there (docs/compatibility.md).
    q = httpx.QueryParams({"a": [], "b": "1"})
    assert list(q) == ["a", "b"] and "a" in q and len(q) == 2
    assert str(q) == "b=1"
    assert list(q.items()) == [("b", "1")] and list(q.values()) == ["1"]
    assert q.get("a") is None and q.get_list("a") == []
    with pytest.raises(KeyError):
        q["a"]
    assert httpx.QueryParams("a=1&a=2").merge({"a": []}).multi_items() == []


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
    assert q != httpx.QueryParams("a=1&b=2&b=3")
    assert q != httpx.QueryParams("a=1")
    assert httpx.QueryParams("a=1&a=2") != httpx.QueryParams("a=2&a=1&a=1")
    # As httpx: only QueryParams compare equal to QueryParams.
    assert q != {"a": "1", "b": "2"}
    assert q != "a=1&b=2"
    assert q != [("a", "1"), ("b", "2")]
    assert q != 123
    assert q != None  # noqa: E711


def test_hash_is_the_hash_of_the_query_string() -> None:
    a = httpx.QueryParams("a=1&b=2")
    assert hash(a) == hash("a=1&b=2")
    assert hash(a) == hash(httpx.QueryParams({"a": "1", "b": "2"}))


def test_too_many_positional_arguments() -> None:
    with pytest.raises(AssertionError, match="Too many arguments."):
        httpx.QueryParams("a=1", "b=2")


def test_positional_and_keyword_arguments_cannot_mix() -> None:
    with pytest.raises(AssertionError, match="Cannot mix named and unnamed arguments."):
        httpx.QueryParams("a=1", b="2")


@pytest.mark.parametrize("value", [123, 1.5, object(), {"a", "b"}])
def test_unsupported_types(value: typing.Any) -> None:
    # As httpx: anything but a str, bytes, list, tuple or QueryParams is a mapping.
    with pytest.raises(AttributeError, match="has no attribute 'items'"):
        httpx.QueryParams(value)


def test_items_are_indexed_as_pairs() -> None:
    # As httpx: each item's [0] and [1] are its key and value. Deliberately items that are
    # not (key, value) pairs: what the runtime makes of them is tested.
    assert httpx.QueryParams([("a", "1", "2")]).multi_items() == [  # type: ignore[list-item]
        ("a", "1")
    ]
    assert httpx.QueryParams(["ab"]).multi_items() == [("a", "b")]  # type: ignore[list-item]
    with pytest.raises(IndexError):
        httpx.QueryParams([("a",)])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        httpx.QueryParams([None])  # type: ignore[list-item]


def test_invalid_utf8_bytes() -> None:
    with pytest.raises(UnicodeDecodeError):
        httpx.QueryParams(b"a=\xff")
