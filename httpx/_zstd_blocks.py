"""Where the blocks of a Zstandard stream end (RFC 8878 §3.1), without decompressing it.

zstandard's decompressobj has no output limit, so `ZStandardDecoder` (in `_decoders`)
bounds each decompression step by its input instead: it cuts the input at block
boundaries found here, knowing how much each block can decode to at most.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

__all__ = ["ZSTD_MAX_BLOCK_SIZE", "ZstdBlockScanner"]

# RFC 8878 §3.1.1.2.3: a block never decodes to more than 128 KiB.
ZSTD_MAX_BLOCK_SIZE = 128 * 1024

_ZSTD_FRAME_MAGIC = 0xFD2FB528
_ZSTD_SKIPPABLE_MAGIC = 0x184D2A50  # RFC 8878 §3.1.2: the low 4 bits may be anything
_ZSTD_DICTIONARY_ID_SIZES = (0, 1, 2, 4)
_ZSTD_CONTENT_SIZE_SIZES = (0, 2, 4, 8)
_ZSTD_RLE_BLOCK, _ZSTD_COMPRESSED_BLOCK, _ZSTD_RESERVED_BLOCK = 1, 2, 3


class ZstdBlockScanner:
    """Find where zstd blocks end in a stream, and how much each can decode to.

    Follows just enough of RFC 8878 §3.1 to skip from one block header to the next:
    frame magic numbers, skippable frames, the frame header's size, and block headers.
    Input arrives in arbitrary pieces; a header split between two of them is kept in
    `_field` until it is complete. The decompressor still sees every byte: this only
    chooses where to cut the input.
    """

    def __init__(self) -> None:
        self._field = b""  # the header field being read, while incomplete
        self._field_size = 4
        self._on_field: Callable[[bytes], None] = self._magic
        self._skip = 0  # bytes to pass over before the next header field
        self._block_bound = -1  # most output of the block being passed over, else -1
        self._checksum = False
        self.lost = False  # set on input that is not a zstd frame we can walk

    def block_ends(self, data: memoryview) -> Iterator[tuple[int, int]]:
        """Yield (offset just past a block, most bytes that block decodes to)."""
        position, size = 0, len(data)
        while position < size and not self.lost:
            if self._skip:
                step = min(self._skip, size - position)
                position += step
                self._skip -= step
                if self._skip:
                    return
            else:
                missing = self._field_size - len(self._field)
                self._field += bytes(data[position : position + missing])
                position = min(position + missing, size)
                if len(self._field) < self._field_size:
                    return
                field, self._field = self._field, b""
                self._on_field(field)
            if self._skip == 0 and self._block_bound >= 0:
                yield position, self._block_bound
                self._block_bound = -1

    def _expect(self, size: int, handler: Callable[[bytes], None]) -> None:
        self._field_size = size
        self._on_field = handler

    def _magic(self, field: bytes) -> None:
        magic = int.from_bytes(field, "little")
        if magic == _ZSTD_FRAME_MAGIC:
            self._expect(1, self._frame_header_descriptor)
        elif magic & 0xFFFFFFF0 == _ZSTD_SKIPPABLE_MAGIC:
            self._expect(4, self._skippable_frame_size)
        else:
            self.lost = True

    def _skippable_frame_size(self, field: bytes) -> None:
        self._skip = int.from_bytes(field, "little")
        self._expect(4, self._magic)

    def _frame_header_descriptor(self, field: bytes) -> None:
        # RFC 8878 §3.1.1.1.1: what follows the descriptor in the frame header.
        descriptor = field[0]
        single_segment = bool(descriptor & 0x20)
        content_size_flag = descriptor >> 6
        content_size = _ZSTD_CONTENT_SIZE_SIZES[content_size_flag]
        if content_size_flag == 0 and single_segment:
            content_size = 1
        window_descriptor = 0 if single_segment else 1
        dictionary_id = _ZSTD_DICTIONARY_ID_SIZES[descriptor & 0x03]
        self._skip = window_descriptor + dictionary_id + content_size
        self._checksum = bool(descriptor & 0x04)
        self._expect(3, self._block_header)

    def _block_header(self, field: bytes) -> None:
        # RFC 8878 §3.1.1.2.1: Last_Block (1 bit), Block_Type (2 bits), Block_Size (21).
        header = int.from_bytes(field, "little")
        last, kind, block_size = header & 1, (header >> 1) & 3, header >> 3
        if kind == _ZSTD_RESERVED_BLOCK:
            self.lost = True
            return
        if kind == _ZSTD_COMPRESSED_BLOCK:
            self._skip, self._block_bound = block_size, ZSTD_MAX_BLOCK_SIZE
        elif kind == _ZSTD_RLE_BLOCK:
            self._skip, self._block_bound = 1, block_size
        else:
            self._skip, self._block_bound = block_size, block_size
        if last:
            # The end of the frame: a 4-byte checksum may follow, then the next frame.
            self._skip += 4 if self._checksum else 0
            self._expect(4, self._magic)
