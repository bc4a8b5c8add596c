"""The staging store's tables, as numbered forward migrations.

Each migration is a list of statements written once in DuckDB's SQL and rendered for
PostgreSQL by sqlglot (types, sequences and defaults translate), plus statements only
one engine needs (PostgreSQL's safe-cast helpers).  ``assay_staging.schema_version``
records what has been applied; opening a store applies the missing migrations in order,
each in its own transaction.  Never edit a released migration: append a new one.

Everything lives in the schema ``assay_staging``, so a shared PostgreSQL database keeps
its own tables apart (and a DuckDB file named ``staging.duckdb`` is not ambiguous).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sqlglot

SCHEMA = "assay_staging"


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]
    postgres_only: tuple[str, ...] = ()


_COUNTS = """
    records_read BIGINT NOT NULL DEFAULT 0,
    records_staged BIGINT NOT NULL DEFAULT 0,
    duplicates BIGINT NOT NULL DEFAULT 0,
    quarantined BIGINT NOT NULL DEFAULT 0"""

_TABLES = (
    f"CREATE SEQUENCE {SCHEMA}.batch_ids",
    f"CREATE SEQUENCE {SCHEMA}.file_ids",
    f"CREATE SEQUENCE {SCHEMA}.record_ids",
    f"CREATE SEQUENCE {SCHEMA}.quarantine_ids",
    # One row per `assay stage ingest` run: what it was asked, how far it got.
    f"""CREATE TABLE {SCHEMA}.batches (
    batch_id BIGINT PRIMARY KEY,
    status VARCHAR NOT NULL,
    started_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    config JSON,
    files_total BIGINT NOT NULL DEFAULT 0,
    files_staged BIGINT NOT NULL DEFAULT 0,
    files_skipped BIGINT NOT NULL DEFAULT 0,
    files_failed BIGINT NOT NULL DEFAULT 0,
    bytes_read BIGINT NOT NULL DEFAULT 0,{_COUNTS},
    error VARCHAR)""",
    # One row per staged (or failed) version of a source file.
    f"""CREATE TABLE {SCHEMA}.files (
    file_id BIGINT PRIMARY KEY,
    batch_id BIGINT NOT NULL,
    uri VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    status VARCHAR NOT NULL,
    size_bytes BIGINT,
    modified_at TIMESTAMPTZ,
    checksum VARCHAR,
    format VARCHAR,
    detection JSON,{_COUNTS},
    superseded_by BIGINT,
    error VARCHAR,
    staged_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)""",
    f"CREATE INDEX files_uri ON {SCHEMA}.files (uri)",
    # A file's counts per partition (a zip archive or workbook feeds several).
    f"""CREATE TABLE {SCHEMA}.file_partitions (
    file_id BIGINT NOT NULL,
    partition_key VARCHAR NOT NULL,{_COUNTS},
    PRIMARY KEY (file_id, partition_key))""",
    # Every staged record, as written: no primary key or index, so bulk loads stay fast
    # (record_id comes from a sequence and is unique).
    f"""CREATE TABLE {SCHEMA}.records (
    record_id BIGINT NOT NULL DEFAULT nextval('{SCHEMA}.record_ids'),
    batch_id BIGINT NOT NULL,
    file_id BIGINT NOT NULL,
    partition_key VARCHAR NOT NULL,
    record_no BIGINT NOT NULL,
    line_no BIGINT,
    content_hash VARCHAR NOT NULL,
    raw JSON{{RAW_COMPRESSION}} NOT NULL,
    ingested_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)""",
    f"""CREATE TABLE {SCHEMA}.quarantine (
    quarantine_id BIGINT NOT NULL DEFAULT nextval('{SCHEMA}.quarantine_ids'),
    batch_id BIGINT NOT NULL,
    file_id BIGINT NOT NULL,
    partition_key VARCHAR,
    uri VARCHAR NOT NULL,
    member VARCHAR,
    line_no BIGINT,
    record_no BIGINT,
    code VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    raw_text VARCHAR,
    raw BLOB,
    ingested_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)""",
    # Inferred schemas, versioned, with the batches and records they describe.
    f"""CREATE TABLE {SCHEMA}.schemas (
    schema_version INTEGER PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    partition_key VARCHAR,
    first_batch BIGINT,
    last_batch BIGINT,
    records BIGINT,
    fingerprint VARCHAR NOT NULL,
    schema_json JSON NOT NULL)""",
    # For the pipeline: one row per run and stage; JSON columns keep it generic.
    f"""CREATE TABLE {SCHEMA}.pipeline_state (
    run_id VARCHAR NOT NULL,
    stage VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    counts JSON,
    inputs JSON,
    config_hash VARCHAR,
    outputs JSON,
    detail JSON,
    PRIMARY KEY (run_id, stage))""",
    # The records of the latest version of each file (a changed file re-staged under
    # path dedup supersedes its earlier version; both stay in `records` as history).
    f"""CREATE VIEW {SCHEMA}.current_records AS
    SELECT * FROM {SCHEMA}.records
    WHERE file_id NOT IN (
        SELECT file_id FROM {SCHEMA}.files WHERE superseded_by IS NOT NULL)""",
)

# PostgreSQL has no TRY_CAST.  Typed views call these instead: NULL for a value that
# does not convert, never an error that fails the whole query.  (An EXCEPTION block
# costs a subtransaction per call; PostgreSQL 16's pg_input_is_valid would be cheaper,
# but these work on every supported version.)
_PG_TYPES = {
    "bigint": "bigint",
    "numeric": "numeric",
    "double": "double precision",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
    "timestamptz": "timestamptz",
    "time": "time",
    "interval": "interval",
}


def _pg_try(name: str, sql_type: str) -> str:
    return f"""CREATE OR REPLACE FUNCTION {SCHEMA}.try_cast_{name}(value text)
RETURNS {sql_type} LANGUAGE plpgsql STABLE PARALLEL SAFE AS $body$
BEGIN
    RETURN value::{sql_type};
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$body$"""


_PG_HELPERS = (
    *(_pg_try(name, sql_type) for name, sql_type in _PG_TYPES.items()),
    # numeric(p, s): NULL when the value has more integer digits than p - s allows.
    f"""CREATE OR REPLACE FUNCTION {SCHEMA}.try_cast_decimal(value text, p integer, s integer)
RETURNS numeric LANGUAGE plpgsql STABLE PARALLEL SAFE AS $body$
DECLARE n numeric;
BEGIN
    n := round(value::numeric, s);
    IF abs(n) >= power(10::numeric, p - s) THEN RETURN NULL; END IF;
    RETURN n;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$body$""",
    *(
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.try_{fn}(value text, format text)
RETURNS {ret} LANGUAGE plpgsql STABLE PARALLEL SAFE AS $body$
BEGIN
    RETURN {fn}(value, format);
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$body$"""
        for fn, ret in (("to_timestamp", "timestamptz"), ("to_date", "date"))
    ),
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "staging tables, sequences, current_records view", _TABLES, _PG_HELPERS),
)

VERSION_TABLE = f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.schema_version (
    version INTEGER PRIMARY KEY,
    description VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)"""


@lru_cache(maxsize=512)
def render(sql: str, dialect: str) -> str:
    """A statement written in DuckDB's SQL, for ``dialect`` (placeholders included)."""
    if dialect == "duckdb":
        return sql
    return sqlglot.transpile(sql, read="duckdb", write=dialect)[0]


RAW_COMPRESSION = "{RAW_COMPRESSION}"


def _duckdb_raw_compression() -> str:
    """zstd for the raw JSON column: on the benchmark's 467 MB of JSON Lines it stores
    them in 136 MB and loads faster than DuckDB's default string compression (223 MB)."""
    import duckdb

    major, minor = (int(part) for part in duckdb.__version__.split(".")[:2])
    return " USING COMPRESSION zstd" if (major, minor) >= (1, 2) else ""


def statements(migration: Migration, dialect: str) -> list[str]:
    compression = _duckdb_raw_compression() if dialect == "duckdb" else ""
    out = [
        render(sql.replace(RAW_COMPRESSION, compression), dialect) for sql in migration.statements
    ]
    if dialect == "postgres":
        out.extend(migration.postgres_only)
    return out
