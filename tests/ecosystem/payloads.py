"""Wire payloads of the APIs the SDK tests talk to: OpenAI chat completions and Anthropic
messages, as JSON bodies and as server-sent event streams.

Shared by the in-process `httpx.MockTransport` handlers and the real local server
(tests/ecosystem/apps.py), so that both paths serve byte-identical answers.
"""

from __future__ import annotations

import json
import typing

import httpx

OPENAI_KEY = "sk-test"
ANTHROPIC_KEY = "ant-test"
STREAMED_WORDS = ["Hel", "lo, ", "wörld ✓"]  # non-ASCII on purpose: decoded per chunk


def sse_frame(data: str, event: str | None = None) -> bytes:
    """One event of a text/event-stream (WHATWG HTML, "server-sent events")."""
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {data}\n\n".encode()


def openai_completion(body: dict[str, typing.Any]) -> dict[str, typing.Any]:
    prompt = body["messages"][-1]["content"]
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": body["model"],
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": f"echo: {prompt}"},
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    }


def openai_stream(body: dict[str, typing.Any]) -> list[bytes]:
    def chunk(delta: dict[str, str], finish_reason: str | None = None) -> bytes:
        payload = {
            "id": "chatcmpl-2",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": body["model"],
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }
        return sse_frame(json.dumps(payload))

    frames = [chunk({"role": "assistant", "content": ""})]
    frames += [chunk({"content": word}) for word in STREAMED_WORDS]
    frames += [chunk({}, "stop"), sse_frame("[DONE]")]
    return frames


def anthropic_message(body: dict[str, typing.Any]) -> dict[str, typing.Any]:
    prompt = body["messages"][-1]["content"]
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": [{"type": "text", "text": f"hello {prompt}"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 2},
    }


def anthropic_stream(body: dict[str, typing.Any]) -> list[bytes]:
    start = {
        "type": "message_start",
        "message": {
            **anthropic_message(body),
            "content": [],
            "stop_reason": None,
            "usage": {"input_tokens": 3, "output_tokens": 0},
        },
    }
    events: list[tuple[str, dict[str, typing.Any]]] = [
        ("message_start", start),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
        ("ping", {"type": "ping"}),
    ]
    for word in STREAMED_WORDS:
        delta = {"type": "text_delta", "text": word}
        events.append(
            ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta})
        )
    events += [
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": len(STREAMED_WORDS)},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return [sse_frame(json.dumps(data), event) for event, data in events]


def split_awkwardly(frames: list[bytes]) -> list[bytes]:
    """Re-chunk a stream so that chunk boundaries fall inside lines and inside UTF-8
    sequences: consumers must reassemble, not assume one event per read."""
    blob = b"".join(frames)
    sizes = [1, 7, 3, 64, 2, 29]
    chunks = []
    position = 0
    index = 0
    while position < len(blob):
        size = sizes[index % len(sizes)]
        chunks.append(blob[position : position + size])
        position += size
        index += 1
    return chunks


def sdk_answer(path: str, body: dict[str, typing.Any]) -> tuple[int, dict[str, str], list[bytes]]:
    """(status, headers, body chunks) for a successful call to either API."""
    if path.endswith("/chat/completions"):
        if body.get("stream"):
            return 200, {"content-type": "text/event-stream"}, split_awkwardly(openai_stream(body))
        return (
            200,
            {"content-type": "application/json"},
            [json.dumps(openai_completion(body)).encode()],
        )
    if path.endswith("/messages"):
        if body.get("stream"):
            return (
                200,
                {"content-type": "text/event-stream"},
                split_awkwardly(anthropic_stream(body)),
            )
        return (
            200,
            {"content-type": "application/json"},
            [json.dumps(anthropic_message(body)).encode()],
        )
    return 404, {"content-type": "application/json"}, [b'{"error": {"message": "no such API"}}']


def error_answer(status: int) -> tuple[int, dict[str, str], list[bytes]]:
    """An API error both SDKs understand; retry-after-ms keeps their backoff to 1 ms."""
    body = {"type": "error", "error": {"type": "overloaded", "message": f"status {status}"}}
    headers = {"content-type": "application/json", "retry-after-ms": "1"}
    return status, headers, [json.dumps(body).encode()]


class ChunkStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body delivered in the given chunks, to sync and async clients alike."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> typing.Iterator[bytes]:
        yield from self.chunks

    async def __aiter__(self) -> typing.AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk


class FakeAPI:
    """MockTransport handler (sync: call it; async: `.handle_async`) serving both APIs.

    `plan` scripts the first answers: a status code (an error both SDKs retry, with
    retry-after-ms: 1) or an exception to raise; after it, every call succeeds."""

    def __init__(self, plan: typing.Iterable[int | Exception] = ()) -> None:
        self.plan = list(plan)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path.endswith("/chat/completions") or request.url.path.endswith("/models"):
            assert request.headers["authorization"] == f"Bearer {OPENAI_KEY}"
        else:
            assert request.headers["x-api-key"] == ANTHROPIC_KEY
        step = self.plan.pop(0) if self.plan else None
        if isinstance(step, Exception):
            raise step
        if step is not None:
            status, headers, chunks = error_answer(step)
        elif request.url.path.endswith("/models"):
            models = {
                "object": "list",
                "data": [{"id": "gpt-test", "object": "model", "created": 0, "owned_by": "me"}],
            }
            status, headers, chunks = (
                200,
                {"content-type": "application/json"},
                [json.dumps(models).encode()],
            )
        else:
            status, headers, chunks = sdk_answer(request.url.path, json.loads(request.content))
        return httpx.Response(status, headers=headers, stream=ChunkStream(chunks))

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        return self(request)

    @property
    def retry_counts(self) -> list[str | None]:
        return [request.headers.get("x-stainless-retry-count") for request in self.requests]
