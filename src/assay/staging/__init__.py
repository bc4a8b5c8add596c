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

from assay.staging.connect import DEFAULT_DB, open_store
from assay.staging.ingest import FileOutcome, IngestReport, Progress, ingest
from assay.staging.options import Dedup, IngestOptions
from assay.staging.query import run_query
from assay.staging.state import StageState, load_state, save_state
from assay.staging.store import BatchInfo, Counts, FileInfo, StagingStore

__all__ = [
    "DEFAULT_DB",
    "BatchInfo",
    "Counts",
    "Dedup",
    "FileInfo",
    "FileOutcome",
    "IngestOptions",
    "IngestReport",
    "Progress",
    "StageState",
    "StagingStore",
    "ingest",
    "load_state",
    "open_store",
    "run_query",
    "save_state",
]
