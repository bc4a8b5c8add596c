"""SQLite: five storage classes; dates as ISO text; foreign keys need PRAGMA foreign_keys=ON."""

from __future__ import annotations

from assay.dialects.base import Capabilities, SqlDialect
from assay.dialects.types import SqlTypes
from assay.schema import DataType


class SQLiteTypes(SqlTypes):
    def integer(self, bits: int) -> str:
        return "INTEGER"

    def decimal(self, precision: int, scale: int) -> str:
        return f"NUMERIC({precision}, {scale})"

    def timestamp(self, timezone: bool) -> str:
        return "TEXT"

    def json(self) -> str:
        return "TEXT"

    def uuid(self) -> str:
        return "TEXT"

    def visit_boolean(self, t: DataType) -> str:
        return "INTEGER"

    def visit_float(self, t: DataType) -> str:
        return "REAL"

    def visit_date(self, t: DataType) -> str:
        return "TEXT"

    def visit_time(self, t: DataType) -> str:
        return "TEXT"

    def visit_duration(self, t: DataType) -> str:
        return "TEXT"

    def visit_binary(self, t: DataType) -> str:
        return "BLOB"


class SQLite(SqlDialect):
    name = "sqlite"
    sqlglot_name = "sqlite"
    title = "SQLite"
    capabilities = Capabilities(
        column_comments="sql_comment",
        table_comments="sql_comment",
        schemas=False,
        regex=False,
        alter_column_type=False,
        drop_not_null=False,
        max_identifier_length=1024,
        max_decimal_precision=1000,
    )
    types = SQLiteTypes
    folds = None

    def schema_hint(self, schema: str) -> str:
        return f"attach a database as {schema} first (ATTACH DATABASE ... AS {schema})"
