"""``infer(paths) -> Schema``: read every row (or a spread sample), profile, decide.

Batches of each input are profiled by a small pool of workers, each with its own
:class:`TableProfile`; the partial profiles are merged (order-free) and turned into
fields.  Files are grouped into tables by name (a directory of exports becomes a
dataset), keys are found per table and foreign keys across tables.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from assay.errors import InputError, UsageError
from assay.inference.decide import DecideOptions, decide_field
from assay.inference.keys import (
    check_composite,
    composite_candidates,
    find_keys,
    find_relationships,
)
from assay.inference.table_profile import ProfileOptions, TableProfile, spread_sample
from assay.schema import DataType, Field, Schema, Table, TypeKind
from assay.sources import Source, SourceBatch, Stream
from assay.sources.source import ReadOptions

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
    **options: Any,
) -> InferResult:
    """``table_of(uri, stream name)`` names each stream's table (default: the stream's
    name; streams of one name are one table)."""
    opts = _options(options)
    # The profiling workers use the cores; the reader parses each chunk as one block on its
    # own thread, which yields batches large enough to profile without joining them.
    source = Source(
        paths if isinstance(paths, list) else [paths],
        ReadOptions.from_kwargs(**{"threads": 1, **(read or {})}),
    )
    profiles: dict[str, TableProfile] = {}
    sources: dict[str, list[str]] = {}
    contexts: dict[str, str] = {}
    for stream in source.streams():
        name = (table_of or _own_name)(stream.detection.uri, stream.name)
        try:
            profile = profile_stream(stream, opts)
        except InputError as exc:
            source.errors.append(exc)
            continue
        if name in profiles:
            profiles[name] = _merge_profiles(profiles[name], profile)
        else:
            profiles[name] = profile
        sources.setdefault(name, []).append(stream.detection.uri)
        dialect = stream.detection.dialect
        contexts[name] = "," if dialect is not None and dialect.delimiter == ";" else "."
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
    if table.primary_key is not None:
        return table
    candidates = composite_candidates(table)
    if not candidates:
        return table
    return check_composite(table, (b.data for b in source.batches()), candidates)


def _composite(table: Table, read: dict[str, Any] | None) -> Table:
    """Look for a two- or three-column key with a second pass over the table's files."""
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
    )


def profile_batches(
    source_batches: Iterable[SourceBatch],
    opts: InferOptions,
    *,
    json_strings: bool,
    estimated_rows: int | None = None,
) -> TableProfile:
    """Profile batches from anywhere (a stream, a staging store) as one table.

    ``json_strings``: the values are JSON, so text that looks like a number stays text.
    """
    from assay.inference.formats_bridge import format_checker

    profile_options = ProfileOptions(
        max_depth=opts.max_depth,
        formats=format_checker() if opts.formats else None,
        json_strings=json_strings,
    )
    if opts.null_tokens is not None:
        profile_options.null_tokens = opts.null_tokens
    fraction = 1.0
    if opts.sample is not None:
        estimate = estimated_rows
        fraction = min(1.0, opts.sample / estimate) if estimate else 1.0
    workers = max(1, opts.threads)
    batches = iter(_coalesce(source_batches))
    head = TableProfile()
    first = next(batches, None)
    if first is None:
        return head
    # The first batch decides, on the calling thread, which candidates and formats are
    # worth testing; every worker starts from that plan, and batch i always goes to
    # worker i mod N in order, so the result is the same for any number of threads.
    prepare = lambda batch: (  # noqa: E731
        spread_sample(batch.data, fraction, batch.origin.first_record)
        if fraction < 1.0
        else batch.data
    )
    # A head of a few thousand rows is enough to plan; the rest of the first batch is
    # profiled by the workers like any other.
    head_rows = min(HEAD_ROWS, first.num_rows)
    head.add(
        prepare(first)[:head_rows] if fraction >= 1.0 else prepare(first),
        first.origin.first_record,
        profile_options,
    )
    rest = None
    if fraction >= 1.0 and first.num_rows > head_rows:
        rest = SourceBatch(first.data.slice(head_rows), first.origin)
        rest_seed = first.origin.first_record + head_rows
    partials = [head.plan() for _ in range(workers)]
    queues: list[queue.Queue[SourceBatch | None]] = [queue.Queue(maxsize=2) for _ in range(workers)]
    failures: list[BaseException] = []

    def work(index: int) -> None:
        while True:
            batch = queues[index].get()
            if batch is None:
                return
            if failures:
                continue
            try:
                partials[index].add(prepare(batch), batch.origin.first_record, profile_options)
            except BaseException as exc:  # re-raised on the calling thread
                failures.append(exc)

    threads = [
        threading.Thread(target=work, args=(i,), name=f"assay-profile-{i}", daemon=True)
        for i in range(workers)
    ]
    for thread in threads:
        thread.start()

    def all_batches() -> Iterable[SourceBatch]:
        if rest is not None:
            yield SourceBatch(rest.data, dataclasses.replace(rest.origin, first_record=rest_seed))
        yield from batches

    try:
        for i, batch in enumerate(all_batches()):
            if failures:
                break
            queues[i % workers].put(batch)
    finally:
        for q in queues:
            q.put(None)
        for thread in threads:
            thread.join()
    if failures:
        raise failures[0]
    merged = head
    for other in partials:
        merged = _merge_profiles(merged, other)
    return merged


COALESCE_ROWS = 65_536
HEAD_ROWS = 16_384


def _coalesce(batches: Iterable[SourceBatch]) -> Iterable[SourceBatch]:
    """Join small batches of one schema into ~128k-row ones: profiling cost per batch
    is mostly fixed overhead (dozens of Arrow calls per column), so fewer, larger
    batches are much cheaper.  Memory stays bounded by the coalesced size."""
    group: list[SourceBatch] = []
    rows = 0
    for batch in batches:
        if group and (batch.data.schema != group[0].data.schema or rows >= COALESCE_ROWS):
            yield _joined(group)
            group, rows = [], 0
        if not group and batch.num_rows >= COALESCE_ROWS:
            yield batch  # large enough already: no copy
            continue
        group.append(batch)
        rows += batch.num_rows
    if group:
        yield _joined(group)


def _joined(group: list[SourceBatch]) -> SourceBatch:
    if len(group) == 1:
        return group[0]
    table = pa.Table.from_batches([b.data for b in group]).combine_chunks()
    return SourceBatch(table.to_batches(max_chunksize=None)[0], group[0].origin)


def _merge_profiles(a: TableProfile, b: TableProfile) -> TableProfile:
    out = TableProfile(rows=a.rows + b.rows)
    for profile in (a, b):
        for path in profile.order:
            out.column(path).merge(profile.columns[path])
    return out


def build_table(
    name: str, profile: TableProfile, sources: Iterable[str], opts: InferOptions, decimal: str
) -> Table:
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
