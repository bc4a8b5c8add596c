"""The embedded backend: a DuckDB file (or ``:memory:``), no server to run.

Chunks of records arrive as Arrow tables and are inserted with one
``INSERT … SELECT FROM`` the registered Arrow table (DuckDB scans Arrow without a copy
into Python); transactions are DuckDB's.  The records are valid JSON already (the
encoder built them or checked them with ``json_valid``, the same parser), so their
column is handed over typed as Arrow's JSON extension type: DuckDB reads it as ``JSON``
and does not parse every text a second time, as a cast from text would.  One process
writes a file at a time: a second writer gets a clear "in use" error instead of DuckDB's
lock message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from assay.errors import StagingError
from assay.staging.ddl import SCHEMA
from assay.staging.model import Rejected
from assay.staging.store import RECORD_COLUMNS, StagingStore

_INSERT = f"""INSERT INTO {SCHEMA}.records
    (batch_id, file_id, partition_key, record_no, line_no, content_hash, raw)
    SELECT ?, ?, ?, c.record_no, c.line_no, c.content_hash, c.raw FROM __assay_chunk c"""
# Content dedup: skip a record whose hash is already current in the partition, and all
# but the first of a hash repeated within the chunk.
_INSERT_DEDUP = (
    _INSERT
    + f"""
    WHERE NOT EXISTS (
        SELECT 1 FROM {SCHEMA}.current_records r
        WHERE r.partition_key = ? AND r.content_hash = c.content_hash)
    QUALIFY row_number() OVER (PARTITION BY c.content_hash ORDER BY c.record_no) = 1"""
)


class DuckDBStore(StagingStore):
    dialect = "duckdb"

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = str(path)
        self.display = self.path
        self.read_only = read_only
        try:
            self.conn = duckdb.connect(self.path, read_only=read_only)
        except duckdb.IOException as exc:
            raise _open_error(self.path, exc) from None
        except duckdb.Error as exc:
            raise StagingError(f"{self.path}: cannot open the staging database: {exc}") from None
        self._depth = 0
        self.conn.execute("SET enable_progress_bar = false")

    # ------------------------------------------------------------- primitives
    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            result = self.conn.execute(sql, list(params) if params else None)
        except duckdb.Error as exc:
            raise _error(self.path, exc) from None
        if result.description and result.description[0][0] == "Count":
            row = result.fetchone()
            return int(row[0]) if row else 0
        return -1

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        try:
            result = self.conn.execute(sql, list(params) if params else None)
            names = [d[0] for d in result.description or []]
            return names, result.fetchall()
        except duckdb.Error as exc:
            raise _error(self.path, exc) from None

    def stream(
        self, sql: str, params: Sequence[Any] = (), rows: int = 10_000
    ) -> Iterator[pa.RecordBatch]:
        try:
            relation = self.conn.sql(sql, params=list(params) if params else None)
            if relation is None:  # not a query
                return
            reader = relation.to_arrow_reader(rows)
            empty = True
            for batch in reader:
                empty = False
                yield batch
            if empty:  # keep the column names of an empty result
                yield pa.RecordBatch.from_pylist([], schema=reader.schema)
        except duckdb.Error as exc:
            raise _error(self.path, exc) from None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth:  # nested: part of the outer transaction
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            with suppress(duckdb.Error):
                self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        try:
            self.conn.execute("COMMIT")
        except duckdb.Error as exc:
            raise _error(self.path, exc) from None

    def own_files(self) -> set[str]:
        if self.path == ":memory:":
            return set()
        return {self.path, self.path + ".wal", self.path + ".tmp"}

    def use_staging_names(self) -> None:
        self.conn.execute(f"SET search_path = '{SCHEMA},main'")

    def load_records(
        self, chunk: pa.Table, *, batch_id: int, file_id: int, partition: str, dedup: bool
    ) -> tuple[int, list[Rejected]]:
        chunk = _as_json(chunk.select(list(RECORD_COLUMNS)))
        # A reader, not the table: DuckDB keeps a registered table alive until the
        # transaction ends (a whole file's worth of memory); a reader is let go at once.
        self.conn.register("__assay_chunk", _reader(chunk))
        try:
            if dedup:
                return self.execute(_INSERT_DEDUP, (batch_id, file_id, partition, partition)), []
            return self.execute(_INSERT, (batch_id, file_id, partition)), []
        finally:
            self.conn.unregister("__assay_chunk")

    def load_quarantine(self, rows: pa.Table) -> None:
        names = ", ".join(rows.column_names)
        self.conn.register("__assay_quarantine", _reader(rows))
        try:
            self.execute(
                f"INSERT INTO {SCHEMA}.quarantine ({names}) SELECT {names} FROM __assay_quarantine"
            )
        finally:
            self.conn.unregister("__assay_quarantine")

    def create_view(self, name: str, select_sql: str, *, replace: bool) -> None:
        head = "CREATE OR REPLACE VIEW" if replace else "CREATE VIEW"
        self.execute(f"{head} {SCHEMA}.{_quote(name)} AS {select_sql}")

    def close(self) -> None:
        self.conn.close()


def _as_json(chunk: pa.Table) -> pa.Table:
    """``chunk`` with its ``raw`` column typed JSON (the same buffers), where this pyarrow
    and DuckDB know the extension type; as it is otherwise (DuckDB casts and checks)."""
    raw = chunk.column("raw")
    if not _json_extension() or raw.type not in (pa.string(), pa.large_string()):
        return chunk
    kind = pa.json_(raw.type)
    typed = pa.chunked_array(
        [pa.ExtensionArray.from_storage(kind, part) for part in raw.chunks], kind
    )
    return chunk.set_column(chunk.schema.get_field_index("raw"), "raw", typed)


@lru_cache(maxsize=1)
def _json_extension() -> bool:
    """Whether DuckDB reads Arrow's ``arrow.json`` extension type as its ``JSON``."""
    if not hasattr(pa, "json_"):
        return False
    probe = pa.table({"j": pa.array(["{}"], pa.json_())})
    try:
        with duckdb.connect(":memory:") as conn:
            conn.register("probe", probe)
            return conn.execute("SELECT typeof(j) FROM probe").fetchall() == [("JSON",)]
    except duckdb.Error:
        return False


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_PID = re.compile(r"PID (\d+)")


def _open_error(path: str, exc: duckdb.Error) -> StagingError:
    text = str(exc)
    if "lock" in text.lower():
        pid = _PID.search(text)
        holder = f" (process {pid.group(1)})" if pid else ""
        return StagingError(
            f"{path}: the staging database is in use by another process{holder}",
            hint="wait for it to finish, or use another --db",
            code="locked",
        )
    return StagingError(f"{path}: cannot open the staging database: {text}")


def _error(path: str, exc: duckdb.Error) -> StagingError:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return StagingError(f"{path}: {text}", code="query_failed")


def _reader(table: pa.Table) -> pa.RecordBatchReader:
    return pa.RecordBatchReader.from_batches(table.schema, table.to_batches())
