"""Type-level widening: the least common supertype of two :class:`DataType` values.

The user-facing rules are documented in :mod:`assay.inference.evolution`; this module
implements them.  Everything here is built so that ``widen`` is associative and (up to
the order of object members) commutative, because merging many files must not depend on
the order they were read in.  That is why every parameter combines with an operator that
is itself associative: ``max``/``min`` where ``None`` (unknown) absorbs, or "keep if both
sides agree, else ``None``".
"""

from __future__ import annotations

from functools import reduce
from operator import attrgetter
from typing import TypeVar

from assay.schema import DataType, TypeKind
from assay.schema.types import SCALAR_KINDS

T = TypeVar("T")

NUMERIC = (TypeKind.INTEGER, TypeKind.DECIMAL, TypeKind.FLOAT)  # each holds those before it
TEMPORAL = (TypeKind.DATE, TypeKind.DATETIME)
_CHAINS = (NUMERIC, TEMPORAL)
_SCALAR_NAMES = frozenset(k.value for k in SCALAR_KINDS) - {TypeKind.NULL.value}

Weights = tuple[int, int] | None  # records behind each side of a merge; None: type level


def hi(x: int | None, y: int | None) -> int | None:
    """``max`` where ``None`` (unknown / unbounded) absorbs."""
    return None if x is None or y is None else max(x, y)


def lo(x: int | None, y: int | None) -> int | None:
    """``min`` where ``None`` (unknown / unbounded) absorbs."""
    return None if x is None or y is None else min(x, y)


def agree(x: T | None, y: T | None) -> T | None:
    """Keep a value only when both sides say the same thing."""
    return x if x == y else None


def present(frequency: float, weight: int) -> int:
    """Records in which a field is present: frequencies are shares of whole records."""
    return round(frequency * weight)


def share(frequency: float, weight: int, total: int) -> float:
    """Re-express a frequency measured over ``weight`` records as a share of ``total``."""
    return present(frequency, weight) / total if total else frequency


def join_kind(a: str, b: str) -> str:
    """The kind that holds both scalar kinds: up a chain, else ``string``."""
    if a == b:
        return a
    for chain in _CHAINS:
        if a in chain and b in chain:
            return max(TypeKind(a), TypeKind(b), key=chain.index).value
    return TypeKind.STRING.value


def _family(kind: TypeKind) -> str:
    return "scalar" if kind in SCALAR_KINDS else kind.value


def widen(a: DataType, b: DataType) -> DataType:
    """The least common supertype of ``a`` and ``b`` (rules: :mod:`assay.inference.evolution`)."""
    return widen_with(a, b, None)


def widen_with(a: DataType, b: DataType, weights: Weights) -> DataType:
    """:func:`widen`, knowing how many records stand behind each side (table merges).

    The weights let the frequency of a nested member that only one side has be re-weighted.
    """
    ka, kb = TypeKind(a.kind), TypeKind(b.kind)
    if ka is TypeKind.NULL:
        return rescale(b, weights[1], sum(weights)) if weights else b
    if kb is TypeKind.NULL:
        return rescale(a, weights[0], sum(weights)) if weights else a
    if TypeKind.MIXED in (ka, kb) or _family(ka) != _family(kb):
        return _mixed(a, b)
    if ka is TypeKind.OBJECT:
        return _object(a, b, weights)
    if ka is TypeKind.ARRAY:
        return _array(a, b, weights)
    return _scalar(a, b)


def rescale(t: DataType, weight: int, total: int) -> DataType:
    """Nested members measured over ``weight`` records, re-expressed over ``total``.

    The other side had no value here (null, absent or an empty array), so each member was
    present in no more records than before, out of more.
    """
    kind = TypeKind(t.kind)
    if kind is TypeKind.OBJECT and t.fields:
        members = tuple(
            f.model_copy(
                update={
                    "frequency": share(f.frequency, weight, total),
                    "type": rescale(f.type, weight, total),
                }
            )
            for f in t.fields
        )
        return t.model_copy(update={"fields": members})
    if kind is TypeKind.ARRAY and t.items is not None:
        return t.model_copy(update={"items": rescale(t.items, weight, total)})
    return t


def _scalar(a: DataType, b: DataType) -> DataType:
    kind = TypeKind(join_kind(a.kind, b.kind))
    if kind is TypeKind.INTEGER:
        return DataType(
            kind=kind, minimum=lo(a.minimum, b.minimum), maximum=hi(a.maximum, b.maximum)
        )
    if kind is TypeKind.DECIMAL:
        (da, sa), (db, sb) = _decimal_shape(a), _decimal_shape(b)
        digits, scale = hi(da, db), hi(sa, sb)
        precision = None if digits is None or scale is None else digits + scale
        return DataType(kind=kind, precision=precision, scale=scale)
    if kind in (TypeKind.STRING, TypeKind.BINARY):
        both = a.kind == b.kind == kind
        return DataType(kind=kind, max_length=hi(a.max_length, b.max_length) if both else None)
    if kind in (TypeKind.DATE, TypeKind.TIME):
        return DataType(kind=kind, pattern=agree(a.pattern, b.pattern))
    if kind is TypeKind.DATETIME:
        timezone = agree(_timezone(a), _timezone(b))
        return DataType(kind=kind, pattern=agree(a.pattern, b.pattern), timezone=timezone)
    return DataType(kind=kind)  # boolean, float, duration carry no parameters


def _decimal_shape(t: DataType) -> tuple[int | None, int | None]:
    """(digits before the point, scale): what a decimal must hold for this side."""
    if TypeKind(t.kind) is TypeKind.INTEGER:
        if t.minimum is None or t.maximum is None:
            return None, 0
        return len(str(max(abs(t.minimum), abs(t.maximum)))), 0
    if t.precision is None or t.scale is None:
        return None, t.scale
    return t.precision - t.scale, t.scale


def _timezone(t: DataType) -> bool | None:
    # A date carries no offset: it agrees with naive datetimes, not with offset-aware ones.
    return False if TypeKind(t.kind) is TypeKind.DATE else t.timezone


def _object(a: DataType, b: DataType, weights: Weights) -> DataType:
    # Late import: member merging needs widen, and widen needs member merging.
    from assay.inference._evo_fields import merge_members

    if a.fields is None and b.fields is None:
        return DataType(kind=TypeKind.OBJECT)
    fields = merge_members(a.fields or (), b.fields or (), weights, key=attrgetter("name"))
    return DataType(kind=TypeKind.OBJECT, fields=fields)


def _array(a: DataType, b: DataType, weights: Weights) -> DataType:
    if a.items is None and b.items is None:
        return DataType(kind=TypeKind.ARRAY)
    # No items seen on one side (only empty arrays) behaves like null: it merges with anything.
    null = DataType(kind=TypeKind.NULL)
    items = widen_with(a.items or null, b.items or null, weights)
    return DataType(kind=TypeKind.ARRAY, items=items)


def _mixed(a: DataType, b: DataType) -> DataType:
    # A non-mixed side adds its kind with count 0: its values were never counted by kind,
    # and counting records instead would count the nulls merged into it.
    dist: dict[str, int] = {}
    for t in (a, b):
        if TypeKind(t.kind) is TypeKind.MIXED:
            items = list((t.distribution or {}).items())
        else:
            items = [(str(t.kind), 0)]
        for k, v in items:
            dist[k] = dist.get(k, 0) + v
    return normal_mixed(dist)


def normal_mixed(dist: dict[str, int]) -> DataType:
    """A mixed type in normal form: its scalar kinds folded into their common supertype.

    Folding is what keeps ``widen`` associative: ``(integer ∪ string) ∪ object`` is
    ``string ∪ object``, so ``integer ∪ mixed(object|string)`` must give the same.  The
    result stays mixed even when a single kind is left (``mixed(string)``): turning it into
    a plain type would drop its counts, and then the counts would depend on merge order.
    """
    dist = dict(dist)
    scalars = [k for k in dist if k in _SCALAR_NAMES]
    if len(scalars) > 1:
        joined = reduce(join_kind, scalars)
        total = sum(dist.pop(k) for k in scalars)
        dist[joined] = dist.get(joined, 0) + total
    return DataType(kind=TypeKind.MIXED, distribution=dict(sorted(dist.items())) or None)
