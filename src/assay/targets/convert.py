"""Typed conversion of one column into its target Arrow type.

Text goes through :mod:`assay.targets.text_forms` (the rules inference used); values that
already have a type (JSON numbers, Parquet columns) are cast, and a cast that would
lose something (an integer too wide for the column, a float with more decimals than
the decimal's scale) is an error, not a rounding.  Nested objects and arrays are
converted member by member (an error names its path, ``shipping.geo.lat``), or become
JSON text where the engine stores documents.

A value that does not convert is never nulled silently: it is reported as an error
(column path, reason code, mask of rows), and :mod:`assay.targets.conversion` turns the
rows into rejects.  Null tokens (``''``, ``N/A`` … as inference
counted them) are nulls, by the same rule inference applied.
"""

from __future__ import annotations

import threading

import duckdb
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from assay.codegen.casts import null_tokens
from assay.inference.profile import DEFAULT_NULL_TOKENS
from assay.schema import Field, TypeKind
from assay.targets.arrow_types import ArrowPolicy, ArrowTypes
from assay.targets.casting import cast_isolating, invalid_reason, scatter
from assay.targets.text_forms import fast_text, parse_text

ColumnErrors = list[tuple[str, str, np.ndarray]]  # (column path, reason code, row mask)


def is_json_text(f: pa.Field) -> bool:
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
        # One thread: each Python thread has its own helper database, and the Python
        # threads already use the cores (a DuckDB pool per helper oversubscribes them).
        connection = _local.connection = duckdb.connect(":memory:", config={"threads": 1})
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
