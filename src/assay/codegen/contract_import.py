"""ODCS v3 contract → Schema.

Contracts assay wrote carry the exact logical types, statistics and evidence under
``customProperties`` (``assayType``, ``assayStats``, …) and come back unchanged, so
export → import → export is byte-identical.  Hand-written contracts come back from
the standard fields: ``logicalType`` and ``logicalTypeOptions`` (``physicalType`` such
as ``DECIMAL(10,2)`` supplies a decimal's precision), ``required``, ``primaryKey`` with
its position, ``unique``, ``relationships`` (property and schema level), accepted
values and patterns from ``quality`` and ``enum``.
"""

from __future__ import annotations

import re
from typing import Any

from assay.codegen.contract_validate import ContractError, check_contract
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
    Stats,
    Table,
    TypeKind,
)

_KINDS = {
    "string": TypeKind.STRING,
    "integer": TypeKind.INTEGER,
    "number": TypeKind.FLOAT,
    "boolean": TypeKind.BOOLEAN,
    "date": TypeKind.DATE,
    "timestamp": TypeKind.DATETIME,
    "time": TypeKind.TIME,
    "object": TypeKind.OBJECT,
    "array": TypeKind.ARRAY,
    "map": TypeKind.OBJECT,
    "vector": TypeKind.ARRAY,
}
_DECIMAL = re.compile(
    r"^\s*(?:DECIMAL|NUMERIC|NUMBER|BIGNUMERIC)\s*\(\s*(\d+)\s*(?:,\s*(\d+))?\s*\)", re.I
)


def import_contract_text(text: str, source: str | None = None) -> Schema:
    """Validate (against the official ODCS schema) and convert a contract document."""
    return import_contract(check_contract(text, source), source)


def import_contract(doc: dict[str, Any], source: str | None = None) -> Schema:
    custom = _customs(doc.get("customProperties"))
    tables: list[Table] = []
    relationships: list[Relationship] = []
    for index, obj in enumerate(doc.get("schema") or []):
        table, rels = _table(obj, f"schema[{index}]", source)
        tables.append(table)
        relationships += rels
    relationships.sort(key=lambda r: (r.from_table, r.from_fields, r.to_table, r.to_fields))
    return Schema(
        version=str(custom.get("assaySchemaVersion", "1")),
        tables=tuple(tables),
        relationships=tuple(relationships),
    )


def _customs(items: Any) -> dict[str, Any]:
    return {
        i["property"]: i["value"] for i in items or () if isinstance(i, dict) and "property" in i
    }


def _table(obj: dict[str, Any], where: str, source: str | None) -> tuple[Table, list[Relationship]]:
    name = obj["name"]
    custom = _customs(obj.get("customProperties"))
    props = obj.get("properties") or []
    fields = [_field(p, f"{where}.properties[{i}]", source, None) for i, p in enumerate(props)]
    positions = sorted(
        (p.get("primaryKeyPosition", -1), i, p["name"])
        for i, p in enumerate(props)
        if p.get("primaryKey")
    )
    primary: Key | None = None
    if "assayPrimaryKey" in custom:
        primary = Key.model_validate(custom["assayPrimaryKey"])
    elif positions:
        primary = Key(fields=tuple(n for _, _, n in positions))
    rels: list[Relationship] = []
    for p in props:
        for r in p.get("relationships") or ():
            rels.append(_relationship(name, (p["name"],), r.get("to"), r, where, source))
    for r in obj.get("relationships") or ():
        froms = r.get("from")
        froms = [froms] if isinstance(froms, str) else list(froms or ())
        rels.append(
            _relationship(
                name, tuple(f.split(".")[-1] for f in froms), r.get("to"), r, where, source
            )
        )
    table = Table(
        name=name,
        sources=tuple(custom.get("assaySources", ())),
        row_count=int(custom.get("assayRowCount", 0)),
        fields=tuple(fields),
        primary_key=primary,
        candidate_keys=tuple(Key.model_validate(k) for k in custom.get("assayCandidateKeys", ())),
        description=obj.get("description"),
        evidence=tuple(Evidence.model_validate(e) for e in custom.get("assayEvidence", ())),
    )
    return table, rels


def _relationship(
    table: str, columns: tuple[str, ...], to: Any, r: dict[str, Any], where: str, source: str | None
) -> Relationship:
    targets = [to] if isinstance(to, str) else list(to or ())
    parents = {t.rsplit(".", 1)[0] for t in targets if "." in t}
    if len(parents) != 1 or len(targets) != len(columns):
        raise ContractError(
            f"{source or 'contract'}: {where}: relationship to {to!r} must name one table's "
            "columns as table.column, one per source column"
        )
    custom = _customs(r.get("customProperties"))
    evidence = custom.get("assayEvidence")
    parent = parents.pop().split("/")[-1]
    return Relationship(
        from_table=table,
        from_fields=columns,
        to_table=parent.split(".")[-1],
        to_fields=tuple(t.rsplit(".", 1)[1] for t in targets),
        confidence=float(custom.get("assayConfidence", 1.0)),
        coverage=float(custom.get("assayCoverage", 1.0)),
        evidence=Evidence.model_validate(evidence) if evidence else None,
    )


def _field(p: dict[str, Any], where: str, source: str | None, parent: str | None) -> Field:
    name = p["name"]
    path = f"{parent}.{name}" if parent else name
    custom = _customs(p.get("customProperties"))
    data_type = _type(p, custom, where, source, path)
    nullable = not p.get("required", False)
    if "assayNullable" in custom:
        nullable = bool(custom["assayNullable"])
    constraints = custom.get("assayConstraints")
    return Field(
        name=name,
        path=path,
        type=data_type,
        nullable=nullable,
        frequency=float(custom.get("assayFrequency", 1.0)),
        format=FormatInfo.model_validate(custom["assayFormat"])
        if "assayFormat" in custom
        else _format(p),
        constraints=Constraints.model_validate(constraints)
        if constraints is not None
        else (None if "assayType" in custom else _constraints(p)),
        description=p.get("description"),
        semantic_type=custom.get("assaySemanticType"),
        classification=p.get("classification"),
        hints=tuple(custom.get("assayHints", ())),
        stats=Stats.model_validate(custom["assayStats"]) if "assayStats" in custom else None,
        examples=tuple(p.get("examples") or ()),
        evidence=tuple(Evidence.model_validate(e) for e in custom.get("assayEvidence", ())),
        provenance=tuple(Provenance.model_validate(x) for x in custom.get("assayProvenance", ()))
        or (Provenance(source="contract"),),
        source_name=custom.get("assaySourceName"),
    )


def _type(
    p: dict[str, Any], custom: dict[str, Any], where: str, source: str | None, path: str
) -> DataType:
    logical = p.get("logicalType", "string")
    if logical not in _KINDS:
        raise ContractError(
            f"{source or 'contract'}: {where}.logicalType: unknown logical type {logical!r}"
        )
    members: tuple[Field, ...] | None = None
    if p.get("properties"):
        members = tuple(
            _field(m, f"{where}.properties[{i}]", source, path)
            for i, m in enumerate(p["properties"])
        )
    items = None
    if isinstance(p.get("items"), dict):
        items = _type(p["items"], _customs(p["items"].get("customProperties")), f"{where}.items",
                      source, path)  # fmt: skip
    if "assayType" in custom:
        return DataType.model_validate({**custom["assayType"], "fields": members, "items": items})
    kind = _KINDS[logical]
    options = p.get("logicalTypeOptions") or {}
    params: dict[str, Any] = {}
    if kind is TypeKind.FLOAT:
        match = _DECIMAL.match(p.get("physicalType") or "")
        if match:
            kind = TypeKind.DECIMAL
            params = {"precision": int(match.group(1)), "scale": int(match.group(2) or 0)}
    if kind is TypeKind.STRING and "maxLength" in options:
        params["max_length"] = options["maxLength"]
    if kind is TypeKind.DATETIME and "timezone" in options:
        params["timezone"] = bool(options["timezone"])
    if kind is TypeKind.OBJECT:
        params["fields"] = members or ()
    if kind is TypeKind.ARRAY:
        params["items"] = items
    return DataType(kind=kind, **params)


def _format(p: dict[str, Any]) -> FormatInfo | None:
    options = p.get("logicalTypeOptions") or {}
    if p.get("logicalType") == "string" and options.get("format"):
        return FormatInfo(name=str(options["format"]), confidence=1.0)
    return None


def _constraints(p: dict[str, Any]) -> Constraints | None:
    options = p.get("logicalTypeOptions") or {}
    values: list[Any] = [e["value"] for e in p.get("enum") or () if isinstance(e, dict)]
    pattern = options.get("pattern")
    for q in p.get("quality") or ():
        arguments = q.get("arguments") or {}
        if q.get("metric") == "invalidValues" and "validValues" in arguments and not values:
            values = list(arguments["validValues"])
        if q.get("metric") == "invalidValues" and "pattern" in arguments and not pattern:
            pattern = arguments["pattern"]
    found = {
        "enum": tuple(values) or None,
        "pattern": pattern,
        "minimum": options.get("minimum"),
        "maximum": options.get("maximum"),
        "min_length": options.get("minLength"),
        "max_length": options.get("maxLength"),
        "unique": True if p.get("unique") and not p.get("primaryKey") else None,
    }
    if all(v is None for v in found.values()):
        return None
    return Constraints(**found)
