"""A bounded sample of a table's values, re-read through :mod:`assay.sources`.

Suggestions are checked against data, not against what a model was told: the table's
files are read again (they are named in ``Table.sources``) and up to ``max_rows`` rows
are kept, spread over the input with the same seeded sampler inference uses for
``--sample``.  When the table has no more rows than that, the sample *is* the table
(``complete``), and checks on it are exact; otherwise the evidence says how many rows
were checked.  Memory stays bounded by ``max_rows`` × the table's columns.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from assay.errors import InputError
from assay.inference.table_profile import spread_sample
from assay.schema import Table
from assay.sources import Source
from assay.sources.source import ReadOptions

log = logging.getLogger(__name__)

DEFAULT_ROWS = 50_000


@dataclass
class TableSample:
    """Values per field path, as read (CSV text stays text; JSON keeps its types)."""

    table: str
    rows: int = 0  # rows in the sample
    total: int = 0  # rows in the table, from the schema
    columns: dict[str, list[pa.Array]] = field(default_factory=dict)
    error: str | None = None  # why no data could be read

    @property
    def available(self) -> bool:
        return self.error is None and self.rows > 0

    @property
    def complete(self) -> bool:
        return self.available and self.rows >= self.total

    def describe(self) -> str:
        if not self.available:
            return "no data"
        if self.complete:
            return f"all {self.rows:,} rows"
        return f"a sample of {self.rows:,} of {self.total:,} rows"

    def values(self, path: str) -> pa.Array | None:
        """All sampled values of ``path`` (nulls included), or None if it has none."""
        parts = self.columns.get(path)
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        types = {p.type for p in parts}
        if len(types) > 1:
            parts = [p.cast(pa.string()) if p.type != pa.string() else p for p in parts]
        return pa.concat_arrays(parts)

    def text(self, path: str) -> pa.Array | None:
        """Non-null values of ``path`` as strings (typed values cast to their text)."""
        values = self.values(path)
        if values is None:
            return None
        values = values.drop_null()
        if pa.types.is_dictionary(values.type):
            values = values.dictionary_decode()
        if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
            try:
                values = values.cast(pa.string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return None
        return values.cast(pa.string()) if pa.types.is_large_string(values.type) else values


def load_sample(
    table: Table, *, max_rows: int = DEFAULT_ROWS, read: dict[str, Any] | None = None
) -> TableSample:
    """Read up to ``max_rows`` rows of ``table`` from its sources (never raises for data
    problems: an unreadable input leaves ``error`` set, and checks that need data are
    then rejected as unconfirmed)."""
    sample = TableSample(table.name, total=table.row_count)
    if not table.sources:
        sample.error = "the schema names no source files for this table"
        return sample
    fraction = 1.0 if table.row_count <= max_rows else max_rows / table.row_count
    options = ReadOptions.from_kwargs(**{**(read or {}), "on_error": "skip"})
    try:
        source = Source(list(table.sources), options)
        for stream in source.streams():
            for batch in stream.batches():
                if sample.rows >= max_rows:
                    break
                data = spread_sample(batch.data, fraction, batch.origin.first_record)
                data = data.slice(0, max_rows - sample.rows)
                _add(sample, data)
                sample.rows += data.num_rows
        if source.errors and not sample.rows:
            sample.error = str(source.errors[0])
    except InputError as exc:
        sample.error = str(exc)
    if sample.error:
        log.warning("cannot check suggestions for %s against data: %s", table.name, sample.error)
    return sample


def _add(sample: TableSample, batch: pa.RecordBatch) -> None:
    for i, name in enumerate(batch.schema.names):
        _add_column(sample, name, batch.column(i))


def _add_column(sample: TableSample, path: str, values: pa.Array) -> None:
    t = values.type
    if pa.types.is_struct(t):
        present = values.filter(pc.is_valid(values)) if values.null_count else values
        for j in range(t.num_fields):
            _add_column(sample, f"{path}.{t.field(j).name}", pc.struct_field(present, j))
        sample.columns.setdefault(path, []).append(values)
        return
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        sample.columns.setdefault(path, []).append(values)
        _add_column(sample, f"{path}[]", pc.list_flatten(values))
        return
    sample.columns.setdefault(path, []).append(values)


class LazySample:
    """A :class:`TableSample` read on first use: the heuristics judge many suggestions
    that need no data (a name says ``identifier``), and a table nobody asks about must
    not be read again."""

    def __init__(self, samples: Samples, table: Table) -> None:
        self._samples = samples
        self._table = table

    def __getattr__(self, name: str) -> Any:
        return getattr(self._samples.get(self._table), name)


class Samples:
    """Samples loaded lazily, once per table, safe to share between chunk workers."""

    def __init__(self, *, max_rows: int = DEFAULT_ROWS, read: dict[str, Any] | None = None):
        self.max_rows = max_rows
        self.read = read
        self._loaded: dict[str, TableSample] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def lazy(self, table: Table) -> LazySample:
        return LazySample(self, table)

    def get(self, table: Table) -> TableSample:
        with self._guard:
            lock = self._locks.setdefault(table.name, threading.Lock())
        with lock:
            if table.name not in self._loaded:
                self._loaded[table.name] = load_sample(
                    table, max_rows=self.max_rows, read=self.read
                )
            return self._loaded[table.name]
