"""Redirect policy: how the request that follows a 3xx response is built.

Pure functions with no I/O, so that the rules (RFC 9110 section 15.4) are written once
and tested without a transport or an event loop.
"""

from __future__ import annotations

import typing

from ._exceptions import InvalidURL, RemoteProtocolError
from ._headers import Headers
from ._models import Request, Response
from ._status_codes import codes
from ._types import AsyncByteStream, SyncByteStream
from ._urls import URL
from ._utils import is_https_redirect, same_origin

__all__ = ["redirect_request_parts"]


def redirect_method(request: Request, response: Response) -> str:
    """The method of the follow-up request (RFC 9110 section 15.4)."""
    method = request.method
    # 303 See Other: anything but HEAD becomes GET.
    if response.status_code == codes.SEE_OTHER and method != "HEAD":
        return "GET"
    # 302 Found: as browsers do (and httpx, and requests), anything but HEAD becomes GET;
    # QUERY (not in httpx 0.28) is kept, as its specification asks: it is safe, and
    # turning it into a GET would drop the query it carries in its body.
    if response.status_code == codes.FOUND and method not in ("HEAD", "QUERY"):
        return "GET"
    # 301 Moved Permanently: POST becomes GET, the historical exception RFC 9110 section
    # 15.4.2 permits.
    if response.status_code == codes.MOVED_PERMANENTLY and method == "POST":
        return "GET"
    return method


def redirect_url(request: Request, response: Response) -> URL:
    """The absolute URL named by the Location header, resolved against the request."""
    location = response.headers["Location"]
    try:
        url = URL(location)
    except InvalidURL as exc:
        raise RemoteProtocolError(
            f"Invalid URL in location header: {exc}.", request=request
        ) from None

    # "https:/path" style: a scheme with no authority keeps the request's host.
    if url.scheme and not url.host:
        url = url.copy_with(host=request.url.host)
    if url.is_relative_url:
        url = request.url.join(url)
    # RFC 9110 section 10.2.2: a fragment-less Location inherits the request's fragment.
    if request.url.fragment and not url.fragment:
        url = url.copy_with(fragment=request.url.fragment)
    return url


def redirect_headers(
    request: Request,
    url: URL,
    method: str,
    sensitive_headers: typing.AbstractSet[str] = frozenset(),
) -> Headers:
    """The headers of the follow-up request to `url`, as httpx builds them.

    On a change of origin (scheme, host or port; RFC 6454), `Authorization` (RFC 9110
    section 11.6.2: credentials for the origin they were sent to) is dropped, except on
    an upgrade from http to https on the same host and default ports, where httpx and
    requests keep it; the caller's `sensitive_headers` (lower-case names, our addition)
    are dropped on every change of origin, the upgrade included.
    """
    headers = Headers(request.headers)
    if not same_origin(url, request.url):
        if not is_https_redirect(request.url, url):
            headers.pop("Authorization", None)
        for name in sensitive_headers:
            headers.pop(name, None)
        headers["Host"] = url.netloc.decode("ascii")
    if method != request.method and method == "GET":
        # The body is dropped, and with it its framing headers. (Like httpx, we keep
        # Content-Type.)
        headers.pop("Content-Length", None)
        headers.pop("Transfer-Encoding", None)
    # Cookies are re-derived from the jar for the new URL, not carried over.
    headers.pop("Cookie", None)
    return headers


def redirect_stream(request: Request, method: str) -> SyncByteStream | AsyncByteStream | None:
    if method != request.method and method == "GET":
        return None
    # 307/308 replay the body; a one-shot stream raises StreamConsumed when re-read.
    return request.stream


def redirect_request_parts(
    request: Request,
    response: Response,
    sensitive_headers: typing.AbstractSet[str] = frozenset(),
) -> tuple[str, URL, Headers, SyncByteStream | AsyncByteStream | None]:
    """Method, URL, headers and body stream of the request that follows `response`.

    `sensitive_headers`: lower-case names of headers that must not follow a redirect to
    another origin.
    """
    method = redirect_method(request, response)
    url = redirect_url(request, response)
    headers = redirect_headers(request, url, method, sensitive_headers)
    stream = redirect_stream(request, method)
    return method, url, headers, stream
