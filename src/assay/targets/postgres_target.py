"""PostgreSQL (``postgresql://user@host:port/db?schema=s``): bulk loads with ``COPY``.

Converted Arrow batches are streamed to the server with ``COPY … FROM STDIN`` (psycopg
3), never row by row: in PostgreSQL's binary format, built column-wise from the Arrow
arrays (:mod:`assay.targets.pg_binary`; the server then stores values instead of
parsing text), or, when a column's type has no binary encoder there (a domain, an
enum, ``inet`` …), as CSV written by Arrow's C++ writer.  Nested objects and
arrays are JSONB (one document per value; see docs/loading.md), UUIDs are ``uuid``.
Each source file is one transaction with its ledger row and its rejects.  The
password in the URI is used to connect and never printed; ``PGPASSWORD`` and
``~/.pgpass`` work as usual.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from assay._deps import require
from assay.dialects import SqlDialect
from assay.dialects.postgres import Postgres, PostgresTypes
from assay.errors import TargetError
from assay.schema import DataType
from assay.targets.arrow_types import ArrowPolicy
from assay.targets.base import Capabilities, CheckSession, TableInfo, TablePlan, TableWriter
from assay.targets.pg_binary import SIGNATURE, TRAILER, BinaryLayout
from assay.targets.sql_target import SqlTarget
from assay.targets.sql_writer import SqlSession, SqlWriter
from assay.targets.uri import TargetUri

_COPY_CHUNK = 1 << 20
# Column types whose values are exactly the Arrow values converted for them (arrow_of).
_EXACT = frozenset({"text", "varchar", "int2", "int4", "int8", "float8", "numeric", "date", "bool"})


class _DocumentArrays(PostgresTypes):
    """Loaded arrays are JSONB documents, like objects (COPY writes one JSON value)."""

    def visit_array(self, t: DataType) -> str:
        return self.json()


class LoadPostgres(Postgres):
    types = _DocumentArrays


def pg_type(arrow: pa.DataType) -> str:
    """The PostgreSQL column type that holds an Arrow type (staging and bookkeeping)."""
    if pa.types.is_boolean(arrow):
        return "BOOLEAN"
    if pa.types.is_integer(arrow):
        return {8: "SMALLINT", 16: "SMALLINT", 32: "INTEGER"}.get(arrow.bit_width, "BIGINT")
    if pa.types.is_decimal(arrow):
        return f"NUMERIC({arrow.precision}, {arrow.scale})"
    if pa.types.is_floating(arrow):
        return "DOUBLE PRECISION"
    if pa.types.is_date(arrow):
        return "DATE"
    if pa.types.is_timestamp(arrow):
        return "TIMESTAMPTZ" if arrow.tz else "TIMESTAMP"
    if pa.types.is_time(arrow):
        return "TIME"
    if pa.types.is_binary(arrow):
        return "BYTEA"
    return "TEXT"


def arrow_of(data_type: str, udt: str, precision: int | None, scale: int | None) -> pa.DataType:
    """An information_schema column type as the Arrow type rows are converted to."""
    t = data_type.lower()
    if t == "smallint":
        return pa.int16()
    if t == "integer":
        return pa.int32()
    if t == "bigint":
        return pa.int64()
    if t == "numeric":
        p, s = precision or 38, scale or 0
        return pa.decimal128(p, s) if p <= 38 else pa.decimal256(min(p, 76), s)
    if t in ("double precision", "real"):
        return pa.float64()
    if t == "boolean":
        return pa.bool_()
    if t == "date":
        return pa.date32()
    if t.startswith("timestamp"):
        return pa.timestamp("us", tz="UTC") if "with time zone" in t else pa.timestamp("us")
    if t.startswith("time"):
        return pa.time64("us")
    if t == "bytea":
        return pa.binary()
    return pa.string()


class PostgresTarget(SqlTarget):
    scheme = "postgresql"
    title = "PostgreSQL"
    dialect = "postgres"
    paramstyle = "%s"
    capabilities = Capabilities(
        transactions=True,
        merge=True,
        add_columns=True,
        widen_types=True,
        retype_to_text=True,
        sql=True,
        enforces_keys=True,
        arrow=ArrowPolicy(nested="json", max_decimal_precision=1000),
    )

    def __init__(self, uri: TargetUri) -> None:
        super().__init__(uri)
        psycopg = require("psycopg", extra="postgres")
        params = dict(uri.params)
        self.namespace = params.pop("schema", None) or "public"
        parts = urlsplit(uri.raw)
        dsn = urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(params), ""))
        try:
            self.connection = psycopg.connect(dsn, autocommit=True)
        except psycopg.Error as exc:
            raise TargetError(f"{uri.display}: cannot connect: {_first_line(exc)}") from None
        self._psycopg = psycopg
        self._columns: list[str] = []
        self.execute(f"CREATE SCHEMA IF NOT EXISTS {self.name(self.namespace)}")
        self.execute("SET TIME ZONE 'UTC'")

    @cached_property
    def sql_dialect(self) -> SqlDialect:  # type: ignore[override]
        return LoadPostgres()

    def close(self) -> None:
        self.drain()
        self.connection.close()

    # ---- engine hooks -----------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.drain()
        try:
            cursor = self.connection.execute(sql, list(params) if params else None)
        except self._psycopg.Error as exc:
            raise TargetError(f"{self.uri.display}: {_first_line(exc)}") from None
        self._columns = [d.name for d in cursor.description or ()]
        return cursor.fetchall() if cursor.description else []

    def columns_of(self, sql: str) -> list[str]:
        return list(self._columns)

    def insert_arrow(
        self, relation: str, data: pa.Table | pa.RecordBatch, *, drain: bool = True
    ) -> None:
        if drain:
            self.drain()
        self.consume(relation, iter([data]))  # type: ignore[list-item]

    def consume(self, relation: str, batches: Iterator[pa.RecordBatch]) -> None:
        """One ``COPY`` for all the batches (binary where every column allows it)."""
        first = next(batches, None)
        if first is None:
            return
        schema = first.schema
        names = ", ".join(self.name(n) for n in schema.names)
        try:
            layout = BinaryLayout.of(schema, self.column_types(relation, schema.names))
            form = "binary" if layout is not None else "csv"
            with (
                self.connection.cursor() as cursor,
                cursor.copy(f"COPY {relation} ({names}) FROM STDIN (FORMAT {form})") as copy,
            ):
                if layout is not None:
                    copy.write(SIGNATURE)
                for batch in itertools.chain([first], batches):
                    if batch.num_rows == 0:
                        continue
                    if not batch.schema.equals(schema):
                        batch = batch.cast(schema)
                    if layout is not None:
                        _send(copy, layout.encode(batch))
                    else:
                        _send(copy, _csv(batch))
                if layout is not None:
                    copy.write(TRAILER)
        except self._psycopg.Error as exc:
            raise TargetError(f"{self.uri.display}: COPY failed: {_first_line(exc)}") from None
        except pa.ArrowInvalid as exc:  # a value the column's type cannot hold
            raise TargetError(f"{self.uri.display}: COPY failed: {_first_line(exc)}") from None

    def column_types(self, relation: str, names: list[str]) -> list[str | None]:
        """The PostgreSQL type (``pg_type.typname``) of each named column of a relation."""
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t "
                "ON t.oid = a.atttypid WHERE a.attrelid = %s::regclass AND a.attnum > 0 "
                "AND NOT a.attisdropped",
                [relation],
            )
            types = dict(cursor.fetchall())
        return [types.get(n) for n in names]

    def stored_as_converted(self, table: str) -> frozenset[str]:
        """Columns of a type that holds the converted Arrow values exactly (``text`` and
        ``varchar``, not ``char(n)``, which pads; ``float8``, not ``float4``, which
        rounds), in a table the rows reach in binary (not as CSV text parsed again)."""
        info = self.describe(table)
        if info is None:
            return frozenset()
        names = list(info.arrow.names)
        types = self.column_types(self.relation(table), names)
        if BinaryLayout.of(info.arrow, types) is None:
            return frozenset()
        return frozenset(n for n, t in zip(names, types, strict=True) if t in _EXACT)

    def fetch_arrow(self, sql: str) -> pa.Table:
        self.drain()
        cursor = self.connection.execute(sql)
        names = [d.name for d in cursor.description or ()]
        rows = cursor.fetchall()
        return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})

    def table_exists(self, table: str) -> bool:
        rows = self.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s "
            "AND table_name = %s",
            (self.namespace, table),
        )
        return bool(rows[0][0])

    def sql_type(self, arrow: pa.DataType) -> str:
        return pg_type(arrow)

    def retype_sql(self, relation: str, column: str, sql_type: str) -> str:
        return (
            f"ALTER TABLE {relation} ALTER COLUMN {column} SET DATA TYPE {sql_type} "
            f"USING {column}::{sql_type}"
        )

    # ---- introspection ------------------------------------------------------------------
    def describe(self, table: str) -> TableInfo | None:
        rows = self.execute(
            "SELECT column_name, data_type, udt_name, numeric_precision, numeric_scale, "
            "is_nullable FROM information_schema.columns WHERE table_schema = %s "
            "AND table_name = %s ORDER BY ordinal_position",
            (self.namespace, table),
        )
        if not rows:
            return None
        fields = [pa.field(r[0], arrow_of(r[1], r[2], r[3], r[4])) for r in rows]
        required = frozenset(r[0] for r in rows if r[5] == "NO")
        uuid = frozenset(r[0] for r in rows if r[2] == "uuid")
        count = self.execute(f"SELECT count(*) FROM {self.relation(table)}")[0][0]
        keys = self.execute(
            "SELECT k.column_name FROM information_schema.table_constraints c "
            "JOIN information_schema.key_column_usage k ON c.constraint_name = k.constraint_name "
            "AND c.table_schema = k.table_schema AND c.table_name = k.table_name "
            "WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = %s "
            "AND c.table_name = %s ORDER BY k.ordinal_position",
            (self.namespace, table),
        )
        return TableInfo(
            arrow=pa.schema(fields),
            required=required,
            uuid=uuid,
            rows=count,
            primary_key=tuple(k[0] for k in keys),
        )

    def writer(self, plan: TablePlan) -> TableWriter:
        return SqlWriter(self, plan)

    def session(self) -> CheckSession:
        return SqlSession(self)


def _send(copy: Any, data: pa.Buffer | memoryview) -> None:
    view = memoryview(data)  # type: ignore[arg-type]
    try:
        for start in range(0, len(view), _COPY_CHUNK):
            copy.write(view[start : start + _COPY_CHUNK])
    finally:
        view.release()


def _csv(batch: pa.RecordBatch | pa.Table) -> memoryview:
    buffer = io.BytesIO()
    table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
    pacsv.write_csv(_copyable(table), buffer, pacsv.WriteOptions(include_header=False))
    return buffer.getbuffer()


def _copyable(table: pa.Table) -> pa.Table:
    """Columns Arrow's CSV writer cannot write as PostgreSQL reads them, as text."""
    columns = []
    for column in table.columns:
        if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
            hexed = [None if v is None else "\\x" + v.hex() for v in column.to_pylist()]
            column = pa.chunked_array([pa.array(hexed, pa.string())])
        elif pa.types.is_nested(column.type):
            column = pc.cast(column, pa.string())
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
