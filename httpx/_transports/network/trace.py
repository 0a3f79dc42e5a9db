"""The ``trace`` request extension and httpcore's debug logging, as httpcore reports them.

Code that listens to a request's ``trace`` callback, or to the "httpcore.connection" /
"httpcore.http11" loggers at DEBUG level, sees the same events with the same names and
arguments as with httpcore's own connections ("connection.connect_tcp.started",
"http11.send_request_headers.complete", ...). `AsyncTrace` / `Trace` are the two sides
of one context manager: the callback is awaited for an async client, called for a sync
one. Nothing is built when nobody listens: check `is_traced` first.
"""

from __future__ import annotations

import inspect
import logging
import types
import typing

import httpcore

__all__ = [
    "AsyncTrace",
    "Trace",
    "connection_logger",
    "http11_logger",
    "is_traced",
    "socks_logger",
]

connection_logger = logging.getLogger("httpcore.connection")
http11_logger = logging.getLogger("httpcore.http11")
socks_logger = logging.getLogger("httpcore.socks")


def is_traced(request: httpcore.Request, logger: logging.Logger) -> bool:
    return "trace" in request.extensions or logger.isEnabledFor(logging.DEBUG)


class _TraceBase:
    __slots__ = ("_callback", "_debug", "_kwargs", "_logger", "_name", "return_value")

    def __init__(
        self,
        name: str,
        logger: logging.Logger,
        request: httpcore.Request | None = None,
        kwargs: dict[str, typing.Any] | None = None,
    ) -> None:
        self._name = name
        self._logger = logger
        self._callback = None if request is None else request.extensions.get("trace")
        self._debug = logger.isEnabledFor(logging.DEBUG)
        self._kwargs = kwargs or {}
        self.return_value: typing.Any = None

    def _events(self, exc: BaseException | None) -> tuple[str, dict[str, typing.Any]]:
        if exc is None:
            return f"{self._name}.complete", {"return_value": self.return_value}
        return f"{self._name}.failed", {"exception": exc}

    def _log(self, name: str, info: dict[str, typing.Any]) -> typing.Any:
        if self._debug:
            if not info or ("return_value" in info and info["return_value"] is None):
                self._logger.debug(name)
            else:
                args = " ".join(f"{key}={value!r}" for key, value in info.items())
                self._logger.debug(f"{name} {args}")
        if self._callback is None:
            return None
        prefix = self._logger.name.split(".")[-1]
        return self._callback(f"{prefix}.{name}", info)


class AsyncTrace(_TraceBase):
    async def _emit(self, name: str, info: dict[str, typing.Any]) -> None:
        result = self._log(name, info)
        if result is not None:
            if not inspect.iscoroutine(result):
                raise TypeError("The `trace` callback of an async client must be async.")
            await result

    async def __aenter__(self) -> AsyncTrace:
        await self._emit(f"{self._name}.started", self._kwargs)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        traceback: types.TracebackType | None = None,
    ) -> None:
        await self._emit(*self._events(exc))


class Trace(_TraceBase):
    def _emit(self, name: str, info: dict[str, typing.Any]) -> None:
        if inspect.iscoroutine(self._log(name, info)):
            raise TypeError("The `trace` callback of a sync client must not be async.")

    def __enter__(self) -> Trace:
        self._emit(f"{self._name}.started", self._kwargs)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        traceback: types.TracebackType | None = None,
    ) -> None:
        self._emit(*self._events(exc))
