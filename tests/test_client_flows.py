"""Redirects, auth, cookies, hooks and client state against the real local servers,
each on `Client` and on `AsyncClient` under asyncio and trio."""

from __future__ import annotations

import json
import logging
import pathlib
import typing

import pytest

import httpx
from tests.harness import run

if typing.TYPE_CHECKING:
    from tests.servers.run import HypercornServer, UvicornServer


def headers_of(response: httpx.Response) -> dict[str, str]:
    return {name: value for name, value in response.json()["headers"]}


# --- redirects ---------------------------------------------------------------------------


def test_redirect_methods_and_bodies(mode: str, server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        expectations = {301: "GET", 302: "GET", 303: "GET", 307: "POST", 308: "POST"}
        for status, method in expectations.items():
            response = await client.post(f"/redirect_{status}", content=b"payload")
            echoed = response.json()
            assert echoed["method"] == method, status
            assert echoed["body"] == ("payload" if method == "POST" else ""), status
            sent = headers_of(response)
            if method == "GET":
                assert "content-length" not in sent
            assert [r.status_code for r in response.history] == [status]
        # 302 turns every method but HEAD into GET (as httpx and browsers do); 301 only POST.
        response = await client.put("/redirect_302", content=b"x")
        assert response.json()["method"] == "GET"
        response = await client.put("/redirect_301", content=b"x")
        assert response.json()["method"] == "PUT"
        response = await client.head("/redirect_303")
        assert response.request.method == "HEAD"

    run(mode, scenario, base_url=server.url, follow_redirects=True)


def test_redirect_locations(mode: str, server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        response = await client.get("/relative_redirect")
        assert response.url.path == "/echo"
        response = await client.get("/path_relative_redirect")
        assert response.url.path == "/echo" and response.url.query == b"from=relative"
        response = await client.get("/scheme_relative_redirect")
        assert response.url == server.url + "echo"
        response = await client.get("/redirect_with_fragment")
        assert response.url.fragment == "fragment"
        response = await client.get("/redirect/3#keep")
        assert response.url.fragment == "keep"
        assert len(response.history) == 3
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/malformed_redirect")
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/invalid_redirect")
        with pytest.raises(httpx.TooManyRedirects):
            await client.get("/redirect_loop")
        response = await client.get("/redirect/2", follow_redirects=False)
        assert response.status_code == 302
        assert response.next_request.url == server.url + "redirect/1"
        # Sending the next_request continues the chain by hand.
        response = await client.send(response.next_request, follow_redirects=False)
        assert response.next_request.url == server.url + "echo"

    run(mode, scenario, base_url=server.url, follow_redirects=True, max_redirects=5)


def test_redirect_off_by_default_and_max_redirects(mode: str, server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        response = await client.get("/redirect/1")
        assert response.status_code == 302 and response.history == []
        with pytest.raises(httpx.TooManyRedirects):
            await client.get("/redirect/3", follow_redirects=True)
        response = await client.get("/redirect/2", follow_redirects=True)
        assert response.status_code == 200

    run(mode, scenario, base_url=server.url, max_redirects=2)


def test_authorization_dropped_on_origin_change(
    mode: str, server: UvicornServer, tls_server: HypercornServer, ca_cert_pem_file: str
) -> None:
    other_origin = server.url.replace("127.0.0.1", "localhost") + "echo"
    same_origin = server.url + "echo"

    async def scenario(client: typing.Any) -> None:
        headers = {"Authorization": "Bearer secret"}
        response = await client.get(
            f"{server.url}redirect_to", params={"url": same_origin}, headers=headers
        )
        assert headers_of(response)["authorization"] == "Bearer secret"
        response = await client.get(
            f"{server.url}redirect_to", params={"url": other_origin}, headers=headers
        )
        assert "authorization" not in headers_of(response)
        assert headers_of(response)["host"] == other_origin.split("/")[2]
        # https -> http downgrade drops credentials too.
        response = await client.get(
            f"{tls_server.url}redirect_to", params={"url": same_origin}, headers=headers
        )
        assert response.url == same_origin
        assert "authorization" not in headers_of(response)

    import ssl

    context = ssl.create_default_context(cafile=ca_cert_pem_file)
    run(mode, scenario, follow_redirects=True, verify=context)


def test_streamed_body_cannot_be_replayed(mode: str, server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        if mode == "sync":

            def body() -> typing.Iterator[bytes]:
                yield b"once"

            content: typing.Any = body()
        else:

            async def abody() -> typing.AsyncIterator[bytes]:
                yield b"once"

            content = abody()
        with pytest.raises(httpx.StreamConsumed):
            await client.post("/redirect_307", content=content)

    run(mode, scenario, base_url=server.url, follow_redirects=True)


# --- cookies -----------------------------------------------------------------------------


def test_cookie_persistence(mode: str, server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        response = await client.get("/cookies/set", params={"a": "1"})
        assert response.cookies["a"] == "1"
        assert client.cookies["a"] == "1"
        assert (await client.get("/cookies")).json() == {"a": "1"}
        # Set-Cookie on a redirect hop is kept, and sent on the next hop.
        response = await client.get("/cookies/set_and_redirect", params={"b": "2"})
        assert response.json() == {"a": "1", "b": "2"}
        assert response.history[0].cookies["b"] == "2"
        # Per-request cookies are merged with the client's, with httpx's deprecation
        # warning (which build_request() does not give).
        with pytest.warns(DeprecationWarning, match="Setting per-request cookies=<...>"):
            response = await client.get("/cookies", cookies={"c": "3"})
        assert response.json() == {"a": "1", "b": "2", "c": "3"}
        request = client.build_request("GET", "/cookies", cookies={"c": "4"})
        assert request.headers["cookie"] == "a=1; b=2; c=4"
        await client.get("/cookies/delete", params={"a": ""})
        assert "a" not in client.cookies
        # Cookies for another domain or path are not sent.
        client.cookies.set("elsewhere", "x", domain="example.org")
        client.cookies.set("deep", "y", domain="127.0.0.1", path="/deep/")
        assert (await client.get("/cookies")).json() == {"b": "2"}

    run(mode, scenario, base_url=server.url, follow_redirects=True)


# --- auth --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "algorithm", ["MD5", "MD5-SESS", "SHA-256", "SHA-256-SESS", "SHA-512", "SHA-512-SESS"]
)
def test_digest_auth(mode: str, server: UvicornServer, algorithm: str) -> None:
    async def scenario(client: typing.Any) -> None:
        auth = httpx.DigestAuth("user", "pass")
        response = await client.get(f"/digest-auth/auth/user/pass/{algorithm}", auth=auth)
        assert response.status_code == 200, response.text
        assert len(response.history) == 1 and response.history[0].status_code == 401
        response = await client.get(f"/digest-auth/auth/user/pass/{algorithm}/stale", auth=auth)
        assert response.status_code == 200
        wrong = httpx.DigestAuth("user", "wrong")
        response = await client.get(f"/digest-auth/auth/user/pass/{algorithm}", auth=wrong)
        assert response.status_code == 401

    run(mode, scenario, base_url=server.url)


def test_basic_auth_forms(mode: str, server: UvicornServer, tmp_path: pathlib.Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1\nlogin netrc-user\npassword netrc-pass\n")

    async def scenario(client: typing.Any) -> None:
        assert (await client.get("/basic-auth/u/p", auth=("u", "p"))).status_code == 200
        assert (await client.get("/basic-auth/u/p", auth=httpx.BasicAuth("u", "p"))).is_success
        assert (await client.get("/basic-auth/u/p", auth=("u", "bad"))).status_code == 401
        url_with_credentials = server.url.replace("http://", "http://u:p@") + "basic-auth/u/p"
        assert (await client.get(url_with_credentials)).status_code == 200
        netrc_auth = httpx.NetRCAuth(str(netrc))
        response = await client.get("/basic-auth/netrc-user/netrc-pass", auth=netrc_auth)
        assert response.status_code == 200

        def function_auth(request: httpx.Request) -> httpx.Request:
            request.headers["Authorization"] = httpx.BasicAuth("u", "p")._auth_header
            return request

        assert (await client.get("/basic-auth/u/p", auth=function_auth)).status_code == 200
        # The client's auth is used unless overridden; auth=None disables it.
        client.auth = ("u", "p")
        assert (await client.get("/basic-auth/u/p")).status_code == 200
        assert (await client.get("/basic-auth/u/p", auth=None)).status_code == 401

    run(mode, scenario, base_url=server.url)


class TokenFromBody(httpx.Auth):
    """An auth flow that reads a response body before retrying."""

    requires_response_body = True

    def auth_flow(
        self, request: httpx.Request
    ) -> typing.Generator[httpx.Request, httpx.Response, None]:
        response = yield request
        if response.status_code == 401:
            token = response.json()["authenticated"]
            request.headers["Authorization"] = httpx.BasicAuth("u", "p")._auth_header
            request.headers["X-Saw"] = str(token)
            yield request


def test_custom_auth_flow(mode: str, server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        response = await client.get("/basic-auth/u/p", auth=TokenFromBody())
        assert response.status_code == 200
        assert response.request.headers["X-Saw"] == "False"
        assert response.history[0].status_code == 401

    run(mode, scenario, base_url=server.url)


# --- event hooks, logging, client state --------------------------------------------------


def test_event_hooks(mode: str, server: UvicornServer) -> None:
    seen: list[str] = []

    def on_request(request: httpx.Request) -> None:
        seen.append(f"request {request.url.path}")

    def on_response(response: httpx.Response) -> None:
        response.read()
        seen.append(f"response {response.status_code} {len(response.content)}")

    def failing(response: httpx.Response) -> None:
        raise RuntimeError("hook failed")

    if mode != "sync":
        sync_request, sync_failing = on_request, failing

        async def on_request(request: httpx.Request) -> None:  # type: ignore[misc]
            sync_request(request)

        async def on_response(response: httpx.Response) -> None:  # type: ignore[misc]
            await response.aread()
            seen.append(f"response {response.status_code} {len(response.content)}")

        async def failing(response: httpx.Response) -> None:  # type: ignore[misc]
            sync_failing(response)

    async def scenario(client: typing.Any) -> None:
        await client.get("/redirect/1")
        assert seen == ["request /redirect/1", "response 302 0", "request /echo"] + [seen[-1]]
        assert seen[-1].startswith("response 200")
        client.event_hooks = {"response": [failing]}
        with pytest.raises(RuntimeError, match="hook failed"):
            await client.get("/echo")
        # Other keys are ignored, as in httpx.
        client.event_hooks = {"bogus": [failing]}
        assert client.event_hooks == {"request": [], "response": []}

    run(
        mode,
        scenario,
        base_url=server.url,
        follow_redirects=True,
        event_hooks={"request": [on_request], "response": [on_response]},
    )


def test_logging(mode: str, server: UvicornServer, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario(client: typing.Any) -> None:
        with caplog.at_level(logging.INFO, logger="httpx"):
            await client.get("/echo")
        records = [r for r in caplog.records if r.name == "httpx"]
        assert [r.getMessage() for r in records] == [
            f'HTTP Request: GET {server.url}echo "HTTP/1.1 200 OK"'
        ]

    run(mode, scenario, base_url=server.url)


def test_debug_logging_and_silence_by_default(
    mode: str,
    server: UvicornServer,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    assert logging.getLogger("httpx").handlers == []

    async def scenario(client: typing.Any) -> None:
        await client.get("/redirect/1")
        out, err = capfd.readouterr()
        assert out == "" and err == ""  # logging not configured: nothing printed
        with caplog.at_level(logging.DEBUG, logger="httpx"):
            await client.get("/redirect/1")
        messages = [r.getMessage() for r in caplog.records if r.name == "httpx"]
        assert f"Following redirect to {server.url}echo" in messages
        assert any(m.startswith(f"Sending GET {server.url}redirect/1 through") for m in messages)

    run(mode, scenario, base_url=server.url, follow_redirects=True)


def test_client_state_errors(mode: str, server: UvicornServer) -> None:
    if mode == "sync":
        client = httpx.Client()
        with client:
            with pytest.raises(RuntimeError, match="more than once"):
                with client:
                    pass
        with pytest.raises(RuntimeError, match="client has been closed"):
            client.get(server.url)
        with pytest.raises(RuntimeError, match="reopen"):
            with client:
                pass
        assert client.is_closed
        return

    async def scenario(client: typing.Any) -> None:
        await client.get(server.url)
        await client.aclose()
        assert client.is_closed
        with pytest.raises(RuntimeError, match="client has been closed"):
            await client.get(server.url)

    run(mode, scenario)


def test_params_headers_base_url_merging(mode: str, server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        response = await client.get("echo", params={"b": "2"}, headers={"X-Two": "2"})
        echoed = response.json()
        assert echoed["path"] == "/echo"
        assert echoed["query"] == {"a": ["1"], "b": ["2"]}
        sent = headers_of(response)
        assert sent["x-one"] == "1" and sent["x-two"] == "2"
        assert sent["user-agent"].startswith("python-httpx/")
        assert response.request.extensions["timeout"] == {
            "connect": 3.0,
            "read": 3.0,
            "write": 3.0,
            "pool": 3.0,
        }
        response = await client.get("/echo", timeout=httpx.Timeout(1.0, read=2.0))
        assert response.request.extensions["timeout"]["read"] == 2.0

    run(
        mode,
        scenario,
        base_url=server.url + "ignored/..",
        params={"a": "1"},
        headers={"X-One": "1"},
        timeout=3.0,
    )


def test_streaming_responses(mode: str, server: UvicornServer) -> None:
    async def scenario(client: typing.Any) -> None:
        async with client.stream("GET", "/stream/5") as response:
            lines = [line async for line in response.aiter_lines()]
        assert [json.loads(line) for line in lines] == [{"chunk": i} for i in range(5)]
        async with client.stream("GET", "/bytes/5000?chunk_size=333") as response:
            chunks = [chunk async for chunk in response.aiter_bytes(1000)]
        assert [len(chunk) for chunk in chunks] == [1000] * 5
        assert response.is_closed
        assert response.elapsed.total_seconds() > 0

    run(mode, scenario, base_url=server.url)
