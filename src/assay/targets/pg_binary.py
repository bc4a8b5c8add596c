"""Arrow batches as PostgreSQL's binary ``COPY`` format, built column-wise.

Why: with ``COPY … (FORMAT csv)`` the server parses every value again from text
(timestamps and numerics are its most expensive input functions), after assay has
already converted and validated it.  In the binary format each value arrives in the
server's own representation, so the server only checks and stores it.  The payload is
built vectorized: each column becomes two Arrow binary arrays (the 4-byte length
words and the values, big-endian), and one ``binary_join_element_wise`` interleaves
all of them into rows; nulls are a length word of -1 with no value.

Only the column types listed in :data:`ENCODERS` are written this way (by the
column's PostgreSQL type, as the catalog reports it); a ``COPY`` into a table with any
other type (``inet``, ``interval``, a domain, an enum …) keeps the text format, where
the server's input functions decide, exactly as before.

Format: https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
_PG_EPOCH_DAYS = 10_957  # 2000-01-01 - 1970-01-01
_PG_EPOCH_US = _PG_EPOCH_DAYS * 86_400 * 1_000_000
_NUMERIC_NEG = 0x4000
_NULL_WORD = np.array(-1, dtype=">i4").tobytes()


def _from_numpy(data: np.ndarray, width: int) -> pa.Array:
    """A binary array over ``data`` (rows of ``width`` bytes each), no copy."""
    raw = np.ascontiguousarray(data).view(np.uint8).reshape(-1)
    n = len(raw) // width
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(raw)])


Fixed = tuple[np.ndarray, int]  # values as big-endian bytes (n rows of ``width``), width


def _integers(dtype: str) -> Callable[[pa.Array], Fixed]:
    arrow = {">i2": pa.int16(), ">i4": pa.int32(), ">i8": pa.int64()}[dtype]

    def encode(column: pa.Array) -> Fixed:
        # A value too wide for the column raises here, as the server would refuse it.
        values = column.cast(arrow).fill_null(0).to_numpy(zero_copy_only=False)
        return values.astype(dtype), np.dtype(dtype).itemsize

    return encode


def _floats(dtype: str) -> Callable[[pa.Array], Fixed]:
    arrow = {">f4": pa.float32(), ">f8": pa.float64()}[dtype]

    def encode(column: pa.Array) -> Fixed:
        values = column.cast(arrow).fill_null(0).to_numpy(zero_copy_only=False)
        return values.astype(dtype), np.dtype(dtype).itemsize

    return encode


def _bool(column: pa.Array) -> Fixed:
    values = column.fill_null(False).to_numpy(zero_copy_only=False)
    return np.asarray(values, dtype=np.uint8), 1


def _date(column: pa.Array) -> Fixed:
    days = column.cast(pa.date32()).cast(pa.int32()).fill_null(0).to_numpy()
    return (days.astype(np.int64) - _PG_EPOCH_DAYS).astype(">i4"), 4


def _timestamp(column: pa.Array) -> Fixed:
    micros = column.cast(pa.timestamp("us", tz=column.type.tz)).cast(pa.int64())
    return (micros.fill_null(0).to_numpy() - _PG_EPOCH_US).astype(">i8"), 8


def _time(column: pa.Array) -> Fixed:
    micros = column.cast(pa.time64("us")).cast(pa.int64()).fill_null(0).to_numpy()
    return micros.astype(">i8"), 8


def _text(column: pa.Array) -> pa.Array:
    return column.cast(pa.binary())


def _jsonb(column: pa.Array) -> pa.Array:
    """``jsonb``'s binary form: a version byte (1), then the text."""
    data = column.cast(pa.binary())
    version = _from_numpy(np.ones(len(data), dtype=np.uint8), 1)
    return pc.binary_join_element_wise(version, data, b"")


def _offsets(data: pa.Array) -> np.ndarray:
    return np.frombuffer(
        data.buffers()[1], dtype=np.int32, count=len(data) + 1, offset=data.offset * 4
    )


def _words(data: pa.Array) -> pa.Array:
    """4-byte big-endian length words of ``data``'s values (``-1`` for a null)."""
    lengths = np.diff(_offsets(data)).astype(">i4")
    if data.null_count:
        lengths[~np.asarray(data.is_valid(), dtype=bool)] = -1
    return _from_numpy(lengths, 4)


_HEX = np.full(256, 255, dtype=np.uint8)
for _i, _c in enumerate(b"0123456789abcdef"):
    _HEX[_c] = _i
for _i, _c in enumerate(b"ABCDEF"):
    _HEX[_c] = 10 + _i
_DASH_AT = [8, 13, 18, 23]
_HEX_AT = np.array([i for i in range(36) if i not in _DASH_AT])


def _uuid(column: pa.Array) -> Fixed:
    """Canonical text (``8-4-4-4-12`` hex digits, as loading checked) to 16 bytes;
    other spellings PostgreSQL accepts go through :class:`uuid.UUID` one by one."""
    text = column.cast(pa.binary())
    n = len(text)
    out = np.zeros((n, 16), dtype=np.uint8)
    offsets = _offsets(text)
    data = np.frombuffer(text.buffers()[2] or b"", dtype=np.uint8)
    valid = np.asarray(text.is_valid(), dtype=bool) if text.null_count else np.ones(n, bool)
    canonical = valid & (np.diff(offsets) == 36)
    if canonical.all():  # the usual case: one 36-byte row per value, no copy
        rows = np.arange(n)
        chars = data[offsets[0] : offsets[-1]].reshape(n, 36)
    else:
        rows = np.flatnonzero(canonical)
        chars = data[offsets[rows][:, None] + np.arange(36)]
    if len(rows):
        nibbles = _HEX[chars[:, _HEX_AT]]
        good = (chars[:, _DASH_AT] == ord("-")).all(axis=1) & (nibbles != 255).all(axis=1)
        out[rows[good]] = (nibbles[good, 0::2] << 4) | nibbles[good, 1::2]
        canonical[rows[~good]] = False
    for i in np.flatnonzero(valid & ~canonical):
        out[i] = np.frombuffer(UUID(text[int(i)].as_py().decode()).bytes, dtype=np.uint8)
    return out, 16


def _numeric_ok(t: pa.DataType) -> bool:
    return pa.types.is_decimal128(t) and t.precision <= 18 and 0 <= t.scale <= 15


def _numeric(column: pa.Array) -> Fixed:
    """``numeric`` as a fixed number of base-10000 digits per column (the server strips
    the zeros); only for precisions that 64-bit arithmetic holds (:func:`_numeric_ok`)."""
    t = column.type
    p, s = t.precision, t.scale
    int_groups, frac_groups = -(-max(p - s, 0) // 4), -(-s // 4)
    ndigits = int_groups + frac_groups
    count = 2 * (len(column) + column.offset)
    words = np.frombuffer(column.buffers()[1], dtype=np.int64, count=count)
    unscaled = words[2 * column.offset :: 2].copy()  # the low halves: |value| < 10**18
    if column.null_count:
        unscaled[~np.asarray(column.is_valid(), dtype=bool)] = 0
    negative = unscaled < 0
    magnitude = np.abs(unscaled).astype(np.uint64)
    whole = magnitude // np.uint64(10**s)
    fraction = (magnitude % np.uint64(10**s)) * np.uint64(10 ** (4 * frac_groups - s))
    record = np.empty((len(column), 4 + ndigits), dtype=">i2")
    record[:, 0] = ndigits
    record[:, 1] = int_groups - 1  # the weight of the first digit
    record[:, 2] = np.where(negative, _NUMERIC_NEG, 0)
    record[:, 3] = s
    base = np.uint64(10_000)
    for i in range(int_groups):  # most significant first
        record[:, 3 + int_groups - i] = (whole // base**i) % base
    for i in range(frac_groups):
        record[:, 4 + int_groups + i] = (fraction // base ** (frac_groups - 1 - i)) % base
    return record, 2 * (4 + ndigits)


def _any(t: pa.DataType) -> bool:
    return True


# PostgreSQL type (pg_type.typname) -> (Arrow types it takes, encoder)
FIXED: dict[str, tuple[Callable[[pa.DataType], bool], Callable[[pa.Array], Fixed]]] = {
    "int2": (pa.types.is_integer, _integers(">i2")),
    "int4": (pa.types.is_integer, _integers(">i4")),
    "int8": (pa.types.is_integer, _integers(">i8")),
    "float4": (pa.types.is_floating, _floats(">f4")),
    "float8": (pa.types.is_floating, _floats(">f8")),
    "bool": (pa.types.is_boolean, _bool),
    "date": (pa.types.is_date, _date),
    "timestamp": (lambda t: pa.types.is_timestamp(t) and t.tz is None, _timestamp),
    "timestamptz": (lambda t: pa.types.is_timestamp(t) and t.tz is not None, _timestamp),
    "time": (pa.types.is_time, _time),
    "uuid": (pa.types.is_string, _uuid),
    "numeric": (_numeric_ok, _numeric),
}
VARIABLE: dict[str, tuple[Callable[[pa.DataType], bool], Callable[[pa.Array], pa.Array]]] = {
    "text": (pa.types.is_string, _text),
    "varchar": (pa.types.is_string, _text),
    "bpchar": (pa.types.is_string, _text),
    "json": (pa.types.is_string, _text),
    "jsonb": (pa.types.is_string, _jsonb),
    "bytea": (pa.types.is_binary, _text),
}


class BinaryLayout:
    """How the columns of one ``COPY`` are written (their PostgreSQL types)."""

    def __init__(self, schema: pa.Schema, pg_types: list[str]) -> None:
        self.names = list(schema.names)
        self.types = pg_types

    @classmethod
    def of(cls, schema: pa.Schema, pg_types: list[str | None]) -> BinaryLayout | None:
        """The layout, or None when some column has no binary encoder here."""
        if len(schema) == 0 or len(schema) != len(pg_types):
            return None
        for f, udt in zip(schema, pg_types, strict=True):
            entry = FIXED.get(udt or "") or VARIABLE.get(udt or "")
            if entry is None or not entry[0](f.type):
                return None
        return cls(schema, [t or "" for t in pg_types])

    def encode(self, batch: pa.RecordBatch | pa.Table) -> pa.Buffer:
        """The rows of ``batch`` as binary ``COPY`` tuples (no signature, no trailer).

        Every field (and every length word of a variable field) becomes one 16-byte
        Arrow *binary view*, laid out row after row; casting that view array to plain
        binary copies the pieces into one buffer in that order, which is the payload.
        """
        n = batch.num_rows
        k = 1 + sum(1 if t in FIXED else 2 for t in self.types)
        pieces = _Pieces(n, k)
        pieces.word(len(self.types), 2, None)
        for i, udt in enumerate(self.types):
            column = _array(batch.column(i))
            null = ~np.asarray(column.is_valid(), dtype=bool) if column.null_count else None
            if udt in FIXED:
                values, width = FIXED[udt][1](column)
                pieces.field(values, width, null)
            else:
                payload = VARIABLE[udt][1](column)
                pieces.word(np.diff(_offsets(payload)), 4, null)
                pieces.views(payload, null)
        rows = pieces.joined()
        offsets = _offsets(rows)
        return rows.buffers()[2].slice(int(offsets[0]), int(offsets[-1] - offsets[0]))


_NULL_LO = np.int64(4 | (0xFFFFFFFF << 32) - (1 << 64))  # length 4, bytes ff ff ff ff


class _Pieces:
    """Binary views (two little-endian int64 each: length and the first 4 bytes or
    inline data, then the rest), ``k`` pieces per row (see ``encode``)."""

    def __init__(self, n: int, k: int) -> None:
        self.n = n
        self.table = np.empty((n, k), dtype="V16")
        self.at = 0
        self.buffers: list[pa.Buffer] = []

    def _put(self, lo: np.ndarray | np.int64, hi: np.ndarray | np.int64 | int) -> None:
        pair = np.empty((self.n, 2), dtype=np.int64)
        pair[:, 0] = lo
        pair[:, 1] = hi
        self.table[:, self.at] = pair.view("V16").reshape(self.n)
        self.at += 1

    def word(self, value: np.ndarray | int, width: int, null: np.ndarray | None) -> None:
        """A big-endian integer of 2 or 4 bytes (a length word, the tuple header)."""
        big = np.asarray(value, dtype=">u4" if width == 4 else ">u2")
        little = big.view("<u4" if width == 4 else "<u2").astype(np.int64)
        lo = np.int64(width) | (little << np.int64(32))
        if null is not None:
            lo = np.where(null, _NULL_LO, lo)
        self._put(lo, 0)

    def field(self, values: np.ndarray, width: int, null: np.ndarray | None) -> None:
        """A fixed-width field: its length word and value, or the null word alone."""
        word = int.from_bytes(np.array(width, ">u4").tobytes(), "little")
        if width <= 8:  # inline: length, word, value (big-endian bytes, zero padded)
            lo = np.int64(4 + width) | np.int64(word << 32)
            raw = values.view(np.uint8).reshape(self.n, width)
            if width in (1, 2, 4, 8):  # the bytes as a little-endian integer
                hi = raw.view(f"<u{width}").reshape(self.n).astype(np.int64)
            else:
                padded = np.zeros((self.n, 8), dtype=np.uint8)
                padded[:, :width] = raw
                hi = padded.view("<i8").reshape(self.n)
            if null is not None:
                lo = np.where(null, _NULL_LO, lo)
                hi = np.where(null, 0, hi)
            self._put(lo, hi)
            return
        record = np.empty((self.n, 4 + width), dtype=np.uint8)
        record[:, :4] = np.frombuffer(np.array(width, ">i4").tobytes(), np.uint8)
        record[:, 4:] = values.view(np.uint8).reshape(self.n, width)
        prefix = int.from_bytes(record[0, :4].tobytes(), "little") if self.n else 0
        lo = np.int64(4 + width) | np.int64(prefix << 32)
        offsets = np.arange(0, self.n * (4 + width), 4 + width, dtype=np.int64)
        hi = np.int64(len(self.buffers)) | (offsets << np.int64(32))
        if null is not None:
            lo = np.where(null, _NULL_LO, lo)
            hi = np.where(null, 0, hi)
        self.buffers.append(pa.py_buffer(record))
        self._put(lo, hi)

    def views(self, payload: pa.Array, null: np.ndarray | None) -> None:
        """Variable-width values (a null is an empty piece: its word said -1)."""
        view = payload.cast(pa.binary_view())
        buffers = view.buffers()
        raw = np.frombuffer(buffers[1], dtype="<i4").reshape(-1, 4)
        views = raw[view.offset : view.offset + self.n].copy()
        if null is not None:
            views[null] = 0
        if len(buffers) > 2:
            views[views[:, 0] > 12, 2] += len(self.buffers)
            self.buffers += buffers[2:]
        pair = views.view(np.int64)
        self._put(pair[:, 0], pair[:, 1])

    def joined(self) -> pa.Array:
        count = self.n * self.table.shape[1]
        array = pa.Array.from_buffers(
            pa.binary_view(), count, [None, pa.py_buffer(self.table), *self.buffers]
        )
        return array.cast(pa.binary())


def _array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
