"""The h2 seam's HPACK caches (httpx/_transports/http2/h2_seam.py) against hpack itself.

A cached header block must decode (encode) to exactly what hpack would produce, and
leave the dynamic table exactly as hpack would (RFC 7541 section 2.3), whatever the
blocks before it did: these tests run thousands of blocks, with repeats (cache hits),
table insertions, evictions and size changes, through the seam's decoder or encoder and
through hpack's, and compare.
"""

from __future__ import annotations

import random

import hpack
import hpack.exceptions
import pytest

from httpx._transports.http2 import h2_seam


def caching_pair() -> tuple[h2_seam._CachingEncoder, h2_seam._CachingDecoder]:
    assert h2_seam.FAST_PATH
    connection = h2_seam.new_h2_connection()
    encoder, decoder = connection.encoder, connection.decoder
    assert type(encoder) is h2_seam._CachingEncoder
    assert type(decoder) is h2_seam._CachingDecoder
    return encoder, decoder


def test_decoder_cache_matches_hpack() -> None:
    rng = random.Random("decoder")
    _, decoder = caching_pair()
    encoder = hpack.Encoder()
    reference = hpack.Decoder()
    blocks: list[bytes] = []
    hits = 0
    for index in range(3000):
        if index in (1000, 2000):
            encoder.header_table_size = 512 if index == 1000 else 4096  # a size update
        if blocks and rng.random() < 0.5:
            block = rng.choice(blocks[-20:])  # seen before: a cache hit if still valid
        else:
            fields = [
                (b":status", rng.choice([b"200", b"404", b"500"])),
                (b"date", b"Sat, %d Nov" % rng.randrange(5)),
                (b"x-%d" % rng.randrange(30), b"y" * rng.randrange(100)),
                (b"set-cookie", b"a=%d" % rng.randrange(3)),
            ]
            block = encoder.encode(fields)
            blocks.append(block)
        hits += block in decoder._cache
        try:
            expected = reference.decode(block, raw=True)
        except hpack.exceptions.HPACKError:
            # A replayed block that refers to entries evicted since: both refuse it.
            with pytest.raises(hpack.exceptions.HPACKError):
                decoder.decode(block, raw=True)
            reference, decoder = hpack.Decoder(), caching_pair()[1]
            encoder = hpack.Encoder()
            blocks.clear()
            continue
        assert decoder.decode(block, raw=True) == expected
        assert list(decoder.header_table.dynamic_entries) == list(
            reference.header_table.dynamic_entries
        )
    assert hits > 500


def test_decoder_cache_replays_insertions() -> None:
    # nginx-like: each response's fields as new literals with incremental indexing
    # (static names); the cached block must still add them to the table, and evict.
    def literal(name_index: int, value: bytes) -> bytes:
        return bytes([0x40 | name_index, len(value)]) + value

    _, decoder = caching_pair()
    reference = hpack.Decoder()
    for second in range(300):
        date = b"date %d" % (second // 10)
        block = b"\x88" + literal(54, b"nginx") + literal(33, date) + literal(34, b"x" * 40)
        assert decoder.decode(block, raw=True) == reference.decode(block, raw=True)
        # References to the dynamic table (0xbe = index 62, the newest entry) see it.
        refs = bytes([0x80 | index for index in range(62, 62 + min(second + 1, 12))])
        assert decoder.decode(b"\x88" + refs, raw=True) == reference.decode(
            b"\x88" + refs, raw=True
        )
    assert len(decoder._cache) <= 64
    assert list(decoder.header_table.dynamic_entries) == list(
        reference.header_table.dynamic_entries
    )


def test_decoder_cache_keeps_the_list_size_limit() -> None:
    _, decoder = caching_pair()
    block = hpack.Encoder().encode([(b":status", b"200"), (b"x-big", b"v" * 500)])
    decoder.decode(block, raw=True)
    assert block in decoder._cache
    decoder.max_header_list_size = 100  # (as after our SETTINGS are acknowledged)
    with pytest.raises(hpack.exceptions.OversizedHeaderListError):
        decoder.decode(block, raw=True)


def test_encoder_cache_matches_hpack() -> None:
    rng = random.Random("encoder")
    encoder, _ = caching_pair()
    decoder = hpack.Decoder()
    requests: list[list[tuple[bytes, bytes]]] = []
    hits = 0
    for index in range(3000):
        if index == 1000:
            encoder.header_table_size = 300  # the server's SETTINGS_HEADER_TABLE_SIZE
        if index == 2000:
            encoder.header_table_size = 0
        if requests and rng.random() < 0.6:
            fields = rng.choice(requests[-10:])  # sent before: a cache hit if still valid
        else:
            fields = [
                (b":method", rng.choice([b"GET", b"POST"])),
                (b":path", b"/p/%d" % rng.randrange(10)),
                (b"x-%d" % rng.randrange(20), b"v" * rng.randrange(0, 300)),
            ]
            if rng.random() < 0.3:
                fields.append(hpack.NeverIndexedHeaderTuple(b"authorization", b"secret"))
            requests.append(fields)
        key = (True, *fields, *map(type, fields))
        hits += key in encoder._cache
        decoded = decoder.decode(encoder.encode(fields), raw=True)
        assert decoded == fields
        # Never-indexed fields stay never-indexed (RFC 7541 section 7.1.3).
        assert [type(field) is hpack.NeverIndexedHeaderTuple for field in decoded] == [
            type(field) is hpack.NeverIndexedHeaderTuple for field in fields
        ]
    assert hits > 200
