"""Logical type → Arrow type of the loaded column (and back), one visitor.

Every target stores Arrow data, so conversion aims at one Arrow schema per table; the
engine modules only say how they hold nested values (``nested="native"``: structs and
lists, or ``"json"``: JSON text, PostgreSQL's JSONB) and which types they lack.

The widths follow the DDL generator exactly (:func:`assay.dialects.integer_bits`:
16/32/64 bits from the observed range, key columns at least 32), so a value that does
not fit the column is found while converting (reason ``out_of_range``), not by the
engine halfway through an insert.  Timestamps are microseconds everywhere (Iceberg
rejects nanoseconds; DuckDB and PostgreSQL store microseconds).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from assay.dialects import integer_bits
from assay.schema import DataType, Field, TypeKind, TypeVisitor

JSON_TEXT = b"json"  # Arrow field metadata value of assay.encoding for JSON text columns


@dataclass(frozen=True)
class ArrowPolicy:
    """What the engine holds natively."""

    nested: str = "native"  # "native" (struct/list) or "json" (JSON text)
    time: bool = True  # a TIME type exists (Delta has none: times are stored as text)
    max_decimal_precision: int = 38
    min_int_bits: int = 16  # Iceberg has no 16-bit integers


class ArrowTypes(TypeVisitor[pa.DataType]):
    def __init__(self, policy: ArrowPolicy = ArrowPolicy(), *, key: bool = False) -> None:
        self.policy = policy
        self.key = key

    def visit_null(self, t: DataType) -> pa.DataType:
        return pa.string()

    def visit_boolean(self, t: DataType) -> pa.DataType:
        return pa.bool_()

    def visit_integer(self, t: DataType) -> pa.DataType:
        bits = max(integer_bits(t, key=self.key), self.policy.min_int_bits)
        return {16: pa.int16(), 32: pa.int32(), 64: pa.int64()}[bits]

    def visit_decimal(self, t: DataType) -> pa.DataType:
        scale = t.scale if t.scale is not None else 9
        precision = max(t.precision if t.precision is not None else 38, scale, 1)
        if precision > 38:
            return pa.decimal256(min(precision, 76), scale)
        return pa.decimal128(precision, scale)

    def visit_float(self, t: DataType) -> pa.DataType:
        return pa.float64()

    def visit_string(self, t: DataType) -> pa.DataType:
        return pa.string()

    def visit_date(self, t: DataType) -> pa.DataType:
        return pa.date32()

    def visit_datetime(self, t: DataType) -> pa.DataType:
        return pa.timestamp("us", tz="UTC") if t.timezone else pa.timestamp("us")

    def visit_time(self, t: DataType) -> pa.DataType:
        return pa.time64("us") if self.policy.time else pa.string()

    def visit_duration(self, t: DataType) -> pa.DataType:
        return pa.duration("us")

    def visit_binary(self, t: DataType) -> pa.DataType:
        return pa.binary()

    def visit_object(self, t: DataType) -> pa.DataType:
        if self.policy.nested == "json" or not t.fields:
            return pa.string()
        inner = ArrowTypes(self.policy)
        return pa.struct([pa.field(f.name, inner.visit(f.type), True) for f in t.fields])

    def visit_array(self, t: DataType) -> pa.DataType:
        if self.policy.nested == "json" or t.items is None:
            return pa.string()
        if TypeKind(t.items.kind) in (TypeKind.MIXED, TypeKind.NULL):
            return pa.string()
        return pa.list_(ArrowTypes(self.policy).visit(t.items))

    def visit_mixed(self, t: DataType) -> pa.DataType:
        return pa.string()


def is_json_text(data_type: DataType, target: pa.DataType) -> bool:
    """Whether a value of this logical type is stored as JSON text in ``target``."""
    kind = TypeKind(data_type.kind)
    return kind in (TypeKind.OBJECT, TypeKind.ARRAY, TypeKind.MIXED) and pa.types.is_string(target)


def arrow_field(field: Field, policy: ArrowPolicy, *, key: bool = False) -> pa.Field:
    metadata = None
    if is_json_text(field.type, ArrowTypes(policy, key=key).visit(field.type)):
        metadata = {b"assay.encoding": JSON_TEXT}
    return pa.field(
        field.name, ArrowTypes(policy, key=key).visit(field.type), True, metadata=metadata
    )


def logical_type(arrow: pa.DataType) -> DataType:
    """An Arrow column type as a logical type (tables assay did not create, Parquet inputs)."""
    if pa.types.is_boolean(arrow):
        return DataType(kind=TypeKind.BOOLEAN)
    if pa.types.is_integer(arrow):
        bits = arrow.bit_width
        low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
        if bits >= 64:
            return DataType(kind=TypeKind.INTEGER)
        return DataType(kind=TypeKind.INTEGER, minimum=low, maximum=high)
    if pa.types.is_decimal(arrow):
        return DataType(kind=TypeKind.DECIMAL, precision=arrow.precision, scale=arrow.scale)
    if pa.types.is_floating(arrow):
        return DataType(kind=TypeKind.FLOAT)
    if pa.types.is_date(arrow):
        return DataType(kind=TypeKind.DATE)
    if pa.types.is_timestamp(arrow):
        return DataType(kind=TypeKind.DATETIME, timezone=arrow.tz is not None)
    if pa.types.is_time(arrow):
        return DataType(kind=TypeKind.TIME)
    if pa.types.is_duration(arrow):
        return DataType(kind=TypeKind.DURATION)
    if pa.types.is_binary(arrow) or pa.types.is_large_binary(arrow):
        return DataType(kind=TypeKind.BINARY)
    if pa.types.is_struct(arrow):
        members = tuple(Field(name=f.name, path=f.name, type=logical_type(f.type)) for f in arrow)
        return DataType(kind=TypeKind.OBJECT, fields=members)
    if pa.types.is_list(arrow) or pa.types.is_large_list(arrow):
        return DataType(kind=TypeKind.ARRAY, items=logical_type(arrow.value_type))
    return DataType(kind=TypeKind.STRING)
