"""The staging store interface: one abstract class, one subclass per engine.

A subclass provides a handful of primitives (run a statement, fetch rows, a
transaction, the bulk load of a chunk of records, streaming a query's rows); migrations
(here), the batch ledger and file versions (:mod:`assay.staging.ledger`) and every
query that reads the store are written once, in DuckDB's SQL with ``?`` placeholders,
and rendered for the other engine by sqlglot (:func:`assay.staging.ddl.render`).
Values are always bound, never spliced in.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import pyarrow as pa

from assay.staging import ddl
from assay.staging.ddl import SCHEMA
from assay.staging.ledger import Ledger
from assay.staging.model import (  # noqa: F401  (re-exported: the store's vocabulary)
    RECORD_COLUMNS,
    BatchInfo,
    Counts,
    FileInfo,
    Rejected,
)

log = logging.getLogger(__name__)


class StagingStore(Ledger):
    """Raw records, the files they came from, batches, quarantine, schemas, state."""

    dialect: ClassVar[str]  # sqlglot's name for the engine's SQL
    display: str  # where the store is, safe to print (passwords redacted)

    # ------------------------------------------------------------- primitives
    @abstractmethod
    def stream(
        self, sql: str, params: Sequence[Any] = (), rows: int = 10_000
    ) -> Iterator[pa.RecordBatch]:
        """A query's rows as Arrow batches of up to ``rows`` rows (bounded memory).  The
        SQL is in the engine's own dialect (use :meth:`render` for the store's SQL)."""

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
