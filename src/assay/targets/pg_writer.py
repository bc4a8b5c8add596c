"""Writing one PostgreSQL table: :class:`SqlWriter`, plus frozen rows for a new table.

A table this load creates takes its first file's rows with ``COPY … FREEZE``: they are
written already frozen (and all-visible), so nothing has to pass over every page again
to set hint bits — which the primary key's index build and the quality checks right
after the load would otherwise do — and VACUUM has nothing to freeze later.
PostgreSQL allows ``FREEZE`` only for a table created or emptied in the current
transaction: a replace creates its table in its own transaction; otherwise the unit's
transaction empties the new table with ``TRUNCATE`` after making sure, under an
exclusive lock, that it holds no rows (nothing is ever truncated that holds data).
Only at the default isolation level (``READ COMMITTED``): a transaction that keeps an
older snapshot may not freeze.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assay.targets.base import CommitResult, TableInfo
from assay.targets.ledger import UnitRecord
from assay.targets.sql_writer import SqlWriter

if TYPE_CHECKING:
    from assay.targets.postgres_target import PostgresTarget


class PostgresWriter(SqlWriter):
    target: PostgresTarget

    def prepare(self) -> TableInfo:
        created = self.plan.mode == "replace" or not self.target.table_exists(self.plan.name)
        info = super().prepare()
        self.fresh = created and self.plan.mode != "merge" and self.target.read_committed()
        return info

    def begin(self, unit_id: str) -> None:
        super().begin(unit_id)
        if not self.fresh:
            return
        if self.plan.mode != "replace":
            t = self.target
            t.execute(f"LOCK TABLE {self.relation} IN ACCESS EXCLUSIVE MODE")
            if t.execute(f"SELECT EXISTS (SELECT 1 FROM {self.relation})")[0][0]:
                self.fresh = False  # someone else's rows: load them as usual
                return
            t.execute(f"TRUNCATE {self.relation}")
        self.target.frozen.add(self.relation)

    def commit(self, record: UnitRecord) -> CommitResult:
        try:
            result = super().commit(record)
        finally:
            if self.plan.mode != "replace":
                self.target.frozen.discard(self.relation)
        if self.plan.mode != "replace":
            self.fresh = False  # the next file appends to committed rows
        return result

    def abort(self) -> None:
        super().abort()
        self.target.frozen.discard(self.relation)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.target.frozen.discard(self.relation)
