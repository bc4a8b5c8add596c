"""The staging store interface: one abstract class, one subclass per engine.

A subclass provides a handful of primitives (run a statement, fetch rows, a
transaction, the bulk load of a chunk of records, streaming a query's rows); the batch
ledger, file versions, migrations and every query that reads the store are written once
here, in DuckDB's SQL with ``?`` placeholders, and rendered for the other engine by
sqlglot (:func:`assay.staging.ddl.render`).  Values are always bound, never spliced in.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, ClassVar

import orjson
import pyarrow as pa

from assay.sources.model import QuarantinedRecord
from assay.staging import ddl
from assay.staging.ddl import SCHEMA
from assay.staging.encode import Rejected

log = logging.getLogger(__name__)


@dataclass
class Counts:
    """Records of one file (or a whole batch): read = staged + duplicates; quarantined
    records are those the reader set aside."""

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


_BATCH_COLUMNS = ", ".join(f.name for f in fields(BatchInfo))
_FILE_COLUMNS = ", ".join(f.name for f in fields(FileInfo))
RECORD_COLUMNS = ("record_no", "line_no", "content_hash", "raw")


class StagingStore(ABC):
    """Raw records, the files they came from, batches, quarantine, schemas, state."""

    dialect: ClassVar[str]  # sqlglot's name for the engine's SQL
    display: str  # where the store is, safe to print (passwords redacted)

    # ------------------------------------------------------------- primitives
    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement (DuckDB SQL, ``?`` placeholders); rows affected when known."""

    @abstractmethod
    def fetch(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        """Column names and all rows of a query (for small results)."""

    @abstractmethod
    def stream(
        self, sql: str, params: Sequence[Any] = (), rows: int = 10_000
    ) -> Iterator[pa.RecordBatch]:
        """A query's rows as Arrow batches of up to ``rows`` rows (bounded memory).  The
        SQL is in the engine's own dialect (use :meth:`render` for the store's SQL)."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """Everything inside commits together or not at all."""

    def prepare_records(
        self, chunk: pa.Table, *, batch_id: int, file_id: int, partition: str, dedup: bool
    ) -> Any:
        """Turn encoded records into what :meth:`load_records` loads fastest (called on
        the reading thread, so it overlaps the previous load).  Default: as they are."""
        return chunk

    @abstractmethod
    def load_records(
        self, chunk: Any, *, batch_id: int, file_id: int, partition: str, dedup: bool
    ) -> tuple[int, list[Rejected]]:
        """Bulk-load encoded records (columns :data:`RECORD_COLUMNS`, or what
        :meth:`prepare_records` made of them); with ``dedup``,
        skip those whose hash is already current in the partition or repeated in the
        chunk.  Returns the number staged and the records the engine refused (they are
        not staged; the caller sets them aside)."""

    @abstractmethod
    def load_quarantine(self, rows: pa.Table) -> None:
        """Bulk-load quarantine rows (the columns of the quarantine table but its id)."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def use_staging_names(self) -> None:
        """Let unqualified names find the staging tables and views (for user SQL)."""

    def own_files(self) -> set[str]:
        """Local files that are the store itself (never staged as input)."""
        return set()

    def prepare_dedup(self) -> None:
        """Get ready for content dedup (an index, where the engine needs one)."""
        return None

    @abstractmethod
    def create_view(self, name: str, select_sql: str, *, replace: bool) -> None:
        """Create a view in the store's schema from SQL already in the engine's dialect."""

    def __enter__(self) -> StagingStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        _, rows = self.fetch(sql, params)
        return rows[0][0] if rows else None

    def render(self, sql: str) -> str:
        return ddl.render(sql, self.dialect)

    # ------------------------------------------------------------- migrations
    def schema_version(self) -> int:
        exists = self.scalar(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = ? AND table_name = 'schema_version'",
            (SCHEMA,),
        )
        if not exists:
            return 0
        return int(self.scalar(f"SELECT coalesce(max(version), 0) FROM {SCHEMA}.schema_version"))

    def migrate(self) -> list[int]:
        """Apply the migrations this store lacks, in order; returns their numbers."""
        applied: list[int] = []
        with self.transaction():
            self._lock_for_migration()
            self.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            self.execute(ddl.VERSION_TABLE)
        current = self.schema_version()
        for migration in ddl.MIGRATIONS:
            if migration.version <= current:
                continue
            with self.transaction():
                self._lock_for_migration()
                if self.schema_version() >= migration.version:
                    continue  # another process got there first
                for statement in ddl.statements(migration, self.dialect):
                    self.execute_raw(statement)
                self.execute(
                    f"INSERT INTO {SCHEMA}.schema_version (version, description) VALUES (?, ?)",
                    (migration.version, migration.description),
                )
            log.info(
                "%s: applied migration %d (%s)",
                self.display,
                migration.version,
                migration.description,
            )
            applied.append(migration.version)
        return applied

    def _lock_for_migration(self) -> None:
        """Serialize concurrent migrations (a no-op where there is one writer)."""
        return None

    def execute_raw(self, sql: str) -> None:
        """Run a statement already in the engine's dialect (DDL from migrations)."""
        self.execute(sql)

    # ------------------------------------------------------------- batches
    def start_batch(self, config: dict[str, Any], files_total: int) -> int:
        batch_id = int(self.scalar(f"SELECT nextval('{SCHEMA}.batch_ids')"))
        self.execute(
            f"INSERT INTO {SCHEMA}.batches (batch_id, status, config, files_total, updated_at)"
            " VALUES (?, 'running', ?, ?, current_timestamp)",
            (batch_id, _json(config), files_total),
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
            f"SELECT {_BATCH_COLUMNS} FROM {SCHEMA}.batches WHERE batch_id = ?", (batch_id,)
        )
        return _batch(rows[0]) if rows else None

    def last_unfinished_batch(self) -> BatchInfo | None:
        _, rows = self.fetch(
            f"SELECT {_BATCH_COLUMNS} FROM {SCHEMA}.batches WHERE status <> 'complete'"
            " ORDER BY batch_id DESC LIMIT 1"
        )
        return _batch(rows[0]) if rows else None

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
            f"SELECT {_FILE_COLUMNS} FROM {SCHEMA}.files WHERE uri = ? AND status = 'staged'"
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
                _json(detection),
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


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str).decode()


def _batch(row: tuple) -> BatchInfo:
    values = list(row)
    config = values[4]
    values[4] = orjson.loads(config) if isinstance(config, str | bytes) else (config or {})
    return BatchInfo(*values)
