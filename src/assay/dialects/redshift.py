"""Amazon Redshift: VARCHAR in bytes, SUPER for documents; keys informational; COMMENT ON."""

from __future__ import annotations

from assay.dialects.base import Capabilities, SqlDialect
from assay.dialects.types import SqlTypes, rounded_length
from assay.schema import DataType

_VARCHAR_MAX = 65_535


class RedshiftTypes(SqlTypes):
    def string(self, max_length: int | None) -> str:
        if max_length is None:
            return f"VARCHAR({_VARCHAR_MAX})"
        # Lengths are bytes: up to 4 per UTF-8 character.
        return f"VARCHAR({min(rounded_length(max_length * 4), _VARCHAR_MAX)})"

    def json(self) -> str:
        return "SUPER"

    def uuid(self) -> str:
        return "CHAR(36)"

    def visit_duration(self, t: DataType) -> str:
        return "VARCHAR(64)"

    def visit_binary(self, t: DataType) -> str:
        return "VARBYTE"


class Redshift(SqlDialect):
    name = "redshift"
    sqlglot_name = "redshift"
    title = "Amazon Redshift"
    capabilities = Capabilities(
        primary_key="informational",
        foreign_key="informational",
        alter_column_type=False,
        drop_not_null=False,
        max_identifier_length=127,
    )
    types = RedshiftTypes
