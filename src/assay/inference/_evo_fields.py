"""Field-level merging: one field seen in two inputs becomes one field.

Every attribute is combined with an associative operator so that merging N inputs gives
the same field whatever the grouping.  Attributes that describe *values* (format,
constraints, min/max, lengths, distinct counts) ignore a side that saw no values: an
all-null column in one file says nothing about the format of the column in another.
Summaries that cannot be combined exactly (mean, stddev, histogram, top values) are
dropped rather than approximated; re-profile the merged data to get them back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from assay.inference._evo_types import agree, hi, lo, present, rescale, share, widen_with
from assay.schema import Constraints, Field, FormatInfo, Stats, TypeKind

T = TypeVar("T")
V = TypeVar("V")

EXAMPLES_KEPT = 5


def merge_fields(a: Field, b: Field, weight_a: int, weight_b: int) -> Field:
    """Merge the same field seen in two inputs of ``weight_a`` and ``weight_b`` records.

    The frequency becomes the weighted share (records present on both sides over all
    records); the type is :func:`~assay.inference.evolution.widen` of both types.
    """
    return merge_field(a, b, (weight_a, weight_b))


def merge_field(a: Field, b: Field, weights: tuple[int, int] | None) -> Field:
    """Merge two fields; ``weights=None`` is the type-level merge used by ``widen``."""
    if weights is None:
        frequency = min(a.frequency, b.frequency)  # the only order-free choice without weights
    else:
        wa, wb = weights
        ca, cb = present(a.frequency, wa), present(b.frequency, wb)
        frequency = (ca + cb) / (wa + wb) if wa + wb else max(a.frequency, b.frequency)
    return Field(
        name=a.name,
        path=a.path,
        type=widen_with(a.type, b.type, weights),
        nullable=a.nullable or b.nullable,
        frequency=frequency,
        format=_valued(a, b, a.format, b.format, _format),
        constraints=_valued(a, b, a.constraints, b.constraints, merge_constraints),
        description=first(a.description, b.description),
        semantic_type=first(a.semantic_type, b.semantic_type),
        classification=first(a.classification, b.classification),
        hints=union(a.hints, b.hints),
        stats=merge_stats(a.stats, b.stats),
        examples=examples(a.examples, b.examples),
        evidence=union(a.evidence, b.evidence),
        provenance=union(a.provenance, b.provenance),
        source_name=first(a.source_name, b.source_name),
    )


def absent(field: Field, weights: tuple[int, int] | None, side: int) -> Field:
    """A field that only one side has: it becomes nullable, its share of records shrinks."""
    update: dict[str, Any] = {"nullable": True}
    if weights is not None:
        weight, total = weights[side], sum(weights)
        update["frequency"] = share(field.frequency, weight, total)
        update["type"] = rescale(field.type, weight, total)
    return field.model_copy(update=update)


def merge_members(
    a: Iterable[Field],
    b: Iterable[Field],
    weights: tuple[int, int] | None,
    key: Callable[[Field], str],
) -> tuple[Field, ...]:
    """Union of two field lists matched by ``key``, in first-seen order."""
    a, b = tuple(a), tuple(b)
    in_b = {key(f): f for f in b}
    in_a = {key(f) for f in a}
    out = [
        merge_field(f, in_b[key(f)], weights) if key(f) in in_b else absent(f, weights, 0)
        for f in a
    ]
    out += [absent(f, weights, 1) for f in b if key(f) not in in_a]
    return tuple(out)


def merge_stats(a: Stats | None, b: Stats | None) -> Stats | None:
    """Add counts, combine extremes; ``None`` (not profiled) on either side absorbs."""
    if a is None or b is None:
        return None
    va, vb = max(a.count - a.nulls, 0), max(b.count - b.nulls, 0)

    def pick(x: V, y: V, combine: Callable[[V, V], V]) -> V:
        if va == 0 and vb > 0:
            return y
        if vb == 0 and va > 0:
            return x
        return combine(x, y)

    if va and vb:  # both saw values: the union has at least the larger count, maybe more
        distinct, exact = hi(a.distinct, b.distinct), False
    elif va or vb:
        distinct, exact = (a.distinct, a.distinct_exact) if va else (b.distinct, b.distinct_exact)
    else:
        distinct, exact = hi(a.distinct, b.distinct), a.distinct_exact and b.distinct_exact
    return Stats(
        count=a.count + b.count,
        nulls=a.nulls + b.nulls,
        distinct=distinct,
        distinct_exact=exact,
        min=pick(a.min, b.min, smallest),
        max=pick(a.max, b.max, largest),
        mean=pick(a.mean, b.mean, _drop),
        stddev=pick(a.stddev, b.stddev, _drop),
        min_length=pick(a.min_length, b.min_length, lo),
        max_length=pick(a.max_length, b.max_length, hi),
        top_values=pick(a.top_values, b.top_values, lambda x, y: ()),
        histogram=pick(a.histogram, b.histogram, _drop),
    )


def merge_constraints(a: Constraints | None, b: Constraints | None) -> Constraints | None:
    """Constraints that hold on both sides; anything one side does not state is dropped."""
    if a is None or b is None:
        return None
    merged = Constraints(
        enum=_enum(a.enum, b.enum),
        pattern=agree(a.pattern, b.pattern),
        minimum=smallest(a.minimum, b.minimum),
        maximum=largest(a.maximum, b.maximum),
        min_length=lo(a.min_length, b.min_length),
        max_length=hi(a.max_length, b.max_length),
        # Unique on both sides does not make the union unique; a duplicate stays a duplicate.
        unique=False if a.unique is False and b.unique is False else None,
    )
    return None if merged == Constraints() else merged


def smallest(x: Any, y: Any) -> Any:
    """The smaller of two values when comparable, else ``None`` (unknown)."""
    if x is None or y is None:
        return None
    try:
        return y if y < x else x
    except TypeError:
        return None


def largest(x: Any, y: Any) -> Any:
    if x is None or y is None:
        return None
    try:
        return y if y > x else x
    except TypeError:
        return None


def first(x: T | None, y: T | None) -> T | None:
    return x if x is not None else y


def union(x: Iterable[T], y: Iterable[T]) -> tuple[T, ...]:
    """Concatenation without repeats, first-seen order (``1``, ``1.0`` and ``True`` differ)."""
    seen: set[str] = set()
    out = []
    for v in (*x, *y):
        k = _key(v)
        if k not in seen:
            seen.add(k)
            out.append(v)
    return tuple(out)


def examples(x: Iterable[Any], y: Iterable[Any]) -> tuple[Any, ...]:
    """At most ``EXAMPLES_KEPT`` examples: those whose text hashes lowest.

    A hash-chosen (bottom-k) sample is the same whatever order the inputs are merged in,
    and, unlike "the first few", does not favour the first file.
    """
    ranked = sorted(union(x, y), key=lambda v: hashlib.blake2b(_key(v).encode()).digest())
    return tuple(ranked[:EXAMPLES_KEPT])


def _enum(x: tuple[Any, ...] | None, y: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    """Either side's values are allowed; sorted when sortable so the order is order-free."""
    if x is None or y is None:
        return None
    values = union(x, y)
    try:
        return tuple(sorted(values))
    except TypeError:
        return values


def _key(v: object) -> str:
    return f"{type(v).__name__}:{v!r}"


def _drop(x: Any, y: Any) -> None:
    return None


def _format(x: FormatInfo | None, y: FormatInfo | None) -> FormatInfo | None:
    if x is None or y is None or x.name != y.name:
        return None
    return FormatInfo(name=x.name, confidence=min(x.confidence, y.confidence))


def _valued(a: Field, b: Field, x: V, y: V, combine: Callable[[V, V], V]) -> V:
    """Combine value-derived attributes, ignoring a side whose values were all null."""
    na, nb = TypeKind(a.type.kind) is TypeKind.NULL, TypeKind(b.type.kind) is TypeKind.NULL
    if na and not nb:
        return y
    if nb and not na:
        return x
    return combine(x, y)
