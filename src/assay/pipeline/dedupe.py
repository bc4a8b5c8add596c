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
        # One thread: each Python thread has its own helper database, and the Python
        # threads already use the cores (a DuckDB pool per helper oversubscribes them).
        connection = _local.connection = duckdb.connect(":memory:", config={"threads": 1})
        connection.execute("SET enable_progress_bar = false")
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


def key_and_row_hashes(
    typed: pa.RecordBatch, key: list[str], raw: pa.RecordBatch
) -> tuple[np.ndarray, np.ndarray]:
    """``row_hashes(typed, key)`` and ``row_hashes(raw)`` in one query (one scan)."""
    columns = {f"k{i}": typed.column(n) for i, n in enumerate(key)}
    columns |= {f"c{i}": raw.column(i) for i in range(raw.num_columns)}
    connection = _connection()
    connection.register("assay_hashed", pa.table(columns))
    try:
        keys = ", ".join(f"k{i}" for i in range(len(key)))
        row = ", ".join(f"c{i}" for i in range(raw.num_columns))
        result = connection.execute(
            f"SELECT hash({keys}) AS k, hash({row}) AS r FROM assay_hashed"
        ).fetchnumpy()
    finally:
        connection.unregister("assay_hashed")
    return np.asarray(result["k"], dtype=np.uint64), np.asarray(result["r"], dtype=np.uint64)


class HashIndex:
    """A set of uint64 hashes, each with a uint32 value: open addressing in numpy.

    Linear probing, every probe round vectorized over a whole batch; the table doubles
    when 70 % full.  16 bytes per slot: about 23 bytes per distinct hash (230 MB for
    10 million keys).
    """

    LOAD = 0.7
    MAX_RESERVE = 1 << 24

    def __init__(self, capacity: int = 1 << 16) -> None:
        self.keys = np.zeros(capacity, dtype=np.uint64)  # 0: an empty slot
        self.values = np.zeros(capacity, dtype=np.uint32)
        self.owner = np.zeros(capacity, dtype=np.int32)  # scratch: who claims a slot
        self.size = 0
        self.zero: int | None = None  # the value stored for hash 0, once seen

    def __len__(self) -> int:
        return self.size + (self.zero is not None)

    def insert(
        self, hashes: np.ndarray, values: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Insert in order; for each hash: was it there already, and its stored value.

        A hash seen earlier in the same call counts as already there (the first
        occurrence is the one stored).
        """
        hashes = np.asarray(hashes, dtype=np.uint64)
        values = np.zeros(len(hashes), np.uint32) if values is None else values.astype(np.uint32)
        zeros = np.flatnonzero(hashes == 0)  # 0 marks an empty slot: kept beside the table
        if len(zeros):
            rest = np.flatnonzero(hashes != 0)
            found = np.zeros(len(hashes), dtype=bool)
            stored = np.zeros(len(hashes), dtype=np.uint32)
            found[rest], stored[rest] = self.insert(hashes[rest], values[rest])
            if self.zero is None:
                self.zero = int(values[zeros[0]])
                zeros = zeros[1:]
            found[zeros], stored[zeros] = True, np.uint32(self.zero)
            return found, stored
        while self.size + len(hashes) > self.LOAD * len(self.keys):
            self._grow()
        mask = np.uint64(len(self.keys) - 1)
        found = np.zeros(len(hashes), dtype=bool)
        stored = np.zeros(len(hashes), dtype=np.uint32)
        pending = np.arange(len(hashes), dtype=np.int32)
        slots = hashes & mask
        while len(pending):
            current = self.keys[slots]
            hit = current == hashes[pending]
            if hit.any():
                found[pending[hit]] = True
                stored[pending[hit]] = self.values[slots[hit]]
            empty = current == 0
            if empty.any():
                # Claimants of an empty slot write in reverse row order, so the first
                # row's write lands last and wins; the others probe on.
                claim, at = pending[empty], slots[empty]
                reverse = np.argsort(claim, kind="stable")[::-1]
                self.owner[at[reverse]] = claim[reverse]
                won = self.owner[at] == claim
                winners = claim[won]
                self.keys[at[won]] = hashes[winners]
                self.values[at[won]] = values[winners]
                self.size += len(winners)
                settled = hit.copy()
                settled[np.flatnonzero(empty)[won]] = True
                # a claimant that lost to an equal hash is a repeat: found next round
            else:
                settled = hit
            keep = ~settled
            pending = pending[keep]
            slots = slots[keep]
            moving = self.keys[slots] != hashes[pending]
            slots[moving] = (slots[moving] + np.uint64(1)) & mask
        return found, stored

    def reserve(self, count: int) -> None:
        """Room for ``count`` hashes in all, made now: growing by doubling as rows come
        re-inserts every hash about once more (half the time of a load's index).  The
        caller's estimate is capped (``MAX_RESERVE`` slots, 256 MB), so a wrong one
        costs at most that; the table still grows past it when needed."""
        capacity = len(self.keys)
        while count > self.LOAD * capacity and capacity < self.MAX_RESERVE:
            capacity *= 2
        if capacity > len(self.keys):
            self._grow(capacity)

    def _grow(self, capacity: int | None = None) -> None:
        keys, values = self.keys[self.keys != 0], self.values[self.keys != 0]
        capacity = capacity or len(self.keys) * 2
        self.keys = np.zeros(capacity, dtype=np.uint64)
        self.values = np.zeros(capacity, dtype=np.uint32)
        self.owner = np.zeros(capacity, dtype=np.int32)
        self.size = 0
        if len(keys):
            self.insert(keys, values)


def first_seen(hashes: np.ndarray, index: HashIndex, candidates: np.ndarray) -> np.ndarray:
    """Mask of ``candidates`` rows whose hash was seen before (earlier batch or row);
    the others are added to ``index``."""
    repeated = np.zeros(len(hashes), dtype=bool)
    rows = np.flatnonzero(candidates)
    if len(rows):
        found, _ = index.insert(hashes[rows])
        repeated[rows] = found
    return repeated
