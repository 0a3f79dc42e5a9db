"""Response body re-chunking and text decoding: fixed-size chunks, text and lines.

The stages after the Content-Encoding decoders (`_decoders`): `ByteChunker` and
`TextChunker` serve `iter_bytes(chunk_size)` / `iter_text(chunk_size)`, `TextDecoder`
turns bytes into str incrementally, and `LineDecoder` splits text into lines as
`str.splitlines()` does.
"""

from __future__ import annotations

import codecs
from typing import AnyStr, Generic

__all__ = ["ByteChunker", "LineDecoder", "TextChunker", "TextDecoder"]


class _Rechunker(Generic[AnyStr]):
    """Cut a stream of str/bytes into pieces of exactly `chunk_size` (the last shorter)."""

    def __init__(self, empty: AnyStr, chunk_size: int | None) -> None:
        if chunk_size is not None:
            # The errors httpx 0.28 gives (from range()); a negative size, which gives
            # garbage there, is refused.
            if not isinstance(chunk_size, int):
                raise TypeError(
                    f"{type(chunk_size).__name__!r} object cannot be interpreted as an integer"
                )
            if chunk_size == 0:
                raise ValueError("range() arg 3 must not be zero")
            if chunk_size < 0:
                raise ValueError(
                    f"chunk_size must be a positive integer or None, got {chunk_size}"
                )
        self._empty: AnyStr = empty
        self._chunk_size = chunk_size
        self._pending: list[AnyStr] = []  # pieces of the next chunk, kept unjoined
        self._pending_size = 0

    def decode(self, content: AnyStr) -> list[AnyStr]:
        size = self._chunk_size
        if size is None:
            return [content] if content else []
        if self._pending_size + len(content) < size:
            if content:
                self._pending.append(content)
                self._pending_size += len(content)
            return []
        if self._pending:
            self._pending.append(content)
            content = self._empty.join(self._pending)
            self._pending = []
        whole = len(content) - len(content) % size
        chunks = [content[start : start + size] for start in range(0, whole, size)]
        rest = content[whole:]
        self._pending_size = len(rest)
        if rest:
            self._pending.append(rest)
        return chunks

    def flush(self) -> list[AnyStr]:
        value = self._empty.join(self._pending)
        self._pending = []
        self._pending_size = 0
        return [value] if value else []


class ByteChunker(_Rechunker[bytes]):
    """Re-chunk bytes into `chunk_size` pieces; with None, pass non-empty chunks through."""

    def __init__(self, chunk_size: int | None = None) -> None:
        super().__init__(b"", chunk_size)


class TextChunker(_Rechunker[str]):
    """Re-chunk text into `chunk_size` pieces; with None, pass non-empty chunks through."""

    def __init__(self, chunk_size: int | None = None) -> None:
        super().__init__("", chunk_size)


class TextDecoder:
    """Incremental bytes -> str; undecodable bytes become U+FFFD rather than errors."""

    def __init__(self, encoding: str = "utf-8") -> None:
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="replace")

    def decode(self, data: bytes) -> str:
        return self.decoder.decode(data)

    def flush(self) -> str:
        return self.decoder.decode(b"", True)


# The line boundaries of str.splitlines().
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


class LineDecoder:
    """Split incoming text into lines exactly as ``str.splitlines()`` would on the whole.

    Lines come back without their endings. A "\\r" ending one chunk terminates its line
    at once; if the next chunk starts with "\\n", that "\\n" is the rest of the same
    "\\r\\n" and is dropped. Unfinished lines are kept as a list of pieces and joined
    only when they end, so many small chunks cost O(total length).
    """

    def __init__(self) -> None:
        self._partial: list[str] = []
        self._skip_leading_lf = False

    def decode(self, text: str) -> list[str]:
        if not text:
            return []
        if self._skip_leading_lf:
            self._skip_leading_lf = False
            if text[0] == "\n":
                text = text[1:]
                if not text:
                    return []
        lines = text.splitlines()
        last_char = text[-1]
        unfinished = None
        if last_char in _LINE_BREAKS:
            self._skip_leading_lf = last_char == "\r"
        else:
            unfinished = lines.pop()
        if lines and self._partial:
            self._partial.append(lines[0])
            lines[0] = "".join(self._partial)
            self._partial = []
        if unfinished is not None:
            self._partial.append(unfinished)
        return lines

    def flush(self) -> list[str]:
        self._skip_leading_lf = False
        if not self._partial:
            return []
        line = "".join(self._partial)
        self._partial = []
        return [line]
