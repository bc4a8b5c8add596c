"""DuckDB (``duckdb:///path.duckdb``): the embedded default target.

Arrow batches are scanned by DuckDB directly (``INSERT … SELECT`` from a registered
batch, no copy through Python values); nested values are native STRUCTs and lists;
every source file is one transaction together with its ledger row and its rejects;
merges use ``MERGE INTO``.  ``?schema=NAME`` puts the tables in a schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

from assay.errors import TargetError
from assay.targets.arrow_types import ArrowPolicy
from assay.targets.base import (
    Capabilities,
    CheckSession,
    TableInfo,
    TablePlan,
    TableWriter,
    make_folder,
)
from assay.targets.sql_target import SqlTarget
from assay.targets.sql_writer import SqlSession, SqlWriter
from assay.targets.uri import TargetUri

_SQL_TYPES = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ",
}

_EXACT = frozenset(
    {"VARCHAR", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "DOUBLE", "DATE", "BOOLEAN"}
)


class DuckDBTarget(SqlTarget):
    scheme = "duckdb"
    title = "DuckDB"
    dialect = "duckdb"
    capabilities = Capabilities(
        transactions=True,
        merge=True,
        add_columns=True,
        widen_types=True,
        retype_to_text=True,
        sql=True,
        enforces_keys=True,
        arrow=ArrowPolicy(nested="native"),
    )

    def __init__(self, uri: TargetUri) -> None:
        super().__init__(uri)
        path = uri.local_path()
        make_folder(path.parent, uri)
        try:
            self.connection = duckdb.connect(str(path))
        except duckdb.IOException as exc:
            raise TargetError(
                f"{uri.display}: cannot open the database: {str(exc).splitlines()[0]}",
                hint="another process may be using it",
            ) from None
        self.connection.execute("SET TimeZone = 'UTC'")
        self.connection.execute("SET enable_progress_bar = false")  # output is ours
        self.namespace = uri.params.get("schema") or None
        if self.namespace:
            self.connection.execute(f"CREATE SCHEMA IF NOT EXISTS {self.name(self.namespace)}")
        self._columns: list[str] = []
        self._registered = 0

    def close(self) -> None:
        self.drain()
        self.connection.close()

    # ---- engine hooks -----------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.drain()
        cursor = (
            self.connection.execute(sql, list(params)) if params else self.connection.execute(sql)
        )
        self._columns = [d[0] for d in cursor.description or ()]
        try:
            return cursor.fetchall()
        except duckdb.InvalidInputError:  # a statement without a result
            return []

    def columns_of(self, sql: str) -> list[str]:
        return list(self._columns)

    def insert_arrow(
        self, relation: str, data: pa.Table | pa.RecordBatch, *, drain: bool = True
    ) -> None:
        if drain:
            self.drain()
        view = f"__assay_arrow_{self._registered}"
        self._registered += 1
        # A reader, not the batch itself: DuckDB keeps a registered batch alive until the
        # transaction ends (a whole file's worth of memory); a reader is let go at once.
        self.connection.register(view, _reader(data))
        try:
            names = ", ".join(self.name(n) for n in data.schema.names)
            self.connection.execute(f"INSERT INTO {relation} ({names}) SELECT {names} FROM {view}")
        finally:
            self.connection.unregister(view)

    def fetch_arrow(self, sql: str) -> pa.Table:
        self.drain()
        return self.connection.sql(sql).to_arrow_table()

    def table_exists(self, table: str) -> bool:
        self.drain()
        rows = self.connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ? "
            "AND table_schema = ?",
            [table, self.namespace or "main"],
        ).fetchall()
        return bool(rows[0][0])

    def sql_type(self, arrow: pa.DataType) -> str:
        return _SQL_TYPES.get(arrow, "VARCHAR")

    # ---- introspection ------------------------------------------------------------------
    def describe(self, table: str) -> TableInfo | None:
        self.drain()
        if not self.table_exists(table):
            return None
        rows = self.connection.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_name = ? AND table_schema = ? ORDER BY ordinal_position",
            [table, self.namespace or "main"],
        ).fetchall()
        arrow = self.fetch_arrow(f"SELECT * FROM {self.relation(table)} LIMIT 0").schema
        required = frozenset(name for name, _t, nullable in rows if nullable == "NO")
        uuid = frozenset(name for name, data_type, _n in rows if data_type == "UUID")
        count = self.connection.execute(f"SELECT count(*) FROM {self.relation(table)}").fetchall()
        keys = self.connection.execute(
            "SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = ? "
            "AND schema_name = ? AND constraint_type = 'PRIMARY KEY'",
            [table, self.namespace or "main"],
        ).fetchall()
        return TableInfo(
            arrow=_plain(arrow),
            required=required,
            uuid=uuid,
            rows=count[0][0],
            primary_key=tuple(keys[0][0]) if keys else (),
        )

    def stored_as_converted(self, table: str) -> frozenset[str]:
        """Columns whose type holds the converted Arrow values as they are (not
        ``FLOAT``, which rounds a double, nor a ``UUID`` or ``ENUM`` read back as text)."""
        self.drain()
        rows = self.connection.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = ? AND table_schema = ?",
            [table, self.namespace or "main"],
        ).fetchall()
        return frozenset(
            name for name, kind in rows if kind in _EXACT or kind.startswith("DECIMAL(")
        )

    def writer(self, plan: TablePlan) -> TableWriter:
        return DuckDBWriter(self, plan)

    def session(self) -> CheckSession:
        return DuckDBSession(self)


def _reader(data: pa.Table | pa.RecordBatch) -> pa.RecordBatchReader:
    if isinstance(data, pa.Table):
        return data.to_reader()
    return pa.RecordBatchReader.from_batches(data.schema, [data])


def _plain(schema: pa.Schema) -> pa.Schema:
    """DuckDB's Arrow schema with timestamps in UTC spelled ``UTC`` (not ``Etc/UTC``)."""
    fields = []
    for f in schema:
        t = f.type
        if pa.types.is_timestamp(t) and t.tz is not None:
            t = pa.timestamp("us", tz="UTC")
        fields.append(pa.field(f.name, t, f.nullable))
    return pa.schema(fields)


class DuckDBWriter(SqlWriter):
    target: DuckDBTarget

    def stage_keys(self, name: str, data: pa.Table) -> str:
        self.target.drain()
        self.target.connection.register(name, _reader(data))  # read once: a reader will do
        return name

    def drop_keys(self, relation: str) -> None:
        self.target.connection.unregister(relation)


class DuckDBSession(SqlSession):
    target: DuckDBTarget

    def stage(self, name: str, data: pa.Table) -> str:
        """A temporary table (read by several rules; copied, so no Arrow memory is held
        until the transaction ends)."""
        t = self.target
        t.drain()
        t.connection.register("__assay_stage_source", _reader(data))
        try:
            t.connection.execute(
                f"CREATE OR REPLACE TEMPORARY TABLE {name} AS SELECT * FROM __assay_stage_source"
            )
        finally:
            t.connection.unregister("__assay_stage_source")
        self.staged.append(name)
        return name

    def close(self) -> None:
        for name in self.staged:
            self.target.connection.execute(f"DROP TABLE IF EXISTS {name}")
        self.staged.clear()
