"""The shared backend: PostgreSQL through psycopg 3.

Chunks of records go in with ``COPY … FROM STDIN`` in text format, the payload built
by a private in-memory DuckDB in one vectorized pass (no Python loop per value), on the
reading thread while the previous chunk loads.  Content dedup copies a chunk into a
session temporary table first and inserts the rows whose hash is not current yet, with
an index on ``(partition_key, content_hash)`` created the first time it is needed (it
would slow every plain load, so it is not there by default).

Raw records are stored as ``json``, not ``jsonb``: ``json`` keeps the text exactly as
written (key order, duplicate keys, number spelling), which is what a raw store is
for, and loads faster; cast to ``jsonb`` in a query when an index or equality is needed.
The connection URL is shown with its password redacted, and the password is scrubbed
from every error message.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

import duckdb
import orjson
import pyarrow as pa

from assay._deps import require
from assay.errors import StagingError
from assay.redaction import redact_uri as redact
from assay.staging.copy_text import (
    RETRIES,
    Payload,
    contiguous,
    escape,
    escaped,
    refused,
)
from assay.staging.ddl import SCHEMA
from assay.staging.model import Rejected
from assay.staging.store import RECORD_COLUMNS, StagingStore

_COLUMNS = "batch_id, file_id, partition_key, record_no, line_no, content_hash, raw"


class PostgresStore(StagingStore):
    dialect = "postgres"

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        self._psycopg = require("psycopg", extra="postgres", package="psycopg")
        self.display = redact(url)
        self._secret = unquote(urlsplit(url).password or "") or None
        self.read_only = read_only
        try:
            self.conn = self._psycopg.connect(
                url, autocommit=True, connect_timeout=15, application_name="assay"
            )
        except self._psycopg.Error as exc:
            raise StagingError(
                f"cannot connect to {self.display}: {self._scrub(exc)}",
                hint="check the URL, that the server is running, and the credentials",
                code="unreachable",
            ) from None
        # json stays text: the raw record exactly as stored, not a re-serialized dict.
        text_loader = require("psycopg.types.string", extra="postgres").TextLoader
        self.conn.adapters.register_loader("json", text_loader)
        self.conn.adapters.register_loader("jsonb", text_loader)
        if read_only:
            self.conn.execute("SET default_transaction_read_only = on")
        self._dedup_ready = False
        self._formatters = threading.local()  # in-memory DuckDB per thread, for COPY data
        self._opened: list[Any] = []

    # ------------------------------------------------------------- primitives
    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            cursor = self.conn.execute(self.render(sql), list(params) or None)
        except self._psycopg.Error as exc:
            raise self._error(exc) from None
        return cursor.rowcount

    def execute_raw(self, sql: str) -> None:
        try:
            self.conn.execute(sql)
        except self._psycopg.Error as exc:
            raise self._error(exc) from None

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        try:
            cursor = self.conn.execute(self.render(sql), list(params) or None)
            names = [d.name for d in cursor.description or []]
            return names, cursor.fetchall() if cursor.description else []
        except self._psycopg.Error as exc:
            raise self._error(exc) from None

    def stream(
        self, sql: str, params: Sequence[Any] = (), rows: int = 10_000
    ) -> Iterator[pa.RecordBatch]:
        try:
            with self.conn.transaction(), self.conn.cursor(name="assay_stream") as cursor:
                cursor.itersize = rows
                cursor.execute(sql, list(params) or None)
                names = [d.name for d in cursor.description or []]
                empty = True
                while True:
                    part = cursor.fetchmany(rows)
                    if not part:
                        break
                    empty = False
                    yield _to_batch(names, part)
                if empty:  # keep the column names of an empty result
                    yield _to_batch(names, [])
        except self._psycopg.Error as exc:
            raise self._error(exc) from None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        try:
            with self.conn.transaction():
                yield
        except self._psycopg.Error as exc:
            raise self._error(exc) from None

    def use_staging_names(self) -> None:
        self.execute_raw(f"SET search_path TO {SCHEMA}, public")

    def _lock_for_migration(self) -> None:
        self.conn.execute("SELECT pg_advisory_xact_lock(hashtext('assay_staging.migrate'))")

    def prepare_dedup(self) -> None:
        if self._dedup_ready:
            return
        self.execute_raw(
            f"CREATE INDEX IF NOT EXISTS records_content ON {SCHEMA}.records "
            "(partition_key, content_hash)"
        )
        self.execute_raw(
            "CREATE TEMP TABLE IF NOT EXISTS __assay_chunk "
            "(record_no bigint, line_no bigint, content_hash text, raw json)"
        )
        self._dedup_ready = True

    def prepare_records(
        self, chunk: pa.Table, *, batch_id: int, file_id: int, partition: str, dedup: bool
    ) -> Payload:
        """The chunk as ``COPY`` text-format bytes, built by a private in-memory DuckDB (in
        one vectorized pass, on the reading thread; only ``\\``, tab, newline and carriage
        return need escaping, unlike CSV where every quote of the JSON is doubled)."""
        formatter = getattr(self._formatters, "conn", None)
        if formatter is None:  # one per thread: DuckDB connections are not shared
            formatter = self._formatters.conn = duckdb.connect(":memory:")
            formatter.execute("SET enable_progress_bar = false")
            self._opened.append(formatter)
        fields = ["record_no", "coalesce(CAST(line_no AS VARCHAR), '\\N')", "content_hash"]
        data = bytes(contiguous(chunk.column("raw")))
        plain = not any(char in data for char in (b"\\", b"\t", b"\n", b"\r"))
        fields.append("raw" if plain else escaped("raw"))
        head = "" if dedup else f"{int(batch_id)}\t{int(file_id)}\t{escape(partition)}"
        sql = "SELECT concat(?, " + ", chr(9), ".join(fields) + ", chr(10)) FROM __assay_copy"
        formatter.register("__assay_copy", chunk.select(list(RECORD_COLUMNS)))
        try:
            lines = formatter.sql(sql, params=[head + "\t" if head else ""]).to_arrow_table()
        finally:
            formatter.unregister("__assay_copy")
        return Payload(contiguous(lines.column(0)), chunk.num_rows, chunk)

    def load_records(
        self, chunk: Any, *, batch_id: int, file_id: int, partition: str, dedup: bool
    ) -> tuple[int, list[Rejected]]:
        """``COPY`` the chunk in a savepoint.  PostgreSQL's ``json`` is stricter than the
        encoder's check (no NaN, Infinity or trailing commas): when it refuses a record,
        the savepoint is rolled back, the records it refuses are set aside with a reason
        and the others loaded again."""
        where = {"batch_id": batch_id, "file_id": file_id, "partition": partition, "dedup": dedup}
        payload = chunk if isinstance(chunk, Payload) else self.prepare_records(chunk, **where)
        rejected: list[Rejected] = []
        for _ in range(RETRIES):
            if payload.rows == 0:
                return 0, rejected
            try:
                with self.conn.transaction():  # a savepoint in the file's transaction
                    return self._load(payload, batch_id, file_id, partition, dedup), rejected
            except self._psycopg.DataError as exc:
                bad, keep = refused(payload.table, exc, strict=not rejected)
                if not bad:
                    raise self._error(exc) from None
                rejected.extend(bad)
                payload = self.prepare_records(payload.table.filter(keep), **where)
            except self._psycopg.Error as exc:
                raise self._error(exc) from None
        raise StagingError(
            f"{self.display}: PostgreSQL refused more than {RETRIES} records of one chunk",
            code="refused",
        )

    def _load(
        self, payload: Payload, batch_id: int, file_id: int, partition: str, dedup: bool
    ) -> int:
        with self.conn.cursor() as cursor:
            if not dedup:
                self._copy(cursor, f"{SCHEMA}.records ({_COLUMNS})", payload.data)
                return payload.rows
            self.prepare_dedup()
            cursor.execute("TRUNCATE __assay_chunk")
            self._copy(
                cursor, "__assay_chunk (record_no, line_no, content_hash, raw)", payload.data
            )
            cursor.execute(
                f"""INSERT INTO {SCHEMA}.records ({_COLUMNS})
                SELECT %s, %s, %s, d.record_no, d.line_no, d.content_hash, d.raw
                FROM (SELECT DISTINCT ON (c.content_hash) c.* FROM __assay_chunk c
                      WHERE NOT EXISTS (
                          SELECT 1 FROM {SCHEMA}.current_records r
                          WHERE r.partition_key = %s AND r.content_hash = c.content_hash)
                      ORDER BY c.content_hash, c.record_no) d
                ORDER BY d.record_no""",
                (batch_id, file_id, partition, partition),
            )
            return cursor.rowcount

    def _copy(self, cursor: Any, target: str, data: memoryview) -> None:
        with cursor.copy(f"COPY {target} FROM STDIN") as copy:
            copy.write(data)

    def load_quarantine(self, rows: pa.Table) -> None:
        names = ", ".join(rows.column_names)
        try:
            with (
                self.conn.cursor() as cursor,
                cursor.copy(f"COPY {SCHEMA}.quarantine ({names}) FROM STDIN") as copy,
            ):
                for row in rows.to_pylist():
                    copy.write_row(list(row.values()))
        except self._psycopg.Error as exc:
            raise self._error(exc) from None

    def create_view(self, name: str, select_sql: str, *, replace: bool) -> None:
        head = "CREATE OR REPLACE VIEW" if replace else "CREATE VIEW"
        ident = self._psycopg.sql.Identifier(SCHEMA, name).as_string(self.conn)
        self.execute_raw(f"{head} {ident} AS {select_sql}")

    def close(self) -> None:
        self.conn.close()
        for formatter in self._opened:
            formatter.close()

    # ------------------------------------------------------------- errors
    def _scrub(self, exc: BaseException) -> str:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if self._secret:
            text = text.replace(self._secret, "***")
        return redact(text)

    def _error(self, exc: BaseException) -> StagingError:
        return StagingError(f"{self.display}: {self._scrub(exc)}", code="query_failed")


def _to_batch(names: list[str], rows: list[tuple]) -> pa.RecordBatch:
    columns = []
    for i in range(len(names)):
        values = [row[i] for row in rows]
        if any(isinstance(v, dict | list) for v in values):
            values = [None if v is None else orjson.dumps(v).decode() for v in values]
        columns.append(pa.array(values))
    return pa.record_batch(columns, names=_unique(names))


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out
