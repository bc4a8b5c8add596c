"""Rows of text cells → JSON object texts, built with Arrow compute (no engine round trip).

A CSV row lands as ``{"column":"cell",…}``: every value a string, keys in column order.
Building that text is string concatenation plus escaping, which Arrow does column by
column in C++ (``binary_join_element_wise`` over the escaped cells and the constant
``","name":"`` parts between them) at about half the cost of DuckDB's ``to_json``
through a private connection, and with no copy of the result out of an engine.

The text is byte for byte what ``to_json`` writes for the same row (a test compares
them): ``"`` and ``\\`` are backslash-escaped, the control characters below U+0020 are
written ``\\b \\t \\n \\f \\r`` or ``\\u00XX`` (upper-case hex), everything else (``/``,
DEL, non-ASCII) as it is.  Most columns hold none of these characters; a scan of the
column's bytes finds that out, and only a column that does is rewritten.

Only batches of non-null text columns with distinct names qualify (:func:`qualifies`);
anything else (typed Parquet or spreadsheet columns, nulls) goes through ``to_json``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_SHORT = {8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}
_TEXT = (pa.string(), pa.large_string())
_LIMIT = 2**31 - 1  # bytes a pa.string() array can address
# The joined texts (about 10 MB a chunk) come from the system allocator: Arrow's default
# (mimalloc) hands such blocks back to the OS soon after they are freed, so every chunk
# faulted in fresh, zeroed pages (a tenth of the staging CPU time on wide_1000000.csv).
_POOL = pa.system_memory_pool()


def qualifies(data: pa.RecordBatch) -> bool:
    """True for a batch of text columns without nulls and with distinct, non-empty names.
    (DuckDB renames an empty name, one with a NUL character and names equal but for
    case, so those batches take the ``to_json`` path, which has always decided their
    keys.)"""
    names = data.schema.names
    return (
        bool(names)
        and all(name and "\x00" not in name for name in names)
        and len({name.lower() for name in names}) == len(names)
        and all(f.type in _TEXT for f in data.schema)
        and all(column.null_count == 0 for column in data.columns)
    )


def escape(text: str) -> str:
    """``text`` as the inside of a JSON string, escaped as DuckDB's ``to_json`` does."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif code < 0x20:
            out.append(_SHORT.get(code, f"\\u{code:04X}"))
        else:
            out.append(char)
    return "".join(out)


def object_texts(data: pa.RecordBatch) -> pa.Array:
    """One JSON object text per row of ``data`` (which :func:`qualifies`)."""
    columns = [_escaped(column) for column in data.columns]
    literals = [
        ("{" if i == 0 else '",') + '"' + escape(name) + '":"'
        for i, name in enumerate(data.schema.names)
    ]
    size = sum(_value_bytes(c).size for c in columns) + data.num_rows * (
        sum(len(lit.encode()) for lit in literals) + 2
    )
    kind = pa.large_string() if size >= _LIMIT else pa.string()
    parts: list[pa.Array | pa.Scalar] = []
    for literal, column in zip(literals, columns, strict=True):
        parts.append(pa.scalar(literal, kind))
        parts.append(column if column.type == kind else column.cast(kind))
    parts.append(pa.scalar('"}', kind))
    if data.num_rows == 0:
        return pa.array([], kind)
    return pc.binary_join_element_wise(*parts, pa.scalar("", kind), memory_pool=_POOL)


def _escaped(column: pa.Array) -> pa.Array:
    values = _value_bytes(column)
    special = values < 0x20
    special |= values == 0x22
    special |= values == 0x5C
    if not special.any():
        return column
    column = pc.replace_substring(column, "\\", "\\\\")
    column = pc.replace_substring(column, '"', '\\"')
    for byte in np.unique(values[values < 0x20]).tolist():
        column = pc.replace_substring(column, chr(byte), _SHORT.get(byte, f"\\u{byte:04X}"))
    return column


def _value_bytes(column: pa.Array) -> np.ndarray:
    """The bytes of a text column's values, back to back, without a copy."""
    if len(column) == 0:
        return np.empty(0, np.uint8)
    width = np.int64 if pa.types.is_large_string(column.type) else np.int32
    offsets = np.frombuffer(column.buffers()[1], dtype=width)
    start = int(offsets[column.offset])
    end = int(offsets[column.offset + len(column)])
    data = column.buffers()[2]
    if data is None:
        return np.empty(0, np.uint8)
    return np.frombuffer(data, dtype=np.uint8)[start:end]
