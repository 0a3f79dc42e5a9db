"""Response body decoding: the Content-Encoding decompressors.

Content decoders undo the codings named in ``Content-Encoding`` (RFC 9110 §8.4). Besides
the httpx ``decode()``/``flush()`` interface, each of our decoders can hand its output
over lazily in bounded steps (``iter_decode()``/``iter_flush()``): no step is larger than
about 256 KiB, whatever the compression ratio (`MAX_DECODED_STEP_SIZE`). `Response`
streams those steps, a stack of decoders feeds them one at a time to the next stage, and
the decompression-bomb guard (`DecodedSizeLimit`, built by `build_decoder`) counts them.
So streaming a body that inflates to gigabytes runs in constant memory, and a limit is
enforced before more than one step past it has been produced.
"""

from __future__ import annotations

import functools
import importlib
import zlib
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import Any

from ._exceptions import DecodedSizeExceeded, DecodingError
from ._primitives import is_installed
from ._zstd_blocks import ZSTD_MAX_BLOCK_SIZE, ZstdBlockScanner

# brotli and zstandard are optional (the `brotli` and `zstd` extras) and are imported when
# the first response using them is decoded, not by `import httpx`: whether they are
# installed is all we need up front (to list them in SUPPORTED_DECODERS, and so in the
# Accept-Encoding we send), and the import system's finders answer that without importing
# them.
_BROTLI_MODULES = ("brotli", "brotlicffi")  # brotlicffi: PyPy and other non-CPython
_ZSTD_MODULE = "zstandard"


BROTLI_INSTALLED = any(is_installed(name) for name in _BROTLI_MODULES)
ZSTD_INSTALLED = is_installed(_ZSTD_MODULE)


@functools.cache
def _brotli() -> ModuleType:
    for name in _BROTLI_MODULES:
        try:
            return importlib.import_module(name)
        except ImportError:  # pragma: no cover - depends on the environment
            continue
    raise ImportError(
        "Using 'BrotliDecoder', but neither of the 'brotlicffi' or 'brotli' "
        "packages have been installed. "
        "Make sure to install httpx using `pip install httpx[brotli]`."
    ) from None


@functools.cache
def _zstandard() -> ModuleType:
    try:
        return importlib.import_module(_ZSTD_MODULE)
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Using 'ZStandardDecoder', but the 'zstandard' package is not installed. "
            "Make sure to install httpx using `pip install httpx[zstd]`."
        ) from None


__all__ = [
    "SUPPORTED_DECODERS",
    "BrotliDecoder",
    "ContentDecoder",
    "DecodedSizeLimit",
    "DeflateDecoder",
    "GZipDecoder",
    "IdentityDecoder",
    "MAX_DECODED_STEP_SIZE",
    "MultiDecoder",
    "ZStandardDecoder",
    "build_decoder",
    "check_max_decoded_size",
]

# Most output one decompression step may produce. zlib honours it exactly (max_length);
# brotli stops growing its output buffer once past it (its buffer grows in blocks, so a
# step can overshoot by one block).
OUTPUT_STEP_SIZE = 64 * 1024

# zstandard's decompressobj has no output limit, so we bound a step by its input instead:
# we walk the frame structure and feed the decompressor up to block boundaries, so that
# one step completes blocks able to produce at most ZSTD_STEP_SIZE bytes (RFC 8878
# §3.1.1.2.3: a block never decodes to more than 128 KiB).
ZSTD_STEP_SIZE = 2 * ZSTD_MAX_BLOCK_SIZE
# Should the walk lose track (a frame format we do not know, such as a legacy one), we
# feed slices this small instead: a block takes at least 4 bytes (3-byte header plus one
# RLE byte), so 4 bytes complete at most 2 blocks, ZSTD_STEP_SIZE. Slow, but only ever
# used for input we cannot otherwise bound.
ZSTD_FALLBACK_SLICE_SIZE = 4

# The most one step of any of our decoders yields (brotli's output buffer grows in blocks,
# so its steps may overshoot OUTPUT_STEP_SIZE by one block).
MAX_DECODED_STEP_SIZE = max(ZSTD_STEP_SIZE, 2 * OUTPUT_STEP_SIZE)

# Like curl (CVE-2022-32206), refuse absurd stacks such as "gzip, gzip, ... x1000": each
# stage holds a decompressor window, and no real server applies more than two codings.
MAX_STACKED_ENCODINGS = 5

_GZIP_WBITS = zlib.MAX_WBITS | 16  # RFC 1952 framing only
_ZLIB_WBITS = zlib.MAX_WBITS  # RFC 1950 framing
_RAW_DEFLATE_WBITS = -zlib.MAX_WBITS  # RFC 1951, no framing


class ContentDecoder:
    """Undo one content coding, incrementally.

    Subclasses must implement `decode` and `flush`. Those that can bound how much output
    one step produces also override `iter_decode`/`iter_flush`; the defaults below hand
    over `decode()`'s whole result as a single step.
    """

    def decode(self, data: bytes) -> bytes:
        raise NotImplementedError()  # pragma: no cover

    def flush(self) -> bytes:
        raise NotImplementedError()  # pragma: no cover

    def iter_decode(self, data: bytes) -> Iterator[bytes]:
        """Yield the decoded form of `data` in pieces, producing each only when asked."""
        output = self.decode(data)
        if output:
            yield output

    def iter_flush(self) -> Iterator[bytes]:
        """Yield whatever output is still held back once the input has ended."""
        output = self.flush()
        if output:
            yield output


class _SteppedDecoder(ContentDecoder):
    """A decoder whose real work is in `iter_decode`/`iter_flush`."""

    def decode(self, data: bytes) -> bytes:
        return b"".join(self.iter_decode(data))

    def flush(self) -> bytes:
        return b"".join(self.iter_flush())


class IdentityDecoder(ContentDecoder):
    """The "identity" coding, and the fallback for codings we do not know."""

    def decode(self, data: bytes) -> bytes:
        return data

    def flush(self) -> bytes:
        return b""


def _inflate(decompressor: Any, data: bytes) -> Iterator[bytes]:
    """Feed `data` to a zlib decompressor, yielding at most OUTPUT_STEP_SIZE per step.

    With max_length, zlib parks the input it did not get to in `unconsumed_tail`; a full
    step may also leave output pending inside zlib, so we keep asking (with no new input)
    until a step comes back short.
    """
    while True:
        try:
            output = decompressor.decompress(data, OUTPUT_STEP_SIZE)
        except zlib.error as exc:
            raise DecodingError(str(exc)) from exc
        if output:
            yield output
        if decompressor.eof:
            return
        data = decompressor.unconsumed_tail
        if not data and len(output) < OUTPUT_STEP_SIZE:
            return


def _flush_zlib(decompressor: Any) -> bytes:
    try:
        return bytes(decompressor.flush())
    except zlib.error as exc:  # pragma: no cover - _inflate has already drained it
        raise DecodingError(str(exc)) from exc


def _has_zlib_header(data: bytes) -> bool:
    """Whether `data` starts with an RFC 1950 §2.2 header (CMF, FLG).

    CM (low nibble of CMF) must be 8 = deflate, CINFO (high nibble) at most 7, and the
    two bytes read as a big-endian number must be a multiple of 31 (FCHECK). A raw deflate
    stream (RFC 1951) could only look like this if it began with a non-final stored block
    whose padding bits are not zero, which encoders do not produce.
    """
    cmf, flg = data[0], data[1]
    return (cmf & 0x0F) == 8 and (cmf >> 4) <= 7 and (cmf * 256 + flg) % 31 == 0


class DeflateDecoder(_SteppedDecoder):
    """The "deflate" coding (RFC 9110 §8.4.1.2).

    The RFC says zlib-wrapped (RFC 1950), but some servers send a raw RFC 1951 stream, so
    we look at the first two bytes to tell which one we got. Truncated streams are
    tolerated (as httpx and browsers do); bytes after the end of the stream are ignored,
    since a deflate stream has no notion of a next member.
    """

    def __init__(self) -> None:
        self._decompressor: Any = None
        self._held_back = b""  # first byte, kept until the header can be checked

    def _start(self, data: bytes) -> None:
        wbits = _ZLIB_WBITS if len(data) >= 2 and _has_zlib_header(data) else _RAW_DEFLATE_WBITS
        self._decompressor = zlib.decompressobj(wbits)

    def iter_decode(self, data: bytes) -> Iterator[bytes]:
        if self._decompressor is None:
            data = self._held_back + data
            if len(data) < 2:
                self._held_back = data
                return
            self._held_back = b""
            self._start(data)
        if data and not self._decompressor.eof:
            yield from _inflate(self._decompressor, data)

    def iter_flush(self) -> Iterator[bytes]:
        if self._decompressor is None:
            if not self._held_back:
                return
            self._start(self._held_back)
            yield from _inflate(self._decompressor, self._held_back)
            self._held_back = b""
        output = _flush_zlib(self._decompressor)
        if output:
            yield output


class GZipDecoder(_SteppedDecoder):
    """The "gzip" coding (RFC 9110 §8.4.1.3), including multi-member files.

    RFC 1952 §2.2: a gzip file is a series of members, and decoders must handle them all.
    Between members we skip zero bytes, the padding that Python's gzip module also
    tolerates; anything else there must be a valid member or it is a DecodingError.
    A truncated final member is tolerated, as in httpx.
    """

    def __init__(self) -> None:
        self._decompressor: Any = zlib.decompressobj(_GZIP_WBITS)
        self._between_members = False

    def iter_decode(self, data: bytes) -> Iterator[bytes]:
        while data:
            if self._between_members:
                data = data.lstrip(b"\x00")
                if not data:
                    return
                self._decompressor = zlib.decompressobj(_GZIP_WBITS)
                self._between_members = False
            yield from _inflate(self._decompressor, data)
            if not self._decompressor.eof:
                return
            self._between_members = True
            data = self._decompressor.unused_data

    def iter_flush(self) -> Iterator[bytes]:
        output = _flush_zlib(self._decompressor)
        if output:
            yield output


@functools.cache
def _brotli_has_output_limit() -> bool:
    """Whether the installed brotli can cap one step's output (brotli >= 1.2)."""
    try:
        decompressor = _brotli().Decompressor()
        decompressor.process(b"", output_buffer_limit=OUTPUT_STEP_SIZE)
        return hasattr(decompressor, "can_accept_more_data")
    except Exception:  # pragma: no cover - older brotli/brotlicffi: TypeError, AttributeError
        return False


class BrotliDecoder(_SteppedDecoder):
    """The "br" coding (RFC 7932), via the 'brotli' or 'brotlicffi' package.

    With brotli >= 1.2 each step's output is capped (output_buffer_limit); with older
    versions a whole input chunk is inflated at once and only the total is checked.
    """

    def __init__(self) -> None:
        self._brotli = _brotli()  # ImportError with httpx's message when not installed
        self._limited = _brotli_has_output_limit()
        self._decompressor: Any = self._brotli.Decompressor()
        self._seen_data = False
        if hasattr(self._decompressor, "decompress"):  # pragma: no cover - brotlicffi
            self._process_all = self._decompressor.decompress
        else:
            self._process_all = self._decompressor.process

    def iter_decode(self, data: bytes) -> Iterator[bytes]:
        if not data:
            return
        self._seen_data = True
        try:
            if not self._limited:  # pragma: no cover - depends on brotli version
                output = self._process_all(data)
                if output:
                    yield output
                return
            output = self._decompressor.process(data, output_buffer_limit=OUTPUT_STEP_SIZE)
            if output:
                yield output
            # While brotli holds input back (can_accept_more_data() is False) it must be
            # called with empty input. It may also hold output back with all input taken:
            # that shows as a step that filled the limit, so keep asking until one doesn't.
            while len(output) >= OUTPUT_STEP_SIZE or not self._decompressor.can_accept_more_data():
                output = self._decompressor.process(b"", output_buffer_limit=OUTPUT_STEP_SIZE)
                if not output:
                    if self._decompressor.can_accept_more_data():
                        break
                    # Would be a brotli bug: fail rather than spin.
                    raise DecodingError("Brotli decoder made no progress")  # pragma: no cover
                yield output
        except self._brotli.error as exc:
            raise DecodingError(str(exc)) from exc

    def iter_flush(self) -> Iterator[bytes]:
        if not self._seen_data:
            return
        # Only brotlicffi has finish(); it reports truncated or damaged streams. The
        # 'brotli' package has no such check, and like httpx we tolerate truncation.
        if hasattr(self._decompressor, "finish"):  # pragma: no cover - brotlicffi
            try:
                self._decompressor.finish()
            except self._brotli.error as exc:
                raise DecodingError(str(exc)) from exc
        return
        yield b""  # pragma: no cover - makes this a generator


class ZStandardDecoder(_SteppedDecoder):
    """The "zstd" coding (RFC 8878), including several concatenated frames.

    RFC 8878 §3.1: a zstd stream may hold several frames, decoded one after the other.
    zstandard's decompressobj handles one frame; once it reports eof, the rest of the
    input (`unused_data`) or the next chunk starts a fresh one. A stream that ends inside
    a frame is a DecodingError at flush, as in httpx.
    """

    def __init__(self) -> None:
        self._zstandard = _zstandard()  # ImportError with httpx's message when not installed
        self._factory: Any = self._zstandard.ZstdDecompressor()
        self._decompressor: Any = self._factory.decompressobj()
        self._inside_frame = False
        self._scanner = ZstdBlockScanner()

    def iter_decode(self, data: bytes) -> Iterator[bytes]:
        view = memoryview(data)
        start = 0
        bound = 0  # most output the input from `start` to the last block end can give
        for end, block_bound in self._scanner.block_ends(view):
            bound += block_bound
            if bound > ZSTD_STEP_SIZE - ZSTD_MAX_BLOCK_SIZE:
                yield from self._decompress(view[start:end])
                start, bound = end, 0
        if self._scanner.lost:
            for offset in range(start, len(view), ZSTD_FALLBACK_SLICE_SIZE):
                yield from self._decompress(view[offset : offset + ZSTD_FALLBACK_SLICE_SIZE])
        elif start < len(view):
            yield from self._decompress(view[start:])

    def _decompress(self, piece: bytes | memoryview) -> Iterator[bytes]:
        while piece:
            if self._decompressor.eof:
                self._decompressor = self._factory.decompressobj()
            try:
                output = self._decompressor.decompress(piece)
            except self._zstandard.ZstdError as exc:
                raise DecodingError(str(exc)) from exc
            self._inside_frame = not self._decompressor.eof
            if output:
                yield output
            piece = self._decompressor.unused_data if self._decompressor.eof else b""

    def iter_flush(self) -> Iterator[bytes]:
        if self._inside_frame:
            raise DecodingError("Zstandard data is incomplete")
        return
        yield b""  # pragma: no cover - makes this a generator


class MultiDecoder(_SteppedDecoder):
    """Undo several stacked codings, e.g. ``Content-Encoding: gzip, br``.

    RFC 9110 §8.4: codings are listed in the order they were applied, so we decode in
    the reverse order. Each stage's output steps are fed to the next stage as they come,
    so no stage's full output is ever held in memory.
    """

    def __init__(self, children: Sequence[ContentDecoder]) -> None:
        """`children` in the order in which each coding was applied."""
        self.children = list(reversed(children))

    def _feed(self, stage: int, data: bytes) -> Iterator[bytes]:
        """Run `data` through stages `stage`, `stage + 1`, ... and yield the final output.

        Iterative (an explicit stack of generators) rather than recursive, so stack depth
        stays flat however many stages there are.
        """
        stages = self.children
        if stage == len(stages):
            if data:
                yield data
            return
        pending: list[Iterator[bytes]] = [stages[stage].iter_decode(data)]
        while pending:
            try:
                piece = next(pending[-1])
            except StopIteration:
                pending.pop()
                continue
            next_stage = stage + len(pending)
            if next_stage == len(stages):
                yield piece
            elif piece:
                pending.append(stages[next_stage].iter_decode(piece))

    def iter_decode(self, data: bytes) -> Iterator[bytes]:
        if data:
            yield from self._feed(0, data)

    def iter_flush(self) -> Iterator[bytes]:
        # Flush stage by stage: what stage N still held back must pass through the later
        # stages before they are flushed in turn.
        for index, child in enumerate(self.children):
            for piece in child.iter_flush():
                yield from self._feed(index + 1, piece)


class DecodedSizeLimit(_SteppedDecoder):
    """Stop a decoder once its total output exceeds `max_decoded_size` bytes.

    This is the guard against decompression bombs: the wrapped decoder's output is pulled
    one bounded step at a time, and the count is checked after every step.
    """

    def __init__(self, decoder: ContentDecoder, max_decoded_size: int) -> None:
        self.decoder = decoder
        self.max_decoded_size = max_decoded_size
        self._decoded_size = 0

    def _count(self, pieces: Iterator[bytes]) -> Iterator[bytes]:
        for piece in pieces:
            self._decoded_size += len(piece)
            if self._decoded_size > self.max_decoded_size:
                raise DecodedSizeExceeded(
                    f"Decoded response body exceeds the limit of {self.max_decoded_size} "
                    "bytes (max_decoded_size)"
                )
            yield piece

    def iter_decode(self, data: bytes) -> Iterator[bytes]:
        return self._count(self.decoder.iter_decode(data))

    def iter_flush(self) -> Iterator[bytes]:
        return self._count(self.decoder.iter_flush())


SUPPORTED_DECODERS: dict[str, type[ContentDecoder]] = {
    "identity": IdentityDecoder,
    "gzip": GZipDecoder,
    "deflate": DeflateDecoder,
}
if BROTLI_INSTALLED:  # pragma: no branch - the install matrix covers both branches
    SUPPORTED_DECODERS["br"] = BrotliDecoder
if ZSTD_INSTALLED:  # pragma: no branch - the install matrix covers both branches
    SUPPORTED_DECODERS["zstd"] = ZStandardDecoder


def check_max_decoded_size(value: object) -> None:
    """Reject a `max_decoded_size` that is not None or an int >= 0."""
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"max_decoded_size must be an int or None, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"max_decoded_size must be >= 0 or None, got {value}")


def build_decoder(
    content_encodings: Sequence[str], max_decoded_size: int | None = None
) -> ContentDecoder:
    """The decoder for a response's ``Content-Encoding`` values.

    Values may be separate items or comma-separated lists; names are case-insensitive
    (RFC 9110 §8.4.1). Unknown codings are skipped, as httpx does, so the body is passed
    through as far as we cannot decode it. With `max_decoded_size`, the decoder raises
    DecodedSizeExceeded once the decoded body grows past that many bytes.
    """
    if max_decoded_size is not None:
        check_max_decoded_size(max_decoded_size)
    children: list[ContentDecoder] = []
    for value in content_encodings:
        for name in value.split(","):
            decoder_class = SUPPORTED_DECODERS.get(name.strip().lower())
            if decoder_class is not None and decoder_class is not IdentityDecoder:
                children.append(decoder_class())
    if len(children) > MAX_STACKED_ENCODINGS:
        raise DecodingError(
            f"Too many stacked content encodings ({len(children)}); "
            f"at most {MAX_STACKED_ENCODINGS} are supported"
        )
    decoder: ContentDecoder
    if not children:
        decoder = IdentityDecoder()
    elif len(children) == 1:
        decoder = children[0]
    else:
        decoder = MultiDecoder(children)
    if max_decoded_size is not None:
        decoder = DecodedSizeLimit(decoder, max_decoded_size)
    return decoder
