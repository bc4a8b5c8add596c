"""What is in a store: per-partition and per-file statistics, batches, history, samples
and the quarantine.  Each function returns column names and rows, for any output.

"Current" means the latest version of each file: a file re-staged after it changed
supersedes its earlier version, whose records stay in the store as history.
"""

from __future__ import annotations

from typing import Any

from assay.staging.ddl import SCHEMA
from assay.staging.store import StagingStore

Rows = tuple[list[str], list[tuple[Any, ...]]]
_SUPERSEDED = f"SELECT file_id FROM {SCHEMA}.files WHERE superseded_by IS NOT NULL"


def partition_stats(store: StagingStore) -> Rows:
    """Per partition, over current file versions."""
    return store.fetch(
        f"""SELECT p.partition_key AS partition, count(DISTINCT f.uri) AS files,
            CAST(sum(p.records_read) AS BIGINT) AS records_read,
            CAST(sum(p.records_staged) AS BIGINT) AS records_staged,
            CAST(sum(p.duplicates) AS BIGINT) AS duplicates,
            CAST(sum(p.quarantined) AS BIGINT) AS quarantined,
            CAST(sum(f.size_bytes) AS BIGINT) AS bytes, min(f.batch_id) AS first_batch,
            max(f.batch_id) AS last_batch
        FROM {SCHEMA}.file_partitions p JOIN {SCHEMA}.files f ON f.file_id = p.file_id
        WHERE f.status = 'staged' AND f.superseded_by IS NULL
        GROUP BY p.partition_key ORDER BY p.partition_key"""
    )


def file_stats(store: StagingStore, partition: str | None = None, history: bool = False) -> Rows:
    """Per file version: current ones (all, with ``history``), failed ones included."""
    where = ["1 = 1"]
    params: list[Any] = []
    if not history:
        where.append("f.superseded_by IS NULL")
    if partition is not None:
        where.append(
            f"f.file_id IN (SELECT file_id FROM {SCHEMA}.file_partitions WHERE partition_key = ?)"
        )
        params.append(partition)
    return store.fetch(
        f"""SELECT f.uri, f.version, f.status, f.batch_id AS batch,
            (SELECT string_agg(p.partition_key, ',' ORDER BY p.partition_key)
             FROM {SCHEMA}.file_partitions p WHERE p.file_id = f.file_id) AS partitions,
            f.format, f.size_bytes AS bytes, f.records_read, f.records_staged, f.duplicates,
            f.quarantined, f.superseded_by, f.error
        FROM {SCHEMA}.files f WHERE {" AND ".join(where)}
        ORDER BY f.uri, f.version""",
        params,
    )


def totals(store: StagingStore) -> dict[str, int]:
    """Headline numbers for the current data."""
    names, rows = store.fetch(
        f"""SELECT count(*) AS files, coalesce(sum(records_staged), 0) AS records,
            coalesce(sum(duplicates), 0) AS duplicates,
            coalesce(sum(quarantined), 0) AS quarantined,
            coalesce(sum(size_bytes), 0) AS bytes
        FROM {SCHEMA}.files WHERE status = 'staged' AND superseded_by IS NULL"""
    )
    out = {name: int(value) for name, value in zip(names, rows[0], strict=True)}
    out["batches"] = int(store.scalar(f"SELECT count(*) FROM {SCHEMA}.batches"))
    out["failed_files"] = int(
        store.scalar(
            f"SELECT count(*) FROM {SCHEMA}.files WHERE status = 'failed' "
            f"AND uri NOT IN (SELECT uri FROM {SCHEMA}.files WHERE status = 'staged')"
        )
    )
    return out


def batches(store: StagingStore, limit: int | None = 20) -> Rows:
    """Batches, newest first."""
    limit_sql = " LIMIT ?" if limit else ""
    return store.fetch(
        f"""SELECT batch_id AS batch, status, started_at, finished_at, files_total,
            files_staged, files_skipped, files_failed, records_read, records_staged,
            duplicates, quarantined, bytes_read, error
        FROM {SCHEMA}.batches ORDER BY batch_id DESC{limit_sql}""",
        [limit] if limit else [],
    )


def history(store: StagingStore) -> Rows:
    """The batch timeline, oldest first, with the current records after each batch."""
    return store.fetch(
        f"""WITH replaced AS (
            SELECT superseded_by AS batch_id, count(*) AS files_replaced,
                   sum(records_staged) AS records_replaced
            FROM {SCHEMA}.files WHERE superseded_by IS NOT NULL GROUP BY superseded_by)
        SELECT b.batch_id AS batch, b.started_at, b.status, b.files_staged,
            coalesce(r.files_replaced, 0) AS files_replaced, b.files_skipped, b.files_failed,
            b.records_staged, b.duplicates, b.quarantined,
            CAST(sum(b.records_staged - coalesce(r.records_replaced, 0))
                 OVER (ORDER BY b.batch_id) AS BIGINT) AS current_records
        FROM {SCHEMA}.batches b LEFT JOIN replaced r ON r.batch_id = b.batch_id
        ORDER BY b.batch_id"""
    )


def sample(store: StagingStore, partition: str | None = None, limit: int = 10) -> Rows:
    """Current records spread over the data (ordered by content hash: deterministic and
    unrelated to file order)."""
    where = f"WHERE r.file_id NOT IN ({_SUPERSEDED})"
    params: list[Any] = []
    if partition is not None:
        where += " AND r.partition_key = ?"
        params.append(partition)
    params.append(limit)
    return store.fetch(
        f"""SELECT r.partition_key AS partition, f.uri, r.record_no, r.line_no, r.raw
        FROM {SCHEMA}.records r JOIN {SCHEMA}.files f ON f.file_id = r.file_id
        {where} ORDER BY r.content_hash, r.record_id LIMIT ?""",
        params,
    )


def quarantine(
    store: StagingStore,
    partition: str | None = None,
    limit: int | None = 100,
    batch: int | None = None,
) -> Rows:
    """Records set aside while staging, for current file versions, oldest first."""
    where = [f"q.file_id NOT IN ({_SUPERSEDED})"]
    params: list[Any] = []
    if partition is not None:
        where.append("q.partition_key = ?")
        params.append(partition)
    if batch is not None:
        where.append("q.batch_id = ?")
        params.append(batch)
    limit_sql = ""
    if limit:
        limit_sql = " LIMIT ?"
        params.append(limit)
    return store.fetch(
        f"""SELECT q.batch_id AS batch, q.partition_key AS partition, q.uri, q.member,
            q.line_no AS line, q.record_no AS record, q.code, q.reason, q.raw_text AS raw
        FROM {SCHEMA}.quarantine q WHERE {" AND ".join(where)}
        ORDER BY q.quarantine_id{limit_sql}""",
        params,
    )
