"""Trino (Iceberg connector): ROW/ARRAY, UUID, TIMESTAMP(6) WITH TIME ZONE; no key constraints."""

from __future__ import annotations

from assay.dialects.base import Capabilities, SqlDialect
from assay.dialects.types import SqlTypes
from assay.schema import DataType, Field, TypeKind


class TrinoTypes(SqlTypes):
    def string(self, max_length: int | None) -> str:
        return "VARCHAR"

    def timestamp(self, timezone: bool) -> str:
        return "TIMESTAMP(6) WITH TIME ZONE" if timezone else "TIMESTAMP(6)"

    def json(self) -> str:
        return "VARCHAR"  # table connectors do not store JSON: JSON text

    def note(self, field: Field) -> str | None:
        if TypeKind(field.type.kind) is TypeKind.MIXED:
            return "values of several types: JSON text"
        return None

    def visit_float(self, t: DataType) -> str:
        return "DOUBLE"

    def visit_time(self, t: DataType) -> str:
        return "TIME(6)"

    def visit_duration(self, t: DataType) -> str:
        return "VARCHAR"

    def visit_binary(self, t: DataType) -> str:
        return "VARBINARY"

    def visit_object(self, t: DataType) -> str:
        if not t.fields:
            return self.json()
        members = ", ".join(f"{self.member_name(f.name)} {self.member_type(f)}" for f in t.fields)
        return f"ROW({members})"

    def visit_array(self, t: DataType) -> str:
        if t.items is None:
            return self.json()
        return f"ARRAY({self.visit(t.items)})"


class Trino(SqlDialect):
    name = "trino"
    sqlglot_name = "trino"
    title = "Trino"
    capabilities = Capabilities(
        primary_key="none",
        foreign_key="none",
        column_comments="inline",
        table_comments="inline",
        catalogs=True,
        native_uuid=True,
    )
    types = TrinoTypes
