"""The distinct-value sketches: hashing may be deferred and updates filtered, never
changing the registers, so estimates stay the same whatever the schedule."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from assay.inference.sketches import HLL_BITS, ValueCounts, _hash
from assay.inference.table_profile import ProfileOptions, TableProfile


def _values(n: int, seed: int) -> pa.Array:
    rng = np.random.default_rng(seed)
    return pa.array([f"v{x}" for x in rng.integers(0, 10 * n, n)], pa.string())


def test_deferred_hashing_gives_the_same_registers_once_settled() -> None:
    batches = [_values(6000, seed) for seed in range(4)]
    now, later = ValueCounts(), ValueCounts(defer_hashing=True)
    for batch in batches:
        now.add(batch)
        later.add(batch)
    assert not now.exact and not later.exact  # both went to the sketch
    assert later.owes_hashes and not now.owes_hashes
    later.settle()
    assert not later.owes_hashes
    assert np.array_equal(now.registers, later.registers)
    assert now.distinct() == later.distinct()


def test_a_sketch_owing_hashes_settles_before_it_is_read_or_merged() -> None:
    owing = ValueCounts(defer_hashing=True)
    owing.add(_values(8000, 1))
    assert owing.owes_hashes
    reference = ValueCounts()
    reference.add(_values(8000, 1))
    assert owing.distinct() == reference.distinct()  # distinct() settles first
    merged = ValueCounts()
    other = ValueCounts(defer_hashing=True)
    other.add(_values(8000, 2))
    merged.merge(other)
    direct = ValueCounts()
    direct.add(_values(8000, 2))
    assert np.array_equal(merged.registers, direct.registers)


def test_the_update_filter_keeps_the_exact_registers() -> None:
    """Values that cannot raise their register are skipped before the rank is taken."""
    rng = np.random.default_rng(7)
    counts = ValueCounts()
    counts.registers = np.zeros(1 << HLL_BITS, dtype=np.uint8)
    reference = np.zeros(1 << HLL_BITS, dtype=np.uint8)
    for round_ in range(12):
        hashes = rng.integers(0, 2**64 - 1, 50_000, dtype=np.uint64, endpoint=True)
        if round_ % 4 == 0:  # extremes: all ones, zero, the top bit alone
            hashes[:3] = [2**64 - 1, 0, 2**63]
        counts._hll_update(hashes)
        index = (hashes >> np.uint64(64 - HLL_BITS)).astype(np.int64)
        rest = (hashes << np.uint64(HLL_BITS)) | np.uint64(1 << (HLL_BITS - 1))
        # The exact rank, in integers: 65 minus the bit length (no floating point).
        bit_length = sum(((rest >> np.uint64(k)) > 0).astype(np.int64) for k in range(64))
        ranks = (65 - bit_length).astype(np.uint8)
        np.maximum.at(reference, index, ranks)
        assert np.array_equal(counts.registers, reference)


def test_a_hash_of_all_ones_after_its_register_bits_has_rank_one() -> None:
    """2**64 - 8192 as a double is exact, but its logarithm rounds up to 64: the rank is
    read from the exponent, so the first bit (set) gives rank 1, not 0."""
    counts = ValueCounts()
    counts.registers = np.zeros(1 << HLL_BITS, dtype=np.uint8)
    counts._hll_update(np.array([2**64 - 1], dtype=np.uint64))
    assert counts.registers[(1 << HLL_BITS) - 1] == 1
    assert int(counts.registers.sum()) == 1


def test_the_head_plans_a_mostly_distinct_column_without_hashing_it() -> None:
    ids = pa.array([f"id-{i}" if i % 50 else "" for i in range(16_384)], pa.string())
    head = TableProfile(defer_hashing=True)
    head.add(pa.record_batch([ids], names=["id"]), 0, ProfileOptions())
    column = head.columns["id"]
    assert column.counts.owes_hashes  # nothing hashed while planning
    plan = head.plan().columns["id"]
    assert plan.many_distinct and not plan.counts.exact
    head.settle()
    expected = ValueCounts()
    expected.registers = np.zeros(1 << HLL_BITS, dtype=np.uint8)
    expected._hll_update(_hash(pa.array([v for v in ids.to_pylist() if v], pa.string())))
    assert np.array_equal(column.counts.registers, expected.registers)


def test_a_head_of_distinct_values_plans_the_sketch_and_repeats_stay_exact() -> None:
    """All-distinct text counted exactly in the head (no blanks: the by-value path) is
    planned as a sketch, so later batches hash along with the other sketched columns;
    a column with repeats keeps exact counts."""
    n = 16_384
    batch = pa.record_batch(
        [
            pa.array([f"u-{i:06d}" for i in range(n)], pa.string()),
            pa.array([f"c-{i % 3000}" for i in range(n)], pa.string()),
        ],
        names=["uid", "code"],
    )
    head = TableProfile(defer_hashing=True)
    head.add(batch, 0, ProfileOptions())
    assert head.columns["uid"].counts.exact  # the head itself counted exactly
    plan = head.plan()
    assert not plan.columns["uid"].counts.exact
    assert plan.columns["code"].counts.exact
    later = pa.record_batch(
        [
            pa.array([f"u-{i:06d}" for i in range(n, 2 * n)], pa.string()),
            pa.array([f"c-{i % 3000}" for i in range(n)], pa.string()),
        ],
        names=["uid", "code"],
    )
    assert plan.start(later, 1, ProfileOptions()).sketched == {"uid": 0}
    plan.add(later, 1, ProfileOptions())
    head.settle()
    head.columns["uid"].merge(plan.columns["uid"])
    head.columns["code"].merge(plan.columns["code"])
    assert abs(head.columns["uid"].counts.distinct() - 2 * n) < 0.03 * 2 * n
    assert head.columns["code"].counts.distinct() == 3000
