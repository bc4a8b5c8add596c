"""Schema diff: what changed between two versions, and would it break a consumer?

A type change is compatible exactly when it is a widening (``widen(old, new) == new``),
so the diff and the merge can never disagree about what "wider" means.  Parameters that
are observations rather than contracts (mixed counts, nested frequencies) are ignored
when comparing; nested members are compared one by one through their dotted paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from assay.inference._evo_types import normal_mixed, widen
from assay.schema import DataType, Field, Schema, Table, TypeKind

ChangeKind = Literal["added", "removed", "changed"]
Compatibility = Literal["compatible", "breaking"]
_MARKERS = {"added": "+", "removed": "-", "changed": "~"}
_TEMPORAL = (TypeKind.DATE, TypeKind.DATETIME, TypeKind.TIME)


@dataclass(frozen=True)
class Change:
    """One difference.  ``path`` is ``""`` for a whole table; ``old``/``new`` are readable."""

    table: str
    path: str
    kind: ChangeKind
    old: str | None
    new: str | None
    compatibility: Compatibility
    reason: str

    def to_text(self) -> str:
        where = f"{self.table}.{self.path}" if self.path else self.table
        if self.kind == "changed":
            what = f"{self.old} -> {self.new}"
        else:
            what = self.new if self.kind == "added" else self.old
        return f"{_MARKERS[self.kind]} {where}: {what}  ({self.compatibility}: {self.reason})"


@dataclass(frozen=True)
class SchemaDiff:
    changes: list[Change] = field(default_factory=list)

    @property
    def breaking(self) -> bool:
        return any(c.compatibility == "breaking" for c in self.changes)

    def to_text(self) -> str:
        """One line per change, then ``N changes: X compatible, Y breaking``."""
        broken = sum(c.compatibility == "breaking" for c in self.changes)
        n = len(self.changes)
        summary = f"{n} change{'' if n == 1 else 's'}: {n - broken} compatible, {broken} breaking"
        return "\n".join([*(c.to_text() for c in self.changes), summary]) + "\n"


def diff(old: Schema | Table, new: Schema | Table) -> SchemaDiff:
    """Compare two schemas (tables by name) or two tables (fields by path)."""
    if isinstance(old, Table) and isinstance(new, Table):
        return SchemaDiff(sorted(_table_changes(new.name, old, new), key=_order))
    olds = (old,) if isinstance(old, Table) else old.tables
    news = (new,) if isinstance(new, Table) else new.tables
    before, after = {t.name: t for t in olds}, {t.name: t for t in news}
    changes: list[Change] = []
    for name, t in before.items():
        if name not in after:
            changes.append(
                _change(name, "", "removed", _table_text(t), None, False, "removed table")
            )
        else:
            changes += _table_changes(name, t, after[name])
    for name, t in after.items():
        if name not in before:
            changes.append(_change(name, "", "added", None, _table_text(t), True, "new table"))
    return SchemaDiff(sorted(changes, key=_order))


def _order(c: Change) -> tuple[str, ...]:
    return (c.table, c.path, c.kind, c.reason, c.old or "", c.new or "")


def flatten(fields: tuple[Field, ...]) -> dict[str, Field]:
    """Every field by path, nested object members (and array item members) included."""
    out: dict[str, Field] = {}

    def walk(fs: tuple[Field, ...]) -> None:
        for f in fs:
            out.setdefault(f.path, f)
            walk(_members(f.type))

    walk(fields)
    return out


def _members(t: DataType) -> tuple[Field, ...]:
    kind = TypeKind(t.kind)
    if kind is TypeKind.OBJECT:
        return t.fields or ()
    if kind is TypeKind.ARRAY and t.items is not None:
        return _members(t.items)
    return ()


def _table_changes(table: str, old: Table, new: Table) -> list[Change]:
    before, after = flatten(old.fields), flatten(new.fields)
    changes: list[Change] = []
    gone = [p for p in before if p not in after]
    came = [p for p in after if p not in before]
    for p in _outermost(gone):
        changes.append(
            _change(table, p, "removed", _describe(before[p]), None, False, "removed field")
        )
    for p in _outermost(came):
        f = after[p]
        ok = not _required(f)
        reason = "new nullable field" if f.nullable else "new optional field"
        reason = reason if ok else "new required field"
        changes.append(_change(table, p, "added", None, _describe(f), ok, reason))
    for p, f in before.items():
        if p in after:
            changes += _field_changes(table, p, f, after[p])
    return changes


def _change(
    table: str, path: str, kind: ChangeKind, old: str | None, new: str | None, ok: bool, why: str
) -> Change:
    return Change(table, path, kind, old, new, "compatible" if ok else "breaking", why)


def _outermost(paths: list[str]) -> list[str]:
    """Drop members of an added/removed parent: the parent's line already says it."""
    chosen = set(paths)
    return [
        p
        for p in paths
        if not any(p.startswith(q + ".") or p.startswith(q + "[]") for q in chosen if q != p)
    ]


def _field_changes(table: str, path: str, old: Field, new: Field) -> list[Change]:
    out: list[Change] = []

    def add(old_text: str, new_text: str, ok: bool, reason: str) -> None:
        out.append(_change(table, path, "changed", old_text, new_text, ok, reason))

    if _signature(old.type) != _signature(new.type):
        add(_type_text(old.type), _type_text(new.type), *_type_verdict(old.type, new.type))
    ko, kn = TypeKind(old.type.kind), TypeKind(new.type.kind)
    if ko in _TEMPORAL and kn in _TEMPORAL and old.type.pattern != new.type.pattern:
        add(
            old.type.pattern or "ISO 8601",
            new.type.pattern or "ISO 8601",
            False,
            "text pattern changed: readers of the raw text must change",
        )
    if old.nullable != new.nullable:
        add(
            _null_text(old.nullable),
            _null_text(new.nullable),
            new.nullable,
            "NOT NULL dropped" if new.nullable else "became NOT NULL",
        )
    elif not new.nullable and _required(old) != _required(new):
        required = _required(new)
        add(
            f"present in {old.frequency:.1%}",
            f"present in {new.frequency:.1%}",
            not required,
            "became required" if required else "no longer present in every record",
        )
    return out


def _type_verdict(old: DataType, new: DataType) -> tuple[bool, str]:
    wider = _signature(widen(old, new))
    same_kind = old.kind == new.kind
    what = {"integer": "integer range", "string": "max_length", "binary": "max_length"}
    detail = what.get(str(new.kind)) if same_kind else None
    if wider == _signature(new):
        return True, f"wider {detail}" if detail else f"widened {old.kind} -> {new.kind}"
    if same_kind or wider == _signature(old):
        # Observed ranges and lengths move between drops; data of the same kind still
        # fits the column once it is widened to hold both (an ALTER, not a rebuild).
        what_changed = f"different {detail}" if detail else f"{old.kind} parameters changed"
        return True, what_changed if wider != _signature(old) else f"fits the existing {old.kind}"
    return False, f"type changed {old.kind} -> {new.kind} (not a widening)"


def _signature(t: DataType) -> tuple[object, ...]:
    """What a consumer depends on: no counts, no nested members (those are diffed apart)."""
    kind = TypeKind(t.kind)
    if kind is TypeKind.OBJECT:
        return (kind.value,)
    if kind is TypeKind.ARRAY:
        return (kind.value, None if t.items is None else _signature(t.items))
    if kind is TypeKind.MIXED:
        normal = normal_mixed(t.distribution or {}).distribution or {}
        return (kind.value, tuple(k for k in normal if k != "null"))
    return (kind.value, t.minimum, t.maximum, t.precision, t.scale, t.max_length, t.timezone)


def _type_text(t: DataType) -> str:
    kind = TypeKind(t.kind)
    if kind is TypeKind.INTEGER and (t.minimum is not None or t.maximum is not None):
        low = "" if t.minimum is None else t.minimum
        high = "" if t.maximum is None else t.maximum
        return f"integer[{low}..{high}]"
    if kind in (TypeKind.STRING, TypeKind.BINARY) and t.max_length is not None:
        return f"{kind.value}({t.max_length})"
    if kind is TypeKind.ARRAY and t.items is not None:
        return f"array<{_type_text(t.items)}>"
    return str(t)


def _required(f: Field) -> bool:
    return not f.nullable and f.frequency >= 1.0


def _null_text(nullable: bool) -> str:
    return "nullable" if nullable else "not null"


def _describe(f: Field) -> str:
    if f.nullable:
        return _type_text(f.type) + ", nullable"
    return _type_text(f.type) + ("" if f.frequency >= 1.0 else ", optional")


def _table_text(t: Table) -> str:
    return f"table ({len(t.fields)} field{'' if len(t.fields) == 1 else 's'})"
