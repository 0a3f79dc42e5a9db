"""The openai and anthropic SDKs (installed with --no-deps) run on our httpx."""

from __future__ import annotations

import json
import typing

import anthropic
import openai
import pytest

import httpx


def openai_handler(request: httpx.Request) -> httpx.Response:
    assert request.headers["Authorization"] == "Bearer sk-test"
    if request.url.path == "/v1/models":
        return httpx.Response(
            200,
            json={
                "object": "list",
                "data": [{"id": "gpt-test", "object": "model", "created": 0, "owned_by": "me"}],
            },
        )
    body = json.loads(request.content)
    return httpx.Response(
        200,
        json={
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {
                        "role": "assistant",
                        "content": "echo: " + body["messages"][0]["content"],
                    },
                }
            ],
        },
    )


def test_openai_sync() -> None:
    client = openai.OpenAI(
        api_key="sk-test",
        base_url="https://api.example.test/v1",
        http_client=httpx.Client(transport=httpx.MockTransport(openai_handler)),
    )
    assert [model.id for model in client.models.list()] == ["gpt-test"]
    completion = client.chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "hi"}]
    )
    assert completion.choices[0].message.content == "echo: hi"


@pytest.mark.anyio
async def test_openai_async() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return openai_handler(request)

    client = openai.AsyncOpenAI(
        api_key="sk-test",
        base_url="https://api.example.test/v1",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    )
    completion = await client.chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "ping"}]
    )
    assert completion.choices[0].message.content == "echo: ping"


def test_openai_retries_on_server_error() -> None:
    calls: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(503, json={"error": {"message": "busy"}})
        return openai_handler(request)

    client = openai.OpenAI(
        api_key="sk-test",
        base_url="https://api.example.test/v1",
        max_retries=1,
        http_client=httpx.Client(transport=httpx.MockTransport(flaky)),
    )
    assert [model.id for model in client.models.list()] == ["gpt-test"]
    assert len(calls) == 2


def test_anthropic_messages(server: typing.Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["x-api-key"] == "key"
        body = json.loads(request.content)
        return httpx.Response(
            200,
            json={
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": body["model"],
                "content": [{"type": "text", "text": "hello " + body["messages"][0]["content"]}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 1, "output_tokens": 2},
            },
        )

    client = anthropic.Anthropic(
        api_key="key",
        base_url="https://api.example.test",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    message = client.messages.create(
        model="claude-test", max_tokens=10, messages=[{"role": "user", "content": "you"}]
    )
    assert message.content[0].text == "hello you"  # type: ignore[union-attr]


def test_openai_default_client_against_real_server(server: typing.Any) -> None:
    # No http_client given: the SDK builds its own httpx.Client with its own options.
    client = openai.OpenAI(api_key="sk-test", base_url=server.url, max_retries=0)
    response = client.get("echo", cast_to=httpx.Response)
    echoed = response.json()
    assert echoed["path"] == "/echo"
    assert ["authorization", "Bearer sk-test"] in echoed["headers"]
