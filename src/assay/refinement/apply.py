"""Writing accepted suggestions into a schema: additive only, with provenance.

Nothing inference or a person decided is overwritten: a description, semantic type or
classification is filled in only where there is none, a type only replaced by the
narrower one the data confirmed, constraints only added.  Each field that changed
gains one :class:`Provenance` per contributor (the model — provider, model, template
version, prompt hash, confidence — or the heuristics) and one :class:`Evidence` per
accepted aspect, so a report or contract can tell rules from model.  No timestamps:
the same inputs and answers give a byte-identical schema (the run's time is in the
:class:`~assay.refinement.engine.RefineResult`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from assay.schema import (
    Constraints,
    DataType,
    Evidence,
    Field,
    FormatInfo,
    Key,
    Provenance,
    Relationship,
    Schema,
    Table,
    TypeKind,
)

ASPECTS = (
    "type", "format", "allowed_values", "pattern", "range", "semantic_type",
    "classification", "description", "references",
)  # fmt: skip
TABLE_ASPECTS = ("description", "grain", "primary_key")


@dataclass(frozen=True)
class Decision:
    """An accepted suggestion, ready to apply."""

    table: str
    path: str | None  # None: about the table
    aspect: str
    value: Any
    source: str  # "llm" or "heuristics"
    provenance: Provenance
    evidence: Evidence


@dataclass(frozen=True)
class Change:
    """What applying a decision changed (for the report and the CLI table)."""

    table: str
    path: str | None
    aspect: str
    before: Any
    after: Any
    source: str
    confidence: float | None
    note: str


def apply(schema: Schema, decisions: list[Decision]) -> tuple[Schema, list[Change]]:
    by_table: dict[str, list[Decision]] = defaultdict(list)
    for d in decisions:
        by_table[d.table].append(d)
    changes: list[Change] = []
    tables = []
    relationships = list(schema.relationships)
    for table in schema.tables:
        mine = by_table.get(table.name, [])
        fields_decisions: dict[str, list[Decision]] = defaultdict(list)
        for d in mine:
            if d.path is not None:
                fields_decisions[d.path].append(d)
        fields = _fields(table.name, table.fields, fields_decisions, changes)
        table = table.model_copy(update={"fields": fields})
        table = _table(table, [d for d in mine if d.path is None], changes)
        for d in mine:
            if d.path is not None and d.aspect == "references":
                relationship = _relationship(table.name, d, relationships)
                if relationship is not None:
                    relationships.append(relationship)
                    changes.append(_change(d, None, d.value["target"]))
        tables.append(table)
    relationships.sort(key=lambda r: (r.from_table, r.from_fields, r.to_table, r.to_fields))
    return schema.model_copy(
        update={"tables": tuple(tables), "relationships": tuple(relationships)}
    ), changes


def _fields(
    table: str,
    fields: tuple[Field, ...],
    decisions: dict[str, list[Decision]],
    changes: list[Change],
) -> tuple[Field, ...]:
    out = []
    for f in fields:
        if TypeKind(f.type.kind) is TypeKind.OBJECT and f.type.fields:
            members = _fields(table, f.type.fields, decisions, changes)
            f = f.model_copy(update={"type": f.type.model_copy(update={"fields": members})})
        if f.path in decisions:
            f = _field(f, decisions[f.path], changes)
        out.append(f)
    return tuple(out)


def _field(f: Field, decisions: list[Decision], changes: list[Change]) -> Field:
    update: dict[str, Any] = {}
    constraints = f.constraints.model_dump() if f.constraints is not None else {}
    evidence = list(f.evidence)
    applied: dict[Provenance, list[str]] = {}
    order = {a: i for i, a in enumerate(ASPECTS)}
    for d in sorted(decisions, key=lambda d: order.get(d.aspect, 99)):
        before: Any = None
        if d.aspect == "description" and f.description is None:
            update["description"] = d.value
        elif d.aspect == "semantic_type" and f.semantic_type is None:
            update["semantic_type"] = d.value
        elif d.aspect == "classification" and f.classification is None:
            update["classification"] = d.value
        elif d.aspect == "type" and isinstance(d.value, DataType):
            before = str(f.type)
            update["type"] = d.value
        elif d.aspect == "format" and f.format is None:
            update["format"] = FormatInfo(name=d.value[0], confidence=d.value[1])
        elif d.aspect == "allowed_values" and constraints.get("enum") is None:
            constraints["enum"] = d.value
        elif d.aspect == "pattern" and constraints.get("pattern") is None:
            constraints["pattern"] = d.value
        elif d.aspect == "range" and constraints.get("minimum") is None:
            constraints["minimum"], constraints["maximum"] = d.value
        else:
            continue  # already set by someone else, or handled at table level
        evidence.append(d.evidence)
        applied.setdefault(d.provenance, []).append(d.aspect)
        after = d.value
        if d.aspect == "type":
            after = str(d.value)
        elif d.aspect == "format":
            after = d.value[0]
        changes.append(_change(d, before, after, f.path))
    if constraints and any(v is not None for v in constraints.values()):
        update["constraints"] = Constraints(**constraints)
    if not applied:
        return f
    provenance = list(f.provenance)
    for p, aspects in applied.items():
        provenance.append(
            p.model_copy(update={"detail": f"{p.detail} aspects={','.join(aspects)}"})
        )
    update["provenance"] = tuple(provenance)
    update["evidence"] = tuple(evidence)
    return f.model_copy(update=update)


def _table(table: Table, decisions: list[Decision], changes: list[Change]) -> Table:
    update: dict[str, Any] = {}
    applied: dict[Provenance, list[str]] = {}
    evidence = list(table.evidence)
    for d in sorted(decisions, key=lambda d: TABLE_ASPECTS.index(d.aspect)):
        if d.aspect == "description" and table.description is None and "description" not in update:
            update["description"] = d.value
        elif d.aspect == "grain" and table.grain is None and "grain" not in update:
            update["grain"] = d.value
        elif (
            d.aspect == "primary_key" and table.primary_key is None and "primary_key" not in update
        ):
            update["primary_key"] = Key(
                fields=d.value, confidence=d.evidence.confidence or 1.0, evidence=d.evidence
            )
        else:
            continue
        if d.aspect != "primary_key":
            evidence.append(d.evidence)
        applied.setdefault(d.provenance, []).append(d.aspect)
        changes.append(_change(d, None, d.value))
    if not applied:
        return table
    provenance = list(table.provenance)
    for p, aspects in applied.items():
        provenance.append(
            p.model_copy(update={"detail": f"{p.detail} aspects={','.join(aspects)}"})
        )
    update["provenance"] = tuple(provenance)
    update["evidence"] = tuple(evidence)
    return table.model_copy(update=update)


def _relationship(table: str, d: Decision, existing: list[Relationship]) -> Relationship | None:
    target_table, target_field = d.value["target"].split(".", 1)
    for r in existing:
        if (r.from_table, r.from_fields, r.to_table, r.to_fields) == (
            table, (d.path,), target_table, (target_field,)
        ):  # fmt: skip
            return None
    return Relationship(
        from_table=table,
        from_fields=(d.path,),
        to_table=target_table,
        to_fields=(target_field,),
        confidence=d.evidence.confidence or 0.5,
        coverage=round(d.value["coverage"], 6),
        evidence=d.evidence,
    )


def _change(d: Decision, before: Any, after: Any, path: str | None = None) -> Change:
    return Change(
        table=d.table,
        path=path if path is not None else d.path,
        aspect=d.aspect,
        before=before,
        after=after,
        source=d.source,
        confidence=d.evidence.confidence,
        note=d.evidence.note or "",
    )
