"""A source batch converted to a target table's columns, with the rows that failed.

Each target column is filled from its source column by :func:`convert_array`; a row
with any value that does not convert is reported once in :class:`RowErrors` (first
failing column, its value as written, a reason code, and a message listing every
failure of the row), so the caller can send it to the rejects table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from assay.quality.formats import FORMAT_PATTERNS
from assay.schema import Field
from assay.targets.convert import ColumnErrors, convert_array, is_json_text

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
            json_text = is_json_text(batch.schema.field(spec.source))
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
