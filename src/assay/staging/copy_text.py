"""PostgreSQL's ``COPY`` text format: building the payload, and finding the records a
refused ``COPY`` choked on.

The payload is built by an in-memory DuckDB in one vectorized pass; in text format only
backslash, tab, newline and carriage return need escaping (CSV would double every quote
of the JSON), and a chunk holding none of them is passed through untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from assay.sources.json_reader import check_record
from assay.staging.model import Rejected


@dataclass(frozen=True)
class Payload:
    """Records ready for ``COPY … FROM STDIN`` (text format)."""

    data: memoryview
    rows: int
    table: pa.Table  # the encoded records, to load again without those refused


RETRIES = 100
COPY_LINE = re.compile(r"\bline (\d+)\b")


def refused(table: pa.Table, exc: Any, strict: bool) -> tuple[list[Rejected], pa.Array]:
    """The records PostgreSQL refuses: first every one the strict JSON grammar refuses,
    then the line its error names."""
    raw = table.column("raw").to_pylist()
    numbers = table.column("record_no").to_pylist()
    lines = table.column("line_no").to_pylist()
    bad: dict[int, tuple[str, str]] = {}
    if strict:
        for i, text in enumerate(raw):
            problem = check_record(text.encode("utf-8"))
            if problem is not None:
                bad[i] = problem
    if not bad:
        context = getattr(getattr(exc, "diag", None), "context", None) or ""
        match = COPY_LINE.search(context)
        if match and 1 <= int(match.group(1)) <= len(raw):
            message = getattr(exc.diag, "message_primary", None) or str(exc)
            bad[int(match.group(1)) - 1] = ("invalid_json", f"refused by PostgreSQL: {message}")
    out = [
        Rejected(numbers[i], lines[i], raw[i], code, reason) for i, (code, reason) in bad.items()
    ]
    keep = pa.array([i not in bad for i in range(len(raw))])
    return out, keep


def escape(text: str) -> str:
    """A value for COPY's text format (backslash, tab, newline, carriage return)."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def escaped(column: str) -> str:
    """The same escaping as SQL, for DuckDB."""
    out = f"replace({column}, '\\', '\\\\')"
    for char, code in (("t", 9), ("n", 10), ("r", 13)):
        out = f"replace({out}, chr({code}), '\\{char}')"
    return out


def contiguous(column: pa.ChunkedArray | pa.Array) -> memoryview:
    """The bytes of a string column's values, back to back (no copy when possible)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if len(array) == 0:
        return memoryview(b"")
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(array.buffers()[1], dtype=width)[
        array.offset : array.offset + len(array) + 1
    ]
    return memoryview(array.buffers()[2])[int(offsets[0]) : int(offsets[-1])]
