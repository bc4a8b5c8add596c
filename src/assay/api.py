"""The public façade: the functions most users need, importable from ``assay``."""

from __future__ import annotations

from typing import Any

from assay.inference.engine import infer as _infer
from assay.pipeline import LoadReport
from assay.pipeline import check as _check
from assay.pipeline import load as _load
from assay.schema import Schema
from assay.sources import Source, open_source


def read(inputs: str | list[str], **options: Any) -> Source:
    """Open files, directories, globs or URIs; see :class:`assay.sources.ReadOptions`."""
    return open_source(inputs, **options)


def infer(paths: str | list[str], *, read: dict[str, Any] | None = None, **options: Any) -> Schema:
    """Infer a schema by reading every row (``sample=N`` for about N spread rows).

    Options: ``tolerance`` (0.999), ``sample``, ``formats`` (True), ``max_depth`` (10),
    ``enum_max`` (12), ``min_frequency`` (0.0), ``null_tokens``, ``threads`` (2),
    ``keys`` (True); ``read`` passes reading options (encoding, delimiter, ...).

    >>> import assay
    >>> schema = assay.infer("examples/shop")
    >>> schema.table("orders").primary_key.fields
    ('order_id',)
    """
    return _infer(paths, read=read, **options)


def load(inputs: str | list[str], target: str | None = None, **options: Any) -> LoadReport:
    """Load files into typed tables in ``target`` (default ``duckdb:///assay.duckdb``).

    Options are those of :class:`assay.pipeline.LoadOptions` (``table``, ``schema``,
    ``mode``, ``key``, ``naming``, ``on_schema_change``, ``on_error``,
    ``check_before_load``, ``checks``, ``read``, ``infer``).  Every row read is loaded,
    rejected (into ``<table>__rejects``, with its reason) or skipped as a duplicate.

    >>> import assay, tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "shop.duckdb"
    >>> report = assay.load("examples/shop/payments.csv", f"duckdb:///{db}")
    >>> {k: report.totals()[k] for k in ("rows_read", "rows_loaded", "rows_rejected")}
    {'rows_read': 518, 'rows_loaded': 515, 'rows_rejected': 2}
    """
    return _load(inputs, target=target, **options)


def check(target: str | None, contract: Schema, tables: list[str] | None = None) -> list[Any]:
    """Run a contract's (or schema's) quality rules against tables in ``target``."""
    return _check(target, contract, tables)
