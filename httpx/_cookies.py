"""`Cookies`: a mutable mapping of cookie names to values, over `http.cookiejar.CookieJar`.

The jar applies the cookie rules (domain and path matching, Secure, expiry; RFC 6265
sections 5.1.3, 5.1.4 and 5.4). We only adapt our Request/Response to the urllib objects
the jar expects. `Request` and `Response` are duck-typed at run time (``.url``,
``.method``, ``.headers``, ``.request``) because `_models` sits above this module.
"""

from __future__ import annotations

import ipaddress
import re
import typing
import urllib.request
from collections.abc import Iterator
from http import cookiejar
from http.client import HTTPResponse
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy

from ._exceptions import CookieConflict
from ._headers import UNSENDABLE_IN_TEXT_VALUE, Headers
from ._types import CookieTypes

if typing.TYPE_CHECKING:  # pragma: no cover
    from ._models import Request, Response

__all__ = ["Cookies"]

# What a server could never read back from a Cookie header (RFC 6265 section 4.2.1:
# cookie-pair = cookie-name "=" cookie-value, pairs joined by "; "). Control characters
# (CR, LF and NUL would even inject headers) and ";" would split the pair; "=" would end
# a name early. Unicode line breaks are refused as they are in any header value. The
# stricter cookie-octet grammar of section 4.1.1 is not enforced: values with spaces,
# quotes, commas or non-ASCII text are common, and servers read them.
_FORBIDDEN_IN_VALUE = re.compile("[\x00-\x08\x0a-\x1f\x7f;\x85\u2028\u2029]")
_FORBIDDEN_IN_NAME = re.compile("[\x00-\x20\x7f;=\x85\u2028\u2029]")


def _check_cookie(name: object, value: object) -> None:
    # Names and values that are not str are kept as they are, as in httpx (where the
    # standard library's jar then fails to send an int value); str ones must be sendable.
    if isinstance(name, str) and (
        not name or _FORBIDDEN_IN_NAME.search(name) or not _encodable(name)
    ):
        raise ValueError(
            f"Invalid cookie name {name!r}: names must be non-empty and must not contain "
            "CR, LF, NUL or other control characters, whitespace, ';' or '='"
        )
    if isinstance(value, str) and (_FORBIDDEN_IN_VALUE.search(value) or not _encodable(value)):
        raise ValueError(
            f"Invalid value for cookie {name!r}: values must not contain CR, LF or NUL, "
            "other control characters or ';'"
        )


def _encodable(text: str) -> bool:
    # A lone surrogate has no UTF-8 form, so it could never be sent.
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# The jar's own (host, effective host) of a request: "localhost" -> "localhost.local".
# The jar records host-only cookies under the effective host; typeshed omits the function.
eff_request_host: typing.Callable[[urllib.request.Request], tuple[str, str]] = (
    cookiejar.eff_request_host  # type: ignore[attr-defined]
)


class _CookiePolicy(DefaultCookiePolicy):
    """The jar's rules, with two fixes to what a server may scope a cookie to.

    * RFC 6265 section 5.3 step 6: a cookie set without a Domain attribute is host-only,
      returned to exactly the host that set it. (`http.cookiejar` would also send it to
      that host's subdomains.) Cookies set with `Cookies.set` and no domain have an
      empty domain and keep httpx's meaning: they are sent to every host.
    * RFC 6265 section 5.1.3: domain-matching by suffix only applies to host names. A
      server at 127.0.0.1 cannot scope a cookie to "0.0.1" and so to every address that
      ends that way; an IP address only matches itself.
    """

    def set_ok(self, cookie: Cookie, request: urllib.request.Request) -> bool:
        # A server may set a cookie we could not send back: a line break (U+2028, say)
        # decoded from its Set-Cookie bytes. Storing it would make every later request
        # to that server fail as an invalid header, so it is ignored, as browsers do.
        if UNSENDABLE_IN_TEXT_VALUE.search(cookie.name) or (
            cookie.value is not None and UNSENDABLE_IN_TEXT_VALUE.search(cookie.value)
        ):
            return False
        return bool(super().set_ok(cookie, request))

    def set_ok_domain(self, cookie: Cookie, request: urllib.request.Request) -> bool:
        if cookie.domain_specified and not self._ip_address_matches(cookie, request):
            return False
        return super().set_ok_domain(cookie, request)

    def return_ok_domain(self, cookie: Cookie, request: urllib.request.Request) -> bool:
        if not cookie.domain:
            return True
        if not cookie.domain_specified:
            return bool(cookie.domain == eff_request_host(request)[1])
        if not self._ip_address_matches(cookie, request):
            return False
        return super().return_ok_domain(cookie, request)

    @staticmethod
    def _ip_address_matches(cookie: Cookie, request: urllib.request.Request) -> bool:
        host = eff_request_host(request)[0].strip("[]")
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return True  # A host name: the usual domain rules apply.
        return bool(cookie.domain.lstrip(".").strip("[]") == host)


def _sets_cookies(headers: Headers) -> bool:
    """Whether `headers` has a Set-Cookie or Set-Cookie2 field (compared as the
    lower-cased raw names that `Headers` keeps)."""
    for _, name, _ in headers._list:
        if name == b"set-cookie" or name == b"set-cookie2":
            return True
    return False


def _new_jar() -> CookieJar:
    return CookieJar(policy=_CookiePolicy())


class Cookies(typing.MutableMapping[str, str]):
    """HTTP cookies, as a mutable mapping of names to values.

    Several cookies may share a name (for different domains or paths): use
    ``get(name, domain=..., path=...)`` to pick one, as plain lookups raise
    `CookieConflict` when the candidates disagree.
    """

    def __init__(self, cookies: CookieTypes | None = None) -> None:
        if cookies is None or isinstance(cookies, dict):
            self.jar = _new_jar()
            if isinstance(cookies, dict):
                for name, value in cookies.items():
                    self.set(name, value)
        elif isinstance(cookies, list):
            self.jar = _new_jar()
            for name, value in cookies:
                self.set(name, value)
        elif isinstance(cookies, Cookies):
            self.jar = _new_jar()
            for cookie in cookies.jar:
                self.jar.set_cookie(cookie)
        else:
            # A CookieJar, shared and not copied: the caller keeps seeing the cookies we
            # store. (httpx takes anything else as a jar too.)
            self.jar = cookies

    def extract_cookies(self, response: Response) -> None:
        """Store the cookies that `response` sets (Set-Cookie), for its request's URL."""
        headers = response.headers
        if type(headers) is Headers and not _sets_cookies(headers):
            # Most responses set no cookie: one pass over the names, and no adapters.
            # (The headers' encoding is still worked out here, as httpx does.)
            headers.encoding  # noqa: B018
            return
        set_cookie = headers.get_list("set-cookie")
        set_cookie2 = headers.get_list("set-cookie2")
        if not set_cookie and not set_cookie2:
            return
        urllib_response = _UrllibResponse({"set-cookie": set_cookie, "set-cookie2": set_cookie2})
        urllib_request = _UrllibRequest(response.request)
        # The jar only calls .info().get_all(...) on the response; see _UrllibResponse.
        self.jar.extract_cookies(typing.cast(HTTPResponse, urllib_response), urllib_request)

    def set_cookie_header(self, request: Request) -> None:
        """Set the request's Cookie header from the cookies that apply to its URL.

        A Cookie header already on the request is left alone.
        """
        if not self:
            return
        self.jar.add_cookie_header(_UrllibRequest(request))

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        """Set a cookie. With no domain it is sent to every host."""
        _check_cookie(name, value)
        cookie = Cookie(
            version=0,
            name=name,
            value=value,
            port=None,
            port_specified=False,
            domain=domain,
            domain_specified=domain != "",
            domain_initial_dot=domain.startswith("."),
            path=path,
            path_specified=bool(path),
            secure=False,
            expires=None,
            discard=True,
            comment=None,
            comment_url=None,
            rest={"HttpOnly": None},  # type: ignore[dict-item]  # (typeshed: dict[str, str])
            rfc2109=False,
        )
        self.jar.set_cookie(cookie)

    def _matching(self, name: str, domain: str | None, path: str | None) -> list[Cookie]:
        return [
            cookie
            for cookie in self.jar
            if cookie.name == name
            and (domain is None or cookie.domain == domain)
            and (path is None or cookie.path == path)
        ]

    def get(  # type: ignore[override]
        self,
        name: str,
        default: str | None = None,
        domain: str | None = None,
        path: str | None = None,
    ) -> str | None:
        """The value of cookie `name`, optionally restricted to a domain and path.

        Raises `CookieConflict` if several cookies match with different values.
        """
        value: str | None = None
        for cookie in self._matching(name, domain, path):
            if value is not None:
                raise CookieConflict(f"Multiple cookies exist with name={name}")
            value = cookie.value
        return default if value is None else value

    def delete(self, name: str, domain: str | None = None, path: str | None = None) -> None:
        """Delete every cookie called `name` (in `domain` and `path`, when given).

        Deleting a cookie that does not exist does nothing.
        """
        for cookie in self._matching(name, domain, path):
            try:
                self.jar.clear(cookie.domain, cookie.path, cookie.name)
            except KeyError:  # pragma: no cover - removed concurrently
                pass

    def clear(self, domain: str | None = None, path: str | None = None) -> None:
        """Delete all cookies, or only those of `domain` (and `path` in it).

        As `http.cookiejar.CookieJar.clear`, raises KeyError if there are none.
        """
        args: list[str] = []
        if domain is not None:
            args.append(domain)
        if path is not None:
            assert domain is not None
            args.append(path)
        self.jar.clear(*args)

    def update(self, cookies: CookieTypes | None = None) -> None:  # type: ignore[override]
        """Add cookies from a dict, list of pairs, Cookies or CookieJar."""
        source = cookies.jar if isinstance(cookies, Cookies) else Cookies(cookies).jar
        for cookie in source:
            self.jar.set_cookie(cookie)

    def __setitem__(self, name: str, value: str) -> None:
        self.set(name, value)

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __delitem__(self, name: str) -> None:
        # As in httpx: deleting a missing cookie is not an error.
        self.delete(name)

    def __len__(self) -> int:
        return len(self.jar)

    def __iter__(self) -> Iterator[str]:
        return (cookie.name for cookie in self.jar)

    def __bool__(self) -> bool:
        for _ in self.jar:
            return True
        return False

    def __repr__(self) -> str:
        cookies_repr = ", ".join(
            f"<Cookie {cookie.name}={cookie.value} for {cookie.domain} />" for cookie in self.jar
        )
        return f"<Cookies[{cookies_repr}]>"


class _UrllibRequest(urllib.request.Request):
    """The view of one of our requests that `CookieJar` works on.

    The jar reads the URL (host, path, scheme), the Host header (only when the URL has no
    host) and whether a Cookie header is already set; it writes the Cookie header with
    `add_unredirected_header`, which we forward to the real request.
    """

    def __init__(self, request: Request) -> None:
        url = request.url
        if url.userinfo:
            # "user:pass@host" would be taken for the host name by the jar.
            url = url.copy_with(username=None, password=None)
        request_headers: Headers = request.headers
        headers = {}
        for name in ("Host", "Cookie", "Cookie2"):
            value = request_headers.get(name)
            if value is not None:
                headers[name] = value
        super().__init__(url=str(url), headers=headers, method=request.method)
        self._request = request

    def add_unredirected_header(self, key: str, header: str) -> None:
        super().add_unredirected_header(key, header)
        self._request.headers[key] = header


class _UrllibResponse:
    """The view of a response that `CookieJar.extract_cookies` needs: `.info().get_all()`."""

    def __init__(self, headers: dict[str, list[str]]) -> None:
        self._headers = headers

    def info(self) -> _UrllibResponse:
        return self

    def get_all(self, name: str, default: list[str]) -> list[str]:
        return self._headers.get(name.lower()) or default
