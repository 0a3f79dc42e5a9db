"""respx (installed with --no-deps) intercepts our clients with both of its mockers.

The default mocker patches `handle_request`/`handle_async_request` of httpcore's pools,
connections and proxies, so it only works because our default transport really goes
through httpcore; the "httpx" mocker patches `Client._transport_for_url`.
"""

from __future__ import annotations

import json
import re
import typing

import pytest
import respx
from respx.models import AllMockedAssertionError

import httpx

MOCKERS = ["httpcore", "httpx"]


@pytest.fixture(params=MOCKERS)
def using(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# --- routing, both mockers, sync and async -----------------------------------------------


def test_routes_and_call_assertions_sync(using: str) -> None:
    with respx.mock(using=using, assert_all_called=True) as mock:
        users = mock.get("https://example.org/users", params={"page": "2"}).respond(
            200, json=[{"id": 1}]
        )
        created = mock.post("https://example.org/users", json={"name": "Ada"}).respond(
            201, headers={"Location": "/users/2"}
        )
        with httpx.Client() as client:
            response = client.get("https://example.org/users", params={"page": 2})
            assert response.json() == [{"id": 1}]
            response = client.post("https://example.org/users", json={"name": "Ada"})
            assert response.status_code == 201
            assert response.headers["location"] == "/users/2"
        assert users.called and users.call_count == 1
        assert created.call_count == 1
        assert mock.calls.call_count == 2
        last = mock.calls.last
        assert last.request.method == "POST"
        assert json.loads(last.request.content) == {"name": "Ada"}
        assert last.response.status_code == 201
        assert users.calls.last.request.url == "https://example.org/users?page=2"


@pytest.mark.anyio
async def test_routes_and_call_assertions_async(using: str) -> None:
    with respx.mock(using=using, assert_all_called=True) as mock:
        route = mock.post("https://example.org/items", headers={"X-Key": "k"}).mock(
            return_value=httpx.Response(201, text="created")
        )
        async with httpx.AsyncClient(headers={"X-Key": "k"}) as client:
            response = await client.post("https://example.org/items", json={"a": 1})
        assert response.status_code == 201 and response.text == "created"
        assert route.called and route.call_count == 1
        assert route.calls.last.request.content == b'{"a":1}'
        assert mock.calls.last.request.headers["x-key"] == "k"


def test_global_router_records_calls() -> None:
    # The module-level API: respx.get(...) registers on the global router, and
    # respx.calls is its call list.
    with respx.mock:
        route = respx.get("https://example.org/global").respond(204)
        httpx.get("https://example.org/global")
        httpx.get("https://example.org/global")
        assert route.call_count == 2
        assert respx.calls.call_count == 2
        assert respx.calls.last.request.url == "https://example.org/global"
        assert respx.calls.last.response.status_code == 204


def test_pattern_matching(using: str) -> None:
    with respx.mock(using=using, base_url="https://api.example.org/v1") as mock:
        by_regex = mock.get(path__regex=r"/users/(?P<user_id>\d+)$", name="user").mock(
            side_effect=lambda request, user_id: httpx.Response(200, json={"id": int(user_id)})
        )
        mock.route(method="DELETE", path__startswith="/users/").respond(204)
        with httpx.Client(base_url="https://api.example.org/v1") as client:
            assert client.get("/users/42").json() == {"id": 42}
            assert client.delete("/users/42").status_code == 204
        assert mock.routes["user"] is by_regex
        assert by_regex.calls.last.request.url.path == "/v1/users/42"


def test_unmatched_request_is_refused(using: str) -> None:
    with pytest.raises(AllMockedAssertionError, match="not mocked"):
        with respx.mock(using=using) as mock:
            mock.get("https://example.org/known").respond(200)
            httpx.get("https://example.org/unknown")


def test_uncalled_route_fails_the_block(using: str) -> None:
    with pytest.raises(AssertionError, match="not called"):
        with respx.mock(using=using, assert_all_called=True) as mock:
            mock.get("https://example.org/never").respond(200)


def test_streamed_and_binary_responses(using: str) -> None:
    with respx.mock(using=using) as mock:
        mock.get("https://example.org/bytes").respond(
            200, content=b"\x00\x01" * 1000, headers={"Content-Type": "application/octet-stream"}
        )
        mock.get("https://example.org/stream").mock(
            return_value=httpx.Response(200, stream=httpx.ByteStream(b"line 1\nline 2\n"))
        )
        with httpx.Client() as client:
            with client.stream("GET", "https://example.org/bytes") as response:
                assert b"".join(response.iter_bytes(chunk_size=300)) == b"\x00\x01" * 1000
            with client.stream("GET", "https://example.org/stream") as response:
                assert list(response.iter_lines()) == ["line 1", "line 2"]


# --- side effects ------------------------------------------------------------------------


def test_side_effect_exceptions_carry_the_request(using: str) -> None:
    with respx.mock(using=using) as mock:
        mock.get("https://example.org/down").mock(side_effect=httpx.ConnectTimeout)
        mock.get("https://example.org/refused").mock(side_effect=httpx.ConnectError("refused"))
        mock.get("https://example.org/custom").mock(side_effect=KeyError("not httpx"))
        with httpx.Client() as client:
            with pytest.raises(httpx.ConnectTimeout) as timeout:
                client.get("https://example.org/down")
            assert timeout.value.request.url == "https://example.org/down"
            with pytest.raises(httpx.ConnectError, match="refused"):
                client.get("https://example.org/refused")
            # Not an httpx error: passes through the client unchanged.
            with pytest.raises(KeyError, match="not httpx"):
                client.get("https://example.org/custom")


@pytest.mark.anyio
async def test_side_effect_exception_async(using: str) -> None:
    with respx.mock(using=using) as mock:
        route = mock.get("https://example.org/slow").mock(side_effect=httpx.ReadTimeout)
        async with httpx.AsyncClient() as client:
            with pytest.raises(httpx.ReadTimeout) as error:
                await client.get("https://example.org/slow")
        assert error.value.request.url == "https://example.org/slow"
        assert route.call_count == 1


def test_side_effect_function_sees_the_request(using: str) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        return httpx.Response(
            200, json={"sum": body["a"] + body["b"], "ua": request.headers["user-agent"]}
        )

    with respx.mock(using=using) as mock:
        mock.post("https://example.org/add").mock(side_effect=reply)
        response = httpx.post("https://example.org/add", json={"a": 2, "b": 3})
    assert response.json()["sum"] == 5
    assert response.json()["ua"].startswith("python-httpx/")
    assert response.request.url == "https://example.org/add"


def test_side_effect_iterable_steps_through_responses_and_errors(using: str) -> None:
    with respx.mock(using=using) as mock:
        route = mock.get("https://example.org/flaky").mock(
            side_effect=[
                httpx.ConnectError("first try"),
                httpx.Response(503),
                httpx.Response(200, text="ok"),
            ]
        )
        with httpx.Client() as client:
            with pytest.raises(httpx.ConnectError):
                client.get("https://example.org/flaky")
            assert client.get("https://example.org/flaky").status_code == 503
            assert client.get("https://example.org/flaky").text == "ok"
        assert route.call_count == 3


def test_exhausted_side_effect_iterable_raises_stop_iteration(using: str) -> None:
    # respx lets StopIteration escape the transport once an iterable side effect is used
    # up; PyPI httpx's Client.send passes it through unchanged (respx's own tests rely on
    # that), and so must we.
    with respx.mock(using=using) as mock:
        mock.get("https://example.org/once").mock(side_effect=[httpx.Response(200)])
        with httpx.Client() as client:
            assert client.get("https://example.org/once").status_code == 200
            with pytest.raises(StopIteration):
                client.get("https://example.org/once")


@pytest.mark.anyio
async def test_async_side_effect_function(using: str) -> None:
    async def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=request.url.params["q"].upper())

    with respx.mock(using=using) as mock:
        mock.get("https://example.org/search").mock(side_effect=reply)
        async with httpx.AsyncClient() as client:
            response = await client.get("https://example.org/search", params={"q": "abc"})
    assert response.text == "ABC"


# --- pass-through to a real server -------------------------------------------------------


def test_pass_through_reaches_the_real_server(using: str, server: typing.Any) -> None:
    with respx.mock(using=using, assert_all_called=True) as mock:
        real = mock.route(host="127.0.0.1").pass_through()
        fake = mock.get("https://example.org/").respond(200, text="mocked")
        with httpx.Client() as client:
            echoed = client.post(server.url_for("/echo?x=1"), content=b"payload").json()
            assert client.get("https://example.org/").text == "mocked"
        assert echoed["method"] == "POST" and echoed["body"] == "payload"
        assert echoed["query"] == {"x": ["1"]}
        # The httpcore mocker may see a passed-through request twice: in the pool's
        # handle_request, then in the connection's (both are patched).
        assert real.called and real.call_count <= (2 if using == "httpcore" else 1)
        assert fake.call_count == 1
        assert fake.calls.last.response.text == "mocked"


@pytest.mark.anyio
async def test_pass_through_async(using: str, server: typing.Any) -> None:
    with respx.mock(using=using) as mock:
        mock.route(url__regex=re.escape(server.url) + ".*").pass_through()
        async with httpx.AsyncClient() as client:
            response = await client.get(server.url_for("/json"))
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert mock.calls.last.request.url == server.url_for("/json")


# --- decorator, context manager, pytest fixture, proxies ---------------------------------


@respx.mock
def test_decorator_without_arguments() -> None:
    route = respx.get("https://example.org/deco").respond(200, text="decorated")
    assert httpx.get("https://example.org/deco").text == "decorated"
    assert route.called


@respx.mock(using="httpx", assert_all_called=False)
def test_decorator_with_arguments_receives_the_router(respx_mock: respx.MockRouter) -> None:
    respx_mock.get("https://example.org/unused").respond(500)
    route = respx_mock.get("https://example.org/x").respond(200)
    assert httpx.get("https://example.org/x").status_code == 200
    assert route.call_count == 1


@respx.mock
@pytest.mark.anyio
async def test_decorator_on_async_test() -> None:
    respx.get("https://example.org/a").respond(200, json={"async": True})
    async with httpx.AsyncClient() as client:
        assert (await client.get("https://example.org/a")).json() == {"async": True}


def test_pytest_fixture(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("https://example.org/fixture").respond(200, text="from fixture")
    with httpx.Client() as client:
        assert client.get("https://example.org/fixture").text == "from fixture"
    assert route.called


@pytest.mark.respx(base_url="https://api.example.org", using="httpx")
@pytest.mark.anyio
async def test_pytest_fixture_with_marker_async(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("/status").respond(200, json={"ok": True})
    async with httpx.AsyncClient(base_url="https://api.example.org") as client:
        assert (await client.get("/status")).json() == {"ok": True}
    assert route.calls.last.request.url == "https://api.example.org/status"


def test_nested_routers_and_context_manager_restore_real_transport(server: typing.Any) -> None:
    with respx.mock(assert_all_mocked=False) as outer:
        outer.get("https://example.org/outer").respond(200, text="outer")
        with respx.mock(using="httpx") as inner:
            inner.get("https://example.org/inner").respond(200, text="inner")
            assert httpx.get("https://example.org/inner").text == "inner"
        assert httpx.get("https://example.org/outer").text == "outer"
    # Unpatched again: the real transport answers.
    assert httpx.get(server.url_for("/json")).status_code == 200


def test_respx_through_proxy_transport() -> None:
    # The proxy transport's pool is httpcore's HTTPProxy: respx patches it too.
    with respx.mock(assert_all_called=True) as mock:
        mock.get("http://example.org/").respond(200, text="via proxy pool")
        with httpx.Client(proxy="http://127.0.0.1:1") as client:
            assert client.get("http://example.org/").text == "via proxy pool"


@pytest.mark.anyio
async def test_respx_through_async_proxy_and_mounts() -> None:
    with respx.mock(assert_all_called=True) as mock:
        mock.get("https://example.org/").respond(200, text="via async proxy pool")
        mounts = {"https://": httpx.AsyncHTTPTransport(proxy="http://127.0.0.1:1")}
        async with httpx.AsyncClient(mounts=mounts) as client:
            assert (await client.get("https://example.org/")).text == "via async proxy pool"
