"""What file-based targets (Parquet, Iceberg, Delta) share.

- :class:`LakeSession`: quality rules run in an in-memory DuckDB that reads the
  target's committed files (never half-written ones);
- :class:`Spool`: a unit's converted batches spilled to an Arrow IPC file on local disk,
  so an engine that commits a whole table in one call (Delta, Iceberg) gets one commit
  per source file in bounded memory (the file is memory-mapped when read back).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from assay.dialects import get_dialect
from assay.targets.base import CheckSession, TableWriter

Register = Callable[[duckdb.DuckDBPyConnection, str, str], bool]


class LakeSession(CheckSession):
    """DuckDB over a target's data; ``register(connection, table, view)`` exposes a table."""

    dialect = "duckdb"

    def __init__(self, register: Register) -> None:
        self.register = register
        self.connection = duckdb.connect(":memory:")
        self.connection.execute("SET TimeZone = 'UTC'")
        self.connection.execute("SET enable_progress_bar = false")
        self.views: dict[str, str | None] = {}
        self._columns: list[str] = []

    def relation(self, table: str) -> str | None:
        if table not in self.views:
            view = f"t_{len(self.views)}"
            self.views[table] = view if self.register(self.connection, table, view) else None
        return self.views[table]

    def query(self, sql: str, limit: int | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        if limit is not None:
            sql = f"SELECT * FROM ({sql}) AS q LIMIT {int(limit)}"
        cursor = self.connection.execute(sql)
        names = [d[0] for d in cursor.description or ()]
        return names, cursor.fetchall()

    def stage(self, name: str, data: pa.Table) -> str:
        self.connection.register(name, data)
        return name

    def forget(self, table: str) -> None:
        """Drop a cached view (the table changed since it was registered)."""
        self.views.pop(table, None)

    def close(self) -> None:
        self.connection.close()


class Spool:
    """Batches written to a temporary Arrow IPC file, read back memory-mapped."""

    def __init__(self, schema: pa.Schema, directory: str | None = None) -> None:
        handle, self.path = tempfile.mkstemp(prefix="assay-spool-", suffix=".arrow", dir=directory)
        os.close(handle)
        self.schema = schema
        self.rows = 0
        self._sink = pa.OSFile(self.path, "wb")
        self._writer = pa.ipc.new_file(self._sink, schema)

    def write(self, batch: pa.RecordBatch) -> None:
        self._writer.write_batch(batch)
        self.rows += batch.num_rows

    def table(self) -> pa.Table:
        self._writer.close()
        self._sink.close()
        return pa.ipc.open_file(pa.memory_map(self.path)).read_all()

    def discard(self) -> None:
        for closing in (self._writer, self._sink):
            with contextlib.suppress(OSError, pa.ArrowInvalid):
                closing.close()
        Path(self.path).unlink(missing_ok=True)


def register_arrow(connection: duckdb.DuckDBPyConnection, view: str, data: Any) -> bool:
    connection.register(view, data)
    return True


def keys_in(session: CheckSession, table: str, keys: pa.Table) -> pa.Array | None:
    """Which of ``keys`` the committed table holds (DuckDB over the target's files)."""
    relation = session.relation(table)
    if relation is None:
        return None
    staged = session.stage(
        "__assay_keys",
        keys.append_column("__assay_row", pa.array(range(keys.num_rows), pa.int64())),
    )
    d = get_dialect("duckdb")
    on = " AND ".join(
        f"t.{d.render(d.column(k))} = k.{d.render(d.column(k))}" for k in keys.column_names
    )
    _, rows = session.query(
        f"SELECT k.__assay_row FROM {staged} k WHERE EXISTS (SELECT 1 FROM {relation} t WHERE {on})"
    )
    found = [False] * keys.num_rows
    for (i,) in rows:
        found[int(i)] = True
    return pa.array(found, pa.bool_())


class KeyLookup:
    """Mixin for lake writers: key look-ups through a session opened once per unit."""

    _lookup: CheckSession | None = None

    def existing_keys(self: TableWriter, keys: pa.Table) -> pa.Array | None:  # type: ignore[misc]
        if self._lookup is None:  # type: ignore[attr-defined]
            self._lookup = self.target.session()  # type: ignore[attr-defined]
        return keys_in(self._lookup, self.plan.name, keys)  # type: ignore[attr-defined]

    def close_lookup(self) -> None:
        if self._lookup is not None:
            self._lookup.close()
            self._lookup = None
