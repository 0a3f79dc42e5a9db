"""A response body as it arrives on its HTTP/2 stream (`AsyncHTTP2Body`), and the steps
of the ``trace`` extension (`AsyncTrace`).

Written for async; scripts/unasync.py generates `body_sync.py` for the sync connection.
"""

from __future__ import annotations

import logging
import types
import typing
from collections.abc import AsyncIterator

import httpcore

from ..state import WANT_BODY, Stream, logger

__all__ = ["AsyncHTTP2Body", "AsyncStreamOwner", "AsyncTrace"]


class AsyncStreamOwner(typing.Protocol):
    """What a body needs of its connection (`conn.AsyncHTTP2Connection`)."""

    _lock: typing.Any
    _outbox: list[bytes]
    _writing: bool

    def _consumed(self, stream: Stream, size: int) -> None: ...

    async def _progress(self, stream: Stream, want: int, timeout: float | None) -> None: ...

    async def _flush(self, timeout: float | None) -> None: ...

    async def _release(self, stream: Stream) -> None: ...


class AsyncTrace:
    """httpcore's ``trace`` extension events ("http2.<name>.started", ".complete",
    ".failed") and its debug log lines, for one step of an exchange."""

    __slots__ = ("_callback", "_debug", "_info", "_name", "return_value")

    def __init__(
        self, name: str, request: httpcore.Request, info: dict[str, typing.Any] | None = None
    ) -> None:
        self._name = name
        self._callback = request.extensions.get("trace")
        self._debug = logger.isEnabledFor(logging.DEBUG)
        self._info = info or {}
        self.return_value: typing.Any = None

    async def _emit(self, name: str, info: dict[str, typing.Any]) -> None:
        if self._callback is not None:
            await self._callback(f"http2.{name}", info)
        if self._debug:
            if not info or "return_value" in info and info["return_value"] is None:
                logger.debug(name)
            else:
                logger.debug(f"{name} " + " ".join(f"{k}={v!r}" for k, v in info.items()))

    async def __aenter__(self) -> AsyncTrace:
        await self._emit(f"{self._name}.started", self._info)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: types.TracebackType | None = None,
    ) -> None:
        if exc_value is None:
            await self._emit(f"{self._name}.complete", {"return_value": self.return_value})
        else:
            await self._emit(f"{self._name}.failed", {"exception": exc_value})


class AsyncHTTP2Body:
    """A response body, as it arrives on its stream."""

    __slots__ = ("_closed", "_connection", "_request", "_stream", "_timeout", "_traced")

    def __init__(
        self,
        connection: AsyncStreamOwner,
        stream: Stream,
        request: httpcore.Request,
        timeout: float | None,
        traced: bool,
    ) -> None:
        self._connection = connection
        self._stream = stream
        self._request = request
        self._timeout = timeout
        self._traced = traced
        self._closed = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        if self._traced:
            return self._traced_chunks()
        return self

    async def __anext__(self) -> bytes:
        stream = self._stream
        connection = self._connection
        try:
            while True:
                with connection._lock:
                    if stream.chunks:
                        chunk = stream.chunks.popleft()
                        connection._consumed(stream, len(chunk))
                        flush = bool(connection._outbox) and not connection._writing
                        break
                    if stream.error is not None:
                        raise stream.error
                    if stream.ended or self._closed:
                        raise StopAsyncIteration
                await connection._progress(stream, WANT_BODY, self._timeout)
            if flush:
                await connection._flush(stream.write_timeout)  # a WINDOW_UPDATE
            return chunk
        except StopAsyncIteration:
            raise
        except BaseException:
            # A failed, cancelled or abandoned read ends the exchange.
            await self.aclose()
            raise

    async def _traced_chunks(self) -> AsyncIterator[bytes]:
        info = {"request": self._request, "stream_id": self._stream.id}
        async with AsyncTrace("receive_response_body", self._request, info):
            while True:
                try:
                    chunk = await self.__anext__()
                except StopAsyncIteration:
                    return
                yield chunk

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._traced:
            info = {"stream_id": self._stream.id}
            async with AsyncTrace("response_closed", self._request, info):
                await self._connection._release(self._stream)
        else:
            await self._connection._release(self._stream)
