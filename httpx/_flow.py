"""The request flow, written once: auth, redirects, cookies, hooks and history.

`send_flow` is a generator with no I/O. Wherever the flow needs something done that is
I/O (sending, reading, closing, calling hooks, stepping an auth flow), it yields an
*effect* and receives the result back; exceptions raised while carrying an effect out
are thrown back into the generator. `run_sync` and `run_async` are the two drivers:
the first calls, the second awaits. `Client` and `AsyncClient` only pick a driver.

With a retry policy (`Client(retries=httpx.Retry(...))`), each round trip may take
several attempts: the policy's decisions are `_retry`'s pure functions, and the wait
between two attempts is one more effect (`Backoff`), which the drivers carry out with a
blocking or an awaited sleep, reporting it to the ``trace`` extension.
"""

from __future__ import annotations

import logging
import time
import typing
from collections.abc import AsyncGenerator, Callable, Generator

from ._auth import Auth
from ._cookies import Cookies
from ._deadline import Deadline, current_deadline, deadline_for_request
from ._exceptions import (
    HTTPStatusError,
    PoolTimeout,
    ReadTimeout,
    RequestError,
    TooManyRedirects,
    TransportError,
    attach_request,
)
from ._flow_streams import timed_stream, within_deadline
from ._models import Request, Response
from ._redirects import redirect_request_parts
from ._types import AsyncByteStream, SyncByteStream

if typing.TYPE_CHECKING:  # pragma: no cover
    from ._retry import Retry, RetryPlan
    from ._transports.base import AsyncBaseTransport, BaseTransport

__all__ = ["FlowSettings", "run_async", "run_sync", "send_flow"]

logger = logging.getLogger("httpx")


# --- effects: what the flow asks its driver to do --------------------------------------


# Plain classes with __slots__ rather than dataclasses: the flow allocates a few of these
# per request, and creating a dataclass costs ~0.3 ms of `import httpx` each.


class Send:
    """Send `request` through `transport` (within `deadline`, if any); the result is the
    `Response`."""

    __slots__ = ("deadline", "request", "transport")

    def __init__(
        self, transport: typing.Any, request: Request, deadline: Deadline | None = None
    ) -> None:
        self.transport = transport
        self.request = request
        self.deadline = deadline


class Read:
    __slots__ = ("response",)

    def __init__(self, response: Response) -> None:
        self.response = response


class Close:
    __slots__ = ("response",)

    def __init__(self, response: Response) -> None:
        self.response = response


class CallHooks:
    __slots__ = ("argument", "hooks")

    def __init__(
        self, hooks: list[Callable[..., typing.Any]], argument: Request | Response
    ) -> None:
        self.hooks = hooks
        self.argument = argument


class AuthStart:
    """Start `auth`'s flow for `request`; the result is the flow object."""

    __slots__ = ("auth", "request")

    def __init__(self, auth: Auth, request: Request) -> None:
        self.auth = auth
        self.request = request


class AuthStep:
    """Send `response` into the auth flow (None to start it); the result is the next
    request, or None when the flow is finished."""

    __slots__ = ("flow", "response")

    def __init__(self, flow: typing.Any, response: Response | None) -> None:
        self.flow = flow
        self.response = response


class AuthClose:
    """Close an auth flow that was abandoned because of an error."""

    __slots__ = ("flow",)

    def __init__(self, flow: typing.Any) -> None:
        self.flow = flow


class Backoff:
    """Wait before the next attempt of `request` (a retry), as `plan` says."""

    __slots__ = ("plan", "request")

    def __init__(self, request: Request, plan: RetryPlan) -> None:
        self.request = request
        self.plan = plan


Effect = typing.Union[Send, Read, Close, CallHooks, AuthStart, AuthStep, AuthClose, Backoff]
Flow = Generator[Effect, typing.Any, Response]


class FlowSettings:
    """What the flow needs from the client: fixed for the duration of one `send`."""

    __slots__ = (
        "asynchronous",
        "cookies",
        "default_encoding",
        "max_redirects",
        "request_hooks",
        "response_hooks",
        "retry",
        "sensitive_headers",
        "transport_for_url",
    )

    def __init__(
        self,
        *,
        transport_for_url: Callable[[typing.Any], typing.Any],
        cookies: Cookies,
        max_redirects: int,
        request_hooks: list[Callable[..., typing.Any]],
        response_hooks: list[Callable[..., typing.Any]],
        default_encoding: str | Callable[[bytes], str],
        asynchronous: bool,
        sensitive_headers: frozenset[str] = frozenset(),
        retry: Retry | None = None,
    ) -> None:
        self.transport_for_url = transport_for_url
        self.cookies = cookies
        self.max_redirects = max_redirects
        self.request_hooks = request_hooks
        self.response_hooks = response_hooks
        self.default_encoding = default_encoding
        # Which driver runs the flow: response streams are wrapped for that kind of I/O
        # (a `ByteStream` is both sync and async, so the stream's type can't tell).
        self.asynchronous = asynchronous
        # Lower-case names of headers that must not follow a redirect to another
        # origin, besides the Authorization header that `_redirects` drops there.
        self.sensitive_headers = sensitive_headers
        # The client's retry policy (None: each request is sent once, as in httpx 0.28).
        self.retry = retry


# --- the flow ----------------------------------------------------------------------------


def send_flow(
    settings: FlowSettings,
    request: Request,
    auth: Auth,
    follow_redirects: bool,
    stream: bool,
) -> Flow:
    """Send `request`, applying auth and following redirects, and return the response."""
    # The overall deadline (Timeout(total=...)) starts now and covers every round trip
    # and, through the response stream, reading the body.
    deadline = deadline_for_request(request)
    if type(auth) is Auth:
        # No authentication (the default): its flow would only pass the request through,
        # so it is not driven at all (three effects and a generator fewer per request).
        response = yield from _redirect_flow(settings, request, follow_redirects, [], deadline)
    else:
        response = yield from _auth_flow(settings, request, auth, follow_redirects, deadline)
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
    settings: FlowSettings,
    request: Request,
    auth: Auth,
    follow_redirects: bool,
    deadline: Deadline | None,
) -> Flow:
    history: list[Response] = []
    flow = yield AuthStart(auth, request)
    try:
        request = yield AuthStep(flow, None)
        while True:
            response = yield from _redirect_flow(
                settings, request, follow_redirects, history, deadline
            )
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
    deadline: Deadline | None,
) -> Flow:
    while True:
        if len(history) > settings.max_redirects:
            raise TooManyRedirects("Exceeded maximum allowed redirects.", request=request)
        if settings.request_hooks:
            yield CallHooks(settings.request_hooks, request)

        response = yield from _single_request(settings, request, deadline)
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


def _single_request(settings: FlowSettings, request: Request, deadline: Deadline | None) -> Flow:
    transport = settings.transport_for_url(request.url)
    retry = settings.retry
    while True:
        logger.debug(
            "Sending %s %s through %s", request.method, request.url, type(transport).__name__
        )
        started = time.perf_counter()
        try:
            try:
                response: Response = yield Send(transport, request, deadline)
            except RequestError as exc:
                # As httpx does: a RequestError raised without a request (by a transport,
                # a mock handler) gets this one.
                attach_request(exc, request)
                raise
        except TransportError as exc:
            if retry is None:
                raise
            # (The retry policy's module loads with the first client that has one.)
            from ._retry import plan_after_error

            plan = plan_after_error(retry, request, exc, _remaining(deadline))
            if plan is None or plan.exhausted:
                raise
            retry = yield from _back_off(request, plan)
            continue
        response.request = request
        response.default_encoding = settings.default_encoding
        response.stream = timed_stream(response, started, settings.asynchronous, deadline)
        settings.cookies.extract_cookies(response)
        logger.info(
            'HTTP Request: %s %s "%s %d %s"',
            request.method,
            request.url,
            response.http_version,
            response.status_code,
            response.reason_phrase,
        )
        if retry is None:
            return response
        from ._retry import plan_after_response, status_error_message

        plan = plan_after_response(retry, request, response, _remaining(deadline))
        if plan is None:
            return response
        if plan.exhausted:
            if not retry.raise_on_status:
                return response
            yield from _read_or_close(response)
            retries = len(retry.history)
            raise HTTPStatusError(
                status_error_message(response, retries), request=request, response=response
            )
        # The body of the response given up on is read (so that its connection can be
        # reused, as urllib3 drains it); one that fails to read is closed.
        yield from _read_or_close(response)
        retry = yield from _back_off(request, plan)


def _remaining(deadline: Deadline | None) -> float | None:
    return None if deadline is None else deadline.remaining()


def _back_off(request: Request, plan: RetryPlan) -> Generator[Effect, typing.Any, Retry]:
    yield Backoff(request, plan)
    return plan.retry


def _read_or_close(response: Response) -> Generator[Effect, typing.Any, None]:
    try:
        yield Read(response)
    except GeneratorExit:
        raise
    except Exception:
        yield Close(response)


def _build_redirect_request(
    settings: FlowSettings, request: Request, response: Response
) -> Request:
    method, url, headers, stream = redirect_request_parts(
        request, response, settings.sensitive_headers
    )
    return Request(
        method=method,
        url=url,
        headers=headers,
        cookies=settings.cookies,
        stream=stream,
        extensions=request.extensions,
    )


# --- the deadline in the drivers ---------------------------------------------------------------


def _send_sync(effect: Send) -> Response:
    transport: BaseTransport = effect.transport
    deadline = effect.deadline
    if deadline is None:
        return transport.handle_request(effect.request)
    if deadline.expired():
        raise deadline.error(effect.request, PoolTimeout)
    # Until the transport says otherwise, the request is waiting for its response.
    deadline.phase = ReadTimeout
    token = current_deadline.set(deadline)
    try:
        return transport.handle_request(effect.request)
    finally:
        current_deadline.reset(token)


async def _send_async(effect: Send) -> Response:
    transport: AsyncBaseTransport = effect.transport
    deadline = effect.deadline
    if deadline is None:
        return await transport.handle_async_request(effect.request)
    if deadline.expired():
        raise deadline.error(effect.request, PoolTimeout)
    deadline.phase = ReadTimeout
    return await within_deadline(
        transport.handle_async_request(effect.request), deadline, effect.request
    )


# --- the two drivers -----------------------------------------------------------------------


class _EscapedStopIteration(Exception):
    """Carries a StopIteration raised by an effect (a transport, a hook) through the flow.

    Thrown into a generator as itself, a StopIteration would come out as
    ``RuntimeError("generator raised StopIteration")`` (PEP 479); httpx lets it reach the
    caller unchanged, and respx relies on that when an iterable side effect runs out.
    """

    def __init__(self, original: StopIteration) -> None:
        super().__init__(original)
        self.original = original


def run_sync(flow: Flow) -> Response:
    """Drive `flow`, carrying out each effect with blocking calls."""
    result: typing.Any = None
    error: BaseException | None = None
    while True:
        try:
            effect = flow.send(result) if error is None else flow.throw(error)
        except StopIteration as stop:
            return typing.cast(Response, stop.value)
        except _EscapedStopIteration as escaped:
            original = escaped.original
            break
        result, error = None, None
        try:
            result = _do_sync(effect)
        except StopIteration as exc:
            error = _EscapedStopIteration(exc)
        except BaseException as exc:  # thrown back into the flow, which re-raises
            error = exc
    # Raised outside the except clause, so that it carries no chained context of ours.
    raise original


def _do_sync(effect: Effect) -> typing.Any:
    if isinstance(effect, Send):
        if not isinstance(effect.request.stream, SyncByteStream):
            raise RuntimeError("Attempted to send an async request with a sync Client instance.")
        return _send_sync(effect)
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
    if isinstance(effect, Backoff):
        from ._retry import sync_back_off

        return sync_back_off(effect.request, effect.plan)
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
        if not isinstance(effect.request.stream, AsyncByteStream):
            raise RuntimeError("Attempted to send a sync request with an AsyncClient instance.")
        return await _send_async(effect)
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
    if isinstance(effect, Backoff):
        from ._retry import async_back_off

        return await async_back_off(effect.request, effect.plan)
    flow: AsyncGenerator[Request, Response] = effect.flow
    try:
        if effect.response is None:
            return await flow.__anext__()
        return await flow.asend(effect.response)
    except StopAsyncIteration:
        return None
