"""Duplicate detection across a whole load in bounded, predictable memory.

Rows are identified by a 64-bit hash of all their values as read (DuckDB's ``hash``,
vectorized); keys by a hash of their typed key columns.  Seen hashes live in a
:class:`HashIndex`: sorted numpy arrays merged like a binary counter, so a membership
test is a few binary searches and memory is 8 bytes per distinct row (80 MB for
10 million rows).  Two different rows share a hash with probability about
n²/2⁶⁵ (3·10⁻⁶ for 10 million rows); such a row would be counted as a duplicate, never
lost silently.
"""

from __future__ import annotations

import threading

import duckdb
import numpy as np
import pyarrow as pa

_local = threading.local()


def _connection() -> duckdb.DuckDBPyConnection:
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = _local.connection = duckdb.connect(":memory:")
    return connection


def row_hashes(data: pa.RecordBatch | pa.Table, names: list[str] | None = None) -> np.ndarray:
    """One 64-bit hash per row over ``names`` (default: every column)."""
    names = list(names if names is not None else data.schema.names)
    table = pa.table({f"c{i}": data.column(n) for i, n in enumerate(names)})
    connection = _connection()
    connection.register("assay_hashed", table)
    try:
        args = ", ".join(f"c{i}" for i in range(len(names)))
        result = connection.execute(f"SELECT hash({args}) AS h FROM assay_hashed").fetchnumpy()
    finally:
        connection.unregister("assay_hashed")
    return np.asarray(result["h"], dtype=np.uint64)


class HashIndex:
    """A set of uint64 hashes: sorted levels, each at least twice the size of the next."""

    def __init__(self) -> None:
        self.levels: list[np.ndarray] = []

    def __len__(self) -> int:
        return sum(len(level) for level in self.levels)

    def contains(self, hashes: np.ndarray) -> np.ndarray:
        found = np.zeros(len(hashes), dtype=bool)
        for level in self.levels:
            at = np.searchsorted(level, hashes)
            at[at == len(level)] = 0
            found |= level[at] == hashes
        return found

    def add(self, hashes: np.ndarray) -> None:
        level = np.unique(hashes)
        while self.levels and len(self.levels[-1]) <= 2 * len(level):
            level = np.union1d(self.levels.pop(), level)
        self.levels.append(level)


def first_seen(hashes: np.ndarray, index: HashIndex, candidates: np.ndarray) -> np.ndarray:
    """Mask of ``candidates`` rows whose hash was seen before (earlier batch or row).

    The hashes of the candidate rows not seen before are added to ``index``.
    """
    repeated = np.zeros(len(hashes), dtype=bool)
    rows = np.flatnonzero(candidates)
    if len(rows) == 0:
        return repeated
    picked = hashes[rows]
    _, first = np.unique(picked, return_index=True)
    within = np.ones(len(rows), dtype=bool)
    within[first] = False
    before = index.contains(picked) if len(index) else np.zeros(len(rows), dtype=bool)
    repeated[rows] = within | before
    index.add(picked[~repeated[rows]])
    return repeated
