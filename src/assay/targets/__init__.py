"""Load targets: one small interface, one module per engine, found by URI scheme.

>>> from assay.targets import TARGETS
>>> sorted(TARGETS)
['delta', 'duckdb', 'iceberg', 'parquet', 'postgresql']

Adding an engine (Snowflake, BigQuery …) is one module with a :class:`Target` subclass
and one line in :data:`TARGETS`; nothing else changes.
"""

from __future__ import annotations

import difflib
import importlib

from assay.errors import UsageError
from assay.targets.base import (
    MODES,
    Capabilities,
    CheckSession,
    Mode,
    TableInfo,
    TablePlan,
    TableWriter,
    Target,
)
from assay.targets.uri import DEFAULT_TARGET, TargetUri, parse_target

# scheme -> "module:Class" (imported on first use: an engine's library is only needed
# when that engine is the target)
TARGETS: dict[str, str] = {
    "duckdb": "duckdb_target:DuckDBTarget",
    "postgresql": "postgres_target:PostgresTarget",
    "parquet": "parquet_target:ParquetTarget",
    "iceberg": "iceberg_target:IcebergTarget",
    "delta": "delta_target:DeltaTarget",
}


def target_class(scheme: str) -> type[Target]:
    if scheme not in TARGETS:
        close = difflib.get_close_matches(scheme, list(TARGETS), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise UsageError(
            f"unknown target scheme {scheme!r}",
            hint=hint + "valid schemes are: " + ", ".join(TARGETS),
        )
    module_name, class_name = TARGETS[scheme].split(":")
    module = importlib.import_module(f"assay.targets.{module_name}")
    cls: type[Target] = getattr(module, class_name)
    return cls


def open_target(uri: str | TargetUri | None = None) -> Target:
    """The target a URI names (default ``duckdb:///assay.duckdb``)."""
    parsed = uri if isinstance(uri, TargetUri) else parse_target(uri)
    return target_class(parsed.scheme)(parsed)


__all__ = [
    "DEFAULT_TARGET",
    "MODES",
    "TARGETS",
    "Capabilities",
    "CheckSession",
    "Mode",
    "TableInfo",
    "TablePlan",
    "TableWriter",
    "Target",
    "TargetUri",
    "open_target",
    "parse_target",
    "target_class",
]
