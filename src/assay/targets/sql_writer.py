"""Writing and checking on SQL engines: a transaction per unit, streamed writes, merges.

:class:`SqlWriter` writes one table (a transaction per source file, or one for a whole
replace), :class:`Background` streams its batches on a worker thread, and
:class:`SqlSession` runs quality rules on the engine itself.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from assay.targets.base import CheckSession, CommitResult, TableInfo, TablePlan, TableWriter
from assay.targets.ledger import REJECTS_SCHEMA, UnitRecord, rejects_table

if TYPE_CHECKING:
    from assay.targets.sql_target import SqlTarget


class Background:
    """Batches written on a worker thread, so the engine stores batch N while batch N+1
    is converted (DuckDB and psycopg release the GIL while they work).  At most two
    batches wait in the queue: memory stays bounded."""

    def __init__(self, relation: str, consume: Callable[[Iterator[pa.RecordBatch]], None]) -> None:
        self.relation = relation
        self.queue: queue.Queue[pa.RecordBatch | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(
            target=self._run, args=(consume,), name="assay-writer", daemon=True
        )
        self.thread.start()

    def _run(self, consume: Callable[[Iterator[pa.RecordBatch]], None]) -> None:
        batches = iter(self.queue.get, None)
        try:
            consume(batches)
        except BaseException as exc:  # re-raised on the loading thread
            self.error = exc
            for _ in batches:  # keep taking, so that put() never blocks
                pass

    def put(self, batch: pa.RecordBatch) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(batch)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


class SqlWriter(TableWriter):
    """One table on a SQL engine: a transaction per unit, or one for a whole replace."""

    target: SqlTarget

    def __init__(self, target: SqlTarget, plan: TablePlan) -> None:
        super().__init__(target, plan)
        self.stage: str | None = None
        self.unit: str | None = None

    @property
    def relation(self) -> str:
        return self.target.relation(self.plan.name)

    def prepare(self) -> TableInfo:
        t = self.target
        if self.plan.mode == "replace":
            self.transaction("BEGIN")  # the old table stays until the new one is complete
            t.execute(f"DROP TABLE IF EXISTS {self.relation}")
            t.forget_units(self.plan.name)
            t.create_table(self.plan.table, primary_key=False)
            t.record_table(self.plan.table, self.plan.load_id)
        elif not t.table_exists(self.plan.name):
            t.create_table(self.plan.table, primary_key=False)
            t.record_table(self.plan.table, self.plan.load_id)  # assay's own table
        for change in self.plan.alterations:
            t.alter(self.plan.name, change)
        info = t.describe(self.plan.name)
        assert info is not None
        if self.plan.mode == "merge":
            self.stage = self.create_stage(info.arrow)
        return info

    def create_stage(self, schema: pa.Schema) -> str:
        name = f"__assay_stage_{self.plan.name}"
        t = self.target
        t.execute(
            f"CREATE TEMPORARY TABLE {t.name(name)} AS SELECT * FROM {self.relation} WHERE 1 = 0"
        )
        return t.name(name)

    def transaction(self, statement: str) -> None:
        self.target.execute(statement)

    def begin(self, unit_id: str) -> None:
        self.unit = unit_id
        self.rejects: list[pa.RecordBatch] = []
        if self.plan.mode != "replace":
            self.transaction("BEGIN")
        self.target.clear_rejects(self.plan.name, unit_id)

    def write(self, batch: pa.RecordBatch) -> None:
        self.target.stream(self.stage or self.relation, batch)

    def reject(self, batch: pa.RecordBatch) -> None:
        self.rejects.append(batch)  # written at commit: no statement between the writes

    def commit(self, record: UnitRecord) -> CommitResult:
        self.target.drain()
        if self.rejects:
            rejects = rejects_table(self.plan.name)
            self.target.create_from_arrow(rejects, REJECTS_SCHEMA)
            data = pa.Table.from_batches(self.rejects, schema=REJECTS_SCHEMA)
            self.target.insert_arrow(self.target.relation(rejects), data)
            self.rejects = []
        result = CommitResult(inserted=record.rows_loaded)
        if self.stage is not None:
            result = self.merge()
        self.target.record_unit(record)
        if self.plan.mode != "replace":
            self.transaction("COMMIT")
        return result

    def merge(self) -> CommitResult:
        t = self.target
        assert self.stage is not None
        key = self.plan.key
        info = t.describe(self.plan.name)
        assert info is not None
        cols = [t.name(c) for c in info.arrow.names]
        on = " AND ".join(f"t.{t.name(k)} = s.{t.name(k)}" for k in key)
        matched = t.execute(
            f"SELECT count(*) FROM {self.stage} s WHERE EXISTS "
            f"(SELECT 1 FROM {self.relation} t WHERE {on})"
        )[0][0]
        total = t.execute(f"SELECT count(*) FROM {self.stage}")[0][0]
        sets = ", ".join(f"{c} = s.{c}" for c in cols if c not in {t.name(k) for k in key})
        update = f"WHEN MATCHED THEN UPDATE SET {sets} " if sets else ""
        t.execute(
            f"MERGE INTO {self.relation} AS t USING {self.stage} AS s ON {on} "
            f"{update}WHEN NOT MATCHED THEN INSERT ({', '.join(cols)}) "
            f"VALUES ({', '.join('s.' + c for c in cols)})"
        )
        t.execute(f"DELETE FROM {self.stage}")
        return CommitResult(inserted=int(total) - int(matched), updated=int(matched))

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.target.drain()
        with contextlib.suppress(Exception):
            self.transaction("ROLLBACK")

    def finish(self) -> None:
        key = self.plan.table.primary_key
        info = self.target.describe(self.plan.name)
        ours = self.target.recorded_table(self.plan.name) is not None
        if key is not None and info is not None and not info.primary_key and ours:
            # A table assay created gets its key after its rows (after a crash: on the
            # re-run); a table someone else made keeps its own constraints.
            self.target.add_primary_key(self.plan.name, tuple(key.fields))
        self.target.record_table(self.plan.table, self.plan.load_id)
        if self.plan.mode == "replace":
            self.transaction("COMMIT")

    def existing_keys(self, keys: pa.Table) -> pa.Array | None:
        t = self.target
        stage = "__assay_keys"
        data = keys.append_column("__assay_row", pa.array(range(keys.num_rows), pa.int64()))
        relation = self.stage_keys(stage, data)
        on = " AND ".join(f"t.{t.name(k)} = k.{t.name(k)}" for k in keys.column_names)
        rows = t.execute(
            f"SELECT k.{t.name('__assay_row')} FROM {relation} k WHERE EXISTS "
            f"(SELECT 1 FROM {self.relation} t WHERE {on})"
        )
        self.drop_keys(relation)
        found = [False] * keys.num_rows
        for (i,) in rows:
            found[int(i)] = True
        return pa.array(found, pa.bool_())

    def stage_keys(self, name: str, data: pa.Table) -> str:
        t = self.target
        relation = t.name(name)
        columns = ", ".join(f"{t.name(f.name)} {self.key_type(f)}" for f in data.schema)
        t.execute(f"CREATE TEMPORARY TABLE {relation} ({columns})")
        t.insert_arrow(relation, data)
        return relation

    def key_type(self, f: pa.Field) -> str:
        return self.target.sql_type(f.type)

    def drop_keys(self, relation: str) -> None:
        self.target.execute(f"DROP TABLE {relation}")


class SqlSession(CheckSession):
    """Checks run by the engine itself."""

    def __init__(self, target: SqlTarget) -> None:
        self.target = target
        self.dialect = target.sql_dialect.name
        self.staged: list[str] = []

    def relation(self, table: str) -> str | None:
        return self.target.relation(table) if self.target.table_exists(table) else None

    def describe(self, table: str) -> TableInfo | None:
        return self.target.describe(table)

    def query(self, sql: str, limit: int | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        if limit is not None:
            sql = f"SELECT * FROM ({sql}) AS q LIMIT {int(limit)}"
        rows = self.target.execute(sql)
        return self.target.columns_of(sql), rows

    def stage(self, name: str, data: pa.Table) -> str:
        t = self.target
        relation = t.name(name)
        t.execute(f"DROP TABLE IF EXISTS {relation}")
        columns = ", ".join(f"{t.name(f.name)} {t.sql_type(f.type)}" for f in data.schema)
        t.execute(f"CREATE TEMPORARY TABLE {relation} ({columns})")
        t.insert_arrow(relation, data)
        self.staged.append(relation)
        return relation

    def close(self) -> None:
        for relation in self.staged:
            self.target.execute(f"DROP TABLE IF EXISTS {relation}")
        self.staged.clear()
