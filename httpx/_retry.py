"""`httpx.Retry`: a retry policy as a value, and the pure decisions made with it.

The value has urllib3's documented semantics (`urllib3.util.Retry`), so that code moving
from requests (``HTTPAdapter(max_retries=Retry(...))``) keeps its meaning:

* It is immutable: each retry makes a new value with the counters decremented and the
  attempt recorded in `history` (`increment`).
* `total` bounds every retry; `connect`, `read` and `status` bound each kind. A count of
  ``None`` does not limit; the value is exhausted once any count drops below zero.
* Connection errors (`ConnectError`, `ConnectTimeout`: nothing reached the server) are
  retried for any method. Errors after the request went out (`ReadError`,
  `ReadTimeout`, `WriteError`, `WriteTimeout`, `RemoteProtocolError`) and statuses in
  `status_forcelist` are retried for `allowed_methods` only: by default the idempotent
  methods (RFC 9110 section 9.2.2) GET, HEAD, PUT, DELETE, OPTIONS, TRACE, and QUERY.
* 413, 429 and 503 responses carrying `Retry-After` are retried too (as urllib3 does,
  while `respect_retry_after_header`), and wait what the header says, in seconds or as
  an HTTP date (RFC 9110 section 10.2.3), capped at `backoff_max`. Otherwise the wait
  before the n-th retry is ``backoff_factor * 2 ** (n - 1)`` (none before the first),
  plus up to `backoff_jitter` seconds at random, capped at `backoff_max`.

Where urllib3's `increment` raises `MaxRetryError`, ours returns the new value and
`is_exhausted()` tells: the client then re-raises the last error, or, for a retried
status, raises `HTTPStatusError` (`raise_on_status=True`) or returns the last response.

No I/O here. `plan_after_error` and `plan_after_response` are the whole policy; the
request flow (`_flow`) and the transports only carry their plans out: they sleep
(`sync_sleep` / `async_sleep`, which tests replace with a fake clock), report to the
``trace`` extension and the "httpx" logger, and send again.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
import typing
from collections.abc import Callable, Iterable

from ._content import AsyncIteratorByteStream, ByteStream, IteratorByteStream
from ._exceptions import (
    ConnectError,
    ConnectTimeout,
    ReadError,
    ReadTimeout,
    RemoteProtocolError,
    WriteError,
    WriteTimeout,
)
from ._multipart import MultipartStream

if typing.TYPE_CHECKING:  # pragma: no cover
    from ._models import Request, Response

__all__ = [
    "DEFAULT_ALLOWED_METHODS",
    "DEFAULT_BACKOFF_MAX",
    "RETRY_AFTER_STATUS_CODES",
    "Retry",
    "RetryAttempt",
    "RetryPlan",
    "async_back_off",
    "async_sleep",
    "body_can_replay",
    "parse_retry_after",
    "plan_after_error",
    "plan_after_response",
    "status_error_message",
    "sync_back_off",
    "sync_sleep",
    "wall_clock",
]

# RFC 9110 section 9.2.2 (idempotent methods) and the QUERY method's draft; POST and
# PATCH are not among them. The same set as urllib3's default, plus QUERY.
DEFAULT_ALLOWED_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "PUT", "TRACE", "QUERY"})
# Statuses whose Retry-After asks for a retry even outside `status_forcelist` (urllib3's).
RETRY_AFTER_STATUS_CODES = frozenset({413, 429, 503})
# urllib3's cap on a single wait, in seconds; ours caps Retry-After too.
DEFAULT_BACKOFF_MAX = 120.0

logger = logging.getLogger("httpx")

_CONNECT_ERRORS = (ConnectError, ConnectTimeout)
_READ_ERRORS = (ReadError, ReadTimeout, WriteError, WriteTimeout, RemoteProtocolError)


class RetryAttempt(typing.NamedTuple):
    """One failed attempt, as `Retry.history` records it (urllib3's `RequestHistory`)."""

    method: str
    url: str
    error: Exception | None
    status: int | None


Count = typing.Union[int, typing.Literal[False], None]


def _count(name: str, value: object) -> Count:
    # urllib3's meaning: None does not limit, False means "never retry this kind" (and
    # for `total`, no retries at all).
    if value is None or value is False:
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"Retry {name} must be a number of retries, None or False, not {value!r}")
    return value


def _seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"Retry {name} must be a number of seconds, not {value!r}")
    if value != value or value < 0:
        raise ValueError(f"Retry {name} must be >= 0, not {value!r}")
    return float(value)


def _methods(value: Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)):
        raise TypeError(
            f"Retry allowed_methods must be a collection of method names, such as "
            f"[{value!r}], not a single string"
        )
    methods = []
    for method in value:
        if not isinstance(method, str):
            raise TypeError(f"Retry allowed_methods must hold method names, not {method!r}")
        methods.append(method.upper())
    return frozenset(methods)


def _statuses(value: Iterable[int] | None) -> frozenset[int]:
    if value is None:
        return frozenset()
    statuses = []
    for status in value:
        if isinstance(status, bool) or not isinstance(status, int):
            raise TypeError(f"Retry status_forcelist must hold status codes, not {status!r}")
        statuses.append(status)
    return frozenset(statuses)


class Retry:
    """A retry policy: how often, on what, and how long to wait in between.

    `Client(retries=httpx.Retry(...))` retries every request the client sends;
    `HTTPTransport(retries=httpx.Retry(...))` the requests through that transport.
    The default (no `retries`) retries nothing, as httpx 0.28.

    Args:
        total: Retries of any kind (``None``: only the other counts limit; ``False``:
            none at all).
        connect: Retries after a connection error (nothing reached the server).
        read: Retries after an error once the request went out.
        status: Retries after a response whose status asks for one.
        allowed_methods: Methods retried after a read error or a status (upper case;
            ``None``: every method). Connection errors are retried for every method.
        status_forcelist: Statuses to retry (for example ``[502, 503, 504]``).
        backoff_factor: The wait before the n-th retry is
            ``backoff_factor * 2 ** (n - 1)`` seconds (none before the first).
        backoff_max: The longest wait, in seconds (Retry-After's included).
        backoff_jitter: Up to this many seconds at random are added to each backoff.
        raise_on_status: When the status retries run out, raise `HTTPStatusError`
            (True) or return the last response (False).
        respect_retry_after_header: Wait what a response's Retry-After asks, and retry
            413, 429 and 503 responses that carry one.
        history: The attempts made so far (kept by `increment`).
    """

    __slots__ = (
        "_frozen",
        "allowed_methods",
        "backoff_factor",
        "backoff_jitter",
        "backoff_max",
        "connect",
        "history",
        "raise_on_status",
        "read",
        "respect_retry_after_header",
        "status",
        "status_forcelist",
        "total",
    )

    DEFAULT_ALLOWED_METHODS: typing.ClassVar[frozenset[str]] = DEFAULT_ALLOWED_METHODS
    RETRY_AFTER_STATUS_CODES: typing.ClassVar[frozenset[int]] = RETRY_AFTER_STATUS_CODES
    DEFAULT_BACKOFF_MAX: typing.ClassVar[float] = DEFAULT_BACKOFF_MAX

    total: Count
    connect: Count
    read: Count
    status: Count
    allowed_methods: frozenset[str] | None
    status_forcelist: frozenset[int]
    backoff_factor: float
    backoff_max: float
    backoff_jitter: float
    raise_on_status: bool
    respect_retry_after_header: bool
    history: tuple[RetryAttempt, ...]

    def __init__(
        self,
        total: int | bool | None = 10,
        *,
        connect: int | bool | None = None,
        read: int | bool | None = None,
        status: int | bool | None = None,
        allowed_methods: Iterable[str] | None = DEFAULT_ALLOWED_METHODS,
        status_forcelist: Iterable[int] | None = None,
        backoff_factor: float = 0.0,
        backoff_max: float = DEFAULT_BACKOFF_MAX,
        backoff_jitter: float = 0.0,
        raise_on_status: bool = True,
        respect_retry_after_header: bool = True,
        history: Iterable[RetryAttempt] = (),
    ) -> None:
        set_ = object.__setattr__
        set_(self, "total", _count("total", total))
        set_(self, "connect", _count("connect", connect))
        set_(self, "read", _count("read", read))
        set_(self, "status", _count("status", status))
        set_(self, "allowed_methods", _methods(allowed_methods))
        set_(self, "status_forcelist", _statuses(status_forcelist))
        set_(self, "backoff_factor", _seconds("backoff_factor", backoff_factor))
        set_(self, "backoff_max", _seconds("backoff_max", backoff_max))
        set_(self, "backoff_jitter", _seconds("backoff_jitter", backoff_jitter))
        set_(self, "raise_on_status", bool(raise_on_status))
        set_(self, "respect_retry_after_header", bool(respect_retry_after_header))
        set_(self, "history", tuple(history))
        set_(self, "_frozen", True)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Retry is immutable: use retry.new({name}=...) instead")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Retry is immutable")

    def new(self, **changes: typing.Any) -> Retry:
        """A copy with some settings changed."""
        settings = self._settings()
        unknown = set(changes) - set(settings)
        if unknown:
            raise TypeError(f"Retry has no setting {sorted(unknown)[0]!r}")
        settings.update(changes)
        return Retry(**settings)

    def __reduce__(self) -> tuple[typing.Any, ...]:
        # Immutable slots: pickle and copy rebuild it through the constructor.
        return (_rebuild, (self._settings(),))

    def _settings(self) -> dict[str, typing.Any]:
        return {
            "total": self.total,
            "connect": self.connect,
            "read": self.read,
            "status": self.status,
            "allowed_methods": self.allowed_methods,
            "status_forcelist": self.status_forcelist,
            "backoff_factor": self.backoff_factor,
            "backoff_max": self.backoff_max,
            "backoff_jitter": self.backoff_jitter,
            "raise_on_status": self.raise_on_status,
            "respect_retry_after_header": self.respect_retry_after_header,
            "history": self.history,
        }

    # --- urllib3's questions ---------------------------------------------------------

    def is_exhausted(self) -> bool:
        """Whether a count has dropped below zero (no retry left)."""
        counts = [self.total, self.connect, self.read, self.status]
        return any(isinstance(count, int) and count is not False and count < 0 for count in counts)

    def is_method_retryable(self, method: str) -> bool:
        return self.allowed_methods is None or method.upper() in self.allowed_methods

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        """Whether a response with `status_code` should be retried (urllib3's rule)."""
        if not self.is_method_retryable(method):
            return False
        if status_code in self.status_forcelist:
            return True
        return bool(
            self.total
            and self.respect_retry_after_header
            and has_retry_after
            and status_code in RETRY_AFTER_STATUS_CODES
        )

    def increment(
        self,
        method: str,
        url: str,
        *,
        response: Response | None = None,
        error: Exception | None = None,
    ) -> Retry:
        """The value for the next attempt, after `error` or a `response` to retry."""
        total: Count = self.total
        if total is False:
            total = -1  # "no retries": the first increment exhausts it
        elif total is not None:
            total -= 1
        connect, read, status = self.connect, self.read, self.status
        status_code: int | None = None
        if error is not None and isinstance(error, _CONNECT_ERRORS):
            if connect is not None and connect is not False:
                connect -= 1
        elif error is not None:
            if read is not None and read is not False:
                read -= 1
        elif response is not None:
            status_code = response.status_code
            if status is not None and status is not False:
                status -= 1
        attempt = RetryAttempt(method.upper(), url, error, status_code)
        return self.new(
            total=total,
            connect=connect,
            read=read,
            status=status,
            history=(*self.history, attempt),
        )

    def get_backoff_time(self, random_value: Callable[[], float] = random.random) -> float:
        """Seconds to wait before the next attempt (none before the first retry)."""
        consecutive = len(self.history)
        if consecutive <= 1:
            return 0.0
        backoff = self.backoff_factor * 2 ** (consecutive - 1)
        if self.backoff_jitter:
            backoff += random_value() * self.backoff_jitter
        return float(max(0.0, min(self.backoff_max, backoff)))

    def get_retry_after(self, response: Response, now: float | None = None) -> float | None:
        """Seconds the response's Retry-After asks to wait (None: none, or unreadable)."""
        value = response.headers.get("retry-after")
        if value is None:
            return None
        return parse_retry_after(value, time.time() if now is None else now)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Retry):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _COMPARED)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in _COMPARED if name != "history"))

    def __repr__(self) -> str:
        return (
            f"Retry(total={self.total}, connect={self.connect}, read={self.read}, "
            f"status={self.status})"
        )


def _rebuild(settings: dict[str, typing.Any]) -> Retry:
    return Retry(**settings)


_COMPARED = (
    "total",
    "connect",
    "read",
    "status",
    "allowed_methods",
    "status_forcelist",
    "backoff_factor",
    "backoff_max",
    "backoff_jitter",
    "raise_on_status",
    "respect_retry_after_header",
    "history",
)


def parse_retry_after(value: str, now: float) -> float | None:
    """Retry-After as seconds from `now` (RFC 9110 section 10.2.3: delay-seconds or an
    HTTP-date); None when it is neither (an unreadable header is ignored, not fatal)."""
    value = value.strip()
    if value.isdigit() and value.isascii():
        return float(int(value))
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None or parsed.tzinfo is None:
        return None  # an HTTP-date is always in GMT; a zoneless date is not one
    return max(0.0, parsed.timestamp() - now)


# --- what can be sent again ------------------------------------------------------------


def body_can_replay(stream: object) -> bool:
    """Whether a request body can be sent again, the same: in memory, a re-iterable
    collection, seekable files. A generator (consumed once sent) or an unknown stream
    type cannot: such requests are never retried once their body went out."""
    if type(stream) is ByteStream:
        return True
    if isinstance(stream, IteratorByteStream):
        if stream._is_file:
            return not stream._is_stream_consumed or stream._file_start is not None
        return not stream._is_one_shot
    if isinstance(stream, AsyncIteratorByteStream):
        return not stream._is_one_shot
    if isinstance(stream, MultipartStream):
        return all(_seekable(getattr(part, "file", None)) for part in stream._parts)
    return False


def _seekable(file: object) -> bool:
    if file is None:
        return True  # an in-memory part
    try:
        return bool(file.seekable())  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False


# --- the policy --------------------------------------------------------------------------


class RetryPlan(typing.NamedTuple):
    """What to do after a failed attempt.

    `exhausted`: no retry is left (or the wait would outlast the request's deadline):
    re-raise the error, or for a status, raise or return the response. Otherwise wait
    `delay` seconds and send again, with `retry` as the policy from then on.
    """

    retry: Retry
    delay: float
    reason: str
    exhausted: bool = False

    @property
    def attempt(self) -> int:
        """The number of the attempt about to be made (the first retry is attempt 2)."""
        return len(self.retry.history) + 1

    def trace_info(self, request: Request) -> dict[str, typing.Any]:
        return {
            "request": request,
            "attempt": self.attempt,
            "delay": self.delay,
            "reason": self.reason,
            "retry": self.retry,
        }

    def log_message(self, request: Request) -> str:
        return (
            f"Retrying {request.method} {request.url} in {self.delay:.3f} s after "
            f"{self.reason} (attempt {self.attempt})"
        )


def plan_after_error(
    retry: Retry, request: Request, error: Exception, remaining: float | None = None
) -> RetryPlan | None:
    """After `error` while sending `request`: None if it is not one to retry (re-raise
    it), else the plan. `remaining`: seconds left before the request's deadline."""
    if retry.total is False:
        return None
    if isinstance(error, _CONNECT_ERRORS):
        # Nothing reached the server: any method, any body.
        if retry.connect is False:
            return None
    elif isinstance(error, _READ_ERRORS):
        if retry.read is False or not retry.is_method_retryable(request.method):
            return None
        if not body_can_replay(request.stream):
            return None
    else:
        return None
    new = retry.increment(request.method, str(request.url), error=error)
    reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    delay = new.get_backoff_time()
    exhausted = new.is_exhausted() or (remaining is not None and delay >= remaining)
    return RetryPlan(new, delay, reason, exhausted)


def plan_after_response(
    retry: Retry,
    request: Request,
    response: Response,
    remaining: float | None = None,
    now: float | None = None,
) -> RetryPlan | None:
    """After `response`: None if it is not one to retry (return it), else the plan."""
    retry_after = None
    if retry.respect_retry_after_header:
        retry_after = retry.get_retry_after(response, wall_clock() if now is None else now)
    if not retry.is_retry(request.method, response.status_code, retry_after is not None):
        return None
    if not body_can_replay(request.stream):
        return None
    new = retry.increment(request.method, str(request.url), response=response)
    if retry_after:
        delay = min(retry_after, retry.backoff_max)
    else:
        delay = new.get_backoff_time()
    reason = f"{response.status_code} {response.reason_phrase}".rstrip()
    exhausted = new.is_exhausted() or (remaining is not None and delay >= remaining)
    return RetryPlan(new, delay, reason, exhausted)


def status_error_message(response: Response, retries: int) -> str:
    kind = "Server error" if response.status_code >= 500 else "Client error"
    if response.status_code < 400:
        kind = "Response"
    return (
        f"{kind} '{response.status_code} {response.reason_phrase}' for url "
        f"'{response.request.url}' after {retries} "
        f"{'retry' if retries == 1 else 'retries'}"
    )


# --- carrying a plan out -------------------------------------------------------------------
#
# Reported to the request's ``trace`` callback as "retry.backoff.started" (with the attempt
# about to be made, the delay, the reason and the new policy) and "retry.backoff.complete",
# and logged at INFO level on the "httpx" logger.


def sync_back_off(request: Request, plan: RetryPlan) -> None:
    """Wait before the next attempt (the request flow's sync driver, `HTTPTransport`)."""
    logger.info(plan.log_message(request))
    trace = request.extensions.get("trace")
    info = plan.trace_info(request)
    if trace is not None:
        trace("retry.backoff.started", info)
    if plan.delay > 0:
        sync_sleep(plan.delay)
    if trace is not None:
        trace("retry.backoff.complete", info)


async def async_back_off(request: Request, plan: RetryPlan) -> None:
    """Wait before the next attempt (the async driver, `AsyncHTTPTransport`); the wait
    is cancellable, and never longer than the request's deadline allows (`RetryPlan`
    is exhausted when it would be)."""
    logger.info(plan.log_message(request))
    trace = request.extensions.get("trace")
    info = plan.trace_info(request)
    if trace is not None:
        await trace("retry.backoff.started", info)
    if plan.delay > 0:
        await async_sleep(plan.delay)
    if trace is not None:
        await trace("retry.backoff.complete", info)


# --- the clock: replaced by tests (monkeypatch) with a fake one ----------------------------


def wall_clock() -> float:
    """Now, as the HTTP dates of Retry-After count (seconds since the epoch)."""
    return time.time()


def sync_sleep(seconds: float) -> None:
    time.sleep(seconds)


async def async_sleep(seconds: float) -> None:
    # anyio: asyncio or trio, and cancellable like any other wait. (Imported here:
    # `import httpx` does not load anyio.)
    import anyio

    await anyio.sleep(seconds)


# `httpx.Retry` as users see it (in reprs and tracebacks), however it was imported:
# `import httpx` loads this module on first use (httpx/__init__.py `_LAZY`).
Retry.__module__ = "httpx"
