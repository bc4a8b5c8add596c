"""Schema → Open Data Contract Standard (ODCS) v3 contract.

One schema object per table; each field a property with ``logicalType``,
``physicalType`` (the column type in a reference dialect, DuckDB unless asked),
``required``, ``unique``, ``primaryKey``/``primaryKeyPosition``, description, examples,
classification, foreign keys as ``relationships``, and quality rules from
:func:`assay.quality.quality_rules` (library metrics where ODCS has one, SQL otherwise).

Everything the standard has no field for — the exact logical type, statistics,
evidence, provenance — goes under ``customProperties`` with ``assay``-prefixed names,
so :mod:`assay.codegen.contract_import` can rebuild the schema and a contract
exported, imported and exported again is byte-identical.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from assay.codegen.ddl import dialect_of
from assay.dialects import UnsupportedTypeError
from assay.quality import Rule, columns, quality_rules, required
from assay.schema import DataType, Field, Relationship, Schema, Table, TypeKind

API_VERSION = "v3.1.0"
LOGICAL_TYPES = {
    TypeKind.NULL: "string",
    TypeKind.BOOLEAN: "boolean",
    TypeKind.INTEGER: "integer",
    TypeKind.DECIMAL: "number",
    TypeKind.FLOAT: "number",
    TypeKind.STRING: "string",
    TypeKind.DATE: "date",
    TypeKind.DATETIME: "timestamp",
    TypeKind.TIME: "time",
    TypeKind.DURATION: "string",
    TypeKind.BINARY: "string",
    TypeKind.OBJECT: "object",
    TypeKind.ARRAY: "array",
    TypeKind.MIXED: "string",
}
_STRING_FORMATS = {"email", "uuid", "uri", "url", "hostname", "ipv4", "ipv6"}
# strftime → JDK DateTimeFormatter (what ODCS's logicalTypeOptions.format uses)
_JDK = {
    "%Y": "yyyy", "%y": "yy", "%m": "MM", "%d": "dd", "%H": "HH", "%I": "hh", "%M": "mm",
    "%S": "ss", "%f": "SSSSSS", "%p": "a", "%b": "MMM", "%B": "MMMM", "%z": "Z", "%j": "DDD",
    "%a": "EEE", "%A": "EEEE", "%%": "%",
}  # fmt: skip


@dataclass(frozen=True)
class ContractOptions:
    """Contract metadata; a config file (YAML/JSON mapping with these keys) may set them."""

    name: str = "dataset"
    id: str | None = None  # default: derived from the name
    version: str = "1.0.0"
    status: str = "draft"
    domain: str | None = None
    team: str | None = None
    owner: str | None = None  # username or e-mail of the owner (a team member)
    description: str | None = None
    dialect: str = "duckdb"  # physicalType is the column type in this dialect
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def contract_id(self) -> str:
        return self.id or re.sub(r"[^A-Za-z0-9_-]+", "-", self.name).strip("-").lower() or "dataset"


def export_contract(schema: Schema, options: ContractOptions = ContractOptions()) -> dict[str, Any]:
    """The contract as a plain mapping (key order is the order written)."""
    doc: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": "DataContract",
        "id": options.contract_id,
        "name": options.name,
        "version": options.version,
        "status": options.status,
    }
    if options.domain:
        doc["domain"] = options.domain
    if options.tags:
        doc["tags"] = list(options.tags)
    if options.description:
        doc["description"] = {"purpose": options.description}
    if options.team or options.owner:
        team: dict[str, Any] = {"name": options.team or options.owner}
        if options.owner:
            team["members"] = [{"username": options.owner, "role": "owner"}]
        doc["team"] = team
    doc["schema"] = [_table(t, schema, options) for t in schema.tables]
    doc["customProperties"] = [_custom("assaySchemaVersion", schema.version)]
    return doc


def contract_yaml(schema: Schema, options: ContractOptions = ContractOptions()) -> str:
    return dump_yaml(export_contract(schema, options))


class _Dumper(yaml.SafeDumper):
    """Lists of plain scalars (histograms, examples of numbers) on one line."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flat = all(isinstance(v, int | float | bool) or v is None for v in data)
    pairs = all(isinstance(v, list) and len(v) == 2 for v in data) and bool(data)
    flow = bool(data) and (flat or (pairs and all(not isinstance(p[0], dict) for p in data)))
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def dump_yaml(doc: dict[str, Any]) -> str:
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def _custom(name: str, value: Any) -> dict[str, Any]:
    return {"property": name, "value": value}


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


def _table(table: Table, schema: Schema, options: ContractOptions) -> dict[str, Any]:
    out: dict[str, Any] = {"name": table.name, "physicalName": table.name}
    out["physicalType"] = "table"
    if table.description:
        out["description"] = table.description
    out["logicalType"] = "object"
    primary = list(table.primary_key.fields) if table.primary_key else []
    parents = {
        r.from_fields[0]: r for r in _relationships(schema, table) if len(r.from_fields) == 1
    }
    d = dialect_of(options.dialect)
    out["properties"] = [
        _property(f, d, primary=primary, relationship=parents.get(f.name), top=table)
        for f in columns(table)
    ]
    composite = [r for r in _relationships(schema, table) if len(r.from_fields) > 1]
    if composite:
        out["relationships"] = [_schema_relationship(r) for r in composite]
    quality = [q for r in quality_rules(table) if (q := _table_quality(r)) is not None]
    if quality:
        out["quality"] = quality
    custom = [_custom("assayRowCount", table.row_count)]
    if table.sources:
        custom.append(_custom("assaySources", list(table.sources)))
    if table.primary_key is not None:
        custom.append(_custom("assayPrimaryKey", _dump(table.primary_key)))
    if table.candidate_keys:
        custom.append(_custom("assayCandidateKeys", [_dump(k) for k in table.candidate_keys]))
    if table.evidence:
        custom.append(_custom("assayEvidence", [_dump(e) for e in table.evidence]))
    out["customProperties"] = custom
    return out


def _relationships(schema: Schema, table: Table) -> list[Relationship]:
    return [r for r in schema.relationships if r.from_table == table.name]


def _relationship_custom(r: Relationship) -> list[dict[str, Any]]:
    custom = [_custom("assayConfidence", r.confidence), _custom("assayCoverage", r.coverage)]
    if r.evidence is not None:
        custom.append(_custom("assayEvidence", _dump(r.evidence)))
    return custom


def _schema_relationship(r: Relationship) -> dict[str, Any]:
    return {
        "type": "foreignKey",
        "from": [f"{r.from_table}.{c}" for c in r.from_fields],
        "to": [f"{r.to_table}.{c}" for c in r.to_fields],
        "customProperties": _relationship_custom(r),
    }


def _property(
    f: Field,
    d: Any,
    *,
    primary: list[str] | None = None,
    relationship: Relationship | None = None,
    top: Table | None = None,
) -> dict[str, Any]:
    kind = TypeKind(f.type.kind)
    out: dict[str, Any] = {"name": f.name}
    if top is not None:
        out["physicalName"] = f.source_name or f.name
    if f.description:
        out["description"] = f.description
    out["logicalType"] = LOGICAL_TYPES[kind]
    options = _logical_options(f)
    if options:
        out["logicalTypeOptions"] = options
    if top is not None:
        # A type this dialect cannot hold: the logical type still says it.
        with contextlib.suppress(UnsupportedTypeError):
            out["physicalType"] = d.type_text(f, key=f.name in (primary or []))
    is_required = required(f, top) if top is not None else not f.nullable
    out["required"] = is_required
    if primary and f.name in primary:
        if len(primary) == 1:
            out["unique"] = True
        out["primaryKey"] = True
        out["primaryKeyPosition"] = primary.index(f.name) + 1
    elif f.constraints is not None and f.constraints.unique:
        out["unique"] = True
    if f.classification:
        out["classification"] = f.classification
    if f.examples:
        out["examples"] = [_plain(v) for v in f.examples]
    if kind is TypeKind.OBJECT and f.type.fields:
        out["properties"] = [_property(m, d) for m in f.type.fields]
    if kind is TypeKind.ARRAY and f.type.items is not None:
        out["items"] = _item(f.type.items, d)
    if relationship is not None:
        out["relationships"] = [
            {
                "type": "foreignKey",
                "to": f"{relationship.to_table}.{relationship.to_fields[0]}",
                "customProperties": _relationship_custom(relationship),
            }
        ]
    if top is not None:
        quality = [q for r in _field_rules(f, top) if (q := _field_quality(r)) is not None]
        if quality:
            out["quality"] = quality
    out["customProperties"] = _field_custom(f, is_required)
    return out


def _field_rules(f: Field, table: Table) -> list[Rule]:
    return [r for r in quality_rules(table) if r.columns == (f.name,) and r.code != "unique"]


def _item(t: DataType, d: Any) -> dict[str, Any]:
    kind = TypeKind(t.kind)
    out: dict[str, Any] = {"logicalType": LOGICAL_TYPES[kind]}
    if kind is TypeKind.OBJECT and t.fields:
        out["properties"] = [_property(m, d) for m in t.fields]
    if kind is TypeKind.ARRAY and t.items is not None:
        out["items"] = _item(t.items, d)
    out["customProperties"] = [_custom("assayType", _type_dump(t))]
    return out


def _type_dump(t: DataType) -> dict[str, Any]:
    """The logical type without nested members (those are properties/items already)."""
    return t.model_copy(update={"fields": None, "items": None}).model_dump(
        mode="json", exclude_none=True
    )


def _field_custom(f: Field, is_required: bool) -> list[dict[str, Any]]:
    custom = [_custom("assayType", _type_dump(f.type))]
    if f.nullable == is_required:  # "required" alone would say the opposite
        custom.append(_custom("assayNullable", f.nullable))
    if f.frequency < 1.0:
        custom.append(_custom("assayFrequency", f.frequency))
    for name, value in (
        ("assayFormat", f.format),
        ("assayConstraints", f.constraints),
        ("assayStats", f.stats),
    ):
        if value is not None:
            custom.append(_custom(name, _dump(value)))
    if f.semantic_type:
        custom.append(_custom("assaySemanticType", f.semantic_type))
    if f.source_name:
        custom.append(_custom("assaySourceName", f.source_name))
    if f.hints:
        custom.append(_custom("assayHints", list(f.hints)))
    if f.evidence:
        custom.append(_custom("assayEvidence", [_dump(e) for e in f.evidence]))
    if f.provenance:
        custom.append(_custom("assayProvenance", [_dump(p) for p in f.provenance]))
    return custom


def _logical_options(f: Field) -> dict[str, Any]:
    t = f.type
    kind = TypeKind(t.kind)
    out: dict[str, Any] = {}
    c = f.constraints
    if kind is TypeKind.STRING:
        if c is not None and c.min_length is not None:
            out["minLength"] = c.min_length
        if c is not None and c.max_length is not None:
            out["maxLength"] = c.max_length
        if c is not None and c.pattern:
            out["pattern"] = c.pattern
        if f.format is not None and f.format.name in _STRING_FORMATS:
            out["format"] = "uri" if f.format.name == "url" else f.format.name
    elif kind in (TypeKind.DATE, TypeKind.DATETIME, TypeKind.TIME):
        if t.pattern:
            out["format"] = jdk_pattern(t.pattern)
        if kind is TypeKind.DATETIME and t.timezone is not None:
            out["timezone"] = bool(t.timezone)
        for key, value in (("minimum", c and c.minimum), ("maximum", c and c.maximum)):
            if value is not None:
                out[key] = str(value)
    elif kind in (TypeKind.INTEGER, TypeKind.DECIMAL, TypeKind.FLOAT):
        for key, value in (("minimum", c and c.minimum), ("maximum", c and c.maximum)):
            if isinstance(value, int | float) and not isinstance(value, bool):
                out[key] = value
        if kind is TypeKind.INTEGER:
            from assay.dialects import integer_bits

            out["format"] = f"i{integer_bits(t)}"
        if kind is TypeKind.FLOAT:
            out["format"] = "f64"
    return out


def jdk_pattern(strftime: str) -> str:
    """``%d.%m.%Y %H:%M`` → ``dd.MM.yyyy HH:mm``; literal letters are quoted."""
    out: list[str] = []
    i = 0
    while i < len(strftime):
        token = strftime[i : i + 2]
        if token in _JDK:
            out.append(_JDK[token])
            i += 2
            continue
        char = strftime[i]
        out.append(f"'{char}'" if char.isalpha() else char)
        i += 1
    return "".join(out)


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


_LIBRARY = {"not_null": "nullValues", "unique": "duplicateValues"}


def _field_quality(rule: Rule) -> dict[str, Any] | None:
    """A column rule in ODCS terms: a library metric where one exists, else SQL."""
    base: dict[str, Any] = {"id": _rule_id(rule), "description": rule.message}
    severity = {"severity": rule.severity}
    if rule.code in _LIBRARY:
        dim = "completeness" if rule.code == "not_null" else "uniqueness"
        return {**base, "type": "library", "metric": _LIBRARY[rule.code], "mustBe": 0,
                "dimension": dim, **severity}  # fmt: skip
    if rule.code == "accepted_values":
        return {**base, "type": "library", "metric": "invalidValues",
                "arguments": {"validValues": [_plain(v) for v in rule.values or ()]},
                "mustBe": 0, "dimension": "conformity", **severity}  # fmt: skip
    if rule.code == "pattern":
        return {**base, "type": "library", "metric": "invalidValues",
                "arguments": {"pattern": rule.pattern}, "mustBe": 0,
                "dimension": "conformity", **severity}  # fmt: skip
    if rule.code in ("range", "max_length"):
        query = f"SELECT COUNT(*) FROM ({rule.to_sql('duckdb')}) AS failing"
        return {**base, "type": "sql", "query": query, "mustBe": 0,
                "dimension": "accuracy", **severity}  # fmt: skip
    return None


def _table_quality(rule: Rule) -> dict[str, Any] | None:
    base: dict[str, Any] = {"id": _rule_id(rule), "description": rule.message}
    if rule.code == "row_count":
        return {**base, "type": "library", "metric": "rowCount",
                "mustBeBetween": [rule.minimum, rule.maximum], "dimension": "completeness",
                "severity": rule.severity}  # fmt: skip
    if rule.code == "unique" and len(rule.columns) > 1:
        query = f"SELECT COUNT(*) FROM ({rule.to_sql('duckdb')}) AS failing"
        return {**base, "type": "sql", "query": query, "mustBe": 0,
                "dimension": "uniqueness", "severity": rule.severity}  # fmt: skip
    return None


def _rule_id(rule: Rule) -> str:
    """ODCS ids allow letters, digits, ``-`` and ``_`` only."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", rule.id)
