"""Content decoders, the decompression-bomb guard, re-chunkers, text and line decoding."""

from __future__ import annotations

import gzip
import random
import tracemalloc
import zlib
from collections.abc import Callable

import brotli
import pytest
import zstandard

from httpx._decoders import (
    MAX_DECODED_STEP_SIZE,
    OUTPUT_STEP_SIZE,
    SUPPORTED_DECODERS,
    ZSTD_STEP_SIZE,
    BrotliDecoder,
    ContentDecoder,
    DecodedSizeLimit,
    DeflateDecoder,
    GZipDecoder,
    IdentityDecoder,
    MultiDecoder,
    ZStandardDecoder,
    build_decoder,
)
from httpx._exceptions import DecodingError
from httpx._text_decoders import ByteChunker, LineDecoder, TextChunker, TextDecoder

random.seed(1234)
PLAIN = b"".join(
    b"line %d: %s\n" % (i, bytes(random.choices(b"abcdef ", k=40))) for i in range(2000)
)


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def zstd(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


def decode_whole(decoder: ContentDecoder, data: bytes) -> bytes:
    return decoder.decode(data) + decoder.flush()


def decode_bytewise(decoder: ContentDecoder, data: bytes) -> bytes:
    out = [decoder.decode(data[i : i + 1]) for i in range(len(data))]
    return b"".join(out) + decoder.flush()


CODECS: list[tuple[str, Callable[[bytes], bytes]]] = [
    ("gzip", gzip.compress),
    ("deflate", zlib.compress),
    ("deflate", raw_deflate),
    ("br", brotli.compress),
    ("zstd", zstd),
]
CODEC_IDS = ["gzip", "deflate-zlib", "deflate-raw", "br", "zstd"]


@pytest.mark.parametrize(("name", "compress"), CODECS, ids=CODEC_IDS)
def test_decodes_whole_and_one_byte_chunks(name: str, compress: Callable[[bytes], bytes]) -> None:
    compressed = compress(PLAIN)
    assert decode_whole(SUPPORTED_DECODERS[name](), compressed) == PLAIN
    assert decode_bytewise(SUPPORTED_DECODERS[name](), compressed) == PLAIN


@pytest.mark.parametrize(("name", "compress"), CODECS, ids=CODEC_IDS)
def test_empty_body_decodes_to_nothing(name: str, compress: Callable[[bytes], bytes]) -> None:
    # e.g. a HEAD response or a 204 that still carries Content-Encoding.
    decoder = SUPPORTED_DECODERS[name]()
    assert decoder.decode(b"") == b""
    assert decoder.flush() == b""
    # ...and the compressed form of an empty payload too.
    assert decode_whole(SUPPORTED_DECODERS[name](), compress(b"")) == b""


@pytest.mark.parametrize("name", ["gzip", "deflate", "br", "zstd"])
def test_corrupt_data_raises_decoding_error(name: str) -> None:
    decoder = SUPPORTED_DECODERS[name]()
    with pytest.raises(DecodingError) as info:
        decode_whole(decoder, b"this is definitely not compressed data" * 3)
    assert info.value.__cause__ is not None  # chained from the library's own error


def test_identity_passes_bytes_through() -> None:
    decoder = IdentityDecoder()
    assert decoder.decode(b"abc") == b"abc"
    assert decoder.flush() == b""


def test_supported_decoders_keys() -> None:
    assert set(SUPPORTED_DECODERS) == {"identity", "gzip", "deflate", "br", "zstd"}
    assert SUPPORTED_DECODERS["br"] is BrotliDecoder
    assert SUPPORTED_DECODERS["zstd"] is ZStandardDecoder


# --- gzip -----------------------------------------------------------------------------


def test_gzip_multi_member() -> None:
    data = gzip.compress(b"hello ") + gzip.compress(b"world") + gzip.compress(b"!")
    assert decode_whole(GZipDecoder(), data) == b"hello world!"
    assert decode_bytewise(GZipDecoder(), data) == b"hello world!"


def test_gzip_member_boundary_on_chunk_boundary() -> None:
    first, second = gzip.compress(b"first,"), gzip.compress(b"second")
    decoder = GZipDecoder()
    assert decoder.decode(first) + decoder.decode(second) + decoder.flush() == b"first,second"


def test_gzip_zero_padding_between_and_after_members_is_skipped() -> None:
    data = gzip.compress(b"a") + b"\x00" * 10 + gzip.compress(b"b") + b"\x00" * 7
    assert decode_whole(GZipDecoder(), data) == b"ab"
    assert decode_bytewise(GZipDecoder(), data) == b"ab"


def test_gzip_garbage_after_member_is_an_error() -> None:
    with pytest.raises(DecodingError):
        decode_whole(GZipDecoder(), gzip.compress(b"payload") + b"trailing junk")


def test_gzip_truncated_stream_is_tolerated_like_httpx() -> None:
    data = gzip.compress(PLAIN)
    out = decode_whole(GZipDecoder(), data[: len(data) // 2])
    assert PLAIN.startswith(out) and 0 < len(out) < len(PLAIN)


# --- deflate --------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [zlib.compress, raw_deflate], ids=["zlib", "raw"])
def test_deflate_detection_with_first_chunk_of_one_byte(
    compress: Callable[[bytes], bytes],
) -> None:
    data = compress(PLAIN)
    decoder = DeflateDecoder()
    out = decoder.decode(data[:1]) + decoder.decode(data[1:5]) + decoder.decode(data[5:])
    assert out + decoder.flush() == PLAIN


def test_deflate_single_byte_body_flushes_without_hanging() -> None:
    decoder = DeflateDecoder()
    assert decoder.decode(b"\x03") == b""  # raw deflate: an empty final fixed block, cut
    assert decoder.flush() == b""


def test_deflate_ignores_bytes_after_the_end_of_stream() -> None:
    assert decode_whole(DeflateDecoder(), zlib.compress(b"abc") + b"junk") == b"abc"


def test_deflate_with_preset_dictionary_is_a_decoding_error() -> None:
    compressor = zlib.compressobj(zdict=b"dictionary")
    data = compressor.compress(b"dictionary words") + compressor.flush()
    with pytest.raises(DecodingError):
        decode_whole(DeflateDecoder(), data)


# --- zstd -----------------------------------------------------------------------------


def test_zstd_multi_frame() -> None:
    data = zstd(b"frame one, ") + zstd(b"frame two")
    assert decode_whole(ZStandardDecoder(), data) == b"frame one, frame two"
    assert decode_bytewise(ZStandardDecoder(), data) == b"frame one, frame two"


def test_zstd_frame_boundary_on_chunk_boundary() -> None:
    first, second = zstd(b"first,"), zstd(b"second")
    decoder = ZStandardDecoder()
    assert decoder.decode(first) + decoder.decode(second) + decoder.flush() == b"first,second"


def test_zstd_streaming_frame_without_content_size() -> None:
    compressor = zstandard.ZstdCompressor().compressobj()
    data = compressor.compress(PLAIN) + compressor.flush()
    assert decode_bytewise(ZStandardDecoder(), data) == PLAIN


def test_zstd_truncated_stream_is_an_error() -> None:
    data = zstd(PLAIN)
    decoder = ZStandardDecoder()
    decoder.decode(data[:-5])
    with pytest.raises(DecodingError, match="incomplete"):
        decoder.flush()


def test_zstd_garbage_after_frame_is_an_error() -> None:
    with pytest.raises(DecodingError):
        decode_whole(ZStandardDecoder(), zstd(b"ok") + b"garbage!")


def zstd_zero_bomb(mebibytes: int) -> bytes:
    compressor = zstandard.ZstdCompressor(level=1).compressobj()
    block = bytes(1 << 20)
    return b"".join([compressor.compress(block) for _ in range(mebibytes)] + [compressor.flush()])


def test_zstd_steps_are_bounded_by_walking_the_blocks() -> None:
    # 128 MiB in a few kilobytes: each decompress call is fed whole blocks that decode
    # to at most ZSTD_STEP_SIZE (httpx 0.28 inflated each network chunk whole).
    data = zstd_zero_bomb(128)
    decoder = ZStandardDecoder()
    steps = [len(step) for step in decoder.iter_decode(data)]
    assert max(steps) <= ZSTD_STEP_SIZE
    assert sum(steps) == 128 << 20
    assert not decoder._scanner.lost


def test_zstd_block_walk_survives_any_split() -> None:
    # Headers split between chunks, skippable frames, checksums and several frames.
    skippable = (0x184D2A5F).to_bytes(4, "little") + (3).to_bytes(4, "little") + b"abc"
    checked = zstandard.ZstdCompressor(write_checksum=True, write_content_size=False)
    data = skippable + zstd(PLAIN) + checked.compress(PLAIN[:999]) + skippable
    for size in (1, 2, 3, 5, 64, len(data)):
        decoder = ZStandardDecoder()
        pieces = [data[i : i + size] for i in range(0, len(data), size)]
        output = b"".join(b"".join(decoder.iter_decode(piece)) for piece in pieces)
        assert output + decoder.flush() == PLAIN + PLAIN[:999]
        assert not decoder._scanner.lost


def test_zstd_falls_back_to_small_slices_when_the_walk_is_lost() -> None:
    # Should the walk not understand a frame (a format we do not know), the input is fed
    # in slices small enough that a step stays bounded all the same.
    decoder = ZStandardDecoder()
    decoder._scanner.lost = True
    data = zstd_zero_bomb(16)
    steps = [len(step) for step in decoder.iter_decode(data)]
    assert max(steps) <= MAX_DECODED_STEP_SIZE
    assert sum(steps) == 16 << 20


def test_zstd_unknown_frame_is_an_error() -> None:
    decoder = ZStandardDecoder()
    with pytest.raises(DecodingError):
        decode_whole(decoder, b"\x00\x01\x02\x03not zstd at all")
    assert decoder._scanner.lost


@pytest.mark.parametrize("name", ["gzip", "deflate", "br", "zstd"])
def test_every_decoder_step_is_bounded(name: str) -> None:
    block = bytes(1 << 20)
    if name == "br":
        compressor = brotli.Compressor(quality=5)
        data = b"".join([compressor.process(block) for _ in range(64)] + [compressor.finish()])
    elif name == "zstd":
        data = zstd_zero_bomb(64)
    else:
        wbits = 31 if name == "gzip" else 15
        compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
        data = b"".join([compressor.compress(block) for _ in range(16)] + [compressor.flush()])
    decoder = build_decoder([name])
    largest = max(
        len(step)
        for start in range(0, len(data), 65536)
        for step in decoder.iter_decode(data[start : start + 65536])
    )
    assert largest <= MAX_DECODED_STEP_SIZE


# --- stacked encodings ------------------------------------------------------------------


def test_stacked_gzip_then_br() -> None:
    # "Content-Encoding: gzip, br": gzip applied first, so br must be undone first.
    data = brotli.compress(gzip.compress(PLAIN))
    assert decode_whole(build_decoder(["gzip", "br"]), data) == PLAIN
    assert decode_whole(build_decoder(["gzip, br"]), data) == PLAIN
    assert decode_bytewise(build_decoder(["gzip", "br"]), data) == PLAIN
    with pytest.raises(DecodingError):
        decode_whole(build_decoder(["br", "gzip"]), data)


def test_three_stacked_encodings_bytewise() -> None:
    data = zstd(raw_deflate(gzip.compress(PLAIN)))
    decoder = MultiDecoder([GZipDecoder(), DeflateDecoder(), ZStandardDecoder()])
    assert decode_bytewise(decoder, data) == PLAIN


def test_stacked_flush_propagates_held_back_output() -> None:
    # zstd's truncation error only shows at flush, after the outer stage has flushed.
    data = gzip.compress(zstd(PLAIN)[:-3])
    decoder = build_decoder(["zstd", "gzip"])
    decoder.decode(data)
    with pytest.raises(DecodingError, match="incomplete"):
        decoder.flush()


def test_build_decoder_normalises_and_ignores_unknown_codings() -> None:
    data = gzip.compress(b"abc")
    assert decode_whole(build_decoder([" GZip "]), data) == b"abc"
    assert isinstance(build_decoder([]), IdentityDecoder)
    assert isinstance(build_decoder(["identity"]), IdentityDecoder)
    assert isinstance(build_decoder(["compress", "x-unknown"]), IdentityDecoder)
    assert isinstance(build_decoder(["identity, gzip"]), GZipDecoder)
    assert decode_whole(build_decoder(["x-custom", "gzip"]), data) == b"abc"


def test_build_decoder_refuses_absurd_stacks() -> None:
    with pytest.raises(DecodingError, match="Too many"):
        build_decoder([", ".join(["gzip"] * 50)])


def test_build_decoder_rejects_negative_limit() -> None:
    with pytest.raises(ValueError):
        build_decoder(["gzip"], max_decoded_size=-1)


# --- decompression-bomb guard -----------------------------------------------------------

BOMB_SIZE = 50_000_000
LIMIT = 1_000_000


@pytest.fixture(scope="module")
def zeros() -> bytes:
    return bytes(BOMB_SIZE)


BOMB_CODECS: list[tuple[list[str], Callable[[bytes], bytes]]] = [
    (["gzip"], lambda d: gzip.compress(d, compresslevel=9)),
    (["deflate"], lambda d: zlib.compress(d, 9)),
    (["deflate"], raw_deflate),
    (["br"], lambda d: brotli.compress(d, quality=5)),
    (["zstd"], zstd),
    (["gzip", "gzip"], lambda d: gzip.compress(gzip.compress(d, 9), 9)),
    (["gzip", "zstd"], lambda d: zstd(gzip.compress(d, 9))),
]


@pytest.mark.parametrize(
    ("encodings", "compress"),
    BOMB_CODECS,
    ids=["gzip", "zlib", "raw-deflate", "br", "zstd", "gzip-gzip", "gzip-zstd"],
)
def test_size_limit_stops_a_bomb_without_inflating_it(
    zeros: bytes, encodings: list[str], compress: Callable[[bytes], bytes]
) -> None:
    bomb = compress(zeros)
    assert len(bomb) < 200_000  # it really is a bomb
    decoder = build_decoder(encodings, max_decoded_size=LIMIT)
    tracemalloc.start()
    try:
        with pytest.raises(DecodingError, match=f"exceeds the limit of {LIMIT} bytes"):
            decoder.decode(bomb)  # the whole bomb in one chunk
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Loose bound: the limit plus a few decompression steps, nowhere near 50 MB.
    assert peak < 12_000_000, peak


def test_size_limit_allows_exactly_the_limit() -> None:
    data = gzip.compress(PLAIN)
    assert decode_whole(build_decoder(["gzip"], max_decoded_size=len(PLAIN)), data) == PLAIN
    decoder = build_decoder(["gzip"], max_decoded_size=len(PLAIN) - 1)
    with pytest.raises(DecodingError):
        decode_bytewise(decoder, data)


def test_size_limit_applies_to_identity_and_counts_across_calls() -> None:
    decoder = build_decoder([], max_decoded_size=10)
    assert isinstance(decoder, DecodedSizeLimit)
    assert decoder.decode(b"12345") == b"12345"
    assert decoder.decode(b"67890") == b"67890"
    with pytest.raises(DecodingError):
        decoder.decode(b"!")


def test_size_limit_counts_output_released_at_flush() -> None:
    class HoldsEverything(ContentDecoder):
        def __init__(self) -> None:
            self.held = b""

        def decode(self, data: bytes) -> bytes:
            self.held += data
            return b""

        def flush(self) -> bytes:
            return self.held

    decoder = DecodedSizeLimit(HoldsEverything(), 3)
    assert decoder.decode(b"abcd") == b""
    with pytest.raises(DecodingError):
        decoder.flush()


@pytest.mark.parametrize("name", ["gzip", "deflate"])
def test_zlib_decoders_step_output_is_bounded(name: str, zeros: bytes) -> None:
    compressed = (
        gzip.compress(zeros[:5_000_000]) if name == "gzip" else zlib.compress(zeros[:5_000_000])
    )
    steps = list(SUPPORTED_DECODERS[name]().iter_decode(compressed))
    assert max(len(step) for step in steps) <= OUTPUT_STEP_SIZE
    assert sum(len(step) for step in steps) == 5_000_000


def test_custom_decoder_in_multi_decoder_uses_decode() -> None:
    class Upper(ContentDecoder):
        def decode(self, data: bytes) -> bytes:
            return data.upper()

        def flush(self) -> bytes:
            return b""

    decoder = MultiDecoder([Upper(), GZipDecoder()])  # gzip applied last
    assert decode_whole(decoder, gzip.compress(b"shout")) == b"SHOUT"


# --- chunkers ---------------------------------------------------------------------------


def test_byte_chunker_without_size_passes_through_dropping_empty() -> None:
    chunker = ByteChunker()
    assert chunker.decode(b"abc") == [b"abc"]
    assert chunker.decode(b"") == []
    assert chunker.flush() == []


def test_byte_chunker_exact_sizes() -> None:
    chunker = ByteChunker(chunk_size=3)
    assert chunker.decode(b"ab") == []
    assert chunker.decode(b"cdefgh") == [b"abc", b"def"]
    assert chunker.decode(b"i") == [b"ghi"]
    assert chunker.decode(b"") == []
    assert chunker.decode(b"jk") == []
    assert chunker.flush() == [b"jk"]
    assert chunker.flush() == []


@pytest.mark.parametrize("size", [1, 2, 7, 64, 1000])
def test_byte_chunker_random_splits(size: int) -> None:
    rng = random.Random(size)
    data = bytes(rng.randrange(256) for _ in range(3001))
    chunker = ByteChunker(chunk_size=size)
    out: list[bytes] = []
    position = 0
    while position < len(data):
        step = rng.randrange(0, 50)
        out += chunker.decode(data[position : position + step])
        position += step
    out += chunker.flush()
    expected = [data[i : i + size] for i in range(0, len(data), size)]
    assert out == expected


def test_text_chunker() -> None:
    chunker = TextChunker(chunk_size=2)
    assert chunker.decode("aé") == ["aé"]
    assert chunker.decode("xyz") == ["xy"]
    assert chunker.flush() == ["z"]
    assert TextChunker().decode("") == []
    assert TextChunker().decode("hi") == ["hi"]


@pytest.mark.parametrize("size", [0, -1])
def test_chunkers_reject_non_positive_sizes(size: int) -> None:
    with pytest.raises(ValueError):
        ByteChunker(chunk_size=size)
    with pytest.raises(ValueError):
        TextChunker(chunk_size=size)


# --- text -------------------------------------------------------------------------------


def test_text_decoder_multibyte_split_across_chunks() -> None:
    encoded = "héllo wörld €".encode()
    decoder = TextDecoder("utf-8")
    text = "".join(decoder.decode(encoded[i : i + 1]) for i in range(len(encoded)))
    assert text + decoder.flush() == "héllo wörld €"


def test_text_decoder_replaces_invalid_and_truncated_sequences() -> None:
    decoder = TextDecoder()
    assert decoder.decode(b"ok\xff") == "ok\ufffd"
    assert decoder.decode(b"\xe2\x82") == ""
    assert decoder.flush() == "\ufffd"


def test_text_decoder_other_encodings() -> None:
    decoder = TextDecoder("utf-16")
    data = "ça va".encode("utf-16")
    assert decoder.decode(data[:3]) + decoder.decode(data[3:]) + decoder.flush() == "ça va"
    with pytest.raises(LookupError):
        TextDecoder("no-such-codec")


# --- lines ------------------------------------------------------------------------------


def decode_lines(chunks: list[str]) -> list[str]:
    decoder = LineDecoder()
    lines: list[str] = []
    for chunk in chunks:
        lines += decoder.decode(chunk)
    return lines + decoder.flush()


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        ([], []),
        ([""], []),
        (["a\r", "\nb"], ["a", "b"]),  # \r\n split across chunks: one break
        (["a\r", "", "\nb"], ["a", "b"]),  # ...even with an empty chunk between
        (["a\r", "\n"], ["a"]),
        (["a\r"], ["a"]),  # trailing \r
        (["\r"], [""]),
        (["a\r", "\r", "b"], ["a", "", "b"]),
        (["a\n\r"], ["a", ""]),
        (["a\r\r\nb"], ["a", "", "b"]),
        (["ab", "cd", "\n", "ef"], ["abcd", "ef"]),
        (["a\u2028b\x85c\x0bd\x0ce\x1cf\x1dg\x1eh\u2029"], list("abcdefgh")),
        (["no newline at all"], ["no newline at all"]),
        (["\n\n"], ["", ""]),
    ],
)
def test_line_decoder_edge_cases(chunks: list[str], expected: list[str]) -> None:
    assert decode_lines(chunks) == expected
    assert "".join(chunks).splitlines() == expected


def test_line_decoder_matches_splitlines_on_every_split() -> None:
    text = "one\r\ntwo\rthree\n\nfour\r\r\nfive\u2028six\x85\r\n\rseven"
    for cut in range(len(text) + 1):
        for second_cut in range(cut, len(text) + 1):
            chunks = [text[:cut], text[cut:second_cut], text[second_cut:]]
            assert decode_lines(chunks) == text.splitlines(), chunks


def test_line_decoder_random_chunkings() -> None:
    rng = random.Random(7)
    alphabet = "ab\r\n\u2028 "
    for _ in range(300):
        text = "".join(rng.choices(alphabet, k=rng.randrange(0, 40)))
        chunks, position = [], 0
        while position < len(text):
            step = rng.randrange(0, 6)
            chunks.append(text[position : position + step])
            position += step
        assert decode_lines(chunks) == text.splitlines(), chunks


def test_line_decoder_emits_cr_terminated_line_without_waiting() -> None:
    decoder = LineDecoder()
    assert decoder.decode("data: x\r") == ["data: x"]
    assert decoder.decode("\n") == []


def test_line_decoder_is_linear_in_many_tiny_chunks() -> None:
    # One 1,000,000-character line delivered a character at a time. Re-joining the
    # pending buffer per chunk would copy ~5e11 characters and hit the test timeout.
    decoder = LineDecoder()
    for _ in range(1_000_000):
        assert not decoder.decode("x")
    assert decoder.decode("\n") == ["x" * 1_000_000]
