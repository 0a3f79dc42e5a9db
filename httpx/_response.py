"""`Response`: an HTTP response as transports return it and users read it (status,
headers, the body streamed or read, text decoding, redirects, `raise_for_status`)."""

from __future__ import annotations

import codecs
import contextlib
import datetime
import email.message
import json as jsonlib
import re
import typing
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator

from ._content import ByteStream, UnattachedStream, encode_response
from ._cookies import Cookies
from ._decoders import ContentDecoder, IdentityDecoder, build_decoder
from ._exceptions import (
    HTTPStatusError,
    RequestError,
    ResponseNotRead,
    StreamClosed,
    StreamConsumed,
    attach_request,
    request_context,
)
from ._headers import Headers
from ._request import MAX_DECODED_SIZE_EXTENSION, Request
from ._status_codes import codes
from ._text_decoders import ByteChunker, LineDecoder, TextChunker, TextDecoder
from ._types import (
    AsyncByteStream,
    HeaderTypes,
    ResponseContent,
    ResponseExtensions,
    SyncByteStream,
)
from ._urls import URL

__all__ = ["Response"]

_LINK_SEPARATOR = re.compile(r", *<")
_STATUS_KINDS = {
    1: "Informational response",
    3: "Redirect response",
    4: "Client error",
    5: "Server error",
}
# The redirects we follow (RFC 9110 section 15.4), as plain ints: checked per response.
_REDIRECT_STATUSES = frozenset(
    {
        codes.MOVED_PERMANENTLY.value,
        codes.FOUND.value,
        codes.SEE_OTHER.value,
        codes.TEMPORARY_REDIRECT.value,
        codes.PERMANENT_REDIRECT.value,
    }
)
_IDENTITY = IdentityDecoder()


class Response:
    """An HTTP response.

    Returned by clients and transports. A response built in a test or a
    `MockTransport` handler takes its body as `content`, `text`, `html` or `json` (the
    last three also set a `Content-Type`), or as a `stream`.

    The body of a response returned by `client.get()` and friends has been read:
    `content`, `text` and `json()` are available. A response from `client.stream()` (or
    `send(..., stream=True)`) is read with `read()` or the `iter_*` methods, and must be
    closed.

    Args:
        status_code: The status code, such as 200.
        headers: Response headers.
        content: The body as bytes or str, or an (async) iterator of bytes.
        text: The body as text (sent as UTF-8, `text/plain`).
        html: The body as HTML (sent as UTF-8, `text/html`).
        json: A value to send JSON-encoded (`application/json`).
        stream: A body stream, read on demand.
        request: The request this response answers.
        extensions: Response extensions, such as `http_version`.
        history: Responses to earlier requests of the same exchange (redirects, auth).
        default_encoding: The text encoding when the response names none, or a function
            that picks one from the body bytes.

    Attributes:
        status_code: The status code (int).
        headers: The headers (`httpx.Headers`).
        history: Redirect and authentication responses that led to this one, oldest first.
        next_request: For an unfollowed redirect, the request that would follow it.
        extensions: The response extensions (dict).
        is_closed: Whether the response has been closed.
        is_stream_consumed: Whether the body has been streamed.
        default_encoding: As given, or the client's `default_encoding`.
    """

    # Built when the body is first read (a class default: no hasattr() per response).
    _decoder: ContentDecoder | None = None
    # Set by the client when the response is closed (see `elapsed`).
    _elapsed_seconds: float

    def __init__(
        self,
        status_code: int,
        *,
        headers: HeaderTypes | None = None,
        content: ResponseContent | None = None,
        text: str | None = None,
        html: str | None = None,
        json: typing.Any = None,
        stream: SyncByteStream | AsyncByteStream | None = None,
        request: Request | None = None,
        extensions: ResponseExtensions | None = None,
        history: list[Response] | None = None,
        default_encoding: str | typing.Callable[[bytes], str] = "utf-8",
    ) -> None:
        self.status_code = status_code
        self.headers = Headers(headers)
        self._request: Request | None = request
        # When a redirect is not followed, this holds the request that would follow it.
        self.next_request: Request | None = None
        self.extensions: dict[str, typing.Any] = {} if extensions is None else dict(extensions)
        self.history = [] if history is None else list(history)
        self.is_closed = False
        self.is_stream_consumed = False
        self.default_encoding = default_encoding
        self._num_bytes_downloaded = 0

        if stream is None:
            body_headers, stream = encode_response(content, text, html, json)
            for key, value in body_headers.items():
                self.headers.setdefault(key, value)
            self.stream = stream
            if isinstance(stream, ByteStream):
                # Content given up front is readable at once, as with httpx, and none of
                # it was downloaded.
                self.read()
                self._num_bytes_downloaded = 0
        else:
            self.stream = stream

    # --- metadata -------------------------------------------------------------------

    @property
    def elapsed(self) -> datetime.timedelta:
        """Time from sending the request to closing the response."""
        if not hasattr(self, "_elapsed"):
            seconds = self.__dict__.get("_elapsed_seconds")
            if seconds is None:
                raise RuntimeError(
                    "'.elapsed' may only be accessed after the response has been read or closed."
                )
            # Recorded by the client as seconds, made a timedelta when first asked for.
            self._elapsed = datetime.timedelta(seconds=seconds)
        return self._elapsed

    @elapsed.setter
    def elapsed(self, elapsed: datetime.timedelta) -> None:
        self._elapsed = elapsed

    @property
    def request(self) -> Request:
        """The request that produced this response."""
        if self._request is None:
            raise RuntimeError("The request instance has not been set on this response.")
        return self._request

    @request.setter
    def request(self, value: Request) -> None:
        self._request = value

    @property
    def http_version(self) -> str:
        """The HTTP version of the response: "HTTP/1.1", "HTTP/2", ..."""
        version: bytes = self.extensions.get("http_version", b"HTTP/1.1")
        return version.decode("ascii", errors="ignore")

    @property
    def reason_phrase(self) -> str:
        """The reason phrase the server sent, else the standard one for the status."""
        reason: bytes | None = self.extensions.get("reason_phrase")
        if reason is None:
            return codes.get_reason_phrase(self.status_code)
        return reason.decode("ascii", errors="ignore")

    @property
    def url(self) -> URL:
        """The URL the response was fetched from (after any redirects)."""
        return self.request.url

    @property
    def is_informational(self) -> bool:
        """A 1xx status."""
        return codes.is_informational(self.status_code)

    @property
    def is_success(self) -> bool:
        """A 2xx status."""
        return codes.is_success(self.status_code)

    @property
    def is_redirect(self) -> bool:
        """A 3xx status (see `has_redirect_location` for one that can be followed)."""
        return codes.is_redirect(self.status_code)

    @property
    def is_client_error(self) -> bool:
        """A 4xx status."""
        return codes.is_client_error(self.status_code)

    @property
    def is_server_error(self) -> bool:
        """A 5xx status."""
        return codes.is_server_error(self.status_code)

    @property
    def is_error(self) -> bool:
        """A 4xx or 5xx status."""
        return codes.is_error(self.status_code)

    @property
    def has_redirect_location(self) -> bool:
        """A redirect status that we know how to follow, with a Location to follow."""
        return self.status_code in _REDIRECT_STATUSES and "Location" in self.headers

    def raise_for_status(self) -> Response:
        """Raise `HTTPStatusError` unless the status is 2xx; return the response."""
        request = self._request
        if request is None:
            raise RuntimeError(
                "Cannot call `raise_for_status` as the request instance has not been set "
                "on this response."
            )
        if self.is_success:
            return self
        # The messages of httpx 0.28: "Client error '404 Not Found' for url '...'".
        kind = _STATUS_KINDS.get(self.status_code // 100, "Invalid status code")
        lines = [f"{kind} '{self.status_code} {self.reason_phrase}' for url '{self.url}'"]
        if self.has_redirect_location:
            lines.append(f"Redirect location: '{self.headers['location']}'")
        lines.append(
            "For more information check: "
            f"https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/{self.status_code}"
        )
        raise HTTPStatusError("\n".join(lines), request=request, response=self)

    @property
    def cookies(self) -> Cookies:
        """The cookies this response set."""
        if not hasattr(self, "_cookies"):
            self._cookies = Cookies()
            self._cookies.extract_cookies(self)
        return self._cookies

    @property
    def links(self) -> dict[str | None, dict[str, str]]:
        """The parsed `Link` header (RFC 8288), keyed by `rel`, else by URL."""
        header = self.headers.get("link")
        if not header:
            return {}
        links: dict[str | None, dict[str, str]] = {}
        for link in _parse_link_header(header):
            key = link.get("rel") or link.get("url")
            links[key] = link
        return links

    @property
    def num_bytes_downloaded(self) -> int:
        """Bytes read from the network so far (before content decoding)."""
        return self._num_bytes_downloaded

    # --- text -----------------------------------------------------------------------

    @property
    def content(self) -> bytes:
        """The decoded body as bytes; `ResponseNotRead` while a streamed body is unread."""
        if not hasattr(self, "_content"):
            raise ResponseNotRead()
        return self._content

    @property
    def text(self) -> str:
        """The body as text, decoded with `encoding`."""
        if not hasattr(self, "_text"):
            content = self.content
            if not content:
                self._text = ""
            else:
                decoder = TextDecoder(encoding=self.encoding or "utf-8")
                self._text = "".join([decoder.decode(content), decoder.flush()])
        return self._text

    @property
    def encoding(self) -> str | None:
        """The text encoding: the Content-Type charset, else `default_encoding`.

        `default_encoding` may be a callable (for example a charset detector) that is
        given the body's bytes.
        """
        if not hasattr(self, "_encoding"):
            encoding = self.charset_encoding
            if encoding is None or not _is_known_codec(encoding):
                if isinstance(self.default_encoding, str):
                    encoding = self.default_encoding
                elif hasattr(self, "_content"):
                    encoding = self.default_encoding(self._content)
            self._encoding = encoding or "utf-8"
        return self._encoding

    @encoding.setter
    def encoding(self, value: str) -> None:
        if hasattr(self, "_text"):
            raise ValueError("Setting encoding after `text` has been accessed is not allowed.")
        self._encoding = value

    @property
    def charset_encoding(self) -> str | None:
        """The charset given in the Content-Type header, if any."""
        content_type = self.headers.get("Content-Type")
        if content_type is None:
            return None
        message = email.message.Message()
        message["content-type"] = content_type
        charset = message.get_content_charset(None)
        return charset if isinstance(charset, str) else None

    def json(self, **kwargs: typing.Any) -> typing.Any:
        """The body parsed as JSON; keyword arguments go to `json.loads`."""
        return jsonlib.loads(self.content, **kwargs)

    # --- decoding helpers -----------------------------------------------------------

    def _content_decoder(self) -> ContentDecoder:
        decoder = self._decoder
        if decoder is None:
            encodings = self.headers.get_list("content-encoding", split_commas=True)
            limit = None
            if self._request is not None:
                limit = self._request.extensions.get(MAX_DECODED_SIZE_EXTENSION)
            if encodings or limit is not None:
                decoder = build_decoder(encodings, max_decoded_size=limit)
            else:
                decoder = _IDENTITY  # (stateless: one for all)
            self._decoder = decoder
        return decoder

    # --- sync streaming -------------------------------------------------------------

    def read(self) -> bytes:
        """Read and return the response content."""
        if not hasattr(self, "_content"):
            if type(self._content_decoder()) is IdentityDecoder:
                # Nothing to decode: join the raw chunks, without the generators of
                # iter_bytes() and iter_raw() in between (same checks, same bookkeeping).
                self._content = self._read_raw()
            else:
                self._content = b"".join(self.iter_bytes())
        return self._content

    def _read_raw(self) -> bytes:
        stream = self.stream
        if self.is_stream_consumed:
            raise StreamConsumed()
        if self.is_closed:
            raise StreamClosed()
        if not isinstance(stream, SyncByteStream):
            raise RuntimeError("Attempted to call a sync iterator on an async stream.")
        self.is_stream_consumed = True
        chunks = []
        try:
            for chunk in stream:
                self._num_bytes_downloaded += len(chunk)
                chunks.append(chunk)
        except RequestError as exc:  # (what request_context does, without its object)
            attach_request(exc, self._request)
            raise
        finally:
            self.close()
        # One chunk of bytes (a small body): itself, not a copy.
        return chunks[0] if len(chunks) == 1 and type(chunks[0]) is bytes else b"".join(chunks)

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """A byte-iterator over the decoded response content.

        Transparently decodes gzip, deflate, brotli and zstd transfer encodings.
        """
        if hasattr(self, "_content"):
            chunk_size = len(self._content) if chunk_size is None else chunk_size
            for i in range(0, len(self._content), max(chunk_size, 1)):
                yield self._content[i : i + chunk_size]
            return
        decoder = self._content_decoder()
        chunker = ByteChunker(chunk_size=chunk_size)
        # Decoded output is taken in the decoder's bounded steps, never as a whole chunk's
        # worth: a compressed chunk may inflate to gigabytes. Should decoding fail (or
        # pass `max_decoded_size`), the raw stream is closed at once, and so the response.
        raw_stream = typing.cast(Generator[bytes, None, None], self.iter_raw())
        with request_context(request=self._request), contextlib.closing(raw_stream) as raw:
            for raw_bytes in raw:
                for decoded in decoder.iter_decode(raw_bytes):
                    yield from chunker.decode(decoded)
            for decoded in decoder.iter_flush():
                yield from chunker.decode(decoded)
        yield from chunker.flush()

    def iter_text(self, chunk_size: int | None = None) -> Iterator[str]:
        """A str-iterator over the decoded response content."""
        decoder = TextDecoder(encoding=self.encoding or "utf-8")
        chunker = TextChunker(chunk_size=chunk_size)
        with request_context(request=self._request):
            for byte_content in self.iter_bytes():
                yield from chunker.decode(decoder.decode(byte_content))
            yield from chunker.decode(decoder.flush())
        yield from chunker.flush()

    def iter_lines(self) -> Iterator[str]:
        """Lines of the text content, split on universal newlines, without line endings."""
        decoder = LineDecoder()
        with request_context(request=self._request):
            for text in self.iter_text():
                yield from decoder.decode(text)
            yield from decoder.flush()

    def iter_raw(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """A byte-iterator over the raw response content, before content decoding."""
        if self.is_stream_consumed:
            raise StreamConsumed()
        if self.is_closed:
            raise StreamClosed()
        if not isinstance(self.stream, SyncByteStream):
            raise RuntimeError("Attempted to call a sync iterator on an async stream.")

        self.is_stream_consumed = True
        chunker = ByteChunker(chunk_size=chunk_size)
        try:
            with request_context(request=self._request):
                for raw_stream_bytes in self.stream:
                    self._num_bytes_downloaded += len(raw_stream_bytes)
                    yield from chunker.decode(raw_stream_bytes)
            yield from chunker.flush()
        finally:
            self.close()

    def close(self) -> None:
        """Close the response and release the connection. Idempotent."""
        if not isinstance(self.stream, SyncByteStream):
            raise RuntimeError("Attempted to call a sync close on an async stream.")
        if not self.is_closed:
            self.is_closed = True
            try:
                self.stream.close()
            except RequestError as exc:  # (what request_context does, without its object)
                attach_request(exc, self._request)
                raise

    # --- async streaming ------------------------------------------------------------

    async def aread(self) -> bytes:
        """Read and return the response content."""
        if not hasattr(self, "_content"):
            if type(self._content_decoder()) is IdentityDecoder:
                # As in read(): no async generators of ours in between.
                self._content = await self._aread_raw()
            else:
                self._content = b"".join([part async for part in self.aiter_bytes()])
        return self._content

    async def _aread_raw(self) -> bytes:
        stream = self.stream
        if self.is_stream_consumed:
            raise StreamConsumed()
        if self.is_closed:
            raise StreamClosed()
        if not isinstance(stream, AsyncByteStream):
            raise RuntimeError("Attempted to call an async iterator on a sync stream.")
        self.is_stream_consumed = True
        chunks = []
        try:
            with request_context(request=self._request):
                async for chunk in stream:
                    self._num_bytes_downloaded += len(chunk)
                    chunks.append(chunk)
        finally:
            await self.aclose()
        # One chunk of bytes (a small body): itself, not a copy.
        return chunks[0] if len(chunks) == 1 and type(chunks[0]) is bytes else b"".join(chunks)

    async def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """An async byte-iterator over the decoded response content."""
        if hasattr(self, "_content"):
            chunk_size = len(self._content) if chunk_size is None else chunk_size
            for i in range(0, len(self._content), max(chunk_size, 1)):
                yield self._content[i : i + chunk_size]
            return
        decoder = self._content_decoder()
        chunker = ByteChunker(chunk_size=chunk_size)
        with request_context(request=self._request):
            raw_stream = typing.cast(AsyncGenerator[bytes, None], self.aiter_raw())
            async with contextlib.aclosing(raw_stream) as raw:
                async for raw_bytes in raw:
                    for decoded in decoder.iter_decode(raw_bytes):
                        for chunk in chunker.decode(decoded):
                            yield chunk
            for decoded in decoder.iter_flush():
                for chunk in chunker.decode(decoded):
                    yield chunk
        for chunk in chunker.flush():
            yield chunk

    async def aiter_text(self, chunk_size: int | None = None) -> AsyncIterator[str]:
        """An async str-iterator over the decoded response content."""
        decoder = TextDecoder(encoding=self.encoding or "utf-8")
        chunker = TextChunker(chunk_size=chunk_size)
        with request_context(request=self._request):
            async for byte_content in self.aiter_bytes():
                for chunk in chunker.decode(decoder.decode(byte_content)):
                    yield chunk
            for chunk in chunker.decode(decoder.flush()):
                yield chunk
        for chunk in chunker.flush():
            yield chunk

    async def aiter_lines(self) -> AsyncIterator[str]:
        """Async lines of the text content, without line endings."""
        decoder = LineDecoder()
        with request_context(request=self._request):
            async for text in self.aiter_text():
                for line in decoder.decode(text):
                    yield line
            for line in decoder.flush():
                yield line

    async def aiter_raw(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """An async byte-iterator over the raw response content."""
        if self.is_stream_consumed:
            raise StreamConsumed()
        if self.is_closed:
            raise StreamClosed()
        if not isinstance(self.stream, AsyncByteStream):
            raise RuntimeError("Attempted to call an async iterator on a sync stream.")

        self.is_stream_consumed = True
        chunker = ByteChunker(chunk_size=chunk_size)
        raw_chunks = self.stream.__aiter__()
        try:
            with request_context(request=self._request):
                async for raw_stream_bytes in raw_chunks:
                    self._num_bytes_downloaded += len(raw_stream_bytes)
                    for chunk in chunker.decode(raw_stream_bytes):
                        yield chunk
            for chunk in chunker.flush():
                yield chunk
        finally:
            # A stream's iterator left unfinished (we stopped early, or decoding failed)
            # is closed here, not by the garbage collector, which trio warns about.
            close_iterator = getattr(raw_chunks, "aclose", None)
            if close_iterator is not None:
                await close_iterator()
            await self.aclose()

    async def aclose(self) -> None:
        """Close the response and release the connection. Idempotent."""
        if not isinstance(self.stream, AsyncByteStream):
            raise RuntimeError("Attempted to call an async close on a sync stream.")
        if not self.is_closed:
            self.is_closed = True
            with request_context(request=self._request):
                await self.stream.aclose()

    # --- misc -----------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"<Response [{self.status_code} {self.reason_phrase}]>"

    def __getstate__(self) -> dict[str, typing.Any]:
        return {
            name: value
            for name, value in self.__dict__.items()
            if name not in ["extensions", "stream", "is_closed", "_decoder"]
        }

    def __setstate__(self, state: dict[str, typing.Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self.is_closed = True
        self.extensions = {}
        self.stream = UnattachedStream()


def _is_known_codec(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def _parse_link_header(value: str) -> list[dict[str, str]]:
    """Parse an RFC 8288 Link header into dicts with "url" and each parameter."""
    links: list[dict[str, str]] = []
    replace_chars = " '\""
    value = value.strip(replace_chars)
    if not value:
        return links
    for val in _LINK_SEPARATOR.split(value):
        url, _, params = val.partition(";")
        link = {"url": url.strip("<> '\"")}
        for param in params.split(";"):
            key, sep, param_value = param.partition("=")
            if not sep:
                continue
            link[key.strip(replace_chars)] = param_value.strip(replace_chars)
        links.append(link)
    return links
