"""PostgreSQL: JSONB for nested values, arrays of scalars, UUID; COMMENT ON."""

from __future__ import annotations

from assay.dialects.base import Capabilities, SqlDialect
from assay.dialects.types import SqlTypes
from assay.schema import DataType, TypeKind


class PostgresTypes(SqlTypes):
    def json(self) -> str:
        return "JSONB"

    def visit_array(self, t: DataType) -> str:
        items = t.items
        if items is None or TypeKind(items.kind) in (
            TypeKind.OBJECT,
            TypeKind.ARRAY,
            TypeKind.MIXED,
            TypeKind.NULL,
        ):
            return self.json()  # arrays of documents (or of arrays) stay one JSON value
        return f"{self.visit(items)}[]"


class Postgres(SqlDialect):
    name = "postgres"
    sqlglot_name = "postgres"
    title = "PostgreSQL"
    capabilities = Capabilities(
        native_uuid=True, max_identifier_length=63, max_decimal_precision=1000
    )
    types = PostgresTypes
