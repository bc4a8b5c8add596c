"""``infer(paths) -> Schema``: read every row (or a spread sample), profile, decide.

Batches of each input are profiled on a small pool of threads (see
:mod:`assay.inference.scan`); the profile is turned into fields.  Files are grouped
into tables by name (a directory of exports becomes a dataset), keys are found per
table and foreign keys across tables.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from assay.errors import InputError, UsageError
from assay.inference.scan import merge_profiles, profile_batches
from assay.inference.table_profile import TableProfile
from assay.sources import Source, SourceBatch, Stream
from assay.sources.ahead import ReadAhead, source_for
from assay.sources.source import ReadOptions

if TYPE_CHECKING:
    from assay.schema import Field, Schema, Table

# What turns profiles into a schema -- the decision rules, keys, the pydantic models --
# and DuckDB for the sketches load once the first batches after the head are being
# profiled (``load_decisions``), not before: ~0.15 s that planning does not wait for.

log = logging.getLogger(__name__)


@dataclass
class InferOptions:
    tolerance: float = 0.999
    sample: int | None = None
    formats: bool = True
    max_depth: int = 10
    enum_max: int = 12
    min_frequency: float = 0.0
    null_tokens: tuple[str, ...] | None = None
    threads: int = 2
    keys: bool = True


@dataclass
class InferResult:
    schema: Schema
    errors: list[InputError] = field(default_factory=list)
    quarantined: int = 0
    profiles: dict[str, TableProfile] = field(default_factory=dict)


def infer(paths: str | list[str], *, read: dict[str, Any] | None = None, **options: Any) -> Schema:
    """Infer the schema of files, directories, globs or URIs.

    >>> schema = infer("examples/shop")
    >>> [t.name for t in schema.tables]
    ['customers', 'order_items', 'orders', 'payments', 'reviews']
    """
    result = infer_detailed(paths, read=read, **options)
    if not result.schema.tables and result.errors:
        raise result.errors[0]
    return result.schema


def infer_detailed(
    paths: str | list[str],
    *,
    read: dict[str, Any] | None = None,
    table_of: Callable[[str, str], str] | None = None,
    ahead: ReadAhead | None = None,
    **options: Any,
) -> InferResult:
    """``table_of(uri, stream name)`` names each stream's table (default: the stream's
    name; streams of one name are one table).  ``ahead``: the same ``paths`` and ``read``
    already being read (:class:`assay.sources.ahead.ReadAhead`, started before this
    module was imported)."""
    opts = _options(options)
    source = ahead.source if ahead is not None else source_for(paths, read)
    profiles: dict[str, TableProfile] = {}
    sources: dict[str, list[str]] = {}
    contexts: dict[str, str] = {}
    for stream in ahead.streams() if ahead is not None else source.streams():
        name = (table_of or _own_name)(stream.detection.uri, stream.name)
        try:
            profile = profile_stream(stream, opts)
        except InputError as exc:
            source.errors.append(exc)
            continue
        if name in profiles:
            profiles[name] = merge_profiles(profiles[name], profile)
        else:
            profiles[name] = profile
        sources.setdefault(name, []).append(stream.detection.uri)
        dialect = stream.detection.dialect
        contexts[name] = "," if dialect is not None and dialect.delimiter == ";" else "."
    from assay.inference.keys import find_keys, find_relationships
    from assay.schema import Schema

    tables = [
        build_table(name, profiles[name], sources[name], opts, contexts[name])
        for name in sorted(profiles)
    ]
    if opts.keys:
        tables = [find_keys(t, profiles[t.name]) for t in tables]
        tables = [_composite(t, read) for t in tables]
    relationships = find_relationships(tables, profiles) if opts.keys else ()
    schema = Schema(tables=tuple(tables), relationships=tuple(relationships))
    return InferResult(schema, list(source.errors), len(source.quarantined), profiles)


@dataclass
class BatchTable:
    """A table whose batches come from somewhere other than files (e.g. a staging
    store).  ``batches`` is called once to profile and again to check composite keys."""

    name: str
    batches: Callable[[], Iterable[SourceBatch]]
    sources: tuple[str, ...] = ()
    json_strings: bool = False  # JSON values: numbers-as-text stay text
    decimal: str = "."  # the decimal separator convention of the data
    estimated_rows: int | None = None


def infer_batches(tables: Iterable[BatchTable], **options: Any) -> InferResult:
    """Infer a schema from tables of batches, with the same rules as :func:`infer`."""
    from assay.inference.keys import find_keys, find_relationships
    from assay.schema import Schema

    opts = _options(options)
    given = {t.name: t for t in tables}
    profiles = {
        name: profile_batches(
            t.batches(), opts, json_strings=t.json_strings, estimated_rows=t.estimated_rows
        )
        for name, t in given.items()
    }
    built = [
        build_table(name, profiles[name], given[name].sources, opts, given[name].decimal)
        for name in sorted(profiles)
    ]
    if opts.keys:
        built = [find_keys(t, profiles[t.name]) for t in built]
        built = [_composite_batches(t, given[t.name]) for t in built]
    relationships = find_relationships(built, profiles) if opts.keys else ()
    schema = Schema(tables=tuple(built), relationships=tuple(relationships))
    return InferResult(schema, [], 0, profiles)


def _composite_batches(table: Table, source: BatchTable) -> Table:
    from assay.inference.keys import check_composite, composite_candidates

    if table.primary_key is not None:
        return table
    candidates = composite_candidates(table)
    if not candidates:
        return table
    return check_composite(table, (b.data for b in source.batches()), candidates)


def _composite(table: Table, read: dict[str, Any] | None) -> Table:
    """Look for a two- or three-column key with a second pass over the table's files."""
    from assay.inference.keys import check_composite, composite_candidates

    if table.primary_key is not None:
        return table
    candidates = composite_candidates(table)
    if not candidates:
        return table
    source = Source(
        list(table.sources), ReadOptions.from_kwargs(**{**(read or {}), "on_error": "skip"})
    )

    def batches() -> Iterable[pa.RecordBatch]:
        for stream in source.streams():
            for batch in stream.batches():
                yield batch.data

    return check_composite(table, batches(), candidates)


def _options(options: dict[str, Any]) -> InferOptions:
    known = set(InferOptions.__dataclass_fields__)
    unknown = sorted(set(options) - known)
    if unknown:
        raise UsageError(
            f"unknown inference option(s): {', '.join(unknown)}",
            hint=f"valid options are: {', '.join(sorted(known))}",
        )
    opts = InferOptions(**options)
    if not 0.5 <= opts.tolerance <= 1.0:
        raise UsageError("tolerance must be between 0.5 and 1.0")
    if opts.sample is not None and opts.sample < 1:
        raise UsageError("--sample must be a positive number of rows")
    return opts


def _own_name(uri: str, name: str) -> str:
    return name


def profile_stream(stream: Stream, opts: InferOptions) -> TableProfile:
    """Profile one stream's batches on ``opts.threads`` workers and merge the results."""
    return profile_batches(
        stream.batches(),
        opts,
        json_strings=str(stream.detection.format) in ("json", "jsonl"),
        estimated_rows=stream.detection.estimated_rows,
        meanwhile=load_decisions,
    )


def load_decisions() -> None:
    """Import the schema-building half of inference (safe to call again; cheap then)."""
    import duckdb  # noqa: F401  (the sketches' hashing, from the first batch after the head)

    import assay.inference.decide
    import assay.inference.keys
    import assay.schema.model  # noqa: F401


def build_table(
    name: str, profile: TableProfile, sources: Iterable[str], opts: InferOptions, decimal: str
) -> Table:
    from assay.inference.decide import DecideOptions, decide_field
    from assay.schema import Table

    decide = DecideOptions(
        tolerance=opts.tolerance,
        decimal_separator=decimal,
        enum_max=opts.enum_max,
        formats=opts.formats,
    )
    flat: dict[str, Field] = {}
    for path in profile.order:
        column = profile.columns[path]
        flat[path] = decide_field(column, _parent_rows(profile, path), decide)
    fields = _nest(flat, profile.rows, opts.min_frequency)
    return Table(name=name, sources=tuple(sources), row_count=profile.rows, fields=tuple(fields))


def _parent_rows(profile: TableProfile, path: str) -> int:
    """Records in which a field could be present: its object's, or the table's."""
    if path.endswith("[]"):
        return profile.columns[path].present
    parent = path.rsplit(".", 1)[0] if "." in path else None
    if parent is None or parent not in profile.columns:
        return profile.rows
    column = profile.columns[parent]
    return column.present - column.nulls


def _nest(flat: dict[str, Field], rows: int, min_frequency: float) -> list[Field]:
    """Build object/array types from dotted paths (``a.b``) and item paths (``a[]``)."""
    from assay.schema import DataType, TypeKind

    def children(prefix: str) -> list[Field]:
        out = []
        for path, f in flat.items():
            if not path.startswith(prefix):
                continue
            rest = path[len(prefix) :]
            if not rest or "." in rest or "[]" in rest:
                continue
            out.append(build(path, f))
        return out

    def build(path: str, f: Field) -> Field:
        kind = TypeKind(f.type.kind)
        if kind is TypeKind.OBJECT:
            members = children(path + ".")
            return f.model_copy(update={"type": DataType(kind=kind, fields=tuple(members))})
        if kind is TypeKind.ARRAY:
            item = flat.get(path + "[]")
            if item is None:
                return f
            item = build(path + "[]", item)
            return f.model_copy(update={"type": DataType(kind=kind, items=item.type)})
        return f

    top = [build(path, f) for path, f in flat.items() if "." not in path and "[]" not in path]
    return [f for f in top if f.frequency >= min_frequency]


def to_table_batches(table: pa.Table) -> list[pa.RecordBatch]:
    return table.to_batches()
