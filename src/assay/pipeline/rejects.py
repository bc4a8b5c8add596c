"""Rows that are not loaded, as batches of the rejects table (one schema everywhere).

Each reject keeps the row as it was read (JSON), its file, line and record number, the
column and value that failed, a reason code (``invalid_date``, ``ragged_row``,
``duplicate_key``, ``foreign_key`` …), the rule where a quality rule rejected it, a
readable message, the load and batch it belonged to, and the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from assay.sources import QuarantinedRecord, SourceBatch
from assay.targets.ledger import REJECTS_SCHEMA


@dataclass(frozen=True)
class BatchContext:
    load_id: str
    batch_id: str
    unit_id: str


@dataclass
class Rejection:
    """Rows of one batch rejected for one reason each (parallel lists)."""

    rows: np.ndarray
    column: list[str | None]
    reason: list[str]
    value: list[str | None]
    message: list[str]
    rule: list[str | None]

    @classmethod
    def same(
        cls,
        rows: np.ndarray,
        reason: str,
        message: str,
        *,
        column: str | None = None,
        rule: str | None = None,
        values: list[str | None] | None = None,
    ) -> Rejection:
        n = len(rows)
        return cls(
            rows, [column] * n, [reason] * n, values or [None] * n, [message] * n, [rule] * n
        )

    def __len__(self) -> int:
        return len(self.rows)


def _json(row: dict[str, object]) -> str:
    return orjson.dumps(row, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def record_numbers(batch: SourceBatch, skipped: list[int]) -> np.ndarray:
    """Record number of every row: the batch's records, minus those the reader set aside.

    A batch's rows are numbered from its first record, but records quarantined inside
    it (a ragged row) have numbers too and are not rows: they are skipped here.
    """
    start, n = batch.origin.first_record, batch.num_rows
    gaps = np.asarray(sorted(r for r in skipped if r >= start), dtype=np.int64)
    if len(gaps) == 0:
        return np.arange(start, start + n, dtype=np.int64)
    numbers = np.arange(start, start + n + len(gaps), dtype=np.int64)
    return numbers[~np.isin(numbers, gaps)][:n]


def rejected_rows(
    batch: SourceBatch, rejection: Rejection, context: BatchContext, skipped: list[int]
) -> pa.RecordBatch:
    """The rejects-table rows for some rows of a source batch."""
    rows = np.asarray(rejection.rows, dtype=np.int64)
    picked = pc.take(batch.data, pa.array(rows, type=pa.int64())).to_pylist()
    lines = batch.line_numbers()
    n = len(rows)
    now = datetime.now(UTC)
    columns = {
        "load_id": [context.load_id] * n,
        "batch_id": [context.batch_id] * n,
        "unit_id": [context.unit_id] * n,
        "source_uri": [batch.origin.uri] * n,
        "line": [int(lines[r]) for r in rows] if lines is not None else [None] * n,
        "record": record_numbers(batch, skipped)[rows].tolist(),
        "column_name": rejection.column,
        "value": rejection.value,
        "reason": rejection.reason,
        "rule": rejection.rule,
        "message": rejection.message,
        "row_data": [_json(r) for r in picked],
        "rejected_at": [now] * n,
    }
    return pa.RecordBatch.from_pydict(columns, schema=REJECTS_SCHEMA)


def quarantined_rows(records: list[QuarantinedRecord], context: BatchContext) -> pa.RecordBatch:
    """Records the reader could not parse (ragged rows, bad JSON, undecodable bytes)."""
    now = datetime.now(UTC)
    n = len(records)
    columns = {
        "load_id": [context.load_id] * n,
        "batch_id": [context.batch_id] * n,
        "unit_id": [context.unit_id] * n,
        "source_uri": [r.uri for r in records],
        "line": [r.line for r in records],
        "record": [r.record for r in records],
        "column_name": [None] * n,
        "value": [None] * n,
        "reason": [r.code for r in records],
        "rule": [None] * n,
        "message": [r.reason for r in records],
        "row_data": [r.text for r in records],
        "rejected_at": [now] * n,
    }
    return pa.RecordBatch.from_pydict(columns, schema=REJECTS_SCHEMA)
