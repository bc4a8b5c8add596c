"""Oracle (19c and later): NUMBER, VARCHAR2 in characters, CLOB; no BOOLEAN, TIME or schemas."""

from __future__ import annotations

from assay.dialects.base import Capabilities, SqlDialect
from assay.dialects.types import SqlTypes, rounded_length
from assay.schema import DataType, Field, TypeKind

_DIGITS = {16: 5, 32: 10, 64: 19}


class OracleTypes(SqlTypes):
    def integer(self, bits: int) -> str:
        return f"NUMBER({_DIGITS[bits]})"

    def decimal(self, precision: int, scale: int) -> str:
        return f"NUMBER({precision}, {scale})"

    def string(self, max_length: int | None) -> str:
        if max_length is None:
            return "VARCHAR2(1000 CHAR)" if self.key else "CLOB"
        size = rounded_length(max_length)
        return f"VARCHAR2({size} CHAR)" if size <= 4000 else "CLOB"

    def timestamp(self, timezone: bool) -> str:
        return "TIMESTAMP(6) WITH TIME ZONE" if timezone else "TIMESTAMP(6)"

    def json(self) -> str:
        return "CLOB"

    def uuid(self) -> str:
        return "VARCHAR2(36 CHAR)"

    def note(self, field: Field) -> str | None:
        kind = TypeKind(field.type.kind)
        if kind is TypeKind.BOOLEAN:
            return "Oracle before 23ai has no BOOLEAN: 1 is true, 0 is false"
        if kind is TypeKind.TIME:
            return "Oracle has no TIME type: ISO 8601 text (HH:MM:SS)"
        return None

    def visit_boolean(self, t: DataType) -> str:
        return "NUMBER(1)"

    def visit_float(self, t: DataType) -> str:
        return "BINARY_DOUBLE"

    def visit_time(self, t: DataType) -> str:
        return "VARCHAR2(16 CHAR)"

    def visit_duration(self, t: DataType) -> str:
        return "INTERVAL DAY(9) TO SECOND(6)"

    def visit_binary(self, t: DataType) -> str:
        if t.max_length is not None and t.max_length <= 2000:
            return f"RAW({rounded_length(t.max_length)})"
        return "BLOB"


class Oracle(SqlDialect):
    name = "oracle"
    sqlglot_name = "oracle"
    title = "Oracle"
    capabilities = Capabilities(schemas=False, create_if_not_exists=False)
    types = OracleTypes
    folds = "upper"

    def schema_hint(self, schema: str) -> str:
        return f"create the user (schema) {schema} first"
