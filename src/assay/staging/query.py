"""Read-only SQL over the store, and time travel over batches.

A query must be one read statement (SELECT, a set operation, VALUES, DESCRIBE), checked
with sqlglot before it runs; on top of that a DuckDB file is opened read-only and a
PostgreSQL session runs with ``default_transaction_read_only``.  Unqualified names
find the staging tables (``records``, ``current_records``, ``files``, ``batches``,
``quarantine``, typed views).

``as_of_batch=N`` shows the store as it was after batch N: each staging table the query
names is replaced by a CTE holding only what existed then (records and files of
batches ≤ N, a file version superseded later counts as current).  N is an integer
rendered by sqlglot; no user text is ever spliced into SQL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pyarrow as pa
import sqlglot
from sqlglot import exp

from assay.errors import UsageError
from assay.staging.ddl import SCHEMA
from assay.staging.store import StagingStore

_READS = (exp.Select, exp.SetOperation, exp.Values, exp.Describe, exp.Subquery)
_FILE_COLUMNS = (
    "file_id, batch_id, uri, version, status, size_bytes, modified_at, checksum, format, "
    "detection, records_read, records_staged, duplicates, quarantined"
)


def _as_of_sources(batch: int) -> dict[str, str]:
    n = str(int(batch))
    superseded = (
        f"SELECT file_id FROM {SCHEMA}.files WHERE superseded_by IS NOT NULL "
        f"AND superseded_by <= {n}"
    )
    return {
        "records": f"SELECT * FROM {SCHEMA}.records WHERE batch_id <= {n}",
        "current_records": f"SELECT * FROM {SCHEMA}.records WHERE batch_id <= {n} "
        f"AND file_id NOT IN ({superseded})",
        "files": f"SELECT {_FILE_COLUMNS}, CASE WHEN superseded_by <= {n} THEN superseded_by "
        f"END AS superseded_by, error, staged_at FROM {SCHEMA}.files WHERE batch_id <= {n}",
        "file_partitions": f"SELECT * FROM {SCHEMA}.file_partitions WHERE file_id IN "
        f"(SELECT file_id FROM {SCHEMA}.files WHERE batch_id <= {n})",
        "quarantine": f"SELECT * FROM {SCHEMA}.quarantine WHERE batch_id <= {n}",
        "batches": f"SELECT * FROM {SCHEMA}.batches WHERE batch_id <= {n}",
    }


def parse_read_only(sql: str, dialect: str) -> exp.Expression:
    """The statement's syntax tree, or a UsageError if it is not one read statement."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except sqlglot.errors.ParseError as exc:
        first = str(exc).splitlines()[0]
        raise UsageError(f"the query is not valid SQL: {first}") from None
    finally:
        logger.setLevel(level)
    if len(statements) != 1:
        raise UsageError(
            f"give exactly one SQL statement (found {len(statements)})",
            hint='e.g. assay stage query "SELECT count(*) FROM records"',
        )
    tree = statements[0]
    if tree.find(exp.Into) is not None:
        raise UsageError("stage query only reads; SELECT … INTO would create a table")
    if not isinstance(tree, _READS):
        shown = sql.strip().split(None, 1)[0].upper() if sql.strip() else "empty"
        raise UsageError(
            f"stage query only reads; this is not a query ({shown} …)",
            hint="use SELECT (the staging store is changed only by assay stage commands)",
        )
    return tree


def rewrite_as_of(tree: exp.Expression, batch: int, dialect: str) -> exp.Expression:
    """Replace the staging tables the query names with their state after ``batch``."""
    sources = _as_of_sources(batch)
    user_ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    used: dict[str, str] = {}
    for table in list(tree.find_all(exp.Table)):
        name = table.name
        if name not in sources or name in user_ctes or table.catalog:
            continue
        if table.db and table.db != SCHEMA:
            continue
        cte = f"__as_of_{name}"
        used[name] = cte
        replacement = exp.Table(this=exp.to_identifier(cte))
        alias = table.args.get("alias")
        replacement.set(
            "alias", alias.copy() if alias else exp.TableAlias(this=exp.to_identifier(name))
        )
        table.replace(replacement)
    if not used:
        return tree
    if not isinstance(tree, exp.Query):
        raise UsageError("--as-of-batch works with SELECT queries")
    ours = [
        exp.CTE(
            this=sqlglot.parse_one(sources[name], read="duckdb"),
            alias=exp.TableAlias(this=exp.to_identifier(cte)),
        )
        for name, cte in sorted(used.items())
    ]
    existing = tree.args.get("with_")
    if existing is not None:
        existing.set("expressions", [*ours, *existing.expressions])
    else:
        tree.set("with_", exp.With(expressions=ours))
    return tree


def run_query(
    store: StagingStore, sql: str, *, as_of_batch: int | None = None, rows: int = 10_000
) -> Iterator[pa.RecordBatch]:
    """Run one read-only query; its result as Arrow batches."""
    tree = parse_read_only(sql, store.dialect)
    if as_of_batch is not None:
        if as_of_batch < 1:
            raise UsageError("--as-of-batch must be a batch number (1 or more)")
        if store.batch(as_of_batch) is None:
            raise UsageError(f"there is no batch {as_of_batch}", hint="see assay stage batches")
        tree = rewrite_as_of(tree, as_of_batch, store.dialect)
    store.use_staging_names()
    return store.stream(tree.sql(dialect=store.dialect), (), rows)
