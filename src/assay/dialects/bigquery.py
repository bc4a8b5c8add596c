"""BigQuery: INT64, NUMERIC/BIGNUMERIC, STRUCT/ARRAY; keys NOT ENFORCED; OPTIONS(description)."""

from __future__ import annotations

from sqlglot import exp

from assay.dialects.base import Capabilities, SqlDialect
from assay.dialects.types import SqlTypes, UnsupportedTypeError
from assay.schema import DataType, Field, TypeKind


class BigQueryTypes(SqlTypes):
    def integer(self, bits: int) -> str:
        return "INT64"

    def string(self, max_length: int | None) -> str:
        return "STRING"

    def timestamp(self, timezone: bool) -> str:
        return "TIMESTAMP" if timezone else "DATETIME"

    def note(self, field: Field) -> str | None:
        if TypeKind(field.type.kind) is TypeKind.DATETIME and field.type.timezone:
            return "BigQuery TIMESTAMP is an instant: the original UTC offsets are not kept"
        return None

    def visit_decimal(self, t: DataType) -> str:
        scale = t.scale if t.scale is not None else 9
        precision = max(t.precision if t.precision is not None else 38, scale, 1)
        if scale <= 9 and precision - scale <= 29:
            return f"NUMERIC({precision}, {scale})"
        if scale <= 38 and precision - scale <= 38:
            return f"BIGNUMERIC({precision}, {scale})"
        raise UnsupportedTypeError(
            f"decimal({precision},{scale}) does not fit BigQuery: BIGNUMERIC holds at most "
            "38 digits before and 38 after the point",
            hint="store it as text or FLOAT64",
        )

    def visit_boolean(self, t: DataType) -> str:
        return "BOOL"

    def visit_float(self, t: DataType) -> str:
        return "FLOAT64"

    def visit_binary(self, t: DataType) -> str:
        return "BYTES"

    def visit_object(self, t: DataType) -> str:
        if not t.fields:
            return self.json()
        members = ", ".join(f"{self.member_name(f.name)} {self.member_type(f)}" for f in t.fields)
        return f"STRUCT<{members}>"

    def visit_array(self, t: DataType) -> str:
        items = t.items
        if items is None or TypeKind(items.kind) in (TypeKind.ARRAY, TypeKind.NULL):
            return self.json()  # BigQuery has no arrays of arrays
        return f"ARRAY<{self.visit(items)}>"


class BigQuery(SqlDialect):
    name = "bigquery"
    sqlglot_name = "bigquery"
    title = "BigQuery"
    capabilities = Capabilities(
        primary_key="informational",
        foreign_key="informational",
        column_comments="options",
        table_comments="options",
        catalogs=True,
        max_identifier_length=300,
        max_decimal_precision=76,
    )
    types = BigQueryTypes
    folds = None

    def primary_key(self, name: str, columns: list[exp.Identifier]) -> exp.Expression:
        return exp.PrimaryKey(expressions=columns, options=["NOT ENFORCED"])

    def foreign_key(
        self,
        name: str,
        columns: list[exp.Identifier],
        parent: exp.Table,
        parent_columns: list[exp.Identifier],
    ) -> exp.Expression:
        reference = exp.Reference(
            this=exp.Schema(this=parent, expressions=parent_columns), options=["NOT ENFORCED"]
        )
        return exp.Constraint(
            this=self.identifier(name),
            expressions=[exp.ForeignKey(expressions=columns, reference=reference)],
        )
