"""Dialect hooks that shape CREATE TABLE and its companions as sqlglot syntax trees.

:class:`SqlDialect` mixes these in; a dialect overrides a hook only where its engine
differs (BigQuery's ``NOT ENFORCED`` keys and ``OPTIONS(description=…)``, ClickHouse's
engine and sort key, SQL Server's extended properties, …).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

if TYPE_CHECKING:
    from assay.dialects.base import SqlDialect


class StatementHooks:
    """Default shapes: standard SQL as PostgreSQL, DuckDB and most engines accept it."""

    def column_comment(self: SqlDialect, text: str) -> exp.ColumnConstraint | None:
        style = self.capabilities.column_comments
        if style == "inline":
            return exp.ColumnConstraint(
                kind=exp.CommentColumnConstraint(this=exp.Literal.string(text))
            )
        if style == "options":
            return exp.ColumnConstraint(kind=_options(text))
        return None

    def table_properties(
        self: SqlDialect, description: str | None, order_by: list[exp.Identifier]
    ) -> list[exp.Expression]:
        if not description:
            return []
        style = self.capabilities.table_comments
        if style == "inline":
            return [exp.SchemaCommentProperty(this=exp.Literal.string(description))]
        if style == "options":
            return list(_options(description).expressions)
        return []

    def primary_key(self: SqlDialect, name: str, columns: list[exp.Identifier]) -> exp.Expression:
        return exp.Constraint(
            this=self.identifier(name), expressions=[exp.PrimaryKey(expressions=columns)]
        )

    def unique_key(self: SqlDialect, name: str, columns: list[exp.Identifier]) -> exp.Expression:
        return exp.Constraint(
            this=self.identifier(name),
            expressions=[exp.UniqueColumnConstraint(this=exp.Schema(expressions=columns))],
        )

    def foreign_key(
        self: SqlDialect,
        name: str,
        columns: list[exp.Identifier],
        parent: exp.Table,
        parent_columns: list[exp.Identifier],
    ) -> exp.Expression:
        reference = exp.Reference(this=exp.Schema(this=parent, expressions=parent_columns))
        return exp.Constraint(
            this=self.identifier(name),
            expressions=[exp.ForeignKey(expressions=columns, reference=reference)],
        )

    def comment_statements(
        self: SqlDialect,
        table: exp.Table,
        description: str | None,
        columns: list[tuple[str, str]],
    ) -> list[exp.Expression]:
        """COMMENT ON (or SQL Server's extended properties) for the table and its columns."""
        style = self.capabilities.column_comments
        out: list[exp.Expression] = []
        if style == "comment_on":
            if description:
                out.append(
                    exp.Comment(
                        this=table, kind="TABLE", expression=exp.Literal.string(description)
                    )
                )
            for column, text in columns:
                target = exp.Column(
                    this=self.identifier(column),
                    table=table.args.get("this"),
                    db=table.args.get("db"),
                    catalog=table.args.get("catalog"),
                )
                out.append(
                    exp.Comment(this=target, kind="COLUMN", expression=exp.Literal.string(text))
                )
        return out


def _options(description: str) -> exp.Properties:
    return exp.Properties(
        expressions=[
            exp.Property(this=exp.var("description"), value=exp.Literal.string(description))
        ]
    )
