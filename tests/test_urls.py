"""httpx.URL: parsing, normalisation, component views, copies, joins and bad input."""

from __future__ import annotations

import json
import pickle
import re
import typing
from pathlib import Path

import pytest

import httpx
from httpx import _urlparse

# --- components ------------------------------------------------------------------------


def test_url_components() -> None:
    url = httpx.URL(
        "HTTPS://jo%40email.com:a%20secret@müller.de:1234/pa%20th?search=ab#anchorlink"
    )
    assert url.scheme == "https"
    assert url.raw_scheme == b"https"
    assert url.userinfo == b"jo%40email.com:a%20secret"
    assert url.username == "jo@email.com"
    assert url.password == "a secret"
    assert url.host == "müller.de"
    assert url.raw_host == b"xn--mller-kva.de"
    assert url.port == 1234
    assert url.netloc == b"xn--mller-kva.de:1234"
    assert url.path == "/pa th"
    assert url.query == b"search=ab"
    assert url.raw_path == b"/pa%20th?search=ab"
    assert url.fragment == "anchorlink"
    assert url.params == httpx.QueryParams({"search": "ab"})
    assert url.raw == (b"https", b"xn--mller-kva.de", 1234, b"/pa%20th?search=ab")
    assert str(url) == (
        "https://jo%40email.com:a%20secret@xn--mller-kva.de:1234/pa%20th?search=ab#anchorlink"
    )


def test_uri_reference_exposes_parsed_components() -> None:
    ref = httpx.URL("https://user:pw@Example.com:8443/a/b?x=1#frag")._uri_reference
    assert (ref.scheme, ref.userinfo, ref.host, ref.port) == (
        "https",
        "user:pw",
        "example.com",
        8443,
    )
    assert (ref.path, ref.query, ref.fragment) == ("/a/b", "x=1", "frag")
    assert ref.netloc == "example.com:8443"
    assert ref.authority == "user:pw@example.com:8443"
    assert tuple(ref) == ("https", "user:pw", "example.com", 8443, "/a/b", "x=1", "frag")
    bare = httpx.URL("/path")._uri_reference
    assert (bare.scheme, bare.host, bare.port, bare.query, bare.fragment) == (
        "",
        "",
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    "url, port",
    [
        ("http://example.com:80/", None),
        ("https://example.com:443/", None),
        ("ws://example.com:80/", None),
        ("wss://example.com:443/", None),
        ("ftp://example.com:21/", None),
        ("http://example.com:443/", 443),
        ("https://example.com:80/", 80),
        ("http://example.com:0080/", None),
        ("http://example.com:8080/", 8080),
        ("http://example.com:0/", 0),
        ("http://example.com:/", None),
        ("socks5://example.com:1080", 1080),
    ],
)
def test_default_ports_are_dropped(url: str, port: int | None) -> None:
    parsed = httpx.URL(url)
    assert parsed.port == port
    expected_netloc = "example.com" if port is None else f"example.com:{port}"
    assert parsed.netloc == expected_netloc.encode()
    assert str(parsed).split("/")[2] == expected_netloc


def test_scheme_and_host_are_lowercased() -> None:
    url = httpx.URL("HTTP://WWW.Example.COM/Path")
    assert url.scheme == "http"
    assert url.host == "www.example.com"
    assert url.path == "/Path"
    assert str(url) == "http://www.example.com/Path"


def test_empty_path_of_absolute_url_reads_as_slash() -> None:
    url = httpx.URL("https://example.com")
    assert str(url) == "https://example.com"  # as httpx 0.28 prints it
    assert url == "https://example.com/"
    assert url.path == "/"
    assert url.raw_path == b"/"
    assert httpx.URL("https://example.com?a=1").raw_path == b"/?a=1"
    assert httpx.URL("http://example.com/?").raw_path == b"/?"


def test_relative_urls() -> None:
    url = httpx.URL("/path/to?x=1#top")
    assert url.is_relative_url and not url.is_absolute_url
    assert url.scheme == "" and url.host == "" and url.port is None
    assert url.path == "/path/to" and url.raw_path == b"/path/to?x=1"
    assert str(url) == "/path/to?x=1#top"
    assert httpx.URL("").raw_path == b"/"
    assert httpx.URL("").path == "/"
    # Dot-segments of relative references are kept: they matter when joining.
    assert httpx.URL("../a/./b").path == "../a/./b"
    assert httpx.URL("./abc").path == "./abc"
    assert httpx.URL("https://example.com").is_absolute_url


def test_network_path_reference_and_empty_scheme() -> None:
    assert httpx.URL("//example.com/x").host == "example.com"
    url = httpx.URL("://example.com")
    assert url.scheme == "" and url.host == "example.com" and url.path == "/"


def test_patterns_with_empty_or_wildcard_hosts() -> None:
    # Proxy mount keys and URL patterns rely on these parsing.
    assert httpx.URL("http://").host == ""
    assert httpx.URL("http://").scheme == "http"
    assert httpx.URL("all://").scheme == "all"
    assert httpx.URL("all://*.example.com").host == "*.example.com"
    assert httpx.URL("https://*:1234").port == 1234


def test_file_urls() -> None:
    assert str(httpx.URL("file:///etc/passwd")) == "file:///etc/passwd"
    assert str(httpx.URL("file:/etc/passwd")) == "file:///etc/passwd"
    assert str(httpx.URL("file://localhost/etc")) == "file:///etc"


def test_non_special_schemes_follow_rfc3986() -> None:
    assert str(httpx.URL("mailto:someone@example.com")) == "mailto:someone@example.com"
    assert str(httpx.URL("urn:isbn:0451450523")) == "urn:isbn:0451450523"
    url = httpx.URL("unix://Host/a/../b")
    assert url.host == "host" and url.path == "/b"


# --- percent-encoding -------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, expected",
    [
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/a%20b", "https://example.com/a%20b"),
        ("https://example.com/a%2fb", "https://example.com/a%2fb"),
        ("https://example.com/100%", "https://example.com/100%25"),
        ("https://example.com/%zz", "https://example.com/%25zz"),
        ("https://example.com/ü", "https://example.com/%C3%BC"),
        ('https://example.com/<>"`{}|^', "https://example.com/%3C%3E%22%60%7B%7D|^"),
        ("https://example.com/?q=a b", "https://example.com/?q=a%20b"),
        ("https://example.com/?q=a/b?c", "https://example.com/?q=a/b?c"),
        ("https://example.com/?q='x'", "https://example.com/?q=%27x%27"),
        ("https://example.com/?q=€", "https://example.com/?q=%E2%82%AC"),
        ("https://example.com/#a b`", "https://example.com/#a%20b%60"),
        ("https://us er:p@ss@example.com/", "https://us%20er:p%40ss@example.com/"),
        ("https://example.com/\ud800", "https://example.com/%EF%BF%BD"),
        ("unknown://h/?q='x'", "unknown://h/?q='x'"),
    ],
)
def test_percent_encoding(given: str, expected: str) -> None:
    assert str(httpx.URL(given)) == expected


def test_path_and_fragment_are_unquoted() -> None:
    url = httpx.URL("https://example.com/caf%C3%A9%20x#sec%20one")
    assert url.path == "/café x"
    assert url.fragment == "sec one"


def test_backslashes_and_extra_slashes_in_special_urls() -> None:
    # WHATWG: a backslash is a path separator in http(s) URLs, as browsers treat it.
    url = httpx.URL("http://a\\@evil.com/")
    assert url.host == "a" and url.path == "/@evil.com/"
    assert str(httpx.URL("https://example.com\\a\\b?c\\d")) == "https://example.com/a/b?c\\d"
    assert str(httpx.URL("http:///example.com/")) == "http://example.com/"


def test_surrounding_spaces_are_stripped() -> None:
    assert str(httpx.URL("  https://example.com/  ")) == "https://example.com/"


def test_last_at_sign_ends_userinfo() -> None:
    url = httpx.URL("https://a@b@example.com/")
    assert url.host == "example.com"
    assert url.username == "a@b"


def test_empty_password_is_dropped() -> None:
    assert str(httpx.URL("https://user:@example.com/")) == "https://user@example.com/"
    assert httpx.URL("https://user:@example.com/").password == ""


# --- normalisation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, path",
    [
        ("https://example.com/a/./b/../c", "/a/c"),
        ("https://example.com/a/b/..", "/a/"),
        ("https://example.com/a/b/.", "/a/b/"),
        ("https://example.com/../../x", "/x"),
        ("https://example.com/a/%2e%2E/b", "/b"),
        ("https://example.com/a/.%2e", "/"),
        ("https://example.com/a//../b", "/a/b"),
        ("https://example.com/.well-known/x", "/.well-known/x"),
    ],
)
def test_dot_segments_are_removed_from_absolute_urls(given: str, path: str) -> None:
    assert httpx.URL(given).path == path


@pytest.mark.parametrize(
    "given, host",
    [
        ("http://中国.icom.museum/", "中国.icom.museum"),
        ("http://Königsgäßchen.de/", "königsgäßchen.de"),
        ("https://faß.de/", "faß.de"),
        ("http://ශ්\u200dරී.com/", "ශ්\u200dරී.com"),
        ("http://ＥＸＡＭＰＬＥ．com/", "example.com"),
        ("http://xn--ls8h.la/", "💩.la"),
        ("http://bücher.de.", "bücher.de."),
        ("http://my_host.bücher.de/", "my_host.bücher.de"),
    ],
)
def test_idna_hosts(given: str, host: str) -> None:
    url = httpx.URL(given)
    assert url.host == host
    assert url.raw_host.isascii()
    assert httpx.URL(str(url)) == url


def test_idna_raw_host() -> None:
    url = httpx.URL("https://中国.icom.museum:443/")
    assert url.raw_host == b"xn--fiqs8s.icom.museum"
    assert url.netloc == b"xn--fiqs8s.icom.museum"
    assert url.port is None


def test_percent_encoded_hosts_are_decoded() -> None:
    assert httpx.URL("http://%65xample.com/").host == "example.com"
    assert httpx.URL("http://b%C3%BCcher.de/").raw_host == b"xn--bcher-kva.de"


@pytest.mark.parametrize(
    "given, host",
    [
        ("http://127.0.0.1/", "127.0.0.1"),
        ("http://0x7f.1/", "127.0.0.1"),
        ("http://2130706433/", "127.0.0.1"),
        ("http://0177.0.0.01/", "127.0.0.1"),
        ("http://1.2.3/", "1.2.0.3"),
        ("http://192.168.0.1./", "192.168.0.1"),
    ],
)
def test_ipv4_hosts_are_normalised(given: str, host: str) -> None:
    assert httpx.URL(given).host == host


@pytest.mark.parametrize(
    "given, host, netloc",
    [
        ("http://[::1]:8080/", "::1", b"[::1]:8080"),
        ("http://[0:0:0:0:0:0:0:1]/", "::1", b"[::1]"),
        ("http://[2001:DB8::1]/", "2001:db8::1", b"[2001:db8::1]"),
        ("http://[1:0:0:2:0:0:0:3]/", "1:0:0:2::3", b"[1:0:0:2::3]"),
        ("http://[::ffff:192.168.0.1]/", "::ffff:c0a8:1", b"[::ffff:c0a8:1]"),
    ],
)
def test_ipv6_hosts(given: str, host: str, netloc: bytes) -> None:
    url = httpx.URL(given)
    assert url.host == host
    assert url.raw_host == host.encode()
    assert url.netloc == netloc


# --- str, repr, equality ---------------------------------------------------------------


def test_repr_masks_password() -> None:
    assert repr(httpx.URL("https://user:pass@example.com/")) == (
        "URL('https://user:[secure]@example.com/')"
    )
    assert repr(httpx.URL("https://user@example.com/")) == "URL('https://user@example.com/')"
    assert repr(httpx.URL("https://example.com/x")) == "URL('https://example.com/x')"


def test_equality_and_hash() -> None:
    url = httpx.URL("https://example.com")
    assert url == httpx.URL("https://example.com/")
    assert url == "https://example.com/"
    assert url == "https://EXAMPLE.com:443"
    assert url != "https://example.org/"
    assert url != "http://[invalid"
    assert url != 123
    assert hash(url) == hash(httpx.URL("https://example.com:443/"))
    assert len({url, httpx.URL("HTTPS://example.com/")}) == 1


def test_str_is_cached_and_stable() -> None:
    url = httpx.URL("https://example.com/a b")
    assert str(url) is str(url)
    assert str(httpx.URL(str(url))) == str(url)


def test_url_from_url_is_same_url() -> None:
    url = httpx.URL("https://example.com/x?y#z")
    assert httpx.URL(url) == url
    assert httpx.URL(url)._uri_reference is url._uri_reference


def test_url_pickles() -> None:
    url = httpx.URL("https://user:pw@example.com:8080/p?q#f")
    assert pickle.loads(pickle.dumps(url)) == url


# --- keyword arguments and copy_with ---------------------------------------------------


def test_copy_with_each_component() -> None:
    url = httpx.URL("https://example.com/path?a=1#frag")
    assert str(url.copy_with(scheme="http")) == "http://example.com/path?a=1#frag"
    assert str(url.copy_with(host="other.org")) == "https://other.org/path?a=1#frag"
    assert str(url.copy_with(port=8443)) == "https://example.com:8443/path?a=1#frag"
    assert str(url.copy_with(port=443)) == "https://example.com/path?a=1#frag"
    assert str(url.copy_with(path="/a b")) == "https://example.com/a%20b?a=1#frag"
    assert str(url.copy_with(path="/a?b")) == "https://example.com/a%3Fb?a=1#frag"
    assert str(url.copy_with(query=b"x=2")) == "https://example.com/path?x=2#frag"
    assert str(url.copy_with(query=None)) == "https://example.com/path#frag"
    assert str(url.copy_with(fragment="top one")) == "https://example.com/path?a=1#top%20one"
    assert str(url.copy_with(fragment=None)) == "https://example.com/path?a=1"
    assert str(url.copy_with(raw_path=b"/p%20q?z=3")) == "https://example.com/p%20q?z=3#frag"
    assert str(url.copy_with(raw_path=b"/only")) == "https://example.com/only#frag"
    assert str(url.copy_with(netloc=b"other.org:8080")) == "https://other.org:8080/path?a=1#frag"
    assert str(url.copy_with(netloc=b"[::1]:81")) == "https://[::1]:81/path?a=1#frag"
    assert str(url.copy_with(params={"b": "x y"})) == "https://example.com/path?b=x%20y#frag"
    assert str(url.copy_with(params={})) == "https://example.com/path#frag"
    assert url.copy_with() == url


def test_copy_with_userinfo() -> None:
    url = httpx.URL("https://example.com/")
    with_user = url.copy_with(username="jo@email.com", password="a:secret")
    assert with_user.userinfo == b"jo%40email.com:a%3Asecret"
    assert with_user.username == "jo@email.com"
    assert with_user.password == "a:secret"
    assert with_user.copy_with(password="new").userinfo == b"jo%40email.com:new"
    assert with_user.copy_with(username=None, password=None).userinfo == b""
    assert url.copy_with(userinfo=b"a:b").password == "b"


def test_copy_with_host_variants() -> None:
    url = httpx.URL("https://example.com/")
    assert url.copy_with(host="::1").netloc == b"[::1]"
    assert url.copy_with(host="[::1]").host == "::1"
    assert url.copy_with(host="bücher.de").raw_host == b"xn--bcher-kva.de"
    assert httpx.URL("/path").copy_with(scheme="https", host="example.com") == (
        "https://example.com/path"
    )


def test_constructor_keyword_arguments() -> None:
    url = httpx.URL("https://example.com", params={"a": "b c"})
    assert url.query == b"a=b%20c"
    assert url == "https://example.com?a=b%20c"
    # params replace any query of the URL string.
    assert httpx.URL("https://example.com?x=1", params={"y": 2}).query == b"y=2"
    assert httpx.URL("https://example.com?x=1", params=None).query == b""
    assert httpx.URL(scheme="https", host="example.com", path="/p") == "https://example.com/p"


def test_bytes_components_with_non_ascii_bytes_are_escaped() -> None:
    url = httpx.URL("https://example.com/").copy_with(query=b"a=\xe9")
    assert url.query == b"a=%E9"


def test_unknown_keyword_argument() -> None:
    with pytest.raises(TypeError, match="'foo' is an invalid keyword argument for URL()"):
        httpx.URL("https://example.com", foo="bar")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"port": "8080"}, "Argument 'port' must be int but got str"),
        ({"port": True}, "Argument 'port' must be int but got bool"),
        ({"query": "a=1"}, "Argument 'query' must be bytes but got str"),
        ({"path": b"/p"}, "Argument 'path' must be str but got bytes"),
        ({"raw_path": "/p"}, "Argument 'raw_path' must be bytes but got str"),
        ({"netloc": "example.com"}, "Argument 'netloc' must be bytes but got str"),
        ({"userinfo": "a:b"}, "Argument 'userinfo' must be bytes but got str"),
        ({"host": 1}, "Argument 'host' must be str but got int"),
    ],
)
def test_wrong_keyword_argument_types(kwargs: dict[str, typing.Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        httpx.URL("https://example.com").copy_with(**kwargs)


@pytest.mark.parametrize("value", [123, None, b"https://example.com", ["https://x"]])
def test_invalid_url_type(value: typing.Any) -> None:
    with pytest.raises(TypeError, match="Invalid type for url"):
        httpx.URL(value)


# --- query param helpers ---------------------------------------------------------------


def test_param_helpers() -> None:
    url = httpx.URL("https://example.com/?a=1&b=2")
    assert url.copy_set_param("a", "x") == "https://example.com/?a=x&b=2"
    assert url.copy_add_param("a", True) == "https://example.com/?a=1&a=true&b=2"
    assert url.copy_remove_param("a") == "https://example.com/?b=2"
    assert url.copy_remove_param("a").copy_remove_param("b") == "https://example.com/"
    assert url.copy_merge_params({"b": [3, 4], "c": None}) == (
        "https://example.com/?a=1&b=3&b=4&c="
    )
    assert url.copy_set_param("q", "a/b c") == "https://example.com/?a=1&b=2&q=a%2Fb%20c"
    assert str(url) == "https://example.com/?a=1&b=2"  # Unchanged.


def test_params_from_query() -> None:
    params = httpx.URL("https://example.com/?a=1&a=2&b=c+d&e=%2F").params
    assert params.get_list("a") == ["1", "2"]
    assert params["b"] == "c d"
    assert params["e"] == "/"


# --- join ------------------------------------------------------------------------------

RFC3986_BASE = "http://a/b/c/d;p?q"


@pytest.mark.parametrize(
    "reference, expected",
    [
        # RFC 3986 section 5.4.1, normal examples ("g:h" is a URL of scheme "g").
        ("g:h", "g:h"),
        ("g", "http://a/b/c/g"),
        ("./g", "http://a/b/c/g"),
        ("g/", "http://a/b/c/g/"),
        ("/g", "http://a/g"),
        ("//g", "http://g"),
        ("?y", "http://a/b/c/d;p?y"),
        ("g?y", "http://a/b/c/g?y"),
        ("#s", "http://a/b/c/d;p?q#s"),
        ("g#s", "http://a/b/c/g#s"),
        ("g?y#s", "http://a/b/c/g?y#s"),
        (";x", "http://a/b/c/;x"),
        ("g;x", "http://a/b/c/g;x"),
        ("g;x?y#s", "http://a/b/c/g;x?y#s"),
        ("", "http://a/b/c/d;p?q"),
        (".", "http://a/b/c/"),
        ("./", "http://a/b/c/"),
        ("..", "http://a/b/"),
        ("../", "http://a/b/"),
        ("../g", "http://a/b/g"),
        ("../..", "http://a/"),
        ("../../", "http://a/"),
        ("../../g", "http://a/g"),
        # Section 5.4.2, abnormal examples.
        ("../../../g", "http://a/g"),
        ("../../../../g", "http://a/g"),
        ("/./g", "http://a/g"),
        ("/../g", "http://a/g"),
        ("g.", "http://a/b/c/g."),
        (".g", "http://a/b/c/.g"),
        ("g..", "http://a/b/c/g.."),
        ("..g", "http://a/b/c/..g"),
        ("./../g", "http://a/b/g"),
        ("./g/.", "http://a/b/c/g/"),
        ("g/./h", "http://a/b/c/g/h"),
        ("g/../h", "http://a/b/c/h"),
        ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
        ("g;x=1/../y", "http://a/b/c/y"),
        ("g?y/./x", "http://a/b/c/g?y/./x"),
        ("g?y/../x", "http://a/b/c/g?y/../x"),
        ("g#s/./x", "http://a/b/c/g#s/./x"),
        ("g#s/../x", "http://a/b/c/g#s/../x"),
        # The non-strict reading of section 5.2.2, as browsers do.
        ("http:g", "http://a/b/c/g"),
    ],
)
def test_join_rfc3986_examples(reference: str, expected: str) -> None:
    assert str(httpx.URL(RFC3986_BASE).join(reference)) == expected


def test_join() -> None:
    base = httpx.URL("https://example.com/a/b?x=1#frag")
    assert base.join("../c") == "https://example.com/c"
    assert base.join("/new/path") == "https://example.com/new/path"
    assert base.join("//other.org/x#f") == "https://other.org/x#f"
    assert base.join("http://elsewhere/") == "http://elsewhere/"
    assert base.join(httpx.URL("c d")) == "https://example.com/a/c%20d"
    assert base.join("#top") == "https://example.com/a/b?x=1#top"
    assert base.join("\\\\evil.com\\x") == "https://evil.com/x"
    assert httpx.URL("https://example.com").join("x") == "https://example.com/x"
    assert httpx.URL("https://example.com:443/").join("//example.com:443/x").port is None
    assert httpx.URL("/a/b").join("../c") == "/c"


def test_join_rejects_bad_input() -> None:
    with pytest.raises(TypeError):
        httpx.URL("https://example.com").join(123)  # type: ignore[arg-type]
    with pytest.raises(httpx.InvalidURL, match="non-printable"):
        httpx.URL("https://example.com").join("/a\nb")
    with pytest.raises(httpx.InvalidURL):
        httpx.URL("mailto:x@example.com").join("other")


# --- invalid input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, message",
    [
        ("https://example.com:abc/", "Invalid port: 'abc'"),
        ("https://example.com:+80/", "Invalid port: '+80'"),
        ("https://example.com:1_0/", "Invalid port: '1_0'"),
        ("https://example.com:65536/", "Invalid port: '65536'"),
        ("https://example.com:99999999999999999999/", "Invalid port"),
        ("https://a.com\n", "Invalid non-printable ASCII character in URL, '\\n' at position 13."),
        (
            "https://www.example.com/\x00",
            "Invalid non-printable ASCII character in URL, '\\x00' at position 24.",
        ),
        ("https://exa\tmple.com", "'\\t' at position 11"),
        ("https://example.com/\x7f", "'\\x7f' at position 20"),
        ("https://256.1.1.1/", "Invalid IPv4 address: '256.1.1.1'"),
        ("https://1.2.3.4.5/", "Invalid IPv4 address: '1.2.3.4.5'"),
        ("https://1.2.3.09/", "Invalid IPv4 address: '1.2.3.09'"),
        ("https://4294967296/", "Invalid IPv4 address"),
        ("https://example.0x/", "Invalid IPv4 address"),
        ("https://[::g]/", "Invalid IPv6 address: '[::g]'"),
        ("https://[1:2:3:4:5:6:7:8:9]/", "Invalid IPv6 address"),
        ("https://[::1/", "Invalid IPv6 address"),
        ("https://[fe80::1%25eth0]/", "Invalid IPv6 address"),
        ("https://[::1]x/", "Invalid characters after IPv6 address"),
        ("https://xn--a.com/", "Invalid IDNA hostname: 'xn--a.com'"),
        ("https://☃.com/", "Invalid IDNA hostname: '☃.com'"),
        ("https://\u0300x.com/", "Invalid IDNA hostname"),
        ("https://exa<mple.com/", "Invalid character '<' in host"),
        ("https://exa%2Fmple.com/", "Invalid character '/' in host"),
        ("https://%zz.com/", "Invalid character '%' in host"),
        ("https://%ff.com/", "percent-escapes are not UTF-8"),
        ("https://\u00ad/", "empty once normalised"),
        ("https://user:pass@/", "without a host"),
        ("https://:8080/", "without a host"),
        ("https://?x", "needs a host"),
        ("file://host:80/", "file URLs cannot have a port"),
    ],
)
def test_invalid_urls(url: str, message: str) -> None:
    with pytest.raises(httpx.InvalidURL, match=re.escape(message)):
        httpx.URL(url)


def test_url_too_long() -> None:
    with pytest.raises(httpx.InvalidURL, match="^URL too long$"):
        httpx.URL("https://example.com/" + "x" * 70_000)
    assert httpx.URL("https://example.com/" + "x" * 60_000).path.startswith("/xxx")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"path": "/" + "x" * 70_000}, "URL component 'path' too long"),
        ({"fragment": "x" * 70_000}, "URL component 'fragment' too long"),
        ({"query": b"x" * 70_000}, "URL component 'query' too long"),
        (
            {"path": "/\n"},
            "Invalid non-printable ASCII character in URL path component, '\\n' at position 1.",
        ),
        ({"host": "exa\rmple.com"}, "URL host component, '\\r' at position 3"),
        ({"path": "a"}, "empty path or one starting with '/'"),
        ({"scheme": "1http"}, "Invalid URL component 'scheme'"),
        ({"scheme": "ht tp"}, "Invalid URL component 'scheme'"),
        ({"host": "example.com:8080"}, "Invalid character ':' in host"),
        ({"netloc": b"example.com/path"}, "Invalid URL component 'netloc'"),
        ({"port": 70000}, "Invalid port: 70000"),
        ({"port": -1}, "Invalid port: -1"),
    ],
)
def test_invalid_components(kwargs: dict[str, typing.Any], message: str) -> None:
    with pytest.raises(httpx.InvalidURL, match=re.escape(message)):
        httpx.URL("https://example.com/", **kwargs)


def test_relative_url_path_rules() -> None:
    with pytest.raises(
        httpx.InvalidURL, match="Relative URLs cannot have a path starting with '//'"
    ):
        httpx.URL("/x").copy_with(path="//evil.com/x")
    with pytest.raises(httpx.InvalidURL, match="first path segment containing ':'"):
        httpx.URL("/x").copy_with(path="javascript:alert(1)")
    with pytest.raises(httpx.InvalidURL, match="empty path or one starting with '/'"):
        httpx.URL("//example.com").copy_with(path="relative")
    # With a scheme and no host, a "//" path is written so it cannot become a host.
    assert str(httpx.URL("sc:/a/..//path")) == "sc:/.//path"


# --- the fast path agrees with the general parser ----------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "https://example.com/",
        "http://localhost:8000/api/v1/items?limit=10&offset=20",
        "https://example.com:443/a/b?c=d#frag",
        "https://example.com:65535/",
        "https://example.com:65536/",
        "ws://example.com:80/socket",
        "wss://sub.example.co.uk/x%20y?q=%2F#%41",
        "https://example.com/a/./b/../c",
        "https://example.com/%2e%2E/x",
        "https://example.com/100%",
        "https://example.com/?q=100%",
        "https://example.com/#100%",
        "https://xn--ls8h.la/",
        "https://127.0.0.1:8080/",
        "https://0x7f.1/",
        "https://example.com/?q='x'",
        "https://example.com/.well-known/a",
        "https://a-b.c-d/",
    ],
)
def test_fast_path_matches_general_parser(url: str) -> None:
    try:
        general = str(_urlparse.build(_urlparse.split_url(url)))
    except httpx.InvalidURL:
        with pytest.raises(httpx.InvalidURL):
            _urlparse.urlparse(url)
        return
    assert str(_urlparse.urlparse(url)) == general


# --- hostile input stays cheap and gets short, clear errors ------------------------------


def test_port_with_many_leading_zeros() -> None:
    assert httpx.URL("https://example.com:" + "0" * 1000 + "8080/").port == 8080


@pytest.mark.parametrize(
    "url, message",
    [
        ("https://xn--" + "a" * 60_000 + "/", "Invalid IDNA hostname"),
        ("https://" + "ü" * 60_000 + "/", "Invalid IDNA hostname"),
        ("https://1.2.3." + "9" * 60_000 + "/", "Invalid IPv4 address"),
        ("https://[" + ":" * 60_000 + "]/", "Invalid IPv6 address"),
        ("https://example.com:" + "9" * 60_000 + "/", "Invalid port"),
    ],
)
def test_huge_bad_components_get_short_messages(url: str, message: str) -> None:
    with pytest.raises(httpx.InvalidURL, match=message) as info:
        httpx.URL(url)
    assert len(str(info.value)) < 200


def test_huge_valid_components() -> None:
    assert httpx.URL("https://x/" + "a/../" * 13_000).path == "/"
    assert len(httpx.URL("https://x/" + "é" * 60_000).raw_path) == 1 + 6 * 60_000
    assert httpx.URL("http:" + "\\" * 60_000 + "example.com").host == "example.com"


def test_special_scheme_without_slashes_has_no_host() -> None:
    # As in httpx (RFC 3986): redirect handling fills in the host of such a Location.
    url = httpx.URL("https:/path")
    assert (url.scheme, url.host, url.path) == ("https", "", "/path")
    assert url.is_relative_url
    assert url.copy_with(host="example.org") == "https://example.org/path"
    assert httpx.URL("http:example.com").host == ""
    # Joined onto a base of the same scheme it is a relative reference, as browsers do.
    assert httpx.URL("https://example.org/a/b").join("https:/path") == "https://example.org/path"
    assert httpx.URL("https://example.org/a/b").join("https:c") == "https://example.org/a/c"


# --- every URL we produce reads back as itself --------------------------------------------


def test_copies_that_would_not_read_back_are_rejected() -> None:
    url = httpx.URL("https://example.com/p")
    assert str(url.copy_with(path="/a\\b")) == "https://example.com/a%5Cb"
    assert str(httpx.URL("https://example.com/").copy_with(host=None)) == "https://"
    with pytest.raises(httpx.InvalidURL, match="needs a host"):
        url.copy_with(host=None)
    with pytest.raises(httpx.InvalidURL, match="userinfo or port without a host"):
        httpx.URL("/p").copy_with(username="user")
    with pytest.raises(httpx.InvalidURL, match="userinfo or port without a host"):
        httpx.URL("").copy_with(port=8080)
    with pytest.raises(httpx.InvalidURL, match="file URLs cannot have a port"):
        httpx.URL("file://host/etc").copy_with(port=8080)
    with pytest.raises(httpx.InvalidURL, match="needs a host"):
        httpx.URL("http://").join("/path")


def test_parsed_urls_read_back_unchanged() -> None:
    data = Path(__file__).resolve().parent / "data" / "whatwg-urltestdata.json"
    inputs = [
        case["input"] for case in json.loads(data.read_text("utf-8")) if isinstance(case, dict)
    ]
    checked = 0
    for text in inputs:
        try:
            url = httpx.URL(text)
        except httpx.InvalidURL:
            continue
        again = httpx.URL(str(url))
        assert str(again) == str(url), text
        assert again._uri_reference.host == url._uri_reference.host, text
        assert again._uri_reference.path == url._uri_reference.path, text
        checked += 1
    assert checked > 400
