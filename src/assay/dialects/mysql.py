"""MySQL 8 (InnoDB): VARCHAR needs a length for keys; DATETIME keeps no time zone."""

from __future__ import annotations

from assay.dialects.base import Capabilities, SqlDialect
from assay.dialects.types import SqlTypes, rounded_length
from assay.schema import DataType, Field, TypeKind

# utf8mb4: 4 bytes a character, 65,535 bytes a row: longer text goes to MEDIUMTEXT.
_VARCHAR_MAX = 16_383


class MySQLTypes(SqlTypes):
    def integer(self, bits: int) -> str:
        return {16: "SMALLINT", 32: "INT", 64: "BIGINT"}[bits]

    def string(self, max_length: int | None) -> str:
        if max_length is None:
            return "VARCHAR(255)" if self.key else "TEXT"
        size = rounded_length(max_length)
        return f"VARCHAR({size})" if size <= _VARCHAR_MAX else "MEDIUMTEXT"

    def timestamp(self, timezone: bool) -> str:
        return "DATETIME(6)"  # with a time zone: stored as UTC (MySQL keeps no offset)

    def note(self, field: Field) -> str | None:
        if TypeKind(field.type.kind) is TypeKind.DATETIME and field.type.timezone:
            return "MySQL keeps no time zone: values are stored converted to UTC"
        return None

    def uuid(self) -> str:
        return "CHAR(36)"

    def visit_float(self, t: DataType) -> str:
        return "DOUBLE"

    def visit_time(self, t: DataType) -> str:
        return "TIME(6)"

    def visit_duration(self, t: DataType) -> str:
        return "VARCHAR(64)"

    def visit_binary(self, t: DataType) -> str:
        if t.max_length is not None and t.max_length <= _VARCHAR_MAX:
            return f"VARBINARY({rounded_length(t.max_length)})"
        return "LONGBLOB"


class MySQL(SqlDialect):
    name = "mysql"
    sqlglot_name = "mysql"
    title = "MySQL"
    capabilities = Capabilities(
        column_comments="inline",
        table_comments="inline",
        max_identifier_length=64,
        max_decimal_precision=65,
        max_decimal_scale=30,
    )
    types = MySQLTypes
    folds = None
