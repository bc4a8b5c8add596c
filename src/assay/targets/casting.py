"""Arrow casts that report which values failed, and the helpers around them.

Arrow has no per-value "try cast": :func:`cast_isolating` finds the failing values by
halving (a handful of casts per bad value, one cast when all are good), so a column
with one bad value costs little more than a clean one.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.schema import TypeKind

Errors = dict[str, np.ndarray]  # reason code -> mask of the failing values

INVALID = {
    TypeKind.INTEGER: "invalid_integer",
    TypeKind.DECIMAL: "invalid_decimal",
    TypeKind.FLOAT: "invalid_number",
    TypeKind.DATE: "invalid_date",
    TypeKind.DATETIME: "invalid_datetime",
    TypeKind.TIME: "invalid_time",
    TypeKind.BOOLEAN: "invalid_boolean",
}


def invalid_reason(kind: TypeKind) -> str:
    return INVALID.get(kind, "invalid_value")


def trimmed(values: pa.Array) -> pa.Array:
    return pc.utf8_trim_whitespace(values)


def try_cast(values: pa.Array, target: pa.DataType) -> pa.Array | None:
    try:
        return pc.cast(values, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def cast_isolating(
    values: pa.Array, target: pa.DataType, cast=None
) -> tuple[pa.Array, np.ndarray | None]:
    """Cast, finding the values that fail by halving (a handful of casts per bad value).

    Returns the cast values (null where one failed) and the mask of failures (``None``
    when all converted): Arrow has no per-value "try cast", so this is one.
    """
    found = isolate_failures(values, target, cast)
    assert found is not None  # no limit: always an answer
    return found


def isolate_failures(
    values: pa.Array, target: pa.DataType, cast=None, limit: int | None = None
) -> tuple[pa.Array, np.ndarray | None] | None:
    """:func:`cast_isolating`, giving up (``None``) once more than ``limit`` values
    failed: past a few, one exact pass over the whole batch is cheaper."""
    run = cast or (lambda v: pc.cast(v, target))
    try:
        return run(values), None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    bad = np.zeros(len(values), dtype=bool)
    failed = 0
    pieces: list[pa.Array] = []
    stack = [(0, len(values))]
    while stack:
        start, stop = stack.pop()
        piece = values.slice(start, stop - start)
        try:
            pieces.append(run(piece))
            continue
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        if stop - start == 1:
            failed += 1
            if limit is not None and failed > limit:
                return None
            bad[start] = True
            pieces.append(pa.nulls(1, target))
            continue
        middle = (start + stop) // 2
        stack.append((middle, stop))  # popped after the first half: pieces stay in order
        stack.append((start, middle))
    return pa.concat_arrays([p.cast(target) for p in pieces]), bad


def select(mask: np.ndarray) -> pa.Array:
    return pa.array(mask, type=pa.bool_())


def scatter(subset: pa.Array, keep: np.ndarray, target: pa.DataType) -> pa.Array:
    """Values of ``subset`` at the positions where ``keep`` is true, null elsewhere."""
    if keep.all():
        return subset
    index = np.cumsum(keep) - 1
    index[~keep] = len(subset)
    extended = pa.concat_arrays([subset.cast(target), pa.nulls(1, target)])
    return pc.take(extended, pa.array(index, type=pa.int64()))


def expand(mask: np.ndarray, keep: np.ndarray) -> np.ndarray:
    out = np.zeros(len(keep), dtype=bool)
    out[np.flatnonzero(keep)] = mask
    return out
