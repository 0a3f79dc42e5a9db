"""The QUERY method: `httpx.query()`, `Client.query()`, `AsyncClient.query()`.

QUERY (IETF draft "The HTTP QUERY Method") is safe and idempotent like GET, with a body
that says what to query. On the wire the server must see the method and the body; on
redirects it behaves as every method but POST does (RFC 9110 section 15.4): 301, 302,
307 and 308 repeat it with its body, 303 turns it into a GET without one.
"""

from __future__ import annotations

import inspect
import json
import ssl
import typing

import pytest

import httpx
from httpx._redirects import redirect_request_parts
from tests.harness import SyncAsAsync, run
from tests.servers.fixtures import TLSFiles
from tests.servers.run import HypercornServer, UvicornServer


async def query(client: typing.Any, url: str, **options: typing.Any) -> httpx.Response:
    if isinstance(client, SyncAsAsync):
        return client.client.query(url, **options)
    return typing.cast(httpx.Response, await client.query(url, **options))


def echoed(response: httpx.Response) -> dict[str, typing.Any]:
    seen: dict[str, typing.Any] = response.json()
    seen["headers"] = {name: value for name, value in seen["headers"]}
    return seen


def test_query_on_the_wire(mode: str, server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        response = await query(
            client, server.url_for("/echo"), json={"select": ["a", "b"]}, params={"v": "1"}
        )
        seen = echoed(response)
        assert response.request.method == "QUERY"
        assert seen["method"] == "QUERY"
        assert json.loads(seen["body"]) == {"select": ["a", "b"]}
        assert seen["headers"]["content-type"] == "application/json"
        assert seen["headers"]["content-length"] == str(len(seen["body"]))
        assert seen["query"] == {"v": ["1"]}

        seen = echoed(await query(client, server.url_for("/echo"), content=b"SELECT 1"))
        assert (seen["method"], seen["body"]) == ("QUERY", "SELECT 1")
        seen = echoed(await query(client, server.url_for("/echo"), data={"q": "x y"}))
        assert seen["body"] == "q=x+y"
        seen = echoed(await query(client, server.url_for("/echo"), files={"f": b"data"}))
        assert seen["headers"]["content-type"].startswith("multipart/form-data; boundary=")
        seen = echoed(await query(client, server.url_for("/echo")))  # a body is optional
        assert (seen["method"], seen["body"]) == ("QUERY", "")

    run(mode, scenario)


def test_top_level_query(server: UvicornServer) -> None:
    response = httpx.query(server.url_for("/echo"), content="who=me", headers={"X-A": "1"})
    seen = echoed(response)
    assert (seen["method"], seen["body"], seen["headers"]["x-a"]) == ("QUERY", "who=me", "1")


@pytest.mark.parametrize(
    ("code", "method", "body"),
    [
        (301, "QUERY", '{"q":1}'),
        (302, "QUERY", '{"q":1}'),
        (303, "GET", ""),
        (307, "QUERY", '{"q":1}'),
        (308, "QUERY", '{"q":1}'),
    ],
)
def test_query_redirects(
    mode: str, code: int, method: str, body: str, server: UvicornServer
) -> None:
    async def scenario(client: typing.Any) -> None:
        response = await query(
            client, server.url_for(f"/redirect_{code}"), json={"q": 1}, follow_redirects=True
        )
        seen = echoed(response)
        assert [r.status_code for r in response.history] == [code]
        assert (seen["method"], seen["body"]) == (method, body)
        if method == "GET":
            # The body is dropped; Content-Type stays, as httpx keeps it for POST -> GET.
            assert "content-length" not in seen["headers"]
        else:
            assert seen["headers"]["content-type"] == "application/json"

    run(mode, scenario)


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_query_redirect_policy(code: int) -> None:
    request = httpx.Request("QUERY", "https://example.org/search", json={"q": 1})
    response = httpx.Response(code, headers={"Location": "/found"}, request=request)
    method, url, headers, stream = redirect_request_parts(request, response)
    assert url == "https://example.org/found"
    if code == 303:
        assert (method, stream) == ("GET", None)
        assert "content-length" not in headers
    else:
        assert (method, stream) == ("QUERY", request.stream)
        assert headers["content-type"] == "application/json"


def test_query_over_http2(mode: str, tls_server: HypercornServer, tls_files: TLSFiles) -> None:
    async def scenario(client: typing.Any) -> None:
        response = await query(client, tls_server.url_for("/echo"), content=b"over h2")
        assert response.http_version == "HTTP/2"
        assert (echoed(response)["method"], echoed(response)["body"]) == ("QUERY", "over h2")

    context = ssl.create_default_context(cafile=tls_files.ca_cert)
    run(mode, scenario, http2=True, verify=context)


def test_query_in_process_transports() -> None:
    def wsgi_app(environ: dict[str, typing.Any], start_response: typing.Any) -> list[bytes]:
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ["REQUEST_METHOD"].encode() + b" " + body]

    with httpx.Client(transport=httpx.WSGITransport(app=wsgi_app)) as client:
        assert client.query("http://testserver/", content=b"x").text == "QUERY x"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=f"{request.method} {request.content.decode()}")

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        assert client.query("http://testserver/", content=b"y").text == "QUERY y"


def test_query_signatures_are_the_verbs_with_a_body() -> None:
    # The keyword signature of `post`, the other verb with a body.
    for owner in (httpx, httpx.Client, httpx.AsyncClient):
        ours = inspect.signature(owner.query)
        post = inspect.signature(owner.post)
        assert str(ours) == str(post), owner
    assert inspect.iscoroutinefunction(httpx.AsyncClient.query)
    assert not inspect.iscoroutinefunction(httpx.Client.query)
