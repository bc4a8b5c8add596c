"""JSON Schema (draft 2020-12) for assay tables.

One table becomes an object schema that validates its records; several become ``$defs``.
Everything JSON Schema can say is said with standard keywords; what it cannot (assay's
type, evidence, statistics, decimal precision) goes under ``x-assay-*`` keys, which
validators ignore, so the schema stays usable by any tool while losing nothing.

Choices worth knowing:

- ``required`` lists fields that are neither nullable nor ever missing (frequency 1.0);
  a nullable field allows ``null`` in its ``type`` (and in its ``enum``).
- ``format`` is only emitted where the values really are the standard format: RFC 3339
  ``date-time`` and ``time`` need a UTC offset, so naive datetimes and times, and dates
  and times read with a non-ISO ``pattern``, get ``x-assay-format``/``x-assay-pattern``.
- Decimals are ``number`` with ``x-assay-precision``/``x-assay-scale``.  ``multipleOf``
  is emitted for scale 0 only unless asked for: ``multipleOf: 0.01`` rejects ``19.99`` in
  validators that divide in binary floating point (Python's ``jsonschema`` among them).
- Output is deterministic: keys in a fixed order, members in field order.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic_core import PydanticSerializationError, to_jsonable_python

from assay.schema import DataType, Field, Schema, Table, TypeKind, TypeVisitor

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# assay format names that mean exactly a JSON Schema format (assay's lenient "date-time"
# and "time" checks accept values RFC 3339 does not, so they stay x-assay-format).
STANDARD_FORMATS = {
    "date": "date",
    "email": "email",
    "hostname": "hostname",
    "ipv4": "ipv4",
    "ipv6": "ipv6",
    "uri": "uri",
    "url": "uri",
    "uuid": "uuid",
}
_JSON_TYPES = {
    "null": "null",
    "boolean": "boolean",
    "integer": "integer",
    "decimal": "number",
    "float": "number",
    "object": "object",
    "array": "array",
}
_KEY_ORDER = (
    "$schema", "title", "description", "type", "format", "contentEncoding", "enum", "pattern",
    "minimum", "maximum", "multipleOf", "minLength", "maxLength", "properties", "required",
    "items", "examples",
)  # fmt: skip


def table_json_schema(table: Table, *, decimal_multiple_of: bool = False) -> dict[str, Any]:
    """An object schema validating one record of ``table``."""
    return _ordered({"$schema": DIALECT, **_table(table, decimal_multiple_of)})


def schema_json_schema(schema: Schema, *, decimal_multiple_of: bool = False) -> dict[str, Any]:
    """Every table under ``$defs`` (refer to one as ``#/$defs/<table>``)."""
    out: dict[str, Any] = {
        "$schema": DIALECT,
        "$defs": {t.name: _table(t, decimal_multiple_of) for t in schema.tables},
    }
    if schema.relationships:
        out["x-assay-relationships"] = [
            r.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
            for r in schema.relationships
        ]
    return out


def _table(table: Table, multiple_of: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"title": table.name, "description": table.description}
    out["type"] = "object"
    out.update(_members(_top_level(table.fields), multiple_of))
    out["x-assay-row-count"] = table.row_count
    out["x-assay-sources"] = list(table.sources) or None
    out["x-assay-primary-key"] = list(table.primary_key.fields) if table.primary_key else None
    return _ordered(out)


def _top_level(fields: tuple[Field, ...]) -> list[Field]:
    """Drop flattened copies of nested members (``a.b`` next to object ``a``)."""
    objects = [f.path for f in fields if TypeKind(f.type.kind) is TypeKind.OBJECT]
    return [f for f in fields if not any(f.path.startswith(p + ".") for p in objects)]


def _members(fields: Any, multiple_of: bool) -> dict[str, Any]:
    properties = {f.name: _field(f, multiple_of) for f in fields}
    required = [f.name for f in fields if not f.nullable and f.frequency >= 1.0]
    return {"properties": properties, "required": required or None}


def _field(f: Field, multiple_of: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"description": f.description}
    out.update(_TypeSchema(multiple_of).visit(f.type))
    json_type = out.get("type")
    if f.constraints is not None:
        c = f.constraints
        out["enum"] = None if c.enum is None else [_jsonable(v) for v in c.enum]
        out["pattern"] = c.pattern or out.get("pattern")
        for key, value in (("minimum", c.minimum), ("maximum", c.maximum)):
            if value is not None and json_type in ("integer", "number") and _is_number(value):
                out[key] = _number(value)
            elif value is not None:
                out[f"x-assay-{key}"] = _jsonable(value)
        out["minLength"] = c.min_length
        out["maxLength"] = c.max_length if c.max_length is not None else out.get("maxLength")
        out["x-assay-unique"] = c.unique or None
    if f.format is not None:
        name = STANDARD_FORMATS.get(f.format.name)
        if name and json_type == "string" and out.get("format") in (None, name):
            out["format"] = name
        else:
            out["x-assay-format"] = f.format.name
    if f.nullable:
        _allow_null(out)
    out["examples"] = [_jsonable(v) for v in f.examples] or None
    out["x-assay-type"] = str(f.type)
    out["x-assay-frequency"] = f.frequency if f.frequency < 1.0 else None
    out["x-assay-stats"] = _stats(f)
    out["x-assay-hints"] = list(f.hints) or None
    out["x-assay-semantic-type"] = f.semantic_type
    out["x-assay-classification"] = f.classification
    out["x-assay-source-name"] = f.source_name
    out["x-assay-evidence"] = [
        e.model_dump(mode="json", exclude_none=True, exclude_defaults=True) for e in f.evidence
    ] or None
    return _ordered(out)


def _allow_null(out: dict[str, Any]) -> None:
    json_type = out.get("type")
    if isinstance(json_type, str) and json_type != "null":
        out["type"] = [json_type, "null"]
    elif isinstance(json_type, list) and "null" not in json_type:
        out["type"] = [*json_type, "null"]
    if out.get("enum") is not None and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]


def _stats(f: Field) -> dict[str, Any] | None:
    s = f.stats
    if s is None:
        return None
    out = {"count": s.count, "nulls": s.nulls, "distinct": s.distinct}
    out |= {"distinct_exact": None if s.distinct_exact else False}
    out |= {"min": _jsonable(s.min), "max": _jsonable(s.max)}
    return {k: v for k, v in out.items() if v is not None}


class _TypeSchema(TypeVisitor[dict[str, Any]]):
    """The JSON Schema of a value of each kind (field-level facts are added by the caller)."""

    def __init__(self, multiple_of: bool) -> None:
        self.multiple_of = multiple_of

    def visit_null(self, t: DataType) -> dict[str, Any]:
        return {"type": "null"}

    def visit_boolean(self, t: DataType) -> dict[str, Any]:
        return {"type": "boolean"}

    def visit_integer(self, t: DataType) -> dict[str, Any]:
        return {"type": "integer", "minimum": t.minimum, "maximum": t.maximum}

    def visit_decimal(self, t: DataType) -> dict[str, Any]:
        step = None
        if t.scale == 0:
            step = 1
        elif t.scale is not None and self.multiple_of:
            step = 10.0**-t.scale
        return {
            "type": "number",
            "multipleOf": step,
            "x-assay-precision": t.precision,
            "x-assay-scale": t.scale,
        }

    def visit_float(self, t: DataType) -> dict[str, Any]:
        return {"type": "number"}

    def visit_string(self, t: DataType) -> dict[str, Any]:
        return {"type": "string", "maxLength": t.max_length}

    def visit_date(self, t: DataType) -> dict[str, Any]:
        return self._temporal(t, "date")

    def visit_datetime(self, t: DataType) -> dict[str, Any]:
        return self._temporal(t, "date-time" if t.timezone else "local-date-time")

    def visit_time(self, t: DataType) -> dict[str, Any]:
        return self._temporal(t, "local-time")  # no timezone in the model: RFC 3339 needs one

    def _temporal(self, t: DataType, name: str) -> dict[str, Any]:
        if t.pattern is not None:
            return {"type": "string", "x-assay-pattern": t.pattern}
        key = "format" if name in ("date", "date-time") else "x-assay-format"
        return {"type": "string", key: name}

    def visit_duration(self, t: DataType) -> dict[str, Any]:
        return {"type": "string", "format": "duration"}

    def visit_binary(self, t: DataType) -> dict[str, Any]:
        # The JSON text is base64: 4 characters for every 3 bytes.
        length = None if t.max_length is None else 4 * -(-t.max_length // 3)
        return {"type": "string", "contentEncoding": "base64", "maxLength": length}

    def visit_object(self, t: DataType) -> dict[str, Any]:
        members = {} if t.fields is None else _members(t.fields, self.multiple_of)
        return {"type": "object", **members}

    def visit_array(self, t: DataType) -> dict[str, Any]:
        items = None if t.items is None else _ordered(self.visit(t.items))
        return {"type": "array", "items": items}

    def visit_mixed(self, t: DataType) -> dict[str, Any]:
        kinds = sorted({_JSON_TYPES.get(k, "string") for k in t.distribution or {}})
        if not kinds:
            return {}  # nothing known: any value
        return {"type": kinds[0] if len(kinds) == 1 else kinds}


def _ordered(d: dict[str, Any]) -> dict[str, Any]:
    """Known keywords first in a fixed order, then ``x-assay-*`` as added; no ``None``s."""
    known = [k for k in _KEY_ORDER if d.get(k) is not None]
    rest = [k for k in d if k not in _KEY_ORDER and d[k] is not None]
    return {k: d[k] for k in (*known, *rest)}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _number(value: Any) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _jsonable(value: Any) -> Any:
    try:
        return to_jsonable_python(value)
    except PydanticSerializationError:  # an unusual example must not stop the export
        return str(value)
