"""Typed views over raw records, built as sqlglot syntax trees and rendered per engine.

One SELECT per schema table: each inferred field is extracted from the raw JSON
(``->>`` on DuckDB, ``json_extract_path_text`` on PostgreSQL: sqlglot picks) and
converted to its type.  A value that does not convert becomes NULL and never fails the
view: DuckDB has ``TRY_CAST``/``TRY_STRPTIME``; PostgreSQL has no safe cast, so its
rendering calls the ``assay_staging.try_cast_*`` helpers the migration created.

- Nested objects are flattened: ``shipping.geo.lat`` becomes ``shipping_geo_lat``.
- Arrays (and objects without known members) stay JSON.
- Text is cleaned as inference read it: currency signs and ``%`` dropped, thousands
  separators removed (with a decimal comma, points and spaces group thousands), a
  decimal comma made a point; dates and times with a non-ISO
  pattern are parsed with it; booleans accept true/false, yes/no, y/n, t/f, on/off, 1/0.
- Provenance columns come first: ``_record_id``, ``_batch_id``, ``_file_id``,
  ``_record_no``, ``_line_no``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sqlglot import exp
from sqlglot.dialects.postgres import Postgres

from assay.schema import Field, Table, TypeKind
from assay.staging.ddl import SCHEMA
from assay.staging.sqltypes import SqlType, try_cast_name

_TRUE = ("true", "t", "yes", "y", "on", "1")
_FALSE = ("false", "f", "no", "n", "off", "0")
_PROVENANCE = ("record_id", "batch_id", "file_id", "record_no", "line_no")


@dataclass(frozen=True)
class ViewColumn:
    name: str
    path: tuple[str, ...]  # JSON keys from the record's root
    field: Field
    sql_type: exp.DataType | None


def columns(table: Table, dialect: str) -> list[ViewColumn]:
    """The view's typed columns, in schema order, with unique flattened names."""
    mapper = SqlType(dialect)
    out: list[ViewColumn] = []
    taken = {f"_{name}" for name in _PROVENANCE}

    def walk(fields: tuple[Field, ...], prefix: tuple[str, ...]) -> None:
        for f in fields:
            path = (*prefix, f.source_name or f.name)
            kind = TypeKind(f.type.kind)
            if kind is TypeKind.OBJECT and f.type.fields:
                walk(f.type.fields, path)
                continue
            name = _unique("_".join(p.strip() or "field" for p in path), taken)
            out.append(ViewColumn(name, path, f, mapper.visit(f.type)))

    walk(table.fields, ())
    return out


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate.lower())
    return candidate


def view_select(
    table: Table, *, partition: str, dialect: str, source: str = "current_records"
) -> exp.Select:
    """The SELECT behind a typed view of ``partition``'s records."""
    raw = exp.column("raw", table="r")
    projections: list[exp.Expression] = [
        exp.alias_(exp.column(name, table="r"), f"_{name}", quoted=True) for name in _PROVENANCE
    ]
    for column in columns(table, dialect):
        projections.append(exp.alias_(_value(raw, column, dialect), column.name, quoted=True))
    return (
        exp.select(*projections)
        .from_(exp.table_(source, db=SCHEMA, alias="r"))
        .where(exp.column("partition_key", table="r").eq(exp.Literal.string(partition)))
    )


def _path(keys: tuple[str, ...]) -> exp.JSONPath:
    return exp.JSONPath(expressions=[exp.JSONPathRoot(), *(exp.JSONPathKey(this=k) for k in keys)])


def _value(raw: exp.Expression, column: ViewColumn, dialect: str) -> exp.Expression:
    t = column.sql_type
    if t is not None and t.this == exp.DataType.Type.JSON:
        return exp.JSONExtract(this=raw.copy(), expression=_path(column.path))
    text = exp.JSONExtractScalar(this=raw.copy(), expression=_path(column.path))
    if t is None:
        return text
    f = column.field
    kind = TypeKind(f.type.kind)
    if kind is TypeKind.BOOLEAN:
        token = exp.Lower(this=exp.Trim(this=text))
        return exp.Case(
            ifs=[
                exp.If(this=_in(token, _TRUE), true=exp.true()),
                exp.If(this=_in(token.copy(), _FALSE), true=exp.false()),
            ]
        )
    if kind in (TypeKind.INTEGER, TypeKind.DECIMAL, TypeKind.FLOAT):
        return exp.TryCast(this=_clean_number(text, f.hints), to=t)
    pattern = f.type.pattern
    if kind in (TypeKind.DATE, TypeKind.DATETIME, TypeKind.TIME) and pattern:
        fmt = exp.Literal.string(pattern)
        if kind is TypeKind.DATE:
            return exp.StrToDate(this=exp.Trim(this=text), format=fmt, safe=True)
        parsed = exp.StrToTime(this=exp.Trim(this=text), format=fmt, safe=True)
        if t.this == exp.DataType.Type.TIMESTAMP and dialect == "duckdb":
            return parsed  # already a TIMESTAMP
        return exp.Cast(this=parsed, to=t)
    return exp.TryCast(this=exp.Trim(this=text), to=t)


def _in(value: exp.Expression, tokens: tuple[str, ...]) -> exp.In:
    return exp.In(this=value, expressions=[exp.Literal.string(t) for t in tokens])


def _clean_number(text: exp.Expression, hints: tuple[str, ...]) -> exp.Expression:
    value: exp.Expression = exp.Trim(this=text)
    symbols = [h.split(":", 1)[1] for h in hints if h.startswith("currency:")]
    if "percent" in hints:
        symbols.append("%")
    thousands = [h.split(":", 1)[1] for h in hints if h.startswith("thousands_separator:")]
    comma = "decimal_separator:," in hints
    if comma:  # with a decimal comma, points and spaces group thousands (1.234,56)
        thousands += [".", " "]
    for symbol in dict.fromkeys([*symbols, *thousands]):
        value = _replace(value, symbol, "")
    if comma:
        value = _replace(value, ",", ".")
    return exp.Trim(this=value) if symbols else value


def _replace(value: exp.Expression, old: str, new: str) -> exp.Expression:
    return exp.func("REPLACE", value, exp.Literal.string(old), exp.Literal.string(new))


# ---------------------------------------------------------------- PostgreSQL rendering
def _pg_try_cast(self: Postgres.Generator, e: exp.TryCast) -> str:
    to = e.to
    name = try_cast_name(to)
    if name is None:
        return self.sql(exp.Cast(this=e.this, to=to))
    if name == "decimal":
        precision, scale = (int(x.name) for x in to.expressions)
        call = self.func(
            f"{SCHEMA}.try_cast_decimal",
            e.this,
            exp.Literal.number(precision),
            exp.Literal.number(scale),
            normalize=False,
        )
        return f"CAST({call} AS {self.sql(to)})"
    return self.func(f"{SCHEMA}.try_cast_{name}", e.this, normalize=False)


def _pg_str_to_time(self: Postgres.Generator, e: exp.StrToTime) -> str:
    if not e.args.get("safe"):
        return self.func("TO_TIMESTAMP", e.this, self.format_time(e))
    return self.func(f"{SCHEMA}.try_to_timestamp", e.this, self.format_time(e), normalize=False)


def _pg_str_to_date(self: Postgres.Generator, e: exp.StrToDate) -> str:
    if not e.args.get("safe"):
        return self.func("TO_DATE", e.this, self.format_time(e))
    return self.func(f"{SCHEMA}.try_to_date", e.this, self.format_time(e), normalize=False)


class StagingPostgres(Postgres):
    """PostgreSQL with safe casts: only what differs from sqlglot's dialect."""

    class Generator(Postgres.Generator):
        TRANSFORMS: ClassVar[dict] = {
            **Postgres.Generator.TRANSFORMS,
            exp.TryCast: _pg_try_cast,
            exp.StrToTime: _pg_str_to_time,
            exp.StrToDate: _pg_str_to_date,
        }


def render(select: exp.Expression, dialect: str, *, pretty: bool = True) -> str:
    target = StagingPostgres if dialect == "postgres" else dialect
    return select.sql(dialect=target, pretty=pretty)
