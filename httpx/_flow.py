"""The request flow, written once: auth, redirects, cookies, hooks and history.

`send_flow` is a generator with no I/O. Wherever the flow needs something done that is
I/O (sending, reading, closing, calling hooks, stepping an auth flow), it yields an
*effect* and receives the result back; exceptions raised while carrying an effect out
are thrown back into the generator. `run_sync` and `run_async` are the two drivers:
the first calls, the second awaits. `Client` and `AsyncClient` only pick a driver.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import time
import typing
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator

from ._auth import Auth
from ._cookies import Cookies
from ._exceptions import TooManyRedirects
from ._models import Request, Response
from ._redirects import redirect_request_parts
from ._types import AsyncByteStream, SyncByteStream

if typing.TYPE_CHECKING:  # pragma: no cover
    from ._transports.base import AsyncBaseTransport, BaseTransport

__all__ = ["FlowSettings", "run_async", "run_sync", "send_flow"]

logger = logging.getLogger("httpx")


# --- effects: what the flow asks its driver to do --------------------------------------


@dataclasses.dataclass(slots=True)
class Send:
    """Send `request` through `transport`; the result is the `Response`."""

    transport: typing.Any
    request: Request


@dataclasses.dataclass(slots=True)
class Read:
    response: Response


@dataclasses.dataclass(slots=True)
class Close:
    response: Response


@dataclasses.dataclass(slots=True)
class CallHooks:
    hooks: list[Callable[..., typing.Any]]
    argument: Request | Response


@dataclasses.dataclass(slots=True)
class AuthStart:
    """Start `auth`'s flow for `request`; the result is the flow object."""

    auth: Auth
    request: Request


@dataclasses.dataclass(slots=True)
class AuthStep:
    """Send `response` into the auth flow (None to start it); the result is the next
    request, or None when the flow is finished."""

    flow: typing.Any
    response: Response | None


@dataclasses.dataclass(slots=True)
class AuthClose:
    """Close an auth flow that was abandoned because of an error."""

    flow: typing.Any


Effect = typing.Union[Send, Read, Close, CallHooks, AuthStart, AuthStep, AuthClose]
Flow = Generator[Effect, typing.Any, Response]


@dataclasses.dataclass(slots=True)
class FlowSettings:
    """What the flow needs from the client: fixed for the duration of one `send`."""

    transport_for_url: Callable[[typing.Any], typing.Any]
    cookies: Cookies
    max_redirects: int
    request_hooks: list[Callable[..., typing.Any]]
    response_hooks: list[Callable[..., typing.Any]]
    default_encoding: str | Callable[[bytes], str]
    # Which driver runs the flow: response streams are wrapped for that kind of I/O
    # (a `ByteStream` is both sync and async, so the stream's type can't tell).
    asynchronous: bool


# --- the flow ----------------------------------------------------------------------------


def send_flow(
    settings: FlowSettings,
    request: Request,
    auth: Auth,
    follow_redirects: bool,
    stream: bool,
) -> Flow:
    """Send `request`, applying auth and following redirects, and return the response."""
    response = yield from _auth_flow(settings, request, auth, follow_redirects)
    if not stream:
        try:
            yield Read(response)
        except GeneratorExit:
            raise
        except BaseException:
            yield Close(response)
            raise
    return response


def _auth_flow(
    settings: FlowSettings, request: Request, auth: Auth, follow_redirects: bool
) -> Flow:
    history: list[Response] = []
    flow = yield AuthStart(auth, request)
    try:
        request = yield AuthStep(flow, None)
        while True:
            response = yield from _redirect_flow(settings, request, follow_redirects, history)
            try:
                next_request = yield AuthStep(flow, response)
                if next_request is None:
                    return response
                # The auth flow wants another round trip: this response becomes history.
                logger.debug(
                    "Auth flow retries %s after %d", next_request.url, response.status_code
                )
                response.history = list(history)
                yield Read(response)
                request = next_request
                history.append(response)
            except GeneratorExit:
                raise
            except BaseException:
                yield Close(response)
                raise
    except GeneratorExit:
        raise
    except BaseException:
        # An unfinished auth flow (an async generator in particular) must be closed
        # explicitly, not left to the garbage collector.
        yield AuthClose(flow)
        raise


def _redirect_flow(
    settings: FlowSettings,
    request: Request,
    follow_redirects: bool,
    history: list[Response],
) -> Flow:
    while True:
        if len(history) > settings.max_redirects:
            raise TooManyRedirects(
                f"Exceeded maximum allowed redirects ({settings.max_redirects}).",
                request=request,
            )
        if settings.request_hooks:
            yield CallHooks(settings.request_hooks, request)

        response = yield from _single_request(settings, request)
        try:
            if settings.response_hooks:
                yield CallHooks(settings.response_hooks, response)
            response.history = list(history)

            if not response.has_redirect_location:
                return response

            next_request = _build_redirect_request(settings, request, response)
            if not follow_redirects:
                response.next_request = next_request
                return response

            # Read (and so release) the redirect response before following it.
            yield Read(response)
            logger.debug("Following redirect to %s", next_request.url)
            history.append(response)
            request = next_request
        except GeneratorExit:
            raise
        except BaseException:
            yield Close(response)
            raise


def _single_request(settings: FlowSettings, request: Request) -> Flow:
    transport = settings.transport_for_url(request.url)
    logger.debug("Sending %s %s through %s", request.method, request.url, type(transport).__name__)
    started = time.perf_counter()
    response: Response = yield Send(transport, request)
    response.request = request
    response.default_encoding = settings.default_encoding
    response.stream = _timed_stream(response, started, settings.asynchronous)
    settings.cookies.extract_cookies(response)
    logger.info(
        'HTTP Request: %s %s "%s %d %s"',
        request.method,
        request.url,
        response.http_version,
        response.status_code,
        response.reason_phrase,
    )
    return response


def _build_redirect_request(
    settings: FlowSettings, request: Request, response: Response
) -> Request:
    method, url, headers, stream = redirect_request_parts(request, response)
    return Request(
        method=method,
        url=url,
        headers=headers,
        cookies=settings.cookies,
        stream=stream,
        extensions=request.extensions,
    )


# --- timing: `response.elapsed` is set when the response is closed -----------------------


def _timed_stream(
    response: Response, started: float, asynchronous: bool
) -> SyncByteStream | AsyncByteStream:
    stream = response.stream
    if asynchronous:
        if not isinstance(stream, AsyncByteStream):
            raise TypeError(f"An async transport returned a sync response stream: {stream!r}")
        return _TimedAsyncStream(stream, response, started)
    if not isinstance(stream, SyncByteStream):
        raise TypeError(f"A sync transport returned an async response stream: {stream!r}")
    return _TimedSyncStream(stream, response, started)


class _TimedSyncStream(SyncByteStream):
    __slots__ = ("_stream", "_response", "_started")

    def __init__(self, stream: SyncByteStream, response: Response, started: float) -> None:
        self._stream = stream
        self._response = response
        self._started = started

    def __iter__(self) -> Iterator[bytes]:
        yield from self._stream

    def close(self) -> None:
        self._response.elapsed = _since(self._started)
        self._stream.close()


class _TimedAsyncStream(AsyncByteStream):
    __slots__ = ("_stream", "_response", "_started")

    def __init__(self, stream: AsyncByteStream, response: Response, started: float) -> None:
        self._stream = stream
        self._response = response
        self._started = started

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        self._response.elapsed = _since(self._started)
        await self._stream.aclose()


def _since(started: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=time.perf_counter() - started)


# --- the two drivers -----------------------------------------------------------------------


def run_sync(flow: Flow) -> Response:
    """Drive `flow`, carrying out each effect with blocking calls."""
    result: typing.Any = None
    error: BaseException | None = None
    while True:
        try:
            effect = flow.send(result) if error is None else flow.throw(error)
        except StopIteration as stop:
            return typing.cast(Response, stop.value)
        result, error = None, None
        try:
            result = _do_sync(effect)
        except BaseException as exc:  # thrown back into the flow, which re-raises
            error = exc


def _do_sync(effect: Effect) -> typing.Any:
    if isinstance(effect, Send):
        transport: BaseTransport = effect.transport
        if not isinstance(effect.request.stream, SyncByteStream):
            raise RuntimeError("Attempted to send an async request with a sync Client instance.")
        return transport.handle_request(effect.request)
    if isinstance(effect, Read):
        return effect.response.read()
    if isinstance(effect, Close):
        return effect.response.close()
    if isinstance(effect, CallHooks):
        for hook in effect.hooks:
            hook(effect.argument)
        return None
    if isinstance(effect, AuthStart):
        return effect.auth.sync_auth_flow(effect.request)
    if isinstance(effect, AuthClose):
        return effect.flow.close()
    flow: Generator[Request, Response, None] = effect.flow
    try:
        return next(flow) if effect.response is None else flow.send(effect.response)
    except StopIteration:
        return None


async def run_async(flow: Flow) -> Response:
    """Drive `flow`, carrying out each effect with awaits."""
    result: typing.Any = None
    error: BaseException | None = None
    while True:
        try:
            effect = flow.send(result) if error is None else flow.throw(error)
        except StopIteration as stop:
            return typing.cast(Response, stop.value)
        result, error = None, None
        try:
            result = await _do_async(effect)
        except BaseException as exc:  # thrown back into the flow, which re-raises
            error = exc


async def _do_async(effect: Effect) -> typing.Any:
    if isinstance(effect, Send):
        transport: AsyncBaseTransport = effect.transport
        if not isinstance(effect.request.stream, AsyncByteStream):
            raise RuntimeError("Attempted to send a sync request with an AsyncClient instance.")
        return await transport.handle_async_request(effect.request)
    if isinstance(effect, Read):
        return await effect.response.aread()
    if isinstance(effect, Close):
        return await effect.response.aclose()
    if isinstance(effect, CallHooks):
        for hook in effect.hooks:
            await hook(effect.argument)
        return None
    if isinstance(effect, AuthStart):
        return effect.auth.async_auth_flow(effect.request)
    if isinstance(effect, AuthClose):
        return await effect.flow.aclose()
    flow: AsyncGenerator[Request, Response] = effect.flow
    try:
        if effect.response is None:
            return await flow.__anext__()
        return await flow.asend(effect.response)
    except StopAsyncIteration:
        return None
