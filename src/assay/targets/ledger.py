"""Load bookkeeping kept in the target: which source file loaded what, and the rejects.

A *unit* is one source file (or zip member, or sheet) loaded into one table.  Its id
hashes the table, the source and the source's fingerprint (size, modification time
and the bytes at both ends), so re-running a load recognises files it finished and a
changed file counts as new.  Each engine stores :class:`UnitRecord` its own way (a
``_assay_loads`` table, Iceberg snapshot properties, Delta commit metadata, a
manifest next to Parquet files) behind :meth:`assay.targets.Target.units`; the staging
store can later hold the same records.

Rejects share one Arrow schema on every engine: the row as read (JSON), where it came
from, what failed and why, the load and batch, and when.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass
from typing import Any

import pyarrow as pa

LOADS_TABLE = "_assay_loads"
TABLES_TABLE = "_assay_tables"
REJECTS_SUFFIX = "__rejects"
EDGE_BYTES = 1 << 20

REJECTS_SCHEMA = pa.schema(
    [
        pa.field("load_id", pa.string()),
        pa.field("batch_id", pa.string()),
        pa.field("unit_id", pa.string()),
        pa.field("source_uri", pa.string()),
        pa.field("line", pa.int64()),
        pa.field("record", pa.int64()),
        pa.field("column_name", pa.string()),
        pa.field("value", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("rule", pa.string()),
        pa.field("message", pa.string()),
        pa.field("row_data", pa.string()),
        pa.field("rejected_at", pa.timestamp("us", tz="UTC")),
    ]
)
LOADS_SCHEMA = pa.schema(
    [
        pa.field("unit_id", pa.string()),
        pa.field("table_name", pa.string()),
        pa.field("source_uri", pa.string()),
        pa.field("fingerprint", pa.string()),
        pa.field("load_id", pa.string()),
        pa.field("mode", pa.string()),
        pa.field("rows_read", pa.int64()),
        pa.field("rows_loaded", pa.int64()),
        pa.field("rows_rejected", pa.int64()),
        pa.field("duplicates_skipped", pa.int64()),
        pa.field("finished_at", pa.string()),
    ]
)


def rejects_table(table: str) -> str:
    return table + REJECTS_SUFFIX


@dataclass(frozen=True)
class UnitRecord:
    """What one source file put into one table (a row of the ledger)."""

    unit_id: str
    table_name: str
    source_uri: str
    fingerprint: str
    load_id: str
    mode: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    duplicates_skipped: int = 0
    finished_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UnitRecord:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        for k in ("rows_read", "rows_loaded", "rows_rejected", "duplicates_skipped"):
            known[k] = int(known.get(k) or 0)
        return cls(**{k: (v if v is not None else "") for k, v in known.items()})


def unit_id(table: str, source: str, fingerprint: str) -> str:
    return hashlib.sha1(f"{table}\0{source}\0{fingerprint}".encode()).hexdigest()[:20]


def fingerprint(uri: str, member: str | None = None, sheet: str | None = None) -> str:
    """Size, modification time and a hash of the first and last MiB of a source file.

    Cheap on huge files, and it changes when the file is rewritten; remote files
    without a local path are fingerprinted by their URI alone (and member/sheet).
    """
    digest = hashlib.sha1()
    digest.update(f"{member or ''}\0{sheet or ''}".encode())
    path = uri[len("file://") :] if uri.startswith("file://") else uri
    try:
        stat = os.stat(path)
    except OSError:
        digest.update(uri.encode())
        return "uri:" + digest.hexdigest()[:16]
    digest.update(f"{stat.st_size}\0{stat.st_mtime_ns}".encode())
    with open(path, "rb") as handle:
        digest.update(handle.read(EDGE_BYTES))
        if stat.st_size > 2 * EDGE_BYTES:
            handle.seek(-EDGE_BYTES, os.SEEK_END)
            digest.update(handle.read(EDGE_BYTES))
    return f"{stat.st_size}:{digest.hexdigest()[:16]}"
