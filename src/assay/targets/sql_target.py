"""What SQL engines (DuckDB, PostgreSQL) share: DDL from the codegen layer, the ledger
and rejects tables, merges, key look-ups and the check session.

Names are always quoted identifiers rendered by the dialect layer; values are bound
parameters.  An engine module supplies the connection, its bulk path (Arrow scan,
``COPY``) and its parameter style.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from abc import abstractmethod
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from assay.codegen.ddl import DdlOptions, create_table_sql
from assay.dialects import SqlDialect, get_dialect
from assay.schema import Table
from assay.targets.base import (
    Alteration,
    CheckSession,
    CommitResult,
    TableInfo,
    TablePlan,
    TableWriter,
    Target,
)
from assay.targets.ledger import (
    LOADS_SCHEMA,
    LOADS_TABLE,
    REJECTS_SCHEMA,
    TABLES_TABLE,
    UnitRecord,
    rejects_table,
)

_TABLES_SCHEMA = pa.schema(
    [
        pa.field("table_name", pa.string()),
        pa.field("schema_json", pa.string()),
        pa.field("load_id", pa.string()),
        pa.field("updated_at", pa.string()),
    ]
)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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


class SqlTarget(Target):
    """A target that runs SQL; subclasses provide the connection and the bulk path."""

    paramstyle = "?"  # "?" (DuckDB) or "%s" (psycopg)
    namespace: str | None = None  # the schema tables live in
    _background: Background | None = None

    # ---- streaming writes -----------------------------------------------------------
    def stream(self, relation: str, batch: pa.RecordBatch) -> None:
        """Write a batch in the background (any other statement waits for it first)."""
        if self._background is None or self._background.relation != relation:
            self.drain()
            self._background = Background(relation, lambda b: self.consume(relation, b))
        self._background.put(batch)

    def drain(self) -> None:
        """Wait until every streamed batch is written (errors surface here)."""
        background, self._background = self._background, None
        if background is not None:
            background.close()

    def consume(self, relation: str, batches: Iterator[pa.RecordBatch]) -> None:
        for batch in batches:
            self.insert_arrow(relation, batch, drain=False)

    @property
    def sql_dialect(self) -> SqlDialect:
        assert self.dialect is not None
        return get_dialect(self.dialect)

    # ---- engine hooks -----------------------------------------------------------
    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; rows when it returns any."""

    @abstractmethod
    def columns_of(self, sql: str) -> list[str]:
        """Column names of the last query (for check reports)."""

    @abstractmethod
    def insert_arrow(
        self, relation: str, data: pa.Table | pa.RecordBatch, *, drain: bool = True
    ) -> None:
        """Bulk-insert Arrow rows into an existing relation (column names match)."""

    @abstractmethod
    def table_exists(self, table: str) -> bool: ...

    @abstractmethod
    def sql_type(self, arrow: pa.DataType) -> str:
        """Column type for bookkeeping tables (strings, integers, timestamps)."""

    # ---- names ------------------------------------------------------------------
    def name(self, identifier: str) -> str:
        d = self.sql_dialect
        return d.identifier(identifier).sql(dialect=d.sqlglot_name)

    def relation(self, table: str) -> str:
        d = self.sql_dialect
        return d.render(d.table(table, self.namespace))

    def params(self, count: int) -> str:
        return ", ".join([self.paramstyle] * count)

    # ---- DDL ----------------------------------------------------------------------
    def create_table(self, table: Table) -> None:
        options = DdlOptions(schema=self.namespace, if_not_exists=False, comments=True)
        for statement in create_table_sql(table, self.sql_dialect, options=options):
            self.execute(statement)

    def create_from_arrow(self, table: str, schema: pa.Schema) -> None:
        if self.table_exists(table):
            return
        columns = ", ".join(f"{self.name(f.name)} {self.sql_type(f.type)}" for f in schema)
        self.execute(f"CREATE TABLE {self.relation(table)} ({columns})")

    def alter(self, table: str, change: Alteration) -> None:
        relation, column = self.relation(table), self.name(change.column)
        if change.action == "add":
            self.execute(f"ALTER TABLE {relation} ADD COLUMN {column} {change.sql_type}")
        elif change.action == "retype":
            self.execute(self.retype_sql(relation, column, change.sql_type or "TEXT"))
        else:
            self.execute(f"ALTER TABLE {relation} ALTER COLUMN {column} DROP NOT NULL")

    def retype_sql(self, relation: str, column: str, sql_type: str) -> str:
        return f"ALTER TABLE {relation} ALTER COLUMN {column} SET DATA TYPE {sql_type}"

    # ---- ledger ---------------------------------------------------------------------
    def units(self, table: str) -> dict[str, UnitRecord]:
        if not self.table_exists(LOADS_TABLE):
            return {}
        names = LOADS_SCHEMA.names
        rows = self.execute(
            f"SELECT {', '.join(self.name(n) for n in names)} FROM {self.relation(LOADS_TABLE)} "
            f"WHERE {self.name('table_name')} = {self.paramstyle}",
            (table,),
        )
        records = [UnitRecord.from_dict(dict(zip(names, row, strict=True))) for row in rows]
        return {r.unit_id: r for r in records}

    def recorded_table(self, table: str) -> Table | None:
        if not self.table_exists(TABLES_TABLE):
            return None
        rows = self.execute(
            f"SELECT {self.name('schema_json')} FROM {self.relation(TABLES_TABLE)} "
            f"WHERE {self.name('table_name')} = {self.paramstyle}",
            (table,),
        )
        return Table.model_validate_json(rows[0][0]) if rows else None

    def record_unit(self, record: UnitRecord) -> None:
        self.create_from_arrow(LOADS_TABLE, LOADS_SCHEMA)
        self.execute(
            f"DELETE FROM {self.relation(LOADS_TABLE)} WHERE {self.name('unit_id')} = "
            f"{self.paramstyle}",
            (record.unit_id,),
        )
        values = record.to_dict()
        names = LOADS_SCHEMA.names
        self.execute(
            f"INSERT INTO {self.relation(LOADS_TABLE)} ({', '.join(self.name(n) for n in names)}) "
            f"VALUES ({self.params(len(names))})",
            [values[n] for n in names],
        )

    def forget_units(self, table: str) -> None:
        if self.table_exists(LOADS_TABLE):
            self.execute(
                f"DELETE FROM {self.relation(LOADS_TABLE)} WHERE {self.name('table_name')} = "
                f"{self.paramstyle}",
                (table,),
            )

    def record_table(self, table: Table, load_id: str) -> None:
        self.create_from_arrow(TABLES_TABLE, _TABLES_SCHEMA)
        self.execute(
            f"DELETE FROM {self.relation(TABLES_TABLE)} WHERE {self.name('table_name')} = "
            f"{self.paramstyle}",
            (table.name,),
        )
        self.execute(
            f"INSERT INTO {self.relation(TABLES_TABLE)} VALUES ({self.params(4)})",
            (table.name, table.model_dump_json(exclude_defaults=True), load_id, now()),
        )

    def clear_rejects(self, table: str, unit: str) -> None:
        rejects = rejects_table(table)
        if self.table_exists(rejects):
            self.execute(
                f"DELETE FROM {self.relation(rejects)} WHERE {self.name('unit_id')} = "
                f"{self.paramstyle}",
                (unit,),
            )

    # ---- reading ----------------------------------------------------------------------
    def scan(self, table: str, *, as_of: str | None = None, limit: int | None = None) -> pa.Table:
        self.no_time_travel(as_of)
        sql = f"SELECT * FROM {self.relation(table)}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.fetch_arrow(sql)

    @abstractmethod
    def fetch_arrow(self, sql: str) -> pa.Table: ...


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
            t.create_table(self.plan.table)
        elif not t.table_exists(self.plan.name):
            t.create_table(self.plan.table)
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
