"""Typed conversion of a source batch into a target table's Arrow schema.

Text goes through :mod:`assay.targets.text_forms` (the rules inference used); values that
already have a type (JSON numbers, Parquet columns) are cast, and a cast that would
lose something (an integer too wide for the column, a float with more decimals than
the decimal's scale) is an error, not a rounding.  Nested objects and arrays are
converted member by member (an error names its path, ``shipping.geo.lat``), or become
JSON text where the engine stores documents.

A value that does not convert is never nulled silently: its row is reported in
:class:`RowErrors` with the column, the value as written and a reason code, and the
caller sends the row to the rejects table.  Null tokens (``''``, ``N/A`` … as inference
counted them) are nulls, by the same rule inference applied.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import duckdb
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from assay.codegen.casts import null_tokens
from assay.inference.profile import DEFAULT_NULL_TOKENS
from assay.quality.formats import FORMAT_PATTERNS
from assay.schema import Field, TypeKind
from assay.targets.arrow_types import ArrowPolicy, ArrowTypes
from assay.targets.text_forms import (
    cast_isolating,
    fast_text,
    invalid_reason,
    parse_text,
    scatter,
)

ColumnErrors = list[tuple[str, str, np.ndarray]]  # (column path, reason code, row mask)
MESSAGES = {
    "invalid_integer": "is not an integer",
    "invalid_decimal": "is not a decimal number",
    "invalid_number": "is not a number",
    "invalid_boolean": "is not a boolean (true/false, yes/no, y/n, t/f, on/off)",
    "invalid_date": "is not a valid date",
    "invalid_datetime": "is not a valid date and time",
    "invalid_time": "is not a valid time of day",
    "invalid_uuid": "is not a UUID",
    "invalid_value": "cannot be converted",
    "out_of_range": "does not fit the column type",
    "too_many_decimals": "has more decimal places than the column keeps",
    "missing_value": "is required but missing",
    "type_mismatch": "has the wrong JSON type",
}


@dataclass(frozen=True)
class ColumnSpec:
    """How one target column is filled: from which source column, with which rules."""

    name: str
    source: str | None  # the source column; None: absent from the source (nulls)
    field: Field  # the logical field: its form, hints and null tokens
    target: pa.DataType
    required: bool = False
    uuid: bool = False  # the engine stores a native UUID: other text must not reach it


@dataclass(frozen=True)
class ConversionPlan:
    columns: tuple[ColumnSpec, ...]

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.target) for c in self.columns])


@dataclass
class RowErrors:
    """The rows of a batch that did not convert: first failing column and all failures."""

    rows: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    column: list[str] = field(default_factory=list)
    reason: list[str] = field(default_factory=list)
    value: list[str | None] = field(default_factory=list)
    message: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


def convert_batch(batch: pa.RecordBatch, plan: ConversionPlan) -> tuple[pa.RecordBatch, RowErrors]:
    """Every row of ``batch`` in the plan's schema (rows that failed hold nulls) + errors."""
    n = batch.num_rows
    arrays: list[pa.Array] = []
    errors: ColumnErrors = []
    names = set(batch.schema.names)
    for spec in plan.columns:
        if spec.source is None or spec.source not in names:
            values = pa.nulls(n, spec.target)
            missing = np.ones(n, dtype=bool)
        else:
            column = batch.column(spec.source)
            json_text = _is_json_text(batch.schema.field(spec.source))
            values, found, missing = convert_array(
                column, spec.field, spec.target, spec.name, json_text=json_text
            )
            if spec.uuid and pa.types.is_string(spec.target):
                found += _check_uuid(values, spec.name)
            errors += found
        if spec.required:
            failed = np.zeros(n, dtype=bool)
            for path, _code, mask in errors:
                if path == spec.name or path.startswith(spec.name + "."):
                    failed |= mask
            absent = missing & ~failed
            if absent.any():
                errors.append((spec.name, "missing_value", absent))
        arrays.append(values)
    typed = pa.RecordBatch.from_arrays(arrays, schema=plan.schema)
    return typed, _row_errors(batch, plan, errors)


def _is_json_text(f: pa.Field) -> bool:
    return bool(f.metadata) and f.metadata.get(b"assay.encoding") == b"json"


def convert_array(
    values: pa.Array | pa.ChunkedArray,
    fld: Field,
    target: pa.DataType,
    path: str,
    *,
    json_text: bool = False,
) -> tuple[pa.Array, ColumnErrors, np.ndarray]:
    """``values`` as ``target``; errors per reason; the mask of nulls (absent values)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    if pa.types.is_large_string(values.type):
        values = values.cast(pa.string())
    n = len(values)
    kind = TypeKind(fld.type.kind)
    json_target = _json_target(fld, target)
    if json_target:
        missing = np.asarray(values.is_null(), dtype=bool)
        native = ArrowTypes(ArrowPolicy()).visit(fld.type)
        if (pa.types.is_struct(values.type) or _is_list(values.type)) and (
            pa.types.is_struct(native) or _is_list(native)
        ):
            # Members are checked as on engines with native structs (same rejects
            # everywhere), then the typed value is written as one JSON document.
            typed, errors, missing = convert_array(values, fld, native, path)
            return _to_json(typed, False), errors, missing
        return _to_json(values, json_text), [], missing
    if pa.types.is_null(values.type):
        return pa.nulls(n, target), [], np.ones(n, dtype=bool)
    if pa.types.is_string(values.type):
        if json_text:
            values = _json_literals(values)
        return _convert_text(values, fld, target, path)
    if pa.types.is_struct(values.type) and pa.types.is_struct(target):
        return _convert_struct(values, fld, target, path)
    if _is_list(values.type) and _is_list(target):
        return _convert_list(values, fld, target, path)
    missing = np.asarray(values.is_null(), dtype=bool)
    if pa.types.is_floating(values.type) and pa.types.is_decimal(target):
        typed, bad = cast_isolating(values, target)
        # A float is exact at the column's scale when rounding to it changes nothing (the
        # decimal → float cast itself is not exact, so no round trip through it).
        floats = pc.cast(values, pa.float64())
        rounded = pc.round(floats, ndigits=target.scale)
        lost = np.asarray(pc.fill_null(pc.not_equal(rounded, floats), False), dtype=bool)
        errors: ColumnErrors = []
        if bad is not None:
            errors.append((path, "out_of_range", bad))
        if bad is not None:
            lost &= ~bad
        if lost.any():
            errors.append((path, "too_many_decimals", lost))
            typed = pc.if_else(pa.array(lost), pa.scalar(None, target), typed)
        return typed, errors, missing
    if pa.types.is_timestamp(values.type) and pa.types.is_timestamp(target):
        if values.type.tz is None and target.tz is not None:
            values = pc.assume_timezone(values, "UTC")
        values = values.cast(pa.timestamp("us", tz=values.type.tz), safe=False)
    compatible = _kinds_compatible(values.type, target)
    if not compatible:
        mask = ~missing
        return pa.nulls(n, target), ([(path, "type_mismatch", mask)] if mask.any() else []), missing
    typed, bad = cast_isolating(values, target)
    if bad is None:
        return typed, [], missing
    code = "out_of_range" if pa.types.is_integer(values.type) else invalid_reason(kind)
    return typed, [(path, code, bad)], missing


def _is_list(t: pa.DataType) -> bool:
    return pa.types.is_list(t) or pa.types.is_large_list(t)


def _kinds_compatible(source: pa.DataType, target: pa.DataType) -> bool:
    numeric = (pa.types.is_integer, pa.types.is_floating, pa.types.is_decimal)
    if pa.types.is_string(target) or pa.types.is_large_string(target):
        return not (pa.types.is_struct(source) or _is_list(source))
    if any(test(target) for test in numeric):
        return any(test(source) for test in numeric)
    if pa.types.is_boolean(target):
        return pa.types.is_boolean(source)
    if pa.types.is_temporal(target):
        return pa.types.is_temporal(source)
    return True


def _json_target(fld: Field, target: pa.DataType) -> bool:
    kind = TypeKind(fld.type.kind)
    return kind in (TypeKind.OBJECT, TypeKind.ARRAY, TypeKind.MIXED) and pa.types.is_string(target)


def tokens_for(fld: Field) -> tuple[pa.Array, bool]:
    """The values read as null for this field, and whether blank text is null too."""
    seen = set(null_tokens(fld))
    if TypeKind(fld.type.kind) is TypeKind.STRING:
        tokens = {t for t in seen if t != "<blank>"} | {""}
        return pa.array(sorted(tokens), pa.string()), "<blank>" in seen
    tokens = (set(DEFAULT_NULL_TOKENS) | seen) - {"<blank>"}
    return pa.array(sorted(tokens), pa.string()), True


def _convert_text(
    values: pa.Array, fld: Field, target: pa.DataType, path: str
) -> tuple[pa.Array, ColumnErrors, np.ndarray]:
    tokens, blank = tokens_for(fld)
    if pa.types.is_string(target) and TypeKind(fld.type.kind) is TypeKind.STRING:
        if not blank and tokens.to_pylist() == [""]:  # the common case: only '' is null
            empty = pc.equal(pc.binary_length(values), 0)
            typed = pc.if_else(empty, pa.scalar(None, pa.string()), values)
            return typed, [], np.asarray(typed.is_null(), dtype=bool)
    else:
        fast = fast_text(values, fld, target)
        if fast is not None:
            return fast, [], np.asarray(fast.is_null(), dtype=bool)
    null = pc.or_(pc.is_null(values), pc.fill_null(pc.is_in(values, value_set=tokens), False))
    if blank:
        null = pc.or_(null, pc.fill_null(pc.utf8_is_space(values), False))
    missing = np.asarray(null.to_numpy(zero_copy_only=False), dtype=bool)
    present = ~missing
    if not present.any():
        return pa.nulls(len(values), target), [], missing
    subset = values if present.all() else pc.filter(values, pa.array(present))
    typed, found = parse_text(subset, fld, target)
    errors = [(path, code, _expand(mask, present)) for code, mask in found.items() if mask.any()]
    return scatter(typed, present, target), errors, missing


def _expand(mask: np.ndarray, keep: np.ndarray) -> np.ndarray:
    if len(mask) == len(keep):
        return mask
    out = np.zeros(len(keep), dtype=bool)
    out[np.flatnonzero(keep)] = mask
    return out


def _convert_struct(
    values: pa.StructArray, fld: Field, target: pa.StructType, path: str
) -> tuple[pa.Array, ColumnErrors, np.ndarray]:
    members = {f.name: f for f in fld.type.fields or ()}
    present = {values.type.field(i).name: i for i in range(values.type.num_fields)}
    children: list[pa.Array] = []
    errors: ColumnErrors = []
    valid = values.is_valid()
    for i in range(target.num_fields):
        child_type = target.field(i)
        member = members.get(child_type.name) or Field(
            name=child_type.name, path=child_type.name, type=_logical(child_type.type)
        )
        if child_type.name in present:
            raw = values.field(present[child_type.name])
            child, found, _ = convert_array(raw, member, child_type.type, f"{path}.{member.name}")
            errors += [(p, c, m & np.asarray(valid, dtype=bool)) for p, c, m in found]
        else:
            child = pa.nulls(len(values), child_type.type)
        children.append(child)
    mask = pc.invert(valid)
    result = pa.StructArray.from_arrays(children, fields=list(target), mask=mask)
    return result, errors, np.asarray(mask, dtype=bool)


def _logical(t: pa.DataType):  # type: ignore[no-untyped-def]
    from assay.targets.arrow_types import logical_type

    return logical_type(t)


def _convert_list(
    values: pa.ListArray, fld: Field, target: pa.ListType, path: str
) -> tuple[pa.Array, ColumnErrors, np.ndarray]:
    offsets = values.offsets
    start = offsets[0].as_py()
    flat = values.values.slice(start, offsets[-1].as_py() - start)
    items = fld.type.items
    item_field = Field(
        name="item",
        path=f"{path}[]",
        type=items if items is not None else _logical(target.value_type),
    )
    typed, found, _ = convert_array(flat, item_field, target.value_type, f"{path}[]")
    parents = np.asarray(pc.list_parent_indices(values), dtype=np.int64)
    errors: ColumnErrors = []
    for p, code, mask in found:
        rows = np.zeros(len(values), dtype=bool)
        rows[parents[mask]] = True
        errors.append((p, code, rows))
    new_offsets = pc.subtract(offsets, pa.scalar(start, offsets.type))
    result = pa.ListArray.from_arrays(
        new_offsets, typed, type=target, mask=pc.invert(values.is_valid())
    )
    return result, errors, np.asarray(values.is_null(), dtype=bool)


def _json_literals(values: pa.Array) -> pa.Array:
    """JSON text of scalars (``5``, ``"N/A"``, ``true``) as plain text; ``null`` → null."""
    quoted = pc.fill_null(pc.starts_with(values, '"'), False)
    text = pc.if_else(quoted, pc.utf8_slice_codeunits(values, 1, -1), values)
    text = pc.if_else(pc.equal(values, "null"), pa.scalar(None, pa.string()), text)
    escaped = pc.and_(quoted, pc.fill_null(pc.match_substring(values, "\\"), False))
    if pc.any(escaped).as_py():
        rows = np.flatnonzero(np.asarray(escaped.to_numpy(zero_copy_only=False), dtype=bool))
        python = text.to_pylist()
        raw = values.to_pylist()
        for i in rows:
            python[i] = orjson.loads(raw[i])
        text = pa.array(python, pa.string())
    return text


_local = threading.local()


def _duckdb() -> duckdb.DuckDBPyConnection:
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = _local.connection = duckdb.connect(":memory:")
        connection.execute("SET enable_progress_bar = false")
        connection.execute("SET TimeZone = 'UTC'")
    return connection


def _to_json(values: pa.Array, json_text: bool) -> pa.Array:
    """Nested values as JSON text (engines that store documents, or mixed types)."""
    if pa.types.is_string(values.type):
        return values if json_text else pc.cast(values, pa.string())
    if not (pa.types.is_struct(values.type) or _is_list(values.type)):
        return pc.cast(values, pa.string())
    connection = _duckdb()
    connection.register("assay_json_values", pa.table({"v": values}))
    try:
        result = connection.sql("SELECT to_json(v)::VARCHAR AS j FROM assay_json_values")
        return result.to_arrow_table().column("j").combine_chunks().cast(pa.string())
    finally:
        connection.unregister("assay_json_values")


def _check_uuid(values: pa.Array, path: str) -> ColumnErrors:
    ok = pc.match_substring_regex(values, FORMAT_PATTERNS["uuid"])
    bad = np.asarray(pc.invert(pc.fill_null(ok, True)).to_numpy(zero_copy_only=False), dtype=bool)
    return [(path, "invalid_uuid", bad)] if bad.any() else []


def _row_errors(batch: pa.RecordBatch, plan: ConversionPlan, errors: ColumnErrors) -> RowErrors:
    if not errors:
        return RowErrors()
    n = batch.num_rows
    any_bad = np.zeros(n, dtype=bool)
    for _p, _c, mask in errors:
        any_bad |= mask
    rows = np.flatnonzero(any_bad)
    sources = {c.name: c.source for c in plan.columns}
    out = RowErrors(rows=rows.astype(np.int64))
    per_row: dict[int, list[tuple[str, str, str | None]]] = {int(r): [] for r in rows}
    for path, code, mask in errors:
        hits = np.flatnonzero(mask)
        top = path.split(".")[0].split("[")[0]
        source = sources.get(top)
        texts = _values_text(batch, source, hits, path, top)
        for r, text in zip(hits.tolist(), texts, strict=True):
            per_row[r].append((path, code, text))
    for r in rows.tolist():
        failures = per_row[r]
        path, code, text = failures[0]
        out.column.append(path)
        out.reason.append(code)
        out.value.append(text)
        out.message.append("; ".join(_message(p, c, t) for p, c, t in failures))
    return out


def _message(path: str, code: str, text: str | None) -> str:
    what = MESSAGES.get(code, code.replace("_", " "))
    if code == "missing_value" or text is None:
        return f"{path} {what}"
    return f"{path}: {text!r} {what}"


def _values_text(
    batch: pa.RecordBatch, source: str | None, rows: np.ndarray, path: str, top: str
) -> list[str | None]:
    if source is None or source not in batch.schema.names:
        return [None] * len(rows)
    picked = pc.take(batch.column(source), pa.array(rows, type=pa.int64())).to_pylist()
    inner = path[len(top) :].lstrip(".")
    out: list[str | None] = []
    for value in picked:
        for part in inner.split(".") if inner and "[" not in inner else ():
            value = value.get(part) if isinstance(value, dict) else None
        if value is None or isinstance(value, str):
            out.append(value)
        else:
            out.append(orjson.dumps(value, default=str).decode())
    return out
