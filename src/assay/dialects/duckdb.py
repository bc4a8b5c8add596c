"""DuckDB: native structs, lists, UUID, JSON; every constraint enforced; COMMENT ON."""

from __future__ import annotations

from sqlglot import exp

from assay.dialects.base import Capabilities, SqlDialect
from assay.dialects.types import SqlTypes
from assay.schema import DataType


class DuckDBTypes(SqlTypes):
    def string(self, max_length: int | None) -> str:
        return "VARCHAR"

    def visit_float(self, t: DataType) -> str:
        return "DOUBLE"

    def visit_binary(self, t: DataType) -> str:
        return "BLOB"

    def visit_object(self, t: DataType) -> str:
        if not t.fields:
            return self.json()
        members = ", ".join(f"{self.member_name(f.name)} {self.member_type(f)}" for f in t.fields)
        return f"STRUCT({members})"

    def visit_array(self, t: DataType) -> str:
        if t.items is None:
            return self.json()
        return f"{self.visit(t.items)}[]"


class DuckDB(SqlDialect):
    name = "duckdb"
    sqlglot_name = "duckdb"
    title = "DuckDB"
    capabilities = Capabilities(native_uuid=True, max_identifier_length=255)
    types = DuckDBTypes
    folds = None

    def regex_match(self, value: exp.Expression, pattern: str) -> exp.Expression:
        return exp.Anonymous(
            this="regexp_full_match", expressions=[value, exp.Literal.string(pattern)]
        )
