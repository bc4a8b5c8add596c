"""Snowflake: NUMBER, VARCHAR, TIMESTAMP_TZ/NTZ, VARIANT; keys declared but not enforced."""

from __future__ import annotations

from assay.dialects.base import Capabilities, SqlDialect
from assay.dialects.types import SqlTypes
from assay.schema import DataType


class SnowflakeTypes(SqlTypes):
    def string(self, max_length: int | None) -> str:
        return "VARCHAR"

    def timestamp(self, timezone: bool) -> str:
        return "TIMESTAMP_TZ" if timezone else "TIMESTAMP_NTZ"

    def json(self) -> str:
        return "VARIANT"

    def uuid(self) -> str:
        return "VARCHAR(36)"  # Snowflake has no UUID type

    def visit_float(self, t: DataType) -> str:
        return "FLOAT"

    def visit_duration(self, t: DataType) -> str:
        return "VARCHAR"

    def visit_binary(self, t: DataType) -> str:
        return "BINARY"

    def visit_object(self, t: DataType) -> str:
        return "OBJECT"

    def visit_array(self, t: DataType) -> str:
        return "ARRAY"


class Snowflake(SqlDialect):
    name = "snowflake"
    sqlglot_name = "snowflake"
    title = "Snowflake"
    capabilities = Capabilities(
        primary_key="informational",
        foreign_key="informational",
        column_comments="inline",
        table_comments="inline",
        catalogs=True,
        max_identifier_length=255,
    )
    types = SnowflakeTypes
    folds = "upper"
