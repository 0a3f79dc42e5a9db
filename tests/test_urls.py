"""httpx.URL: parsing, normalisation, component views, copies, joins and bad input.

The behaviour is httpx 0.28's; tests/differential compares it with the real httpx on
thousands of URLs. These tests pin the main rules, and what is ours alone: the parsed
form (`_uri_reference`), the fast path, and the cost of hostile input.
"""

from __future__ import annotations

import pickle
import re
import typing

import pytest

import httpx
from httpx import _urlparse

# --- components ------------------------------------------------------------------------


def test_url_components() -> None:
    url = httpx.URL(
        "https://jo%40email.com:a%20secret@müller.de:1234/pa%20th?search=ab#anchorlink"
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
    with pytest.warns(UserWarning, match="URL.raw is deprecated."):
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
        # httpx compares with the scheme as written: "HTTPS" has no default port.
        ("HTTPS://example.com:443/", 443),
        # httpx reads the port with int(): no range check.
        ("http://example.com:65536/", 65536),
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


def test_empty_path_of_absolute_url() -> None:
    url = httpx.URL("https://example.com")
    assert str(url) == "https://example.com"
    assert url != "https://example.com/"  # str comparison, as httpx
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
    assert str(httpx.URL("http://")) == "http:"
    assert httpx.URL("all://").scheme == "all"
    assert httpx.URL("all://*.example.com").host == "*.example.com"
    assert httpx.URL("https://*:1234").port == 1234


def test_special_scheme_without_slashes_has_no_host() -> None:
    # RFC 3986: redirect handling fills in the host of such a Location.
    url = httpx.URL("https:/path")
    assert (url.scheme, url.host, url.path) == ("https", "", "/path")
    assert url.is_relative_url
    assert url.copy_with(host="example.org") == "https://example.org/path"
    assert httpx.URL("http:example.com").host == ""
    assert str(httpx.URL("http:///x")) == "http:/x"


def test_file_and_other_schemes() -> None:
    assert str(httpx.URL("file:///etc/passwd")) == "file:/etc/passwd"
    assert str(httpx.URL("file://localhost/etc")) == "file://localhost/etc"
    assert str(httpx.URL("mailto:someone@example.com")) == "mailto:someone@example.com"
    assert str(httpx.URL("urn:isbn:0451450523")) == "urn:isbn:0451450523"
    url = httpx.URL("unix://Host/a/../b")
    assert url.host == "host" and url.path == "/b"
    # Not a scheme (it starts with a digit): a relative path.
    assert httpx.URL("1abc://host/").scheme == ""


# --- percent-encoding -------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, expected",
    [
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/a%20b", "https://example.com/a%20b"),
        ("https://example.com/a%2fb", "https://example.com/a%2fb"),
        # A "%" that starts no escape is kept, as httpx does.
        ("https://example.com/100%", "https://example.com/100%"),
        ("https://example.com/%zz", "https://example.com/%zz"),
        ("https://example.com/ü", "https://example.com/%C3%BC"),
        ('https://example.com/<>"`{}|^', "https://example.com/%3C%3E%22%60%7B%7D|^"),
        ("https://example.com/a\\b", "https://example.com/a\\b"),
        ("https://example.com/?q=a b", "https://example.com/?q=a%20b"),
        ("https://example.com/?q=a/b?c", "https://example.com/?q=a/b?c"),
        ("https://example.com/?q='x'`{}", "https://example.com/?q='x'`{}"),
        ("https://example.com/?q=€", "https://example.com/?q=%E2%82%AC"),
        ("https://example.com/#a b`", "https://example.com/#a%20b%60"),
        ("https://us er:p@ss@example.com/", "https://us%20er:p%40ss@example.com/"),
        ("https://u:v:w@example.com/", "https://u:v:w@example.com/"),
        (" https://example.com/ ", "%20https://example.com/%20"),
    ],
)
def test_percent_encoding(given: str, expected: str) -> None:
    assert str(httpx.URL(given)) == expected


def test_path_and_fragment_are_unquoted() -> None:
    url = httpx.URL("https://example.com/caf%C3%A9%20x#sec%20one")
    assert url.path == "/café x"
    assert url.fragment == "sec one"


def test_last_at_sign_ends_userinfo() -> None:
    url = httpx.URL("https://a@b@example.com/")
    assert url.host == "example.com"
    assert url.username == "a@b"


def test_empty_password_is_kept() -> None:
    url = httpx.URL("https://user:@example.com/")
    assert str(url) == "https://user:@example.com/"
    assert url.password == ""
    assert repr(url) == "URL('https://user:[secure]@example.com/')"


# --- normalisation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, path",
    [
        ("https://example.com/a/./b/../c", "/a/c"),
        # A last "." or ".." leaves no trailing "/", as in httpx.
        ("https://example.com/a/b/..", "/a"),
        ("https://example.com/a/b/.", "/a/b"),
        ("https://example.com/../../x", "/x"),
        ("https://example.com/a//../b", "/a/b"),
        # Escaped dots are not dot-segments.
        ("https://example.com/a/%2e%2E/b", "/a/../b"),
        ("https://example.com/.well-known/x", "/.well-known/x"),
    ],
)
def test_dot_segments_are_removed_from_absolute_urls(given: str, path: str) -> None:
    assert httpx.URL(given).path == path


@pytest.mark.parametrize(
    "given, host, raw_host",
    [
        ("http://中国.icom.museum/", "中国.icom.museum", b"xn--fiqs8s.icom.museum"),
        ("http://Königsgäßchen.de/", "königsgäßchen.de", b"xn--knigsgchen-b4a3dun.de"),
        ("http://www.bücher.de/", "www.xn--bcher-kva.de", b"www.xn--bcher-kva.de"),
        ("https://faß.de/", "faß.de", b"xn--fa-hia.de"),
        ("http://example。com/", "example.com", b"example.com"),
        # Not valid IDNA 2008: shown as it is (httpx raises; docs/compatibility.md).
        ("http://xn--ls8h.la/", "xn--ls8h.la", b"xn--ls8h.la"),
        ("http://xn--bcher-kva.de./", "bücher.de.", b"xn--bcher-kva.de."),
        ("foo://Bücher.de/", "bücher.de", b"xn--bcher-kva.de"),
    ],
)
def test_idna_hosts(given: str, host: str, raw_host: bytes) -> None:
    # `host` shows a name in Unicode form only when it starts with an "xn--" label.
    url = httpx.URL(given)
    assert url.host == host
    assert url.raw_host == raw_host


def test_hosts_that_are_not_valid_idna() -> None:
    with pytest.raises(httpx.InvalidURL, match="Invalid IDNA hostname: 'ＥＸＡＭＰＬＥ.com'"):
        httpx.URL("http://ＥＸＡＭＰＬＥ.com/")
    # Accepted as ASCII, as httpx does; `host` shows it as it is where httpx raises the
    # idna package's error (docs/compatibility.md).
    url = httpx.URL("http://xn--zz.example/")
    assert url.host == "xn--zz.example"


def test_ascii_hosts_are_percent_encoded_not_decoded() -> None:
    assert httpx.URL("http://%65xample.com/").host == "%65xample.com"
    assert httpx.URL("http://exa mple.com/").raw_host == b"exa%20mple.com"
    assert httpx.URL("http://a<b/").raw_host == b"a%3Cb"


@pytest.mark.parametrize(
    "given, host",
    [
        ("http://127.0.0.1/", "127.0.0.1"),
        ("http://0x7f.1/", "0x7f.1"),
        ("http://2130706433/", "2130706433"),
        ("http://1.2.3/", "1.2.3"),
        ("http://192.168.0.1./", "192.168.0.1."),
    ],
)
def test_ipv4_hosts_are_kept_as_written(given: str, host: str) -> None:
    assert httpx.URL(given).host == host


@pytest.mark.parametrize(
    "given, host, netloc",
    [
        ("http://[::1]:8080/", "::1", b"[::1]:8080"),
        ("http://[0:0:0:0:0:0:0:1]/", "0:0:0:0:0:0:0:1", b"[0:0:0:0:0:0:0:1]"),
        ("http://[2001:DB8::1]/", "2001:DB8::1", b"[2001:DB8::1]"),
        ("http://[::ffff:192.168.0.1]/", "::ffff:192.168.0.1", b"[::ffff:192.168.0.1]"),
        ("http://[fe80::1%25eth0]/", "fe80::1%25eth0", b"[fe80::1%25eth0]"),
    ],
)
def test_ipv6_hosts_are_kept_as_written(given: str, host: str, netloc: bytes) -> None:
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
    # As httpx: URLs compare by their text.
    url = httpx.URL("https://example.com/")
    assert url == httpx.URL("https://EXAMPLE.com:443/")
    assert url == "https://example.com/"
    assert url == "https://EXAMPLE.com:443/"
    assert url != "https://example.com"
    assert url != "https://example.org/"
    assert url != 123
    assert hash(url) == hash("https://example.com/")
    assert len({url, httpx.URL("HTTPS://example.com/")}) == 1
    with pytest.raises(httpx.InvalidURL):
        url == "http://example.com:port/"  # noqa: B015


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
    assert str(url.copy_with(query=b"x=2")) == "https://example.com/path?x=2#frag"
    assert str(url.copy_with(query=None)) == "https://example.com/path#frag"
    assert str(url.copy_with(fragment="top one")) == "https://example.com/path?a=1#top%20one"
    assert str(url.copy_with(fragment=None)) == "https://example.com/path?a=1"
    assert str(url.copy_with(raw_path=b"/p%20q?z=3")) == "https://example.com/p%20q?z=3#frag"
    assert str(url.copy_with(raw_path=b"/only")) == "https://example.com/only#frag"
    assert str(url.copy_with(netloc=b"other.org:8080")) == "https://other.org:8080/path?a=1#frag"
    assert str(url.copy_with(params={"b": "x y"})) == "https://example.com/path?b=x+y#frag"
    assert str(url.copy_with(params={})) == "https://example.com/path#frag"
    assert url.copy_with() == url


def test_copy_with_userinfo() -> None:
    url = httpx.URL("https://example.com/")
    with_user = url.copy_with(username="jo@email.com", password="a:secret")
    assert with_user.userinfo == b"jo%40email.com:a%3Asecret"
    assert with_user.username == "jo@email.com"
    assert with_user.password == "a:secret"
    # As httpx: username and password are set together (a missing one is empty).
    assert with_user.copy_with(password="new").userinfo == b":new"
    assert with_user.copy_with(username=None, password=None).userinfo == b""
    assert url.copy_with(userinfo=b"a:b").password == "b"


def test_copy_with_host_variants() -> None:
    url = httpx.URL("https://example.com/")
    assert url.copy_with(host="::1").netloc == b"[::1]"
    assert url.copy_with(host="[::1]").host == "::1"
    assert url.copy_with(host="bücher.de").raw_host == b"xn--bcher-kva.de"
    assert url.copy_with(host="a/b").raw_host == b"a%2Fb"
    assert httpx.URL("/path").copy_with(scheme="https", host="example.com") == (
        "https://example.com/path"
    )


def test_constructor_keyword_arguments() -> None:
    url = httpx.URL("https://example.com", params={"a": "b c"})
    assert url.query == b"a=b+c"
    assert url == "https://example.com?a=b+c"
    # params replace any query of the URL string (even one given as query=).
    assert httpx.URL("https://example.com?x=1", params={"y": 2}).query == b"y=2"
    assert httpx.URL("https://example.com?x=1", params=None).query == b""
    assert httpx.URL("https://example.com", query=b"x=1", params={"y": 2}).query == b"y=2"
    assert httpx.URL(scheme="https", host="example.com", path="/p") == "https://example.com/p"


def test_bytes_components_must_be_ascii() -> None:
    # httpx 0.28 raises UnicodeDecodeError here (docs/compatibility.md).
    with pytest.raises(httpx.InvalidURL, match="Invalid URL component 'query'"):
        httpx.URL("https://example.com/").copy_with(query=b"a=\xe9")


def test_unknown_keyword_argument() -> None:
    with pytest.raises(TypeError, match="'foo' is an invalid keyword argument for URL()"):
        httpx.URL("https://example.com", foo="bar")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"port": "8080"}, "Argument 'port' must be int but got str"),
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
    with pytest.raises(TypeError, match="Invalid type for url.  Expected str or httpx.URL"):
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
    assert url.copy_set_param("q", "a/b c") == "https://example.com/?a=1&b=2&q=a%2Fb+c"
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
        # The non-strict reading of section 5.2.2.
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
    assert httpx.URL("https://example.com").join("x") == "https://example.com/x"
    assert httpx.URL("/a/b").join("../c") == "/c"
    # As httpx (the standard library's urljoin): a scheme it does not know as
    # hierarchical keeps the reference as it is.
    assert httpx.URL("foo://host/a/b").join("g") == "g"


def test_join_rejects_bad_input() -> None:
    with pytest.raises(TypeError, match="Invalid type for url"):
        httpx.URL("https://example.com").join(123)  # type: ignore[arg-type]
    with pytest.raises(httpx.InvalidURL, match="non-printable"):
        httpx.URL("https://example.com").join("/a\nb")


# --- invalid input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, message",
    [
        ("https://example.com:abc/", "Invalid port: 'abc'"),
        ("https://example.com: 8/", None),
        ("https://a.com\n", "Invalid non-printable ASCII character in URL, '\\n' at position 13."),
        (
            "https://www.example.com/\x00",
            "Invalid non-printable ASCII character in URL, '\\x00' at position 24.",
        ),
        ("https://exa\tmple.com", "'\\t' at position 11"),
        ("https://example.com/\x7f", "'\\x7f' at position 20"),
        ("https://256.1.1.1/", "Invalid IPv4 address: '256.1.1.1'"),
        ("https://1.2.3.09/", "Invalid IPv4 address: '1.2.3.09'"),
        ("https://[::g]/", "Invalid IPv6 address: '[::g]'"),
        ("https://[1:2:3:4:5:6:7:8:9]/", "Invalid IPv6 address"),
        ("https://[::1/", "Invalid port: ':1'"),
        ("https://[::1]x/", "Invalid port: 'x'"),
        ("https://☃.com/", "Invalid IDNA hostname: '☃.com'"),
        ("https://\u0300x.com/", "Invalid IDNA hostname"),
    ],
)
def test_invalid_urls(url: str, message: str | None) -> None:
    if message is None:
        httpx.URL(url)  # int(" 8") is 8: accepted, as in httpx
        return
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
        ({"path": "a"}, "For absolute URLs, path must be empty or begin with '/'"),
        ({"path": "/a?b"}, "Invalid URL component 'path'"),
        ({"query": b"a#b"}, "Invalid URL component 'query'"),
        ({"userinfo": b"a@b"}, "Invalid URL component 'userinfo'"),
        ({"scheme": "1http"}, "Invalid URL component 'scheme'"),
        ({"scheme": "ht tp"}, "Invalid URL component 'scheme'"),
        ({"host": "example.com:8080"}, "Invalid IPv6 address: '[example.com:8080]'"),
        ({"netloc": b"user@example.com:x"}, "Invalid port: 'x'"),
        ({"port": True}, "Invalid port: 'True'"),
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
    with pytest.raises(
        httpx.InvalidURL, match="Relative URLs cannot have a path starting with ':'"
    ):
        httpx.URL("/x").copy_with(path=":alert(1)")
    with pytest.raises(httpx.InvalidURL, match="path must be empty or begin with '/'"):
        httpx.URL("//example.com").copy_with(path="relative")


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
        "http://example.com:99999/",
        "ws://example.com:80/socket",
        "wss://sub.example.co.uk/x%20y?q=%2F#%41",
        "https://example.com/a/./b/../c",
        "https://example.com/%2e%2E/x",
        "https://example.com/100%",
        "https://example.com/?q=100%",
        "https://example.com/#100%",
        "https://xn--ls8h.la/",
        "https://xn--zz/",
        "https://127.0.0.1:8080/",
        "https://1.2.3.256/",
        "https://0x7f.1/",
        "https://example.com/?q='x'",
        "https://example.com/.well-known/a",
        "https://example.com/a/..",
        "https://example.com/a/.",
        "https://a-b.c-d/",
        "https://example.com/a\\b",
    ],
)
def test_fast_path_matches_general_parser(url: str) -> None:
    fast = _urlparse._parse_common_url(url)
    try:
        general = _urlparse.urlparse(url, fragment=httpx.URL(url)._uri_reference.fragment)
    except httpx.InvalidURL:
        assert fast is None
        with pytest.raises(httpx.InvalidURL):
            _urlparse.urlparse(url)
        return
    if fast is not None:
        assert tuple(fast) == tuple(general)
        assert str(fast) == str(general)
    assert str(_urlparse.urlparse(url)) == str(general)


# --- hostile input stays cheap ------------------------------------------------------------


def test_port_with_many_leading_zeros() -> None:
    assert httpx.URL("https://example.com:" + "0" * 1000 + "8080/").port == 8080


@pytest.mark.parametrize(
    "url, message",
    [
        ("https://" + "ü" * 60_000 + "/", "Invalid IDNA hostname"),
        ("https://1.2.3." + "9" * 60_000 + "/", "Invalid IDNA hostname|Invalid IPv4"),
        ("https://[" + ":" * 60_000 + "]/", "Invalid IPv6 address"),
        ("https://example.com:" + "9" * 60_000 + "/", "Invalid port"),
    ],
)
def test_huge_bad_components(url: str, message: str) -> None:
    with pytest.raises(httpx.InvalidURL, match=message):
        httpx.URL(url)


def test_huge_valid_components() -> None:
    assert httpx.URL("https://x/" + "a/../" * 13_000).path == "/"
    assert len(httpx.URL("https://x/" + "é" * 10_000).raw_path) == 1 + 6 * 10_000
