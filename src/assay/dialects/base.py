"""What a SQL dialect is to assay: capabilities as data, a type mapper, identifier rules.

Statements are built as sqlglot syntax trees and rendered by sqlglot; this layer adds
what sqlglot alone does not know (or renders invalidly without complaint): which
constraints an engine enforces, where column comments go, which logical types it can
hold natively, how identifiers fold, and the limits it imposes.  Each engine is a small
subclass in its own module that overrides only what differs from :class:`SqlDialect`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import sqlglot
from sqlglot import exp

from assay.dialects.reserved import RESERVED
from assay.dialects.statements import StatementHooks
from assay.dialects.types import SqlTypes
from assay.schema import DataType, Field

# "enforced": the engine checks it; "informational": declared, not checked (planners
# may use it); "none": cannot be declared (emitted as a SQL comment instead).
Enforcement = Literal["enforced", "informational", "none"]
# Where descriptions go: COMMENT ON statements, an inline COMMENT clause, BigQuery's
# OPTIONS(description=...), SQL Server's extended properties, or nowhere (a SQL comment).
CommentStyle = Literal["comment_on", "inline", "options", "extended_property", "sql_comment"]
_SAFE = re.compile(r"^[a-z_][a-z0-9_]*$")
_REFERENCES = re.compile(r"(REFERENCES [^\n(]+ )\(\n(.*?)\n\s*\)", re.DOTALL)


def _one_line(match: re.Match[str]) -> str:
    inner = " ".join(line.strip() for line in match.group(2).splitlines())
    return f"{match.group(1)}({inner})"


@dataclass(frozen=True)
class Capabilities:
    primary_key: Enforcement = "enforced"
    foreign_key: Enforcement = "enforced"
    not_null: bool = True
    column_comments: CommentStyle = "comment_on"
    table_comments: CommentStyle = "comment_on"
    schemas: bool = True  # CREATE SCHEMA exists
    create_if_not_exists: bool = True
    catalogs: bool = False  # three-level names catalog.schema.table
    native_uuid: bool = False
    regex: bool = True  # a regular-expression predicate exists (for pattern checks)
    alter_column_type: bool = True
    drop_not_null: bool = True
    add_column: bool = True
    max_identifier_length: int = 128
    max_decimal_precision: int = 38
    max_decimal_scale: int | None = None  # None: up to the precision


class SqlDialect(StatementHooks):
    """Base dialect: standard SQL as PostgreSQL-like engines write it."""

    name: str = "ansi"
    sqlglot_name: str = ""
    title: str = "ANSI SQL"
    capabilities: Capabilities = Capabilities()
    types: type[SqlTypes] = SqlTypes
    # Case folding of unquoted identifiers: "lower" (PostgreSQL), "upper" (Snowflake,
    # Oracle) or None (case-insensitive or case-preserving engines).
    folds: Literal["lower", "upper"] | None = "lower"

    def __repr__(self) -> str:
        return f"<dialect {self.name}>"

    # ---- types ------------------------------------------------------------------
    def type_text(self, field: Field, *, key: bool = False) -> str:
        """The column type, in this dialect's own syntax, for a field."""
        return self.types(self).field_type(field, key=key)

    def logical_type_text(self, data_type: DataType) -> str:
        return self.types(self).visit(data_type)

    def data_type(self, field: Field, *, key: bool = False) -> exp.DataType:
        """The column type as a sqlglot node (parsed in this dialect, so it round-trips)."""
        return self.parse_type(self.type_text(field, key=key))

    def parse_type(self, text: str) -> exp.DataType:
        """Our type text, checked by sqlglot's parser for this dialect, rendered verbatim.

        sqlglot would sometimes re-spell a valid type (SQLite ``NUMERIC`` as ``REAL``,
        Snowflake ``TIMESTAMP_TZ`` as ``TIMESTAMPTZ``); the documented mapping is ours,
        so the node keeps the text exactly as the mapping wrote it.
        """
        exp.DataType.build(text, dialect=self.sqlglot_name)  # raises on a malformed type
        return exp.DataType(this=exp.DataType.Type.USERDEFINED, kind=text, nullable=False)

    def schema_hint(self, schema: str) -> str:
        return f"create the schema {schema} first"

    # ---- identifiers ------------------------------------------------------------
    def identifier(self, name: str) -> exp.Identifier:
        """An identifier, quoted only when it must be (not a plain lower-case word, or reserved).

        Plain lower-case names stay unquoted so each engine folds them its usual way
        (Snowflake and Oracle to upper case): users can then write them without quotes.
        """
        quoted = not _SAFE.match(name) or name.upper() in self.reserved()
        return exp.Identifier(this=name, quoted=quoted)

    def reserved(self) -> frozenset[str]:
        generator = sqlglot.Dialect.get_or_raise(self.sqlglot_name).generator_class
        extra = {w.upper() for w in getattr(generator, "RESERVED_KEYWORDS", ())}
        return RESERVED | extra

    def table(self, name: str, schema: str | None = None, catalog: str | None = None) -> exp.Table:
        return exp.Table(
            this=self.identifier(name),
            db=self.identifier(schema) if schema else None,
            catalog=self.identifier(catalog) if catalog and self.capabilities.catalogs else None,
        )

    def column(self, name: str, table: str | None = None) -> exp.Column:
        return exp.Column(
            this=self.identifier(name), table=self.identifier(table) if table else None
        )

    # ---- rendering --------------------------------------------------------------
    def render(self, node: exp.Expression, *, pretty: bool = False) -> str:
        text = node.sql(
            dialect=self.sqlglot_name,
            pretty=pretty,
            unsupported_level=sqlglot.ErrorLevel.RAISE,
        )
        if pretty:  # sqlglot breaks a foreign key's column list over lines: keep it on one
            text = _REFERENCES.sub(_one_line, text)
        return text

    def string(self, value: str) -> str:
        """A string literal, escaped for this dialect."""
        return self.render(exp.Literal.string(value))

    # ---- predicates -------------------------------------------------------------
    def regex_match(self, value: exp.Expression, pattern: str) -> exp.Expression:
        """``value`` matches the whole of ``pattern`` (patterns come anchored)."""
        return exp.RegexpLike(this=value, expression=exp.Literal.string(pattern))

    def length(self, value: exp.Expression) -> exp.Expression:
        return exp.Length(this=value)

    def as_text(self, value: exp.Expression) -> exp.Expression:
        return exp.Cast(this=value, to=self.parse_type(self.types(self).text()))
