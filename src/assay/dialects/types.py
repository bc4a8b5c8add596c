"""Logical type → SQL column type, one visitor per dialect.

:class:`SqlTypes` is a :class:`~assay.schema.TypeVisitor`, so every logical kind has a
method and none can be forgotten; a dialect subclasses it and overrides only the
methods (or the small hooks: ``integer``, ``string``, ``timestamp``, ``json``, …) where
its types differ.  The result is type text in the dialect's own syntax, which
:class:`~assay.dialects.base.SqlDialect` parses with sqlglot (so a typo cannot slip
through) before rendering.

Choices every dialect shares (see docs/artifacts.md for the full table):

- integers take the smallest width that holds the observed range (16, 32 or 64 bits);
  key columns (primary and foreign keys) at least 32 bits, so ids have room to grow;
- strings in engines that need a length get the observed maximum rounded up to a power
  of two (at least 16); engines without that need get their unbounded text type;
- decimals keep ``(precision, scale)``; one wider than the engine allows is an error
  naming the field, never a silent truncation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assay.errors import SchemaError
from assay.schema import DataType, Field, TypeKind, TypeVisitor

if TYPE_CHECKING:
    from assay.dialects.base import SqlDialect

INT16 = (-(2**15), 2**15 - 1)
INT32 = (-(2**31), 2**31 - 1)


class UnsupportedTypeError(SchemaError):
    """A logical type that a dialect cannot hold (e.g. a decimal wider than it allows)."""

    code = "unsupported_type"


def integer_bits(t: DataType, *, key: bool = False) -> int:
    """16, 32 or 64: the smallest signed width that holds the observed range."""
    if t.minimum is None or t.maximum is None:
        return 64
    bits = 64
    if INT16[0] <= t.minimum and t.maximum <= INT16[1]:
        bits = 16
    elif INT32[0] <= t.minimum and t.maximum <= INT32[1]:
        bits = 32
    return max(bits, 32) if key else bits


def rounded_length(length: int, minimum: int = 16) -> int:
    """The next power of two at or above ``length`` (at least ``minimum``)."""
    size = minimum
    while size < length:
        size *= 2
    return size


def is_uuid(field: Field) -> bool:
    return (
        field.format is not None
        and field.format.name == "uuid"
        and TypeKind(field.type.kind) is TypeKind.STRING
    )


class SqlTypes(TypeVisitor[str]):
    """PostgreSQL-flavoured standard SQL; dialects override what differs."""

    def __init__(self, dialect: SqlDialect) -> None:
        self.dialect = dialect
        self.caps = dialect.capabilities
        self.key = False

    # ---- entry points -----------------------------------------------------------
    def field_type(self, field: Field, *, key: bool = False) -> str:
        self.key = key
        try:
            if is_uuid(field) and self.caps.native_uuid:
                return self.nullable(self.uuid(), field)
            return self.nullable(self.visit(field.type), field)
        finally:
            self.key = False

    def note(self, field: Field) -> str | None:
        """What this dialect's column loses of the logical type, if anything (said in the DDL)."""
        return None

    def nullable(self, text: str, field: Field) -> str:
        """Hook for engines where nullability is part of the type (ClickHouse)."""
        return text

    def member_type(self, field: Field) -> str:
        """The type of a member of a struct (keys never apply inside)."""
        return type(self)(self.dialect).field_type(field)

    # ---- hooks ------------------------------------------------------------------
    def integer(self, bits: int) -> str:
        return {16: "SMALLINT", 32: "INTEGER", 64: "BIGINT"}[bits]

    def decimal(self, precision: int, scale: int) -> str:
        return f"DECIMAL({precision}, {scale})"

    def string(self, max_length: int | None) -> str:
        return "TEXT"

    def text(self) -> str:
        return self.string(None)

    def timestamp(self, timezone: bool) -> str:
        return "TIMESTAMPTZ" if timezone else "TIMESTAMP"

    def json(self) -> str:
        return "JSON"

    def uuid(self) -> str:
        return "UUID"

    def member_name(self, name: str) -> str:
        return self.dialect.identifier(name).sql(dialect=self.dialect.sqlglot_name)

    # ---- visitor ----------------------------------------------------------------
    def visit_null(self, t: DataType) -> str:
        return self.text()

    def visit_boolean(self, t: DataType) -> str:
        return "BOOLEAN"

    def visit_integer(self, t: DataType) -> str:
        return self.integer(integer_bits(t, key=self.key))

    def visit_decimal(self, t: DataType) -> str:
        limit = self.caps.max_decimal_precision
        scale = t.scale if t.scale is not None else 9
        precision = t.precision if t.precision is not None else min(38, limit)
        precision = max(precision, scale, 1)
        if precision > limit:
            raise UnsupportedTypeError(
                f"decimal({precision},{scale}) does not fit {self.dialect.title}: "
                f"its decimals hold at most {limit} digits",
                hint="store it as text or a float, or generate for an engine with wider decimals",
            )
        max_scale = self.caps.max_decimal_scale
        if max_scale is not None and scale > max_scale:
            raise UnsupportedTypeError(
                f"decimal({precision},{scale}) does not fit {self.dialect.title}: "
                f"its decimals hold at most {max_scale} digits after the point",
                hint="round the values, or store them as text",
            )
        return self.decimal(precision, scale)

    def visit_float(self, t: DataType) -> str:
        return "DOUBLE PRECISION"

    def visit_string(self, t: DataType) -> str:
        return self.string(t.max_length)

    def visit_date(self, t: DataType) -> str:
        return "DATE"

    def visit_datetime(self, t: DataType) -> str:
        return self.timestamp(bool(t.timezone))

    def visit_time(self, t: DataType) -> str:
        return "TIME"

    def visit_duration(self, t: DataType) -> str:
        return "INTERVAL"

    def visit_binary(self, t: DataType) -> str:
        return "BYTEA"

    def visit_object(self, t: DataType) -> str:
        return self.json()

    def visit_array(self, t: DataType) -> str:
        return self.json()

    def visit_mixed(self, t: DataType) -> str:
        return self.json()
