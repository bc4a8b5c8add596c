"""Mergeable summaries of a column: exact value counts up to a bound, then a HyperLogLog,
and a bottom-k sample for histograms.

All merges are associative and commutative, so profiles of batches (and, later, of
partitions on a cluster) can be combined in any order with the same result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EXACT_DISTINCT_LIMIT = 50_000
HLL_BITS = 14  # 16384 registers: ~0.8 % standard error
SAMPLE_SIZE = 4096


@dataclass
class ValueCounts:
    """Exact distinct values with their counts while they fit, then a HyperLogLog."""

    values: pa.Array | None = None  # distinct values (exact mode)
    counts: pa.Array | None = None
    registers: np.ndarray | None = None  # HLL mode
    limit: int = EXACT_DISTINCT_LIMIT

    @property
    def exact(self) -> bool:
        return self.registers is None

    def add(self, values: pa.Array) -> None:
        if len(values) == 0:
            return
        if not self.exact:
            self._hll_add(values)
            return
        counted = pc.value_counts(values)
        self._merge_exact(counted.field("values"), counted.field("counts"))

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

    def _to_hll(self) -> None:
        values = self.values
        self.values = self.counts = None
        self.registers = np.zeros(1 << HLL_BITS, dtype=np.uint8)
        if values is not None:
            self._hll_add(values)

    def _hll_add(self, values: pa.Array) -> None:
        assert self.registers is not None
        hashes = _hash(values)
        index = (hashes >> np.uint64(64 - HLL_BITS)).astype(np.int64)
        rest = (hashes << np.uint64(HLL_BITS)) | np.uint64(1 << (HLL_BITS - 1))
        # rank = position of the first 1 bit in the remaining bits (1-based)
        ranks = (64 - np.floor(np.log2(rest.astype(np.float64))).astype(np.int64)).astype(np.uint8)
        np.maximum.at(self.registers, index, ranks)

    def merge(self, other: ValueCounts) -> None:
        if other.exact and other.values is None:
            return
        if self.exact and self.values is None:
            self.values, self.counts, self.registers = other.values, other.counts, other.registers
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
        if not self.exact or self.counts is None or len(self.counts) == 0:
            return 0
        return int(pc.max(self.counts).as_py())


def _hash(values: pa.Array) -> np.ndarray:
    """64-bit hashes of any Arrow values (DuckDB's hash function, vectorized)."""
    hashed = pa.table({"v": values})  # noqa: F841 - read by DuckDB's replacement scan
    result = duckdb.sql("SELECT hash(v) AS h FROM hashed").fetch_arrow_table()
    return np.asarray(
        result.column("h").combine_chunks().to_numpy(zero_copy_only=False), dtype=np.uint64
    )


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
        self._keep(np.concatenate([self.keys, keys]), np.concatenate([self.values, values]))

    def merge(self, other: Sample) -> None:
        self._keep(
            np.concatenate([self.keys, other.keys]), np.concatenate([self.values, other.values])
        )

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
