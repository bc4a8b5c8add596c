"""SQL Server: NVARCHAR, DATETIMEOFFSET, UNIQUEIDENTIFIER; comments as extended properties."""

from __future__ import annotations

from sqlglot import exp

from assay.dialects.base import Capabilities, SqlDialect
from assay.dialects.types import SqlTypes, rounded_length
from assay.schema import DataType


class SqlServerTypes(SqlTypes):
    def integer(self, bits: int) -> str:
        return {16: "SMALLINT", 32: "INT", 64: "BIGINT"}[bits]

    def string(self, max_length: int | None) -> str:
        if max_length is None:
            return "NVARCHAR(450)" if self.key else "NVARCHAR(MAX)"  # 900-byte index keys
        size = rounded_length(max_length)
        return f"NVARCHAR({size})" if size <= 4000 else "NVARCHAR(MAX)"

    def timestamp(self, timezone: bool) -> str:
        return "DATETIMEOFFSET(6)" if timezone else "DATETIME2(6)"

    def json(self) -> str:
        return "NVARCHAR(MAX)"

    def uuid(self) -> str:
        return "UNIQUEIDENTIFIER"

    def visit_boolean(self, t: DataType) -> str:
        return "BIT"

    def visit_float(self, t: DataType) -> str:
        return "FLOAT"

    def visit_time(self, t: DataType) -> str:
        return "TIME(6)"

    def visit_duration(self, t: DataType) -> str:
        return "NVARCHAR(64)"

    def visit_binary(self, t: DataType) -> str:
        if t.max_length is not None and t.max_length <= 8000:
            return f"VARBINARY({rounded_length(t.max_length)})"
        return "VARBINARY(MAX)"


class SqlServer(SqlDialect):
    name = "sqlserver"
    sqlglot_name = "tsql"
    title = "SQL Server"
    capabilities = Capabilities(
        column_comments="extended_property",
        table_comments="extended_property",
        create_if_not_exists=False,
        native_uuid=True,
        regex=False,
    )
    types = SqlServerTypes
    folds = None

    def comment_statements(
        self, table: exp.Table, description: str | None, columns: list[tuple[str, str]]
    ) -> list[exp.Expression]:
        """``EXEC sys.sp_addextendedproperty 'MS_Description'``: how SSMS shows descriptions."""
        schema = table.args.get("db")
        level0 = schema.name if schema is not None else "dbo"
        base = [("level0type", "SCHEMA"), ("level0name", level0)]
        base += [("level1type", "TABLE"), ("level1name", table.name)]
        out = []
        if description:
            out.append(_property(description, base))
        for column, text in columns:
            out.append(_property(text, [*base, ("level2type", "COLUMN"), ("level2name", column)]))
        return out


def _property(text: str, levels: list[tuple[str, str]]) -> exp.Expression:
    arguments = [("name", "MS_Description"), ("value", text), *levels]
    return exp.Execute(
        this=exp.to_table("sys.sp_addextendedproperty"),
        expressions=[
            exp.EQ(this=exp.Parameter(this=exp.var(k)), expression=exp.National(this=v))
            for k, v in arguments
        ],
    )
