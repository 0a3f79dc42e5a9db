from __future__ import annotations

import http.cookiejar

import pytest

import httpx
from httpx._cookies import Cookies
from httpx._exceptions import CookieConflict
from httpx._headers import Headers
from httpx._models import Request, Response


def request_for(url: str, headers: dict[str, str] | None = None) -> Request:
    return Request("GET", url, headers=headers)


def response_for(url: str, *set_cookies: str) -> Response:
    headers = [("Set-Cookie", value) for value in set_cookies]
    return Response(200, headers=headers, request=request_for(url))


def cookie_header(cookies: Cookies, url: str) -> str | None:
    request = request_for(url)
    cookies.set_cookie_header(request)
    value: str | None = request.headers.get("cookie")
    return value


# ---------------------------------------------------------------------------------------
# Mapping behaviour
# ---------------------------------------------------------------------------------------


def test_empty() -> None:
    cookies = Cookies()
    assert len(cookies) == 0
    assert not cookies
    assert list(cookies) == []
    assert repr(cookies) == "<Cookies[]>"
    assert cookies.get("missing") is None
    assert cookies.get("missing", "default") == "default"
    with pytest.raises(KeyError):
        cookies["missing"]


def test_from_dict() -> None:
    cookies = Cookies({"a": "1", "b": "2"})
    assert dict(cookies) == {"a": "1", "b": "2"}
    assert len(cookies) == 2
    assert cookies
    assert cookies["a"] == "1"
    assert "a" in cookies
    assert "z" not in cookies
    assert repr(cookies) == "<Cookies[<Cookie a=1 for  />, <Cookie b=2 for  />]>"


def test_from_list_of_pairs() -> None:
    assert dict(Cookies([("a", "1"), ("b", "2")])) == {"a": "1", "b": "2"}


def test_from_cookies_copies() -> None:
    original = Cookies({"a": "1"})
    copy = Cookies(original)
    copy["b"] = "2"
    assert dict(original) == {"a": "1"}
    assert dict(copy) == {"a": "1", "b": "2"}
    assert copy.jar is not original.jar


def test_from_cookiejar_shares_the_jar() -> None:
    jar = http.cookiejar.CookieJar()
    cookies = Cookies(jar)
    assert cookies.jar is jar
    cookies["a"] = "1"
    assert [cookie.name for cookie in jar] == ["a"]


def test_set_get_delete() -> None:
    cookies = Cookies()
    cookies["a"] = "1"
    cookies.set("b", "2", domain="example.com", path="/path")
    assert cookies.get("b") == "2"
    assert cookies.get("b", domain="example.com") == "2"
    assert cookies.get("b", domain="other.com") is None
    assert cookies.get("b", path="/other") is None
    assert cookies.get("b", domain="example.com", path="/path") == "2"
    del cookies["a"]
    assert dict(cookies) == {"b": "2"}
    cookies.delete("b", domain="other.com")
    assert dict(cookies) == {"b": "2"}
    cookies.delete("b", domain="example.com", path="/path")
    assert dict(cookies) == {}


def test_deleting_a_missing_cookie_is_not_an_error() -> None:
    cookies = Cookies({"a": "1"})
    del cookies["missing"]
    cookies.delete("missing", domain="example.com", path="/")
    assert dict(cookies) == {"a": "1"}


def test_empty_value() -> None:
    cookies = Cookies({"a": ""})
    assert cookies["a"] == ""
    assert cookie_header(cookies, "http://example.com/") == "a="


def test_set_overwrites_same_domain_and_path() -> None:
    cookies = Cookies()
    cookies.set("a", "1", domain="example.com")
    cookies.set("a", "2", domain="example.com")
    assert len(cookies) == 1
    assert cookies["a"] == "2"


def test_conflict_between_domains() -> None:
    cookies = Cookies()
    cookies.set("name", "one", domain="one.example")
    cookies.set("name", "two", domain="two.example")
    assert len(cookies) == 2
    assert list(cookies) == ["name", "name"]
    with pytest.raises(CookieConflict, match="Multiple cookies exist with name=name"):
        cookies.get("name")
    with pytest.raises(CookieConflict):
        cookies["name"]
    assert cookies.get("name", domain="one.example") == "one"
    assert cookies.get("name", domain="two.example") == "two"
    cookies.delete("name", domain="one.example")
    assert cookies["name"] == "two"


def test_same_value_in_several_places_is_still_a_conflict() -> None:
    # As httpx: several cookies of that name, whatever their values.
    cookies = Cookies()
    cookies.set("name", "same", domain="one.example")
    cookies.set("name", "same", path="/sub")
    with pytest.raises(CookieConflict, match="^Multiple cookies exist with name=name$"):
        cookies["name"]


def test_conflict_between_paths() -> None:
    cookies = Cookies()
    cookies.set("name", "root", domain="example.com", path="/")
    cookies.set("name", "sub", domain="example.com", path="/sub")
    with pytest.raises(CookieConflict):
        cookies.get("name", domain="example.com")
    assert cookies.get("name", path="/sub") == "sub"


def test_clear() -> None:
    def populated() -> Cookies:
        cookies = Cookies()
        cookies.set("a", "1", domain="one.example", path="/")
        cookies.set("b", "2", domain="one.example", path="/sub")
        cookies.set("c", "3", domain="two.example", path="/sub")
        return cookies

    cookies = populated()
    cookies.clear()
    assert len(cookies) == 0

    cookies = populated()
    cookies.clear(domain="one.example")
    assert dict(cookies) == {"c": "3"}

    cookies = populated()
    cookies.clear(domain="one.example", path="/sub")
    assert dict(cookies) == {"a": "1", "c": "3"}

    # As httpx, whose clear() is CookieJar.clear(): a path needs a domain, and a domain
    # with no cookies is a KeyError.
    cookies = populated()
    with pytest.raises(AssertionError):
        cookies.clear(path="/sub")

    cookies = populated()
    with pytest.raises(KeyError):
        cookies.clear(domain="nowhere.example")
    assert len(cookies) == 3


def test_update() -> None:
    cookies = Cookies({"a": "1"})
    cookies.update({"b": "2"})
    cookies.update([("c", "3")])
    cookies.update(Cookies({"d": "4"}))
    jar = http.cookiejar.CookieJar()
    Cookies(jar)["e"] = "5"
    cookies.update(jar)
    cookies.update(None)
    cookies.update({"a": "changed"})
    assert dict(cookies) == {"a": "changed", "b": "2", "c": "3", "d": "4", "e": "5"}


def test_repr_shows_domain() -> None:
    cookies = Cookies()
    cookies.set("a", "1", domain="example.org")
    assert repr(cookies) == "<Cookies[<Cookie a=1 for example.org />]>"


# ---------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------


def test_other_cookies_arguments_are_taken_as_a_jar() -> None:
    # As httpx: anything but None, a dict, a list or Cookies is used as the CookieJar.
    with pytest.raises(TypeError):
        len(Cookies(42))  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [[("a",)], [("a", "1", "2")], ["abc"]])
def test_bad_cookie_pairs(value: object) -> None:
    with pytest.raises(ValueError, match="values to unpack"):
        Cookies(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [1, None, b"bytes"])
def test_values_that_are_not_str_are_kept(value: object) -> None:
    # As httpx: kept as they are (the standard library's jar fails to send an int).
    # Deliberately values of the wrong type: what the runtime does with them is tested.
    cookies = Cookies({"a": value})  # type: ignore[dict-item]
    assert cookies.get("a") == value
    with pytest.raises(TypeError):
        httpx.Request("GET", "https://example.com/", cookies=Cookies({"a": 1}))  # type: ignore[dict-item]
    request = httpx.Request("GET", "https://example.com/", cookies=Cookies({"a": None}))  # type: ignore[dict-item]
    assert request.headers["cookie"] == "a"


def test_names_that_are_not_str_are_kept() -> None:
    # Deliberately a name of the wrong type: what the runtime does with it is tested.
    cookies = Cookies({1: "a"})  # type: ignore[dict-item]
    names: list[object] = list(cookies)
    assert names == [1]


@pytest.mark.parametrize("value", ["a\r\nSet-Cookie: evil=1", "a\nb", "a\rb", "a\x00b"])
def test_header_injection_in_value_is_rejected(value: str) -> None:
    with pytest.raises(ValueError, match="must not contain CR, LF or NUL"):
        Cookies().set("name", value)


@pytest.mark.parametrize("name", ["", "a;b", "a=b", "a\r\nb", "a\x00"])
def test_bad_names_are_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="Invalid cookie name"):
        Cookies()[name] = "value"


def test_bad_domain_type() -> None:
    with pytest.raises(AttributeError):  # as httpx
        Cookies().set("a", "1", domain=None)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# extract_cookies: real Set-Cookie headers (RFC 6265 section 5.2 and 5.3)
# ---------------------------------------------------------------------------------------


def stored(cookies: Cookies) -> dict[str, tuple[str | None, str, str, bool]]:
    return {c.name: (c.value, c.domain, c.path, c.secure) for c in cookies.jar}


def test_extract_cookies() -> None:
    cookies = Cookies()
    response = response_for(
        "https://www.example.com/dir/page",
        "plain=1",
        "rooted=2; Path=/",
        "wide=3; Domain=example.com; Path=/",
        "secure=4; Secure; Path=/",
        "expired=5; Max-Age=0",
        "foreign=6; Domain=other.org",
        "sub=7; Path=/dir/sub; HttpOnly",
    )
    cookies.extract_cookies(response)
    assert stored(cookies) == {
        # No Path attribute: the default path is the request path's directory (5.1.4).
        "plain": ("1", "www.example.com", "/dir", False),
        "rooted": ("2", "www.example.com", "/", False),
        "wide": ("3", ".example.com", "/", False),
        "secure": ("4", "www.example.com", "/", True),
        "sub": ("7", "www.example.com", "/dir/sub", False),
    }


def test_extract_cookies_without_set_cookie_leaves_jar_alone() -> None:
    cookies = Cookies({"a": "1"})
    # A response with no Set-Cookie does not even need its request.
    cookies.extract_cookies(Response(200, headers={"Content-Type": "text/plain"}))
    assert dict(cookies) == {"a": "1"}


def test_extract_cookies_needs_the_request() -> None:
    with pytest.raises(RuntimeError, match="request instance has not been set"):
        Cookies().extract_cookies(Response(200, headers=[("Set-Cookie", "a=1")]))


def test_extract_cookies_with_credentials_in_url() -> None:
    cookies = Cookies()
    cookies.extract_cookies(response_for("http://user:pass@example.com/", "a=1; Path=/"))
    assert stored(cookies) == {"a": ("1", "example.com", "/", False)}


def test_extract_cookies_replaces_and_deletes() -> None:
    cookies = Cookies()
    cookies.extract_cookies(response_for("http://example.com/", "a=1; Path=/", "b=2; Path=/"))
    cookies.extract_cookies(
        response_for(
            "http://example.com/",
            "a=changed; Path=/",
            "b=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
        )
    )
    assert dict(cookies) == {"a": "changed"}


# ---------------------------------------------------------------------------------------
# set_cookie_header: which cookies go to which URL (RFC 6265 section 5.4)
# ---------------------------------------------------------------------------------------


def test_cookies_without_domain_go_everywhere() -> None:
    cookies = Cookies({"a": "1", "b": "2"})
    assert cookie_header(cookies, "http://example.com/") == "a=1; b=2"
    assert cookie_header(cookies, "https://other.org/deep/path") == "a=1; b=2"


def test_no_cookies_no_header() -> None:
    request = request_for("http://example.com/")
    Cookies().set_cookie_header(request)
    assert "cookie" not in request.headers


def test_domain_path_and_secure_rules() -> None:
    cookies = Cookies()
    cookies.extract_cookies(
        response_for(
            "https://www.example.com/dir/page",
            "host_only=1; Path=/",
            "wide=2; Domain=example.com; Path=/",
            "secure=3; Secure; Path=/",
            "dir=4; Path=/dir",
        )
    )
    # Cookies with longer paths are listed first (5.4 step 2).
    header = cookie_header(cookies, "https://www.example.com/dir/x")
    assert header is not None and header.startswith("dir=4; ")
    assert sorted(header.split("; ")) == ["dir=4", "host_only=1", "secure=3", "wide=2"]
    # "/dir" does not path-match "/dirt" (5.1.4).
    header = cookie_header(cookies, "https://www.example.com/dirt")
    assert header is not None
    assert sorted(header.split("; ")) == ["host_only=1", "secure=3", "wide=2"]
    # Secure cookies are only sent over https.
    header = cookie_header(cookies, "http://www.example.com/")
    assert header is not None
    assert sorted(header.split("; ")) == ["host_only=1", "wide=2"]
    # Host-only cookies stay with their host; Domain cookies reach subdomains.
    assert cookie_header(cookies, "https://api.example.com/") == "wide=2"
    assert cookie_header(cookies, "https://example.com/") == "wide=2"
    assert cookie_header(cookies, "https://example.org/") is None
    assert cookie_header(cookies, "https://notexample.com/") is None


def test_round_trip_on_ip_address_and_localhost() -> None:
    for url in ("http://127.0.0.1:8000/", "http://localhost:8000/", "http://[::1]:8000/"):
        cookies = Cookies()
        cookies.extract_cookies(response_for(url, "session=abc; Path=/"))
        assert cookie_header(cookies, url + "next") == "session=abc", url


def test_existing_cookie_header_is_kept() -> None:
    cookies = Cookies({"a": "1"})
    request = request_for("http://example.com/", {"Cookie": "explicit=yes"})
    cookies.set_cookie_header(request)
    assert request.headers["cookie"] == "explicit=yes"


def test_set_cookie_header_ignores_userinfo() -> None:
    cookies = Cookies()
    cookies.extract_cookies(response_for("http://example.com/", "a=1; Path=/"))
    assert cookie_header(cookies, "http://user:secret@example.com/") == "a=1"


def test_manually_set_cookie_with_domain() -> None:
    # A cookie with a domain applies to that domain and its subdomains (5.1.3), with or
    # without a leading dot.
    cookies = Cookies()
    cookies.set("a", "1", domain="example.com")
    cookies.set("b", "2", domain=".example.com")
    cookies.set("c", "3", domain="www.example.com")
    assert cookie_header(cookies, "http://example.com/") == "a=1; b=2"
    assert cookie_header(cookies, "http://www.example.com/") == "a=1; b=2; c=3"
    assert cookie_header(cookies, "http://example.org/") is None
    assert cookie_header(cookies, "http://notexample.com/") is None


# ---------------------------------------------------------------------------------------
# Scope of server-set cookies (RFC 6265 sections 5.1.3 and 5.3)
# ---------------------------------------------------------------------------------------


def test_host_only_cookie_is_not_sent_to_subdomains() -> None:
    # No Domain attribute: host-only (5.3 step 6). http.cookiejar alone would also send
    # it to sub.example.com.
    cookies = Cookies()
    cookies.extract_cookies(response_for("http://example.com/", "host_only=1; Path=/"))
    assert cookie_header(cookies, "http://example.com/x") == "host_only=1"
    assert cookie_header(cookies, "http://sub.example.com/") is None
    assert cookie_header(cookies, "http://a.b.example.com/") is None
    assert cookie_header(cookies, "http://example.com:8080/") == "host_only=1"  # no port rule


def test_domain_cookie_reaches_subdomains() -> None:
    cookies = Cookies()
    cookies.extract_cookies(
        response_for("http://example.com/", "wide=1; Domain=example.com; Path=/")
    )
    assert cookie_header(cookies, "http://sub.example.com/") == "wide=1"
    assert cookie_header(cookies, "http://notexample.com/") is None


def test_ip_address_cannot_scope_a_cookie_to_other_addresses() -> None:
    # Domain-matching by suffix is for host names only (5.1.3): 127.0.0.1 may not set a
    # cookie for "0.0.1" (and so for 10.0.0.1), only for itself.
    cookies = Cookies()
    cookies.extract_cookies(
        response_for(
            "http://127.0.0.1/",
            "suffix=1; Domain=0.0.1; Path=/",
            "itself=1; Domain=127.0.0.1; Path=/",
        )
    )
    assert [cookie.name for cookie in cookies.jar] == ["itself"]
    assert cookie_header(cookies, "http://127.0.0.1/") == "itself=1"
    assert cookie_header(cookies, "http://10.0.0.1/") is None
    assert cookie_header(cookies, "http://0.0.1/") is None


def test_host_only_cookies_of_names_without_dots() -> None:
    cookies = Cookies()
    cookies.extract_cookies(response_for("http://localhost:8000/", "a=1; Path=/"))
    assert cookie_header(cookies, "http://localhost:9000/") == "a=1"
    assert cookie_header(cookies, "http://sub.localhost/") is None
    assert cookie_header(cookies, "http://127.0.0.1:8000/") is None


def test_user_cookies_without_domain_go_everywhere() -> None:
    cookies = Cookies({"user": "1"})
    for url in ("http://example.com/", "https://sub.example.org/", "http://127.0.0.1:1/"):
        assert cookie_header(cookies, url) == "user=1"
    # Copies keep the same rules.
    copy = Cookies(cookies)
    copy.extract_cookies(response_for("http://example.com/", "host_only=1; Path=/"))
    assert cookie_header(copy, "http://sub.example.com/") == "user=1"


def test_user_supplied_cookiejar_keeps_its_own_policy() -> None:
    jar = http.cookiejar.CookieJar()
    cookies = Cookies(jar)
    cookies.extract_cookies(response_for("http://example.com/", "a=1; Path=/"))
    # The standard library's rules: host-only cookies reach subdomains there.
    assert cookie_header(cookies, "http://sub.example.com/") == "a=1"


# ---------------------------------------------------------------------------------------
# Names and values a server could never read back (RFC 6265 section 4.1.1)
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["a b", "a\tb", " a", "a\x01", "a\x7f", "a\u2028b", "a\ud800", "a,b=", "x;"]
)
def test_more_bad_names_are_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="Invalid cookie name"):
        Cookies().set(name, "value")


@pytest.mark.parametrize("value", ["a;b", "a\x01b", "a\x7f", "\x1b[31m", "a\u2028b", "\udcff"])
def test_more_bad_values_are_rejected(value: str) -> None:
    with pytest.raises(ValueError, match="Invalid value for cookie"):
        Cookies().set("name", value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "hello world",
        '"quoted"',
        '{"json": [1, 2]}',
        "a,b",
        "base64+/==",
        "back\\slash",
        "tab\tinside",
        "café ☕",
        "x=y=z",
    ],
)
def test_common_values_are_accepted_and_sent(value: str) -> None:
    cookies = Cookies()
    cookies.set("name", value)
    assert cookie_header(cookies, "http://example.com/") == f"name={value}"


@pytest.mark.parametrize("name", ["cart[items]", "__Host-id", "a.b", "ünïcode", "a,b"])
def test_common_names_are_accepted(name: str) -> None:
    cookies = Cookies({name: "1"})
    assert cookie_header(cookies, "http://example.com/") == f"{name}=1"


def test_server_cookies_that_could_not_be_sent_back_are_ignored() -> None:
    # A Set-Cookie that decodes to a line break (U+2028 in UTF-8) would make every later
    # request to the server an invalid header: such cookies are not stored.
    response = Response(200, request=request_for("http://example.com/"))
    response.headers = Headers._from_trusted(
        [
            (b"Set-Cookie", "bad=x\u2028y; Path=/".encode()),
            (b"Set-Cookie", "bad\u2029name=1; Path=/".encode()),
            (b"Set-Cookie", b"odd=\x01kept; Path=/"),  # h11 lets controls through; so do we
            (b"Set-Cookie", b"good=1; Path=/"),
        ]
    )
    cookies = Cookies()
    cookies.extract_cookies(response)
    assert sorted(cookie.name for cookie in cookies.jar) == ["good", "odd"]
    assert cookie_header(cookies, "http://example.com/") == "odd=\x01kept; good=1"
