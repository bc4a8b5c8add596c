"""SQL dialects: capabilities, type mapping and identifier rules per engine.

``get_dialect("postgres")`` returns the dialect object the DDL, migration and quality
check generators render through.  A registry of names to lazy loaders (no module
scanning): adding an engine is one module and one line here.

>>> from assay.dialects import get_dialect
>>> get_dialect("postgresql").name
'postgres'
"""

from __future__ import annotations

import difflib
import importlib
from functools import cache

from assay.dialects.base import Capabilities, SqlDialect
from assay.dialects.types import SqlTypes, UnsupportedTypeError, integer_bits
from assay.errors import UsageError

# name -> "module:Class"
DIALECTS: dict[str, str] = {
    "duckdb": "duckdb:DuckDB",
    "postgres": "postgres:Postgres",
    "sqlite": "sqlite:SQLite",
    "mysql": "mysql:MySQL",
    "sqlserver": "sqlserver:SqlServer",
    "oracle": "oracle:Oracle",
    "bigquery": "bigquery:BigQuery",
    "snowflake": "snowflake:Snowflake",
    "databricks": "databricks:Databricks",
    "spark": "spark:Spark",
    "redshift": "redshift:Redshift",
    "trino": "trino:Trino",
    "clickhouse": "clickhouse:ClickHouse",
}
ALIASES = {
    "postgresql": "postgres",
    "pg": "postgres",
    "mssql": "sqlserver",
    "tsql": "sqlserver",
    "sql-server": "sqlserver",
    "mariadb": "mysql",
    "sqlite3": "sqlite",
    "spark-sql": "spark",
    "unity": "databricks",
}


@cache
def get_dialect(name: str) -> SqlDialect:
    """The dialect called ``name`` (case-insensitive; common aliases accepted)."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in DIALECTS:
        raise UnknownDialectError(name)
    module_name, class_name = DIALECTS[key].split(":")
    module = importlib.import_module(f"assay.dialects.{module_name}")
    dialect: SqlDialect = getattr(module, class_name)()
    return dialect


class UnknownDialectError(UsageError):
    code = "unknown_dialect"

    def __init__(self, name: str) -> None:
        close = difflib.get_close_matches(name.lower(), [*DIALECTS, *ALIASES], n=1, cutoff=0.6)
        hint = f"did you mean {ALIASES.get(close[0], close[0])!r}? " if close else ""
        super().__init__(
            f"unknown SQL dialect {name!r}",
            hint=hint + "valid dialects are: " + ", ".join(DIALECTS),
        )
        self.name = name


__all__ = [
    "ALIASES",
    "DIALECTS",
    "Capabilities",
    "SqlDialect",
    "SqlTypes",
    "UnknownDialectError",
    "UnsupportedTypeError",
    "get_dialect",
    "integer_bits",
]
