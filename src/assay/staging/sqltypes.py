"""Logical types → SQL types of the staging engines (DuckDB, PostgreSQL), in one place.

Typed views need a column type per inferred field; this small visitor is all staging
needs and can be swapped for the code generator's DDL mapping later.  Types are sqlglot
``DataType`` expressions, rendered per dialect (``DOUBLE`` becomes ``DOUBLE PRECISION``
on PostgreSQL, and so on).  ``None`` means "keep the text as extracted".
"""

from __future__ import annotations

from sqlglot import exp

from assay.schema import DataType, TypeVisitor

DUCKDB_MAX_DECIMAL = 38
POSTGRES_MAX_DECIMAL = 1000


class SqlType(TypeVisitor["exp.DataType | None"]):
    """The SQL type a typed view gives a field (JSON for objects and arrays)."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    def visit_null(self, t: DataType) -> exp.DataType | None:
        return None

    def visit_boolean(self, t: DataType) -> exp.DataType | None:
        return exp.DataType.build("BOOLEAN")

    def visit_integer(self, t: DataType) -> exp.DataType | None:
        return exp.DataType.build("BIGINT")

    def visit_decimal(self, t: DataType) -> exp.DataType | None:
        precision = t.precision or 38
        scale = t.scale or 0
        limit = DUCKDB_MAX_DECIMAL if self.dialect == "duckdb" else POSTGRES_MAX_DECIMAL
        if precision > limit:
            return None  # wider than the engine's decimal: the exact text is kept
        return exp.DataType.build(f"DECIMAL({precision}, {scale})")

    def visit_float(self, t: DataType) -> exp.DataType | None:
        return exp.DataType.build("DOUBLE")

    def visit_string(self, t: DataType) -> exp.DataType | None:
        return None

    def visit_date(self, t: DataType) -> exp.DataType | None:
        return exp.DataType.build("DATE")

    def visit_datetime(self, t: DataType) -> exp.DataType | None:
        return exp.DataType.build("TIMESTAMPTZ" if t.timezone else "TIMESTAMP")

    def visit_time(self, t: DataType) -> exp.DataType | None:
        return exp.DataType.build("TIME")

    def visit_duration(self, t: DataType) -> exp.DataType | None:
        return exp.DataType.build("INTERVAL")

    def visit_binary(self, t: DataType) -> exp.DataType | None:
        return None  # JSON has no bytes: the text (base64 or hex) stays as written

    def visit_object(self, t: DataType) -> exp.DataType | None:
        return exp.DataType.build("JSON")

    def visit_array(self, t: DataType) -> exp.DataType | None:
        return exp.DataType.build("JSON")

    def visit_mixed(self, t: DataType) -> exp.DataType | None:
        return None


def try_cast_name(data_type: exp.DataType) -> str | None:
    """The PostgreSQL helper (``assay_staging.try_cast_<name>``) for a target type."""
    names = {
        exp.DataType.Type.BIGINT: "bigint",
        exp.DataType.Type.DOUBLE: "double",
        exp.DataType.Type.BOOLEAN: "boolean",
        exp.DataType.Type.DATE: "date",
        exp.DataType.Type.TIMESTAMP: "timestamp",
        exp.DataType.Type.TIMESTAMPTZ: "timestamptz",
        exp.DataType.Type.TIME: "time",
        exp.DataType.Type.INTERVAL: "interval",
        exp.DataType.Type.DECIMAL: "decimal",
    }
    return names.get(data_type.this)
