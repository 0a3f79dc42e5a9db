"""HPACK (RFC 7541) for our HTTP/2 connections: a cached decoder and a small encoder."""

from __future__ import annotations

from collections import deque

from .http2_frames import COMPRESSION_ERROR, PROTOCOL_ERROR, ProtocolViolation

# --- HPACK (RFC 7541) ---------------------------------------------------------------------

# Appendix A.
STATIC_TABLE: tuple[tuple[bytes, bytes], ...] = tuple(
    (name.encode(), value.encode())
    for name, value in (
        (":authority", ""), (":method", "GET"), (":method", "POST"), (":path", "/"),
        (":path", "/index.html"), (":scheme", "http"), (":scheme", "https"),
        (":status", "200"), (":status", "204"), (":status", "206"), (":status", "304"),
        (":status", "400"), (":status", "404"), (":status", "500"), ("accept-charset", ""),
        ("accept-encoding", "gzip, deflate"), ("accept-language", ""), ("accept-ranges", ""),
        ("accept", ""), ("access-control-allow-origin", ""), ("age", ""), ("allow", ""),
        ("authorization", ""), ("cache-control", ""), ("content-disposition", ""),
        ("content-encoding", ""), ("content-language", ""), ("content-length", ""),
        ("content-location", ""), ("content-range", ""), ("content-type", ""), ("cookie", ""),
        ("date", ""), ("etag", ""), ("expect", ""), ("expires", ""), ("from", ""), ("host", ""),
        ("if-match", ""), ("if-modified-since", ""), ("if-none-match", ""), ("if-range", ""),
        ("if-unmodified-since", ""), ("last-modified", ""), ("link", ""), ("location", ""),
        ("max-forwards", ""), ("proxy-authenticate", ""), ("proxy-authorization", ""),
        ("range", ""), ("referer", ""), ("refresh", ""), ("retry-after", ""), ("server", ""),
        ("set-cookie", ""), ("strict-transport-security", ""), ("transfer-encoding", ""),
        ("user-agent", ""), ("vary", ""), ("via", ""), ("www-authenticate", ""),
    )
)  # fmt: skip
_STATIC_FIELD_INDEX = {field: index for index, field in enumerate(STATIC_TABLE, 1) if field[1]}
_STATIC_NAME_INDEX: dict[bytes, int] = {}
for _index, (_name, _) in enumerate(STATIC_TABLE, 1):
    _STATIC_NAME_INDEX.setdefault(_name, _index)
# Credentials are never entered into a compression table (RFC 7541 section 7.1.3).
_NEVER_INDEXED = frozenset([b"authorization", b"proxy-authorization", b"cookie", b"set-cookie"])
DEFAULT_TABLE_SIZE = 4096
# A decoded block: (table generation, :status, fields, list size, the entries it adds
# (None: it refers to the dynamic table), their size).
_CachedBlock = tuple[
    int, "int | None", list[tuple[bytes, bytes]], int, "list[tuple[bytes, bytes]] | None", int
]

# Appendix B: the Huffman code is canonical, so the code length of each symbol (0-255,
# then EOS) defines it.
_HUFFMAN_LENGTHS = bytes(
    [13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28]
    + [30, 28, 28, 28, 28, 28, 28, 28, 28, 28, 6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8]
    + [6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7, 7, 7, 7]
    + [7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6]
    + [5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, 20]
    + [22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23]
    + [23, 23, 21, 22, 23, 22, 23, 23, 24, 22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21]
    + [22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, 26, 26, 20]
    + [19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21]
    + [21, 26, 26, 28, 27, 27, 27, 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26]
    + [23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, 30]
)


def _huffman_transitions() -> tuple[list[tuple[int, bytes, bool]], list[bool]]:
    """The decoder as a state machine that eats 4 bits at a time.

    States are the inner nodes of the code tree (0 is the root). ``transitions[state * 16
    + nibble]`` is (next state, decoded bytes, whether EOS was met); ``padding[state]``
    says whether a string may end there: at most 7 bits into the code, all ones (the
    start of EOS, section 5.2).
    """
    children: list[list[int]] = [[-1, -1]]  # inner nodes; a leaf is ~symbol
    depth_and_ones: list[tuple[int, bool]] = [(0, True)]
    code = 0
    previous = 0
    for symbol in sorted(range(257), key=lambda s: (_HUFFMAN_LENGTHS[s], s)):
        length = _HUFFMAN_LENGTHS[symbol]
        if previous:
            code = (code + 1) << (length - previous)
        previous = length
        node = 0
        for position in range(length - 1, -1, -1):
            bit = (code >> position) & 1
            if position == 0:
                children[node][bit] = ~symbol
                break
            if children[node][bit] == -1:
                depth, ones = depth_and_ones[node]
                children[node][bit] = len(children)
                children.append([-1, -1])
                depth_and_ones.append((depth + 1, ones and bit == 1))
            node = children[node][bit]
    transitions: list[tuple[int, bytes, bool]] = []
    for state in range(len(children)):
        for nibble in range(16):
            node = state
            out = bytearray()
            eos = False
            for shift in (3, 2, 1, 0):
                child = children[node][(nibble >> shift) & 1]
                if child < 0:
                    if ~child == 256:
                        eos = True
                    else:
                        out.append(~child)
                    node = 0
                else:
                    node = child
            transitions.append((node, bytes(out), eos))
    padding = [depth <= 7 and ones for depth, ones in depth_and_ones]
    return transitions, padding


_huffman_tables: tuple[list[tuple[int, bytes, bool]], list[bool]] | None = None


def huffman_decode(data: bytes) -> bytes:
    global _huffman_tables
    if _huffman_tables is None:
        # Built on first use (some 20 ms): most connections never need them.
        _huffman_tables = _huffman_transitions()
    transitions, padding = _huffman_tables
    out: list[bytes] = []
    state = 0
    eos = False
    for byte in data:
        state, decoded, eos_high = transitions[(state << 4) | (byte >> 4)]
        if decoded:
            out.append(decoded)
        state, decoded, eos_low = transitions[(state << 4) | (byte & 0x0F)]
        if decoded:
            out.append(decoded)
        eos = eos or eos_high or eos_low
    if eos:  # section 5.2: EOS in a string is an error
        raise ProtocolViolation(COMPRESSION_ERROR, "HPACK: EOS in a Huffman string")
    if not padding[state]:
        raise ProtocolViolation(COMPRESSION_ERROR, "HPACK: invalid Huffman padding")
    return b"".join(out)


def _decode_integer(data: bytes, pos: int, prefix_bits: int) -> tuple[int, int]:
    """Section 5.1: an integer with an N-bit prefix; returns (value, next position)."""
    mask = (1 << prefix_bits) - 1
    value = data[pos] & mask
    pos += 1
    if value < mask:
        return value, pos
    shift = 0
    end = len(data)
    while pos < end:
        byte = data[pos]
        pos += 1
        value += (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift > 28:
            break
    raise ProtocolViolation(COMPRESSION_ERROR, "HPACK: invalid integer")


def _encode_integer(value: int, prefix_bits: int, first_byte: int) -> bytes:
    mask = (1 << prefix_bits) - 1
    if value < mask:
        return bytes([first_byte | value])
    out = bytearray([first_byte | mask])
    value -= mask
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _encode_string(value: bytes) -> bytes:
    # Raw, not Huffman-coded: allowed, and cheaper to produce.
    size = len(value)
    return (bytes([size]) if size < 127 else _encode_integer(size, 7, 0)) + value


class HPACKDecoder:
    """Decodes response header blocks, each distinct block once.

    A block that refers to no dynamic table entry decodes to the same fields whatever
    the table holds, and changes it the same way each time: its cache entry records the
    entries it adds, replayed on a hit (servers such as nginx send every response's
    fields as new literals). A block that refers to the dynamic table but adds nothing
    stays valid while the table is unchanged (`_generation`).
    """

    def __init__(self) -> None:
        self._table: deque[tuple[bytes, bytes]] = deque()  # newest first
        self._size = 0
        self._max_size = DEFAULT_TABLE_SIZE  # as last set by the encoder (<= our setting)
        self._generation = 0
        self._cache: dict[bytes, _CachedBlock] = {}
        self._strings: dict[bytes, bytes] = {}  # Huffman-coded -> decoded

    def decode(self, block: bytes) -> tuple[int | None, list[tuple[bytes, bytes]], int]:
        """(:status as int or None, the regular fields, the header list size)."""
        cached = self._cache.get(block)
        if cached is not None:
            generation, status, fields, size, added, added_size = cached
            if added is not None:
                if added:
                    # Adding them together leaves the table as adding them in turn:
                    # the newest entries that fit (section 4.4).
                    self._table.extendleft(added)
                    self._size += added_size
                    self._generation += 1
                    self._evict()
                return status, fields, size
            if generation == self._generation:
                return status, fields, size
        generation = self._generation
        status, fields, size, cacheable, added = self._decode(block)
        if cacheable and len(block) <= 4096:
            if len(self._cache) >= 256:
                self._cache.clear()
            added_size = sum(len(name) + len(value) + 32 for name, value in added or ())
            self._cache[block] = (generation, status, fields, size, added, added_size)
        return status, fields, size

    def _decode(
        self, block: bytes
    ) -> tuple[int | None, list[tuple[bytes, bytes]], int, bool, list[tuple[bytes, bytes]] | None]:
        fields: list[tuple[bytes, bytes]] = []
        status: int | None = None
        added: list[tuple[bytes, bytes]] = []
        dynamic = resized = False
        list_size = 0
        pos = 0
        end = len(block)
        while pos < end:
            byte = block[pos]
            if byte & 0x80:  # 6.1 indexed field
                index, pos = _decode_integer(block, pos, 7)
                name, value = self._field(index)
            elif byte & 0x40:  # 6.2.1 literal, added to the table
                index, pos = _decode_integer(block, pos, 6)
                name, pos = self._name(block, pos, index)
                value, pos = self._string(block, pos)
                self._add(name, value)
                added.append((name, value))
            elif byte & 0x20:  # 6.3 dynamic table size update, only before the fields
                if fields or status is not None:
                    raise ProtocolViolation(COMPRESSION_ERROR, "HPACK: late table size update")
                size, pos = _decode_integer(block, pos, 5)
                if size > DEFAULT_TABLE_SIZE:
                    raise ProtocolViolation(COMPRESSION_ERROR, "HPACK: table size too large")
                self._max_size = size
                self._evict()
                self._generation += 1
                resized = True
                continue
            else:  # 6.2.2 / 6.2.3 literal, not indexed (or never indexed)
                index, pos = _decode_integer(block, pos, 4)
                name, pos = self._name(block, pos, index)
                value, pos = self._string(block, pos)
            if index > 61:
                dynamic = True
            list_size += len(name) + len(value) + 32
            if name[:1] == b":":
                if name == b":status" and status is None and not fields:
                    if len(value) != 3 or not value.isdigit():
                        raise ProtocolViolation(PROTOCOL_ERROR, f"invalid :status {value!r}")
                    status = int(value)
                # Other pseudo-fields (and misplaced ones) are dropped, as httpcore did.
                continue
            if b"\r" in value or b"\n" in value or b"\0" in value or not name:
                # RFC 9113 section 8.2.1: such a field makes the message malformed.
                raise ProtocolViolation(PROTOCOL_ERROR, f"invalid header field {name!r}")
            fields.append((name, value))
        if resized or (dynamic and added):
            return status, fields, list_size, False, None
        return status, fields, list_size, True, (None if dynamic else added)

    def _string(self, block: bytes, pos: int) -> tuple[bytes, int]:
        if pos >= len(block):
            raise ProtocolViolation(COMPRESSION_ERROR, "HPACK: truncated block")
        huffman = block[pos] & 0x80
        length, pos = _decode_integer(block, pos, 7)
        end = pos + length
        if end > len(block):
            raise ProtocolViolation(COMPRESSION_ERROR, "HPACK: truncated string")
        value = block[pos:end]
        if not huffman:
            return value, end
        decoded = self._strings.get(value)
        if decoded is None:
            decoded = huffman_decode(value)
            if length <= 256:
                if len(self._strings) >= 512:
                    self._strings.clear()
                self._strings[value] = decoded
        return decoded, end

    def _field(self, index: int) -> tuple[bytes, bytes]:
        if 0 < index <= 61:
            return STATIC_TABLE[index - 1]
        if 61 < index <= 61 + len(self._table):
            return self._table[index - 62]
        raise ProtocolViolation(COMPRESSION_ERROR, f"HPACK: invalid table index {index}")

    def _name(self, block: bytes, pos: int, index: int) -> tuple[bytes, int]:
        if index:
            return self._field(index)[0], pos
        return self._string(block, pos)

    def _add(self, name: bytes, value: bytes) -> None:
        # Section 4.4: an entry larger than the table empties it and is not added.
        self._table.appendleft((name, value))
        self._size += len(name) + len(value) + 32
        self._generation += 1
        self._evict()

    def _evict(self) -> None:
        table = self._table
        while self._size > self._max_size and table:
            name, value = table.pop()
            self._size -= len(name) + len(value) + 32


class HPACKEncoder:
    """Encodes request header blocks with a dynamic table (one per connection)."""

    def __init__(self) -> None:
        self._entries: deque[tuple[bytes, bytes]] = deque()  # oldest first
        self._positions: dict[tuple[bytes, bytes], int] = {}  # field -> insertion number
        self._inserted = 0
        self._size = 0
        self._max_size = DEFAULT_TABLE_SIZE
        self._size_update: int | None = None

    def set_max_size(self, setting: int) -> None:
        """The server's SETTINGS_HEADER_TABLE_SIZE: shrink to it (never above 4096)."""
        size = min(setting, DEFAULT_TABLE_SIZE)
        if size != self._max_size:
            self._max_size = size
            self._evict()
            self._size_update = size  # signalled at the start of the next block (4.2)

    def encode(self, fields: list[tuple[bytes, bytes]]) -> bytes:
        out = bytearray()
        if self._size_update is not None:
            out += _encode_integer(self._size_update, 5, 0x20)
            self._size_update = None
        positions = self._positions
        for field in fields:
            position = positions.get(field)
            if position is not None:
                index = 62 + self._inserted - position
                if index < 127:
                    out.append(0x80 | index)
                else:
                    out += _encode_integer(index, 7, 0x80)
                continue
            index = _STATIC_FIELD_INDEX.get(field, 0)
            if index:
                out.append(0x80 | index)
                continue
            name, value = field
            name_index = _STATIC_NAME_INDEX.get(name, 0)
            size = len(name) + len(value) + 32
            if name in _NEVER_INDEXED:
                out += _encode_integer(name_index, 4, 0x10)
            elif size <= self._max_size >> 2:
                out += _encode_integer(name_index, 6, 0x40)
                self._add(field, size)
            else:
                out += _encode_integer(name_index, 4, 0)
            if not name_index:
                out += _encode_string(name)
            out += _encode_string(value)
        return bytes(out)

    def _add(self, field: tuple[bytes, bytes], size: int) -> None:
        self._inserted += 1
        self._entries.append(field)
        self._positions[field] = self._inserted
        self._size += size
        self._evict()

    def _evict(self) -> None:
        while self._size > self._max_size:
            field = self._entries.popleft()
            del self._positions[field]
            self._size -= len(field[0]) + len(field[1]) + 32
