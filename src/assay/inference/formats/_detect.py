"""Scoring values against formats: :func:`detect_formats` and :func:`check_format`.

Detection runs every enabled format over the column, but a format is dropped as soon as
the non-conforming weight seen so far exceeds what ``min_confidence`` allows: with
0.95, a column of a million uuids proves it is not a column of emails after about
5% of it.  Values are scanned in growing chunks so that this bound bites early while
each chunk stays large enough for the Arrow kernels to run at full speed.  The bound is
exact, not a sampling estimate: a format that is dropped could not have reached
``min_confidence`` on the whole column.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.inference.byteshapes import remember
from assay.inference.formats._registry import FORMATS, SPECS, Spec
from assay.inference.formats._vector import Check, Mask

MAX_VIOLATIONS = 5
# Small enough that a format most values fail is dropped after a few hundred of them
# (the head of a wide file tries ~25 formats on each column); the result does not
# depend on it: checks are per value and a format is dropped only once it cannot pass.
FIRST_CHUNK = 512


@dataclass(frozen=True)
class FormatMatch:
    """How well a column's values conform to one format.

    ``conforming`` and ``checked`` are weighted by the counts given (occurrences of each
    distinct value), so they count rows, not distinct values.  ``violations`` holds up
    to five distinct non-conforming values, most frequent first.
    """

    name: str
    conforming: int
    checked: int
    violations: tuple[str, ...] = ()

    @property
    def confidence(self) -> float:
        """``conforming / checked``; 1.0 when nothing was checked (nothing contradicts
        the format, as ``all([])`` is true), so an empty batch never fails a re-check."""
        return self.conforming / self.checked if self.checked else 1.0


def _as_array(data: pa.Array | pa.ChunkedArray) -> pa.Array:
    return data.combine_chunks() if isinstance(data, pa.ChunkedArray) else data


def _prepare(
    values: pa.Array | pa.ChunkedArray, counts: pa.Array | pa.ChunkedArray | None
) -> tuple[pa.Array, np.ndarray | None]:
    """Plain (large) string values without nulls, and the counts as int64 weights."""
    values = _as_array(values)
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    if pa.types.is_string_view(values.type):
        values = values.cast(pa.string())
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        raise TypeError(f"format detection needs string values, got {values.type}")
    weights = None
    if counts is not None:
        counts = _as_array(counts)
        if len(counts) != len(values):
            raise ValueError(f"{len(counts)} counts for {len(values)} values")
        if not pa.types.is_integer(counts.type):
            raise TypeError(f"counts must be integers, got {counts.type}")
        weights = np.asarray(pc.fill_null(counts, 0).to_numpy(zero_copy_only=False), np.int64)
        if (weights < 0).any():
            raise ValueError("counts must not be negative")
    if values.null_count:
        valid = pc.is_valid(values)
        values = values.filter(valid)
        if weights is not None:
            weights = weights[np.asarray(valid.to_numpy(zero_copy_only=False), dtype=bool)]
    return values, weights


def _weight(weights: np.ndarray | None, mask: Mask, start: int = 0) -> int:
    if weights is None:
        return int(mask.sum())
    return int(weights[start : start + len(mask)][mask].sum())


def _violations(values: pa.Array, weights: np.ndarray | None, mask: Mask) -> tuple[str, ...]:
    """The most frequent distinct non-conforming values (ties: first seen first).
    A value given with count 0 does not occur, so it is no example."""
    bad = ~mask if weights is None else ~mask & (weights > 0)
    if not bad.any():
        return ()
    encoded = pc.dictionary_encode(values.filter(pa.array(bad)))
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    tally = np.bincount(
        indices,
        weights=None if weights is None else weights[bad],
        minlength=len(encoded.dictionary),
    )
    top = np.argsort(-tally, kind="stable")[:MAX_VIOLATIONS]
    return tuple(encoded.dictionary.take(pa.array(top)).to_pylist())


def _match(name: str, values: pa.Array, weights: np.ndarray | None, mask: Mask) -> FormatMatch:
    total = len(values) if weights is None else int(weights.sum())
    return FormatMatch(name, _weight(weights, mask), total, _violations(values, weights, mask))


def _scan(
    check: Check, values: pa.Array, weights: np.ndarray | None, allowance: float
) -> Mask | None:
    """The full conformance mask, or None once the failures exceed ``allowance``.

    After each chunk the next one is sized so that, at the failure rate seen so far, it
    would use up the remaining allowance (and at least doubles, to bound the number of
    kernel calls); a column that conforms throughout is scanned in a few big chunks.
    """
    n, start, size, bad, parts = len(values), 0, FIRST_CHUNK, 0, []
    while start < n:
        stop = min(n, start + size)
        part = check(values.slice(start, stop - start))
        parts.append(part)
        bad += _weight(weights, ~part, start)
        if bad > allowance:
            return None
        rate = bad / stop  # failing weight per value so far
        needed = (allowance - bad) / rate * 1.05 if rate else 4 * size
        size = int(max(2 * size, needed))
        if n - stop - size < size // 4:  # avoid a last sliver of a chunk
            size = n - stop
        start = stop
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def _specs(enabled: Collection[str] | None) -> list[Spec]:
    if enabled is None:
        return list(SPECS.values())
    unknown = set(enabled) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown formats {sorted(unknown)}; known: {', '.join(FORMATS)}")
    return [SPECS[name] for name in FORMATS if name in enabled]


def detect_formats(
    values: pa.Array,
    counts: pa.Array | None = None,
    *,
    min_confidence: float = 0.95,
    enabled: Collection[str] | None = None,
) -> list[FormatMatch]:
    """The formats that at least ``min_confidence`` of the values conform to.

    ``values`` are strings (typically a column's distinct values, ``counts`` their
    occurrences; nulls are ignored).  Matches come most specific first, in the order of
    :data:`FORMATS`; a format no value conforms to is never returned, whatever the
    threshold.  Some formats also need the column as a whole to convince (see the
    gates in ``_registry``): a slug column must be mostly hyphenated, coordinates mostly
    written with 3+ decimals, code-list columns must have few distinct non-codes.
    """
    if not 0.0 <= min_confidence <= 1.0:
        raise ValueError(f"min_confidence must be within [0, 1], got {min_confidence}")
    specs = _specs(enabled)
    values, weights = _prepare(values, counts)
    total = len(values) if weights is None else int(weights.sum())
    if total == 0:
        return []
    remember(values)  # every format tries (slices of) these values
    allowance = (1.0 - min_confidence) * total * (1 + 1e-12)
    ones = np.ones(len(values), dtype=np.int64) if weights is None else weights
    found = []
    for spec in specs:
        mask = _scan(spec.check, values, weights, allowance)
        if mask is None or (spec.gate is not None and not spec.gate(values, mask, ones)):
            continue
        match = _match(spec.name, values, weights, mask)
        if match.conforming:  # min_confidence=0 must not "detect" what nothing matches
            found.append(match)
    return found


def check_format(name: str, values: pa.Array, counts: pa.Array | None = None) -> FormatMatch:
    """Conformance of all ``values`` to format ``name``, with no threshold and no column
    gate: for re-verifying a detected format on later batches, or validating a format
    someone suggested.  Raises ``ValueError`` for a name not in :data:`FORMATS`."""
    (spec,) = _specs([name])
    values, weights = _prepare(values, counts)
    mask = spec.check(values) if len(values) else np.zeros(0, dtype=bool)
    return _match(name, values, weights, mask)
