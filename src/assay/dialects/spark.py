"""Apache Spark SQL: STRUCT/ARRAY, TIMESTAMP_NTZ; no JSON, TIME or key constraints."""

from __future__ import annotations

from sqlglot import exp

from assay.dialects.base import Capabilities, SqlDialect
from assay.dialects.types import SqlTypes
from assay.schema import DataType, Field, TypeKind


class SparkTypes(SqlTypes):
    def integer(self, bits: int) -> str:
        return {16: "SMALLINT", 32: "INT", 64: "BIGINT"}[bits]

    def string(self, max_length: int | None) -> str:
        return "STRING"

    def timestamp(self, timezone: bool) -> str:
        return "TIMESTAMP" if timezone else "TIMESTAMP_NTZ"

    def json(self) -> str:
        return "STRING"  # no JSON type: JSON text

    def uuid(self) -> str:
        return "STRING"

    def note(self, field: Field) -> str | None:
        kind = TypeKind(field.type.kind)
        if kind is TypeKind.TIME:
            return "no TIME type: ISO 8601 text"
        if kind is TypeKind.MIXED:
            return "values of several types: JSON text"
        if kind is TypeKind.DATETIME and field.type.timezone:
            return "TIMESTAMP is an instant: the original UTC offsets are not kept"
        return None

    def visit_float(self, t: DataType) -> str:
        return "DOUBLE"

    def visit_time(self, t: DataType) -> str:
        return "STRING"

    def visit_duration(self, t: DataType) -> str:
        return "STRING"

    def visit_binary(self, t: DataType) -> str:
        return "BINARY"

    def visit_object(self, t: DataType) -> str:
        if not t.fields:
            return self.json()
        members = ", ".join(f"{self.member_name(f.name)}: {self.member_type(f)}" for f in t.fields)
        return f"STRUCT<{members}>"

    def visit_array(self, t: DataType) -> str:
        if t.items is None:
            return self.json()
        return f"ARRAY<{self.visit(t.items)}>"


class Spark(SqlDialect):
    name = "spark"
    sqlglot_name = "spark"
    title = "Spark SQL"
    capabilities = Capabilities(
        primary_key="none",
        foreign_key="none",
        column_comments="inline",
        table_comments="inline",
        alter_column_type=False,
        drop_not_null=False,
        max_identifier_length=255,
    )
    types = SparkTypes
    folds = None
    table_format = "PARQUET"

    def regex_match(self, value: exp.Expression, pattern: str) -> exp.Expression:
        return exp.RegexpLike(this=value, expression=exp.Literal.string(pattern))

    def table_properties(
        self, description: str | None, order_by: list[exp.Identifier]
    ) -> list[exp.Expression]:
        using = (
            [exp.FileFormatProperty(this=exp.var(self.table_format))] if self.table_format else []
        )
        return using + super().table_properties(description, order_by)
