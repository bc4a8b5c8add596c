"""What SQL engines (DuckDB, PostgreSQL) share: DDL from the codegen layer, the ledger
and rejects tables, merges, key look-ups and the check session.

Names are always quoted identifiers rendered by the dialect layer; values are bound
parameters.  An engine module supplies the connection, its bulk path (Arrow scan,
``COPY``) and its parameter style.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from assay.codegen.ddl import DdlOptions, create_table_sql, primary_key_name
from assay.dialects import SqlDialect, get_dialect
from assay.errors import TargetError
from assay.schema import Table
from assay.targets.base import (
    Alteration,
    Target,
)
from assay.targets.ledger import (
    LOADS_SCHEMA,
    LOADS_TABLE,
    TABLES_TABLE,
    UnitRecord,
    rejects_table,
)
from assay.targets.sql_writer import Background

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
        names = self.__dict__.setdefault("_names", {})  # rendering a name is not free
        if identifier not in names:
            d = self.sql_dialect
            names[identifier] = d.identifier(identifier).sql(dialect=d.sqlglot_name)
        return names[identifier]

    def relation(self, table: str) -> str:
        relations = self.__dict__.setdefault("_relations", {})
        key = (table, self.namespace)
        if key not in relations:
            d = self.sql_dialect
            relations[key] = d.render(d.table(table, self.namespace))
        return relations[key]

    def params(self, count: int) -> str:
        return ", ".join([self.paramstyle] * count)

    # ---- DDL ----------------------------------------------------------------------
    def create_table(self, table: Table, *, primary_key: bool = True) -> None:
        options = DdlOptions(
            schema=self.namespace, if_not_exists=False, comments=True, primary_key=primary_key
        )
        for statement in create_table_sql(table, self.sql_dialect, options=options):
            self.execute(statement)

    def create_from_arrow(self, table: str, schema: pa.Schema) -> None:
        if self.table_exists(table):
            return
        columns = ", ".join(f"{self.name(f.name)} {self.sql_type(f.type)}" for f in schema)
        self.execute(f"CREATE TABLE {self.relation(table)} ({columns})")

    def add_primary_key(self, table: str, columns: tuple[str, ...]) -> None:
        """Declare the key once the rows are in: one bulk index build, not one per row."""
        names = ", ".join(self.name(c) for c in columns)
        self.execute(
            f"ALTER TABLE {self.relation(table)} ADD CONSTRAINT "
            f"{self.name(primary_key_name(table))} PRIMARY KEY ({names})"
        )

    def alter(self, table: str, change: Alteration) -> None:
        relation, column = self.relation(table), self.name(change.column)
        if change.action == "add":
            self.execute(f"ALTER TABLE {relation} ADD COLUMN {column} {change.sql_type}")
        elif change.action == "retype":
            try:
                self.execute(self.retype_sql(relation, column, change.sql_type or "TEXT"))
            except Exception as exc:
                raise TargetError(
                    f"{self.title} cannot change the type of {table}.{change.column}: "
                    f"{str(exc).splitlines()[0]}",
                    hint="use --mode replace, or --on-schema-change reject-rows",
                ) from None
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
        if not self.table_exists(table):
            raise TargetError(f"no table {table!r} in {self.uri.display}")
        sql = f"SELECT * FROM {self.relation(table)}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.fetch_arrow(sql)

    @abstractmethod
    def fetch_arrow(self, sql: str) -> pa.Table: ...
