"""Staging: land raw records losslessly in DuckDB or PostgreSQL, with provenance.

>>> from assay.staging import open_store, ingest, IngestOptions
>>> with open_store(":memory:") as store:
...     report = ingest(store, ["examples/shop"], IngestOptions(dedup="path"))
>>> report.counts.records_staged
3197

One :class:`StagingStore` interface, two engines (``duckdb_store``, ``postgres_store``);
:func:`ingest` stages files one transaction each; :mod:`overview` reads statistics,
batches, history, samples and the quarantine; :func:`run_query` runs read-only SQL
(optionally as of a batch); :mod:`views` builds typed views; :mod:`schemas` keeps
inferred schemas and reads records back for inference; :mod:`state` keeps pipeline
state.
"""

from __future__ import annotations

from assay._lazy import lazy_getattr
from assay.staging.defaults import DEFAULT_DB

# Loaded on first use, so that the command line starts without DuckDB and Arrow.
_LAZY = {
    "open_store": "assay.staging.connect",
    "FileOutcome": "assay.staging.ingestion",
    "IngestReport": "assay.staging.ingestion",
    "Progress": "assay.staging.ingestion",
    "ingest": "assay.staging.ingestion",
    "Dedup": "assay.staging.options",
    "IngestOptions": "assay.staging.options",
    "run_query": "assay.staging.query",
    "StageState": "assay.staging.state",
    "load_state": "assay.staging.state",
    "save_state": "assay.staging.state",
    "BatchInfo": "assay.staging.store",
    "Counts": "assay.staging.store",
    "FileInfo": "assay.staging.store",
    "StagingStore": "assay.staging.store",
}

__all__ = ["DEFAULT_DB", *sorted(_LAZY)]


__getattr__ = lazy_getattr(__name__, _LAZY, globals())
