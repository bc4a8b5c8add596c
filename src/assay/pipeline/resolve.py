"""Which table each input stream loads into, under which (normalised) schema.

With no schema or contract the inputs are inferred (a full scan, the same as
``assay infer``; ``sample=N`` for a spread sample) and each inferred table keeps the
files it came from.  With a schema or contract, a stream loads into the table of its
name (compared by the naming rule), or into the only table there is.  ``table=NAME``
sends every stream to one table (several inferred tables are merged into it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from assay.codegen.ddl import table_order
from assay.errors import InputError, UsageError
from assay.inference.engine import infer_detailed
from assay.inference.evolution import merge_tables
from assay.schema import Schema, Table
from assay.sources import Source, Stream
from assay.sources.source import ReadOptions
from assay.targets.naming import Naming, rename_schema, snake


@dataclass(frozen=True)
class StreamRef:
    """One stream of the inputs, found again by its URI (and zip member or sheet)."""

    uri: str
    name: str
    member: str | None = None
    sheet: str | None = None
    size: int | None = None

    def matches(self, stream: Stream) -> bool:
        d = stream.detection
        return d.uri == self.uri and d.member == self.member and d.sheet == self.sheet


@dataclass
class TableJob:
    table: Table  # normalised names; ``source_name`` keeps the original column names
    streams: list[StreamRef] = field(default_factory=list)


@dataclass
class Resolution:
    schema: Schema  # normalised
    jobs: list[TableJob]  # parents before children
    errors: list[InputError]
    quarantined_while_inferring: int = 0


def list_streams(inputs: list[str], read: ReadOptions) -> tuple[list[StreamRef], list[InputError]]:
    source = Source(inputs, read, quarantine=lambda _record: None)
    refs = [
        StreamRef(
            s.detection.uri, s.name, s.detection.member, s.detection.sheet, s.detection.size_bytes
        )
        for s in source.streams()
    ]
    return refs, list(source.errors)


def resolve(
    inputs: list[str],
    read: ReadOptions,
    *,
    schema: Schema | None,
    table: str | None,
    naming: Naming,
    infer_options: dict[str, Any] | None = None,
    assign: dict[str, str] | None = None,
) -> Resolution:
    """``assign``: file URI -> table, for files whose table is not their own name (the
    pipeline's grouping of ``orders_2024-01.csv`` and ``orders_2024-02.csv`` into
    ``orders``); it applies with a schema."""
    refs, errors = list_streams(inputs, read)
    if not refs:
        if errors:
            raise errors[0]
        raise InputError("nothing to load", path=", ".join(inputs), code="empty")
    quarantined = 0
    if schema is None:
        result = infer_detailed(
            inputs, read={**_read_kwargs(read), "on_error": "skip"}, **(infer_options or {})
        )
        schema, quarantined = result.schema, result.quarantined
        errors += [e for e in result.errors if str(e) not in {str(x) for x in errors}]
        by_uri = {uri: t.name for t in schema.tables for uri in t.sources}
        owner = {ref: by_uri.get(ref.uri) for ref in refs}
    else:
        assign = assign or {}
        owner = {
            ref: assign[ref.uri] if ref.uri in assign else _table_for(ref, schema, table)
            for ref in refs
        }
    if table is not None:
        schema = _one_table(schema, table, {n for n in owner.values() if n})
        owner = {ref: table for ref, name in owner.items() if name}
    renames = {
        t.name: (table if table is not None and t.name == table else None) for t in schema.tables
    }
    renamed = rename_schema(schema, naming, {k: v for k, v in renames.items() if v})
    new_names = {old.name: new.name for old, new in zip(schema.tables, renamed.tables, strict=True)}
    jobs = {t.name: TableJob(t) for t in renamed.tables}
    for ref, name in owner.items():
        if name is not None:
            jobs[new_names[name]].streams.append(ref)
    ordered, _cycles = table_order(renamed)
    return Resolution(
        renamed, [jobs[t.name] for t in ordered if jobs[t.name].streams], errors, quarantined
    )


def _read_kwargs(read: ReadOptions) -> dict[str, Any]:
    defaults = ReadOptions()
    return {
        k: getattr(read, k)
        for k in ReadOptions.__dataclass_fields__
        if getattr(read, k) != getattr(defaults, k)
    }


def _table_for(ref: StreamRef, schema: Schema, table: str | None) -> str:
    names = [t.name for t in schema.tables]
    if table is not None:
        if table in names:
            return table
        if len(names) == 1:
            return names[0]
        raise UsageError(
            f"the schema has no table {table!r}", hint="its tables are: " + ", ".join(names)
        )
    for name in names:
        if name == ref.name or snake(name) == snake(ref.name):
            return name
    if len(names) == 1:
        return names[0]
    raise UsageError(
        f"{ref.uri}: no table named {ref.name!r} in the schema or contract",
        hint="its tables are: " + ", ".join(names) + "; or name one with --table",
    )


def _one_table(schema: Schema, name: str, used: set[str]) -> Schema:
    """Every used table merged into one called ``name``."""
    tables = [t for t in schema.tables if t.name in used]
    if not tables:
        raise UsageError("nothing to load into table " + name)
    merged = reduce(merge_tables, tables) if len(tables) > 1 else tables[0]
    merged = merged.model_copy(update={"name": name})
    others = tuple(t for t in schema.tables if t.name not in used)
    return Schema(tables=(merged, *others), relationships=())
