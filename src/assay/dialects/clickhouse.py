"""ClickHouse (MergeTree): Nullable(T) in the type, named Tuples, ORDER BY key; no foreign keys."""

from __future__ import annotations

from sqlglot import exp

from assay.dialects.base import Capabilities, SqlDialect
from assay.dialects.types import SqlTypes
from assay.schema import DataType, Field, TypeKind

_COMPOSITE = (TypeKind.OBJECT, TypeKind.ARRAY)


class ClickHouseTypes(SqlTypes):
    def integer(self, bits: int) -> str:
        return f"Int{bits}"

    def decimal(self, precision: int, scale: int) -> str:
        return f"Decimal({precision}, {scale})"

    def string(self, max_length: int | None) -> str:
        return "String"

    def timestamp(self, timezone: bool) -> str:
        return "DateTime64(6, 'UTC')" if timezone else "DateTime64(6)"

    def json(self) -> str:
        return "String"

    def uuid(self) -> str:
        return "UUID"

    def nullable(self, text: str, field: Field) -> str:
        if field.nullable and TypeKind(field.type.kind) not in _COMPOSITE:
            return f"Nullable({text})"
        return text

    def note(self, field: Field) -> str | None:
        kind = TypeKind(field.type.kind)
        if field.nullable and kind in _COMPOSITE:
            return "Tuples and Arrays cannot be Nullable: a missing value reads as empty"
        if kind is TypeKind.DATETIME and field.type.timezone:
            return "stored as UTC instants: the original offsets are not kept"
        return None

    def visit_boolean(self, t: DataType) -> str:
        return "Bool"

    def visit_float(self, t: DataType) -> str:
        return "Float64"

    def visit_date(self, t: DataType) -> str:
        return "Date32"

    def visit_time(self, t: DataType) -> str:
        return "String"

    def visit_duration(self, t: DataType) -> str:
        return "String"

    def visit_binary(self, t: DataType) -> str:
        return "String"

    def visit_object(self, t: DataType) -> str:
        if not t.fields:
            return self.json()
        members = ", ".join(f"{self.member_name(f.name)} {self.member_type(f)}" for f in t.fields)
        return f"Tuple({members})"

    def visit_array(self, t: DataType) -> str:
        if t.items is None:
            return "Array(String)"
        inner = self.visit(t.items)
        if TypeKind(t.items.kind) not in _COMPOSITE:
            inner = f"Nullable({inner})"
        return f"Array({inner})"


class ClickHouse(SqlDialect):
    name = "clickhouse"
    sqlglot_name = "clickhouse"
    title = "ClickHouse"
    capabilities = Capabilities(
        primary_key="none",  # a sort key, not a uniqueness constraint
        foreign_key="none",
        not_null=False,  # nullability is part of the type: Nullable(T)
        column_comments="inline",
        table_comments="inline",
        native_uuid=True,
        max_decimal_precision=76,
    )
    types = ClickHouseTypes
    folds = None

    def table_properties(
        self, description: str | None, order_by: list[exp.Identifier]
    ) -> list[exp.Expression]:
        """``ENGINE = MergeTree ORDER BY (key)``: the primary key becomes the sort key."""
        key: exp.Expression = (
            exp.Tuple(expressions=[exp.column(c) for c in order_by])
            if order_by
            else exp.Anonymous(this="tuple", expressions=[])
        )
        properties: list[exp.Expression] = [
            exp.EngineProperty(this=exp.var("MergeTree")),
            exp.Order(expressions=[exp.Ordered(this=key, nulls_first=False)]),
        ]
        return properties + super().table_properties(description, order_by)
