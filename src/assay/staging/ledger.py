"""The batch ledger and file versions, written once for every engine.

A batch is one ``assay stage ingest`` run; each file it stages (or fails to) gets a
versioned row, committed with the file's records.  The SQL is DuckDB's, with ``?``
placeholders; :class:`assay.staging.store.StagingStore` renders it per engine.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import pyarrow as pa

from assay.sources.model import QuarantinedRecord
from assay.staging.ddl import SCHEMA
from assay.staging.model import (
    BATCH_COLUMNS,
    FILE_COLUMNS,
    BatchInfo,
    Counts,
    FileInfo,
    batch_info,
    json_text,
    quarantine_table,
)


class Ledger(ABC):
    """Batches and file versions over the few primitives an engine provides."""

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement (DuckDB SQL, ``?`` placeholders); rows affected when known."""

    @abstractmethod
    def fetch(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        """Column names and all rows of a query (for small results)."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """Everything inside commits together or not at all."""

    @abstractmethod
    def load_quarantine(self, rows: pa.Table) -> None:
        """Bulk-load quarantine rows (the columns of the quarantine table but its id)."""

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        _, rows = self.fetch(sql, params)
        return rows[0][0] if rows else None

    # ------------------------------------------------------------- batches
    def start_batch(self, config: dict[str, Any], files_total: int) -> int:
        batch_id = int(self.scalar(f"SELECT nextval('{SCHEMA}.batch_ids')"))
        self.execute(
            f"INSERT INTO {SCHEMA}.batches (batch_id, status, config, files_total, updated_at)"
            " VALUES (?, 'running', ?, ?, current_timestamp)",
            (batch_id, json_text(config), files_total),
        )
        return batch_id

    def reopen_batch(self, batch_id: int, files_total: int) -> None:
        """Continue an unfinished batch: forget its failed files (they are retried) and
        recount it from the files it committed."""
        with self.transaction():
            self.execute(
                f"DELETE FROM {SCHEMA}.files WHERE batch_id = ? AND status = 'failed'",
                (batch_id,),
            )
            self.execute(
                f"""UPDATE {SCHEMA}.batches SET status = 'running', files_total = ?,
                files_skipped = 0, files_failed = 0, error = NULL, finished_at = NULL,
                updated_at = current_timestamp,
                files_staged = (SELECT count(*) FROM {SCHEMA}.files f WHERE f.batch_id = ?),
                bytes_read = (SELECT coalesce(sum(size_bytes), 0) FROM {SCHEMA}.files f
                              WHERE f.batch_id = ?),
                records_read = (SELECT coalesce(sum(records_read), 0) FROM {SCHEMA}.files f
                                WHERE f.batch_id = ?),
                records_staged = (SELECT coalesce(sum(records_staged), 0) FROM {SCHEMA}.files f
                                  WHERE f.batch_id = ?),
                duplicates = (SELECT coalesce(sum(duplicates), 0) FROM {SCHEMA}.files f
                              WHERE f.batch_id = ?),
                quarantined = (SELECT coalesce(sum(quarantined), 0) FROM {SCHEMA}.files f
                               WHERE f.batch_id = ?)
                WHERE batch_id = ?""",
                (files_total, *([batch_id] * 6), batch_id),
            )

    def finish_batch(self, batch_id: int, status: str, error: str | None = None) -> None:
        self.execute(
            f"UPDATE {SCHEMA}.batches SET status = ?, error = ?, finished_at = current_timestamp,"
            " updated_at = current_timestamp WHERE batch_id = ?",
            (status, error, batch_id),
        )

    def batch(self, batch_id: int) -> BatchInfo | None:
        _, rows = self.fetch(
            f"SELECT {BATCH_COLUMNS} FROM {SCHEMA}.batches WHERE batch_id = ?", (batch_id,)
        )
        return batch_info(rows[0]) if rows else None

    def last_unfinished_batch(self) -> BatchInfo | None:
        _, rows = self.fetch(
            f"SELECT {BATCH_COLUMNS} FROM {SCHEMA}.batches"
            " WHERE status IN ('running', 'interrupted', 'failed')"
            " ORDER BY batch_id DESC LIMIT 1"
        )
        return batch_info(rows[0]) if rows else None

    def add_to_batch(
        self,
        batch_id: int,
        counts: Counts,
        *,
        staged: int = 0,
        skipped: int = 0,
        failed: int = 0,
        size: int = 0,
    ) -> None:
        self.execute(
            f"""UPDATE {SCHEMA}.batches SET files_staged = files_staged + ?,
            files_skipped = files_skipped + ?, files_failed = files_failed + ?,
            bytes_read = bytes_read + ?, records_read = records_read + ?,
            records_staged = records_staged + ?, duplicates = duplicates + ?,
            quarantined = quarantined + ?, updated_at = current_timestamp
            WHERE batch_id = ?""",
            (
                staged,
                skipped,
                failed,
                size,
                counts.records_read,
                counts.records_staged,
                counts.duplicates,
                counts.quarantined,
                batch_id,
            ),
        )

    # ------------------------------------------------------------- files
    def current_file(self, uri: str) -> FileInfo | None:
        """The staged, not superseded version of a file with the highest number."""
        _, rows = self.fetch(
            f"SELECT {FILE_COLUMNS} FROM {SCHEMA}.files WHERE uri = ? AND status = 'staged'"
            " AND superseded_by IS NULL ORDER BY version DESC LIMIT 1",
            (uri,),
        )
        return FileInfo(*rows[0]) if rows else None

    def committed_uris(self, batch_id: int) -> set[str]:
        _, rows = self.fetch(
            f"SELECT uri FROM {SCHEMA}.files WHERE batch_id = ? AND status = 'staged'",
            (batch_id,),
        )
        return {r[0] for r in rows}

    def begin_file(
        self, batch_id: int, uri: str, *, size: int | None, modified: datetime | None
    ) -> tuple[int, int]:
        """Register a file version being staged (inside the file's transaction); returns
        its id and version number."""
        file_id = int(self.scalar(f"SELECT nextval('{SCHEMA}.file_ids')"))
        version = int(
            self.scalar(
                f"SELECT coalesce(max(version), 0) + 1 FROM {SCHEMA}.files WHERE uri = ?", (uri,)
            )
        )
        self.execute(
            f"INSERT INTO {SCHEMA}.files (file_id, batch_id, uri, version, status, size_bytes,"
            " modified_at) VALUES (?, ?, ?, ?, 'staging', ?, ?)",
            (file_id, batch_id, uri, version, size, modified),
        )
        return file_id, version

    def end_file(
        self,
        file_id: int,
        counts: Counts,
        *,
        status: str,
        checksum: str | None,
        fmt: str | None,
        partitions: dict[str, Counts],
        detection: list[dict[str, Any]],
        error: str | None = None,
    ) -> None:
        self.execute(
            f"""UPDATE {SCHEMA}.files SET status = ?, checksum = ?, format = ?, detection = ?,
            records_read = ?, records_staged = ?, duplicates = ?, quarantined = ?, error = ?,
            staged_at = current_timestamp WHERE file_id = ?""",
            (
                status,
                checksum,
                fmt,
                json_text(detection),
                counts.records_read,
                counts.records_staged,
                counts.duplicates,
                counts.quarantined,
                error,
                file_id,
            ),
        )
        if partitions:
            rows = ", ".join(["(?, ?, ?, ?, ?, ?)"] * len(partitions))
            values: list[Any] = []
            for key in sorted(partitions):
                c = partitions[key]
                values += [
                    file_id,
                    key,
                    c.records_read,
                    c.records_staged,
                    c.duplicates,
                    c.quarantined,
                ]
            self.execute(
                f"INSERT INTO {SCHEMA}.file_partitions (file_id, partition_key, records_read,"
                f" records_staged, duplicates, quarantined) VALUES {rows}",
                values,
            )

    def supersede(self, file_id: int, batch_id: int) -> None:
        self.execute(
            f"UPDATE {SCHEMA}.files SET superseded_by = ? WHERE file_id = ?", (batch_id, file_id)
        )

    def quarantine(
        self,
        records: list[QuarantinedRecord],
        *,
        batch_id: int,
        file_id: int,
        partition: str | None,
    ) -> None:
        if not records:
            return
        self.load_quarantine(quarantine_table(records, batch_id, file_id, partition))
