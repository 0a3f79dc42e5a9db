"""The openai and anthropic SDKs (installed with --no-deps) run on our httpx.

Every scenario runs for both SDKs, through an `httpx.MockTransport` in process and
against a real local uvicorn server (tests/ecosystem/apps.py): plain and streamed (SSE)
calls, retries on 429/5xx (counted, with the servers' retry-after-ms: 1 keeping backoff to
a millisecond), timeouts of a stalled server, and the `http_client=` the user passes.
"""

from __future__ import annotations

import dataclasses
import json
import typing

import anthropic
import openai
import pytest

import httpx
from tests.ecosystem.conftest import EcosystemServer
from tests.ecosystem.payloads import ANTHROPIC_KEY, OPENAI_KEY, STREAMED_WORDS, FakeAPI

STREAMED_TEXT = "".join(STREAMED_WORDS)


@dataclasses.dataclass(frozen=True)
class SDK:
    """What differs between the two SDKs, behind one interface for the tests."""

    name: str
    module: typing.Any
    sync_class: typing.Any
    async_class: typing.Any
    api_key: str
    path: str  # the endpoint the calls below POST to, below base_url
    create: typing.Callable[[typing.Any, str], str]
    acreate: typing.Callable[[typing.Any, str], typing.Awaitable[str]]
    stream: typing.Callable[[typing.Any], list[str]]
    astream: typing.Callable[[typing.Any], typing.Awaitable[list[str]]]

    def client(self, base_url: str, **options: typing.Any) -> typing.Any:
        return self.sync_class(api_key=self.api_key, base_url=base_url, **options)

    def async_client(self, base_url: str, **options: typing.Any) -> typing.Any:
        return self.async_class(api_key=self.api_key, base_url=base_url, **options)


# --- openai ------------------------------------------------------------------------------


def openai_create(client: openai.OpenAI, prompt: str) -> str:
    completion = client.chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": prompt}]
    )
    return completion.choices[0].message.content or ""


async def openai_acreate(client: openai.AsyncOpenAI, prompt: str) -> str:
    completion = await client.chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": prompt}]
    )
    return completion.choices[0].message.content or ""


def openai_stream(client: openai.OpenAI) -> list[str]:
    stream = client.chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "s"}], stream=True
    )
    with stream:
        # The first chunk carries only the role, the last only the finish reason.
        return [
            chunk.choices[0].delta.content for chunk in stream if chunk.choices[0].delta.content
        ]


async def openai_astream(client: openai.AsyncOpenAI) -> list[str]:
    stream = await client.chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "s"}], stream=True
    )
    async with stream:
        return [
            chunk.choices[0].delta.content
            async for chunk in stream
            if chunk.choices[0].delta.content
        ]


# --- anthropic ---------------------------------------------------------------------------


def anthropic_create(client: anthropic.Anthropic, prompt: str) -> str:
    message = client.messages.create(
        model="claude-test", max_tokens=10, messages=[{"role": "user", "content": prompt}]
    )
    block = message.content[0]
    assert block.type == "text"
    return block.text


async def anthropic_acreate(client: anthropic.AsyncAnthropic, prompt: str) -> str:
    message = await client.messages.create(
        model="claude-test", max_tokens=10, messages=[{"role": "user", "content": prompt}]
    )
    block = message.content[0]
    assert block.type == "text"
    return block.text


def anthropic_stream(client: anthropic.Anthropic) -> list[str]:
    # The SDK's stream helper: text deltas, then the message accumulated from the events.
    with client.messages.stream(
        model="claude-test", max_tokens=10, messages=[{"role": "user", "content": "s"}]
    ) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    assert final.stop_reason == "end_turn" and final.usage.output_tokens == len(STREAMED_WORDS)
    return pieces


async def anthropic_astream(client: anthropic.AsyncAnthropic) -> list[str]:
    # The raw event stream this time.
    stream = await client.messages.create(
        model="claude-test",
        max_tokens=10,
        messages=[{"role": "user", "content": "s"}],
        stream=True,
    )
    pieces = []
    async with stream:
        async for event in stream:
            if event.type == "content_block_delta" and event.delta.type == "text_delta":
                pieces.append(event.delta.text)
    return pieces


OPENAI = SDK(
    name="openai",
    module=openai,
    sync_class=openai.OpenAI,
    async_class=openai.AsyncOpenAI,
    api_key=OPENAI_KEY,
    path="/v1/chat/completions",
    create=openai_create,
    acreate=openai_acreate,
    stream=openai_stream,
    astream=openai_astream,
)
ANTHROPIC = SDK(
    name="anthropic",
    module=anthropic,
    sync_class=anthropic.Anthropic,
    async_class=anthropic.AsyncAnthropic,
    api_key=ANTHROPIC_KEY,
    path="/v1/messages",
    create=anthropic_create,
    acreate=anthropic_acreate,
    stream=anthropic_stream,
    astream=anthropic_astream,
)
EXPECTED_REPLY = {"openai": "echo: hi", "anthropic": "hello hi"}


@pytest.fixture(params=[OPENAI, ANTHROPIC], ids=lambda sdk: sdk.name)
def sdk(request: pytest.FixtureRequest) -> SDK:
    return typing.cast(SDK, request.param)


def base_url(sdk: SDK, root: str) -> str:
    # openai's paths are below /v1 in base_url; anthropic's include /v1 themselves.
    return root + "/v1" if sdk is OPENAI else root


MOCK_ROOT = "https://api.example.test"


# --- through MockTransport ---------------------------------------------------------------


def test_call_and_stream_over_mock_transport(sdk: SDK) -> None:
    api = FakeAPI()
    http_client = httpx.Client(transport=httpx.MockTransport(api))
    with sdk.client(base_url(sdk, MOCK_ROOT), http_client=http_client) as client:
        assert sdk.create(client, "hi") == EXPECTED_REPLY[sdk.name]
        assert "".join(sdk.stream(client)) == STREAMED_TEXT
    first = api.requests[0]
    assert first.url == MOCK_ROOT + sdk.path
    assert first.headers["content-type"] == "application/json"
    assert json.loads(first.content)["messages"] == [{"role": "user", "content": "hi"}]
    assert json.loads(api.requests[1].content)["stream"] is True
    assert http_client.is_closed  # closing the SDK client closes the one we gave it


@pytest.mark.anyio
async def test_async_call_and_stream_over_mock_transport(sdk: SDK) -> None:
    api = FakeAPI()
    http_client = httpx.AsyncClient(transport=httpx.MockTransport(api.handle_async))
    async with sdk.async_client(base_url(sdk, MOCK_ROOT), http_client=http_client) as client:
        assert await sdk.acreate(client, "hi") == EXPECTED_REPLY[sdk.name]
        assert "".join(await sdk.astream(client)) == STREAMED_TEXT
    assert len(api.requests) == 2


def test_openai_models_list_pagination_over_mock_transport() -> None:
    api = FakeAPI()
    http_client = httpx.Client(transport=httpx.MockTransport(api))
    with openai.OpenAI(
        api_key=OPENAI_KEY, base_url=MOCK_ROOT + "/v1", http_client=http_client
    ) as client:
        assert [model.id for model in client.models.list()] == ["gpt-test"]
    assert api.requests[0].method == "GET" and api.requests[0].url.path == "/v1/models"


def test_retries_on_429_and_5xx_over_mock_transport(sdk: SDK) -> None:
    api = FakeAPI([429, 500, 503])
    http_client = httpx.Client(transport=httpx.MockTransport(api))
    with sdk.client(base_url(sdk, MOCK_ROOT), http_client=http_client, max_retries=3) as client:
        assert sdk.create(client, "hi") == EXPECTED_REPLY[sdk.name]
    assert api.retry_counts == ["0", "1", "2", "3"]


@pytest.mark.anyio
async def test_async_retries_give_up_after_max_retries(sdk: SDK) -> None:
    api = FakeAPI([503, 503, 503])
    http_client = httpx.AsyncClient(transport=httpx.MockTransport(api.handle_async))
    async with sdk.async_client(
        base_url(sdk, MOCK_ROOT), http_client=http_client, max_retries=2
    ) as client:
        with pytest.raises(sdk.module.InternalServerError) as error:
            await sdk.acreate(client, "hi")
    assert error.value.status_code == 503
    assert error.value.response.headers["retry-after-ms"] == "1"
    assert len(api.requests) == 3


def test_client_errors_are_not_retried(sdk: SDK) -> None:
    api = FakeAPI([400])
    http_client = httpx.Client(transport=httpx.MockTransport(api))
    with sdk.client(base_url(sdk, MOCK_ROOT), http_client=http_client, max_retries=3) as client:
        with pytest.raises(sdk.module.BadRequestError) as error:
            sdk.create(client, "hi")
    assert error.value.status_code == 400
    assert "'message': 'status 400'" in str(error.value)  # the JSON error body, parsed
    assert len(api.requests) == 1


def test_transport_errors_become_connection_errors(sdk: SDK) -> None:
    api = FakeAPI([httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])
    http_client = httpx.Client(transport=httpx.MockTransport(api))
    with sdk.client(base_url(sdk, MOCK_ROOT), http_client=http_client, max_retries=0) as client:
        with pytest.raises(sdk.module.APIConnectionError) as connect:
            sdk.create(client, "hi")
        assert isinstance(connect.value.__cause__, httpx.ConnectError)
        with pytest.raises(sdk.module.APITimeoutError) as timeout:
            sdk.create(client, "hi")
        assert isinstance(timeout.value.__cause__, httpx.ReadTimeout)


# --- against a real local server ---------------------------------------------------------


def test_call_and_stream_against_real_server(sdk: SDK, ecosystem_server: EcosystemServer) -> None:
    with sdk.client(base_url(sdk, ecosystem_server.url), max_retries=0) as client:
        assert sdk.create(client, "hi") == EXPECTED_REPLY[sdk.name]
        assert sdk.stream(client) == STREAMED_WORDS
    assert ecosystem_server.state.hits[sdk.path] == 2


@pytest.mark.anyio
async def test_async_call_and_stream_against_real_server(
    sdk: SDK, ecosystem_server: EcosystemServer
) -> None:
    async with sdk.async_client(base_url(sdk, ecosystem_server.url), max_retries=0) as client:
        assert await sdk.acreate(client, "hi") == EXPECTED_REPLY[sdk.name]
        assert await sdk.astream(client) == STREAMED_WORDS


def test_retries_against_real_server(sdk: SDK, ecosystem_server: EcosystemServer) -> None:
    ecosystem_server.state.plan.extend([429, 502])
    with sdk.client(base_url(sdk, ecosystem_server.url), max_retries=2) as client:
        assert sdk.create(client, "hi") == EXPECTED_REPLY[sdk.name]
    assert ecosystem_server.state.hits[sdk.path] == 3
    retry_counts = [
        headers.get("x-stainless-retry-count") for headers in ecosystem_server.state.headers
    ]
    assert retry_counts == ["0", "1", "2"]


@pytest.mark.anyio
async def test_async_rate_limit_exhausted_against_real_server(
    sdk: SDK, ecosystem_server: EcosystemServer
) -> None:
    ecosystem_server.state.plan.extend([429, 429])
    async with sdk.async_client(base_url(sdk, ecosystem_server.url), max_retries=1) as client:
        with pytest.raises(sdk.module.RateLimitError) as error:
            await sdk.acreate(client, "hi")
    assert error.value.status_code == 429
    assert ecosystem_server.state.hits[sdk.path] == 2


def test_stalled_server_is_a_timeout(sdk: SDK, ecosystem_server: EcosystemServer) -> None:
    ecosystem_server.state.plan.append("stall")
    with sdk.client(base_url(sdk, ecosystem_server.url), max_retries=0, timeout=0.25) as client:
        with pytest.raises(sdk.module.APITimeoutError) as error:
            sdk.create(client, "hi")
        assert isinstance(error.value.__cause__, httpx.ReadTimeout)
        # The client is still usable: the next call gets an answer on a new connection.
        assert sdk.create(client, "hi") == EXPECTED_REPLY[sdk.name]


@pytest.mark.anyio
async def test_async_stalled_server_is_a_timeout_then_a_retry_succeeds(
    sdk: SDK, ecosystem_server: EcosystemServer
) -> None:
    ecosystem_server.state.plan.append("stall")
    async with sdk.async_client(base_url(sdk, ecosystem_server.url), max_retries=0) as client:
        with pytest.raises(sdk.module.APITimeoutError):
            await sdk.acreate(client.with_options(timeout=0.25), "hi")
        assert await sdk.acreate(client, "hi") == EXPECTED_REPLY[sdk.name]
    assert ecosystem_server.state.hits[sdk.path] == 2


def test_custom_http_client_against_real_server(
    sdk: SDK, ecosystem_server: EcosystemServer
) -> None:
    seen: list[str] = []
    http_client = httpx.Client(
        headers={"X-Custom": "from-our-client"},
        event_hooks={"request": [lambda request: seen.append(str(request.url))]},
        transport=httpx.HTTPTransport(retries=1),
        timeout=httpx.Timeout(10.0, connect=2.0),
    )
    with sdk.client(base_url(sdk, ecosystem_server.url), http_client=http_client) as client:
        assert client.timeout == httpx.Timeout(10.0, connect=2.0)  # taken from our client
        assert sdk.create(client, "hi") == EXPECTED_REPLY[sdk.name]
    assert seen == [ecosystem_server.url + sdk.path]
    assert ecosystem_server.state.headers[0]["x-custom"] == "from-our-client"
    assert http_client.is_closed


@pytest.mark.anyio
async def test_custom_async_http_client_against_real_server(
    sdk: SDK, ecosystem_server: EcosystemServer
) -> None:
    statuses: list[int] = []

    async def on_response(response: httpx.Response) -> None:
        statuses.append(response.status_code)

    ecosystem_server.state.plan.append(500)
    http_client = httpx.AsyncClient(event_hooks={"response": [on_response]}, http2=False)
    async with sdk.async_client(
        base_url(sdk, ecosystem_server.url), http_client=http_client, max_retries=1
    ) as client:
        assert "".join(await sdk.astream(client)) == STREAMED_TEXT
    assert statuses == [500, 200]


def test_default_client_options(sdk: SDK, ecosystem_server: EcosystemServer) -> None:
    # No http_client given: each SDK builds its own httpx.Client (anthropic passes its own
    # HTTPTransport with socket options, openai its limits and follow_redirects=True).
    with sdk.client(base_url(sdk, ecosystem_server.url), max_retries=0) as client:
        inner = client._client
        assert isinstance(inner, httpx.Client)
        assert inner.follow_redirects is True
        assert sdk.create(client, "hi") == EXPECTED_REPLY[sdk.name]
    assert inner.is_closed


def test_openai_raw_request_against_the_shared_server(server: typing.Any) -> None:
    with openai.OpenAI(api_key=OPENAI_KEY, base_url=server.url, max_retries=0) as client:
        response = client.get("echo", cast_to=httpx.Response)
        echoed = response.json()
    assert echoed["path"] == "/echo"
    assert ["authorization", f"Bearer {OPENAI_KEY}"] in echoed["headers"]
