"""Mergeable summaries of a column: exact value counts up to a bound, then a HyperLogLog,
and a bottom-k sample for histograms.

All merges are associative and commutative, so profiles of batches (and, later, of
partitions on a cluster) can be combined in any order with the same result.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    import duckdb

EXACT_DISTINCT_LIMIT = 50_000
HIGH_CARDINALITY = 0.5
HLL_BITS = 14  # 16384 registers: ~0.8 % standard error
SAMPLE_SIZE = 4096
# Batches' value counts are summed every few batches, on the worker that adds them, so
# the merge at the end of a file (one thread, everything waiting) has little left to do.
FLUSH_EVERY = 4
# _RANK_LIMIT[r]: the largest shifted hash whose rank exceeds r (2**(64 - r) - 1).
_RANK_LIMIT = np.array([(1 << (64 - r)) - 1 if r < 64 else 0 for r in range(256)], dtype=np.uint64)


@dataclass
class ValueCounts:
    """Exact distinct values with their counts while they fit, then a HyperLogLog."""

    values: pa.Array | None = None  # distinct values (exact mode)
    counts: pa.Array | None = None
    registers: np.ndarray | None = None  # HLL mode
    limit: int = EXACT_DISTINCT_LIMIT
    # Values whose hashes the registers still owe (see ``defer_hashing``).
    defer_hashing: bool = False
    _owed: list[pa.Array] = field(default_factory=list)
    _pending: list[pa.StructArray] = field(default_factory=list)
    _pending_size: int = 0

    @property
    def owes_hashes(self) -> bool:
        return bool(self._owed)

    @property
    def exact(self) -> bool:
        return self.registers is None

    @property
    def distinct_values(self) -> pa.Array | None:
        self._flush()
        return self.values

    def add(self, values: pa.Array, hashes: np.ndarray | None = None) -> pa.StructArray | None:
        """Count ``values``; returns this batch's (values, counts) while counting exactly.

        ``hashes`` (of ``values``, computed for several columns in one go) saves the
        sketch a hashing call once the column is counted approximately.
        """
        if len(values) == 0:
            return None
        if not self.exact:
            if hashes is None:
                self._hll_add(values)
            else:
                self._hll_update(hashes)
            return None
        counted = pc.value_counts(values)
        if mostly_distinct(len(counted), len(values)):
            # Mostly distinct (ids, emails, timestamps): counting them exactly buys
            # nothing but memory; go straight to the sketch.
            self._to_hll()
            self._hll_add(values)
            return counted
        self._pending.append(counted)
        self._pending_size += len(counted)
        if self._pending_size > self.limit or len(self._pending) >= FLUSH_EVERY:
            self._flush()
        return counted

    def add_counted(self, values: pa.Array, counts: pa.Array) -> None:
        """Add values already counted (distinct values and how often each occurred)."""
        if len(values) == 0:
            return
        if not self.exact:
            self._hll_add(values)
            return
        self._pending.append(
            pa.StructArray.from_arrays(
                [values, counts.cast(pa.int64())], names=["values", "counts"]
            )
        )
        self._pending_size += len(values)
        if self._pending_size > self.limit or len(self._pending) >= FLUSH_EVERY:
            self._flush()

    def _flush(self) -> None:
        pending, self._pending, self._pending_size = self._pending, [], 0
        if not pending:
            return
        values = pa.concat_arrays([p.field("values") for p in pending])
        counts = pa.concat_arrays([p.field("counts") for p in pending])
        if len(pending) > 1:
            grouped = (
                pa.table({"v": values, "c": counts.cast(pa.int64())})
                .group_by("v", use_threads=False)
                .aggregate([("c", "sum")])
            )
            values = grouped.column("v").combine_chunks()
            counts = grouped.column("c_sum").combine_chunks()
        if self.exact:
            self._merge_exact(values, counts)
        else:
            self._hll_add(values)

    def _merge_exact(self, values: pa.Array, counts: pa.Array) -> None:
        if self.values is None:
            self.values, self.counts = values, counts.cast(pa.int64())
        else:
            table = pa.table(
                {
                    "v": pa.concat_arrays([self.values, values.cast(self.values.type)]),
                    "c": pa.concat_arrays([self.counts, counts.cast(pa.int64())]),
                }
            )
            grouped = table.group_by("v", use_threads=False).aggregate([("c", "sum")])
            self.values, self.counts = (
                grouped.column("v").combine_chunks(),
                grouped.column("c_sum").combine_chunks(),
            )
        if len(self.values) > self.limit:
            self._to_hll()

    def sketched(self, values_seen: int = 0) -> ValueCounts:
        """An empty counter for later batches of this column: in the sketch's mode if this
        one is, or if it counted ``values_seen`` values that were mostly distinct (the
        rule :meth:`add` applies to a batch; a plan made here lets those batches hash
        with the others, instead of counting exactly only to give up)."""
        empty = ValueCounts(limit=self.limit)
        if not self.exact or mostly_distinct(self.distinct(), values_seen):
            empty.registers = np.zeros(1 << HLL_BITS, dtype=np.uint8)
        return empty

    def _to_hll(self) -> None:
        pending, self._pending, self._pending_size = self._pending, [], 0
        values = self.values
        self.values = self.counts = None
        self.registers = np.zeros(1 << HLL_BITS, dtype=np.uint8)
        if values is not None:
            self._hll_add(values)
        for counted in pending:
            self._hll_add(counted.field("values"))

    def _hll_add(self, values: pa.Array) -> None:
        if self.defer_hashing:
            self._owed.append(values)
        else:
            self._hll_update(_hash(values))

    def settle(self) -> None:
        """Hash what the registers owe (one DuckDB call), so they can be read.

        The head of an input is profiled with ``defer_hashing``: a column that turns out
        mostly distinct there needs no hashing to plan from (its mode is enough), and the
        hashes -- DuckDB's first use, ~0.1 s cold -- are made later, off the path that
        everything else waits on."""
        owed, self._owed = self._owed, []
        if owed:
            self._hll_update(_hash(pa.concat_arrays(owed) if len(owed) > 1 else owed[0]))

    def _hll_update(self, hashes: np.ndarray) -> None:
        assert self.registers is not None
        # The register of each value: the top bits, as a signed index (a view, no copy).
        index = (hashes >> np.uint64(64 - HLL_BITS)).view(np.int64)
        # Only a value whose rank beats its register's can change anything, and rank > r
        # exactly when rest (below) < 2**(64 - r): once the registers fill up (a few
        # batches), almost every value is dropped here, before the costly rank and
        # scatter.  (The shifted hash is at most rest, so nothing that counts is dropped.)
        # The limit per register first (16k of them), then one gather per value.
        shifted = hashes << np.uint64(HLL_BITS)
        raises = shifted <= np.take(_RANK_LIMIT[self.registers], index)
        if not raises.all():
            index, shifted = index[raises], shifted[raises]
        rest = shifted | np.uint64(1 << (HLL_BITS - 1))
        # rank = position of the first 1 bit in the remaining bits (1-based): 64 minus
        # the binary exponent, read from the bits of the value as a double (~4x faster
        # than a logarithm).
        exponent = (rest.astype(np.float64).view(np.int64) >> 52) - 1023
        ranks = (64 - exponent).astype(np.uint8)
        np.maximum.at(self.registers, index, ranks)

    def merge(self, other: ValueCounts) -> None:
        self._flush()
        other._flush()
        self.settle()
        other.settle()
        if other.exact and other.values is None:
            return
        if self.exact and self.values is None:
            registers = None if other.registers is None else other.registers.copy()
            self.values, self.counts, self.registers = other.values, other.counts, registers
            return
        if self.exact and other.exact:
            assert other.values is not None and other.counts is not None
            self._merge_exact(other.values, other.counts)
            return
        if self.exact:
            self._to_hll()
        assert self.registers is not None
        if other.exact:
            assert other.values is not None
            self._hll_add(other.values)
        else:
            assert other.registers is not None
            np.maximum(self.registers, other.registers, out=self.registers)

    def distinct(self) -> int:
        self._flush()
        self.settle()
        if self.exact:
            return 0 if self.values is None else len(self.values)
        assert self.registers is not None
        m = float(len(self.registers))
        alpha = 0.7213 / (1 + 1.079 / m)
        estimate = alpha * m * m / float(np.sum(np.power(2.0, -self.registers.astype(np.float64))))
        zeros = int(np.count_nonzero(self.registers == 0))
        if estimate <= 2.5 * m and zeros:
            estimate = m * np.log(m / zeros)
        return round(estimate)

    def top(self, n: int) -> list[tuple[object, int]]:
        self._flush()
        if not self.exact or self.values is None or self.counts is None:
            return []
        order = pc.sort_indices(
            pa.table({"c": self.counts, "v": self.values}),
            sort_keys=[("c", "descending"), ("v", "ascending")],
        )
        idx = order[:n]
        return list(
            zip(
                pc.take(self.values, idx).to_pylist(),
                pc.take(self.counts, idx).to_pylist(),
                strict=True,
            )
        )

    def max_count(self) -> int:
        self._flush()
        if not self.exact or self.counts is None or len(self.counts) == 0:
            return 0
        return int(pc.max(self.counts).as_py())


def mostly_distinct(distinct: int, values: int) -> bool:
    """Over half of a good number of values distinct (ids, emails, timestamps): counting
    them exactly buys nothing but memory."""
    return values >= 5000 and distinct > HIGH_CARDINALITY * values


_local = threading.local()
_database: duckdb.DuckDBPyConnection | None = None
_database_lock = threading.Lock()


def _connection() -> duckdb.DuckDBPyConnection:
    # One in-memory database (starting one costs ~0.1 s) and a cursor per thread: a
    # cursor serves one call at a time.  DuckDB loads here, on the first hash (~60 ms
    # that the planning of a file's head does without).
    global _database
    connection = getattr(_local, "connection", None)
    if connection is None:
        import duckdb

        with _database_lock:
            if _database is None:
                # One thread: the profiling workers already use the cores.
                _database = duckdb.connect(":memory:", config={"threads": 1})
            connection = _local.connection = _database.cursor()
    return connection


def hash_columns(columns: dict[str, pa.Array]) -> dict[str, np.ndarray]:
    """64-bit hashes of several columns in one DuckDB call (one call costs ~1 ms)."""
    if not columns:
        return {}
    names = list(columns)
    select = ", ".join(f"hash(c{i}) AS h{i}" for i in range(len(names)))
    result = _select(select, pa.table({f"c{i}": columns[n] for i, n in enumerate(names)}))
    return {n: _uint64(result.column(f"h{i}")) for i, n in enumerate(names)}


def _hash(values: pa.Array) -> np.ndarray:
    """64-bit hashes of any Arrow values (DuckDB's hash function, vectorized)."""
    return _uint64(_select("hash(v) AS h", pa.table({"v": values})).column("h"))


def _select(select: str, table: pa.Table) -> pa.Table:
    """``SELECT {select} FROM table`` on this thread's cursor, as an Arrow table (a
    relation's Arrow result skips the row-by-row result set that fetchnumpy fills)."""
    # A relation over the Arrow table: ~1 ms a call less than registering a view.
    return _connection().from_arrow(table).project(select).to_arrow_table()


def _uint64(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.to_numpy(), dtype=np.uint64)


@dataclass
class Sample:
    """A bottom-k sample of numeric values: the k values with the smallest random keys.

    Keys come from a generator seeded by the batch's position in its file, so the
    sample is the same however batches are scheduled, and merging is order-free.
    """

    keys: np.ndarray = field(default_factory=lambda: np.empty(0))
    values: np.ndarray = field(default_factory=lambda: np.empty(0))
    size: int = SAMPLE_SIZE

    def add(self, values: np.ndarray, seed: int) -> None:
        if len(values) == 0:
            return
        keys = np.random.default_rng(seed).random(len(values))
        self._keep_with(keys, values)

    def add_weighted(self, values: np.ndarray, weights: np.ndarray, seed: int) -> None:
        """Add distinct values that occurred ``weights`` times (a weighted draw of at most k)."""
        total = int(weights.sum())
        if total == 0:
            return
        rng = np.random.default_rng(seed)
        take = min(self.size, total)
        drawn = rng.choice(len(values), size=take, p=weights / total)
        # Keys of the k smallest of ``total`` uniforms, so this batch competes fairly with
        # batches added value by value.
        keys = np.sort(rng.random(take)) * (take / total)
        self._keep_with(keys, values[drawn])

    def merge(self, other: Sample) -> None:
        self._keep_with(other.keys, other.values)

    def _keep_with(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Keep the k smallest keys of the sample and the new ones.

        Once the sample is full, a new key above its largest cannot make it in: those
        are dropped first, so a batch of a million values sorts only the few that can.
        """
        if len(self.keys) >= self.size:
            chance = keys <= self.keys[-1]  # self.keys is sorted
            keys, values = keys[chance], values[chance]
        self._keep(np.concatenate([self.keys, keys]), np.concatenate([self.values, values]))

    def _keep(self, keys: np.ndarray, values: np.ndarray) -> None:
        if len(keys) > self.size:
            chosen = np.argpartition(keys, self.size)[: self.size]
            keys, values = keys[chosen], values[chosen]
        order = np.argsort(keys, kind="stable")
        self.keys, self.values = keys[order], values[order]

    def histogram(self, total: int, bins: int = 20) -> tuple[list[float], list[int]] | None:
        if len(self.values) < 2 or total <= 0:
            return None
        low, high = float(np.min(self.values)), float(np.max(self.values))
        if low == high:
            return [low, high], [total]
        counts, edges = np.histogram(self.values, bins=bins, range=(low, high))
        scale = total / len(self.values)
        return [float(e) for e in edges], [round(c * scale) for c in counts]
