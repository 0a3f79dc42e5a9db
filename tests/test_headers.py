import pytest

import httpx


def test_case_insensitive_multidict() -> None:
    headers = httpx.Headers([("Accept", "a"), ("accept", "b"), ("Host", "example.org")])
    assert headers["ACCEPT"] == "a, b"
    assert headers.get_list("accept") == ["a", "b"]
    assert headers.multi_items() == [("accept", "a"), ("accept", "b"), ("host", "example.org")]
    assert headers.raw == [(b"Accept", b"a"), (b"accept", b"b"), (b"Host", b"example.org")]
    assert list(headers) == ["accept", "host"]
    assert len(headers) == 3  # every field, as in httpx (the keys are distinct)
    assert dict(headers.items()) == {"accept": "a, b", "host": "example.org"}
    assert list(headers.values()) == ["a, b", "example.org"]
    assert "HOST" in headers and "missing" not in headers
    assert headers.get("missing") is None
    assert headers.get("missing", "x") == "x"


def test_inputs() -> None:
    assert httpx.Headers({"a": "1"}) == httpx.Headers([("a", "1")])
    assert httpx.Headers({b"a": b"1"}) == {"A": "1"}
    assert httpx.Headers(httpx.Headers({"a": "1"})) == [("a", "1")]
    assert httpx.Headers() == {}
    assert httpx.Headers({"a": "1"}) != httpx.Headers({"a": "2"})
    assert httpx.Headers({"a": "1"}) != "a"
    with pytest.raises(TypeError):  # as httpx: Headers(123) is not iterable
        httpx.Headers({"a": "1"}) == 123  # noqa: B015


def test_get_list_split_commas() -> None:
    headers = httpx.Headers([("vary", "a, b"), ("vary", "c")])
    assert headers.get_list("vary", split_commas=True) == ["a", "b", "c"]
    assert headers.get_list("vary") == ["a, b", "c"]


def test_setitem_replaces_all_in_place_of_first() -> None:
    headers = httpx.Headers([("a", "1"), ("b", "2"), ("A", "3")])
    headers["a"] = "9"
    assert headers.raw == [(b"a", b"9"), (b"b", b"2")]
    headers["c"] = "3"
    assert headers.raw[-1] == (b"c", b"3")


def test_delete_update_copy_setdefault() -> None:
    headers = httpx.Headers([("a", "1"), ("A", "2"), ("b", "3")])
    del headers["a"]
    assert headers.raw == [(b"b", b"3")]
    with pytest.raises(KeyError):
        del headers["a"]
    with pytest.raises(KeyError):
        headers["a"]
    headers.update({"b": "4", "c": "5"})
    assert headers.multi_items() == [("b", "4"), ("c", "5")]
    copy = headers.copy()
    copy["d"] = "6"
    assert "d" not in headers
    assert headers.setdefault("b", "x") == "4"
    assert headers.pop("c") == "5"


def test_encoding_detection_and_setter() -> None:
    assert httpx.Headers({"a": "b"}).encoding == "ascii"
    assert httpx.Headers({"a": "café"}).encoding == "utf-8"
    latin = httpx.Headers({b"a": "café".encode("latin-1")})
    assert latin.encoding == "iso-8859-1"
    assert latin["a"] == "café"
    utf8_bytes = httpx.Headers({b"a": "café".encode()})
    utf8_bytes.encoding = "iso-8859-1"
    assert utf8_bytes["a"] == "cafÃ©"


def test_repr_masks_credentials() -> None:
    headers = httpx.Headers(
        {"Authorization": "Bearer secret", "Proxy-Authorization": "x", "a": "b"}
    )
    assert "secret" not in repr(headers)
    assert repr(headers) == (
        "Headers({'authorization': '[secure]', 'proxy-authorization': '[secure]', 'a': 'b'})"
    )
    assert repr(httpx.Headers([("a", "1"), ("a", "2")])) == "Headers([('a', '1'), ('a', '2')])"


@pytest.mark.parametrize(
    "name,value",
    [
        ("X-Bad", "a\r\nInjected: yes"),
        ("X-Bad", "a\nb"),
        ("X-Bad", "a\rb"),
        ("X-Bad", "a\x00b"),
        ("X-Bad\r\n", "a"),
        ("", "a"),
    ],
)
def test_crlf_nul_rejected(name: str, value: str) -> None:
    with pytest.raises(httpx.LocalProtocolError, match="CR, LF or NUL|empty"):
        httpx.Headers({name: value})
    headers = httpx.Headers()
    with pytest.raises(httpx.LocalProtocolError):
        headers[name] = value
    with pytest.raises(httpx.LocalProtocolError, match="CR, LF or NUL"):
        httpx.Headers({b"X\nBad": b"a"})


def test_bad_types_rejected() -> None:
    # The exceptions httpx 0.28 raises for (deliberately) wrong types.
    with pytest.raises(TypeError, match="must be str or bytes"):
        httpx.Headers({"a": 1})  # type: ignore[arg-type]
    with pytest.raises(AttributeError, match="'int' object has no attribute 'encode'"):
        httpx.Headers({1: "a"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="values to unpack"):
        httpx.Headers("a: b")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="values to unpack"):
        httpx.Headers([("a", "b", "c")])  # type: ignore[arg-type]
    with pytest.raises(AttributeError, match="'bytes' object has no attribute 'encode'"):
        httpx.Headers()["a"] = b"1"  # type: ignore[assignment]


def test_values_are_kept_as_given() -> None:
    # As httpx: no stripping (h11 refuses to send leading or trailing whitespace).
    assert httpx.Headers({"a": "  b \t"})["a"] == "  b \t"


def test_unhashable() -> None:
    with pytest.raises(TypeError):
        hash(httpx.Headers())


# --- what can never be sent is refused when the header is set (RFC 9110 section 5) -------


@pytest.mark.parametrize(
    "name",
    ["X Bad", "X-Bad:", ":authority", "X(Bad)", "X\tBad", "ü", "X\ud800", b"\xc0", b"X\x7f", "@"],
)
def test_names_must_be_tokens(name: str | bytes) -> None:
    with pytest.raises(httpx.LocalProtocolError, match="token"):
        # A bytes name with a str value: outside the annotations (as httpx's, they take
        # all str or all bytes), taken at runtime.
        httpx.Headers([(name, "1")])  # type: ignore[arg-type]
    if isinstance(name, str):  # (bytes names cannot be set with [], as in httpx)
        headers = httpx.Headers()
        with pytest.raises(httpx.LocalProtocolError, match="token"):
            headers[name] = "1"


@pytest.mark.parametrize("name", ["X-Api-Key", "x_underscore", "!#$%&'*+-.^_`|~", "A1"])
def test_token_names_are_accepted(name: str) -> None:
    assert httpx.Headers({name: "1"})[name] == "1"


@pytest.mark.parametrize(
    "value", ["a\x0bb", "a\x0cb", "a\x1cb", b"a\x1eb", "a\u2028b", "a\u2029b", "a\x85b"]
)
def test_line_breaks_in_values_are_refused(value: str | bytes) -> None:
    with pytest.raises(httpx.LocalProtocolError, match="line breaks"):
        # (a str name with a bytes value: taken at runtime, not by the annotations)
        httpx.Headers({"a": value})  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["\ud800", "a\udcffb"])
def test_unencodable_values_are_refused(value: str) -> None:
    with pytest.raises(httpx.LocalProtocolError, match="cannot be encoded"):
        httpx.Headers({"a": value})


@pytest.mark.parametrize(
    "value", ["tab\tinside", "ctrl\x01kept", "caf\u00e9", b"\x80\xff", "\u00a0nbsp", "\x7f"]
)
def test_other_values_are_accepted(value: str | bytes) -> None:
    # h11 sends these (some servers rely on odd cookies with control characters), so they
    # are not refused; only what would split or end the field is. (A str name with a
    # bytes value: taken at runtime, not by the annotations.)
    assert "a" in httpx.Headers({"a": value})  # type: ignore[arg-type]


def test_lookups_of_names_that_are_not_ascii() -> None:
    # As httpx: a name is encoded with the headers' encoding to be looked up.
    headers = httpx.Headers({"a": "1"})
    with pytest.raises(UnicodeEncodeError):
        "ü" in headers  # noqa: B015
    with pytest.raises(UnicodeEncodeError):
        headers.get("ü")
    assert httpx.Headers({"a": "1"}, encoding="utf-8").get("ü") is None
