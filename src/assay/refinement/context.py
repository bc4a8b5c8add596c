"""What a model is told about a table: schema facts turned into prompt objects.

Only the schema is used here (types, statistics, a few examples, keys), never more raw
data than inference already keeps as examples — with a hosted model, this is what
leaves the machine, and ``--show-prompt`` prints all of it.
"""

from __future__ import annotations

from typing import Any

from assay.llm.prompt import ColumnInfo, TableInfo
from assay.schema import Field, Schema, Table, TypeKind

TOP_VALUES = 8  # categorical columns show their values with counts


def columns_of(table: Table) -> list[Field]:
    """The fields a model documents: top-level ones and object members (dotted paths),
    not array items."""
    out: list[Field] = []

    def walk(fields: tuple[Field, ...]) -> None:
        for f in fields:
            out.append(f)
            if TypeKind(f.type.kind) is TypeKind.OBJECT and f.type.fields:
                walk(f.type.fields)

    walk(table.fields)
    return out


def table_info(table: Table) -> TableInfo:
    context = []
    if table.primary_key is not None:
        context.append(f"Primary key found in the data: {', '.join(table.primary_key.fields)}.")
    if table.description:
        context.append(f"Current description: {table.description}")
    return TableInfo(table.name, table.row_count, tuple(table.sources), "\n".join(context))


def column_info(f: Field, table: Table) -> ColumnInfo:
    s = f.stats
    notes: list[str] = []
    if table.primary_key is not None and table.primary_key.fields == (f.path,):
        notes.append("primary key")
    elif f.constraints is not None and f.constraints.unique:
        notes.append("unique")
    if f.frequency < 1.0:
        notes.append(f"present in {f.frequency:.0%} of records")
    notes.extend(h for h in f.hints if h)
    top: tuple[tuple[str, int], ...] = ()
    if (
        s is not None
        and s.distinct_exact
        and s.distinct is not None
        and 0 < s.distinct <= TOP_VALUES
        and len(s.top_values) >= s.distinct
    ):
        top = tuple((_text(v), int(n)) for v, n in s.top_values[:TOP_VALUES])
    minimum = maximum = None
    if s is not None and s.min is not None and s.max is not None:
        minimum, maximum = _text(s.min), _text(s.max)
    return ColumnInfo(
        path=f.path,
        type=str(f.type),
        nullable=f.nullable,
        rows=s.count if s is not None else table.row_count,
        distinct=s.distinct if s is not None else None,
        distinct_exact=s.distinct_exact if s is not None else True,
        nulls=s.nulls if s is not None else 0,
        minimum=minimum,
        maximum=maximum,
        min_length=s.min_length if s is not None and s.min is None else None,
        max_length=s.max_length if s is not None and s.min is None else None,
        format=f.format.name if f.format is not None else None,
        examples=tuple(_text(e) for e in f.examples),
        top_values=top,
        notes=tuple(notes),
        description=f.description,
    )


def reference_targets(schema: Schema, table: Table) -> tuple[str, ...]:
    """``table.column`` names another table's rows can be found by: keys and unique
    columns of the other tables."""
    out: list[str] = []
    for other in schema.tables:
        if other.name == table.name:
            continue
        keys = {other.primary_key.fields} if other.primary_key else set()
        keys |= {k.fields for k in other.candidate_keys}
        for f in other.fields:
            single = (f.path,) in keys or (f.constraints is not None and f.constraints.unique)
            if single:
                out.append(f"{other.name}.{f.path}")
    return tuple(sorted(set(out)))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)
