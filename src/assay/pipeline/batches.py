"""Source batches on their way to a table: joined to a useful size, and the conversion
plan that fills each target column from its source column."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from assay.errors import InputError
from assay.quality.rules import columns
from assay.schema import Field, Table
from assay.sources import SourceBatch
from assay.targets.arrow_types import logical_type
from assay.targets.base import TableInfo
from assay.targets.conversion import ColumnSpec, ConversionPlan
from assay.targets.naming import source_column

COALESCE_ROWS = 65_536


class LoadFailedError(InputError):
    """``--on-error fail``: the first row that could not be loaded stops the load."""

    code = "rejected_row"


def conversion_plan(table: Table, info: TableInfo, extra: set[str]) -> ConversionPlan:
    """The table's columns as the target holds them, each filled from its source column."""
    fields = {f.name: f for f in columns(table)}
    specs = []
    for target_field in info.arrow:
        name = target_field.name
        f = fields.get(name)
        if f is None:  # in the table, not in the data: nulls (rejected where required)
            f = Field(name=name, path=name, type=logical_type(target_field.type))
            source = None
        else:
            source = source_column(f)
        specs.append(
            ColumnSpec(
                name=name,
                source=source,
                field=f,
                target=target_field.type,
                required=name in info.required,
                uuid=name in info.uuid,
            )
        )
    for name in sorted(extra):  # reject-rows: a value for a column the table lacks
        f = fields[name]
        specs.append(
            ColumnSpec(name=f"\0{name}", source=source_column(f), field=f, target=pa.string())
        )
    return ConversionPlan(tuple(specs))


def coalesce(batches: Iterator[SourceBatch], rows: int = COALESCE_ROWS) -> Iterator[SourceBatch]:
    """Consecutive batches of one stream joined to about ``rows`` rows (fewer, larger
    batches: the per-batch work is vectorized, its fixed cost is not).  Batches whose
    columns differ (JSON chunks with other keys) are not joined."""
    parts: list[SourceBatch] = []
    size = 0
    for batch in batches:
        if parts and batch.data.schema != parts[0].data.schema:
            yield _joined(parts)
            parts, size = [], 0
        if not parts and batch.num_rows >= rows:
            yield batch  # large enough already: no copy
            continue
        parts.append(batch)
        size += batch.num_rows
        if size >= rows:
            yield _joined(parts)
            parts, size = [], 0
    if parts:
        yield _joined(parts)


def _joined(parts: list[SourceBatch]) -> SourceBatch:
    if len(parts) == 1:
        return parts[0]
    table = pa.Table.from_batches([p.data for p in parts]).combine_chunks()
    data = table.to_batches()[0] if table.num_rows else parts[0].data

    def lines() -> np.ndarray | None:
        found = [p.line_numbers() for p in parts]
        if any(f is None for f in found):
            return None
        return np.concatenate(found)  # type: ignore[arg-type]

    return SourceBatch(data, parts[0].origin, lines)
