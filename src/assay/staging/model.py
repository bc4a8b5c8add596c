"""The values the staging modules pass around: counts, batch and file rows, records the
engine refused, and the quarantine rows of a chunk."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa

from assay.sources.model import QuarantinedRecord


@dataclass
class Counts:
    """Records of one file, partition or batch: ``read = staged + duplicates +
    quarantined`` (quarantined: set aside by the reader, the encoder or the engine)."""

    records_read: int = 0
    records_staged: int = 0
    duplicates: int = 0
    quarantined: int = 0

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass(frozen=True)
class BatchInfo:
    batch_id: int
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    config: dict[str, Any]
    files_total: int
    files_staged: int
    files_skipped: int
    files_failed: int
    bytes_read: int
    records_read: int
    records_staged: int
    duplicates: int
    quarantined: int
    error: str | None


@dataclass(frozen=True)
class FileInfo:
    file_id: int
    batch_id: int
    uri: str
    version: int
    status: str
    size_bytes: int | None
    modified_at: datetime | None
    checksum: str | None


BATCH_COLUMNS = ", ".join(f.name for f in fields(BatchInfo))
FILE_COLUMNS = ", ".join(f.name for f in fields(FileInfo))
RECORD_COLUMNS = ("record_no", "line_no", "content_hash", "raw")


@dataclass
class Rejected:
    record_no: int
    line_no: int | None
    text: str
    code: str
    reason: str


def quarantine_table(
    records: list[QuarantinedRecord], batch_id: int, file_id: int, partition: str | None
) -> pa.Table:
    n = len(records)
    return pa.table(
        {
            "batch_id": pa.array([batch_id] * n, pa.int64()),
            "file_id": pa.array([file_id] * n, pa.int64()),
            "partition_key": pa.array([partition] * n, pa.string()),
            "uri": [r.uri for r in records],
            "member": pa.array([r.member for r in records], pa.string()),
            "line_no": pa.array([r.line for r in records], pa.int64()),
            "record_no": pa.array([r.record for r in records], pa.int64()),
            "code": [r.code for r in records],
            "reason": [r.reason for r in records],
            "raw_text": [r.text for r in records],
            "raw": pa.array([r.raw for r in records], pa.binary()),
        }
    )


def json_text(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str).decode()


def batch_info(row: tuple) -> BatchInfo:
    values = list(row)
    config = values[4]
    values[4] = orjson.loads(config) if isinstance(config, str | bytes) else (config or {})
    return BatchInfo(*values)
