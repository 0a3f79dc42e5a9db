"""Send the command line's one request: over the network, or in-process to an --app.

The three ways share everything but the client: the request options, the event hooks the
output is printed from, and a `handle` callback that consumes the response while its
stream is open (to print it, or to download it). No click or rich here.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import anyio

from .._async_client import AsyncClient
from .._client import Client
from .._exceptions import ReadTimeout
from .._models import Request, Response
from .._retry import Retry
from .._transports.asgi import ASGITransport
from .._transports.wsgi import WSGITransport
from .options import RETRY_STATUSES

if typing.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

    from .._transports.asgi import _ASGIApp

__all__ = [
    "APP_BASE_URL",
    "ExchangeHooks",
    "RequestOptions",
    "cli_retry",
    "send_over_network",
    "send_to_asgi_app",
    "send_to_wsgi_app",
]

T = typing.TypeVar("T")
# The authority an --app request gets when the URL given is a bare path ("/json"):
# the name Starlette's TestClient uses too.
APP_BASE_URL = "http://testserver"

NameValue = tuple[str, str]
Trace = Callable[[str, Mapping[str, typing.Any]], None]


@dataclass(frozen=True)
class RequestOptions:
    """The request, as the command line describes it."""

    method: str
    url: str
    params: Sequence[NameValue] = ()
    content: str | None = None
    data: Mapping[str, Sequence[str]] | None = None
    files: Sequence[tuple[str, typing.BinaryIO]] | None = None
    json: typing.Any = None
    headers: Sequence[NameValue] = ()
    cookies: Mapping[str, str] | None = None
    auth: tuple[str, str] | None = None
    timeout: float = 5.0
    follow_redirects: bool = False


@dataclass(frozen=True)
class ExchangeHooks:
    """Where the output comes from: each response's headers, and the verbose details."""

    on_response: Callable[[Response], None]
    on_request: Callable[[Request], None] | None = None  # in-process transports only
    trace: Trace | None = None  # httpcore's `trace` extension: network transports only


def _stream_kwargs(options: RequestOptions) -> dict[str, typing.Any]:
    return {
        "method": options.method,
        "url": options.url,
        # None without -p: `params=[]` would replace the URL's own query (as in httpx).
        "params": list(options.params) or None,
        "content": options.content,
        "data": options.data,
        "files": options.files,
        "json": options.json,
        "headers": list(options.headers),
        "auth": options.auth,
        "follow_redirects": options.follow_redirects,
    }


def _sync_hooks(hooks: ExchangeHooks) -> dict[str, list[Callable[..., typing.Any]]]:
    request_hooks = [hooks.on_request] if hooks.on_request is not None else []
    return {"request": request_hooks, "response": [hooks.on_response]}


def send_over_network(
    options: RequestOptions,
    hooks: ExchangeHooks,
    handle: Callable[[Response], T],
    *,
    proxy: str | None = None,
    verify: bool = True,
    http2: bool = False,
    retries: int = 0,
    resolve: Mapping[str, Sequence[str]] | None = None,
) -> T:
    """Send through the default transport (httpcore): proxies and TLS apply."""
    with Client(
        proxy=proxy,
        timeout=options.timeout,
        http2=http2,
        verify=verify,
        # Cookies go on the client: per-request cookies are deprecated in httpx 0.28.
        cookies=dict(options.cookies or {}),
        event_hooks=_sync_hooks(hooks),
        retries=cli_retry(retries) if retries else None,
        resolve=dict(resolve) if resolve else None,
    ) as client:
        extensions = {"trace": hooks.trace} if hooks.trace is not None else None
        with client.stream(**_stream_kwargs(options), extensions=extensions) as response:
            return handle(response)


def cli_retry(retries: int) -> Retry:
    """--retries NUM: curl's --retry, on urllib3's rules (see the --help text)."""
    return Retry(
        total=retries,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=0.5,
        # The last response is shown (and --fail applies to it), as curl does.
        raise_on_status=False,
    )


def send_to_wsgi_app(
    app: WSGIApplication,
    options: RequestOptions,
    hooks: ExchangeHooks,
    handle: Callable[[Response], T],
) -> T:
    """Call a WSGI application in-process; the body streams from its iterable."""
    with Client(
        transport=WSGITransport(app=app),
        base_url=APP_BASE_URL,
        timeout=options.timeout,
        cookies=dict(options.cookies or {}),
        event_hooks=_sync_hooks(hooks),
        # Proxy variables from the environment would mount proxy transports that take
        # precedence over ours and send the request to the network.
        trust_env=False,
    ) as client:
        with client.stream(**_stream_kwargs(options)) as response:
            return handle(response)


def send_to_asgi_app(
    app: _ASGIApp,
    options: RequestOptions,
    hooks: ExchangeHooks,
    handle: Callable[[Response], T],
) -> T:
    """Call an ASGI application in-process on an event loop of its own.

    ASGITransport buffers the body, so the whole exchange runs inside `anyio.run`, under
    the --timeout (an application that never answers must not hang the command line);
    `handle` then reads the buffered response synchronously.
    """

    async def on_request(request: Request) -> None:
        if hooks.on_request is not None:
            hooks.on_request(request)

    async def on_response(response: Response) -> None:
        hooks.on_response(response)

    async def exchange() -> Response:
        async with AsyncClient(
            transport=ASGITransport(app=app),
            base_url=APP_BASE_URL,
            cookies=dict(options.cookies or {}),
            event_hooks={"request": [on_request], "response": [on_response]},
            trust_env=False,
        ) as client:
            request = client.build_request(
                options.method,
                options.url,
                params=list(options.params) or None,
                content=options.content,
                data=options.data,
                files=options.files,
                json=options.json,
                headers=list(options.headers),
            )
            try:
                with anyio.fail_after(options.timeout):
                    response = await client.send(
                        request, auth=options.auth, follow_redirects=options.follow_redirects
                    )
            except TimeoutError:
                raise ReadTimeout(
                    f"the application did not respond within {options.timeout:g} s",
                    request=request,
                ) from None
            return response

    return handle(anyio.run(exchange))
