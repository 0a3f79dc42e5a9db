"""`httpx.Retry`: the policy as a value (pure, with a fake clock), and retries against a
real server, on `Client` and on `AsyncClient` under asyncio and trio, configured on the
client and on the transport.

Every wait is recorded by a fake sleep instead of being slept (`fake_clock`): the
backoff bounds and the Retry-After waits are checked exactly, and no test takes time.
"""

from __future__ import annotations

import copy
import email.utils
import io
import logging
import pickle
import typing
import uuid
from collections.abc import Iterator

import anyio
import pytest

import httpx
from httpx import _retry
from httpx._content import ByteStream, IteratorByteStream
from httpx._multipart import MultipartStream
from tests import harness
from tests.servers.resilience import RetryServer

NOW = 1_900_000_000.0  # the fake wall clock (Retry-After dates), whole seconds


@pytest.fixture(scope="module")
def retry_server() -> Iterator[RetryServer]:
    server = RetryServer().start()
    yield server
    server.stop()


class FakeClock:
    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    clock = FakeClock()
    monkeypatch.setattr(_retry, "sync_sleep", clock.sleep)
    monkeypatch.setattr(_retry, "async_sleep", clock.async_sleep)
    monkeypatch.setattr(_retry, "wall_clock", lambda: NOW)
    return clock


def key() -> str:
    return uuid.uuid4().hex


def flaky(server: RetryServer, name: str, **query: object) -> str:
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return server.url_for(f"/flaky/{name}?{params}")


# --- the value -----------------------------------------------------------------------------


def test_retry_is_an_immutable_value_and_increment_makes_a_new_one() -> None:
    retry = httpx.Retry(total=3, connect=1, status_forcelist=[503])
    with pytest.raises(AttributeError):
        retry.total = 5
    error = httpx.ConnectError("refused")
    after = retry.increment("get", "http://a/", error=error)
    assert after is not retry
    assert (retry.total, retry.connect, retry.history) == (3, 1, ())
    assert (after.total, after.connect) == (2, 0)
    assert after.history == (_retry.RetryAttempt("GET", "http://a/", error, None),)
    assert not after.is_exhausted()
    assert after.increment("GET", "http://a/", error=error).is_exhausted()  # connect -1
    assert after.new(total=9).total == 9 and after.new(total=9).history == after.history
    assert retry == httpx.Retry(total=3, connect=1, status_forcelist=[503])
    assert retry != after


def test_retry_copies_and_pickles() -> None:
    retry = httpx.Retry(total=3, status_forcelist=[503]).increment(
        "GET", "http://a/", error=httpx.ConnectError("refused")
    )
    assert copy.copy(retry) == retry
    assert copy.deepcopy(retry).total == 2
    restored = pickle.loads(pickle.dumps(retry))
    assert (restored.total, restored.status_forcelist) == (2, frozenset({503}))
    assert len(restored.history) == 1


def test_counts_as_urllib3_reads_them() -> None:
    # total=0: one attempt, no retry; None: no limit of that kind; False: never that kind.
    assert httpx.Retry(0).increment("GET", "u", error=httpx.ReadError("x")).is_exhausted()
    unlimited = httpx.Retry(None, read=None)
    for _ in range(50):
        unlimited = unlimited.increment("GET", "u", error=httpx.ReadError("x"))
    assert not unlimited.is_exhausted()
    request = httpx.Request("GET", "http://a/")
    assert _retry.plan_after_error(httpx.Retry(read=False), request, httpx.ReadError("x")) is None
    assert _retry.plan_after_error(httpx.Retry(False), request, httpx.ConnectError("x")) is None
    assert (
        _retry.plan_after_error(httpx.Retry(connect=False), request, httpx.ConnectError("x"))
        is None
    )


def test_bad_settings_are_refused_clearly() -> None:
    with pytest.raises(TypeError, match="total"):
        httpx.Retry("3")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="backoff_factor"):
        httpx.Retry(backoff_factor=-1)
    with pytest.raises(TypeError, match="allowed_methods"):
        httpx.Retry(allowed_methods="GET")
    with pytest.raises(TypeError, match="status_forcelist"):
        httpx.Retry(status_forcelist=["503"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="no setting"):
        httpx.Retry().new(redirect=3)
    with pytest.raises(TypeError, match=r"httpx.Retry\(total=3\)"):
        httpx.Client(retries=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        httpx.AsyncClient(retries="3")  # type: ignore[arg-type]


def test_backoff_bounds() -> None:
    retry = httpx.Retry(total=10, backoff_factor=0.1, backoff_max=0.5)
    waits = []
    for _ in range(6):
        retry = retry.increment("GET", "u", error=httpx.ConnectError("x"))
        waits.append(retry.get_backoff_time())
    # None before the first retry, then factor * 2 ** (n - 1), capped.
    assert waits == [0.0, 0.2, 0.4, 0.5, 0.5, 0.5]
    jittery = httpx.Retry(backoff_factor=1, backoff_jitter=0.25, backoff_max=100)
    for _ in range(3):
        jittery = jittery.increment("GET", "u", error=httpx.ConnectError("x"))
    assert jittery.get_backoff_time(lambda: 0.0) == 4.0
    assert jittery.get_backoff_time(lambda: 0.999) == pytest.approx(4.0 + 0.999 * 0.25)
    assert jittery.new(backoff_max=4.1).get_backoff_time(lambda: 0.999) == 4.1


def test_retry_after_parsing() -> None:
    assert _retry.parse_retry_after("120", NOW) == 120.0
    date = email.utils.formatdate(NOW + 30, usegmt=True)
    assert _retry.parse_retry_after(date, NOW) == 30.0
    past = email.utils.formatdate(NOW - 30, usegmt=True)
    assert _retry.parse_retry_after(past, NOW) == 0.0
    for unreadable in ("soon", "-1", "1.5", "", "Sun, 06 Nov 1994 08:49:37", "٣"):
        assert _retry.parse_retry_after(unreadable, NOW) is None, unreadable


def test_which_responses_are_retried() -> None:
    retry = httpx.Retry(status_forcelist=[502])
    assert retry.is_retry("GET", 502)
    assert not retry.is_retry("POST", 502)  # not idempotent
    assert httpx.Retry(status_forcelist=[502], allowed_methods=None).is_retry("POST", 502)
    assert not retry.is_retry("GET", 503)
    assert retry.is_retry("GET", 503, has_retry_after=True)  # 413, 429, 503 + Retry-After
    assert not retry.is_retry("GET", 500, has_retry_after=True)
    assert not retry.new(respect_retry_after_header=False).is_retry("GET", 503, True)
    assert retry.is_retry("query", 502)  # QUERY is idempotent


def test_which_bodies_can_be_sent_again() -> None:
    def generator() -> Iterator[bytes]:
        yield b"a"

    assert _retry.body_can_replay(ByteStream(b"abc"))
    assert _retry.body_can_replay(IteratorByteStream([b"a", b"b"]))
    assert not _retry.body_can_replay(IteratorByteStream(generator()))
    assert _retry.body_can_replay(IteratorByteStream(io.BytesIO(b"abc")))
    assert _retry.body_can_replay(MultipartStream({"a": "1"}, {"f": io.BytesIO(b"x")}))

    class Unseekable(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

    # A raw binary file object is a binary IO at runtime; typeshed does not say so.
    unseekable = typing.cast(typing.IO[bytes], Unseekable())
    assert not _retry.body_can_replay(MultipartStream({}, {"f": unseekable}))
    assert not _retry.body_can_replay(object())


# --- against a real server -------------------------------------------------------------------


def run(mode: str, scenario: harness.Scenario, where: str, retry: httpx.Retry) -> None:
    """Run `scenario` with `retry` on the client, or on the client's transport."""
    if where == "client":
        harness.run(mode, scenario, retries=retry)
    else:
        transport = harness.transport_class(mode)(retries=retry)
        harness.run(mode, scenario, transport=transport)


WHERE = ["client", "transport"]


@pytest.mark.parametrize("where", WHERE)
def test_retry_after_in_seconds(
    mode: str, where: str, retry_server: RetryServer, fake_clock: FakeClock
) -> None:
    name = key()

    async def scenario(client: typing.Any) -> None:
        response = await client.get(flaky(retry_server, name, fail=2, retry_after=7))
        assert response.status_code == 200
        assert response.text == "ok 3"

    run(mode, scenario, where, httpx.Retry(total=3))
    assert retry_server.hits(name) == 3
    assert fake_clock.sleeps == [7.0, 7.0]


@pytest.mark.parametrize("where", WHERE)
def test_retry_after_as_an_http_date_capped_at_backoff_max(
    mode: str, where: str, retry_server: RetryServer, fake_clock: FakeClock
) -> None:
    name = key()
    soon = email.utils.formatdate(NOW + 30, usegmt=True).replace(" ", "%20")
    later = email.utils.formatdate(NOW + 3000, usegmt=True).replace(" ", "%20")

    async def scenario(client: typing.Any) -> None:
        response = await client.get(flaky(retry_server, name, fail=1, retry_after=soon))
        assert response.status_code == 200
        response = await client.get(flaky(retry_server, name + "x", fail=1, retry_after=later))
        assert response.status_code == 200

    run(mode, scenario, where, httpx.Retry(total=3, backoff_max=60))
    assert fake_clock.sleeps == [30.0, 60.0]


@pytest.mark.parametrize("where", WHERE)
def test_backoff_between_status_retries(
    mode: str, where: str, retry_server: RetryServer, fake_clock: FakeClock
) -> None:
    name = key()
    retry = httpx.Retry(total=5, backoff_factor=0.5, backoff_max=1.5, status_forcelist=[502])

    async def scenario(client: typing.Any) -> None:
        response = await client.get(flaky(retry_server, name, fail=4, status=502))
        assert response.status_code == 200

    run(mode, scenario, where, retry)
    assert retry_server.hits(name) == 5
    # No wait before the first retry, then 0.5 * 2 ** (n - 1) capped at 1.5 (a wait of
    # zero is not slept at all).
    assert fake_clock.sleeps == [1.0, 1.5, 1.5]


@pytest.mark.parametrize("where", WHERE)
def test_status_retries_run_out(
    mode: str, where: str, retry_server: RetryServer, fake_clock: FakeClock
) -> None:
    raising, returning = key(), key()

    async def scenario(client: typing.Any) -> None:
        with pytest.raises(httpx.HTTPStatusError, match="after 2 retries") as info:
            await client.get(flaky(retry_server, raising, fail=9, status=503))
        assert info.value.response.status_code == 503
        assert info.value.response.text == "try again"  # read, so its connection is reused

    run(mode, scenario, where, httpx.Retry(total=2, status_forcelist=[503]))
    assert retry_server.hits(raising) == 3

    async def scenario_returning(client: typing.Any) -> None:
        response = await client.get(flaky(retry_server, returning, fail=9, status=503))
        assert response.status_code == 503

    retry = httpx.Retry(status=1, status_forcelist=[503], raise_on_status=False)
    run(mode, scenario_returning, where, retry)
    assert retry_server.hits(returning) == 2


@pytest.mark.parametrize("where", WHERE)
def test_non_idempotent_requests_are_not_retried(
    mode: str, where: str, retry_server: RetryServer, fake_clock: FakeClock
) -> None:
    status, dropped, allowed = key(), key(), key()

    async def scenario(client: typing.Any) -> None:
        response = await client.post(flaky(retry_server, status, fail=1), content=b"x")
        assert response.status_code == 503
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post(retry_server.url_for(f"/drop/{dropped}?fail=1"), content=b"x")

    run(mode, scenario, where, httpx.Retry(total=3, status_forcelist=[503]))
    assert retry_server.hits(status) == 1
    assert retry_server.hits(dropped) == 1

    async def scenario_allowed(client: typing.Any) -> None:
        response = await client.post(flaky(retry_server, allowed, fail=1), content=b"x")
        assert response.status_code == 200

    run(mode, scenario_allowed, where, httpx.Retry(status_forcelist=[503], allowed_methods=None))
    assert retry_server.hits(allowed) == 2
    assert fake_clock.sleeps == []  # no wait before the first retry


@pytest.mark.parametrize("where", WHERE)
def test_errors_after_sending_are_retried_for_idempotent_requests(
    mode: str, where: str, retry_server: RetryServer, fake_clock: FakeClock
) -> None:
    name, budget = key(), key()

    async def scenario(client: typing.Any) -> None:
        # (Each attempt on a new connection: the server closed the others. A request on
        # a reused one would also be retried once as stale, see test_stale_connections.)
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(retry_server.url_for(f"/drop/{budget}?fail=9"))
        response = await client.put(retry_server.url_for(f"/drop/{name}?fail=2"), content=b"x")
        assert response.status_code == 200

    run(mode, scenario, where, httpx.Retry(total=5, read=2))
    assert retry_server.hits(name) == 3
    assert retry_server.hits(budget) == 3  # read=2: two retries, then the error


@pytest.mark.parametrize("where", WHERE)
def test_a_body_that_cannot_be_sent_again_is_not_retried(
    mode: str, where: str, retry_server: RetryServer, fake_clock: FakeClock
) -> None:
    name = key()

    def body() -> Iterator[bytes]:
        yield b"once"

    async def async_body() -> typing.AsyncIterator[bytes]:
        yield b"once"

    async def scenario(client: typing.Any) -> None:
        content = body() if mode == "sync" else async_body()
        with pytest.raises(httpx.RemoteProtocolError):
            await client.put(retry_server.url_for(f"/drop/{name}?fail=1"), content=content)

    run(mode, scenario, where, httpx.Retry(total=3))
    assert retry_server.hits(name) == 1


@pytest.mark.parametrize("where", WHERE)
def test_connection_errors_are_retried_for_any_method(
    mode: str, where: str, fake_clock: FakeClock
) -> None:
    refused = "http://127.0.0.1:1/"
    events: list[tuple[str, int]] = []

    async def trace(name: str, info: dict[str, typing.Any]) -> None:
        if name.startswith("retry."):
            events.append((name, info["attempt"]))

    def sync_trace(name: str, info: dict[str, typing.Any]) -> None:
        if name.startswith("retry."):
            events.append((name, info["attempt"]))

    async def scenario(client: typing.Any) -> None:
        extensions = {"trace": sync_trace if mode == "sync" else trace}
        with pytest.raises(httpx.ConnectError):
            await client.post(refused, content=b"x", extensions=extensions)

    run(mode, scenario, where, httpx.Retry(connect=2, backoff_factor=0.25))
    assert events == [
        ("retry.backoff.started", 2),
        ("retry.backoff.complete", 2),
        ("retry.backoff.started", 3),
        ("retry.backoff.complete", 3),
    ]
    assert fake_clock.sleeps == [0.5]  # none before the first retry


def test_every_attempt_is_logged(
    retry_server: RetryServer, fake_clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    name = key()
    with caplog.at_level(logging.INFO, logger="httpx"):
        with httpx.Client(retries=httpx.Retry(total=3)) as client:
            client.get(flaky(retry_server, name, fail=2, retry_after=1))
    messages = [record.getMessage() for record in caplog.records]
    attempts = [message for message in messages if message.startswith("HTTP Request:")]
    retries = [message for message in messages if message.startswith("Retrying GET")]
    assert len(attempts) == 3
    assert retries == [
        f"Retrying GET {flaky(retry_server, name, fail=2, retry_after=1)} in 1.000 s after "
        f"503 Status (attempt {attempt})"
        for attempt in (2, 3)
    ]


@pytest.mark.parametrize("where", WHERE)
def test_a_wait_longer_than_the_deadline_is_not_waited(
    mode: str, where: str, retry_server: RetryServer, fake_clock: FakeClock
) -> None:
    name = key()

    async def scenario(client: typing.Any) -> None:
        timeout = httpx.Timeout(5.0, total=2.0)
        with pytest.raises(httpx.HTTPStatusError):
            await client.get(flaky(retry_server, name, fail=1, retry_after=30), timeout=timeout)

    run(mode, scenario, where, httpx.Retry(total=3))
    assert retry_server.hits(name) == 1
    assert fake_clock.sleeps == []


@pytest.mark.anyio
async def test_the_wait_is_cancellable(retry_server: RetryServer) -> None:
    name = key()
    async with httpx.AsyncClient(retries=httpx.Retry(total=3)) as client:
        with anyio.move_on_after(0.2) as scope:
            await client.get(flaky(retry_server, name, fail=1, retry_after=60))
    assert scope.cancelled_caught
    assert retry_server.hits(name) == 1


def test_streamed_responses_are_retried_too(
    retry_server: RetryServer, fake_clock: FakeClock
) -> None:
    name = key()
    with httpx.Client(retries=httpx.Retry(total=3)) as client:
        with client.stream("GET", flaky(retry_server, name, fail=1, retry_after=2)) as response:
            assert response.status_code == 200
            assert response.read() == b"ok 2"
    assert fake_clock.sleeps == [2.0]


def test_no_retry_policy_is_the_default(retry_server: RetryServer) -> None:
    name = key()
    with httpx.Client() as client:
        assert client.get(flaky(retry_server, name, fail=1, retry_after=1)).status_code == 503
    assert retry_server.hits(name) == 1
