"""Open a staging store from what the user typed: a path, ``:memory:`` or a URL.

``postgresql://`` (or ``postgres://``) URLs open the PostgreSQL backend; anything
else is a DuckDB file, resolved from the current directory and checked (a directory or
a missing parent folder is a clear error, not a DuckDB message).  The default,
``.assay/staging.duckdb``, is created with its folder on first use.
"""

from __future__ import annotations

import os
from pathlib import Path

from assay.errors import StagingError
from assay.redaction import redact_uri as redact
from assay.staging.defaults import DEFAULT_DB, ENV_VAR
from assay.staging.store import StagingStore

__all__ = ["DEFAULT_DB", "ENV_VAR", "describe", "is_postgres", "open_store"]


def is_postgres(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def describe(target: str | None) -> str:
    """Where a store is, safe to print."""
    target = target or DEFAULT_DB
    return redact(target) if is_postgres(target) else target


def open_store(
    target: str | os.PathLike[str] | None = None, *, read_only: bool = False, create: bool = True
) -> StagingStore:
    """Open (and migrate, unless read-only) the staging store at ``target``.

    ``create=False`` or ``read_only`` refuse to create a DuckDB file that does not exist
    yet (reading an empty store is almost always a wrong path).
    """
    text = os.fspath(target) if target is not None else DEFAULT_DB
    if is_postgres(text):
        from assay.staging.postgres_store import PostgresStore

        store: StagingStore = PostgresStore(text, read_only=read_only)
    else:
        from assay.staging.duckdb_store import DuckDBStore

        path = (
            text
            if text == ":memory:"
            else str(_check_path(text, target is None, read_only or not create))
        )
        store = DuckDBStore(path, read_only=read_only and path != ":memory:")
    if read_only:
        if store.schema_version() == 0:
            store.close()
            raise StagingError(
                f"{store.display}: there is no staging data here yet",
                hint="stage files first: assay stage ingest PATH",
                code="not_found",
            )
        return store
    try:
        store.migrate()
    except BaseException:
        store.close()
        raise
    return store


def _check_path(text: str, default: bool, must_exist: bool) -> Path:
    if text.startswith("duckdb:"):
        text = text[len("duckdb:") :].removeprefix("//")
    path = Path(os.path.expanduser(text)).resolve()
    if path.is_dir():
        raise StagingError(
            f"{path}: is a directory, not a staging database",
            hint="give a file path such as .assay/staging.duckdb",
            code="bad_path",
        )
    if path.exists():
        if not os.access(path, os.R_OK):
            raise StagingError(f"{path}: permission denied", code="permission_denied")
        return path
    if must_exist:
        raise StagingError(
            f"{path}: there is no staging database here",
            hint="stage files first: assay stage ingest PATH (or give --db)",
            code="not_found",
        )
    if default:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        raise StagingError(
            f"{path.parent}: no such directory for the staging database",
            hint="create it first, or choose another --db path",
            code="bad_path",
        )
    if not os.access(path.parent, os.W_OK):
        raise StagingError(f"{path.parent}: permission denied", code="permission_denied")
    return path
