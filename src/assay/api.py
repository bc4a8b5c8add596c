"""The public façade: the functions most users need, importable from ``assay``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assay.pipeline import LoadReport
    from assay.refinement import RefineResult
    from assay.schema import Schema
    from assay.sources import Source
    from assay.staging.store import StagingStore

# Each function imports what it runs: ``assay.infer`` need not load the loading
# pipeline, the staging stores and the targets (with them, ``import assay.api`` took
# ~1 s; pandas among them, which pyarrow imports when the targets build an array from
# Python values at import).


def read(inputs: str | list[str], **options: Any) -> Source:
    """Open files, directories, globs or URIs; see :class:`assay.sources.ReadOptions`."""
    from assay.sources import open_source

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
    from assay.inference.engine import infer as _infer

    return _infer(paths, read=read, **options)


def infer_staged(
    db: str | StagingStore | None = None,
    *,
    partition: str | None = None,
    save: bool = True,
    **options: Any,
) -> tuple[Schema, int | None]:
    """Infer the schema of staged records (one table per partition) and, with ``save``,
    store it in the staging store as a new schema version; returns it and its version.

    ``db`` is a DuckDB path, a ``postgresql://`` URL (default ``.assay/staging.duckdb``)
    or an open store; options as for :func:`infer`.
    """
    from assay.staging.connect import open_store
    from assay.staging.store import StagingStore

    if isinstance(db, StagingStore):
        return _infer_store(db, partition, save, options)
    with open_store(db, create=False) as store:
        return _infer_store(store, partition, save, options)


def _infer_store(
    store: StagingStore, partition: str | None, save: bool, options: dict[str, Any]
) -> tuple[Schema, int | None]:
    from assay.errors import StagingError
    from assay.inference.engine import BatchTable, infer_batches
    from assay.staging import schemas as staged

    parts = staged.partitions(store, partition)
    if not parts:
        where = f" in partition {partition!r}" if partition else ""
        raise StagingError(
            f"{store.display}: there are no staged records{where}",
            hint="see the partitions with: assay stage stats",
            code="not_found",
        )
    tables = [
        BatchTable(
            name=p.name,
            batches=lambda name=p.name: staged.partition_batches(store, name),
            sources=p.files,
            json_strings=not p.text_values,
            decimal="," if ";" in p.delimiters else ".",
            estimated_rows=p.records,
        )
        for p in parts
    ]
    schema = infer_batches(tables, **options).schema
    version = None
    if save:
        version = staged.save_schema(
            store,
            schema,
            partition=partition,
            first_batch=min(p.first_batch for p in parts),
            last_batch=max(p.last_batch for p in parts),
            records=sum(p.records for p in parts),
        )
    return schema, version


def stage(inputs: str | list[str] | None, *, db: str | None = None, **options: Any) -> Any:
    """Stage files, directories, globs or URIs into a staging store; returns the
    :class:`assay.staging.IngestReport`.

    Options: ``dedup`` (none, path, content, both; default path), ``partition``,
    ``batch_size``, ``resume``, ``read`` (reading options). ``db`` as for
    :func:`infer_staged`.
    """
    from assay.staging import IngestOptions, ingest
    from assay.staging.connect import open_store

    paths = [inputs] if isinstance(inputs, str) else inputs
    with open_store(db) as store:
        return ingest(store, paths, IngestOptions(**options))


def refine(
    schema: Schema | str | list[str],
    *,
    llm: str | None = None,
    docs: list[str] | None = None,
    cache: str | bool = True,
    timeout: float | None = None,
    max_retries: int = 2,
    **options: Any,
) -> RefineResult:
    """Refine a schema (or the schema inferred from paths) with a language model.

    ``llm`` is a provider spec (``ollama:qwen2.5:7b``, ``openai:gpt-4o-mini@URL``,
    ``gguf:/models/m.gguf``; None: ``ASSAY_LLM`` or the config file, else heuristics
    only).  Every suggestion is checked against the data before it is kept; the result
    holds the refined schema, what changed and what was rejected.  ``cache``: answers
    are kept under ``.assay/llm-cache`` (or the directory given; False: no cache).
    Other options: see :class:`assay.refinement.RefineOptions`.

    >>> import assay
    >>> result = assay.refine(assay.infer("examples/shop/customers.csv"), llm="none")
    >>> result.schema.table("customers").field("email").semantic_type
    'email'
    """
    from assay.inference.engine import infer as _infer
    from assay.refinement import RefineOptions
    from assay.refinement.session import refine_with
    from assay.schema import Schema

    if not isinstance(schema, Schema):
        schema = _infer(schema)
    refine_options = RefineOptions(max_retries=max_retries, **options)
    return refine_with(schema, llm, docs=docs, cache=cache, timeout=timeout, options=refine_options)


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
    from assay.pipeline import load as _load

    return _load(inputs, target=target, **options)


def check(target: str | None, contract: Schema, tables: list[str] | None = None) -> list[Any]:
    """Run a contract's (or schema's) quality rules against tables in ``target``."""
    from assay.pipeline import check as _check

    return _check(target, contract, tables)
